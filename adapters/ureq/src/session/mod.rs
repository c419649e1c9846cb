//! AWS CLI-compatible sessions: a cached token refreshed when due ([`Sessions::token`]), the
//! login (browser or device, by the AWS CLI's rule) that writes both caches
//! ([`Sessions::login`]), AWS credentials for the session's account and role through the portal
//! and the AWS CLI's role-credential cache ([`Sessions::role_credentials`]), and logging out as
//! `aws sso logout` does ([`Sessions::logout`]). Which files a session uses, its client name and its cache entries are decided
//! by the core ([`ssooidc_core::sessions`]); this module does the file I/O and the HTTP.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use ssooidc_core::cache::CachedToken;
use ssooidc_core::config::ConfigError;
use ssooidc_core::refresh::{RefreshError, RefreshPolicy};
use ssooidc_core::settings::{Explicit, Settings};
use ssooidc_core::CallError;

pub use ssooidc_core::sessions::{LoginFlow, Session, SessionSelector};

use crate::client::{Client, DebugSink, WaitNotice};
use crate::config::Config;
use crate::device::LoginError;
use crate::environment::Environment;
use crate::store::{CacheDir, SsoCache, StoreError};

mod assignments;
mod credentials;
pub(crate) mod locked;
mod login;
mod logout;
mod token;

pub use assignments::Listed;
pub use credentials::{CredentialsSource, SessionCredentials};
pub use logout::LogoutReport;

/// A failure to produce a token or to log in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The configuration is unusable (a missing profile or session, a broken file, no home).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The cache could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No usable cached token.
    #[error("no cached SSO token for {session}{}", .reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    NotLoggedIn {
        /// The session (`sso-session my-sso`, `profile legacy`, a start URL).
        session: String,
        /// Why the cache could not be used, when a file was there.
        reason: Option<String>,
    },
    /// The cached token expired and could not be refreshed.
    #[error("the SSO token for {session} has expired: {source}")]
    Expired {
        /// The session.
        session: String,
        /// The refresh machine's verdict.
        source: RefreshError,
    },
    /// The portal refused the session's token (`UnauthorizedException`): it expired on the
    /// server's side, or the session was logged out.
    #[error("the SSO token for {session} was refused: {source}")]
    Unauthorized {
        /// The session.
        session: String,
        /// The portal's answer.
        source: CallError,
    },
    /// A call to the service failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The login ended without a token.
    #[error(transparent)]
    Login(#[from] LoginError),
    /// An OAuth 2.0 provider's endpoints could not be discovered ([`crate::oauth`]).
    #[error(transparent)]
    Discovery(#[from] ssooidc_core::oauth::DiscoveryError),
}

/// A failed portal call with the session's token: a refused token is
/// [`SessionError::Unauthorized`], anything else [`SessionError::Call`].
pub(crate) fn portal_error(session: &Session, error: CallError) -> SessionError {
    match error {
        CallError::Service {
            error: ssooidc_core::ServiceError::Unauthorized { .. },
            ..
        } => SessionError::Unauthorized {
            session: describe(session),
            source: error,
        },
        other => SessionError::Call(other),
    }
}

/// How a session is named in messages.
pub(crate) fn describe(session: &Session) -> String {
    match (&session.selector, &session.session_name) {
        (_, Some(name)) => format!("sso-session {name}"),
        (SessionSelector::Profile(profile), None) => format!("profile {profile}"),
        _ => session.start_url.clone(),
    }
}

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

/// What [`Sessions::login`] produced.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoginResult {
    /// The token cache entry that was written.
    pub token: CachedToken,
    /// The token cache file.
    pub token_path: PathBuf,
    /// The registration cache file, when a new registration was written.
    pub registration_path: Option<PathBuf>,
    /// Whether another process finished a login for this session while this one waited for
    /// the lock, and its token was reused instead of logging in again.
    pub reused_concurrent_login: bool,
    /// The login that obtained the token; `None` when another process's token was reused.
    pub flow: Option<LoginFlow>,
    /// Warnings for the user (an unusable registration file).
    pub warnings: Vec<String>,
}

/// How long [`Sessions::login`] waits for another process's login of the same session.
pub const LOGIN_LOCK_WAIT: Duration = Duration::from_secs(15 * 60);

/// How [`Sessions::token`] got its token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenSource {
    /// Read from the cache as it was.
    Cached,
    /// Refreshed and written back.
    Refreshed,
    /// The refresh failed; the cached token is still valid and was used.
    RefreshFailed(String),
}

/// A token and where it came from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SessionToken {
    /// The cache entry.
    pub token: CachedToken,
    /// Where it came from.
    pub source: TokenSource,
    /// The cache file.
    pub path: PathBuf,
    /// Warnings for the user (a corrupt file, a failed refresh).
    pub warnings: Vec<String>,
}

/// How long [`Sessions::token`] waits for another process's refresh.
pub const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(30);

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
        let endpoint = self.http.resolve_endpoint_for_region(&session.region)?;
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
