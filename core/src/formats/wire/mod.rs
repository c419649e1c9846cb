//! What every operation shares on the wire: the [`Operation`] trait that turns an input into an
//! `http::Request` and a response into an output or a typed error, the body size cap, and the
//! error types of decoding.

mod redact;

pub use redact::{
    redact_body, redact_headers, SecretValues, MAX_SECRET_VALUES, MIN_SECRET_LEN,
    SENSITIVE_HEADERS, SENSITIVE_MEMBERS,
};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::endpoint::Endpoint;
use crate::error::{decode_error, ServiceError};

pub use crate::error::MAX_RESPONSE_BODY_BYTES;

/// The deepest JSON nesting a response may have: 32. Real responses nest at most 2 deep; a
/// deeper body is rejected with [`DecodeError::TooDeep`] before parsing, even where the deep
/// part is an unknown member that would otherwise be skipped.
pub const MAX_JSON_DEPTH: usize = 32;

/// The `User-Agent` this crate puts on every request; adapters append their own product token.
pub const USER_AGENT: &str = concat!("ssooidc/", env!("CARGO_PKG_VERSION"));

/// The SigV4 signing name of the service (spec 1).
pub const SIGNING_NAME: &str = "sso-oauth";

/// How an operation authenticates at the HTTP level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// Unsigned: no `Authorization` header (RegisterClient, StartDeviceAuthorization, CreateToken).
    None,
    /// AWS SigV4 with signing name [`SIGNING_NAME`] and the client's region (CreateTokenWithIAM).
    /// The request from [`Operation::to_request`] is complete except for the signature headers:
    /// a signer adds `X-Amz-Date` and `Authorization` (and `X-Amz-Security-Token`).
    SigV4,
}

/// One operation of either service: its input serializes to a request, its output decodes
/// from a response.
///
/// SSO OIDC's operations take the default [`to_request`](Operation::to_request): `POST` and the
/// whole input as a JSON body. The SSO portal's (`crate::portal`) bind their members to the
/// query string and a header instead (restJson1's `@httpQuery` / `@httpHeader`), with `GET`
/// for the reads: they set [`METHOD`](Operation::METHOD) and build their request with
/// [`request`] like the default does. Both go through the same [`Call`](crate::machine::Call)
/// machine and decode with the same rules.
pub trait Operation: Serialize {
    /// The operation's name, as in `... when calling the <NAME> operation`.
    const NAME: &'static str;
    /// The path appended to the endpoint, with a fixed query where the operation has one
    /// (`?aws_iam=t`).
    const PATH_AND_QUERY: &'static str;
    /// The HTTP method: `POST` unless the operation says otherwise (the portal's reads are
    /// `GET`).
    const METHOD: http::Method = http::Method::POST;
    /// Authentication of the operation.
    const AUTH: Auth;
    /// The decoded success response.
    type Output: DeserializeOwned;

    /// Builds the HTTP request for `endpoint`. The default, every SSO OIDC operation's:
    /// [`METHOD`](Operation::METHOD), the operation's path, the input as a JSON body,
    /// `Content-Type: application/json`, and a `User-Agent`. Never an `Authorization` header.
    fn to_request(&self, endpoint: &Endpoint) -> Result<http::Request<Vec<u8>>, RequestError> {
        let body = serde_json::to_vec(self).map_err(|e| RequestError::Serialize(e.to_string()))?;
        let uri = endpoint
            .uri(Self::PATH_AND_QUERY)
            .map_err(|e| RequestError::Http(e.to_string()))?;
        let mut request = request(Self::METHOD, uri, body);
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        Ok(request)
    }

    /// Decodes a response: the output for a 2xx, a [`ServiceError`] for an error response (also
    /// for a 2xx whose body is an OAuth error), or [`ResponseError::Malformed`] for anything
    /// else. A body over [`MAX_RESPONSE_BODY_BYTES`] is rejected before parsing.
    fn parse_response<B: AsRef<[u8]>>(
        response: &http::Response<B>,
    ) -> Result<Self::Output, ResponseError> {
        parse_response::<Self::Output, B>(Self::NAME, response)
    }
}

/// The request every operation starts from: `method`, `uri`, `body` and this crate's
/// `User-Agent` (adapters append their own product token).
pub fn request(method: http::Method, uri: http::Uri, body: Vec<u8>) -> http::Request<Vec<u8>> {
    let mut request = http::Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    request.headers_mut().insert(
        http::header::USER_AGENT,
        http::HeaderValue::from_static(USER_AGENT),
    );
    request
}

/// [`Operation::parse_response`] for any output type.
pub(crate) fn parse_response<T: DeserializeOwned, B: AsRef<[u8]>>(
    operation: &'static str,
    response: &http::Response<B>,
) -> Result<T, ResponseError> {
    let body = response.body().as_ref();
    let malformed = |kind| ResponseError::Malformed {
        operation,
        status: response.status().as_u16(),
        request_id: response
            .headers()
            .get(&crate::error::REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        kind,
    };
    if body.len() > MAX_RESPONSE_BODY_BYTES {
        return Err(malformed(DecodeError::TooLarge {
            len: body.len(),
            limit: MAX_RESPONSE_BODY_BYTES,
        }));
    }
    if !response.status().is_success() {
        return Err(ResponseError::Service(decode_error(response)));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(malformed(DecodeError::Empty));
    }
    if json_depth_exceeds(body, MAX_JSON_DEPTH) {
        return Err(malformed(DecodeError::TooDeep {
            limit: MAX_JSON_DEPTH,
        }));
    }
    serde_json::from_slice(body).map_err(|e| {
        if is_oauth_error_body(body) {
            ResponseError::Service(decode_error(response))
        } else {
            malformed(DecodeError::from_json(&e))
        }
    })
}

/// Whether `body` nests arrays and objects deeper than `limit`, counting brackets outside
/// strings. One pass, no allocation; malformed input is left for the parser to report.
pub(crate) fn json_depth_exceeds(body: &[u8], limit: usize) -> bool {
    // Fast path: nesting deeper than `limit` needs more than `limit` opening brackets in all.
    // This count vectorises; real bodies have a handful and never reach the exact scan.
    // `b | 0x20` maps '[' (0x5B) onto '{' (0x7B) and nothing else onto it; summing in u8 lanes
    // over chunks of 255 lets the loop vectorise.
    let openings: usize = body
        .chunks(255)
        .map(|chunk| {
            usize::from(
                chunk
                    .iter()
                    .fold(0u8, |n, &b| n + u8::from((b | 0x20) == b'{')),
            )
        })
        .sum();
    if openings <= limit {
        return false;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Whether `body` is a JSON object with a string `error` member.
fn is_oauth_error_body(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        error: Option<String>,
    }
    serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.error.is_some())
}

/// A request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The input could not be serialized.
    #[error("could not serialize the request body: {0}")]
    Serialize(String),
    /// The `http` crate refused the request.
    #[error("could not build the HTTP request: {0}")]
    Http(String),
    /// The request could not be signed.
    #[error("could not sign the request: {0}")]
    Signing(#[from] crate::sigv4::SigningError),
}

/// A response that is not a success of the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The service answered with an error.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The response could not be decoded.
    #[error("malformed {operation} response (HTTP {status}): {kind}")]
    Malformed {
        /// The operation whose response it was.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// The `x-amzn-RequestId` header, when present.
        request_id: Option<String>,
        /// What is wrong.
        kind: DecodeError,
    },
}

impl ResponseError {
    /// The service error, if that is what this is.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Self::Service(e) => Some(e),
            Self::Malformed { .. } => None,
        }
    }
}

/// What is wrong with a response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The body is larger than the cap.
    #[error("body of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Bytes received (at least).
        len: usize,
        /// The cap.
        limit: usize,
    },
    /// The body nests deeper than [`MAX_JSON_DEPTH`].
    #[error("JSON nested deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// A success response had an empty body.
    #[error("empty body")]
    Empty,
    /// A page of a paginated list repeated a `nextToken` of an earlier page: following it
    /// would page forever.
    #[error("the same nextToken was received twice")]
    RepeatedNextToken,
    /// A paginated list went on for more than `limit` pages.
    #[error("the list has more than {limit} pages")]
    TooManyPages {
        /// The most pages followed.
        limit: u32,
    },
    /// A required member is missing (a standard OAuth 2.0 answer, JSON or form-encoded).
    #[error("the member `{member}` is missing")]
    MissingMember {
        /// The member.
        member: &'static str,
    },
    /// A member has a value of the wrong kind (a standard OAuth 2.0 answer).
    #[error("the member `{member}` is not {expected}")]
    InvalidMember {
        /// The member.
        member: &'static str,
        /// What it should be.
        expected: &'static str,
    },
    /// The body is not JSON of the expected shape.
    #[error("{category} at line {line} column {column}: {detail}")]
    Json {
        /// Which kind of JSON failure.
        category: JsonErrorCategory,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message with every quoted value replaced by `"…"`, so that no value
        /// from the body (which may be a secret) reaches logs.
        detail: String,
    },
}

/// The kind of a JSON decoding failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonErrorCategory {
    /// Not JSON (including invalid UTF-8 and too deep nesting).
    Syntax,
    /// JSON, but not of the expected shape (missing member, wrong type).
    Data,
    /// The body ended early (truncated).
    Truncated,
}

impl std::fmt::Display for JsonErrorCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Syntax => "invalid JSON",
            Self::Data => "unexpected JSON shape",
            Self::Truncated => "truncated JSON",
        })
    }
}

impl DecodeError {
    /// Converts a serde_json error, redacting every quoted value in its message.
    pub fn from_json(e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let category = match e.classify() {
            Category::Eof => JsonErrorCategory::Truncated,
            Category::Data => JsonErrorCategory::Data,
            Category::Syntax | Category::Io => JsonErrorCategory::Syntax,
        };
        let message = e.to_string();
        // serde_json appends " at line L column C"; we report those separately.
        let message = message
            .rfind(" at line ")
            .map_or(message.as_str(), |i| &message[..i]);
        DecodeError::Json {
            category,
            line: e.line(),
            column: e.column(),
            detail: redact_quoted(message),
        }
    }
}

/// Replaces the text between every pair of double quotes with `…`.
fn redact_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut inside = false;
    for c in s.chars() {
        if c == '"' {
            if inside {
                out.push('"');
            } else {
                out.push_str("\"…");
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    if inside {
        out.push('"');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        assert!(!json_depth_exceeds(br#"{"a":[{"b":1}]}"#, 3));
        assert!(json_depth_exceeds(br#"{"a":[{"b":[1]}]}"#, 3));
        assert!(!json_depth_exceeds(br#"{"a":"[[[[[[\"[[[["}"#, 1));
        assert!(!json_depth_exceeds(b"]]]]{}", 1));
    }

    #[test]
    fn redaction_hides_quoted_values() {
        assert_eq!(
            redact_quoted(r#"invalid type: string "s3cr3t", expected i32"#),
            r#"invalid type: string "…", expected i32"#
        );
        assert_eq!(redact_quoted(r#"unterminated "abc"#), r#"unterminated "…""#);
        assert_eq!(
            redact_quoted("missing field `accessToken`"),
            "missing field `accessToken`"
        );
    }
}
