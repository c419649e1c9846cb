//! The AWS CLI's role-credential cache (`~/.aws/cli/cache/<key>.json`, spec 6.8): what
//! `GetRoleCredentials` gave, reused while it has more than 15 minutes left
//! (`docs/protocol/caches.md#role-credential-cache`).

use serde_json::Value;
use time::OffsetDateTime;

use super::{pyjson, CacheError};
use crate::base::timestamp::format_timestamp;
use crate::formats::credentials::{ProcessCredentials, StaticKeys};
use crate::portal::RoleCredentials;
use crate::{Secret, Timestamp};

/// How long before its expiry a cached entry stops being used: 15 minutes, botocore's
/// `CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS`.
pub const ROLE_CREDENTIALS_EXPIRY_WINDOW: time::Duration = time::Duration::minutes(15);

/// With this much left or less, cached credentials are not handed out when fetching new ones
/// failed: 10 minutes, botocore's `_DEFAULT_MANDATORY_REFRESH_TIMEOUT` (between 15 and 10
/// minutes botocore's `RefreshableCredentials` refreshes in its *advisory* period, where a
/// failure is logged and the current credentials kept; from 10 minutes on the refresh is
/// *mandatory* and its failure raised).
pub const ROLE_CREDENTIALS_MANDATORY_WINDOW: time::Duration = time::Duration::minutes(10);

/// What to do with a cached entry at some instant ([`CachedRoleCredentials::use_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CachedUse {
    /// More than [`ROLE_CREDENTIALS_EXPIRY_WINDOW`] left: use it, no request.
    Use,
    /// Inside the expiry window but more than [`ROLE_CREDENTIALS_MANDATORY_WINDOW`] left: fetch
    /// new credentials, and if that fails, use these with a warning (botocore's advisory
    /// refresh period).
    FetchOrKeep,
    /// [`ROLE_CREDENTIALS_MANDATORY_WINDOW`] left or less, or expired: fetch; a failure is the
    /// answer.
    Fetch,
}

/// `ProviderType` of the entries the SSO credential provider writes; `aws sso logout` deletes
/// exactly the files that have it.
pub const SSO_PROVIDER_TYPE: &str = "sso";

/// One entry of the role-credential cache:
/// `{"ProviderType": "sso", "Credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken",
/// "Expiration", "AccountId"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedRoleCredentials {
    /// The keys; the session token is always there.
    pub keys: StaticKeys,
    /// When they expire (whole seconds: the file holds no fraction).
    pub expiration: Timestamp,
    /// The account they are for.
    pub account_id: Option<String>,
    /// `ProviderType` (`sso` for every entry this crate writes; other tools' entries in the same
    /// directory have others).
    pub provider_type: Option<String>,
}

impl CachedRoleCredentials {
    /// The entry for credentials the portal gave for `account_id`, as botocore's
    /// `SSOCredentialFetcher` writes it.
    pub fn from_portal(credentials: &RoleCredentials, account_id: &str) -> Self {
        CachedRoleCredentials {
            keys: credentials.keys(),
            expiration: credentials.expires_at(),
            account_id: Some(account_id.to_owned()),
            provider_type: Some(SSO_PROVIDER_TYPE.to_owned()),
        }
    }

    /// Whether botocore would use this entry at `now`: more than
    /// [`ROLE_CREDENTIALS_EXPIRY_WINDOW`] left (exactly 15 minutes left is still fresh).
    pub fn is_fresh_at(&self, now: OffsetDateTime) -> bool {
        self.expiration - now >= ROLE_CREDENTIALS_EXPIRY_WINDOW
    }

    /// What to do with this entry at `now`: use it, fetch new credentials and keep these if
    /// the fetch fails, or fetch. The AWS CLI fetches as soon as the entry is inside the
    /// 15-minute window and fails with the portal; this keeps botocore's own in-process rule
    /// ([`ROLE_CREDENTIALS_MANDATORY_WINDOW`]) across processes instead.
    pub fn use_at(&self, now: OffsetDateTime) -> CachedUse {
        let left = self.expiration - now;
        if left >= ROLE_CREDENTIALS_EXPIRY_WINDOW {
            CachedUse::Use
        } else if left > ROLE_CREDENTIALS_MANDATORY_WINDOW {
            CachedUse::FetchOrKeep
        } else {
            CachedUse::Fetch
        }
    }

    /// Whether `aws sso logout` deletes this entry: its `ProviderType` is `sso`.
    pub fn is_sso(&self) -> bool {
        self.provider_type.as_deref() == Some(SSO_PROVIDER_TYPE)
    }

    /// The credentials, in the form a `credential_process` prints them.
    pub fn to_process_credentials(&self) -> ProcessCredentials {
        ProcessCredentials {
            keys: self.keys.clone(),
            expiration: Some(self.expiration),
            account_id: self.account_id.clone(),
        }
    }

    /// Reads an entry. A file that is not a JSON object, lacks `Credentials` or one of its
    /// `AccessKeyId`, `SecretAccessKey`, `SessionToken` and `Expiration`, or has an unreadable
    /// `Expiration` is an error (the caller treats it as a miss); unknown members are ignored.
    pub fn from_json(bytes: &[u8]) -> Result<Self, CacheError> {
        let mut map = super::parse_object(bytes)?;
        let provider_type = super::take_str(&mut map, "ProviderType")?;
        let mut credentials = match map.remove("Credentials") {
            Some(Value::Object(c)) => c,
            None | Some(Value::Null) => return Err(CacheError::MissingMember("Credentials")),
            Some(_) => {
                return Err(CacheError::WrongType {
                    member: "Credentials",
                    expected: "an object",
                })
            }
        };
        let mut required = |member: &'static str| {
            super::take_str(&mut credentials, member)?.ok_or(CacheError::MissingMember(member))
        };
        let access_key_id = required("AccessKeyId")?;
        let secret_access_key = Secret::new(required("SecretAccessKey")?);
        let session_token = Secret::new(required("SessionToken")?);
        let expiration = super::take_time(&mut credentials, "Expiration")?
            .ok_or(CacheError::MissingMember("Expiration"))?;
        Ok(CachedRoleCredentials {
            keys: StaticKeys::new(access_key_id, secret_access_key)
                .with_session_token(session_token),
            expiration,
            account_id: super::take_str(&mut credentials, "AccountId")?,
            provider_type,
        })
    }

    /// Writes the entry as the AWS CLI does: one line, Python `json.dumps` spacing, the members
    /// in botocore's order; `Expiration` as `YYYY-MM-DDTHH:MM:SSZ`.
    ///
    /// This is the cache file (`{"ProviderType": "sso", "Credentials": {...}}`), which
    /// [`from_json`](Self::from_json) reads back, not what a `credential_process` prints: that
    /// is [`to_process_credentials`](Self::to_process_credentials) then
    /// [`to_process_output`](crate::settings::ProcessCredentials::to_process_output). Every
    /// cache format is written by `to_json` and read by `from_json`; the `credential_process`
    /// format, which is no cache, by `to_process_output` and
    /// [`parse_process_output`](crate::settings::parse_process_output).
    pub fn to_json(&self) -> String {
        let s = |v: &str| Value::String(v.to_owned());
        let credentials: Vec<(&str, Value)> = [
            ("AccessKeyId", Some(s(&self.keys.access_key_id))),
            (
                "SecretAccessKey",
                Some(s(self.keys.secret_access_key.expose())),
            ),
            (
                "SessionToken",
                self.keys.session_token.as_ref().map(|t| s(t.expose())),
            ),
            ("Expiration", Some(s(&format_timestamp(self.expiration)))),
            ("AccountId", self.account_id.as_deref().map(s)),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        // The outer object by hand: `write_object` would write a nested `Value::Object` in
        // sorted key order, and botocore's is insertion order.
        let mut out = String::with_capacity(512);
        out.push('{');
        if let Some(provider) = &self.provider_type {
            pyjson::write_str(&mut out, "ProviderType");
            out.push_str(": ");
            pyjson::write_str(&mut out, provider);
            out.push_str(", ");
        }
        pyjson::write_str(&mut out, "Credentials");
        out.push_str(": ");
        pyjson::write_object(&mut out, credentials.iter().map(|(k, v)| (*k, v)));
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const FILE: &str = r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "SessionToken": "IQoJb3JpZ2luX2VjEXAMPLE==", "Expiration": "2026-01-15T19:00:00Z", "AccountId": "123456789012"}}"#;

    #[test]
    fn a_cli_file_round_trips_byte_for_byte() {
        let entry = CachedRoleCredentials::from_json(FILE.as_bytes()).unwrap();
        assert_eq!(entry.keys.access_key_id, "ASIAEXAMPLE");
        assert_eq!(entry.expiration, datetime!(2026-01-15 19:00 UTC));
        assert_eq!(entry.account_id.as_deref(), Some("123456789012"));
        assert!(entry.is_sso());
        assert_eq!(entry.to_json(), FILE);
        let shown = format!("{entry:?}");
        assert!(
            !shown.contains("EXAMPLEKEY") && !shown.contains("EXAMPLE=="),
            "{shown}"
        );
    }

    #[test]
    fn the_portals_answer_becomes_the_clis_entry() {
        let portal = RoleCredentials {
            access_key_id: "ASIAEXAMPLE".to_owned(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            session_token: Secret::new("IQoJb3JpZ2luX2VjEXAMPLE=="),
            // 2026-01-15T19:00:00.750Z: the fraction is dropped, as botocore's strftime does.
            expiration: 1_768_503_600_750,
        };
        let entry = CachedRoleCredentials::from_portal(&portal, "123456789012");
        assert_eq!(entry.to_json(), FILE);
    }

    #[test]
    fn fresh_means_at_least_fifteen_minutes_left() {
        let entry = CachedRoleCredentials::from_json(FILE.as_bytes()).unwrap();
        assert!(entry.is_fresh_at(datetime!(2026-01-15 18:45:00 UTC)));
        assert!(!entry.is_fresh_at(datetime!(2026-01-15 18:45:01 UTC)));
        assert!(!entry.is_fresh_at(datetime!(2026-01-15 20:00 UTC)));
    }

    #[test]
    fn inside_the_window_more_than_ten_minutes_left_is_kept_if_the_fetch_fails() {
        let entry = CachedRoleCredentials::from_json(FILE.as_bytes()).unwrap();
        assert_eq!(
            entry.use_at(datetime!(2026-01-15 18:45:00 UTC)),
            CachedUse::Use
        );
        assert_eq!(
            entry.use_at(datetime!(2026-01-15 18:45:01 UTC)),
            CachedUse::FetchOrKeep
        );
        assert_eq!(
            entry.use_at(datetime!(2026-01-15 18:49:59 UTC)),
            CachedUse::FetchOrKeep
        );
        assert_eq!(
            entry.use_at(datetime!(2026-01-15 18:50:00 UTC)),
            CachedUse::Fetch,
            "exactly 10 minutes left is the mandatory period"
        );
        assert_eq!(
            entry.use_at(datetime!(2026-01-15 20:00 UTC)),
            CachedUse::Fetch
        );
    }

    #[test]
    fn incomplete_or_foreign_files_are_errors_not_panics() {
        for (text, want) in [
            ("[]", None),
            ("{}", Some(CacheError::MissingMember("Credentials"))),
            (
                r#"{"Credentials": 7}"#,
                Some(CacheError::WrongType {
                    member: "Credentials",
                    expected: "an object",
                }),
            ),
            (
                r#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": "2026-01-15T19:00:00Z"}}"#,
                Some(CacheError::MissingMember("SessionToken")),
            ),
            (
                r#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T"}}"#,
                Some(CacheError::MissingMember("Expiration")),
            ),
            (
                r#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "soon"}}"#,
                None,
            ),
            ("1700000000", None),
            (r#"{"ProviderType": "sso", "Cred"#, None),
        ] {
            let got = CachedRoleCredentials::from_json(text.as_bytes());
            match want {
                Some(want) => assert_eq!(got, Err(want), "{text}"),
                None => assert!(got.is_err(), "{text}"),
            }
        }
        // An assume-role entry (another ProviderType) still reads, and is not the SSO's.
        let other = FILE.replace("\"sso\"", "\"assume-role\"");
        assert!(!CachedRoleCredentials::from_json(other.as_bytes())
            .unwrap()
            .is_sso());
    }
}
