//! What the flow gives back: [`Output`], [`Event`], [`Prompt`], [`Token`], and its errors.

use std::fmt;
use std::time::Instant;

use time::OffsetDateTime;

use super::Registration;
use crate::wire::{RequestError, ResponseError};
use crate::{Secret, ServiceError};

/// What the caller should do next; see [`DeviceFlow::poll_output`](super::DeviceFlow::poll_output).
///
/// Deliberately exhaustive: a driver must handle every kind of output, so a new kind would be a
/// breaking change anyway.
pub enum Output {
    /// Send this request, then feed the response to
    /// [`handle_response`](super::DeviceFlow::handle_response) or the failure to
    /// [`handle_transport_error`](super::DeviceFlow::handle_transport_error).
    Transmit(http::Request<Vec<u8>>),
    /// Nothing to send before this instant: sleep until then and call
    /// [`handle_timeout`](super::DeviceFlow::handle_timeout). Waking early is harmless.
    Timeout(Instant),
    /// Something to act on (show the code, cache the registration); then poll again.
    Event(Event),
    /// The flow is over. Returned again on every later poll.
    Done(Result<Token, DeviceFlowError>),
}

impl fmt::Debug for Output {
    /// Requests are shown without their body, which holds the client secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Output::Transmit(request) => f
                .debug_struct("Transmit")
                .field("method", request.method())
                .field("uri", request.uri())
                .field("body_len", &request.body().len())
                .finish(),
            Output::Timeout(at) => f.debug_tuple("Timeout").field(at).finish(),
            Output::Event(event) => f.debug_tuple("Event").field(event).finish(),
            Output::Done(result) => f.debug_tuple("Done").field(result).finish(),
        }
    }
}

/// Something the caller should know about while the flow goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A new client registration was obtained (not emitted when a cached one is reused). Cache
    /// it (spec 6.4) so the next login can skip `RegisterClient`.
    Registered(Registration),
    /// Show this to the user: the device code is waiting for approval. Emitted once, after the
    /// first (immediate) token poll did not already succeed or fail.
    Prompt(Prompt),
}

/// What the user has to see to approve the login (RFC 8628 §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Prompt {
    /// The code to type in, or to compare with the page. Always show it (RFC 8628 §5.4).
    pub user_code: String,
    /// The page where the code is entered. Opaque.
    pub verification_uri: String,
    /// The page with the code already filled in (open it in a browser), when the server sent one.
    pub verification_uri_complete: Option<String>,
    /// When the flow gives up: `start + expiresIn` protocol seconds, on the caller's clock.
    pub expires_at: Instant,
    /// The same moment on the wall clock (real seconds after the wall time of the
    /// `StartDeviceAuthorization` response), in UTC.
    pub expires_at_wall: OffsetDateTime,
}

/// The result of a successful flow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Token {
    /// `accessToken` (redacted in `Debug`).
    pub access_token: Secret,
    /// `tokenType`, normally `Bearer`.
    pub token_type: Option<String>,
    /// When the access token expires: the wall time of the response plus `expiresIn` real
    /// seconds, in UTC (a missing or negative `expiresIn` counts as 0).
    pub expires_at: OffsetDateTime,
    /// `refreshToken`, when the service issued one.
    pub refresh_token: Option<Secret>,
    /// The registration the token was obtained with (needed to refresh it).
    pub registration: Registration,
}

/// How a request failed below HTTP: what an adapter reports to
/// [`handle_transport_error`](super::DeviceFlow::handle_transport_error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No answer in time (connect, read or whole-request timeout).
    Timeout,
    /// The connection could not be made (DNS, refused, TLS handshake).
    Connect,
    /// Anything else (reset, truncated response, body over the size cap, ...).
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out",
            Self::Connect => "could not connect",
            Self::Other => "transport error",
        })
    }
}

/// One failed attempt of a retryable call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The service answered, with a retryable error or a malformed body.
    #[error(transparent)]
    Response(ResponseError),
    /// The request failed below HTTP.
    #[error("{0}")]
    Transport(TransportErrorKind),
}

/// Why a device flow ended without a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceFlowError {
    /// The user (or the service) denied the authorization: `AccessDeniedException`.
    #[error("the authorization was denied: {0}")]
    Denied(ServiceError),
    /// The service said the device code expired: `ExpiredTokenException`.
    #[error("the authorization expired before it was approved: {0}")]
    Expired(ServiceError),
    /// The flow's own deadline (`start + expiresIn`) passed without a token.
    #[error("the authorization expired before it was approved (no answer before the deadline)")]
    DeadlineReached,
    /// A call failed with an error that ends the flow (`invalid_client`, `invalid_grant`,
    /// `unauthorized_client`, `unsupported_grant_type`, an unknown 4xx, ...).
    #[error("{operation} failed: {error}")]
    Service {
        /// The operation (`RegisterClient`, `StartDeviceAuthorization`, `CreateToken`).
        operation: &'static str,
        /// The service's error.
        error: ServiceError,
    },
    /// Retryable failures went on longer than [`max_retries`](super::DeviceFlowConfig::max_retries).
    #[error("{operation} failed {attempts} times in a row; last: {last}")]
    RetriesExhausted {
        /// The operation.
        operation: &'static str,
        /// Failed attempts in a row.
        attempts: u32,
        /// The last failure.
        last: Failure,
    },
    /// A request could not be built (for example, a start URL that is not a valid string).
    #[error(transparent)]
    Request(RequestError),
}

impl DeviceFlowError {
    /// Whether the device code ran out: [`Expired`](Self::Expired) or
    /// [`DeadlineReached`](Self::DeadlineReached).
    pub fn is_expired(&self) -> bool {
        matches!(self, Self::Expired(_) | Self::DeadlineReached)
    }

    /// The operation that failed, when one did.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Self::Denied(_) | Self::Expired(_) => Some("CreateToken"),
            Self::Service { operation, .. } | Self::RetriesExhausted { operation, .. } => {
                Some(operation)
            }
            Self::DeadlineReached | Self::Request(_) => None,
        }
    }

    /// The service error behind it, if there is one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Self::Denied(e) | Self::Expired(e) | Self::Service { error: e, .. } => Some(e),
            Self::RetriesExhausted {
                last: Failure::Response(r),
                ..
            } => r.service_error(),
            _ => None,
        }
    }
}

/// The caller broke the protocol of the machine. The machine's state is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum MisuseError {
    /// A response or transport error was fed while no request was outstanding.
    #[error("no request is outstanding")]
    NoRequestOutstanding,
    /// `poll_output` was called while a request is outstanding: feed its response or transport
    /// error first.
    #[error("a request is outstanding: feed its response or transport error first")]
    RequestOutstanding,
    /// An input was fed after the flow finished.
    #[error("the flow has finished")]
    Finished,
}

/// Why a driver of the machine (such as the adapters' `device_login`) ended without a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The flow ended: denied, expired, a service error, or retries exhausted.
    #[error(transparent)]
    Flow(#[from] DeviceFlowError),
    /// The driver was cancelled (its cancel token, or Ctrl-C).
    #[error("login cancelled")]
    Cancelled,
    /// The driver misused the machine (a bug; reported rather than panicking).
    #[error("internal error: {0}")]
    Misuse(#[from] MisuseError),
}
