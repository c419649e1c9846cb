//! The AWS CLI's caches in `~/.aws/sso/cache` (spec 6.3, 6.4): file names, file formats and
//! timestamps, byte-compatible with what the AWS CLI writes. Pure: adapters do the file I/O.
//! The registration file's model is [`Registration`](crate::registration::Registration).
//! Beside them, the cache of `ssooidc oauth` ([`OAuthCacheEntry`]), this project's own format.

mod keys;
mod oauth;
mod pyjson;
mod registration;
mod timestamp;
mod token;

use serde_json::{Map, Value};
use time::OffsetDateTime;

pub use keys::{
    registration_cache_key, registration_cache_key_input, role_credentials_cache_key,
    token_cache_key,
};
pub use oauth::{oauth_cache_key, OAuthCacheEntry};
pub use timestamp::{format_timestamp, from_epoch_seconds, parse_timestamp, TimestampError};
pub use token::CachedToken;

/// The largest cache file that is parsed: 1 MiB (real files are a few KiB).
pub const MAX_CACHE_FILE_BYTES: usize = 1024 * 1024;

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
    /// A timestamp member cannot be read.
    #[error("cache file member `{member}`: {source}")]
    BadTimestamp {
        /// The member.
        member: &'static str,
        /// The parse failure.
        source: TimestampError,
    },
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
) -> Result<Option<OffsetDateTime>, CacheError> {
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
