//! [`LoginLock`]: the file side of one login for everyone (the core's
//! `ssooidc_core::sessions::login_turn`), shared by both adapters' `login_once`:
//! the session's login lock once taken, the decision on its attempt record, and the record
//! kept. How the lock is waited for (a sleep, or the caller's timer) stays the adapter's.

use ssooidc_core::sessions::{describe, login_turn, LoginTurn, Session};

use crate::store::CacheLock;
use crate::SessionError;

/// A session's login lock (`Session::login_lock_key`), held by a caller that needs a login.
#[derive(Debug)]
pub struct LoginLock {
    lock: CacheLock,
    waited: bool,
}

impl LoginLock {
    /// The lock, and whether another process held it when this caller first tried it.
    pub fn new(lock: CacheLock, waited: bool) -> Self {
        LoginLock { lock, waited }
    }

    /// For a caller that still finds no usable token under the lock, at `now` (epoch seconds):
    /// the core's rule on the lock's attempt record. This caller's turn: the attempt is
    /// recorded and it logs in. Otherwise [`SessionError::LoginFailedElsewhere`].
    pub fn claim(&mut self, session: &Session, now: i64) -> Result<(), SessionError> {
        if login_turn(self.waited, self.lock.last_attempt(), now) == LoginTurn::AnotherLoginFailed {
            return Err(SessionError::LoginFailedElsewhere {
                session: describe(session),
            });
        }
        self.lock.record_attempt(now).map_err(SessionError::Store)
    }

    /// The login completed: the record no longer holds anyone back, and the lock is released.
    /// (Best effort: the token is had, and a record left behind only matters to a caller that
    /// finds no valid token.)
    pub fn completed(mut self) {
        let _ = self.lock.record_attempt(0);
    }
}
