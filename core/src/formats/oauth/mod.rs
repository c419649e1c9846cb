//! The standard OAuth 2.0 wire: clients and their authentication, URLs, requests, answers
//! and the providers' deviations ([`rules`]). The machines that use it (the `Standard`
//! dialect, discovery, the refresh grant) are in the grants layer; `crate::oauth` shows both.
mod client;
mod provider;
mod request;
pub(crate) mod response;
pub mod rules;
mod token;
mod url;

pub use client::{ClientAuth, OAuthClient, OAuthClientError};
pub use provider::{Provider, ProviderSource};
pub use request::{
    device_authorization_request, device_token_request, discovery_request, refresh_request,
    DEVICE_CODE_GRANT,
};
pub use response::{parse_device_authorization, parse_token_response};
pub use token::{TokenResponse, Tokens};
pub use url::{Issuer, ProviderUrl, UrlError};

/// The operation name of a device authorization request (RFC 8628 §3.1), in errors and logs.
pub const DEVICE_AUTHORIZATION: &str = "DeviceAuthorization";
/// The operation name of a token request (RFC 6749 §4.1.3, RFC 8628 §3.4, RFC 6749 §6).
pub const TOKEN: &str = "Token";
/// The operation name of a discovery request (RFC 8414 §3.1, OpenID Connect Discovery §4).
pub const DISCOVERY: &str = "Discovery";
