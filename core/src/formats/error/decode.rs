//! Finding the error type in a response (spec 3.2).

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::{AccessDeniedReason, ErrorCode, ErrorMeta, InvalidRequestReason, ServiceError};

/// The largest response body that is parsed: 256 KiB. The largest real bodies (a RegisterClient
/// secret, an IAM token response with an ID token) are a few KiB. Adapters stop reading past
/// this many bytes; [`Operation::parse_response`](crate::Operation::parse_response) rejects a larger body before parsing it.
pub const MAX_RESPONSE_BODY_BYTES: usize = 256 * 1024;

/// The header that carries the error type.
pub(crate) const ERROR_TYPE_HEADER: http::HeaderName =
    http::HeaderName::from_static("x-amzn-errortype");
/// The header that carries the request id.
pub(crate) const REQUEST_ID_HEADER: http::HeaderName =
    http::HeaderName::from_static("x-amzn-requestid");
/// The request-id header of some other AWS front ends.
const ALT_REQUEST_ID_HEADER: http::HeaderName = http::HeaderName::from_static("x-amz-request-id");

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
    let mut body: ErrorBody = if body_bytes.len() <= MAX_RESPONSE_BODY_BYTES {
        serde_json::from_slice(body_bytes).unwrap_or_default()
    } else {
        ErrorBody::default()
    };

    let header_value = headers
        .get(&ERROR_TYPE_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned);
    let raw_code = header_value
        .or_else(|| body.code.take())
        .or_else(|| body.code_upper.take())
        .or_else(|| body.type_.take());
    let cleaned = raw_code.as_deref().map(clean_code);

    let mut meta = ErrorMeta {
        status: response.status().as_u16(),
        error: body.error.take(),
        error_description: body.error_description.take(),
        request_id: headers
            .get(&REQUEST_ID_HEADER)
            .or_else(|| headers.get(&ALT_REQUEST_ID_HEADER))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };

    let modelled = cleaned.and_then(ErrorCode::from_shape_name).or_else(|| {
        let oauth = ErrorCode::from_oauth_error(meta.error.as_deref()?)?;
        Some(
            if oauth == ErrorCode::InvalidRequest
                && (body.region.is_some() || body.endpoint.is_some())
            {
                ErrorCode::InvalidRequestRegion
            } else {
                oauth
            },
        )
    });

    match modelled {
        Some(code) => {
            // The portal's errors (restJson1 shapes with a `message` member) have no
            // `error_description`: their `message` is the text.
            if meta.error_description.is_none() {
                meta.error_description = body.message.take().or_else(|| body.message_upper.take());
            }
            build(code, meta, body)
        }
        None => {
            let message = meta
                .error_description
                .clone()
                .or(body.message)
                .or(body.message_upper);
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

/// The members an error body may have. Each is read leniently: a member of another JSON type
/// counts as absent instead of failing the whole body.
#[derive(Default, Deserialize)]
struct ErrorBody {
    #[serde(default, deserialize_with = "lenient")]
    error: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    error_description: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    reason: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    endpoint: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    region: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    code: Option<String>,
    #[serde(default, rename = "Code", deserialize_with = "lenient")]
    code_upper: Option<String>,
    #[serde(default, rename = "__type", deserialize_with = "lenient")]
    type_: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    message: Option<String>,
    #[serde(default, rename = "Message", deserialize_with = "lenient")]
    message_upper: Option<String>,
}

/// A string, or `None` for any other JSON value (which is skipped without recursion).
fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

fn build(code: ErrorCode, meta: ErrorMeta, body: ErrorBody) -> ServiceError {
    match code {
        ErrorCode::AccessDenied => ServiceError::AccessDenied {
            meta,
            reason: body.reason.map(|r| AccessDeniedReason::from_wire(&r)),
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
            reason: body.reason.map(|r| InvalidRequestReason::from_wire(&r)),
        },
        ErrorCode::InvalidRequestRegion => ServiceError::InvalidRequestRegion {
            meta,
            endpoint: body.endpoint,
            region: body.region,
        },
        ErrorCode::InvalidScope => ServiceError::InvalidScope { meta },
        ErrorCode::SlowDown => ServiceError::SlowDown { meta },
        ErrorCode::UnauthorizedClient => ServiceError::UnauthorizedClient { meta },
        ErrorCode::UnsupportedGrantType => ServiceError::UnsupportedGrantType { meta },
        ErrorCode::Unauthorized => ServiceError::Unauthorized { meta },
        ErrorCode::TooManyRequests => ServiceError::TooManyRequests { meta },
        ErrorCode::ResourceNotFound => ServiceError::ResourceNotFound { meta },
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
