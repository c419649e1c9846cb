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

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ssooidc_core::cache::{
    lock_record, parse_lock_record, CacheError, CachedRoleCredentials, CachedToken,
    OAuthCacheEntry, MAX_CACHE_FILE_BYTES,
};
use ssooidc_core::config::FileProblem;
use ssooidc_core::registration::Registration;

use crate::files::{self, Links};

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

/// What a cache lookup found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Lookup<T> {
    /// A usable entry.
    Found(T),
    /// No file.
    Missing,
    /// A file that cannot be used (partial, corrupt, hostile, of the other kind, a link, a
    /// FIFO). It is left in place; the caller treats it as a miss and shows the warning.
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

/// Called when a wait for a lock has lasted [`LOCK_WAIT_NOTICE`]: the lock file and the longest
/// the wait may last.
type LockWaitNotice = Arc<dyn Fn(&Path, Duration) + Send + Sync>;

/// A wait for a lock that lasts this long is announced (see [`CacheDir::on_lock_wait`]).
pub const LOCK_WAIT_NOTICE: Duration = Duration::from_secs(1);

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

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

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

    /// Checks the directory before it is used (a missing one is fine: it is created 0700).
    /// Refuses one another user owns or others can write and this user cannot repair; takes
    /// group and other write permission off one this user owns, with a warning.
    fn check_dir(&self) -> Result<(), StoreError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let metadata = match fs::metadata(&self.dir) {
                Ok(m) if m.is_dir() => m,
                // Not there yet, or not a directory: the operation itself says so.
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(io_err(&self.dir)(e)),
            };
            let user = nix::unistd::geteuid().as_raw();
            let (owner, mode) = (metadata.uid(), metadata.mode() & 0o7777);
            let insecure = |exposure| StoreError::Insecure {
                path: self.dir.clone(),
                exposure,
            };
            if owner != user && owner != 0 {
                return Err(insecure(Exposure::OtherOwner { owner, user }));
            }
            if mode & 0o022 != 0 {
                // A sticky directory is shared by design (`/tmp`): never "repaired".
                if owner != user || mode & 0o1000 != 0 {
                    return Err(insecure(Exposure::WritableByOthers { mode }));
                }
                let repaired = mode & !0o077;
                fs::set_permissions(&self.dir, fs::Permissions::from_mode(repaired))
                    .map_err(io_err(&self.dir))?;
                self.warn(format!(
                    "the cache directory {} was mode {mode:04o}, so other users could plant or replace files in it; set it to {repaired:04o}",
                    self.dir.display()
                ));
            }
        }
        Ok(())
    }

    /// Takes group and other permissions off a cache file this user owns (they hold secrets),
    /// through the open file, with a warning.
    fn secure_file(&self, file: &File, path: &Path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let Ok(metadata) = file.metadata() else {
                return;
            };
            let mode = metadata.mode() & 0o7777;
            if mode & 0o077 == 0 || metadata.uid() != nix::unistd::geteuid().as_raw() {
                return;
            }
            let repaired = mode & 0o700 | 0o600;
            if file
                .set_permissions(fs::Permissions::from_mode(repaired))
                .is_ok()
            {
                self.warn(format!(
                    "{} was mode {mode:04o}, readable or writable by other users; set it to {repaired:04o}",
                    path.display()
                ));
            }
        }
        #[cfg(not(unix))]
        let _ = (file, path);
    }

    /// Reads the file of `key`: `None` when there is none.
    fn read(&self, key: &str) -> Result<Option<RawFile>, StoreError> {
        self.check_dir()?;
        let path = self.path(key);
        let file = match files::open_regular(&path, Links::Refuse) {
            Ok(Some(file)) => file,
            Ok(None) => return Ok(None),
            Err(FileProblem::Unreadable(why)) => {
                return Err(file_err(&path)(FileProblem::Unreadable(why)))
            }
            Err(problem) => {
                return Ok(Some(RawFile {
                    path,
                    bytes: Err(CacheError::File(problem)),
                }))
            }
        };
        self.secure_file(&file, &path);
        let bytes = match files::read_capped(file, MAX_CACHE_FILE_BYTES as u64) {
            Ok(bytes) => Ok(bytes),
            Err(FileProblem::TooLarge { .. }) => {
                Err(CacheError::TooLarge(MAX_CACHE_FILE_BYTES + 1))
            }
            Err(problem) => return Err(file_err(&path)(problem)),
        };
        Ok(Some(RawFile { path, bytes }))
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

    /// Deletes the file of `key` (the entry itself: a link is removed, not followed); a missing
    /// file is fine. Temporary files left by writers that died are removed too.
    pub fn remove(&self, key: &str) -> Result<bool, StoreError> {
        self.check_dir()?;
        self.remove_stale_temp_files();
        let path = self.path(key);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err(&path)(e)),
        }
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

    /// The keys of the directory's `<key>.json` files (not the hidden temporary files), in
    /// order; none when the directory does not exist.
    fn json_keys(&self) -> Result<Vec<String>, StoreError> {
        self.check_dir()?;
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&self.dir)(e)),
        };
        let mut keys: Vec<String> = entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name();
                let name = name.to_str().filter(|n| !n.starts_with('.'))?;
                name.strip_suffix(".json").map(str::to_owned)
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

    /// Replaces the file of `key` with `bytes`: a 0600 temporary file in the same directory
    /// (created new, never through a link, and locked while it is written), written and
    /// fsynced, then renamed over the target, then the directory fsynced. A crash at any point
    /// leaves the previous file whole; the temporary file a crash leaves (it holds secrets) is
    /// removed by the next write or removal, which finds its lock free.
    pub fn write_atomic(&self, key: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        self.check_dir()?;
        self.ensure_dir()?;
        self.remove_stale_temp_files();
        let target = self.path(key);
        let (temp, mut file) = self.create_temp(key)?;
        let result = (|| {
            file.write_all(bytes).map_err(io_err(&temp))?;
            file.sync_all().map_err(io_err(&temp))?;
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
        // The lock is released only now, after the rename.
        drop(file);
        result
    }

    /// A new, locked temporary file for `key`. Locking it tells a sweeping process that its
    /// writer is alive; a sweeper that got in between creation and locking has removed it,
    /// which the identity check sees, and another name is tried.
    fn create_temp(&self, key: &str) -> Result<(PathBuf, File), StoreError> {
        let mut last = None;
        for _ in 0..8 {
            let temp = self.dir.join(format!(
                ".{key}.json.{}.{}.tmp",
                std::process::id(),
                TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            let file = match files::create_new(&temp) {
                Ok(file) => file,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    last = Some(io_err(&temp)(e));
                    continue;
                }
                Err(e) => return Err(io_err(&temp)(e)),
            };
            if file.try_lock().is_ok() && same_file(&file, &temp) {
                return Ok((temp, file));
            }
            last = Some(StoreError::Io {
                path: temp,
                source: std::io::Error::other("the temporary file was taken away"),
            });
        }
        Err(last.unwrap_or_else(|| StoreError::Io {
            path: self.dir.clone(),
            source: std::io::Error::other("no temporary file could be made"),
        }))
    }

    /// Removes the temporary files (`.<key>.json.<pid>.<n>.tmp`, they hold secrets) of writers
    /// that died: regular files whose lock is free. Best effort: a file it cannot open or
    /// remove stays. Every write and removal does it first; returns how many went.
    pub fn remove_stale_temp_files(&self) -> usize {
        let mut removed = 0;
        if self.check_dir().is_err() {
            return removed;
        }
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return removed;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !name.to_str().is_some_and(is_temp_name) {
                continue;
            }
            let path = entry.path();
            let Ok(Some(file)) = files::open_regular(&path, Links::Refuse) else {
                continue;
            };
            if file.try_lock().is_ok() && same_file(&file, &path) && fs::remove_file(&path).is_ok()
            {
                removed += 1;
            }
        }
        removed
    }

    /// Takes the advisory lock of `key` (a `<key>.lock` file beside the cache file), waiting at
    /// most `wait`. The lock is released when the guard drops or the process dies. The lock
    /// file is never opened through a link nor waited on when it is a FIFO.
    pub fn lock(&self, key: &str, wait: Duration) -> Result<CacheLock, StoreError> {
        self.check_dir()?;
        self.ensure_dir()?;
        let path = self.dir.join(format!("{key}.lock"));
        let file = files::open_lock_file(&path).map_err(file_err(&path))?;
        self.secure_file(&file, &path);
        let started = Instant::now();
        let mut announced = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(CacheLock { file, path }),
                Err(std::fs::TryLockError::WouldBlock) => {
                    let waited = started.elapsed();
                    if waited >= wait {
                        return Err(StoreError::LockTimeout { path, waited });
                    }
                    if !announced && waited >= LOCK_WAIT_NOTICE {
                        announced = true;
                        if let Some(notice) = &self.on_lock_wait {
                            notice(&path, wait);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(20).min(wait - waited));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&path)(e)),
            }
        }
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

/// A cache file as read: its path, and its bytes or why it cannot be a cache file (a link, a
/// FIFO, a directory, too large).
struct RawFile {
    path: PathBuf,
    bytes: Result<Vec<u8>, CacheError>,
}

/// Whether `name` is a temporary file of [`CacheDir::write_atomic`]: `.<key>.json.<pid>.<n>.tmp`.
fn is_temp_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let mut parts = rest.rsplitn(3, '.');
    let digits =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    digits(parts.next())
        && digits(parts.next())
        && parts.next().is_some_and(|k| k.ends_with(".json"))
}

/// Whether `path` still names the open `file` (not a file put in its place).
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
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
        assert!(cache.take_warnings().is_empty());
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

    #[test]
    fn temp_names_are_recognised_exactly() {
        for name in [".k.json.1.0.tmp", ".abc.json.4242.17.tmp"] {
            assert!(is_temp_name(name), "{name}");
        }
        for name in [
            "k.json.1.0.tmp",
            ".k.json.1.tmp",
            ".k.json.x.0.tmp",
            ".k.json.1.0.tmpx",
            ".k.txt.1.0.tmp",
            "tmpabc123.tmp",
            ".k.json..0.tmp",
        ] {
            assert!(!is_temp_name(name), "{name}");
        }
    }

    #[test]
    fn stale_temp_files_go_and_live_ones_stay() {
        let dir = temp_dir("stale");
        let cache = SsoCache::new(&dir);
        cache.ensure_dir().unwrap();
        let stale = dir.join(".k.json.999999.0.tmp");
        fs::write(&stale, b"secret leftovers").unwrap();
        let live = dir.join(".k.json.999999.1.tmp");
        fs::write(&live, b"being written").unwrap();
        let writer = File::open(&live).unwrap();
        writer.lock().unwrap();
        let other = dir.join("tmpabc.tmp");
        fs::write(&other, b"not ours").unwrap();
        cache.write_atomic("k", b"{}").unwrap();
        assert!(!stale.exists(), "a dead writer's file is removed");
        assert!(live.exists(), "a live writer's file stays");
        assert!(other.exists(), "files of other programs stay");
        drop(writer);
        assert!(cache.remove("none").is_ok_and(|removed| !removed));
        assert!(!live.exists(), "removed once its writer is gone");
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn loose_modes_of_what_is_ours_are_repaired_with_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("perms");
        let cache = SsoCache::new(&dir);
        cache
            .save_registration(
                "r",
                &Registration::new("c", "s", time::OffsetDateTime::UNIX_EPOCH),
            )
            .unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        fs::set_permissions(cache.path("r"), fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            cache.load_registration("r").unwrap(),
            Lookup::Found(_)
        ));
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&cache.path("r")), 0o600);
        let warnings = cache.take_warnings();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("0777") && warnings[0].contains("0700"));
        assert!(warnings[1].contains("0644") && warnings[1].contains("0600"));
        assert!(cache.take_warnings().is_empty(), "taken once");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(matches!(
            cache.load_token("r"),
            Err(StoreError::Insecure {
                exposure: Exposure::WritableByOthers { mode: 0o1777 },
                ..
            })
        ));
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        fs::remove_dir_all(dir).unwrap();
    }
}
