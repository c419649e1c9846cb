//! Handing AWS credentials to other programs, as `aws configure export-credentials` prints them:
//! the `credential_process` JSON (`--format process`), shell `export` lines (`env`) and
//! `KEY=value` lines (`env-no-export`, what `.env` files hold). [`parse_process_output`]
//! reads the first form back.
//!
//! [`parse_process_output`]: super::parse_process_output

use serde::Serialize;

use super::ProcessCredentials;
use crate::base::timestamp::format_timestamp;

/// Why credentials cannot be printed as variable assignments. No variant quotes the value: it
/// may be a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A value holds a character outside `A-Z a-z 0-9 + / = . _ : -`. Real keys, tokens and
    /// times never do; printed unquoted, such a value could end the line or run a command in
    /// a shell that evaluates the output, and quoting means different things to a shell and to
    /// a `.env` reader.
    #[error("{variable} holds characters that cannot be printed safely as a variable assignment")]
    UnsafeValue {
        /// The variable (`AWS_SESSION_TOKEN`, ...).
        variable: &'static str,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ProcessOutput<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration: Option<String>,
}

impl ProcessCredentials {
    /// The `credential_process` output: `Version` 1, `AccessKeyId`, `SecretAccessKey`, and
    /// `SessionToken` and `Expiration` (`YYYY-MM-DDTHH:MM:SSZ`) when there are, indented by two
    /// spaces as the AWS CLI prints it, with a final newline. `AccountId` is not printed (the
    /// AWS CLI does not either).
    ///
    /// Named after its format, as its reader
    /// [`parse_process_output`](super::parse_process_output) is: this is not a cache
    /// file (those are written by the cache types' `to_json`, such as
    /// [`CachedRoleCredentials::to_json`](crate::cache::CachedRoleCredentials::to_json), and
    /// read by their `from_json`).
    ///
    /// ```
    /// use ssooidc_core::settings::{parse_process_output, ProcessCredentials, StaticKeys};
    /// let creds = ProcessCredentials::new(
    ///     StaticKeys::new("ASIAEXAMPLE", "secret").with_session_token("token"),
    ///     Some(time::macros::datetime!(2026-01-15 19:00 UTC).into()),
    /// );
    /// let out = creds.to_process_output();
    /// assert!(out.starts_with("{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIAEXAMPLE\",\n"));
    /// assert_eq!(parse_process_output(out.as_bytes(), time::OffsetDateTime::UNIX_EPOCH).unwrap(), creds);
    /// ```
    pub fn to_process_output(&self) -> String {
        let output = ProcessOutput {
            version: 1,
            access_key_id: &self.keys.access_key_id,
            secret_access_key: self.keys.secret_access_key.expose(),
            session_token: self.keys.session_token.as_ref().map(|t| t.expose()),
            expiration: self.expiration.map(format_timestamp),
        };
        // Serialising a struct of strings cannot fail.
        let mut text = serde_json::to_string_pretty(&output).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The variables `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` and
    /// `AWS_CREDENTIAL_EXPIRATION` (the last two when there are), one per line: `export
    /// NAME=value` when `export` (for `eval` in a shell), `NAME=value` otherwise (a `.env` file).
    /// A value that could not be printed safely unquoted is an [`ExportError`] instead.
    ///
    /// ```
    /// use ssooidc_core::settings::{ProcessCredentials, StaticKeys};
    /// let creds = ProcessCredentials::new(StaticKeys::new("AKID", "s/k+="), None);
    /// assert_eq!(
    ///     creds.to_variables(true).unwrap(),
    ///     "export AWS_ACCESS_KEY_ID=AKID\nexport AWS_SECRET_ACCESS_KEY=s/k+=\n"
    /// );
    /// ```
    pub fn to_variables(&self, export: bool) -> Result<String, ExportError> {
        let expiration = self.expiration.map(format_timestamp);
        let variables = [
            ("AWS_ACCESS_KEY_ID", Some(self.keys.access_key_id.as_str())),
            (
                "AWS_SECRET_ACCESS_KEY",
                Some(self.keys.secret_access_key.expose()),
            ),
            (
                "AWS_SESSION_TOKEN",
                self.keys.session_token.as_ref().map(|t| t.expose()),
            ),
            ("AWS_CREDENTIAL_EXPIRATION", expiration.as_deref()),
        ];
        let mut out = String::new();
        for (variable, value) in variables {
            let Some(value) = value else { continue };
            if value.is_empty() || !value.bytes().all(is_safe) {
                return Err(ExportError::UnsafeValue { variable });
            }
            if export {
                out.push_str("export ");
            }
            out.push_str(variable);
            out.push('=');
            out.push_str(value);
            out.push('\n');
        }
        Ok(out)
    }
}

/// The characters a value may hold to be printed unquoted: base64 and timestamps.
fn is_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'.' | b'_' | b':' | b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::credentials::{parse_process_output, StaticKeys};

    fn creds() -> ProcessCredentials {
        ProcessCredentials::new(
            StaticKeys::new("ASIAEXAMPLE", "wJalr/K7MDENG+bPxRfiCY=")
                .with_session_token("IQoJb3JpZ2luX2Vj/EXAMPLE=="),
            Some(time::macros::datetime!(2026-01-15 19:00 UTC).into()),
        )
    }

    #[test]
    fn process_output_is_the_aws_clis_form_and_reads_back() {
        let out = creds().to_process_output();
        assert_eq!(
            out,
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIAEXAMPLE\",\n  \"SecretAccessKey\": \"wJalr/K7MDENG+bPxRfiCY=\",\n  \"SessionToken\": \"IQoJb3JpZ2luX2Vj/EXAMPLE==\",\n  \"Expiration\": \"2026-01-15T19:00:00Z\"\n}\n"
        );
        let back = parse_process_output(out.as_bytes(), time::OffsetDateTime::UNIX_EPOCH).unwrap();
        assert_eq!(back, creds());
    }

    #[test]
    fn variables_in_both_forms() {
        assert_eq!(
            creds().to_variables(false).unwrap(),
            "AWS_ACCESS_KEY_ID=ASIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalr/K7MDENG+bPxRfiCY=\nAWS_SESSION_TOKEN=IQoJb3JpZ2luX2Vj/EXAMPLE==\nAWS_CREDENTIAL_EXPIRATION=2026-01-15T19:00:00Z\n"
        );
        let exported = creds().to_variables(true).unwrap();
        assert_eq!(exported.lines().count(), 4);
        assert!(exported.lines().all(|l| l.starts_with("export AWS_")));
    }

    #[test]
    fn a_value_that_could_escape_its_line_is_refused_without_being_quoted() {
        for hostile in ["a\nexport X=1", "$(touch /tmp/x)", "a b", "`id`", "x'y", ""] {
            let mut c = creds();
            c.keys.session_token = Some(crate::Secret::new(hostile));
            let err = c.to_variables(true).unwrap_err();
            assert_eq!(
                err,
                ExportError::UnsafeValue {
                    variable: "AWS_SESSION_TOKEN"
                }
            );
            if !hostile.is_empty() {
                assert!(!err.to_string().contains(hostile));
            }
        }
    }
}
