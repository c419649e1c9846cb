//! The cache directory as a hostile or careless neighbour leaves it: planted links, FIFOs,
//! leftovers, loose modes, a directory that cannot be written, a lock someone holds.

use std::os::unix::fs::symlink;
use std::process::Command;
use std::time::{Duration, Instant};

use ssooidc_emulator::Approval;

use crate::common::*;

/// Finding 1: the session's `<key>.lock` planted as a symbolic link to another user's file in a
/// world-writable cache directory is never followed: the file keeps its content (it was
/// truncated and replaced by a timestamp), a link to a missing path creates nothing, and the
/// cached token, still valid, is printed.
#[test]
fn a_planted_lock_link_is_not_followed() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("locklink", emu.base_url());
    // Ten minutes left: inside the refresh window, so `token` takes the lock.
    home.write_token("token-in-the-refresh-window", 10);
    set_mode(&home.cache_dir(), 0o777);
    let victim = home.dir.join("victim-profile");
    std::fs::write(&victim, "export EDITOR=vi\n").unwrap();
    symlink(&victim, home.lock_file()).unwrap();

    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout.trim(), "token-in-the-refresh-window");
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "export EDITOR=vi\n"
    );
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);

    std::fs::remove_file(home.lock_file()).unwrap();
    let missing = home.dir.join("made-through-the-link");
    symlink(&missing, home.lock_file()).unwrap();
    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        !missing.exists(),
        "a link to a missing path creates nothing"
    );
}

/// Finding 1: a token file planted as a link is not read through (it could point at a token
/// of the attacker's or at a FIFO).
#[test]
fn a_planted_token_link_is_not_read() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("tokenlink", emu.base_url());
    home.make_cache_dir();
    let elsewhere = home.dir.join("planted.json");
    std::fs::write(
        &elsewhere,
        r#"{"accessToken":"planted-token","expiresAt":"2999-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    symlink(&elsewhere, home.token_file()).unwrap();
    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(255), "{out:?}");
    assert!(!out.stdout.contains("planted-token"));
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
}

/// Finding 3: a FIFO as the token cache file: `token` says it is not a regular file instead of
/// blocking forever.
#[test]
fn a_fifo_token_file_does_not_block_token() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("fifotoken", emu.base_url());
    home.make_cache_dir();
    mkfifo(&home.token_file());
    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(255), "{out:?}");
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
}

/// Finding 3: a FIFO as any `*.json` of the cache directory: `sessions` lists the rest (and says
/// which file it skipped), `logout` finishes, and `login` (which holds the session lock while it
/// reads the token file) logs in, replacing the FIFO with the token file.
#[test]
fn a_fifo_in_the_cache_does_not_block_sessions_logout_or_login() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("fifocache", emu.base_url());
    home.make_cache_dir();
    let stray = home.cache_dir().join("0123456789abcdef.json");
    mkfifo(&stray);
    let out = run(home.command(), &["sessions"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stderr.contains("0123456789abcdef.json") && out.stderr.contains("not a regular file"),
        "{}",
        out.stderr
    );
    let out = run(home.command(), &["logout"]);
    assert_eq!(out.code, Some(0), "{out:?}");

    mkfifo(&home.token_file());
    let out = run(
        home.command(),
        &[
            "login",
            "--use-device-code",
            "--sso-session",
            "dev",
            "--no-browser",
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let token: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.token_file()).unwrap()).unwrap();
    assert!(token["accessToken"].is_string());
}

/// Finding 5: the temporary file a writer killed mid-write leaves (it holds the access token,
/// the refresh token and the client secret) is removed by `logout`. (The SIGKILL itself is in
/// `tests/tests/hostile_cache.rs`, with the writer process of that crate.)
#[test]
fn logout_removes_the_temporary_files_of_dead_writers() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("leftovers", emu.base_url());
    home.write_token("token-to-log-out", 60);
    let leftover = home.cache_dir().join(format!(
        ".{}.json.4194301.0.tmp",
        ssooidc_core::cache::token_cache_key(SESSION)
    ));
    std::fs::write(&leftover, r#"{"accessToken":"leftover-secret"}"#).unwrap();
    let out = run(home.command(), &["logout"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!leftover.exists(), "the leftover is gone");
    assert!(!home.token_file().exists());
}

/// Whether `unshare` can give this process a private mount namespace in which it is root (so
/// that it can bind-mount a directory read-only, and the mount stops root too).
fn read_only_mounts_available() -> bool {
    Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

/// Finding 6: the cache directory read-only (a read-only container mount), the session's token
/// still valid but due for a refresh: `token` prints it, with a warning, instead of failing.
///
/// The directory is made read-only with a real read-only bind mount in a private mount
/// namespace (`unshare`), which stops root as well. Where namespaces are not available, a user
/// other than root gets a directory without write permission (mode 0555); root, whom mode bits
/// do not stop, gets a `<key>.lock` that is a directory: creating or opening it for writing
/// fails for root too, as it does on a read-only mount, which is all a valid token depends on.
#[test]
fn a_read_only_cache_still_gives_the_valid_token() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("readonly", emu.base_url());
    home.write_token("token-on-a-read-only-mount", 10);
    let cache = home.cache_dir();
    let out = if read_only_mounts_available() {
        let mut c = home.command();
        let program = c.get_program().to_owned();
        let mut wrapped = Command::new("unshare");
        wrapped
            .env_clear()
            .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
            .arg(r#"mount --bind -o ro "$0" "$0" && exec "$@""#)
            .arg(&cache)
            .arg(program);
        c = wrapped;
        run(c, &["token", "--sso-session", "dev"])
    } else if !is_root() {
        set_mode(&cache, 0o555);
        run(home.command(), &["token", "--sso-session", "dev"])
    } else {
        std::fs::create_dir(home.lock_file()).unwrap();
        run(home.command(), &["token", "--sso-session", "dev"])
    };
    set_mode(&cache, 0o700);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout.trim(), "token-on-a-read-only-mount");
    assert!(
        out.stderr
            .contains("using the cached token without refreshing"),
        "{}",
        out.stderr
    );
}

/// Finding 6: an unusable lock file (here a FIFO, and a directory) does not stop a valid token.
#[test]
fn an_unusable_lock_file_still_gives_the_valid_token() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("badlock", emu.base_url());
    home.write_token("token-with-a-bad-lock", 10);
    mkfifo(&home.lock_file());
    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout.trim(), "token-with-a-bad-lock");
    std::fs::remove_file(home.lock_file()).unwrap();
    std::fs::create_dir(home.lock_file()).unwrap();
    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
}

/// Finding 10: a world-writable cache directory of this user's is repaired (0700) with a warning.
#[test]
fn a_world_writable_cache_directory_is_repaired_with_a_warning() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("dir0777", emu.base_url());
    home.write_token("token-in-a-0777-directory", 60);
    set_mode(&home.cache_dir(), 0o777);
    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(mode(&home.cache_dir()), 0o700);
    assert!(
        out.stderr.contains("warning:") && out.stderr.contains("0777"),
        "{}",
        out.stderr
    );
}

/// Finding 10: a cache directory others can write and this user cannot repair (a shared sticky
/// directory such as /tmp) is refused, with a message that says how to fix it.
#[test]
fn a_shared_cache_directory_is_refused_with_the_fix() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("sticky", emu.base_url());
    home.write_token("token-in-a-shared-directory", 60);
    set_mode(&home.cache_dir(), 0o1777);
    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(255), "{out:?}");
    assert!(!out.stdout.contains("token-in-a-shared-directory"));
    assert!(
        out.stderr.contains("not safe to use") && out.stderr.contains("Fix:"),
        "{}",
        out.stderr
    );
    assert_eq!(
        mode(&home.cache_dir()),
        0o1777,
        "a shared directory is left as it is"
    );
}

/// Finding 10: a cache directory owned by another user is refused. As root the test gives the
/// directory to `nobody` (65534); as any other user it points the cache at `/tmp`, which root
/// owns and everyone can write, which is refused for the same reason: another user controls it.
#[test]
fn a_foreign_cache_directory_is_refused() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("foreign", emu.base_url());
    if is_root() {
        home.write_token("token-in-a-foreign-directory", 60);
        let chown = Command::new("chown")
            .arg("65534")
            .arg(home.cache_dir())
            .status();
        assert!(chown.is_ok_and(|s| s.success()), "chown");
    } else {
        std::fs::create_dir_all(home.dir.join(".aws/sso")).unwrap();
        symlink("/tmp", home.cache_dir()).unwrap();
    }
    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(255), "{out:?}");
    assert!(
        out.stderr.contains("not safe to use") && out.stderr.contains("Fix:"),
        "{}",
        out.stderr
    );
}

/// Finding 10: a registration file made 0644 (it holds the client secret) is set back to 0600,
/// with a warning, by the login that reuses it; so is a 0666 lock file by `token`.
#[test]
fn loose_cache_files_are_repaired_with_a_warning() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("files0644", emu.base_url());
    let login = |home: &Home| {
        run(
            home.command(),
            &[
                "login",
                "--use-device-code",
                "--sso-session",
                "dev",
                "--no-browser",
            ],
        )
    };
    let out = login(&home);
    assert_eq!(out.code, Some(0), "{out:?}");
    let registration = std::fs::read_dir(home.cache_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json") && *p != home.token_file())
        .expect("a registration file");
    set_mode(&registration, 0o644);
    std::fs::remove_file(home.token_file()).unwrap();
    let out = login(&home);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(mode(&registration), 0o600);
    assert!(out.stderr.contains("0644"), "{}", out.stderr);

    home.write_token("token-with-a-0666-lock", 10);
    std::fs::write(home.lock_file(), "").unwrap();
    set_mode(&home.lock_file(), 0o666);
    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(mode(&home.lock_file()), 0o600);
    assert!(out.stderr.contains("0666"), "{}", out.stderr);
}

/// Finding 14: `login` waiting for a lock another process holds says so once the wait passes a
/// second, and goes on when the lock is released.
#[test]
fn a_login_waiting_for_the_lock_says_so() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("lockwait", emu.base_url());
    home.make_cache_dir();
    let held = std::fs::File::create(home.lock_file()).unwrap();
    held.lock().unwrap();
    let started = Instant::now();
    let (mut child, lines) = spawn_with_stderr_lines(
        home.command(),
        &[
            "login",
            "--use-device-code",
            "--sso-session",
            "dev",
            "--no-browser",
        ],
    );
    let notice = loop {
        match lines.recv_timeout(Duration::from_secs(10)) {
            Ok(line) if line.contains("Waiting for another ssooidc") => break Some(line),
            Ok(_) => continue,
            Err(_) => break None,
        }
    };
    let waited = started.elapsed();
    drop(held);
    let code = wait_bounded(&mut child, BOUND).expect("login ends once the lock is free");
    let notice = notice.expect("a message while waiting for the lock");
    assert!(
        waited >= Duration::from_secs(1),
        "only after a second: {waited:?}"
    );
    assert!(notice.contains(".lock"), "{notice}");
    assert_eq!(code, Some(0));
}

/// Finding 14: `sessions` names the token files it cannot use instead of hiding them.
#[test]
fn sessions_names_corrupt_token_files() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("corrupt", emu.base_url());
    home.write_token("a-good-token-for-sessions", 60);
    let bad = home.cache_dir().join("feedfacefeedface.json");
    std::fs::write(&bad, br#"{"accessToken":"cut-off"#).unwrap();
    let out = run(home.command(), &["sessions"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("sso-session dev"), "{}", out.stdout);
    assert!(
        out.stderr.contains("warning:") && out.stderr.contains("feedfacefeedface.json"),
        "{}",
        out.stderr
    );
}
