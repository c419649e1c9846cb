//! AWS CLI-compatible sessions: which cache file a profile or sso-session uses, a cached token
//! refreshed when due ([`Sessions::token`]), and where to tell the user to log in.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use ssooidc_core::cache::{registration_cache_key, token_cache_key, CachedToken};
use ssooidc_core::config::{AwsConfig, ConfigError as AwsConfigError};
use ssooidc_core::refresh::{
    RefreshError, RefreshOutcome, RefreshOutput, RefreshPolicy, Refresher,
};
use time::OffsetDateTime;

use crate::client::{Client, DebugSink};
use crate::config::{Config, ConfigError};
use crate::device::{device_login, LoginError, LoginOptions};
use crate::store::{Lookup, SsoCache, StoreError};
use crate::Error;
use ssooidc_core::device::{DeviceFlowInput, Event};

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
    /// Logs in with the device flow and writes both caches, as `aws sso login
    /// --use-device-code` does: a cached registration is reused when it has 15 minutes left and
    /// is a device-flow registration, the token file is keyed and filled like the AWS CLI's.
    ///
    /// Concurrent logins of one session are serialised by the session's lock; a process that
    /// waited while another logged in reuses that token. Nothing is written when the login is
    /// cancelled; a new registration is written when the flow ends otherwise.
    pub fn login(
        &self,
        selector: SessionSelector,
        options: LoginOptions,
        mut on_event: impl FnMut(&Event),
    ) -> Result<LoginResult, SessionError> {
        let settings = self.settings(selector)?;
        let client = self.client(&settings)?;
        let mut warnings = Vec::new();
        let started = std::time::SystemTime::now();
        let _lock = self.cache.lock(&settings.token_key, LOGIN_LOCK_WAIT)?;
        let token_path = self.cache.path(&settings.token_key);
        if let Lookup::Found(token) = self.cache.load_token(&settings.token_key)? {
            let written_since = std::fs::metadata(&token_path)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m >= started);
            if written_since && token.is_valid_at(OffsetDateTime::now_utc()) {
                return Ok(LoginResult {
                    token,
                    token_path,
                    registration_path: None,
                    reused_concurrent_login: true,
                    warnings,
                });
            }
        }
        let cached_registration = match self.cache.load_registration(&settings.registration_key)? {
            Lookup::Found(r) => Some(r),
            Lookup::Missing => None,
            Lookup::Corrupt { path, error } => {
                warnings.push(format!(
                    "ignoring unusable registration {}: {error}",
                    path.display()
                ));
                None
            }
        };
        let client_name = match &settings.session_name {
            Some(name) => format!("botocore-client-{name}"),
            None => format!(
                "botocore-client-{}",
                OffsetDateTime::now_utc().unix_timestamp()
            ),
        };
        let mut input = DeviceFlowInput::new(
            client.endpoint().clone(),
            settings.start_url.clone(),
            client_name,
        );
        if !settings.scopes.is_empty() {
            input = input.scopes(settings.scopes.clone());
        }
        if let Some(r) = cached_registration {
            input = input.registration(r);
        }
        let cancel = options.cancel.clone();
        let mut new_registration = None;
        let result = device_login(&client, input, options, |event| {
            if let Event::Registered(r) = event {
                new_registration = Some(r.clone());
            }
            on_event(event);
        });
        if cancel.is_cancelled() {
            return Err(SessionError::Login(LoginError::Cancelled));
        }
        let registration_path = match &new_registration {
            Some(r) => Some(
                self.cache
                    .save_registration(&settings.registration_key, r)?,
            ),
            None => None,
        };
        let token = result?;
        let entry = CachedToken {
            start_url: Some(settings.start_url.clone()),
            region: Some(settings.region.clone()),
            access_token: token.access_token,
            // Whole seconds, as the file holds it: the entry returned is the entry stored.
            expires_at: token
                .expires_at
                .replace_nanosecond(0)
                .unwrap_or(token.expires_at),
            client_id: Some(token.registration.client_id.clone()),
            client_secret: Some(token.registration.client_secret.clone()),
            registration_expires_at: Some(token.registration.expires_at),
            refresh_token: token.refresh_token,
            extra: Default::default(),
        };
        let token_path = self.cache.save_token(&settings.token_key, &entry)?;
        Ok(LoginResult {
            token: entry,
            token_path,
            registration_path,
            reused_concurrent_login: false,
            warnings,
        })
    }

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

    /// A valid access token for the session: the cached one, refreshed when it is inside the
    /// refresh window (sso-session profiles only), or an error telling the user how to log in.
    ///
    /// A token with more than 15 minutes left is returned without taking any lock. Otherwise
    /// the session's lock is taken and the file read again, so that of many processes asking at
    /// once only the first refreshes and the others reuse its result.
    pub fn token(&self, selector: SessionSelector) -> Result<SessionToken, SessionError> {
        let settings = self.settings(selector)?;
        let flags = settings.selector.as_flags();
        let path = self.cache.path(&settings.token_key);
        let mut warnings = Vec::new();
        let not_logged_in = |reason: Option<String>| SessionError::NotLoggedIn {
            flags: flags.clone(),
            reason,
        };
        let cached = match self.cache.load_token(&settings.token_key)? {
            Lookup::Found(t) => t,
            Lookup::Missing => return Err(not_logged_in(None)),
            Lookup::Corrupt { path, error } => {
                return Err(not_logged_in(Some(format!(
                    "{} is unusable: {error}",
                    path.display()
                ))))
            }
        };
        let now = OffsetDateTime::now_utc();
        let urgency = self.refresh_policy.urgency(cached.expires_at, now);
        if urgency == ssooidc_core::refresh::Urgency::Fresh {
            return Ok(SessionToken {
                token: cached,
                source: TokenSource::Cached,
                path,
                warnings,
            });
        }

        let mut lock = match self.cache.lock(&settings.token_key, self.refresh_lock_wait) {
            Ok(lock) => lock,
            // Another process is refreshing (or logging in) and taking long: the token we read
            // is still good, so use it rather than fail.
            Err(StoreError::LockTimeout { waited, .. })
                if cached.is_valid_at(OffsetDateTime::now_utc()) =>
            {
                warnings.push(format!(
                    "another process held the session lock for {waited:?}; using the cached token without refreshing"
                ));
                return Ok(SessionToken {
                    token: cached,
                    source: TokenSource::Cached,
                    path,
                    warnings,
                });
            }
            Err(e) => return Err(e.into()),
        };
        // Someone may have refreshed while we waited: read again under the lock.
        let cached = match self.cache.load_token(&settings.token_key)? {
            Lookup::Found(t) => t,
            Lookup::Missing => return Err(not_logged_in(None)),
            Lookup::Corrupt { path, error } => {
                return Err(not_logged_in(Some(format!(
                    "{} is unusable: {error}",
                    path.display()
                ))))
            }
        };
        let now = OffsetDateTime::now_utc();
        // Legacy (no sso-session) tokens are never refreshed (spec 6.7).
        if settings.session_name.is_none() {
            if cached.is_valid_at(now) {
                return Ok(SessionToken {
                    token: cached,
                    source: TokenSource::Cached,
                    path,
                    warnings,
                });
            }
            return Err(SessionError::Expired {
                flags,
                source: RefreshError::Expired { failure: None },
            });
        }
        let client = self.client(&settings)?;
        let last_attempt = lock
            .last_attempt()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok());
        let mut refresher = Refresher::new(
            cached,
            client.endpoint(),
            Some(settings.start_url.clone()),
            Some(settings.region.clone()),
            now,
            last_attempt,
            self.refresh_policy,
        );
        let outcome = loop {
            match refresher.poll_output() {
                RefreshOutput::Transmit(request) => {
                    lock.record_attempt(OffsetDateTime::now_utc().unix_timestamp())?;
                    let result = client.send("CreateToken", request);
                    let now = OffsetDateTime::now_utc();
                    let fed = match result {
                        Ok(response) => refresher.handle_response(now, &response),
                        Err(e) => refresher.handle_transport_error(now, e.to_string()),
                    };
                    if let Err(misuse) = fed {
                        // Cannot happen with this loop; report rather than panic.
                        return Err(not_logged_in(Some(misuse.to_string())));
                    }
                }
                RefreshOutput::Waiting => {
                    return Err(not_logged_in(Some("refresh machine stalled".to_owned())))
                }
                RefreshOutput::Done(result) => break result,
            }
        };
        match outcome {
            Ok(RefreshOutcome::Refreshed(token)) => {
                self.cache.save_token(&settings.token_key, &token)?;
                Ok(SessionToken {
                    token,
                    source: TokenSource::Refreshed,
                    path,
                    warnings,
                })
            }
            Ok(RefreshOutcome::RefreshFailed { token, failure, .. }) => {
                let why = failure.to_string();
                warnings.push(format!(
                    "token refresh failed ({why}); using the cached token until it expires"
                ));
                Ok(SessionToken {
                    token,
                    source: TokenSource::RefreshFailed(why),
                    path,
                    warnings,
                })
            }
            Ok(other) => Ok(SessionToken {
                token: other.token().clone(),
                source: TokenSource::Cached,
                path,
                warnings,
            }),
            Err(source) => Err(SessionError::Expired { flags, source }),
        }
    }
}
