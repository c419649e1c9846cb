//! The cache of `ssooidc oauth` (`$XDG_CACHE_HOME/ssooidc/oauth/<key>.json`): one file per
//! provider, client and scopes, holding the [`Tokens`] of the last login or refresh. The format
//! is this project's own (no other tool reads it); see `docs/protocol/oauth.md#cache`.

use serde_json::{Map, Value};

use super::keys::sha1_hex;
use super::{format_timestamp, parse_object, take_str, take_str_list, take_time, CacheError};
use crate::formats::oauth::Tokens;
use crate::Secret;

/// The key of the cache file of `client_id` at `provider` (its issuer, or its token endpoint)
/// with `scopes`: the hex SHA-1 of the JSON array `[provider, client_id, [scopes sorted and
/// deduplicated]]`, so that the same scopes in another order share the file.
///
/// ```
/// use ssooidc_core::cache::oauth_cache_key;
/// let a = oauth_cache_key("https://idp.example.com", "cli", &["openid".into(), "email".into()]);
/// let b = oauth_cache_key("https://idp.example.com", "cli", &["email".into(), "openid".into(), "email".into()]);
/// assert_eq!(a, b);
/// assert_eq!(a.len(), 40);
/// assert_ne!(a, oauth_cache_key("https://idp.example.com", "cli", &[]));
/// ```
pub fn oauth_cache_key(provider: &str, client_id: &str, scopes: &[String]) -> String {
    let mut sorted: Vec<&str> = scopes.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let input = Value::Array(vec![
        Value::String(provider.to_owned()),
        Value::String(client_id.to_owned()),
        Value::Array(
            sorted
                .into_iter()
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
    ]);
    sha1_hex(input.to_string().as_bytes())
}

/// One cache file: whose tokens they are, and the tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthCacheEntry {
    /// The provider: its issuer, or its token endpoint when it was given explicitly.
    pub provider: String,
    /// The client id.
    pub client_id: String,
    /// The scopes the login asked for.
    pub scopes: Vec<String>,
    /// The tokens.
    pub tokens: Tokens,
    /// Members this version does not know, kept on rewrite.
    pub extra: Map<String, Value>,
}

/// The members of the file, in the order written.
const ORDER: [&str; 9] = [
    "provider",
    "client_id",
    "scopes",
    "access_token",
    "token_type",
    "expires_at",
    "refresh_token",
    "scope",
    "id_token",
];

impl OAuthCacheEntry {
    /// An entry for `tokens` of `client_id` at `provider` with `scopes`.
    pub fn new(
        provider: impl Into<String>,
        client_id: impl Into<String>,
        scopes: Vec<String>,
        tokens: Tokens,
    ) -> Self {
        OAuthCacheEntry {
            provider: provider.into(),
            client_id: client_id.into(),
            scopes,
            tokens,
            extra: Map::new(),
        }
    }

    /// The file's key ([`oauth_cache_key`]).
    pub fn key(&self) -> String {
        oauth_cache_key(&self.provider, &self.client_id, &self.scopes)
    }

    /// Reads a file (at most [`MAX_CACHE_FILE_BYTES`](super::MAX_CACHE_FILE_BYTES)).
    pub fn from_json(bytes: &[u8]) -> Result<Self, CacheError> {
        let mut map = parse_object(bytes)?;
        let required = |map: &mut Map<String, Value>, member| {
            take_str(map, member)?.ok_or(CacheError::MissingMember(member))
        };
        let provider = required(&mut map, "provider")?;
        let client_id = required(&mut map, "client_id")?;
        let scopes = take_str_list(&mut map, "scopes")?.unwrap_or_default();
        let access_token = Secret::new(required(&mut map, "access_token")?);
        let token_type = required(&mut map, "token_type")?;
        let expires_at = take_time(&mut map, "expires_at")?;
        let refresh_token = take_str(&mut map, "refresh_token")?.map(Secret::new);
        let scope = take_str(&mut map, "scope")?;
        let id_token = take_str(&mut map, "id_token")?.map(Secret::new);
        let tokens = Tokens {
            access_token,
            token_type,
            expires_at,
            refresh_token,
            scope,
            id_token,
        };
        Ok(OAuthCacheEntry {
            provider,
            client_id,
            scopes,
            tokens,
            extra: map,
        })
    }

    /// Writes the file: one JSON object, the known members first, unknown ones after them.
    pub fn to_json(&self) -> String {
        let s = |v: &str| Value::String(v.to_owned());
        let t = &self.tokens;
        let known: [Option<Value>; 9] = [
            Some(s(&self.provider)),
            Some(s(&self.client_id)),
            Some(Value::Array(self.scopes.iter().map(|v| s(v)).collect())),
            Some(s(t.access_token.expose())),
            Some(s(&t.token_type)),
            t.expires_at.map(|at| s(&format_timestamp(at))),
            t.refresh_token.as_ref().map(|v| s(v.expose())),
            t.scope.as_deref().map(s),
            t.id_token.as_ref().map(|v| s(v.expose())),
        ];
        let mut out = Map::new();
        for (name, value) in ORDER.iter().zip(known) {
            if let Some(value) = value {
                out.insert((*name).to_owned(), value);
            }
        }
        for (name, value) in &self.extra {
            if !ORDER.contains(&name.as_str()) {
                out.insert(name.clone(), value.clone());
            }
        }
        Value::Object(out).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn round_trip_keeps_unknown_members() {
        let text = br#"{"provider":"https://idp.example.com","client_id":"cli","scopes":["openid"],"access_token":"at","token_type":"Bearer","expires_at":"2026-01-04T19:51:47Z","refresh_token":"rt","scope":"openid","future":{"x":1}}"#;
        let entry = OAuthCacheEntry::from_json(text).unwrap();
        assert_eq!(
            entry.tokens.expires_at,
            Some(datetime!(2026-01-04 19:51:47 UTC).into())
        );
        assert_eq!(entry.tokens.refresh_token.as_ref().unwrap().expose(), "rt");
        assert_eq!(entry.tokens.id_token, None);
        assert_eq!(entry.extra["future"]["x"], 1);
        let again = OAuthCacheEntry::from_json(entry.to_json().as_bytes()).unwrap();
        assert_eq!(again, entry);
        assert!(
            !format!("{entry:?}").contains("\"rt\""),
            "secrets stay redacted"
        );
    }

    #[test]
    fn broken_files_are_errors() {
        assert!(matches!(
            OAuthCacheEntry::from_json(
                br#"{"provider":"p","client_id":"c","token_type":"Bearer"}"#
            ),
            Err(CacheError::MissingMember("access_token"))
        ));
        assert!(matches!(
            OAuthCacheEntry::from_json(br#"{"provider":"p","client_id":"c","access_token":"a","token_type":"B","expires_at":"soon"}"#),
            Err(CacheError::BadTimestamp { .. })
        ));
        assert!(OAuthCacheEntry::from_json(b"[]").is_err());
    }
}
