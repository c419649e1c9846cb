//! The login on demand: what the program's callback is shown ([`LoginPrompt`]) and how the
//! provider logs in once for every process ([`Sessions::login_once`]).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use ssooidc_async::core::device::Event;
use ssooidc_async::core::sessions::describe;
use ssooidc_async::session::{Session, SessionError, SessionSelector, Sessions};
use ssooidc_async::{LoginError, LoginOptions, TokioCallbackListener, TokioTimer};

/// What the user must do to log in, given to the program's login callback
/// ([`SsoProviderBuilder::login`](crate::SsoProviderBuilder::login)) once per login. The
/// provider then waits for the login (at most the device code's or the browser login's
/// lifetime, about 10 minutes) before it answers the SDK.
///
/// `Display` gives one line to show the user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginPrompt {
    /// The browser login (an sso-session profile): open `url` in a browser; the provider
    /// listens on 127.0.0.1 for the browser to come back.
    Browser {
        /// The session being logged in to (`sso-session NAME`).
        session: String,
        /// The authorization page.
        url: String,
    },
    /// The device login (a legacy profile, or [`use_device_code`]): open
    /// `verification_uri` (on any device) and enter `user_code`; `verification_uri_complete`
    /// has the code filled in.
    ///
    /// [`use_device_code`]: crate::SsoProviderBuilder::use_device_code
    Device {
        /// The session being logged in to (`sso-session NAME`, `profile NAME`).
        session: String,
        /// The page to open.
        verification_uri: String,
        /// The code to enter there.
        user_code: String,
        /// The page with the code filled in, when the service gave one.
        verification_uri_complete: Option<String>,
    },
}

impl LoginPrompt {
    /// The prompt of a login event, when it is one the user must act on.
    fn of(session: &str, event: &Event) -> Option<Self> {
        match event {
            Event::Authorize(request) => Some(LoginPrompt::Browser {
                session: session.to_owned(),
                url: request.url.as_str().to_owned(),
            }),
            Event::Prompt(prompt) => Some(LoginPrompt::Device {
                session: session.to_owned(),
                verification_uri: prompt.verification_uri.clone(),
                user_code: prompt.user_code.clone(),
                verification_uri_complete: prompt.verification_uri_complete.clone(),
            }),
            _ => None,
        }
    }

    /// The page to open in a browser: the authorization page, or the device page with the code
    /// filled in when there is one.
    pub fn url(&self) -> &str {
        match self {
            LoginPrompt::Browser { url, .. } => url,
            LoginPrompt::Device {
                verification_uri,
                verification_uri_complete,
                ..
            } => verification_uri_complete
                .as_deref()
                .unwrap_or(verification_uri),
        }
    }
}

impl fmt::Display for LoginPrompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginPrompt::Browser { session, url } => {
                write!(f, "To sign in to {session}, open {url}")
            }
            LoginPrompt::Device {
                session,
                verification_uri,
                user_code,
                ..
            } => write!(
                f,
                "To sign in to {session}, open {verification_uri} and enter the code {user_code}"
            ),
        }
    }
}

/// The program's login callback.
pub(crate) type LoginCallback = Arc<dyn Fn(&LoginPrompt) + Send + Sync>;

/// Logs in to `selector`'s session once for every process ([`Sessions::login_once`]): the
/// browser login when the session is an sso-session and `options.use_device_code` is not set
/// (the AWS CLI's rule), else the device login; `callback` is shown the prompt.
pub(crate) async fn login_once(
    sessions: &Sessions<reqwest::Client, TokioTimer>,
    selector: SessionSelector,
    options: LoginOptions,
    callback: &LoginCallback,
) -> Result<(), SessionError> {
    let session: Session = sessions.session(selector.clone())?;
    let name = describe(&session);
    let listener = if options.use_device_code || !session.is_sso_session() {
        None
    } else {
        // A loopback listener that cannot be bound leaves the device login.
        TokioCallbackListener::bind().await.ok()
    };
    let on_event = |event: &Event| {
        if let Some(prompt) = LoginPrompt::of(&name, event) {
            callback(&prompt);
        }
    };
    sessions
        .login_once(selector, options, listener, on_event)
        .await
        .map(|_| ())
}

/// How a login ended, shared by everyone who waited for it.
pub(crate) type LoginOutcome = Result<(), Arc<SessionError>>;

/// The logins of one provider (and its clones), one per session at a time, each in a task of
/// its own: a caller that stops waiting — the SDK's identity cache timing out its load, a
/// dropped future — does not cancel the login the user may be approving, and every caller
/// that needs the same session waits for the same login, whose token the next call uses.
#[derive(Default)]
pub(crate) struct SharedLogins {
    running: Mutex<HashMap<String, watch::Receiver<Option<LoginOutcome>>>>,
}

impl SharedLogins {
    /// Waits for the login of `session` (a key naming it) that is running, or starts `login`
    /// in a task of its own (on the current tokio runtime) and waits for it.
    pub(crate) async fn wait(
        &self,
        session: String,
        login: impl Future<Output = Result<(), SessionError>> + Send + 'static,
    ) -> LoginOutcome {
        let mut outcome = {
            let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
            match running.get(&session) {
                Some(rx) if rx.borrow().is_none() && rx.has_changed().is_ok() => rx.clone(),
                _ => {
                    let (tx, rx) = watch::channel(None);
                    tokio::spawn(async move {
                        let result = login.await.map_err(Arc::new);
                        let _ = tx.send(Some(result));
                    });
                    running.insert(session, rx.clone());
                    rx
                }
            }
        };
        loop {
            if let Some(result) = outcome.borrow_and_update().clone() {
                return result;
            }
            if outcome.changed().await.is_err() {
                // The task ended without an outcome (its runtime shut down, or it panicked).
                return outcome
                    .borrow()
                    .clone()
                    .unwrap_or_else(|| Err(Arc::new(SessionError::Login(LoginError::Cancelled))));
            }
        }
    }
}
