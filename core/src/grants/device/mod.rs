//! The device-authorization grant (RFC 8628) as a sans-I/O state machine, for any wire: AWS SSO
//! OIDC's ([`Aws`], spec 5 and 6.5, the default) or standard OAuth 2.0
//! ([`crate::oauth::Standard`]), each a [`Dialect`] that builds the requests of each phase and
//! says what the answers mean in grant terms. The policy below is written once, for both.
//!
//! [`DeviceFlow`] registers a client when the dialect does (AWS, unless a cached registration is
//! still good), starts the device authorization, makes one immediate token request, tells the
//! caller what to show the user, and polls until it has a token or a terminal error. It never reads a clock, sleeps,
//! touches the network, files or environment, or draws randomness: time comes in as arguments
//! (`Instant` for scheduling, wall-clock `OffsetDateTime` only to stamp expiry times), and the
//! jitter of retries comes from a seed given to [`DeviceFlow::new`].
//!
//! # Driving it
//!
//! ```text
//! loop {
//!     match flow.poll_output()? {
//!         Output::Transmit(t)       => send t.request; then flow.handle_response(now, wall, response)
//!                                      or flow.handle_transport_error(now, error)
//!         Output::Timeout(at)       => sleep until `at`; then flow.handle_timeout(now)
//!         Output::Event(event)      => cache the registration / show the prompt
//!         Output::Done(result)      => return result
//!     }
//! }
//! ```
//!
//! Waking early is harmless: [`handle_timeout`](DeviceFlow::handle_timeout) before the time is a
//! no-op. A clock that goes backwards is harmless too: the machine keeps the latest instant it
//! was given and never schedules from an earlier one. Cancelling is dropping the machine.
//! Calling things out of order (a response when no request is out, `poll_output` while one is,
//! any input after the end) returns a [`MisuseError`] and changes nothing.
//!
//! # States
//!
//! ```text
//!           DeviceFlow::new(input, config, wall_now, seed)
//!                          │
//!       cached registration reusable? (≥ 15 min left, not a PKCE registration)
//!            no ───────────┴──────────────────── yes
//!            ▼                                     │
//!   ┌─────────────────┐  5xx, throttling,          │
//!   │    Register     │  slow_down, malformed,     │
//!   │  RegisterClient │  transport: backoff ──┐    │
//!   │                 │◀──────────────────────┘    │
//!   └────────┬────────┘                            │
//!            │ 200 ⇒ Event::Registered             │
//!            ▼                                     ▼
//!   ┌──────────────────────────┐  5xx, throttling, slow_down,
//!   │        Authorize         │  malformed, transport: backoff ──┐
//!   │ StartDeviceAuthorization │◀─────────────────────────────────┘
//!   └────────┬─────────────────┘
//!            │ 200 ⇒ interval (5 s if absent/0, ≥ floor),
//!            │       deadline = now + expiresIn; first poll at once
//!            ▼
//!   ┌─────────────────┐  pending:    wait interval ─────────────────────┐
//!   │      Poll       │  slow_down:  interval += 5 s; wait interval      │
//!   │   CreateToken   │  5xx, throttling, malformed: wait max(interval,  │
//!   │ (device_code)   │              backoff)                            │
//!   │                 │  transport:  interval ×= 2; wait max(interval,   │
//!   │                 │              backoff)                            │
//!   │                 │◀─────────────────────────────────────────────────┘
//!   └────────┬────────┘  first answer that keeps polling ⇒ Event::Prompt
//!            │ token │ access_denied │ expired_token │ deadline reached │
//!            │ invalid_*, unauthorized, unsupported, unknown 4xx │ retries exhausted
//!            ▼
//!   ┌─────────────────┐
//!   │      Done       │  absorbing: poll_output repeats the result,
//!   └─────────────────┘  every input is MisuseError::Finished
//!     ▲
//!     └── also from Register / Authorize: a fatal error, retries exhausted,
//!         or a request that cannot be built
//!
//!   Starting over (each at most once per flow):
//!     Authorize | Poll ── InvalidClient/UnauthorizedClient, registration from the cache ──▶ Register
//!     Poll ── answer lost, then InvalidGrantException ──▶ Authorize (new code, new prompt)
//! ```
//!
//! Inside each of `Register`, `Authorize` and `Poll` the request moves through
//! `Ready --poll_output: Transmit--> InFlight --response--> Ready | Waiting(at) | next phase`,
//! and `Waiting(at) --handle_timeout(now ≥ at)--> Ready`. In `Poll`, no request goes out at or
//! after the deadline: reaching it while waiting ends the flow with
//! [`DeviceFlowError::DeadlineReached`].
//!
//! # Policy
//!
//! All of it lives here, not in adapters (the numbers are protocol seconds, see
//! [`DeviceFlowConfig::second`]):
//!
//! - interval: the server's `interval`; 5 when absent or 0; never below
//!   [`DeviceFlowConfig::min_interval`]; it never decreases; never above an hour
//!   ([`MAX_INTERVAL_SECS`], unless the caller's floor is longer), whatever a server sends;
//! - `slow_down` while polling: +5 for this and every later poll (cumulative);
//! - `authorization_pending`: poll again after the interval;
//! - `AccessDeniedException` ⇒ [`DeviceFlowError::Denied`]; `ExpiredTokenException` ⇒
//!   [`DeviceFlowError::Expired`]; any other non-retryable error ⇒
//!   [`DeviceFlowError::Call`] with the typed [`CallError`];
//! - the flow's own deadline at `start + expiresIn` ([`DeviceFlowConfig::default_expires_in`]
//!   when absent or 0), `start` being the `StartDeviceAuthorization` response; at most a day
//!   ([`MAX_EXPIRES_IN_SECS`]), and no wait longer than [`crate::machine::MAX_WAIT`];
//! - 5xx, throttling, malformed responses and transport errors (and `slow_down` on the two setup
//!   calls) are retried up to [`DeviceFlowConfig::max_retries`] times in a row, with exponential
//!   backoff (1, 2, 4, ... capped at 20) and equal jitter from the seed; a transport error while
//!   polling also doubles the interval (RFC 8628 §3.5);
//! - when the immediate first poll already yields a token (a pre-authorized client) or ends the
//!   flow, no [`Event::Prompt`] is emitted;
//! - a token whose `expiresIn` is absent, 0 or negative is no token:
//!   [`DeviceFlowError::AlreadyExpired`];
//! - `InvalidClientException` or `UnauthorizedClientException` for a *cached* registration (in
//!   `Authorize` or `Poll`): the registration was deleted, revoked or is no longer allowed the
//!   grant; register a new client, once
//!   ([`Event::StartingOver`] with [`StartOver::RegistrationRejected`], then
//!   [`Event::Registered`]); a new registration rejected too ends the flow with the error;
//! - a poll that got no complete answer (dropped connection, timeout, cut-off body) followed by
//!   `InvalidGrantException` means the token was issued and lost with the device code spent:
//!   start a new authorization with the same registration, once ([`StartOver::AnswerLost`],
//!   then a new [`Event::Prompt`]); the second time, [`DeviceFlowError::AnswerLost`].
//!
//! The translation from the service's errors to grant outcomes is [`crate::grant`], shared by
//! both dialects; a standard `slow_down` may also carry a new interval, which the interval then
//! reaches at least (`docs/protocol/oauth.md#slow-down-carries-an-interval`).
//!
//! # A whole flow, by hand
//!
//! The walk-through below feeds canned responses. It is caller code, so it reads the clock
//! itself; it lives in `core/docs/device-walkthrough.md` and is run as a doc test here.
//!
#![doc = include_str!("../../../docs/device-walkthrough.md")]

mod aws;
mod dialect;
mod input;
mod output;
pub(crate) mod policy;
pub(crate) mod state;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

pub use crate::transport::{TransportError, TransportErrorKind};
pub(crate) use aws::token;
pub use aws::Aws;
pub use dialect::{Authorization, Dialect};
pub use input::{DeviceFlowConfig, DeviceFlowInput, Registration, REGISTRATION_EXPIRY_WINDOW};
pub use output::{
    AuthorizeRequest, DeviceFlowError, DeviceFlowOutput, Event, MisuseError, Prompt, StartOver,
    Token,
};
pub use policy::{MAX_EXPIRES_IN_SECS, MAX_INTERVAL_SECS};

use crate::call::CallError;
use crate::machine::{Machine, Transmit, Wait};
use crate::wire::{Auth, RequestError};
use policy::{Retries, Rng};
use state::{Io, Polling, State};

/// What a flow of dialect `D` asks for next.
type FlowOutput<D> = crate::machine::Output<
    Event<<D as Dialect>::Client>,
    Result<<D as Dialect>::Token, DeviceFlowError>,
>;

/// Which phase a [`DeviceFlow`] is in (for logs, tests and progress displays).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeviceFlowPhase {
    /// Registering the client (`RegisterClient`).
    Register,
    /// Starting the authorization (`StartDeviceAuthorization`).
    Authorize,
    /// Polling for the token (`CreateToken`).
    Poll,
    /// Finished.
    Done,
}

/// The device-authorization flow as a sans-I/O state machine, in the wire dialect `D`
/// ([`Aws`] by default; [`crate::oauth::Standard`] for any OAuth 2.0 provider). See the
/// [module docs](self).
#[derive(Debug)]
pub struct DeviceFlow<D: Dialect = Aws> {
    dialect: D,
    config: DeviceFlowConfig,
    rng: Rng,
    /// The latest instant the caller gave; time never goes back inside the machine.
    clock: Option<Instant>,
    events: VecDeque<Event<D::Client>>,
    state: State<D>,
    /// Whether the client in use came from the caller's cache (a cached registration, which
    /// the service may have deleted), not registered by this flow nor pre-registered.
    cached_client: bool,
    /// The steps already started over (each at most once).
    started_over: StartedOver,
}

/// Which [`StartOver`]s a flow has already done.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StartedOver {
    pub(crate) registration: bool,
    pub(crate) authorization: bool,
}

impl DeviceFlow<Aws> {
    /// A new AWS flow. `wall_now` decides whether `input.registration` can be reused (spec
    /// 6.4); `seed` feeds the jitter of retries (pass a random value; a constant works but
    /// makes every client retry in step).
    pub fn new(
        input: DeviceFlowInput,
        config: DeviceFlowConfig,
        wall_now: OffsetDateTime,
        seed: u64,
    ) -> Self {
        Self::with_dialect(Aws::new(input), config, wall_now, seed)
    }

    /// The registration in use, once there is one (also after a successful end: the token's).
    pub fn registration(&self) -> Option<&Registration> {
        match &self.state {
            State::Done(Ok(token)) => Some(&token.registration),
            _ => self.client(),
        }
    }
}

impl<D: Dialect> DeviceFlow<D> {
    /// A new flow in `dialect`. `wall_now` is handed to
    /// [`Dialect::initial_client`] (which decides, for AWS, whether a cached registration can
    /// be reused); `seed` feeds the jitter of retries.
    pub fn with_dialect(
        mut dialect: D,
        config: DeviceFlowConfig,
        wall_now: OffsetDateTime,
        seed: u64,
    ) -> Self {
        let retries = Retries::new(config.max_retries);
        let state = match dialect.initial_client(wall_now) {
            Some(client) => State::Authorize {
                client,
                io: Io::Ready,
                retries,
            },
            None => State::Register {
                io: Io::Ready,
                retries,
            },
        };
        let cached_client = D::REGISTERS_CLIENTS && matches!(state, State::Authorize { .. });
        DeviceFlow {
            dialect,
            config,
            rng: Rng::new(seed),
            clock: None,
            events: VecDeque::new(),
            state,
            cached_client,
            started_over: StartedOver::default(),
        }
    }

    /// The current phase.
    pub fn phase(&self) -> DeviceFlowPhase {
        match self.state {
            State::Register { .. } => DeviceFlowPhase::Register,
            State::Authorize { .. } => DeviceFlowPhase::Authorize,
            State::Poll(_) => DeviceFlowPhase::Poll,
            State::Done(_) => DeviceFlowPhase::Done,
        }
    }

    /// Whether the flow has finished (its result is available from [`poll_output`](Self::poll_output)).
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done(_))
    }

    /// The current polling interval, once polling has started.
    pub fn interval(&self) -> Option<Duration> {
        match &self.state {
            State::Poll(polling) => Some(polling.schedule.interval()),
            _ => None,
        }
    }

    /// The instant at or after which no poll goes out, once polling has started.
    pub fn deadline(&self) -> Option<Instant> {
        match &self.state {
            State::Poll(polling) => Some(polling.schedule.deadline()),
            _ => None,
        }
    }

    /// The client in use, once there is one (the registration, in the AWS dialect).
    pub fn client(&self) -> Option<&D::Client> {
        match &self.state {
            State::Authorize { client, .. } => Some(client),
            State::Poll(polling) => Some(&polling.client),
            State::Done(Ok(_)) | State::Register { .. } | State::Done(Err(_)) => None,
        }
    }

    fn expect_in_flight(&self) -> Result<(), MisuseError> {
        match self.state.io() {
            None => Err(MisuseError::Finished),
            Some(Io::InFlight) => Ok(()),
            Some(_) => Err(MisuseError::NoRequestOutstanding),
        }
    }

    /// Records `now` and returns the latest instant seen, so a clock that goes backwards
    /// cannot pull a schedule earlier.
    fn observe(&mut self, now: Instant) -> Instant {
        let latest = self.clock.map_or(now, |seen| seen.max(now));
        self.clock = Some(latest);
        latest
    }

    /// The operation of the current phase's request.
    fn operation(&self) -> &'static str {
        match self.state {
            State::Register { .. } => D::REGISTER,
            State::Authorize { .. } => D::AUTHORIZE,
            State::Poll(_) | State::Done(_) => D::POLL,
        }
    }

    fn build_request(&self) -> Result<http::Request<Vec<u8>>, RequestError> {
        match &self.state {
            State::Register { .. } => self.dialect.register_request(),
            State::Authorize { client, .. } => self.dialect.authorize_request(client),
            State::Poll(polling) => {
                let Polling {
                    client,
                    device_code,
                    ..
                } = &**polling;
                self.dialect.poll_request(client, device_code)
            }
            State::Done(_) => Err(RequestError::Http("the flow has finished".to_owned())),
        }
    }
}

impl<D: Dialect> Machine for DeviceFlow<D> {
    type Event = Event<D::Client>;
    type Output = Result<D::Token, DeviceFlowError>;

    /// What to do next: an event to handle, a request to send, a time to wake up at, or the
    /// result. Events come first. After [`Output::Done`](crate::machine::Output::Done) every call returns the same result.
    ///
    /// Returns [`MisuseError::RequestOutstanding`] while a transmitted request has had neither a
    /// response nor a transport error.
    fn poll_output(&mut self) -> Result<FlowOutput<D>, MisuseError> {
        if let Some(event) = self.events.pop_front() {
            return Ok(crate::machine::Output::Event(event));
        }
        match self.state.io() {
            None => {}
            Some(Io::InFlight) => return Err(MisuseError::RequestOutstanding),
            Some(Io::Waiting(at)) => return Ok(crate::machine::Output::Timeout(at)),
            Some(Io::Ready) => {
                let operation = self.operation();
                match self.build_request() {
                    Ok(request) => {
                        if let Some(io) = self.state.io_mut() {
                            *io = Io::InFlight;
                        }
                        return Ok(crate::machine::Output::Transmit(Transmit {
                            operation,
                            auth: Auth::None,
                            request,
                        }));
                    }
                    Err(error) => self.finish(Err(DeviceFlowError::Call(CallError::Request {
                        operation,
                        error,
                    }))),
                }
            }
        }
        match &self.state {
            State::Done(result) => Ok(crate::machine::Output::Done(result.clone())),
            // Every other state returned above.
            _ => Err(MisuseError::RequestOutstanding),
        }
    }

    /// Feeds the response to the request last transmitted. `now` is when it arrived; `wall` is
    /// the wall-clock time, used only to stamp expiry times (registration, token, prompt).
    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError> {
        self.expect_in_flight()?;
        let now = self.observe(now);
        match &self.state {
            State::Register { .. } => {
                let outcome = self.dialect.registered(&response, wall);
                self.on_register(now, outcome);
            }
            State::Authorize { .. } => {
                let outcome = self.dialect.authorized(&response);
                self.on_authorize(now, wall, outcome);
            }
            State::Poll(_) => {
                let outcome = self.dialect.polled(&response);
                self.on_poll(now, wall, outcome);
            }
            State::Done(_) => {}
        }
        Ok(())
    }

    /// Reports that the request last transmitted failed below HTTP (no response). Transient
    /// failures (timeouts, refused or dropped connections) are retried; others (TLS, proxy)
    /// end the flow with the error as it came.
    fn handle_transport_error(
        &mut self,
        now: Instant,
        _wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError> {
        self.expect_in_flight()?;
        let now = self.observe(now);
        let operation = self.operation();
        self.on_transport_error(now, CallError::transport(operation, error));
        Ok(())
    }

    /// Tells the machine that time has passed. Before the time of the last
    /// [`Output::Timeout`](crate::machine::Output::Timeout), or while a request is in flight, it does nothing.
    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        if self.is_done() {
            return Err(MisuseError::Finished);
        }
        let now = self.observe(now);
        self.on_timeout(now);
        Ok(())
    }

    /// [`Wait::Pace`] while polling at the interval; [`Wait::Retry`] while backing off after a
    /// failure (of any phase).
    fn waiting_for(&self) -> Wait {
        match &self.state {
            State::Poll(polling) if polling.retries.failures() == 0 => Wait::Pace,
            _ => Wait::Retry,
        }
    }
}
