//! # ssooidc-core
//!
//! The sans-I/O core of an AWS SSO OIDC (IAM Identity Center OAuth) client. It turns inputs into
//! `http::Request`s and `http::Response`s into typed outputs or errors, and never touches a
//! socket, a file, a clock or the environment: adapters (such as `ssooidc-ureq`) move the bytes.
//!
//! - [`operations`]: the four operations' wire types, each implementing [`Operation`].
//! - [`portal`]: the SSO portal's operations (role credentials, accounts, roles, logout), the
//!   same way, and [`portal::Pages`] for its paginated lists.
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

pub mod authcode;
pub mod browser;
pub mod cache;
pub mod call;
mod cancel;
pub mod config;
pub mod device;
pub mod endpoint;
pub mod error;
pub mod grant;
pub mod machine;
pub mod oauth;
pub mod operations;
pub mod percent;
pub mod portal;
pub mod refresh;
pub mod registration;
pub mod retry;
mod rng;
mod secret;
pub mod sessions;
pub mod settings;
pub mod sigv4;
pub mod text;
mod timestamp;
pub mod transport;
pub mod wire;

pub use call::CallError;
pub use cancel::CancelToken;
pub use config::ConfigError;
pub use error::{ErrorCode, RetryKind, ServiceError};
pub use secret::Secret;
pub use timestamp::Timestamp;
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
