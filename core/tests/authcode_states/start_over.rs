//! Starting over: a cached registration the service rejects is replaced once, with a new
//! authorize URL (new `state`, new verifier); a second rejection, or one of a registration the
//! flow made, is a clear error; the deadline with a cached registration says so.

use std::time::Duration;

use ssooidc_core::authcode::{
    s256_challenge, AuthCodeError, AuthCodePhase, CallbackReply, LoginSecrets,
};
use ssooidc_core::device::{Event, StartOver};
use ssooidc_core::{ErrorCode, ServiceError};

use crate::common;
use crate::scenario::{
    cached_pkce, Scenario, CHALLENGE, CODE, SPARE_STATE, SPARE_VERIFIER, STATE, VERIFIER,
};

/// A flow with a cached PKCE registration, its authorize URL out.
fn cached() -> Scenario {
    let mut s = Scenario::builder().cached(cached_pkce(60)).build();
    let request = s.authorize_request();
    assert!(request.url.as_str().contains("&client_id=cached-cid&"));
    assert!(request.url.as_str().contains(&format!("&state={STATE}&")));
    s
}

/// The next event must be a start over for a rejected registration; returns its error.
fn starting_over(s: &mut Scenario) -> ServiceError {
    match s.event() {
        Event::StartingOver(StartOver::RegistrationRejected(e)) => e,
        other => panic!("expected StartingOver(RegistrationRejected), got {other:?}"),
    }
}

/// The browser approves with the cached registration, and the exchange is rejected.
fn rejected_at_the_exchange(s: &mut Scenario) {
    assert_eq!(s.approve(), CallbackReply::Accepted);
    let body = s.transmit_json("/token");
    assert_eq!(body["clientId"], "cached-cid");
    s.respond(common::error(ErrorCode::InvalidClient));
}

/// Registers anew after a start over and returns the new authorize URL.
fn registered_anew(s: &mut Scenario) -> String {
    let registration = s.register();
    assert_eq!(registration.client_id, "cid");
    assert!(registration.is_authorization_code());
    let request = s.authorize_request();
    assert_eq!(s.flow.phase(), AuthCodePhase::Authorize);
    request.url.as_str().to_owned()
}

#[test]
fn a_rejection_at_the_exchange_registers_once_and_sends_the_browser_to_a_new_url() {
    let mut s = cached();
    let first_deadline = s.flow.deadline().unwrap();
    s.now += Duration::from_secs(100);
    rejected_at_the_exchange(&mut s);
    assert_eq!(starting_over(&mut s).code(), Some(ErrorCode::InvalidClient));
    assert_eq!(s.flow.phase(), AuthCodePhase::Register);
    assert!(!s.flow.uses_cached_registration());

    let url = registered_anew(&mut s);
    assert!(url.contains("&client_id=cid&"), "{url}");
    assert!(url.contains(&format!("&state={SPARE_STATE}&")), "{url}");
    assert!(!url.contains(STATE), "the spent state is not reused: {url}");
    assert!(url.ends_with(&format!(
        "&code_challenge={}",
        s256_challenge(SPARE_VERIFIER)
    )));
    assert!(!url.contains(CHALLENGE));
    let deadline = s.flow.deadline().unwrap();
    assert_eq!(
        deadline - first_deadline,
        Duration::from_secs(100),
        "a new deadline"
    );
    assert_eq!(s.timeout(), deadline);

    // The browser comes back with the new state; the exchange uses the new verifier.
    assert_eq!(
        s.callback(&format!("/oauth/callback?code={CODE}&state={SPARE_STATE}")),
        CallbackReply::Accepted
    );
    let body = s.transmit_json("/token");
    assert_eq!(body["clientId"], "cid");
    assert_eq!(body["codeVerifier"], SPARE_VERIFIER);
    s.respond(common::token_ok());
    let token = s.done().expect("a token");
    assert_eq!(token.registration.client_id, "cid");
}

#[test]
fn the_spent_state_is_refused_after_starting_over() {
    let mut s = cached();
    rejected_at_the_exchange(&mut s);
    starting_over(&mut s);
    // While registering, and once the new URL is out: the old state changes nothing.
    assert_eq!(s.approve(), CallbackReply::NotWaiting);
    registered_anew(&mut s);
    for target in [
        format!("/oauth/callback?code={CODE}&state={STATE}"),
        format!("/oauth/callback?error=access_denied&state={STATE}"),
    ] {
        assert_eq!(s.callback(&target), CallbackReply::NotWaiting, "{target}");
        assert_eq!(s.flow.phase(), AuthCodePhase::Authorize);
        assert!(matches!(
            s.output(),
            ssooidc_core::authcode::AuthCodeOutput::Timeout(_)
        ));
    }
    // Another state still stops the login, as before.
    assert_eq!(
        s.callback("/oauth/callback?code=c&state=00000000-0000-4000-8000-000000000000"),
        CallbackReply::Forged
    );
    assert_eq!(s.error(), AuthCodeError::StateMismatch);
}

#[test]
fn a_second_rejection_is_a_clear_error() {
    let mut s = cached();
    rejected_at_the_exchange(&mut s);
    starting_over(&mut s);
    registered_anew(&mut s);
    assert_eq!(
        s.callback(&format!("/oauth/callback?code={CODE}&state={SPARE_STATE}")),
        CallbackReply::Accepted
    );
    s.transmit("/token");
    s.respond(common::error(ErrorCode::InvalidClient));
    let error = s.error();
    assert!(
        matches!(error, AuthCodeError::RegistrationRejected(ref e) if e.code() == Some(ErrorCode::InvalidClient)),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("even after registering anew"),
        "{error}"
    );
    assert_eq!(
        error.service_error().and_then(|e| e.code()),
        Some(ErrorCode::InvalidClient)
    );
}

#[test]
fn a_rejection_of_a_registration_this_flow_made_ends_it_without_a_loop() {
    let mut s = Scenario::new();
    s.enter_exchange();
    s.respond(common::error(ErrorCode::InvalidClient));
    let error = s.error();
    assert!(
        matches!(error, AuthCodeError::RegistrationRejected(_)),
        "{error:?}"
    );
    // From the browser too.
    let mut s = Scenario::new();
    s.enter_authorize();
    let reply = s.callback(&format!(
        "/oauth/callback?error=invalid_client&error_description=gone&state={STATE}"
    ));
    assert!(matches!(reply, CallbackReply::Refused(_)), "{reply:?}");
    let error = s.error();
    assert!(
        matches!(error, AuthCodeError::RegistrationRejected(_)),
        "{error:?}"
    );
}

#[test]
fn the_browser_back_with_invalid_or_unauthorized_client_starts_over() {
    for (error, code) in [
        ("invalid_client", ErrorCode::InvalidClient),
        ("unauthorized_client", ErrorCode::UnauthorizedClient),
    ] {
        for state in [format!("&state={STATE}"), String::new()] {
            let mut s = cached();
            let reply = s.callback(&format!(
                "/oauth/callback?error={error}&error_description=no+such+client{state}"
            ));
            assert!(matches!(reply, CallbackReply::Refused(_)), "{reply:?}");
            let rejected = starting_over(&mut s);
            assert_eq!(rejected.code(), Some(code));
            let url = registered_anew(&mut s);
            assert!(url.contains(&format!("&state={SPARE_STATE}&")), "{url}");
            // Once only: the same again ends the flow.
            s.callback(&format!(
                "/oauth/callback?error={error}&state={SPARE_STATE}"
            ));
            let error = s.error();
            assert!(
                matches!(error, AuthCodeError::RegistrationRejected(ref e) if e.code() == Some(code)),
                "{error:?}"
            );
        }
    }
}

#[test]
fn other_refusals_do_not_start_over() {
    let mut s = cached();
    s.callback(&format!(
        "/oauth/callback?error=access_denied&state={STATE}"
    ));
    assert!(matches!(s.error(), AuthCodeError::Refused(_)));
}

#[test]
fn without_spare_secrets_a_rejection_ends_the_flow_as_it_came() {
    let mut s = Scenario::builder()
        .cached(cached_pkce(60))
        .spare(None)
        .build();
    s.authorize_request();
    rejected_at_the_exchange(&mut s);
    let error = s.error();
    assert!(matches!(error, AuthCodeError::Call(_)), "{error:?}");
    assert_eq!(
        error.service_error().and_then(|e| e.code()),
        Some(ErrorCode::InvalidClient)
    );

    // Spare secrets equal to the first ones are not used either.
    let mut s = Scenario::builder()
        .cached(cached_pkce(60))
        .spare(Some(LoginSecrets::new(VERIFIER, STATE).unwrap()))
        .build();
    s.authorize_request();
    rejected_at_the_exchange(&mut s);
    assert!(matches!(s.error(), AuthCodeError::Call(_)));
}

#[test]
fn the_deadline_with_a_cached_registration_says_so() {
    let mut s = cached();
    assert!(s.flow.uses_cached_registration());
    s.sleep();
    let error = s.error();
    assert_eq!(error, AuthCodeError::DeadlineReachedWithCachedRegistration);
    assert!(error.is_expired());
    assert!(error.to_string().contains("cached client registration"));

    // A callback at the deadline too.
    let mut s = cached();
    let deadline = s.flow.deadline().unwrap();
    s.now = deadline;
    assert_eq!(s.approve(), CallbackReply::TimedOut);
    assert_eq!(
        s.error(),
        AuthCodeError::DeadlineReachedWithCachedRegistration
    );

    // After starting over the registration is new: the plain deadline.
    let mut s = cached();
    rejected_at_the_exchange(&mut s);
    starting_over(&mut s);
    registered_anew(&mut s);
    s.sleep();
    assert_eq!(s.error(), AuthCodeError::DeadlineReached);
}

#[test]
fn debug_shows_neither_pair_of_secrets() {
    let mut s = cached();
    rejected_at_the_exchange(&mut s);
    let shown = format!("{:?}", s.flow);
    for secret in [VERIFIER, STATE, SPARE_VERIFIER, SPARE_STATE, CODE] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    let s = Scenario::new();
    let shown = format!("{:?}", s.flow);
    assert!(!shown.contains(SPARE_STATE) && !shown.contains(SPARE_VERIFIER));
}

/// Issue 27: `UnauthorizedClientException` from the exchange means what `unauthorized_client`
/// from the browser means (RFC 6749 §5.2: this client may not use this grant; the model: "the
/// client is not currently authorized to make the request"): the registration, not the user's
/// approval, is refused. A cached one is replaced once, as for `InvalidClientException`; a
/// second refusal, or one of a registration the flow made, is `RegistrationRejected`.
#[test]
fn an_unauthorized_client_at_the_exchange_replaces_a_cached_registration_once() {
    let mut s = cached();
    assert_eq!(s.approve(), CallbackReply::Accepted);
    assert_eq!(s.transmit_json("/token")["clientId"], "cached-cid");
    s.respond(common::error(ErrorCode::UnauthorizedClient));
    assert_eq!(
        starting_over(&mut s).code(),
        Some(ErrorCode::UnauthorizedClient)
    );
    let url = registered_anew(&mut s);
    assert!(url.contains(&format!("&state={SPARE_STATE}&")), "{url}");
    assert_eq!(
        s.callback(&format!("/oauth/callback?code={CODE}&state={SPARE_STATE}")),
        CallbackReply::Accepted
    );
    assert_eq!(s.transmit_json("/token")["clientId"], "cid");
    s.respond(common::error(ErrorCode::UnauthorizedClient));
    let error = s.error();
    assert!(
        matches!(error, AuthCodeError::RegistrationRejected(ref e) if e.code() == Some(ErrorCode::UnauthorizedClient)),
        "{error:?}"
    );

    // A registration this flow made: no start over.
    let mut s = Scenario::new();
    s.enter_exchange();
    s.respond(common::error(ErrorCode::UnauthorizedClient));
    let error = s.error();
    assert!(
        matches!(error, AuthCodeError::RegistrationRejected(_)),
        "{error:?}"
    );
}
