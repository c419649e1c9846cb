//! Misuse in every state is a typed error that changes nothing; secrets never show in `Debug`;
//! a clock that goes backwards changes nothing either.

use std::time::Duration;

use ssooidc_core::device::{MisuseError, Output, TransportErrorKind};
use ssooidc_core::ErrorCode;

use crate::common;
use crate::scenario::Scenario;

#[test]
fn a_response_with_nothing_outstanding_is_refused() {
    let mut s = Scenario::new();
    let now = s.now;
    assert_eq!(
        s.flow
            .handle_response(now, common::WALL, common::register_ok()),
        Err(MisuseError::NoRequestOutstanding)
    );
    assert_eq!(
        s.flow
            .handle_transport_error(now, TransportErrorKind::Other),
        Err(MisuseError::NoRequestOutstanding)
    );
    // Nothing changed: the registration request still goes out.
    s.transmit("/client/register");

    // Waiting for a timeout is not "outstanding" either.
    let mut s = Scenario::new();
    s.enter_polling(Some(1), Some(600));
    let now = s.now;
    assert_eq!(
        s.flow
            .handle_response(now, common::WALL, common::token_ok()),
        Err(MisuseError::NoRequestOutstanding)
    );
    assert_eq!(s.timeout(), s.at(1.0));
}

#[test]
fn polling_again_before_the_answer_is_refused() {
    let mut s = Scenario::new();
    s.transmit("/client/register");
    assert_eq!(
        s.flow.poll_output().err(),
        Some(MisuseError::RequestOutstanding)
    );
    assert_eq!(
        s.flow.poll_output().err(),
        Some(MisuseError::RequestOutstanding)
    );
    s.respond(common::register_ok());
    s.event();
    s.transmit("/device_authorization");
}

#[test]
fn timeouts_while_in_flight_or_early_are_no_ops() {
    let mut s = Scenario::new();
    s.enter_polling(Some(5), Some(600));
    for ms in [0, 1, 4999] {
        s.advance_to(s.at(f64::from(ms) / 1000.0));
        assert_eq!(s.timeout(), s.at(5.0));
    }
    s.advance_to(s.at(5.0));
    s.transmit("/token");
    s.advance_to(s.at(100.0));
    assert_eq!(
        s.flow.poll_output().err(),
        Some(MisuseError::RequestOutstanding)
    );
    s.respond(common::error(ErrorCode::AuthorizationPending));
    assert_eq!(s.timeout(), s.at(105.0));
}

#[test]
fn a_backwards_clock_never_pulls_the_schedule_earlier() {
    let mut s = Scenario::new();
    s.enter_polling(Some(1), Some(600));
    s.advance_to(s.at(50.0)); // late wake-up: ready
    s.transmit("/token");
    s.now = s.t0; // the clock jumps back 50 s
    s.respond(common::error(ErrorCode::AuthorizationPending));
    // Scheduled from the latest instant seen (50 s), not from the backwards reading.
    assert_eq!(s.timeout(), s.at(51.0));
    s.advance_to(s.at(1.0));
    assert_eq!(s.timeout(), s.at(51.0));
}

#[test]
fn secrets_never_show_in_debug() {
    let mut s = Scenario::new();
    let mut seen = String::new();
    seen += &format!("{:?}", s.output()); // the RegisterClient request
    s.respond(common::register_ok());
    seen += &format!("{:?} {:?}", s.output(), s.flow); // Registered
    seen += &format!("{:?}", s.output()); // StartDeviceAuthorization, with the secret in its body
    s.respond(common::authorize_ok(Some(1), Some(600)));
    seen += &format!("{:?} {:?}", s.output(), s.flow); // CreateToken with the device code
    s.respond(common::token_ok());
    let done = s.output();
    seen += &format!("{done:?} {:?} {done:#?}", s.flow);
    if let Output::Done(Ok(token)) = &done {
        assert_eq!(token.access_token.expose(), common::ACCESS_TOKEN);
    } else {
        panic!("{done:?}");
    }
    for secret in [
        common::CLIENT_SECRET,
        common::DEVICE_CODE,
        common::ACCESS_TOKEN,
        common::REFRESH_TOKEN,
    ] {
        assert!(!seen.contains(secret), "{secret} in {seen}");
    }
    assert!(seen.contains("<redacted>"));
}

#[test]
fn huge_values_do_not_panic() {
    let mut s = Scenario::builder()
        .config(|c| c.second(Duration::MAX).min_interval(Some(u32::MAX)))
        .build();
    s.register();
    s.transmit("/device_authorization");
    s.respond(common::authorize_ok(Some(i32::MAX), Some(i32::MAX)));
    s.transmit("/token");
    s.respond(common::error(ErrorCode::SlowDown));
    s.prompt();
    let at = s.timeout();
    assert!(at > s.now);
    s.advance_to(at);
    // The next poll could only fall at the (saturated) deadline: the flow gives up there.
    assert!(s.flow.is_done());
}
