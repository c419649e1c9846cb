//! AWS CLI-compatible sessions: which cache file a profile or sso-session uses
//! ([`SessionSettings`]), a cached token refreshed when due ([`Sessions::token`], in `token.rs`),
//! and the device login that writes both caches ([`Sessions::login`], in `login.rs`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use ssooidc_core::cache::{registration_cache_key, token_cache_key, CachedToken};
use ssooidc_core::config::{AwsConfig, ConfigError as AwsConfigError};
use ssooidc_core::refresh::{RefreshError, RefreshPolicy};

use crate::client::{Client, DebugSink};
use crate::config::{Config, ConfigError};
use crate::device::LoginError;
use crate::store::{SsoCache, StoreError};
use crate::Error;

mod login;
mod token;

/// Which session to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionSelector {
    /// A profile of `~/.aws/config` (sso-session or legacy form).
    Profile(String),
    /// An `[sso-session NAME]` section.
    SsoSession(String),
    /// No config: a start URL and region given directly (cached like a legacy profile).
    StartUrl {
        /// The access-portal URL.
        start_url: String,
        /// The SSO region.
        region: String,
    },
}

impl SessionSelector {
    /// The command-line flags that select this session, for messages.
    pub fn as_flags(&self) -> String {
        match self {
            Self::Profile(p) => format!("--profile {p}"),
            Self::SsoSession(s) => format!("--sso-session {s}"),
            Self::StartUrl { start_url, region } => {
                format!("--start-url {start_url} --region {region}")
            }
        }
    }
}

/// Everything a session needs, resolved from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSettings {
    /// How it was selected.
    pub selector: SessionSelector,
    /// The configured start URL.
    pub start_url: String,
    /// The SSO region.
    pub region: String,
    /// The sso-session name (refreshable sessions only).
    pub session_name: Option<String>,
    /// Registration scopes.
    pub scopes: Vec<String>,
    /// The token cache key.
    pub token_key: String,
    /// The registration cache key.
    pub registration_key: String,
}

impl SessionSettings {
    /// Resolves `selector` against a parsed config.
    pub fn resolve(selector: SessionSelector, config: &AwsConfig) -> Result<Self, AwsConfigError> {
        let (start_url, region, session_name, scopes) = match &selector {
            SessionSelector::Profile(name) => {
                let p = config.sso_profile(name)?;
                (
                    p.start_url,
                    p.region,
                    p.session.map(|s| s.name),
                    p.registration_scopes,
                )
            }
            SessionSelector::SsoSession(name) => {
                let s = config.sso_session(name)?;
                (s.start_url, s.region, Some(s.name), s.registration_scopes)
            }
            SessionSelector::StartUrl { start_url, region } => {
                (start_url.clone(), region.clone(), None, Vec::new())
            }
        };
        let token_key = token_cache_key(session_name.as_deref().unwrap_or(&start_url));
        let registration_key = registration_cache_key(
            &start_url,
            &region,
            (!scopes.is_empty()).then_some(scopes.as_slice()),
            session_name.as_deref(),
        );
        Ok(SessionSettings {
            selector,
            start_url,
            region,
            session_name,
            scopes,
            token_key,
            registration_key,
        })
    }
}

/// A failure to produce a token or to log in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The config file or environment is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The profile or session cannot be resolved.
    #[error(transparent)]
    AwsConfig(#[from] AwsConfigError),
    /// The cache could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No usable cached token.
    #[error("no cached SSO token for {flags}{}; run `ssooidc login {flags}`", .reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    NotLoggedIn {
        /// The flags that select the session.
        flags: String,
        /// Why the cache could not be used, when a file was there.
        reason: Option<String>,
    },
    /// The cached token expired and could not be refreshed.
    #[error("{source}; run `ssooidc login {flags}` to log in again")]
    Expired {
        /// The flags that select the session.
        flags: String,
        /// The refresh machine's verdict.
        source: RefreshError,
    },
    /// A call to the service failed.
    #[error(transparent)]
    Call(#[from] Error),
    /// The device login ended without a token.
    #[error(transparent)]
    Login(#[from] LoginError),
}

/// What [`Sessions::login`] produced.
#[derive(Debug, Clone)]
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
    /// The parsed `~/.aws/config` (empty when there is none).
    pub aws_config: AwsConfig,
    /// The cache directory.
    pub cache: SsoCache,
    /// HTTP settings (endpoint overrides, timeouts...). Its region is replaced by each
    /// session's `sso_region`.
    pub http: Config,
    /// The refresh policy.
    pub refresh_policy: RefreshPolicy,
    /// Where clients log requests and responses (secrets redacted), when set.
    pub debug: Option<DebugSink>,
    /// How long [`Sessions::token`] waits for another process's refresh (default
    /// [`REFRESH_LOCK_WAIT`]). When the wait runs out and the cached token is still valid, it is
    /// used with a warning.
    pub refresh_lock_wait: Duration,
}

impl Sessions {
    /// Reads `HOME`, `AWS_CONFIG_FILE` and the rest of the environment, as the AWS CLI does.
    pub fn from_env() -> Result<Self, SessionError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::from_env_map(&env)
    }

    /// [`Sessions::from_env`] over an explicit environment.
    pub fn from_env_map(env: &HashMap<String, String>) -> Result<Self, SessionError> {
        let aws_config = match crate::paths::config_file(env) {
            Some(path) => match std::fs::read_to_string(&path) {
                Ok(text) => AwsConfig::parse(&text)
                    .map_err(|source| ConfigError::ConfigFile { path, source })?,
                Err(_) => AwsConfig::default(),
            },
            None => AwsConfig::default(),
        };
        let dir = crate::paths::sso_cache_dir(env).ok_or(SessionError::NotLoggedIn {
            flags: String::new(),
            reason: Some("HOME is not set".to_owned()),
        })?;
        let http = Config::from_sources(env, &aws_config);
        Ok(Sessions {
            aws_config,
            cache: SsoCache::new(dir),
            http,
            refresh_policy: RefreshPolicy::default(),
            debug: None,
            refresh_lock_wait: REFRESH_LOCK_WAIT,
        })
    }

    /// Resolves a selector against the config.
    pub fn settings(&self, selector: SessionSelector) -> Result<SessionSettings, SessionError> {
        Ok(SessionSettings::resolve(selector, &self.aws_config)?)
    }

    /// The HTTP client for a session's region.
    pub fn client(&self, settings: &SessionSettings) -> Result<Client, SessionError> {
        let config = self.http.clone().region(settings.region.clone());
        let client = Client::new(config).map_err(SessionError::Call)?;
        Ok(match &self.debug {
            Some(sink) => client.with_debug_log(sink.clone()),
            None => client,
        })
    }
}
