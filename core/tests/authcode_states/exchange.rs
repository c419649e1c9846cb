//! State `Exchange`: the code goes to `CreateToken` with the verifier.

use std::time::Duration;

use ssooidc_core::authcode::{AuthCodeError, AuthCodePhase, CallbackReply};
use ssooidc_core::{ErrorCode, TransportErrorKind};

use crate::common;
use crate::scenario::{Scenario, CODE, PORT, VERIFIER};

#[test]
fn the_exchange_sends_the_code_the_redirect_uri_with_its_port_and_the_verifier() {
    let mut s = Scenario::new();
    let body = s.enter_exchange();
    assert_eq!(
        body,
        serde_json::json!({
            "clientId": "cid",
            "clientSecret": common::CLIENT_SECRET,
            "grantType": "authorization_code",
            "code": CODE,
            "redirectUri": format!("http://127.0.0.1:{PORT}/oauth/callback"),
            "codeVerifier": VERIFIER,
        })
    );
}

#[test]
fn the_token_is_the_same_result_as_the_device_flows() {
    let mut s = Scenario::new();
    s.enter_exchange();
    s.respond(common::token_ok());
    let token = s.done().expect("a token");
    assert_eq!(token.access_token.expose(), common::ACCESS_TOKEN);
    assert_eq!(
        token.refresh_token.as_ref().map(|t| t.expose()),
        Some(common::REFRESH_TOKEN)
    );
    assert_eq!(
        token.expires_at,
        common::WALL + time::Duration::seconds(3600)
    );
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    assert_eq!(token.registration.client_id, "cid");
    assert!(token.registration.is_authorization_code());
    assert_eq!(s.flow.phase(), AuthCodePhase::Done);
}

#[test]
fn an_expired_code_is_expired() {
    let mut s = Scenario::new();
    s.enter_exchange();
    s.respond(common::error(ErrorCode::ExpiredToken));
    let error = s.error();
    assert!(matches!(error, AuthCodeError::Expired(_)), "{error:?}");
    assert!(error.is_expired());
    assert_eq!(error.operation(), Some("CreateToken"));
}

#[test]
fn a_refused_exchange_is_a_call_failure() {
    // (`UnauthorizedClientException` refuses the registration: see `start_over`.)
    for code in [ErrorCode::InvalidGrant, ErrorCode::AccessDenied] {
        let mut s = Scenario::new();
        s.enter_exchange();
        s.respond(common::error(code));
        let error = s.error();
        assert!(matches!(error, AuthCodeError::Call(_)), "{error:?}");
        assert_eq!(error.service_error().and_then(|e| e.code()), Some(code));
    }
}

#[test]
fn retryable_failures_send_the_same_exchange_again() {
    let mut s = Scenario::new();
    let first = s.enter_exchange();
    s.respond(common::error(ErrorCode::InternalServer));
    assert!(s.sleep() <= Duration::from_secs(1));
    assert_eq!(s.transmit_json("/token"), first);
    s.transport_error(TransportErrorKind::ConnectionClosed);
    s.sleep();
    assert_eq!(s.transmit_json("/token"), first);
    s.respond(common::token_ok());
    assert!(s.done().is_ok());
}

#[test]
fn a_second_callback_during_the_exchange_changes_nothing() {
    let mut s = Scenario::new();
    let body = s.enter_exchange();
    assert_eq!(s.approve(), CallbackReply::NotWaiting);
    assert_eq!(
        s.callback("/oauth/callback?code=other&state=forged"),
        CallbackReply::NotWaiting
    );
    s.respond(common::error(ErrorCode::InternalServer));
    s.sleep();
    assert_eq!(s.transmit_json("/token"), body, "the first code is kept");
}
