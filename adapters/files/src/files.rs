//! The one way ssooidc's adapters open a file: never blocking (the open is non-blocking, so a FIFO,
//! a device or a socket is refused instead of waited on), regular files only, optionally never
//! through a symbolic link (`O_NOFOLLOW`: the cache directories), and reads capped. The
//! configuration files, the CA bundle and every file of a cache directory are opened here.
//!
//! On Windows there is no `O_NOFOLLOW`: a link is refused by opening the reparse point itself
//! (`FILE_FLAG_OPEN_REPARSE_POINT`) and looking at what was opened, so the check and the use are
//! the same handle. Symbolic links and junctions (the name-surrogate reparse points, which std's
//! `FileType::is_symlink` reports) are refused; the file system has no FIFOs to wait on.
//! See `docs/platforms.md`.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::Path;

use ssooidc_core::config::FileProblem;

/// Whether a symbolic link as the last component of a path is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Followed (configuration files and CA bundles: the user chose the path).
    Follow,
    /// Refused with [`FileProblem::SymbolicLink`] (cache directories, where a planted link
    /// could point a write at another file).
    Refuse,
}

/// Opens `path` for reading. `Ok(None)` when it does not exist.
pub fn open_regular(path: &Path, links: Links) -> Result<Option<File>, FileProblem> {
    let mut options = OpenOptions::new();
    options.read(true);
    open(path, options, links)
}

/// `FILE_FLAG_OPEN_REPARSE_POINT` (`winbase.h`): open a symbolic link or a junction itself, not
/// what it points at (Windows' counterpart of `O_NOFOLLOW`, which std's `create_new` uses too).
#[cfg(windows)]
const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;

/// Opens (or creates, mode 0600) a lock file for reading and writing, never through a link.
pub fn open_lock_file(path: &Path) -> Result<File, FileProblem> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    open(path, options, Links::Refuse)?
        // `create` makes a missing file, so there is always one.
        .ok_or_else(|| FileProblem::Unreadable("the lock file vanished".to_owned()))
}

/// Creates a new file (mode 0600; an existing file or link of that name is an error), for
/// writing, never through a link (on Windows std's `create_new` opens with
/// `FILE_FLAG_OPEN_REPARSE_POINT`, so a dangling link of that name is not followed either).
pub fn create_new(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options.open(path)
}

fn open(path: &Path, mut options: OpenOptions, links: Links) -> Result<Option<File>, FileProblem> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK;
        if links == Links::Refuse {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        options.custom_flags(match links {
            Links::Refuse => FILE_FLAG_OPEN_REPARSE_POINT,
            Links::Follow => 0,
        });
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(problem(path, e, links)),
    };
    let metadata = file
        .metadata()
        .map_err(|e| FileProblem::Unreadable(e.to_string()))?;
    // Where `O_NOFOLLOW` refused the link already this never holds; on Windows the handle is the
    // link itself.
    if links == Links::Refuse && metadata.file_type().is_symlink() {
        return Err(FileProblem::SymbolicLink);
    }
    if !metadata.is_file() {
        return Err(FileProblem::NotRegularFile);
    }
    Ok(Some(file))
}

/// What an error of `open` means.
fn problem(path: &Path, e: std::io::Error, links: Links) -> FileProblem {
    #[cfg(unix)]
    match e.raw_os_error() {
        // O_NOFOLLOW on a link (Linux and macOS say ELOOP, the BSDs EMLINK).
        Some(libc::ELOOP | libc::EMLINK) if links == Links::Refuse => {
            return FileProblem::SymbolicLink
        }
        // A directory opened for writing; a FIFO or socket with no reader opened for writing.
        Some(libc::EISDIR | libc::ENXIO) => return FileProblem::NotRegularFile,
        _ => {}
    }
    // Windows does not open a directory (nor a link to one) as a file: "access denied". Say
    // what is there instead (the open failed, so nothing was used).
    #[cfg(windows)]
    {
        let link = links == Links::Refuse
            && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if link {
            return FileProblem::SymbolicLink;
        }
        if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            return FileProblem::NotRegularFile;
        }
    }
    let _ = (path, links);
    FileProblem::Unreadable(e.to_string())
}

/// Reads at most `limit` bytes of an open file; more is [`FileProblem::TooLarge`].
pub fn read_capped(file: File, limit: u64) -> Result<Vec<u8>, FileProblem> {
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| FileProblem::Unreadable(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(FileProblem::TooLarge { limit });
    }
    Ok(bytes)
}

/// Reads at most `limit` bytes of a regular file: `Ok(None)` when it does not exist; an error
/// for a FIFO, a device or a directory (never blocks on one), a larger file, or a read error.
pub fn read_bounded(path: &Path, limit: u64, links: Links) -> Result<Option<Vec<u8>>, FileProblem> {
    match open_regular(path, links)? {
        Some(file) => read_capped(file, limit).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ssooidc-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn oversized_files_are_refused() {
        let dir = temp_dir("big");
        let path = dir.join("config");
        std::fs::write(&path, vec![b'#'; 64]).unwrap();
        assert_eq!(
            read_bounded(&path, 63, Links::Follow),
            Err(FileProblem::TooLarge { limit: 63 })
        );
        assert_eq!(
            read_bounded(&path, 64, Links::Follow)
                .unwrap()
                .unwrap()
                .len(),
            64
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Makes a symbolic link to a file; `false` where none can be made (Windows without
    /// Developer Mode or the privilege to make links; Wine 8, which says it made one and did
    /// not).
    fn file_link(target: &Path, link: &Path) -> bool {
        #[cfg(unix)]
        let made = std::os::unix::fs::symlink(target, link);
        #[cfg(windows)]
        let made = std::os::windows::fs::symlink_file(target, link);
        #[cfg(not(any(unix, windows)))]
        let made = Err::<(), _>(std::io::Error::from(std::io::ErrorKind::Unsupported));
        made.is_ok() && std::fs::symlink_metadata(link).is_ok_and(|m| m.file_type().is_symlink())
    }

    #[test]
    fn links_are_refused_only_when_asked_and_lock_files_never_follow_them() {
        let dir = temp_dir("links");
        let target = dir.join("target");
        std::fs::write(&target, b"keep").unwrap();
        let link = dir.join("link");
        if !file_link(&target, &link) {
            eprintln!("skipped: no symbolic link can be made here");
            return;
        }
        assert_eq!(
            read_bounded(&link, 64, Links::Follow).unwrap().unwrap(),
            b"keep"
        );
        assert_eq!(
            read_bounded(&link, 64, Links::Refuse),
            Err(FileProblem::SymbolicLink)
        );
        assert_eq!(
            open_lock_file(&link).unwrap_err(),
            FileProblem::SymbolicLink
        );
        let dangling = dir.join("dangling");
        assert!(file_link(&dir.join("missing"), &dangling));
        assert_eq!(
            open_lock_file(&dangling).unwrap_err(),
            FileProblem::SymbolicLink
        );
        assert!(
            !dir.join("missing").exists(),
            "no file made through the link"
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert!(
            create_new(&link).is_err(),
            "an existing link is not replaced"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn fifos_are_refused_without_blocking() {
        let dir = temp_dir("fifo");
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        for links in [Links::Follow, Links::Refuse] {
            assert_eq!(
                read_bounded(&fifo, 64, links),
                Err(FileProblem::NotRegularFile)
            );
        }
        assert_eq!(
            open_lock_file(&fifo).unwrap_err(),
            FileProblem::NotRegularFile
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A directory is not a file, wherever it is opened (Unix opens it and sees; Windows
    /// refuses to open it as a file, and the refusal is named the same).
    #[test]
    fn directories_are_refused() {
        let dir = temp_dir("dir");
        assert_eq!(
            open_lock_file(&dir).unwrap_err(),
            FileProblem::NotRegularFile
        );
        for links in [Links::Follow, Links::Refuse] {
            assert_eq!(
                read_bounded(&dir, 64, links),
                Err(FileProblem::NotRegularFile)
            );
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
