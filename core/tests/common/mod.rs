//! Helpers shared by the machines' tests: canned responses, a fixed wall clock, a clock that
//! moves by protocol seconds.
#![allow(dead_code)]

use ssooidc_core::device::{DeviceFlowInput, Registration};
use ssooidc_core::endpoint::{resolve, EndpointParams};
use ssooidc_core::error::{encode_error, ErrorCode};
use ssooidc_core::ServiceError;
use time::macros::datetime;
use time::OffsetDateTime;

pub const START_URL: &str = "https://d-1234567890.awsapps.com/start";
pub const CLIENT_NAME: &str = "botocore-client-my-sso";
pub const CLIENT_SECRET: &str = "csec-very-secret";
pub const DEVICE_CODE: &str = "dc-very-secret";
pub const ACCESS_TOKEN: &str = "at-very-secret";
pub const REFRESH_TOKEN: &str = "rt-very-secret";

/// 2026-01-04T18:51:47Z, the `clientIdIssuedAt` of spec 8.1.
pub const WALL: OffsetDateTime = datetime!(2026-01-04 18:51:47 UTC);
/// `clientSecretExpiresAt` of spec 8.1: 2026-04-04T18:51:47Z.
pub const CLIENT_SECRET_EXPIRES_AT: i64 = 1_775_328_707;

pub fn input() -> DeviceFlowInput {
    let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
    DeviceFlowInput::new(endpoint, START_URL, CLIENT_NAME)
}

pub fn response(status: u16, body: impl Into<Vec<u8>>) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

pub fn ok(body: &str) -> http::Response<Vec<u8>> {
    response(200, body)
}

/// A modelled error as the service sends it (with `x-amzn-ErrorType`).
pub fn error(code: ErrorCode) -> http::Response<Vec<u8>> {
    encode_error(&ServiceError::from_code(code, "canned"), true)
}

pub fn register_ok() -> http::Response<Vec<u8>> {
    ok(&format!(
        r#"{{"authorizationEndpoint":null,"clientId":"cid","clientIdIssuedAt":1767552707,"clientSecret":"{CLIENT_SECRET}","clientSecretExpiresAt":{CLIENT_SECRET_EXPIRES_AT},"tokenEndpoint":null}}"#
    ))
}

/// A StartDeviceAuthorization success; `None` leaves the member out.
pub fn authorize_ok(interval: Option<i32>, expires_in: Option<i32>) -> http::Response<Vec<u8>> {
    let mut body = format!(
        r#"{{"deviceCode":"{DEVICE_CODE}","userCode":"ABCD-EFGH","verificationUri":"https://x/","verificationUriComplete":"https://x/?user_code=ABCD-EFGH""#
    );
    if let Some(i) = interval {
        body.push_str(&format!(r#","interval":{i}"#));
    }
    if let Some(e) = expires_in {
        body.push_str(&format!(r#","expiresIn":{e}"#));
    }
    body.push('}');
    ok(&body)
}

pub fn token_ok() -> http::Response<Vec<u8>> {
    ok(&format!(
        r#"{{"accessToken":"{ACCESS_TOKEN}","expiresIn":3600,"refreshToken":"{REFRESH_TOKEN}","tokenType":"Bearer"}}"#
    ))
}

/// A cached registration expiring `minutes` after [`WALL`].
pub fn cached(minutes: i64) -> Registration {
    Registration::new(
        "cached-cid",
        CLIENT_SECRET,
        WALL + time::Duration::minutes(minutes),
    )
}

/// The JSON body of a request.
pub fn body(request: &http::Request<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(request.body()).unwrap()
}

/// `t` moved by `delta` thousandths of a protocol second (any sign), never below `floor`.
pub fn shift(
    t: std::time::Instant,
    delta: i64,
    floor: std::time::Instant,
    second: std::time::Duration,
) -> std::time::Instant {
    let d = second * u32::try_from(delta.unsigned_abs()).unwrap() / 1000;
    if delta >= 0 {
        t + d
    } else {
        t.checked_sub(d).unwrap_or(floor).max(floor)
    }
}
