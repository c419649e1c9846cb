//! The file-backed caches the AWS tools share, each a [`CacheDir`]: `~/.aws/sso/cache` (tokens
//! and registrations, [`SsoCache`]) and `~/.aws/cli/cache` (role credentials). Atomic writes
//! (temporary file in the same directory, fsync, rename), files 0600 and the directory 0700,
//! and advisory locks so that concurrent processes neither corrupt a file nor log in, refresh
//! or fetch credentials twice.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ssooidc_core::cache::{
    lock_record, parse_lock_record, CacheError, CachedRoleCredentials, CachedToken,
    MAX_CACHE_FILE_BYTES,
};
use ssooidc_core::registration::Registration;

/// A failure of the file store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// An I/O error on a path.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Another process held the lock for longer than the wait allowed.
    #[error("timed out after {waited:?} waiting for the lock {path} (another ssooidc is logging in or refreshing)")]
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
}

/// What a cache lookup found.
#[derive(Debug)]
pub enum Lookup<T> {
    /// A usable entry.
    Found(T),
    /// No file.
    Missing,
    /// A file that cannot be used (partial, corrupt, hostile, or of the other kind). It is
    /// left in place; the caller treats it as a miss and shows the warning.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why.
        error: CacheError,
    },
}

impl<T> Lookup<T> {
    /// The entry, if found.
    pub fn found(self) -> Option<T> {
        match self {
            Lookup::Found(t) => Some(t),
            _ => None,
        }
    }
}

/// A file format of a cache directory (the core's formats, read and written as the AWS CLI
/// does).
pub trait CacheEntry: Sized {
    /// Reads a file; an error makes the lookup [`Lookup::Corrupt`].
    fn from_json(bytes: &[u8]) -> Result<Self, CacheError>;
    /// The file's bytes.
    fn to_json(&self) -> String;
}

impl CacheEntry for CachedToken {
    fn from_json(bytes: &[u8]) -> Result<Self, CacheError> {
        CachedToken::from_json(bytes)
    }
    fn to_json(&self) -> String {
        CachedToken::to_json(self)
    }
}

impl CacheEntry for Registration {
    fn from_json(bytes: &[u8]) -> Result<Self, CacheError> {
        Registration::from_json(bytes)
    }
    fn to_json(&self) -> String {
        Registration::to_json(self)
    }
}

impl CacheEntry for CachedRoleCredentials {
    fn from_json(bytes: &[u8]) -> Result<Self, CacheError> {
        CachedRoleCredentials::from_json(bytes)
    }
    fn to_json(&self) -> String {
        CachedRoleCredentials::to_json(self)
    }
}

/// A cache directory: `<key>.json` files of a [`CacheEntry`] format, written atomically, and
/// `<key>.lock` files.
#[derive(Debug, Clone)]
pub struct CacheDir {
    dir: PathBuf,
}

/// The SSO cache directory (`~/.aws/sso/cache`): tokens and registrations.
pub type SsoCache = CacheDir;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

impl CacheDir {
    /// A cache in `dir` (`~/.aws/sso/cache`, `~/.aws/cli/cache`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        CacheDir { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for cache key `key`.
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// Reads the file of `key`, at most [`MAX_CACHE_FILE_BYTES`] (+1 to detect larger files).
    fn read(&self, key: &str) -> Result<Option<(PathBuf, Vec<u8>)>, StoreError> {
        let path = self.path(key);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_CACHE_FILE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io_err(&path))?;
        Ok(Some((path, bytes)))
    }

    /// Loads the file of `key` as a `T`.
    pub fn load<T: CacheEntry>(&self, key: &str) -> Result<Lookup<T>, StoreError> {
        Ok(match self.read(key)? {
            None => Lookup::Missing,
            Some((path, bytes)) => match T::from_json(&bytes) {
                Ok(entry) => Lookup::Found(entry),
                Err(error) => Lookup::Corrupt { path, error },
            },
        })
    }

    /// Writes `entry` as the file of `key`, atomically.
    pub fn save<T: CacheEntry>(&self, key: &str, entry: &T) -> Result<PathBuf, StoreError> {
        self.write_atomic(key, entry.to_json().as_bytes())
    }

    /// Loads a token file.
    pub fn load_token(&self, key: &str) -> Result<Lookup<CachedToken>, StoreError> {
        self.load(key)
    }

    /// Loads a registration file.
    pub fn load_registration(&self, key: &str) -> Result<Lookup<Registration>, StoreError> {
        self.load(key)
    }

    /// Writes a token file atomically.
    pub fn save_token(&self, key: &str, token: &CachedToken) -> Result<PathBuf, StoreError> {
        self.save(key, token)
    }

    /// Writes a registration file atomically.
    pub fn save_registration(
        &self,
        key: &str,
        registration: &Registration,
    ) -> Result<PathBuf, StoreError> {
        self.save(key, registration)
    }

    /// Deletes the file of `key`; a missing file is fine.
    pub fn remove(&self, key: &str) -> Result<bool, StoreError> {
        let path = self.path(key);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// Every `*.json` file of the directory that parses as a token file, with its key.
    /// Registration files and unreadable files are skipped.
    pub fn tokens(&self) -> Result<Vec<(String, CachedToken)>, StoreError> {
        let mut out = Vec::new();
        for key in self.keys_where(|_| true)? {
            if let Ok(Lookup::Found(token)) = self.load_token(&key) {
                out.push((key, token));
            }
        }
        Ok(out)
    }

    /// The keys of the `*.json` files whose bytes (at most [`MAX_CACHE_FILE_BYTES`] + 1 are
    /// read) satisfy `select`, in order; files that cannot be read are skipped.
    pub fn keys_where(&self, select: impl Fn(&[u8]) -> bool) -> Result<Vec<String>, StoreError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&self.dir)(e)),
        };
        let mut keys = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(key) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if let Ok(Some((_, bytes))) = self.read(key) {
                if select(&bytes) {
                    keys.push(key.to_owned());
                }
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// Creates the directory (0700) if needed.
    pub fn ensure_dir(&self) -> Result<(), StoreError> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.dir).map_err(io_err(&self.dir))
    }

    /// Replaces the file of `key` with `bytes`: a 0600 temporary file in the same directory,
    /// written and fsynced, then renamed over the target, then the directory fsynced. A crash at
    /// any point leaves the previous file whole.
    pub fn write_atomic(&self, key: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        self.ensure_dir()?;
        let target = self.path(key);
        let temp = self.dir.join(format!(
            ".{key}.json.{}.{}.tmp",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let result = (|| {
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&temp).map_err(io_err(&temp))?;
            file.write_all(bytes).map_err(io_err(&temp))?;
            file.sync_all().map_err(io_err(&temp))?;
            drop(file);
            fs::rename(&temp, &target).map_err(io_err(&target))?;
            // Make the rename itself durable.
            if let Ok(dir) = File::open(&self.dir) {
                let _ = dir.sync_all();
            }
            Ok(target.clone())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    /// Takes the advisory lock of `key` (a `<key>.lock` file beside the cache file), waiting at
    /// most `wait`. The lock is released when the guard drops or the process dies.
    pub fn lock(&self, key: &str, wait: Duration) -> Result<CacheLock, StoreError> {
        self.ensure_dir()?;
        let path = self.dir.join(format!("{key}.lock"));
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(io_err(&path))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(CacheLock { file, path }),
                Err(std::fs::TryLockError::WouldBlock) => {
                    if started.elapsed() >= wait {
                        return Err(StoreError::LockTimeout {
                            path,
                            waited: started.elapsed(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(20).min(wait));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&path)(e)),
            }
        }
    }
}

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
        use std::io::Seek;
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

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ssooidc-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn atomic_write_modes_and_round_trip() {
        let dir = temp_dir("modes");
        let cache = SsoCache::new(dir.join("sso").join("cache"));
        let token = CachedToken::from_json(
            br#"{"accessToken":"a","expiresAt":"2026-01-01T00:00:00Z","region":"us-east-1"}"#,
        )
        .unwrap();
        let path = cache.save_token("k", &token).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), token.to_json());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            assert_eq!(
                fs::metadata(cache.dir()).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
        assert_eq!(cache.load_token("k").unwrap().found(), Some(token));
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(cache.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn corrupt_files_are_misses_and_stay() {
        let dir = temp_dir("corrupt");
        let cache = SsoCache::new(&dir);
        cache.ensure_dir().unwrap();
        fs::write(cache.path("bad"), b"{\"accessToken\":\"a\",\"expi").unwrap();
        assert!(matches!(
            cache.load_token("bad").unwrap(),
            Lookup::Corrupt { .. }
        ));
        assert!(cache.path("bad").exists(), "not silently deleted");
        fs::write(cache.path("huge"), vec![b' '; MAX_CACHE_FILE_BYTES + 10]).unwrap();
        assert!(matches!(
            cache.load_token("huge").unwrap(),
            Lookup::Corrupt {
                error: CacheError::TooLarge(_),
                ..
            }
        ));
        assert!(matches!(cache.load_token("none").unwrap(), Lookup::Missing));
        fs::remove_dir_all(dir).unwrap();
    }

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

    #[test]
    fn one_cache_dir_type_serves_the_role_credential_cache() {
        let dir = temp_dir("cli-cache");
        let cache = CacheDir::new(dir.join("cli").join("cache"));
        let entry = CachedRoleCredentials::from_json(
            br#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-01-15T19:00:00Z", "AccountId": "1"}}"#,
        )
        .unwrap();
        let path = cache.save("role", &entry).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), entry.to_json());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert_eq!(
            cache.load::<CachedRoleCredentials>("role").unwrap().found(),
            Some(entry)
        );
        fs::write(cache.path("other"), br#"{"ProviderType": "assume-role"}"#).unwrap();
        fs::write(cache.path("bad"), b"1700000000").unwrap();
        assert_eq!(
            cache
                .keys_where(ssooidc_core::cache::is_logout_credentials_file)
                .unwrap(),
            ["role"]
        );
        assert_eq!(
            cache.keys_where(|_| true).unwrap(),
            ["bad", "other", "role"]
        );
        assert!(matches!(
            cache.load::<CachedRoleCredentials>("other").unwrap(),
            Lookup::Corrupt { .. }
        ));
        fs::remove_dir_all(dir).unwrap();
    }
}
