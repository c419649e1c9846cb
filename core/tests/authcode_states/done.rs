//! State `Done`: absorbing.

use ssooidc_core::authcode::{AuthCodeOutput, AuthCodePhase, MisuseError};
use ssooidc_core::machine::Machine;
use ssooidc_core::TransportErrorKind;

use crate::common;
use crate::scenario::Scenario;

fn finished() -> Scenario {
    let mut s = Scenario::new();
    s.enter_authorize();
    s.callback("/oauth/callback?error=access_denied");
    s
}

#[test]
fn the_result_repeats() {
    let mut s = finished();
    let first = s.error();
    for _ in 0..3 {
        assert_eq!(s.error(), first);
    }
    assert!(s.flow.is_done());
    assert_eq!(s.flow.phase(), AuthCodePhase::Done);
    assert_eq!(s.flow.deadline(), None);
}

#[test]
fn every_input_is_refused() {
    let mut s = finished();
    let now = s.now;
    assert_eq!(s.flow.handle_timeout(now), Err(MisuseError::Finished));
    assert_eq!(
        s.flow
            .handle_response(now, common::WALL, common::token_ok()),
        Err(MisuseError::Finished)
    );
    assert_eq!(
        s.flow
            .handle_transport_error(now, common::WALL, TransportErrorKind::Timeout.into()),
        Err(MisuseError::Finished)
    );
    assert_eq!(
        s.flow
            .handle_callback(now, "/oauth/callback?code=c&state=s"),
        Err(MisuseError::Finished)
    );
    assert!(matches!(s.output(), AuthCodeOutput::Done(Err(_))));
}

#[test]
fn a_token_is_kept_after_the_end() {
    let mut s = Scenario::new();
    s.enter_exchange();
    s.respond(common::token_ok());
    assert!(s.done().is_ok());
    assert_eq!(
        s.flow.registration().map(|r| r.client_id.as_str()),
        Some("cid")
    );
    assert!(s.done().is_ok());
}
