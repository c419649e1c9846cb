//! `--login` (and the profile setting `sso_auto_login = true`): when the SSO session cannot be
//! refreshed (never logged in, expired past its refresh, refused by the portal), log in and go
//! on, with exactly one login however many processes need it at once — `ssooidc` commands and
//! programs using the AWS SDK provider (`ssooidc-aws-sdk`) alike. The steps are the blocking
//! sessions' (`Sessions::login_once_with`), the rule the core's
//! (`ssooidc_core::sessions::login_turn`, whose module says why): the lock of
//! `Session::login_lock_key`, held while deciding and logging in; a process that waited for
//! another's login, or finds one that did not complete moments ago, fails instead of starting
//! another. The wait is bounded by the login wait (15 minutes), so nobody hangs.

use std::collections::HashMap;

use ssooidc_core::sessions::AUTO_LOGIN_SETTING;
use ssooidc_ureq::session::{SessionError, SessionSelector, Sessions};

use crate::cli::AutoLoginArgs;
use crate::commands::login::{login, login_options};
use crate::context::Context;
use crate::exit::Failure;
use crate::text;
use crate::text::Text;

/// How a command logs in when the session cannot be refreshed.
#[derive(Debug, Clone)]
pub struct AutoLogin {
    use_device_code: bool,
    env: HashMap<String, String>,
}

impl AutoLogin {
    /// `Some` when `--login` is given, or the profile has `sso_auto_login = true`.
    pub fn new(ctx: &Context, args: &AutoLoginArgs) -> Option<Self> {
        let setting = ctx
            .environment
            .config
            .profiles
            .get(&ctx.settings.profile.value)
            .and_then(|section| section.get(AUTO_LOGIN_SETTING))
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        (args.login || setting).then(|| AutoLogin {
            use_device_code: args.use_device_code,
            env: ctx.environment.env.clone(),
        })
    }

    /// Logs in, unless another process is doing it (then its outcome is this one's): the
    /// blocking sessions' `login_once_with`, with this command's login and terminal.
    fn login_once(&self, sessions: &Sessions, selector: &SessionSelector) -> Result<(), Failure> {
        sessions
            .login_once_with(selector.clone(), || {
                crate::ui::note(&text!(
                    "The SSO session of {} cannot be refreshed: logging in.",
                    Text::value(selector.as_flags())
                ));
                let mut options = login_options(&self.env);
                options.use_device_code = self.use_device_code;
                login(sessions, selector.clone(), false, &self.env, options, None)
                    .map(|_| ())
                    .map_err(OnceError::Login)
            })
            .map(|_| ())
            .map_err(|e| match e {
                OnceError::Session(e) => Failure::session(e, selector),
                OnceError::Login(failure) => failure,
            })
    }
}

/// What can go wrong in [`AutoLogin::login_once`]: the session's (with the advice
/// [`Failure::session`] gives it), or this command's login.
enum OnceError {
    Session(SessionError),
    Login(Failure),
}

impl From<SessionError> for OnceError {
    fn from(e: SessionError) -> Self {
        OnceError::Session(e)
    }
}

/// Runs `operation`; when `auto_login` is set and it fails because the session cannot be
/// refreshed, logs in once across processes ([`AutoLogin`]) and runs it once more.
pub fn with_login<T>(
    auto_login: Option<&AutoLogin>,
    sessions: &Sessions,
    selector: &SessionSelector,
    operation: impl Fn() -> Result<T, SessionError>,
) -> Result<T, Failure> {
    match (operation(), auto_login) {
        (Err(e), Some(auto)) if e.needs_login() => {
            auto.login_once(sessions, selector)?;
            operation().map_err(|e| Failure::session(e, selector))
        }
        (result, _) => result.map_err(|e| Failure::session(e, selector)),
    }
}
