//! Property tests of the device flow, in both dialects (AWS restJson1 and standard OAuth 2.0):
//! arbitrary answers (all 14 modelled errors, each in both of its dialect's encodings: with and
//! without the AWS type header, with the standard status or with 200; unknown errors, 5xx,
//! malformed bodies, `slow_down` carrying a new interval, successes), transport errors, early,
//! late and backwards clocks, and misuse, thrown at the machine in every state.
//!
//! Properties: no poll before the current interval has passed since the previous one; the
//! interval never decreases (and follows 5 s default, floor, +5 per `slow_down` and at least the
//! interval a standard `slow_down` carries, ×2 per transport error); no poll at or after the deadline; every run ends within a computable number of steps;
//! the end is absorbing; misuse is a typed error that changes nothing; nothing panics. A lost
//! token answer followed by "already used" starts one new authorization, with its own deadline
//! and interval (and its own share of the bounds).

#[path = "common/mod.rs"]
mod common;

use common::Wire;
use ssooidc_core::machine::Machine;

use std::time::{Duration, Instant};

use proptest::prelude::*;
use ssooidc_core::device::{
    Aws, DeviceFlowConfig, DeviceFlowPhase, Event, MisuseError, StartOver, TransportErrorKind,
};
use ssooidc_core::error::ErrorCode;
use ssooidc_core::machine::Output;
use ssooidc_core::oauth::Standard;

#[derive(Debug, Clone)]
enum Answer {
    /// The right success body for whatever operation is in flight.
    Success,
    /// A modelled error; `bool`: in the dialect's other encoding (AWS: without the
    /// `x-amzn-ErrorType` header; standard: with status 200).
    Modelled(ErrorCode, bool),
    /// `slow_down` carrying a new interval (seconds).
    SlowDownTo(u64),
    /// An error the model does not know.
    Unknown { status: u16, code: &'static str },
    /// A bare 5xx or 429 (a proxy's page).
    Fault(u16),
    /// A body that is not what it should be.
    Malformed { status: u16, body: Vec<u8> },
    /// No response at all.
    Transport(TransportErrorKind),
}

#[derive(Debug, Clone)]
enum Step {
    /// Answer the request in flight, `latency_milli` thousandths of a protocol second after it was
    /// sent (negative: the clock went back). Fed while nothing is in flight, it is misuse.
    Answer { answer: Answer, latency_milli: i64 },
    /// Move the clock by `delta_milli` thousandths of a protocol second (any sign) and call
    /// `handle_timeout`.
    Wake { delta_milli: i64 },
    /// Call `poll_output` twice more (misuse while a request is in flight).
    Poll,
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        8 => Just(Answer::Success),
        3 => (proptest::sample::select(ErrorCode::ALL.to_vec()), any::<bool>())
            .prop_map(|(c, h)| Answer::Modelled(c, h)),
        6 => any::<bool>().prop_map(|h| Answer::Modelled(ErrorCode::AuthorizationPending, h)),
        3 => any::<bool>().prop_map(|h| Answer::Modelled(ErrorCode::SlowDown, h)),
        1 => (0u64..40).prop_map(Answer::SlowDownTo),
        1 => (
            proptest::sample::select(vec![400u16, 403, 404, 418, 429, 500, 502, 503, 504, 599]),
            proptest::sample::select(vec!["Weird", "ThrottlingException", "RequestTimeout", "Nope"]),
        )
            .prop_map(|(status, code)| Answer::Unknown { status, code }),
        1 => proptest::sample::select(vec![429u16, 500, 502, 503, 504]).prop_map(Answer::Fault),
        1 => (
            proptest::sample::select(vec![200u16, 201, 400, 500]),
            prop_oneof![
                Just(b"".to_vec()),
                Just(b"{".to_vec()),
                Just(b"null".to_vec()),
                Just(br#"{"accessToken":1}"#.to_vec()),
                proptest::collection::vec(any::<u8>(), 0..40).prop_map(|mut v| {
                    v.insert(0, b'<');
                    v
                }),
            ],
        )
            .prop_map(|(status, body)| Answer::Malformed { status, body }),
        2 => proptest::sample::select(vec![
            TransportErrorKind::Timeout,
            TransportErrorKind::Connect,
            TransportErrorKind::Other,
        ])
        .prop_map(Answer::Transport),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (answer(), prop_oneof![4 => 0i64..2_000, 1 => -5_000i64..0])
            .prop_map(|(answer, latency_milli)| Step::Answer { answer, latency_milli }),
        6 => prop_oneof![
            4 => 0i64..30_000,
            1 => -10_000i64..0,
            1 => 0i64..3_000_000,
        ]
        .prop_map(|delta_milli| Step::Wake { delta_milli }),
        1 => Just(Step::Poll),
    ]
}

#[derive(Debug, Clone)]
struct Setup {
    second: Duration,
    min_interval: Option<u32>,
    max_retries: u32,
    default_expires_in: u32,
    interval: Option<i32>,
    expires_in: Option<i32>,
    seed: u64,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        proptest::sample::select(vec![
            Duration::from_millis(1),
            Duration::from_millis(10),
            Duration::from_secs(1),
        ]),
        proptest::option::of(0u32..8),
        0u32..5,
        1u32..200,
        proptest::option::of(-2i32..12),
        proptest::option::of(-2i32..150),
        any::<u64>(),
    )
        .prop_map(
            |(
                second,
                min_interval,
                max_retries,
                default_expires_in,
                interval,
                expires_in,
                seed,
            )| {
                Setup {
                    second,
                    min_interval,
                    max_retries,
                    default_expires_in,
                    interval,
                    expires_in,
                    seed,
                }
            },
        )
}

fn respond<W: Wire>(
    answer: &Answer,
    phase: DeviceFlowPhase,
    setup: &Setup,
) -> Option<http::Response<Vec<u8>>> {
    Some(match answer {
        Answer::Success => match phase {
            DeviceFlowPhase::Register => common::register_ok(),
            DeviceFlowPhase::Authorize => W::authorize_ok(setup.interval, setup.expires_in),
            _ => W::token_ok(),
        },
        Answer::Modelled(code, quirk) => W::error_as(*code, *quirk),
        Answer::SlowDownTo(interval) => W::slow_down_to(*interval),
        Answer::Unknown { status, code } => W::unknown(*status, code),
        Answer::Fault(status) => common::response(*status, "<html>busy</html>"),
        Answer::Malformed { status, body } => common::response(*status, body.clone()),
        Answer::Transport(_) => return None,
    })
}

fn secs(n: u64, second: Duration) -> Duration {
    second * u32::try_from(n).unwrap()
}

/// The harness's own model of the interval and deadline, from what it fed the machine.
#[derive(Debug, Default)]
struct Model {
    interval: Option<Duration>,
    deadline: Option<Instant>,
    last_poll: Option<Instant>,
    polls: u64,
    transmits: u64,
    /// New authorizations after a lost token answer (at most one).
    restarts: u64,
}

fn run<W: Wire>(setup: Setup, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let config = DeviceFlowConfig::default()
        .second(setup.second)
        .min_interval(setup.min_interval)
        .max_retries(setup.max_retries)
        .default_expires_in(setup.default_expires_in);
    let mut flow = W::flow(config, setup.seed);

    let floor = Instant::now();
    let t0 = floor + Duration::from_secs(3600);
    let mut now = t0; // the clock the harness feeds (may go back)
    let mut latest = t0; // the latest instant fed: the machine's notion of now
    flow.handle_timeout(t0).unwrap(); // a spurious timeout: tells the machine about t0
    let mut model = Model::default();
    let mut steps = steps.into_iter();

    // Bound on the number of outputs: per phase at most max_retries + 1 setup requests; polls
    // are at least one protocol second apart and all before the deadline; each request costs
    // at most a transmit and a timeout output; plus two events, every scripted step, and Done.
    let lifetime_secs = match setup.expires_in {
        Some(e) if e > 0 => e as u64,
        _ => u64::from(setup.default_expires_in),
    };
    let retries = u64::from(setup.max_retries) + 1;
    let transmit_bound = 2 * retries + lifetime_secs + 1;
    let step_bound = 2 * transmit_bound + steps.len() as u64 + 3;
    // A new authorization after a lost token answer (once) allows as much again, plus its
    // event and its prompt.
    let bounds = |model: &Model| {
        (
            transmit_bound * (1 + model.restarts),
            step_bound + model.restarts * (2 * transmit_bound + 2),
        )
    };

    let mut outputs = 0u64;
    let result = loop {
        outputs += 1;
        let step_bound = bounds(&model).1;
        prop_assert!(outputs <= step_bound, "no end within {step_bound} outputs");
        if let Some(i) = flow.interval() {
            let expected = model.interval.expect("model interval");
            prop_assert_eq!(i, expected, "interval drifted from the model");
        }
        match flow.poll_output() {
            Err(e) => return Err(TestCaseError::fail(format!("poll_output: {e}"))),
            Ok(Output::Event(Event::StartingOver(StartOver::AnswerLost(_)))) => {
                // A new authorization: a new deadline and interval, and its first poll at once.
                prop_assert_eq!(model.restarts, 0, "a second new authorization");
                model.restarts += 1;
                model.last_poll = None;
                continue;
            }
            Ok(Output::Event(Event::StartingOver(other))) => {
                return Err(TestCaseError::fail(format!(
                    "no cached registration to reject, yet {other:?}"
                )))
            }
            Ok(Output::Event(_)) => continue,
            Ok(Output::Done(result)) => break result,
            Ok(Output::Timeout(at)) => {
                // Misuse probes while waiting change nothing.
                match steps.next() {
                    Some(Step::Wake { delta_milli }) => {
                        now = common::shift(now, delta_milli, floor, setup.second)
                    }
                    Some(Step::Answer { answer, .. }) => {
                        let misuse = match respond::<W>(&answer, flow.phase(), &setup) {
                            Some(r) => flow.handle_response(latest, common::WALL, r),
                            None => flow.handle_transport_error(
                                latest,
                                common::WALL,
                                TransportErrorKind::Other.into(),
                            ),
                        };
                        prop_assert_eq!(misuse, Err(MisuseError::NoRequestOutstanding));
                        match flow.poll_output() {
                            Ok(Output::Timeout(again)) => prop_assert_eq!(again, at),
                            other => {
                                return Err(TestCaseError::fail(format!("after misuse: {other:?}")))
                            }
                        }
                        continue;
                    }
                    Some(Step::Poll) => continue,
                    None => now = now.max(at),
                }
                latest = latest.max(now);
                flow.handle_timeout(now).unwrap();
            }
            Ok(Output::Transmit(ssooidc_core::machine::Transmit { request, .. })) => {
                model.transmits += 1;
                prop_assert!(model.transmits <= bounds(&model).0, "too many requests");
                if request.uri().path() == W::TOKEN_PATH {
                    // Never at or after the deadline, never before the interval.
                    let deadline = model.deadline.expect("deadline");
                    prop_assert!(latest < deadline, "a poll at or after the deadline");
                    if let Some(previous) = model.last_poll {
                        let interval = model.interval.expect("interval");
                        prop_assert!(
                            latest.duration_since(previous) >= interval,
                            "polled after {:?}, interval {:?}",
                            latest.duration_since(previous),
                            interval
                        );
                    }
                    model.last_poll = Some(latest);
                    model.polls += 1;
                }
                // Take steps until one answers the request.
                let (answer, latency_milli) = loop {
                    match steps.next() {
                        Some(Step::Answer {
                            answer,
                            latency_milli,
                        }) => break (answer, latency_milli),
                        Some(Step::Wake { delta_milli }) => {
                            // Spurious while in flight: a no-op.
                            now = common::shift(now, delta_milli, floor, setup.second);
                            latest = latest.max(now);
                            flow.handle_timeout(now).unwrap();
                        }
                        Some(Step::Poll) => {
                            prop_assert_eq!(
                                flow.poll_output().err(),
                                Some(MisuseError::RequestOutstanding)
                            );
                        }
                        None => {
                            let default = if flow.phase() == DeviceFlowPhase::Poll {
                                Answer::Modelled(ErrorCode::AuthorizationPending, false)
                            } else {
                                Answer::Success
                            };
                            break (default, 0);
                        }
                    }
                };
                now = common::shift(now, latency_milli, floor, setup.second);
                latest = latest.max(now);
                let phase = flow.phase();
                match respond::<W>(&answer, phase, &setup) {
                    Some(response) => flow.handle_response(now, common::WALL, response).unwrap(),
                    None => {
                        let Answer::Transport(kind) = answer else {
                            unreachable!()
                        };
                        flow.handle_transport_error(now, common::WALL, kind.into())
                            .unwrap();
                    }
                }
                // Update the model from what was fed.
                match (phase, &answer) {
                    (DeviceFlowPhase::Authorize, Answer::Success) => {
                        let base = match setup.interval {
                            Some(i) if i > 0 => i as u64,
                            _ => 5,
                        };
                        let base = base.max(u64::from(setup.min_interval.unwrap_or(0)));
                        model.interval = Some(secs(base, setup.second));
                        model.deadline = Some(latest + secs(lifetime_secs, setup.second));
                        prop_assert_eq!(flow.deadline().or(model.deadline), model.deadline);
                    }
                    (DeviceFlowPhase::Poll, Answer::Modelled(ErrorCode::SlowDown, _)) => {
                        model.interval = model.interval.map(|i| i + secs(5, setup.second));
                    }
                    (DeviceFlowPhase::Poll, Answer::SlowDownTo(server)) => {
                        model.interval = model.interval.map(|i| {
                            let slowed = i + secs(5, setup.second);
                            if W::SLOW_DOWN_CARRIES_INTERVAL && *server > 0 {
                                slowed.max(secs(*server, setup.second))
                            } else {
                                slowed
                            }
                        });
                    }
                    (DeviceFlowPhase::Poll, Answer::Transport(_)) => {
                        model.interval = model.interval.map(|i| i * 2);
                    }
                    _ => {}
                }
            }
        }
    };

    // Absorbing: the same result again, every input refused.
    for _ in 0..2 {
        match flow.poll_output() {
            Ok(Output::Done(again)) => prop_assert_eq!(&again, &result),
            other => return Err(TestCaseError::fail(format!("after Done: {other:?}"))),
        }
    }
    prop_assert_eq!(flow.handle_timeout(latest), Err(MisuseError::Finished));
    prop_assert_eq!(
        flow.handle_response(latest, common::WALL, W::token_ok()),
        Err(MisuseError::Finished)
    );
    prop_assert_eq!(
        flow.handle_transport_error(latest, common::WALL, TransportErrorKind::Timeout.into()),
        Err(MisuseError::Finished)
    );
    prop_assert!(flow.is_done());
    // The output's Debug never shows a secret.
    let shown = format!("{result:?}");
    prop_assert!(!shown.contains(common::ACCESS_TOKEN) && !shown.contains(common::CLIENT_SECRET));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_ends_well_aws(setup in setup(), steps in proptest::collection::vec(step(), 0..120)) {
        run::<Aws>(setup, steps)?;
    }

    #[test]
    fn any_sequence_ends_well_standard(setup in setup(), steps in proptest::collection::vec(step(), 0..120)) {
        run::<Standard>(setup, steps)?;
    }

    #[test]
    fn long_polling_sequences_end_well_aws(setup in setup(), steps in long_polling()) {
        run::<Aws>(setup, with_setup_answered::<Aws>(steps))?;
    }

    #[test]
    fn long_polling_sequences_end_well_standard(setup in setup(), steps in long_polling()) {
        run::<Standard>(setup, with_setup_answered::<Standard>(steps))?;
    }
}

/// Steps that exercise the polling phase: pending, slow_down (with and without an interval),
/// faults, timeouts, clock moves.
fn long_polling() -> impl Strategy<Value = Vec<Step>> {
    proptest::collection::vec(
        prop_oneof![
            3 => (prop_oneof![
                    3 => any::<bool>().prop_map(|h| Answer::Modelled(ErrorCode::AuthorizationPending, h)),
                    2 => any::<bool>().prop_map(|h| Answer::Modelled(ErrorCode::SlowDown, h)),
                    1 => (0u64..30).prop_map(Answer::SlowDownTo),
                    1 => Just(Answer::Fault(503)),
                    1 => Just(Answer::Transport(TransportErrorKind::Timeout)),
                ], -100i64..500)
                .prop_map(|(answer, latency_milli)| Step::Answer { answer, latency_milli }),
            2 => (-1_000i64..20_000).prop_map(|delta_milli| Step::Wake { delta_milli }),
        ],
        0..400,
    )
}

/// `steps` after successes to the setup calls (register when the dialect does, authorize), so
/// that they exercise the polling phase.
fn with_setup_answered<W: Wire>(steps: Vec<Step>) -> Vec<Step> {
    let success = Step::Answer {
        answer: Answer::Success,
        latency_milli: 0,
    };
    let setup_calls = if W::REGISTERS { 2 } else { 1 };
    let mut all = vec![success; setup_calls];
    all.extend(steps);
    all
}
