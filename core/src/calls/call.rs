//! [`CallError`]: why a call to the service failed. One type for every adapter and every
//! machine, so that code matching on it does not change with the transport.

use std::sync::Arc;

use crate::error::ServiceError;
use crate::transport::{TransportError, TransportErrorKind};
use crate::wire::{DecodeError, RequestError, ResponseError};

/// Why a call failed: the service said no, its answer could not be read, the request never got
/// an answer, or it could not be built. Every variant names the operation.
///
/// `Display` of a service error is the AWS CLI's line
/// (`An error occurred (InvalidClientException) when calling the CreateToken operation: ...`,
/// with ` (reached max retries: N)` when retries ran out, as botocore adds it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The service answered with an error.
    #[error("{}", error.cli_message_after_retries(operation, *max_retries_reached))]
    Service {
        /// The operation.
        operation: &'static str,
        /// The typed service error.
        error: ServiceError,
        /// When the call was retried until the attempt limit, the number of retries.
        max_retries_reached: Option<u32>,
    },
    /// The answer could not be decoded (not JSON, the wrong shape, empty, too large...).
    #[error("malformed {operation} response (HTTP {status}): {kind}")]
    Malformed {
        /// The operation.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// `x-amzn-RequestId`, when present.
        request_id: Option<String>,
        /// What is wrong.
        kind: DecodeError,
    },
    /// No complete answer: a timeout, a refused or dropped connection, TLS, a proxy.
    #[error("{operation}: {error}{}", retries_note(*retries))]
    Transport {
        /// The operation.
        operation: &'static str,
        /// The kind and the transport's description.
        error: TransportError,
        /// How many times the call was retried before this last failure.
        retries: u32,
    },
    /// The request could not be built or signed (nothing was sent).
    #[error("could not build the {operation} request: {error}")]
    Request {
        /// The operation.
        operation: &'static str,
        /// Why.
        error: RequestError,
    },
    /// The operation is signed and no credentials could be had for it (none configured, or a
    /// `credential_process` failed). Nothing was sent.
    #[error("{operation}: {error}")]
    Credentials {
        /// The operation.
        operation: &'static str,
        /// Why.
        error: CredentialsError,
    },
}

/// Why a signed call had no credentials to sign with: what the source of the credentials
/// reported (a configuration error of the settings resolver, a `credential_process` that
/// failed...), or [`CredentialsError::missing`] when none were given. The source's own error is
/// kept: [`downcast_ref`](CredentialsError::downcast_ref) gives it back typed (the `ssooidc`
/// command takes a `ConfigError` from it, for the AWS CLI's exit code). Two are equal when
/// their messages are.
#[derive(Debug, Clone, thiserror::Error)]
#[error(transparent)]
pub struct CredentialsError(Arc<dyn std::error::Error + Send + Sync>);

/// No credentials were given to a client that makes signed calls.
#[derive(Debug, thiserror::Error)]
#[error("no credentials to sign with: none were given to this client")]
struct Missing;

impl CredentialsError {
    /// The error of a source of credentials.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        CredentialsError(Arc::new(error))
    }

    /// None were given.
    pub fn missing() -> Self {
        CredentialsError::new(Missing)
    }

    /// The source's error, if it is an `E`.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        let error: &(dyn std::error::Error + 'static) = &*self.0;
        error.downcast_ref()
    }
}

impl PartialEq for CredentialsError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

impl Eq for CredentialsError {}

fn retries_note(retries: u32) -> String {
    match retries {
        0 => String::new(),
        1 => " (after 1 retry)".to_owned(),
        n => format!(" (after {n} retries)"),
    }
}

impl CallError {
    /// A decoding failure of `operation`'s response as a call error.
    pub fn from_response(operation: &'static str, error: ResponseError) -> Self {
        match error {
            ResponseError::Service(error) => CallError::Service {
                operation,
                error,
                max_retries_reached: None,
            },
            ResponseError::Malformed {
                status,
                request_id,
                kind,
                ..
            } => CallError::Malformed {
                operation,
                status,
                request_id,
                kind,
            },
        }
    }

    /// A transport failure of `operation` (not retried).
    pub fn transport(operation: &'static str, error: TransportError) -> Self {
        CallError::Transport {
            operation,
            error,
            retries: 0,
        }
    }

    /// Notes on a final error that the call was retried `retries` times; `attempt_limit`: the
    /// retries stopped because the attempts ran out (which a service error's message says,
    /// as botocore's does).
    pub fn after_retries(self, retries: u32, attempt_limit: bool) -> Self {
        match self {
            CallError::Service {
                operation, error, ..
            } => CallError::Service {
                operation,
                error,
                max_retries_reached: (attempt_limit && retries > 0).then_some(retries),
            },
            CallError::Transport {
                operation, error, ..
            } => CallError::Transport {
                operation,
                error,
                retries,
            },
            other => other,
        }
    }

    /// The operation that failed.
    pub fn operation(&self) -> &'static str {
        match self {
            CallError::Service { operation, .. }
            | CallError::Malformed { operation, .. }
            | CallError::Transport { operation, .. }
            | CallError::Request { operation, .. }
            | CallError::Credentials { operation, .. } => operation,
        }
    }

    /// The service error, when the service answered with one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            CallError::Service { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The transport failure, when there was no complete answer.
    pub fn transport_error(&self) -> Option<&TransportError> {
        match self {
            CallError::Transport { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Whether the call timed out.
    pub fn is_timeout(&self) -> bool {
        self.transport_error()
            .is_some_and(|e| e.kind() == TransportErrorKind::Timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn service_errors_read_as_the_aws_cli_prints_them() {
        let error = ServiceError::from_code(ErrorCode::InternalServer, "boom");
        let e = CallError::Service {
            operation: "CreateToken",
            error: error.clone(),
            max_retries_reached: None,
        };
        assert_eq!(
            e.to_string(),
            "An error occurred (InternalServerException) when calling the CreateToken operation: boom"
        );
        let e = CallError::Service {
            operation: "CreateToken",
            error,
            max_retries_reached: Some(2),
        };
        assert_eq!(
            e.to_string(),
            "An error occurred (InternalServerException) when calling the CreateToken operation (reached max retries: 2): boom"
        );
    }

    #[test]
    fn transport_errors_keep_kind_and_message() {
        let e = CallError::Transport {
            operation: "RegisterClient",
            error: TransportError::new(TransportErrorKind::Connect, "Connection refused"),
            retries: 2,
        };
        assert_eq!(
            e.to_string(),
            "RegisterClient: could not connect: Connection refused (after 2 retries)"
        );
        assert_eq!(e.operation(), "RegisterClient");
        assert!(!e.is_timeout());
    }
}
