//! [`TransportError`]: a request that failed below HTTP, as every adapter reports it to the
//! machines and to its caller. The kind drives retry decisions; the message is the transport's
//! own description, kept for the person reading the error.

use std::fmt;

/// What kind of failure below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No answer in time (connect, read or whole-request timeout).
    Timeout,
    /// No connection could be made: DNS failure, connection refused, host unreachable.
    Connect,
    /// The connection closed or was reset before the whole response arrived.
    ConnectionClosed,
    /// TLS failed: certificate not trusted, handshake refused (often TLS interception by a
    /// proxy). Not transient.
    Tls,
    /// The proxy refused the connection or could not be reached.
    Proxy,
    /// The response body was larger than the cap
    /// ([`MAX_RESPONSE_BODY_BYTES`](crate::MAX_RESPONSE_BODY_BYTES)).
    BodyTooLarge,
    /// Anything else.
    Other,
}

impl TransportErrorKind {
    /// Whether a failure of this kind may go away by itself (timeouts, refused or dropped
    /// connections), so that a retry makes sense. TLS and proxy failures, an oversized body and
    /// unknown failures are not retried.
    pub fn is_transient(self) -> bool {
        matches!(self, Self::Timeout | Self::Connect | Self::ConnectionClosed)
    }

    /// A short description.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timed out",
            Self::Connect => "could not connect",
            Self::ConnectionClosed => "connection closed",
            Self::Tls => "TLS failure",
            Self::Proxy => "proxy failure",
            Self::BodyTooLarge => "response body too large",
            Self::Other => "transport error",
        }
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request failed below HTTP: no response, or a response cut off.
///
/// ```
/// use ssooidc_core::transport::{TransportError, TransportErrorKind};
/// let e = TransportError::new(TransportErrorKind::Tls, "invalid peer certificate: UnknownIssuer");
/// assert_eq!(e.to_string(), "TLS failure: invalid peer certificate: UnknownIssuer");
/// assert!(!e.kind().is_transient());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
}

impl TransportError {
    /// A failure of `kind`, described by `message` (which must not contain request data).
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
        }
    }

    /// The kind.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The transport's description.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<TransportErrorKind> for TransportError {
    fn from(kind: TransportErrorKind) -> Self {
        TransportError::new(kind, "")
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.kind, self.message)
        }
    }
}

impl std::error::Error for TransportError {}
