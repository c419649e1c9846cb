//! `authcode::AuthCodeFlow` (the browser login) driven by arbitrary event sequences: responses
//! built from arbitrary statuses, error codes and bodies, transport errors, timeouts, time
//! moving forwards, backwards and far ahead, and callbacks of every kind at any moment (the
//! right one, forged states, refusals, favicons, arbitrary targets), with the invariants of
//! `core/tests/authcode_properties.rs` asserted on every step:
//!
//! - never a `CreateToken` before a callback with the login's state was accepted, and never a
//!   token without one and a successful exchange;
//! - a callback is accepted only before the deadline; a forged state ends the flow at once;
//! - at most one `Authorize` event and one `Registered` event per authorization, and at most
//!   one start over (`StartingOver(RegistrationRejected)`, only with a cached registration and
//!   usable spare secrets), after which the URL and the exchange carry the spare `state` and
//!   verifier and the spent state changes nothing;
//! - the run ends within a bound of the number of steps;
//! - `Done` is absorbing; misuse is a typed error that changes nothing; nothing panics; no
//!   secret shows in `Debug` (the verifiers, the code, the client secret and the token carry a
//!   value the input cannot know: `Unguessable`, so a scope or a body that the input fills with
//!   anything is never mistaken for a leak).
#![no_main]

use ssooidc_core::machine::Machine;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ssooidc_core::authcode::{
    AuthCodeConfig, AuthCodeError, AuthCodeFlow, AuthCodeInput, CallbackReply, LoginSecrets,
    MisuseError, AuthCodeOutput, AuthCodePhase,
};
use ssooidc_core::device::{Event, Registration, StartOver};
use ssooidc_core::endpoint::{resolve, Endpoint, EndpointParams};
use ssooidc_core::error::{encode_error, ErrorCode};
use ssooidc_core::{ServiceError, TransportErrorKind};
use ssooidc_fuzz::{json, shift, ArbResponse, Unguessable};
use time::OffsetDateTime;

// The fixed secrets' visible parts; each is completed with this execution's `Unguessable`
// value, so that no input can write a secret into a field that is shown (issue: the fuzzer
// learned the verifier and put it in a scope, and the oracle called that a leak).
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27";
const STATE: &str = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f";
const SPARE_VERIFIER: &str = "abcdefghijklmnopqrstuvwxyz-.";
const SPARE_STATE: &str = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";

/// The secrets of one execution: the service's answers and the browser's callback carry them.
struct Known {
    client_secret: String,
    access_token: String,
    code: String,
}

#[derive(Debug, Arbitrary)]
enum Second {
    Milli,
    One,
    Zero,
    Nanos(u64),
}

#[derive(Debug, Arbitrary)]
struct Setup {
    second: Second,
    max_retries: u8,
    callback_timeout: u32,
    /// A cached registration expiring this many seconds after the wall time; PKCE or not.
    cached: Option<(i32, bool)>,
    scopes: Option<Vec<String>>,
    endpoint: Option<String>,
    port: u16,
    /// Fresh secrets from these bytes instead of the fixed ones.
    random: Option<[u8; 32]>,
    /// Spare secrets (for starting over): none, the fixed ones, or from these bytes.
    spare: Option<Option<[u8; 32]>>,
    secret_expires_in: Option<i64>,
    seed: u64,
}

#[derive(Debug, Arbitrary)]
enum Answer {
    Success,
    Modelled { code: u8, header: bool },
    Other(ArbResponse),
    Transport(u8),
}

#[derive(Debug, Arbitrary)]
enum Callback {
    Approve,
    /// The code with a state made of these bytes (hex).
    Forged(Vec<u8>),
    /// `error`, with the login's state, another one, or none.
    Refuse(Option<bool>),
    /// Nothing but a path.
    Favicon,
    /// Any request target.
    Raw(String),
    /// `error=invalid_client` (true) or `unauthorized_client`, with the login's state.
    RejectClient(bool),
    /// The code with the first authorization's state.
    Spent,
}

#[derive(Debug, Arbitrary)]
enum Step {
    Answer { answer: Answer, latency_milli: i32 },
    Wake { delta_milli: i32 },
    Jump { secs: u32 },
    WakeOnTime,
    Callback(Callback),
    Poll,
}

type Input = ssooidc_fuzz::Scripted<Setup, Step>;

fn respond(
    answer: &Answer,
    phase: AuthCodePhase,
    setup: &Setup,
    wall: OffsetDateTime,
    known: &Known,
) -> Option<http::Response<Vec<u8>>> {
    Some(match answer {
        Answer::Success if phase == AuthCodePhase::Register => {
            let secret = &known.client_secret;
            let mut body = format!(r#"{{"clientId":"cid","clientSecret":"{secret}""#);
            if let Some(s) = setup.secret_expires_in {
                let at = wall.unix_timestamp().saturating_add(s);
                body.push_str(&format!(r#","clientSecretExpiresAt":{at}"#));
            }
            body.push('}');
            json(200, body)
        }
        Answer::Success => json(
            200,
            format!(
                r#"{{"accessToken":"{}","tokenType":"Bearer","expiresIn":3600}}"#,
                known.access_token
            ),
        ),
        Answer::Modelled { code, header } => encode_error(
            &ServiceError::from_code(
                ErrorCode::ALL[usize::from(*code) % ErrorCode::ALL.len()],
                "fuzz",
            ),
            *header,
        ),
        Answer::Other(r) => r.build(),
        Answer::Transport(_) => return None,
    })
}

fn transport_kind(k: u8) -> TransportErrorKind {
    [
        TransportErrorKind::Timeout,
        TransportErrorKind::Connect,
        TransportErrorKind::ConnectionClosed,
        TransportErrorKind::Tls,
        TransportErrorKind::Other,
    ][usize::from(k) % 5]
}

fn target(callback: &Callback, state: &str, first_state: &str, code: &str) -> String {
    match callback {
        Callback::Approve => format!("/oauth/callback?code={code}&state={state}"),
        Callback::Spent => format!("/oauth/callback?code={code}&state={first_state}"),
        Callback::RejectClient(invalid) => format!(
            "/oauth/callback?error={}&state={state}",
            if *invalid {
                "invalid_client"
            } else {
                "unauthorized_client"
            }
        ),
        Callback::Forged(bytes) => {
            let forged: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("/oauth/callback?code={code}&state={forged}")
        }
        Callback::Refuse(None) => "/oauth/callback?error=access_denied".to_owned(),
        Callback::Refuse(Some(true)) => {
            format!("/oauth/callback?error=access_denied&state={state}")
        }
        Callback::Refuse(Some(false)) => "/oauth/callback?error=x&state=not-it".to_owned(),
        Callback::Favicon => "/favicon.ico".to_owned(),
        Callback::Raw(raw) => raw.clone(),
    }
}

fn run(input: Input) {
    let Input { setup, wall, steps } = input;
    let unguessable = Unguessable::new();
    let known = Known {
        client_secret: unguessable.secret("csec-"),
        access_token: unguessable.secret("at-"),
        code: unguessable.secret("code-"),
    };
    let second = match setup.second {
        Second::Milli => Duration::from_millis(1),
        Second::One => Duration::from_secs(1),
        Second::Zero => Duration::ZERO,
        Second::Nanos(n) => Duration::from_nanos(n),
    };
    let config = AuthCodeConfig::default()
        .second(second)
        .max_retries(u32::from(setup.max_retries % 6))
        .callback_timeout(setup.callback_timeout);
    let endpoint = setup
        .endpoint
        .as_deref()
        .and_then(|e| Endpoint::parse(e).ok())
        .unwrap_or_else(|| resolve(&EndpointParams::region("us-east-1")).unwrap());
    let mut input = AuthCodeInput::new(endpoint, "https://d-1234567890.awsapps.com/start", "fuzz");
    if let Some(scopes) = &setup.scopes {
        input = input.scopes(scopes.iter().cloned());
    }
    if let Some((secs, pkce)) = setup.cached {
        let expires = wall
            .checked_add(time::Duration::seconds(i64::from(secs)))
            .unwrap_or(wall);
        let registration = Registration::new("cached-cid", known.client_secret.as_str(), expires);
        input = input.registration(if pkce {
            registration.with_grant_types(Some(vec!["authorization_code".into()]))
        } else {
            registration
        });
    }
    let secrets = match &setup.random {
        Some(random) => LoginSecrets::generate(&unguessable.mix(*random)),
        None => LoginSecrets::new(unguessable.secret(VERIFIER), STATE).unwrap(),
    };
    let first_state = secrets.state().expose().to_owned();
    let mut state = first_state.clone();
    let mut verifier = secrets.verifier().expose().to_owned();
    let spare = setup.spare.map(|spare| match spare {
        Some(random) => LoginSecrets::generate(&unguessable.mix(random)),
        None => LoginSecrets::new(unguessable.secret(SPARE_VERIFIER), SPARE_STATE).unwrap(),
    });
    let spare_pair = spare.as_ref().map(|s| {
        (
            s.state().expose().to_owned(),
            s.verifier().expose().to_owned(),
        )
    });
    // Spare secrets equal to the first ones are not used.
    let spare_usable = spare_pair
        .as_ref()
        .is_some_and(|(s, v)| *s != state && *v != verifier);
    let t0 = Instant::now() + Duration::from_secs(3600);
    let mut flow = AuthCodeFlow::new(input, config, setup.port, secrets, t0, wall, setup.seed);
    if let Some(spare) = spare {
        flow = flow.with_spare_secrets(spare);
    }
    let cached_at_start = flow.uses_cached_registration();
    let mut started_over = false;

    let mut now = t0;
    let mut latest = t0;
    let mut deadline: Option<Instant> = None;
    let mut accepted = false;
    let mut exchanged = false;
    let mut registered = false;
    let bound = steps.len() + 80;
    let mut steps = steps.into_iter();
    let mut outputs = 0usize;
    let first_verifier = verifier.clone();
    let spare_verifier = spare_pair.as_ref().map(|(_, v)| v.clone());
    let secrets_shown = |shown: &str| {
        let fixed = [&known.code, &known.client_secret, &known.access_token];
        Unguessable::assert_hidden(
            shown,
            [first_verifier.as_str()]
                .into_iter()
                .chain(fixed.map(String::as_str))
                .chain(spare_verifier.as_deref()),
        );
    };

    let result = loop {
        outputs += 1;
        assert!(outputs <= bound, "no end within {bound} outputs");
        secrets_shown(&format!("{flow:?}"));
        match flow.poll_output() {
            Err(e) => panic!("poll_output with nothing in flight: {e}"),
            Ok(AuthCodeOutput::Event(Event::Authorize(request))) => {
                assert!(deadline.is_none(), "a second authorize request");
                assert!(request.url.as_str().contains(&format!("&state={state}&")));
                deadline = Some(request.expires_at);
                assert_eq!(flow.deadline(), deadline);
            }
            Ok(AuthCodeOutput::Event(Event::Registered(r))) => {
                assert!(!registered, "a second registration in one authorization");
                assert!(r.is_authorization_code());
                registered = true;
            }
            Ok(AuthCodeOutput::Event(Event::StartingOver(StartOver::RegistrationRejected(e)))) => {
                assert!(
                    cached_at_start && spare_usable,
                    "started over without a cache or spare secrets"
                );
                assert!(!started_over, "started over twice");
                assert!(matches!(
                    e.code(),
                    Some(ErrorCode::InvalidClient | ErrorCode::UnauthorizedClient)
                ));
                assert_eq!(flow.phase(), AuthCodePhase::Register);
                started_over = true;
                registered = false;
                deadline = None;
                accepted = false;
                exchanged = false;
                let (s, v) = spare_pair.clone().expect("spare secrets");
                state = s;
                verifier = v;
            }
            Ok(AuthCodeOutput::Event(other)) => panic!("an event the browser login never emits: {other:?}"),
            Ok(AuthCodeOutput::Done(result)) => break result,
            Ok(AuthCodeOutput::Timeout(at)) => {
                let phase = flow.phase();
                match steps.next() {
                    Some(Step::Wake { delta_milli }) => {
                        now = shift(now, i64::from(delta_milli), second)
                    }
                    Some(Step::Jump { secs }) => now = shift(now, i64::from(secs) * 1000, second),
                    Some(Step::WakeOnTime) | None => now = at,
                    Some(Step::Answer { answer, .. }) => {
                        let misuse = match respond(&answer, phase, &setup, wall, &known) {
                            Some(r) => flow.handle_response(latest, wall, r),
                            None => flow.handle_transport_error(latest, wall, TransportErrorKind::Other.into()),
                        };
                        assert_eq!(misuse, Err(MisuseError::NoRequestOutstanding));
                        match flow.poll_output() {
                            Ok(AuthCodeOutput::Timeout(again)) => assert_eq!(again, at),
                            other => panic!("after misuse: {other:?}"),
                        }
                        continue;
                    }
                    Some(Step::Callback(callback)) => {
                        let target = target(&callback, &state, &first_state, &known.code);
                        let reply = flow
                            .handle_callback(now, &target)
                            .expect("a callback while waiting");
                        latest = latest.max(now);
                        let _ = reply.http_response();
                        if phase != AuthCodePhase::Authorize {
                            assert_eq!(reply, CallbackReply::NotWaiting);
                            continue;
                        }
                        let d = deadline.expect("a deadline while waiting for the browser");
                        match reply {
                            CallbackReply::NotWaiting => {
                                assert!(started_over, "NotWaiting while waiting");
                                assert!(target.contains(&format!("state={first_state}")));
                                assert_eq!(flow.phase(), AuthCodePhase::Authorize);
                            }
                            CallbackReply::Accepted => {
                                assert!(latest < d, "accepted at or after the deadline");
                                assert!(target.contains(&format!("state={state}")), "{target}");
                                accepted = true;
                            }
                            CallbackReply::Forged => assert!(matches!(
                                flow.poll_output(),
                                Ok(AuthCodeOutput::Done(Err(AuthCodeError::StateMismatch)))
                            )),
                            CallbackReply::TimedOut => assert!(latest >= d),
                            CallbackReply::Ignored => assert_eq!(flow.phase(), AuthCodePhase::Authorize),
                            CallbackReply::Refused(_) => assert!(
                                flow.is_done()
                                    || (flow.phase() == AuthCodePhase::Register
                                        && !started_over
                                        && matches!(callback, Callback::RejectClient(_)))
                            ),
                            other => panic!("{other:?} while waiting"),
                        }
                        continue;
                    }
                    Some(Step::Poll) => continue,
                }
                latest = latest.max(now);
                flow.handle_timeout(now)
                    .expect("handle_timeout while waiting is fine");
            }
            Ok(AuthCodeOutput::Transmit(transmit)) => {
                let phase = flow.phase();
                let path = transmit.request.uri().path().to_owned();
                match phase {
                    AuthCodePhase::Register => assert!(path.ends_with("/client/register"), "{path}"),
                    AuthCodePhase::Exchange => {
                        assert!(path.ends_with("/token"), "{path}");
                        assert!(accepted, "CreateToken without an accepted callback");
                        let body: serde_json::Value =
                            serde_json::from_slice(transmit.request.body()).unwrap();
                        assert_eq!(body["codeVerifier"].as_str(), Some(verifier.as_str()));
                    }
                    other => panic!("a request in {other:?}"),
                }
                secrets_shown(&format!("{transmit:?}"));
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
                                .expect("a spurious timeout in flight is a no-op");
                        }
                        Some(Step::Jump { secs }) => {
                            now = shift(now, i64::from(secs) * 1000, second);
                            latest = latest.max(now);
                            flow.handle_timeout(now)
                                .expect("a spurious timeout in flight is a no-op");
                        }
                        Some(Step::WakeOnTime) => {}
                        Some(Step::Callback(callback)) => {
                            let reply = flow
                                .handle_callback(
                                    now,
                                    &target(&callback, &state, &first_state, &known.code),
                                )
                                .expect("a callback while a request is out");
                            latest = latest.max(now);
                            assert_eq!(reply, CallbackReply::NotWaiting);
                            assert_eq!(flow.phase(), phase);
                        }
                        Some(Step::Poll) => assert_eq!(
                            flow.poll_output().err(),
                            Some(MisuseError::RequestOutstanding)
                        ),
                        None => break (Answer::Success, 0),
                    }
                };
                now = shift(now, latency_milli, second);
                latest = latest.max(now);
                match respond(&answer, phase, &setup, wall, &known) {
                    Some(response) => {
                        flow.handle_response(now, wall, response)
                            .expect("a response to the request in flight");
                        if phase == AuthCodePhase::Exchange {
                            exchanged = true;
                        }
                    }
                    None => {
                        let Answer::Transport(k) = answer else {
                            unreachable!()
                        };
                        flow.handle_transport_error(now, wall, transport_kind(k).into())
                            .expect("a transport error of the request in flight");
                    }
                }
            }
        }
    };

    if result.is_ok() {
        assert!(accepted, "a token without an accepted callback");
        assert!(exchanged, "a token without an answered exchange");
    }
    for _ in 0..2 {
        match flow.poll_output() {
            Ok(AuthCodeOutput::Done(again)) => assert_eq!(again, result),
            other => panic!("after Done: {other:?}"),
        }
    }
    assert_eq!(flow.handle_timeout(latest), Err(MisuseError::Finished));
    assert_eq!(
        flow.handle_callback(
            latest,
            &format!("/oauth/callback?code={}&state={state}", known.code)
        ),
        Err(MisuseError::Finished)
    );
    assert_eq!(
        flow.handle_transport_error(latest, wall, TransportErrorKind::Timeout.into()),
        Err(MisuseError::Finished)
    );
    assert_eq!(flow.phase(), AuthCodePhase::Done);
    if let Err(e) = &result {
        let _ = e.to_string();
    }
    secrets_shown(&format!("{flow:?}"));
}

fuzz_target!(|input: Input| run(input));
