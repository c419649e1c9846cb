//! Finding the error type in a response (spec 3.2).

use serde_json::{Map, Value};

use super::{AccessDeniedReason, ErrorCode, ErrorMeta, InvalidRequestReason, ServiceError};
use crate::wire::MAX_RESPONSE_BODY_BYTES;

/// The header that carries the error type.
pub(crate) const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";
/// The header that carries the request id.
pub(crate) const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// Decodes an error response into a [`ServiceError`]. Never fails: whatever cannot be
/// identified becomes [`ServiceError::Unknown`] with the HTTP status.
///
/// The type comes from the `x-amzn-ErrorType` header, else the body's `code` (or `Code`), else
/// its `__type`; the value is cut before the first `:` and after the first `#`. When that names
/// no modelled shape, the OAuth `error` member is looked up in the fallback table. Bodies larger
/// than [`MAX_RESPONSE_BODY_BYTES`] are not parsed.
pub fn decode_error<B: AsRef<[u8]>>(response: &http::Response<B>) -> ServiceError {
    let headers = response.headers();
    let body_bytes = response.body().as_ref();
    let body: Option<Map<String, Value>> = if body_bytes.len() <= MAX_RESPONSE_BODY_BYTES {
        serde_json::from_slice(body_bytes).ok()
    } else {
        None
    };
    let body = body.unwrap_or_default();
    let member = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);

    let header_value = headers
        .get(ERROR_TYPE_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned);
    let raw_code = header_value
        .or_else(|| member("code"))
        .or_else(|| member("Code"))
        .or_else(|| member("__type"));
    let cleaned = raw_code.as_deref().map(clean_code);

    let meta = ErrorMeta {
        status: response.status().as_u16(),
        error: member("error"),
        error_description: member("error_description"),
        request_id: headers
            .get(REQUEST_ID_HEADER)
            .or_else(|| headers.get("x-amz-request-id"))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };

    let modelled = cleaned.and_then(ErrorCode::from_shape_name).or_else(|| {
        let oauth = ErrorCode::from_oauth_error(meta.error.as_deref()?)?;
        Some(
            if oauth == ErrorCode::InvalidRequest
                && (body.contains_key("region") || body.contains_key("endpoint"))
            {
                ErrorCode::InvalidRequestRegion
            } else {
                oauth
            },
        )
    });

    match modelled {
        Some(code) => build(code, meta, &member),
        None => {
            let message = meta
                .error_description
                .clone()
                .or_else(|| member("message"))
                .or_else(|| member("Message"));
            ServiceError::Unknown {
                code: cleaned
                    .filter(|c| !c.is_empty())
                    .map_or_else(|| meta.status.to_string(), str::to_owned),
                meta,
                message,
            }
        }
    }
}

/// Step 4 of spec 3.2: keep what is before the first `:`, then what is after the first `#`.
fn clean_code(raw: &str) -> &str {
    let before_colon = raw.split(':').next().unwrap_or(raw);
    let after_hash = before_colon
        .split_once('#')
        .map_or(before_colon, |(_, name)| name);
    after_hash.trim()
}

fn build(
    code: ErrorCode,
    meta: ErrorMeta,
    member: &dyn Fn(&str) -> Option<String>,
) -> ServiceError {
    match code {
        ErrorCode::AccessDenied => ServiceError::AccessDenied {
            meta,
            reason: member("reason").map(|r| AccessDeniedReason::from_wire(&r)),
        },
        ErrorCode::AuthorizationPending => ServiceError::AuthorizationPending { meta },
        ErrorCode::ExpiredToken => ServiceError::ExpiredToken { meta },
        ErrorCode::InternalServer => ServiceError::InternalServer { meta },
        ErrorCode::InvalidClient => ServiceError::InvalidClient { meta },
        ErrorCode::InvalidClientMetadata => ServiceError::InvalidClientMetadata { meta },
        ErrorCode::InvalidGrant => ServiceError::InvalidGrant { meta },
        ErrorCode::InvalidRedirectUri => ServiceError::InvalidRedirectUri { meta },
        ErrorCode::InvalidRequest => ServiceError::InvalidRequest {
            meta,
            reason: member("reason").map(|r| InvalidRequestReason::from_wire(&r)),
        },
        ErrorCode::InvalidRequestRegion => ServiceError::InvalidRequestRegion {
            meta,
            endpoint: member("endpoint"),
            region: member("region"),
        },
        ErrorCode::InvalidScope => ServiceError::InvalidScope { meta },
        ErrorCode::SlowDown => ServiceError::SlowDown { meta },
        ErrorCode::UnauthorizedClient => ServiceError::UnauthorizedClient { meta },
        ErrorCode::UnsupportedGrantType => ServiceError::UnsupportedGrantType { meta },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_code_strips_suffix_and_namespace() {
        assert_eq!(
            clean_code(
                "SlowDownException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
            ),
            "SlowDownException"
        );
        assert_eq!(
            clean_code("com.amazonaws.ssooidc#SlowDownException:http://x/"),
            "SlowDownException"
        );
        assert_eq!(
            clean_code("com.amazonaws.ssooidc#SlowDownException"),
            "SlowDownException"
        );
        assert_eq!(clean_code(":"), "");
        assert_eq!(clean_code("#"), "");
    }
}
