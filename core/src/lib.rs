//! # ssooidc-core
//!
//! The sans-I/O core of an AWS SSO OIDC (IAM Identity Center OAuth) client. It turns inputs into
//! `http::Request`s and `http::Response`s into typed outputs or errors, and never touches a
//! socket, a file, a clock or the environment: adapters (such as `ssooidc-ureq`) move the bytes.
//!
//! - [`operations`]: the four operations' wire types, each implementing [`Operation`].
//! - [`portal`]: the SSO portal's operations (role credentials, accounts, roles, logout), the
//!   same way, and [`machine::Pages`] for its paginated lists.
//! - [`error`]: [`ServiceError`], the modelled errors of both services plus `Unknown`, decoded by
//!   the rules of the AWS restJson1 protocol with an OAuth fallback, and classified for retries.
//! - [`endpoint`]: region to URL for every partition, FIPS, dual-stack and overrides.
//! - [`Secret`]: the wrapper every sensitive member uses; `Debug` and `Display` are redacted.
//! - [`Timestamp`]: every timestamp the API gives back (expiry times...), shown as RFC 3339.
//! - [`device`]: the device-authorization grant as a machine, over either wire dialect; [`oauth`]:
//!   the standard OAuth 2.0 dialect for any provider (discovery, the refresh grant, the
//!   providers' deviations as named rules).
//!
//! ```
//! use ssooidc_core::endpoint::{resolve, EndpointParams};
//! use ssooidc_core::operations::StartDeviceAuthorization;
//! use ssooidc_core::Operation;
//!
//! let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
//! let input = StartDeviceAuthorization::new("cid", "csec", "https://d-1234567890.awsapps.com/start");
//! let request = input.to_request(&endpoint).unwrap();
//! assert_eq!(request.method(), "POST");
//! assert_eq!(request.uri(), "https://oidc.us-east-1.amazonaws.com/device_authorization");
//! assert_eq!(request.headers()["content-type"], "application/json");
//! assert!(request.headers().get("authorization").is_none());
//!
//! // ... send it with any HTTP client, then:
//! let response = http::Response::builder()
//!     .status(200)
//!     .body(br#"{"deviceCode":"dc","userCode":"ABCD-EFGH","verificationUri":"https://x/",
//!               "verificationUriComplete":"https://x/?user_code=ABCD-EFGH","expiresIn":600}"#)
//!     .unwrap();
//! let output = StartDeviceAuthorization::parse_response(&response).unwrap();
//! assert_eq!(output.user_code, "ABCD-EFGH");
//! assert_eq!(output.interval, None); // absent: poll every 5 s
//! assert_eq!(format!("{:?}", output.device_code), "Secret(<redacted>)");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// The layers, from the bottom up; each imports only the ones below it (docs/architecture.md,
// "The layer table"; core/tests/layers.rs checks it). The public modules are re-exported here
// under their own names, so a user's paths do not name a layer.
mod base;
mod calls;
mod formats;
mod grants;
mod machines;
mod profiles;

pub use base::{percent, text};
pub use calls::{call, retry, transport};
pub use formats::{
    browser, cache, container, endpoint, error, federation, operations, portal, registration,
    sigv4, wire,
};
pub use grants::{authcode, device, grant, login, refresh};
pub use machines::machine;
pub use profiles::{config, populate, proxy, sessions, settings};

// The standard OAuth 2.0 wire (`formats/oauth`) and machines (`grants/oauth`) in one module.
pub mod oauth {
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

    pub use crate::base::form;
    pub use crate::formats::oauth::*;
    pub use crate::grants::oauth::*;
}

pub use base::cancel::CancelToken;
pub use base::secret::Secret;
pub use base::timestamp::Timestamp;
pub use call::{CallError, CredentialsError};
pub use config::ConfigError;
pub use error::{ErrorCode, RetryKind, ServiceError};
pub use transport::{TransportError, TransportErrorKind};
pub use wire::{Operation, ResponseError, MAX_RESPONSE_BODY_BYTES};

/// The `http` crate this crate's API uses (requests and responses), re-exported so that users
/// need not depend on it themselves.
pub use http;
/// The `time` crate this crate's API uses (wall-clock timestamps), re-exported so that users
/// need not depend on it themselves.
pub use time;

/// The code blocks of `README.md` (relative to this crate), compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
