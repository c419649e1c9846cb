//! [`TokenSession`]: a valid access token for a session, the cached one refreshed under the
//! session's lock when it is due (the rules are on the type).

use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::cache::{CachedToken, Lookup};
use crate::machine::{Machine, MisuseError, Output, Wait};
use crate::refresh::{RefreshOutcome, RefreshPolicy, Refresher, UnsavedRefresh, Urgency};
use crate::retry::RetryPolicy;
use crate::settings::EndpointTarget;
use crate::transport::TransportError;
use crate::Timestamp;

use super::error::{describe, SessionError};
use super::io::{
    lock_warning, unrecorded_attempt_warning, unsaved_refresh_warning, CacheFile, Conversation,
    Heard, IoAnswer, LockAnswer, SessionIo, SessionMachine, Warned,
};
use super::Session;

/// How long a session waits for another process's refresh of the same token, by default.
pub const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(30);

/// What a [`TokenSession`] starts from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenSessionInput {
    /// The session.
    pub session: Session,
    /// The OIDC endpoint of the session's region (where a refresh goes), resolved only when
    /// a refresh is considered ([`Settings::endpoint_target`](crate::settings::Settings::endpoint_target)).
    pub endpoint: EndpointTarget,
    /// When a token is refreshed.
    pub policy: RefreshPolicy,
    /// How a failed refresh request is retried.
    pub retry: RetryPolicy,
    /// How long to wait for another process's lock ([`REFRESH_LOCK_WAIT`] by default).
    pub lock_wait: Duration,
}

impl TokenSessionInput {
    /// The input for `session`, refreshing at `endpoint`, with the default policies.
    pub fn new(session: Session, endpoint: impl Into<EndpointTarget>) -> Self {
        TokenSessionInput {
            session,
            endpoint: endpoint.into(),
            policy: RefreshPolicy::default(),
            retry: RetryPolicy::default(),
            lock_wait: REFRESH_LOCK_WAIT,
        }
    }

    /// Sets the refresh policy.
    pub fn policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the retry policy of the refresh request.
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

/// How a [`TokenSession`] got its token.
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
pub struct TokenOutcome {
    /// The cache entry.
    pub token: CachedToken,
    /// Where it came from.
    pub source: TokenSource,
    /// Warnings for the user (a failed refresh, a lock held too long, a token that could not
    /// be written back, the driver's own).
    pub warnings: Vec<String>,
}

/// Where a [`TokenSession`] is, until its end (which its [`Conversation`] keeps).
enum State {
    /// The first read is asked for.
    Reading,
    /// The lock is asked for; `cached` was read without it.
    Locking { cached: CachedToken },
    /// Read again under the lock.
    ReadingAgain { last_attempt: Option<Timestamp> },
    /// The attempt is being recorded; then the refresh.
    Recording { refresher: Box<Refresher> },
    /// The refresh request (and its retries).
    Refreshing { refresher: Box<Refresher> },
    /// The refreshed token is being written.
    Writing {
        token: CachedToken,
        follows: UnsavedRefresh,
    },
    /// Ended: see the conversation.
    Ended,
}

impl Warned for TokenOutcome {
    fn warnings(&mut self) -> &mut Vec<String> {
        &mut self.warnings
    }
}

/// The machine of a session's token: a valid access token, as the AWS CLI and its SDKs keep
/// one: the cached token, refreshed under the session's lock when it is due.
///
/// 1. Read the token file. None, or an unusable one: not logged in. More than the refresh
///    window left: done, with no lock and no request.
/// 2. Take the session's lock. When it cannot be had (held by another process for the whole
///    wait, a read-only cache, an unusable lock file) a still-valid token is used as cached,
///    with a warning, and nothing is refreshed (a refreshed token that cannot be written back
///    would spend the refresh token); an expired one is the lock's error.
/// 3. Read the file again under the lock: another process may just have refreshed it.
/// 4. Whether a refresh is still due and not throttled (the attempt recorded in the lock file)
///    is the refresh machine's decision ([`Refresher`]); the attempt is recorded before the
///    request goes, so that "one attempt a minute" holds across processes.
/// 5. Write a refreshed token back; when that fails the new token is used anyway, with a
///    warning. A failed refresh leaves a still-valid token, with a warning. Then unlock.
///
/// `S` is the driver's store error. Its events are file operations ([`SessionIo`]) to answer with
/// [`SessionMachine::handle_io`]; its requests are the refresh's. It gives its result once:
/// polls after [`Output::Done`] are [`MisuseError::Finished`].
pub struct TokenSession<S> {
    input: TokenSessionInput,
    seed: u64,
    state: State,
    talk: Conversation<S, TokenOutcome>,
}

impl<S: std::fmt::Display> TokenSession<S> {
    /// A session's token, to be had at wall-clock `wall` (`now` on the monotonic clock;
    /// `seed` seeds the retry jitter).
    pub fn new(input: TokenSessionInput, _now: Instant, _wall: OffsetDateTime, seed: u64) -> Self {
        let file = CacheFile::sso(input.session.token_key.clone());
        let talk = Conversation::new(file.clone(), SessionIo::ReadToken(file));
        TokenSession {
            input,
            seed,
            state: State::Reading,
            talk,
        }
    }

    /// The token file.
    pub fn file(&self) -> &CacheFile {
        self.talk.file()
    }

    fn finish(&mut self, result: Result<(TokenSource, CachedToken), SessionError<S>>) {
        let result = result.map(|(source, token)| TokenOutcome {
            token,
            source,
            warnings: self.talk.take_warnings(),
        });
        self.state = State::Ended;
        self.talk.finish(result);
    }

    fn not_logged_in(&self, reason: Option<String>) -> SessionError<S> {
        SessionError::NotLoggedIn {
            session: describe(&self.input.session),
            reason,
        }
    }

    /// What a read found: the token, or why there is none.
    fn found(&self, read: Result<Lookup<CachedToken>, S>) -> Result<CachedToken, SessionError<S>> {
        match read.map_err(SessionError::Store)? {
            Lookup::Found(token) => Ok(token),
            Lookup::Missing => Err(self.not_logged_in(None)),
            Lookup::Corrupt { path, error } => {
                Err(self.not_logged_in(Some(format!("{} is unusable: {error}", path.display()))))
            }
        }
    }

    /// The refresh machine's verdict, ended: the token to use, or the session's error;
    /// `follows`: what an unwritten refreshed token leaves ([`Refresher::unsaved`]).
    fn refreshed(
        &mut self,
        outcome: Result<RefreshOutcome, crate::refresh::RefreshError>,
        follows: Option<UnsavedRefresh>,
    ) {
        match outcome {
            Err(source) => self.finish(Err(SessionError::Expired {
                session: describe(&self.input.session),
                source,
            })),
            Ok(RefreshOutcome::Refreshed(token)) => {
                self.talk.ask(SessionIo::WriteToken {
                    file: self.talk.file().clone(),
                    token: token.clone(),
                });
                let follows = follows.unwrap_or(UnsavedRefresh::RefreshesAgain);
                self.state = State::Writing { token, follows };
            }
            Ok(RefreshOutcome::RefreshFailed { token, failure, .. }) => {
                let why = failure.to_string();
                self.talk.warning(format!(
                    "token refresh failed ({why}); using the cached token until it expires"
                ));
                self.finish(Ok((TokenSource::RefreshFailed(why), token)));
            }
            Ok(other) => self.finish(Ok((TokenSource::Cached, other.token().clone()))),
        }
    }

    fn refresher(&mut self) -> Result<&mut Refresher, MisuseError> {
        match &mut self.state {
            State::Refreshing { refresher } => Ok(refresher),
            _ if self.talk.has_ended() => Err(MisuseError::Finished),
            _ => Err(MisuseError::NoRequestOutstanding),
        }
    }
}

impl<S: std::fmt::Display> Machine for TokenSession<S> {
    type Event = SessionIo;
    type Output = Result<TokenOutcome, SessionError<S>>;

    fn poll_output(&mut self) -> Result<Output<SessionIo, Self::Output>, MisuseError> {
        if let Some(output) = self.talk.poll()? {
            return Ok(output);
        }
        match &mut self.state {
            State::Refreshing { refresher } => match refresher.poll_output()? {
                Output::Transmit(t) => Ok(Output::Transmit(t)),
                Output::Timeout(at) => Ok(Output::Timeout(at)),
                Output::Event(never) => match never {},
                Output::Done(outcome) => {
                    let follows = match &outcome {
                        Ok(RefreshOutcome::Refreshed(token)) => Some(refresher.unsaved(token)),
                        _ => None,
                    };
                    self.refreshed(outcome, follows);
                    self.poll_output()
                }
            },
            // Every other state has asked for I/O, polled above.
            _ => Err(MisuseError::RequestOutstanding),
        }
    }

    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError> {
        self.refresher()?.handle_response(now, wall, response)
    }

    fn handle_transport_error(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError> {
        self.refresher()?.handle_transport_error(now, wall, error)
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        self.refresher()?.handle_timeout(now)
    }

    fn waiting_for(&self) -> Wait {
        Wait::Retry
    }
}

impl<S: std::fmt::Display> SessionMachine<S> for TokenSession<S> {
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
        let state = std::mem::replace(&mut self.state, State::Ended);
        match (state, answer) {
            (State::Reading, IoAnswer::Token(read)) => match self.found(read) {
                Err(e) => self.finish(Err(e)),
                Ok(token) => {
                    if self.input.policy.urgency(token.expires_at, wall) == Urgency::Fresh {
                        self.finish(Ok((TokenSource::Cached, token)));
                    } else {
                        self.talk.ask(SessionIo::Lock {
                            file: self.talk.file().clone(),
                            wait: self.input.lock_wait,
                        });
                        self.state = State::Locking { cached: token };
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
                        .ask(SessionIo::ReadToken(self.talk.file().clone()));
                    self.state = State::ReadingAgain { last_attempt };
                }
                failed if cached.is_valid_at(wall) => {
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
            (State::ReadingAgain { last_attempt }, IoAnswer::Token(read)) => {
                match self.found(read) {
                    Err(e) => self.finish(Err(e)),
                    Ok(token) => {
                        let endpoint = match self.input.endpoint.resolve() {
                            Ok(endpoint) => endpoint,
                            Err(e) => {
                                self.finish(Err(SessionError::Config(e)));
                                return Ok(());
                            }
                        };
                        let input = self
                            .input
                            .session
                            .refresh_input(token, endpoint)
                            .last_attempt(last_attempt)
                            .policy(self.input.policy)
                            .retry(self.input.retry.clone());
                        let mut refresher = Refresher::new(input, now, wall, self.seed);
                        if refresher.is_refreshing() {
                            self.talk.ask(SessionIo::RecordAttempt {
                                file: self.talk.file().clone(),
                                at: wall.unix_timestamp(),
                            });
                            self.state = State::Recording {
                                refresher: Box::new(refresher),
                            };
                        } else {
                            // Decided at once: fresh again, not refreshable, throttled...
                            match refresher.poll_output() {
                                Ok(Output::Done(outcome)) => self.refreshed(outcome, None),
                                _ => self.finish(Err(self.not_logged_in(Some(
                                    "the refresh machine did not decide at once".to_owned(),
                                )))),
                            }
                        }
                    }
                }
            }
            (State::Recording { refresher }, IoAnswer::Written(recorded)) => {
                if let Err(e) = recorded {
                    self.talk.warning(unrecorded_attempt_warning(&e));
                }
                self.state = State::Refreshing { refresher };
            }
            (State::Writing { token, follows }, IoAnswer::Written(saved)) => {
                if let Err(e) = saved {
                    self.talk.warning(unsaved_refresh_warning(&e, &follows));
                }
                self.finish(Ok((TokenSource::Refreshed, token)));
            }
            (state, _) => {
                // Not the answer to what was asked: nothing changes.
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

impl<S> std::fmt::Debug for TokenSession<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Reading => "Reading",
            State::Locking { .. } => "Locking",
            State::ReadingAgain { .. } => "ReadingAgain",
            State::Recording { .. } => "Recording",
            State::Refreshing { .. } => "Refreshing",
            State::Writing { .. } => "Writing",
            State::Ended => self.talk.stage().unwrap_or("Ended"),
        };
        f.debug_struct("TokenSession")
            .field("file", self.talk.file())
            .field("state", &state)
            .finish()
    }
}
