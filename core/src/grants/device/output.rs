//! What the flow gives back: [`Output`], [`Event`], [`Prompt`], [`Token`], and its errors.

use std::time::Instant;

use super::Registration;
use crate::browser::BrowserUrl;
use crate::call::CallError;
use crate::{Secret, ServiceError, Timestamp};

/// What the caller of an AWS flow should do next; see
/// [`Machine::poll_output`](crate::machine::Machine::poll_output) of a
/// [`DeviceFlow`](super::DeviceFlow). The shared [`machine::Output`](crate::machine::Output)
/// of every machine; a flow of another dialect `D`
/// returns `machine::Output<Event<D::Client>, Result<D::Token, DeviceFlowError>>`.
pub type DeviceFlowOutput = crate::machine::Output<Event, Result<Token, DeviceFlowError>>;

pub use crate::machine::MisuseError;

/// Something the caller should know about while a login goes on. Both logins emit it: the
/// device flow ([`DeviceFlow`](super::DeviceFlow)) and the browser login
/// ([`AuthCodeFlow`](crate::authcode::AuthCodeFlow)), so a caller handles both with one
/// `match`. `C` is the device flow dialect's client ([`Registration`] for AWS).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<C = Registration> {
    /// A new client registration was obtained (not emitted when a cached one is reused, nor by
    /// a dialect with a pre-registered client). Cache it
    /// (`docs/protocol/caches.md#registration-cache`) so the next login can skip
    /// `RegisterClient`.
    Registered(C),
    /// Device flow: show this to the user: the device code is waiting for approval. Emitted
    /// once per authorization, after the first (immediate) token poll did not already succeed
    /// or fail (so a second time after [`Event::StartingOver`] with [`StartOver::AnswerLost`]).
    Prompt(Prompt),
    /// Browser login: open this authorize URL in a browser (or print it); the flow then waits
    /// for the browser to come back to the loopback listener. Emitted once per authorization:
    /// a second time, with a new URL and deadline, after [`Event::StartingOver`] with
    /// [`StartOver::RegistrationRejected`].
    Authorize(AuthorizeRequest),
    /// The flow goes back a step, once, instead of failing; tell the user why.
    StartingOver(StartOver),
}

/// Why a login starts a step over (see [`Event::StartingOver`]). Each happens at most once
/// per flow; the second time the flow fails with the error. The device flow emits both; the
/// browser login ([`AuthCodeFlow`](crate::authcode::AuthCodeFlow)) emits
/// [`RegistrationRejected`](Self::RegistrationRejected) only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartOver {
    /// The service rejected the cached registration (`InvalidClientException`: deleted,
    /// revoked or from another instance; `UnauthorizedClientException`: no longer allowed the
    /// grant; for the browser login also a browser sent back with
    /// `error=invalid_client` or `unauthorized_client`, given as the service error of that
    /// name): a new client is registered, and the new [`Event::Registered`] replaces the cached
    /// one. The browser login then emits a new [`Event::Authorize`].
    RegistrationRejected(ServiceError),
    /// The answer to a token poll was lost (the connection dropped or the body was cut off)
    /// and the next poll said the device code was already used (`InvalidGrantException`): the
    /// token was issued but never arrived. A new authorization starts; the user approves the
    /// new code of the next [`Event::Prompt`].
    AnswerLost(ServiceError),
}

impl std::fmt::Display for StartOver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartOver::RegistrationRejected(e) => write!(
                f,
                "the service rejected the cached client registration ({e}); registering a new client"
            ),
            StartOver::AnswerLost(e) => write!(
                f,
                "the answer with the token was lost in transit and the code cannot be used again ({e}); starting a new authorization: approve the new code"
            ),
        }
    }
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
    pub expires_at_wall: Timestamp,
}

impl Prompt {
    /// The complete verification URL as a [`BrowserUrl`](crate::browser::BrowserUrl), the only
    /// form in which it may be opened in a browser or drawn as a QR code: `None` when the server
    /// sent none, an error when what it sent is not safe to open (another scheme, plain http
    /// off loopback, an option-looking string, control characters).
    pub fn browser_url(
        &self,
    ) -> Option<Result<crate::browser::BrowserUrl, crate::browser::BrowserUrlError>> {
        self.verification_uri_complete
            .as_deref()
            .map(crate::browser::BrowserUrl::parse)
    }
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
    pub expires_at: Timestamp,
    /// `refreshToken`, when the service issued one.
    pub refresh_token: Option<Secret>,
    /// The registration the token was obtained with (needed to refresh it).
    pub registration: Registration,
}

/// Why a device flow ended without a token.
///
/// Every variant that is the answer to a poll carries the `operation` the flow polled with:
/// the dialect's [`POLL`](super::Dialect::POLL), AWS's `CreateToken` or the standard dialect's
/// [`crate::oauth::TOKEN`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceFlowError {
    /// The user (or the service) denied the authorization: `AccessDeniedException`
    /// (`access_denied`).
    #[error("the authorization was denied: {error}")]
    Denied {
        /// The operation the flow polled with.
        operation: &'static str,
        /// The service's error.
        error: ServiceError,
    },
    /// The service said the device code expired: `ExpiredTokenException` (`expired_token`).
    #[error("the authorization expired before it was approved: {error}")]
    Expired {
        /// The operation the flow polled with.
        operation: &'static str,
        /// The service's error.
        error: ServiceError,
    },
    /// The flow's own deadline (`start + expiresIn`) passed without a token.
    #[error("the authorization expired before it was approved (no answer before the deadline)")]
    DeadlineReached,
    /// The service answered with a token that is already expired (`expiresIn` absent, 0 or
    /// negative): nothing usable to cache.
    #[error("the service issued a token that is already expired (expiresIn {})", .expires_in.map_or_else(|| "absent".to_owned(), |s| s.to_string()))]
    AlreadyExpired {
        /// The operation that answered with the token (the dialect's
        /// [`POLL`](super::Dialect::POLL)).
        operation: &'static str,
        /// The `expiresIn` the service sent.
        expires_in: Option<i32>,
    },
    /// The answer with the token was lost in transit twice (or after a new authorization), and
    /// the device code cannot be used again: the login has to start again.
    #[error("the answer with the token was lost in transit and the device code cannot be used again ({error}); start the login again")]
    AnswerLost {
        /// The operation the flow polled with.
        operation: &'static str,
        /// The service's error saying the device code is spent (`invalid_grant`).
        error: ServiceError,
    },
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
        matches!(self, Self::Expired { .. } | Self::DeadlineReached)
    }

    /// The operation that failed, when one did: for a denial, an expiry, a token already
    /// expired or a lost answer, the one the flow polled with (AWS's `CreateToken`, the
    /// standard dialect's [`crate::oauth::TOKEN`]); for a failed call, its operation; none for
    /// the flow's own deadline.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Self::Denied { operation, .. }
            | Self::Expired { operation, .. }
            | Self::AlreadyExpired { operation, .. }
            | Self::AnswerLost { operation, .. } => Some(operation),
            Self::Call(e) => Some(e.operation()),
            Self::DeadlineReached => None,
        }
    }

    /// The service error behind it, if there is one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Self::Denied { error, .. }
            | Self::Expired { error, .. }
            | Self::AnswerLost { error, .. } => Some(error),
            Self::Call(e) => e.service_error(),
            Self::DeadlineReached | Self::AlreadyExpired { .. } => None,
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

/// Open this in a browser (or print it), then wait for the browser to come back to the
/// loopback listener.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizeRequest {
    /// The authorize URL (`docs/protocol/authorization-code.md#authorize-url`).
    pub url: BrowserUrl,
    /// Where the browser comes back to: `http://127.0.0.1:<port>/oauth/callback`.
    pub redirect_uri: String,
    /// When the flow stops waiting for the browser, on the caller's clock.
    pub expires_at: Instant,
    /// The same moment on the wall clock (real seconds), in UTC.
    pub expires_at_wall: Timestamp,
}
