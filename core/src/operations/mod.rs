//! The four operations of the service (spec section 2), one module each. Every input implements
//! [`Operation`](crate::Operation); every output decodes from a response body.
//!
//! Member names are the service's camelCase names. `null` members read as absent, unknown
//! members are ignored, and absent optional members are not sent.

pub mod create_token;
pub mod create_token_with_iam;
pub mod register_client;
pub mod start_device_authorization;

pub use create_token::{CreateToken, CreateTokenOutput};
pub use create_token_with_iam::{
    AwsAdditionalDetails, CreateTokenWithIam, CreateTokenWithIamOutput,
};
pub use register_client::{RegisterClient, RegisterClientOutput};
pub use start_device_authorization::{StartDeviceAuthorization, StartDeviceAuthorizationOutput};

/// The name of the operation a request built by this crate is for (from its path and query),
/// for messages and logs; `None` for any other request.
///
/// ```
/// use ssooidc_core::endpoint::Endpoint;
/// use ssooidc_core::operations::{operation_of, CreateToken};
/// use ssooidc_core::Operation;
/// let endpoint = Endpoint::parse("https://oidc.us-east-1.amazonaws.com").unwrap();
/// let request = CreateToken::refresh_token("c", "s", "r").to_request(&endpoint).unwrap();
/// assert_eq!(operation_of(&request), Some("CreateToken"));
/// ```
pub fn operation_of<B>(request: &http::Request<B>) -> Option<&'static str> {
    use crate::Operation;
    let uri = request.uri();
    let matches = |path_and_query: &str| {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        uri.path().ends_with(path) && uri.query().unwrap_or("") == query
    };
    [
        (RegisterClient::PATH_AND_QUERY, RegisterClient::NAME),
        (
            StartDeviceAuthorization::PATH_AND_QUERY,
            StartDeviceAuthorization::NAME,
        ),
        (CreateTokenWithIam::PATH_AND_QUERY, CreateTokenWithIam::NAME),
        (CreateToken::PATH_AND_QUERY, CreateToken::NAME),
    ]
    .into_iter()
    .find(|(path, _)| matches(path))
    .map(|(_, name)| name)
}

/// The `grantType` values the service documents. The member is a free string on the wire.
pub mod grant_type {
    /// RFC 8628 device code (note the underscore; the model's example misspells it).
    pub const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
    /// Authorization code (with PKCE).
    pub const AUTHORIZATION_CODE: &str = "authorization_code";
    /// Refresh token.
    pub const REFRESH_TOKEN: &str = "refresh_token";
    /// JWT bearer assertion (CreateTokenWithIAM).
    pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    /// Token exchange (CreateTokenWithIAM).
    pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
}

/// Token-type URIs used by the token-exchange grant.
pub mod token_type {
    /// An access token.
    pub const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
    /// A refresh token.
    pub const REFRESH_TOKEN: &str = "urn:ietf:params:oauth:token-type:refresh_token";
    /// An ID token.
    pub const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
}
