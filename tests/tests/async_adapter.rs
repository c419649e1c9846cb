//! The async adapter (`ssooidc-async` with its reqwest and tokio integrations) over real
//! loopback HTTP: against the emulator for every operation, modelled error and fault, and against
//! a tiny raw TCP server for oversized bodies.
//!
//! Every `Client` call goes through the retry policy, which retries a 5xx, a timeout or a
//! dropped connection; the tests of what a single failed attempt returns use a client with
//! [`RetryPolicy::none`], since an injected fault hits one request.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use ssooidc_async::{
    device_login, CallError, CancelToken, Client, LoginError, LoginOptions, RetryPolicy,
    StaticKeys, TokioTimer, TransportErrorKind,
};
use ssooidc_core::device::{DeviceFlowConfig, DeviceFlowError, DeviceFlowInput, Event};
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::operations::{CreateToken, RegisterClient, StartDeviceAuthorization};
use ssooidc_core::wire::DecodeError;
use ssooidc_core::{ErrorCode, RetryKind, ServiceError, MAX_RESPONSE_BODY_BYTES};
use ssooidc_emulator::{
    Approval, Config, Emulator, FaultAction, FaultRule, RunningEmulator, Target, When,
};

const START_URL: &str = "https://d-1234567890.awsapps.com/start";
/// One protocol second, on both sides.
const SECOND: Duration = Duration::from_millis(10);
/// The reqwest timeout of the timeout tests: only ever applied to requests that hang, never to
/// one that must be answered within it.
const SHORT_TIMEOUT: Duration = Duration::from_millis(300);
/// The lifetime of the emulator's device codes, in protocol seconds: 10 real minutes, so that no
/// login that should succeed has to finish within the service's 600 (6 real seconds here).
const CODE_LIFETIME: u32 = 60_000;
/// 6000 protocol seconds: 60 real seconds, the slow alternative of the ceilings.
const MINUTE_INTERVAL: u32 = 6000;
/// A ceiling that separates a behaviour from its slow alternative made long (a 60 s wait, a hang
/// held until the emulator stops): far above anything a loaded machine adds, far below the
/// alternative.
const CEILING: Duration = Duration::from_secs(30);

type AsyncClient = Client<reqwest::Client, TokioTimer>;

/// The emulator's defaults, with device codes that live [`CODE_LIFETIME`].
fn config() -> Config {
    Config::default().expires_in(CODE_LIFETIME)
}

fn emulator(config: Config) -> RunningEmulator {
    Emulator::start(config.second(SECOND)).expect("emulator starts")
}

fn endpoint_of(url: &str) -> Endpoint {
    Endpoint::parse(url).unwrap()
}

fn client_with_timeout(url: &str, timeout: Duration) -> AsyncClient {
    let http = ssooidc_async::reqwest_client_builder()
        .timeout(timeout)
        .build()
        .unwrap();
    Client::new(http, TokioTimer, endpoint_of(url))
}

/// A client with a generous timeout, 60 s: the machine may be busy compiling. It is a ceiling
/// on every request these tests expect to be answered; only a broken test waits it out.
fn client(url: &str) -> AsyncClient {
    client_with_timeout(url, Duration::from_secs(60))
}

/// [`client`] making one attempt per call.
fn single_attempt_client(url: &str) -> AsyncClient {
    client(url).retry(RetryPolicy::none())
}

fn rule(s: &str) -> FaultRule {
    s.parse().unwrap()
}

fn flow_config() -> DeviceFlowConfig {
    DeviceFlowConfig::default().second(SECOND)
}

fn login_options() -> LoginOptions {
    LoginOptions::default().flow(flow_config()).seed(42)
}

fn input(url: &str) -> DeviceFlowInput {
    DeviceFlowInput::new(endpoint_of(url), START_URL, "async-test")
}

/// Registers a client and starts a device authorization: (client id, secret, device code, user code).
async fn register_and_start(
    client: &AsyncClient,
    scopes: &[&str],
) -> (String, ssooidc_core::Secret, ssooidc_core::Secret, String) {
    let mut register = RegisterClient::new("async-test");
    if !scopes.is_empty() {
        register = register.scopes(scopes.iter().copied());
    }
    let reg = client.register_client(&register).await.unwrap();
    let auth = client
        .start_device_authorization(&StartDeviceAuthorization::new(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            START_URL,
        ))
        .await
        .unwrap();
    (
        reg.client_id,
        reg.client_secret,
        auth.device_code,
        auth.user_code,
    )
}

fn service_code(e: &CallError) -> Option<ErrorCode> {
    e.service_error().and_then(ServiceError::code)
}

fn create_token_arrivals(emu: &RunningEmulator) -> Vec<SystemTime> {
    emu.requests()
        .iter()
        .filter(|r| r.target == Target::CreateToken)
        .map(|r| r.received_at)
        .collect()
}

fn count(emu: &RunningEmulator, target: Target) -> usize {
    emu.requests().iter().filter(|r| r.target == target).count()
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_operation_over_loopback() {
    let emu = emulator(config());
    let client = client(emu.base_url());

    let (id, secret, device_code, user_code) =
        register_and_start(&client, &["sso:account:access"]).await;
    assert!(!id.is_empty());
    assert_eq!(user_code.len(), 9);

    // CreateToken before approval: the typed pending error.
    let poll = CreateToken::device_code(id.clone(), secret.clone(), device_code.clone());
    let err = client.create_token(&poll).await.unwrap_err();
    assert_eq!(service_code(&err), Some(ErrorCode::AuthorizationPending));
    assert_eq!(err.operation(), "CreateToken");
    assert!(err.service_error().unwrap().request_id().is_some());

    emu.approve(&user_code).unwrap();
    tokio::time::sleep(SECOND * 2).await; // respect the interval
    let token = client.create_token(&poll).await.unwrap();
    assert!(!token.access_token.expose().is_empty());
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    let refresh = token
        .refresh_token
        .expect("a scoped client gets a refresh token");

    // The refresh-token grant.
    let refreshed = client
        .create_token(&CreateToken::refresh_token(id, secret, refresh))
        .await
        .unwrap();
    assert_ne!(
        refreshed.access_token.expose(),
        token.access_token.expose(),
        "a new access token"
    );

    // Every request carried the adapter's product token, and no Authorization header.
    let requests = emu.requests();
    assert_eq!(requests.len(), 5);
    for r in &requests {
        assert!(
            r.header("user-agent")
                .is_some_and(|ua| ua.contains("ssooidc/") && ua.contains("ssooidc-async/")),
            "{r:?}"
        );
        assert!(r.header("authorization").is_none());
    }
}

#[tokio::test]
async fn every_modelled_error_surfaces_typed_from_every_operation() {
    let emu = emulator(config());
    let client = single_attempt_client(emu.base_url());
    let (id, secret, device_code, _) = register_and_start(&client, &[]).await;
    let register = RegisterClient::new("async-test");
    let start = StartDeviceAuthorization::new(id.clone(), secret.clone(), START_URL);
    let poll = CreateToken::device_code(id, secret, device_code);

    for target in [
        Target::RegisterClient,
        Target::StartDeviceAuthorization,
        Target::CreateToken,
    ] {
        for code in ErrorCode::ALL {
            emu.clear_faults();
            emu.inject(FaultRule::new(
                target,
                When::Nth(1),
                FaultAction::Error(code),
            ));
            let err = match target {
                Target::RegisterClient => client.register_client(&register).await.err(),
                Target::StartDeviceAuthorization => {
                    client.start_device_authorization(&start).await.err()
                }
                _ => client.create_token(&poll).await.err(),
            }
            .unwrap_or_else(|| panic!("{target}: {code} injected"));
            let CallError::Service {
                operation,
                error: source,
                max_retries_reached,
            } = &err
            else {
                panic!("{target}: {code}: not a service error: {err:?}");
            };
            assert_eq!(*operation, target.name());
            assert_eq!(*max_retries_reached, None, "{target}: {err}");
            assert_eq!(source.code(), Some(code), "{target}: {err}");
            assert_eq!(source.status(), code.http_status());
            assert!(source.request_id().is_some());
            assert!(
                err.to_string().contains(&format!(
                    "({}) when calling the {target}",
                    code.shape_name()
                )),
                "{err}"
            );
        }
    }
}

#[tokio::test]
async fn a_bare_5xx_is_an_unknown_transient_service_error_then_the_call_succeeds() {
    let emu = emulator(config());
    let client = single_attempt_client(emu.base_url());
    emu.inject(rule("RegisterClient#1=503"));
    let register = RegisterClient::new("async-test");
    let err = client.register_client(&register).await.unwrap_err();
    let source = err.service_error().expect("a service error");
    assert!(matches!(source, ServiceError::Unknown { code, .. } if code == "503"));
    assert_eq!(source.retry_kind(), RetryKind::Transient);
    client.register_client(&register).await.unwrap();
    assert_eq!(count(&emu, Target::RegisterClient), 2);

    // With the default retry policy the same 503 is retried within the call, which succeeds.
    let client = self::client(emu.base_url());
    emu.inject(rule("RegisterClient#1=503"));
    client.register_client(&register).await.unwrap();
    assert_eq!(count(&emu, Target::RegisterClient), 4);
}

#[tokio::test]
async fn the_retry_policy_gives_up_after_its_attempts() {
    let emu = emulator(config());
    let client = client(emu.base_url());
    emu.inject(rule("RegisterClient#1+=InternalServerException"));
    let err = client
        .register_client(&RegisterClient::new("async-test"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            CallError::Service {
                operation: "RegisterClient",
                error: ServiceError::InternalServer { .. },
                max_retries_reached: Some(2),
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("when calling the RegisterClient operation (reached max retries: 2)"),
        "{err}"
    );
    assert_eq!(count(&emu, Target::RegisterClient), 3);
}

// ---------------------------------------------------------------------------------------------
// device_login
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn device_login_follows_the_pending_and_slow_down_schedule() {
    let emu = emulator(config().approval(Approval::ApproveAfterPolls(3)));
    // The third poll is told to slow down: 1 s interval, then 6 s.
    emu.inject(rule("CreateToken#3=SlowDownException"));
    let client = client(emu.base_url());
    let mut events = Vec::new();
    let token = device_login(&client, input(emu.base_url()), login_options(), |e| {
        events.push(e.clone())
    })
    .await
    .unwrap();
    assert!(!token.access_token.expose().is_empty());
    assert!(matches!(events[0], Event::Registered(_)), "{events:?}");
    assert!(matches!(events[1], Event::Prompt(_)), "{events:?}");
    assert_eq!(events.len(), 2);
    assert_eq!(token.registration, {
        let Event::Registered(r) = &events[0] else {
            unreachable!()
        };
        r.clone()
    });

    // pending, pending, slow_down (injected), pending, token: five polls, none too early (the
    // emulator would have answered an early poll with its own slow_down, adding polls).
    let arrivals = create_token_arrivals(&emu);
    assert_eq!(arrivals.len(), 5, "{arrivals:?}");
    let gaps: Vec<Duration> = arrivals
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).unwrap())
        .collect();
    let mins = [SECOND, SECOND, SECOND * 6, SECOND * 6];
    for (gap, min) in gaps.iter().zip(mins) {
        assert!(*gap >= min, "gaps {gaps:?} below {mins:?}");
    }
    assert_eq!(count(&emu, Target::RegisterClient), 1);
    assert_eq!(count(&emu, Target::StartDeviceAuthorization), 1);
}

#[tokio::test]
async fn device_login_reuses_a_cached_registration() {
    let emu = emulator(config().approval(Approval::ApproveAfterPolls(0)));
    let client = client(emu.base_url());
    let first = device_login(&client, input(emu.base_url()), login_options(), |_| {})
        .await
        .unwrap();
    let mut events = Vec::new();
    let second = device_login(
        &client,
        input(emu.base_url()).registration(first.registration.clone()),
        login_options(),
        |e| events.push(e.clone()),
    )
    .await
    .unwrap();
    assert_eq!(second.registration, first.registration);
    assert_eq!(count(&emu, Target::RegisterClient), 1);
    // Pre-approved: the immediate poll succeeds, so neither a registration nor a prompt.
    assert!(events.is_empty(), "{events:?}");
}

#[tokio::test]
async fn device_login_expires() {
    // The device code lives 5 protocol seconds (50 ms); nobody approves. The next poll is due
    // 60 s after the first: a login that did not end when its code expired would wait for it.
    let emu = emulator(config().interval(MINUTE_INTERVAL).expires_in(5));
    let client = client(emu.base_url());
    let started = Instant::now();
    let err = device_login(&client, input(emu.base_url()), login_options(), |_| {})
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    // The machine's own deadline, or the service's ExpiredTokenException when a loaded machine
    // sent the first poll after 50 ms: either is an expiry.
    let LoginError::Flow(flow) = &err else {
        panic!("{err:?}")
    };
    assert!(flow.is_expired(), "{flow:?}");
    assert!(
        elapsed >= SECOND * 5,
        "{elapsed:?}: before the code expired"
    );
    assert!(
        elapsed < CEILING,
        "{elapsed:?}: it waited for the poll due 60 s on"
    );
    assert_eq!(
        count(&emu, Target::CreateToken),
        1,
        "the immediate poll only"
    );
    // That the machine wakes exactly at the deadline is checked in virtual time: core
    // `device_states::poll::no_request_at_or_after_the_deadline`.
}

#[tokio::test]
async fn device_login_denied() {
    let emu = emulator(config().approval(Approval::DenyAfterPolls(1)));
    let client = client(emu.base_url());
    let mut prompted = false;
    let err = device_login(&client, input(emu.base_url()), login_options(), |e| {
        prompted |= matches!(e, Event::Prompt(_))
    })
    .await
    .unwrap_err();
    assert!(
        matches!(&err, LoginError::Flow(DeviceFlowError::Denied { error: e, .. }) if e.code() == Some(ErrorCode::AccessDenied)),
        "{err:?}"
    );
    assert!(prompted);
}

#[tokio::test]
async fn device_login_retries_5xx_then_succeeds() {
    let emu = emulator(config().approval(Approval::ApproveAfterPolls(1)));
    emu.inject(rule("RegisterClient#1=InternalServerException"));
    emu.inject(rule("StartDeviceAuthorization#1=503"));
    emu.inject(rule("CreateToken#2=502"));
    let client = client(emu.base_url());
    let token = device_login(&client, input(emu.base_url()), login_options(), |_| {})
        .await
        .unwrap();
    assert!(!token.access_token.expose().is_empty());
    assert_eq!(count(&emu, Target::RegisterClient), 2);
    assert_eq!(count(&emu, Target::StartDeviceAuthorization), 2);
    // pending, 502, token.
    assert_eq!(count(&emu, Target::CreateToken), 3);
}

#[tokio::test]
async fn device_login_gives_up_after_repeated_5xx() {
    let emu = emulator(config());
    emu.inject(rule("RegisterClient=InternalServerException"));
    let client = client(emu.base_url());
    let err = device_login(
        &client,
        input(emu.base_url()),
        LoginOptions::default()
            .flow(flow_config().max_retries(2))
            .seed(1),
        |_| {},
    )
    .await
    .unwrap_err();
    let LoginError::Flow(DeviceFlowError::Call(
        last @ CallError::Service {
            operation,
            max_retries_reached,
            ..
        },
    )) = &err
    else {
        panic!("{err:?}")
    };
    // 3 attempts: the first and 2 retries.
    assert_eq!(
        (*operation, *max_retries_reached),
        ("RegisterClient", Some(2))
    );
    assert_eq!(
        last.service_error().and_then(ServiceError::code),
        Some(ErrorCode::InternalServer)
    );
    assert_eq!(count(&emu, Target::RegisterClient), 3);
}

#[tokio::test]
async fn device_login_cancelled_by_token_from_another_task() {
    // Nobody approves, and polls are due 60 s apart: a driver that did not wake on cancel would
    // sleep that long.
    let emu = emulator(config().interval(MINUTE_INTERVAL));
    let client = Arc::new(client(emu.base_url()));
    let cancel = CancelToken::new();
    let (prompted_tx, prompted_rx) = std::sync::mpsc::channel();
    let task = tokio::spawn({
        // Spawning proves the login future is Send + 'static with reqwest and tokio.
        let client = Arc::clone(&client);
        let input = input(emu.base_url());
        let options = login_options().cancel(cancel.clone());
        async move {
            device_login(&*client, input, options, move |e| {
                if matches!(e, Event::Prompt(_)) {
                    let _ = prompted_tx.send(());
                }
            })
            .await
        }
    });
    // Let it poll and start its 60 s wait, then cancel.
    loop {
        match prompted_rx.try_recv() {
            Ok(()) => break,
            Err(std::sync::mpsc::TryRecvError::Empty) => {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err(e) => panic!("the login ended before its prompt: {e}"),
        }
    }
    let cancelled_at = Instant::now();
    cancel.cancel();
    let err = task.await.unwrap().unwrap_err();
    assert!(matches!(err, LoginError::Cancelled), "{err:?}");
    assert!(
        cancelled_at.elapsed() < CEILING,
        "{:?}: the cancel waited for the poll due 60 s on",
        cancelled_at.elapsed()
    );
    assert_eq!(
        count(&emu, Target::CreateToken),
        1,
        "no poll after the cancel"
    );
}

#[tokio::test]
async fn dropping_the_login_future_cancels_it() {
    let emu = emulator(config()); // nobody approves; polls every 10 ms
    let client = client(emu.base_url());
    let prompted = AtomicBool::new(false);
    let login = device_login(&client, input(emu.base_url()), login_options(), |e| {
        if matches!(e, Event::Prompt(_)) {
            prompted.store(true, Ordering::SeqCst);
        }
    });
    // Run the login until its first poll was answered (the prompt), and 5 intervals more; then
    // the select drops it, wherever it is.
    let polled = async {
        while !prompted.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(SECOND * 5).await;
    };
    tokio::select! {
        result = login => panic!("the login ended: {result:?}"),
        () = polled => {}
    }
    let at_drop = count(&emu, Target::CreateToken);
    assert!(at_drop >= 1, "the first poll was answered");
    // Ten intervals later: a login still running would have polled again. Only the one poll the
    // dropped future may have had on the wire can still arrive (it sends one at a time), at
    // whatever moment a loaded machine delivers it.
    tokio::time::sleep(SECOND * 10).await;
    let after = count(&emu, Target::CreateToken);
    assert!(
        after <= at_drop + 1,
        "no poll after the drop: {at_drop} when dropped, {after} later"
    );
}

// ---------------------------------------------------------------------------------------------
// Transport failures
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // closed: nothing listens there now
    let url = format!("http://127.0.0.1:{port}");
    let client = client(&url);
    let err = client
        .register_client(&RegisterClient::new("x"))
        .await
        .unwrap_err();
    // Refused connections are transient: the retry policy tries 3 times, then reports it.
    assert!(
        matches!(
            &err,
            CallError::Transport {
                operation: "RegisterClient",
                error,
                retries: 2,
            } if error.kind() == TransportErrorKind::Connect
        ),
        "{err:?}"
    );

    // The device flow retries it, then reports it.
    let err = device_login(
        &client,
        input(&url),
        LoginOptions::default()
            .flow(flow_config().max_retries(1))
            .seed(3),
        |_| {},
    )
    .await
    .unwrap_err();
    // 2 attempts: the first and 1 retry.
    assert!(
        matches!(
            &err,
            LoginError::Flow(DeviceFlowError::Call(CallError::Transport {
                operation: "RegisterClient",
                error,
                retries: 1,
            })) if error.kind() == TransportErrorKind::Connect
        ),
        "{err:?}"
    );
}

/// A hang is cut at the client's timeout, and a timeout is retried by the device flow and by
/// the retry policy. Every attempt hangs, so nothing has to be answered within the short
/// timeout; that a retried login or call then succeeds is checked for a 5xx
/// (`device_login_retries_5xx_then_succeeds`,
/// `a_bare_5xx_is_an_unknown_transient_service_error_then_the_call_succeeds`) and for cut
/// connections (`a_connection_dropped_mid_response_is_a_transport_error`).
#[tokio::test]
async fn a_hanging_server_times_out_within_the_timeout() {
    let emu = emulator(config());
    emu.inject(rule("RegisterClient=hang"));
    let client = client_with_timeout(emu.base_url(), SHORT_TIMEOUT).retry(RetryPolicy::none());
    let started = Instant::now();
    let err = client
        .register_client(&RegisterClient::new("x"))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        matches!(
            &err,
            CallError::Transport {
                operation: "RegisterClient",
                error,
                retries: 0,
            } if error.kind() == TransportErrorKind::Timeout
        ),
        "{err:?}"
    );
    assert!(elapsed >= SHORT_TIMEOUT, "{elapsed:?}");
    // Cut by the 300 ms timeout: the hung request is held until the emulator stops.
    assert!(elapsed < CEILING, "{elapsed:?}");

    // In the device flow a timeout is retried, until the flow's retries run out.
    let started = Instant::now();
    let err = device_login(
        &client,
        input(emu.base_url()),
        LoginOptions::default()
            .flow(flow_config().max_retries(1))
            .seed(3),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            &err,
            LoginError::Flow(DeviceFlowError::Call(CallError::Transport {
                operation: "RegisterClient",
                error,
                retries: 1,
            })) if error.kind() == TransportErrorKind::Timeout
        ),
        "{err:?}"
    );
    assert_eq!(count(&emu, Target::RegisterClient), 3);
    let elapsed = started.elapsed();
    assert!(elapsed >= SHORT_TIMEOUT * 2, "{elapsed:?}");
    assert!(elapsed < CEILING, "{elapsed:?}");

    // The client's retry policy retries a timeout too: 3 attempts, each cut at the timeout.
    let client = client_with_timeout(emu.base_url(), SHORT_TIMEOUT);
    let started = Instant::now();
    let err = client
        .register_client(&RegisterClient::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            CallError::Transport {
                operation: "RegisterClient",
                error,
                retries: 2,
            } if error.kind() == TransportErrorKind::Timeout
        ),
        "{err:?}"
    );
    assert_eq!(count(&emu, Target::RegisterClient), 6);
    let elapsed = started.elapsed();
    assert!(elapsed >= SHORT_TIMEOUT * 3, "{elapsed:?}");
    assert!(elapsed < CEILING, "{elapsed:?}");
}

#[tokio::test]
async fn a_connection_dropped_mid_response_is_a_transport_error() {
    let emu = emulator(config());
    emu.inject(rule("RegisterClient#1=drop"));
    let client = single_attempt_client(emu.base_url());
    let err = client
        .register_client(&RegisterClient::new("x"))
        .await
        .unwrap_err();
    // A body cut off is a closed connection (a transient failure).
    assert!(
        matches!(
            &err,
            CallError::Transport {
                operation: "RegisterClient",
                error,
                retries: 0,
            } if error.kind() == TransportErrorKind::ConnectionClosed
        ),
        "{err:?}"
    );
    // `close` (no answer at all) is a transport error too.
    emu.inject(rule("RegisterClient#1=close"));
    let err = client
        .register_client(&RegisterClient::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CallError::Transport { retries: 0, .. }),
        "{err:?}"
    );

    // With the default retry policy both are retried and the call succeeds.
    let client = self::client(emu.base_url());
    emu.inject(rule("RegisterClient#1=drop"));
    emu.inject(rule("RegisterClient#2=close"));
    client
        .register_client(&RegisterClient::new("x"))
        .await
        .unwrap();
    assert_eq!(count(&emu, Target::RegisterClient), 5);
}

// ---------------------------------------------------------------------------------------------
// Oversized bodies, from a raw TCP server
// ---------------------------------------------------------------------------------------------

/// What the raw server managed to write, and whether writing failed (the client hung up).
struct Written {
    bytes: usize,
    failed: bool,
}

/// Serves one connection: reads the request, then answers 200 with `body_len` bytes of JSON-ish
/// filler, with `Content-Length` or chunked in 64 KiB chunks.
fn raw_server(body_len: usize, chunked: bool) -> (String, JoinHandle<Written>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        read_request(&mut stream);
        let head = if chunked {
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                .to_owned()
        } else {
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {body_len}\r\n\r\n"
            )
        };
        let mut written = Written {
            bytes: 0,
            failed: false,
        };
        if stream.write_all(head.as_bytes()).is_err() {
            written.failed = true;
            return written;
        }
        let chunk = vec![b' '; 64 * 1024];
        let mut left = body_len;
        while left > 0 {
            let n = left.min(chunk.len());
            let result = if chunked {
                stream
                    .write_all(format!("{n:x}\r\n").as_bytes())
                    .and_then(|()| stream.write_all(&chunk[..n]))
                    .and_then(|()| stream.write_all(b"\r\n"))
            } else {
                stream.write_all(&chunk[..n])
            };
            if result.is_err() {
                written.failed = true;
                return written;
            }
            written.bytes += n;
            left -= n;
        }
        if chunked && stream.write_all(b"0\r\n\r\n").is_err() {
            written.failed = true;
        }
        written
    });
    (url, handle)
}

fn read_request(stream: &mut TcpStream) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "the client closed before sending a request");
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            while data.len() < end + 4 + len {
                let n = stream.read(&mut buf).unwrap();
                assert!(n > 0);
                data.extend_from_slice(&buf[..n]);
            }
            return;
        }
    }
}

fn assert_too_large(err: &CallError) {
    assert!(
        matches!(
            err,
            CallError::Malformed {
                operation: "RegisterClient",
                status: 200,
                kind: DecodeError::TooLarge { len, limit },
                ..
            } if *len == MAX_RESPONSE_BODY_BYTES + 1 && *limit == MAX_RESPONSE_BODY_BYTES
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_300_kib_body_is_malformed_too_large_read_only_to_the_cap() {
    let (url, server) = raw_server(300 * 1024, false);
    let client = client(&url);
    let err = client
        .register_client(&RegisterClient::new("x"))
        .await
        .unwrap_err();
    // `len` is the cap + 1: the client read one byte past the cap, not the 300 KiB.
    assert_too_large(&err);
    server.join().unwrap();
}

#[tokio::test]
async fn a_10_mb_chunked_body_is_malformed_too_large_and_reading_stops_early() {
    const TEN_MB: usize = 10 * 1024 * 1024;
    let (url, server) = raw_server(TEN_MB, true);
    let client = client(&url);
    let err = client
        .register_client(&RegisterClient::new("x"))
        .await
        .unwrap_err();
    assert_too_large(&err);
    // The client hung up after the cap: the server could not write the whole body.
    let written = tokio::task::spawn_blocking(move || server.join().unwrap())
        .await
        .unwrap();
    eprintln!(
        "the server wrote {} body bytes before the client hung up",
        written.bytes
    );
    assert!(
        written.failed,
        "the server wrote all {} bytes",
        written.bytes
    );
    assert!(written.bytes < TEN_MB);
}

#[tokio::test]
async fn create_token_with_iam_is_signed_and_decoded() {
    let emu = emulator(config());
    let iam_requests = || {
        emu.requests()
            .into_iter()
            .filter(|r| r.query.as_deref() == Some("aws_iam=t"))
            .collect::<Vec<_>>()
    };
    let mut input = ssooidc_core::operations::CreateTokenWithIam::new(
        "arn:aws:sso::123456789012:application/ssoins-1/apl-2",
        ssooidc_core::operations::grant_type::JWT_BEARER,
    );
    input.assertion = Some("eyJ0eXAiOiJKV1Qi".into());

    // Without credentials the signed operation is refused rather than sent unsigned, by its
    // own method and by the generic call alike.
    let unsigned = client(emu.base_url());
    for result in [
        unsigned.create_token_with_iam(&input).await,
        unsigned.call(&input).await,
    ] {
        assert!(
            matches!(
                result,
                Err(CallError::Credentials {
                    operation: "CreateTokenWithIAM",
                    ..
                })
            ),
            "{result:?}"
        );
    }
    assert!(iam_requests().is_empty(), "nothing was sent");

    let client = client(emu.base_url())
        .credentials(StaticKeys::new("AKIDEXAMPLE", "SECRETKEY"), "us-east-1");
    let out = client
        .create_token_with_iam(&input)
        .await
        .expect("signed call");
    assert!(!out.access_token.expose().is_empty());
    // The generic call signs it the same way.
    client.call(&input).await.expect("signed generic call");
    let requests = iam_requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        let auth = request.header("authorization").expect("signed");
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
                && auth.contains("/us-east-1/sso-oauth/aws4_request"),
            "{auth}"
        );
    }
}
