//! `--login` (and the profile setting `sso_auto_login = true`): when the SSO session cannot be
//! refreshed (never logged in, expired past its refresh, refused by the portal), log in and go
//! on, with exactly one login however many processes need it at once.
//!
//! The processes agree through a lock of the shared lock protocol (`docs/protocol/sharing.md`,
//! `CacheDir::lock`): `<token key>-login.lock` in `~/.aws/sso/cache`, held only while a process
//! decides whether to log in and while it logs in. A process that gets it at once and still
//! finds the session unusable logs in (one browser tab, one device code). A process that had to
//! wait for it waited for another process's login: it uses that login's token, or, when there
//! is still no usable token (the login failed, was denied, was interrupted, or its process
//! died), fails with an error instead of starting another login. The lock file records when a
//! login was last started (the attempt record of the protocol): for [`FAILED_LOGIN_HOLD`] after
//! one that did not complete (a completed one sets it back to 0), a process that needs the
//! session fails the same way, so that
//! processes which asked at the same moment but reached the lock after the failure do not each
//! start a login of their own. The wait is bounded by the login wait (15 minutes), so nobody
//! hangs.

use std::collections::HashMap;
use std::time::Duration;

use ssooidc_ureq::session::{SessionError, SessionSelector, Sessions};
use ssooidc_ureq::store::StoreError;
use time::OffsetDateTime;

use crate::cli::AutoLoginArgs;
use crate::commands::login::{login, login_options};
use crate::context::Context;
use crate::exit::Failure;
use crate::text;
use crate::text::Text;

/// After a login that `--login` started did not complete, other `--login` processes of the same
/// session fail for this long instead of starting another one: they needed the session at the
/// same time as the one that failed (an explicit `ssooidc login` always proceeds).
pub const FAILED_LOGIN_HOLD: Duration = Duration::from_secs(30);

/// The profile setting that turns `--login` on for a profile.
pub const SETTING: &str = "sso_auto_login";

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
            .and_then(|section| section.get(SETTING))
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        (args.login || setting).then(|| AutoLogin {
            use_device_code: args.use_device_code,
            env: ctx.environment.env.clone(),
        })
    }

    /// Logs in, unless another process is doing it (then its outcome is this one's).
    fn login_once(&self, sessions: &Sessions, selector: &SessionSelector) -> Result<(), Failure> {
        let session_failure = |e| Failure::session(e, selector);
        let session = sessions
            .session(selector.clone())
            .map_err(session_failure)?;
        let key = format!("{}-login", session.token_key);
        let (mut lock, waited) = match sessions.cache.lock(&key, Duration::ZERO) {
            Ok(lock) => (lock, false),
            Err(StoreError::LockTimeout { .. }) => {
                (sessions.cache.lock(&key, sessions.login_lock_wait)?, true)
            }
            Err(e) => return Err(e.into()),
        };
        // Another process may have logged in since this one found the session unusable.
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let recent_attempt = lock
            .last_attempt()
            .is_some_and(|at| now.saturating_sub(at) < FAILED_LOGIN_HOLD.as_secs() as i64);
        match sessions.token(selector.clone()) {
            Ok(_) => return Ok(()),
            Err(e) if needs_login(&e) && (waited || recent_attempt) => {
                return Err(Failure::other(text!(
                    "Another ssooidc started a login for {} moments ago and it did not complete (it failed, was denied or was interrupted); run `ssooidc login {}` to log in",
                    Text::value(selector.as_flags()),
                    Text::value(selector.as_flags())
                )))
            }
            Err(e) if needs_login(&e) => {}
            Err(e) => return Err(session_failure(e)),
        }
        lock.record_attempt(now)?;
        crate::ui::note(&text!(
            "The SSO session of {} cannot be refreshed: logging in.",
            Text::value(selector.as_flags())
        ));
        let mut options = login_options(&self.env);
        options.use_device_code = self.use_device_code;
        login(sessions, selector.clone(), false, &self.env, options, None)?;
        // Completed: the record no longer holds anyone back. (Best effort: the token is had;
        // a record left behind only matters to a process that finds no valid token.)
        let _ = lock.record_attempt(0);
        Ok(())
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
        (Err(e), Some(auto)) if needs_login(&e) => {
            auto.login_once(sessions, selector)?;
            operation().map_err(|e| Failure::session(e, selector))
        }
        (result, _) => result.map_err(|e| Failure::session(e, selector)),
    }
}

/// Whether a session error is one a login cures.
fn needs_login(e: &SessionError) -> bool {
    matches!(
        e,
        SessionError::NotLoggedIn { .. }
            | SessionError::Expired { .. }
            | SessionError::Unauthorized { .. }
    )
}
