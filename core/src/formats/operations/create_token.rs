//! `CreateToken`: `POST /token`, unsigned; the client authenticates with its secret in the body
//! (spec 2.3). One input type serves the device-code, authorization-code and refresh grants.

use serde::{Deserialize, Serialize};

use super::grant_type;
use crate::wire::{Auth, Operation};
use crate::Secret;

/// Input of `CreateToken`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateToken {
    /// From `RegisterClient`.
    pub client_id: String,
    /// From `RegisterClient`.
    pub client_secret: Secret,
    /// One of [`grant_type`]'s values.
    pub grant_type: String,
    /// Device-code grant: the device code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_code: Option<Secret>,
    /// Authorization-code grant: the code from the redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Secret>,
    /// Refresh grant: the refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// Documented as having no effect. Singular name, list value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
    /// Authorization-code grant: the exact redirect URI of the authorize request, port included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Authorization-code grant: the PKCE verifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<Secret>,
}

impl CreateToken {
    fn grant(client_id: String, client_secret: Secret, grant_type: &str) -> Self {
        CreateToken {
            client_id,
            client_secret,
            grant_type: grant_type.to_owned(),
            device_code: None,
            code: None,
            refresh_token: None,
            scope: None,
            redirect_uri: None,
            code_verifier: None,
        }
    }

    /// The device-code grant (polling after `StartDeviceAuthorization`).
    pub fn device_code(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        device_code: impl Into<Secret>,
    ) -> Self {
        CreateToken {
            device_code: Some(device_code.into()),
            ..Self::grant(
                client_id.into(),
                client_secret.into(),
                grant_type::DEVICE_CODE,
            )
        }
    }

    /// The refresh-token grant.
    pub fn refresh_token(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> Self {
        CreateToken {
            refresh_token: Some(refresh_token.into()),
            ..Self::grant(
                client_id.into(),
                client_secret.into(),
                grant_type::REFRESH_TOKEN,
            )
        }
    }

    /// The authorization-code grant with PKCE.
    pub fn authorization_code(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        code: impl Into<Secret>,
        redirect_uri: impl Into<String>,
        code_verifier: impl Into<Secret>,
    ) -> Self {
        CreateToken {
            code: Some(code.into()),
            redirect_uri: Some(redirect_uri.into()),
            code_verifier: Some(code_verifier.into()),
            ..Self::grant(
                client_id.into(),
                client_secret.into(),
                grant_type::AUTHORIZATION_CODE,
            )
        }
    }
}

impl Operation for CreateToken {
    const NAME: &'static str = "CreateToken";
    const PATH_AND_QUERY: &'static str = "/token";
    const AUTH: Auth = Auth::None;
    type Output = CreateTokenOutput;
}

/// Output of `CreateToken`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenOutput {
    /// The bearer token.
    pub access_token: Secret,
    /// `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Seconds from now until the access token expires (relative, not an epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i32>,
    /// Present only sometimes; when absent on a refresh, keep the old one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// Documented as not implemented for CreateToken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Secret>,
}
