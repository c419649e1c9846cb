//! Any OAuth 2.0 provider through the same machines as AWS: discovery of its endpoints
//! ([`discover`], [`resolve`]), the device login ([`device_login`], the core's
//! [`DeviceFlow`] in the [`Standard`] dialect) and the refresh grant ([`refresh`]), each run by
//! the one loop that runs every machine of this crate; and [`OAuthSessions`], which keeps the tokens in a cache as
//! `ssooidc oauth` does. Every protocol decision is the core's ([`ssooidc_core::oauth`]).
//!
//! ```no_run
//! use ssooidc_ureq::{Client, Config};
//! use ssooidc_ureq::core::device::Event;
//! use ssooidc_ureq::core::oauth::{Issuer, OAuthClient, Standard};
//! use ssooidc_ureq::oauth::{device_login, discover};
//!
//! let issuer = Issuer::parse("https://sso.example.com/realms/dev")?;
//! let client = Client::for_provider(Config::new("us-east-1"), issuer.url())?;
//! let provider = discover(&client, &issuer)?;
//! let oauth_client = OAuthClient::for_provider("my-cli", None, None, &provider)?;
//! let dialect = Standard::new(provider, oauth_client, ["openid", "offline_access"]);
//! let tokens = device_login(&client, dialect, Default::default(), |event| {
//!     if let Event::Prompt(p) = event {
//!         eprintln!("Open {} and enter {}", p.verification_uri, p.user_code);
//!     }
//! })?;
//! println!("{}", tokens.access_token.expose());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod sessions;

use std::time::Instant;

use ssooidc_core::device::{DeviceFlow, Event};
use ssooidc_core::oauth::{
    Discovery, Issuer, OAuthClient, Provider, ProviderSource, Refresh, RefreshResult, Standard,
    Tokens, DISCOVERY, TOKEN,
};
use ssooidc_core::refresh::{RefreshError, RefreshFailure};
use time::OffsetDateTime;

pub use sessions::{OAuthLogin, OAuthLoginResult, OAuthSessions, OAuthToken};
pub use ssooidc_core::oauth::{DiscoveryError, UrlError};

use crate::client::{random_seed, Client};
use crate::device::{LoginError, LoginOptions};
use crate::driver::drive;

/// The endpoints of `issuer`, from its metadata (OpenID Connect Discovery, then RFC 8414),
/// checked against it (RFC 8414 §3.3). No credential is sent.
pub fn discover(client: &Client, issuer: &Issuer) -> Result<Provider, DiscoveryError> {
    let mut discovery = Discovery::new(
        issuer.clone(),
        client.retry_policy(),
        Instant::now(),
        random_seed(),
    );
    drive(client, None, &mut discovery, None, |never| match *never {})
        .unwrap_or_else(|stop| Err(DiscoveryError::Call(stop.into_call_error(DISCOVERY))))
}

/// The endpoints `source` leads to: discovered from an issuer, or as given.
pub fn resolve(client: &Client, source: &ProviderSource) -> Result<Provider, DiscoveryError> {
    match source.known() {
        Ok(provider) => Ok(provider.clone()),
        Err(issuer) => discover(client, issuer),
    }
}

/// Runs a whole device login in the standard dialect over `client`: the device authorization
/// request, the immediate poll, the prompt ([`Event::Prompt`] to `on_event`), polling until a
/// token or a terminal error. The same machine and policy as AWS's `device_login`;
/// [`LoginOptions::cancel`] stops it at once from another thread.
pub fn device_login(
    client: &Client,
    dialect: Standard,
    options: LoginOptions,
    on_event: impl FnMut(&Event<OAuthClient>),
) -> Result<Tokens, LoginError> {
    let seed = options.seed.unwrap_or_else(random_seed);
    let mut flow = DeviceFlow::with_dialect(dialect, options.flow, OffsetDateTime::now_utc(), seed);
    drive(client, None, &mut flow, Some(&options.cancel), on_event)?.map_err(LoginError::Flow)
}

/// Refreshes `tokens` of `oauth_client` at `provider` (RFC 6749 §6): the new tokens, or the
/// old access token while it is valid with why there is no new one, or "expired".
pub fn refresh(
    client: &Client,
    provider: &Provider,
    oauth_client: &OAuthClient,
    tokens: Tokens,
) -> RefreshResult {
    let mut refresh = Refresh::new(
        provider,
        oauth_client,
        tokens,
        client.retry_policy(),
        Instant::now(),
        OffsetDateTime::now_utc(),
        random_seed(),
    );
    drive(client, None, &mut refresh, None, |never| match *never {}).unwrap_or_else(|stop| {
        Err(RefreshError::Expired {
            failure: Some(RefreshFailure::Call(stop.into_call_error(TOKEN))),
        })
    })
}
