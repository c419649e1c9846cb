//! The driver needs no runtime: whole device and browser logins with a hand-written fake
//! transport, a fake timer on a virtual clock and a fake loopback listener, polled by a ten-line
//! executor that never parks. No real time passes, nothing is spawned, no socket is opened.

use std::cell::{Cell, RefCell};
use std::future::{ready, Future};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use ssooidc_async::{
    device_login, CallError, CancelToken, Client, HttpSend, LoginError, LoginOptions, Timer,
    TransportError, TransportErrorKind,
};
use ssooidc_core::device::{DeviceFlowError, DeviceFlowInput, Event};
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::error::encode_error;
use ssooidc_core::{ErrorCode, ServiceError};
use time::OffsetDateTime;

/// Polls `fut` to completion; every fake here is always ready, so a `Pending` would mean the
/// driver waits on something that only a runtime could wake.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the driver waited on something no fake provides"),
    }
}

/// What the fake service answers to `CreateToken`, in order.
#[derive(Clone, Copy)]
enum Answer {
    Error(ErrorCode),
    /// A transport failure of this kind.
    Transport(TransportErrorKind),
    Token,
}

/// A scripted in-memory service.
struct FakeHttp {
    token_answers: RefCell<Vec<Answer>>,
    /// (path, user agent) of every request.
    seen: RefCell<Vec<(String, String)>>,
}

impl FakeHttp {
    fn new(answers: &[Answer]) -> Self {
        FakeHttp {
            token_answers: RefCell::new(answers.iter().rev().copied().collect()),
            seen: RefCell::new(Vec::new()),
        }
    }

    fn answer(
        &self,
        request: &http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let path = request.uri().path().to_owned();
        let ua = request.headers()[http::header::USER_AGENT]
            .to_str()
            .unwrap()
            .to_owned();
        self.seen.borrow_mut().push((path.clone(), ua));
        let ok = |body: &str| {
            Ok(http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(body.as_bytes().to_vec())
                .unwrap())
        };
        match path.as_str() {
            "/client/register" => ok(r#"{"clientId":"cid","clientSecret":"csec",
                "clientIdIssuedAt":1700000000,"clientSecretExpiresAt":1900000000}"#),
            "/device_authorization" => ok(r#"{"deviceCode":"dc","userCode":"ABCD-EFGH",
                "verificationUri":"https://device.sso.us-east-1.amazonaws.com/",
                "verificationUriComplete":"https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
                "expiresIn":600,"interval":1}"#),
            "/token" => match self.token_answers.borrow_mut().pop().expect("scripted") {
                Answer::Error(code) => Ok(encode_error(&ServiceError::from_code(code, "x"), true)),
                Answer::Transport(kind) => Err(TransportError::new(kind, "connection reset")),
                Answer::Token => {
                    ok(r#"{"accessToken":"at","tokenType":"Bearer","expiresIn":3600}"#)
                }
            },
            other => panic!("unexpected path {other}"),
        }
    }
}

impl HttpSend for FakeHttp {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> {
        ready(self.answer(&request))
    }
}

/// A virtual clock that sleeping advances; records every wake-up asked for.
struct FakeTimer {
    start: Instant,
    now: Cell<Instant>,
    wakes: RefCell<Vec<Instant>>,
}

impl FakeTimer {
    fn new() -> Self {
        let start = Instant::now();
        FakeTimer {
            start,
            now: Cell::new(start),
            wakes: RefCell::new(Vec::new()),
        }
    }

    /// The requested wake-ups, in seconds after the start.
    fn wakes(&self) -> Vec<f64> {
        self.wakes
            .borrow()
            .iter()
            .map(|at| (*at - self.start).as_secs_f64())
            .collect()
    }
}

impl Timer for &FakeTimer {
    fn sleep_until(&self, at: Instant) -> impl Future<Output = ()> {
        self.wakes.borrow_mut().push(at);
        self.now.set(self.now.get().max(at));
        ready(())
    }

    fn now(&self) -> Instant {
        self.now.get()
    }

    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }
}

fn endpoint() -> Endpoint {
    Endpoint::parse("https://oidc.us-east-1.amazonaws.com").unwrap()
}

fn input() -> DeviceFlowInput {
    DeviceFlowInput::new(endpoint(), "https://d-1234567890.awsapps.com/start", "test")
}

#[test]
fn whole_login_with_no_runtime_follows_the_core_schedule() {
    use Answer::*;
    let http = FakeHttp::new(&[
        Error(ErrorCode::AuthorizationPending), // the immediate first poll
        Error(ErrorCode::AuthorizationPending), // +1 s
        Error(ErrorCode::SlowDown),             // +1 s, then interval 6
        Error(ErrorCode::AuthorizationPending), // +6 s
        Token,                                  // +6 s
    ]);
    let timer = FakeTimer::new();
    let client = Client::new(&http, &timer, endpoint());
    let mut events = Vec::new();
    let token = block_on(device_login(
        &client,
        input(),
        LoginOptions::default().seed(7),
        |e| events.push(e.clone()),
    ))
    .unwrap();

    assert_eq!(token.access_token.expose(), "at");
    assert_eq!(
        token.expires_at,
        OffsetDateTime::from_unix_timestamp(1_800_003_600).unwrap()
    );
    assert_eq!(timer.wakes(), vec![1.0, 2.0, 8.0, 14.0]);
    assert!(matches!(events[0], Event::Registered(_)));
    assert!(matches!(&events[1], Event::Prompt(p) if p.user_code == "ABCD-EFGH"));
    assert_eq!(events.len(), 2);
    let seen = http.seen.borrow();
    let paths: Vec<&str> = seen.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/client/register",
            "/device_authorization",
            "/token",
            "/token",
            "/token",
            "/token",
            "/token"
        ]
    );
    assert!(seen.iter().all(|(_, ua)| ua.contains("ssooidc-async/")));
}

#[test]
fn transport_errors_back_off_then_exhaust_retries() {
    // A connection reset: a transient failure, retried.
    let http = FakeHttp::new(&[Answer::Transport(TransportErrorKind::ConnectionClosed); 4]);
    let timer = FakeTimer::new();
    let client = Client::new(&http, &timer, endpoint());
    let err = block_on(device_login(
        &client,
        input(),
        LoginOptions::default().seed(1),
        |_| {},
    ))
    .unwrap_err();
    // 4 attempts: the first and 3 retries.
    assert!(
        matches!(
            &err,
            LoginError::Flow(DeviceFlowError::Call(CallError::Transport {
                operation: "CreateToken",
                error,
                retries: 3,
            })) if error.kind() == TransportErrorKind::ConnectionClosed
        ),
        "{err:?}"
    );
    // The interval doubles after each transport error (RFC 8628 §3.5): waits of at least
    // 2, 4 and 8 s.
    let wakes = timer.wakes();
    assert_eq!(wakes.len(), 3, "{wakes:?}");
    let gaps: Vec<f64> = std::iter::once(wakes[0])
        .chain(wakes.windows(2).map(|w| w[1] - w[0]))
        .collect();
    for (gap, min) in gaps.iter().zip([2.0, 4.0, 8.0]) {
        assert!(*gap >= min, "{gaps:?}");
    }
}

#[test]
fn a_transport_failure_that_is_not_transient_ends_the_login_at_once() {
    for kind in [
        TransportErrorKind::Tls,
        TransportErrorKind::Proxy,
        TransportErrorKind::Other,
    ] {
        let http = FakeHttp::new(&[Answer::Transport(kind)]);
        let timer = FakeTimer::new();
        let client = Client::new(&http, &timer, endpoint());
        let err = block_on(device_login(
            &client,
            input(),
            LoginOptions::default().seed(1),
            |_| {},
        ))
        .unwrap_err();
        assert!(
            matches!(
                &err,
                LoginError::Flow(DeviceFlowError::Call(CallError::Transport {
                    operation: "CreateToken",
                    error,
                    retries: 0,
                })) if error.kind() == kind
            ),
            "{kind:?}: {err:?}"
        );
        assert!(timer.wakes().is_empty(), "{kind:?}: no retry was scheduled");
        assert_eq!(http.seen.borrow().len(), 3, "register, start, one poll");
    }
}

#[test]
fn a_cancel_token_ends_the_login() {
    let http = FakeHttp::new(&[Answer::Error(ErrorCode::AuthorizationPending)]);
    let timer = FakeTimer::new();
    let client = Client::new(&http, &timer, endpoint());
    let cancel = CancelToken::new();
    let options = LoginOptions::default().cancel(cancel.clone());
    let err = block_on(device_login(&client, input(), options, |e| {
        if matches!(e, Event::Prompt(_)) {
            cancel.cancel();
        }
    }))
    .unwrap_err();
    assert!(matches!(err, LoginError::Cancelled), "{err:?}");
    assert!(timer.wakes().is_empty(), "no wait after the cancel");
}

#[test]
fn a_closure_is_a_timer() {
    let woke = Cell::new(None);
    let sleeper = |at: Instant| {
        woke.set(Some(at));
        ready(())
    };
    let at = sleeper.now() + Duration::from_secs(1);
    block_on(sleeper.sleep_until(at));
    assert_eq!(woke.get(), Some(at));
}

/// A virtual clock that a sleep advances when it is polled (not when it is made), so that a
/// ready request wins over a wait that was merely set up.
struct LazyTimer {
    start: Instant,
    now: Cell<Instant>,
}

impl Timer for &LazyTimer {
    fn sleep_until(&self, at: Instant) -> impl Future<Output = ()> {
        let now = &self.now;
        std::future::poll_fn(move |_| {
            now.set(now.get().max(at));
            std::task::Poll::Ready(())
        })
    }

    fn now(&self) -> Instant {
        self.now.get()
    }

    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }
}

/// What the fake browser sends to the fake listener, in order.
#[derive(Clone, Copy, Debug)]
enum Visit {
    Favicon,
    /// The code with the state of the authorize URL.
    Approve,
}

/// A loopback listener with no socket: once the authorize URL is known, it yields the scripted
/// requests; the answers are kept.
struct FakeListener {
    url: std::rc::Rc<RefCell<Option<String>>>,
    script: Vec<Visit>,
    answers: std::rc::Rc<RefCell<Vec<String>>>,
}

impl ssooidc_async::CallbackListener for FakeListener {
    fn port(&self) -> u16 {
        49152
    }

    fn next_request(&mut self) -> impl Future<Output = ssooidc_async::CallbackRequest> {
        std::future::poll_fn(move |_| {
            let url = self.url.borrow().clone();
            let (Some(url), false) = (url, self.script.is_empty()) else {
                return std::task::Poll::Pending;
            };
            let target = match self.script.remove(0) {
                Visit::Favicon => "/favicon.ico".to_owned(),
                Visit::Approve => {
                    let state = url
                        .split("&state=")
                        .nth(1)
                        .unwrap()
                        .split('&')
                        .next()
                        .unwrap();
                    format!("/oauth/callback?code=the-code&state={state}")
                }
            };
            let answers = self.answers.clone();
            std::task::Poll::Ready(ssooidc_async::CallbackRequest::new(target, move |bytes| {
                answers.borrow_mut().push(String::from_utf8(bytes).unwrap())
            }))
        })
    }
}

fn browser_login(
    script: Vec<Visit>,
    http: &FakeHttp,
    timer: &LazyTimer,
) -> (
    Result<ssooidc_async::Token, LoginError>,
    Vec<String>,
    Option<String>,
) {
    let url = std::rc::Rc::new(RefCell::new(None));
    let answers = std::rc::Rc::new(RefCell::new(Vec::new()));
    let listener = FakeListener {
        url: url.clone(),
        script,
        answers: answers.clone(),
    };
    let client = Client::new(http, timer, endpoint());
    let input = ssooidc_core::authcode::AuthCodeInput::new(
        endpoint(),
        "https://d-1234567890.awsapps.com/start",
        "test",
    );
    let result = block_on(ssooidc_async::authorization_code_login(
        &client,
        listener,
        input,
        LoginOptions::default().seed(7),
        |event| {
            if let Event::Authorize(request) = event {
                *url.borrow_mut() = Some(request.url.as_str().to_owned());
            }
        },
    ));
    let answers = answers.borrow().clone();
    let url = url.borrow().clone();
    (result, answers, url)
}

#[test]
fn a_whole_browser_login_with_no_runtime() {
    let http = FakeHttp::new(&[Answer::Token]);
    let start = Instant::now();
    let timer = LazyTimer {
        start,
        now: Cell::new(start),
    };
    let (result, answers, url) = browser_login(vec![Visit::Favicon, Visit::Approve], &http, &timer);
    let token = result.unwrap();
    assert_eq!(token.access_token.expose(), "at");
    assert!(token.registration.is_authorization_code());
    assert_eq!(timer.now.get(), timer.start, "no time passed");
    assert!(answers[0].starts_with("HTTP/1.1 404 "), "{}", answers[0]);
    assert!(answers[1].contains("Login approved"), "{}", answers[1]);
    let url = url.unwrap();
    assert!(url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A49152%2Foauth%2Fcallback"));
    let seen = http.seen.borrow();
    let paths: Vec<&str> = seen.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["/client/register", "/token"]);
}

#[test]
fn with_no_browser_the_browser_login_ends_at_its_deadline() {
    let http = FakeHttp::new(&[]);
    let start = Instant::now();
    let timer = LazyTimer {
        start,
        now: Cell::new(start),
    };
    let (result, answers, url) = browser_login(Vec::new(), &http, &timer);
    assert!(
        matches!(
            result,
            Err(LoginError::AuthCode(
                ssooidc_core::authcode::AuthCodeError::DeadlineReached
            ))
        ),
        "{result:?}"
    );
    assert!(url.is_some() && answers.is_empty());
    assert_eq!(timer.now.get() - timer.start, Duration::from_secs(600));
    assert_eq!(http.seen.borrow().len(), 1, "RegisterClient only");
}
