//! # ssooidc-ureq
//!
//! A blocking AWS SSO OIDC client over [ureq](https://docs.rs/ureq): a [`Client`] built from a
//! [`Config`] with one method per operation, the device login ([`device::device_login`]), and
//! the AWS CLI-compatible session store ([`session::Sessions`]: cached tokens, refresh,
//! login), and the same device login for any OAuth 2.0 provider ([`oauth`]: discovery, the
//! standard dialect, the refresh grant, and the token cache of `ssooidc oauth`). It only moves bytes, sleeps and touches files: requests, decoding, retries,
//! settings resolution and every protocol decision come from [`ssooidc-core`](ssooidc_core),
//! re-exported as [`core`] so that one dependency is enough.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
pub mod config;
pub mod credentials;
pub mod device;
mod driver;
pub mod environment;
pub mod oauth;
pub mod session;
pub mod store;
pub mod transport;

pub use client::{Client, DebugSink};
pub use config::{Config, ProxyConfig};
pub use environment::Environment;

/// The sans-I/O core this crate drives.
pub use ssooidc_core as core;
pub use ssooidc_core::device::{
    DeviceFlowConfig, DeviceFlowError, DeviceFlowInput, Event, LoginError, LoginOptions, Prompt,
    Token,
};
pub use ssooidc_core::refresh::{RefreshError, RefreshFailure};
pub use ssooidc_core::retry::{RetryConfig, RetryMode};
pub use ssooidc_core::settings::{Explicit, Settings, StaticKeys};
pub use ssooidc_core::{
    CallError, CancelToken, ConfigError, Secret, ServiceError, TransportError, TransportErrorKind,
};
