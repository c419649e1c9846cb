//! State `Register`: a PKCE client is registered unless a cached PKCE registration is good.

use std::time::Duration;

use ssooidc_core::authcode::{AuthCodeError, AuthCodePhase, CallbackReply};
use ssooidc_core::{ErrorCode, TransportErrorKind};

use crate::common;
use crate::scenario::{cached_pkce, Scenario, CODE, STATE};

#[test]
fn registers_a_pkce_client_as_the_aws_cli_does() {
    let mut s = Scenario::new();
    assert_eq!(s.flow.phase(), AuthCodePhase::Register);
    let body = s.transmit_json("/client/register");
    assert_eq!(
        body,
        serde_json::json!({
            "clientName": common::CLIENT_NAME,
            "clientType": "public",
            "grantTypes": ["authorization_code", "refresh_token"],
            "redirectUris": ["http://127.0.0.1/oauth/callback"],
            "issuerUrl": common::START_URL,
            "scopes": ["sso:account:access"],
        })
    );
}

#[test]
fn configured_scopes_are_registered_in_order() {
    let mut s = Scenario::builder()
        .input(|i| i.scopes(["sso:account:access", "codewhisperer:completions"]))
        .build();
    let body = s.transmit_json("/client/register");
    assert_eq!(
        body["scopes"],
        serde_json::json!(["sso:account:access", "codewhisperer:completions"])
    );
}

#[test]
fn the_new_registration_is_cached_with_its_scopes_and_grant_types() {
    let mut s = Scenario::new();
    let registration = s.register();
    assert_eq!(registration.client_id, "cid");
    assert_eq!(registration.client_secret.expose(), common::CLIENT_SECRET);
    assert_eq!(
        registration.expires_at.unix_timestamp(),
        common::CLIENT_SECRET_EXPIRES_AT
    );
    assert_eq!(
        registration.scopes,
        Some(vec!["sso:account:access".to_owned()])
    );
    assert!(registration.is_authorization_code());
    assert_eq!(
        registration.to_json(),
        format!(
            r#"{{"clientId": "cid", "clientSecret": "{}", "expiresAt": "2026-04-04T18:51:47Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}}"#,
            common::CLIENT_SECRET
        ),
        "the AWS CLI's file"
    );
    assert!(matches!(
        s.event(),
        ssooidc_core::device::Event::Authorize(_)
    ));
}

#[test]
fn a_cached_pkce_registration_with_fifteen_minutes_left_is_reused() {
    let mut s = Scenario::builder().cached(cached_pkce(15)).build();
    assert_eq!(s.flow.phase(), AuthCodePhase::Authorize);
    let request = s.authorize_request();
    assert!(
        request.url.as_str().contains("&client_id=cached-cid&"),
        "{}",
        request.url
    );
    assert_eq!(s.flow.registration().unwrap().client_id, "cached-cid");
    // No RegisterClient, and no Registered event: nothing new to cache.
    assert_eq!(s.timeout(), request.expires_at);
}

#[test]
fn a_device_registration_or_one_about_to_expire_is_not_reused() {
    for registration in [common::cached(60 * 24), cached_pkce(14), cached_pkce(-1)] {
        let mut s = Scenario::builder().cached(registration).build();
        assert_eq!(s.flow.phase(), AuthCodePhase::Register);
        s.transmit("/client/register");
    }
}

#[test]
fn retryable_failures_back_off_then_register() {
    let mut s = Scenario::new();
    s.transmit("/client/register");
    s.respond(common::error(ErrorCode::InternalServer));
    let waited = s.sleep();
    assert!(
        waited >= Duration::from_millis(500) && waited <= Duration::from_secs(1),
        "{waited:?}"
    );
    s.transmit("/client/register");
    s.transport_error(TransportErrorKind::Timeout);
    s.sleep();
    s.transmit("/client/register");
    s.respond(common::register_ok());
    assert!(matches!(
        s.event(),
        ssooidc_core::device::Event::Registered(_)
    ));
}

#[test]
fn retries_run_out() {
    let mut s = Scenario::builder().config(|c| c.max_retries(1)).build();
    s.transmit("/client/register");
    s.respond(common::error(ErrorCode::InternalServer));
    s.sleep();
    s.transmit("/client/register");
    s.respond(common::error(ErrorCode::InternalServer));
    let AuthCodeError::Call(call) = s.error() else {
        panic!("a call failure")
    };
    assert_eq!(call.operation(), "RegisterClient");
    assert!(call.to_string().contains("retr"), "{call}");
}

#[test]
fn a_fatal_error_or_transport_failure_ends_the_flow() {
    let mut s = Scenario::new();
    s.transmit("/client/register");
    s.respond(common::error(ErrorCode::InvalidRedirectUri));
    let error = s.error();
    assert_eq!(error.operation(), Some("RegisterClient"));
    assert_eq!(
        error.service_error().and_then(|e| e.code()),
        Some(ErrorCode::InvalidRedirectUri)
    );

    let mut s = Scenario::new();
    s.transmit("/client/register");
    s.transport_error(TransportErrorKind::Tls);
    assert!(matches!(s.error(), AuthCodeError::Call(_)));
}

#[test]
fn a_callback_before_the_url_is_out_changes_nothing() {
    let mut s = Scenario::new();
    assert_eq!(
        s.callback(&format!("/oauth/callback?code={CODE}&state={STATE}")),
        CallbackReply::NotWaiting
    );
    s.transmit("/client/register");
    assert_eq!(s.approve(), CallbackReply::NotWaiting, "while in flight");
    s.respond(common::register_ok());
    assert_eq!(s.flow.phase(), AuthCodePhase::Authorize);
}
