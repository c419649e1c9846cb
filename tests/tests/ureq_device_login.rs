//! `device_login` (the ureq driver of the core's device-flow machine) against the emulator, in
//! scaled time: one protocol second is [`SECOND`] on both sides. The polling schedule is read
//! from the arrival times the emulator recorded.
//!
//! Real time only gives lower bounds here (a wait is never shorter than required: a request is
//! recorded after it was sent, and the next one is sent at least the wait after the answer,
//! which comes after the recording). The exact schedule (intervals, `slow_down` increments,
//! backoffs, the deadline) is checked in virtual time in core (`core/tests/device_states/`,
//! `core/tests/device_simulation.rs`). An upper bound is only asserted against a slow
//! alternative made long (a 60 s interval, a 60 s timeout), with a ceiling of 30 s that a loaded
//! machine does not reach.

use std::time::{Duration, Instant};

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

/// A ceiling that separates a behaviour from its slow alternative made long (60 s): far above
/// anything a loaded machine adds, far below the alternative.
const CEILING: Duration = Duration::from_secs(30);

/// 6000 protocol seconds: 60 real seconds at [`SECOND`], the slow alternative of the ceilings.
const MINUTE_INTERVAL: u32 = 6000;

/// `t` without its fraction of a second.
fn whole_seconds(t: time::OffsetDateTime) -> time::OffsetDateTime {
    t.replace_nanosecond(0).expect("0 is a valid nanosecond")
}

fn polls(emu: &RunningEmulator) -> Vec<RecordedRequest> {
    token_requests(emu, DEVICE_GRANT)
}

#[test]
fn a_whole_login_with_events() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(2)));
    let client = client_for(&emu);
    let mut events = Vec::new();
    // Whole seconds: a stamp may be truncated to them.
    let before = whole_seconds(time::OffsetDateTime::now_utc());
    let token = device_login(&client, input(&client), login_options(), |e| {
        events.push(e.clone())
    })
    .expect("a token");
    let after = time::OffsetDateTime::now_utc();
    assert!(token.access_token.expose().starts_with("aoa"));
    assert!(token.refresh_token.is_some(), "scoped registration");
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    // expiresIn is in real seconds: an hour from the answer, which came during the login
    // (bracketed rather than compared with a later "now", which a loaded machine can delay).
    let hour = time::Duration::seconds(3600);
    assert!(
        before + hour <= token.expires_at && token.expires_at <= after + hour,
        "expiresIn is in real seconds: {} not within an hour of the login ({before} to {after})",
        token.expires_at
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

    // Six polls, no more: none was early enough for the emulator to answer its own slow_down.
    let polls = polls(&emu);
    assert_eq!(polls.len(), 6, "{polls:?}");
    // No upper bounds: a wait of 1 protocol second (10 ms) cannot be told from twice it on a
    // loaded machine. That each wait is the interval exactly (1, 1, 6, 6, 11), and not more, is
    // checked in virtual time: core `device_simulation::spec_8_6_interval_sequence_1_6_11` (and
    // `..._at_millisecond_seconds`), `device_states::poll::slow_down_adds_five_seconds_for_good`;
    // a driver sleeps until the machine's instant (`driver::sleep_until` here, and the async
    // driver's schedule in `adapters/async/tests/no_runtime.rs`,
    // `whole_login_with_no_runtime_follows_the_core_schedule`). That the first poll goes out at
    // once is `the_first_poll_goes_out_at_once` below.
    let expected = [1, 1, 6, 6, 11];
    for (i, (pair, want)) in polls.windows(2).zip(expected).enumerate() {
        let got = gap(&pair[0], &pair[1]);
        assert!(
            got >= secs(want),
            "poll {} came {got:?} after poll {}, before the interval of {want} s",
            i + 2,
            i + 1
        );
    }
}

/// The first poll goes out as soon as the authorization starts (spec 6.5 step 4), not one
/// interval later: with a 60 s interval and a code approved at once, the whole login takes far
/// less than the interval.
#[test]
fn the_first_poll_goes_out_at_once() {
    let emu = start(
        emulator_config()
            .interval(MINUTE_INTERVAL)
            .approval(Approval::ApproveAfterPolls(0)),
    );
    let client = client_for(&emu);
    let started = Instant::now();
    device_login(&client, input(&client), login_options(), |_| {}).expect("a token");
    assert!(
        started.elapsed() < CEILING,
        "took {:?}: the first poll waited for the 60 s interval",
        started.elapsed()
    );
    assert_eq!(polls(&emu).len(), 1);
    // That the machine asks for the first poll at once, with no wait at all, is checked in
    // virtual time: core `device_states::authorize::success_polls_at_once_with_the_device_code`
    // and `device_simulation::spec_8_6_interval_sequence_1_6_11` (a poll at 0).
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
        Err(LoginError::Flow(
            e @ DeviceFlowError::Expired {
                error: ServiceError::ExpiredToken { .. },
                ..
            },
        )) => {
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
    // deadline, start + expiresIn = 5 protocol seconds (50 ms), can end the flow. The next poll
    // is due 60 s after the first: a flow that did not stop at its deadline would wait for it.
    let emu = start(
        emulator_config()
            .second(Duration::ZERO)
            .interval(MINUTE_INTERVAL)
            .expires_in(5),
    );
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
    assert!(
        ended < prompt.expires_at + CEILING,
        "ended {:?} after its deadline: it waited for the poll due 60 s on",
        ended - prompt.expires_at
    );
    // The immediate poll only: none at or after the deadline. That the machine wakes exactly at
    // the deadline, and that with polls due before it none goes out at or after it, is checked
    // in virtual time: core `device_states::poll::no_request_at_or_after_the_deadline`,
    // `device_simulation::the_machine_stops_on_its_own_at_the_deadline`.
    assert_eq!(polls(&emu).len(), 1);
}

#[test]
fn denial_ends_the_flow() {
    let emu = start(emulator_config().approval(Approval::DenyAfterPolls(1)));
    let client = client_for(&emu);
    match device_login(&client, input(&client), login_options(), |_| {}) {
        Err(LoginError::Flow(DeviceFlowError::Denied {
            error: ServiceError::AccessDenied { .. },
            ..
        })) => {}
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

/// A poll that fails below HTTP is retried after the doubled interval (RFC 8628 3.5), and the
/// login goes on. The failure is a connection closed without an answer, which the client sees at
/// once: a timed-out poll needs a client whose timeout is short, and every other request of the
/// login would then have to be answered within it, a window a loaded machine can miss. A real
/// timeout is cut at the client's timeout and retried by the flow in
/// `a_timeout_is_retried_by_the_flow_until_its_retries_run_out`; a timeout is a transient
/// failure like this one (core `device_states::poll::a_transport_error_doubles_the_interval`,
/// with `Timeout` and `Connect`).
#[test]
fn a_poll_cut_off_below_http_is_retried_after_the_doubled_interval() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(1)));
    // `close`: the request is not processed, so the code is still pending after it.
    emu.inject("CreateToken#2=close".parse().unwrap());
    let client = client_for(&emu);
    device_login(&client, input(&client), login_options(), |_| {}).expect("a token");
    let polls = polls(&emu);
    assert_eq!(polls.len(), 3, "pending, closed, token");
    // The doubled interval, 2 protocol seconds, counts from the failure, which came after the
    // closed poll was recorded. (Its exact length, and that it is not more, is checked in
    // virtual time: core `device_states::poll::a_transport_error_doubles_the_interval`.)
    let after_failure = gap(&polls[1], &polls[2]);
    assert!(after_failure >= secs(2), "{after_failure:?}");
}

/// A request that times out is cut at the client's timeout and retried by the flow, until the
/// flow's retries run out. Every attempt hangs, so nothing has to be answered within the short
/// timeout.
#[test]
fn a_timeout_is_retried_by_the_flow_until_its_retries_run_out() {
    let emu = start(emulator_config());
    emu.inject("RegisterClient=hang".parse().unwrap());
    let timeout = Duration::from_millis(300);
    let client = Client::new(config_for(&emu).timeout(timeout)).unwrap();
    let options = login_options().flow(flow_config().max_retries(1));
    let started = Instant::now();
    match device_login(&client, input(&client), options, |_| {}) {
        Err(LoginError::Flow(DeviceFlowError::Call(CallError::Transport {
            operation: "RegisterClient",
            error,
            retries,
        }))) => {
            assert_eq!(error.kind(), TransportErrorKind::Timeout, "{error}");
            assert_eq!(retries, 1, "the first try and 1 retry");
        }
        other => panic!("expected the retries to run out, got {other:?}"),
    }
    let elapsed = started.elapsed();
    assert_eq!(requests_to(&emu, Target::RegisterClient).len(), 2);
    // Each attempt was waited for its whole timeout ...
    assert!(elapsed >= timeout * 2, "{elapsed:?}");
    // ... and no longer: a hung request is held until the emulator stops, and the default
    // timeout is 60 s. (Which transport failures are retried, and the backoff between the
    // attempts, are checked in virtual time: core
    // `device_states::register::transport_errors_and_malformed_bodies_are_retried`,
    // `device::policy::tests::backoff_grows_is_capped_and_jittered_within_bounds`.)
    assert!(
        elapsed < CEILING,
        "{elapsed:?}: the timeout did not cut the hang"
    );
}

#[test]
fn retries_are_bounded_when_the_server_is_unreachable() {
    let port = refused_port();
    // A 60 s timeout: were a refused connection waited for like a silent one, the four attempts
    // would take four minutes.
    let client = Client::new(
        Config::new("us-east-1")
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .timeout(REQUEST_TIMEOUT),
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
    let elapsed = started.elapsed();
    // Backoffs of about 1, 2 and 4 protocol seconds (equal jitter: at least half of each).
    assert!(elapsed >= secs(1 + 2 + 4) / 2, "{elapsed:?}");
    assert!(
        elapsed < CEILING,
        "{elapsed:?}: a refused connection was waited for like a timeout"
    );
    // The backoffs' exact ranges are checked in virtual time: core
    // `device::policy::tests::backoff_grows_is_capped_and_jittered_within_bounds` and
    // `device_states::register::slow_down_is_retried_with_backoff`.
}

#[test]
fn cancelling_from_another_thread_stops_a_waiting_login() {
    // Polls 60 s (real) apart: a driver that did not wake on cancel would sleep that long.
    let emu = start(emulator_config().interval(MINUTE_INTERVAL));
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
        started.elapsed() < CEILING,
        "woke without waiting for the 60 s poll"
    );
    assert_eq!(polls(&emu).len(), 1);
}
