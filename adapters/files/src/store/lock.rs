//! The lock-file protocol of a cache directory: a `<key>.lock` file beside the cache file,
//! held with an advisory lock while a process logs in, refreshes or fetches credentials, and
//! recording the last refresh attempt so that the at-most-one-attempt-per-60-s rule holds
//! across processes. A wait that lasts [`LOCK_WAIT_NOTICE`] is announced.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ssooidc_core::cache::{lock_record, parse_lock_record};

use super::{file_err, io_err, CacheDir, StoreError};
use crate::files;

/// Called when a wait for a lock has lasted [`LOCK_WAIT_NOTICE`]: the lock file and the longest
/// the wait may last.
pub(super) type LockWaitNotice = Arc<dyn Fn(&Path, Duration) + Send + Sync>;

/// A wait for a lock that lasts this long is announced (see [`CacheDir::on_lock_wait`]).
pub const LOCK_WAIT_NOTICE: Duration = Duration::from_secs(1);

impl CacheDir {
    /// Calls `notice` (with the lock file and the longest the wait may last) once whenever a
    /// wait for a lock of this cache lasts [`LOCK_WAIT_NOTICE`], so that a person is not left
    /// looking at a silent terminal while another process logs in.
    pub fn on_lock_wait(
        mut self,
        notice: impl Fn(&Path, Duration) + Send + Sync + 'static,
    ) -> Self {
        self.on_lock_wait = Some(Arc::new(notice));
        self
    }

    /// Takes the advisory lock of `key` (a `<key>.lock` file beside the cache file), waiting at
    /// most `wait`. The lock is released when the guard drops or the process dies. The lock
    /// file is never opened through a link nor waited on when it is a FIFO.
    ///
    /// It is an exclusive `flock(2)` lock on the whole file (`LockFileEx` on Windows): another
    /// program that shares the cache takes the same kind, as the project's
    /// [on-disk protocol](https://github.com/ssooidc/ssooidc/blob/main/docs/protocol/sharing.md)
    /// specifies.
    pub fn lock(&self, key: &str, wait: Duration) -> Result<CacheLock, StoreError> {
        let started = Instant::now();
        let mut announced = false;
        loop {
            if let Some(lock) = self.try_lock(key)? {
                return Ok(lock);
            }
            let waited = started.elapsed();
            if waited >= wait {
                return Err(self.lock_timeout(key, waited));
            }
            if !announced && waited >= LOCK_WAIT_NOTICE {
                announced = true;
                self.notice_lock_wait(key, wait);
            }
            std::thread::sleep(LOCK_POLL.min(wait - waited));
        }
    }

    /// Takes the advisory lock of `key` if no other process holds it, without waiting:
    /// `Ok(None)` when it is held. For drivers that wait on their own timer between tries
    /// (the async adapter, which must not block its executor); [`lock`](Self::lock) is this in
    /// a loop with sleeps.
    pub fn try_lock(&self, key: &str) -> Result<Option<CacheLock>, StoreError> {
        self.check_dir()?;
        self.ensure_dir()?;
        let path = self.lock_path(key);
        let file = files::open_lock_file(&path).map_err(file_err(&path))?;
        self.secure_file(&file, &path);
        match file.try_lock() {
            Ok(()) => Ok(Some(CacheLock { file, path })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(io_err(&path)(e)),
        }
    }

    /// The error of a wait for the lock of `key` that lasted `waited` and ran out.
    pub fn lock_timeout(&self, key: &str, waited: Duration) -> StoreError {
        StoreError::LockTimeout {
            path: self.lock_path(key),
            waited,
        }
    }

    /// Announces, to the notice set with [`on_lock_wait`](Self::on_lock_wait), that a wait for
    /// the lock of `key` has lasted [`LOCK_WAIT_NOTICE`] and may last `wait`.
    pub fn notice_lock_wait(&self, key: &str, wait: Duration) {
        if let Some(notice) = &self.on_lock_wait {
            notice(&self.lock_path(key), wait);
        }
    }

    /// The lock file of `key`.
    fn lock_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.lock"))
    }
}

/// How often [`CacheDir::lock`] tries a held lock again.
pub const LOCK_POLL: Duration = Duration::from_millis(20);

/// A held cache lock. Its file records when a refresh was last attempted, so that the
/// at-most-one-attempt-per-60-s rule holds across processes.
#[derive(Debug)]
pub struct CacheLock {
    file: File,
    path: PathBuf,
}

impl CacheLock {
    /// The last refresh attempt recorded in the lock file, in epoch seconds.
    pub fn last_attempt(&mut self) -> Option<i64> {
        use std::io::{Read, Seek};
        let mut text = String::new();
        self.file.rewind().ok()?;
        (&self.file).take(64).read_to_string(&mut text).ok()?;
        parse_lock_record(&text)
    }

    /// Records a refresh attempt at `epoch_seconds`, as a JSON object that `aws sso logout`
    /// (which parses every file of the directory) skips.
    pub fn record_attempt(&mut self, epoch_seconds: i64) -> Result<(), StoreError> {
        use std::io::Seek;
        let path = self.path.clone();
        self.file.set_len(0).map_err(io_err(&path))?;
        self.file.rewind().map_err(io_err(&path))?;
        self.file
            .write_all(lock_record(epoch_seconds).as_bytes())
            .map_err(io_err(&path))
    }
}

impl Drop for CacheLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    use crate::store::tests::temp_dir;
    use crate::store::SsoCache;

    #[test]
    fn lock_excludes_and_records_attempts() {
        let dir = temp_dir("lock");
        let cache = SsoCache::new(&dir);
        let mut first = cache.lock("k", Duration::from_secs(1)).unwrap();
        assert_eq!(first.last_attempt(), None);
        first.record_attempt(1_700_000_000).unwrap();
        assert!(matches!(
            cache.lock("k", Duration::from_millis(50)),
            Err(StoreError::LockTimeout { .. })
        ));
        drop(first);
        let mut second = cache.lock("k", Duration::from_secs(1)).unwrap();
        assert_eq!(second.last_attempt(), Some(1_700_000_000));
        drop(second);
        // A JSON object without `accessToken`: what `aws sso logout` skips.
        let record = fs::read_to_string(dir.join("k.lock")).unwrap();
        assert_eq!(record, r#"{"lastRefreshAttempt": 1700000000}"#);
        // The bare number of earlier versions is still read.
        fs::write(dir.join("k.lock"), "1600000000").unwrap();
        assert_eq!(
            cache
                .lock("k", Duration::from_secs(1))
                .unwrap()
                .last_attempt(),
            Some(1_600_000_000)
        );
        fs::remove_dir_all(dir).unwrap();
    }
}
