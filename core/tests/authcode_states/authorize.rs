//! State `Authorize`: the URL is out; the flow waits for the browser until its deadline.

use std::time::Duration;

use ssooidc_core::authcode::{AuthCodeError, AuthCodePhase, AuthorizationError, CallbackReply};
use ssooidc_core::browser::BrowserUrlError;

use crate::common;
use crate::scenario::{Scenario, CHALLENGE, CODE, PORT, STATE};

#[test]
fn the_authorize_url_and_the_deadline() {
    let mut s = Scenario::new();
    let request = s.enter_authorize();
    assert_eq!(
        request.url.as_str(),
        format!(
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A{PORT}%2Foauth%2Fcallback&state={STATE}&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge={CHALLENGE}"
        )
    );
    assert_eq!(
        request.redirect_uri,
        format!("http://127.0.0.1:{PORT}/oauth/callback")
    );
    assert_eq!(s.flow.redirect_uri(), request.redirect_uri);
    assert_eq!(request.expires_at, s.t0 + Duration::from_secs(600));
    assert_eq!(
        request.expires_at_wall,
        common::WALL + time::Duration::seconds(600)
    );
    assert_eq!(s.timeout(), request.expires_at);
    assert_eq!(s.flow.deadline(), Some(request.expires_at));
    // Polling again changes nothing.
    assert_eq!(s.timeout(), request.expires_at);
}

#[test]
fn the_deadline_is_configurable_in_protocol_seconds() {
    let mut s = Scenario::builder()
        .config(|c| c.callback_timeout(30).second(Duration::from_millis(10)))
        .build();
    let request = s.enter_authorize();
    assert_eq!(request.expires_at, s.t0 + Duration::from_millis(300));
    assert_eq!(
        request.expires_at_wall,
        common::WALL + time::Duration::seconds(30),
        "the wall clock counts real seconds"
    );
}

#[test]
fn waking_early_changes_nothing_and_the_deadline_ends_the_flow() {
    let mut s = Scenario::new();
    let request = s.enter_authorize();
    s.advance_to(request.expires_at - Duration::from_millis(1));
    assert_eq!(s.flow.phase(), AuthCodePhase::Authorize);
    assert_eq!(s.timeout(), request.expires_at);
    s.advance_to(request.expires_at);
    assert_eq!(s.error(), AuthCodeError::DeadlineReached);
    assert!(AuthCodeError::DeadlineReached.is_expired());
}

#[test]
fn requests_that_carry_neither_code_nor_error_are_ignored() {
    let mut s = Scenario::new();
    let request = s.enter_authorize();
    for target in [
        "/favicon.ico",
        "/",
        "/oauth/callback",
        &format!("/oauth/callback?code={CODE}"),
        &format!("/oauth/callback?state={STATE}"),
        &format!("/other?code={CODE}&state={STATE}"),
    ] {
        assert_eq!(s.callback(target), CallbackReply::Ignored, "{target}");
        assert_eq!(s.flow.phase(), AuthCodePhase::Authorize);
        assert_eq!(s.timeout(), request.expires_at);
    }
    assert_eq!(s.approve(), CallbackReply::Accepted);
}

#[test]
fn the_code_with_the_right_state_goes_to_the_exchange() {
    let mut s = Scenario::new();
    s.enter_authorize();
    assert_eq!(s.approve(), CallbackReply::Accepted);
    assert_eq!(s.flow.phase(), AuthCodePhase::Exchange);
    assert_eq!(s.flow.deadline(), None);
    s.transmit("/token");
}

#[test]
fn a_forged_state_ends_the_flow_without_a_token_request() {
    for forged in [
        "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5e",
        "3F2B8C1E-4D5A-4B6C-9E7F-0A1B2C3D4E5F",
        "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f0",
        "3f2b8c1e",
        "x",
    ] {
        let mut s = Scenario::new();
        s.enter_authorize();
        assert_eq!(
            s.callback(&format!("/oauth/callback?code={CODE}&state={forged}")),
            CallbackReply::Forged,
            "{forged}"
        );
        // Done at once: the next output is the end, never a CreateToken.
        assert_eq!(s.error(), AuthCodeError::StateMismatch);
    }
}

#[test]
fn an_error_from_the_browser_is_a_typed_refusal() {
    let mut s = Scenario::new();
    s.enter_authorize();
    let reply = s.callback(&format!(
        "/oauth/callback?error=access_denied&error_description=User+denied+the+request&state={STATE}"
    ));
    let expected = AuthorizationError::new("access_denied", Some("User denied the request".into()));
    assert_eq!(reply, CallbackReply::Refused(expected.clone()));
    let error = s.error();
    assert_eq!(error, AuthCodeError::Refused(expected));
    let AuthCodeError::Refused(refused) = error else {
        unreachable!()
    };
    assert!(refused.is_access_denied());
    assert_eq!(
        refused.to_string(),
        "access_denied: User denied the request"
    );

    // Without a state (some servers leave it out), as the AWS CLI: a refusal.
    let mut s = Scenario::new();
    s.enter_authorize();
    assert!(matches!(
        s.callback("/oauth/callback?error=invalid_scope"),
        CallbackReply::Refused(AuthorizationError { ref error, description: None, .. }) if error == "invalid_scope"
    ));
    assert!(matches!(s.error(), AuthCodeError::Refused(_)));

    // With somebody else's state: forged, so it cannot end a login it does not belong to
    // under a misleading name.
    let mut s = Scenario::new();
    s.enter_authorize();
    assert_eq!(
        s.callback("/oauth/callback?error=access_denied&state=other"),
        CallbackReply::Forged
    );
    assert_eq!(s.error(), AuthCodeError::StateMismatch);
}

#[test]
fn a_callback_at_the_deadline_is_refused() {
    let mut s = Scenario::new();
    let request = s.enter_authorize();
    // The driver was busy and fed the callback late, without a timeout first.
    s.now = request.expires_at;
    assert_eq!(s.approve(), CallbackReply::TimedOut);
    assert_eq!(s.error(), AuthCodeError::DeadlineReached);
}

#[test]
fn a_late_favicon_also_ends_the_wait_at_the_deadline() {
    let mut s = Scenario::new();
    let request = s.enter_authorize();
    s.now = request.expires_at + Duration::from_secs(1);
    assert_eq!(s.callback("/favicon.ico"), CallbackReply::TimedOut);
    assert_eq!(s.error(), AuthCodeError::DeadlineReached);
}

#[test]
fn an_authorize_url_too_long_for_a_browser_ends_the_flow() {
    let long = "s".repeat(9_000);
    let mut s = Scenario::builder().input(|i| i.scopes([long])).build();
    s.register();
    assert_eq!(
        s.error(),
        AuthCodeError::AuthorizeUrl(BrowserUrlError::TooLong)
    );
}
