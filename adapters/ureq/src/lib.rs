//! # ssooidc-ureq
//!
//! A blocking AWS SSO OIDC client over [ureq](https://docs.rs/ureq): a [`Client`] built from a
//! [`Config`] with one method per operation (SSO OIDC's, and the SSO portal's on
//! [`Client::portal`]), both logins of the AWS CLI (the device login,
//! [`device::device_login`], and the browser login with PKCE and a loopback listener,
//! [`authcode::authorization_code_login`]), the AWS CLI-compatible session store
//! ([`session::Sessions`]: cached tokens, refresh, login, AWS credentials for the profile's
//! account and role in one call, logout), and the same device login for any OAuth 2.0 provider
//! ([`oauth`]: discovery, the standard dialect, the refresh grant, and the token cache of
//! `ssooidc oauth`). It only moves bytes, sleeps and touches files: requests, decoding, retries,
//! settings resolution and every protocol decision come from [`ssooidc-core`](ssooidc_core),
//! re-exported as [`core`] so that one dependency is enough.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authcode;
mod callback;
mod client;
pub mod config;
pub mod credentials;
pub mod device;
mod driver;
pub mod oauth;
pub mod secrets;
pub mod session;
pub mod transport;

pub use client::{Client, DebugSink, WaitNotice, WAIT_NOTICE};
pub use config::{Config, ProxyConfig};
pub use ssooidc_files::{environment, store, Environment};

/// The sans-I/O core this crate drives.
pub use ssooidc_core as core;
pub use ssooidc_core::authcode::{AuthCodeConfig, AuthCodeError, AuthCodeInput, AuthorizeRequest};
pub use ssooidc_core::device::{
    DeviceFlowConfig, DeviceFlowError, DeviceFlowInput, Event, Prompt, Token,
};
pub use ssooidc_core::login::{LoginError, LoginOptions};
pub use ssooidc_core::refresh::{RefreshError, RefreshFailure};
pub use ssooidc_core::retry::{RetryConfig, RetryMode};
pub use ssooidc_core::settings::{Explicit, Settings, StaticKeys};
pub use ssooidc_core::{
    CallError, CancelToken, ConfigError, CredentialsError, Secret, ServiceError, TransportError,
    TransportErrorKind,
};

// Everything needed to match the errors this crate's functions return, down to the last field,
// without naming a path of `ssooidc_core`.
pub use session::SessionError;
pub use ssooidc_core::authcode::AuthorizationError;
pub use ssooidc_core::config::{FileProblem, IniError, ProcessProblem};
pub use ssooidc_core::endpoint::EndpointError;
pub use ssooidc_core::error::{AccessDeniedReason, ErrorMeta, InvalidRequestReason};
pub use ssooidc_core::machine::MisuseError;
pub use ssooidc_core::oauth::{DiscoveryError, UrlError};
pub use ssooidc_core::settings::ProcessOutputError;
pub use ssooidc_core::wire::{DecodeError, RequestError};
pub use ssooidc_core::{ErrorCode, ResponseError, RetryKind, Timestamp};
pub use ssooidc_files::{Exposure, StoreError};

/// The code blocks of `README.md` (relative to this crate), compiled and run as doc tests. (They
/// and the project's README are also doc tests of `tests/outside-user`, a crate with this one
/// as its only dependency.)
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
