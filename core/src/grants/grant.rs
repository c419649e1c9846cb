//! AWS's answers translated into the terms of the device-authorization grant (RFC 8628 §3.5).
//!
//! The [`device`](crate::device) machine reasons about *pending*, *slow down*, *denied*,
//! *expired*, *token* and *retryable failure*, not about `x-amzn-ErrorType` headers or JSON
//! shapes. This module is the only place where the AWS encoding (the [`ServiceError`] variants,
//! [`RetryKind`], [`CallError::Malformed`]) is mapped onto those terms. A standard RFC 8628
//! server (form-encoded, snake_case) would need another translator producing the same
//! [`PollOutcome`]s, not another machine.
//!
//! ```
//! use ssooidc_core::grant::{classify_poll, PollOutcome};
//! use ssooidc_core::operations::CreateToken;
//! use ssooidc_core::error::{encode_error, ErrorCode};
//! use ssooidc_core::{CallError, Operation, ServiceError};
//!
//! let pending = encode_error(&ServiceError::from_code(ErrorCode::AuthorizationPending, "wait"), true);
//! let result = CreateToken::parse_response(&pending).map_err(|e| CallError::from_response("CreateToken", e));
//! assert!(matches!(classify_poll(result), PollOutcome::Pending));
//! ```

use crate::call::CallError;
use crate::error::RetryKind;
use crate::operations::CreateTokenOutput;
use crate::retry::{classify, FailureClass};
use crate::ServiceError;

/// What one token poll of the device grant says, in grant terms.
///
/// `T` is the success payload, `E` the error of a denial or expiry and `F` the failure of a
/// call; for AWS they are [`CreateTokenOutput`], [`ServiceError`] and [`CallError`] (see
/// [`classify_poll`]). A dialect with other wire types reuses the same outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollOutcome<T = CreateTokenOutput, E = ServiceError, F = CallError> {
    /// The user approved: here is the token.
    Token(T),
    /// `authorization_pending`: the user has not approved yet; poll again after the interval.
    Pending,
    /// `slow_down`: add 5 s to the interval for this and every later poll, then poll again.
    SlowDown {
        /// A new interval in seconds that the answer carried, when it did (some providers say
        /// how long to wait): the interval becomes at least that. Always `None` from AWS.
        interval: Option<u64>,
    },
    /// `access_denied`: the user (or the service) refused. Terminal.
    Denied(E),
    /// `expired_token`: the device code expired. Terminal.
    Expired(E),
    /// A failure that may go away: a server fault (5xx), throttling, a transient transport
    /// failure, or a response that could not be decoded. Retry a bounded number of times with
    /// backoff.
    Retryable(F),
    /// Any other failure (`invalid_grant`, `invalid_client`, `unauthorized_client`, a TLS
    /// failure...). Terminal.
    Fatal(F),
}

/// What a setup call of the flow (registering the client, starting the authorization) says.
/// Type parameters as for [`PollOutcome`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallOutcome<T, F = CallError> {
    /// The call succeeded.
    Success(T),
    /// A failure worth retrying with backoff: 5xx, throttling, `slow_down`, a transient
    /// transport failure, a malformed body.
    Retryable(F),
    /// A failure that ends the flow.
    Fatal(F),
}

/// Whether a failed call of the flow is worth retrying: what the retry policy of every client
/// retries ([`classify`]), plus a malformed body (the grant's own choice: a half-broken
/// answer while polling is worth another poll).
fn retryable(error: &CallError) -> bool {
    classify(error) != FailureClass::Permanent || matches!(error, CallError::Malformed { .. })
}

/// Translates the result of a `CreateToken` (device-code grant) poll into grant terms.
///
/// | AWS says | outcome |
/// |---|---|
/// | 200 with a token | [`PollOutcome::Token`] |
/// | `AuthorizationPendingException` | [`PollOutcome::Pending`] |
/// | `SlowDownException` | [`PollOutcome::SlowDown`] |
/// | `AccessDeniedException` | [`PollOutcome::Denied`] |
/// | `ExpiredTokenException` | [`PollOutcome::Expired`] |
/// | what [`classify`] calls transient or throttling (`InternalServerException`, an unknown 5xx, throttling codes, timeouts, refused or dropped connections), a malformed response | [`PollOutcome::Retryable`] |
/// | anything else (`invalid_*`, `unauthorized_client`, `unsupported_grant_type`, unknown 4xx, TLS and proxy failures) | [`PollOutcome::Fatal`] |
/// The table holds for any dialect whose errors decode to [`ServiceError`] (the standard
/// OAuth 2.0 one does: [`crate::oauth`]); `T` is its success payload.
pub fn classify_poll<T>(result: Result<T, CallError>) -> PollOutcome<T> {
    let error = match result {
        Ok(token) => return PollOutcome::Token(token),
        Err(error) => error,
    };
    match error.service_error() {
        Some(ServiceError::AuthorizationPending { .. }) => PollOutcome::Pending,
        Some(ServiceError::SlowDown { .. }) => PollOutcome::SlowDown { interval: None },
        Some(denied @ ServiceError::AccessDenied { .. }) => PollOutcome::Denied(denied.clone()),
        Some(expired @ ServiceError::ExpiredToken { .. }) => PollOutcome::Expired(expired.clone()),
        _ if retryable(&error) => PollOutcome::Retryable(error),
        _ => PollOutcome::Fatal(error),
    }
}

/// Translates the result of a setup call (`RegisterClient`, `StartDeviceAuthorization`):
/// what [`classify`] retries, `SlowDownException` (back off and retry a few times) and
/// malformed bodies are retryable; every other failure is fatal.
pub fn classify_call<T>(result: Result<T, CallError>) -> CallOutcome<T> {
    match result {
        Ok(output) => CallOutcome::Success(output),
        Err(error)
            if retryable(&error)
                || error
                    .service_error()
                    .is_some_and(|e| e.retry_kind() == RetryKind::SlowDown) =>
        {
            CallOutcome::Retryable(error)
        }
        Err(error) => CallOutcome::Fatal(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorCode, ErrorMeta};
    use crate::transport::{TransportError, TransportErrorKind};
    use crate::wire::DecodeError;

    fn service_error(error: ServiceError) -> CallError {
        CallError::Service {
            operation: "CreateToken",
            error,
            max_retries_reached: None,
        }
    }

    fn service(code: ErrorCode) -> Result<(), CallError> {
        Err(service_error(ServiceError::from_code(code, "x")))
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
                ErrorCode::InternalServer | ErrorCode::TooManyRequests => "retryable",
                _ => "fatal",
            };
            let got = match outcome {
                PollOutcome::Token(_) => "token",
                PollOutcome::Pending => "pending",
                PollOutcome::SlowDown { interval: None } => "slow_down",
                PollOutcome::SlowDown { .. } => "slow_down with an interval",
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
        let unknown = |status, code: &str| -> Result<(), CallError> {
            Err(service_error(ServiceError::Unknown {
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
        let malformed = CallError::Malformed {
            operation: "CreateToken",
            status: 200,
            request_id: None,
            kind: DecodeError::Empty,
        };
        assert!(matches!(
            classify_poll::<()>(Err(malformed.clone())),
            PollOutcome::Retryable(_)
        ));
        assert!(matches!(
            classify_call::<()>(Err(malformed)),
            CallOutcome::Retryable(_)
        ));
    }

    #[test]
    fn setup_calls_retry_slow_down_but_not_client_errors() {
        let call =
            |code| classify_call::<()>(Err(service_error(ServiceError::from_code(code, "x"))));
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

    #[test]
    fn transport_failures_follow_the_shared_classification() {
        fn failure(kind: TransportErrorKind) -> Result<(), CallError> {
            Err(CallError::transport(
                "CreateToken",
                TransportError::new(kind, "x"),
            ))
        }
        assert!(matches!(
            classify_poll(failure(TransportErrorKind::Timeout)),
            PollOutcome::Retryable(_)
        ));
        assert!(matches!(
            classify_poll(failure(TransportErrorKind::ConnectionClosed)),
            PollOutcome::Retryable(_)
        ));
        assert!(matches!(
            classify_poll(failure(TransportErrorKind::Tls)),
            PollOutcome::Fatal(_)
        ));
        assert!(matches!(
            classify_call(failure(TransportErrorKind::Proxy)),
            CallOutcome::Fatal(_)
        ));
    }
}
