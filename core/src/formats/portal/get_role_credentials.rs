//! `GetRoleCredentials`: `GET /federation/credentials?role_name=R&account_id=A`, the access token
//! in `x-amz-sso_bearer_token` (`docs/protocol/portal.md#getrolecredentials`).

use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;
use crate::formats::credentials::StaticKeys;
use crate::wire::{Auth, Operation, RequestError};
use crate::Secret;

/// Input of `GetRoleCredentials`: short-term credentials of `role_name` in `account_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetRoleCredentials {
    /// The role's name (`sso_role_name`), sent as the query parameter `role_name`.
    pub role_name: String,
    /// The account (`sso_account_id`), sent as the query parameter `account_id`.
    pub account_id: String,
    /// The SSO access token, sent in `x-amz-sso_bearer_token`.
    pub access_token: Secret,
}

impl GetRoleCredentials {
    /// Builds the input.
    pub fn new(
        role_name: impl Into<String>,
        account_id: impl Into<String>,
        access_token: impl Into<Secret>,
    ) -> Self {
        GetRoleCredentials {
            role_name: role_name.into(),
            account_id: account_id.into(),
            access_token: access_token.into(),
        }
    }
}

impl Operation for GetRoleCredentials {
    const NAME: &'static str = "GetRoleCredentials";
    const PATH_AND_QUERY: &'static str = "/federation/credentials";
    const METHOD: http::Method = http::Method::GET;
    const AUTH: Auth = Auth::None;
    type Output = GetRoleCredentialsOutput;

    fn to_request(&self, endpoint: &Endpoint) -> Result<http::Request<Vec<u8>>, RequestError> {
        super::request::<Self>(
            endpoint,
            &[
                ("role_name", Some(&self.role_name)),
                ("account_id", Some(&self.account_id)),
            ],
            &self.access_token,
        )
    }
}

/// Output of `GetRoleCredentials`.
///
/// The model marks nothing required; the decoder requires `roleCredentials` and its four
/// members, because credentials without any of them cannot be used (botocore fails on such an
/// answer with a `KeyError`). A missing one is a malformed answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetRoleCredentialsOutput {
    /// The credentials.
    pub role_credentials: RoleCredentials,
}

/// `roleCredentials`: STS short-term credentials of the role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleCredentials {
    /// The access key id (`ASIA...`).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// The session token.
    pub session_token: Secret,
    /// When the credentials expire, in epoch **milliseconds** (unlike every time of SSO OIDC).
    pub expiration: i64,
}

impl RoleCredentials {
    /// The keys.
    pub fn keys(&self) -> StaticKeys {
        StaticKeys::new(self.access_key_id.clone(), self.secret_access_key.clone())
            .with_session_token(self.session_token.clone())
    }

    /// `expiration` as a time, to the whole second below, as the AWS CLI caches it (it formats
    /// `expiration / 1000` with `%Y-%m-%dT%H:%M:%SZ`). A value outside the years 0000 to 9999
    /// is clamped to the nearest end, so that it can be cached and read back.
    ///
    /// ```
    /// use ssooidc_core::portal::RoleCredentials;
    /// let c = RoleCredentials {
    ///     access_key_id: "ASIA".into(),
    ///     secret_access_key: "s".into(),
    ///     session_token: "t".into(),
    ///     expiration: 1_768_500_000_999,
    /// };
    /// assert_eq!(c.expires_at(), time::macros::datetime!(2026-01-15 18:00:00 UTC));
    /// ```
    pub fn expires_at(&self) -> crate::Timestamp {
        crate::base::timestamp::from_epoch_seconds_clamped(self.expiration.div_euclid(1000))
    }
}
