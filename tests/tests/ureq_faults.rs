//! Transport faults through the ureq client: connection refused, a server that hangs past the
//! timeout, a connection dropped in the middle of the response, a connection closed without an
//! answer, a delay within the timeout, and bodies too large to read (a raw server, since the
//! emulator never sends one).
//!
//! Timeouts and refused or dropped connections are transient: the client's retry policy retries
//! them. The tests of what a single failed attempt returns use a client that makes one attempt
//! per call; the others check the retries themselves.

use std::io::Write;
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ssooidc_core::operations::{CreateToken, RegisterClient};
use ssooidc_core::wire::DecodeError;
use ssooidc_core::MAX_RESPONSE_BODY_BYTES;
use ssooidc_tests::*;
use ssooidc_ureq::{CallError, Client, Config, TransportErrorKind};

fn client_with_timeout(base: &str, timeout: Duration) -> Client {
    Client::new(Config::new("us-east-1").endpoint_url(base).timeout(timeout)).unwrap()
}

/// [`client_with_timeout`] making one attempt per call.
fn single_attempt_client(base: &str, timeout: Duration) -> Client {
    Client::new(
        Config::new("us-east-1")
            .endpoint_url(base)
            .timeout(timeout)
            .retry(single_attempt()),
    )
    .unwrap()
}

/// A ceiling that separates a timeout, or a refusal, from the slow alternative made long (a
/// hang held until the emulator stops, a 60 s timeout): far above anything a loaded machine
/// adds, far below the alternative.
const CEILING: Duration = Duration::from_secs(30);

fn register(client: &Client) -> Result<(), CallError> {
    client
        .register_client(&RegisterClient::new("faults"))
        .map(|_| ())
}

#[test]
fn connection_refused_is_a_connect_error() {
    let port = refused_port();
    // A long timeout: were a refused connection waited for like a silent one, the three
    // attempts would take minutes.
    let client = client_with_timeout(&format!("http://127.0.0.1:{port}"), REQUEST_TIMEOUT);
    let started = Instant::now();
    match register(&client) {
        // Refused connections are transient: retried twice (3 attempts), then reported.
        Err(CallError::Transport {
            operation: "RegisterClient",
            error,
            retries: 2,
        }) => assert_eq!(error.kind(), TransportErrorKind::Connect, "{error}"),
        other => panic!("expected a connect error, got {other:?}"),
    }
    assert!(
        started.elapsed() < CEILING,
        "refused at once, not waited for like a timeout"
    );
}

#[test]
fn a_hanging_server_times_out_within_the_timeout() {
    let emu = start(emulator_config());
    emu.inject("RegisterClient#1=hang".parse().unwrap());
    let timeout = Duration::from_millis(300);
    let client = single_attempt_client(emu.base_url(), timeout);
    let started = Instant::now();
    let err = register(&client).unwrap_err();
    let elapsed = started.elapsed();
    match &err {
        CallError::Transport {
            operation: "RegisterClient",
            error,
            retries: 0,
        } => assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(err.is_timeout());
    assert!(elapsed >= timeout, "gave up early: {elapsed:?}");
    // Cut by the 300 ms timeout: the hung request is held until the emulator stops, and the
    // default timeout is 60 s.
    assert!(
        elapsed < CEILING,
        "took {elapsed:?} for a {timeout:?} timeout"
    );
    // The emulator is still fine for the next request (asked with the usual long timeout: with
    // the 300 ms one it would have to be answered within 300 ms).
    register(&client_with_timeout(emu.base_url(), REQUEST_TIMEOUT))
        .expect("the next request is answered");
}

/// A timeout is a transient failure: the default policy (standard, 3 attempts) retries it. Every
/// attempt hangs, so nothing has to be answered within the short timeout; that a retried call
/// then succeeds is checked with the same policy for a 5xx
/// (`ureq_errors::the_default_policy_retries_a_5xx_but_not_a_4xx`) and for cut connections
/// (`a_dropped_or_closed_connection_is_retried_by_the_default_policy` below).
#[test]
fn a_timeout_is_retried_by_the_default_policy() {
    let emu = start(emulator_config());
    emu.inject("RegisterClient=hang".parse().unwrap());
    let timeout = Duration::from_millis(300);
    let client = client_with_timeout(emu.base_url(), timeout);
    let started = Instant::now();
    match register(&client) {
        Err(CallError::Transport {
            operation: "RegisterClient",
            error,
            retries: 2,
        }) => assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error}"),
        other => panic!("expected the retries to run out on timeouts, got {other:?}"),
    }
    let elapsed = started.elapsed();
    assert_eq!(
        requests_to(&emu, ssooidc_emulator::Target::RegisterClient).len(),
        3
    );
    assert!(
        elapsed >= timeout * 3,
        "every attempt timed out: {elapsed:?}"
    );
    assert!(
        elapsed < CEILING,
        "{elapsed:?}: the timeouts did not cut the hangs"
    );
}

#[test]
fn a_delay_within_the_timeout_is_waited_for() {
    let emu = start(emulator_config());
    emu.inject("RegisterClient#1=delay:150ms".parse().unwrap());
    let client = client_with_timeout(emu.base_url(), REQUEST_TIMEOUT);
    let started = Instant::now();
    register(&client).expect("answered after the delay");
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[test]
fn a_dropped_connection_mid_response_is_a_transport_error() {
    let emu = start(emulator_config());
    let client = client_without_retries(&emu);
    emu.inject("RegisterClient#1=drop".parse().unwrap());
    match register(&client) {
        Err(CallError::Transport {
            operation: "RegisterClient",
            error,
            retries: 0,
        }) => assert_eq!(
            error.kind(),
            TransportErrorKind::ConnectionClosed,
            "{error}"
        ),
        other => panic!("expected a closed connection, got {other:?}"),
    }
    // On CreateToken (an error response cut in half) too: never a decode error.
    emu.inject("CreateToken#1=drop".parse().unwrap());
    match client.create_token(&CreateToken::device_code("cid", "sec", "dc")) {
        Err(CallError::Transport {
            operation: "CreateToken",
            error,
            retries: 0,
        }) => assert_eq!(
            error.kind(),
            TransportErrorKind::ConnectionClosed,
            "{error}"
        ),
        other => panic!("expected a closed connection, got {other:?}"),
    }
    register(&client).expect("a new connection works");
}

#[test]
fn a_connection_closed_without_an_answer_is_a_transport_error() {
    let emu = start(emulator_config());
    let client = client_without_retries(&emu);
    emu.inject("RegisterClient#1=close".parse().unwrap());
    match register(&client) {
        Err(CallError::Transport {
            operation: "RegisterClient",
            error,
            retries: 0,
        }) => assert_eq!(
            error.kind(),
            TransportErrorKind::ConnectionClosed,
            "{error}"
        ),
        other => panic!("expected a closed connection, got {other:?}"),
    }
    register(&client).expect("a new connection works");
}

#[test]
fn a_dropped_or_closed_connection_is_retried_by_the_default_policy() {
    let emu = start(emulator_config());
    let client = client_for(&emu);
    emu.inject("RegisterClient#1=drop".parse().unwrap());
    emu.inject("RegisterClient#2=close".parse().unwrap());
    register(&client).expect("the third attempt is answered");
    assert_eq!(
        requests_to(&emu, ssooidc_emulator::Target::RegisterClient).len(),
        3
    );
}

/// A one-shot raw server: reads a request, writes `head`, then the body from `body` in chunks
/// until done or the client goes away. Reports how many body bytes it managed to write and
/// whether it wrote them all.
fn body_server(
    head: String,
    total: usize,
    chunked: bool,
) -> (String, mpsc::Receiver<(usize, bool)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        read_request(&mut stream).expect("a request");
        stream.write_all(head.as_bytes()).unwrap();
        let chunk = vec![b' '; 64 * 1024];
        let mut written = 0;
        let mut complete = true;
        while written < total {
            let n = chunk.len().min(total - written);
            let ok = if chunked {
                stream
                    .write_all(format!("{n:x}\r\n").as_bytes())
                    .and_then(|_| stream.write_all(&chunk[..n]))
                    .and_then(|_| stream.write_all(b"\r\n"))
            } else {
                stream.write_all(&chunk[..n])
            };
            if ok.is_err() {
                complete = false;
                break;
            }
            written += n;
        }
        if complete && chunked {
            let _ = stream.write_all(b"0\r\n\r\n");
        }
        let _ = tx.send((written, complete));
    });
    (base, rx)
}

fn assert_too_large(result: Result<(), CallError>) {
    match result {
        Err(CallError::Malformed {
            operation: "RegisterClient",
            status: 200,
            kind: DecodeError::TooLarge { len, limit },
            ..
        }) => {
            assert_eq!(limit, MAX_RESPONSE_BODY_BYTES);
            assert!(len > limit && len <= limit + 1, "read {len} bytes");
        }
        other => panic!("expected Malformed TooLarge, got {other:?}"),
    }
}

#[test]
fn a_300_kib_body_is_too_large() {
    let total = 300 * 1024;
    let (base, _report) = body_server(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {total}\r\n\r\n"
        ),
        total,
        false,
    );
    let client = client_with_timeout(&base, REQUEST_TIMEOUT);
    assert_too_large(register(&client));
}

#[test]
fn a_10_mb_chunked_body_is_too_large_and_not_read_to_the_end() {
    let total = 10 * 1024 * 1024;
    let (base, report) = body_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_owned(),
        total,
        true,
    );
    let client = client_with_timeout(&base, REQUEST_TIMEOUT);
    assert_too_large(register(&client));
    drop(client);
    // The client stopped reading and hung up: the server could not write the whole body (what
    // it did write sits in socket buffers, far below 10 MB). This, not the time taken (10 MB
    // cross the loopback in milliseconds), is what tells that reading stopped early.
    let (written, complete) = report
        .recv_timeout(REQUEST_TIMEOUT)
        .expect("the server noticed the client was gone");
    assert!(!complete, "the client read the whole 10 MB body");
    assert!(
        written < total,
        "the server wrote {written} of {total} bytes"
    );
}

/// A one-shot raw server: reads one request, then runs `reply` on the connection.
fn one_shot(reply: impl FnOnce(&mut std::net::TcpStream) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        if read_request(&mut stream).is_some() {
            reply(&mut stream);
        }
    });
    base
}

#[test]
fn a_success_that_is_not_json_is_malformed_with_the_request_id() {
    for (body, json) in [("", false), ("<html>oops</html>", true)] {
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-amzn-RequestId: req-123\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let base = one_shot(move |s| {
            let _ = s.write_all(reply.as_bytes());
        });
        let client = client_with_timeout(&base, REQUEST_TIMEOUT);
        match register(&client) {
            Err(CallError::Malformed {
                status: 200,
                request_id,
                kind,
                ..
            }) => {
                assert_eq!(request_id.as_deref(), Some("req-123"));
                match (json, kind) {
                    (false, DecodeError::Empty) | (true, DecodeError::Json { .. }) => {}
                    (_, other) => panic!("{body:?}: {other:?}"),
                }
            }
            other => panic!("{body:?}: expected Malformed, got {other:?}"),
        }
    }
}

#[test]
fn redirects_are_not_followed() {
    let elsewhere = TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let target = format!("http://{}/client/register", elsewhere.local_addr().unwrap());
    let base = one_shot(move |s| {
        let _ = write!(
            s,
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n"
        );
    });
    let client = client_with_timeout(&base, REQUEST_TIMEOUT);
    match register(&client) {
        Err(CallError::Service {
            error: source,
            max_retries_reached: None,
            ..
        }) => {
            assert_eq!(source.status(), 307);
            assert_eq!(source.name(), "307");
        }
        other => panic!("expected the 307 as an error, got {other:?}"),
    }
    assert!(
        elsewhere.accept().is_err(),
        "the client followed the redirect (with the client secret in the body)"
    );
}

/// The timeout bounds the whole request, not each read: a body that trickles in a byte every
/// 100 ms (for up to 10 minutes, until the client hangs up) is cut at the 300 ms timeout. A
/// per-read timeout would never fire and the call would last as long as the trickle.
#[test]
fn a_body_trickling_past_the_timeout_times_out() {
    let base = one_shot(|s| {
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{",
        );
        for _ in 0..6000 {
            std::thread::sleep(Duration::from_millis(100));
            if s.write_all(b" ").is_err() {
                return;
            }
        }
    });
    let timeout = Duration::from_millis(300);
    let client = single_attempt_client(&base, timeout);
    let started = Instant::now();
    let err = register(&client).unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(elapsed >= timeout, "{elapsed:?}");
    assert!(
        elapsed < CEILING,
        "{elapsed:?}: the timeout did not cut the 10-minute trickle"
    );
}
