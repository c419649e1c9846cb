//! The safe handling of a cache directory's files, all opened through `crate::files`: the
//! directory checked before each use (modes repaired, or the directory refused), cache files
//! read (their modes repaired) and listed, atomic writes through a locked temporary file, the
//! temporary files of writers that died swept, and removal.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use ssooidc_core::cache::{CacheError, MAX_CACHE_FILE_BYTES};
use ssooidc_core::config::FileProblem;

#[cfg(unix)]
use super::Exposure;
use super::{file_err, io_err, CacheDir, StoreError};
use crate::files::{self, Links};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl CacheDir {
    /// Checks the directory before it is used (a missing one is fine: it is created 0700).
    /// Refuses one another user owns or others can write and this user cannot repair; takes
    /// group and other write permission off one this user owns, with a warning.
    pub(super) fn check_dir(&self) -> Result<(), StoreError> {
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
    pub(super) fn secure_file(&self, file: &File, path: &Path) {
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
    pub(super) fn read(&self, key: &str) -> Result<Option<RawFile>, StoreError> {
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

    /// The keys of the directory's `<key>.json` files (not the hidden temporary files), in
    /// order; none when the directory does not exist.
    pub(super) fn json_keys(&self) -> Result<Vec<String>, StoreError> {
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
        self.replace(&format!("{key}.json"), bytes, None)
    }

    /// Replaces the file `name` of the directory (a configuration file: `~/.aws/config`) with
    /// `bytes` as [`CacheDir::write_atomic`] replaces a cache file, keeping the mode of the file
    /// it replaces (a new file is 0600, as the AWS CLI creates it). A symbolic link, a FIFO or
    /// anything but a regular file of that name is refused ([`StoreError::File`]) and left as it
    /// is; the directory is checked as a cache directory is.
    pub fn replace_file(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let target = self.dir.join(name);
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(io_err(&target)(std::io::Error::other(
                "not a plain file name",
            )));
        }
        self.check_dir()?;
        self.ensure_dir()?;
        let mode = match files::open_regular(&target, Links::Refuse) {
            Ok(None) => None,
            Ok(Some(file)) => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt;
                    Some(file.metadata().map_err(io_err(&target))?.mode() & 0o7777)
                }
                #[cfg(not(unix))]
                {
                    drop(file);
                    None
                }
            }
            Err(problem) => return Err(file_err(&target)(problem)),
        };
        self.sweep(|temp| temp == name);
        self.replace(name, bytes, mode)
    }

    /// Writes `bytes` to a locked temporary file, gives it `mode` (Unix), renames it over the
    /// file `name`, and makes that durable.
    fn replace(&self, name: &str, bytes: &[u8], mode: Option<u32>) -> Result<PathBuf, StoreError> {
        let target = self.dir.join(name);
        let (temp, mut file) = self.create_temp(name)?;
        let result = (|| {
            file.write_all(bytes).map_err(io_err(&temp))?;
            #[cfg(unix)]
            if let Some(mode) = mode {
                use std::os::unix::fs::PermissionsExt;
                file.set_permissions(fs::Permissions::from_mode(mode))
                    .map_err(io_err(&temp))?;
            }
            #[cfg(not(unix))]
            let _ = mode;
            file.sync_all().map_err(io_err(&temp))?;
            retry_transient(|| fs::rename(&temp, &target), RENAME_ATTEMPTS)
                .map_err(io_err(&target))?;
            // The lock is released only now, after the rename (a sweeper no longer finds the
            // temporary name), and before anything else: on Windows a lock keeps others from
            // reading what is now the cache file.
            let _ = file.unlock();
            // Make the rename itself durable (Windows opens no directory as a file: there
            // NTFS's journal keeps the rename).
            if let Ok(dir) = File::open(&self.dir) {
                let _ = dir.sync_all();
            }
            Ok(target.clone())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        drop(file);
        result
    }

    /// A new, locked temporary file for the file `name`. Locking it tells a sweeping process that its
    /// writer is alive; a sweeper that got in between creation and locking has removed it,
    /// which the identity check sees, and another name is tried.
    fn create_temp(&self, name: &str) -> Result<(PathBuf, File), StoreError> {
        let mut last = None;
        for _ in 0..8 {
            let temp = self.dir.join(format!(
                ".{name}.{}.{}.tmp",
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
        self.sweep(|target| target.ends_with(".json"))
    }

    /// Removes the temporary files of dead writers whose target file's name `is_ours`.
    fn sweep(&self, is_ours: impl Fn(&str) -> bool) -> usize {
        let mut removed = 0;
        if self.check_dir().is_err() {
            return removed;
        }
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return removed;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !name.to_str().and_then(temp_target).is_some_and(&is_ours) {
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
}

/// A cache file as read: its path, and its bytes or why it cannot be a cache file (a link, a
/// FIFO, a directory, too large).
pub(super) struct RawFile {
    pub(super) path: PathBuf,
    pub(super) bytes: Result<Vec<u8>, CacheError>,
}

/// Whether `name` is a temporary file of [`CacheDir::write_atomic`]: `.<key>.json.<pid>.<n>.tmp`.
#[cfg(test)]
fn is_temp_name(name: &str) -> bool {
    temp_target(name).is_some_and(|target| target.ends_with(".json"))
}

/// The file a temporary file `.<name>.<pid>.<n>.tmp` of [`CacheDir::replace`] was to replace.
fn temp_target(name: &str) -> Option<&str> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = rest.rsplitn(3, '.');
    let digits =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (digits(parts.next()) && digits(parts.next()))
        .then(|| parts.next())
        .flatten()
        .filter(|target| !target.is_empty())
}

/// How often a rename that failed for a moment is tried ([`retry_transient`]).
const RENAME_ATTEMPTS: u32 = if cfg!(windows) { 20 } else { 1 };

/// Runs `op` up to `attempts` times, 25 ms apart, while it fails the way a Windows rename fails
/// for a moment: another program (a virus scanner, the AWS CLI reading the token) has the
/// file open without letting it be replaced ("access denied", a sharing or lock violation).
/// Elsewhere one attempt is made (a rename does not fail that way on Unix).
fn retry_transient(
    mut op: impl FnMut() -> std::io::Result<()>,
    attempts: u32,
) -> std::io::Result<()> {
    let mut left = attempts.max(1);
    loop {
        match op() {
            Err(e) if left > 1 && is_transient(&e) => {
                left -= 1;
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            result => return result,
        }
    }
}

/// `ERROR_ACCESS_DENIED`, `ERROR_SHARING_VIOLATION`, `ERROR_LOCK_VIOLATION` (`winerror.h`), as
/// Windows reports a file another program holds open.
fn is_transient(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::PermissionDenied
        || (cfg!(windows) && matches!(e.raw_os_error(), Some(5 | 32 | 33)))
}

/// Whether `path` still names the open `file` (not a file put in its place).
///
/// Without Unix's device and inode numbers (Windows' file index is not stable in std), it is
/// whether the name still exists: the names of temporary files hold this process's id and a
/// counter, and are only ever created new (`create_new`), so once a sweeper has removed one no
/// other file takes its name.
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

#[cfg(test)]
mod tests {
    use super::*;

    use ssooidc_core::cache::CachedToken;

    use crate::store::tests::temp_dir;
    use crate::store::SsoCache;

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
    fn only_transient_failures_are_tried_again_and_only_so_often() {
        use std::io::{Error, ErrorKind};
        let mut calls = 0;
        let busy = retry_transient(
            || {
                calls += 1;
                if calls < 3 {
                    Err(Error::from(ErrorKind::PermissionDenied))
                } else {
                    Ok(())
                }
            },
            20,
        );
        assert!(busy.is_ok());
        assert_eq!(calls, 3, "tried until it went through");
        let mut calls = 0;
        let gone = retry_transient(
            || {
                calls += 1;
                Err(Error::from(ErrorKind::NotFound))
            },
            20,
        );
        assert_eq!(gone.unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(calls, 1, "other errors are final");
        let mut calls = 0;
        let stuck = retry_transient(
            || {
                calls += 1;
                Err(Error::from(ErrorKind::PermissionDenied))
            },
            4,
        );
        assert_eq!(stuck.unwrap_err().kind(), ErrorKind::PermissionDenied);
        assert_eq!(calls, 4, "at most `attempts`");
        assert_eq!(RENAME_ATTEMPTS, if cfg!(windows) { 20 } else { 1 });
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
    fn a_config_file_is_replaced_whole_keeping_its_mode_and_links_and_fifos_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let dir = temp_dir("replace");
        let home = CacheDir::new(&dir);
        // A new file is 0600, as the AWS CLI creates it.
        let path = home.replace_file("config", b"[default]\n").unwrap();
        assert_eq!(path, dir.join("config"));
        assert_eq!(mode(&path), 0o600);
        // An existing one keeps its mode.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let stale = dir.join(".config.999999.0.tmp");
        fs::write(&stale, b"left by a writer that died").unwrap();
        home.replace_file("config", b"[profile dev]\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"[profile dev]\n");
        assert_eq!(mode(&path), 0o640);
        assert!(!stale.exists(), "a dead writer's temporary file is swept");
        let mut names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["config"]);
        // A link in its place is refused, and what it points at is untouched.
        let elsewhere = dir.join("elsewhere");
        fs::write(&elsewhere, b"theirs").unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.join("linked")).unwrap();
        assert!(matches!(
            home.replace_file("linked", b"x"),
            Err(StoreError::File {
                problem: FileProblem::SymbolicLink,
                ..
            })
        ));
        assert_eq!(fs::read(&elsewhere).unwrap(), b"theirs");
        assert!(fs::symlink_metadata(dir.join("linked"))
            .unwrap()
            .file_type()
            .is_symlink());
        // A FIFO is refused without waiting on it.
        let made = std::process::Command::new("mkfifo")
            .arg(dir.join("fifo"))
            .status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        assert!(matches!(
            home.replace_file("fifo", b"x"),
            Err(StoreError::File {
                problem: FileProblem::NotRegularFile,
                ..
            })
        ));
        assert!(home.replace_file("../config", b"x").is_err());
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn loose_modes_of_what_is_ours_are_repaired_with_a_warning() {
        use std::os::unix::fs::PermissionsExt;

        use ssooidc_core::registration::Registration;

        use crate::store::Lookup;
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
