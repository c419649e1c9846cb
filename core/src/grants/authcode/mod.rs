//! The authorization-code grant with PKCE and a loopback redirect — the browser login of
//! `aws sso login` for sso-session profiles (`docs/protocol/authorization-code.md`) — as a
//! sans-I/O state machine, plus what its loopback listener needs: reading a request head and the
//! pages it answers with ([`loopback`]).
//!
//! [`AuthCodeFlow`] registers a PKCE client (unless a cached PKCE registration is still good),
//! tells the caller to open the authorize URL, waits for the browser to come back to
//! `http://127.0.0.1:<port>/oauth/callback` with the code, checks the `state`, and exchanges the
//! code for a token. It never reads a clock, touches the network, files or environment, or draws
//! randomness: the caller binds the listener and passes its port, passes the secrets made from
//! 32 random bytes ([`LoginSecrets::generate`]), and feeds every request the listener receives
//! with [`handle_callback`](AuthCodeFlow::handle_callback).
//!
//! # Driving it
//!
//! It speaks the protocol of every machine ([`crate::machine`]) and takes one more input:
//!
//! ```text
//! bind 127.0.0.1:0; flow = AuthCodeFlow::new(input, config, port, secrets, now, wall, seed)
//! loop {
//!     match flow.poll_output()? {
//!         Output::Transmit(t)  => send t.request; then feed(&mut flow, now, wall, result)
//!         Output::Timeout(at)  => until `at`: for each GET the listener reads,
//!                                   reply = flow.handle_callback(now, target)?;
//!                                   answer with reply.http_response();
//!                                   poll again once a callback was fed;
//!                                 at `at`: flow.handle_timeout(now)
//!         Output::Event(e)     => Registered: cache it; Authorize: open the URL in a browser
//!         Output::Done(result) => close the listener; return result
//!     }
//! }
//! ```
//!
//! A request may come at any time (a favicon, a probe, a reload): before the authorize URL is
//! out and after the code was taken it changes nothing ([`CallbackReply::NotWaiting`]).
//! Calling things out of order returns a [`MisuseError`] and changes nothing; after the end
//! every input is [`MisuseError::Finished`].
//!
//! # States
//!
//! ```text
//!     AuthCodeFlow::new(input, config, port, secrets, now, wall, seed)
//!                          │
//!       cached registration reusable? (≥ 15 min left, a PKCE registration)
//!            no ───────────┴────────────────────── yes
//!            ▼                                      │
//!   ┌─────────────────┐  5xx, throttling,           │
//!   │    Register     │  malformed, transport:      │
//!   │  RegisterClient │  backoff ───┐               │
//!   │   (PKCE client) │◀────────────┘               │
//!   └────────┬────────┘                             │
//!            │ 200 ⇒ Event::Registered              │
//!            ▼                                      ▼
//!   ┌──────────────────────────────────────────────────┐ ⇒ Event::Authorize(url, deadline)
//!   │ Authorize: waiting for the browser until deadline │
//!   │   handle_callback: no code nor error (favicon) ──┼──▶ Ignored, keep waiting
//!   └────────┬─────────────────────────────────────────┘
//!            │ code + state that matches (constant time)
//!            ▼
//!   ┌─────────────────┐  5xx, throttling,
//!   │    Exchange     │  malformed, transport:
//!   │   CreateToken   │  backoff ───┐
//!   │ (auth. code)    │◀────────────┘
//!   └────────┬────────┘
//!            │ token │ ExpiredTokenException │ invalid_grant, ... │ retries exhausted
//!            ▼
//!   ┌─────────────────┐
//!   │      Done       │  absorbing: poll_output repeats the result,
//!   └─────────────────┘  every input is MisuseError::Finished
//!     ▲
//!     └── also from Authorize: error=... (Refused), a state that does not match
//!         (StateMismatch: no token request goes out), the deadline (DeadlineReached, or
//!         DeadlineReachedWithCachedRegistration when the URL named a cached registration);
//!         from Register: a fatal error or retries exhausted; an authorize URL a browser
//!         may not be given (AuthorizeUrl)
//!
//!   Starting over, once (StartOver::RegistrationRejected):
//!     Exchange: InvalidClientException ─┐  registration from the cache, not started over
//!          or UnauthorizedClientException│  yet, spare secrets given ⇒ Event::StartingOver,
//!     Authorize: error=invalid_client   │  the spare verifier and state replace the spent
//!            or error=unauthorized_client┘  ones ──▶ Register ──200──▶ Event::Registered,
//!                                           Event::Authorize (new URL, new deadline)
//!     the same after starting over, or for a registration this flow made
//!                                       ──▶ Done(RegistrationRejected)
//!     a callback with the spent state afterwards ──▶ NotWaiting, nothing changes
//! ```
//!
//! # Policy
//!
//! - Registration: reused only when it has 15 minutes left and is a PKCE registration (its
//!   `grantTypes` has `authorization_code`); otherwise `RegisterClient` with `clientType`
//!   `public`, `grantTypes` `["authorization_code", "refresh_token"]`, the port-less redirect
//!   URI, `issuerUrl` and the scopes (default `sso:account:access`). The new registration is
//!   given to the caller with those scopes and grant types, as the AWS CLI caches it.
//! - The authorize URL: [`authorize_url`], from the endpoint's scheme and host.
//! - The callback: only [`CALLBACK_PATH`] counts. `error` ends the flow with
//!   [`AuthCodeError::Refused`] (unless it carries a `state` that is not this login's);
//!   `code` with a `state` that matches moves on to the exchange; with one that does not,
//!   [`AuthCodeError::StateMismatch`]. Anything else is ignored. Unlike the AWS CLI, which
//!   takes any path, checks the path.
//! - The deadline: [`AuthCodeConfig::callback_timeout`] (600 protocol seconds) after the
//!   authorize URL is out; a callback at or after it is refused.
//! - The exchange: `CreateToken` with the code, the redirect URI with the port and the
//!   verifier. `ExpiredTokenException` ⇒ [`AuthCodeError::Expired`]; 5xx, throttling,
//!   malformed answers and transient transport failures are retried up to
//!   [`AuthCodeConfig::max_retries`] times with the device flow's backoff; anything else ⇒
//!   [`AuthCodeError::Call`].
//! - A rejected registration: `InvalidClientException` or `UnauthorizedClientException` from
//!   the exchange, or the browser back with `error=invalid_client` or `unauthorized_client`
//!   (both codes refuse the client, not the user's approval: RFC 6749 §5.2's
//!   `unauthorized_client` is a client not authorized for this grant, and the service's model
//!   says "the client is not currently authorized to make the request"; the AWS CLI starts
//!   over for neither, it fails). When the registration came from the
//!   cache, the flow registers a new client once ([`Event::StartingOver`] with
//!   [`StartOver::RegistrationRejected`](crate::device::StartOver::RegistrationRejected), then
//!   [`Event::Registered`] and a new [`Event::Authorize`]), with the secrets the caller gave
//!   for that ([`with_spare_secrets`](AuthCodeFlow::with_spare_secrets): the core draws no
//!   randomness, and the first `state` and verifier are spent). A second rejection, or one of
//!   a registration this flow made, ends it with [`AuthCodeError::RegistrationRejected`].
//! - A service that no longer knows a cached client shows the browser an error page instead
//!   of sending it back (RFC 6749 §4.1.2.1), so the deadline is all the flow sees: it then
//!   ends with [`AuthCodeError::DeadlineReachedWithCachedRegistration`], for the caller to
//!   suggest a way round that registration.
//! - The result is the same [`Token`] as the device flow's, so caches and callers treat both
//!   logins alike.
//!
//! # A whole flow, by hand
//!
//! ```
//! use std::time::Instant;
//! use ssooidc_core::authcode::{AuthCodeConfig, AuthCodeFlow, AuthCodeInput, CallbackReply, LoginSecrets};
//! use ssooidc_core::device::Event;
//! use ssooidc_core::endpoint::{resolve, EndpointParams};
//! use ssooidc_core::machine::{feed, Machine, Output};
//! use time::macros::datetime;
//!
//! let (now, wall) = (Instant::now(), datetime!(2026-01-04 18:51:47 UTC));
//! let ok = |body: &str| http::Response::builder().status(200).body(body.as_bytes().to_vec()).unwrap();
//! let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
//! let input = AuthCodeInput::new(endpoint, "https://d-1234567890.awsapps.com/start", "botocore-client-my-sso");
//! let secrets = LoginSecrets::new(
//!     "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f").unwrap();
//! // The caller bound 127.0.0.1:54321 first.
//! let mut flow = AuthCodeFlow::new(input, AuthCodeConfig::default(), 54321, secrets, now, wall, 7);
//!
//! // RegisterClient, for a PKCE client.
//! let Ok(Output::Transmit(t)) = flow.poll_output() else { panic!() };
//! assert_eq!(t.request.body().as_slice(), br#"{"clientName":"botocore-client-my-sso","clientType":"public","scopes":["sso:account:access"],"redirectUris":["http://127.0.0.1/oauth/callback"],"grantTypes":["authorization_code","refresh_token"],"issuerUrl":"https://d-1234567890.awsapps.com/start"}"#);
//! feed(&mut flow, now, wall, Ok(ok(r#"{"clientId":"cid","clientSecret":"csec","clientSecretExpiresAt":1775328707}"#))).unwrap();
//! let Ok(Output::Event(Event::Registered(registration))) = flow.poll_output() else { panic!() };
//! assert!(registration.is_authorization_code());
//!
//! // Open the URL; wait for the browser.
//! let Ok(Output::Event(Event::Authorize(request))) = flow.poll_output() else { panic!() };
//! assert!(request.url.as_str().starts_with("https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=cid&"));
//! let Ok(Output::Timeout(deadline)) = flow.poll_output() else { panic!() };
//! assert_eq!(deadline, request.expires_at);
//! assert_eq!(flow.handle_callback(now, "/favicon.ico"), Ok(CallbackReply::Ignored));
//! assert_eq!(
//!     flow.handle_callback(now, "/oauth/callback?code=the-code&state=3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"),
//!     Ok(CallbackReply::Accepted)
//! );
//!
//! // CreateToken with the code, the redirect URI with its port and the verifier.
//! let Ok(Output::Transmit(t)) = flow.poll_output() else { panic!() };
//! assert_eq!(t.request.body().as_slice(), br#"{"clientId":"cid","clientSecret":"csec","grantType":"authorization_code","code":"the-code","redirectUri":"http://127.0.0.1:54321/oauth/callback","codeVerifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}"#);
//! feed(&mut flow, now, wall, Ok(ok(r#"{"accessToken":"at","expiresIn":3600,"refreshToken":"rt","tokenType":"Bearer"}"#))).unwrap();
//! let Ok(Output::Done(Ok(token))) = flow.poll_output() else { panic!() };
//! assert_eq!(token.access_token.expose(), "at");
//! assert_eq!(token.registration.client_id, "cid");
//! ```

mod callback;
mod input;
pub mod loopback;
mod output;
mod secrets;
mod state;
mod url;

use std::collections::VecDeque;
use std::time::Instant;

use time::OffsetDateTime;

pub use crate::machine::MisuseError;
pub use callback::CallbackReply;
pub use input::{AuthCodeConfig, AuthCodeInput};
pub use output::{AuthCodeError, AuthCodeOutput, AuthorizationError, AuthorizeRequest};
pub use secrets::{
    s256_challenge, LoginSecrets, LoginSecretsError, RANDOM_BYTES, VERIFIER_ALPHABET, VERIFIER_LEN,
};
pub use url::{
    authorize_url, percent_encode, redirect_uri, AuthorizeParams, CALLBACK_PATH, DEFAULT_SCOPE,
    REGISTERED_REDIRECT_URI,
};

use crate::base::rng::Rng;
use crate::call::CallError;
use crate::device::{Event, Token};
use crate::endpoint::Endpoint;
use crate::grant::classify_call;
use crate::machine::steps::Io;
use crate::machine::steps::Retries;
use crate::machine::{Machine, Transmit};
use crate::operations::{CreateToken, RegisterClient};
use crate::registration::Registration;
use crate::transport::TransportError;
use crate::wire::{Auth, Operation, RequestError};
use state::State;

/// Which phase an [`AuthCodeFlow`] is in (for logs, tests and progress displays).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthCodePhase {
    /// Registering the client (`RegisterClient`).
    Register,
    /// Waiting for the browser to come back.
    Authorize,
    /// Exchanging the code (`CreateToken`).
    Exchange,
    /// Finished.
    Done,
}

/// The authorization-code flow with PKCE as a sans-I/O state machine. See the
/// [module docs](self).
///
/// `Debug` shows no secret (the verifier, the state, the code and the client secret are
/// redacted).
#[derive(Debug)]
pub struct AuthCodeFlow {
    endpoint: Endpoint,
    issuer_url: String,
    client_name: String,
    /// The configured scopes (empty: none configured).
    scopes: Vec<String>,
    redirect_uri: String,
    secrets: LoginSecrets,
    config: AuthCodeConfig,
    /// The secrets of a second authorization, if the flow starts over
    /// ([`with_spare_secrets`](Self::with_spare_secrets)); taken when it does.
    spare: Option<LoginSecrets>,
    /// The `state` of the authorization given up when the flow started over: a callback that
    /// carries it is answered [`CallbackReply::NotWaiting`] and changes nothing.
    spent_state: Option<crate::Secret>,
    /// The registration in use came from the cache (not registered by this flow).
    cached_registration: bool,
    /// The flow has already replaced a rejected cached registration once.
    started_over: bool,
    rng: Rng,
    /// The latest instant the caller gave; time never goes back inside the machine.
    clock: Instant,
    events: VecDeque<Event>,
    state: State,
}

impl AuthCodeFlow {
    /// A new flow. `port` is the loopback listener's, bound by the caller on `127.0.0.1`;
    /// `secrets` come from [`LoginSecrets::generate`] with fresh random bytes; `now` and
    /// `wall_now` are the start (the deadline counts from the authorize URL going out, which is
    /// now when a cached registration is reused); `seed` feeds the jitter of retries.
    pub fn new(
        input: AuthCodeInput,
        config: AuthCodeConfig,
        port: u16,
        secrets: LoginSecrets,
        now: Instant,
        wall_now: OffsetDateTime,
        seed: u64,
    ) -> Self {
        let AuthCodeInput {
            endpoint,
            start_url: issuer_url,
            client_name,
            scopes,
            registration,
        } = input;
        let retries = Retries::new(config.max_retries);
        let mut flow = AuthCodeFlow {
            endpoint,
            issuer_url,
            client_name,
            scopes: scopes.unwrap_or_default(),
            redirect_uri: redirect_uri(port),
            secrets,
            spare: None,
            spent_state: None,
            cached_registration: false,
            started_over: false,
            config,
            rng: Rng::new(seed),
            clock: now,
            events: VecDeque::new(),
            state: State::Register {
                io: Io::Ready,
                retries,
            },
        };
        if let Some(registration) =
            registration.filter(|r| r.is_reusable_for_authorization_code(wall_now))
        {
            flow.cached_registration = true;
            flow.authorize(now, wall_now, registration);
        }
        flow
    }

    /// The secrets of a second authorization (from [`LoginSecrets::generate`] with another 32
    /// fresh random bytes), used only if the service rejects the cached registration: the flow
    /// then registers a new client and sends the browser to a new authorize URL, which needs a
    /// new verifier and `state` (the first ones went out with a code that is spent). Without
    /// them the flow cannot start over, and such a rejection ends it with the error as it came.
    /// Secrets equal to the first ones are not used.
    pub fn with_spare_secrets(mut self, spare: LoginSecrets) -> Self {
        self.spare = (spare.state().expose() != self.secrets.state().expose()
            && spare.verifier().expose() != self.secrets.verifier().expose())
        .then_some(spare);
        self
    }

    /// Whether the registration in use came from the cache (the flow has not registered a
    /// client yet).
    pub fn uses_cached_registration(&self) -> bool {
        self.cached_registration
    }

    /// A `GET` came to the loopback listener at `now`, for `target` (the request target:
    /// `/oauth/callback?code=...&state=...`). Returns what the flow made of it; answer the
    /// request with the reply's [`http_response`](CallbackReply::http_response). Any request,
    /// at any time before the end, is a valid input: what is not the awaited callback changes
    /// nothing.
    pub fn handle_callback(
        &mut self,
        now: Instant,
        target: &str,
    ) -> Result<CallbackReply, MisuseError> {
        if self.is_done() {
            return Err(MisuseError::Finished);
        }
        let now = self.observe(now);
        Ok(self.on_callback(now, target))
    }

    /// The current phase.
    pub fn phase(&self) -> AuthCodePhase {
        match self.state {
            State::Register { .. } => AuthCodePhase::Register,
            State::Authorize(_) => AuthCodePhase::Authorize,
            State::Exchange(_) => AuthCodePhase::Exchange,
            State::Done(_) => AuthCodePhase::Done,
        }
    }

    /// Whether the flow has finished (its result is available from
    /// [`poll_output`](Self::poll_output)).
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done(_))
    }

    /// The redirect URI with the listener's port: `http://127.0.0.1:<port>/oauth/callback`.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The instant at or after which no callback is taken, while waiting for the browser.
    pub fn deadline(&self) -> Option<Instant> {
        match &self.state {
            State::Authorize(authorizing) => Some(authorizing.deadline),
            _ => None,
        }
    }

    /// The registration in use, once there is one.
    pub fn registration(&self) -> Option<&Registration> {
        match &self.state {
            State::Authorize(a) => Some(&a.registration),
            State::Exchange(e) => Some(&e.registration),
            State::Done(Ok(token)) => Some(&token.registration),
            _ => None,
        }
    }

    /// The scopes registered and asked for: the configured ones, or `sso:account:access`.
    fn registered_scopes(&self) -> Vec<String> {
        if self.scopes.is_empty() {
            vec![DEFAULT_SCOPE.to_owned()]
        } else {
            self.scopes.clone()
        }
    }

    fn expect_in_flight(&self) -> Result<(), MisuseError> {
        match (&self.state, self.state.io()) {
            (State::Done(_), _) => Err(MisuseError::Finished),
            (_, Some(Io::InFlight)) => Ok(()),
            _ => Err(MisuseError::NoRequestOutstanding),
        }
    }

    fn set_in_flight(&mut self) {
        match &mut self.state {
            State::Register { io, .. } => *io = Io::InFlight,
            State::Exchange(e) => e.io = Io::InFlight,
            State::Authorize(_) | State::Done(_) => {}
        }
    }

    /// Records `now` and returns the latest instant seen, so a clock that goes backwards
    /// cannot pull a schedule earlier.
    fn observe(&mut self, now: Instant) -> Instant {
        self.clock = self.clock.max(now);
        self.clock
    }

    /// The operation of the current phase's request.
    fn operation(&self) -> &'static str {
        match self.state {
            State::Register { .. } => RegisterClient::NAME,
            _ => CreateToken::NAME,
        }
    }

    fn build_request(&self) -> Result<http::Request<Vec<u8>>, RequestError> {
        match &self.state {
            State::Register { .. } => {
                let mut input = RegisterClient::new(self.client_name.clone());
                input.scopes = Some(self.registered_scopes());
                input.redirect_uris = Some(vec![REGISTERED_REDIRECT_URI.to_owned()]);
                input.grant_types = Some(vec![
                    crate::operations::grant_type::AUTHORIZATION_CODE.to_owned(),
                    crate::operations::grant_type::REFRESH_TOKEN.to_owned(),
                ]);
                input.issuer_url = Some(self.issuer_url.clone());
                input.to_request(&self.endpoint)
            }
            State::Exchange(exchanging) => CreateToken::authorization_code(
                exchanging.registration.client_id.clone(),
                exchanging.registration.client_secret.clone(),
                exchanging.code.clone(),
                self.redirect_uri.clone(),
                self.secrets.verifier().clone(),
            )
            .to_request(&self.endpoint),
            State::Authorize(_) | State::Done(_) => {
                Err(RequestError::Http("no request is due".to_owned()))
            }
        }
    }
}

impl Machine for AuthCodeFlow {
    type Event = Event;
    type Output = Result<Token, AuthCodeError>;

    /// What to do next: an event to handle, a request to send, a time to wake up at (while
    /// waiting for the browser: the deadline), or the result. Events come first. After
    /// [`AuthCodeOutput::Done`] every call returns the same result.
    ///
    /// Returns [`MisuseError::RequestOutstanding`] while a transmitted request has had neither
    /// a response nor a transport error.
    fn poll_output(&mut self) -> Result<AuthCodeOutput, MisuseError> {
        if let Some(event) = self.events.pop_front() {
            return Ok(AuthCodeOutput::Event(event));
        }
        if let State::Authorize(authorizing) = &self.state {
            return Ok(AuthCodeOutput::Timeout(authorizing.deadline));
        }
        match self.state.io() {
            None => {}
            Some(Io::InFlight) => return Err(MisuseError::RequestOutstanding),
            Some(Io::Waiting(at)) => return Ok(AuthCodeOutput::Timeout(at)),
            Some(Io::Ready) => {
                let operation = self.operation();
                match self.build_request() {
                    Ok(request) => {
                        self.set_in_flight();
                        return Ok(AuthCodeOutput::Transmit(Transmit {
                            operation,
                            auth: Auth::None,
                            request,
                        }));
                    }
                    Err(error) => self.finish(Err(AuthCodeError::Call(CallError::Request {
                        operation,
                        error,
                    }))),
                }
            }
        }
        match &self.state {
            State::Done(result) => Ok(AuthCodeOutput::Done(result.clone())),
            // Every other state returned above.
            _ => Err(MisuseError::RequestOutstanding),
        }
    }

    /// Feeds the response to the request last transmitted. `now` is when it arrived; `wall` is
    /// the wall-clock time, used only to stamp expiry times (registration, token).
    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError> {
        self.expect_in_flight()?;
        let now = self.observe(now);
        let operation = self.operation();
        let call_error = |e| CallError::from_response(operation, e);
        match &self.state {
            State::Register { .. } => {
                let result = RegisterClient::parse_response(&response).map_err(call_error);
                self.on_register(now, wall, classify_call(result));
            }
            State::Exchange(_) => {
                let result = CreateToken::parse_response(&response).map_err(call_error);
                self.on_exchange(now, wall, result);
            }
            State::Authorize(_) | State::Done(_) => {}
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
    /// [`Output::Timeout`](crate::machine::Output::Timeout) it does nothing; at or after the deadline of the wait for the
    /// browser it ends the flow with [`AuthCodeError::DeadlineReached`].
    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        if self.is_done() {
            return Err(MisuseError::Finished);
        }
        let now = self.observe(now);
        self.on_timeout(now);
        Ok(())
    }

    /// Waiting for the browser is the login's own pace; any other wait is a retry's backoff.
    fn waiting_for(&self) -> crate::machine::Wait {
        match self.state {
            state::State::Authorize(_) => crate::machine::Wait::Pace,
            _ => crate::machine::Wait::Retry,
        }
    }
}
