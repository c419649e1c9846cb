//! Writing an error response the way the service does (spec 3 and 8.5), for servers such as the
//! emulator and for round-trip tests.

use serde_json::{Map, Value};

use super::decode::{ERROR_TYPE_HEADER, REQUEST_ID_HEADER};
use super::{ErrorCode, ErrorMeta, ServiceError};

/// The suffix the real service appends to `x-amzn-ErrorType`.
pub const ERROR_TYPE_SUFFIX: &str = ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/";

impl ServiceError {
    /// A modelled error with the shape's HTTP status and OAuth `error` value.
    pub fn from_code(code: ErrorCode, description: impl Into<String>) -> Self {
        let meta = ErrorMeta {
            status: code.http_status(),
            error: Some(code.oauth_error().to_owned()),
            error_description: Some(description.into()),
            request_id: None,
        };
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
            | Self::Unknown { meta, .. } => meta,
        }
    }
}

/// Encodes `error` as the service would send it: its status, `Content-Type: application/json`,
/// `x-amzn-RequestId` when the error has one, `x-amzn-ErrorType: <Shape>:<suffix>` when
/// `with_type_header` is set, and an OAuth body (`error`, `error_description`, and `reason`,
/// `endpoint`, `region` where the shape has them).
pub fn encode_error(error: &ServiceError, with_type_header: bool) -> http::Response<Vec<u8>> {
    let meta = error.meta();
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
    put("error_description", error.message());
    let status = http::StatusCode::from_u16(meta.status).unwrap_or(http::StatusCode::BAD_REQUEST);
    let mut builder = http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json");
    if with_type_header {
        let value = match error.code() {
            Some(code) => format!("{}{ERROR_TYPE_SUFFIX}", code.shape_name()),
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
        for code in ErrorCode::ALL {
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
}
