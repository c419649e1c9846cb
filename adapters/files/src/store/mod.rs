//! The file-backed caches, each a [`CacheDir`]: the two the AWS tools share, `~/.aws/sso/cache`
//! (tokens and registrations, [`SsoCache`]) and `~/.aws/cli/cache` (role credentials), and the
//! cache of `ssooidc oauth` ([`OAuthCache`], `$XDG_CACHE_HOME/ssooidc/oauth`). Atomic writes
//! (temporary file in the same directory, fsync, rename), files 0600 and the directory 0700,
//! and advisory locks so that concurrent processes neither corrupt a file nor log in, refresh
//! or fetch credentials twice.
//!
//! A cache directory is a place where a careless or hostile neighbour may have been first, so
//! every file in it is opened through `crate::files`: never through a symbolic link, never
//! waiting on a FIFO, regular files only, reads capped. Before each use the directory itself is
//! checked: one that another user owns, or that others can write and this user cannot repair,
//! is refused ([`StoreError::Insecure`]); looser modes on what this user owns are repaired
//! (directory 0700 without group or other write, files 0600) with a warning
//! ([`CacheDir::take_warnings`]). Temporary files left by a writer that died are removed by the
//! next write or removal.

// This file is the typed front end. The lock-file protocol (`CacheDir::lock`, `CacheLock`) is in
// `lock.rs`; the safe handling of the directory's files (checks, reads, atomic writes, the sweep
// of stale temporary files, removal) in `safe_dir.rs`.
mod lock;
mod safe_dir;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ssooidc_core::cache::{CacheError, CachedRoleCredentials, CachedToken, OAuthCacheEntry};
use ssooidc_core::config::FileProblem;
use ssooidc_core::registration::Registration;

pub use lock::{CacheLock, LOCK_POLL, LOCK_WAIT_NOTICE};
pub use ssooidc_core::cache::Lookup;

use lock::LockWaitNotice;
use safe_dir::RawFile;

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
    /// A file of the cache (a lock file) cannot be used: a symbolic link, a FIFO, a directory,
    /// or unreadable.
    #[error("{path}: {problem}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: FileProblem,
    },
    /// The cache directory is not safe to keep secrets in, and it is not this user's to repair.
    #[error("the cache directory {path} is not safe to use: {exposure}")]
    Insecure {
        /// The directory.
        path: PathBuf,
        /// Who else could read, replace or plant files in it.
        exposure: Exposure,
    },
}

/// Why a cache directory is refused ([`StoreError::Insecure`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Exposure {
    /// It belongs to another user (not to this one, nor to root), who could read, replace or
    /// plant its files.
    #[error("it belongs to uid {owner}, not to you (uid {user}); its owner could read, replace or plant cache files")]
    OtherOwner {
        /// The directory's owner.
        owner: u32,
        /// This process's effective user.
        user: u32,
    },
    /// Other users can write in it (group or world writable, or a shared sticky directory) and
    /// it is not this user's to repair.
    #[error("other users can create, replace or delete files in it (mode {mode:04o}) and it is not yours to repair")]
    WritableByOthers {
        /// Its permission bits.
        mode: u32,
    },
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

impl CacheEntry for OAuthCacheEntry {
    fn from_json(bytes: &[u8]) -> Result<Self, CacheError> {
        OAuthCacheEntry::from_json(bytes)
    }
    fn to_json(&self) -> String {
        OAuthCacheEntry::to_json(self)
    }
}

/// A cache directory: `<key>.json` files of a [`CacheEntry`] format, written atomically, and
/// `<key>.lock` files.
#[derive(Clone)]
pub struct CacheDir {
    dir: PathBuf,
    /// Warnings for the user (repaired modes, unusable files), shared by clones.
    warnings: Arc<Mutex<Vec<String>>>,
    on_lock_wait: Option<LockWaitNotice>,
}

/// The SSO cache directory (`~/.aws/sso/cache`): tokens and registrations.
pub type SsoCache = CacheDir;

impl std::fmt::Debug for CacheDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheDir").field("dir", &self.dir).finish()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

fn file_err(path: &Path) -> impl FnOnce(FileProblem) -> StoreError + '_ {
    move |problem| StoreError::File {
        path: path.to_owned(),
        problem,
    }
}

impl CacheDir {
    /// A cache in `dir` (`~/.aws/sso/cache`, `~/.aws/cli/cache`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        CacheDir {
            dir: dir.into(),
            warnings: Arc::default(),
            on_lock_wait: None,
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for cache key `key`.
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The warnings gathered since the last call (a mode repaired, an unusable file skipped),
    /// for the user.
    pub fn take_warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default()
    }

    fn warn(&self, warning: String) {
        if let Ok(mut w) = self.warnings.lock() {
            if !w.contains(&warning) {
                w.push(warning);
            }
        }
    }

    /// Whether the file of `key` was written at or after `since` (by its modification time,
    /// never through a link). A file that is not there, or whose time cannot be read, was not.
    pub fn written_since(&self, key: &str, since: std::time::SystemTime) -> bool {
        std::fs::symlink_metadata(self.path(key))
            .and_then(|m| m.modified())
            .is_ok_and(|m| m >= since)
    }

    /// Loads the file of `key` as a `T`.
    pub fn load<T: CacheEntry>(&self, key: &str) -> Result<Lookup<T>, StoreError> {
        Ok(match self.read(key)? {
            None => Lookup::Missing,
            Some(RawFile { path, bytes }) => match bytes.and_then(|b| T::from_json(&b)) {
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

    /// Every `*.json` file of the directory that parses as a token file, with its key.
    /// Registration files are skipped; any other file (corrupt, a link, a FIFO, not a cache
    /// file) is skipped with a warning ([`take_warnings`](Self::take_warnings)).
    pub fn tokens(&self) -> Result<Vec<(String, CachedToken)>, StoreError> {
        let mut out = Vec::new();
        for key in self.json_keys()? {
            let key = key.as_str();
            let error = match self.read(key) {
                Ok(Some(RawFile {
                    path,
                    bytes: Ok(bytes),
                })) => match CachedToken::from_json(&bytes) {
                    Ok(token) => {
                        out.push((key.to_owned(), token));
                        continue;
                    }
                    Err(_) if Registration::from_json(&bytes).is_ok() => continue,
                    Err(e) => (path, e.to_string()),
                },
                Ok(Some(RawFile {
                    path,
                    bytes: Err(e),
                })) => (path, e.to_string()),
                Ok(None) => continue,
                Err(e) => (self.path(key), e.to_string()),
            };
            self.warn(format!(
                "skipping {}: not a usable token or registration file ({})",
                error.0.display(),
                error.1
            ));
        }
        Ok(out)
    }

    /// The keys of the `*.json` files whose bytes satisfy `select`, in order; files that
    /// cannot be read (too large, a link, a FIFO) are skipped.
    pub fn keys_where(&self, select: impl Fn(&[u8]) -> bool) -> Result<Vec<String>, StoreError> {
        let mut keys = self.json_keys()?;
        keys.retain(|key| {
            matches!(
                self.read(key),
                Ok(Some(RawFile { bytes: Ok(bytes), .. })) if select(&bytes)
            )
        });
        Ok(keys)
    }
}

/// The token cache of `ssooidc oauth` (`$XDG_CACHE_HOME/ssooidc/oauth`): one
/// [`OAuthCacheEntry`] per provider, client and scopes, on a [`CacheDir`] (with its checks,
/// locks and atomic writes).
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
        self.dir.load(key)
    }

    /// Writes `entry` atomically under its key.
    pub fn save(&self, entry: &OAuthCacheEntry) -> Result<PathBuf, StoreError> {
        self.dir.save(&entry.key(), entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    use ssooidc_core::cache::MAX_CACHE_FILE_BYTES;

    /// A fresh directory for one test of `store` (and of its submodules): not yet created.
    pub(super) fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ssooidc-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
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
