//! Any OAuth 2.0 provider through the same machines as AWS, on any runtime: discovery
//! ([`discover`], [`resolve`]), the device login in the standard dialect ([`device_login`]) and
//! the refresh grant ([`refresh`]), each run by the one loop that runs every machine of this crate. Every protocol
//! decision is the core's ([`ssooidc_core::oauth`]). The [`Client`]'s endpoint is not used: the
//! standard requests carry their full URLs.
//!
//! ```no_run
//! # #[cfg(all(feature = "reqwest", feature = "tokio"))]
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use ssooidc_async::{Client, Event, TokioTimer};
//! use ssooidc_async::core::endpoint::Endpoint;
//! use ssooidc_async::core::oauth::{Issuer, OAuthClient, Standard};
//! use ssooidc_async::oauth::{device_login, discover};
//!
//! let issuer = Issuer::parse("https://sso.example.com/realms/dev")?;
//! let http = ssooidc_async::reqwest_client_builder().build()?;
//! let client = Client::new(http, TokioTimer, Endpoint::parse(issuer.as_str())?);
//! let provider = discover(&client, &issuer).await?;
//! let oauth_client = OAuthClient::for_provider("my-cli", None, None, &provider)?;
//! let dialect = Standard::new(provider, oauth_client, ["openid"]);
//! let tokens = device_login(&client, dialect, Default::default(), |event| {
//!     if let Event::Prompt(p) = event {
//!         eprintln!("Open {} and enter {}", p.verification_uri, p.user_code);
//!     }
//! })
//! .await?;
//! # let _ = tokens;
//! # Ok(())
//! # }
//! ```

use ssooidc_core::device::{DeviceFlow, Event};
use ssooidc_core::login::{LoginError, LoginOptions};
use ssooidc_core::oauth::{
    Discovery, DiscoveryError, Issuer, OAuthClient, Provider, ProviderSource, Refresh,
    RefreshResult, Standard, Tokens, DISCOVERY, TOKEN,
};
use ssooidc_core::refresh::{RefreshError, RefreshFailure};

use crate::client::{random_seed, Client};
use crate::driver::drive;
use crate::transport::{HttpSend, Timer};

/// The endpoints of `issuer`, from its metadata (OpenID Connect Discovery, then RFC 8414),
/// checked against it (RFC 8414 §3.3). No credential is sent.
pub async fn discover<T: HttpSend, R: Timer>(
    client: &Client<T, R>,
    issuer: &Issuer,
) -> Result<Provider, DiscoveryError> {
    let mut discovery = Discovery::new(
        issuer.clone(),
        client.retry_policy(),
        client.timer().now(),
        random_seed(),
    );
    drive(client, None, &mut discovery, None, |never| match *never {})
        .await
        .unwrap_or_else(|stop| Err(DiscoveryError::Call(stop.into_call_error(DISCOVERY))))
}

/// The endpoints `source` leads to: discovered from an issuer, or as given.
pub async fn resolve<T: HttpSend, R: Timer>(
    client: &Client<T, R>,
    source: &ProviderSource,
) -> Result<Provider, DiscoveryError> {
    match source.known() {
        Ok(provider) => Ok(provider.clone()),
        Err(issuer) => discover(client, issuer).await,
    }
}

/// Runs a whole device login in the standard dialect over `client`: the same machine and
/// policy as the AWS [`device_login`](crate::device_login). Cancel by dropping the future or
/// with [`LoginOptions::cancel`].
pub async fn device_login<T: HttpSend, R: Timer>(
    client: &Client<T, R>,
    dialect: Standard,
    options: LoginOptions,
    on_event: impl FnMut(&Event<OAuthClient>),
) -> Result<Tokens, LoginError> {
    let seed = options.seed.unwrap_or_else(random_seed);
    let mut flow = DeviceFlow::with_dialect(dialect, options.flow, client.timer().now_utc(), seed);
    drive(client, None, &mut flow, Some(&options.cancel), on_event)
        .await?
        .map_err(LoginError::Flow)
}

/// Refreshes `tokens` of `oauth_client` at `provider` (RFC 6749 §6): the new tokens, or the old
/// access token while it is valid with why there is no new one, or "expired".
pub async fn refresh<T: HttpSend, R: Timer>(
    client: &Client<T, R>,
    provider: &Provider,
    oauth_client: &OAuthClient,
    tokens: Tokens,
) -> RefreshResult {
    let timer = client.timer();
    let mut refresh = Refresh::new(
        provider,
        oauth_client,
        tokens,
        client.retry_policy(),
        timer.now(),
        timer.now_utc(),
        random_seed(),
    );
    drive(client, None, &mut refresh, None, |never| match *never {})
        .await
        .unwrap_or_else(|stop| {
            Err(RefreshError::Expired {
                failure: Some(RefreshFailure::Call(stop.into_call_error(TOKEN))),
            })
        })
}
