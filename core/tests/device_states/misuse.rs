//! Misuse in every state is a typed error that changes nothing; secrets never show in `Debug`;
//! a clock that goes backwards changes nothing either. In both dialects.

use ssooidc_core::machine::Machine;
use std::time::Duration;

use ssooidc_core::device::{MisuseError, TransportErrorKind};
use ssooidc_core::machine::Output;
use ssooidc_core::ErrorCode;

use crate::common::{self, Wire};
use crate::scenario::Scenario;

both_dialects!(
    a_response_with_nothing_outstanding_is_refused,
    polling_again_before_the_answer_is_refused,
    timeouts_while_in_flight_or_early_are_no_ops,
    a_backwards_clock_never_pulls_the_schedule_earlier,
    secrets_never_show_in_debug,
    huge_values_do_not_panic,
);

fn a_response_with_nothing_outstanding_is_refused<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    let now = s.now;
    assert_eq!(
        s.flow.handle_response(now, common::WALL, W::token_ok()),
        Err(MisuseError::NoRequestOutstanding)
    );
    assert_eq!(
        s.flow
            .handle_transport_error(now, common::WALL, TransportErrorKind::Other.into()),
        Err(MisuseError::NoRequestOutstanding)
    );
    // Nothing changed: the first request still goes out.
    s.register_if_needed();
    s.transmit_authorize();

    // Waiting for a timeout is not "outstanding" either.
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(600));
    let now = s.now;
    assert_eq!(
        s.flow.handle_response(now, common::WALL, W::token_ok()),
        Err(MisuseError::NoRequestOutstanding)
    );
    assert_eq!(s.timeout(), s.at(1.0));
}

fn polling_again_before_the_answer_is_refused<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.register_if_needed();
    s.transmit_authorize();
    assert_eq!(
        s.flow.poll_output().err(),
        Some(MisuseError::RequestOutstanding)
    );
    assert_eq!(
        s.flow.poll_output().err(),
        Some(MisuseError::RequestOutstanding)
    );
    s.respond(W::authorize_ok(Some(1), Some(600)));
    s.transmit_poll();
}

#[test]
fn aws_polling_again_before_the_registration_answer_is_refused() {
    let mut s = Scenario::new();
    s.transmit("/client/register");
    assert_eq!(
        s.flow.poll_output().err(),
        Some(MisuseError::RequestOutstanding)
    );
    s.respond(common::register_ok());
    s.event();
    s.transmit("/device_authorization");
}

fn timeouts_while_in_flight_or_early_are_no_ops<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(5), Some(600));
    for ms in [0, 1, 4999] {
        s.advance_to(s.at(f64::from(ms) / 1000.0));
        assert_eq!(s.timeout(), s.at(5.0));
    }
    s.advance_to(s.at(5.0));
    s.transmit_poll();
    s.advance_to(s.at(100.0));
    assert_eq!(
        s.flow.poll_output().err(),
        Some(MisuseError::RequestOutstanding)
    );
    s.respond(W::error(ErrorCode::AuthorizationPending));
    assert_eq!(s.timeout(), s.at(105.0));
}

fn a_backwards_clock_never_pulls_the_schedule_earlier<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_polling(Some(1), Some(600));
    s.advance_to(s.at(50.0)); // late wake-up: ready
    s.transmit_poll();
    s.now = s.t0; // the clock jumps back 50 s
    s.respond(W::error(ErrorCode::AuthorizationPending));
    // Scheduled from the latest instant seen (50 s), not from the backwards reading.
    assert_eq!(s.timeout(), s.at(51.0));
    s.advance_to(s.at(1.0));
    assert_eq!(s.timeout(), s.at(51.0));
}

fn secrets_never_show_in_debug<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    let mut seen = String::new();
    if W::REGISTERS {
        seen += &format!("{:?}", s.output()); // the registration request
        s.respond(common::register_ok());
        seen += &format!("{:?} {:?}", s.output(), s.flow); // Registered
    }
    seen += &format!("{:?} {:?}", s.output(), s.flow); // the authorization, the secret in its body
    s.respond(W::authorize_ok(Some(1), Some(600)));
    seen += &format!("{:?} {:?}", s.output(), s.flow); // the poll with the device code
    s.respond(W::token_ok());
    let done = s.output();
    seen += &format!("{done:?} {:?} {done:#?}", s.flow);
    match &done {
        Output::Done(Ok(token)) => assert_eq!(W::access_token(token), common::ACCESS_TOKEN),
        _ => panic!("{done:?}"),
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

fn huge_values_do_not_panic<W: Wire>() {
    let mut s = Scenario::<W>::of()
        .config(|c| c.second(Duration::MAX).min_interval(Some(u32::MAX)))
        .build();
    s.register_if_needed();
    s.transmit_authorize();
    s.respond(W::authorize_ok(Some(i32::MAX), Some(i32::MAX)));
    s.transmit_poll();
    s.respond(W::error(ErrorCode::SlowDown));
    s.prompt();
    let at = s.timeout();
    assert!(at > s.now);
    s.advance_to(at);
    // The next poll could only fall at the (saturated) deadline: the flow gives up there.
    assert!(s.flow.is_done());
}
