//! Handing AWS credentials to other programs: the `credential_process` JSON, shell `export`
//! lines and `KEY=value` lines (what `.env` files hold), and every format of
//! `aws configure export-credentials --format` byte for byte ([`ExportFormat`],
//! [`ProcessCredentials::export`]). [`parse_process_output`] reads the JSON back.
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
        let line = if export {
            |out: &mut String, name: &str, value: &str| {
                out.push_str("export ");
                out.push_str(name);
                out.push('=');
                out.push_str(value);
            }
        } else {
            |out: &mut String, name: &str, value: &str| {
                out.push_str(name);
                out.push('=');
                out.push_str(value);
            }
        };
        self.lines(self.expiration.map(format_timestamp), line)
    }

    /// The credentials as `aws configure export-credentials --format FORMAT` prints them, byte
    /// for byte: the same members and variables, in the same order, with the same layout, and
    /// `Expiration` as Python's `datetime.isoformat()` writes the AWS CLI's UTC expiry
    /// (`2026-01-15T19:00:00+00:00`). The line formats refuse a value that could not be printed
    /// safely unquoted ([`ExportError`]), where the AWS CLI prints it as it is.
    ///
    /// ```
    /// use ssooidc_core::settings::{ExportFormat, ProcessCredentials, StaticKeys};
    /// let creds = ProcessCredentials::new(
    ///     StaticKeys::new("ASIAEXAMPLE", "secret").with_session_token("token"),
    ///     Some(time::macros::datetime!(2026-01-15 19:00 UTC).into()),
    /// );
    /// assert_eq!(
    ///     creds.export(ExportFormat::Powershell).unwrap(),
    ///     "$Env:AWS_ACCESS_KEY_ID=\"ASIAEXAMPLE\"\n$Env:AWS_SECRET_ACCESS_KEY=\"secret\"\n\
    ///      $Env:AWS_SESSION_TOKEN=\"token\"\n$Env:AWS_CREDENTIAL_EXPIRATION=\"2026-01-15T19:00:00+00:00\"\n"
    /// );
    /// ```
    pub fn export(&self, format: ExportFormat) -> Result<String, ExportError> {
        let expiration = self.expiration.map(isoformat);
        let (before, between, after) = match format {
            ExportFormat::Process => {
                let output = ProcessOutput {
                    version: 1,
                    access_key_id: &self.keys.access_key_id,
                    secret_access_key: self.keys.secret_access_key.expose(),
                    session_token: self.keys.session_token.as_ref().map(|t| t.expose()),
                    expiration,
                };
                // Serialising a struct of strings cannot fail.
                let text = serde_json::to_string_pretty(&output).unwrap_or_default();
                return Ok(format!("{}\n", ascii_json(&text)));
            }
            ExportFormat::Env => ("export ", "=", ""),
            ExportFormat::EnvNoExport => ("", "=", ""),
            ExportFormat::Powershell => ("$Env:", "=\"", "\""),
            ExportFormat::WindowsCmd => ("set ", "=", ""),
            ExportFormat::Fish => ("set -gx ", " \"", "\""),
        };
        self.lines(expiration, |out, name, value| {
            out.push_str(before);
            out.push_str(name);
            out.push_str(between);
            out.push_str(value);
            out.push_str(after);
        })
    }

    /// One line per variable that has a value, each made by `line` (without its line break),
    /// every value checked to be printable unquoted.
    fn lines(
        &self,
        expiration: Option<String>,
        line: impl Fn(&mut String, &str, &str),
    ) -> Result<String, ExportError> {
        let mut out = String::new();
        for (variable, value) in self.variables(expiration) {
            if value.is_empty() || !value.bytes().all(is_safe) {
                return Err(ExportError::UnsafeValue { variable });
            }
            line(&mut out, variable, &value);
            out.push('\n');
        }
        Ok(out)
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, and `AWS_SESSION_TOKEN` and
    /// `AWS_CREDENTIAL_EXPIRATION` (written as `expiration`) when there are, in this order.
    pub(super) fn variables(&self, expiration: Option<String>) -> Vec<(&'static str, String)> {
        let mut variables = vec![
            ("AWS_ACCESS_KEY_ID", self.keys.access_key_id.clone()),
            (
                "AWS_SECRET_ACCESS_KEY",
                self.keys.secret_access_key.expose().to_owned(),
            ),
        ];
        if let Some(token) = &self.keys.session_token {
            variables.push(("AWS_SESSION_TOKEN", token.expose().to_owned()));
        }
        if let Some(expiration) = expiration {
            variables.push(("AWS_CREDENTIAL_EXPIRATION", expiration));
        }
        variables
    }
}

/// The formats of `aws configure export-credentials --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExportFormat {
    /// `process`: the `credential_process` JSON (the AWS CLI's default).
    Process,
    /// `env`: `export AWS_ACCESS_KEY_ID=...` lines for a POSIX shell.
    Env,
    /// `env-no-export`: `AWS_ACCESS_KEY_ID=...` lines.
    EnvNoExport,
    /// `powershell`: `$Env:AWS_ACCESS_KEY_ID="..."` lines.
    Powershell,
    /// `windows-cmd`: `set AWS_ACCESS_KEY_ID=...` lines.
    WindowsCmd,
    /// `fish`: `set -gx AWS_ACCESS_KEY_ID "..."` lines.
    Fish,
}

impl ExportFormat {
    /// Every format, in the order the AWS CLI lists them.
    pub const ALL: [ExportFormat; 6] = [
        ExportFormat::Process,
        ExportFormat::Env,
        ExportFormat::EnvNoExport,
        ExportFormat::Powershell,
        ExportFormat::WindowsCmd,
        ExportFormat::Fish,
    ];

    /// The format's name for `--format`.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Process => "process",
            ExportFormat::Env => "env",
            ExportFormat::EnvNoExport => "env-no-export",
            ExportFormat::Powershell => "powershell",
            ExportFormat::WindowsCmd => "windows-cmd",
            ExportFormat::Fish => "fish",
        }
    }

    /// The format named `name` (exactly, as the AWS CLI's choices are matched).
    pub fn from_name(name: &str) -> Option<ExportFormat> {
        ExportFormat::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A UTC time as Python's `datetime.isoformat()` writes the AWS CLI's expiry times (whole
/// seconds, as every expiry it reads has them): `2026-01-15T19:00:00+00:00`.
pub(super) fn isoformat(t: crate::Timestamp) -> String {
    let mut text = format_timestamp(t);
    text.pop(); // the `Z`
    text.push_str("+00:00");
    text
}

/// JSON with every character outside ASCII written as a `\uXXXX` escape (UTF-16 surrogates
/// beyond the first plane), as Python's `json.dumps` writes it by default. Outside strings JSON
/// has only ASCII, so escaping the whole text escapes exactly the strings' characters.
fn ascii_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
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
