//! Inputs the fuzzers (`fuzz/`) found crashing or breaking an invariant, kept as ordinary tests
//! after the fix. Each test names the target that found it.

use ssooidc_core::cache::{format_timestamp, from_epoch_seconds, parse_timestamp, CachedToken};
use ssooidc_core::machine::Machine;
use ssooidc_core::operations::RegisterClientOutput;
use ssooidc_core::registration::Registration;
use ssooidc_core::Secret;
use time::macros::datetime;

/// `timestamp`: epoch seconds before year 0 gave a time that `format_timestamp` wrote as
/// `-9297-12-10T12:12:35Z`, which `parse_timestamp` (RFC 3339, four-digit years) refused: a
/// cache file written from such a `clientSecretExpiresAt` could not be read back.
#[test]
fn epoch_seconds_outside_years_0_to_9999_are_out_of_range() {
    let secs = i64::from_le_bytes([0x33, 0x30, 0x34, 0x39, 0xad, 0xff, 0xff, 0xff]);
    assert_eq!(from_epoch_seconds(secs), None);
    assert_eq!(
        from_epoch_seconds(-62_167_219_201),
        None,
        "0000-01-01 minus 1 s"
    );
    assert_eq!(from_epoch_seconds(253_402_300_800), None, "10000-01-01");
    for secs in [-62_167_219_200, 0, 1_775_328_707, 253_402_300_799] {
        let t = from_epoch_seconds(secs).unwrap();
        assert_eq!(parse_timestamp(&format_timestamp(t)), Ok(t), "{secs}");
    }
}

/// The same through the flows: a registration whose `clientSecretExpiresAt` is out of range
/// falls back to `wall_now`, and its cache file reads back.
#[test]
fn out_of_range_client_secret_expiry_still_writes_a_readable_file() {
    let wall = datetime!(2026-01-04 18:51:47 UTC);
    for expires in [i64::MIN, -350_000_000_000, 253_402_300_800, i64::MAX] {
        let output: RegisterClientOutput = serde_json::from_value(serde_json::json!({
            "clientId": "cid", "clientSecret": "sec", "clientSecretExpiresAt": expires
        }))
        .unwrap();
        let registration = Registration::from_output(output, None, wall);
        assert_eq!(registration.expires_at, wall, "{expires}");
        let back = Registration::from_json(registration.to_json().as_bytes()).unwrap();
        assert_eq!(back, registration);
    }
}

/// `timestamp`: an offset that moves a time past 9999-12-31 (or before 0000-01-01) in UTC made
/// `to_offset` panic inside `parse_timestamp`; a year -1 result was accepted but could not be
/// written back. Both are now unreadable timestamps.
#[test]
fn offsets_that_leave_the_rfc3339_years_are_errors_not_panics() {
    for text in [
        "9999-12-31T23:59:59-01:00",
        "9999-12-31T23:59:59-23:59",
        "0000-01-01T00:00:00+01:00",
        "0000-01-01T00:59:59+01:00",
    ] {
        assert!(parse_timestamp(text).is_err(), "{text}");
    }
    assert_eq!(
        parse_timestamp("9999-12-31T22:59:59-01:00"),
        Ok(datetime!(9999-12-31 23:59:59 UTC).into())
    );
    assert_eq!(
        parse_timestamp("0000-01-01T01:00:00+01:00"),
        Ok(datetime!(0000-01-01 00:00:00 UTC).into())
    );
}

/// `timestamp`/`cache_files`: whatever is written can be read: times outside the years 0000 to
/// 9999, or not representable in UTC at all, are written as the nearest end of the range.
#[test]
fn format_timestamp_always_writes_a_readable_time() {
    let cases = [
        (datetime!(-0001-12-31 23:00:00 UTC), "0000-01-01T00:00:00Z"),
        (datetime!(-9999-01-01 00:00:00 UTC), "0000-01-01T00:00:00Z"),
        (
            datetime!(9999-12-31 23:00:00 -02:00),
            "9999-12-31T23:59:59Z",
        ),
        (
            datetime!(-9999-01-01 00:30:00 +01:00),
            "0000-01-01T00:00:00Z",
        ),
        (datetime!(9999-12-31 23:59:59.9 UTC), "9999-12-31T23:59:59Z"),
    ];
    for (t, want) in cases {
        let written = format_timestamp(t);
        assert_eq!(written, want, "{t}");
        assert!(parse_timestamp(&written).is_ok(), "{written}");
    }
    // A token expiring at such a time round-trips through its file.
    let token = CachedToken {
        start_url: None,
        region: None,
        access_token: Secret::new("a"),
        expires_at: datetime!(9999-12-31 23:00:00 -02:00).into(),
        client_id: None,
        client_secret: None,
        registration_expires_at: Some(datetime!(-0005-06-01 00:00:00 UTC).into()),
        refresh_token: None,
        extra: serde_json::Map::new(),
    };
    let back = CachedToken::from_json(token.to_json().as_bytes()).unwrap();
    assert_eq!(back.expires_at, datetime!(9999-12-31 23:59:59 UTC));
    assert_eq!(
        back.registration_expires_at,
        Some(datetime!(0000-01-01 00:00:00 UTC).into())
    );
}

/// `cache_files`: an unknown member holding a number too large for an integer
/// (`555555555555555555555555555555555555555550`) was read as the float nearest to it only
/// approximately (serde_json's default float parsing is not correctly rounded), so the file
/// written back read as a different number: a rewrite changed a member it should keep.
#[test]
fn unknown_float_members_survive_a_rewrite() {
    for n in [
        "555555555555555555555555555555555555555550",
        "5.555555555555555e41",
        "0.30000000000000004",
        "1.7976931348623157e308",
        "2.2250738585072014e-308",
        "-123456789012345678901234567890.5",
    ] {
        let file = format!(
            r#"{{"accessToken":"a","expiresAt":"2022-03-23T21:16:47Z","clientId":"cj","clientSecret":"s","zeta":{{"n":{n}}}}}"#
        );
        let token = CachedToken::from_json(file.as_bytes()).unwrap();
        let written = token.to_json();
        assert_eq!(
            CachedToken::from_json(written.as_bytes()).unwrap(),
            token,
            "{n}: {written}"
        );
        let registration = Registration::from_json(file.as_bytes()).unwrap();
        let written = registration.to_json();
        assert_eq!(
            Registration::from_json(written.as_bytes()).unwrap(),
            registration,
            "{n}: {written}"
        );
    }
}

/// `device_machine`: with an interval too long for any `Instant` (here one protocol second of
/// `Duration::MAX`), the next poll and the deadline both saturated to "the latest representable
/// instant", computed from different starting points and so a few nanoseconds apart; when the
/// poll's landed first, the machine polled again ~292 billion years after the previous poll,
/// though the interval (`Duration::MAX`) had not passed. A poll that cannot be scheduled before
/// the deadline must not happen at all.
#[test]
fn an_unrepresentably_long_interval_never_polls_again() {
    use std::time::{Duration, Instant};

    use ssooidc_core::device::{DeviceFlow, DeviceFlowConfig, DeviceFlowInput, DeviceFlowOutput};
    use ssooidc_core::endpoint::{resolve, EndpointParams};
    use ssooidc_core::error::{encode_error, ErrorCode};
    use ssooidc_core::ServiceError;

    let wall = datetime!(2026-01-04 18:51:47 UTC);
    let ok = |body: &str| {
        http::Response::builder()
            .status(200)
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    let base = Instant::now();
    let mut polled_again = Vec::new();
    for latency_nanos in (0..64).chain([999_999_999, 1_000_000_001, 86_400_000_000_123]) {
        let input = DeviceFlowInput::new(
            resolve(&EndpointParams::region("us-east-1")).unwrap(),
            "https://d-1234567890.awsapps.com/start",
            "client",
        )
        .registration(Registration::new(
            "cid",
            "sec",
            wall + time::Duration::days(1),
        ));
        let config = DeviceFlowConfig::default().second(Duration::MAX);
        let mut flow = DeviceFlow::new(input, config, wall, 7);
        let t0 = base + Duration::from_nanos(latency_nanos % 7_919);
        assert!(matches!(
            flow.poll_output(),
            Ok(DeviceFlowOutput::Transmit(_))
        ));
        flow.handle_response(
            t0,
            wall,
            ok(r#"{"deviceCode":"dc","userCode":"ABCD-EFGH","verificationUri":"https://x/","interval":1,"expiresIn":1}"#),
        )
        .unwrap();
        let first = flow.poll_output();
        assert!(
            matches!(first, Ok(DeviceFlowOutput::Transmit(_))),
            "{first:?}"
        );
        let answered = t0 + Duration::from_nanos(latency_nanos);
        flow.handle_response(
            answered,
            wall,
            encode_error(
                &ServiceError::from_code(ErrorCode::AuthorizationPending, "x"),
                true,
            ),
        )
        .unwrap();
        loop {
            match flow.poll_output().unwrap() {
                DeviceFlowOutput::Event(_) => continue,
                DeviceFlowOutput::Timeout(at) => {
                    flow.handle_timeout(at).unwrap();
                    if let Ok(DeviceFlowOutput::Transmit(_)) = flow.poll_output() {
                        polled_again.push(latency_nanos);
                    }
                    break;
                }
                DeviceFlowOutput::Done(_) => break,
                DeviceFlowOutput::Transmit(_) => {
                    polled_again.push(latency_nanos);
                    break;
                }
            }
        }
    }
    assert!(
        polled_again.is_empty(),
        "polled again before an interval of Duration::MAX had passed, for latencies (ns) {polled_again:?}"
    );
}
