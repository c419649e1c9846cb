//! [`SessionError`]: why a session could give no token or credentials, one type for every
//! adapter. It is generic over the adapter's file-store error (`ssooidc-files`' `StoreError`
//! for the adapters of this project), which the session machines carry without looking into.

use crate::call::CallError;
use crate::config::ConfigError;
use crate::error::ServiceError;
use crate::grants::oauth::DiscoveryError;
use crate::login::LoginError;
use crate::refresh::RefreshError;

use super::{Session, SessionSelector};

/// A failure to produce a token or credentials, or to log in. `S` is the file store's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError<S> {
    /// The configuration is unusable (a missing profile or session, a broken file, no home).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The cache could not be read or written.
    #[error(transparent)]
    Store(S),
    /// No usable cached token.
    #[error("no cached SSO token for {session}{}", .reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    NotLoggedIn {
        /// The session (`sso-session my-sso`, `profile legacy`, a start URL).
        session: String,
        /// Why the cache could not be used, when a file was there.
        reason: Option<String>,
    },
    /// The cached token expired and could not be refreshed.
    #[error("the SSO token for {session} has expired: {source}")]
    Expired {
        /// The session.
        session: String,
        /// The refresh machine's verdict.
        source: RefreshError,
    },
    /// The portal refused the session's token (`UnauthorizedException`): it expired on the
    /// server's side, or the session was logged out.
    #[error("the SSO token for {session} was refused: {source}")]
    Unauthorized {
        /// The session.
        session: String,
        /// The portal's answer.
        source: CallError,
    },
    /// A call to the service failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The login ended without a token.
    #[error(transparent)]
    Login(#[from] LoginError),
    /// An OAuth 2.0 provider's endpoints could not be discovered.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// A login on demand was not started because another process's login of the same session,
    /// which this one waited for or which started moments ago, did not complete (it failed, was
    /// denied or was interrupted): see [`super::login_turn`].
    #[error("another process started a login for {session} moments ago and it did not complete (it failed, was denied or was interrupted)")]
    LoginFailedElsewhere {
        /// The session.
        session: String,
    },
}

impl<S> SessionError<S> {
    /// A failed portal call with `session`'s token: a refused token (`UnauthorizedException`)
    /// is [`SessionError::Unauthorized`], anything else [`SessionError::Call`].
    pub fn portal(session: &Session, error: CallError) -> Self {
        match error {
            CallError::Service {
                error: ServiceError::Unauthorized { .. },
                ..
            } => SessionError::Unauthorized {
                session: describe(session),
                source: error,
            },
            other => SessionError::Call(other),
        }
    }
}

/// How a session is named in messages: `sso-session NAME`, `profile NAME`, or its start URL.
pub fn describe(session: &Session) -> String {
    match (&session.selector, &session.session_name) {
        (_, Some(name)) => format!("sso-session {name}"),
        (SessionSelector::Profile(profile), None) => format!("profile {profile}"),
        _ => session.start_url.clone(),
    }
}
