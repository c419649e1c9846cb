//! Property tests of the browser (authorization-code + PKCE) login: arbitrary answers, transport
//! errors, callbacks of every kind at any moment (the right one, forged states, refusals,
//! favicons, garbage, a rejected client, the spent state after starting over), early, late and
//! backwards clocks, and misuse, thrown at the machine in every state.
//!
//! Properties: never a token without a callback carrying the login's state **and** a successful
//! `CreateToken` that sent that code with the verifier; no `CreateToken` at all unless such a
//! callback was accepted before the deadline; a forged state ends the flow at once; every run
//! ends within a computable number of outputs; the end is absorbing; misuse is a typed error
//! that changes nothing; no secret ever shows in `Debug`; nothing panics. Starting over (a
//! rejected registration): at most once, only with a cached registration, always with the spare
//! `state` and verifier afterwards, and the spent state changes nothing.

#[path = "common/mod.rs"]
mod common;

use ssooidc_core::machine::Machine;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use ssooidc_core::authcode::{
    s256_challenge, AuthCodeConfig, AuthCodeError, AuthCodeFlow, AuthCodeInput, AuthCodeOutput,
    AuthCodePhase, CallbackReply, LoginSecrets, MisuseError,
};
use ssooidc_core::device::{Event, StartOver};
use ssooidc_core::endpoint::{resolve, EndpointParams};
use ssooidc_core::error::{encode_error, ErrorCode};
use ssooidc_core::{ServiceError, TransportErrorKind};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const STATE: &str = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f";
const CODE: &str = "code-very-secret";
const SPARE_VERIFIER: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.";
const SPARE_STATE: &str = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
const PORT: u16 = 49152;

#[derive(Debug, Clone)]
enum Answer {
    Success,
    Modelled(ErrorCode, bool),
    Fault(u16),
    Malformed(Vec<u8>),
    Transport(TransportErrorKind),
}

#[derive(Debug, Clone)]
enum Callback {
    /// The code with the login's state.
    Approve,
    /// The code with another state.
    Forged(String),
    /// `error=...`, with the login's state, another one, or none.
    Refuse(Option<bool>),
    Favicon,
    /// Any request target at all.
    Raw(String),
    /// `error=invalid_client` (true) or `unauthorized_client` with the login's state.
    RejectClient(bool),
    /// The code with the first state (spent once the flow started over).
    Spent,
}

#[derive(Debug, Clone)]
enum Step {
    Answer { answer: Answer, latency_milli: i64 },
    Wake { delta_milli: i64 },
    WakeOnTime,
    Callback(Callback),
    Poll,
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        6 => Just(Answer::Success),
        3 => (proptest::sample::select(ErrorCode::ALL.to_vec()), any::<bool>())
            .prop_map(|(c, h)| Answer::Modelled(c, h)),
        1 => any::<bool>().prop_map(|h| Answer::Modelled(ErrorCode::InvalidClient, h)),
        1 => proptest::sample::select(vec![429u16, 500, 502, 503]).prop_map(Answer::Fault),
        1 => prop_oneof![
            Just(b"".to_vec()),
            Just(b"{".to_vec()),
            Just(br#"{"accessToken":1}"#.to_vec()),
            proptest::collection::vec(any::<u8>(), 0..30),
        ]
        .prop_map(Answer::Malformed),
        2 => proptest::sample::select(vec![
            TransportErrorKind::Timeout,
            TransportErrorKind::Connect,
            TransportErrorKind::ConnectionClosed,
            TransportErrorKind::Tls,
        ])
        .prop_map(Answer::Transport),
    ]
}

fn callback() -> impl Strategy<Value = Callback> {
    prop_oneof![
        3 => Just(Callback::Approve),
        2 => prop_oneof![
            Just(STATE.to_uppercase()),
            Just(format!("{STATE}0")),
            Just(STATE[..35].to_owned()),
            "[a-f0-9-]{0,40}",
        ]
        .prop_map(Callback::Forged),
        1 => proptest::option::of(any::<bool>()).prop_map(Callback::Refuse),
        2 => Just(Callback::Favicon),
        1 => "[ -~]{0,60}".prop_map(Callback::Raw),
        1 => any::<bool>().prop_map(Callback::RejectClient),
        1 => Just(Callback::Spent),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (answer(), prop_oneof![4 => 0i64..2_000, 1 => -5_000i64..0])
            .prop_map(|(answer, latency_milli)| Step::Answer { answer, latency_milli }),
        3 => prop_oneof![4 => 0i64..30_000, 1 => -10_000i64..0, 1 => 0i64..3_000_000]
            .prop_map(|delta_milli| Step::Wake { delta_milli }),
        1 => Just(Step::WakeOnTime),
        5 => callback().prop_map(Step::Callback),
        1 => Just(Step::Poll),
    ]
}

#[derive(Debug, Clone)]
struct Setup {
    second: Duration,
    max_retries: u32,
    callback_timeout: u32,
    cached: Option<(i64, bool)>,
    seed: u64,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        proptest::sample::select(vec![
            Duration::from_millis(1),
            Duration::from_secs(1),
            Duration::ZERO,
        ]),
        0u32..4,
        prop_oneof![Just(0u32), 1u32..700],
        proptest::option::of((-30i64..200_000, any::<bool>())),
        any::<u64>(),
    )
        .prop_map(
            |(second, max_retries, callback_timeout, cached, seed)| Setup {
                second,
                max_retries,
                callback_timeout,
                cached,
                seed,
            },
        )
}

fn respond(answer: &Answer, phase: AuthCodePhase) -> Option<http::Response<Vec<u8>>> {
    Some(match answer {
        Answer::Success if phase == AuthCodePhase::Register => common::register_ok(),
        Answer::Success => common::token_ok(),
        Answer::Modelled(code, header) => {
            encode_error(&ServiceError::from_code(*code, "prop"), *header)
        }
        Answer::Fault(status) => common::response(*status, "<html>busy</html>"),
        Answer::Malformed(body) => common::response(200, body.clone()),
        Answer::Transport(_) => return None,
    })
}

/// The request target of `callback` while the login's state is `state`.
fn target(callback: &Callback, state: &str) -> String {
    match callback {
        Callback::Approve => format!("/oauth/callback?code={CODE}&state={state}"),
        Callback::Spent => format!("/oauth/callback?code={CODE}&state={STATE}"),
        Callback::RejectClient(invalid) => format!(
            "/oauth/callback?error={}&state={state}",
            if *invalid {
                "invalid_client"
            } else {
                "unauthorized_client"
            }
        ),
        Callback::Forged(state) => format!("/oauth/callback?code={CODE}&state={state}"),
        Callback::Refuse(None) => "/oauth/callback?error=access_denied".to_owned(),
        Callback::Refuse(Some(true)) => {
            format!("/oauth/callback?error=access_denied&error_description=no&state={state}")
        }
        Callback::Refuse(Some(false)) => "/oauth/callback?error=access_denied&state=x".to_owned(),
        Callback::Favicon => "/favicon.ico".to_owned(),
        Callback::Raw(raw) => raw.clone(),
    }
}

/// What the harness saw.
#[derive(Debug, Default)]
struct Model {
    deadline: Option<Instant>,
    /// A callback with the login's state was accepted.
    accepted: bool,
    /// A `CreateToken` was answered with a token.
    exchanged: bool,
    transmits: u64,
    /// The flow started over (a rejected cached registration).
    started_over: bool,
}

impl Model {
    /// The `state` and verifier of the current authorization.
    fn secrets(&self) -> (&'static str, &'static str) {
        if self.started_over {
            (SPARE_STATE, SPARE_VERIFIER)
        } else {
            (STATE, VERIFIER)
        }
    }
}

fn no_secret_in(shown: &str) -> Result<(), TestCaseError> {
    for secret in [
        VERIFIER,
        SPARE_VERIFIER,
        CODE,
        common::CLIENT_SECRET,
        common::ACCESS_TOKEN,
        common::REFRESH_TOKEN,
    ] {
        prop_assert!(!shown.contains(secret), "{} in Debug: {}", secret, shown);
    }
    Ok(())
}

fn run(setup: Setup, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let config = AuthCodeConfig::default()
        .second(setup.second)
        .max_retries(setup.max_retries)
        .callback_timeout(setup.callback_timeout);
    let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
    let mut input = AuthCodeInput::new(endpoint, common::START_URL, common::CLIENT_NAME);
    if let Some((minutes, pkce)) = setup.cached {
        let registration = common::cached(minutes);
        input = input.registration(if pkce {
            registration.with_grant_types(Some(vec!["authorization_code".into()]))
        } else {
            registration
        });
    }
    let floor = Instant::now();
    let t0 = floor + Duration::from_secs(3600);
    let secrets = LoginSecrets::new(VERIFIER, STATE).unwrap();
    let mut flow = AuthCodeFlow::new(input, config, PORT, secrets, t0, common::WALL, setup.seed)
        .with_spare_secrets(LoginSecrets::new(SPARE_VERIFIER, SPARE_STATE).unwrap());
    // Whether the flow may start over: it uses a cached registration.
    let cached_at_start = flow.uses_cached_registration();
    let mut now = t0;
    let mut latest = t0;
    let mut model = Model::default();
    let step_count = steps.len() as u64;
    let mut steps = steps.into_iter();

    let retries = u64::from(setup.max_retries) + 1;
    // Register and exchange, twice when the flow starts over.
    let transmit_bound = 4 * retries;
    let output_bound = 2 * transmit_bound + step_count + 8;
    let mut outputs = 0u64;

    let result = loop {
        outputs += 1;
        prop_assert!(
            outputs <= output_bound,
            "no end within {output_bound} outputs"
        );
        no_secret_in(&format!("{flow:?}"))?;
        let output = match flow.poll_output() {
            Ok(output) => output,
            Err(e) => return Err(TestCaseError::fail(format!("poll_output: {e}"))),
        };
        no_secret_in(&format!("{output:?}"))?;
        match output {
            AuthCodeOutput::Event(Event::Authorize(request)) => {
                let url = request.url.as_str();
                let (state, verifier) = model.secrets();
                prop_assert!(url.contains(&format!("&state={state}&")), "{url}");
                prop_assert!(
                    url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A49152%2Foauth%2Fcallback")
                );
                let challenge = format!("&code_challenge={}", s256_challenge(verifier));
                prop_assert!(url.ends_with(&challenge), "{}", url);
                prop_assert!(
                    model.deadline.is_none(),
                    "one authorize request per authorization"
                );
                model.deadline = Some(request.expires_at);
            }
            AuthCodeOutput::Event(Event::StartingOver(StartOver::RegistrationRejected(e))) => {
                prop_assert!(
                    cached_at_start,
                    "started over without a cached registration"
                );
                prop_assert!(!model.started_over, "started over twice");
                prop_assert!(matches!(
                    e.code(),
                    Some(ErrorCode::InvalidClient | ErrorCode::UnauthorizedClient)
                ));
                prop_assert_eq!(flow.phase(), AuthCodePhase::Register);
                model.started_over = true;
                model.deadline = None;
                model.accepted = false;
                model.exchanged = false;
            }
            AuthCodeOutput::Event(_) => {}
            AuthCodeOutput::Done(result) => break result,
            AuthCodeOutput::Timeout(at) => match steps.next() {
                Some(Step::Wake { delta_milli }) => {
                    now = common::shift(now, delta_milli, floor, setup.second);
                    latest = latest.max(now);
                    flow.handle_timeout(now).unwrap();
                }
                Some(Step::WakeOnTime) | None => {
                    now = now.max(at);
                    latest = latest.max(now);
                    flow.handle_timeout(now).unwrap();
                }
                Some(Step::Answer { answer, .. }) => {
                    let misuse = match respond(&answer, flow.phase()) {
                        Some(r) => flow.handle_response(latest, common::WALL, r),
                        None => flow.handle_transport_error(
                            latest,
                            common::WALL,
                            TransportErrorKind::Other.into(),
                        ),
                    };
                    prop_assert_eq!(misuse, Err(MisuseError::NoRequestOutstanding));
                    match flow.poll_output() {
                        Ok(AuthCodeOutput::Timeout(again)) => prop_assert_eq!(again, at),
                        other => {
                            return Err(TestCaseError::fail(format!("after misuse: {other:?}")))
                        }
                    }
                }
                Some(Step::Callback(callback)) => {
                    let phase = flow.phase();
                    let cached = flow.uses_cached_registration();
                    let reply = flow
                        .handle_callback(now, &target(&callback, model.secrets().0))
                        .unwrap();
                    latest = latest.max(now);
                    check_reply(&flow, &mut model, phase, cached, &callback, &reply, latest)?;
                }
                Some(Step::Poll) => {}
            },
            AuthCodeOutput::Transmit(ssooidc_core::machine::Transmit { request, .. }) => {
                model.transmits += 1;
                prop_assert!(model.transmits <= transmit_bound, "too many requests");
                let phase = flow.phase();
                if request.uri().path() == "/token" {
                    prop_assert!(model.accepted, "CreateToken without an accepted callback");
                    let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
                    prop_assert_eq!(&body["code"], CODE);
                    prop_assert_eq!(&body["codeVerifier"], model.secrets().1);
                    prop_assert_eq!(
                        &body["redirectUri"],
                        "http://127.0.0.1:49152/oauth/callback"
                    );
                } else {
                    prop_assert_eq!(request.uri().path(), "/client/register");
                    prop_assert_eq!(phase, AuthCodePhase::Register);
                }
                let (answer, latency_milli) = loop {
                    match steps.next() {
                        Some(Step::Answer {
                            answer,
                            latency_milli,
                        }) => break (answer, latency_milli),
                        Some(Step::Wake { delta_milli }) => {
                            now = common::shift(now, delta_milli, floor, setup.second);
                            latest = latest.max(now);
                            flow.handle_timeout(now).unwrap();
                        }
                        Some(Step::WakeOnTime) => flow.handle_timeout(now).unwrap(),
                        Some(Step::Poll) => prop_assert_eq!(
                            flow.poll_output().err(),
                            Some(MisuseError::RequestOutstanding)
                        ),
                        Some(Step::Callback(callback)) => {
                            // Nothing a browser sends changes a flow that is not waiting for it.
                            let reply = flow
                                .handle_callback(now, &target(&callback, model.secrets().0))
                                .unwrap();
                            latest = latest.max(now);
                            prop_assert_eq!(reply, CallbackReply::NotWaiting);
                            prop_assert_eq!(flow.phase(), phase);
                        }
                        None => break (Answer::Success, 0),
                    }
                };
                now = common::shift(now, latency_milli, floor, setup.second);
                latest = latest.max(now);
                let cached = flow.uses_cached_registration();
                match respond(&answer, phase) {
                    Some(response) => flow.handle_response(now, common::WALL, response).unwrap(),
                    None => {
                        let Answer::Transport(kind) = answer else {
                            unreachable!()
                        };
                        flow.handle_transport_error(now, common::WALL, kind.into())
                            .unwrap();
                    }
                }
                if phase == AuthCodePhase::Exchange && matches!(answer, Answer::Success) {
                    model.exchanged = true;
                }
                if phase == AuthCodePhase::Exchange
                    && matches!(answer, Answer::Modelled(ErrorCode::InvalidClient, _))
                {
                    // A cached registration is replaced; a new one's rejection is the end.
                    if cached {
                        prop_assert_eq!(flow.phase(), AuthCodePhase::Register);
                    } else {
                        prop_assert!(matches!(
                            flow.poll_output(),
                            Ok(AuthCodeOutput::Done(Err(
                                AuthCodeError::RegistrationRejected(_)
                            )))
                        ));
                    }
                }
            }
        }
    };

    // Never a token without a matching state and a successful exchange.
    if let Ok(token) = &result {
        prop_assert!(
            model.accepted && model.exchanged,
            "a token from nowhere: {model:?}"
        );
        prop_assert_eq!(token.access_token.expose(), common::ACCESS_TOKEN);
    }
    if !model.accepted {
        prop_assert!(result.is_err());
    }
    // Absorbing.
    for _ in 0..2 {
        match flow.poll_output() {
            Ok(AuthCodeOutput::Done(again)) => prop_assert_eq!(&again, &result),
            other => return Err(TestCaseError::fail(format!("after Done: {other:?}"))),
        }
    }
    prop_assert_eq!(flow.handle_timeout(latest), Err(MisuseError::Finished));
    prop_assert_eq!(
        flow.handle_callback(
            latest,
            &format!("/oauth/callback?code={CODE}&state={STATE}")
        ),
        Err(MisuseError::Finished)
    );
    prop_assert_eq!(
        flow.handle_response(latest, common::WALL, common::token_ok()),
        Err(MisuseError::Finished)
    );
    prop_assert_eq!(
        flow.handle_transport_error(latest, common::WALL, TransportErrorKind::Timeout.into()),
        Err(MisuseError::Finished)
    );
    no_secret_in(&format!("{result:?} {flow:?}"))?;
    Ok(())
}

/// What a callback fed while the flow waited (or not) must have done.
#[allow(clippy::too_many_arguments)]
fn check_reply(
    flow: &AuthCodeFlow,
    model: &mut Model,
    phase: AuthCodePhase,
    cached: bool,
    callback: &Callback,
    reply: &CallbackReply,
    latest: Instant,
) -> Result<(), TestCaseError> {
    if phase != AuthCodePhase::Authorize {
        prop_assert_eq!(reply, &CallbackReply::NotWaiting);
        return Ok(());
    }
    let deadline = model.deadline.expect("a deadline while waiting");
    if latest >= deadline {
        prop_assert_eq!(reply, &CallbackReply::TimedOut);
        prop_assert!(flow.is_done());
        return Ok(());
    }
    let (state, _) = model.secrets();
    match (callback, reply) {
        (Callback::Spent, r) if model.started_over => {
            prop_assert_eq!(r, &CallbackReply::NotWaiting);
            prop_assert_eq!(flow.phase(), AuthCodePhase::Authorize);
        }
        (Callback::Approve | Callback::Spent, CallbackReply::Accepted) => {
            model.accepted = true;
            prop_assert_eq!(flow.phase(), AuthCodePhase::Exchange);
        }
        // An empty state counts as none: not a callback.
        (Callback::Forged(forged), r) if forged.is_empty() => {
            prop_assert_eq!(r, &CallbackReply::Ignored)
        }
        (Callback::Forged(forged), r) if forged == STATE && model.started_over => {
            prop_assert_eq!(r, &CallbackReply::NotWaiting)
        }
        (Callback::Forged(forged), r) if forged != state => {
            prop_assert_eq!(r, &CallbackReply::Forged);
            prop_assert!(flow.is_done());
        }
        (Callback::RejectClient(_), CallbackReply::Refused(_)) => {
            if cached {
                // Starting over: the event comes next, then a new registration.
                prop_assert_eq!(flow.phase(), AuthCodePhase::Register);
                return Ok(());
            }
            prop_assert!(flow.is_done());
        }
        (Callback::Refuse(Some(false)), r) => prop_assert_eq!(r, &CallbackReply::Forged),
        (Callback::Refuse(_), r) => prop_assert!(matches!(r, CallbackReply::Refused(_))),
        (Callback::Favicon, r) => {
            prop_assert_eq!(r, &CallbackReply::Ignored);
            prop_assert_eq!(flow.phase(), AuthCodePhase::Authorize);
        }
        (Callback::Raw(_), CallbackReply::Accepted) => {
            return Err(TestCaseError::fail(
                "a raw target without the state was accepted",
            ))
        }
        (Callback::Raw(_), _) => {}
        (c, r) => return Err(TestCaseError::fail(format!("{c:?} gave {r:?}"))),
    }
    if flow.is_done() {
        prop_assert!(reply.is_failure(), "{reply:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_ends_well(setup in setup(), steps in proptest::collection::vec(step(), 0..80)) {
        run(setup, steps)?;
    }

    #[test]
    fn callbacks_while_waiting(
        setup in setup(),
        steps in proptest::collection::vec(callback().prop_map(Step::Callback), 0..20),
    ) {
        // Register first, so the callbacks reach the wait for the browser.
        let mut all = vec![Step::Answer { answer: Answer::Success, latency_milli: 0 }];
        all.extend(steps);
        run(setup, all)?;
    }
}

#[test]
fn the_error_of_a_forged_state_is_the_mismatch() {
    // A fixed case of the property above, readable on its own.
    let steps = vec![
        Step::Answer {
            answer: Answer::Success,
            latency_milli: 0,
        },
        Step::Callback(Callback::Forged("x".into())),
    ];
    let setup = Setup {
        second: Duration::from_secs(1),
        max_retries: 1,
        callback_timeout: 600,
        cached: None,
        seed: 1,
    };
    run(setup.clone(), steps.clone()).unwrap();
    // And by hand: the flow ends with the mismatch.
    let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
    let input = AuthCodeInput::new(endpoint, common::START_URL, common::CLIENT_NAME)
        .registration(common::cached(60).with_grant_types(Some(vec!["authorization_code".into()])));
    let t0 = Instant::now();
    let secrets = LoginSecrets::new(VERIFIER, STATE).unwrap();
    let mut flow = AuthCodeFlow::new(
        input,
        AuthCodeConfig::default(),
        PORT,
        secrets,
        t0,
        common::WALL,
        1,
    );
    let _ = flow.poll_output();
    let reply = flow.handle_callback(t0, "/oauth/callback?code=c&state=x");
    assert_eq!(reply, Ok(CallbackReply::Forged));
    assert!(matches!(
        flow.poll_output(),
        Ok(AuthCodeOutput::Done(Err(AuthCodeError::StateMismatch)))
    ));
}
