//! What the flow gives back: [`Output`], [`Event`], [`Prompt`], [`Token`], and its errors.

use std::time::Instant;

use time::OffsetDateTime;

use super::Registration;
use crate::call::CallError;
use crate::{Secret, ServiceError};

/// What the caller of an AWS flow should do next; see
/// [`DeviceFlow::poll_output`](super::DeviceFlow::poll_output). The shared
/// [`machine::Output`](crate::machine::Output) of every machine; a flow of another dialect `D`
/// returns `machine::Output<Event<D::Client>, Result<D::Token, DeviceFlowError>>`.
pub type Output = crate::machine::Output<Event, Result<Token, DeviceFlowError>>;

pub use crate::machine::MisuseError;

/// Something the caller should know about while the flow goes on. `C` is the dialect's client
/// ([`Registration`] for AWS).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<C = Registration> {
    /// A new client registration was obtained (not emitted when a cached one is reused, nor by
    /// a dialect with a pre-registered client). Cache it (spec 6.4) so the next login can skip
    /// `RegisterClient`.
    Registered(C),
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
    /// A call failed for good: an error that ends the flow (`invalid_client`, `invalid_grant`,
    /// `unauthorized_client`, an unknown 4xx, a TLS failure...), retryable failures that went
    /// on longer than [`max_retries`](super::DeviceFlowConfig::max_retries) (the error says
    /// how many retries), or a request that could not be built.
    #[error(transparent)]
    Call(CallError),
}

impl DeviceFlowError {
    /// Whether the device code ran out: [`Expired`](Self::Expired) or
    /// [`DeadlineReached`](Self::DeadlineReached).
    pub fn is_expired(&self) -> bool {
        matches!(self, Self::Expired(_) | Self::DeadlineReached)
    }

    /// The operation that failed, when one did. A denial or an expiry is the answer to a poll:
    /// reported as AWS's `CreateToken` (a standard-dialect flow's polls are its `Token`
    /// requests, [`crate::oauth::TOKEN`]: the variants carry the service error only).
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Self::Denied(_) | Self::Expired(_) => Some("CreateToken"),
            Self::Call(e) => Some(e.operation()),
            Self::DeadlineReached => None,
        }
    }

    /// The service error behind it, if there is one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Self::Denied(e) | Self::Expired(e) => Some(e),
            Self::Call(e) => e.service_error(),
            Self::DeadlineReached => None,
        }
    }

    /// The transport failure behind it, if there is one.
    pub fn transport_error(&self) -> Option<&crate::transport::TransportError> {
        match self {
            Self::Call(e) => e.transport_error(),
            _ => None,
        }
    }
}

/// Why a driver of the machine (such as the adapters' `device_login`) ended without a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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

impl From<crate::machine::DriveError> for LoginError {
    fn from(e: crate::machine::DriveError) -> Self {
        use crate::machine::DriveError;
        match e {
            DriveError::Cancelled => LoginError::Cancelled,
            DriveError::Misuse(e) => LoginError::Misuse(e),
            DriveError::Call(e) => LoginError::Flow(DeviceFlowError::Call(e)),
        }
    }
}

/// How a driver runs a device login: the machine's policy knobs, a way to cancel, and the seed
/// of the retry jitter. The same for every adapter.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LoginOptions {
    /// The machine's policy knobs (retries, interval floor, the `second` testing knob).
    pub flow: super::DeviceFlowConfig,
    /// Cancels the login from anywhere.
    pub cancel: crate::CancelToken,
    /// Seed of the retry jitter; `None`: the driver draws one.
    pub seed: Option<u64>,
}

impl LoginOptions {
    /// Sets [`flow`](Self::flow).
    pub fn flow(mut self, flow: super::DeviceFlowConfig) -> Self {
        self.flow = flow;
        self
    }

    /// Sets [`cancel`](Self::cancel).
    pub fn cancel(mut self, cancel: crate::CancelToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// Sets [`seed`](Self::seed).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}
