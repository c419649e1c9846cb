//! The states of the flow and every transition between them.
//!
//! The flow is one enum, [`State`], with a phase per operation and a terminal `Done`. Inside a
//! phase, [`Io`] says whether a request is ready to go, in flight, or waiting for a time.
//! Each `on_*` function takes the grant-level outcome of one answer (see [`crate::grant`])
//! and moves the machine; policy arithmetic is in [`super::policy`].

use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::policy::{self, NextPoll, PollSchedule, Retries};
use super::{Authorization, DeviceFlow, DeviceFlowError, Dialect, Event, Prompt, StartOver};
use crate::call::CallError;
use crate::grant::classify_call;
use crate::grant::{CallOutcome, PollOutcome};
use crate::transport::TransportErrorKind;
use crate::Secret;
use crate::ServiceError;

pub(crate) use crate::machine::steps::Io;

/// The state of a [`DeviceFlow`] of dialect `D`.
#[derive(Debug)]
pub(crate) enum State<D: Dialect> {
    /// Registering a client (`RegisterClient` in the AWS dialect).
    Register { io: Io, retries: Retries },
    /// Starting the device authorization.
    Authorize {
        client: D::Client,
        io: Io,
        retries: Retries,
    },
    /// Polling the token endpoint with the device code.
    Poll(Box<Polling<D::Client>>),
    /// Terminal and absorbing.
    Done(Result<D::Token, DeviceFlowError>),
}

/// The data of the polling phase.
#[derive(Debug)]
pub(crate) struct Polling<C> {
    pub(crate) client: C,
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

impl<D: Dialect> State<D> {
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

impl<D: Dialect> DeviceFlow<D> {
    /// Ends the flow.
    pub(crate) fn finish(&mut self, result: Result<D::Token, DeviceFlowError>) {
        self.state = State::Done(result);
    }

    /// The registration request was answered.
    pub(crate) fn on_register(&mut self, now: Instant, outcome: CallOutcome<D::Client>) {
        match outcome {
            CallOutcome::Success(client) => {
                self.cached_client = false;
                self.events.push_back(Event::Registered(client.clone()));
                self.state = State::Authorize {
                    client,
                    io: Io::Ready,
                    retries: Retries::new(self.config.max_retries),
                };
            }
            CallOutcome::Retryable(error) => self.retry(now, error),
            CallOutcome::Fatal(error) => self.fail(error),
        }
    }

    /// The device authorization request was answered.
    pub(crate) fn on_authorize(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        outcome: CallOutcome<Authorization>,
    ) {
        let client = match &self.state {
            State::Authorize { client, .. } => client.clone(),
            _ => return,
        };
        let output = match outcome {
            CallOutcome::Success(output) => output,
            CallOutcome::Retryable(error) => return self.retry(now, error),
            CallOutcome::Fatal(error) => return self.fail_or_register_again(error),
        };
        let second = self.config.second;
        let interval = policy::initial_interval(output.interval, self.config.min_interval, second);
        let lifetime_secs =
            policy::lifetime_secs(output.expires_in, self.config.default_expires_in);
        let lifetime = policy::protocol_seconds(lifetime_secs, second);
        let schedule = PollSchedule::new(now, interval, lifetime, second);
        // At most a day: it fits.
        let real_lifetime = i64::try_from(lifetime_secs).unwrap_or(i64::MAX);
        let prompt = Prompt {
            user_code: output.user_code,
            verification_uri: output.verification_uri,
            verification_uri_complete: output.verification_uri_complete,
            expires_at: schedule.deadline(),
            expires_at_wall: crate::base::timestamp::expiry_after(wall, real_lifetime).into(),
        };
        if !schedule.before_deadline(now) {
            return self.finish(Err(DeviceFlowError::DeadlineReached));
        }
        self.state = State::Poll(Box::new(Polling {
            client,
            device_code: output.device_code,
            schedule,
            io: Io::Ready, // the first poll goes out at once (spec 6.5 step 4)
            retries: Retries::new(self.config.max_retries),
            prompt: Some(prompt),
            answer_lost: false,
        }));
    }

    /// A token poll was answered.
    pub(crate) fn on_poll(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        outcome: PollOutcome<D::Grant>,
    ) {
        let State::Poll(polling) = &mut self.state else {
            return;
        };
        let answer_lost = std::mem::take(&mut polling.answer_lost);
        match outcome {
            PollOutcome::Token(grant) => {
                let result = self.dialect.token(grant, &polling.client, wall);
                self.finish(result);
            }
            PollOutcome::Denied(error) => self.finish(Err(DeviceFlowError::Denied {
                operation: D::POLL,
                error,
            })),
            PollOutcome::Expired(error) => self.finish(Err(DeviceFlowError::Expired {
                operation: D::POLL,
                error,
            })),
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
            PollOutcome::SlowDown { interval } => {
                polling.retries.reset();
                polling.schedule.slow_down(interval);
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
    /// registration (`InvalidClientException`, or `UnauthorizedClientException`: RFC 6749
    /// §5.2's refusal of the client, not of the user's approval, as the browser login reads it
    /// too) and the flow has not registered anew yet, it does so
    /// ([`StartOver::RegistrationRejected`]); otherwise the flow ends with the error. (A
    /// dialect with a pre-registered client has no cached registration to replace.)
    fn fail_or_register_again(&mut self, error: CallError) {
        let rejected = match error.service_error() {
            Some(
                e @ (ServiceError::InvalidClient { .. } | ServiceError::UnauthorizedClient { .. }),
            ) if self.cached_client && !self.started_over.registration => e.clone(),
            _ => return self.fail(error),
        };
        self.started_over.registration = true;
        self.cached_client = false;
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
    /// lost. The first time, a new authorization starts with the same client
    /// ([`StartOver::AnswerLost`]); the second time the flow ends with
    /// [`DeviceFlowError::AnswerLost`].
    fn authorize_again(&mut self, spent: ServiceError) {
        let State::Poll(polling) = &self.state else {
            return;
        };
        if self.started_over.authorization {
            return self.finish(Err(DeviceFlowError::AnswerLost {
                operation: D::POLL,
                error: spent,
            }));
        }
        let client = polling.client.clone();
        self.started_over.authorization = true;
        self.events
            .push_back(Event::StartingOver(StartOver::AnswerLost(spent)));
        self.state = State::Authorize {
            client,
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
                    *io = Io::Waiting(crate::machine::wake_at(now, wait));
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
