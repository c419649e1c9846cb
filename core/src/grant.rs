//! AWS's answers translated into the terms of the device-authorization grant (RFC 8628 §3.5).
//!
//! The [`device`](crate::device) machine reasons about *pending*, *slow down*, *denied*,
//! *expired*, *token* and *retryable failure*, not about `x-amzn-ErrorType` headers or JSON
//! shapes. This module is the only place where the AWS encoding (the [`ServiceError`] variants,
//! [`RetryKind`], [`ResponseError::Malformed`]) is mapped onto those terms. A standard RFC 8628
//! server (form-encoded, snake_case) would need another translator producing the same
//! [`PollOutcome`]s, not another machine.
//!
//! ```
//! use ssooidc_core::grant::{classify_poll, PollOutcome};
//! use ssooidc_core::operations::CreateToken;
//! use ssooidc_core::error::{encode_error, ErrorCode};
//! use ssooidc_core::{Operation, ServiceError};
//!
//! let pending = encode_error(&ServiceError::from_code(ErrorCode::AuthorizationPending, "wait"), true);
//! let outcome = classify_poll(CreateToken::parse_response(&pending));
//! assert!(matches!(outcome, PollOutcome::Pending));
//! ```

use crate::error::RetryKind;
use crate::operations::CreateTokenOutput;
use crate::wire::ResponseError;
use crate::ServiceError;

/// What one token poll of the device grant says, in grant terms.
///
/// `T` is the success payload, `E` the error of a terminal answer and `R` the failure of a
/// retryable one; for AWS they are [`CreateTokenOutput`], [`ServiceError`] and [`ResponseError`]
/// (see [`classify_poll`]). A dialect with other wire types reuses the same outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollOutcome<T = CreateTokenOutput, E = ServiceError, R = ResponseError> {
    /// The user approved: here is the token.
    Token(T),
    /// `authorization_pending`: the user has not approved yet; poll again after the interval.
    Pending,
    /// `slow_down`: add 5 s to the interval for this and every later poll, then poll again.
    SlowDown,
    /// `access_denied`: the user (or the service) refused. Terminal.
    Denied(E),
    /// `expired_token`: the device code expired. Terminal.
    Expired(E),
    /// A failure that may go away: a server fault (5xx), throttling, or a response that could
    /// not be decoded. Retry a bounded number of times with backoff.
    Retryable(R),
    /// Any other error (`invalid_grant`, `invalid_client`, `unauthorized_client`, ...). Terminal.
    Fatal(E),
}

/// What a setup call of the flow (registering the client, starting the authorization) says.
/// Type parameters as for [`PollOutcome`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallOutcome<T, E = ServiceError, R = ResponseError> {
    /// The call succeeded.
    Success(T),
    /// A failure worth retrying with backoff: 5xx, throttling, `slow_down`, a malformed body.
    Retryable(R),
    /// A failure that ends the flow.
    Fatal(E),
}

/// Translates a decoded `CreateToken` (device-code grant) response into grant terms.
///
/// | AWS says | outcome |
/// |---|---|
/// | 200 with a token | [`PollOutcome::Token`] |
/// | `AuthorizationPendingException` | [`PollOutcome::Pending`] |
/// | `SlowDownException` | [`PollOutcome::SlowDown`] |
/// | `AccessDeniedException` | [`PollOutcome::Denied`] |
/// | `ExpiredTokenException` | [`PollOutcome::Expired`] |
/// | `InternalServerException`, an unknown 5xx, throttling ([`RetryKind::Transient`], [`RetryKind::Throttling`]) | [`PollOutcome::Retryable`] |
/// | a malformed response ([`ResponseError::Malformed`]) | [`PollOutcome::Retryable`] |
/// | anything else (`invalid_*`, `unauthorized_client`, `unsupported_grant_type`, unknown 4xx) | [`PollOutcome::Fatal`] |
pub fn classify_poll(result: Result<CreateTokenOutput, ResponseError>) -> PollOutcome {
    let error = match result {
        Ok(token) => return PollOutcome::Token(token),
        Err(ResponseError::Service(error)) => error,
        Err(malformed @ ResponseError::Malformed { .. }) => {
            return PollOutcome::Retryable(malformed)
        }
    };
    match error {
        ServiceError::AuthorizationPending { .. } => PollOutcome::Pending,
        ServiceError::SlowDown { .. } => PollOutcome::SlowDown,
        ServiceError::AccessDenied { .. } => PollOutcome::Denied(error),
        ServiceError::ExpiredToken { .. } => PollOutcome::Expired(error),
        other => match other.retry_kind() {
            RetryKind::Transient | RetryKind::Throttling => {
                PollOutcome::Retryable(ResponseError::Service(other))
            }
            _ => PollOutcome::Fatal(other),
        },
    }
}

/// Translates the decoded response of a setup call (`RegisterClient`,
/// `StartDeviceAuthorization`): server faults, throttling, `SlowDownException` (spec 3.3: back
/// off and retry a few times) and malformed bodies are retryable; every other error is fatal.
pub fn classify_call<T>(result: Result<T, ResponseError>) -> CallOutcome<T> {
    match result {
        Ok(output) => CallOutcome::Success(output),
        Err(malformed @ ResponseError::Malformed { .. }) => CallOutcome::Retryable(malformed),
        Err(ResponseError::Service(error)) => match error.retry_kind() {
            RetryKind::Transient | RetryKind::Throttling | RetryKind::SlowDown => {
                CallOutcome::Retryable(ResponseError::Service(error))
            }
            _ => CallOutcome::Fatal(error),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorCode, ErrorMeta};
    use crate::wire::DecodeError;

    fn service(code: ErrorCode) -> Result<CreateTokenOutput, ResponseError> {
        Err(ResponseError::Service(ServiceError::from_code(code, "x")))
    }

    #[test]
    fn every_modelled_error_has_a_grant_meaning() {
        for code in ErrorCode::ALL {
            let outcome = classify_poll(service(code));
            let expected = match code {
                ErrorCode::AuthorizationPending => "pending",
                ErrorCode::SlowDown => "slow_down",
                ErrorCode::AccessDenied => "denied",
                ErrorCode::ExpiredToken => "expired",
                ErrorCode::InternalServer => "retryable",
                _ => "fatal",
            };
            let got = match outcome {
                PollOutcome::Token(_) => "token",
                PollOutcome::Pending => "pending",
                PollOutcome::SlowDown => "slow_down",
                PollOutcome::Denied(_) => "denied",
                PollOutcome::Expired(_) => "expired",
                PollOutcome::Retryable(_) => "retryable",
                PollOutcome::Fatal(_) => "fatal",
            };
            assert_eq!(got, expected, "{code}");
        }
    }

    #[test]
    fn unknown_errors_follow_their_retry_kind() {
        let unknown = |status, code: &str| {
            Err(ResponseError::Service(ServiceError::Unknown {
                meta: ErrorMeta {
                    status,
                    ..ErrorMeta::default()
                },
                code: code.to_owned(),
                message: None,
            }))
        };
        assert!(matches!(
            classify_poll(unknown(503, "503")),
            PollOutcome::Retryable(_)
        ));
        assert!(matches!(
            classify_poll(unknown(429, "429")),
            PollOutcome::Retryable(_)
        ));
        assert!(matches!(
            classify_poll(unknown(400, "ThrottlingException")),
            PollOutcome::Retryable(_)
        ));
        assert!(matches!(
            classify_poll(unknown(418, "Teapot")),
            PollOutcome::Fatal(_)
        ));
    }

    #[test]
    fn malformed_is_retryable() {
        let malformed = ResponseError::Malformed {
            operation: "CreateToken",
            status: 200,
            request_id: None,
            kind: DecodeError::Empty,
        };
        assert!(matches!(
            classify_poll(Err(malformed.clone())),
            PollOutcome::Retryable(_)
        ));
        assert!(matches!(
            classify_call::<()>(Err(malformed)),
            CallOutcome::Retryable(_)
        ));
    }

    #[test]
    fn setup_calls_retry_slow_down_but_not_client_errors() {
        let call = |code| classify_call::<()>(Err(ServiceError::from_code(code, "x").into()));
        assert!(matches!(
            call(ErrorCode::SlowDown),
            CallOutcome::Retryable(_)
        ));
        assert!(matches!(
            call(ErrorCode::InternalServer),
            CallOutcome::Retryable(_)
        ));
        assert!(matches!(
            call(ErrorCode::InvalidClient),
            CallOutcome::Fatal(_)
        ));
        assert!(matches!(
            call(ErrorCode::AuthorizationPending),
            CallOutcome::Fatal(_)
        ));
        assert!(matches!(
            classify_call::<u8>(Ok(7)),
            CallOutcome::Success(7)
        ));
    }
}
