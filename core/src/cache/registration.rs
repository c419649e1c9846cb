//! The client registration cache file (spec 6.4): `~/.aws/sso/cache/<regkey>.json`.

use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use super::timestamp::format_timestamp;
use super::{pyjson, CacheError};
use crate::Secret;

/// How long a cached registration must still be valid to be reused: 15 minutes.
pub const REGISTRATION_REUSE_WINDOW: Duration = Duration::minutes(15);

/// A client registration, as cached by the AWS CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedRegistration {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
    /// When the registration expires (from `clientSecretExpiresAt`).
    pub expires_at: OffsetDateTime,
    /// Registered scopes.
    pub scopes: Option<Vec<String>>,
    /// `["authorization_code","refresh_token"]` for PKCE registrations; absent for device ones.
    pub grant_types: Option<Vec<String>>,
    /// Members this version does not know.
    pub extra: Map<String, Value>,
}

impl CachedRegistration {
    /// Reads a registration file.
    pub fn from_json(bytes: &[u8]) -> Result<Self, CacheError> {
        let mut map = super::parse_object(bytes)?;
        Ok(CachedRegistration {
            client_id: super::take_str(&mut map, "clientId")?
                .ok_or(CacheError::MissingMember("clientId"))?,
            client_secret: Secret::new(
                super::take_str(&mut map, "clientSecret")?
                    .ok_or(CacheError::MissingMember("clientSecret"))?,
            ),
            expires_at: super::take_time(&mut map, "expiresAt")?
                .ok_or(CacheError::MissingMember("expiresAt"))?,
            scopes: super::take_str_list(&mut map, "scopes")?,
            grant_types: super::take_str_list(&mut map, "grantTypes")?,
            extra: map,
        })
    }

    /// Writes the file as the AWS CLI does.
    pub fn to_json(&self) -> String {
        let list = |v: &Vec<String>| Value::Array(v.iter().cloned().map(Value::String).collect());
        let known = [
            ("clientId", Some(Value::String(self.client_id.clone()))),
            (
                "clientSecret",
                Some(Value::String(self.client_secret.expose().to_owned())),
            ),
            (
                "expiresAt",
                Some(Value::String(format_timestamp(self.expires_at))),
            ),
            ("scopes", self.scopes.as_ref().map(list)),
            ("grantTypes", self.grant_types.as_ref().map(list)),
        ];
        let mut out = String::new();
        pyjson::write_object(
            &mut out,
            known
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)))
                .chain(
                    self.extra
                        .iter()
                        .filter(|(k, _)| !known.iter().any(|(kk, _)| kk == k))
                        .map(|(k, v)| (k.as_str(), v)),
                ),
        );
        out
    }

    /// Whether this is a PKCE (authorization-code) registration.
    pub fn is_authorization_code(&self) -> bool {
        self.grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|t| t == "authorization_code"))
    }

    /// Whether the device flow may reuse it at `now`: at least 15 minutes left and not a PKCE
    /// registration (older caches without `grantTypes` count as device registrations).
    pub fn usable_for_device_flow(&self, now: OffsetDateTime) -> bool {
        !self.is_authorization_code() && self.expires_at - now >= REGISTRATION_REUSE_WINDOW
    }

    /// Whether the PKCE flow may reuse it at `now`.
    pub fn usable_for_authorization_code(&self, now: OffsetDateTime) -> bool {
        self.is_authorization_code() && self.expires_at - now >= REGISTRATION_REUSE_WINDOW
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn cli_shape_round_trips() {
        let text = r#"{"clientId": "cid", "clientSecret": "sec", "expiresAt": "2026-04-04T18:51:47Z", "scopes": ["sso:account:access"]}"#;
        let r = CachedRegistration::from_json(text.as_bytes()).unwrap();
        assert_eq!(r.to_json(), text);
        assert!(!r.is_authorization_code());
    }

    #[test]
    fn reuse_rule_needs_fifteen_minutes_and_the_right_flow() {
        let mut r = CachedRegistration::from_json(
            br#"{"clientId":"c","clientSecret":"s","expiresAt":"2026-01-01T01:00:00Z"}"#,
        )
        .unwrap();
        assert!(r.usable_for_device_flow(datetime!(2026-01-01 00:45:00 UTC)));
        assert!(!r.usable_for_device_flow(datetime!(2026-01-01 00:45:01 UTC)));
        assert!(!r.usable_for_authorization_code(datetime!(2026-01-01 00:00:00 UTC)));
        r.grant_types = Some(vec!["authorization_code".into(), "refresh_token".into()]);
        assert!(!r.usable_for_device_flow(datetime!(2026-01-01 00:00:00 UTC)));
        assert!(r.usable_for_authorization_code(datetime!(2026-01-01 00:00:00 UTC)));
    }

    #[test]
    fn broken_files_are_errors() {
        assert_eq!(
            CachedRegistration::from_json(
                br#"{"clientSecret":"s","expiresAt":"2026-01-01T01:00:00Z"}"#
            ),
            Err(CacheError::MissingMember("clientId"))
        );
        assert!(matches!(CachedRegistration::from_json(br#"{"clientId":"c","clientSecret":"s","expiresAt":"2026-01-01T01:00:00Z","scopes":"x"}"#), Err(CacheError::WrongType { .. })));
    }
}
