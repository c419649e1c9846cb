//! [`OAuthSessions`]: the tokens of standard OAuth 2.0 logins, kept in the cache of `ssooidc
//! oauth` ([`OAuthCache`]): [`login`](OAuthSessions::login) (the device login, written under
//! the entry's lock), [`token`](OAuthSessions::token) (the cached token, refreshed under the
//! lock when fewer than a minimum lifetime is left) and [`logout`](OAuthSessions::logout).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use ssooidc_core::cache::{oauth_cache_key, OAuthCacheEntry};
use ssooidc_core::config::ConfigError;
use ssooidc_core::device::Event;
use ssooidc_core::oauth::{
    plan, ClientAuth, OAuthClient, Plan, Provider, ProviderSource, Refreshed, Standard,
};
use ssooidc_core::refresh::{RefreshError, RefreshPolicy, UnsavedRefresh};
use ssooidc_core::Secret;
use time::OffsetDateTime;

use super::{device_login, refresh, resolve};
use crate::client::{Client, DebugSink};
use crate::config::Config;
use crate::device::{LoginError, LoginOptions};
use crate::environment::Environment;
use crate::session::locked::{refresh_locked, Entry, Locked};
use crate::session::{SessionError, TokenSource, LOGIN_LOCK_WAIT, REFRESH_LOCK_WAIT};
use crate::store::{Lookup, OAuthCache};

/// Remembers the secrets of an entry for redaction by value ([`crate::secrets`]).
fn remember_secrets(entry: &OAuthCacheEntry) {
    let tokens = &entry.tokens;
    crate::secrets::remember(&tokens.access_token);
    for secret in [&tokens.refresh_token, &tokens.id_token]
        .into_iter()
        .flatten()
    {
        crate::secrets::remember(secret);
    }
}

/// Which login: the provider, the client (its id, secret and authentication method) and the
/// scopes. The cache entry is keyed by the provider, the client id and the scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthLogin {
    /// Where the provider's endpoints come from.
    pub source: ProviderSource,
    /// The client id registered with the provider.
    pub client_id: String,
    /// Its secret, for a confidential client (redacted in `Debug`).
    pub client_secret: Option<Secret>,
    /// How it authenticates; `None`: as the provider's metadata suggests
    /// ([`Provider::default_auth`](ssooidc_core::oauth::Provider::default_auth)).
    pub auth: Option<ClientAuth>,
    /// The scopes to ask for.
    pub scopes: Vec<String>,
}

impl OAuthLogin {
    /// A public client's login at `source` with no scopes.
    pub fn new(source: ProviderSource, client_id: impl Into<String>) -> Self {
        OAuthLogin {
            source,
            client_id: client_id.into(),
            client_secret: None,
            auth: None,
            scopes: Vec::new(),
        }
    }

    /// Sets the client secret.
    pub fn client_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Sets the authentication method.
    pub fn auth(mut self, auth: ClientAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Sets the scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The client as `provider` is to see it: the method configured, else the one its metadata
    /// suggests ([`OAuthClient::for_provider`]).
    pub fn client_for(&self, provider: &Provider) -> Result<OAuthClient, ConfigError> {
        OAuthClient::for_provider(
            self.client_id.clone(),
            self.client_secret.clone(),
            self.auth,
            provider,
        )
        .map_err(ConfigError::from)
    }

    /// The cache key of this login.
    pub fn key(&self) -> String {
        oauth_cache_key(self.source.id(), &self.client_id, &self.scopes)
    }

    /// How the login is named in messages.
    pub fn describe(&self) -> String {
        let mut out = format!("client {} of {}", self.client_id, self.source.id());
        if !self.scopes.is_empty() {
            out.push_str(&format!(" (scopes {})", self.scopes.join(" ")));
        }
        out
    }
}

/// What [`OAuthSessions::login`] produced.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthLoginResult {
    /// The cache entry written.
    pub entry: OAuthCacheEntry,
    /// Its file.
    pub path: PathBuf,
    /// Whether another process finished a login of the same entry while this one waited for
    /// the lock, and its tokens were reused instead of logging in again.
    pub reused_concurrent_login: bool,
}

/// A token and where it came from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthToken {
    /// The cache entry.
    pub entry: OAuthCacheEntry,
    /// Where the token came from.
    pub source: TokenSource,
    /// The cache file.
    pub path: PathBuf,
    /// Warnings for the user (a failed refresh, a lock held too long).
    pub warnings: Vec<String>,
}

/// The tokens of standard OAuth 2.0 logins, in the cache of `ssooidc oauth`.
#[derive(Debug, Clone)]
pub struct OAuthSessions {
    /// The cache.
    pub cache: OAuthCache,
    /// HTTP settings (timeouts, proxy, CA bundle, retries).
    pub http: Config,
    /// Where clients log requests and responses (secrets redacted), when set.
    pub debug: Option<DebugSink>,
    /// How long [`token`](Self::token) waits for another process's refresh of the same entry.
    pub refresh_lock_wait: Duration,
    /// The refresh throttle: at most one attempt per
    /// [`min_attempt_interval`](RefreshPolicy::min_attempt_interval) (60 s), across processes,
    /// as for AWS sessions (its windows are not used: `min_ttl` says when a refresh is due).
    pub refresh_policy: RefreshPolicy,
    /// How long [`login`](Self::login) waits for another process's login of the same entry.
    pub login_lock_wait: Duration,
}

impl OAuthSessions {
    /// Sessions in the cache directory of `environment` (`$XDG_CACHE_HOME/ssooidc/oauth`),
    /// sending with `http`.
    pub fn new(environment: &Environment, http: Config) -> Result<Self, ConfigError> {
        Ok(Self::in_dir(environment.oauth_cache_dir()?, http))
    }

    /// Sessions in the cache directory `dir`.
    pub fn in_dir(dir: impl Into<PathBuf>, http: Config) -> Self {
        OAuthSessions {
            cache: OAuthCache::new(dir),
            http,
            debug: None,
            refresh_lock_wait: REFRESH_LOCK_WAIT,
            refresh_policy: RefreshPolicy::default(),
            login_lock_wait: LOGIN_LOCK_WAIT,
        }
    }

    /// The HTTP client for `login`'s provider.
    pub fn client(&self, login: &OAuthLogin) -> Result<Client, ConfigError> {
        let client = Client::for_provider(self.http.clone(), login.source.url())?;
        Ok(match &self.debug {
            Some(sink) => client.with_debug_log(sink.clone()),
            None => client,
        })
    }

    /// The cached entry of `login`, or why there is none.
    fn load(&self, login: &OAuthLogin) -> Result<OAuthCacheEntry, SessionError> {
        match self.cache.load(&login.key())? {
            Lookup::Found(entry) => {
                remember_secrets(&entry);
                Ok(entry)
            }
            Lookup::Missing => Err(SessionError::NotLoggedIn {
                session: login.describe(),
                reason: None,
            }),
            Lookup::Corrupt { path, error } => Err(SessionError::NotLoggedIn {
                session: login.describe(),
                reason: Some(format!("{} is unusable: {error}", path.display())),
            }),
        }
    }

    /// Logs in with the device flow and writes the cache entry. The provider's endpoints are
    /// discovered (or taken as given) first. Concurrent logins of one entry are serialised by
    /// its lock; a process that waited while another logged in reuses those tokens. Nothing is
    /// written when the login fails or is cancelled.
    pub fn login(
        &self,
        login: &OAuthLogin,
        options: LoginOptions,
        on_event: impl FnMut(&Event<OAuthClient>),
    ) -> Result<OAuthLoginResult, SessionError> {
        let key = login.key();
        let started = SystemTime::now();
        let _lock = self.cache.dir().lock(&key, self.login_lock_wait)?;
        let path = self.cache.dir().path(&key);
        if let Lookup::Found(entry) = self.cache.load(&key)? {
            let written_since = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m >= started);
            if written_since
                && entry
                    .tokens
                    .is_fresh_for(OffsetDateTime::now_utc(), Duration::ZERO)
            {
                return Ok(OAuthLoginResult {
                    entry,
                    path,
                    reused_concurrent_login: true,
                });
            }
        }
        let client = self.client(login)?;
        let provider = resolve(&client, &login.source).map_err(SessionError::Discovery)?;
        let oauth_client = login.client_for(&provider)?;
        let cancel = options.cancel.clone();
        let dialect = Standard::new(provider, oauth_client, login.scopes.iter().cloned());
        let result = device_login(&client, dialect, options, on_event);
        if cancel.is_cancelled() {
            return Err(SessionError::Login(LoginError::Cancelled));
        }
        let entry = OAuthCacheEntry::new(
            login.source.id(),
            login.client_id.clone(),
            login.scopes.clone(),
            result?,
        );
        let path = self.cache.save(&entry)?;
        Ok(OAuthLoginResult {
            entry,
            path,
            reused_concurrent_login: false,
        })
    }

    /// A valid access token of `login`: the cached one when at least `min_ttl` is left (no lock
    /// taken, no request made), else refreshed under the entry's lock and written back, by the
    /// same lock-and-refresh policy as AWS sessions' [`Sessions::token`](crate::session::Sessions::token):
    /// the entry read again under the lock, at most one attempt a minute across processes
    /// ([`refresh_policy`](Self::refresh_policy)), a still-valid token used with a warning when
    /// the lock cannot be had (held too long, a read-only cache, an unusable lock file) or it
    /// cannot be refreshed (no refresh token, throttled, the provider refused, discovery
    /// failed), a refreshed token that cannot be written back returned with a warning. An
    /// expired token that is not refreshed is [`SessionError::Expired`]. The endpoints are
    /// discovered again before a refresh, so that the client secret goes only where the
    /// issuer's metadata says.
    pub fn token(&self, login: &OAuthLogin, min_ttl: Duration) -> Result<OAuthToken, SessionError> {
        let key = login.key();
        let path = self.cache.dir().path(&key);
        let cached = self.load(login)?;
        let now = OffsetDateTime::now_utc;
        let found = |entry, source, warnings| OAuthToken {
            entry,
            source,
            path: path.clone(),
            warnings,
        };
        // Every decision is core's (`oauth::plan`): asked once without the lock, so that a
        // hit costs nothing more, and again under it.
        let policy = self.refresh_policy;
        if plan(&cached.tokens, now(), min_ttl, None, &policy) == Plan::Use {
            return Ok(found(
                cached,
                TokenSource::Cached,
                self.cache.dir().take_warnings(),
            ));
        }
        let mut warnings = self.cache.dir().take_warnings();
        let valid = |entry: &OAuthCacheEntry| Plan::usable(&entry.tokens, now());
        let expired = |source| SessionError::Expired {
            session: login.describe(),
            source,
        };
        let entry = Entry {
            dir: self.cache.dir(),
            key: &key,
            wait: self.refresh_lock_wait,
            valid,
            load: || self.load(login),
            save: |entry: &OAuthCacheEntry| self.cache.save(entry).map(drop),
        };
        let (entry, source) = refresh_locked(entry, cached, &mut warnings, |cached, attempt| {
            match plan(&cached.tokens, now(), min_ttl, attempt.last(), &policy) {
                Plan::Use => return Ok(Locked::Kept(cached)),
                Plan::UseWithWarning(shortfall) => {
                    attempt.warn(shortfall.to_string());
                    return Ok(Locked::Kept(cached));
                }
                Plan::Expired => return Err(expired(RefreshError::Expired { failure: None })),
                Plan::Refresh => {}
                // Plan is non_exhaustive; a newer core's decision is not known here.
                #[allow(unreachable_patterns)]
                other => {
                    return Err(SessionError::NotLoggedIn {
                        session: login.describe(),
                        reason: Some(format!("unexpected refresh plan {other:?}")),
                    })
                }
            }
            attempt.record();
            let client = self.client(login)?;
            let provider = match resolve(&client, &login.source) {
                Ok(provider) => provider,
                Err(e) if valid(&cached) => return Ok(Locked::Failed(cached, e.to_string())),
                Err(e) => return Err(SessionError::Discovery(e)),
            };
            let oauth_client = login.client_for(&provider)?;
            Ok(
                match refresh(&client, &provider, &oauth_client, cached.tokens.clone())
                    .map_err(expired)?
                {
                    Refreshed::New(tokens) => {
                        let unsaved = UnsavedRefresh::after(
                            cached.tokens.refresh_token.as_ref(),
                            tokens.refresh_token.as_ref(),
                            cached.tokens.expires_at,
                        );
                        let mut entry = cached;
                        entry.tokens = tokens;
                        Locked::New(entry, unsaved)
                    }
                    Refreshed::Kept { tokens, failure } => {
                        let why = failure.map_or_else(
                            || "no refresh token".to_owned(),
                            |failure| failure.to_string(),
                        );
                        let mut entry = cached;
                        entry.tokens = tokens;
                        Locked::Failed(entry, why)
                    }
                    // Refreshed is non_exhaustive; a newer core's outcome is not known here.
                    #[allow(unreachable_patterns)]
                    other => {
                        return Err(SessionError::NotLoggedIn {
                            session: login.describe(),
                            reason: Some(format!("unexpected refresh outcome {other:?}")),
                        })
                    }
                },
            )
        })?;
        // Refreshed tokens too: they may have come in a shape the response's scan missed.
        remember_secrets(&entry);
        Ok(found(entry, source, warnings))
    }

    /// Deletes the cache entry of `login`; `false` when there was none.
    pub fn logout(&self, login: &OAuthLogin) -> Result<bool, SessionError> {
        Ok(self.cache.dir().remove(&login.key())?)
    }
}
