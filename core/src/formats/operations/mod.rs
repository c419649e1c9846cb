//! The four operations of SSO OIDC (spec section 2), one module each (the SSO portal's are in
//! [`crate::portal`]). Every input implements
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

/// The name of the operation a request built by this crate is for (from its method, path and
/// query), SSO OIDC's or the portal's, for messages and logs; `None` for any other request.
///
/// ```
/// use ssooidc_core::endpoint::Endpoint;
/// use ssooidc_core::operations::{operation_of, CreateToken};
/// use ssooidc_core::portal::ListAccountRoles;
/// use ssooidc_core::Operation;
/// let endpoint = Endpoint::parse("https://oidc.us-east-1.amazonaws.com").unwrap();
/// let request = CreateToken::refresh_token("c", "s", "r").to_request(&endpoint).unwrap();
/// assert_eq!(operation_of(&request), Some("CreateToken"));
/// let request = ListAccountRoles::new("t", "1").to_request(&endpoint).unwrap();
/// assert_eq!(operation_of(&request), Some("ListAccountRoles"));
/// ```
pub fn operation_of<B>(request: &http::Request<B>) -> Option<&'static str> {
    use crate::portal::{GetRoleCredentials, ListAccountRoles, ListAccounts, Logout};
    use crate::Operation;
    /// An operation's method, path and query; `fixed`: its query is part of its identity
    /// (SSO OIDC's `?aws_iam=t`) rather than its input (the portal's).
    fn row<O: Operation>(fixed: bool) -> (http::Method, &'static str, bool, &'static str) {
        (O::METHOD, O::PATH_AND_QUERY, fixed, O::NAME)
    }
    let uri = request.uri();
    [
        row::<RegisterClient>(true),
        row::<StartDeviceAuthorization>(true),
        row::<CreateTokenWithIam>(true),
        row::<CreateToken>(true),
        row::<GetRoleCredentials>(false),
        row::<ListAccounts>(false),
        row::<ListAccountRoles>(false),
        row::<Logout>(false),
    ]
    .into_iter()
    .find(|(method, path_and_query, fixed, _)| {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        request.method() == method
            && uri.path().ends_with(path)
            && (!fixed || uri.query().unwrap_or("") == query)
    })
    .map(|(.., name)| name)
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
