//! State `Poll`: the token request with the device code (`CreateToken` in the AWS dialect),
//! until a token or a terminal error. Every policy test runs once per dialect.

use ssooidc_core::machine::Machine;
use std::time::Duration;

use ssooidc_core::device::{DeviceFlowError, DeviceFlowPhase, Event, TransportErrorKind};
use ssooidc_core::machine::Output;
use ssooidc_core::CallError;
use ssooidc_core::ErrorCode;

use crate::common::{self, Wire};
use crate::scenario::Scenario;

both_dialects!(
    pending_shows_the_prompt_then_waits_the_interval,
    a_token_on_the_first_poll_needs_no_prompt,
    slow_down_adds_five_seconds_for_good,
    slow_down_with_an_interval,
    slow_down_on_the_first_poll_still_prompts,
    denied_and_expired_are_terminal,
    denied_and_expired_name_the_operation_the_flow_polled_with,
    denied_on_the_first_poll_ends_without_a_prompt,
    other_client_errors_end_with_their_typed_error,
    no_request_at_or_after_the_deadline,
    sleeping_past_the_deadline_ends_the_flow,
    a_deadline_passed_while_ready_sends_nothing,
    a_late_answer_after_the_deadline_still_counts,
    server_faults_wait_at_least_the_interval_and_are_bounded,
    pending_resets_the_failure_streak,
    a_transport_error_doubles_the_interval,
    a_transport_error_on_the_first_poll_still_prompts,
    a_tls_or_proxy_failure_ends_the_flow_with_its_message,
);

fn pending_shows_the_prompt_then_waits_the_interval<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    let prompt = s.enter_polling(Some(1), Some(600));
    assert_eq!(prompt.user_code, "ABCD-EFGH");
    assert_eq!(prompt.verification_uri, "https://x/");
    assert_eq!(
        prompt.verification_uri_complete.as_deref(),
        Some("https://x/?user_code=ABCD-EFGH")
    );
    assert_eq!(prompt.expires_at, s.at(600.0));
    assert_eq!(s.timeout(), s.at(1.0));
    // The prompt comes once.
    s.sleep();
    s.transmit_poll();
    s.respond(W::error(ErrorCode::AuthorizationPending));
    assert_eq!(s.timeout(), s.at(2.0));
}

fn a_token_on_the_first_poll_needs_no_prompt<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_first_poll(Some(1), Some(600));
    s.respond(W::token_ok());
    let token = s.done().expect("token");
    assert_eq!(W::access_token(&token), common::ACCESS_TOKEN);
    assert_eq!(W::refresh_token(&token), Some(common::REFRESH_TOKEN));
}

#[test]
fn aws_the_token_carries_its_type_expiry_and_registration() {
    let mut s = Scenario::new();
    s.enter_first_poll(Some(1), Some(600));
    s.respond(common::token_ok());
    let token = s.done().expect("token");
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    assert_eq!(token.expires_at, common::WALL + time::Duration::hours(1));
    assert_eq!(token.registration.client_id, "cid");
    let shown = format!("{token:?}");
    assert!(
        shown.contains("expires_at: 2026-01-04T19:51:47Z,"),
        "RFC 3339: {shown}"
    );
    assert!(!shown.contains("+00:00:00"), "{shown}");
}

#[test]
fn standard_the_tokens_carry_their_type_expiry_and_scope() {
    let mut s = Scenario::<ssooidc_core::oauth::Standard>::fresh();
    s.enter_first_poll(Some(1), Some(600));
    s.respond(ssooidc_core::oauth::Standard::token_ok());
    let tokens = s.done().expect("tokens");
    assert!(tokens.is_bearer());
    assert_eq!(
        tokens.expires_at,
        Some((common::WALL + time::Duration::hours(1)).into())
    );
    assert_eq!(tokens.scope.as_deref(), Some("openid offline_access"));
}

#[test]
fn the_token_is_stamped_with_the_wall_clock_of_its_response() {
    let mut s = Scenario::new();
    s.enter_polling(Some(1), Some(600));
    s.sleep();
    s.transmit("/token");
    s.respond(common::ok(
        r#"{"accessToken":"at","expiresIn":28800,"idToken":null,"tokenType":"Bearer"}"#,
    ));
    let token = s.done().unwrap();
    assert_eq!(
        token.expires_at,
        common::WALL + time::Duration::seconds(1 + 28800)
    );
    assert!(token.refresh_token.is_none());
}

#[test]
fn a_cached_registration_travels_with_the_token() {
    let mut s = Scenario::builder().cached(common::cached(60)).build();
    s.transmit("/device_authorization");
    s.respond(common::authorize_ok(Some(1), Some(600)));
    s.transmit("/token");
    s.respond(common::token_ok());
    assert_eq!(s.done().unwrap().registration, common::cached(60));
}

fn slow_down_adds_five_seconds_for_good<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(600));
    s.sleep();
    s.transmit_poll();
    s.respond(W::error(ErrorCode::SlowDown));
    assert_eq!(s.flow.interval(), Some(Duration::from_secs(6)));
    assert_eq!(s.sleep(), Duration::from_secs(6));
    s.transmit_poll();
    s.respond(W::error(ErrorCode::AuthorizationPending));
    assert_eq!(s.sleep(), Duration::from_secs(6));
    s.transmit_poll();
    s.respond(W::error(ErrorCode::SlowDown));
    assert_eq!(s.sleep(), Duration::from_secs(11));
}

/// The `slow-down-carries-an-interval` rule: the standard dialect honours the interval a
/// `slow_down` carries (at least +5 s); AWS never sends one, and its decoder ignores it.
fn slow_down_with_an_interval<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(600));
    s.sleep();
    s.transmit_poll();
    s.respond(W::slow_down_to(30));
    let expected = if W::SLOW_DOWN_CARRIES_INTERVAL { 30 } else { 6 };
    assert_eq!(s.flow.interval(), Some(Duration::from_secs(expected)));
    assert_eq!(s.sleep(), Duration::from_secs(expected));
    s.transmit_poll();
    // A shorter one never shortens the interval: +5 still applies.
    s.respond(W::slow_down_to(1));
    assert_eq!(s.sleep(), Duration::from_secs(expected + 5));
}

fn slow_down_on_the_first_poll_still_prompts<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_first_poll(Some(1), Some(600));
    s.respond(W::error(ErrorCode::SlowDown));
    s.prompt();
    assert_eq!(s.timeout(), s.at(6.0));
}

fn denied_and_expired_are_terminal<W: Wire>() {
    for quirk in [false, true] {
        let mut s = Scenario::<W>::fresh();
        s.enter_polling(Some(1), Some(600));
        s.sleep();
        s.transmit_poll();
        s.respond(W::error_as(ErrorCode::AccessDenied, quirk));
        let error = s.error();
        assert!(
            matches!(&error, DeviceFlowError::Denied { error: e, .. } if e.code() == Some(ErrorCode::AccessDenied))
        );
        assert!(!error.is_expired());

        let mut s = Scenario::<W>::fresh();
        s.enter_polling(Some(1), Some(600));
        s.sleep();
        s.transmit_poll();
        s.respond(W::error_as(ErrorCode::ExpiredToken, quirk));
        let error = s.error();
        assert!(matches!(&error, DeviceFlowError::Expired { .. }));
        assert!(error.is_expired());
    }
}

/// A denial or an expiry is the answer to a poll: the error names the dialect's poll, AWS's
/// `CreateToken` or the standard dialect's token request, not always AWS's.
fn denied_and_expired_name_the_operation_the_flow_polled_with<W: Wire>() {
    let expected = if W::REGISTERS_CLIENTS {
        "CreateToken"
    } else {
        ssooidc_core::oauth::TOKEN
    };
    assert_eq!(W::POLL, expected);
    for code in [ErrorCode::AccessDenied, ErrorCode::ExpiredToken] {
        let mut s = Scenario::<W>::fresh();
        s.enter_polling(Some(1), Some(600));
        s.sleep();
        s.transmit_poll();
        s.respond(W::error(code));
        let error = s.error();
        assert_eq!(error.operation(), Some(expected), "{error:?}");
        match &error {
            DeviceFlowError::Denied { operation, .. }
            | DeviceFlowError::Expired { operation, .. } => {
                assert_eq!(*operation, expected)
            }
            other => panic!("expected a denial or an expiry, got {other:?}"),
        }
    }
}

fn denied_on_the_first_poll_ends_without_a_prompt<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_first_poll(Some(1), Some(600));
    s.respond(W::error(ErrorCode::AccessDenied));
    assert!(matches!(s.error(), DeviceFlowError::Denied { .. }));
}

fn other_client_errors_end_with_their_typed_error<W: Wire>() {
    for code in [
        ErrorCode::InvalidClient,
        ErrorCode::InvalidGrant,
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidScope,
        ErrorCode::UnauthorizedClient,
        ErrorCode::UnsupportedGrantType,
        ErrorCode::InvalidRequestRegion,
        ErrorCode::InvalidClientMetadata,
        ErrorCode::InvalidRedirectUri,
    ] {
        let mut s = Scenario::<W>::fresh();
        s.enter_polling(Some(1), Some(600));
        s.sleep();
        s.transmit_poll();
        s.respond(W::error(code));
        match s.error() {
            DeviceFlowError::Call(CallError::Service {
                operation, error, ..
            }) => {
                assert_eq!(operation, W::POLL);
                assert_eq!(error.code(), Some(W::decoded(code)), "{code}");
            }
            other => panic!("{code}: {other:?}"),
        }
    }
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(600));
    s.sleep();
    s.transmit_poll();
    s.respond(common::response(403, r#"{"error":"weird"}"#));
    assert!(matches!(
        s.error(),
        DeviceFlowError::Call(CallError::Service { .. })
    ));
}

fn no_request_at_or_after_the_deadline<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(4), Some(10));
    assert_eq!(s.sleep(), Duration::from_secs(4)); // t = 4
    s.transmit_poll();
    s.respond(W::error(ErrorCode::AuthorizationPending));
    assert_eq!(s.sleep(), Duration::from_secs(4)); // t = 8
    s.transmit_poll();
    s.respond(W::error(ErrorCode::AuthorizationPending));
    // t = 12 would be past the deadline at 10: wait for the deadline and give up.
    assert_eq!(s.timeout(), s.at(10.0));
    s.advance_to(s.at(9.999));
    assert_eq!(s.timeout(), s.at(10.0));
    s.advance_to(s.at(10.0));
    assert!(matches!(s.error(), DeviceFlowError::DeadlineReached));
}

fn sleeping_past_the_deadline_ends_the_flow<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(10));
    s.advance_to(s.at(30.0));
    let error = s.error();
    assert!(matches!(error, DeviceFlowError::DeadlineReached));
    assert!(error.is_expired());
}

fn a_deadline_passed_while_ready_sends_nothing<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(10));
    s.advance_to(s.at(1.0)); // ready
    s.advance_to(s.at(10.0)); // the caller dawdled before poll_output
    assert!(matches!(s.error(), DeviceFlowError::DeadlineReached));
}

fn a_late_answer_after_the_deadline_still_counts<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(10));
    s.advance_to(s.at(9.0));
    s.transmit_poll();
    s.now = s.at(11.0);
    s.respond(W::token_ok());
    assert!(s.done().is_ok());

    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(10));
    s.advance_to(s.at(9.0));
    s.transmit_poll();
    s.now = s.at(11.0);
    s.respond(W::error(ErrorCode::AuthorizationPending));
    assert!(matches!(s.error(), DeviceFlowError::DeadlineReached));
}

fn server_faults_wait_at_least_the_interval_and_are_bounded<W: Wire>() {
    let mut s = Scenario::<W>::of().config(|c| c.max_retries(2)).build();
    s.enter_polling(Some(1), Some(600));
    s.sleep();
    s.transmit_poll();
    s.respond(W::error(ErrorCode::InternalServer));
    let wait = s.sleep(); // backoff 0.5..1 s, but never below the 1 s interval
    assert_eq!(wait, Duration::from_secs(1));
    s.transmit_poll();
    s.respond(common::response(429, r#"{"message":"Rate exceeded"}"#));
    let wait = s.sleep(); // backoff 1..2 s
    assert!(
        wait >= Duration::from_secs(1) && wait <= Duration::from_secs(2),
        "{wait:?}"
    );
    s.transmit_poll();
    s.respond(common::ok("{truncated"));
    match s.error() {
        DeviceFlowError::Call(CallError::Malformed { operation, .. }) => {
            assert_eq!(operation, W::POLL)
        }
        other => panic!("{other:?}"),
    }
}

fn pending_resets_the_failure_streak<W: Wire>() {
    let mut s = Scenario::<W>::of().config(|c| c.max_retries(1)).build();
    s.enter_polling(Some(1), Some(600));
    for _ in 0..5 {
        s.sleep();
        s.transmit_poll();
        s.respond(W::error(ErrorCode::InternalServer));
        s.sleep();
        s.transmit_poll();
        s.respond(W::error(ErrorCode::AuthorizationPending));
    }
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Poll);
}

fn a_transport_error_doubles_the_interval<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(600));
    s.sleep();
    s.transmit_poll();
    s.transport_error(TransportErrorKind::Timeout);
    assert_eq!(s.flow.interval(), Some(Duration::from_secs(2)));
    assert_eq!(s.sleep(), Duration::from_secs(2));
    s.transmit_poll();
    s.transport_error(TransportErrorKind::Connect);
    assert_eq!(s.flow.interval(), Some(Duration::from_secs(4)));
    assert_eq!(s.sleep(), Duration::from_secs(4));
    s.transmit_poll();
    s.respond(W::error(ErrorCode::AuthorizationPending));
    // The longer interval stays.
    assert_eq!(s.sleep(), Duration::from_secs(4));
}

fn a_transport_error_on_the_first_poll_still_prompts<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_first_poll(Some(1), Some(600));
    s.transport_error(TransportErrorKind::ConnectionClosed);
    assert!(matches!(s.output(), Output::Event(Event::Prompt(_))));
    assert_eq!(s.timeout(), s.at(2.0));
}

fn a_tls_or_proxy_failure_ends_the_flow_with_its_message<W: Wire>() {
    for kind in [TransportErrorKind::Tls, TransportErrorKind::Proxy] {
        let mut s = Scenario::<W>::fresh();
        s.enter_polling(Some(1), Some(600));
        s.sleep();
        s.transmit_poll();
        let now = s.now;
        s.flow
            .handle_transport_error(
                now,
                common::WALL,
                ssooidc_core::TransportError::new(kind, "UnknownIssuer"),
            )
            .unwrap();
        let error = s.error();
        let transport = error
            .transport_error()
            .expect("the transport failure is kept");
        assert_eq!(
            (transport.kind(), transport.message()),
            (kind, "UnknownIssuer")
        );
        assert_eq!(error.operation(), Some(W::POLL));
    }
}

/// A driver asks why the machine waits: the interval is the protocol's pace, a backoff after a
/// failure is a retry (drivers announce long retries, issue 17 finding 14).
#[test]
fn waits_are_told_apart() {
    use ssooidc_core::machine::{Machine, Wait};
    let mut s = Scenario::new();
    s.register();
    s.transmit("/device_authorization");
    s.respond(common::error(ErrorCode::InternalServer));
    s.timeout();
    assert_eq!(s.flow.waiting_for(), Wait::Retry);
    s.sleep();
    s.transmit("/device_authorization");
    s.respond(common::authorize_ok(Some(1), Some(600)));
    s.transmit("/token");
    s.respond(common::error(ErrorCode::AuthorizationPending));
    s.prompt();
    s.timeout();
    assert_eq!(s.flow.waiting_for(), Wait::Pace);
    s.sleep();
    s.transmit("/token");
    s.respond(common::error(ErrorCode::InternalServer));
    assert_eq!(s.flow.waiting_for(), Wait::Retry);
}
