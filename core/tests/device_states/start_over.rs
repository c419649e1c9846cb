//! The flow's recoveries (issue 17): a cached registration the service rejects is replaced once
//! (finding 7), a token answer lost in transit starts a new authorization once (finding 16),
//! and a token that is already expired is a failed login (finding 13).

use ssooidc_core::device::{
    DeviceFlowError, DeviceFlowPhase, Event, StartOver, TransportErrorKind,
};
use ssooidc_core::oauth::Standard;
use ssooidc_core::ErrorCode;

use crate::common::{self, Wire};
use crate::scenario::Scenario;

both_dialects!(
    a_lost_token_answer_starts_a_new_authorization_once,
    a_second_lost_answer_ends_with_a_hint,
    invalid_grant_without_a_lost_answer_is_fatal,
);

/// Finding 7: `InvalidClientException` for a cached registration registers a new client (once)
/// and goes on; the new registration is announced for the cache.
#[test]
fn a_rejected_cached_registration_is_replaced_once() {
    let mut s = Scenario::builder().cached(common::cached(60)).build();
    let request = s.transmit("/device_authorization");
    assert_eq!(common::body(&request)["clientId"], "cached-cid");
    s.respond(common::error(ErrorCode::InvalidClient));
    match s.event() {
        Event::StartingOver(StartOver::RegistrationRejected(e)) => {
            assert_eq!(e.code(), Some(ErrorCode::InvalidClient))
        }
        other => panic!("expected StartingOver, got {other:?}"),
    }
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Register);
    let fresh = s.register();
    assert_eq!(fresh.client_id, "cid");
    let request = s.transmit("/device_authorization");
    assert_eq!(common::body(&request)["clientId"], "cid");
    s.respond(common::authorize_ok(Some(1), Some(600)));
    s.transmit("/token");
    s.respond(common::token_ok());
    assert_eq!(s.done().unwrap().registration.client_id, "cid");
}

/// Finding 7: a new registration rejected too ends the flow with the service's error (no loop).
#[test]
fn a_rejected_new_registration_ends_the_flow() {
    let mut s = Scenario::builder().cached(common::cached(60)).build();
    s.transmit("/device_authorization");
    s.respond(common::error(ErrorCode::InvalidClient));
    assert!(matches!(s.event(), Event::StartingOver(_)));
    s.register();
    s.transmit("/device_authorization");
    s.respond(common::error(ErrorCode::InvalidClient));
    let error = s.error();
    assert_eq!(
        error.service_error().and_then(|e| e.code()),
        Some(ErrorCode::InvalidClient)
    );
}

/// Finding 7: a registration obtained in this flow is never re-registered on
/// `InvalidClientException` (nothing cached was at fault).
#[test]
fn a_fresh_registration_is_not_replaced() {
    let mut s = Scenario::new();
    s.register();
    s.transmit("/device_authorization");
    s.respond(common::error(ErrorCode::InvalidClient));
    assert!(matches!(s.error(), DeviceFlowError::Call(_)));
}

/// Finding 7: the cached registration rejected while polling also starts over from `Register`.
#[test]
fn a_cached_registration_rejected_while_polling_is_replaced() {
    let mut s = Scenario::builder().cached(common::cached(60)).build();
    s.transmit("/device_authorization");
    s.respond(common::authorize_ok(Some(1), Some(600)));
    s.transmit("/token");
    s.respond(common::error(ErrorCode::InvalidClient));
    assert!(matches!(
        s.event(),
        Event::StartingOver(StartOver::RegistrationRejected(_))
    ));
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Register);
}

/// `UnauthorizedClientException` for a cached registration (RFC 6749 §5.2: the client is
/// refused, not the user's approval) replaces it once too, at the authorization or a poll, as
/// the browser login does; a new registration refused the same way ends the flow.
#[test]
fn an_unauthorized_cached_registration_is_replaced_once() {
    let mut s = Scenario::builder().cached(common::cached(60)).build();
    s.transmit("/device_authorization");
    s.respond(common::authorize_ok(Some(1), Some(600)));
    s.transmit("/token");
    s.respond(common::error(ErrorCode::UnauthorizedClient));
    match s.event() {
        Event::StartingOver(StartOver::RegistrationRejected(e)) => {
            assert_eq!(e.code(), Some(ErrorCode::UnauthorizedClient))
        }
        other => panic!("expected StartingOver, got {other:?}"),
    }
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Register);
    s.register();
    s.transmit("/device_authorization");
    s.respond(common::error(ErrorCode::UnauthorizedClient));
    assert_eq!(
        s.error().service_error().and_then(|e| e.code()),
        Some(ErrorCode::UnauthorizedClient)
    );
}

/// Finding 13: `expiresIn` absent, 0 or negative is not a successful login.
#[test]
fn a_token_that_is_already_expired_is_a_failure() {
    for (member, expected) in [
        (r#","expiresIn":0"#, Some(0)),
        (r#","expiresIn":-3600"#, Some(-3600)),
        ("", None),
    ] {
        let mut s = Scenario::new();
        s.enter_first_poll(Some(1), Some(600));
        s.respond(common::ok(&format!(
            r#"{{"accessToken":"{}","tokenType":"Bearer"{member}}}"#,
            common::ACCESS_TOKEN
        )));
        let error = s.error();
        assert_eq!(
            error,
            DeviceFlowError::AlreadyExpired {
                operation: "CreateToken",
                expires_in: expected
            },
            "{member}"
        );
        assert!(error.to_string().contains("already expired"), "{error}");
        assert!(!error.to_string().contains(common::ACCESS_TOKEN));
    }
}

/// Finding 16: the answer with the token cut off (a malformed 200), then "already used": a new
/// authorization starts with the same client, and a new prompt is shown.
fn a_lost_token_answer_starts_a_new_authorization_once<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(600));
    s.sleep();
    s.transmit_poll();
    s.respond(common::ok(r#"{"accessToken":"at-very-sec"#));
    s.sleep();
    s.transmit_poll();
    s.respond(W::error(ErrorCode::InvalidGrant));
    match s.event() {
        Event::StartingOver(StartOver::AnswerLost(e)) => {
            assert_eq!(e.code(), Some(ErrorCode::InvalidGrant))
        }
        other => panic!("expected StartingOver, got {other:?}"),
    }
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Authorize);
    let request = s.transmit_authorize();
    W::check_authorize(&request); // the same client
    s.respond(W::authorize_ok(Some(1), Some(600)));
    s.transmit_poll();
    s.respond(W::error(ErrorCode::AuthorizationPending));
    s.prompt();
    s.sleep();
    s.transmit_poll();
    s.respond(W::token_ok());
    assert!(s.done().is_ok());
}

/// Finding 16: a dropped connection counts as a lost answer too; the second loss ends the flow
/// with an error that says to start again.
fn a_second_lost_answer_ends_with_a_hint<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(600));
    for round in 0..2 {
        s.sleep();
        s.transmit_poll();
        s.transport_error(TransportErrorKind::ConnectionClosed);
        s.sleep();
        s.transmit_poll();
        s.respond(W::error(ErrorCode::InvalidGrant));
        if round == 0 {
            assert!(matches!(s.event(), Event::StartingOver(_)));
            s.transmit_authorize();
            s.respond(W::authorize_ok(Some(1), Some(600)));
            s.transmit_poll();
            s.respond(W::error(ErrorCode::AuthorizationPending));
            s.prompt();
        }
    }
    let error = s.error();
    assert!(
        matches!(error, DeviceFlowError::AnswerLost { .. }),
        "{error:?}"
    );
    assert_eq!(error.operation(), Some(W::POLL));
    assert!(
        error.to_string().contains("start the login again"),
        "{error}"
    );
}

/// Finding 16: without a lost answer, `invalid_grant` ends the flow as before.
fn invalid_grant_without_a_lost_answer_is_fatal<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(600));
    s.sleep();
    s.transmit_poll();
    s.transport_error(TransportErrorKind::Connect);
    s.sleep();
    s.transmit_poll();
    s.respond(W::error(ErrorCode::InvalidGrant));
    assert!(matches!(s.error(), DeviceFlowError::Call(_)));
}

/// The standard dialect's client is registered beforehand: `invalid_client` cannot be mended by
/// registering anew, so it ends the flow at once (no `StartingOver`).
#[test]
fn a_rejected_pre_registered_client_ends_the_flow() {
    for polling in [false, true] {
        let mut s = Scenario::<Standard>::fresh();
        if polling {
            s.enter_polling(Some(1), Some(600));
            s.sleep();
            s.transmit_poll();
        } else {
            s.transmit_authorize();
        }
        s.respond(Standard::error(ErrorCode::InvalidClient));
        let error = s.error();
        assert_eq!(
            error.service_error().and_then(|e| e.code()),
            Some(ErrorCode::InvalidClient),
            "{error:?}"
        );
    }
}

/// Standard dialect: an `expires_in` of 0 or less is a token already expired, a failed login as
/// in the AWS dialect; an absent one is allowed (RFC 6749 §5.1 only recommends it).
#[test]
fn a_standard_token_already_expired_is_a_failure_and_an_unknown_lifetime_is_not() {
    for (member, expected) in [
        (r#","expires_in":0"#, Some(Some(0))),
        (r#","expires_in":-5"#, Some(Some(-5))),
        ("", None),
    ] {
        let mut s = Scenario::<Standard>::fresh();
        s.enter_first_poll(Some(1), Some(600));
        s.respond(common::oauth_response(
            200,
            serde_json::from_str(&format!(
                r#"{{"access_token":"{}","token_type":"Bearer"{member}}}"#,
                common::ACCESS_TOKEN
            ))
            .unwrap(),
        ));
        match expected {
            Some(expires_in) => {
                let error = s.error();
                assert_eq!(
                    error,
                    DeviceFlowError::AlreadyExpired {
                        operation: ssooidc_core::oauth::TOKEN,
                        expires_in
                    }
                );
                assert!(!error.to_string().contains(common::ACCESS_TOKEN));
            }
            None => {
                let tokens = s.done().expect("a token of unknown lifetime");
                assert_eq!(tokens.expires_at, None);
            }
        }
    }
}
