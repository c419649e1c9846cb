//! A local container-credentials endpoint, sans-I/O: what the AWS SDKs' container provider
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`) sends, and
//! what it gets back. An adapter accepts connections on `127.0.0.1`, feeds the bytes of each to
//! [`read_request`] until it decides, then writes the bytes of the answer; the limits of a
//! request ([`MAX_REQUEST_HEAD_BYTES`], [`REQUEST_TIMEOUT`], [`MAX_CONNECTIONS`]) and every
//! answer are decided here.
//!
//! ```
//! use ssooidc_core::container::{read_request, Request, Rejection};
//! use ssooidc_core::Secret;
//!
//! let token = Secret::new("f00d");
//! let ask = |bytes: &[u8]| read_request(bytes, &token);
//! assert_eq!(ask(b"GET / HTTP/1.1\r\nAuthorization: f0"), Request::Partial);
//! assert_eq!(ask(b"GET / HTTP/1.1\r\nAuthorization: f00d\r\n\r\n"), Request::Credentials);
//! assert_eq!(ask(b"GET / HTTP/1.1\r\nAuthorization: bad\r\n\r\n"), Request::Reject(Rejection::Unauthorized));
//! assert_eq!(ask(b"GET / HTTP/1.1\r\n\r\n"), Request::Reject(Rejection::Unauthorized));
//! ```

use std::time::Duration;

use serde::Serialize;

use crate::base::secret::constant_time_eq;
use crate::base::timestamp::format_timestamp;
use crate::formats::credentials::ProcessCredentials;
use crate::Secret;

/// The longest request head read; a longer one is answered `431` and closed.
pub const MAX_REQUEST_HEAD_BYTES: usize = 8 * 1024;

/// The most header lines a request may have.
pub const MAX_HEADERS: usize = 32;

/// How long a connection may take to send its request head, in real time; a slower one is
/// answered `408` and closed. (The SDKs send theirs at once: botocore gives the whole request
/// 2 seconds.)
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The most connections served at once; one more is answered `503` and closed at once.
pub const MAX_CONNECTIONS: usize = 16;

/// The only path served: the endpoint's URL is `http://127.0.0.1:PORT/`.
pub const PATH: &str = "/";

/// What the bytes of a connection say so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// The head is not complete: read more (up to [`MAX_REQUEST_HEAD_BYTES`], within
    /// [`REQUEST_TIMEOUT`]).
    Partial,
    /// A `GET` of [`PATH`] with the right token: answer with [`credentials_response`] (or
    /// [`Rejection::Unavailable`]).
    Credentials,
    /// Answer with the rejection's [`http_response`](Rejection::http_response) and close.
    Reject(Rejection),
}

/// A request the endpoint does not answer with credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// Not HTTP/1.x: `400`.
    Malformed,
    /// A head longer than [`MAX_REQUEST_HEAD_BYTES`] or with more than [`MAX_HEADERS`] lines:
    /// `431`.
    TooLarge,
    /// No `Authorization` header, or not the endpoint's token: `401`. Checked before anything
    /// else about the request is told.
    Unauthorized,
    /// A method other than `GET`: `405`.
    Method,
    /// A path other than [`PATH`]: `404`.
    NotFound,
    /// No complete head within [`REQUEST_TIMEOUT`]: `408`.
    Timeout,
    /// [`MAX_CONNECTIONS`] are being served: `503`.
    Busy,
    /// The credentials could not be had (the session expired, the portal failed): `500`, and
    /// the adapter tells its user why.
    Unavailable,
}

impl Rejection {
    /// The status and the `code` of the JSON error body.
    fn status(self) -> (u16, &'static str) {
        match self {
            Rejection::Malformed => (400, "BadRequest"),
            Rejection::TooLarge => (431, "RequestHeaderFieldsTooLarge"),
            Rejection::Unauthorized => (401, "Unauthorized"),
            Rejection::Method => (405, "MethodNotAllowed"),
            Rejection::NotFound => (404, "NotFound"),
            Rejection::Timeout => (408, "RequestTimeout"),
            Rejection::Busy => (503, "TooManyConnections"),
            Rejection::Unavailable => (500, "CredentialsUnavailable"),
        }
    }

    /// The whole HTTP/1.1 response to write back before closing: a JSON body
    /// `{"code": ..., "message": ...}` (the shape the SDKs show from a container endpoint's
    /// error), with no detail of the request or of the credentials.
    pub fn http_response(self) -> Vec<u8> {
        let (status, code) = self.status();
        let body = serde_json::json!({ "code": code, "message": reason(status) }).to_string();
        response(status, &body)
    }
}

/// Reads the request head at the start of `bytes` (everything the connection sent so far);
/// `token` is the endpoint's. The token is checked first: a request without it learns nothing
/// but `401`.
pub fn read_request(bytes: &[u8], token: &Secret) -> Request {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(bytes) {
        Ok(httparse::Status::Complete(len)) if len > MAX_REQUEST_HEAD_BYTES => {
            Request::Reject(Rejection::TooLarge)
        }
        Ok(httparse::Status::Complete(_)) => {
            let mut authorizations = request
                .headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("authorization"));
            let authorized = match (authorizations.next(), authorizations.next()) {
                (Some(only), None) => {
                    constant_time_eq(only.value, token.expose().as_bytes())
                        && !token.expose().is_empty()
                }
                _ => false,
            };
            if !authorized {
                return Request::Reject(Rejection::Unauthorized);
            }
            match (request.method, request.path) {
                (Some("GET"), Some(PATH)) => Request::Credentials,
                (Some("GET"), _) => Request::Reject(Rejection::NotFound),
                _ => Request::Reject(Rejection::Method),
            }
        }
        Ok(httparse::Status::Partial) if bytes.len() >= MAX_REQUEST_HEAD_BYTES => {
            Request::Reject(Rejection::TooLarge)
        }
        Ok(httparse::Status::Partial) => Request::Partial,
        Err(httparse::Error::TooManyHeaders) => Request::Reject(Rejection::TooLarge),
        Err(_) => Request::Reject(Rejection::Malformed),
    }
}

/// Why credentials cannot be served by a container endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContainerError {
    /// Long-term keys: the SDKs require a `Token` and an `Expiration` from the endpoint.
    #[error("the credentials are long-term keys (no session token or expiry), which a credentials endpoint cannot serve: hand them over directly")]
    NotTemporary,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ContainerCredentials<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    token: &'a str,
    expiration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
}

/// The `200` answer with `credentials` as the container endpoint of ECS gives them, which the
/// SDKs read: `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration` (`YYYY-MM-DDTHH:MM:SSZ`)
/// and `AccountId` when known. Credentials without a session token or an expiry are a
/// [`ContainerError`] (botocore's provider requires both).
pub fn credentials_response(credentials: &ProcessCredentials) -> Result<Vec<u8>, ContainerError> {
    let (Some(token), Some(expiration)) = (
        credentials.keys.session_token.as_ref(),
        credentials.expiration,
    ) else {
        return Err(ContainerError::NotTemporary);
    };
    let body = ContainerCredentials {
        access_key_id: &credentials.keys.access_key_id,
        secret_access_key: credentials.keys.secret_access_key.expose(),
        token: token.expose(),
        expiration: format_timestamp(expiration),
        account_id: credentials.account_id.as_deref(),
    };
    // Serialising a struct of strings cannot fail.
    let json = serde_json::to_string(&body).unwrap_or_default();
    Ok(response(200, &json))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

/// An HTTP/1.1 response with a JSON body; the connection closes after it and nothing may be
/// cached.
fn response(status: u16, json: &str) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\n\
         Content-Type: application/json\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         Connection: close\r\n\r\n",
        reason(status),
        json.len()
    )
    .into_bytes();
    out.extend_from_slice(json.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::credentials::StaticKeys;

    fn token() -> Secret {
        Secret::new("0123456789abcdef")
    }

    #[test]
    fn heads_in_pieces_then_whole() {
        let head =
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1:5\r\nAuthorization: 0123456789abcdef\r\n\r\n";
        for cut in 0..head.len() {
            assert_eq!(
                read_request(&head[..cut], &token()),
                Request::Partial,
                "{cut}"
            );
        }
        assert_eq!(read_request(head, &token()), Request::Credentials);
    }

    #[test]
    fn the_token_is_checked_before_anything_else() {
        for (head, why) in [
            (&b"GET / HTTP/1.1\r\n\r\n"[..], "no token"),
            (
                b"GET / HTTP/1.1\r\nAuthorization: 0123456789abcdeX\r\n\r\n",
                "wrong",
            ),
            (
                b"GET / HTTP/1.1\r\nAuthorization: 0123456789abcde\r\n\r\n",
                "a prefix",
            ),
            (
                b"GET / HTTP/1.1\r\nAuthorization: Bearer 0123456789abcdef\r\n\r\n",
                "a scheme",
            ),
            (
                b"GET / HTTP/1.1\r\nAuthorization: 0123456789abcdef\r\nAuthorization: x\r\n\r\n",
                "twice",
            ),
            (b"POST /x HTTP/1.1\r\n\r\n", "a POST without it"),
        ] {
            assert_eq!(
                read_request(head, &token()),
                Request::Reject(Rejection::Unauthorized),
                "{why}"
            );
        }
        assert_eq!(
            read_request(
                b"GET / HTTP/1.1\r\nAuthorization: \r\n\r\n",
                &Secret::new("")
            ),
            Request::Reject(Rejection::Unauthorized),
            "an empty token never matches"
        );
        let authorized = |line: &str| {
            read_request(
                format!("{line}\r\nauthorization: 0123456789abcdef\r\n\r\n").as_bytes(),
                &token(),
            )
        };
        assert_eq!(
            authorized("POST / HTTP/1.1"),
            Request::Reject(Rejection::Method)
        );
        assert_eq!(
            authorized("GET /other HTTP/1.1"),
            Request::Reject(Rejection::NotFound)
        );
    }

    #[test]
    fn oversized_and_malformed_heads() {
        let long = format!(
            "GET / HTTP/1.1\r\nX: {}\r\n",
            "a".repeat(MAX_REQUEST_HEAD_BYTES)
        );
        assert_eq!(
            read_request(long.as_bytes(), &token()),
            Request::Reject(Rejection::TooLarge)
        );
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "A: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(
            read_request(many.as_bytes(), &token()),
            Request::Reject(Rejection::TooLarge)
        );
        assert_eq!(
            read_request(b"\x16\x03\x01\x02\x00\x01\x00", &token()),
            Request::Reject(Rejection::Malformed)
        );
    }

    #[test]
    fn credentials_as_the_sdks_read_them() {
        let mut creds = ProcessCredentials::new(
            StaticKeys::new("ASIA", "secret").with_session_token("tok"),
            Some(time::macros::datetime!(2026-01-15 19:00 UTC).into()),
        );
        creds.account_id = Some("111122223333".into());
        let text = String::from_utf8(credentials_response(&creds).unwrap()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
        assert_eq!(
            body,
            r#"{"AccessKeyId":"ASIA","SecretAccessKey":"secret","Token":"tok","Expiration":"2026-01-15T19:00:00Z","AccountId":"111122223333"}"#
        );
        let long_term = ProcessCredentials::new(StaticKeys::new("AKIA", "s"), None);
        assert_eq!(
            credentials_response(&long_term),
            Err(ContainerError::NotTemporary)
        );
    }

    #[test]
    fn rejections_say_nothing_of_the_request() {
        for (rejection, status) in [
            (Rejection::Unauthorized, "401 Unauthorized"),
            (Rejection::TooLarge, "431 Request Header Fields Too Large"),
            (Rejection::Timeout, "408 Request Timeout"),
            (Rejection::Busy, "503 Service Unavailable"),
            (Rejection::Unavailable, "500 Internal Server Error"),
        ] {
            let text = String::from_utf8(rejection.http_response()).unwrap();
            assert!(
                text.starts_with(&format!("HTTP/1.1 {status}\r\n")),
                "{text}"
            );
            let body = text.split_once("\r\n\r\n").unwrap().1;
            let json: serde_json::Value = serde_json::from_str(body).unwrap();
            assert!(json["code"].is_string() && json["message"].is_string());
        }
    }
}
