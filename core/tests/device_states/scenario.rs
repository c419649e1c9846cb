//! A small scenario builder: a flow of any dialect plus a virtual clock, with helpers that
//! assert what the machine asks for next and advance time without sleeping.

use ssooidc_core::machine::Machine;
use std::time::{Duration, Instant};

use ssooidc_core::device::{
    Aws, DeviceFlow, DeviceFlowConfig, DeviceFlowError, DeviceFlowPhase, Dialect, Event, Prompt,
    Registration, TransportErrorKind,
};
use ssooidc_core::machine::Output;
use time::OffsetDateTime;

use crate::common::{self, Wire};

/// What a flow of dialect `W` asks for.
pub type FlowOutput<W> =
    Output<Event<<W as Dialect>::Client>, Result<<W as Dialect>::Token, DeviceFlowError>>;

pub struct Scenario<W: Wire = Aws> {
    pub flow: DeviceFlow<W>,
    pub t0: Instant,
    pub now: Instant,
    pub wall: OffsetDateTime,
}

pub struct Builder<W: Wire = Aws> {
    dialect: W,
    config: DeviceFlowConfig,
    seed: u64,
}

impl Builder<Aws> {
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.dialect = Aws::dialect(Some(scopes));
        self
    }

    pub fn cached(mut self, registration: Registration) -> Self {
        self.dialect = Aws::new(common::input().registration(registration));
        self
    }
}

impl<W: Wire> Builder<W> {
    pub fn config(mut self, f: impl FnOnce(DeviceFlowConfig) -> DeviceFlowConfig) -> Self {
        self.config = f(self.config);
        self
    }

    pub fn build(self) -> Scenario<W> {
        let t0 = Instant::now();
        Scenario {
            flow: DeviceFlow::with_dialect(self.dialect, self.config, common::WALL, self.seed),
            t0,
            now: t0,
            wall: common::WALL,
        }
    }
}

impl Scenario<Aws> {
    pub fn builder() -> Builder<Aws> {
        Self::of()
    }

    pub fn new() -> Scenario<Aws> {
        Self::fresh()
    }

    /// Registers (answering `RegisterClient` with success) and drains the `Registered` event.
    pub fn register(&mut self) -> Registration {
        self.transmit("/client/register");
        self.respond(common::register_ok());
        match self.event() {
            Event::Registered(registration) => registration,
            other => panic!("expected Registered, got {other:?}"),
        }
    }
}

impl<W: Wire> Scenario<W> {
    /// A builder for a flow of dialect `W`.
    pub fn of() -> Builder<W> {
        Builder {
            dialect: W::dialect(None),
            config: DeviceFlowConfig::default(),
            seed: 7,
        }
    }

    /// A flow of dialect `W` with the default policy.
    pub fn fresh() -> Scenario<W> {
        Self::of().build()
    }

    /// Seconds since the start, as a float, for readable assertions.
    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    pub fn at(&self, secs: f64) -> Instant {
        self.t0 + Duration::from_secs_f64(secs)
    }

    pub fn output(&mut self) -> FlowOutput<W> {
        self.flow.poll_output().expect("poll_output")
    }

    /// The next output must be a request to `path`.
    pub fn transmit(&mut self, path: &str) -> http::Request<Vec<u8>> {
        match self.output() {
            Output::Transmit(ssooidc_core::machine::Transmit { request, .. }) => {
                assert_eq!(request.uri().path(), path, "at {:?}", self.elapsed());
                request
            }
            other => panic!("expected a request to {path}, got {other:?}"),
        }
    }

    /// The next output must be the device authorization request.
    pub fn transmit_authorize(&mut self) -> http::Request<Vec<u8>> {
        self.transmit(W::AUTHORIZE_PATH)
    }

    /// The next output must be a poll.
    pub fn transmit_poll(&mut self) -> http::Request<Vec<u8>> {
        self.transmit(W::TOKEN_PATH)
    }

    pub fn respond(&mut self, response: http::Response<Vec<u8>>) {
        let (now, wall) = (self.now, self.wall);
        self.flow
            .handle_response(now, wall, response)
            .expect("handle_response");
    }

    pub fn transport_error(&mut self, kind: TransportErrorKind) {
        let now = self.now;
        self.flow
            .handle_transport_error(now, common::WALL, kind.into())
            .expect("transport error");
    }

    pub fn event(&mut self) -> Event<W::Client> {
        match self.output() {
            Output::Event(event) => event,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    pub fn prompt(&mut self) -> Prompt {
        match self.event() {
            Event::Prompt(prompt) => prompt,
            other => panic!("expected a prompt, got {other:?}"),
        }
    }

    pub fn timeout(&mut self) -> Instant {
        match self.output() {
            Output::Timeout(at) => at,
            other => panic!("expected a timeout, got {other:?}"),
        }
    }

    /// Advances the clock (and the wall clock) to `at` and tells the machine.
    pub fn advance_to(&mut self, at: Instant) {
        if at > self.now {
            let step = time::Duration::try_from(at - self.now).ok();
            self.wall = step
                .and_then(|d| self.wall.checked_add(d))
                .unwrap_or(self.wall);
        }
        self.now = at;
        self.flow.handle_timeout(at).expect("handle_timeout");
    }

    /// Sleeps until the machine's next timeout; returns how long that was.
    pub fn sleep(&mut self) -> Duration {
        let at = self.timeout();
        let slept = at.saturating_duration_since(self.now);
        self.advance_to(at);
        slept
    }

    pub fn done(&mut self) -> Result<W::Token, DeviceFlowError> {
        match self.output() {
            Output::Done(result) => result,
            other => panic!("expected the end, got {other:?}"),
        }
    }

    pub fn error(&mut self) -> DeviceFlowError {
        self.done().expect_err("expected an error")
    }

    /// Registers when the dialect does (answering with success and draining the event).
    pub fn register_if_needed(&mut self) {
        if W::REGISTERS {
            self.transmit("/client/register");
            self.respond(common::register_ok());
            assert!(matches!(self.event(), Event::Registered(_)));
        }
    }

    /// Drives a fresh flow into `Poll` with the given device authorization members, with the
    /// first (immediate) poll transmitted and awaiting its answer.
    pub fn enter_first_poll(&mut self, interval: Option<i32>, expires_in: Option<i32>) {
        self.register_if_needed();
        self.transmit_authorize();
        self.respond(W::authorize_ok(interval, expires_in));
        assert_eq!(self.flow.phase(), DeviceFlowPhase::Poll);
        self.transmit_poll();
    }

    /// [`enter_first_poll`](Self::enter_first_poll), answered pending, with the prompt drained.
    pub fn enter_polling(&mut self, interval: Option<i32>, expires_in: Option<i32>) -> Prompt {
        self.enter_first_poll(interval, expires_in);
        self.respond(W::error(ssooidc_core::ErrorCode::AuthorizationPending));
        self.prompt()
    }
}
