//! # ssooidc-async
//!
//! An async AWS SSO OIDC client for **any runtime and any HTTP client**. The caller supplies two
//! things:
//!
//! - an [`HttpSend`]: "send this `http::Request<Vec<u8>>`, give me the `http::Response<Vec<u8>>`"
//!   (body capped while read, see [`CappedBody`]), failures as a [`TransportError`];
//! - a [`Timer`]: "sleep until this `Instant`" (any `Fn(Instant) -> impl Future<Output = ()>`
//!   is one), plus the clock it is on.
//!
//! On top of them: [`Client`], with one async method per operation (every call through the
//! core's retry policy), [`device_login`], which drives the core's sans-I/O
//! [`DeviceFlow`](ssooidc_core::device::DeviceFlow), and [`authorization_code_login`], the
//! browser login with PKCE, which also needs a [`CallbackListener`] (the loopback listener the
//! browser comes back to); [`oauth`] drives the same device machine for any OAuth 2.0 provider
//! (discovery, the standard dialect, the refresh grant). Requests, decoding, retries and every
//! protocol decision are the core's: for these calls and logins the blocking `ssooidc-ureq`
//! adapter runs the same machines, and both return the same error types ([`CallError`],
//! [`LoginError`], [`ConfigError`]), so code that matches on them does not change with the
//! adapter. [`session::Sessions`] keeps the AWS CLI's sessions as the blocking adapter's does
//! (the cached token refreshed under the cross-process lock, role credentials through the AWS
//! CLI's cache, login, logout): the core's session machines over `ssooidc-files`' caches, a
//! lock held by another process waited for on the [`Timer`]. This crate only moves bytes, touches
//! cache files and sleeps. It spawns nothing; cancelling is dropping the future (or a
//! [`CancelToken`]).
//!
//! With default features it depends on no runtime and no HTTP client. Optional integrations:
//!
//! - `reqwest`: [`HttpSend`] for `reqwest::Client` (0.12, `default-features = false`: enable
//!   reqwest's TLS feature yourself), and
#![cfg_attr(feature = "reqwest", doc = "  [`reqwest_client_builder`]")]
#![cfg_attr(not(feature = "reqwest"), doc = "  `reqwest_client_builder`")]
//!   with the recommended settings;
//! - `tokio`:
#![cfg_attr(
    feature = "tokio",
    doc = "  [`TokioTimer`], and [`TokioCallbackListener`]"
)]
#![cfg_attr(
    not(feature = "tokio"),
    doc = "  `TokioTimer`, and `TokioCallbackListener`"
)]
//!   for the browser login.
//!
//! ```
//! // A whole device login with hand-written fakes and no runtime at all:
//! // https://github.com/ssooidc/ssooidc/blob/main/adapters/async/tests/no_runtime.rs
//! // With reqwest and tokio:
//! # #[cfg(all(feature = "reqwest", feature = "tokio"))]
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use ssooidc_async::{device_login, Client, DeviceFlowInput, Event, LoginOptions, TokioTimer};
//! use ssooidc_async::core::endpoint::Endpoint;
//!
//! let endpoint = Endpoint::parse("http://127.0.0.1:4566")?;
//! let http = ssooidc_async::reqwest_client_builder().build()?;
//! let client = Client::new(http, TokioTimer, endpoint.clone());
//! let input = DeviceFlowInput::new(endpoint, "https://d-1234567890.awsapps.com/start", "my-tool");
//! let token = device_login(&client, input, LoginOptions::default(), |event| {
//!     if let Event::Prompt(prompt) = event {
//!         println!("Open {} and check the code {}", prompt.verification_uri, prompt.user_code);
//!     }
//! })
//! .await?;
//! println!("token expires at {}", token.expires_at);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authcode;
pub mod callback;
mod client;
pub mod device;
mod driver;
pub mod oauth;
#[cfg(feature = "reqwest")]
mod reqwest_impl;
pub mod session;
#[cfg(feature = "tokio")]
mod tokio_callback;
#[cfg(feature = "tokio")]
mod tokio_impl;
pub mod transport;

pub use authcode::authorization_code_login;
pub use callback::{CallbackListener, CallbackRequest};
pub use client::Client;
pub use device::device_login;

#[cfg(feature = "reqwest")]
pub use reqwest_impl::{reqwest_client_builder, DEFAULT_TIMEOUT};
/// The sans-I/O core this crate drives.
pub use ssooidc_core as core;
pub use ssooidc_core::authcode::{AuthCodeConfig, AuthCodeError, AuthCodeInput, AuthorizeRequest};
pub use ssooidc_core::device::{
    DeviceFlowConfig, DeviceFlowError, DeviceFlowInput, Event, Prompt, Token,
};
pub use ssooidc_core::login::{LoginError, LoginOptions};
pub use ssooidc_core::retry::{RetryConfig, RetryMode, RetryPolicy};
pub use ssooidc_core::settings::StaticKeys;
pub use ssooidc_core::{
    CallError, CancelToken, ConfigError, CredentialsError, Secret, ServiceError,
};
#[cfg(feature = "tokio")]
pub use tokio_callback::TokioCallbackListener;
#[cfg(feature = "tokio")]
pub use tokio_impl::TokioTimer;
pub use transport::{CappedBody, HttpSend, Timer, TransportError, TransportErrorKind};

/// The `reqwest` crate this integration is built against (to match versions).
#[cfg(feature = "reqwest")]
pub use reqwest;

/// The code blocks of `README.md` (relative to this crate), compiled and run as doc tests. They
/// use both integrations, so they are tested when both features are on (as in
/// `cargo test --workspace`), and always in `tests/outside-async`, a crate that depends on this
/// one alone.
#[cfg(all(doctest, feature = "reqwest", feature = "tokio"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
