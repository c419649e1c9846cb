//! A small scenario builder: a flow plus a virtual clock, with helpers that assert what the
//! machine asks for next, play the browser's callback and advance time without sleeping.

use ssooidc_core::machine::Machine;
use std::time::{Duration, Instant};

use ssooidc_core::authcode::{
    AuthCodeConfig, AuthCodeError, AuthCodeFlow, AuthCodeInput, AuthCodeOutput, AuthCodePhase,
    AuthorizeRequest, CallbackReply, LoginSecrets,
};
use ssooidc_core::device::{Event, Registration, Token};
use ssooidc_core::endpoint::{resolve, EndpointParams};
use ssooidc_core::TransportErrorKind;
use time::OffsetDateTime;

use crate::common;

/// The verifier of RFC 7636 Appendix B and the state of the documented vector.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const STATE: &str = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f";
pub const PORT: u16 = 54321;
pub const CODE: &str = "code-very-secret";
/// The spare secrets, for a second authorization after starting over.
pub const SPARE_VERIFIER: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.";
pub const SPARE_STATE: &str = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";

pub struct Scenario {
    pub flow: AuthCodeFlow,
    pub t0: Instant,
    pub now: Instant,
    pub wall: OffsetDateTime,
}

pub struct Builder {
    input: AuthCodeInput,
    config: AuthCodeConfig,
    secrets: LoginSecrets,
    spare: Option<LoginSecrets>,
}

pub fn input() -> AuthCodeInput {
    let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
    AuthCodeInput::new(endpoint, common::START_URL, common::CLIENT_NAME)
}

impl Builder {
    pub fn input(mut self, f: impl FnOnce(AuthCodeInput) -> AuthCodeInput) -> Self {
        self.input = f(self.input);
        self
    }

    pub fn cached(self, registration: Registration) -> Self {
        self.input(|i| i.registration(registration))
    }

    pub fn config(mut self, f: impl FnOnce(AuthCodeConfig) -> AuthCodeConfig) -> Self {
        self.config = f(self.config);
        self
    }

    pub fn secrets(mut self, secrets: LoginSecrets) -> Self {
        self.secrets = secrets;
        self
    }

    /// The spare secrets (by default [`SPARE_VERIFIER`] and [`SPARE_STATE`], as the adapters
    /// always give some); `None`: none.
    pub fn spare(mut self, spare: Option<LoginSecrets>) -> Self {
        self.spare = spare;
        self
    }

    pub fn build(self) -> Scenario {
        let t0 = Instant::now();
        let mut flow = AuthCodeFlow::new(
            self.input,
            self.config,
            PORT,
            self.secrets,
            t0,
            common::WALL,
            7,
        );
        if let Some(spare) = self.spare {
            flow = flow.with_spare_secrets(spare);
        }
        Scenario {
            flow,
            t0,
            now: t0,
            wall: common::WALL,
        }
    }
}

/// A PKCE registration expiring `minutes` after [`common::WALL`].
pub fn cached_pkce(minutes: i64) -> Registration {
    common::cached(minutes).with_grant_types(Some(vec![
        "authorization_code".to_owned(),
        "refresh_token".to_owned(),
    ]))
}

impl Scenario {
    pub fn builder() -> Builder {
        Builder {
            input: input(),
            config: AuthCodeConfig::default(),
            secrets: LoginSecrets::new(VERIFIER, STATE).unwrap(),
            spare: Some(LoginSecrets::new(SPARE_VERIFIER, SPARE_STATE).unwrap()),
        }
    }

    pub fn new() -> Scenario {
        Self::builder().build()
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.t0
    }

    pub fn output(&mut self) -> AuthCodeOutput {
        self.flow.poll_output().expect("poll_output")
    }

    /// The next output must be a request to `path`.
    pub fn transmit(&mut self, path: &str) -> http::Request<Vec<u8>> {
        match self.output() {
            AuthCodeOutput::Transmit(ssooidc_core::machine::Transmit { request, .. }) => {
                assert_eq!(request.uri().path(), path, "at {:?}", self.elapsed());
                request
            }
            other => panic!("expected a request to {path}, got {other:?}"),
        }
    }

    /// The body of the next request, which must go to `path`, as JSON.
    pub fn transmit_json(&mut self, path: &str) -> serde_json::Value {
        serde_json::from_slice(self.transmit(path).body()).unwrap()
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

    pub fn event(&mut self) -> Event {
        match self.output() {
            AuthCodeOutput::Event(event) => event,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    pub fn authorize_request(&mut self) -> AuthorizeRequest {
        match self.event() {
            Event::Authorize(request) => request,
            other => panic!("expected Authorize, got {other:?}"),
        }
    }

    pub fn timeout(&mut self) -> Instant {
        match self.output() {
            AuthCodeOutput::Timeout(at) => at,
            other => panic!("expected a timeout, got {other:?}"),
        }
    }

    /// Advances the clock to `at` and tells the machine.
    pub fn advance_to(&mut self, at: Instant) {
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

    /// The browser comes back with `target`.
    pub fn callback(&mut self, target: &str) -> CallbackReply {
        let now = self.now;
        self.flow
            .handle_callback(now, target)
            .expect("handle_callback")
    }

    /// The browser comes back with the code and the right state.
    pub fn approve(&mut self) -> CallbackReply {
        self.callback(&format!("/oauth/callback?code={CODE}&state={STATE}"))
    }

    pub fn done(&mut self) -> Result<Token, AuthCodeError> {
        match self.output() {
            AuthCodeOutput::Done(result) => result,
            other => panic!("expected the end, got {other:?}"),
        }
    }

    pub fn error(&mut self) -> AuthCodeError {
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

    /// A fresh flow registered, its authorize URL out, waiting for the browser.
    pub fn enter_authorize(&mut self) -> AuthorizeRequest {
        self.register();
        let request = self.authorize_request();
        assert_eq!(self.flow.phase(), AuthCodePhase::Authorize);
        request
    }

    /// [`enter_authorize`](Self::enter_authorize), then the browser approves: the exchange's
    /// `CreateToken` is transmitted and awaits its answer.
    pub fn enter_exchange(&mut self) -> serde_json::Value {
        self.enter_authorize();
        assert_eq!(self.approve(), CallbackReply::Accepted);
        assert_eq!(self.flow.phase(), AuthCodePhase::Exchange);
        self.transmit_json("/token")
    }
}
