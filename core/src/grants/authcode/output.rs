//! What the flow gives back: the request to open in a browser, and why a login ended without a
//! token.

use std::fmt;

use crate::browser::BrowserUrlError;
use crate::call::CallError;
use crate::ServiceError;

/// The shared [`machine::Output`](crate::machine::Output) of the flow: its events are the
/// logins' [`Event`](crate::device::Event) ([`Event::Registered`](crate::device::Event::Registered)
/// and [`Event::Authorize`](crate::device::Event::Authorize)), its result the logins'
/// [`Token`](crate::device::Token).
pub type AuthCodeOutput =
    crate::machine::Output<crate::device::Event, Result<crate::device::Token, AuthCodeError>>;

pub use crate::device::AuthorizeRequest;

/// The error the authorization server sent the browser back with (RFC 6749 §4.1.2.1):
/// `error=access_denied` when the person refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizationError {
    /// `error`: `access_denied`, `invalid_scope`, `unauthorized_client`, ...
    pub error: String,
    /// `error_description`, when there was one.
    pub description: Option<String>,
}

impl AuthorizationError {
    /// An error as the browser brought it back.
    pub fn new(error: impl Into<String>, description: Option<String>) -> Self {
        AuthorizationError {
            error: error.into(),
            description,
        }
    }

    /// Whether the person (or the service) refused: `access_denied`.
    pub fn is_access_denied(&self) -> bool {
        self.error == "access_denied"
    }
}

impl fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.description {
            Some(d) => write!(f, "{}: {d}", self.error),
            None => f.write_str(&self.error),
        }
    }
}

/// Why a browser login ended without a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthCodeError {
    /// The browser came back with `error=...`: the person refused, or the service would not
    /// authorize this client or these scopes.
    #[error("the authorization was refused: {0}")]
    Refused(AuthorizationError),
    /// The browser came back with a `state` that is not this login's: the request was forged
    /// or belongs to another login. No token was asked for.
    #[error("the callback's state parameter does not match the one this login sent")]
    StateMismatch,
    /// The browser did not come back before the flow's deadline
    /// ([`AuthCodeConfig::callback_timeout`](super::AuthCodeConfig::callback_timeout)).
    #[error("the authorization expired: the browser did not come back in time")]
    DeadlineReached,
    /// The browser did not come back before the flow's deadline, and the authorize URL named a
    /// **cached** client registration. The service shows the browser an error page, and never
    /// sends it back, when it no longer knows the client (RFC 6749 §4.1.2.1: an unknown
    /// `client_id` must not be redirected), so a deleted or expired registration looks just
    /// like a person who never approved: the caller should suggest a login that does not use
    /// that registration (the device login, or removing the cached registration).
    #[error("the authorization expired: the browser did not come back in time; the login used a cached client registration, which the service may no longer accept")]
    DeadlineReachedWithCachedRegistration,
    /// `CreateToken` said the authorization code expired (`ExpiredTokenException`).
    #[error("the authorization expired before the code was exchanged: {0}")]
    Expired(ServiceError),
    /// The service answered with a token that is already expired (`expiresIn` absent, 0 or
    /// negative): nothing usable to cache.
    #[error("the service issued a token that is already expired (expiresIn {})", .expires_in.map_or_else(|| "absent".to_owned(), |s| s.to_string()))]
    AlreadyExpired {
        /// The `expiresIn` the service sent.
        expires_in: Option<i32>,
    },
    /// The service rejected the client registration (`InvalidClientException` or
    /// `UnauthorizedClientException` from `CreateToken`, or the browser came back with
    /// `error=invalid_client` or
    /// `unauthorized_client`) when it was one this flow had just registered: a rejected cached
    /// registration is replaced once ([`StartOver::RegistrationRejected`]), and the new one was
    /// rejected too, or there was none in the cache.
    ///
    /// [`StartOver::RegistrationRejected`]: crate::device::StartOver::RegistrationRejected
    #[error("the service rejected the client registration even after registering anew ({0})")]
    RegistrationRejected(ServiceError),
    /// The authorize URL cannot be given to a browser.
    #[error("the authorize URL cannot be opened: {0}")]
    AuthorizeUrl(BrowserUrlError),
    /// A call failed for good: `RegisterClient` or `CreateToken` refused (`invalid_grant`,
    /// `access_denied`, `invalid_client` of a cached registration when no spare secrets were
    /// given...), retryable failures that went on longer than
    /// [`max_retries`](super::AuthCodeConfig::max_retries), or a request that could not be built.
    #[error(transparent)]
    Call(CallError),
}

impl AuthCodeError {
    /// Whether the authorization ran out: [`DeadlineReached`](Self::DeadlineReached),
    /// [`DeadlineReachedWithCachedRegistration`](Self::DeadlineReachedWithCachedRegistration)
    /// or [`Expired`](Self::Expired).
    pub fn is_expired(&self) -> bool {
        matches!(
            self,
            Self::DeadlineReached | Self::DeadlineReachedWithCachedRegistration | Self::Expired(_)
        )
    }

    /// The operation that failed, when one did.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Self::Expired(_) | Self::AlreadyExpired { .. } => Some("CreateToken"),
            Self::Call(e) => Some(e.operation()),
            _ => None,
        }
    }

    /// The service error behind it, if there is one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Self::Expired(e) | Self::RegistrationRejected(e) => Some(e),
            Self::Call(e) => e.service_error(),
            _ => None,
        }
    }
}
