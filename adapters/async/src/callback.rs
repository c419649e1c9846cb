//! The seam of the browser login's loopback listener: [`CallbackListener`], "give me the next
//! `GET` that reached `127.0.0.1:<port>`", and [`CallbackRequest`], that request with the way
//! to answer it. Any runtime can implement it; the `tokio` feature has one
#![cfg_attr(
    feature = "tokio",
    doc = "([`TokioCallbackListener`](crate::TokioCallbackListener))."
)]
#![cfg_attr(not(feature = "tokio"), doc = "(`TokioCallbackListener`).")]

use std::fmt;
use std::future::Future;

/// A `GET` that reached the loopback listener: its request target and the way to answer it.
///
/// `Debug` shows the path only: the query carries the authorization code.
pub struct CallbackRequest {
    target: String,
    respond: Box<dyn FnOnce(Vec<u8>)>,
}

impl CallbackRequest {
    /// A request for `target` (`/oauth/callback?code=...&state=...`, as the request line has
    /// it); `respond` writes the bytes of the answer to the connection and closes it. It must
    /// not block (the answer is a small page: a non-blocking write of it is enough).
    pub fn new(target: impl Into<String>, respond: impl FnOnce(Vec<u8>) + 'static) -> Self {
        CallbackRequest {
            target: target.into(),
            respond: Box::new(respond),
        }
    }

    /// The request target.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Answers the request with `response` (a whole HTTP/1.1 response) and closes it.
    pub fn respond(self, response: Vec<u8>) {
        (self.respond)(response);
    }
}

impl fmt::Debug for CallbackRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.target.split('?').next().unwrap_or("");
        f.debug_struct("CallbackRequest")
            .field("path", &path)
            .finish_non_exhaustive()
    }
}

/// The loopback listener of a browser login, for any runtime.
///
/// # Contract
///
/// - Listen on `127.0.0.1` only, never on another interface, on a port the OS picks; report it
///   with [`port`](Self::port).
/// - Read each connection's request head with
///   [`loopback::read_request`](ssooidc_core::authcode::loopback::read_request), at most
///   [`MAX_REQUEST_HEAD_BYTES`](ssooidc_core::authcode::loopback::MAX_REQUEST_HEAD_BYTES)
///   within [`REQUEST_HEAD_TIMEOUT`](ssooidc_core::authcode::loopback::REQUEST_HEAD_TIMEOUT),
///   serving connections concurrently: one slow connection must not hold up another. Answer
///   what it rejects (other methods, broken, oversized or slow heads) yourself, with the
///   rejection's `http_response()`, and yield only `GET`s from
///   [`next_request`](Self::next_request).
/// - Keep at most
///   [`MAX_CONNECTIONS`](ssooidc_core::authcode::loopback::MAX_CONNECTIONS) connections
///   reading their head; one more cuts the oldest.
/// - `next_request` must be cancel-safe: the driver drops its future when the wait ends
///   another way (the deadline, a cancel), and no request may be lost then.
/// - Dropping the listener closes it and every connection.
pub trait CallbackListener {
    /// The port the listener is bound to, on `127.0.0.1`.
    fn port(&self) -> u16;

    /// The next `GET` that reached the listener. Never completes when none comes.
    fn next_request(&mut self) -> impl Future<Output = CallbackRequest>;
}

impl<L: CallbackListener + ?Sized> CallbackListener for &mut L {
    fn port(&self) -> u16 {
        (**self).port()
    }

    fn next_request(&mut self) -> impl Future<Output = CallbackRequest> {
        (**self).next_request()
    }
}
