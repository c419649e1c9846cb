//! What the caller plugs in: [`HttpSend`] (send one request, read the capped response) and
//! [`Timer`] (read the clock, sleep until an instant), plus [`CappedBody`], the helper an
//! [`HttpSend`] uses to stop reading a body past the core's cap.

use std::future::Future;
use std::time::Instant;

use ssooidc_core::MAX_RESPONSE_BODY_BYTES;
use time::OffsetDateTime;

pub use ssooidc_core::transport::{TransportError, TransportErrorKind};

/// Sends one HTTP request and returns the whole response, its body capped: any HTTP client on
/// any runtime can implement it.
///
/// # Contract
///
/// - Send the request as it is (method, URI, headers, body). Do not follow redirects: the
///   service never redirects, and following one could carry the client secret elsewhere.
/// - Return every HTTP status as a response (a 400 or 500 is not a transport error).
/// - Stop reading the body once it is longer than [`MAX_RESPONSE_BODY_BYTES`]: return at most
///   [`CappedBody::LIMIT`] (the cap + 1) bytes, so that the core rejects the body as too large
///   without the rest ever being read. [`CappedBody`] does the bookkeeping.
/// - Report failures below HTTP (no connection, timeout, connection cut mid-response, TLS,
///   proxy) as a [`TransportError`] of the right [`TransportErrorKind`] with the client's
///   message; a timeout is [`TransportErrorKind::Timeout`] even when it fired while
///   connecting. The kind decides retries: only timeouts, refused and dropped connections are
///   retried.
///
/// The returned future need not be `Send` (so single-threaded runtimes and clients work).
/// Whether [`Client`](crate::Client) futures and [`device_login`](crate::device_login) are
/// `Send` follows from the concrete implementation: with a `Send` future, as reqwest's, they
/// can be given to `tokio::spawn`.
///
/// The `reqwest` feature implements it for `reqwest::Client`.
pub trait HttpSend {
    /// Sends `request` and reads the response (body capped at [`CappedBody::LIMIT`] bytes).
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>>;
}

impl<T: HttpSend + ?Sized> HttpSend for &T {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> {
        (**self).send(request)
    }
}

/// The clock and the sleep of a runtime: everything a [`Client`](crate::Client) needs of time
/// (backoff between retries, the device login's polling).
///
/// Any `Fn(Instant) -> impl Future<Output = ()>` is a `Timer` that sleeps with the returned
/// future and reads the system clocks:
///
/// ```
/// # async fn f() {
/// use ssooidc_async::Timer;
/// let sleeper = |at: std::time::Instant| async move {
///     // e.g. tokio::time::sleep_until(at.into()).await, async_io::Timer::at(at).await, ...
///     let _ = at;
/// };
/// let now = sleeper.now();
/// sleeper.sleep_until(now).await;
/// # }
/// ```
///
/// A test can implement [`now`](Self::now) on a virtual clock that `sleep_until` advances, and
/// run a whole flow in no real time.
pub trait Timer {
    /// Completes at or after `at`. Completing early is harmless (the driver checks
    /// [`now`](Self::now) and sleeps again), only wasteful.
    fn sleep_until(&self, at: Instant) -> impl Future<Output = ()>;

    /// The monotonic clock the instants of [`sleep_until`](Self::sleep_until) are on. Default:
    /// [`Instant::now`].
    fn now(&self) -> Instant {
        Instant::now()
    }

    /// The wall clock, used only to stamp expiry times (token, registration, prompt). Default:
    /// [`OffsetDateTime::now_utc`].
    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

impl<F, Fut> Timer for F
where
    F: Fn(Instant) -> Fut,
    Fut: Future<Output = ()>,
{
    fn sleep_until(&self, at: Instant) -> impl Future<Output = ()> {
        self(at)
    }
}

/// Collects a response body chunk by chunk and says when to stop: at [`CappedBody::LIMIT`]
/// bytes, one more than the core's [`MAX_RESPONSE_BODY_BYTES`], so the core sees the body is
/// too large and rejects it ([`DecodeError::TooLarge`](ssooidc_core::wire::DecodeError)),
/// while the rest of the body is never read.
///
/// ```
/// use ssooidc_async::CappedBody;
/// let mut body = CappedBody::new();
/// let chunk = vec![b'x'; 100 * 1024];
/// let mut chunks_read = 0;
/// for _ in 0..100 {
///     chunks_read += 1;
///     if body.push(&chunk) {
///         break; // full: stop reading, drop the connection
///     }
/// }
/// assert_eq!(chunks_read, 3);
/// assert_eq!(body.into_vec().len(), CappedBody::LIMIT);
/// ```
///
/// Its `Debug` shows the length, never the bytes: a response body holds tokens.
#[derive(Clone, Default)]
pub struct CappedBody {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for CappedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CappedBody")
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

impl CappedBody {
    /// The most bytes kept: [`MAX_RESPONSE_BODY_BYTES`] + 1.
    pub const LIMIT: usize = MAX_RESPONSE_BODY_BYTES + 1;

    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty body with room for `content_length` bytes (never more than [`Self::LIMIT`]).
    pub fn with_size_hint(content_length: Option<u64>) -> Self {
        let capacity = content_length.map_or(0, |n| n.min(Self::LIMIT as u64) as usize);
        CappedBody {
            bytes: Vec::with_capacity(capacity),
        }
    }

    /// Appends as much of `chunk` as fits; `true` when the body is full and reading must stop.
    pub fn push(&mut self, chunk: &[u8]) -> bool {
        let room = Self::LIMIT.saturating_sub(self.bytes.len());
        self.bytes
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
        self.is_full()
    }

    /// Whether [`Self::LIMIT`] bytes were collected (the body is over the cap).
    pub fn is_full(&self) -> bool {
        self.bytes.len() >= Self::LIMIT
    }

    /// Bytes collected so far.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The collected bytes.
    pub fn into_vec(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_body_keeps_one_byte_over_the_cap() {
        let mut body = CappedBody::with_size_hint(Some(u64::MAX));
        assert!(!body.push(&vec![1; MAX_RESPONSE_BODY_BYTES]));
        assert!(!body.is_full());
        assert!(body.push(&[2, 3, 4]));
        assert!(body.push(&[5]));
        let bytes = body.into_vec();
        assert_eq!(bytes.len(), MAX_RESPONSE_BODY_BYTES + 1);
        assert_eq!(bytes.last(), Some(&2));
    }

    /// A response body holds tokens: `Debug` shows how long it is, never what it says.
    #[test]
    fn debug_shows_the_length_not_the_bytes() {
        let mut body = CappedBody::new();
        body.push(br#"{"accessToken":"access-token-in-a-body"}"#);
        let debug = format!("{body:?} {body:#?}");
        assert!(!debug.contains("access-token-in-a-body"), "{debug}");
        // Not as numbers either (the derived Debug of a Vec<u8>).
        assert!(!debug.contains("123, 34"), "{debug}");
        assert!(debug.contains("len: 40"), "the length: {debug}");
    }
}
