//! Misuse is a typed error that changes nothing; no secret shows in `Debug`.

use ssooidc_core::authcode::{AuthCodeOutput, AuthCodePhase, MisuseError};
use ssooidc_core::machine::Machine;
use ssooidc_core::TransportErrorKind;

use crate::common;
use crate::scenario::{Scenario, CODE, VERIFIER};

#[test]
fn answers_without_a_request_are_refused() {
    let mut s = Scenario::new();
    let now = s.now;
    assert_eq!(
        s.flow
            .handle_response(now, common::WALL, common::register_ok()),
        Err(MisuseError::NoRequestOutstanding)
    );
    s.enter_authorize();
    let deadline = s.timeout();
    assert_eq!(
        s.flow
            .handle_response(now, common::WALL, common::token_ok()),
        Err(MisuseError::NoRequestOutstanding)
    );
    assert_eq!(
        s.flow
            .handle_transport_error(now, common::WALL, TransportErrorKind::Timeout.into()),
        Err(MisuseError::NoRequestOutstanding)
    );
    assert_eq!(s.flow.phase(), AuthCodePhase::Authorize);
    assert_eq!(s.timeout(), deadline);
}

#[test]
fn polling_while_a_request_is_out_is_refused() {
    let mut s = Scenario::new();
    s.transmit("/client/register");
    assert_eq!(
        s.flow.poll_output().unwrap_err(),
        MisuseError::RequestOutstanding
    );
    s.respond(common::register_ok());
    assert!(matches!(s.output(), AuthCodeOutput::Event(_)));
}

#[test]
fn no_secret_shows_in_debug_in_any_state() {
    let secrets = [
        VERIFIER,
        CODE,
        common::CLIENT_SECRET,
        common::ACCESS_TOKEN,
        common::REFRESH_TOKEN,
    ];
    let check = |s: &Scenario, when: &str| {
        let shown = format!("{:?} {:#?}", s.flow, s.flow);
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret} in Debug {when}: {shown}");
        }
    };
    let mut s = Scenario::new();
    check(&s, "at the start");
    s.transmit("/client/register");
    s.respond(common::register_ok());
    check(&s, "with events queued");
    s.event();
    let request = s.authorize_request();
    assert!(!format!("{request:?}").contains(VERIFIER));
    check(&s, "while waiting");
    s.approve();
    check(&s, "with the code");
    match s.output() {
        AuthCodeOutput::Transmit(transmit) => {
            let shown = format!("{transmit:?}");
            assert!(
                !shown.contains(VERIFIER) && !shown.contains(CODE),
                "{shown}"
            );
        }
        other => panic!("{other:?}"),
    }
    s.respond(common::token_ok());
    check(&s, "done");
    let result = format!("{:?}", s.done());
    for secret in secrets {
        assert!(!result.contains(secret), "{secret} in the result: {result}");
    }
}
