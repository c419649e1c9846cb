//! [`Error`]: what a call through the async [`Client`](crate::Client) can fail with. The same
//! shape as the ureq adapter's error: the service's typed error, a malformed answer, a timeout,
//! or a transport failure.

use ssooidc_core::wire::DecodeError;
use ssooidc_core::{ResponseError, ServiceError};

use crate::transport::{TransportError, TransportErrorKind};

/// An error from a [`Client`](crate::Client) call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error (one of the 14 modelled errors, or `Unknown` for
    /// anything else, such as a bare 503).
    #[error("An error occurred ({}) when calling the {operation} operation{}", .source.name(), .source.message().map(|m| format!(": {m}")).unwrap_or_default())]
    Service {
        /// The operation.
        operation: &'static str,
        /// The typed service error.
        source: ServiceError,
    },
    /// The service's answer could not be decoded (including a body over the size cap).
    #[error("malformed {operation} response (HTTP {status}): {kind}")]
    Malformed {
        /// The operation.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// `x-amzn-RequestId`.
        request_id: Option<String>,
        /// What is wrong.
        kind: DecodeError,
    },
    /// No complete answer in time (the HTTP client's timeout fired).
    #[error("{operation}: timed out: {message}")]
    Timeout {
        /// The operation.
        operation: &'static str,
        /// The transport's description.
        message: String,
    },
    /// The request could not be delivered or the answer was cut off.
    #[error("{operation}: {kind}: {message}")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// [`TransportErrorKind::Connect`] or [`TransportErrorKind::Other`] (timeouts are
        /// [`Error::Timeout`]).
        kind: TransportErrorKind,
        /// The transport's description.
        message: String,
    },
    /// The request could not be built.
    #[error("could not build the {operation} request: {message}")]
    Request {
        /// The operation.
        operation: &'static str,
        /// Why.
        message: String,
    },
}

impl Error {
    /// The service error, when this is one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Error::Service { source, .. } => Some(source),
            _ => None,
        }
    }

    /// Whether this is a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// The operation that failed.
    pub fn operation(&self) -> &'static str {
        match self {
            Error::Service { operation, .. }
            | Error::Malformed { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::Transport { operation, .. }
            | Error::Request { operation, .. } => operation,
        }
    }

    pub(crate) fn from_transport(operation: &'static str, e: TransportError) -> Self {
        match e.kind() {
            TransportErrorKind::Timeout => Error::Timeout {
                operation,
                message: e.message().to_owned(),
            },
            kind => Error::Transport {
                operation,
                kind,
                message: e.message().to_owned(),
            },
        }
    }

    pub(crate) fn from_response(operation: &'static str, e: ResponseError) -> Self {
        match e {
            ResponseError::Service(source) => Error::Service { operation, source },
            ResponseError::Malformed {
                status,
                request_id,
                kind,
                ..
            } => Error::Malformed {
                operation,
                status,
                request_id,
                kind,
            },
            // ResponseError is non_exhaustive; keep whatever a newer core says.
            other => Error::Request {
                operation,
                message: other.to_string(),
            },
        }
    }
}
