//! State `Register`: `RegisterClient`, or skipping it for a cached registration.

use std::time::Duration;

use ssooidc_core::device::{DeviceFlowError, DeviceFlowPhase, Event, TransportErrorKind};
use ssooidc_core::CallError;
use ssooidc_core::ErrorCode;
use time::macros::datetime;

use crate::common::{self, body};
use crate::scenario::Scenario;

#[test]
fn sends_the_cli_device_registration_with_scopes() {
    let mut s = Scenario::builder().scopes(&["sso:account:access"]).build();
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Register);
    let request = s.transmit("/client/register");
    assert_eq!(request.method(), "POST");
    assert_eq!(
        request.uri(),
        "https://oidc.us-east-1.amazonaws.com/client/register"
    );
    assert_eq!(
        request.body().as_slice(),
        br#"{"clientName":"botocore-client-my-sso","clientType":"public","scopes":["sso:account:access"]}"#
    );
    assert!(request.headers().get("authorization").is_none());
}

#[test]
fn leaves_scopes_out_when_there_are_none() {
    let mut s = Scenario::new();
    let request = s.transmit("/client/register");
    assert_eq!(
        request.body().as_slice(),
        br#"{"clientName":"botocore-client-my-sso","clientType":"public"}"#
    );
    let mut s = Scenario::builder().scopes(&[]).build();
    let request = s.transmit("/client/register");
    assert!(body(&request).get("scopes").is_none());
}

#[test]
fn success_emits_the_registration_and_moves_to_authorize() {
    let mut s = Scenario::builder().scopes(&["sso:account:access"]).build();
    let registration = s.register();
    assert_eq!(registration.client_id, "cid");
    assert_eq!(registration.client_secret.expose(), common::CLIENT_SECRET);
    assert_eq!(registration.expires_at, datetime!(2026-04-04 18:51:47 UTC));
    assert_eq!(
        registration.scopes,
        Some(vec!["sso:account:access".to_owned()])
    );
    assert_eq!(registration.grant_types, None);
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Authorize);
    assert_eq!(s.flow.registration(), Some(&registration));
    let request = s.transmit("/device_authorization");
    assert_eq!(body(&request)["clientId"], "cid");
}

#[test]
fn missing_secret_expiry_is_stamped_now_so_it_is_never_reused() {
    let mut s = Scenario::new();
    s.transmit("/client/register");
    s.respond(common::ok(r#"{"clientId":"cid","clientSecret":"x"}"#));
    match s.event() {
        Event::Registered(r) => {
            assert_eq!(r.expires_at, common::WALL);
            assert!(!r.is_reusable_for_device_flow(common::WALL));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cached_registration_with_15_minutes_left_is_reused() {
    for minutes in [15, 16, 60 * 24 * 90] {
        let mut s = Scenario::builder().cached(common::cached(minutes)).build();
        assert_eq!(s.flow.phase(), DeviceFlowPhase::Authorize, "{minutes}");
        let request = s.transmit("/device_authorization");
        assert_eq!(body(&request)["clientId"], "cached-cid");
        assert_eq!(body(&request)["clientSecret"], common::CLIENT_SECRET);
        assert_eq!(body(&request)["startUrl"], common::START_URL);
    }
}

#[test]
fn a_cached_registration_too_close_to_expiry_is_replaced() {
    for minutes in [14, 0, -5] {
        let mut s = Scenario::builder().cached(common::cached(minutes)).build();
        assert_eq!(s.flow.phase(), DeviceFlowPhase::Register, "{minutes}");
        s.transmit("/client/register");
    }
    // One second short of the window.
    let mut almost = common::cached(15);
    almost.expires_at -= time::Duration::seconds(1);
    let s = Scenario::builder().cached(almost).build();
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Register);
}

#[test]
fn a_pkce_registration_is_not_used_for_the_device_flow() {
    let pkce = common::cached(600).with_grant_types(Some(vec![
        "authorization_code".to_owned(),
        "refresh_token".to_owned(),
    ]));
    let mut s = Scenario::builder().cached(pkce).build();
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Register);
    s.transmit("/client/register");
    // A device-code grant type list (no authorization_code) is fine.
    let device = common::cached(600).with_grant_types(Some(vec![
        "urn:ietf:params:oauth:grant-type:device_code".to_owned(),
    ]));
    let s = Scenario::builder().cached(device).build();
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Authorize);
}

#[test]
fn slow_down_is_retried_with_backoff() {
    let mut s = Scenario::new();
    s.transmit("/client/register");
    s.respond(common::error(ErrorCode::SlowDown));
    let wait = s.sleep();
    assert!(
        wait >= Duration::from_millis(500) && wait <= Duration::from_secs(1),
        "{wait:?}"
    );
    s.transmit("/client/register");
    s.respond(common::error(ErrorCode::SlowDown));
    let wait = s.sleep();
    assert!(
        wait >= Duration::from_secs(1) && wait <= Duration::from_secs(2),
        "{wait:?}"
    );
    s.register_answered();
}

impl Scenario {
    fn register_answered(&mut self) {
        self.transmit("/client/register");
        self.respond(common::register_ok());
        assert!(matches!(self.event(), Event::Registered(_)));
        assert_eq!(self.flow.phase(), DeviceFlowPhase::Authorize);
    }
}

#[test]
fn retryable_failures_are_bounded() {
    let mut s = Scenario::builder().config(|c| c.max_retries(3)).build();
    for _ in 0..3 {
        s.transmit("/client/register");
        s.respond(common::error(ErrorCode::InternalServer));
        s.sleep();
    }
    s.transmit("/client/register");
    s.respond(common::error(ErrorCode::InternalServer));
    match s.error() {
        DeviceFlowError::Call(CallError::Service {
            operation,
            error,
            max_retries_reached,
        }) => {
            assert_eq!(operation, "RegisterClient");
            assert_eq!(max_retries_reached, Some(3));
            assert_eq!(error.code(), Some(ErrorCode::InternalServer));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn zero_retries_fail_at_the_first_failure() {
    let mut s = Scenario::builder().config(|c| c.max_retries(0)).build();
    s.transmit("/client/register");
    s.transport_error(TransportErrorKind::Connect);
    match s.error() {
        DeviceFlowError::Call(CallError::Transport {
            error, retries: 0, ..
        }) => assert_eq!(error.kind(), TransportErrorKind::Connect),
        other => panic!("{other:?}"),
    }
}

#[test]
fn transport_errors_and_malformed_bodies_are_retried() {
    let mut s = Scenario::new();
    s.transmit("/client/register");
    s.transport_error(TransportErrorKind::Timeout);
    s.sleep();
    s.transmit("/client/register");
    s.respond(common::ok("not json"));
    s.sleep();
    s.transmit("/client/register");
    s.respond(common::response(503, ""));
    s.sleep();
    s.register_answered();
}

#[test]
fn a_success_resets_the_retry_count_for_the_next_phase() {
    let mut s = Scenario::builder().config(|c| c.max_retries(1)).build();
    s.transmit("/client/register");
    s.respond(common::error(ErrorCode::InternalServer));
    s.sleep();
    s.register_answered();
    s.transmit("/device_authorization");
    s.respond(common::error(ErrorCode::InternalServer));
    s.sleep();
    s.transmit("/device_authorization");
}

#[test]
fn client_errors_end_the_flow() {
    for code in [
        ErrorCode::InvalidClientMetadata,
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidScope,
        ErrorCode::InvalidRedirectUri,
        ErrorCode::UnsupportedGrantType,
    ] {
        let mut s = Scenario::new();
        s.transmit("/client/register");
        s.respond(common::error(code));
        match s.error() {
            DeviceFlowError::Call(CallError::Service {
                operation, error, ..
            }) => {
                assert_eq!(operation, "RegisterClient");
                assert_eq!(error.code(), Some(code));
            }
            other => panic!("{code}: {other:?}"),
        }
    }
}
