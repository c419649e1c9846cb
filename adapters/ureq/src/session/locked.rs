//! The one lock-and-refresh policy of both token stores: the AWS CLI's ([`Sessions::token`]) and
//! the one of `ssooidc oauth` ([`OAuthSessions::token`]). A cached token that is due is
//! refreshed under the entry's lock, so that of many processes asking at once only the first
//! refreshes and the others reuse its result:
//!
//! 1. take the lock; when it cannot be had (held too long by another process, a read-only
//!    cache, an unusable lock file) a still-valid token is used as cached, with a warning, and
//!    nothing is refreshed (a refreshed token that cannot be written back would spend the
//!    refresh token); an expired one is the lock's error;
//! 2. read the entry again under the lock (another process may just have refreshed);
//! 3. give the store the entry and the last attempt recorded in the lock file: whether a refresh
//!    is still due and not throttled is the core's decision
//!    ([`RefreshPolicy::throttled`](ssooidc_core::refresh::RefreshPolicy::throttled)); the store
//!    records the attempt (through [`Attempt::record`]) before it sends anything, so that "one
//!    attempt a minute" holds across processes;
//! 4. write a refreshed token back; when that fails the new token is returned anyway, with a
//!    warning saying what follows (core's [`UnsavedRefresh`]: the next command refreshes again
//!    with the same refresh token, or, when the service replaced it, uses the cached token
//!    until it expires and then needs a new login). A failed refresh leaves a still-valid
//!    token, with a warning.
//!
//! Warnings go back to the caller (the CLI prints them), as do the cache's own (modes repaired).
//!
//! The role-credential cache ([`Sessions::role_credentials`]) follows the same policy with the
//! same pieces ([`lock_or_warn`], [`save_or_warn`]): fetching credentials spends nothing, so
//! when its lock cannot be had they are fetched without it, and fetched credentials that cannot
//! be written back are returned, each with a warning.
//!
//! [`Sessions::token`]: super::Sessions::token
//! [`OAuthSessions::token`]: crate::oauth::OAuthSessions::token
//! [`Sessions::role_credentials`]: super::Sessions::role_credentials

use std::time::Duration;

use ssooidc_core::refresh::UnsavedRefresh;
use ssooidc_core::Timestamp;
use time::OffsetDateTime;

use super::{SessionError, TokenSource};
use crate::store::{CacheDir, CacheLock, StoreError};

/// The warning for an entry's lock that could not be had (`error`): held too long by another
/// process, or unusable (a read-only cache, a lock file that is not a file). `what` names the
/// entry (`session`, `credentials`), `instead` says what is done without the lock. Every store
/// words it the same way.
pub(crate) fn lock_warning(error: &StoreError, what: &str, instead: &str) -> String {
    match error {
        StoreError::LockTimeout { waited, .. } => {
            format!("another process held the {what} lock for {waited:?}; {instead}")
        }
        other => format!("cannot lock the {what} cache ({other}); {instead}"),
    }
}

/// Takes the lock of `key`, or says why not: a lock that cannot be had (see [`lock_warning`])
/// is `None` and a warning, for a store that can go on without it (one that spends nothing,
/// as fetching role credentials). The cache's own warnings come along.
pub(crate) fn lock_or_warn(
    dir: &CacheDir,
    key: &str,
    wait: Duration,
    what: &str,
    instead: &str,
    warnings: &mut Vec<String>,
) -> Option<CacheLock> {
    let lock = dir.lock(key, wait);
    warnings.extend(dir.take_warnings());
    match lock {
        Ok(lock) => Some(lock),
        Err(e) => {
            warnings.push(lock_warning(&e, what, instead));
            None
        }
    }
}

/// What to do with a new entry that could not be written back (`saved`): it is good, so it is
/// used anyway, with a warning naming it (`what`) and saying what follows (`then`). The
/// cache's own warnings come along.
pub(crate) fn save_or_warn(
    dir: &CacheDir,
    saved: Result<(), StoreError>,
    what: &str,
    then: &str,
    warnings: &mut Vec<String>,
) {
    if let Err(e) = saved {
        warnings.push(format!("{what} could not be cached ({e}); {then}"));
    }
    warnings.extend(dir.take_warnings());
}

/// What a store's refresh step did with the entry it was given under the lock.
#[derive(Debug)]
pub(crate) enum Locked<T> {
    /// Nothing was sent (fresh again, not refreshable, throttled): the entry as it is.
    Kept(T),
    /// New tokens, to be written back, and what follows if they cannot be.
    New(T, UnsavedRefresh),
    /// The refresh failed and the entry is still valid: it is used, with the failure.
    Failed(T, String),
}

/// The lock held for a refresh: the last attempt it records, and the recording of a new one.
pub(crate) struct Attempt<'a> {
    lock: &'a mut CacheLock,
    warnings: &'a mut Vec<String>,
}

impl Attempt<'_> {
    /// When a refresh of the entry was last attempted, by any process.
    pub(crate) fn last(&mut self) -> Option<Timestamp> {
        self.lock
            .last_attempt()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .map(Timestamp::from)
    }

    /// A warning for the user.
    pub(crate) fn warn(&mut self, warning: String) {
        self.warnings.push(warning);
    }

    /// Records an attempt now, before the request goes; a record that cannot be written is a
    /// warning, not a failure.
    pub(crate) fn record(&mut self) {
        if let Err(e) = self
            .lock
            .record_attempt(OffsetDateTime::now_utc().unix_timestamp())
        {
            self.warnings
                .push(format!("cannot record the refresh attempt ({e})"));
        }
    }
}

/// One cache entry of a store, for [`refresh_locked`].
pub(crate) struct Entry<'a, V, L, S> {
    /// The cache directory and the entry's key (its lock is `<key>.lock`).
    pub dir: &'a CacheDir,
    /// The entry's key.
    pub key: &'a str,
    /// How long to wait for another process's lock.
    pub wait: Duration,
    /// Whether an entry's token is still valid now (usable, if not refreshed).
    pub valid: V,
    /// Reads the entry (again, under the lock).
    pub load: L,
    /// Writes a refreshed entry back.
    pub save: S,
}

/// Refreshes `cached` (read without the lock, found due) under its lock with `refresh`, as the
/// module says. Returns the entry to use and where it came from; warnings go to `warnings`.
pub(crate) fn refresh_locked<T, V, L, S>(
    entry: Entry<'_, V, L, S>,
    cached: T,
    warnings: &mut Vec<String>,
    refresh: impl FnOnce(T, &mut Attempt<'_>) -> Result<Locked<T>, SessionError>,
) -> Result<(T, TokenSource), SessionError>
where
    V: Fn(&T) -> bool,
    L: Fn() -> Result<T, SessionError>,
    S: FnOnce(&T) -> Result<(), StoreError>,
{
    let Entry {
        dir,
        key,
        wait,
        valid,
        load,
        save,
    } = entry;
    let mut lock = match dir.lock(key, wait) {
        Ok(lock) => lock,
        Err(e) if valid(&cached) => {
            warnings.extend(dir.take_warnings());
            warnings.push(lock_warning(
                &e,
                "session",
                "using the cached token without refreshing",
            ));
            return Ok((cached, TokenSource::Cached));
        }
        Err(e) => return Err(e.into()),
    };
    // Someone may have refreshed while we waited: read again under the lock.
    let again = load()?;
    let outcome = refresh(
        again,
        &mut Attempt {
            lock: &mut lock,
            warnings,
        },
    )?;
    warnings.extend(dir.take_warnings());
    let done = match outcome {
        Locked::Kept(entry) => (entry, TokenSource::Cached),
        Locked::New(entry, unsaved) => {
            // The new token is good even when it cannot be cached: use it, and say what follows.
            save_or_warn(
                dir,
                save(&entry),
                "the refreshed token",
                &unsaved.to_string(),
                warnings,
            );
            (entry, TokenSource::Refreshed)
        }
        Locked::Failed(entry, why) => {
            warnings.push(format!(
                "token refresh failed ({why}); using the cached token until it expires"
            ));
            (entry, TokenSource::RefreshFailed(why))
        }
    };
    drop(lock);
    Ok(done)
}
