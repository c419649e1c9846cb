//! `device::DeviceFlow` driven by arbitrary event sequences: responses built from arbitrary
//! statuses, error codes and bodies (spec vectors, modelled errors, raw bytes), transport
//! errors, timeouts, and time moving forwards, backwards and far ahead, with the invariants of
//! `core/tests/device_properties.rs` asserted on every step:
//!
//! - no poll before the current interval has passed since the previous poll;
//! - the interval never decreases (and follows the 5 s default, the floor, +5 per `slow_down`,
//!   x2 per transport error, when the harness knows what it fed), capped at an hour
//!   (`MAX_INTERVAL_SECS`) unless the floor is longer;
//! - the deadline is at most a day (`MAX_EXPIRES_IN_SECS`) and at most `MAX_WAIT` away, and no
//!   wait the machine asks for is more than `MAX_WAIT` after the latest instant it was given;
//! - no poll at or after the deadline, and the deadline never moves (within one authorization:
//!   starting over gives a new one);
//! - each way of starting over happens at most once, a rejected registration only for a cached
//!   one, and nothing else is ever emitted twice;
//! - the run ends within a bound of the number of steps;
//! - `Done` is absorbing; misuse is a typed error that changes nothing; nothing panics;
//! - no `Debug` of the flow, a request or the result, and no error message, shows the client
//!   secret, the device code or the token (values the input cannot know: `Unguessable`).
#![no_main]

use ssooidc_core::machine::Machine;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ssooidc_core::device::{
    DeviceFlow, DeviceFlowConfig, DeviceFlowInput, Event, MisuseError, DeviceFlowOutput, DeviceFlowPhase, Registration,
    StartOver, TransportErrorKind, MAX_EXPIRES_IN_SECS, MAX_INTERVAL_SECS,
};
use ssooidc_core::endpoint::{resolve, Endpoint, EndpointParams};
use ssooidc_core::error::{encode_error, ErrorCode};
use ssooidc_core::machine::MAX_WAIT;
use ssooidc_core::ServiceError;
use ssooidc_fuzz::{json, shift, ArbResponse, Unguessable};
use time::OffsetDateTime;

/// The secrets of one execution, unguessable to the input (see `Unguessable`): the service's
/// answers carry them, and no `Debug` of the flow, a request or the result may show them.
struct Known {
    client_secret: String,
    device_code: String,
    access_token: String,
}

impl Known {
    fn new(unguessable: &Unguessable) -> Self {
        Known {
            client_secret: unguessable.secret("csec-"),
            device_code: unguessable.secret("dc-"),
            access_token: unguessable.secret("at-"),
        }
    }

    fn assert_hidden(&self, shown: &str) {
        Unguessable::assert_hidden(
            shown,
            [&self.client_secret, &self.device_code, &self.access_token].map(String::as_str),
        );
    }
}

#[derive(Debug, Arbitrary)]
enum Second {
    Milli,
    TenMilli,
    One,
    Zero,
    Nanos(u64),
}

#[derive(Debug, Arbitrary)]
struct Setup {
    second: Second,
    min_interval: Option<u32>,
    max_retries: u8,
    default_expires_in: u32,
    /// `interval` and `expiresIn` of the canned StartDeviceAuthorization success.
    interval: Option<i32>,
    expires_in: Option<i32>,
    /// `clientSecretExpiresAt` of the canned RegisterClient success, relative to the wall.
    secret_expires_in: Option<i64>,
    /// `expiresIn` of the canned token.
    token_expires_in: Option<i32>,
    /// A cached registration expiring this many seconds after the wall time.
    cached: Option<i32>,
    scopes: Option<Vec<String>>,
    start_url: Option<String>,
    endpoint: Option<String>,
    seed: u64,
}

#[derive(Debug, Arbitrary)]
enum Answer {
    /// The right success body for whatever operation is in flight.
    Success,
    /// A modelled error (`ErrorCode::ALL[code % 14]`), with or without the type header.
    Modelled {
        code: u8,
        header: bool,
    },
    /// The polling answers, more often.
    Pending {
        header: bool,
    },
    SlowDown {
        header: bool,
    },
    /// Spec vectors and raw responses.
    Other(ArbResponse),
    Transport(u8),
}

#[derive(Debug, Arbitrary)]
enum Step {
    /// Answer the request in flight, `latency_milli` thousandths of a protocol second after
    /// the clock's current value (negative: the clock went back). Misuse when nothing is out.
    Answer { answer: Answer, latency_milli: i32 },
    /// Move the clock by `delta_milli` thousandths of a protocol second and call
    /// `handle_timeout`.
    Wake { delta_milli: i32 },
    /// Move the clock by whole protocol seconds.
    Jump { secs: u32 },
    /// Wake exactly at the instant the machine asked for.
    WakeOnTime,
    /// Call `poll_output` again (misuse while a request is in flight).
    Poll,
}

type Input = ssooidc_fuzz::Scripted<Setup, Step>;

fn protocol_seconds(n: u64, second: Duration) -> Duration {
    let nanos = second.as_nanos().saturating_mul(u128::from(n));
    match u64::try_from(nanos / 1_000_000_000) {
        Ok(secs) => Duration::new(secs, (nanos % 1_000_000_000) as u32),
        Err(_) => Duration::MAX,
    }
}

fn respond(
    answer: &Answer,
    phase: DeviceFlowPhase,
    setup: &Setup,
    wall: OffsetDateTime,
    known: &Known,
) -> Option<http::Response<Vec<u8>>> {
    let modelled = |code: ErrorCode, header: bool| {
        encode_error(&ServiceError::from_code(code, "fuzz"), header)
    };
    Some(match answer {
        Answer::Success => match phase {
            DeviceFlowPhase::Register => {
                let secret = &known.client_secret;
                let mut body = format!(r#"{{"clientId":"cid","clientSecret":"{secret}""#);
                if let Some(s) = setup.secret_expires_in {
                    let at = wall.unix_timestamp().saturating_add(s);
                    body.push_str(&format!(r#","clientSecretExpiresAt":{at}"#));
                }
                body.push('}');
                json(200, body)
            }
            DeviceFlowPhase::Authorize => {
                let mut body = format!(
                    r#"{{"deviceCode":"{}","userCode":"ABCD-EFGH","verificationUri":"https://x/""#,
                    known.device_code
                );
                if let Some(i) = setup.interval {
                    body.push_str(&format!(r#","interval":{i}"#));
                }
                if let Some(e) = setup.expires_in {
                    body.push_str(&format!(r#","expiresIn":{e}"#));
                }
                body.push('}');
                json(200, body)
            }
            _ => {
                let token = &known.access_token;
                let mut body = format!(r#"{{"accessToken":"{token}","tokenType":"Bearer""#);
                if let Some(e) = setup.token_expires_in {
                    body.push_str(&format!(r#","expiresIn":{e}"#));
                }
                body.push('}');
                json(200, body)
            }
        },
        Answer::Modelled { code, header } => modelled(
            ErrorCode::ALL[usize::from(*code) % ErrorCode::ALL.len()],
            *header,
        ),
        Answer::Pending { header } => modelled(ErrorCode::AuthorizationPending, *header),
        Answer::SlowDown { header } => modelled(ErrorCode::SlowDown, *header),
        Answer::Other(r) => r.build(),
        Answer::Transport(_) => return None,
    })
}

fn transport_kind(k: u8) -> TransportErrorKind {
    [
        TransportErrorKind::Timeout,
        TransportErrorKind::Connect,
        TransportErrorKind::Other,
    ][usize::from(k) % 3]
}

fn run(input: Input) {
    let Input { setup, wall, steps } = input;
    let known = Known::new(&Unguessable::new());
    let second = match setup.second {
        Second::Milli => Duration::from_millis(1),
        Second::TenMilli => Duration::from_millis(10),
        Second::One => Duration::from_secs(1),
        Second::Zero => Duration::ZERO,
        Second::Nanos(n) => Duration::from_nanos(n),
    };
    let config = DeviceFlowConfig::default()
        .second(second)
        .min_interval(setup.min_interval)
        .max_retries(u32::from(setup.max_retries % 6))
        .default_expires_in(setup.default_expires_in);
    let endpoint = setup
        .endpoint
        .as_deref()
        .and_then(|e| Endpoint::parse(e).ok())
        .unwrap_or_else(|| resolve(&EndpointParams::region("us-east-1")).unwrap());
    let mut input = DeviceFlowInput::new(
        endpoint,
        setup
            .start_url
            .clone()
            .unwrap_or_else(|| "https://d-1234567890.awsapps.com/start".to_owned()),
        "botocore-client-fuzz",
    );
    if let Some(scopes) = &setup.scopes {
        input = input.scopes(scopes.iter().cloned());
    }
    if let Some(secs) = setup.cached {
        let expires = wall
            .checked_add(time::Duration::seconds(i64::from(secs)))
            .unwrap_or(wall);
        input = input.registration(Registration::new(
            "cached-cid",
            known.client_secret.as_str(),
            expires,
        ));
    }
    let mut flow = DeviceFlow::new(input, config, wall, setup.seed);
    // The first interval the policy gives, and the one the interval never grows past.
    let first_interval = {
        let server = match setup.interval {
            Some(i) if i > 0 => (i as u64).min(MAX_INTERVAL_SECS),
            _ => 5,
        };
        protocol_seconds(
            server.max(u64::from(setup.min_interval.unwrap_or(0))),
            second,
        )
    };
    let ceiling = first_interval.max(protocol_seconds(MAX_INTERVAL_SECS, second));

    // Feeding anything before the first request is misuse.
    let t0 = Instant::now() + Duration::from_secs(3600);
    assert_eq!(
        flow.handle_transport_error(t0, wall, TransportErrorKind::Other.into()),
        Err(MisuseError::NoRequestOutstanding)
    );
    flow.handle_timeout(t0).expect("a spurious timeout is fine");

    let mut now = t0; // the clock the harness feeds (may go back)
    let mut latest = t0; // the latest instant fed: the machine's idea of now
    let mut last_poll: Option<Instant> = None;
    let mut interval: Option<Duration> = None;
    let mut deadline: Option<Instant> = None;
    let mut prompted = false;
    let mut registered = false;
    let mut rejected = false;
    let mut lost = false;
    // Starting over (twice at most) adds a handful of outputs of its own.
    let bound = steps.len() + 40;
    let mut steps = steps.into_iter();
    let mut outputs = 0usize;

    let result = loop {
        outputs += 1;
        assert!(outputs <= bound, "no end within {bound} outputs");
        known.assert_hidden(&format!("{flow:?}"));
        // The interval never decreases; the deadline never moves.
        if let Some(i) = flow.interval() {
            if let Some(previous) = interval {
                assert!(
                    i >= previous,
                    "the interval went from {previous:?} to {i:?}"
                );
            }
            interval = Some(i);
        }
        if let Some(d) = flow.deadline() {
            assert_eq!(*deadline.get_or_insert(d), d, "the deadline moved");
        }
        match flow.poll_output() {
            Err(e) => panic!("poll_output with nothing in flight: {e}"),
            Ok(DeviceFlowOutput::Event(Event::Prompt(prompt))) => {
                assert!(!prompted, "a second prompt");
                prompted = true;
                assert_eq!(Some(prompt.expires_at), flow.deadline());
            }
            Ok(DeviceFlowOutput::Event(Event::Registered(_))) => {
                assert!(!registered, "a second registration");
                registered = true;
            }
            Ok(DeviceFlowOutput::Event(Event::StartingOver(why))) => {
                match why {
                    StartOver::RegistrationRejected(_) => {
                        assert!(!rejected, "a second re-registration");
                        assert!(
                            setup.cached.is_some() && !registered,
                            "a fresh one replaced"
                        );
                        assert_eq!(flow.phase(), DeviceFlowPhase::Register);
                        rejected = true;
                    }
                    StartOver::AnswerLost(_) => {
                        assert!(!lost, "a second new authorization");
                        assert_eq!(flow.phase(), DeviceFlowPhase::Authorize);
                        lost = true;
                    }
                    other => panic!("unknown way of starting over {other:?}"),
                }
                // A new authorization: a new deadline, interval and prompt.
                (deadline, interval, last_poll, prompted) = (None, None, None, false);
            }
            Ok(DeviceFlowOutput::Event(other)) => panic!("unknown event {other:?}"),
            Ok(DeviceFlowOutput::Done(result)) => break result,
            Ok(DeviceFlowOutput::Timeout(at)) => {
                // `latest` only grows; the wait was asked for at some earlier instant.
                assert!(
                    at <= latest.checked_add(MAX_WAIT).unwrap_or(at),
                    "a wait of more than MAX_WAIT: {:?}",
                    at.saturating_duration_since(latest)
                );
                let phase = flow.phase();
                match steps.next() {
                    Some(Step::Wake { delta_milli }) => {
                        now = shift(now, i64::from(delta_milli), second)
                    }
                    Some(Step::Jump { secs }) => {
                        now = now
                            .checked_add(protocol_seconds(u64::from(secs), second))
                            .unwrap_or(now)
                    }
                    Some(Step::WakeOnTime) => now = at,
                    Some(Step::Answer { answer, .. }) => {
                        // Misuse while waiting changes nothing.
                        let misuse = match respond(&answer, phase, &setup, wall, &known) {
                            Some(r) => flow.handle_response(latest, wall, r),
                            None => flow.handle_transport_error(latest, wall, TransportErrorKind::Other.into()),
                        };
                        assert_eq!(misuse, Err(MisuseError::NoRequestOutstanding));
                        match flow.poll_output() {
                            Ok(DeviceFlowOutput::Timeout(again)) => assert_eq!(again, at),
                            other => panic!("after misuse: {other:?}"),
                        }
                        assert_eq!(flow.phase(), phase);
                        continue;
                    }
                    Some(Step::Poll) => continue,
                    None => {
                        // Out of steps: end quickly. While polling, go to the deadline (the
                        // machine must then end without another poll); otherwise wake on time.
                        now = match (phase, flow.deadline()) {
                            (DeviceFlowPhase::Poll, Some(d)) => d.max(at),
                            _ => at,
                        };
                    }
                }
                latest = latest.max(now);
                flow.handle_timeout(now)
                    .expect("handle_timeout while waiting is fine");
            }
            Ok(DeviceFlowOutput::Transmit(transmit)) => {
                known.assert_hidden(&format!("{transmit:?}"));
                let request = transmit.request;
                let phase = flow.phase();
                assert_eq!(request.method(), http::Method::POST);
                let path = request.uri().path().to_owned();
                let expected = match phase {
                    DeviceFlowPhase::Register => "/client/register",
                    DeviceFlowPhase::Authorize => "/device_authorization",
                    DeviceFlowPhase::Poll => "/token",
                    DeviceFlowPhase::Done => panic!("a request after the end"),
                    _ => panic!("unknown phase"),
                };
                assert!(path.ends_with(expected), "{path} in {phase:?}");
                if phase == DeviceFlowPhase::Poll {
                    let d = flow.deadline().expect("a deadline while polling");
                    assert!(latest < d, "a poll at or after the deadline");
                    if let Some(previous) = last_poll {
                        let i = flow.interval().expect("an interval while polling");
                        let since = latest.duration_since(previous);
                        assert!(
                            since >= i,
                            "polled {since:?} after the previous poll, interval {i:?}"
                        );
                    }
                    last_poll = Some(latest);
                }
                // Take steps until one answers the request.
                let (answer, latency_milli) = loop {
                    match steps.next() {
                        Some(Step::Answer {
                            answer,
                            latency_milli,
                        }) => break (answer, i64::from(latency_milli)),
                        Some(Step::Wake { delta_milli }) => {
                            now = shift(now, i64::from(delta_milli), second);
                            latest = latest.max(now);
                            flow.handle_timeout(now)
                                .expect("a spurious timeout while in flight is a no-op");
                        }
                        Some(Step::Jump { secs }) => {
                            now = now
                                .checked_add(protocol_seconds(u64::from(secs), second))
                                .unwrap_or(now);
                            latest = latest.max(now);
                            flow.handle_timeout(now)
                                .expect("a spurious timeout while in flight is a no-op");
                        }
                        Some(Step::WakeOnTime) => {}
                        Some(Step::Poll) => assert_eq!(
                            flow.poll_output().err(),
                            Some(MisuseError::RequestOutstanding)
                        ),
                        None => {
                            let default = if phase == DeviceFlowPhase::Poll {
                                Answer::Pending { header: true }
                            } else {
                                Answer::Success
                            };
                            break (default, 0);
                        }
                    }
                };
                now = shift(now, latency_milli, second);
                latest = latest.max(now);
                let before = flow.interval();
                match respond(&answer, phase, &setup, wall, &known) {
                    Some(response) => flow
                        .handle_response(now, wall, response)
                        .expect("a response to the request in flight"),
                    None => {
                        let Answer::Transport(k) = answer else {
                            unreachable!()
                        };
                        flow.handle_transport_error(now, wall, transport_kind(k).into())
                            .expect("a transport error of the request in flight");
                    }
                }
                // Where the harness knows what it fed, the interval follows the policy exactly.
                match (phase, &answer, flow.phase()) {
                    (DeviceFlowPhase::Authorize, Answer::Success, DeviceFlowPhase::Poll | DeviceFlowPhase::Done) => {
                        if let Some(i) = flow.interval() {
                            assert_eq!(i, first_interval, "first interval");
                            let life = match setup.expires_in {
                                Some(e) if e > 0 => e as u64,
                                _ => u64::from(setup.default_expires_in),
                            };
                            let life = protocol_seconds(life.min(MAX_EXPIRES_IN_SECS), second)
                                .min(MAX_WAIT);
                            if let Some(d) = latest.checked_add(life) {
                                assert_eq!(flow.deadline(), Some(d), "deadline");
                            }
                        }
                    }
                    (DeviceFlowPhase::Poll, Answer::SlowDown { .. }, DeviceFlowPhase::Poll) => {
                        let b = before.expect("interval");
                        assert_eq!(
                            flow.interval(),
                            Some(b.saturating_add(protocol_seconds(5, second)).min(ceiling)),
                            "slow_down adds 5 s, up to the ceiling"
                        );
                    }
                    (DeviceFlowPhase::Poll, Answer::Transport(_), DeviceFlowPhase::Poll) => {
                        let b = before.expect("interval");
                        assert_eq!(
                            flow.interval(),
                            Some(b.saturating_mul(2).min(ceiling)),
                            "x2, up to the ceiling"
                        );
                    }
                    _ => {}
                }
            }
        }
    };

    // Absorbing: the same result again, every input refused.
    for _ in 0..2 {
        match flow.poll_output() {
            Ok(DeviceFlowOutput::Done(again)) => assert_eq!(again, result),
            other => panic!("after Done: {other:?}"),
        }
    }
    assert_eq!(flow.handle_timeout(latest), Err(MisuseError::Finished));
    assert_eq!(
        flow.handle_response(latest, wall, json(200, String::new())),
        Err(MisuseError::Finished)
    );
    assert_eq!(
        flow.handle_transport_error(latest, wall, TransportErrorKind::Timeout.into()),
        Err(MisuseError::Finished)
    );
    assert!(flow.is_done());
    assert_eq!(flow.phase(), DeviceFlowPhase::Done);
    if let Err(e) = &result {
        known.assert_hidden(&e.to_string());
    }
    // No Debug shows a secret: the input cannot hold one (they are unguessable), so whatever
    // it writes into shown fields (scopes, the start URL, raw response bodies) is not a leak.
    known.assert_hidden(&format!("{result:?}"));
    known.assert_hidden(&format!("{flow:?}"));
}

fuzz_target!(|input: Input| run(input));
