//! AWS credentials as values and formats: [`StaticKeys`] for the one signed operation, the
//! output of a `credential_process` ([`parse_process_output`], which an adapter runs), and
//! credentials written out again (`credential_process` JSON, shell and `.env` lines). Where
//! credentials come from is the settings resolver's (`settings::CredentialSource`).

mod chain;
mod export;
mod handoff;

pub use chain::{next_profile_chain, ProfileChainError, MAX_PROFILE_CHAIN, PROFILE_CHAIN_VARIABLE};
pub use export::{ExportError, ExportFormat};
pub use handoff::{child_environment, Handoff, CONFLICTING_VARIABLES, PROFILE_VARIABLE};

use std::fmt;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::base::timestamp::parse_timestamp;
use crate::sigv4::SigningCredentials;
use crate::{Secret, Timestamp};

/// Static keys: an access key id, its secret and, for temporary credentials, a session token.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticKeys {
    /// `aws_access_key_id` / `AWS_ACCESS_KEY_ID` / `AccessKeyId`.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// The session token of temporary credentials (sent as `X-Amz-Security-Token`).
    pub session_token: Option<Secret>,
}

impl StaticKeys {
    /// Keys without a session token.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<Secret>) -> Self {
        StaticKeys {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
        }
    }

    /// Sets the session token.
    pub fn with_session_token(mut self, token: impl Into<Secret>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The keys in the form the SigV4 signer takes.
    pub fn signing(&self) -> SigningCredentials {
        SigningCredentials {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: self.session_token.clone(),
        }
    }
}

impl fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticKeys")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .finish()
    }
}

/// The largest `credential_process` output that is parsed: 64 KiB (real outputs are a few
/// hundred bytes; the session token is the longest member).
pub const MAX_PROCESS_OUTPUT_BYTES: usize = 64 * 1024;

/// Credentials a `credential_process` printed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessCredentials {
    /// The keys.
    pub keys: StaticKeys,
    /// `Expiration`, when the credentials are temporary; `None` means they do not expire.
    pub expiration: Option<Timestamp>,
    /// `AccountId`, when given.
    pub account_id: Option<String>,
}

impl ProcessCredentials {
    /// Credentials with `keys`, expiring at `expiration` (`None`: they do not), without an
    /// account id.
    pub fn new(keys: StaticKeys, expiration: Option<Timestamp>) -> Self {
        ProcessCredentials {
            keys,
            expiration,
            account_id: None,
        }
    }
}

/// Why a `credential_process`'s output was refused. No variant quotes the output: it holds
/// secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessOutputError {
    /// More than [`MAX_PROCESS_OUTPUT_BYTES`].
    #[error("the output is larger than {MAX_PROCESS_OUTPUT_BYTES} bytes")]
    TooLarge,
    /// Not a JSON object.
    #[error("the output is not a JSON object (line {line}, column {column})")]
    NotJson {
        /// Where parsing stopped.
        line: usize,
        /// Where parsing stopped.
        column: usize,
    },
    /// `Version` is missing or not 1.
    #[error("unsupported Version {0} (supported: 1)")]
    Version(String),
    /// A required member is missing.
    #[error("missing required key `{0}`")]
    Missing(&'static str),
    /// A member is not a (non-empty, where required) string.
    #[error("`{0}` must be a string")]
    WrongType(&'static str),
    /// `Expiration` is not a timestamp.
    #[error("`Expiration` is not an ISO 8601 timestamp")]
    BadExpiration,
    /// `Expiration` has passed.
    #[error("the credentials expired at {}", crate::base::timestamp::format_timestamp(*.0))]
    Expired(Timestamp),
}

/// Reads a `credential_process`'s standard output as botocore does: a JSON object with
/// `Version` 1, `AccessKeyId`, `SecretAccessKey`, optional `SessionToken`, `Expiration`
/// (ISO 8601) and `AccountId`. Credentials whose `Expiration` is not after `now` are refused
/// (botocore refreshes them once and then gives up the same way).
///
/// ```
/// use ssooidc_core::settings::parse_process_output;
/// let out = br#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s",
///               "SessionToken": "t", "Expiration": "2999-01-01T00:00:00Z"}"#;
/// let creds = parse_process_output(out, time::OffsetDateTime::UNIX_EPOCH).unwrap();
/// assert_eq!(creds.keys.access_key_id, "AKID");
/// assert!(creds.expiration.is_some());
/// ```
pub fn parse_process_output(
    stdout: &[u8],
    now: OffsetDateTime,
) -> Result<ProcessCredentials, ProcessOutputError> {
    if stdout.len() > MAX_PROCESS_OUTPUT_BYTES {
        return Err(ProcessOutputError::TooLarge);
    }
    let object: Map<String, Value> =
        serde_json::from_slice(stdout).map_err(|e| ProcessOutputError::NotJson {
            line: e.line(),
            column: e.column(),
        })?;
    match object.get("Version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(Value::Number(n)) => return Err(ProcessOutputError::Version(n.to_string())),
        Some(_) => return Err(ProcessOutputError::Version("(not a number)".to_owned())),
        None => return Err(ProcessOutputError::Version("(missing)".to_owned())),
    }
    let string = |key: &'static str| -> Result<Option<String>, ProcessOutputError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ProcessOutputError::WrongType(key)),
        }
    };
    let required = |key: &'static str| -> Result<String, ProcessOutputError> {
        string(key)?
            .filter(|s| !s.is_empty())
            .ok_or(ProcessOutputError::Missing(key))
    };
    let keys = StaticKeys {
        access_key_id: required("AccessKeyId")?,
        secret_access_key: Secret::new(required("SecretAccessKey")?),
        session_token: string("SessionToken")?
            .filter(|s| !s.is_empty())
            .map(Secret::new),
    };
    let expiration = match string("Expiration")? {
        None => None,
        Some(text) => Some(parse_timestamp(&text).map_err(|_| ProcessOutputError::BadExpiration)?),
    };
    if let Some(at) = expiration {
        if at <= now {
            return Err(ProcessOutputError::Expired(at));
        }
    }
    Ok(ProcessCredentials {
        keys,
        expiration,
        account_id: string("AccountId")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-01-15 12:00 UTC)
    }

    #[test]
    fn a_complete_output_is_read() {
        let out = br#"{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"SK","SessionToken":"ST","Expiration":"2026-01-15T13:00:00Z","AccountId":"123456789012"}"#;
        let c = parse_process_output(out, now()).unwrap();
        assert_eq!(c.keys.access_key_id, "AKID");
        assert_eq!(c.keys.secret_access_key.expose(), "SK");
        assert_eq!(c.keys.session_token.as_ref().unwrap().expose(), "ST");
        assert_eq!(
            c.expiration,
            Some(time::macros::datetime!(2026-01-15 13:00 UTC).into())
        );
        assert_eq!(c.account_id.as_deref(), Some("123456789012"));
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("SK\"") && !shown.contains("ST\""),
            "{shown}"
        );
    }

    #[test]
    fn expiration_and_session_token_are_optional() {
        let c = parse_process_output(
            br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S"}"#,
            now(),
        )
        .unwrap();
        assert_eq!(c.expiration, None);
        assert_eq!(c.keys.session_token, None);
    }

    #[test]
    fn refusals_never_quote_the_output() {
        let cases: &[(&[u8], ProcessOutputError)] = &[
            (b"SECRETSTUFF", ProcessOutputError::NotJson { line: 1, column: 1 }),
            (br#"{"AccessKeyId":"A","SecretAccessKey":"SECRET"}"#, ProcessOutputError::Version("(missing)".into())),
            (br#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"SECRET"}"#, ProcessOutputError::Version("2".into())),
            (br#"{"Version":"1","AccessKeyId":"A","SecretAccessKey":"SECRET"}"#, ProcessOutputError::Version("(not a number)".into())),
            (br#"{"Version":1,"SecretAccessKey":"SECRET"}"#, ProcessOutputError::Missing("AccessKeyId")),
            (br#"{"Version":1,"AccessKeyId":"A"}"#, ProcessOutputError::Missing("SecretAccessKey")),
            (br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":7}"#, ProcessOutputError::WrongType("SecretAccessKey")),
            (br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"SECRET","Expiration":"soon"}"#, ProcessOutputError::BadExpiration),
            (br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"SECRET","Expiration":"2026-01-15T12:00:00Z"}"#, ProcessOutputError::Expired(now().into())),
        ];
        for (out, expected) in cases {
            let got = parse_process_output(out, now()).unwrap_err();
            let text = got.to_string();
            assert!(!text.contains("SECRET"), "{text}");
            match (&got, expected) {
                (ProcessOutputError::NotJson { .. }, ProcessOutputError::NotJson { .. }) => {}
                _ => assert_eq!(&got, expected),
            }
        }
        let huge = vec![b' '; MAX_PROCESS_OUTPUT_BYTES + 1];
        assert_eq!(
            parse_process_output(&huge, now()),
            Err(ProcessOutputError::TooLarge)
        );
    }
}
