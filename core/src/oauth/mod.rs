//! The standard OAuth 2.0 dialect: the device-authorization grant (RFC 8628) and the refresh
//! grant (RFC 6749 §6) against any provider (Keycloak, Okta, Auth0, Microsoft Entra ID,
//! Google, GitHub...), sans-I/O like the rest of the crate. See
//! `docs/protocol/oauth.md` for the wire and the providers' deviations.
//!
//! - [`Standard`]: the [`Dialect`](crate::device::Dialect) the shared
//!   [`DeviceFlow`](crate::device::DeviceFlow) runs with (no registration: a pre-registered
//!   [`OAuthClient`] with `none`, `client_secret_post` or `client_secret_basic`).
//! - [`Discovery`]: from an [`Issuer`] to its endpoints ([`Provider`]), the metadata's `issuer`
//!   checked against the configured one (RFC 8414 §3.3); or [`Provider::explicit`].
//! - [`Refresh`]: the refresh grant as a machine; [`Tokens`]: what a login or a refresh yields.
//! - The requests ([`device_authorization_request`], [`device_token_request`],
//!   [`refresh_request`], [`discovery_request`]) and the decoders
//!   ([`parse_device_authorization`], [`parse_token_response`], [`validate`]), with the
//!   providers' deviations read as the named [`rules`] say.
//!
//! Errors decode into the same [`ServiceError`](crate::ServiceError) as AWS's: the OAuth
//! `error` codes (`authorization_pending`, `slow_down`, `access_denied`, `expired_token`,
//! `invalid_grant`, `invalid_client`, ...) are exactly the codes of the AWS shapes, so a caller
//! matches `ServiceError::InvalidClient { .. }` or `DeviceFlowError::Denied { .. }` the same way
//! for both dialects, and the one translation into grant terms ([`crate::grant`]) serves both.
//! Codes AWS does not model stay [`ServiceError::Unknown`](crate::ServiceError::Unknown) with
//! the code as sent.
//!
//! Security: requests go only to [`ProviderUrl`]s (`https`, or `http` to a loopback address);
//! the client secret only to the endpoints of a [`Provider`] (vouched for by metadata whose
//! `issuer` matched, or given explicitly); discovery requests carry no credential; bodies are
//! capped as every response is ([`MAX_RESPONSE_BODY_BYTES`](crate::MAX_RESPONSE_BODY_BYTES));
//! adapters follow no redirect; secrets are [`Secret`](crate::Secret)s, and
//! [`wire::redact_body`](crate::wire::redact_body) redacts form bodies as it does JSON ones.

mod client;
mod dialect;
mod discovery;
pub mod form;
mod refresh;
mod request;
mod response;
pub mod rules;
mod token;
mod url;

pub use client::{ClientAuth, OAuthClient};
pub use dialect::{Standard, StandardOutput};
pub use discovery::{
    validate, validate_metadata, Discovery, DiscoveryError, Provider, ProviderSource,
};
pub use refresh::{Refresh, RefreshResult, Refreshed};
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
