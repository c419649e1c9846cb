//! The states of the flow and every transition between them.
//!
//! The flow is one enum, [`State`], with a phase per step and a terminal `Done`. In the two
//! phases that call the service, [`Io`] says whether the request is ready, in flight, or waiting
//! for a backoff to pass; the `Authorize` phase waits for the browser until its deadline.

use std::time::Instant;

use time::OffsetDateTime;

use super::callback::{self, Callback, CallbackReply};
use super::output::{AuthCodeError, AuthorizationError, AuthorizeRequest};
use super::url::{authorize_url, AuthorizeParams};
use super::AuthCodeFlow;
use crate::base::timestamp::expiry_after;
use crate::call::CallError;
use crate::device::token;
use crate::device::{Event, StartOver, Token};
use crate::error::ErrorCode;
use crate::grant::{classify_call, CallOutcome};
use crate::machine::steps::Io;
use crate::machine::steps::{self, Retries};
use crate::operations::{grant_type, CreateTokenOutput, RegisterClientOutput};
use crate::registration::Registration;
use crate::{Secret, ServiceError};

/// The state of an [`AuthCodeFlow`].
#[derive(Debug)]
pub(crate) enum State {
    /// Registering a PKCE client (`RegisterClient`).
    Register { io: Io, retries: Retries },
    /// The authorize URL is out; waiting for the browser to come back.
    Authorize(Box<Authorizing>),
    /// Exchanging the code (`CreateToken`, authorization-code grant).
    Exchange(Box<Exchanging>),
    /// Terminal and absorbing.
    Done(Result<Token, AuthCodeError>),
}

/// The data of the `Authorize` phase.
#[derive(Debug)]
pub(crate) struct Authorizing {
    pub(crate) registration: Registration,
    /// No callback is taken at or after this instant.
    pub(crate) deadline: Instant,
}

/// The data of the `Exchange` phase.
#[derive(Debug)]
pub(crate) struct Exchanging {
    pub(crate) registration: Registration,
    pub(crate) code: Secret,
    pub(crate) io: Io,
    pub(crate) retries: Retries,
}

impl State {
    pub(crate) fn io(&self) -> Option<Io> {
        match self {
            State::Register { io, .. } => Some(*io),
            State::Exchange(e) => Some(e.io),
            State::Authorize(_) | State::Done(_) => None,
        }
    }

    fn io_mut(&mut self) -> Option<&mut Io> {
        match self {
            State::Register { io, .. } => Some(io),
            State::Exchange(e) => Some(&mut e.io),
            State::Authorize(_) | State::Done(_) => None,
        }
    }
}

impl AuthCodeFlow {
    /// Ends the flow.
    pub(crate) fn finish(&mut self, result: Result<Token, AuthCodeError>) {
        self.state = State::Done(result);
    }

    fn fail(&mut self, error: CallError) {
        self.finish(Err(AuthCodeError::Call(error)));
    }

    /// The registration is there: build the authorize URL, tell the caller to open it, and wait
    /// for the browser until the deadline.
    pub(crate) fn authorize(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        registration: Registration,
    ) {
        let timeout = self.config.callback_timeout;
        let deadline = crate::machine::wake_at(
            now,
            steps::protocol_seconds(u64::from(timeout), self.config.second),
        );
        let url = authorize_url(&AuthorizeParams {
            endpoint: &self.endpoint,
            client_id: &registration.client_id,
            redirect_uri: &self.redirect_uri,
            state: self.secrets.state().expose(),
            scopes: &self.scopes,
            code_challenge: &self.secrets.challenge(),
        });
        let url = match url {
            Ok(url) => url,
            Err(e) => return self.finish(Err(AuthCodeError::AuthorizeUrl(e))),
        };
        self.events.push_back(Event::Authorize(AuthorizeRequest {
            url,
            redirect_uri: self.redirect_uri.clone(),
            expires_at: deadline,
            expires_at_wall: expiry_after(wall, i64::from(timeout)).into(),
        }));
        self.state = State::Authorize(Box::new(Authorizing {
            registration,
            deadline,
        }));
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
                let registration =
                    Registration::from_output(output, Some(self.registered_scopes()), wall)
                        .with_grant_types(Some(vec![
                            grant_type::AUTHORIZATION_CODE.to_owned(),
                            grant_type::REFRESH_TOKEN.to_owned(),
                        ]));
                self.cached_registration = false;
                self.events
                    .push_back(Event::Registered(registration.clone()));
                self.authorize(now, wall, registration);
            }
            CallOutcome::Retryable(error) => self.retry(now, error),
            CallOutcome::Fatal(error) => self.fail(error),
        }
    }

    /// `CreateToken` answered.
    pub(crate) fn on_exchange(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        result: Result<CreateTokenOutput, CallError>,
    ) {
        let State::Exchange(exchanging) = &self.state else {
            return;
        };
        match result.as_ref().err().and_then(CallError::service_error) {
            Some(expired @ ServiceError::ExpiredToken { .. }) => {
                return self.finish(Err(AuthCodeError::Expired(expired.clone())));
            }
            // Both refuse the registration, not the user's approval: `UnauthorizedClient` is
            // the exchange's form of the browser's `unauthorized_client` (RFC 6749 §5.2: this
            // client may not use this grant).
            Some(
                rejected @ (ServiceError::InvalidClient { .. }
                | ServiceError::UnauthorizedClient { .. }),
            ) => {
                let rejected = rejected.clone();
                let as_it_came = match result {
                    Err(error) => AuthCodeError::Call(error),
                    Ok(_) => AuthCodeError::RegistrationRejected(rejected.clone()),
                };
                return self.register_again_or_fail(rejected, as_it_came);
            }
            _ => {}
        }
        match classify_call(result) {
            CallOutcome::Success(output) => {
                let result = token(output, exchanging.registration.clone(), wall)
                    .map_err(|expires_in| AuthCodeError::AlreadyExpired { expires_in });
                self.finish(result);
            }
            CallOutcome::Retryable(error) => self.retry(now, error),
            CallOutcome::Fatal(error) => self.fail(error),
        }
    }

    /// The request in flight failed below HTTP (`failure` is a [`CallError::Transport`]).
    pub(crate) fn on_transport_error(&mut self, now: Instant, failure: CallError) {
        match classify_call::<()>(Err(failure)) {
            CallOutcome::Retryable(failure) => self.retry(now, failure),
            CallOutcome::Fatal(failure) => self.fail(failure),
            // An `Err` never classifies as a success.
            CallOutcome::Success(()) => {}
        }
    }

    /// The service rejected the registration in use (`rejected`: `InvalidClientException` or
    /// `UnauthorizedClientException` from the exchange, or the browser's `invalid_client` /
    /// `unauthorized_client` as the service error of the same meaning). A cached registration is replaced once, when spare secrets are there: the flow
    /// registers anew ([`StartOver::RegistrationRejected`]), and the next authorize URL carries
    /// the spare verifier's challenge and `state`. A registration this flow made, or a second
    /// rejection, ends the flow with [`AuthCodeError::RegistrationRejected`]; a cached one
    /// without spare secrets with `as_it_came`.
    fn register_again_or_fail(&mut self, rejected: ServiceError, as_it_came: AuthCodeError) {
        if !self.cached_registration || self.started_over {
            return self.finish(Err(AuthCodeError::RegistrationRejected(rejected)));
        }
        let Some(spare) = self.spare.take() else {
            return self.finish(Err(as_it_came));
        };
        let spent = std::mem::replace(&mut self.secrets, spare);
        self.spent_state = Some(spent.state().clone());
        self.started_over = true;
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

    /// The deadline of the wait for the browser passed: which error says so.
    fn deadline_error(&self) -> AuthCodeError {
        if self.cached_registration {
            AuthCodeError::DeadlineReachedWithCachedRegistration
        } else {
            AuthCodeError::DeadlineReached
        }
    }

    /// Time passed.
    pub(crate) fn on_timeout(&mut self, now: Instant) {
        if let State::Authorize(authorizing) = &self.state {
            if now >= authorizing.deadline {
                return self.finish(Err(self.deadline_error()));
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

    /// A request came to the loopback listener.
    pub(crate) fn on_callback(&mut self, now: Instant, target: &str) -> CallbackReply {
        let State::Authorize(authorizing) = &mut self.state else {
            return CallbackReply::NotWaiting;
        };
        if now >= authorizing.deadline {
            self.finish(Err(self.deadline_error()));
            return CallbackReply::TimedOut;
        }
        let expected = self.secrets.state().expose().as_bytes();
        let matches = |state: &str| callback::constant_time_eq(state.as_bytes(), expected);
        let spent = self.spent_state.as_ref().map(|s| s.expose().as_bytes());
        let was_spent = |state: &str| {
            spent.is_some_and(|spent| callback::constant_time_eq(state.as_bytes(), spent))
        };
        let callback = callback::parse(target);
        // The authorization given up when the flow started over: not awaited any more.
        match &callback {
            Callback::Code { state, .. }
            | Callback::Error {
                state: Some(state), ..
            } if was_spent(state) => return CallbackReply::NotWaiting,
            _ => {}
        }
        match callback {
            Callback::Nothing => CallbackReply::Ignored,
            Callback::Code { code, state } if matches(&state) => {
                let registration = authorizing.registration.clone();
                self.state = State::Exchange(Box::new(Exchanging {
                    registration,
                    code,
                    io: Io::Ready,
                    retries: Retries::new(self.config.max_retries),
                }));
                CallbackReply::Accepted
            }
            Callback::Error { state: None, error } => self.refused(error),
            Callback::Error {
                state: Some(state),
                error,
            } if matches(&state) => self.refused(error),
            Callback::Code { .. } | Callback::Error { .. } => {
                self.finish(Err(AuthCodeError::StateMismatch));
                CallbackReply::Forged
            }
        }
    }

    /// The browser came back with `error`. `invalid_client` and `unauthorized_client` reject
    /// the registration ([`register_again_or_fail`](Self::register_again_or_fail)); any other
    /// error ends the flow ([`AuthCodeError::Refused`]).
    fn refused(&mut self, error: AuthorizationError) -> CallbackReply {
        let code = match error.error.as_str() {
            "invalid_client" => Some(ErrorCode::InvalidClient),
            "unauthorized_client" => Some(ErrorCode::UnauthorizedClient),
            _ => None,
        };
        match code {
            Some(code) => {
                let rejected =
                    ServiceError::from_code(code, error.description.clone().unwrap_or_default());
                self.register_again_or_fail(rejected, AuthCodeError::Refused(error.clone()));
            }
            None => self.finish(Err(AuthCodeError::Refused(error.clone()))),
        }
        CallbackReply::Refused(error)
    }

    /// A retryable failure: back off, or give up when the retries are spent.
    fn retry(&mut self, now: Instant, failure: CallError) {
        let retries = match &mut self.state {
            State::Register { retries, .. } => retries,
            State::Exchange(e) => &mut e.retries,
            State::Authorize(_) | State::Done(_) => return,
        };
        let Some(attempt) = retries.fail() else {
            let retried = retries.failures().saturating_sub(1);
            return self.fail(failure.after_retries(retried, true));
        };
        let wait = steps::backoff(attempt, self.config.second, &mut self.rng);
        if let Some(io) = self.state.io_mut() {
            *io = Io::Waiting(crate::machine::wake_at(now, wait));
        }
    }
}
