//! State `Done`: absorbing, in both dialects.

use ssooidc_core::device::{DeviceFlowPhase, MisuseError, TransportErrorKind};
use ssooidc_core::machine::Machine;
use ssooidc_core::machine::Output;
use ssooidc_core::ErrorCode;

use crate::common::{self, Wire};
use crate::scenario::Scenario;

both_dialects!(
    the_result_repeats,
    every_input_is_refused,
    a_token_is_kept_after_the_end
);

fn finished<W: Wire>() -> Scenario<W> {
    let mut s = Scenario::<W>::fresh();
    s.enter_first_poll(Some(1), Some(600));
    s.respond(W::error(ErrorCode::AccessDenied));
    s
}

fn the_result_repeats<W: Wire>() {
    let mut s = finished::<W>();
    let first = s.error();
    for _ in 0..3 {
        assert_eq!(s.error(), first);
    }
    assert!(s.flow.is_done());
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Done);
    assert_eq!(s.flow.interval(), None);
}

fn every_input_is_refused<W: Wire>() {
    let mut s = finished::<W>();
    let now = s.now;
    assert_eq!(s.flow.handle_timeout(now), Err(MisuseError::Finished));
    assert_eq!(
        s.flow.handle_response(now, common::WALL, W::token_ok()),
        Err(MisuseError::Finished)
    );
    assert_eq!(
        s.flow
            .handle_transport_error(now, common::WALL, TransportErrorKind::Timeout.into()),
        Err(MisuseError::Finished)
    );
    assert!(matches!(s.output(), Output::Done(Err(_))));
}

fn a_token_is_kept_after_the_end<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.enter_first_poll(Some(1), Some(600));
    s.respond(W::token_ok());
    let token = s.done().expect("a token");
    assert_eq!(W::access_token(&token), common::ACCESS_TOKEN);
    assert_eq!(s.done(), Ok(token));
}

#[test]
fn aws_the_registration_is_kept_after_the_end() {
    let mut s = Scenario::new();
    s.enter_first_poll(Some(1), Some(600));
    s.respond(common::token_ok());
    assert!(s.done().is_ok());
    assert_eq!(
        s.flow.registration().map(|r| r.client_id.as_str()),
        Some("cid")
    );
    assert!(s.done().is_ok());
}
