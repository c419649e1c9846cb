//! # ssooidc-ureq
//!
//! A blocking AWS SSO OIDC client over [ureq](https://docs.rs/ureq): a [`Client`] built from a
//! [`Config`] with one method per operation. It only moves bytes: requests, decoding and every
//! protocol decision come from `ssooidc-core`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
pub mod config;
pub mod device;
mod error;
pub mod paths;
pub mod session;
pub mod store;
pub mod transport;

pub use client::{Client, DebugSink};
pub use config::{Config, ConfigError, Credentials, ProxyConfig};
pub use error::{aws_cli_message, Error, TransportErrorKind};
