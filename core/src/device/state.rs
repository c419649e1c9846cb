//! The states of the flow and every transition between them.
//!
//! The flow is one enum, [`State`], with a phase per operation and a terminal `Done`. Inside a
//! phase, [`Io`] says whether a request is ready to go, in flight, or waiting for a time.
//! Each `on_*` function takes the grant-level outcome of one answer (see [`crate::grant`])
//! and moves the machine; policy arithmetic is in [`super::policy`].

use std::time::{Duration, Instant};

use time::{OffsetDateTime, UtcOffset};

use super::policy::{self, NextPoll, PollSchedule, Retries};
use super::{DeviceFlow, DeviceFlowError, Event, Prompt, Registration, StartOver, Token};
use crate::call::CallError;
use crate::grant::classify_call;
use crate::grant::{CallOutcome, PollOutcome};
use crate::operations::{CreateTokenOutput, RegisterClientOutput, StartDeviceAuthorizationOutput};
use crate::transport::TransportErrorKind;
use crate::Secret;
use crate::ServiceError;

/// Where the current phase's request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Io {
    /// A request is due: the next `poll_output` transmits it.
    Ready,
    /// A request was transmitted; its response (or transport error) is awaited.
    InFlight,
    /// Nothing to do before this instant.
    Waiting(Instant),
}

/// The state of a [`DeviceFlow`].
#[derive(Debug)]
pub(crate) enum State {
    /// Registering a public client (`RegisterClient`).
    Register { io: Io, retries: Retries },
    /// Starting the device authorization (`StartDeviceAuthorization`).
    Authorize {
        registration: Registration,
        io: Io,
        retries: Retries,
    },
    /// Polling for the token (`CreateToken`, device-code grant).
    Poll(Box<Polling>),
    /// Terminal and absorbing.
    Done(Result<Token, DeviceFlowError>),
}

/// The data of the polling phase.
#[derive(Debug)]
pub(crate) struct Polling {
    pub(crate) registration: Registration,
    pub(crate) device_code: Secret,
    pub(crate) schedule: PollSchedule,
    pub(crate) io: Io,
    pub(crate) retries: Retries,
    /// Shown once, after the first poll that keeps the flow going; `None` afterwards.
    pub(crate) prompt: Option<Prompt>,
    /// The last poll got no complete answer (a dropped connection, a timeout, a cut-off body):
    /// the service may have issued the token and spent the device code.
    pub(crate) answer_lost: bool,
}

impl State {
    pub(crate) fn io_mut(&mut self) -> Option<&mut Io> {
        match self {
            State::Register { io, .. } | State::Authorize { io, .. } => Some(io),
            State::Poll(p) => Some(&mut p.io),
            State::Done(_) => None,
        }
    }

    pub(crate) fn io(&self) -> Option<Io> {
        match self {
            State::Register { io, .. } | State::Authorize { io, .. } => Some(*io),
            State::Poll(p) => Some(p.io),
            State::Done(_) => None,
        }
    }
}

/// `wall + secs` real seconds in UTC, or `wall` (in UTC when possible) if that is not representable.
pub(crate) fn stamp(wall: OffsetDateTime, secs: i64) -> OffsetDateTime {
    wall.checked_add(time::Duration::seconds(secs.max(0)))
        .and_then(|t| t.checked_to_offset(UtcOffset::UTC))
        .or_else(|| wall.checked_to_offset(UtcOffset::UTC))
        .unwrap_or(wall)
}

impl DeviceFlow {
    /// Ends the flow.
    pub(crate) fn finish(&mut self, result: Result<Token, DeviceFlowError>) {
        self.state = State::Done(result);
    }

    /// `RegisterClient` answered.
    pub(crate) fn on_register(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        outcome: CallOutcome<RegisterClientOutput>,
    ) {
        match outcome {
            CallOutcome::Success(output) => {
                self.cached_registration = false;
                let registration = Registration::from_output(output, self.scopes.clone(), wall);
                self.events
                    .push_back(Event::Registered(registration.clone()));
                self.state = State::Authorize {
                    registration,
                    io: Io::Ready,
                    retries: Retries::new(self.config.max_retries),
                };
            }
            CallOutcome::Retryable(error) => self.retry(now, error),
            CallOutcome::Fatal(error) => self.fail(error),
        }
    }

    /// `StartDeviceAuthorization` answered.
    pub(crate) fn on_authorize(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        outcome: CallOutcome<StartDeviceAuthorizationOutput>,
    ) {
        let registration = match &self.state {
            State::Authorize { registration, .. } => registration.clone(),
            _ => return,
        };
        let output = match outcome {
            CallOutcome::Success(output) => output,
            CallOutcome::Retryable(error) => return self.retry(now, error),
            CallOutcome::Fatal(error) => return self.fail_or_register_again(error),
        };
        let second = self.config.second;
        let interval = policy::initial_interval(
            output.interval.map(i64::from),
            self.config.min_interval,
            second,
        );
        let expires_in = output.expires_in.map(i64::from);
        let lifetime = policy::lifetime(expires_in, self.config.default_expires_in, second);
        let schedule = PollSchedule::new(now, interval, lifetime, second);
        let real_lifetime = match expires_in {
            Some(secs) if secs > 0 => secs,
            _ => i64::from(self.config.default_expires_in),
        };
        let prompt = Prompt {
            user_code: output.user_code,
            verification_uri: output.verification_uri,
            verification_uri_complete: output.verification_uri_complete,
            expires_at: schedule.deadline(),
            expires_at_wall: stamp(wall, real_lifetime),
        };
        if !schedule.before_deadline(now) {
            return self.finish(Err(DeviceFlowError::DeadlineReached));
        }
        self.state = State::Poll(Box::new(Polling {
            registration,
            device_code: output.device_code,
            schedule,
            io: Io::Ready, // the first poll goes out at once (spec 6.5 step 4)
            retries: Retries::new(self.config.max_retries),
            prompt: Some(prompt),
            answer_lost: false,
        }));
    }

    /// `CreateToken` answered.
    pub(crate) fn on_poll(&mut self, now: Instant, wall: OffsetDateTime, outcome: PollOutcome) {
        let State::Poll(polling) = &mut self.state else {
            return;
        };
        let answer_lost = std::mem::take(&mut polling.answer_lost);
        match outcome {
            PollOutcome::Token(output) => {
                let result = token(output, polling.registration.clone(), wall)
                    .map_err(|expires_in| DeviceFlowError::AlreadyExpired { expires_in });
                self.finish(result);
            }
            PollOutcome::Denied(error) => self.finish(Err(DeviceFlowError::Denied(error))),
            PollOutcome::Expired(error) => self.finish(Err(DeviceFlowError::Expired(error))),
            PollOutcome::Fatal(error) => match error.service_error() {
                Some(spent @ ServiceError::InvalidGrant { .. }) if answer_lost => {
                    let spent = spent.clone();
                    self.authorize_again(spent);
                }
                _ => self.fail_or_register_again(error),
            },
            PollOutcome::Pending => {
                polling.retries.reset();
                self.schedule_poll(now, Duration::ZERO);
            }
            PollOutcome::SlowDown => {
                polling.retries.reset();
                polling.schedule.slow_down();
                self.schedule_poll(now, Duration::ZERO);
            }
            PollOutcome::Retryable(error) => {
                polling.answer_lost = may_have_lost_an_answer(&error);
                self.retry(now, error);
            }
        }
        self.prompt_once();
    }

    /// The in-flight request failed below HTTP (`failure` is a [`CallError::Transport`]).
    pub(crate) fn on_transport_error(&mut self, now: Instant, failure: CallError) {
        match classify_call::<()>(Err(failure)) {
            CallOutcome::Retryable(failure) => {
                if let State::Poll(polling) = &mut self.state {
                    polling.schedule.lengthen();
                    polling.answer_lost = may_have_lost_an_answer(&failure);
                }
                self.retry(now, failure);
            }
            CallOutcome::Fatal(failure) => self.fail(failure),
            // An `Err` never classifies as a success.
            CallOutcome::Success(()) => {}
        }
        self.prompt_once();
    }

    /// Time passed.
    pub(crate) fn on_timeout(&mut self, now: Instant) {
        if let State::Poll(polling) = &self.state {
            if polling.io != Io::InFlight && !polling.schedule.before_deadline(now) {
                return self.finish(Err(DeviceFlowError::DeadlineReached));
            }
        }
        if let Some(io) = self.state.io_mut() {
            if let Io::Waiting(at) = *io {
                if now >= at {
                    *io = Io::Ready;
                }
            }
        }
    }

    /// Emits the prompt after the first poll, unless that poll ended the flow.
    fn prompt_once(&mut self) {
        if let State::Poll(polling) = &mut self.state {
            if let Some(prompt) = polling.prompt.take() {
                self.events.push_back(Event::Prompt(prompt));
            }
        }
    }

    /// Ends the flow with a call that failed for good.
    fn fail(&mut self, error: CallError) {
        self.finish(Err(DeviceFlowError::Call(error)));
    }

    /// A call of `Authorize` or `Poll` failed for good. When the service rejected a cached
    /// registration (`InvalidClientException`) and the flow has not registered anew yet, it
    /// does so ([`StartOver::RegistrationRejected`]); otherwise the flow ends with the error.
    fn fail_or_register_again(&mut self, error: CallError) {
        let rejected = match error.service_error() {
            Some(e @ ServiceError::InvalidClient { .. })
                if self.cached_registration && !self.started_over.registration =>
            {
                e.clone()
            }
            _ => return self.fail(error),
        };
        self.started_over.registration = true;
        self.cached_registration = false;
        self.events
            .push_back(Event::StartingOver(StartOver::RegistrationRejected(
                rejected,
            )));
        self.state = State::Register {
            io: Io::Ready,
            retries: Retries::new(self.config.max_retries),
        };
    }

    /// A poll after a lost answer says the device code is spent: the token was issued and
    /// lost. The first time, a new authorization starts with the same registration
    /// ([`StartOver::AnswerLost`]); the second time the flow ends with
    /// [`DeviceFlowError::AnswerLost`].
    fn authorize_again(&mut self, spent: ServiceError) {
        let State::Poll(polling) = &self.state else {
            return;
        };
        if self.started_over.authorization {
            return self.finish(Err(DeviceFlowError::AnswerLost(spent)));
        }
        let registration = polling.registration.clone();
        self.started_over.authorization = true;
        self.events
            .push_back(Event::StartingOver(StartOver::AnswerLost(spent)));
        self.state = State::Authorize {
            registration,
            io: Io::Ready,
            retries: Retries::new(self.config.max_retries),
        };
    }

    /// Schedules the next poll no sooner than `wait` (and the interval) after `now`.
    fn schedule_poll(&mut self, now: Instant, wait: Duration) {
        let State::Poll(polling) = &mut self.state else {
            return;
        };
        match polling.schedule.next(now, wait) {
            NextPoll::At(at) => polling.io = Io::Waiting(at),
            NextPoll::Deadline(deadline) if now < deadline => polling.io = Io::Waiting(deadline),
            NextPoll::Deadline(_) => self.finish(Err(DeviceFlowError::DeadlineReached)),
        }
    }

    /// A retryable failure: back off, or give up when the retries are spent.
    fn retry(&mut self, now: Instant, failure: CallError) {
        let retries = match &mut self.state {
            State::Register { retries, .. } | State::Authorize { retries, .. } => retries,
            State::Poll(polling) => &mut polling.retries,
            State::Done(_) => return,
        };
        let Some(attempt) = retries.fail() else {
            let retried = retries.failures().saturating_sub(1);
            return self.fail(failure.after_retries(retried, true));
        };
        let wait = policy::backoff(attempt, self.config.second, &mut self.rng);
        match &mut self.state {
            State::Poll(_) => self.schedule_poll(now, wait),
            state => {
                if let Some(io) = state.io_mut() {
                    *io = Io::Waiting(policy::saturating_add(now, wait));
                }
            }
        }
    }
}

/// Whether a poll that failed with `error` may have been answered with a token that never
/// arrived: the request went out but no complete answer came back (a dropped connection, a
/// timeout) or the answer could not be read (a cut-off body).
fn may_have_lost_an_answer(error: &CallError) -> bool {
    match error {
        CallError::Malformed { .. } => true,
        _ => error.transport_error().is_some_and(|t| {
            matches!(
                t.kind(),
                TransportErrorKind::ConnectionClosed | TransportErrorKind::Timeout
            )
        }),
    }
}

/// The flow's [`Token`] from a `CreateToken` success (both logins' result), or the `expiresIn`
/// it came with when that makes it already expired (absent, 0 or negative): such a token is no
/// token, and a login that gets one has failed.
pub(crate) fn token(
    output: CreateTokenOutput,
    registration: Registration,
    wall: OffsetDateTime,
) -> Result<Token, Option<i32>> {
    let seconds = match output.expires_in {
        Some(seconds) if seconds > 0 => seconds,
        other => return Err(other),
    };
    Ok(Token {
        access_token: output.access_token,
        token_type: output.token_type,
        expires_at: stamp(wall, i64::from(seconds)),
        refresh_token: output.refresh_token,
        registration,
    })
}
