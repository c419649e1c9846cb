//! File-backed caches: [`CacheDir`], a directory of `<key>.json` files with atomic writes
//! (temporary file in the same directory, fsync, rename), files 0600 and the directory 0700, and
//! advisory locks so that concurrent processes neither corrupt a file nor log in or refresh
//! twice; and on it the AWS SSO cache ([`SsoCache`], `~/.aws/sso/cache`) and the cache of
//! `ssooidc oauth` ([`OAuthCache`], `$XDG_CACHE_HOME/ssooidc/oauth`).

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ssooidc_core::cache::{CacheError, CachedToken, OAuthCacheEntry, MAX_CACHE_FILE_BYTES};
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

/// A cache directory of `<key>.json` files: atomic writes, modes, locks. The caches of this
/// crate ([`SsoCache`], [`OAuthCache`]) are this with their formats.
#[derive(Debug, Clone)]
pub struct CacheDir {
    dir: PathBuf,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

impl CacheDir {
    /// A cache in `dir`.
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
    pub fn read(&self, key: &str) -> Result<Option<(PathBuf, Vec<u8>)>, StoreError> {
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

    /// Reads the file of `key` and parses it with `parse`: a file that does not parse is
    /// [`Lookup::Corrupt`], left in place.
    pub fn load<T>(
        &self,
        key: &str,
        parse: impl FnOnce(&[u8]) -> Result<T, CacheError>,
    ) -> Result<Lookup<T>, StoreError> {
        Ok(match self.read(key)? {
            None => Lookup::Missing,
            Some((path, bytes)) => match parse(&bytes) {
                Ok(t) => Lookup::Found(t),
                Err(error) => Lookup::Corrupt { path, error },
            },
        })
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

    /// The keys of every `*.json` file of the directory, sorted (none when it does not exist).
    pub fn keys(&self) -> Result<Vec<String>, StoreError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&self.dir)(e)),
        };
        let mut keys: Vec<String> = entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name();
                let key = name.to_str()?.strip_suffix(".json")?;
                (!key.starts_with('.')).then(|| key.to_owned())
            })
            .collect();
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

/// The SSO cache directory (`~/.aws/sso/cache`): token and registration files in the AWS CLI's
/// formats, on a [`CacheDir`].
#[derive(Debug, Clone)]
pub struct SsoCache {
    dir: CacheDir,
}

impl SsoCache {
    /// A cache in `dir` (normally `~/.aws/sso/cache`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SsoCache {
            dir: CacheDir::new(dir),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        self.dir.dir()
    }

    /// The file for cache key `key`.
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.path(key)
    }

    /// Loads a token file.
    pub fn load_token(&self, key: &str) -> Result<Lookup<CachedToken>, StoreError> {
        self.dir.load(key, CachedToken::from_json)
    }

    /// Loads a registration file.
    pub fn load_registration(&self, key: &str) -> Result<Lookup<Registration>, StoreError> {
        self.dir.load(key, Registration::from_json)
    }

    /// Writes a token file atomically.
    pub fn save_token(&self, key: &str, token: &CachedToken) -> Result<PathBuf, StoreError> {
        self.dir.write_atomic(key, token.to_json().as_bytes())
    }

    /// Writes a registration file atomically.
    pub fn save_registration(
        &self,
        key: &str,
        registration: &Registration,
    ) -> Result<PathBuf, StoreError> {
        self.dir
            .write_atomic(key, registration.to_json().as_bytes())
    }

    /// Deletes the file of `key`; a missing file is fine.
    pub fn remove(&self, key: &str) -> Result<bool, StoreError> {
        self.dir.remove(key)
    }

    /// Every `*.json` file of the directory that parses as a token file, with its key.
    /// Registration files and unreadable files are skipped.
    pub fn tokens(&self) -> Result<Vec<(String, CachedToken)>, StoreError> {
        let mut out = Vec::new();
        for key in self.dir.keys()? {
            if let Ok(Lookup::Found(token)) = self.load_token(&key) {
                out.push((key, token));
            }
        }
        Ok(out)
    }

    /// Creates the directory (0700) if needed.
    pub fn ensure_dir(&self) -> Result<(), StoreError> {
        self.dir.ensure_dir()
    }

    /// Replaces the file of `key` with `bytes` atomically ([`CacheDir::write_atomic`]).
    pub fn write_atomic(&self, key: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        self.dir.write_atomic(key, bytes)
    }

    /// Takes the advisory lock of `key` ([`CacheDir::lock`]).
    pub fn lock(&self, key: &str, wait: Duration) -> Result<CacheLock, StoreError> {
        self.dir.lock(key, wait)
    }
}

/// The token cache of `ssooidc oauth` (`$XDG_CACHE_HOME/ssooidc/oauth`): one
/// [`OAuthCacheEntry`] per provider, client and scopes, on a [`CacheDir`].
#[derive(Debug, Clone)]
pub struct OAuthCache {
    dir: CacheDir,
}

impl OAuthCache {
    /// A cache in `dir` (normally `$XDG_CACHE_HOME/ssooidc/oauth`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        OAuthCache {
            dir: CacheDir::new(dir),
        }
    }

    /// The directory, with its generic operations (paths, locks, removal).
    pub fn dir(&self) -> &CacheDir {
        &self.dir
    }

    /// Loads the entry of `key`.
    pub fn load(&self, key: &str) -> Result<Lookup<OAuthCacheEntry>, StoreError> {
        self.dir.load(key, OAuthCacheEntry::from_json)
    }

    /// Writes `entry` atomically under its key.
    pub fn save(&self, entry: &OAuthCacheEntry) -> Result<PathBuf, StoreError> {
        self.dir
            .write_atomic(&entry.key(), entry.to_json().as_bytes())
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
        text.trim().parse().ok()
    }

    /// Records a refresh attempt at `epoch_seconds`.
    pub fn record_attempt(&mut self, epoch_seconds: i64) -> Result<(), StoreError> {
        use std::io::Seek;
        let path = self.path.clone();
        self.file.set_len(0).map_err(io_err(&path))?;
        self.file.rewind().map_err(io_err(&path))?;
        self.file
            .write_all(epoch_seconds.to_string().as_bytes())
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
    fn the_oauth_cache_shares_the_directory_rules() {
        let dir = temp_dir("oauth");
        let cache = OAuthCache::new(dir.join("ssooidc").join("oauth"));
        let entry = OAuthCacheEntry::from_json(
            br#"{"provider":"https://idp.example.com","client_id":"cli","scopes":["openid"],"access_token":"at","token_type":"Bearer"}"#,
        )
        .unwrap();
        let path = cache.save(&entry).unwrap();
        assert_eq!(path, cache.dir().path(&entry.key()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            assert_eq!(
                fs::metadata(cache.dir().dir())
                    .unwrap()
                    .permissions()
                    .mode()
                    & 0o777,
                0o700
            );
        }
        assert_eq!(
            cache.load(&entry.key()).unwrap().found(),
            Some(entry.clone())
        );
        assert_eq!(cache.dir().keys().unwrap(), [entry.key()]);
        fs::write(cache.dir().path("broken"), b"{").unwrap();
        assert!(matches!(
            cache.load("broken").unwrap(),
            Lookup::Corrupt { .. }
        ));
        assert!(cache.dir().remove(&entry.key()).unwrap());
        assert!(matches!(cache.load(&entry.key()).unwrap(), Lookup::Missing));
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
        fs::remove_dir_all(dir).unwrap();
    }
}
