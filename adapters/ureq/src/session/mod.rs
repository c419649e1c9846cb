//! AWS CLI-compatible sessions: a cached token refreshed when due ([`Sessions::token`]), the
//! login (browser or device, by the AWS CLI's rule) that writes both caches
//! ([`Sessions::login`]), AWS credentials for the session's account and role through the portal
//! and the AWS CLI's role-credential cache ([`Sessions::role_credentials`]), and logging out as
//! `aws sso logout` does ([`Sessions::logout`]). Which files a session uses, its client name and its cache entries are decided
//! by the core ([`ssooidc_core::sessions`]); this module does the file I/O and the HTTP.

use std::collections::HashMap;
use std::time::Duration;

use ssooidc_core::cache::CachedToken;
use ssooidc_core::config::ConfigError;
use ssooidc_core::refresh::RefreshPolicy;
use ssooidc_core::settings::{Explicit, Settings};

pub use ssooidc_core::sessions::{LoginFlow, Session, SessionSelector};

use crate::client::{Client, DebugSink, WaitNotice};
use crate::config::Config;
use crate::environment::Environment;
use crate::store::{CacheDir, SsoCache};

mod assignments;
mod credentials;
pub(crate) mod drive;
mod login;
mod logout;
mod token;

pub use ssooidc_core::sessions::REFRESH_LOCK_WAIT;
/// Why a session could give no token or credentials (`ssooidc-files`' store error for the caches).
pub use ssooidc_files::SessionError;
pub use ssooidc_files::{
    CredentialsSource, Listed, LoginResult, LogoutReport, SessionCredentials, SessionToken,
    TokenSource,
};

/// Remembers the secrets of a cache entry for redaction by value ([`crate::secrets`]).
pub(crate) fn remember_secrets(token: &CachedToken) {
    crate::secrets::remember(&token.access_token);
    for secret in [&token.refresh_token, &token.client_secret]
        .into_iter()
        .flatten()
    {
        crate::secrets::remember(secret);
    }
}

/// Remembers the secret key and session token of role credentials for redaction by value
/// ([`crate::secrets`]): `credentials` prints them, but its debug log and warnings must not.
pub(crate) fn remember_keys(credentials: &ssooidc_core::cache::CachedRoleCredentials) {
    crate::secrets::remember(&credentials.keys.secret_access_key);
    if let Some(token) = &credentials.keys.session_token {
        crate::secrets::remember(token);
    }
}

/// How long [`Sessions::login`] waits for another process's login of the same session.
pub const LOGIN_LOCK_WAIT: Duration = Duration::from_secs(15 * 60);

/// The AWS CLI-compatible session store: config, token cache, registration cache, refresh.
#[derive(Debug, Clone)]
pub struct Sessions {
    /// The environment and files the settings were resolved from.
    pub environment: Environment,
    /// The SSO cache directory (`~/.aws/sso/cache`: tokens and registrations).
    pub cache: SsoCache,
    /// The AWS CLI's credential cache directory (`~/.aws/cli/cache`: role credentials).
    pub cli_cache: CacheDir,
    /// HTTP settings (the resolved settings, proxy, timeouts...). Each session's client uses
    /// its `sso_region` instead of the settings' region.
    pub http: Config,
    /// The refresh policy.
    pub refresh_policy: RefreshPolicy,
    /// Where clients log requests and responses (secrets redacted), when set.
    pub debug: Option<DebugSink>,
    /// What clients tell before a wait of a second or more to retry a failed request, when set.
    pub wait_notice: Option<WaitNotice>,
    /// How long [`Sessions::token`] waits for another process's refresh, and
    /// [`Sessions::role_credentials`] for another process's fetch of the same credentials
    /// (default [`REFRESH_LOCK_WAIT`]). When the wait runs out and the cached token is still
    /// valid, it is used with a warning; credentials are then fetched without the lock.
    pub refresh_lock_wait: Duration,
    /// How long [`Sessions::login`] waits for another process's login of the same session
    /// (default [`LOGIN_LOCK_WAIT`]).
    pub login_lock_wait: Duration,
}

impl Sessions {
    /// Reads `HOME`, `AWS_CONFIG_FILE` and the rest of the environment, as the AWS CLI does.
    pub fn from_env() -> Result<Self, SessionError> {
        Self::new(Environment::load()?, &Explicit::default())
    }

    /// [`Sessions::from_env`] over an explicit environment.
    pub fn from_env_map(env: &HashMap<String, String>) -> Result<Self, SessionError> {
        Self::new(Environment::from_env(env.clone())?, &Explicit::default())
    }

    /// Sessions over a loaded environment, with `explicit` values (a profile, an endpoint...)
    /// over it.
    pub fn new(environment: Environment, explicit: &Explicit) -> Result<Self, SessionError> {
        let settings = environment.settings(explicit)?;
        Ok(Self::with_settings(environment, settings)?)
    }

    /// Sessions over a loaded environment and its resolved settings.
    pub fn with_settings(
        environment: Environment,
        settings: Settings,
    ) -> Result<Self, ConfigError> {
        let cache = SsoCache::new(environment.sso_cache_dir()?);
        let cli_cache = CacheDir::new(environment.cli_cache_dir()?);
        Ok(Sessions {
            environment,
            cache,
            cli_cache,
            http: Config::from_settings(settings),
            refresh_policy: RefreshPolicy::default(),
            debug: None,
            wait_notice: None,
            refresh_lock_wait: REFRESH_LOCK_WAIT,
            login_lock_wait: LOGIN_LOCK_WAIT,
        })
    }

    /// The resolved settings.
    pub fn settings(&self) -> &Settings {
        &self.http.settings
    }

    /// The session a command works on: the named sso-session, else the resolved profile
    /// (`--profile`, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`).
    pub fn selector(&self, sso_session: Option<&str>) -> SessionSelector {
        match sso_session {
            Some(name) => SessionSelector::SsoSession(name.to_owned()),
            None => SessionSelector::Profile(self.settings().profile.value.clone()),
        }
    }

    /// Resolves a selector against the config.
    pub fn session(&self, selector: SessionSelector) -> Result<Session, SessionError> {
        Ok(Session::resolve(selector, &self.environment.config)?)
    }

    /// The HTTP client of a session: its `sso_region`'s endpoint (or the configured one).
    pub fn client(&self, session: &Session) -> Result<Client, SessionError> {
        self.client_in(&session.region)
    }

    /// The HTTP client of `region` (a session's `sso_region`): its OIDC endpoint (or the
    /// configured one).
    pub(crate) fn client_in(&self, region: &str) -> Result<Client, SessionError> {
        let endpoint = self.http.resolve_endpoint_for_region(region)?;
        self.logging(Client::with_endpoint(self.http.clone(), endpoint)?)
    }

    /// The SSO portal client of `region` (a session's `sso_region`, or a cached token's
    /// `region`): its `portal.sso` endpoint, or the configured portal endpoint.
    pub fn portal_client(&self, region: &str) -> Result<Client, SessionError> {
        self.logging(Client::portal(self.http.clone(), region)?)
    }

    /// Sets the debug log and the wait notice of `client`.
    fn logging(&self, mut client: Client) -> Result<Client, SessionError> {
        if let Some(sink) = &self.debug {
            client = client.with_debug_log(sink.clone());
        }
        if let Some(notice) = &self.wait_notice {
            client = client.with_wait_notice(notice.clone());
        }
        Ok(client)
    }
}
