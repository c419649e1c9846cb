//! One login for everyone: when a session cannot be refreshed and a program logs in on demand
//! (`ssooidc token --login`, the `sso_auto_login` profile setting, the AWS SDK provider's login
//! callback), however many processes need the session at once, exactly one logs in (one
//! browser tab, one device code) and the others use its token.
//!
//! The processes agree through the lock of [`Session::login_lock_key`] in the SSO cache
//! (the shared lock protocol), held only while a process decides whether to log in and while
//! it logs in. Every adapter does the same steps with its own files and clock:
//!
//! 1. try the lock without waiting; when another process holds it, wait for it (bounded by
//!    the login wait), remembering that it waited;
//! 2. ask the session for a token again: a usable one (another process logged in meanwhile)
//!    ends here;
//! 3. when the token still [needs a login](SessionError::needs_login), [`login_turn`] decides
//!    from whether it waited and from the lock's attempt record: log in, or fail with
//!    [`SessionError::LoginFailedElsewhere`] instead of starting another login;
//! 4. to log in: record the attempt (now) in the lock, log in, record 0 when it completed.
//!
//! A process that had to wait waited for another process's login: when there is still no
//! usable token, that login failed, was denied or was interrupted, and starting a new one would
//! open a browser tab per waiting process. For [`FAILED_LOGIN_HOLD`] after a login that did
//! not complete, a process that reaches the lock without waiting fails the same way: it needed
//! the session at the same moment as the one that failed. An explicit `login` always proceeds.

use std::time::Duration;

use super::{Session, SessionError};

/// After an on-demand login did not complete, other on-demand logins of the same session fail
/// for this long instead of starting one of their own.
pub const FAILED_LOGIN_HOLD: Duration = Duration::from_secs(30);

/// The profile setting that makes a profile's commands log in on demand (`sso_auto_login =
/// true`), as `--login` does.
pub const AUTO_LOGIN_SETTING: &str = "sso_auto_login";

impl Session {
    /// The key of the lock under which processes agree on who logs in to this session (a lock
    /// file beside the session's token in the SSO cache). It is not the token's own lock: a
    /// refresh may take that one while a login is being decided.
    pub fn login_lock_key(&self) -> String {
        format!("{}-login", self.token_key)
    }
}

/// What a process that needs a login and holds the session's login lock does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginTurn {
    /// Log in: nobody else is, or did within [`FAILED_LOGIN_HOLD`].
    LogIn,
    /// Fail with [`SessionError::LoginFailedElsewhere`]: another process's login, which this
    /// one waited for or which started moments ago, did not complete.
    AnotherLoginFailed,
}

/// Whose turn it is to log in, for a process that holds the session's login lock and still
/// finds no usable token. `waited`: the lock was held by another process when this one first
/// tried it. `last_attempt`: the lock's attempt record (seconds since the epoch; 0 or none
/// when the last login completed). `now`: seconds since the epoch. Recent means less than
/// [`FAILED_LOGIN_HOLD`] away on either side: after the clock jumped back, a record up to the
/// hold ahead still holds processes back, and one further ahead (a jump of more than the
/// hold) no longer counts, so that a clock set back by an hour does not refuse logins for an
/// hour.
pub fn login_turn(waited: bool, last_attempt: Option<i64>, now: i64) -> LoginTurn {
    let hold = i64::try_from(FAILED_LOGIN_HOLD.as_secs()).unwrap_or(i64::MAX);
    let recent =
        last_attempt.is_some_and(|at| at > 0 && now.saturating_sub(at).saturating_abs() < hold);
    if waited || recent {
        LoginTurn::AnotherLoginFailed
    } else {
        LoginTurn::LogIn
    }
}

impl<S> SessionError<S> {
    /// Whether a login cures this error: no usable token, a token that expired past its
    /// refresh, or a token the portal refused. Configuration, cache and network errors are not
    /// cured by logging in.
    pub fn needs_login(&self) -> bool {
        matches!(
            self,
            SessionError::NotLoggedIn { .. }
                | SessionError::Expired { .. }
                | SessionError::Unauthorized { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn a_process_that_did_not_wait_logs_in() {
        assert_eq!(login_turn(false, None, NOW), LoginTurn::LogIn);
        assert_eq!(login_turn(false, Some(0), NOW), LoginTurn::LogIn);
    }

    #[test]
    fn a_process_that_waited_for_another_login_does_not_start_its_own() {
        assert_eq!(login_turn(true, None, NOW), LoginTurn::AnotherLoginFailed);
        assert_eq!(
            login_turn(true, Some(0), NOW),
            LoginTurn::AnotherLoginFailed
        );
    }

    #[test]
    fn a_recent_failed_attempt_holds_back_until_the_hold_has_passed() {
        let hold = FAILED_LOGIN_HOLD.as_secs() as i64;
        assert_eq!(
            login_turn(false, Some(NOW - 1), NOW),
            LoginTurn::AnotherLoginFailed
        );
        assert_eq!(
            login_turn(false, Some(NOW - hold + 1), NOW),
            LoginTurn::AnotherLoginFailed
        );
        assert_eq!(login_turn(false, Some(NOW - hold), NOW), LoginTurn::LogIn);
    }

    #[test]
    fn an_attempt_recorded_in_the_future_counts_only_within_the_hold() {
        assert_eq!(
            login_turn(false, Some(NOW + 5), NOW),
            LoginTurn::AnotherLoginFailed
        );
        assert_eq!(login_turn(false, Some(NOW + 3600), NOW), LoginTurn::LogIn);
    }

    #[test]
    fn only_token_errors_need_a_login() {
        let not_logged_in: SessionError<()> = SessionError::NotLoggedIn {
            session: "sso-session s".into(),
            reason: None,
        };
        assert!(not_logged_in.needs_login());
        let elsewhere: SessionError<()> = SessionError::LoginFailedElsewhere {
            session: "sso-session s".into(),
        };
        assert!(!elsewhere.needs_login());
        assert!(!SessionError::<()>::Store(()).needs_login());
    }
}
