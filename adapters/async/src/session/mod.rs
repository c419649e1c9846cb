//! AWS CLI-compatible sessions for async programs, over any [`HttpSend`] and [`Timer`]: the same
//! API as the blocking adapter's, `async`. "Give me a valid token (or AWS credentials) for this
//! profile": [`Sessions::token`] reads the AWS CLI's cache and refreshes under the
//! cross-process lock when due, falling back to a still-valid token when the refresh fails;
//! [`Sessions::role_credentials`] goes through the AWS CLI's role-credential cache and the
//! portal; [`Sessions::login`] logs in and writes both caches; [`Sessions::accounts`],
//! [`Sessions::account_roles`] and [`Sessions::logout`] do what `aws sso` does.
//! [`OAuthSessions`] keeps the tokens of standard OAuth 2.0 logins (the cache of `ssooidc
//! oauth`) the same way.
//!
//! Every rule is the core's ([`ssooidc_core::sessions`]: the session machines); the files are
//! `ssooidc-files`' (the same caches, locks and atomic writes as the blocking adapter and the
//! `ssooidc` command, which share them with the AWS CLI and SDKs); this module only drives. A
//! wait for another process's lock is a wait on the [`Timer`], never a blocked executor. Every
//! future is cancel-safe as far as the caches go: dropping one releases its locks, and a file is
//! only ever replaced whole.

use std::collections::HashMap;
use std::time::Duration;

use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::refresh::RefreshPolicy;
use ssooidc_core::retry::RetryPolicy;
use ssooidc_core::settings::{Explicit, Settings};
use ssooidc_files::store::{CacheDir, SsoCache};
use ssooidc_files::Environment;

pub use ssooidc_core::sessions::{LoginFlow, Session, SessionSelector, REFRESH_LOCK_WAIT};
pub use ssooidc_files::{
    CredentialsSource, Listed, LoginResult, LogoutReport, SessionCredentials, SessionError,
    SessionToken, TokenSource,
};

use crate::client::Client;
use crate::transport::{HttpSend, Timer};

mod calls;
mod drive;
mod login;
mod logout;
mod oauth;

pub use oauth::OAuthSessions;
pub use ssooidc_core::sessions::OAuthLogin;
pub use ssooidc_files::outcomes::{OAuthLoginResult, OAuthToken};

/// How long [`Sessions::login`] waits for another process's login of the same session.
pub const LOGIN_LOCK_WAIT: Duration = Duration::from_secs(15 * 60);

/// The AWS CLI-compatible session store of an async program: config, token cache,
/// registration cache, role-credential cache, refresh; requests through `T`, waits on `R`.
///
/// ```no_run
/// # #[cfg(all(feature = "reqwest", feature = "tokio"))]
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use ssooidc_async::session::Sessions;
/// use ssooidc_async::TokioTimer;
///
/// let http = ssooidc_async::reqwest_client_builder().build()?; // enable a reqwest TLS feature
/// let sessions = Sessions::from_env(http, TokioTimer)?;
/// let credentials = sessions.role_credentials(sessions.selector(None)).await?;
/// println!("{}", credentials.credentials.keys.access_key_id);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Sessions<T, R> {
    /// The environment and files the settings were resolved from.
    pub environment: Environment,
    /// The SSO cache directory (`~/.aws/sso/cache`: tokens and registrations).
    pub cache: SsoCache,
    /// The AWS CLI's credential cache directory (`~/.aws/cli/cache`: role credentials).
    pub cli_cache: CacheDir,
    /// The refresh policy.
    pub refresh_policy: RefreshPolicy,
    /// How long a refresh or a fetch of credentials waits for another process's (default
    /// [`REFRESH_LOCK_WAIT`]). When the wait runs out and the cached token is still valid, it
    /// is used with a warning; credentials are then fetched without the lock.
    pub refresh_lock_wait: Duration,
    /// How long [`Sessions::login`] waits for another process's login of the same session
    /// (default [`LOGIN_LOCK_WAIT`]).
    pub login_lock_wait: Duration,
    settings: Settings,
    transport: T,
    timer: R,
}

impl<T: HttpSend + Clone, R: Timer + Clone> Sessions<T, R> {
    /// Reads `HOME`, `AWS_CONFIG_FILE` and the rest of the environment, as the AWS CLI does
    /// (the same resolver as the blocking adapter's); requests go through `transport`, waits
    /// on `timer`.
    pub fn from_env(transport: T, timer: R) -> Result<Self, SessionError> {
        Self::new(Environment::load()?, &Explicit::default(), transport, timer)
    }

    /// [`Sessions::from_env`] over an explicit environment.
    pub fn from_env_map(
        env: &HashMap<String, String>,
        transport: T,
        timer: R,
    ) -> Result<Self, SessionError> {
        Self::new(
            Environment::from_env(env.clone())?,
            &Explicit::default(),
            transport,
            timer,
        )
    }

    /// Sessions over a loaded environment, with `explicit` values (a profile, an endpoint...)
    /// over it.
    pub fn new(
        environment: Environment,
        explicit: &Explicit,
        transport: T,
        timer: R,
    ) -> Result<Self, SessionError> {
        let settings = environment.settings(explicit)?;
        let cache = SsoCache::new(environment.sso_cache_dir()?);
        let cli_cache = CacheDir::new(environment.cli_cache_dir()?);
        Ok(Sessions {
            environment,
            cache,
            cli_cache,
            refresh_policy: RefreshPolicy::default(),
            refresh_lock_wait: REFRESH_LOCK_WAIT,
            login_lock_wait: LOGIN_LOCK_WAIT,
            settings,
            transport,
            timer,
        })
    }

    /// The resolved settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The session a call works on: the named sso-session, else the resolved profile
    /// (`AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`, or the explicit one).
    pub fn selector(&self, sso_session: Option<&str>) -> SessionSelector {
        match sso_session {
            Some(name) => SessionSelector::SsoSession(name.to_owned()),
            None => SessionSelector::Profile(self.settings.profile.value.clone()),
        }
    }

    /// Resolves a selector against the config.
    pub fn session(&self, selector: SessionSelector) -> Result<Session, SessionError> {
        Ok(Session::resolve(selector, &self.environment.config)?)
    }

    /// The OIDC endpoint of `session`'s region (or the configured one).
    fn oidc_endpoint(&self, session: &Session) -> Result<Endpoint, SessionError> {
        Ok(self
            .settings
            .resolve_endpoint(&self.settings.endpoint_params_for_region(&session.region))?)
    }

    /// A client of `endpoint` with the settings' retries.
    fn client(&self, endpoint: Endpoint) -> Client<T, R> {
        Client::new(self.transport.clone(), self.timer.clone(), endpoint)
            .retry(RetryPolicy::new(self.settings.retry_config()))
    }

    /// The retry policy of the settings.
    fn retry(&self) -> RetryPolicy {
        RetryPolicy::new(self.settings.retry_config())
    }
}
