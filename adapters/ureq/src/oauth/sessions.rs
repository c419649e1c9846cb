//! [`OAuthSessions`]: the tokens of standard OAuth 2.0 logins, kept in the cache of `ssooidc
//! oauth` ([`OAuthCache`]): [`login`](OAuthSessions::login) (the device login, written under
//! the entry's lock), [`token`](OAuthSessions::token) (the cached token, refreshed under the
//! lock when fewer than a minimum lifetime is left) and [`logout`](OAuthSessions::logout).

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use ssooidc_core::cache::OAuthCacheEntry;
use ssooidc_core::config::ConfigError;
use ssooidc_core::device::Event;
use ssooidc_core::oauth::{OAuthClient, Standard, TOKEN};
use ssooidc_core::refresh::RefreshPolicy;
use ssooidc_core::retry::RetryPolicy;
use ssooidc_core::sessions::{OAuthTokenInput, OAuthTokenSession};
use ssooidc_files::SessionFiles;
use time::OffsetDateTime;

pub use ssooidc_core::sessions::OAuthLogin;
pub use ssooidc_files::outcomes::{OAuthLoginResult, OAuthToken};

use super::{device_login, resolve};
use crate::client::{random_seed, Client, DebugSink};
use crate::config::Config;
use crate::device::{LoginError, LoginOptions};
use crate::environment::Environment;
use crate::session::drive::drive_session;
use crate::session::{SessionError, LOGIN_LOCK_WAIT, REFRESH_LOCK_WAIT};
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
            let written_since = self.cache.dir().written_since(&key, started);
            if OAuthLogin::reuses_concurrent_login(&entry, written_since, OffsetDateTime::now_utc())
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
        let input = OAuthTokenInput::new(login.clone(), min_ttl)
            .policy(self.refresh_policy)
            .retry(RetryPolicy::new(self.http.settings.retry_config()))
            .lock_wait(self.refresh_lock_wait);
        let mut machine = OAuthTokenSession::new(
            input,
            Instant::now(),
            OffsetDateTime::now_utc(),
            random_seed(),
        );
        let mut files = SessionFiles::oauth(self.cache.dir());
        let path = files.path(machine.file());
        let outcome = drive_session(&mut machine, &mut files, || Ok(self.client(login)?), TOKEN)?;
        // Refreshed tokens too: they may have come in a shape the response's scan missed.
        remember_secrets(&outcome.entry);
        Ok(OAuthToken::new(outcome, path))
    }

    /// Deletes the cache entry of `login`; `false` when there was none.
    pub fn logout(&self, login: &OAuthLogin) -> Result<bool, SessionError> {
        Ok(self.cache.dir().remove(&login.key())?)
    }
}
