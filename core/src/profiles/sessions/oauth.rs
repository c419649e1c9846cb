//! The sessions of standard OAuth 2.0 logins (the token cache of `ssooidc oauth`): which login
//! ([`OAuthLogin`]: provider, client, scopes; its cache key) and [`OAuthTokenSession`], the
//! machine of "a valid access token of this login for at least this long".

use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::cache::{oauth_cache_key, Lookup, OAuthCacheEntry};
use crate::config::ConfigError;
use crate::formats::oauth::{ClientAuth, OAuthClient, Provider, ProviderSource};
use crate::grants::oauth::{plan, Discovery, Plan, Refresh, Refreshed};
use crate::machine::{Machine, MisuseError, Output, Wait};
use crate::refresh::{RefreshError, RefreshPolicy, UnsavedRefresh};
use crate::retry::RetryPolicy;
use crate::transport::TransportError;
use crate::{Secret, Timestamp};

use super::error::SessionError;
use super::io::{
    lock_warning, unrecorded_attempt_warning, unsaved_refresh_warning, CacheFile, Conversation,
    Heard, IoAnswer, LockAnswer, SessionIo, SessionMachine, Warned,
};
use super::token::{TokenSource, REFRESH_LOCK_WAIT};

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
    /// ([`Provider::default_auth`]).
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

    /// Whether a login that waited for the entry's lock uses the tokens it then finds instead
    /// of logging in again: written since this login started and still valid at `wall`.
    pub fn reuses_concurrent_login(
        entry: &OAuthCacheEntry,
        written_since_start: bool,
        wall: OffsetDateTime,
    ) -> bool {
        written_since_start && entry.tokens.is_fresh_for(wall, Duration::ZERO)
    }
}

/// What an [`OAuthTokenSession`] starts from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthTokenInput {
    /// The login.
    pub login: OAuthLogin,
    /// The least lifetime the token must have left; with less, it is refreshed.
    pub min_ttl: Duration,
    /// The throttle: at most one attempt per `min_attempt_interval`, across processes (its
    /// windows are not used: `min_ttl` says when a refresh is due).
    pub policy: RefreshPolicy,
    /// How failed requests (discovery, the refresh) are retried.
    pub retry: RetryPolicy,
    /// How long to wait for another process's lock ([`REFRESH_LOCK_WAIT`] by default).
    pub lock_wait: Duration,
}

impl OAuthTokenInput {
    /// The input for `login` with `min_ttl`, with the default policies.
    pub fn new(login: OAuthLogin, min_ttl: Duration) -> Self {
        OAuthTokenInput {
            login,
            min_ttl,
            policy: RefreshPolicy::default(),
            retry: RetryPolicy::default(),
            lock_wait: REFRESH_LOCK_WAIT,
        }
    }

    /// Sets the throttle's policy.
    pub fn policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the retry policy of the requests.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets how long to wait for another process's lock.
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }
}

/// An OAuth session's token and where it came from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthTokenOutcome {
    /// The cache entry.
    pub entry: OAuthCacheEntry,
    /// Where the token came from.
    pub source: TokenSource,
    /// Warnings for the user (a failed refresh, a lock held too long, a short lifetime).
    pub warnings: Vec<String>,
}

/// Where an [`OAuthTokenSession`] is, until its end (which its [`Conversation`] keeps).
enum State {
    Reading,
    Locking {
        cached: OAuthCacheEntry,
    },
    ReadingAgain {
        last_attempt: Option<Timestamp>,
    },
    Recording {
        cached: OAuthCacheEntry,
    },
    Discovering {
        cached: OAuthCacheEntry,
        discovery: Box<Discovery>,
    },
    Refreshing {
        cached: OAuthCacheEntry,
        refresh: Box<Refresh>,
    },
    /// The refreshed entry being written, and the one it replaces.
    Writing {
        entry: OAuthCacheEntry,
        old: Box<OAuthCacheEntry>,
    },
    Ended,
}

impl Warned for OAuthTokenOutcome {
    fn warnings(&mut self) -> &mut Vec<String> {
        &mut self.warnings
    }
}

/// The machine of an OAuth session's token: the cached token of [`OAuthLogin`] when it has at
/// least `min_ttl` left (no lock, no request); else, under the entry's lock and after reading it
/// again, what [`plan`] decides: use it, use it with a warning (no refresh token, throttled),
/// expired, or refresh: the attempt recorded, the provider's endpoints discovered again (so the
/// client secret goes only where the issuer's metadata says), the refresh grant, the new tokens
/// written back (a failed write is a warning). A still-valid token is used, with a warning, when
/// the lock cannot be had, the provider cannot be found, or the refresh fails. The protocol is
/// [`TokenSession`](super::TokenSession)'s: file operations as events, requests, the result
/// given once.
pub struct OAuthTokenSession<S> {
    input: OAuthTokenInput,
    seed: u64,
    state: State,
    talk: Conversation<S, OAuthTokenOutcome>,
    now: Instant,
    wall: OffsetDateTime,
}

impl<S: std::fmt::Display> OAuthTokenSession<S> {
    /// The token of `input.login`, to be had at wall-clock `wall` (`now` on the monotonic
    /// clock; `seed` seeds the retry jitter).
    pub fn new(input: OAuthTokenInput, now: Instant, wall: OffsetDateTime, seed: u64) -> Self {
        let file = CacheFile::oauth(input.login.key());
        let talk = Conversation::new(file.clone(), SessionIo::ReadOAuth(file));
        OAuthTokenSession {
            input,
            seed,
            state: State::Reading,
            talk,
            now,
            wall,
        }
    }

    /// The cache file.
    pub fn file(&self) -> &CacheFile {
        self.talk.file()
    }

    fn describe(&self) -> String {
        self.input.login.describe()
    }

    fn finish(&mut self, result: Result<(TokenSource, OAuthCacheEntry), SessionError<S>>) {
        let result = result.map(|(source, entry)| OAuthTokenOutcome {
            entry,
            source,
            warnings: self.talk.take_warnings(),
        });
        self.state = State::Ended;
        self.talk.finish(result);
    }

    fn found(
        &self,
        read: Result<Lookup<OAuthCacheEntry>, S>,
    ) -> Result<OAuthCacheEntry, SessionError<S>> {
        let not_logged_in = |reason| SessionError::NotLoggedIn {
            session: self.describe(),
            reason,
        };
        match read.map_err(SessionError::Store)? {
            Lookup::Found(entry) => Ok(entry),
            Lookup::Missing => Err(not_logged_in(None)),
            Lookup::Corrupt { path, error } => Err(not_logged_in(Some(format!(
                "{} is unusable: {error}",
                path.display()
            )))),
        }
    }

    fn expired(&self, source: RefreshError) -> SessionError<S> {
        SessionError::Expired {
            session: self.describe(),
            source,
        }
    }

    /// The refresh failed or could not be tried (`why`): the cached token while it is valid,
    /// with a warning, else `error`.
    fn fall_back(&mut self, cached: OAuthCacheEntry, why: String, error: SessionError<S>) {
        if Plan::usable(&cached.tokens, self.wall) {
            self.talk.warning(format!(
                "token refresh failed ({why}); using the cached token until it expires"
            ));
            self.finish(Ok((TokenSource::RefreshFailed(why), cached)));
        } else {
            self.finish(Err(error));
        }
    }

    /// The provider is known: the refresh.
    fn start_refresh(&mut self, cached: OAuthCacheEntry, provider: &Provider) {
        match self.input.login.client_for(provider) {
            Err(e) => self.finish(Err(SessionError::Config(e))),
            Ok(client) => {
                let refresh = Refresh::new(
                    provider,
                    &client,
                    cached.tokens.clone(),
                    &self.input.retry,
                    self.now,
                    self.wall,
                    self.seed,
                );
                self.state = State::Refreshing {
                    cached,
                    refresh: Box::new(refresh),
                };
            }
        }
    }

    fn observe(&mut self, now: Instant, wall: OffsetDateTime) {
        self.now = self.now.max(now);
        self.wall = wall;
    }
}

impl<S: std::fmt::Display> Machine for OAuthTokenSession<S> {
    type Event = SessionIo;
    type Output = Result<OAuthTokenOutcome, SessionError<S>>;

    fn poll_output(&mut self) -> Result<Output<SessionIo, Self::Output>, MisuseError> {
        if let Some(output) = self.talk.poll()? {
            return Ok(output);
        }
        // What the inner machine (discovery, then the refresh) says; the state changes only
        // once it is done.
        let ended = match &mut self.state {
            State::Discovering { discovery, .. } => match discovery.poll_output()? {
                Output::Transmit(t) => return Ok(Output::Transmit(t)),
                Output::Timeout(at) => return Ok(Output::Timeout(at)),
                Output::Event(never) => match never {},
                Output::Done(found) => Ended::Discovered(found),
            },
            State::Refreshing { refresh, .. } => match refresh.poll_output()? {
                Output::Transmit(t) => return Ok(Output::Transmit(t)),
                Output::Timeout(at) => return Ok(Output::Timeout(at)),
                Output::Event(never) => match never {},
                Output::Done(refreshed) => Ended::Refreshed(refreshed),
            },
            // Every other state has asked for I/O, polled above.
            _ => return Err(MisuseError::RequestOutstanding),
        };
        let cached = match std::mem::replace(&mut self.state, State::Ended) {
            State::Discovering { cached, .. } | State::Refreshing { cached, .. } => cached,
            other => {
                self.state = other;
                return Err(MisuseError::RequestOutstanding);
            }
        };
        match ended {
            Ended::Discovered(Ok(provider)) => self.start_refresh(cached, &provider),
            Ended::Discovered(Err(e)) => {
                self.fall_back(cached, e.to_string(), SessionError::Discovery(e))
            }
            Ended::Refreshed(Ok(Refreshed::New(tokens))) => {
                let mut entry = cached.clone();
                entry.tokens = tokens;
                self.talk.ask(SessionIo::WriteOAuth {
                    file: self.talk.file().clone(),
                    entry: entry.clone(),
                });
                self.state = State::Writing {
                    entry,
                    old: Box::new(cached),
                };
            }
            Ended::Refreshed(Ok(Refreshed::Kept { tokens, failure })) => {
                let why = failure.map_or_else(
                    || "no refresh token".to_owned(),
                    |failure| failure.to_string(),
                );
                self.talk.warning(format!(
                    "token refresh failed ({why}); using the cached token until it expires"
                ));
                let mut entry = cached;
                entry.tokens = tokens;
                self.finish(Ok((TokenSource::RefreshFailed(why), entry)));
            }
            Ended::Refreshed(Err(e)) => {
                let e = self.expired(e);
                self.finish(Err(e));
            }
        }
        self.poll_output()
    }

    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError> {
        self.observe(now, wall);
        match &mut self.state {
            State::Discovering { discovery, .. } => discovery.handle_response(now, wall, response),
            State::Refreshing { refresh, .. } => refresh.handle_response(now, wall, response),
            _ if self.talk.has_ended() => Err(MisuseError::Finished),
            _ => Err(MisuseError::NoRequestOutstanding),
        }
    }

    fn handle_transport_error(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError> {
        self.observe(now, wall);
        match &mut self.state {
            State::Discovering { discovery, .. } => {
                discovery.handle_transport_error(now, wall, error)
            }
            State::Refreshing { refresh, .. } => refresh.handle_transport_error(now, wall, error),
            _ if self.talk.has_ended() => Err(MisuseError::Finished),
            _ => Err(MisuseError::NoRequestOutstanding),
        }
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        self.now = self.now.max(now);
        match &mut self.state {
            State::Discovering { discovery, .. } => discovery.handle_timeout(now),
            State::Refreshing { refresh, .. } => refresh.handle_timeout(now),
            _ if self.talk.has_ended() => Err(MisuseError::Finished),
            _ => Err(MisuseError::NoRequestOutstanding),
        }
    }

    fn waiting_for(&self) -> Wait {
        Wait::Retry
    }
}

/// How an inner machine of an [`OAuthTokenSession`] ended.
enum Ended {
    Discovered(Result<Provider, crate::grants::oauth::DiscoveryError>),
    Refreshed(crate::grants::oauth::RefreshResult),
}

impl<S: std::fmt::Display> SessionMachine<S> for OAuthTokenSession<S> {
    fn handle_io(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        answer: IoAnswer<S>,
    ) -> Result<(), MisuseError> {
        let answer = match self.talk.hear(answer)? {
            Heard::Answer(answer) => answer,
            Heard::Ended => return Ok(()),
        };
        self.observe(now, wall);
        let min_ttl = self.input.min_ttl;
        let policy = self.input.policy;
        let state = std::mem::replace(&mut self.state, State::Ended);
        match (state, answer) {
            (State::Reading, IoAnswer::OAuth(read)) => match self.found(read) {
                Err(e) => self.finish(Err(e)),
                Ok(entry) => {
                    if plan(&entry.tokens, wall, min_ttl, None, &policy) == Plan::Use {
                        self.finish(Ok((TokenSource::Cached, entry)));
                    } else {
                        self.talk.ask(SessionIo::Lock {
                            file: self.talk.file().clone(),
                            wait: self.input.lock_wait,
                        });
                        self.state = State::Locking { cached: entry };
                    }
                }
            },
            (State::Locking { cached }, IoAnswer::Lock(lock)) => match lock {
                LockAnswer::Held { last_attempt } => {
                    self.talk.hold();
                    let last_attempt = last_attempt
                        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
                        .map(Timestamp::from);
                    self.talk
                        .ask(SessionIo::ReadOAuth(self.talk.file().clone()));
                    self.state = State::ReadingAgain { last_attempt };
                }
                failed if Plan::usable(&cached.tokens, wall) => {
                    self.talk.warning(lock_warning(
                        &failed,
                        "session",
                        "using the cached token without refreshing",
                    ));
                    self.finish(Ok((TokenSource::Cached, cached)));
                }
                LockAnswer::TimedOut { error, .. } | LockAnswer::Failed(error) => {
                    self.finish(Err(SessionError::Store(error)));
                }
            },
            (State::ReadingAgain { last_attempt }, IoAnswer::OAuth(read)) => {
                match self.found(read) {
                    Err(e) => self.finish(Err(e)),
                    Ok(entry) => match plan(&entry.tokens, wall, min_ttl, last_attempt, &policy) {
                        Plan::Use => self.finish(Ok((TokenSource::Cached, entry))),
                        Plan::UseWithWarning(shortfall) => {
                            self.talk.warning(shortfall.to_string());
                            self.finish(Ok((TokenSource::Cached, entry)));
                        }
                        Plan::Refresh => {
                            self.talk.ask(SessionIo::RecordAttempt {
                                file: self.talk.file().clone(),
                                at: wall.unix_timestamp(),
                            });
                            self.state = State::Recording { cached: entry };
                        }
                        Plan::Expired => {
                            let e = self.expired(RefreshError::Expired { failure: None });
                            self.finish(Err(e));
                        }
                    },
                }
            }
            (State::Recording { cached }, IoAnswer::Written(recorded)) => {
                if let Err(e) = recorded {
                    self.talk.warning(unrecorded_attempt_warning(&e));
                }
                match self.input.login.source.known() {
                    Ok(provider) => {
                        let provider = provider.clone();
                        self.start_refresh(cached, &provider);
                    }
                    Err(issuer) => {
                        let discovery =
                            Discovery::new(issuer.clone(), &self.input.retry, now, self.seed);
                        self.state = State::Discovering {
                            cached,
                            discovery: Box::new(discovery),
                        };
                    }
                }
            }
            (State::Writing { entry, old }, IoAnswer::Written(saved)) => {
                if let Err(e) = saved {
                    let follows = UnsavedRefresh::after(
                        old.tokens.refresh_token.as_ref(),
                        entry.tokens.refresh_token.as_ref(),
                        old.tokens.expires_at,
                    );
                    self.talk.warning(unsaved_refresh_warning(&e, &follows));
                }
                self.finish(Ok((TokenSource::Refreshed, entry)));
            }
            (state, _) => {
                self.state = state;
                return Err(self.talk.refuse());
            }
        }
        Ok(())
    }

    fn warn(&mut self, warning: String) {
        self.talk.warn(warning);
    }
}

impl<S> std::fmt::Debug for OAuthTokenSession<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Reading => "Reading",
            State::Locking { .. } => "Locking",
            State::ReadingAgain { .. } => "ReadingAgain",
            State::Recording { .. } => "Recording",
            State::Discovering { .. } => "Discovering",
            State::Refreshing { .. } => "Refreshing",
            State::Writing { .. } => "Writing",
            State::Ended => self.talk.stage().unwrap_or("Ended"),
        };
        f.debug_struct("OAuthTokenSession")
            .field("file", self.talk.file())
            .field("state", &state)
            .finish()
    }
}
