//! State `Authorize`: `StartDeviceAuthorization`.

use std::time::Duration;

use ssooidc_core::device::{DeviceFlowError, Phase};
use ssooidc_core::{CallError, ErrorCode};

use crate::common::{self, body};
use crate::scenario::Scenario;

#[test]
fn sends_client_and_start_url() {
    let mut s = Scenario::new();
    s.register();
    let request = s.transmit("/device_authorization");
    assert_eq!(
        request.uri(),
        "https://oidc.us-east-1.amazonaws.com/device_authorization"
    );
    assert_eq!(
        body(&request),
        serde_json::json!({"clientId": "cid", "clientSecret": common::CLIENT_SECRET, "startUrl": common::START_URL})
    );
}

#[test]
fn success_polls_at_once_with_the_device_code() {
    let mut s = Scenario::new();
    s.register();
    s.transmit("/device_authorization");
    s.respond(common::authorize_ok(Some(1), Some(600)));
    assert_eq!(s.flow.phase(), Phase::Poll);
    assert_eq!(s.flow.interval(), Some(Duration::from_secs(1)));
    assert_eq!(s.flow.deadline(), Some(s.at(600.0)));
    let request = s.transmit("/token");
    assert_eq!(
        body(&request),
        serde_json::json!({
            "clientId": "cid",
            "clientSecret": common::CLIENT_SECRET,
            "grantType": "urn:ietf:params:oauth:grant-type:device_code",
            "deviceCode": common::DEVICE_CODE,
        })
    );
}

#[test]
fn no_interval_or_zero_means_five_seconds() {
    for interval in [None, Some(0), Some(-1)] {
        let mut s = Scenario::new();
        s.enter_first_poll(interval, Some(600));
        assert_eq!(
            s.flow.interval(),
            Some(Duration::from_secs(5)),
            "{interval:?}"
        );
    }
}

#[test]
fn the_floor_raises_the_interval() {
    let mut s = Scenario::builder()
        .config(|c| c.min_interval(Some(3)))
        .build();
    s.enter_first_poll(Some(1), Some(600));
    assert_eq!(s.flow.interval(), Some(Duration::from_secs(3)));
    let mut s = Scenario::builder()
        .config(|c| c.min_interval(Some(3)))
        .build();
    s.enter_first_poll(Some(10), Some(600));
    assert_eq!(s.flow.interval(), Some(Duration::from_secs(10)));
}

#[test]
fn no_expires_in_uses_the_default_lifetime() {
    for expires_in in [None, Some(0)] {
        let mut s = Scenario::builder()
            .config(|c| c.default_expires_in(42))
            .build();
        s.enter_first_poll(Some(1), expires_in);
        assert_eq!(s.flow.deadline(), Some(s.at(42.0)));
    }
}

#[test]
fn the_second_knob_scales_protocol_time() {
    let mut s = Scenario::builder()
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

#[test]
fn slow_down_and_server_faults_are_retried() {
    let mut s = Scenario::new();
    s.register();
    s.transmit("/device_authorization");
    s.respond(common::error(ErrorCode::SlowDown));
    s.sleep();
    s.transmit("/device_authorization");
    s.respond(common::response(502, "<html>bad gateway</html>"));
    s.sleep();
    s.transmit("/device_authorization");
    s.respond(common::authorize_ok(Some(1), Some(600)));
    s.transmit("/token");
}

#[test]
fn client_errors_end_the_flow() {
    for code in [
        ErrorCode::InvalidClient,
        ErrorCode::UnauthorizedClient,
        ErrorCode::InvalidRequest,
    ] {
        let mut s = Scenario::new();
        s.register();
        s.transmit("/device_authorization");
        s.respond(common::error(code));
        match s.error() {
            DeviceFlowError::Call(CallError::Service {
                operation, error, ..
            }) => {
                assert_eq!(operation, "StartDeviceAuthorization");
                assert_eq!(error.code(), Some(code));
            }
            other => panic!("{code}: {other:?}"),
        }
    }
}

#[test]
fn a_zero_length_lifetime_ends_at_once() {
    let mut s = Scenario::builder()
        .config(|c| c.second(Duration::ZERO))
        .build();
    s.register();
    s.transmit("/device_authorization");
    s.respond(common::authorize_ok(Some(1), Some(600)));
    assert!(matches!(s.error(), DeviceFlowError::DeadlineReached));
}
