//! Every injectable fault, seen from a plain HTTP client.

mod common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use ssooidc_core::ErrorCode;
use ssooidc_emulator::{Approval, FaultAction, FaultRule, Target, When};

fn rule(s: &str) -> FaultRule {
    s.parse().unwrap()
}

#[test]
fn every_modelled_error_can_be_injected() {
    let (emu, http) = start(fast());
    for code in ErrorCode::ALL {
        emu.clear_faults();
        emu.inject(FaultRule::new(
            Target::RegisterClient,
            When::Nth(1),
            FaultAction::Error(code),
        ));
        let r = http.post(
            "/client/register",
            &json!({"clientName": "x", "clientType": "public"}),
        );
        r.assert_error(code);
        // Only the first request: the next one goes through.
        let ok = http.post(
            "/client/register",
            &json!({"clientName": "x", "clientType": "public"}),
        );
        assert_eq!(ok.status, 200, "{code}");
    }
}

#[test]
fn nth_request_counting_and_ranges() {
    let (emu, http) = start(
        fast()
            .approval(Approval::Manual)
            .fault(rule("CreateToken#3=SlowDownException"))
            .fault(rule("StartDeviceAuthorization#2+=InternalServerException")),
    );
    let (id, secret) = http.register(&[]);
    let (dc, _, _) = http.start_device(&id, &secret);
    for n in 1..=4 {
        let r = http.poll(&id, &secret, &dc);
        if n == 3 {
            r.assert_error(ErrorCode::SlowDown);
        } else {
            r.assert_error(ErrorCode::AuthorizationPending);
        }
        wait_secs(1);
    }
    for _ in 0..2 {
        http.post(
            "/device_authorization",
            &json!({"clientId": id, "clientSecret": secret, "startUrl": START_URL}),
        )
        .assert_error(ErrorCode::InternalServer);
    }
    // Rules added at run time count from when they are added.
    emu.clear_faults();
    emu.inject(rule("*#2=AccessDeniedException"));
    wait_secs(1);
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::AuthorizationPending);
    // The second request after the rule was added, whatever its target, gets the fault.
    http.get("/device").assert_error(ErrorCode::AccessDenied);
    wait_secs(1);
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::AuthorizationPending);
}

#[test]
fn status_without_body() {
    let (_emu, http) = start(fast().fault(rule("StartDeviceAuthorization=503")));
    let (id, secret) = http.register(&[]);
    for _ in 0..2 {
        let r = http.post(
            "/device_authorization",
            &json!({"clientId": id, "clientSecret": secret, "startUrl": START_URL}),
        );
        assert_eq!(r.status, 503);
        assert_eq!(r.body, "");
        assert_request_id(&r);
        assert!(r.error().is_retryable());
    }
}

/// A raw `RegisterClient` request, for a background thread to send with [`raw`].
fn raw_register(base: &str) -> Vec<u8> {
    let body = br#"{"clientName":"x","clientType":"public"}"#;
    let host = base.trim_start_matches("http://");
    let mut req = format!(
        "POST /client/register HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

#[test]
fn delay_then_normal_answer() {
    let (_emu, http) = start(fast().fault(rule("RegisterClient#1=delay:150ms")));
    let t = Instant::now();
    http.register(&[]);
    assert!(t.elapsed() >= Duration::from_millis(150));
}

#[test]
fn delay_applies_to_the_matching_request_only() {
    // The first request waits two minutes, far longer than this test runs; the second is
    // answered meanwhile: well within 30 s, a ceiling a loaded machine does not reach and one
    // that a second request queued behind the first could not meet.
    let (emu, http) = start(fast().fault(rule("RegisterClient#1=delay:120s")));
    let base = http.base.clone();
    let delayed =
        std::thread::spawn(move || raw(&base, &raw_register(&base), Duration::from_secs(60)));
    wait_until("the delayed request is in", || emu.requests().len() == 1);
    let t = Instant::now();
    Http::with_timeout(&http.base, Duration::from_secs(60)).register(&[]);
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    // Stopping releases the delayed request unanswered.
    emu.stop();
    if let Ok(bytes) = delayed.join().unwrap() {
        assert!(bytes.is_empty(), "{}", String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn delay_combines_with_an_error() {
    let (_emu, http) = start(
        fast()
            .fault(rule("CreateToken=delay:50ms"))
            .fault(rule("CreateToken=503")),
    );
    let t = Instant::now();
    let r = http.post("/token", &json!({}));
    assert_eq!(r.status, 503);
    assert!(t.elapsed() >= Duration::from_millis(50));
}

#[test]
fn hang_times_out_the_client_and_is_released_on_stop() {
    let (emu, http) = start(fast().fault(rule("RegisterClient#1=hang")));
    let impatient = Http::with_timeout(&http.base, Duration::from_millis(200));
    let t = Instant::now();
    let r = impatient.try_post(
        "/client/register",
        &json!({"clientName": "x", "clientType": "public"}),
    );
    assert!(r.is_err(), "{r:?}");
    assert!(t.elapsed() >= Duration::from_millis(200));
    // Only the first request hangs.
    http.register(&[]);

    // A hung raw connection is closed when the emulator stops.
    emu.inject(rule("RegisterClient#1=hang"));
    let base = http.base.clone();
    let waiter = std::thread::spawn(move || {
        let t = Instant::now();
        let out = raw(&base, &raw_register(&base), Duration::from_secs(60));
        (out, t.elapsed())
    });
    // Let the request arrive, then stop.
    wait_until("the hung request is in", || emu.requests().len() == 3);
    emu.stop();
    let (out, waited) = waiter.join().unwrap();
    // Released by the stop with nothing sent (EOF, or a reset), not by the client's own
    // 60 s read timeout.
    match out {
        Ok(bytes) => assert!(bytes.is_empty(), "{}", String::from_utf8_lossy(&bytes)),
        Err(e) => assert!(
            !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "the client timed out: {e}"
        ),
    }
    assert!(waited < Duration::from_secs(30), "{waited:?}");
}

#[test]
fn drop_cuts_the_response_after_the_headers() {
    let (emu, http) = start(
        fast()
            .approval(Approval::ApproveAfterPolls(0))
            .fault(rule("CreateToken#1=drop")),
    );
    let (id, secret) = http.register(&[]);
    let (dc, _, _) = http.start_device(&id, &secret);
    let r = http.agent
        .post(format!("{}/token", http.base))
        .header("content-type", "application/json")
        .send(json!({"clientId": id, "clientSecret": secret, "grantType": DEVICE_GRANT, "deviceCode": dc}).to_string())
        .and_then(|mut r| r.body_mut().read_to_string());
    assert!(r.is_err(), "client must see an error: {r:?}");
    // The request was processed: the device code is spent, as when a real response is lost.
    wait_secs(1);
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::InvalidGrant);

    // On the wire: status line and headers, then part of the body, then EOF.
    emu.inject(rule("RegisterClient#1=drop"));
    let resp = raw_post(
        &http.base,
        "/client/register",
        br#"{"clientName":"x","clientType":"public"}"#,
    );
    let (status, head, body) = split_raw(&resp);
    assert_eq!(status, 200, "{resp}");
    let declared: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(body.len() < declared, "{} < {declared}", body.len());
    assert!(head.contains("x-amzn-requestid"));
}

#[test]
fn close_sends_nothing() {
    let (_emu, http) = start(fast().fault(rule("CreateToken=close")));
    let r = http.try_post("/token", &json!({}));
    assert!(r.is_err(), "{r:?}");
    let resp = raw_post(&http.base, "/token", b"{}");
    assert!(resp.is_empty(), "{resp}");
    // Other operations are unaffected.
    http.register(&[]);
}

#[test]
fn faults_on_pages_and_unknown_paths() {
    let (_emu, http) = start(
        fast()
            .fault(rule("Device=500"))
            .fault(rule("Authorize#1=InvalidRequestException")),
    );
    assert_eq!(http.get("/device").status, 500);
    http.get("/authorize")
        .assert_error(ErrorCode::InvalidRequest);
    let (_emu, http) = start(fast().fault(rule("*=502")));
    assert_eq!(http.get("/nowhere").status, 502);
}

#[test]
fn concurrent_clients_with_a_hung_one() {
    let (emu, http) = start(fast().fault(rule("RegisterClient#1=hang")));
    let base = http.base.clone();
    let hung = std::thread::spawn(move || {
        Http::with_timeout(&base, Duration::from_millis(500))
            .try_post(
                "/client/register",
                &json!({"clientName": "x", "clientType": "public"}),
            )
            .is_err()
    });
    // Wait until the hung request is in, then serve others meanwhile.
    wait_until("the hung request is in", || emu.requests().len() == 1);
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let base = http.base.clone();
            std::thread::spawn(move || {
                let http = Http::new(&base);
                let (id, secret) = http.register(&[]);
                http.start_device(&id, &secret);
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert!(hung.join().unwrap());
    assert_eq!(emu.requests().len(), 17);
}
