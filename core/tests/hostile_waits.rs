//! Far-future waits: a provider or the AWS service that answers `expires_in` / `interval` of
//! `i64::MAX` (or any absurd number) cannot make a machine ask for a wait near the end of
//! `Instant` (which panics some timers, tokio's among them). A device authorization lives at
//! most a day, the interval is at most an hour, and no machine asks to sleep more than
//! [`MAX_WAIT`] past the latest `now` it was given.

mod common;

use ssooidc_core::machine::Machine;
use std::time::{Duration, Instant};

use common::*;
use ssooidc_core::device::{
    Aws, DeviceFlow, DeviceFlowConfig, Event, MAX_EXPIRES_IN_SECS, MAX_INTERVAL_SECS,
};
use ssooidc_core::error::ErrorCode;
use ssooidc_core::machine::{Output, MAX_WAIT};
use ssooidc_core::oauth::Standard;

const HOUR: Duration = Duration::from_secs(MAX_INTERVAL_SECS);
const DAY: Duration = Duration::from_secs(MAX_EXPIRES_IN_SECS);

#[test]
fn the_caps_are_an_hour_a_day_and_a_year() {
    assert_eq!(HOUR, Duration::from_secs(3600));
    assert_eq!(DAY, Duration::from_secs(86_400));
    assert_eq!(MAX_WAIT, Duration::from_secs(365 * 86_400));
}

/// The output after any events, which are handed to `seen`.
fn next<W: Wire>(
    flow: &mut DeviceFlow<W>,
    seen: &mut Vec<Event<W::Client>>,
) -> Output<Event<W::Client>, Result<W::Token, ssooidc_core::device::DeviceFlowError>> {
    loop {
        match flow.poll_output().unwrap() {
            Output::Event(e) => seen.push(e),
            other => return other,
        }
    }
}

fn expect_transmit<W: Wire>(flow: &mut DeviceFlow<W>, seen: &mut Vec<Event<W::Client>>) {
    match next(flow, seen) {
        Output::Transmit(_) => {}
        other => panic!("{}: expected a request, got {other:?}", W::NAME),
    }
}

fn expect_timeout<W: Wire>(flow: &mut DeviceFlow<W>, seen: &mut Vec<Event<W::Client>>) -> Instant {
    match next(flow, seen) {
        Output::Timeout(at) => at,
        other => panic!("{}: expected a wait, got {other:?}", W::NAME),
    }
}

/// A flow of `W` with `config`, registered when `W` registers, whose device authorization was
/// answered with `authorization` at `t0`, and whose first poll is in flight.
fn polling<W: Wire>(
    config: DeviceFlowConfig,
    authorization: http::Response<Vec<u8>>,
    t0: Instant,
    seen: &mut Vec<Event<W::Client>>,
) -> DeviceFlow<W> {
    let mut flow = W::flow(config, 3);
    if W::REGISTERS {
        expect_transmit(&mut flow, seen);
        flow.handle_response(t0, WALL, register_ok()).unwrap();
    }
    expect_transmit(&mut flow, seen);
    flow.handle_response(t0, WALL, authorization).unwrap();
    expect_transmit(&mut flow, seen);
    flow
}

/// Both dialects' largest answers: AWS's members are 32-bit; a standard provider's any number
/// (here `i64::MAX`, and beyond it as digits in a string, which saturates).
fn huge_authorizations<W: Wire>() -> Vec<http::Response<Vec<u8>>> {
    if W::REGISTERS {
        return vec![authorize_ok(Some(i32::MAX), Some(i32::MAX))];
    }
    let body = |interval: serde_json::Value, expires_in: serde_json::Value| {
        oauth_response(
            200,
            serde_json::json!({
                "device_code": DEVICE_CODE,
                "user_code": "ABCD-EFGH",
                "verification_uri": "https://x/",
                "interval": interval,
                "expires_in": expires_in,
            }),
        )
    };
    vec![
        body(i64::MAX.into(), i64::MAX.into()),
        body(u64::MAX.into(), 1e300.into()),
        body(
            "99999999999999999999999999".into(),
            "99999999999999999999999999".into(),
        ),
    ]
}

fn far_future_answers_give_bounded_waits<W: Wire>() {
    for authorization in huge_authorizations::<W>() {
        let t0 = Instant::now();
        let mut seen = Vec::new();
        let mut flow = polling::<W>(DeviceFlowConfig::default(), authorization, t0, &mut seen);
        let deadline = flow.deadline().expect("polling");
        assert!(
            deadline <= t0 + DAY,
            "{}: deadline {:?} away",
            W::NAME,
            deadline - t0
        );
        assert_eq!(flow.interval(), Some(HOUR), "{}", W::NAME);

        // Pending: the next poll is an hour away, not the end of time.
        flow.handle_response(t0, WALL, W::error(ErrorCode::AuthorizationPending))
            .unwrap();
        let at = expect_timeout(&mut flow, &mut seen);
        assert_eq!(at, t0 + HOUR, "{}", W::NAME);
        let prompt = seen.iter().find_map(|e| match e {
            Event::Prompt(p) => Some(p.clone()),
            _ => None,
        });
        let prompt = prompt.expect("a prompt");
        assert_eq!(prompt.expires_at, deadline, "{}", W::NAME);
        assert!(
            prompt.expires_at_wall <= WALL + time::Duration::seconds(86_400),
            "{}: the prompt says the code lives until {}",
            W::NAME,
            prompt.expires_at_wall
        );

        // slow_down (with an absurd interval where the dialect carries one) and transport
        // errors never push the interval past the hour.
        let mut now = at;
        flow.handle_timeout(now).unwrap();
        expect_transmit(&mut flow, &mut seen);
        flow.handle_response(now, WALL, W::slow_down_to(u64::MAX))
            .unwrap();
        let at = expect_timeout(&mut flow, &mut seen);
        assert!(at - now <= HOUR, "{}: {:?}", W::NAME, at - now);
        assert_eq!(flow.interval(), Some(HOUR), "{}", W::NAME);
        now = at;
        flow.handle_timeout(now).unwrap();
        expect_transmit(&mut flow, &mut seen);
        flow.handle_transport_error(
            now,
            WALL,
            ssooidc_core::device::TransportErrorKind::Timeout.into(),
        )
        .unwrap();
        assert_eq!(flow.interval(), Some(HOUR), "{}", W::NAME);
        let at = expect_timeout(&mut flow, &mut seen);
        assert!(at - now <= HOUR, "{}: {:?}", W::NAME, at - now);
    }
}

#[test]
fn far_future_answers_give_bounded_waits_aws() {
    far_future_answers_give_bounded_waits::<Aws>();
}

#[test]
fn far_future_answers_give_bounded_waits_standard() {
    far_future_answers_give_bounded_waits::<Standard>();
}

/// Whatever a caller configures (here a protocol second of 10^17 real seconds, so that every
/// backoff and every lifetime is absurd), no wait is longer than [`MAX_WAIT`] after `now`.
fn absurd_protocol_seconds_are_capped_at_max_wait<W: Wire>() {
    let config = DeviceFlowConfig::default()
        .second(Duration::from_secs(100_000_000_000_000_000))
        .min_interval(Some(u32::MAX))
        .default_expires_in(u32::MAX);
    let t0 = Instant::now();
    let mut seen = Vec::new();

    // A retried setup call.
    let mut flow = W::flow(config.clone(), 3);
    expect_transmit(&mut flow, &mut seen);
    flow.handle_response(t0, WALL, W::error(ErrorCode::InternalServer))
        .unwrap();
    let at = expect_timeout(&mut flow, &mut seen);
    assert!(at - t0 <= MAX_WAIT, "{}: {:?}", W::NAME, at - t0);

    // Polling.
    let mut flow = polling::<W>(config, W::authorize_ok(None, None), t0, &mut seen);
    assert!(flow.deadline().unwrap() - t0 <= MAX_WAIT, "{}", W::NAME);
    flow.handle_response(t0, WALL, W::error(ErrorCode::AuthorizationPending))
        .unwrap();
    // The interval (the caller's floor) reaches past the deadline: wait for the deadline.
    let at = expect_timeout(&mut flow, &mut seen);
    assert!(at - t0 <= MAX_WAIT, "{}: {:?}", W::NAME, at - t0);
}

#[test]
fn absurd_protocol_seconds_are_capped_at_max_wait_aws() {
    absurd_protocol_seconds_are_capped_at_max_wait::<Aws>();
}

#[test]
fn absurd_protocol_seconds_are_capped_at_max_wait_standard() {
    absurd_protocol_seconds_are_capped_at_max_wait::<Standard>();
}
