//! Deterministic simulation: the device flow against an in-memory model of the service, on a
//! virtual clock. Nothing sleeps; time jumps to each wake-up the machine asks for. Every
//! request's time is asserted, replaying the polling scripts of spec 8.6.

#[path = "common/mod.rs"]
mod common;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ssooidc_core::device::{
    DeviceFlow, DeviceFlowConfig, DeviceFlowError, Event, Output, Registration, Token,
};
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

/// An in-memory imitation of the service: it checks each request like the service would
/// (client credentials, device code, grant type, path) and answers `CreateToken` from a script
/// (pending once the script runs out, `ExpiredTokenException` from `expiresIn` on).
struct Service {
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
}

impl Service {
    fn new(interval: Option<i32>, expires_in: Option<i32>, script: &[Reply]) -> Self {
        Service {
            interval,
            expires_in,
            script: script.iter().copied().collect(),
            log: Vec::new(),
            started: None,
            latency: Duration::ZERO,
            second: Duration::from_secs(1),
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
        assert_eq!(request.headers()["content-type"], "application/json");
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        match path.as_str() {
            "/client/register" => {
                assert_eq!(body["clientType"], "public");
                assert!(body.get("grantTypes").is_none() && body.get("redirectUris").is_none());
                common::register_ok()
            }
            "/device_authorization" => {
                assert_eq!(body["clientSecret"], common::CLIENT_SECRET);
                assert_eq!(body["startUrl"], common::START_URL);
                self.started = Some(at);
                common::authorize_ok(self.interval, self.expires_in)
            }
            "/token" => {
                assert_eq!(body["clientSecret"], common::CLIENT_SECRET);
                assert_eq!(
                    body["grantType"],
                    "urn:ietf:params:oauth:grant-type:device_code"
                );
                assert_eq!(body["deviceCode"], common::DEVICE_CODE);
                let started = self
                    .started
                    .expect("polled before the authorization started");
                let lifetime = self.second * self.expires_in.unwrap_or(600) as u32;
                if at >= started + lifetime {
                    return common::error(ErrorCode::ExpiredToken);
                }
                match self.script.pop_front().unwrap_or(Reply::Pending) {
                    Reply::Pending => common::error(ErrorCode::AuthorizationPending),
                    Reply::SlowDown => common::error(ErrorCode::SlowDown),
                    Reply::Token => common::token_ok(),
                    Reply::Expired => common::error(ErrorCode::ExpiredToken),
                    Reply::Denied => common::error(ErrorCode::AccessDenied),
                    Reply::ServerError => common::error(ErrorCode::InternalServer),
                }
            }
            other => panic!("unexpected path {other}"),
        }
    }

    /// Times of the `CreateToken` requests, in protocol seconds.
    fn poll_times(&self) -> Vec<f64> {
        self.log
            .iter()
            .filter(|(_, p)| p == "/token")
            .map(|(t, _)| t.as_secs_f64() / self.second.as_secs_f64())
            .collect()
    }
}

struct Run {
    result: Result<Token, DeviceFlowError>,
    /// When the flow ended, in protocol seconds.
    ended_at: f64,
    /// (protocol seconds, event).
    events: Vec<(f64, Event)>,
    /// Interval after each answered poll, in protocol seconds.
    intervals: Vec<f64>,
}

/// Runs a whole flow on a virtual clock.
fn simulate(
    service: &mut Service,
    config: DeviceFlowConfig,
    cached: Option<Registration>,
    seed: u64,
) -> Run {
    service.second = config.second;
    let second = config.second.as_secs_f64();
    let mut input = common::input();
    if let Some(registration) = cached {
        input = input.registration(registration);
    }
    let t0 = Instant::now();
    let wall_at =
        |t: Instant| -> OffsetDateTime { common::WALL + time::Duration::try_from(t - t0).unwrap() };
    let mut flow = DeviceFlow::new(input, config, common::WALL, seed);
    let mut now = t0;
    let mut events = Vec::new();
    let mut intervals = Vec::new();
    for _ in 0..10_000 {
        match flow.poll_output().expect("no misuse") {
            Output::Transmit(ssooidc_core::machine::Transmit { request, .. }) => {
                let is_poll = request.uri().path() == "/token";
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

/// Spec 8.6, first script: 1, 6, 11.
fn script_one(second: Duration) {
    let mut service = Service::new(
        Some(1),
        Some(600),
        &[Pending, SlowDown, Pending, SlowDown, Token],
    );
    let run = simulate(
        &mut service,
        DeviceFlowConfig::default().second(second),
        None,
        1,
    );
    let token = run.result.expect("a token");
    assert_eq!(token.access_token.expose(), common::ACCESS_TOKEN);
    // Register and authorize at once, then poll 1 immediately, +1, +6, +6, +11.
    let paths: Vec<&str> = service.log.iter().map(|(_, p)| p.as_str()).collect();
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
    assert_times(&service.poll_times(), &[0.0, 1.0, 7.0, 13.0, 24.0]);
    // Interval after each reply (the table's third column).
    assert_times(&run.intervals[..4], &[1.0, 6.0, 6.0, 11.0]);
    assert_times(&[run.ended_at], &[24.0]);
    // Registered at once; the prompt after the immediate first poll.
    assert!(matches!(run.events[0], (t, Event::Registered(_)) if t == 0.0));
    assert!(matches!(run.events[1], (t, Event::Prompt(_)) if t == 0.0));
    assert_eq!(run.events.len(), 2);
}

#[test]
fn spec_8_6_interval_sequence_1_6_11() {
    script_one(Duration::from_secs(1));
}

#[test]
fn spec_8_6_interval_sequence_at_millisecond_seconds() {
    script_one(Duration::from_millis(1));
}

#[test]
fn no_interval_means_every_five_seconds() {
    let mut service = Service::new(None, Some(600), &[Pending, Pending, Pending, Token]);
    let run = simulate(&mut service, DeviceFlowConfig::default(), None, 1);
    assert!(run.result.is_ok());
    assert_times(&service.poll_times(), &[0.0, 5.0, 10.0, 15.0]);
}

#[test]
fn expired_script_stops_with_expired() {
    let mut service = Service::new(
        Some(1),
        Some(600),
        &[Pending, Pending, Pending, Pending, Expired],
    );
    let run = simulate(&mut service, DeviceFlowConfig::default(), None, 1);
    assert!(
        matches!(run.result, Err(DeviceFlowError::Expired(ref e)) if e.code() == Some(ErrorCode::ExpiredToken))
    );
    assert_times(&service.poll_times(), &[0.0, 1.0, 2.0, 3.0, 4.0]);
    assert_times(&[run.ended_at], &[4.0]);
}

#[test]
fn denied_script_stops_with_denied() {
    let mut service = Service::new(Some(1), Some(600), &[Pending, Denied]);
    let run = simulate(&mut service, DeviceFlowConfig::default(), None, 1);
    assert!(matches!(run.result, Err(DeviceFlowError::Denied(_))));
    assert_times(&service.poll_times(), &[0.0, 1.0]);
}

#[test]
fn the_machine_stops_on_its_own_at_the_deadline() {
    // The model never says anything but pending; the deadline (20 s) ends it.
    let mut service = Service::new(Some(5), Some(20), &[]);
    let run = simulate(&mut service, DeviceFlowConfig::default(), None, 1);
    assert!(matches!(run.result, Err(DeviceFlowError::DeadlineReached)));
    assert_times(&service.poll_times(), &[0.0, 5.0, 10.0, 15.0]);
    assert_times(&[run.ended_at], &[20.0]);
}

#[test]
fn a_full_ten_minute_session_stays_under_the_deadline() {
    let mut service = Service::new(Some(1), Some(600), &[]);
    let run = simulate(
        &mut service,
        DeviceFlowConfig::default().second(Duration::from_millis(1)),
        None,
        1,
    );
    assert!(matches!(run.result, Err(DeviceFlowError::DeadlineReached)));
    let polls = service.poll_times();
    assert_eq!(polls.len(), 600);
    assert!(polls.iter().all(|&t| t < 600.0));
    assert!(polls.windows(2).all(|w| w[1] - w[0] >= 1.0 - 1e-9));
}

#[test]
fn a_cached_registration_skips_register_client() {
    let mut service = Service::new(Some(1), Some(600), &[Token]);
    let cached = Registration::new(
        "cid",
        common::CLIENT_SECRET,
        common::WALL + time::Duration::days(30),
    );
    let run = simulate(&mut service, DeviceFlowConfig::default(), Some(cached), 1);
    assert!(run.result.is_ok());
    let paths: Vec<&str> = service.log.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(paths, ["/device_authorization", "/token"]);
    // Token on the immediate poll: no prompt, no registration event.
    assert!(run.events.is_empty());
}

#[test]
fn latency_counts_from_the_answer() {
    let mut service = Service::new(Some(1), Some(600), &[Pending, Pending, Token]);
    service.latency = Duration::from_millis(250);
    let run = simulate(&mut service, DeviceFlowConfig::default(), None, 1);
    assert!(run.result.is_ok());
    // register 0, authorize 0.25, poll 0.5 (answered 0.75), 1.75 (answered 2.0), 3.0.
    assert_times(&service.poll_times(), &[0.5, 1.75, 3.0]);
}

#[test]
fn server_errors_back_off_deterministically_per_seed() {
    let script = [
        Pending,
        ServerError,
        ServerError,
        ServerError,
        Pending,
        Token,
    ];
    let times = |seed| {
        let mut service = Service::new(Some(1), Some(600), &script);
        let run = simulate(&mut service, DeviceFlowConfig::default(), None, seed);
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

#[test]
fn too_many_server_errors_in_a_row_end_the_flow() {
    let mut service = Service::new(
        Some(1),
        Some(600),
        &[Pending, ServerError, ServerError, ServerError, ServerError],
    );
    let run = simulate(&mut service, DeviceFlowConfig::default(), None, 3);
    assert!(matches!(
        run.result,
        Err(DeviceFlowError::Call(CallError::Service {
            operation: "CreateToken",
            max_retries_reached: Some(3),
            ..
        }))
    ));
    assert_eq!(service.poll_times().len(), 5);
}
