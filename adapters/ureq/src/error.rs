//! [`Error`]: what a call through the ureq client can fail with.

use std::time::Duration;

use ssooidc_core::wire::DecodeError;
use ssooidc_core::{ResponseError, ServiceError};

use crate::config::ConfigError;

/// What went wrong at the transport level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (refused, unreachable, DNS failure).
    Connect,
    /// The connection closed or reset before the whole response arrived.
    ConnectionClosed,
    /// TLS failed (certificate, handshake).
    Tls,
    /// The proxy refused or failed.
    Proxy,
    /// Anything else.
    Other,
}

/// An error from a [`Client`](crate::Client) call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error.
    #[error("{}", aws_cli_message(operation, source))]
    Service {
        /// The operation.
        operation: &'static str,
        /// The typed service error.
        source: ServiceError,
    },
    /// The service's answer could not be decoded.
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
    /// No complete answer within the timeout.
    #[error("{operation}: no response within {timeout:?}")]
    Timeout {
        /// The operation.
        operation: &'static str,
        /// The timeout that fired.
        timeout: Duration,
    },
    /// The request could not be delivered or the answer was cut off.
    #[error("{operation}: {kind:?} transport error: {message}")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// What kind of failure.
        kind: TransportErrorKind,
        /// The transport's description.
        message: String,
    },
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// The request could not be built.
    #[error("could not build the {operation} request: {message}")]
    Request {
        /// The operation.
        operation: &'static str,
        /// Why.
        message: String,
    },
}

/// A service error as the AWS CLI prints it:
/// `An error occurred (<ErrorName>) when calling the <Operation> operation: <error_description>`.
pub fn aws_cli_message(operation: &str, error: &ServiceError) -> String {
    match error.message() {
        Some(m) => format!(
            "An error occurred ({}) when calling the {operation} operation: {m}",
            error.name()
        ),
        None => format!(
            "An error occurred ({}) when calling the {operation} operation",
            error.name()
        ),
    }
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
