//! The loopback listener's HTTP, sans-I/O: reading one request head from the bytes a connection
//! delivered so far, and the bytes of every answer. An adapter only accepts connections on
//! `127.0.0.1`, reads and writes; what a request is and what it gets back is decided here, so
//! that every adapter answers alike.
//!
//! ```
//! use ssooidc_core::authcode::loopback::{read_request, Request};
//!
//! assert_eq!(read_request(b"GET /oauth/callback?code=c&st"), Request::Partial);
//! assert_eq!(
//!     read_request(b"GET /oauth/callback?code=c&state=s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
//!     Request::Get("/oauth/callback?code=c&state=s".to_owned())
//! );
//! assert!(matches!(read_request(b"POST / HTTP/1.1\r\n\r\n"), Request::Reject(_)));
//! ```

use super::callback::page;

/// The longest request head read; a longer one is answered `431` and closed.
pub const MAX_REQUEST_HEAD_BYTES: usize = 8 * 1024;

/// The most header lines a request head may have.
pub const MAX_HEADERS: usize = 64;

/// How long a connection may take to send its request head, in real time. A slower one is
/// answered `408` and closed; other connections are served meanwhile.
pub const REQUEST_HEAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The most connections an adapter serves at once. One more cuts the connection that has been
/// sending its head the longest (idle connections must not crowd the browser out); when all of
/// them already sent their request, it is closed at once.
pub const MAX_CONNECTIONS: usize = 16;

/// What the bytes of a connection say so far.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// The head is not complete: read more (up to [`MAX_REQUEST_HEAD_BYTES`]).
    Partial,
    /// A `GET` of this request target: hand it to the flow
    /// ([`AuthCodeFlow::handle_callback`](super::AuthCodeFlow::handle_callback)) and write back
    /// its reply's [`http_response`](super::CallbackReply::http_response).
    Get(String),
    /// Not a request for the flow: write back the rejection's
    /// [`http_response`](Rejection::http_response) and close.
    Reject(Rejection),
}

/// A request the listener answers by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// Not HTTP/1.x: `400`.
    Malformed,
    /// A head longer than [`MAX_REQUEST_HEAD_BYTES`] or with more than [`MAX_HEADERS`] lines:
    /// `431`.
    TooLarge,
    /// A method other than `GET`: `405`.
    Method,
    /// No complete head within [`REQUEST_HEAD_TIMEOUT`]: `408`.
    Timeout,
}

impl Rejection {
    /// The whole HTTP/1.1 response to write back before closing.
    pub fn http_response(&self) -> Vec<u8> {
        let (status, text) = match self {
            Rejection::Malformed => (400, "ssooidc could not read this request."),
            Rejection::TooLarge => (431, "This request is too large."),
            Rejection::Method => (405, "Only GET is accepted here."),
            Rejection::Timeout => (408, "This request took too long to arrive."),
        };
        response(
            status,
            &page(reason(status), &format!("{text} Return to the terminal.")),
        )
    }
}

/// Reads the request head at the start of `bytes` (everything a connection sent so far).
pub fn read_request(bytes: &[u8]) -> Request {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(bytes) {
        Ok(httparse::Status::Complete(len)) if len > MAX_REQUEST_HEAD_BYTES => {
            Request::Reject(Rejection::TooLarge)
        }
        Ok(httparse::Status::Complete(_)) => match (request.method, request.path) {
            (Some("GET"), Some(target)) => Request::Get(target.to_owned()),
            _ => Request::Reject(Rejection::Method),
        },
        Ok(httparse::Status::Partial) if bytes.len() >= MAX_REQUEST_HEAD_BYTES => {
            Request::Reject(Rejection::TooLarge)
        }
        Ok(httparse::Status::Partial) => Request::Partial,
        Err(httparse::Error::TooManyHeaders) => Request::Reject(Rejection::TooLarge),
        Err(_) => Request::Reject(Rejection::Malformed),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    }
}

/// An HTTP/1.1 response with an HTML body; the connection closes after it. Nothing is cached,
/// nothing is loaded from elsewhere, no referrer leaves the page (its URL holds the code).
pub(crate) fn response(status: u16, html: &str) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         Referrer-Policy: no-referrer\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         Connection: close\r\n\r\n",
        reason(status),
        html.len()
    )
    .into_bytes();
    out.extend_from_slice(html.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_in_pieces_and_whole() {
        let head = b"GET /oauth/callback?code=c&state=s HTTP/1.1\r\nHost: 127.0.0.1:5\r\nUser-Agent: x\r\n\r\n";
        for cut in 0..head.len() {
            assert_eq!(read_request(&head[..cut]), Request::Partial, "{cut}");
        }
        assert_eq!(
            read_request(head),
            Request::Get("/oauth/callback?code=c&state=s".into())
        );
        let mut with_body = head.to_vec();
        with_body.extend_from_slice(b"ignored");
        assert!(matches!(read_request(&with_body), Request::Get(_)));
        assert_eq!(
            read_request(b"GET / HTTP/1.0\r\n\r\n"),
            Request::Get("/".into())
        );
    }

    #[test]
    fn everything_else_is_answered_by_the_listener() {
        assert_eq!(
            read_request(b"POST /oauth/callback HTTP/1.1\r\n\r\n"),
            Request::Reject(Rejection::Method)
        );
        assert_eq!(
            read_request(b"HEAD / HTTP/1.1\r\n\r\n"),
            Request::Reject(Rejection::Method)
        );
        assert_eq!(
            read_request(b"\x16\x03\x01\x02\x00\x01\x00"),
            Request::Reject(Rejection::Malformed),
            "a TLS hello"
        );
        assert_eq!(
            read_request(b"GET / SPDY/3\r\n\r\n"),
            Request::Reject(Rejection::Malformed)
        );
        let long = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_REQUEST_HEAD_BYTES));
        assert_eq!(
            read_request(long.as_bytes()),
            Request::Reject(Rejection::TooLarge)
        );
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "A: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(
            read_request(many.as_bytes()),
            Request::Reject(Rejection::TooLarge)
        );
    }

    #[test]
    fn responses_are_complete_http() {
        for (rejection, status) in [
            (Rejection::Malformed, "400 Bad Request"),
            (Rejection::TooLarge, "431 Request Header Fields Too Large"),
            (Rejection::Method, "405 Method Not Allowed"),
            (Rejection::Timeout, "408 Request Timeout"),
        ] {
            let text = String::from_utf8(rejection.http_response()).unwrap();
            assert!(
                text.starts_with(&format!("HTTP/1.1 {status}\r\n")),
                "{text}"
            );
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            assert!(head.contains(&format!("Content-Length: {}", body.len())));
            assert!(head.contains("Connection: close"));
            assert!(body.contains("Return to the terminal"));
        }
    }
}
