//! The file side of the session machines: what they ask their driver to do with the caches
//! ([`SessionIo`], a machine's [`Event`](crate::machine::Machine::Event)) and what the driver
//! answers ([`IoAnswer`], through [`SessionMachine::handle_io`]).
//!
//! A driver answers every [`SessionIo`] before it polls the machine again; the machine decides
//! what the answer means (a miss, a corrupt file, a lock held too long, a write that failed),
//! and which of those are warnings and which end it. The driver does only the I/O, with the
//! store of its choice (`ssooidc-files` for this project's adapters), and keeps the locks it took
//! until the machine says [`SessionIo::Unlock`] or finishes.

use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::cache::{CachedRoleCredentials, CachedToken, Lookup, OAuthCacheEntry};
use crate::machine::{Machine, MisuseError};

/// Which cache directory a file is in (exhaustive: a driver keeps every one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheDirectory {
    /// The SSO cache (`~/.aws/sso/cache`): tokens and registrations.
    Sso,
    /// The AWS CLI's credential cache (`~/.aws/cli/cache`): role credentials.
    Cli,
    /// The token cache of `ssooidc oauth` (standard OAuth 2.0 logins).
    OAuth,
}

/// A file of a cache directory, by its key (`<key>.json`; its lock is `<key>.lock`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheFile {
    /// The directory.
    pub directory: CacheDirectory,
    /// The key.
    pub key: String,
}

impl CacheFile {
    /// A file of the SSO cache.
    pub fn sso(key: impl Into<String>) -> Self {
        CacheFile {
            directory: CacheDirectory::Sso,
            key: key.into(),
        }
    }

    /// A file of the AWS CLI's credential cache.
    pub fn cli(key: impl Into<String>) -> Self {
        CacheFile {
            directory: CacheDirectory::Cli,
            key: key.into(),
        }
    }

    /// A file of the OAuth token cache.
    pub fn oauth(key: impl Into<String>) -> Self {
        CacheFile {
            directory: CacheDirectory::OAuth,
            key: key.into(),
        }
    }
}

/// What a session machine asks its driver to do with the files. Each is answered with
/// [`SessionMachine::handle_io`] before the machine is polled again. Deliberately exhaustive,
/// as [`Output`](crate::machine::Output) is: a driver must do every kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionIo {
    /// Read a token file. Answer: [`IoAnswer::Token`].
    ReadToken(CacheFile),
    /// Read a role-credential file. Answer: [`IoAnswer::Credentials`].
    ReadCredentials(CacheFile),
    /// Read an OAuth token cache file. Answer: [`IoAnswer::OAuth`].
    ReadOAuth(CacheFile),
    /// Take the file's lock, waiting at most `wait` for another process to release it. A
    /// blocking driver sleeps between tries; an async driver must wait on its timer, never
    /// blocking its executor. Announce a wait that lasts long to the person, if any. Answer:
    /// [`IoAnswer::Lock`].
    Lock {
        /// The file whose lock to take.
        file: CacheFile,
        /// The longest wait.
        wait: Duration,
    },
    /// Record a refresh attempt at `at` (Unix seconds) in the held lock of `file`, so that the
    /// one-attempt-a-minute rule holds across processes. Answer: [`IoAnswer::Written`].
    RecordAttempt {
        /// The file whose lock is held.
        file: CacheFile,
        /// When the attempt starts.
        at: i64,
    },
    /// Write a token file atomically. Answer: [`IoAnswer::Written`].
    WriteToken {
        /// The file.
        file: CacheFile,
        /// Its new content.
        token: CachedToken,
    },
    /// Write a role-credential file atomically. Answer: [`IoAnswer::Written`].
    WriteCredentials {
        /// The file.
        file: CacheFile,
        /// Its new content.
        credentials: CachedRoleCredentials,
    },
    /// Write an OAuth token cache file atomically. Answer: [`IoAnswer::Written`].
    WriteOAuth {
        /// The file.
        file: CacheFile,
        /// Its new content.
        entry: OAuthCacheEntry,
    },
    /// Release the lock of `file`. Answer: [`IoAnswer::Unlocked`].
    Unlock(CacheFile),
}

/// What the driver did with a [`SessionIo`]. `S` is its store's error.
#[derive(Debug)]
pub enum IoAnswer<S> {
    /// The token file read ([`SessionIo::ReadToken`]).
    Token(Result<Lookup<CachedToken>, S>),
    /// The role-credential file read ([`SessionIo::ReadCredentials`]).
    Credentials(Result<Lookup<CachedRoleCredentials>, S>),
    /// The OAuth token cache file read ([`SessionIo::ReadOAuth`]).
    OAuth(Result<Lookup<OAuthCacheEntry>, S>),
    /// The lock ([`SessionIo::Lock`]).
    Lock(LockAnswer<S>),
    /// A write or a record ([`SessionIo::WriteToken`], [`SessionIo::WriteCredentials`],
    /// [`SessionIo::WriteOAuth`], [`SessionIo::RecordAttempt`]).
    Written(Result<(), S>),
    /// The lock was released ([`SessionIo::Unlock`]).
    Unlocked,
}

/// How taking a lock ended.
#[derive(Debug)]
pub enum LockAnswer<S> {
    /// The lock is held, and the last refresh attempt it records (Unix seconds), if any.
    Held {
        /// The last attempt recorded in the lock file.
        last_attempt: Option<i64>,
    },
    /// Another process held it for the whole wait.
    TimedOut {
        /// How long the driver waited.
        waited: Duration,
        /// The store's error for it.
        error: S,
    },
    /// The lock cannot be had at all (a read-only cache, a lock file that is not a file).
    Failed(S),
}

/// A machine of this module: a [`Machine`] whose events are [`SessionIo`] requests, each
/// answered with [`handle_io`](Self::handle_io). Drivers run every session machine through this
/// trait.
pub trait SessionMachine<S>: Machine<Event = SessionIo> {
    /// The answer to the [`SessionIo`] last polled, at `now` (`wall` on the wall clock).
    fn handle_io(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        answer: IoAnswer<S>,
    ) -> Result<(), MisuseError>;

    /// A warning of the driver's own (a cache file whose mode was repaired), given back with
    /// the result in the order it came. Give it before the answer of the operation it came
    /// from: that answer may end the machine.
    fn warn(&mut self, warning: String);
}

/// The warning for a lock that could not be had: held for the whole wait by another process,
/// or unusable. `what` names the entry (`session`, `credentials`), `instead` says what is done
/// without the lock. Every session words it the same way.
pub(crate) fn lock_warning<S: std::fmt::Display>(
    answer: &LockAnswer<S>,
    what: &str,
    instead: &str,
) -> String {
    match answer {
        LockAnswer::TimedOut { waited, .. } => {
            format!("another process held the {what} lock for {waited:?}; {instead}")
        }
        LockAnswer::Failed(error) => format!("cannot lock the {what} cache ({error}); {instead}"),
        LockAnswer::Held { .. } => String::new(),
    }
}

/// Where a machine of this module is in its conversation with the driver.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// A request not yet polled.
    next: Option<SessionIo>,
    /// Polled and not yet answered.
    awaiting: bool,
}

impl Pending {
    /// Asks the driver for `io` at the next poll.
    pub(crate) fn ask(&mut self, io: SessionIo) {
        self.next = Some(io);
    }

    /// The request to poll, if any (then an answer is awaited); a poll while one is awaited is
    /// a misuse.
    pub(crate) fn poll(&mut self) -> Result<Option<SessionIo>, MisuseError> {
        if self.awaiting {
            return Err(MisuseError::RequestOutstanding);
        }
        let io = self.next.take();
        self.awaiting = io.is_some();
        Ok(io)
    }

    /// An answer came: was one awaited?
    pub(crate) fn answered(&mut self) -> Result<(), MisuseError> {
        if !self.awaiting {
            return Err(MisuseError::NoRequestOutstanding);
        }
        self.awaiting = false;
        Ok(())
    }

    /// An answer that did not fit what was asked was refused: it is awaited again.
    pub(crate) fn awaiting_again(&mut self) {
        self.awaiting = true;
    }
}
