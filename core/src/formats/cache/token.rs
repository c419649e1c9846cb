//! The token cache file (spec 6.3): `~/.aws/sso/cache/<key>.json`.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::{pyjson, CacheError};
use crate::base::timestamp::format_timestamp;
use crate::{Secret, Timestamp};

/// A token cache entry, as the AWS CLI and SDKs read and write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedToken {
    /// The configured start URL.
    pub start_url: Option<String>,
    /// The `sso_region`.
    pub region: Option<String>,
    /// The access token.
    pub access_token: Secret,
    /// When the access token expires.
    pub expires_at: Timestamp,
    /// The registration's client id (needed to refresh).
    pub client_id: Option<String>,
    /// The registration's client secret.
    pub client_secret: Option<Secret>,
    /// When the registration expires.
    pub registration_expires_at: Option<Timestamp>,
    /// The refresh token, when the service sent one.
    pub refresh_token: Option<Secret>,
    /// Members this version does not know, kept so a rewrite loses nothing.
    pub extra: Map<String, Value>,
}

/// Known members, in the order the AWS CLI writes them.
const ORDER: [&str; 8] = [
    "startUrl",
    "region",
    "accessToken",
    "expiresAt",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
    "refreshToken",
];

impl CachedToken {
    /// Reads a token file. A file without `accessToken` (such as a registration file) or with an
    /// unreadable `expiresAt` is an error, as in botocore.
    pub fn from_json(bytes: &[u8]) -> Result<Self, CacheError> {
        let mut map = super::parse_object(bytes)?;
        let access_token = super::take_str(&mut map, "accessToken")?
            .ok_or(CacheError::MissingMember("accessToken"))?;
        let expires_at = super::take_time(&mut map, "expiresAt")?
            .ok_or(CacheError::MissingMember("expiresAt"))?;
        Ok(CachedToken {
            start_url: super::take_str(&mut map, "startUrl")?,
            region: super::take_str(&mut map, "region")?,
            access_token: Secret::new(access_token),
            expires_at,
            client_id: super::take_str(&mut map, "clientId")?,
            client_secret: super::take_str(&mut map, "clientSecret")?.map(Secret::new),
            registration_expires_at: super::take_time(&mut map, "registrationExpiresAt")?,
            refresh_token: super::take_str(&mut map, "refreshToken")?.map(Secret::new),
            extra: map,
        })
    }

    /// Writes the file as the AWS CLI does: one line, Python `json.dumps` spacing, known members
    /// in the CLI's order, absent ones left out, unknown members after them.
    pub fn to_json(&self) -> String {
        let s = |v: &str| Value::String(v.to_owned());
        let known: [Option<Value>; 8] = [
            self.start_url.as_deref().map(s),
            self.region.as_deref().map(s),
            Some(s(self.access_token.expose())),
            Some(s(&format_timestamp(self.expires_at))),
            self.client_id.as_deref().map(s),
            self.client_secret.as_ref().map(|v| s(v.expose())),
            self.registration_expires_at
                .map(|t| s(&format_timestamp(t))),
            self.refresh_token.as_ref().map(|v| s(v.expose())),
        ];
        let mut out = String::new();
        pyjson::write_object(
            &mut out,
            ORDER
                .iter()
                .zip(known.iter())
                .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)))
                .chain(
                    self.extra
                        .iter()
                        .filter(|(k, _)| !ORDER.contains(&k.as_str()))
                        .map(|(k, v)| (k.as_str(), v)),
                ),
        );
        out
    }

    /// Whether the access token is still valid at `now`.
    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLI_FILE: &str = r#"{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1", "accessToken": "aoaAAAAA...", "expiresAt": "2026-01-15T18:30:00Z", "clientId": "ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ", "clientSecret": "eyJraWQiOi...", "registrationExpiresAt": "2026-04-15T10:00:00Z", "refreshToken": "aorvJYub..."}"#;

    #[test]
    fn the_cli_example_round_trips_byte_for_byte() {
        let t = CachedToken::from_json(CLI_FILE.as_bytes()).unwrap();
        assert_eq!(t.region.as_deref(), Some("us-east-1"));
        assert_eq!(
            t.expires_at,
            time::macros::datetime!(2026-01-15 18:30:00 UTC)
        );
        assert_eq!(t.to_json(), CLI_FILE);
    }

    #[test]
    fn debug_shows_rfc_3339_timestamps() {
        let t = CachedToken::from_json(CLI_FILE.as_bytes()).unwrap();
        let shown = format!("{t:?}");
        assert!(
            shown.contains("expires_at: 2026-01-15T18:30:00Z,"),
            "{shown}"
        );
        assert!(
            shown.contains("registration_expires_at: Some(2026-04-15T10:00:00Z),"),
            "{shown}"
        );
        assert!(!shown.contains("+00:00:00"), "{shown}");
    }

    #[test]
    fn unknown_members_survive_a_rewrite() {
        let t = CachedToken::from_json(br#"{"accessToken":"a","expiresAt":"2024-01-01T00:00:00.000Z","zeta":{"n":1},"alpha":[true]}"#).unwrap();
        assert_eq!(
            t.to_json(),
            r#"{"accessToken": "a", "expiresAt": "2024-01-01T00:00:00Z", "alpha": [true], "zeta": {"n": 1}}"#
        );
    }

    #[test]
    fn registration_files_and_broken_files_are_errors() {
        assert_eq!(
            CachedToken::from_json(
                br#"{"clientId":"c","clientSecret":"s","expiresAt":"2026-01-01T00:00:00Z"}"#
            ),
            Err(CacheError::MissingMember("accessToken"))
        );
        assert!(matches!(
            CachedToken::from_json(b"{\"accessToken\":\"a\",\"expiresAt\":\"soon\"}"),
            Err(CacheError::BadTimestamp { .. })
        ));
        assert!(matches!(
            CachedToken::from_json(b"{\"accessToken\":1,\"expiresAt\":\"2026-01-01T00:00:00Z\"}"),
            Err(CacheError::WrongType { .. })
        ));
        assert!(matches!(
            CachedToken::from_json(b"{\"accessToken\":\"a\""),
            Err(CacheError::Json(_))
        ));
        assert!(matches!(
            CachedToken::from_json(b"[]"),
            Err(CacheError::Json(_))
        ));
        assert!(matches!(
            CachedToken::from_json(b""),
            Err(CacheError::Json(_))
        ));
    }

    #[test]
    fn debug_hides_tokens() {
        let t = CachedToken::from_json(CLI_FILE.as_bytes()).unwrap();
        let shown = format!("{t:?}");
        assert!(
            !shown.contains("aoaAAAAA")
                && !shown.contains("eyJraWQi")
                && !shown.contains("aorvJYub"),
            "{shown}"
        );
    }
}
