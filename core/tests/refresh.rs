//! Spec 6.7: the refresh machine's windows, preconditions, throttle, write-back and fallbacks.

use ssooidc_core::cache::CachedToken;
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::machine::Machine;
use std::time::Instant;

use ssooidc_core::machine::{MisuseError, Output};
use ssooidc_core::refresh::{
    NotRefreshed, RefreshError, RefreshFailure, RefreshInput, RefreshOutcome, RefreshPolicy,
    Refresher, Urgency,
};
use ssooidc_core::retry::RetryPolicy;
use ssooidc_core::{ErrorCode, TransportError, TransportErrorKind};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-01-15 12:00:00 UTC);

fn token(expires_in: Duration) -> CachedToken {
    let text = format!(
        r#"{{"startUrl": "https://old", "region": "us-east-1", "accessToken": "old-at", "expiresAt": "{}", "clientId": "cid", "clientSecret": "csec", "registrationExpiresAt": "2026-04-15T10:00:00Z", "refreshToken": "old-rt", "custom": 1}}"#,
        ssooidc_core::cache::format_timestamp(NOW + expires_in)
    );
    CachedToken::from_json(text.as_bytes()).unwrap()
}

fn endpoint() -> Endpoint {
    Endpoint::parse("http://127.0.0.1:9").unwrap()
}

fn input(t: CachedToken, last_attempt: Option<OffsetDateTime>) -> RefreshInput {
    RefreshInput::new(t, endpoint())
        .session("https://configured", "us-east-1")
        .last_attempt(last_attempt.map(Into::into))
        .policy(RefreshPolicy::default())
        .retry(RetryPolicy::none())
}

fn machine(t: CachedToken, last_attempt: Option<OffsetDateTime>) -> Refresher {
    Refresher::new(input(t, last_attempt), Instant::now(), NOW, 0)
}

fn done(m: &mut Refresher) -> Result<RefreshOutcome, RefreshError> {
    match m.poll_output() {
        Ok(Output::Done(r)) => r,
        other => panic!("expected Done, got {other:?}"),
    }
}

fn transmit(m: &mut Refresher) -> http::Request<Vec<u8>> {
    match m.poll_output() {
        Ok(Output::Transmit(t)) => {
            assert_eq!(t.operation, "CreateToken");
            t.request
        }
        other => panic!("expected Transmit, got {other:?}"),
    }
}

fn ok(body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn windows_follow_botocore() {
    let p = RefreshPolicy::default();
    assert_eq!(p.urgency(NOW + Duration::minutes(16), NOW), Urgency::Fresh);
    assert_eq!(p.urgency(NOW + Duration::minutes(15), NOW), Urgency::Fresh);
    assert_eq!(
        p.urgency(NOW + Duration::minutes(14), NOW),
        Urgency::Advisory
    );
    assert_eq!(
        p.urgency(NOW + Duration::minutes(10), NOW),
        Urgency::Advisory
    );
    assert_eq!(
        p.urgency(NOW + Duration::minutes(9), NOW),
        Urgency::Mandatory
    );
    assert_eq!(p.urgency(NOW, NOW), Urgency::Expired);
    assert_eq!(p.urgency(NOW - Duration::days(1), NOW), Urgency::Expired);
}

#[test]
fn fresh_token_is_used_without_a_request() {
    let mut m = machine(token(Duration::hours(1)), None);
    match done(&mut m).unwrap() {
        RefreshOutcome::Cached { reason, token } => {
            assert_eq!(reason, NotRefreshed::Fresh);
            assert_eq!(token.access_token.expose(), "old-at");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn inside_the_window_it_refreshes_and_writes_back() {
    let mut m = machine(token(Duration::minutes(12)), None);
    let req = transmit(&mut m);
    assert_eq!(req.uri(), "http://127.0.0.1:9/token");
    let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"clientId":"cid","clientSecret":"csec","grantType":"refresh_token","refreshToken":"old-rt"})
    );
    assert_eq!(
        m.poll_output().unwrap_err(),
        MisuseError::RequestOutstanding
    );
    m.handle_response(Instant::now(), NOW, ok(r#"{"accessToken":"new-at","expiresIn":3600,"refreshToken":"new-rt","tokenType":"Bearer"}"#)).unwrap();
    let RefreshOutcome::Refreshed(t) = done(&mut m).unwrap() else {
        panic!()
    };
    assert_eq!(t.access_token.expose(), "new-at");
    assert_eq!(t.refresh_token.as_ref().unwrap().expose(), "new-rt");
    assert_eq!(t.expires_at, NOW + Duration::hours(1));
    assert_eq!(
        t.start_url.as_deref(),
        Some("https://configured"),
        "startUrl from config"
    );
    assert_eq!(t.client_id.as_deref(), Some("cid"));
    assert_eq!(t.extra["custom"], 1, "unknown keys kept");
    // Terminal and absorbing.
    assert!(done(&mut m).is_ok());
    assert!(m.handle_response(Instant::now(), NOW, ok("{}")).is_err());
}

#[test]
fn old_refresh_token_is_kept_when_none_comes_back() {
    let mut m = machine(token(Duration::minutes(5)), None);
    transmit(&mut m);
    m.handle_response(
        Instant::now(),
        NOW,
        ok(r#"{"accessToken":"at","expiresIn":28800,"idToken":null,"tokenType":"Bearer"}"#),
    )
    .unwrap();
    let RefreshOutcome::Refreshed(t) = done(&mut m).unwrap() else {
        panic!()
    };
    assert_eq!(t.refresh_token.as_ref().unwrap().expose(), "old-rt");
}

#[test]
fn missing_preconditions_skip_the_refresh() {
    for strip in [
        "refreshToken",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
    ] {
        let mut t = token(Duration::minutes(5));
        match strip {
            "refreshToken" => t.refresh_token = None,
            "clientId" => t.client_id = None,
            "clientSecret" => t.client_secret = None,
            _ => t.registration_expires_at = None,
        }
        let mut m = machine(t, None);
        match done(&mut m).unwrap() {
            RefreshOutcome::Cached { reason, .. } => {
                assert_eq!(reason, NotRefreshed::NotRefreshable, "{strip}")
            }
            other => panic!("{strip}: {other:?}"),
        }
    }
    let mut t = token(Duration::minutes(5));
    t.registration_expires_at = Some((NOW - Duration::seconds(1)).into());
    assert!(matches!(
        done(&mut machine(t, None)).unwrap(),
        RefreshOutcome::Cached {
            reason: NotRefreshed::NotRefreshable,
            ..
        }
    ));
}

#[test]
fn expired_and_not_refreshable_says_log_in_again() {
    let mut t = token(-Duration::minutes(1));
    t.refresh_token = None;
    let err = done(&mut machine(t, None)).unwrap_err();
    assert_eq!(err, RefreshError::Expired { failure: None });
    assert_eq!(
        err.to_string(),
        "the SSO token has expired and cannot be refreshed"
    );
}

#[test]
fn at_most_one_attempt_per_minute() {
    let mut m = machine(
        token(Duration::minutes(5)),
        Some(NOW - Duration::seconds(30)),
    );
    assert!(matches!(
        done(&mut m).unwrap(),
        RefreshOutcome::Cached {
            reason: NotRefreshed::Throttled,
            ..
        }
    ));
    let mut m = machine(
        token(Duration::minutes(5)),
        Some(NOW - Duration::seconds(60)),
    );
    transmit(&mut m);
    // Throttled and expired: nothing to fall back on.
    let mut m = machine(
        token(-Duration::seconds(1)),
        Some(NOW - Duration::seconds(10)),
    );
    assert!(done(&mut m).is_err());
    // A last attempt in the future (clock went backwards) does not block.
    let mut m = machine(token(Duration::minutes(5)), Some(NOW + Duration::hours(2)));
    transmit(&mut m);
}

#[test]
fn failure_falls_back_to_a_valid_cached_token() {
    let mut m = machine(token(Duration::minutes(5)), None);
    transmit(&mut m);
    let resp = http::Response::builder()
        .status(400)
        .header("x-amzn-ErrorType", "InvalidGrantException")
        .body(br#"{"error":"invalid_grant"}"#.to_vec())
        .unwrap();
    m.handle_response(Instant::now(), NOW, resp).unwrap();
    match done(&mut m).unwrap() {
        RefreshOutcome::RefreshFailed {
            token,
            failure: RefreshFailure::Call(e),
            mandatory,
        } => {
            assert_eq!(token.access_token.expose(), "old-at");
            assert_eq!(
                e.service_error().and_then(|s| s.code()),
                Some(ErrorCode::InvalidGrant)
            );
            assert!(mandatory);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn failure_with_an_expired_token_is_an_error() {
    let mut m = machine(token(Duration::seconds(30)), None);
    transmit(&mut m);
    // The answer arrives after the token expired.
    m.handle_transport_error(
        Instant::now(),
        NOW + Duration::minutes(1),
        TransportError::new(TransportErrorKind::Connect, "connection refused"),
    )
    .unwrap();
    match done(&mut m).unwrap_err() {
        RefreshError::Expired {
            failure: Some(RefreshFailure::Call(e)),
        } => {
            let transport = e.transport_error().expect("a transport failure");
            assert_eq!(transport.kind(), TransportErrorKind::Connect);
            assert_eq!(transport.message(), "connection refused");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_success_without_expiry_is_a_failure() {
    let mut m = machine(token(Duration::minutes(12)), None);
    transmit(&mut m);
    m.handle_response(Instant::now(), NOW, ok(r#"{"accessToken":"x"}"#))
        .unwrap();
    assert!(matches!(
        done(&mut m).unwrap(),
        RefreshOutcome::RefreshFailed {
            failure: RefreshFailure::NoExpiry,
            mandatory: false,
            ..
        }
    ));
}

#[test]
fn misuse_is_a_typed_error() {
    let mut m = machine(token(Duration::minutes(12)), None);
    assert!(
        m.handle_response(Instant::now(), NOW, ok("{}")).is_err(),
        "response before the request was taken"
    );
    assert_eq!(
        m.handle_transport_error(Instant::now(), NOW, TransportErrorKind::Other.into()),
        Err(MisuseError::NoRequestOutstanding)
    );
    let shown = format!("{m:?} {:?}", m.poll_output());
    assert!(
        !shown.contains("old-rt") && !shown.contains("csec") && !shown.contains("old-at"),
        "{shown}"
    );
}

#[test]
fn legacy_tokens_are_never_refreshed() {
    let legacy = input(token(Duration::minutes(5)), None).sso_session(false);
    let mut m = Refresher::new(legacy, Instant::now(), NOW, 0);
    assert!(!m.is_refreshing());
    assert!(matches!(
        done(&mut m).unwrap(),
        RefreshOutcome::Cached {
            reason: NotRefreshed::Legacy,
            ..
        }
    ));
    let expired = input(token(-Duration::minutes(5)), None).sso_session(false);
    assert_eq!(
        done(&mut Refresher::new(expired, Instant::now(), NOW, 0)),
        Err(RefreshError::Expired { failure: None })
    );
}

#[test]
fn the_refresh_call_is_retried_by_the_retry_policy() {
    let with_retries = input(token(Duration::minutes(5)), None).retry(RetryPolicy::default());
    let start = Instant::now();
    let mut m = Refresher::new(with_retries, start, NOW, 3);
    transmit(&mut m);
    m.handle_transport_error(start, NOW, TransportErrorKind::ConnectionClosed.into())
        .unwrap();
    let at = match m.poll_output() {
        Ok(Output::Timeout(at)) => at,
        other => panic!("expected a backoff, got {other:?}"),
    };
    m.handle_timeout(at).unwrap();
    transmit(&mut m);
    m.handle_response(
        at,
        NOW,
        ok(r#"{"accessToken":"new-at","expiresIn":3600,"tokenType":"Bearer"}"#),
    )
    .unwrap();
    assert!(matches!(
        done(&mut m).unwrap(),
        RefreshOutcome::Refreshed(_)
    ));
}
