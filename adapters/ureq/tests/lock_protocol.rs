//! The lock files are what `docs/protocol/sharing.md` tells other programs they are: an
//! exclusive `flock(2)` lock on `<key>.lock`. Another program that takes the lock that way (here
//! the `flock(1)` command of util-linux, an implementation that is not ours) excludes
//! [`CacheDir::lock`], and a lock this crate holds excludes it; the attempt record such a
//! program reads is the page's form.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ssooidc_ureq::store::CacheDir;
use ssooidc_ureq::StoreError;

struct TempCache(PathBuf);

impl TempCache {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ssooidc-lock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempCache(dir)
    }

    /// The cache directory: a private one below the (shared, sticky) temporary directory.
    fn cache(&self) -> CacheDir {
        CacheDir::new(self.0.join("cache"))
    }
}

impl Drop for TempCache {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn flock() -> Command {
    Command::new("flock")
}

/// `flock -x -n <path> sh -c 'echo held; read _; exit 0'`: holds the lock until its stdin
/// closes.
fn held_by_flock(path: &Path) -> Child {
    let mut child = flock()
        .args(["--exclusive", "--nonblock"])
        .arg(path)
        .args(["sh", "-c", "echo held; read _; exit 0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the flock(1) command of util-linux (.ci/run installs it)");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "held\n", "flock(1) took the lock");
    child
}

/// Whether `flock -x -n <path> true` gets the lock at once.
fn flock_can_take(path: &Path) -> bool {
    flock()
        .args(["--exclusive", "--nonblock"])
        .arg(path)
        .arg("true")
        .status()
        .expect("the flock(1) command of util-linux (.ci/run installs it)")
        .success()
}

#[test]
fn a_lock_another_program_takes_with_flock_excludes_ours() {
    let temp = TempCache::new("theirs");
    let cache = temp.cache();
    // Our lock makes the file (0600) and the directory (0700); theirs is then taken on it.
    drop(cache.lock("k", Duration::from_secs(1)).unwrap());
    let path = cache.dir().join("k.lock");

    let mut theirs = held_by_flock(&path);
    assert!(
        matches!(
            cache.lock("k", Duration::from_millis(200)),
            Err(StoreError::LockTimeout { .. })
        ),
        "their flock lock keeps ours out"
    );
    drop(theirs.stdin.take()); // `read` returns: their lock is released
    assert!(theirs.wait().unwrap().success());
    drop(cache.lock("k", Duration::from_secs(1)).unwrap());
}

#[test]
fn our_lock_excludes_a_program_that_takes_it_with_flock() {
    let temp = TempCache::new("ours");
    let cache = temp.cache();
    let mut ours = cache.lock("k", Duration::from_secs(1)).unwrap();
    let path = cache.dir().join("k.lock");
    assert!(!flock_can_take(&path), "our lock keeps theirs out");

    // The record they read under the lock is the page's form.
    ours.record_attempt(1_700_000_000).unwrap();
    drop(ours);
    assert!(flock_can_take(&path), "released when the guard drops");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        r#"{"lastRefreshAttempt": 1700000000}"#
    );
}
