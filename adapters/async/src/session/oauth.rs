//! [`OAuthSessions`]: the tokens of standard OAuth 2.0 logins in the cache of `ssooidc oauth`,
//! for async programs, as the blocking adapter's `OAuthSessions`: [`login`](OAuthSessions::login)
//! (the device login, written under the entry's lock), [`token`](OAuthSessions::token) (the
//! core's [`OAuthTokenSession`]: cached, refreshed under the lock when less than a minimum
//! lifetime is left) and [`logout`](OAuthSessions::logout).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use ssooidc_core::cache::OAuthCacheEntry;
use ssooidc_core::config::ConfigError;
use ssooidc_core::device::Event;
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::login::{LoginError, LoginOptions};
use ssooidc_core::oauth::{OAuthClient, Standard, TOKEN};
use ssooidc_core::refresh::RefreshPolicy;
use ssooidc_core::retry::RetryPolicy;
use ssooidc_core::sessions::{OAuthLogin, OAuthTokenInput, OAuthTokenSession};
use ssooidc_files::outcomes::{OAuthLoginResult, OAuthToken};
use ssooidc_files::store::{Lookup, OAuthCache};
use ssooidc_files::{Environment, SessionError, SessionFiles};

use super::drive::{drive_session, wait_for_lock};
use super::{LOGIN_LOCK_WAIT, REFRESH_LOCK_WAIT};
use crate::client::{random_seed, Client};
use crate::oauth::{device_login, resolve};
use crate::transport::{HttpSend, Timer};

/// The tokens of standard OAuth 2.0 logins, in the cache of `ssooidc oauth` (shared with the
/// command and the blocking adapter, under the same locks).
#[derive(Debug, Clone)]
pub struct OAuthSessions<T, R> {
    /// The cache.
    pub cache: OAuthCache,
    /// How long [`token`](Self::token) waits for another process's refresh of the same entry.
    pub refresh_lock_wait: Duration,
    /// The refresh throttle: at most one attempt a minute, across processes.
    pub refresh_policy: RefreshPolicy,
    /// How long [`login`](Self::login) waits for another process's login of the same entry.
    pub login_lock_wait: Duration,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    transport: T,
    timer: R,
}

impl<T: HttpSend + Clone, R: Timer + Clone> OAuthSessions<T, R> {
    /// Sessions in the cache directory of `environment` (`$XDG_CACHE_HOME/ssooidc/oauth`).
    pub fn new(environment: &Environment, transport: T, timer: R) -> Result<Self, ConfigError> {
        Ok(Self::in_dir(
            environment.oauth_cache_dir()?,
            transport,
            timer,
        ))
    }

    /// Sessions in the cache directory `dir`.
    pub fn in_dir(dir: impl Into<PathBuf>, transport: T, timer: R) -> Self {
        OAuthSessions {
            cache: OAuthCache::new(dir),
            refresh_lock_wait: REFRESH_LOCK_WAIT,
            refresh_policy: RefreshPolicy::default(),
            login_lock_wait: LOGIN_LOCK_WAIT,
            retry: RetryPolicy::default(),
            transport,
            timer,
        }
    }

    /// A client for `login`'s provider (its requests carry their full URLs).
    fn client(&self, login: &OAuthLogin) -> Result<Client<T, R>, ConfigError> {
        let endpoint = Endpoint::parse(&login.source.url().origin())?;
        Ok(
            Client::new(self.transport.clone(), self.timer.clone(), endpoint)
                .retry(self.retry.clone()),
        )
    }

    /// Logs in with the device flow and writes the cache entry, as the blocking adapter's
    /// `OAuthSessions::login`: the provider's endpoints discovered (or taken as given) first;
    /// concurrent logins of one entry serialised by its lock (waited for on the timer), a login
    /// that waited while another finished reusing its tokens. Nothing is written when the login
    /// fails or is cancelled.
    pub async fn login(
        &self,
        login: &OAuthLogin,
        options: LoginOptions,
        on_event: impl FnMut(&Event<OAuthClient>),
    ) -> Result<OAuthLoginResult, SessionError> {
        let key = login.key();
        let client = self.client(login)?;
        let timer = client.timer();
        let started = SystemTime::now();
        let _lock = wait_for_lock(self.cache.dir(), &key, self.login_lock_wait, timer).await?;
        let path = self.cache.dir().path(&key);
        if let Lookup::Found(entry) = self.cache.load(&key)? {
            let written_since = self.cache.dir().written_since(&key, started);
            if OAuthLogin::reuses_concurrent_login(&entry, written_since, timer.now_utc()) {
                return Ok(OAuthLoginResult {
                    entry,
                    path,
                    reused_concurrent_login: true,
                });
            }
        }
        let provider = resolve(&client, &login.source)
            .await
            .map_err(SessionError::Discovery)?;
        let oauth_client = login.client_for(&provider)?;
        let cancel = options.cancel.clone();
        let dialect = Standard::new(provider, oauth_client, login.scopes.iter().cloned());
        let result = device_login(&client, dialect, options, on_event).await;
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

    /// A valid access token of `login`: the cached one when at least `min_ttl` is left (no lock,
    /// no request), else refreshed under the entry's lock and written back; the rules of the
    /// core's [`OAuthTokenSession`], as in the blocking adapter.
    pub async fn token(
        &self,
        login: &OAuthLogin,
        min_ttl: Duration,
    ) -> Result<OAuthToken, SessionError> {
        let timer = &self.timer;
        let input = OAuthTokenInput::new(login.clone(), min_ttl)
            .policy(self.refresh_policy)
            .retry(self.retry.clone())
            .lock_wait(self.refresh_lock_wait);
        let mut machine =
            OAuthTokenSession::new(input, timer.now(), timer.now_utc(), random_seed());
        let mut files = SessionFiles::oauth(self.cache.dir());
        let path = files.path(machine.file());
        let client = || Ok(self.client(login)?);
        let outcome = drive_session(&mut machine, &mut files, timer, client, TOKEN).await?;
        Ok(OAuthToken::new(outcome, path))
    }

    /// Deletes the cache entry of `login`; `false` when there was none.
    pub fn logout(&self, login: &OAuthLogin) -> Result<bool, SessionError> {
        Ok(self.cache.dir().remove(&login.key())?)
    }
}
