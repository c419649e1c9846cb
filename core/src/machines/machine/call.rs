//! [`Call`]: one operation, sent and retried by the client's [`RetryPolicy`].

use std::convert::Infallible;
use std::time::Instant;

use time::OffsetDateTime;

use super::{Machine, MisuseError, Output, Transmit};
use crate::base::rng::Rng;
use crate::call::CallError;
use crate::endpoint::Endpoint;
use crate::retry::{retry_after, CallRetry, Decision, FailureClass, RetryPolicy, StopReason};
use crate::transport::TransportError;
use crate::wire::{Auth, Operation, RequestError, ResponseError};

/// How a [`Call`] decodes an answer: the output of a success, or why the answer is not one.
pub type Decode<T> = fn(&http::Response<&[u8]>) -> Result<T, ResponseError>;

enum State<T> {
    Ready,
    InFlight,
    Waiting(Instant),
    Done(Result<T, CallError>),
}

/// One call of an operation as a machine: it transmits the request, and on a retryable failure
/// waits the policy's backoff and transmits it again, until a success, a final failure, the
/// attempt limit or the quota's end. In adaptive mode it also waits for the client's rate
/// limiter before each send.
///
/// ```
/// use std::time::Instant;
/// use ssooidc_core::endpoint::Endpoint;
/// use ssooidc_core::machine::{feed, Call, Machine, Output};
/// use ssooidc_core::operations::RegisterClient;
/// use ssooidc_core::retry::RetryPolicy;
///
/// let endpoint = Endpoint::parse("https://oidc.us-east-1.amazonaws.com").unwrap();
/// let mut call = Call::new(&RegisterClient::new("my-tool"), &endpoint, &RetryPolicy::default(), Instant::now(), 7);
/// let Ok(Output::Transmit(t)) = call.poll_output() else { panic!() };
/// assert_eq!(t.operation, "RegisterClient");
/// // A 500: the policy retries after a short backoff.
/// let boom = http::Response::builder().status(500).body(&b"{\"error\":\"server_error\"}"[..]).unwrap();
/// feed(&mut call, Instant::now(), time::OffsetDateTime::now_utc(), Ok(boom)).unwrap();
/// assert!(matches!(call.poll_output(), Ok(Output::Timeout(_))));
/// ```
pub struct Call<T> {
    operation: &'static str,
    auth: Auth,
    request: http::Request<Vec<u8>>,
    decode: Decode<T>,
    retry: CallRetry,
    rng: Rng,
    clock: Instant,
    /// The wall time of the latest answer.
    wall: Option<OffsetDateTime>,
    state: State<T>,
}

impl<T> std::fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Ready => "Ready",
            State::InFlight => "InFlight",
            State::Waiting(_) => "Waiting",
            State::Done(_) => "Done",
        };
        f.debug_struct("Call")
            .field("operation", &self.operation)
            .field("attempt", &self.retry.attempt())
            .field("state", &state)
            .finish()
    }
}

impl<T: Clone> Call<T> {
    /// A call of `input` against `endpoint`. `now` is the time the call starts; `seed` feeds
    /// the jitter of its backoff.
    pub fn new<O: Operation<Output = T>>(
        input: &O,
        endpoint: &Endpoint,
        policy: &RetryPolicy,
        now: Instant,
        seed: u64,
    ) -> Self {
        Self::prepared(
            O::NAME,
            O::AUTH,
            input.to_request(endpoint),
            |response| O::parse_response(response),
            policy,
            now,
            seed,
        )
    }

    /// A call of a request built elsewhere (an operation that is no [`Operation`], such as the
    /// standard OAuth 2.0 requests of [`crate::oauth`], which go to full URLs): `request` is
    /// sent (a build failure ends the call at once with [`CallError::Request`]) and each answer
    /// goes through `decode`, with the same retry policy as [`Call::new`].
    pub fn prepared(
        operation: &'static str,
        auth: Auth,
        request: Result<http::Request<Vec<u8>>, RequestError>,
        decode: Decode<T>,
        policy: &RetryPolicy,
        now: Instant,
        seed: u64,
    ) -> Self {
        let (request, state) = match request {
            Ok(request) => (request, State::Ready),
            Err(error) => (
                http::Request::default(),
                State::Done(Err(CallError::Request { operation, error })),
            ),
        };
        Call {
            operation,
            auth,
            request,
            decode,
            retry: policy.start_call(),
            rng: Rng::new(seed),
            clock: now,
            wall: None,
            state,
        }
    }

    /// The attempt in progress (1 for the first).
    pub fn attempt(&self) -> u32 {
        self.retry.attempt()
    }

    /// The wall-clock time of the latest answer (or failure), once there was one.
    pub fn last_wall(&self) -> Option<crate::Timestamp> {
        self.wall.map(crate::Timestamp::from)
    }

    fn observe(&mut self, now: Instant) -> Instant {
        self.clock = self.clock.max(now);
        self.clock
    }

    fn expect_in_flight(&self) -> Result<(), MisuseError> {
        match self.state {
            State::InFlight => Ok(()),
            State::Done(_) => Err(MisuseError::Finished),
            _ => Err(MisuseError::NoRequestOutstanding),
        }
    }

    fn record_in_limiter(&self, now: Instant, throttled: bool) {
        if let Some(limiter) = self.retry.policy().limiter() {
            limiter.record(now, throttled);
        }
    }

    /// A failed attempt: retry after the backoff, or finish with `error`.
    fn failed(&mut self, now: Instant, error: CallError, retry_after: Option<std::time::Duration>) {
        self.record_in_limiter(
            now,
            crate::retry::classify(&error) == FailureClass::Throttling,
        );
        let retries = self.retry.attempt() - 1;
        self.state = match self.retry.after_failure(&error, retry_after, &mut self.rng) {
            Decision::RetryAfter(wait) => State::Waiting(super::wake_at(now, wait)),
            Decision::Stop(reason) => State::Done(Err(
                error.after_retries(retries, reason == StopReason::MaxAttempts)
            )),
        };
    }
}

impl<T: Clone> Machine for Call<T> {
    type Event = Infallible;
    type Output = Result<T, CallError>;

    fn poll_output(&mut self) -> Result<Output<Infallible, Self::Output>, MisuseError> {
        match &self.state {
            State::InFlight => Err(MisuseError::RequestOutstanding),
            State::Waiting(at) => Ok(Output::Timeout(*at)),
            State::Done(result) => Ok(Output::Done(result.clone())),
            State::Ready => {
                if let Some(limiter) = self.retry.policy().limiter() {
                    if let Err(at) = limiter.acquire(self.clock) {
                        let at = at.min(super::wake_at(self.clock, super::MAX_WAIT));
                        self.state = State::Waiting(at);
                        return Ok(Output::Timeout(at));
                    }
                }
                self.state = State::InFlight;
                Ok(Output::Transmit(Transmit {
                    operation: self.operation,
                    auth: self.auth,
                    request: self.request.clone(),
                }))
            }
        }
    }

    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError> {
        self.expect_in_flight()?;
        let now = self.observe(now);
        self.wall = Some(wall);
        let (parts, body) = response.into_parts();
        let response = http::Response::from_parts(parts, body.as_ref());
        match (self.decode)(&response) {
            Ok(output) => {
                self.record_in_limiter(now, false);
                self.retry.after_success();
                self.state = State::Done(Ok(output));
            }
            Err(error) => {
                let wait = retry_after(&response);
                self.failed(now, CallError::from_response(self.operation, error), wait);
            }
        }
        Ok(())
    }

    fn handle_transport_error(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError> {
        self.expect_in_flight()?;
        let now = self.observe(now);
        self.wall = Some(wall);
        self.failed(now, CallError::transport(self.operation, error), None);
        Ok(())
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        let now = self.observe(now);
        match self.state {
            State::Done(_) => Err(MisuseError::Finished),
            State::Waiting(at) if now >= at => {
                self.state = State::Ready;
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{encode_error, ErrorCode};
    use crate::machine::feed;
    use crate::operations::{RegisterClient, RegisterClientOutput};
    use crate::retry::{RetryConfig, RetryMode};
    use crate::transport::TransportErrorKind;
    use crate::ServiceError;
    use std::time::Duration;

    const OK: &[u8] =
        br#"{"clientId":"cid","clientSecret":"cs","clientIdIssuedAt":1,"clientSecretExpiresAt":2}"#;

    fn endpoint() -> Endpoint {
        Endpoint::parse("https://oidc.us-east-1.amazonaws.com").unwrap()
    }

    fn wall() -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH
    }

    fn ok() -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(200)
            .body(OK.to_vec())
            .unwrap()
    }

    fn error(code: ErrorCode) -> http::Response<Vec<u8>> {
        encode_error(&ServiceError::from_code(code, "x"), true)
    }

    /// Drives `call` in virtual time with `answers`, returning the result and the waits.
    fn run(
        mut call: Call<RegisterClientOutput>,
        answers: Vec<Result<http::Response<Vec<u8>>, TransportError>>,
    ) -> (
        Result<RegisterClientOutput, CallError>,
        Vec<Duration>,
        usize,
    ) {
        let start = Instant::now();
        let mut now = start;
        let mut answers = answers.into_iter();
        let mut waits = Vec::new();
        let mut sent = 0;
        loop {
            match call.poll_output().unwrap() {
                Output::Transmit(t) => {
                    assert_eq!(t.operation, "RegisterClient");
                    sent += 1;
                    let answer = answers.next().expect("a scripted answer");
                    feed(&mut call, now, wall(), answer).unwrap();
                }
                Output::Timeout(at) => {
                    waits.push(at - now);
                    now = at;
                    call.handle_timeout(now).unwrap();
                }
                Output::Event(never) => match never {},
                Output::Done(result) => return (result, waits, sent),
            }
        }
    }

    fn call(policy: &RetryPolicy) -> Call<RegisterClientOutput> {
        Call::new(
            &RegisterClient::new("t"),
            &endpoint(),
            policy,
            Instant::now(),
            9,
        )
    }

    #[test]
    fn two_500s_then_success() {
        let policy = RetryPolicy::default();
        let (result, waits, sent) = run(
            call(&policy),
            vec![
                Ok(error(ErrorCode::InternalServer)),
                Ok(error(ErrorCode::InternalServer)),
                Ok(ok()),
            ],
        );
        assert_eq!(result.unwrap().client_id, "cid");
        assert_eq!(sent, 3);
        assert_eq!(waits.len(), 2);
        assert!(waits[0] < Duration::from_millis(50), "{waits:?}");
        assert!(waits[1] < Duration::from_millis(100), "{waits:?}");
    }

    #[test]
    fn a_400_is_not_retried_and_the_limit_is_reported() {
        let policy = RetryPolicy::default();
        let (result, waits, sent) = run(call(&policy), vec![Ok(error(ErrorCode::InvalidClient))]);
        assert!(matches!(
            result,
            Err(CallError::Service {
                max_retries_reached: None,
                ..
            })
        ));
        assert_eq!((waits.len(), sent), (0, 1));
        let (result, _, sent) = run(
            call(&policy),
            vec![
                Ok(error(ErrorCode::InternalServer)),
                Ok(error(ErrorCode::InternalServer)),
                Ok(error(ErrorCode::InternalServer)),
            ],
        );
        assert_eq!(sent, 3);
        let e = result.unwrap_err();
        assert!(e.to_string().contains("(reached max retries: 2)"), "{e}");
    }

    #[test]
    fn throttling_waits_longer_and_transport_failures_are_retried() {
        let policy = RetryPolicy::new(RetryConfig::new(RetryMode::Standard, 5));
        let throttle = http::Response::builder()
            .status(400)
            .header("x-amzn-ErrorType", "ThrottlingException")
            .body(b"{}".to_vec())
            .unwrap();
        let (result, waits, _) = run(
            call(&policy),
            vec![
                Ok(throttle),
                Err(TransportError::new(
                    TransportErrorKind::ConnectionClosed,
                    "reset",
                )),
                Ok(ok()),
            ],
        );
        assert!(result.is_ok());
        assert_eq!(waits.len(), 2);
        let (result, _, sent) = run(
            call(&policy),
            vec![Err(TransportError::new(
                TransportErrorKind::Tls,
                "bad certificate",
            ))],
        );
        assert_eq!(sent, 1, "TLS failures are not retried");
        assert!(matches!(
            result,
            Err(CallError::Transport { retries: 0, .. })
        ));
    }

    #[test]
    fn misuse_is_reported_and_done_repeats() {
        let policy = RetryPolicy::default();
        let mut c = call(&policy);
        assert_eq!(
            feed(&mut c, Instant::now(), wall(), Ok(ok())),
            Err(MisuseError::NoRequestOutstanding)
        );
        let _ = c.poll_output().unwrap();
        assert_eq!(
            c.poll_output().unwrap_err(),
            MisuseError::RequestOutstanding
        );
        feed(&mut c, Instant::now(), wall(), Ok(ok())).unwrap();
        assert!(matches!(c.poll_output(), Ok(Output::Done(Ok(_)))));
        assert!(matches!(c.poll_output(), Ok(Output::Done(Ok(_)))));
        assert_eq!(c.handle_timeout(Instant::now()), Err(MisuseError::Finished));
    }
}
