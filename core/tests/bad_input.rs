//! Hostile and broken responses: each is a typed error, never a panic.

use ssooidc_core::operations::{CreateToken, RegisterClient, StartDeviceAuthorization};
use ssooidc_core::wire::{DecodeError, JsonErrorCategory, MAX_JSON_DEPTH};
use ssooidc_core::{ErrorCode, Operation, ResponseError, MAX_RESPONSE_BODY_BYTES};

fn with_status(status: u16, body: Vec<u8>) -> http::Response<Vec<u8>> {
    http::Response::builder().status(status).body(body).unwrap()
}

fn malformed_kind(result: Result<impl std::fmt::Debug, ResponseError>) -> DecodeError {
    match result {
        Err(ResponseError::Malformed { kind, .. }) => kind,
        other => panic!("expected a malformed-response error, got {other:?}"),
    }
}

fn json_category(result: Result<impl std::fmt::Debug, ResponseError>) -> JsonErrorCategory {
    match malformed_kind(result) {
        DecodeError::Json { category, .. } => category,
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

#[test]
fn non_json_success_body() {
    let r = CreateToken::parse_response(&with_status(200, b"<html>hello</html>".to_vec()));
    assert_eq!(json_category(r), JsonErrorCategory::Syntax);
}

#[test]
fn truncated_json() {
    let r = CreateToken::parse_response(&with_status(
        200,
        br#"{"accessToken":"at","expiresIn":36"#.to_vec(),
    ));
    assert_eq!(json_category(r), JsonErrorCategory::Truncated);
}

#[test]
fn wrong_member_types() {
    for body in [
        r#"{"accessToken":5}"#,
        r#"{"accessToken":"at","expiresIn":"3600"}"#,
        r#"{"accessToken":"at","expiresIn":36.5}"#,
        r#"{"accessToken":"at","expiresIn":99999999999}"#,
        r#"{"accessToken":"at","refreshToken":[]}"#,
        r#"[]"#,
        r#""a string""#,
        r#"null"#,
    ] {
        let r = CreateToken::parse_response(&with_status(200, body.as_bytes().to_vec()));
        assert_eq!(json_category(r), JsonErrorCategory::Data, "{body}");
    }
}

#[test]
fn missing_required_member() {
    let r = StartDeviceAuthorization::parse_response(&with_status(
        200,
        br#"{"userCode":"U","verificationUri":"https://x/"}"#.to_vec(),
    ));
    match malformed_kind(r) {
        DecodeError::Json {
            category: JsonErrorCategory::Data,
            detail,
            ..
        } => assert!(detail.contains("deviceCode"), "{detail}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_nested_ten_thousand_deep() {
    let mut body = String::from(r#"{"accessToken":"at","x":"#);
    body.push_str(&"[".repeat(10_000));
    body.push_str(&"]".repeat(10_000));
    body.push('}');
    let r = CreateToken::parse_response(&with_status(200, body.clone().into_bytes()));
    assert_eq!(
        malformed_kind(r),
        DecodeError::TooDeep {
            limit: MAX_JSON_DEPTH
        }
    );
    // The same on an error response: decoded as an unknown error, no stack overflow.
    let nested_error = format!(
        r#"{{"error":{}{}}}"#,
        "{\"a\":".repeat(10_000),
        "}".repeat(10_000)
    );
    match CreateToken::parse_response(&with_status(400, nested_error.into_bytes())) {
        Err(ResponseError::Service(e)) => assert_eq!(e.code(), None),
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_utf8_bytes() {
    let r = CreateToken::parse_response(&with_status(
        200,
        b"{\"accessToken\":\"a\xff\xfe\"}".to_vec(),
    ));
    assert_eq!(json_category(r), JsonErrorCategory::Syntax);
    let r = RegisterClient::parse_response(&with_status(200, vec![0xff, 0xfe, 0x00, 0x80]));
    assert!(matches!(malformed_kind(r), DecodeError::Json { .. }));
    // An error response with garbage is still a service error carrying the status.
    match CreateToken::parse_response(&with_status(503, vec![0xff; 64])) {
        Err(ResponseError::Service(e)) => assert_eq!((e.status(), e.name()), (503, "503")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_body() {
    for body in [&b""[..], b"   \n"] {
        let r = CreateToken::parse_response(&with_status(200, body.to_vec()));
        assert_eq!(malformed_kind(r), DecodeError::Empty);
    }
}

#[test]
fn success_status_carrying_an_error_body() {
    let r = CreateToken::parse_response(&with_status(
        200,
        br#"{"error":"authorization_pending","error_description":"still pending"}"#.to_vec(),
    ));
    match r {
        Err(ResponseError::Service(e)) => {
            assert_eq!(e.code(), Some(ErrorCode::AuthorizationPending));
            assert_eq!(e.status(), 200);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn oversized_body_is_rejected_before_parsing() {
    // Valid JSON that would decode fine if it were parsed: the cap must reject it first.
    let mut body = br#"{"accessToken":"at","pad":""#.to_vec();
    body.resize(MAX_RESPONSE_BODY_BYTES + 1 - 2, b'a');
    body.extend_from_slice(br#""}"#);
    assert_eq!(body.len(), MAX_RESPONSE_BODY_BYTES + 1);
    let r = CreateToken::parse_response(&with_status(200, body));
    assert_eq!(
        malformed_kind(r),
        DecodeError::TooLarge {
            len: MAX_RESPONSE_BODY_BYTES + 1,
            limit: MAX_RESPONSE_BODY_BYTES
        }
    );
    // Also for an error status.
    let r =
        CreateToken::parse_response(&with_status(400, vec![b' '; MAX_RESPONSE_BODY_BYTES + 10]));
    assert!(matches!(malformed_kind(r), DecodeError::TooLarge { .. }));
    // At exactly the cap it is parsed.
    let mut body = br#"{"accessToken":"at","pad":""#.to_vec();
    body.resize(MAX_RESPONSE_BODY_BYTES - 2, b'a');
    body.extend_from_slice(br#""}"#);
    assert!(CreateToken::parse_response(&with_status(200, body)).is_ok());
}

#[test]
fn decode_errors_never_quote_body_values() {
    let r = CreateToken::parse_response(&with_status(
        200,
        br#"{"accessToken":"at","expiresIn":"SECRET-VALUE"}"#.to_vec(),
    ));
    let e = r.unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("SECRET-VALUE"), "{shown}");
    assert!(
        shown.contains("expiresIn") || shown.contains("i32"),
        "{shown}"
    );
}
