//! The refresh grant (RFC 6749 §6) as a machine: the request, the new tokens (what the answer
//! leaves out kept from the old ones), failures (the old token kept while it is valid, else
//! "expired"), retries, and a refresh without a refresh token.

use std::time::Instant;

use ssooidc_core::machine::{Machine, Output};
use ssooidc_core::oauth::{
    ClientAuth, OAuthClient, Provider, ProviderUrl, Refresh, RefreshResult, Refreshed,
    TokenResponse, Tokens,
};
use ssooidc_core::refresh::{RefreshError, RefreshFailure};
use ssooidc_core::retry::RetryPolicy;
use ssooidc_core::{CallError, ErrorCode, Secret, ServiceError};
use time::macros::datetime;

const WALL: time::OffsetDateTime = datetime!(2026-01-04 18:51:47 UTC);
/// 13 s after [`WALL`]: the old token (60 s) is still valid.
const LATER: time::OffsetDateTime = datetime!(2026-01-04 18:52:00 UTC);
/// After the old token expired.
const TOO_LATE: time::OffsetDateTime = datetime!(2026-01-04 19:00:00 UTC);

fn provider() -> Provider {
    Provider::explicit(
        ProviderUrl::parse("https://idp.example.com/device").unwrap(),
        ProviderUrl::parse("https://idp.example.com/token").unwrap(),
    )
}

fn client() -> OAuthClient {
    OAuthClient::new(
        "cli",
        Some(Secret::new("s3cr3t")),
        Some(ClientAuth::ClientSecretPost),
    )
    .unwrap()
}

fn old_tokens(refresh_token: Option<&str>) -> Tokens {
    let mut response: TokenResponse = ssooidc_core::oauth::parse_token_response(&json(
        200,
        r#"{"access_token":"old-at","token_type":"Bearer","expires_in":60,"scope":"openid offline_access","id_token":"old-idt"}"#,
    ))
    .unwrap();
    response.refresh_token = refresh_token.map(Secret::new);
    Tokens::from_response(response, WALL)
}

fn json(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// Runs a refresh against `answers`, answered at `LATER`; returns the result and the requests'
/// bodies.
fn run(previous: Tokens, answers: Vec<http::Response<Vec<u8>>>) -> (RefreshResult, Vec<String>) {
    run_at(previous, answers, LATER)
}

fn run_at(
    previous: Tokens,
    answers: Vec<http::Response<Vec<u8>>>,
    wall: time::OffsetDateTime,
) -> (RefreshResult, Vec<String>) {
    let mut now = Instant::now();
    let mut refresh = Refresh::new(
        &provider(),
        &client(),
        previous,
        &RetryPolicy::default(),
        now,
        wall,
        9,
    );
    let mut answers = answers.into_iter();
    let mut bodies = Vec::new();
    loop {
        match refresh.poll_output().unwrap() {
            Output::Transmit(t) => {
                assert_eq!(t.operation, "Token");
                assert_eq!(t.request.uri(), "https://idp.example.com/token");
                bodies.push(String::from_utf8_lossy(t.request.body()).into_owned());
                let answer = answers.next().expect("a scripted answer");
                refresh.handle_response(now, wall, answer).unwrap();
            }
            Output::Timeout(at) => {
                now = at;
                refresh.handle_timeout(now).unwrap();
            }
            Output::Event(never) => match never {},
            Output::Done(result) => {
                assert!(
                    matches!(refresh.poll_output(), Ok(Output::Done(_))),
                    "absorbing"
                );
                return (result, bodies);
            }
        }
    }
}

#[test]
fn a_refresh_without_a_new_refresh_token_keeps_the_old_one() {
    let (result, bodies) = run(
        old_tokens(Some("old-rt")),
        vec![json(
            200,
            r#"{"access_token":"new-at","token_type":"Bearer","expires_in":3600}"#,
        )],
    );
    assert_eq!(
        bodies,
        ["grant_type=refresh_token&refresh_token=old-rt&client_id=cli&client_secret=s3cr3t"]
    );
    let Ok(Refreshed::New(tokens)) = result else {
        panic!("{result:?}")
    };
    assert_eq!(tokens.access_token.expose(), "new-at");
    assert_eq!(
        tokens.refresh_token.as_ref().map(Secret::expose),
        Some("old-rt")
    );
    assert_eq!(
        tokens.id_token.as_ref().map(Secret::expose),
        Some("old-idt")
    );
    assert_eq!(tokens.scope.as_deref(), Some("openid offline_access"));
    assert_eq!(
        tokens.expires_at,
        Some((LATER + time::Duration::hours(1)).into()),
        "stamped at the answer"
    );
}

#[test]
fn a_rotated_refresh_token_replaces_the_old_one() {
    let (result, _) = run(
        old_tokens(Some("old-rt")),
        vec![json(
            200,
            r#"{"access_token":"new-at","token_type":"Bearer","refresh_token":"new-rt"}"#,
        )],
    );
    let tokens = result.unwrap().tokens().clone();
    assert_eq!(
        tokens.refresh_token.as_ref().map(Secret::expose),
        Some("new-rt")
    );
    assert_eq!(tokens.expires_at, None, "no expires_in: lifetime unknown");
}

#[test]
fn a_refused_refresh_keeps_the_valid_token_and_says_why() {
    let (result, bodies) = run(
        old_tokens(Some("old-rt")),
        vec![
            json(503, "{}"),
            json(
                400,
                r#"{"error":"invalid_grant","error_description":"Token is not active"}"#,
            ),
        ],
    );
    assert_eq!(bodies.len(), 2, "the 503 was retried");
    match result {
        Ok(Refreshed::Kept {
            tokens,
            failure:
                Some(RefreshFailure::Call(CallError::Service {
                    operation: "Token",
                    error: ServiceError::InvalidGrant { .. },
                    ..
                })),
        }) => {
            assert_eq!(tokens.access_token.expose(), "old-at");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_refused_refresh_of_an_expired_token_is_the_end() {
    let (result, _) = run_at(
        old_tokens(Some("old-rt")),
        vec![json(401, r#"{"error":"invalid_client"}"#)],
        TOO_LATE,
    );
    match result {
        Err(RefreshError::Expired {
            failure: Some(RefreshFailure::Call(e)),
        }) => {
            assert_eq!(
                e.service_error().and_then(ServiceError::code),
                Some(ErrorCode::InvalidClient)
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_refresh_token_sends_nothing() {
    let (result, bodies) = run(old_tokens(None), vec![]);
    assert!(bodies.is_empty());
    assert!(
        matches!(result, Ok(Refreshed::Kept { failure: None, .. })),
        "{result:?}"
    );
    let (result, bodies) = run_at(old_tokens(None), vec![], TOO_LATE);
    assert!(bodies.is_empty());
    assert!(
        matches!(result, Err(RefreshError::Expired { failure: None })),
        "{result:?}"
    );
}

#[test]
fn secrets_stay_out_of_debug() {
    let now = Instant::now();
    let mut refresh = Refresh::new(
        &provider(),
        &client(),
        old_tokens(Some("old-rt")),
        &RetryPolicy::default(),
        now,
        WALL,
        1,
    );
    let transmit = refresh.poll_output().unwrap();
    let shown = format!("{transmit:?} {refresh:?} {:?}", client());
    for secret in ["old-rt", "s3cr3t", "old-at", "old-idt"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}
