//! [`SessionFiles`]: the file operations a session machine asks for
//! ([`ssooidc_core::sessions::SessionIo`]), done on the two cache directories, for
//! every adapter. The locks taken stay here until the machine unlocks them or this value is
//! dropped (the end of the drive, however it ends).
//!
//! Taking a lock is the one operation that can wait. [`SessionFiles::perform`] waits by sleeping
//! (a blocking driver); an async driver takes the lock with [`CacheDir::try_lock`] between its
//! own timer's sleeps instead and gives the outcome to [`SessionFiles::adopt`], so that both
//! answer the machine alike.

use std::path::PathBuf;

use ssooidc_core::sessions::{CacheDirectory, CacheFile, IoAnswer, LockAnswer, SessionIo};

use crate::store::{CacheDir, CacheLock, StoreError};

/// The cache directories of the sessions and the locks a drive holds.
#[derive(Debug)]
pub struct SessionFiles<'a> {
    sso: &'a CacheDir,
    cli: &'a CacheDir,
    oauth: &'a CacheDir,
    /// The locks held (a drive holds one or two: the credentials' and the token's).
    locks: Vec<(CacheFile, CacheLock)>,
}

impl<'a> SessionFiles<'a> {
    /// The SSO cache (`~/.aws/sso/cache`) and the AWS CLI's credential cache
    /// (`~/.aws/cli/cache`).
    pub fn new(sso: &'a CacheDir, cli: &'a CacheDir) -> Self {
        SessionFiles {
            sso,
            cli,
            oauth: sso,
            locks: Vec::new(),
        }
    }

    /// The token cache of `ssooidc oauth` alone (an OAuth session touches no other).
    pub fn oauth(dir: &'a CacheDir) -> Self {
        SessionFiles {
            sso: dir,
            cli: dir,
            oauth: dir,
            locks: Vec::new(),
        }
    }

    /// The directory of `file`.
    pub fn dir(&self, file: &CacheFile) -> &'a CacheDir {
        match file.directory {
            CacheDirectory::Sso => self.sso,
            CacheDirectory::Cli => self.cli,
            CacheDirectory::OAuth => self.oauth,
        }
    }

    /// Does `io` and gives the machine's answer. A lock is waited for by sleeping (see
    /// [`adopt`](Self::adopt) for drivers that must not block).
    pub fn perform(&mut self, io: SessionIo) -> IoAnswer<StoreError> {
        match io {
            SessionIo::ReadToken(file) => IoAnswer::Token(self.dir(&file).load_token(&file.key)),
            SessionIo::ReadCredentials(file) => {
                IoAnswer::Credentials(self.dir(&file).load(&file.key))
            }
            SessionIo::ReadOAuth(file) => IoAnswer::OAuth(self.dir(&file).load(&file.key)),
            SessionIo::Lock { file, wait } => {
                let lock = self.dir(&file).lock(&file.key, wait);
                IoAnswer::Lock(self.adopt(file, lock))
            }
            SessionIo::RecordAttempt { file, at } => {
                IoAnswer::Written(match self.lock_of(&file) {
                    Some(lock) => lock.record_attempt(at),
                    // The machine records only in a lock it holds: nothing to record in.
                    None => Ok(()),
                })
            }
            SessionIo::WriteToken { file, token } => {
                IoAnswer::Written(self.dir(&file).save_token(&file.key, &token).map(drop))
            }
            SessionIo::WriteCredentials { file, credentials } => {
                IoAnswer::Written(self.dir(&file).save(&file.key, &credentials).map(drop))
            }
            SessionIo::WriteOAuth { file, entry } => {
                IoAnswer::Written(self.dir(&file).save(&file.key, &entry).map(drop))
            }
            SessionIo::Unlock(file) => {
                self.locks.retain(|(held, _)| *held != file);
                IoAnswer::Unlocked
            }
        }
    }

    /// The held lock of `file`.
    fn lock_of(&mut self, file: &CacheFile) -> Option<&mut CacheLock> {
        self.locks
            .iter_mut()
            .find(|(held, _)| held == file)
            .map(|(_, lock)| lock)
    }

    /// The path of `file`.
    pub fn path(&self, file: &CacheFile) -> PathBuf {
        self.dir(file).path(&file.key)
    }

    /// The warnings of both directories since the last call (modes repaired, files skipped).
    pub fn take_warnings(&self) -> Vec<String> {
        let mut warnings = self.sso.take_warnings();
        for other in [self.cli, self.oauth] {
            if !std::ptr::eq(self.sso, other) {
                warnings.extend(other.take_warnings());
            }
        }
        warnings
    }

    /// The answer to a [`SessionIo::Lock`] of `file` whose wait ended with `lock`: a lock
    /// taken is kept (until [`SessionIo::Unlock`] or the drop of this value), a wait that ran
    /// out is [`LockAnswer::TimedOut`]. An async driver takes the lock on its own timer
    /// ([`CacheDir::try_lock`] between sleeps) and hands the outcome here.
    pub fn adopt(
        &mut self,
        file: CacheFile,
        lock: Result<CacheLock, StoreError>,
    ) -> LockAnswer<StoreError> {
        match lock {
            Ok(mut lock) => {
                let last_attempt = lock.last_attempt();
                self.locks.retain(|(held, _)| *held != file);
                self.locks.push((file, lock));
                LockAnswer::Held { last_attempt }
            }
            Err(StoreError::LockTimeout { path, waited }) => LockAnswer::TimedOut {
                waited,
                error: StoreError::LockTimeout { path, waited },
            },
            Err(e) => LockAnswer::Failed(e),
        }
    }
}
