//! The `reqwest` feature: [`HttpSend`] for [`reqwest::Client`], with the body streamed by
//! [`chunk`](reqwest::Response::chunk) and capped while it is read.

use std::time::Duration;

use crate::transport::{CappedBody, HttpSend, TransportError, TransportErrorKind};

/// The whole-request and connect timeout of [`reqwest_client_builder`]: 60 s, as the ureq
/// adapter.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A `reqwest` client builder set up as this crate recommends: no redirects (the service never
/// redirects; following one could carry a secret elsewhere), a [`DEFAULT_TIMEOUT`] whole-request
/// and connect timeout. Adjust it (TLS, proxy, timeouts) and `build()` it.
///
/// reqwest is a dependency with `default-features = false`: enable its TLS feature you want
/// (`rustls-tls`, `native-tls`, ...) in your own `Cargo.toml` to reach `https://` endpoints.
pub fn reqwest_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(DEFAULT_TIMEOUT)
        .connect_timeout(DEFAULT_TIMEOUT)
}

/// Sends with reqwest and reads the body chunk by chunk, stopping (and dropping the
/// connection) as soon as it is longer than the core's cap. Errors keep reqwest's message and
/// chain of causes: a timeout is [`Timeout`](crate::TransportErrorKind::Timeout), a failed
/// connection [`Connect`](crate::TransportErrorKind::Connect) (or
/// [`Tls`](crate::TransportErrorKind::Tls) when the cause is a certificate or handshake),
/// a body cut off [`ConnectionClosed`](crate::TransportErrorKind::ConnectionClosed), anything
/// else [`Other`](crate::TransportErrorKind::Other).
///
/// The client's redirect policy and timeouts apply; [`reqwest_client_builder`] sets them up.
impl HttpSend for reqwest::Client {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let request = reqwest::Request::try_from(request).map_err(classify)?;
        let mut response = self.execute(request).await.map_err(classify)?;
        let mut body = CappedBody::with_size_hint(response.content_length());
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.push(&chunk) {
                // Over the cap: stop reading; dropping `response` closes the connection.
                break;
            }
        }
        let mut out = http::Response::new(body.into_vec());
        *out.status_mut() = response.status();
        *out.version_mut() = response.version();
        *out.headers_mut() = std::mem::take(response.headers_mut());
        Ok(out)
    }
}

fn classify(e: reqwest::Error) -> TransportError {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    let lower = message.to_ascii_lowercase();
    let kind = if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        TransportErrorKind::Tls
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_body() || e.is_decode() || lower.contains("connection closed") {
        TransportErrorKind::ConnectionClosed
    } else {
        TransportErrorKind::Other
    };
    TransportError::new(kind, message)
}
