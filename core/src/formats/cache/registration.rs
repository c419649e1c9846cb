//! The client registration cache file (spec 6.4): `~/.aws/sso/cache/<regkey>.json`.

use serde_json::Value;

use super::{pyjson, CacheError};
use crate::base::timestamp::format_timestamp;
use crate::registration::Registration;
use crate::Secret;

impl Registration {
    /// Reads a registration file.
    pub fn from_json(bytes: &[u8]) -> Result<Self, CacheError> {
        let mut map = super::parse_object(bytes)?;
        Ok(Registration {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn cli_shape_round_trips() {
        let text = r#"{"clientId": "cid", "clientSecret": "sec", "expiresAt": "2026-04-04T18:51:47Z", "scopes": ["sso:account:access"]}"#;
        let r = Registration::from_json(text.as_bytes()).unwrap();
        assert_eq!(r.to_json(), text);
        assert!(!r.is_authorization_code());
    }

    #[test]
    fn reuse_rule_needs_fifteen_minutes_and_the_right_flow() {
        let mut r = Registration::from_json(
            br#"{"clientId":"c","clientSecret":"s","expiresAt":"2026-01-01T01:00:00Z"}"#,
        )
        .unwrap();
        assert!(r.is_reusable_for_device_flow(datetime!(2026-01-01 00:45:00 UTC)));
        assert!(!r.is_reusable_for_device_flow(datetime!(2026-01-01 00:45:01 UTC)));
        assert!(!r.is_reusable_for_authorization_code(datetime!(2026-01-01 00:00:00 UTC)));
        r.grant_types = Some(vec!["authorization_code".into(), "refresh_token".into()]);
        assert!(!r.is_reusable_for_device_flow(datetime!(2026-01-01 00:00:00 UTC)));
        assert!(r.is_reusable_for_authorization_code(datetime!(2026-01-01 00:00:00 UTC)));
    }

    #[test]
    fn broken_files_are_errors() {
        assert_eq!(
            Registration::from_json(br#"{"clientSecret":"s","expiresAt":"2026-01-01T01:00:00Z"}"#),
            Err(CacheError::MissingMember("clientId"))
        );
        assert!(matches!(Registration::from_json(br#"{"clientId":"c","clientSecret":"s","expiresAt":"2026-01-01T01:00:00Z","scopes":"x"}"#), Err(CacheError::WrongType { .. })));
    }
}
