//! State `Authorize`: the device authorization request (`StartDeviceAuthorization` in the AWS
//! dialect). Every policy test runs once per dialect.

use std::time::Duration;

use ssooidc_core::device::{DeviceFlowError, DeviceFlowPhase};
use ssooidc_core::{CallError, ErrorCode};

use crate::common::{self, Wire};
use crate::scenario::Scenario;

both_dialects!(
    sends_the_client,
    success_polls_at_once_with_the_device_code,
    no_interval_or_zero_means_five_seconds,
    the_floor_raises_the_interval,
    no_expires_in_uses_the_default_lifetime,
    the_second_knob_scales_protocol_time,
    slow_down_and_server_faults_are_retried,
    client_errors_end_the_flow,
    a_zero_length_lifetime_ends_at_once,
);

fn sends_the_client<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.register_if_needed();
    let request = s.transmit_authorize();
    W::check_authorize(&request);
}

#[test]
fn aws_sends_client_and_start_url_to_the_regional_endpoint() {
    let mut s = Scenario::new();
    s.register();
    let request = s.transmit("/device_authorization");
    assert_eq!(
        request.uri(),
        "https://oidc.us-east-1.amazonaws.com/device_authorization"
    );
    assert_eq!(
        common::body(&request),
        serde_json::json!({"clientId": "cid", "clientSecret": common::CLIENT_SECRET, "startUrl": common::START_URL})
    );
}

fn success_polls_at_once_with_the_device_code<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.register_if_needed();
    s.transmit_authorize();
    s.respond(W::authorize_ok(Some(1), Some(600)));
    assert_eq!(s.flow.phase(), DeviceFlowPhase::Poll);
    assert_eq!(s.flow.interval(), Some(Duration::from_secs(1)));
    assert_eq!(s.flow.deadline(), Some(s.at(600.0)));
    let request = s.transmit_poll();
    W::check_poll(&request);
}

fn no_interval_or_zero_means_five_seconds<W: Wire>() {
    for interval in [None, Some(0), Some(-1)] {
        let mut s = Scenario::<W>::fresh();
        s.enter_first_poll(interval, Some(600));
        assert_eq!(
            s.flow.interval(),
            Some(Duration::from_secs(5)),
            "{interval:?}"
        );
    }
}

fn the_floor_raises_the_interval<W: Wire>() {
    let mut s = Scenario::<W>::of()
        .config(|c| c.min_interval(Some(3)))
        .build();
    s.enter_first_poll(Some(1), Some(600));
    assert_eq!(s.flow.interval(), Some(Duration::from_secs(3)));
    let mut s = Scenario::<W>::of()
        .config(|c| c.min_interval(Some(3)))
        .build();
    s.enter_first_poll(Some(10), Some(600));
    assert_eq!(s.flow.interval(), Some(Duration::from_secs(10)));
}

fn no_expires_in_uses_the_default_lifetime<W: Wire>() {
    for expires_in in [None, Some(0)] {
        let mut s = Scenario::<W>::of()
            .config(|c| c.default_expires_in(42))
            .build();
        s.enter_first_poll(Some(1), expires_in);
        assert_eq!(s.flow.deadline(), Some(s.at(42.0)));
    }
}

fn the_second_knob_scales_protocol_time<W: Wire>() {
    let mut s = Scenario::<W>::of()
        .config(|c| c.second(Duration::from_millis(1)))
        .build();
    let prompt = s.enter_polling(Some(2), Some(600));
    assert_eq!(s.flow.interval(), Some(Duration::from_millis(2)));
    assert_eq!(prompt.expires_at, s.at(0.6));
    // Wall-clock stamps stay in real seconds.
    assert_eq!(
        prompt.expires_at_wall,
        common::WALL + time::Duration::seconds(600)
    );
    assert_eq!(s.timeout(), s.at(0.002));
}

fn slow_down_and_server_faults_are_retried<W: Wire>() {
    let mut s = Scenario::<W>::fresh();
    s.register_if_needed();
    s.transmit_authorize();
    s.respond(W::error(ErrorCode::SlowDown));
    s.sleep();
    s.transmit_authorize();
    s.respond(common::response(502, "<html>bad gateway</html>"));
    s.sleep();
    s.transmit_authorize();
    s.respond(W::authorize_ok(Some(1), Some(600)));
    s.transmit_poll();
}

fn client_errors_end_the_flow<W: Wire>() {
    for code in [
        ErrorCode::InvalidClient,
        ErrorCode::UnauthorizedClient,
        ErrorCode::InvalidRequest,
    ] {
        for quirk in [false, true] {
            let mut s = Scenario::<W>::fresh();
            s.register_if_needed();
            s.transmit_authorize();
            s.respond(W::error_as(code, quirk));
            match s.error() {
                DeviceFlowError::Call(CallError::Service {
                    operation, error, ..
                }) => {
                    assert_eq!(operation, W::AUTHORIZE);
                    assert_eq!(error.code(), Some(code));
                }
                other => panic!("{code}: {other:?}"),
            }
        }
    }
}

fn a_zero_length_lifetime_ends_at_once<W: Wire>() {
    let mut s = Scenario::<W>::of()
        .config(|c| c.second(Duration::ZERO))
        .build();
    s.register_if_needed();
    s.transmit_authorize();
    s.respond(W::authorize_ok(Some(1), Some(600)));
    assert!(matches!(s.error(), DeviceFlowError::DeadlineReached));
}
