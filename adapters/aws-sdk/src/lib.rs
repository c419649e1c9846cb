//! Credentials and token providers for the AWS SDK for Rust over [ssooidc]'s sessions.
//!
//! `aws-config` reads the AWS CLI's SSO token cache and refreshes it, but it cannot log in:
//! when the session has expired, the program fails and its user must run `aws sso login`. It
//! also takes no lock, so parallel programs refresh on their own. [`SsoProvider`] gives the
//! SDK the same credentials and token, through the AWS CLI's caches and the lock protocol
//! that `ssooidc` and its libraries share, and — when the program asks for it — logs in:
//!
//! ```no_run
//! # async fn f() {
//! use ssooidc_aws_sdk::SsoProvider;
//!
//! let provider = SsoProvider::builder()
//!     .login(|prompt| eprintln!("{prompt}")) // "To sign in to sso-session corp, open https://..."
//!     .build();
//! # let _ = provider;
//! // aws_config::from_env()
//! //     .credentials_provider(provider)
//! //     .identity_cache(IdentityCache::lazy().load_timeout(ssooidc_aws_sdk::LOGIN_WAIT).build())
//! //     .load()
//! //     .await
//! # }
//! ```
//!
//! - [`ProvideCredentials`](aws_credential_types::provider::ProvideCredentials): the role
//!   credentials of the profile's `sso_account_id` and `sso_role_name`, from
//!   `~/.aws/cli/cache` while they have more than 15 minutes left, else from the portal with
//!   the session's token (refreshed first when due), then cached there for `aws`, botocore
//!   and `ssooidc`.
//! - [`ProvideToken`](aws_credential_types::provider::token::ProvideToken): the session's bearer
//!   token, refreshed when it has less than 15 minutes left.
//! - The profile is the SDK's: the builder's [`profile_name`](SsoProviderBuilder::profile_name),
//!   else `AWS_PROFILE`, else `default`; every other setting (regions, endpoints,
//!   `AWS_CONFIG_FILE`, `ca_bundle`, proxies) is resolved as the AWS CLI resolves it.
//! - Failures are the SDK's error kinds: a profile this provider does not serve (none of that
//!   name, or no SSO settings) is `CredentialsError::CredentialsNotLoaded`, so that a
//!   `CredentialsProviderChain` goes on to its next provider; a broken configuration is
//!   `InvalidConfiguration`; anything else `ProviderError`, with a message that says how to
//!   log in when a login is what is missing.
//! - A login on demand ([`SsoProviderBuilder::login`]) holds the session's login lock, so that
//!   any number of providers, in one process or many, and `ssooidc --login` commands start
//!   one login between them. It runs in a task of its own: a caller that stops waiting (the
//!   SDK's identity cache timing out its load: see [`LOGIN_WAIT`]) does not cancel it.
//!
//! Requests go through reqwest (rustls, the platform's roots) on the tokio runtime the SDK
//! runs on. Secrets never appear in `Debug` output or errors.
//!
//! [ssooidc]: https://github.com/ssooidc/ssooidc

mod http;
mod login;
mod provider;

use std::time::Duration;

/// How long a call may have to wait for a login on demand: another process's login is waited
/// for up to 15 minutes (the login lock's wait), and this is a minute more. With a login
/// callback, give the SDK's identity cache this load timeout —
/// `aws_config::identity::IdentityCache::lazy().load_timeout(LOGIN_WAIT).build()` — since its
/// default (about 22 seconds) gives up on a login the user is still approving. The login goes
/// on even then (it runs in a task of its own), and the next call uses its token without a
/// second login.
pub const LOGIN_WAIT: Duration = Duration::from_secs(16 * 60);

pub use login::LoginPrompt;
pub use provider::{SsoProvider, SsoProviderBuilder, PROVIDER_NAME};
pub use ssooidc_async::core::CancelToken;
pub use ssooidc_async::LoginOptions;

/// The code blocks of `README.md` (relative to this crate), compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
