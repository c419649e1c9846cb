//! Spec 8.5: every E1-E15 and I1-I8 row decodes to the expected shape and fields; spec 3.3
//! retryability.

use ssooidc_core::error::{AccessDeniedReason, InvalidRequestReason};
use ssooidc_core::operations::{
    CreateToken, CreateTokenWithIam, RegisterClient, StartDeviceAuthorization,
};
use ssooidc_core::{ErrorCode, Operation, ResponseError, RetryKind, ServiceError};

const SUFFIX: &str = ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/";
const REQUEST_ID: &str = "e23c0c63-acd3-451c-a025-1f8a2275a680";

fn response(status: u16, error_type: Option<&str>, body: &str) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder()
        .status(status)
        .header("Content-Type", "application/json")
        .header("x-amzn-RequestId", REQUEST_ID);
    if let Some(t) = error_type {
        b = b.header("x-amzn-ErrorType", t);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

fn decode<O: Operation>(resp: &http::Response<Vec<u8>>) -> ServiceError {
    match O::parse_response(resp) {
        Err(ResponseError::Service(e)) => e,
        other => panic!(
            "expected a service error, got {:?}",
            other.map(|_| "output")
        ),
    }
}

/// (row, status, shape, body, expected code, expected error_description)
const E_ROWS: &[(&str, u16, &str, &str, ErrorCode, &str)] = &[
    (
        "E1",
        400,
        "AuthorizationPendingException",
        r#"{"error":"authorization_pending","error_description":"Authorization is still pending"}"#,
        ErrorCode::AuthorizationPending,
        "Authorization is still pending",
    ),
    (
        "E2",
        400,
        "SlowDownException",
        r#"{"error":"slow_down","error_description":"Client is polling too frequently"}"#,
        ErrorCode::SlowDown,
        "Client is polling too frequently",
    ),
    (
        "E3",
        400,
        "ExpiredTokenException",
        r#"{"error":"expired_token","error_description":"Device code has expired"}"#,
        ErrorCode::ExpiredToken,
        "Device code has expired",
    ),
    (
        "E4",
        400,
        "AccessDeniedException",
        r#"{"error":"access_denied","error_description":"User denied the request"}"#,
        ErrorCode::AccessDenied,
        "User denied the request",
    ),
    (
        "E5",
        400,
        "AccessDeniedException",
        r#"{"error":"access_denied","reason":"KMS_AccessDeniedException","error_description":"KMS key access denied"}"#,
        ErrorCode::AccessDenied,
        "KMS key access denied",
    ),
    (
        "E6",
        401,
        "InvalidClientException",
        r#"{"error":"invalid_client","error_description":"Invalid client secret"}"#,
        ErrorCode::InvalidClient,
        "Invalid client secret",
    ),
    (
        "E7",
        400,
        "InvalidGrantException",
        r#"{"error":"invalid_grant","error_description":"Invalid grant provided"}"#,
        ErrorCode::InvalidGrant,
        "Invalid grant provided",
    ),
    (
        "E8",
        400,
        "InvalidRequestException",
        r#"{"error":"invalid_request","reason":"KMS_DisabledException","error_description":"KMS key is disabled"}"#,
        ErrorCode::InvalidRequest,
        "KMS key is disabled",
    ),
    (
        "E9",
        400,
        "InvalidRequestRegionException",
        r#"{"error":"invalid_request","error_description":"Token was issued in another region","endpoint":"https://oidc.us-west-2.amazonaws.com","region":"us-west-2"}"#,
        ErrorCode::InvalidRequestRegion,
        "Token was issued in another region",
    ),
    (
        "E10",
        400,
        "InvalidScopeException",
        r#"{"error":"invalid_scope","error_description":"Invalid scope requested"}"#,
        ErrorCode::InvalidScope,
        "Invalid scope requested",
    ),
    (
        "E11",
        400,
        "InvalidClientMetadataException",
        r#"{"error":"invalid_client_metadata","error_description":"Unsupported client type"}"#,
        ErrorCode::InvalidClientMetadata,
        "Unsupported client type",
    ),
    (
        "E12",
        400,
        "InvalidRedirectUriException",
        r#"{"error":"invalid_redirect_uri","error_description":"Redirect URI not allowed"}"#,
        ErrorCode::InvalidRedirectUri,
        "Redirect URI not allowed",
    ),
    (
        "E13",
        400,
        "UnauthorizedClientException",
        r#"{"error":"unauthorized_client","error_description":"Client not authorized for this grant"}"#,
        ErrorCode::UnauthorizedClient,
        "Client not authorized for this grant",
    ),
    (
        "E14",
        400,
        "UnsupportedGrantTypeException",
        r#"{"error":"unsupported_grant_type","error_description":"Unsupported grant type"}"#,
        ErrorCode::UnsupportedGrantType,
        "Unsupported grant type",
    ),
    (
        "E15",
        500,
        "InternalServerException",
        r#"{"error":"server_error","error_description":"An internal error occurred"}"#,
        ErrorCode::InternalServer,
        "An internal error occurred",
    ),
];

fn decode_row_for_its_operation(code: ErrorCode, resp: &http::Response<Vec<u8>>) -> ServiceError {
    match code {
        ErrorCode::InvalidClientMetadata | ErrorCode::InvalidRedirectUri => {
            decode::<RegisterClient>(resp)
        }
        ErrorCode::InvalidRequestRegion => decode::<CreateTokenWithIam>(resp),
        _ => decode::<CreateToken>(resp),
    }
}

#[test]
fn e_rows_decode_with_the_suffixed_header() {
    for &(row, status, shape, body, code, description) in E_ROWS {
        let err = decode_row_for_its_operation(
            code,
            &response(status, Some(&format!("{shape}{SUFFIX}")), body),
        );
        assert_eq!(err.code(), Some(code), "{row}");
        assert_eq!(err.name(), shape, "{row}");
        assert_eq!(err.status(), status, "{row}");
        assert_eq!(err.message(), Some(description), "{row}");
        assert_eq!(err.request_id(), Some(REQUEST_ID), "{row}");
        assert_eq!(err.meta().error.as_deref(), code.oauth_error(), "{row}");
        assert_eq!(err.to_string(), format!("{shape}: {description}"), "{row}");
    }
}

#[test]
fn e_rows_decode_without_the_header_through_the_oauth_fallback() {
    for &(row, status, _, body, code, _) in E_ROWS {
        let err = decode_row_for_its_operation(code, &response(status, None, body));
        assert_eq!(err.code(), Some(code), "{row} without header");
    }
}

#[test]
fn e5_and_e8_carry_their_reason() {
    let e5 = decode::<CreateToken>(&response(400, Some("AccessDeniedException"), E_ROWS[4].3));
    assert!(
        matches!(
            e5,
            ServiceError::AccessDenied {
                reason: Some(AccessDeniedReason::KmsAccessDenied),
                ..
            }
        ),
        "{e5:?}"
    );
    let e8 = decode::<CreateToken>(&response(400, Some("InvalidRequestException"), E_ROWS[7].3));
    assert!(
        matches!(
            e8,
            ServiceError::InvalidRequest {
                reason: Some(InvalidRequestReason::KmsDisabled),
                ..
            }
        ),
        "{e8:?}"
    );
    let e4 = decode::<CreateToken>(&response(400, Some("AccessDeniedException"), E_ROWS[3].3));
    assert!(matches!(
        e4,
        ServiceError::AccessDenied { reason: None, .. }
    ));
}

#[test]
fn unknown_reason_values_are_kept() {
    let err = decode::<CreateToken>(&response(
        400,
        None,
        r#"{"error":"invalid_request","reason":"KMS_SomethingNew"}"#,
    ));
    match err {
        ServiceError::InvalidRequest {
            reason: Some(InvalidRequestReason::Other(r)),
            ..
        } => assert_eq!(r, "KMS_SomethingNew"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn e9_carries_endpoint_and_region() {
    let err = decode::<CreateTokenWithIam>(&response(
        400,
        Some(&format!("InvalidRequestRegionException{SUFFIX}")),
        E_ROWS[8].3,
    ));
    match err {
        ServiceError::InvalidRequestRegion {
            endpoint, region, ..
        } => {
            assert_eq!(
                endpoint.as_deref(),
                Some("https://oidc.us-west-2.amazonaws.com")
            );
            assert_eq!(region.as_deref(), Some("us-west-2"));
        }
        other => panic!("{other:?}"),
    }
    // Without the header, `region`/`endpoint` tell it apart from InvalidRequest.
    let fallback = decode::<CreateTokenWithIam>(&response(400, None, E_ROWS[8].3));
    assert_eq!(fallback.code(), Some(ErrorCode::InvalidRequestRegion));
}

#[test]
fn i1_type_member_with_namespace() {
    let err = decode::<CreateToken>(&response(
        400,
        None,
        r#"{"__type":"com.amazonaws.ssooidc#SlowDownException","error":"slow_down"}"#,
    ));
    assert_eq!(err.code(), Some(ErrorCode::SlowDown));
}

#[test]
fn i2_code_member() {
    let err = decode::<CreateToken>(&response(
        400,
        None,
        r#"{"code":"ExpiredTokenException","error":"expired_token","error_description":"x"}"#,
    ));
    assert_eq!(err.code(), Some(ErrorCode::ExpiredToken));
    assert_eq!(err.message(), Some("x"));
}

#[test]
fn i3_header_without_suffix() {
    let err = decode::<CreateToken>(&response(
        401,
        Some("InvalidClientException"),
        r#"{"error":"invalid_client"}"#,
    ));
    assert_eq!(err.code(), Some(ErrorCode::InvalidClient));
    assert_eq!(err.status(), 401);
}

#[test]
fn i4_header_with_namespace_and_suffix_and_empty_body() {
    let err = decode::<CreateToken>(&response(
        400,
        Some("com.amazonaws.ssooidc#SlowDownException:http://x/"),
        "{}",
    ));
    assert_eq!(err.code(), Some(ErrorCode::SlowDown));
    assert_eq!(err.message(), None);
}

#[test]
fn i5_header_wins_over_body() {
    let err = decode::<CreateToken>(&response(
        400,
        Some("AuthorizationPendingException"),
        r#"{"__type":"Other","code":"Other2"}"#,
    ));
    assert_eq!(err.code(), Some(ErrorCode::AuthorizationPending));
}

#[test]
fn i6_oauth_fallback_invalid_grant() {
    let err = decode::<CreateToken>(&response(
        400,
        None,
        r#"{"error":"invalid_grant","error_description":"x"}"#,
    ));
    assert_eq!(err.code(), Some(ErrorCode::InvalidGrant));
}

#[test]
fn i7_oauth_fallback_server_error_is_retryable() {
    let err = decode::<CreateToken>(&response(
        500,
        None,
        r#"{"error":"server_error","error_description":"boom"}"#,
    ));
    assert_eq!(err.code(), Some(ErrorCode::InternalServer));
    assert_eq!(err.message(), Some("boom"));
    assert_eq!(err.retry_kind(), RetryKind::Transient);
    assert!(err.is_retryable());
}

#[test]
fn i8_not_json_is_an_unmodelled_error_with_the_status_as_code() {
    let err = decode::<CreateToken>(&response(400, None, "not json"));
    match &err {
        ServiceError::Unknown {
            code,
            message,
            meta,
        } => {
            assert_eq!(code, "400");
            assert_eq!(*message, None);
            assert_eq!(meta.status, 400);
            assert_eq!(meta.request_id.as_deref(), Some(REQUEST_ID));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.code(), None);
    assert!(!err.is_retryable());
}

#[test]
fn unmodelled_code_is_kept_with_its_message() {
    let err = decode::<StartDeviceAuthorization>(&response(
        400,
        Some("ThrottlingException:http://x/"),
        r#"{"message":"Rate exceeded"}"#,
    ));
    match &err {
        ServiceError::Unknown { code, message, .. } => {
            assert_eq!(code, "ThrottlingException");
            assert_eq!(message.as_deref(), Some("Rate exceeded"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.retry_kind(), RetryKind::Throttling);
    assert_eq!(err.to_string(), "ThrottlingException: Rate exceeded");
}

#[test]
fn retry_classification_follows_spec_3_3() {
    let slow = decode::<RegisterClient>(&response(400, Some("SlowDownException"), "{}"));
    assert_eq!(slow.retry_kind(), RetryKind::SlowDown);
    assert!(
        !slow.is_retryable(),
        "SlowDown is not on the generic retry list"
    );
    let pending =
        decode::<CreateToken>(&response(400, Some("AuthorizationPendingException"), "{}"));
    assert_eq!(
        pending.retry_kind(),
        RetryKind::Never,
        "pending belongs to the polling loop"
    );
    for status in [502u16, 503, 504] {
        let e = decode::<CreateToken>(&response(status, None, ""));
        assert_eq!(e.retry_kind(), RetryKind::Transient, "{status}");
    }
    let e429 = decode::<CreateToken>(&response(429, None, ""));
    assert_eq!(e429.retry_kind(), RetryKind::Throttling);
    for &(row, status, shape, body, code, _) in E_ROWS {
        let e = decode_row_for_its_operation(code, &response(status, Some(shape), body));
        let expected = match code {
            ErrorCode::InternalServer => RetryKind::Transient,
            ErrorCode::SlowDown => RetryKind::SlowDown,
            _ => RetryKind::Never,
        };
        assert_eq!(e.retry_kind(), expected, "{row}");
    }
}

#[test]
fn header_name_is_matched_case_insensitively() {
    let resp = http::Response::builder()
        .status(400)
        .header("X-AMZN-ERRORTYPE", "ExpiredTokenException")
        .body(b"{}".to_vec())
        .unwrap();
    assert_eq!(
        decode::<CreateToken>(&resp).code(),
        Some(ErrorCode::ExpiredToken)
    );
}
