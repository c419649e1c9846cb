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
