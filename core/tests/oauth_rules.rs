//! Each provider rule of `ssooidc_core::oauth::rules` (what real providers do differently from
//! the RFCs), with an answer shaped like the provider's, through the decoders and through the
//! shared machine. The rule table and `docs/protocol/oauth.md#provider-rules` stay in step.

use ssooidc_core::machine::Machine;
use std::time::{Duration, Instant};

use ssooidc_core::device::{DeviceFlow, DeviceFlowConfig, DeviceFlowError};
use ssooidc_core::machine::Output;
use ssooidc_core::oauth::rules::{self, RULES};
use ssooidc_core::oauth::{
    parse_device_authorization, parse_token_response, OAuthClient, Provider, ProviderUrl, Standard,
    Tokens,
};
use ssooidc_core::{CallError, ErrorCode, ServiceError};
use time::macros::datetime;

const WALL: time::OffsetDateTime = datetime!(2026-01-04 18:51:47 UTC);

fn json(status: u16, body: &str) -> http::Response<Vec<u8>> {
    answer(status, "application/json; charset=utf-8", body)
}

fn answer(status: u16, content_type: &str, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// A standard flow with its first poll in flight (interval 5, lifetime 900).
fn polling() -> (DeviceFlow<Standard>, Instant) {
    let provider = Provider::explicit(
        ProviderUrl::parse("https://github.com/login/device/code").unwrap(),
        ProviderUrl::parse("https://github.com/login/oauth/access_token").unwrap(),
    );
    let dialect = Standard::new(
        provider,
        OAuthClient::public("Iv1.b507a08c87ecfe98").unwrap(),
        ["repo"],
    );
    let mut flow = DeviceFlow::with_dialect(dialect, DeviceFlowConfig::default(), WALL, 3);
    let t0 = Instant::now();
    assert!(matches!(flow.poll_output(), Ok(Output::Transmit(_))));
    flow.handle_response(
        t0,
        WALL,
        json(
            200,
            r#"{"device_code":"3584d83530557fdd1f46af8289938c8ef79f9dc5","user_code":"WDJB-MJHT","verification_uri":"https://github.com/login/device","expires_in":900,"interval":5}"#,
        ),
    )
    .unwrap();
    assert!(matches!(flow.poll_output(), Ok(Output::Transmit(_))));
    (flow, t0)
}

fn end(flow: &mut DeviceFlow<Standard>) -> Result<Tokens, DeviceFlowError> {
    loop {
        match flow.poll_output().unwrap() {
            Output::Done(result) => return result,
            Output::Event(_) => {}
            other => panic!("expected the end: {other:?}"),
        }
    }
}

/// Whether the flow goes on polling (after the prompt), and at which interval.
fn still_polling(flow: &mut DeviceFlow<Standard>) -> Duration {
    loop {
        match flow.poll_output().unwrap() {
            Output::Timeout(_) => return flow.interval().expect("polling"),
            Output::Event(_) => {}
            other => panic!("expected to keep polling: {other:?}"),
        }
    }
}

#[test]
fn verification_url_alias() {
    // Google's device endpoint (as its older documentation shows it).
    let google = r#"{
      "device_code": "4/4-GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8",
      "user_code": "GQVQ-JKEC",
      "verification_url": "https://www.google.com/device",
      "expires_in": 1800,
      "interval": 5
    }"#;
    let authorization = parse_device_authorization(&json(200, google)).unwrap();
    assert_eq!(
        authorization.verification_uri,
        "https://www.google.com/device"
    );
    // Both present: the RFC's name wins.
    let both = r#"{"device_code":"d","user_code":"u","verification_uri":"https://a/","verification_url":"https://b/"}"#;
    assert_eq!(
        parse_device_authorization(&json(200, both))
            .unwrap()
            .verification_uri,
        "https://a/"
    );
}

#[test]
fn slow_down_carries_an_interval() {
    // GitHub: "The error response includes the new interval that you must use."
    let (mut flow, t0) = polling();
    flow.handle_response(
        t0,
        WALL,
        json(
            200,
            r#"{"error":"slow_down","error_description":"Too many requests have been made in the same timeframe.","error_uri":"https://docs.github.com","interval":15}"#,
        ),
    )
    .unwrap();
    assert_eq!(still_polling(&mut flow), Duration::from_secs(15));
    // Smaller than +5: +5 wins (RFC 8628 §3.5).
    let (mut flow, t0) = polling();
    flow.handle_response(
        t0,
        WALL,
        json(400, r#"{"error":"slow_down","interval":"6"}"#),
    )
    .unwrap();
    assert_eq!(still_polling(&mut flow), Duration::from_secs(10));
    // An interval on another error means nothing.
    let (mut flow, t0) = polling();
    flow.handle_response(
        t0,
        WALL,
        json(400, r#"{"error":"authorization_pending","interval":60}"#),
    )
    .unwrap();
    assert_eq!(still_polling(&mut flow), Duration::from_secs(5));
}

#[test]
fn error_in_a_success_status() {
    for (body, expect) in [
        (
            r#"{"error":"authorization_pending","error_description":"The authorization request is still pending."}"#,
            "pending",
        ),
        (
            r#"{"error":"access_denied","error_description":"The authorization request was denied."}"#,
            "denied",
        ),
        (r#"{"error":"expired_token"}"#, "expired"),
        (
            r#"{"error":"incorrect_device_code","error_description":"The device_code provided is not valid."}"#,
            "fatal",
        ),
    ] {
        let (mut flow, t0) = polling();
        flow.handle_response(t0, WALL, json(200, body)).unwrap();
        let got = match expect {
            "pending" => {
                still_polling(&mut flow);
                "pending"
            }
            _ => match end(&mut flow) {
                Err(DeviceFlowError::Denied { .. }) => "denied",
                Err(DeviceFlowError::Expired { .. }) => "expired",
                Err(DeviceFlowError::Call(CallError::Service {
                    error: ServiceError::Unknown { code, .. },
                    ..
                })) => {
                    assert_eq!(code, "incorrect_device_code");
                    "fatal"
                }
                other => panic!("{body}: {other:?}"),
            },
        };
        assert_eq!(got, expect, "{body}");
    }
    // The decoder says so too.
    let e = parse_token_response(&json(200, r#"{"error":"authorization_pending"}"#)).unwrap_err();
    assert_eq!(
        e.service_error().and_then(ServiceError::code),
        Some(ErrorCode::AuthorizationPending)
    );
    assert_eq!(e.service_error().map(ServiceError::status), Some(200));
}

#[test]
fn error_status_is_not_the_meaning() {
    for (status, body, expect) in [
        (428, r#"{"error":"authorization_pending"}"#, "pending"),
        (403, r#"{"error":"authorization_pending"}"#, "pending"),
        (403, r#"{"error":"slow_down"}"#, "pending"),
        (
            403,
            r#"{"error":"access_denied","error_description":"user declined"}"#,
            "denied",
        ),
        (401, r#"{"error":"expired_token"}"#, "expired"),
        (
            401,
            r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
            "invalid_client",
        ),
    ] {
        let (mut flow, t0) = polling();
        flow.handle_response(t0, WALL, json(status, body)).unwrap();
        let got = match expect {
            "pending" => {
                still_polling(&mut flow);
                "pending"
            }
            _ => match end(&mut flow) {
                Err(DeviceFlowError::Denied { error: e, .. }) => {
                    assert_eq!(e.status(), status);
                    "denied"
                }
                Err(DeviceFlowError::Expired { .. }) => "expired",
                Err(DeviceFlowError::Call(CallError::Service {
                    error: ServiceError::InvalidClient { .. },
                    ..
                })) => "invalid_client",
                other => panic!("{status} {body}: {other:?}"),
            },
        };
        assert_eq!(got, expect, "{status} {body}");
    }
}

#[test]
fn lifetimes_as_strings() {
    // Microsoft's v1.0 endpoints send numbers as strings.
    let device = r#"{"user_code":"DM5JYTAC8","device_code":"DAQABAAEAAAD","verification_url":"https://microsoft.com/devicelogin","expires_in":"900","interval":"5","message":"To sign in, use a web browser..."}"#;
    let authorization = parse_device_authorization(&json(200, device)).unwrap();
    assert_eq!(
        (authorization.expires_in, authorization.interval),
        (Some(900), Some(5))
    );
    let token = r#"{"token_type":"Bearer","scope":"user_impersonation","expires_in":"3599","ext_expires_in":"3599","expires_on":"1600003599","not_before":"1600000000","resource":"https://management.core.windows.net/","access_token":"eyJ0eXAi","refresh_token":"0.AAAA"}"#;
    let tokens = parse_token_response(&json(200, token)).unwrap();
    assert_eq!(tokens.expires_in, Some(3599));
    assert_eq!(tokens.scope.as_deref(), Some("user_impersonation"));
}

#[test]
fn form_encoded_response() {
    // GitHub without `Accept: application/json`.
    let tokens = parse_token_response(&answer(
        200,
        "application/x-www-form-urlencoded; charset=utf-8",
        "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer",
    ))
    .unwrap();
    assert_eq!(
        tokens.access_token.expose(),
        "gho_16C7e42F292c6912E7710c838347Ae178B4a"
    );
    assert_eq!(tokens.scope.as_deref(), Some("repo,gist"));
    assert_eq!(tokens.token_type, "bearer");
    // Its errors come the same way, with 200.
    let (mut flow, t0) = polling();
    flow.handle_response(
        t0,
        WALL,
        answer(
            200,
            "application/x-www-form-urlencoded",
            "error=authorization_pending&error_description=The+authorization+request+is+still+pending.&error_uri=https%3A%2F%2Fdocs.github.com",
        ),
    )
    .unwrap();
    still_polling(&mut flow);
    let authorization = parse_device_authorization(&answer(
        200,
        "application/x-www-form-urlencoded",
        "device_code=3584d&user_code=WDJB-MJHT&verification_uri=https%3A%2F%2Fgithub.com%2Flogin%2Fdevice&expires_in=900&interval=5",
    ))
    .unwrap();
    assert_eq!(
        authorization.verification_uri,
        "https://github.com/login/device"
    );
    assert_eq!(authorization.interval, Some(5));
    // A form body the server calls JSON is not read as a form.
    assert!(parse_token_response(&json(200, "access_token=a&token_type=bearer")).is_err());
}

#[test]
fn token_type_any_case() {
    let tokens = Tokens::from_response(
        parse_token_response(&json(200, r#"{"access_token":"a","token_type":"bearer"}"#)).unwrap(),
        WALL,
    );
    assert!(tokens.is_bearer());
    assert_eq!(tokens.token_type, "bearer", "kept as sent");
}

#[test]
fn scope_as_a_list() {
    let tokens = parse_token_response(&json(
        200,
        r#"{"access_token":"a","token_type":"Bearer","scope":["openid","aws","sts:identity_context"]}"#,
    ))
    .unwrap();
    assert_eq!(
        tokens.scope.as_deref(),
        Some("openid aws sts:identity_context")
    );
    assert!(parse_token_response(&json(
        200,
        r#"{"access_token":"a","token_type":"Bearer","scope":[1]}"#
    ))
    .is_err());
}

#[test]
fn every_rule_has_a_test_here_and_a_section_in_the_protocol_notes() {
    let this_file = include_str!("oauth_rules.rs");
    let notes = include_str!("../../docs/protocol/oauth.md");
    assert_eq!(RULES.len(), 8);
    for rule in RULES {
        let test = format!("fn {}()", rule.name.replace('-', "_"));
        assert!(this_file.contains(&test), "no test {test}");
        let heading = format!("### {}", rule.name);
        assert!(
            notes.contains(&heading),
            "docs/protocol/oauth.md lacks {heading}"
        );
        assert!(
            !rule.behaviour.is_empty() && !rule.handling.is_empty() && !rule.seen_at.is_empty()
        );
    }
    let _ = rules::VERIFICATION_URL_ALIAS;
}
