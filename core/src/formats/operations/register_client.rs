//! `RegisterClient`: `POST /client/register`, unsigned (spec 2.1).

use serde::{Deserialize, Serialize};

use crate::wire::{Auth, Operation};
use crate::Secret;

/// Input of `RegisterClient`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterClient {
    /// Free text naming the client (the CLI sends `botocore-client-<session>`).
    pub client_name: String,
    /// Only `public` is accepted by the service.
    pub client_type: String,
    /// Scopes the client's tokens may carry, such as `sso:account:access`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Redirect URIs, for the authorization-code grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    /// Grant types the client will use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    /// Identity Center issuer (access-portal) URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_url: Option<String>,
    /// Identity Center application ARN that admin-scopes this client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitled_application_arn: Option<String>,
}

impl RegisterClient {
    /// A `public` client named `client_name`, with no optional members.
    pub fn new(client_name: impl Into<String>) -> Self {
        RegisterClient {
            client_name: client_name.into(),
            client_type: "public".to_owned(),
            scopes: None,
            redirect_uris: None,
            grant_types: None,
            issuer_url: None,
            entitled_application_arn: None,
        }
    }

    /// Sets `scopes`.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }
}

impl Operation for RegisterClient {
    const NAME: &'static str = "RegisterClient";
    const PATH_AND_QUERY: &'static str = "/client/register";
    const AUTH: Auth = Auth::None;
    type Output = RegisterClientOutput;
}

/// Output of `RegisterClient`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterClientOutput {
    /// The client id.
    pub client_id: String,
    /// The client secret (a JWT-shaped string of 1-2 KB).
    pub client_secret: Secret,
    /// When the client was registered, in epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id_issued_at: Option<i64>,
    /// When the secret (and so the registration) expires, in epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<i64>,
    /// Observed as `null`; derive the authorize URL from the endpoint instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// Observed as `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
}
