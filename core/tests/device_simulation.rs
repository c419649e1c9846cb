//! Deterministic simulation: the device flow against an in-memory model of the service, on a
//! virtual clock, in both dialects (AWS restJson1 and standard OAuth 2.0). Nothing sleeps; time
//! jumps to each wake-up the machine asks for. Every request's time is asserted, replaying the
//! polling scripts of spec 8.6.

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use ssooidc_core::machine::Machine;
use std::collections::VecDeque;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use common::Wire;
use ssooidc_core::device::{
    Aws, DeviceFlow, DeviceFlowConfig, DeviceFlowError, Event, Registration,
};
use ssooidc_core::machine::Output;
use ssooidc_core::{CallError, ErrorCode};
use time::OffsetDateTime;

/// What the model answers to one `CreateToken`.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Pending,
    SlowDown,
    Token,
    Expired,
    Denied,
    ServerError,
}

/// An in-memory imitation of a server of dialect `W`: it checks each request like the server
/// would (client credentials, device code, grant type, path) and answers the polls from a
/// script (pending once the script runs out, `expired_token` from `expires_in` on).
struct Service<W> {
    interval: Option<i32>,
    expires_in: Option<i32>,
    script: VecDeque<Reply>,
    /// Every request: (protocol time since the start, path).
    log: Vec<(Duration, String)>,
    /// Answer time, when the device authorization started.
    started: Option<Duration>,
    /// Extra time between a request and its answer.
    latency: Duration,
    second: Duration,
    wire: PhantomData<W>,
}

impl<W: Wire> Service<W> {
    fn new(interval: Option<i32>, expires_in: Option<i32>, script: &[Reply]) -> Self {
        Service {
            interval,
            expires_in,
            script: script.iter().copied().collect(),
            log: Vec::new(),
            started: None,
            latency: Duration::ZERO,
            second: Duration::from_secs(1),
            wire: PhantomData,
        }
    }

    fn handle(
        &mut self,
        at: Duration,
        request: &http::Request<Vec<u8>>,
    ) -> http::Response<Vec<u8>> {
        let path = request.uri().path().to_owned();
        self.log.push((at, path.clone()));
        assert_eq!(request.method(), "POST");
        if path == "/client/register" {
            assert!(W::REGISTERS, "{} registered", W::NAME);
            let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
            assert_eq!(body["clientType"], "public");
            assert!(body.get("grantTypes").is_none() && body.get("redirectUris").is_none());
            return common::register_ok();
        }
        if path == W::AUTHORIZE_PATH {
            W::check_authorize(request);
            self.started = Some(at);
            return W::authorize_ok(self.interval, self.expires_in);
        }
        assert_eq!(path, W::TOKEN_PATH, "unexpected path");
        W::check_poll(request);
        let started = self
            .started
            .expect("polled before the authorization started");
        let lifetime = self.second * self.expires_in.unwrap_or(600) as u32;
        if at >= started + lifetime {
            return W::error(ErrorCode::ExpiredToken);
        }
        match self.script.pop_front().unwrap_or(Reply::Pending) {
            Reply::Pending => W::error(ErrorCode::AuthorizationPending),
            Reply::SlowDown => W::error(ErrorCode::SlowDown),
            Reply::Token => W::token_ok(),
            Reply::Expired => W::error(ErrorCode::ExpiredToken),
            Reply::Denied => W::error(ErrorCode::AccessDenied),
            Reply::ServerError => W::error(ErrorCode::InternalServer),
        }
    }

    /// Times of the `CreateToken` requests, in protocol seconds.
    fn poll_times(&self) -> Vec<f64> {
        self.log
            .iter()
            .filter(|(_, p)| p == W::TOKEN_PATH)
            .map(|(t, _)| t.as_secs_f64() / self.second.as_secs_f64())
            .collect()
    }
}

struct Run<W: Wire> {
    result: Result<W::Token, DeviceFlowError>,
    /// When the flow ended, in protocol seconds.
    ended_at: f64,
    /// (protocol seconds, event).
    events: Vec<(f64, Event<W::Client>)>,
    /// Interval after each answered poll, in protocol seconds.
    intervals: Vec<f64>,
}

/// Runs a whole flow of the tests' input on a virtual clock.
fn simulate<W: Wire>(service: &mut Service<W>, config: DeviceFlowConfig, seed: u64) -> Run<W> {
    simulate_with(service, W::dialect(None), config, seed)
}

/// Runs a whole flow of `dialect` on a virtual clock.
fn simulate_with<W: Wire>(
    service: &mut Service<W>,
    dialect: W,
    config: DeviceFlowConfig,
    seed: u64,
) -> Run<W> {
    service.second = config.second;
    let second = config.second.as_secs_f64();
    let t0 = Instant::now();
    let wall_at =
        |t: Instant| -> OffsetDateTime { common::WALL + time::Duration::try_from(t - t0).unwrap() };
    let mut flow = DeviceFlow::with_dialect(dialect, config, common::WALL, seed);
    let mut now = t0;
    let mut events = Vec::new();
    let mut intervals = Vec::new();
    for _ in 0..10_000 {
        match flow.poll_output().expect("no misuse") {
            Output::Transmit(ssooidc_core::machine::Transmit { request, .. }) => {
                let is_poll = request.uri().path() == W::TOKEN_PATH;
                let response = service.handle(now - t0, &request);
                now += service.latency;
                flow.handle_response(now, wall_at(now), response).unwrap();
                if is_poll {
                    if let Some(i) = flow.interval() {
                        intervals.push(i.as_secs_f64() / second);
                    }
                }
            }
            Output::Timeout(at) => {
                assert!(at >= now, "a wake-up in the past");
                now = at;
                flow.handle_timeout(now).unwrap();
            }
            Output::Event(event) => events.push(((now - t0).as_secs_f64() / second, event)),
            Output::Done(result) => {
                return Run {
                    result,
                    ended_at: (now - t0).as_secs_f64() / second,
                    events,
                    intervals,
                }
            }
        }
    }
    panic!("the flow did not end");
}

fn assert_times(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() < 1e-6, "{actual:?} vs {expected:?}");
    }
}

use Reply::*;

both_dialects!(
    spec_8_6_interval_sequence_1_6_11,
    spec_8_6_interval_sequence_at_millisecond_seconds,
    no_interval_means_every_five_seconds,
    expired_script_stops_with_expired,
    denied_script_stops_with_denied,
    the_machine_stops_on_its_own_at_the_deadline,
    a_full_ten_minute_session_stays_under_the_deadline,
    latency_counts_from_the_answer,
    server_errors_back_off_deterministically_per_seed,
    too_many_server_errors_in_a_row_end_the_flow,
);

/// The paths a flow of `W` sends, given its polls.
fn paths<W: Wire>(polls: usize) -> Vec<&'static str> {
    let mut paths = Vec::new();
    if W::REGISTERS {
        paths.push("/client/register");
    }
    paths.push(W::AUTHORIZE_PATH);
    paths.extend(std::iter::repeat_n(W::TOKEN_PATH, polls));
    paths
}

/// Spec 8.6, first script: 1, 6, 11.
fn script_one<W: Wire>(second: Duration) {
    let mut service = Service::<W>::new(
        Some(1),
        Some(600),
        &[Pending, SlowDown, Pending, SlowDown, Token],
    );
    let run = simulate(&mut service, DeviceFlowConfig::default().second(second), 1);
    let token = run.result.expect("a token");
    assert_eq!(W::access_token(&token), common::ACCESS_TOKEN);
    // Register (AWS) and authorize at once, then poll 1 immediately, +1, +6, +6, +11.
    let sent: Vec<&str> = service.log.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(sent, paths::<W>(5));
    assert_times(&service.poll_times(), &[0.0, 1.0, 7.0, 13.0, 24.0]);
    // Interval after each reply (the table's third column).
    assert_times(&run.intervals[..4], &[1.0, 6.0, 6.0, 11.0]);
    assert_times(&[run.ended_at], &[24.0]);
    // Registered at once (AWS); the prompt after the immediate first poll.
    let mut events = run.events.iter();
    if W::REGISTERS {
        assert!(matches!(events.next(), Some((t, Event::Registered(_))) if *t == 0.0));
    }
    assert!(matches!(events.next(), Some((t, Event::Prompt(_))) if *t == 0.0));
    assert!(events.next().is_none());
}

fn spec_8_6_interval_sequence_1_6_11<W: Wire>() {
    script_one::<W>(Duration::from_secs(1));
}

fn spec_8_6_interval_sequence_at_millisecond_seconds<W: Wire>() {
    script_one::<W>(Duration::from_millis(1));
}

fn no_interval_means_every_five_seconds<W: Wire>() {
    let mut service = Service::<W>::new(None, Some(600), &[Pending, Pending, Pending, Token]);
    let run = simulate(&mut service, DeviceFlowConfig::default(), 1);
    assert!(run.result.is_ok());
    assert_times(&service.poll_times(), &[0.0, 5.0, 10.0, 15.0]);
}

fn expired_script_stops_with_expired<W: Wire>() {
    let mut service = Service::<W>::new(
        Some(1),
        Some(600),
        &[Pending, Pending, Pending, Pending, Expired],
    );
    let run = simulate(&mut service, DeviceFlowConfig::default(), 1);
    assert!(
        matches!(run.result, Err(DeviceFlowError::Expired { error: ref e, .. }) if e.code() == Some(ErrorCode::ExpiredToken))
    );
    assert_times(&service.poll_times(), &[0.0, 1.0, 2.0, 3.0, 4.0]);
    assert_times(&[run.ended_at], &[4.0]);
}

fn denied_script_stops_with_denied<W: Wire>() {
    let mut service = Service::<W>::new(Some(1), Some(600), &[Pending, Denied]);
    let run = simulate(&mut service, DeviceFlowConfig::default(), 1);
    assert!(matches!(run.result, Err(DeviceFlowError::Denied { .. })));
    assert_times(&service.poll_times(), &[0.0, 1.0]);
}

fn the_machine_stops_on_its_own_at_the_deadline<W: Wire>() {
    // The model never says anything but pending; the deadline (20 s) ends it.
    let mut service = Service::<W>::new(Some(5), Some(20), &[]);
    let run = simulate(&mut service, DeviceFlowConfig::default(), 1);
    assert!(matches!(run.result, Err(DeviceFlowError::DeadlineReached)));
    assert_times(&service.poll_times(), &[0.0, 5.0, 10.0, 15.0]);
    assert_times(&[run.ended_at], &[20.0]);
}

fn a_full_ten_minute_session_stays_under_the_deadline<W: Wire>() {
    let mut service = Service::<W>::new(Some(1), Some(600), &[]);
    let run = simulate(
        &mut service,
        DeviceFlowConfig::default().second(Duration::from_millis(1)),
        1,
    );
    assert!(matches!(run.result, Err(DeviceFlowError::DeadlineReached)));
    let polls = service.poll_times();
    assert_eq!(polls.len(), 600);
    assert!(polls.iter().all(|&t| t < 600.0));
    assert!(polls.windows(2).all(|w| w[1] - w[0] >= 1.0 - 1e-9));
}

#[test]
fn aws_a_cached_registration_skips_register_client() {
    let mut service = Service::<Aws>::new(Some(1), Some(600), &[Token]);
    let cached = Registration::new(
        "cid",
        common::CLIENT_SECRET,
        common::WALL + time::Duration::days(30),
    );
    let dialect = Aws::new(common::input().registration(cached));
    let run = simulate_with(&mut service, dialect, DeviceFlowConfig::default(), 1);
    assert!(run.result.is_ok());
    let sent: Vec<&str> = service.log.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(sent, ["/device_authorization", "/token"]);
    // Token on the immediate poll: no prompt, no registration event.
    assert!(run.events.is_empty());
}

fn latency_counts_from_the_answer<W: Wire>() {
    let mut service = Service::<W>::new(Some(1), Some(600), &[Pending, Pending, Token]);
    service.latency = Duration::from_millis(250);
    let run = simulate(&mut service, DeviceFlowConfig::default(), 1);
    assert!(run.result.is_ok());
    // AWS: register 0, authorize 0.25, poll 0.5 (answered 0.75), 1.75 (answered 2.0), 3.0.
    // Standard: authorize 0, poll 0.25 (answered 0.5), 1.5 (answered 1.75), 2.75.
    let first = if W::REGISTERS { 0.5 } else { 0.25 };
    assert_times(&service.poll_times(), &[first, first + 1.25, first + 2.5]);
}

fn server_errors_back_off_deterministically_per_seed<W: Wire>() {
    let script = [
        Pending,
        ServerError,
        ServerError,
        ServerError,
        Pending,
        Token,
    ];
    let times = |seed| {
        let mut service = Service::<W>::new(Some(1), Some(600), &script);
        let run = simulate(&mut service, DeviceFlowConfig::default(), seed);
        assert!(run.result.is_ok());
        service.poll_times()
    };
    let a = times(1);
    assert_eq!(a, times(1));
    assert_eq!(a.len(), 6);
    // Each retry waits max(interval, backoff): backoff k is in [2^(k-1)/2, 2^(k-1)].
    let gaps: Vec<f64> = a.windows(2).map(|w| w[1] - w[0]).collect();
    assert!((gaps[0] - 1.0).abs() < 1e-9); // pending: interval
    assert!((gaps[1] - 1.0).abs() < 1e-9); // retry 1: backoff <= 1 s, so the interval
    assert!((1.0..=2.0).contains(&gaps[2]), "{gaps:?}"); // retry 2
    assert!((2.0..=4.0).contains(&gaps[3]), "{gaps:?}"); // retry 3
    assert!((gaps[4] - 1.0).abs() < 1e-9); // pending again
    let differs = (2..40).any(|seed| times(seed) != a);
    assert!(differs, "jitter should depend on the seed");
}

fn too_many_server_errors_in_a_row_end_the_flow<W: Wire>() {
    let mut service = Service::<W>::new(
        Some(1),
        Some(600),
        &[Pending, ServerError, ServerError, ServerError, ServerError],
    );
    let run = simulate(&mut service, DeviceFlowConfig::default(), 3);
    match run.result {
        Err(DeviceFlowError::Call(CallError::Service {
            operation,
            max_retries_reached: Some(3),
            ..
        })) => assert_eq!(operation, W::POLL),
        other => panic!("{other:?}"),
    }
    assert_eq!(service.poll_times().len(), 5);
}
