//! Writing an error response the way the service does (spec 3 and 8.5), for servers such as the
//! emulator and for round-trip tests.

use serde_json::{Map, Value};

use super::decode::{ERROR_TYPE_HEADER, REQUEST_ID_HEADER};
use super::{ErrorCode, ErrorMeta, ServiceError};

/// The suffix the real service appends to `x-amzn-ErrorType`.
pub const ERROR_TYPE_SUFFIX: &str = ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/";

impl ServiceError {
    /// A modelled error with the shape's HTTP status and, for SSO OIDC's errors, its OAuth
    /// `error` value (the portal's own errors have none).
    pub fn from_code(code: ErrorCode, description: impl Into<String>) -> Self {
        let meta = ErrorMeta {
            status: code.http_status(),
            error: code.oauth_error().map(str::to_owned),
            error_description: Some(description.into()),
            request_id: None,
        };
        Self::from_meta(code, meta)
    }

    /// A modelled error as the SSO portal sends it: the shape's HTTP status and a `message`,
    /// no OAuth `error` (also for `InvalidRequestException`, which SSO OIDC sends with one).
    pub fn portal(code: ErrorCode, message: impl Into<String>) -> Self {
        let meta = ErrorMeta {
            status: code.http_status(),
            error: None,
            error_description: Some(message.into()),
            request_id: None,
        };
        Self::from_meta(code, meta)
    }

    fn from_meta(code: ErrorCode, meta: ErrorMeta) -> Self {
        match code {
            ErrorCode::AccessDenied => Self::AccessDenied { meta, reason: None },
            ErrorCode::AuthorizationPending => Self::AuthorizationPending { meta },
            ErrorCode::ExpiredToken => Self::ExpiredToken { meta },
            ErrorCode::InternalServer => Self::InternalServer { meta },
            ErrorCode::InvalidClient => Self::InvalidClient { meta },
            ErrorCode::InvalidClientMetadata => Self::InvalidClientMetadata { meta },
            ErrorCode::InvalidGrant => Self::InvalidGrant { meta },
            ErrorCode::InvalidRedirectUri => Self::InvalidRedirectUri { meta },
            ErrorCode::InvalidRequest => Self::InvalidRequest { meta, reason: None },
            ErrorCode::InvalidRequestRegion => Self::InvalidRequestRegion {
                meta,
                endpoint: None,
                region: None,
            },
            ErrorCode::InvalidScope => Self::InvalidScope { meta },
            ErrorCode::SlowDown => Self::SlowDown { meta },
            ErrorCode::UnauthorizedClient => Self::UnauthorizedClient { meta },
            ErrorCode::UnsupportedGrantType => Self::UnsupportedGrantType { meta },
            ErrorCode::Unauthorized => Self::Unauthorized { meta },
            ErrorCode::TooManyRequests => Self::TooManyRequests { meta },
            ErrorCode::ResourceNotFound => Self::ResourceNotFound { meta },
        }
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.meta_mut().request_id = Some(id.into());
        self
    }

    pub(crate) fn meta_mut(&mut self) -> &mut ErrorMeta {
        match self {
            Self::AccessDenied { meta, .. }
            | Self::AuthorizationPending { meta }
            | Self::ExpiredToken { meta }
            | Self::InternalServer { meta }
            | Self::InvalidClient { meta }
            | Self::InvalidClientMetadata { meta }
            | Self::InvalidGrant { meta }
            | Self::InvalidRedirectUri { meta }
            | Self::InvalidRequest { meta, .. }
            | Self::InvalidRequestRegion { meta, .. }
            | Self::InvalidScope { meta }
            | Self::SlowDown { meta }
            | Self::UnauthorizedClient { meta }
            | Self::UnsupportedGrantType { meta }
            | Self::Unauthorized { meta }
            | Self::TooManyRequests { meta }
            | Self::ResourceNotFound { meta }
            | Self::Unknown { meta, .. } => meta,
        }
    }
}

/// The suffix the portal's errors get in `x-amzn-ErrorType` (the emulator's choice: the decoder
/// cuts any suffix away).
pub const PORTAL_ERROR_TYPE_SUFFIX: &str =
    ":http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/";

/// Encodes `error` as the service would send it: its status, `Content-Type: application/json`,
/// `x-amzn-RequestId` when the error has one, `x-amzn-ErrorType: <Shape>:<suffix>` when
/// `with_type_header` is set, and the body: restJson1's `message` (the portal's form) for an
/// error without an OAuth `error` that is modelled (see [`ServiceError::portal`]) or unknown with
/// a `message` of its own; otherwise the OAuth `error` and `error_description`. Either way with
/// `reason`, `endpoint` and `region` where the shape has them.
pub fn encode_error(error: &ServiceError, with_type_header: bool) -> http::Response<Vec<u8>> {
    let meta = error.meta();
    let rest_json = meta.error.is_none()
        && match error {
            ServiceError::Unknown { message, .. } => message.is_some(),
            modelled => modelled.code().is_some(),
        };
    let mut body = Map::new();
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            body.insert(k.to_owned(), Value::String(v.to_owned()));
        }
    };
    put("error", meta.error.as_deref());
    match error {
        ServiceError::AccessDenied { reason, .. } => {
            put("reason", reason.as_ref().map(|r| r.as_str()))
        }
        ServiceError::InvalidRequest { reason, .. } => {
            put("reason", reason.as_ref().map(|r| r.as_str()))
        }
        ServiceError::InvalidRequestRegion {
            endpoint, region, ..
        } => {
            put("endpoint", endpoint.as_deref());
            put("region", region.as_deref());
        }
        _ => {}
    }
    if rest_json {
        put("message", error.message());
        respond(error, with_type_header, PORTAL_ERROR_TYPE_SUFFIX, body)
    } else {
        put("error_description", error.message());
        respond(error, with_type_header, ERROR_TYPE_SUFFIX, body)
    }
}

fn respond(
    error: &ServiceError,
    with_type_header: bool,
    suffix: &str,
    body: Map<String, Value>,
) -> http::Response<Vec<u8>> {
    let meta = error.meta();
    let status = http::StatusCode::from_u16(meta.status).unwrap_or(http::StatusCode::BAD_REQUEST);
    let mut builder = http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json");
    if with_type_header {
        let value = match error.code() {
            Some(code) => format!("{}{suffix}", code.shape_name()),
            None => error.name().to_owned(),
        };
        if let Ok(v) = http::HeaderValue::from_str(&value) {
            builder = builder.header(ERROR_TYPE_HEADER, v);
        }
    }
    if let Some(id) = meta
        .request_id
        .as_deref()
        .and_then(|id| http::HeaderValue::from_str(id).ok())
    {
        builder = builder.header(REQUEST_ID_HEADER, id);
    }
    let bytes = serde_json::to_vec(&Value::Object(body)).unwrap_or_else(|_| b"{}".to_vec());
    builder.body(bytes).unwrap_or_else(|_| {
        let mut r = http::Response::new(b"{}".to_vec());
        *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::decode_error;

    #[test]
    fn every_code_round_trips_with_and_without_the_header() {
        for code in ErrorCode::OIDC {
            let err = ServiceError::from_code(code, "why").with_request_id("rid-1");
            for header in [true, false] {
                let decoded = decode_error(&encode_error(&err, header));
                if !header && code == ErrorCode::InvalidRequestRegion {
                    // Without the header it is told apart only by `region`/`endpoint`.
                    assert_eq!(decoded.code(), Some(ErrorCode::InvalidRequest));
                    continue;
                }
                assert_eq!(decoded, err, "{code} header={header}");
            }
        }
    }

    #[test]
    fn portal_errors_carry_a_message_and_round_trip_with_the_header() {
        for code in ErrorCode::PORTAL {
            let err = ServiceError::portal(code, "Session token not found or invalid")
                .with_request_id("rid-2");
            let response = encode_error(&err, true);
            assert_eq!(response.status().as_u16(), code.http_status());
            let body: Value = serde_json::from_slice(response.body()).unwrap();
            assert_eq!(
                body,
                serde_json::json!({"message": "Session token not found or invalid"}),
                "{code}"
            );
            assert!(response.headers()["x-amzn-errortype"]
                .to_str()
                .unwrap()
                .starts_with(&format!("{}:http://", code.shape_name())));
            assert_eq!(decode_error(&response), err, "{code}");
        }
    }
}
