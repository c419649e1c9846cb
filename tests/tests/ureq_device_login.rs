//! `device_login` (the ureq driver of the core's device-flow machine) against the emulator, in
//! scaled time: one protocol second is [`SECOND`] on both sides. The polling schedule is read
//! from the arrival times the emulator recorded.

use std::time::{Duration, Instant, SystemTime};

use ssooidc_core::device::{DeviceFlowError, DeviceFlowInput, Event, Prompt};
use ssooidc_core::{CallError, ServiceError, TransportErrorKind};
use ssooidc_emulator::{Approval, RecordedRequest, RunningEmulator, Target};
use ssooidc_tests::*;
use ssooidc_ureq::device::{device_login, LoginError};
use ssooidc_ureq::{CancelToken, Client, Config};

fn input(client: &Client) -> DeviceFlowInput {
    DeviceFlowInput::new(
        client.endpoint().clone(),
        START_URL,
        "botocore-client-my-sso",
    )
    .scopes(["sso:account:access"])
}

fn gap(a: &RecordedRequest, b: &RecordedRequest) -> Duration {
    b.received_at
        .duration_since(a.received_at)
        .expect("requests are recorded in order")
}

/// Protocol seconds as real time.
fn secs(n: u32) -> Duration {
    SECOND * n
}

/// Generous room for a busy 2-core machine above a protocol-required wait.
const SLACK: Duration = Duration::from_millis(400);

fn polls(emu: &RunningEmulator) -> Vec<RecordedRequest> {
    token_requests(emu, DEVICE_GRANT)
}

#[test]
fn a_whole_login_with_events() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(2)));
    let client = client_for(&emu);
    let mut events = Vec::new();
    let token = device_login(&client, input(&client), login_options(), |e| {
        events.push(e.clone())
    })
    .expect("a token");
    assert!(token.access_token.expose().starts_with("aoa"));
    assert!(token.refresh_token.is_some(), "scoped registration");
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    let left = token.expires_at - time::OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::seconds(3590) && left <= time::Duration::seconds(3600),
        "expiresIn is in real seconds: {left}"
    );

    assert_eq!(events.len(), 2, "{events:?}");
    let Event::Registered(registration) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(registration, &token.registration);
    assert_eq!(
        registration.scopes.as_deref(),
        Some(&["sso:account:access".to_owned()][..])
    );
    let Event::Prompt(prompt) = &events[1] else {
        panic!("{events:?}")
    };
    let start_body = requests_to(&emu, Target::StartDeviceAuthorization)[0]
        .body_json()
        .unwrap();
    assert_eq!(start_body["startUrl"], START_URL);
    assert!(prompt
        .verification_uri_complete
        .as_deref()
        .unwrap()
        .ends_with(&format!("?user_code={}", prompt.user_code)));

    assert_eq!(requests_to(&emu, Target::RegisterClient).len(), 1);
    assert_eq!(requests_to(&emu, Target::StartDeviceAuthorization).len(), 1);
    assert_eq!(polls(&emu).len(), 3, "pending, pending, token");
}

#[test]
fn a_reusable_registration_skips_register_client() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(0)));
    let client = client_for(&emu);
    let first = device_login(&client, input(&client), login_options(), |_| {}).unwrap();
    emu.clear_requests();
    let mut events = Vec::new();
    let second = device_login(
        &client,
        input(&client).registration(first.registration.clone()),
        login_options(),
        |e| events.push(e.clone()),
    )
    .unwrap();
    assert_eq!(second.registration, first.registration);
    assert!(events.iter().all(|e| !matches!(e, Event::Registered(_))));
    assert_eq!(requests_to(&emu, Target::RegisterClient).len(), 0);
    assert_eq!(
        polls(&emu).len(),
        1,
        "approved at the first poll: no prompt needed"
    );
}

/// pending, pending, slow_down, pending, slow_down, token: the waits between polls are the
/// interval (1), then 1 + 5 = 6, then 6 + 5 = 11 protocol seconds, never less.
#[test]
fn polling_follows_the_interval_and_slow_down() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(3)));
    emu.inject("CreateToken#3=SlowDownException".parse().unwrap());
    emu.inject("CreateToken#5=SlowDownException".parse().unwrap());
    let client = client_for(&emu);
    device_login(&client, input(&client), login_options(), |_| {}).expect("a token");

    let start = &requests_to(&emu, Target::StartDeviceAuthorization)[0];
    let polls = polls(&emu);
    assert_eq!(polls.len(), 6, "{polls:?}");
    // The first poll goes out at once (spec 6.5 step 4).
    assert!(gap(start, &polls[0]) < SLACK);
    let expected = [1, 1, 6, 6, 11];
    for (i, (pair, want)) in polls.windows(2).zip(expected).enumerate() {
        let got = gap(&pair[0], &pair[1]);
        assert!(
            got >= secs(want),
            "poll {} came {got:?} after poll {}, before the interval of {want} s",
            i + 2,
            i + 1
        );
        assert!(
            got < secs(want) + SLACK,
            "poll {} came {got:?} after poll {}; the interval is {want} s",
            i + 2,
            i + 1
        );
    }
}

#[test]
fn the_services_expired_token_ends_the_flow() {
    let emu = start(emulator_config());
    let client = client_for(&emu);
    let result = device_login(&client, input(&client), login_options(), |e| {
        if let Event::Prompt(p) = e {
            emu.expire(&p.user_code).unwrap();
        }
    });
    match result {
        Err(LoginError::Flow(e @ DeviceFlowError::Expired(ServiceError::ExpiredToken { .. }))) => {
            assert!(e.is_expired());
        }
        other => panic!("expected Expired, got {other:?}"),
    }
    assert_eq!(
        polls(&emu).len(),
        2,
        "the immediate poll, then the expired one"
    );
}

#[test]
fn the_flow_stops_at_its_own_deadline() {
    // The emulator's clock stands still (its codes never expire): only the machine's own
    // deadline, start + expiresIn = 5 protocol seconds, can end the flow.
    let emu = start(emulator_config().second(Duration::ZERO).expires_in(5));
    let client = client_for(&emu);
    let mut prompt: Option<Prompt> = None;
    let result = device_login(&client, input(&client), login_options(), |e| {
        if let Event::Prompt(p) = e {
            prompt = Some(p.clone());
        }
    });
    let ended = Instant::now();
    match result {
        Err(LoginError::Flow(DeviceFlowError::DeadlineReached)) => {}
        other => panic!("expected DeadlineReached, got {other:?}"),
    }
    let prompt = prompt.expect("the user was prompted");
    assert!(ended >= prompt.expires_at, "ended before its deadline");
    assert!(ended < prompt.expires_at + SLACK, "ended late");
    let start = &requests_to(&emu, Target::StartDeviceAuthorization)[0];
    let polls = polls(&emu);
    // Every 1 s from 0 to before 5 s: at most 5 polls, none at or after the deadline.
    assert!((1..=5).contains(&polls.len()), "{}", polls.len());
    let last = gap(start, polls.last().unwrap());
    assert!(last < secs(5) + Duration::from_millis(200), "{last:?}");
}

#[test]
fn denial_ends_the_flow() {
    let emu = start(emulator_config().approval(Approval::DenyAfterPolls(1)));
    let client = client_for(&emu);
    match device_login(&client, input(&client), login_options(), |_| {}) {
        Err(LoginError::Flow(DeviceFlowError::Denied(ServiceError::AccessDenied { .. }))) => {}
        other => panic!("expected Denied, got {other:?}"),
    }
    assert_eq!(polls(&emu).len(), 2);
}

#[test]
fn server_errors_are_retried_then_succeed() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(1)));
    emu.inject("RegisterClient#1=503".parse().unwrap());
    emu.inject(
        "StartDeviceAuthorization#1=InternalServerException"
            .parse()
            .unwrap(),
    );
    emu.inject("CreateToken#2=InternalServerException".parse().unwrap());
    let client = client_for(&emu);
    device_login(&client, input(&client), login_options(), |_| {}).expect("a token after retries");
    let registers = requests_to(&emu, Target::RegisterClient);
    let starts = requests_to(&emu, Target::StartDeviceAuthorization);
    assert_eq!(registers.len(), 2);
    assert_eq!(starts.len(), 2);
    assert_eq!(polls(&emu).len(), 3, "pending, 500, token");
    // The first backoff is at least half a protocol second (equal jitter of 1 s).
    assert!(gap(&registers[0], &registers[1]) >= SECOND / 2);
    assert!(gap(&starts[0], &starts[1]) >= SECOND / 2);
}

#[test]
fn a_poll_that_times_out_is_retried() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(1)));
    emu.inject("CreateToken#2=hang".parse().unwrap());
    let client = Client::new(config_for(&emu).timeout(Duration::from_millis(300))).unwrap();
    let started = SystemTime::now();
    device_login(&client, input(&client), login_options(), |_| {}).expect("a token");
    let polls = polls(&emu);
    assert_eq!(polls.len(), 3, "pending, timed out, token");
    // The timed-out poll is waited for (300 ms from its sending, which its recorded arrival
    // trails by a little), then the doubled interval (RFC 8628 3.5): 2 s.
    let after_timeout = gap(&polls[1], &polls[2]);
    // (No upper bound: the exact schedule is checked in virtual time in core, in
    // `device_states::poll::a_transport_error_doubles_the_interval`.)
    assert!(
        after_timeout >= Duration::from_millis(250) + secs(2),
        "{after_timeout:?}"
    );
    let _ = started;
}

#[test]
fn retries_are_bounded_when_the_server_is_unreachable() {
    let port = refused_port();
    let client = Client::new(
        Config::new("us-east-1")
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .timeout(Duration::from_secs(5)),
    )
    .unwrap();
    let started = Instant::now();
    match device_login(&client, input(&client), login_options(), |_| {}) {
        Err(LoginError::Flow(DeviceFlowError::Call(CallError::Transport {
            operation: "RegisterClient",
            error,
            retries,
        }))) => {
            assert_eq!(error.kind(), TransportErrorKind::Connect, "{error}");
            assert_eq!(retries, 3, "the first try and 3 retries");
        }
        other => panic!("expected the retries to run out, got {other:?}"),
    }
    // Backoffs of about 1, 2 and 4 protocol seconds (equal jitter: at least half of each).
    assert!(started.elapsed() >= secs(1 + 2 + 4) / 2);
}

#[test]
fn cancelling_from_another_thread_stops_a_waiting_login() {
    // Polls 60 s (real) apart: a driver that did not wake on cancel would sleep that long.
    let emu = start(emulator_config().interval(6000));
    let client = client_for(&emu);
    let cancel = CancelToken::new();
    let options = login_options().cancel(cancel.clone());
    let started = Instant::now();
    let result = device_login(&client, input(&client), options, |e| {
        if let Event::Prompt(_) = e {
            let cancel = cancel.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                cancel.cancel();
            });
        }
    });
    assert!(matches!(result, Err(LoginError::Cancelled)), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "woke without waiting for the 60 s poll"
    );
    assert_eq!(polls(&emu).len(), 1);
}
