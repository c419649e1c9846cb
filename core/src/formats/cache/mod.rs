//! The AWS CLI's caches in `~/.aws/sso/cache` (spec 6.3, 6.4) and its role-credential cache in
//! `~/.aws/cli/cache` (spec 6.8): file names, file formats and timestamps, byte-compatible with
//! what the AWS CLI writes. Pure: adapters do the file I/O.
//! The registration file's model is [`Registration`](crate::registration::Registration).
//! Beside them, the cache of `ssooidc oauth` ([`OAuthCacheEntry`]), this project's own format.
//!
//! Every cache file's type reads with `from_json` and writes with `to_json` ([`CachedToken`],
//! [`CachedRoleCredentials`], [`OAuthCacheEntry`], and
//! [`Registration`](crate::registration::Registration)). What a `credential_process` prints is
//! no cache file: [`CachedRoleCredentials::to_process_credentials`] gives the credentials in
//! that form, written by
//! [`ProcessCredentials::to_process_output`](crate::settings::ProcessCredentials::to_process_output).

mod keys;
mod oauth;
mod pyjson;
mod registration;
mod role_credentials;
mod token;

use crate::Timestamp;
use serde_json::{Map, Value};

pub use crate::base::timestamp::{
    expiry_after, format_timestamp, from_epoch_seconds, parse_timestamp, TimestampError,
};
pub use keys::{
    registration_cache_key, registration_cache_key_input, role_credentials_cache_key,
    token_cache_key,
};
pub use oauth::{oauth_cache_key, OAuthCacheEntry};
pub use role_credentials::{
    CachedRoleCredentials, CachedUse, ROLE_CREDENTIALS_EXPIRY_WINDOW,
    ROLE_CREDENTIALS_MANDATORY_WINDOW, SSO_PROVIDER_TYPE,
};
pub use token::CachedToken;

/// The largest cache file that is parsed: 1 MiB (real files are a few KiB).
pub const MAX_CACHE_FILE_BYTES: usize = 1024 * 1024;

/// What a lookup of a cache file found: one of three, for good (the session machines match it
/// exhaustively). Adapters read the file; what its bytes mean is [`CacheError`]'s.
#[derive(Debug)]
pub enum Lookup<T> {
    /// A usable entry.
    Found(T),
    /// No file.
    Missing,
    /// A file that cannot be used (partial, corrupt, hostile, of the other kind, a link, a
    /// FIFO). It is left in place; the caller treats it as a miss and shows the warning.
    Corrupt {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        error: CacheError,
    },
}

impl<T> Lookup<T> {
    /// The entry, if found.
    pub fn found(self) -> Option<T> {
        match self {
            Lookup::Found(t) => Some(t),
            _ => None,
        }
    }
}

/// A cache file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// Over [`MAX_CACHE_FILE_BYTES`].
    #[error("cache file of {0} bytes is larger than the {MAX_CACHE_FILE_BYTES}-byte limit")]
    TooLarge(usize),
    /// Not a JSON object.
    #[error("cache file is not a JSON object: {0}")]
    Json(String),
    /// A required member is missing.
    #[error("cache file has no `{0}`")]
    MissingMember(&'static str),
    /// A member has the wrong JSON type.
    #[error("cache file member `{member}` should be {expected}")]
    WrongType {
        /// The member.
        member: &'static str,
        /// What it should be.
        expected: &'static str,
    },
    /// The file cannot be read as a cache file: a FIFO, a device, a directory or a symbolic
    /// link (never followed or waited on), or a read error.
    #[error("{0}")]
    File(crate::formats::file::FileProblem),
    /// A timestamp member cannot be read.
    #[error("cache file member `{member}`: {source}")]
    BadTimestamp {
        /// The member.
        member: &'static str,
        /// The parse failure.
        source: TimestampError,
    },
}

/// Whether `aws sso logout` deletes this file of `~/.aws/sso/cache`: a JSON object with an
/// `accessToken` member (its `SSOTokenSweeper`; registration files have none and stay).
pub fn is_logout_token_file(bytes: &[u8]) -> bool {
    parse_object(bytes).is_ok_and(|map| map.contains_key("accessToken"))
}

/// Whether `aws sso logout` deletes this file of `~/.aws/cli/cache`: a JSON object whose
/// `ProviderType` is `sso` (its `SSOCredentialSweeper`; other providers' entries stay).
pub fn is_logout_credentials_file(bytes: &[u8]) -> bool {
    parse_object(bytes)
        .is_ok_and(|map| map.get("ProviderType").and_then(Value::as_str) == Some(SSO_PROVIDER_TYPE))
}

/// The content of a lock file that records the last refresh attempt (epoch seconds): a JSON
/// object, `{"lastRefreshAttempt": N}`. Lock files live beside the cache files, and `aws sso
/// logout` parses every file there: a bare number would make it fail (`'accessToken' in 1700000000`
/// raises), an object without `accessToken` is skipped.
pub fn lock_record(epoch_seconds: i64) -> String {
    format!("{{\"lastRefreshAttempt\": {epoch_seconds}}}")
}

/// Reads a lock file's record: [`lock_record`]'s form, or the bare number earlier versions
/// wrote; `None` for anything else (an empty lock file included).
pub fn parse_lock_record(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(n) = text.parse() {
        return Some(n);
    }
    parse_object(text.as_bytes())
        .ok()?
        .get("lastRefreshAttempt")?
        .as_i64()
}

fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, CacheError> {
    if bytes.len() > MAX_CACHE_FILE_BYTES {
        return Err(CacheError::TooLarge(bytes.len()));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        // Say where, not what: the file holds secrets.
        CacheError::Json(format!(
            "{:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

fn take_str(
    map: &mut Map<String, Value>,
    member: &'static str,
) -> Result<Option<String>, CacheError> {
    match map.remove(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(CacheError::WrongType {
            member,
            expected: "a string",
        }),
    }
}

fn take_time(
    map: &mut Map<String, Value>,
    member: &'static str,
) -> Result<Option<Timestamp>, CacheError> {
    take_str(map, member)?
        .map(|s| parse_timestamp(&s).map_err(|source| CacheError::BadTimestamp { member, source }))
        .transpose()
}

fn take_str_list(
    map: &mut Map<String, Value>,
    member: &'static str,
) -> Result<Option<Vec<String>>, CacheError> {
    let wrong = CacheError::WrongType {
        member,
        expected: "a list of strings",
    };
    match map.remove(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(wrong.clone()),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(wrong),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn expiry_saturates_at_both_ends() {
        use super::expiry_after;
        use time::macros::{datetime, offset};
        let now = datetime!(2026-01-04 18:51:47.25 UTC);
        assert_eq!(expiry_after(now, 0), now);
        assert_eq!(expiry_after(now, -1), now);
        assert_eq!(expiry_after(now, i64::MIN), now);
        assert_eq!(expiry_after(now, 1), datetime!(2026-01-04 18:51:48.25 UTC));
        let far = datetime!(9999-12-31 23:59:59 UTC);
        assert_eq!(expiry_after(now, i64::MAX), far);
        assert_eq!(expiry_after(now, i64::MAX / 2), far);
        // In UTC whatever the offset of `now`, at the very end too.
        let late = datetime!(9999-12-31 23:00:00 -05:00);
        assert_eq!(expiry_after(late, 10), far);
        let elsewhere = datetime!(2026-01-04 20:51:47 +02:00);
        assert_eq!(expiry_after(elsewhere, 60).offset(), offset!(UTC));
        assert_eq!(
            expiry_after(elsewhere, 60),
            datetime!(2026-01-04 18:52:47 UTC)
        );
        let stamp = super::format_timestamp(expiry_after(now, i64::MAX));
        assert!(stamp.starts_with("9999-12-31T23:59:59"), "{stamp}");
    }

    use super::*;

    #[test]
    fn the_logout_sweepers_choose_as_the_aws_cli_does() {
        let token = br#"{"accessToken": "a", "expiresAt": "bad"}"#;
        let registration =
            br#"{"clientId": "c", "clientSecret": "s", "expiresAt": "2026-01-01T00:00:00Z"}"#;
        assert!(is_logout_token_file(token), "any object with accessToken");
        assert!(!is_logout_token_file(registration));
        assert!(!is_logout_token_file(b"1700000000"));
        assert!(!is_logout_token_file(b""));
        let sso = br#"{"ProviderType": "sso", "Credentials": {}}"#;
        let assumed = br#"{"ProviderType": "assume-role", "Credentials": {}}"#;
        assert!(is_logout_credentials_file(sso));
        assert!(!is_logout_credentials_file(assumed));
        assert!(!is_logout_credentials_file(br#"{"Credentials": {}}"#));
        assert!(!is_logout_credentials_file(b"[1]"));
    }

    #[test]
    fn lock_records_are_objects_and_old_numbers_still_read() {
        let record = lock_record(1_700_000_000);
        assert_eq!(record, r#"{"lastRefreshAttempt": 1700000000}"#);
        assert!(!is_logout_token_file(record.as_bytes()));
        assert_eq!(parse_lock_record(&record), Some(1_700_000_000));
        assert_eq!(parse_lock_record("1700000000\n"), Some(1_700_000_000));
        assert_eq!(parse_lock_record(""), None);
        assert_eq!(parse_lock_record(r#"{"lastRefreshAttempt": "x"}"#), None);
    }
}
