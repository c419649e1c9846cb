//! Helpers shared by the fuzz targets: a byte framing for HTTP responses whose tail is the raw
//! body (so seed files are readable and spec vectors can be fed as they are), structured inputs
//! built with `arbitrary`, and the spec's response vectors.
//!
//! # The response framing
//!
//! ```text
//! [status: 2 bytes, big-endian, mapped to 100..=999] [header count: 1 byte, & 7]
//! per header: [name: 1 byte; < KNOWN_HEADERS.len() picks a known name, otherwise
//!              a length byte (& 15) and that many name bytes follow]
//!             [value length: 1 byte] [value bytes]
//! [body: the rest]
//! ```
//!
//! Missing bytes read as zero, so every input is a response. `fuzz/seeds.py` writes seed files
//! in this framing.

use arbitrary::{Arbitrary, Unstructured};

/// Header names a selector byte below `KNOWN_HEADERS.len()` stands for.
pub const KNOWN_HEADERS: [&str; 6] = [
    "x-amzn-errortype",
    "x-amzn-requestid",
    "content-type",
    "x-amz-request-id",
    "content-length",
    "retry-after",
];

/// Reads the framing; missing bytes are zero.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    /// One byte, or 0 at the end.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    /// Up to `n` bytes.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// Whatever is left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

/// A response read from the framing in the module docs.
pub fn framed_response(data: &[u8]) -> http::Response<Vec<u8>> {
    let mut r = Reader::new(data);
    let raw_status = u16::from_be_bytes([r.byte(), r.byte()]);
    let status = 100 + raw_status % 900;
    let mut builder = http::Response::builder().status(status);
    let count = r.byte() & 7;
    let mut headers = Vec::new();
    for _ in 0..count {
        let selector = r.byte();
        let name: Vec<u8> = match KNOWN_HEADERS.get(usize::from(selector)) {
            Some(known) => known.as_bytes().to_vec(),
            None => {
                let len = usize::from(r.byte() & 15);
                r.bytes(len).to_vec()
            }
        };
        let len = usize::from(r.byte());
        let value = r.bytes(len).to_vec();
        headers.push((name, value));
    }
    for (name, value) in headers {
        let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(&name),
            http::HeaderValue::from_bytes(&value),
        ) else {
            continue;
        };
        builder = builder.header(name, value);
    }
    builder
        .body(r.rest().to_vec())
        .expect("a status in 100..=999 and checked header parts always build")
}

/// The body of a modelled error E1-E15 of spec 8.5, with its status and shape name.
pub const SPEC_ERRORS: [(u16, &str, &str); 15] = [
    (
        400,
        "AuthorizationPendingException",
        r#"{"error":"authorization_pending","error_description":"Authorization is still pending"}"#,
    ),
    (
        400,
        "SlowDownException",
        r#"{"error":"slow_down","error_description":"Client is polling too frequently"}"#,
    ),
    (
        400,
        "ExpiredTokenException",
        r#"{"error":"expired_token","error_description":"Device code has expired"}"#,
    ),
    (
        400,
        "AccessDeniedException",
        r#"{"error":"access_denied","error_description":"User denied the request"}"#,
    ),
    (
        400,
        "AccessDeniedException",
        r#"{"error":"access_denied","reason":"KMS_AccessDeniedException","error_description":"KMS key access denied"}"#,
    ),
    (
        401,
        "InvalidClientException",
        r#"{"error":"invalid_client","error_description":"Invalid client secret"}"#,
    ),
    (
        400,
        "InvalidGrantException",
        r#"{"error":"invalid_grant","error_description":"Invalid grant provided"}"#,
    ),
    (
        400,
        "InvalidRequestException",
        r#"{"error":"invalid_request","reason":"KMS_DisabledException","error_description":"KMS key is disabled"}"#,
    ),
    (
        400,
        "InvalidRequestRegionException",
        r#"{"error":"invalid_request","error_description":"Token was issued in another region","endpoint":"https://oidc.us-west-2.amazonaws.com","region":"us-west-2"}"#,
    ),
    (
        400,
        "InvalidScopeException",
        r#"{"error":"invalid_scope","error_description":"Invalid scope requested"}"#,
    ),
    (
        400,
        "InvalidClientMetadataException",
        r#"{"error":"invalid_client_metadata","error_description":"Unsupported client type"}"#,
    ),
    (
        400,
        "InvalidRedirectUriException",
        r#"{"error":"invalid_redirect_uri","error_description":"Redirect URI not allowed"}"#,
    ),
    (
        400,
        "UnauthorizedClientException",
        r#"{"error":"unauthorized_client","error_description":"Client not authorized for this grant"}"#,
    ),
    (
        400,
        "UnsupportedGrantTypeException",
        r#"{"error":"unsupported_grant_type","error_description":"Unsupported grant type"}"#,
    ),
    (
        500,
        "InternalServerException",
        r#"{"error":"server_error","error_description":"An internal error occurred"}"#,
    ),
];

/// Success bodies of spec 8.1-8.4.
pub const SPEC_SUCCESSES: [&str; 6] = [
    r#"{"authorizationEndpoint":null,"clientId":"ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ","clientIdIssuedAt":1767552707,"clientSecret":"eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.eyJzZXJpYWxpemVkIjoi...","clientSecretExpiresAt":1775328707,"tokenEndpoint":null}"#,
    r#"{"deviceCode":"MCicoYO9Oyl33l8b_iFkAdjZprJRa6pFaWuy92kIcdELERSbqKU6tDX2FadykkoGDOlVc0ZuoZ6e53sf5rONNw","expiresIn":600,"interval":1,"userCode":"GPNW-SHFH","verificationUri":"https://d-1234567890.awsapps.com/start/#/device","verificationUriComplete":"https://d-1234567890.awsapps.com/start/#/device?user_code=GPNW-SHFH"}"#,
    r#"{"deviceCode":"dc","userCode":"ABCD-EFGH","verificationUri":"https://x/","verificationUriComplete":"https://x/?user_code=ABCD-EFGH","expiresIn":600}"#,
    r#"{"accessToken":"aoaAAAAAGexample","expiresIn":3600,"refreshToken":"aorvJYubGexample","tokenType":"Bearer"}"#,
    r#"{"accessToken":"at","expiresIn":28800,"idToken":null,"tokenType":"Bearer"}"#,
    r#"{"accessToken":"at","tokenType":"Bearer","expiresIn":3600,"refreshToken":"rt","idToken":"eyJhbGciOi...","issuedTokenType":"urn:ietf:params:oauth:token-type:refresh_token","scope":["openid","aws","sts:identity_context"],"awsAdditionalDetails":{"identityContext":"EXAMPLEIDENTITYCONTEXT"}}"#,
];

/// The coral suffix of `x-amzn-ErrorType` (spec 8.5).
pub const CORAL_SUFFIX: &str = ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/";

/// A response built from structured choices: a spec vector, a modelled error, or raw parts.
#[derive(Debug, Clone, Arbitrary)]
pub enum ArbResponse {
    /// Spec 8.5 error number `n % 15`; `header`: with `x-amzn-ErrorType`.
    SpecError {
        /// Which vector.
        n: u8,
        /// With the type header.
        header: bool,
    },
    /// Spec 8.1-8.4 success number `n % 6`, with status `200 + status % 100`.
    SpecSuccess {
        /// Which vector.
        n: u8,
        /// The 2xx status.
        status: u8,
    },
    /// Anything: status `100 + status % 900`, an optional `x-amzn-ErrorType`, a body.
    Raw {
        /// The status.
        status: u16,
        /// `x-amzn-ErrorType`.
        error_type: Option<String>,
        /// The body.
        body: Vec<u8>,
    },
}

impl ArbResponse {
    /// The response.
    pub fn build(&self) -> http::Response<Vec<u8>> {
        let json = |status: u16| {
            http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .header("x-amzn-requestid", "8d2e1d3a-0000-4000-8000-000000000000")
        };
        match self {
            ArbResponse::SpecError { n, header } => {
                let (status, shape, body) = SPEC_ERRORS[usize::from(*n) % SPEC_ERRORS.len()];
                let mut b = json(status);
                if *header {
                    b = b.header("x-amzn-errortype", format!("{shape}{CORAL_SUFFIX}"));
                }
                b.body(body.as_bytes().to_vec()).unwrap()
            }
            ArbResponse::SpecSuccess { n, status } => {
                let body = SPEC_SUCCESSES[usize::from(*n) % SPEC_SUCCESSES.len()];
                json(200 + u16::from(*status) % 100)
                    .body(body.as_bytes().to_vec())
                    .unwrap()
            }
            ArbResponse::Raw {
                status,
                error_type,
                body,
            } => {
                let mut b = json(100 + status % 900);
                if let Some(t) = error_type
                    .as_deref()
                    .and_then(|t| http::HeaderValue::from_str(t).ok())
                {
                    b = b.header("x-amzn-errortype", t);
                }
                b.body(body.clone()).unwrap()
            }
        }
    }
}

/// A wall-clock time anywhere in the range `time` supports (years -9999 to 9999), biased
/// towards the present.
pub fn wall(u: &mut Unstructured<'_>) -> arbitrary::Result<time::OffsetDateTime> {
    const PRESENT: i64 = 1_767_552_707; // 2026-01-04T18:51:47Z, spec 8.1
    let min = time::PrimitiveDateTime::MIN.assume_utc().unix_timestamp();
    let max = time::PrimitiveDateTime::MAX.assume_utc().unix_timestamp();
    let secs = match u.int_in_range(0u8..=3)? {
        0 => u.int_in_range(min..=max)?,
        1 => PRESENT.saturating_add(i64::from(u.arbitrary::<i32>()?)),
        _ => PRESENT + i64::from(u.int_in_range(-100_000i32..=100_000)?),
    };
    let nanos = if u.arbitrary()? {
        u.int_in_range(0..=999_999_999u32)?
    } else {
        0
    };
    Ok(time::OffsetDateTime::from_unix_timestamp(secs)
        .expect("in range")
        .replace_nanosecond(nanos)
        .expect("a valid nanosecond"))
}

/// The checks every response decoder gets: no panic; a non-2xx is a [`ServiceError`] with the
/// response's status (or the body is over the cap); a 2xx that decodes re-serializes to a body
/// that decodes to the same output; errors display.
///
/// [`ServiceError`]: ssooidc_core::ServiceError
pub fn check_decoder<O>(response: &http::Response<Vec<u8>>)
where
    O: ssooidc_core::Operation,
    O::Output: serde::Serialize + PartialEq + std::fmt::Debug,
{
    use ssooidc_core::wire::DecodeError;
    use ssooidc_core::{ResponseError, MAX_RESPONSE_BODY_BYTES};

    let status = response.status();
    match O::parse_response(response) {
        Ok(output) => {
            assert!(status.is_success(), "{status} decoded as a success");
            let body = serde_json::to_vec(&output).expect("outputs serialize");
            let again = http::Response::builder().status(200).body(body).unwrap();
            let reparsed = O::parse_response(&again).expect("a re-serialized output decodes");
            assert_eq!(reparsed, output, "output changed through a round trip");
            let _ = format!("{output:?}");
        }
        Err(error) => {
            let _ = (error.to_string(), format!("{error:?}"));
            match &error {
                ResponseError::Service(e) => {
                    assert_eq!(e.status(), status.as_u16());
                    assert!(!e.name().is_empty(), "an error with no name: {e:?}");
                    let _ = (
                        e.retry_kind(),
                        e.is_retryable(),
                        e.message(),
                        e.request_id(),
                    );
                }
                ResponseError::Malformed {
                    kind, status: s, ..
                } => {
                    assert_eq!(*s, status.as_u16());
                    if !status.is_success() {
                        assert!(
                            matches!(kind, DecodeError::TooLarge { .. }),
                            "a {status} that is neither a service error nor too large: {kind:?}"
                        );
                        assert!(response.body().len() > MAX_RESPONSE_BODY_BYTES);
                    }
                }
                _ => {}
            }
        }
    }
}

/// `t` moved by `milli` thousandths of a protocol second of length `second` (any sign); stays
/// put where that is not representable. The machine targets' clock.
pub fn shift(t: std::time::Instant, milli: i64, second: std::time::Duration) -> std::time::Instant {
    use std::time::Duration;
    let nanos = second
        .as_nanos()
        .saturating_mul(u128::from(milli.unsigned_abs()))
        / 1000;
    let d = match u64::try_from(nanos / 1_000_000_000) {
        Ok(secs) => Duration::new(secs, (nanos % 1_000_000_000) as u32),
        Err(_) => Duration::MAX,
    };
    let moved = if milli >= 0 {
        t.checked_add(d)
    } else {
        t.checked_sub(d)
    };
    moved.unwrap_or(t)
}

/// A JSON response with `status` and `body`.
pub fn json(status: u16, body: String) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap()
}

/// The input of a machine target: its setup, the wall-clock time it starts at, and the steps
/// thrown at it, in that order.
#[derive(Debug)]
pub struct Scripted<S, T> {
    /// The machine's configuration and canned answers.
    pub setup: S,
    /// The wall-clock time the run starts at ([`wall`]).
    pub wall: time::OffsetDateTime,
    /// The events, in order.
    pub steps: Vec<T>,
}

impl<'a, S: Arbitrary<'a>, T: Arbitrary<'a>> Arbitrary<'a> for Scripted<S, T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Scripted {
            setup: u.arbitrary()?,
            wall: wall(u)?,
            steps: u.arbitrary()?,
        })
    }
}

/// Secret values that the fuzzer's input cannot forge, for the "no secret in `Debug`" oracles.
///
/// An oracle that searches a machine's `Debug` text for a secret must only find what the machine
/// leaked. If the input can choose the secret (fixed constants, PKCE secrets derived from input
/// bytes), libFuzzer learns it from the comparisons the harness makes and writes the same text
/// into a field that is meant to be shown (a scope, a start URL, a response body, a callback's
/// `error_description`), and the oracle reports a leak that is not one. So every secret an
/// oracle looks for carries a fresh 128-bit value drawn for each execution from the process's
/// own randomness: the input never holds it, a value learned in one execution is useless in the
/// next, and a real leak is found whatever the value is (the machines never branch on a secret's
/// text, so a crash reproduces from its input alone).
pub struct Unguessable {
    nonce: [u8; 16],
}

impl Unguessable {
    /// Fresh values for one execution.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        // std's `RandomState` is keyed from the OS's randomness once per thread, then moves on
        // by one for each new state; the counter keeps two executions' values apart even so.
        static EXECUTION: AtomicU64 = AtomicU64::new(0);
        let n = EXECUTION.fetch_add(1, Ordering::Relaxed);
        let mut nonce = [0u8; 16];
        for (i, half) in nonce.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(n);
            h.write_usize(i);
            half.copy_from_slice(&h.finish().to_le_bytes());
        }
        Unguessable { nonce }
    }

    /// `label` followed by this execution's value in hex (32 characters of `[0-9a-f]`, so also
    /// a valid PKCE verifier tail, form value and JSON string).
    pub fn secret(&self, label: &str) -> String {
        let mut s = String::with_capacity(label.len() + 32);
        s.push_str(label);
        for b in self.nonce {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    /// `bytes` mixed with this execution's value: the same input bytes give the same result
    /// within one execution (so equal inputs stay equal), and a result no input can predict.
    pub fn mix(&self, bytes: [u8; 32]) -> [u8; 32] {
        let mut out = bytes;
        for (i, b) in out.iter_mut().enumerate() {
            *b ^= self.nonce[i % 16].rotate_left((i / 16) as u32 * 3);
        }
        out
    }

    /// Panics with `Debug shows a secret` when `shown` holds any of `secrets`.
    pub fn assert_hidden<'s>(shown: &str, secrets: impl IntoIterator<Item = &'s str>) {
        for secret in secrets {
            assert!(!shown.contains(secret), "Debug shows a secret: {shown}");
        }
    }
}
