//! `refresh::Refresher` with an arbitrary cached token (any expiry, any refresh fields), any
//! clock (also one behind the last attempt), any policy, and arbitrary event sequences:
//! responses (canned successes, spec vectors, raw bytes), transport errors, polls and misuse.
//!
//! Invariants: at most one request (the refresh runs with no retries here), and only before any
//! answer; `RequestOutstanding` misuse while it is out;
//! answers when nothing is out are misuse; `Done` is absorbing; the outcome agrees with the
//! token and the clock (refreshed tokens carry the new access token and expire after the
//! answer; fallbacks only to a token still valid then) and a refreshed file round-trips through
//! the cache format; no `Debug` of the refresher, its request or the outcome, and no error
//! message, shows the cached token's access token, client secret or refresh token (values the
//! input cannot know: `Unguessable`).
#![no_main]

use ssooidc_core::machine::Machine;
use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use ssooidc_core::cache::CachedToken;
use ssooidc_core::endpoint::{resolve, EndpointParams};
use ssooidc_core::machine::{MisuseError, Output};
use ssooidc_core::refresh::{
    NotRefreshed, RefreshError, RefreshInput, RefreshOutcome, RefreshPolicy, Refresher, Urgency,
};
use ssooidc_core::retry::RetryPolicy;
use ssooidc_core::{Secret, TransportError, TransportErrorKind};
use ssooidc_fuzz::{ArbResponse, Unguessable};
use time::{Duration, OffsetDateTime};

#[derive(Debug, Arbitrary)]
enum Event {
    Poll,
    /// A CreateToken success with this access token, `expiresIn` and refresh token.
    Refreshed {
        access_token: String,
        expires_in: Option<i32>,
        refresh_token: Option<String>,
    },
    Response(ArbResponse),
    Transport(String),
    /// The clock moves by this many seconds before the next event.
    Advance(i32),
}

#[derive(Debug)]
struct Input {
    now: OffsetDateTime,
    expires_in: i64,
    registration_expires_in: Option<i64>,
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    last_attempt: Option<i64>,
    policy: Option<(i64, i64, i64)>,
    start_url: Option<String>,
    region: Option<String>,
    events: Vec<Event>,
}

fn near(u: &mut Unstructured<'_>) -> arbitrary::Result<i64> {
    Ok(match u.int_in_range(0u8..=2)? {
        0 => u.arbitrary()?,
        _ => i64::from(u.int_in_range(-7200i32..=7200)?),
    })
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Input {
            now: ssooidc_fuzz::wall(u)?,
            expires_in: near(u)?,
            registration_expires_in: if u.arbitrary()? { Some(near(u)?) } else { None },
            refresh_token: u.arbitrary()?,
            client_id: u.arbitrary()?,
            client_secret: u.arbitrary()?,
            last_attempt: if u.arbitrary()? { Some(near(u)?) } else { None },
            policy: u.arbitrary()?,
            start_url: u.arbitrary()?,
            region: u.arbitrary()?,
            events: u.arbitrary()?,
        })
    }
}

fn at(now: OffsetDateTime, secs: i64) -> OffsetDateTime {
    now.checked_add(Duration::seconds(secs)).unwrap_or(now)
}

fn json(body: String) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap()
}

fn run(mut input: Input) {
    let mut now = input.now;
    // The cached token's secrets are values the input cannot know (`Unguessable`): whether
    // there is a client secret or a refresh token is the input's choice, never their text, so
    // that no start URL, region, body or transport message it writes is mistaken for a leak.
    let unguessable = Unguessable::new();
    let access_token = unguessable.secret("old-at-");
    input.client_secret = input.client_secret.map(|_| unguessable.secret("csec-"));
    input.refresh_token = input.refresh_token.map(|_| unguessable.secret("rt-"));
    let secrets: Vec<String> = [Some(access_token.clone()), input.client_secret.clone()]
        .into_iter()
        .chain([input.refresh_token.clone()])
        .flatten()
        .collect();
    let assert_hidden =
        |shown: &str| Unguessable::assert_hidden(shown, secrets.iter().map(String::as_str));
    let token = CachedToken {
        start_url: Some("https://d-1234567890.awsapps.com/start".to_owned()),
        region: Some("us-east-1".to_owned()),
        access_token: Secret::new(access_token),
        expires_at: at(now, input.expires_in).into(),
        client_id: input.client_id.clone(),
        client_secret: input.client_secret.clone().map(Secret::new),
        registration_expires_at: input.registration_expires_in.map(|s| at(now, s).into()),
        refresh_token: input.refresh_token.clone().map(Secret::new),
        extra: serde_json::Map::new(),
    };
    let policy = match input.policy {
        Some((refresh, mandatory, min)) => RefreshPolicy {
            refresh_window: Duration::seconds(refresh),
            mandatory_window: Duration::seconds(mandatory),
            min_attempt_interval: Duration::seconds(min),
        },
        None => RefreshPolicy::default(),
    };
    let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
    let start_now = now;
    let mut refresh = RefreshInput::new(token.clone(), endpoint)
        .last_attempt(input.last_attempt.map(|s| at(now, s).into()))
        .policy(policy)
        .retry(RetryPolicy::none());
    refresh.start_url.clone_from(&input.start_url);
    refresh.region.clone_from(&input.region);
    let clock = std::time::Instant::now();
    let mut refresher = Refresher::new(refresh, clock, now, 0);
    let urgency = policy.urgency(token.expires_at, start_now);
    assert_hidden(&format!("{refresher:?}"));

    let mut transmitted = false;
    let mut answered = false;
    let mut done: Option<Result<RefreshOutcome, RefreshError>> = None;
    // The answer fed, to check the outcome against: (access token, expiresIn) of a success.
    let mut fed_success: Option<(String, Option<i32>, Option<String>)> = None;
    let mut answered_at = now;

    let mut events = input.events;
    // Always end with a poll and a canned answer so that every run reaches the end.
    events.push(Event::Poll);
    events.push(Event::Refreshed {
        access_token: "new-access-token".to_owned(),
        expires_in: Some(3600),
        refresh_token: None,
    });
    events.push(Event::Poll);

    for event in events {
        let outstanding = transmitted && !answered;
        match event {
            Event::Advance(secs) => now = at(now, i64::from(secs)),
            Event::Poll => match refresher.poll_output() {
                Ok(Output::Transmit(transmit)) => {
                    assert_hidden(&format!("{transmit:?} {refresher:?}"));
                    let request = transmit.request;
                    assert!(!transmitted, "a second request");
                    assert!(done.is_none(), "a request after the end");
                    transmitted = true;
                    assert_eq!(request.uri().path(), "/token");
                    let body: serde_json::Value =
                        serde_json::from_slice(request.body()).expect("a JSON request");
                    assert_eq!(body["grantType"], "refresh_token");
                    assert!(urgency != Urgency::Fresh, "refreshing a fresh token");
                }
                Err(MisuseError::RequestOutstanding) => {
                    assert!(outstanding, "RequestOutstanding with nothing outstanding")
                }
                Err(other) => panic!("poll_output: {other}"),
                Ok(Output::Timeout(_)) => panic!("a backoff with retries off"),
                Ok(Output::Event(never)) => match never {},
                Ok(Output::Done(result)) => {
                    assert!(!outstanding, "Done while a request is out");
                    if let Some(previous) = &done {
                        assert_eq!(previous, &result, "Done changed");
                    }
                    done = Some(result);
                }
            },
            Event::Refreshed {
                access_token,
                expires_in,
                refresh_token,
            } => {
                let mut body = serde_json::json!({ "accessToken": access_token });
                if let Some(e) = expires_in {
                    body["expiresIn"] = e.into();
                }
                if let Some(r) = &refresh_token {
                    body["refreshToken"] = r.clone().into();
                }
                let fed = refresher.handle_response(clock, now, json(body.to_string()));
                assert_eq!(fed.is_ok(), outstanding, "{fed:?}");
                if fed.is_ok() {
                    answered = true;
                    answered_at = now;
                    fed_success = Some((access_token, expires_in, refresh_token));
                }
            }
            Event::Response(response) => {
                let fed = refresher.handle_response(clock, now, response.build());
                assert_eq!(fed.is_ok(), outstanding, "{fed:?}");
                if fed.is_ok() {
                    answered = true;
                    answered_at = now;
                }
            }
            Event::Transport(description) => {
                let fed = refresher.handle_transport_error(
                    clock,
                    now,
                    TransportError::new(TransportErrorKind::Other, description),
                );
                assert_eq!(fed.is_ok(), outstanding, "{fed:?}");
                if let Err(e) = fed {
                    assert_hidden(&e.to_string());
                } else {
                    answered = true;
                    answered_at = now;
                }
            }
        }
    }

    let result = done.expect("the run ends");
    match &result {
        Ok(RefreshOutcome::Cached { token: t, reason }) => {
            assert!(!transmitted);
            assert_eq!(t, &token);
            assert!(t.is_valid_at(start_now), "a cached token that has expired");
            if *reason == NotRefreshed::Fresh {
                assert_eq!(urgency, Urgency::Fresh);
            }
        }
        Ok(RefreshOutcome::Refreshed(t)) => {
            assert!(transmitted && answered);
            if let Some((access, expires_in, refresh)) = &fed_success {
                assert_eq!(t.access_token.expose(), access);
                let e = expires_in.expect("a refresh without expiresIn is a failure");
                assert!(e > 0);
                assert!(
                    t.expires_at > answered_at
                        || answered_at
                            .checked_add(Duration::seconds(i64::from(e)))
                            .is_none(),
                    "a refreshed token that expires at once"
                );
                let want_refresh = refresh.clone().or_else(|| input.refresh_token.clone());
                assert_eq!(
                    t.refresh_token.as_ref().map(|s| s.expose().to_owned()),
                    want_refresh
                );
            }
            assert_eq!(t.client_id, token.client_id);
            if (0..=9999).contains(&t.expires_at.year()) {
                let back = CachedToken::from_json(t.to_json().as_bytes())
                    .expect("a refreshed token re-reads");
                assert_eq!(back.access_token, t.access_token);
                assert_eq!(back.refresh_token, t.refresh_token);
            }
        }
        Ok(RefreshOutcome::RefreshFailed { token: t, .. }) => {
            assert!(transmitted && answered);
            assert_eq!(t, &token);
            assert!(t.is_valid_at(answered_at), "a fallback to an expired token");
        }
        Err(RefreshError::Expired { failure }) => {
            if failure.is_some() {
                assert!(!token.is_valid_at(answered_at));
            } else {
                assert!(!token.is_valid_at(start_now));
            }
            if let Err(e) = &result {
                assert_hidden(&e.to_string());
            }
        }
        Err(other) => panic!("unknown error {other:?}"),
        Ok(other) => panic!("unknown outcome {other:?}"),
    }
    assert_hidden(&format!("{result:?} {refresher:?}"));
}

fuzz_target!(|input: Input| run(input));
