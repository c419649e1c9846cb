//! [`CredentialsSession`]: AWS credentials for a session's account and role through the AWS
//! CLI's role-credential cache and the portal (the rules are on the type).

use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::cache::{CachedRoleCredentials, CachedUse, Lookup};
use crate::machine::{Call, Machine, MisuseError, Output, Wait};
use crate::portal::{GetRoleCredentials, GetRoleCredentialsOutput};
use crate::refresh::RefreshPolicy;
use crate::retry::RetryPolicy;
use crate::settings::EndpointTarget;
use crate::transport::TransportError;

use super::error::SessionError;
use super::io::{
    lock_warning, CacheFile, Conversation, Heard, IoAnswer, LockAnswer, SessionIo, SessionMachine,
    Warned,
};
use super::token::{TokenSession, TokenSessionInput, REFRESH_LOCK_WAIT};
use super::Session;
use crate::config::ConfigError;

/// What a [`CredentialsSession`] starts from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CredentialsSessionInput {
    /// The session, with the account and role ([`Session::role`]).
    pub session: Session,
    /// The OIDC endpoint of the session's region (where the token's refresh goes), resolved
    /// only when a request is to be made.
    pub endpoint: EndpointTarget,
    /// The portal endpoint of the session's region (`GetRoleCredentials`), resolved only when
    /// the call is to be made.
    pub portal: EndpointTarget,
    /// When the session's token is refreshed.
    pub policy: RefreshPolicy,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    /// How long to wait for another process's lock ([`REFRESH_LOCK_WAIT`] by default), of the
    /// credentials and of the token.
    pub lock_wait: Duration,
}

impl CredentialsSessionInput {
    /// The input for `session`'s role credentials, with the default policies.
    pub fn new(
        session: Session,
        endpoint: impl Into<EndpointTarget>,
        portal: impl Into<EndpointTarget>,
    ) -> Self {
        CredentialsSessionInput {
            session,
            endpoint: endpoint.into(),
            portal: portal.into(),
            policy: RefreshPolicy::default(),
            retry: RetryPolicy::default(),
            lock_wait: REFRESH_LOCK_WAIT,
        }
    }

    /// Sets the refresh policy of the session's token.
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

/// Where a [`CredentialsSession`] got its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsSource {
    /// The role-credential cache, with more than 15 minutes left: no request.
    Cached,
    /// The portal (`GetRoleCredentials`); written to the cache.
    Fetched,
    /// The cache, inside the 15-minute window but with more than 10 minutes left, because
    /// fetching new ones failed (the warning says why and when they expire).
    CachedAfterFailedFetch,
}

/// Role credentials and where they came from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CredentialsOutcome {
    /// The credentials (also their cache entry).
    pub credentials: CachedRoleCredentials,
    /// Where they came from.
    pub source: CredentialsSource,
    /// Warnings for the user (an unusable cache file, a failed token refresh, a lock that
    /// was held too long or could not be had, credentials that could not be cached).
    pub warnings: Vec<String>,
}

/// Where a [`CredentialsSession`] is, until its end (which its [`Conversation`] keeps).
enum State<S> {
    Reading,
    Locking,
    ReadingAgain,
    Token {
        token: Box<TokenSession<S>>,
    },
    Fetching {
        call: Box<Call<GetRoleCredentialsOutput>>,
    },
    Writing {
        credentials: CachedRoleCredentials,
    },
    Ended,
}

impl Warned for CredentialsOutcome {
    fn warnings(&mut self) -> &mut Vec<String> {
        &mut self.warnings
    }
}

/// The machine of AWS credentials for a session's account and role, as botocore's SSO
/// credential provider gets them, with the AWS CLI's role-credential cache:
///
/// 1. Read the cache file (`~/.aws/cli/cache`, keyed as the AWS CLI keys it). More than 15
///    minutes left: done, with no lock and no request. An unusable file is a miss, with a
///    warning.
/// 2. Take the entry's lock, and read again under it (another process may just have fetched).
///    The lock only saves other processes a request: when it cannot be had the credentials are
///    fetched without it, with a warning.
/// 3. The session's token, as [`TokenSession`] has it (refreshed when due), then the portal's
///    `GetRoleCredentials`.
/// 4. Write the answer back; credentials that cannot be written are used anyway, with a
///    warning. Then unlock.
///
/// When step 3 fails while the cached credentials are inside the 15-minute window but have more
/// than 10 minutes left ([`CachedUse::FetchOrKeep`]: botocore's advisory refresh period, where a
/// failed refresh keeps the credentials), they are used, with a warning that names the failure
/// and their expiry; with 10 minutes or less the failure is the answer, as in botocore's
/// mandatory period. A configuration or cache problem is an error all the same.
///
/// It speaks the protocol of [`TokenSession`]: file operations as events, the token's refresh
/// and the portal's call as requests, the result given once.
pub struct CredentialsSession<S> {
    input: CredentialsSessionInput,
    account_id: String,
    role_name: String,
    seed: u64,
    state: State<S>,
    talk: Conversation<S, CredentialsOutcome>,
    /// The latest time the machine was given (monotonic and wall).
    now: Instant,
    wall: OffsetDateTime,
    /// Cached credentials that are still valid but inside the window: the fallback.
    stale: Option<CachedRoleCredentials>,
}

impl<S: std::fmt::Display> CredentialsSession<S> {
    /// The credentials of `input.session`'s account and role, to be had at wall-clock `wall`;
    /// a session without both is [`ConfigError::MissingKey`].
    pub fn new(
        input: CredentialsSessionInput,
        now: Instant,
        wall: OffsetDateTime,
        seed: u64,
    ) -> Result<Self, ConfigError> {
        let (account_id, role_name) = input.session.role()?;
        let (account_id, role_name) = (account_id.to_owned(), role_name.to_owned());
        let file = CacheFile::cli(input.session.role_credentials_key()?);
        let talk = Conversation::new(file.clone(), SessionIo::ReadCredentials(file));
        Ok(CredentialsSession {
            input,
            account_id,
            role_name,
            seed,
            state: State::Reading,
            talk,
            now,
            wall,
            stale: None,
        })
    }

    /// The role-credential file.
    pub fn file(&self) -> &CacheFile {
        self.talk.file()
    }

    fn finish(
        &mut self,
        result: Result<(CredentialsSource, CachedRoleCredentials), SessionError<S>>,
    ) {
        let wall = self.wall;
        let result = match result {
            // A configuration or cache problem is the user's to fix, whatever is cached.
            Err(e @ (SessionError::Config(_) | SessionError::Store(_))) => Err(e),
            Err(e) => match self.stale.take() {
                Some(stale) if stale.use_at(wall) == CachedUse::FetchOrKeep => {
                    self.talk.warning(format!(
                        "could not fetch new role credentials ({e}); using the cached ones, which \
                         expire at {}",
                        stale.expiration
                    ));
                    Ok((CredentialsSource::CachedAfterFailedFetch, stale))
                }
                _ => Err(e),
            },
            ok => ok,
        };
        let result = result.map(|(source, credentials)| CredentialsOutcome {
            credentials,
            source,
            warnings: self.talk.take_warnings(),
        });
        self.state = State::Ended;
        self.talk.finish(result);
    }

    /// A read: fresh credentials, or `None` (a stale but valid entry is kept for the fallback;
    /// an unusable one is a warning when `warn`).
    fn fresh(
        &mut self,
        read: Lookup<CachedRoleCredentials>,
        wall: OffsetDateTime,
        warn: bool,
    ) -> Option<CachedRoleCredentials> {
        match read {
            Lookup::Found(c) => match c.use_at(wall) {
                CachedUse::Use => Some(c),
                CachedUse::FetchOrKeep => {
                    self.stale = Some(c);
                    None
                }
                _ => None,
            },
            Lookup::Corrupt { path, error } => {
                if warn {
                    self.talk.warning(format!(
                        "ignoring unusable cached credentials {}: {error}",
                        path.display()
                    ));
                }
                None
            }
            Lookup::Missing => None,
        }
    }

    fn start_token(&mut self) {
        let (now, wall) = (self.now, self.wall);
        let input = TokenSessionInput::new(self.input.session.clone(), self.input.endpoint.clone())
            .policy(self.input.policy)
            .retry(self.input.retry.clone())
            .lock_wait(self.input.lock_wait);
        let token = TokenSession::new(input, now, wall, self.seed);
        self.state = State::Token {
            token: Box::new(token),
        };
    }

    /// Time given with an input: the latest of each clock is kept (a clock that goes back
    /// changes nothing).
    fn observe(&mut self, now: Instant, wall: OffsetDateTime) {
        self.now = self.now.max(now);
        self.wall = wall;
    }

    fn inner(&mut self) -> Result<Inner<'_, S>, MisuseError> {
        match &mut self.state {
            State::Token { token } => Ok(Inner::Token(token)),
            State::Fetching { call } => Ok(Inner::Call(call)),
            _ if self.talk.has_ended() => Err(MisuseError::Finished),
            _ => Err(MisuseError::NoRequestOutstanding),
        }
    }
}

enum Inner<'a, S> {
    Token(&'a mut TokenSession<S>),
    Call(&'a mut Call<GetRoleCredentialsOutput>),
}

impl<S: std::fmt::Display> Machine for CredentialsSession<S> {
    type Event = SessionIo;
    type Output = Result<CredentialsOutcome, SessionError<S>>;

    fn poll_output(&mut self) -> Result<Output<SessionIo, Self::Output>, MisuseError> {
        if let Some(output) = self.talk.poll()? {
            return Ok(output);
        }
        match &mut self.state {
            State::Token { token } => match token.poll_output()? {
                Output::Done(Ok(token)) => {
                    for warning in token.warnings {
                        self.talk.warning(warning);
                    }
                    let request = GetRoleCredentials::new(
                        self.role_name.clone(),
                        self.account_id.clone(),
                        token.token.access_token,
                    );
                    match self.input.portal.resolve() {
                        Ok(portal) => {
                            // The latest time given: the call starts now.
                            let call = Call::new(
                                &request,
                                &portal,
                                &self.input.retry,
                                self.now,
                                self.seed.rotate_left(17),
                            );
                            self.state = State::Fetching {
                                call: Box::new(call),
                            };
                        }
                        Err(e) => self.finish(Err(SessionError::Config(e))),
                    }
                    self.poll_output()
                }
                Output::Done(Err(e)) => {
                    self.finish(Err(e));
                    self.poll_output()
                }
                Output::Transmit(t) => Ok(Output::Transmit(t)),
                Output::Timeout(at) => Ok(Output::Timeout(at)),
                Output::Event(io) => Ok(Output::Event(io)),
            },
            State::Fetching { call } => match call.poll_output()? {
                Output::Transmit(t) => Ok(Output::Transmit(t)),
                Output::Timeout(at) => Ok(Output::Timeout(at)),
                Output::Event(never) => match never {},
                Output::Done(result) => {
                    if let Some(wall) = call.last_wall() {
                        self.wall = wall.into();
                    }
                    match result {
                        Ok(answer) => {
                            let credentials = CachedRoleCredentials::from_portal(
                                &answer.role_credentials,
                                &self.account_id,
                            );
                            self.talk.ask(SessionIo::WriteCredentials {
                                file: self.talk.file().clone(),
                                credentials: credentials.clone(),
                            });
                            self.state = State::Writing { credentials };
                        }
                        Err(e) => {
                            let e = SessionError::portal(&self.input.session, e);
                            self.finish(Err(e));
                        }
                    }
                    self.poll_output()
                }
            },
            _ => Err(MisuseError::RequestOutstanding),
        }
    }

    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError> {
        self.observe(now, wall);
        match self.inner()? {
            Inner::Token(t) => t.handle_response(now, wall, response),
            Inner::Call(c) => c.handle_response(now, wall, response),
        }
    }

    fn handle_transport_error(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError> {
        self.observe(now, wall);
        match self.inner()? {
            Inner::Token(t) => t.handle_transport_error(now, wall, error),
            Inner::Call(c) => c.handle_transport_error(now, wall, error),
        }
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        self.now = self.now.max(now);
        match self.inner()? {
            Inner::Token(t) => t.handle_timeout(now),
            Inner::Call(c) => c.handle_timeout(now),
        }
    }

    fn waiting_for(&self) -> Wait {
        Wait::Retry
    }
}

impl<S: std::fmt::Display> SessionMachine<S> for CredentialsSession<S> {
    fn handle_io(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        answer: IoAnswer<S>,
    ) -> Result<(), MisuseError> {
        if let State::Token { token } = &mut self.state {
            self.now = self.now.max(now);
            self.wall = wall;
            return token.handle_io(now, wall, answer);
        }
        let answer = match self.talk.hear(answer)? {
            Heard::Answer(answer) => answer,
            Heard::Ended => return Ok(()),
        };
        self.observe(now, wall);
        let state = std::mem::replace(&mut self.state, State::Ended);
        match (state, answer) {
            (State::Reading, IoAnswer::Credentials(read)) => match read {
                Err(e) => self.finish(Err(SessionError::Store(e))),
                Ok(read) => match self.fresh(read, wall, true) {
                    Some(c) => self.finish(Ok((CredentialsSource::Cached, c))),
                    None => {
                        self.talk.ask(SessionIo::Lock {
                            file: self.talk.file().clone(),
                            wait: self.input.lock_wait,
                        });
                        self.state = State::Locking;
                    }
                },
            },
            (State::Locking, IoAnswer::Lock(LockAnswer::Held { .. })) => {
                self.talk.hold();
                self.talk
                    .ask(SessionIo::ReadCredentials(self.talk.file().clone()));
                self.state = State::ReadingAgain;
            }
            (State::Locking, IoAnswer::Lock(failed)) => {
                self.talk
                    .warning(lock_warning(&failed, "credentials", "fetching without it"));
                self.start_token();
            }
            (State::ReadingAgain, IoAnswer::Credentials(read)) => match read {
                Err(e) => self.finish(Err(SessionError::Store(e))),
                // Its warnings were given at the first read.
                Ok(read) => match self.fresh(read, wall, false) {
                    Some(c) => self.finish(Ok((CredentialsSource::Cached, c))),
                    None => self.start_token(),
                },
            },
            (State::Writing { credentials }, IoAnswer::Written(saved)) => {
                if let Err(e) = saved {
                    self.talk.warning(format!(
                        "the credentials could not be cached ({e}); the next command fetches them again"
                    ));
                }
                self.finish(Ok((CredentialsSource::Fetched, credentials)));
            }
            (state, _) => {
                self.state = state;
                return Err(self.talk.refuse());
            }
        }
        Ok(())
    }

    fn warn(&mut self, warning: String) {
        match &mut self.state {
            State::Token { token } => token.warn(warning),
            _ => self.talk.warn(warning),
        }
    }
}

impl<S> std::fmt::Debug for CredentialsSession<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Reading => "Reading",
            State::Locking => "Locking",
            State::ReadingAgain => "ReadingAgain",
            State::Token { .. } => "Token",
            State::Fetching { .. } => "Fetching",
            State::Writing { .. } => "Writing",
            State::Ended => self.talk.stage().unwrap_or("Ended"),
        };
        f.debug_struct("CredentialsSession")
            .field("file", self.talk.file())
            .field("state", &state)
            .finish()
    }
}
