//! A small scenario builder: a flow plus a virtual clock, with helpers that assert what the
//! machine asks for next and advance time without sleeping.

use std::time::{Duration, Instant};

use ssooidc_core::device::{
    DeviceFlow, DeviceFlowConfig, DeviceFlowError, DeviceFlowInput, Event, Output, Phase, Prompt,
    Registration, Token, TransportErrorKind,
};
use time::OffsetDateTime;

use crate::common;

pub struct Scenario {
    pub flow: DeviceFlow,
    pub t0: Instant,
    pub now: Instant,
    pub wall: OffsetDateTime,
}

pub struct Builder {
    input: DeviceFlowInput,
    config: DeviceFlowConfig,
    seed: u64,
}

impl Builder {
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.input = self.input.scopes(scopes.iter().copied());
        self
    }

    pub fn cached(mut self, registration: Registration) -> Self {
        self.input = self.input.registration(registration);
        self
    }

    pub fn config(mut self, f: impl FnOnce(DeviceFlowConfig) -> DeviceFlowConfig) -> Self {
        self.config = f(self.config);
        self
    }

    pub fn build(self) -> Scenario {
        let t0 = Instant::now();
        Scenario {
            flow: DeviceFlow::new(self.input, self.config, common::WALL, self.seed),
            t0,
            now: t0,
            wall: common::WALL,
        }
    }
}

impl Scenario {
    pub fn builder() -> Builder {
        Builder {
            input: common::input(),
            config: DeviceFlowConfig::default(),
            seed: 7,
        }
    }

    pub fn new() -> Scenario {
        Self::builder().build()
    }

    /// Seconds since the start, as a float, for readable assertions.
    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    pub fn at(&self, secs: f64) -> Instant {
        self.t0 + Duration::from_secs_f64(secs)
    }

    pub fn output(&mut self) -> Output {
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

    pub fn respond(&mut self, response: http::Response<Vec<u8>>) {
        let (now, wall) = (self.now, self.wall);
        self.flow
            .handle_response(now, wall, response)
            .expect("handle_response");
    }

    pub fn transport_error(&mut self, kind: TransportErrorKind) {
        let now = self.now;
        self.flow
            .handle_transport_error(now, kind)
            .expect("transport error");
    }

    pub fn event(&mut self) -> Event {
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

    pub fn done(&mut self) -> Result<Token, DeviceFlowError> {
        match self.output() {
            Output::Done(result) => result,
            other => panic!("expected the end, got {other:?}"),
        }
    }

    pub fn error(&mut self) -> DeviceFlowError {
        self.done().expect_err("expected an error")
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

    /// Drives a fresh flow into `Poll` with the given StartDeviceAuthorization members, with the
    /// first (immediate) CreateToken transmitted and awaiting its answer.
    pub fn enter_first_poll(&mut self, interval: Option<i32>, expires_in: Option<i32>) {
        self.register();
        self.transmit("/device_authorization");
        self.respond(common::authorize_ok(interval, expires_in));
        assert_eq!(self.flow.phase(), Phase::Poll);
        self.transmit("/token");
    }

    /// [`enter_first_poll`](Self::enter_first_poll), answered pending, with the prompt drained.
    pub fn enter_polling(&mut self, interval: Option<i32>, expires_in: Option<i32>) -> Prompt {
        self.enter_first_poll(interval, expires_in);
        self.respond(common::error(ssooidc_core::ErrorCode::AuthorizationPending));
        self.prompt()
    }
}
