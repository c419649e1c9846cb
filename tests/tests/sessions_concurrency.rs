//! Sessions under concurrency, across real processes (the `token_probe` binary): many processes
//! needing a refresh at once make exactly one refresh request, and a writer killed in the middle
//! of a write never leaves a partial cache file.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use ssooidc_core::cache::CachedToken;
use ssooidc_emulator::{Approval, RunningEmulator};
use ssooidc_tests::*;
use ssooidc_ureq::session::{SessionSelector, TokenSource};
use ssooidc_ureq::store::SsoCache;
use time::OffsetDateTime;

fn probe() -> Command {
    Command::new(env!("CARGO_BIN_EXE_token_probe"))
}

/// Logs `dev` in and leaves its token 5 minutes from expiry (inside the refresh window).
fn home_needing_a_refresh(emu: &RunningEmulator, label: &str) -> (Home, CachedToken) {
    let home = Home::with_standard_config(label, emu);
    home.sessions()
        .login(
            SessionSelector::Profile("dev".into()),
            login_options(),
            |_| {},
        )
        .expect("login");
    let path = home.cache_file(MY_SSO_TOKEN_KEY);
    let mut token = CachedToken::from_json(&std::fs::read(&path).unwrap()).unwrap();
    token.expires_at = (OffsetDateTime::now_utc() + time::Duration::minutes(5)).into();
    std::fs::write(&path, token.to_json()).unwrap();
    emu.clear_requests();
    (home, token)
}

fn read_line(out: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    out.read_line(&mut line).expect("read the probe");
    line
}

#[test]
fn eight_processes_refresh_once() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(1)));
    let (home, old) = home_needing_a_refresh(&emu, "eight-processes");
    let barrier = home.path().join("go");

    let mut probes: Vec<(Child, BufReader<ChildStdout>)> = (0..8)
        .map(|_| {
            let mut child = probe()
                .args(["token", "dev"])
                .env_clear()
                .envs(&home.env)
                .env("PROBE_BARRIER", &barrier)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("spawn a probe");
            let out = BufReader::new(child.stdout.take().unwrap());
            (child, out)
        })
        .collect();
    // Everyone is waiting at the barrier; then all go at once.
    for (_, out) in &mut probes {
        assert_eq!(read_line(out), "ready\n");
    }
    let before = OffsetDateTime::now_utc();
    std::fs::write(&barrier, b"go").unwrap();

    let mut sources = Vec::new();
    let mut tokens = Vec::new();
    for (mut child, mut out) in probes {
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        assert!(child.wait().unwrap().success(), "{rest}");
        let field = |name: &str| {
            rest.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or_else(|| panic!("no {name} in {rest}"))
                .to_owned()
        };
        sources.push(field("source="));
        tokens.push(field("token="));
    }

    let after = OffsetDateTime::now_utc();
    let refreshes = token_requests(&emu, "refresh_token");
    assert_eq!(refreshes.len(), 1, "exactly one refresh request");
    assert_eq!(emu.requests().len(), 1, "and nothing else");
    sources.sort();
    assert_eq!(
        sources.iter().filter(|s| *s == "refreshed").count(),
        1,
        "{sources:?}"
    );
    assert_eq!(
        sources.iter().filter(|s| *s == "cached").count(),
        7,
        "{sources:?}"
    );
    assert!(tokens.iter().all(|t| t == &tokens[0]), "one token for all");

    // One valid file holding that token, and no temporary file left.
    let file = CachedToken::from_json(&std::fs::read(home.cache_file(MY_SSO_TOKEN_KEY)).unwrap())
        .expect("a valid file");
    assert_eq!(file.access_token.expose(), tokens[0]);
    assert_ne!(file.access_token, old.access_token);
    // An hour from the refresh's answer, which came while the probes ran (whole seconds in the
    // file); bracketed rather than compared with a later "now", which a loaded machine delays.
    let hour = time::Duration::hours(1);
    let earliest = before.replace_nanosecond(0).unwrap() + hour;
    assert!(
        earliest <= file.expires_at && file.expires_at <= after + hour,
        "{} not an hour after the refresh ({before} to {after})",
        file.expires_at
    );
    let stray: Vec<_> = std::fs::read_dir(home.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn eight_threads_refresh_once() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(1)));
    let (home, _) = home_needing_a_refresh(&emu, "eight-threads");
    let sessions = home.sessions();
    let barrier = std::sync::Barrier::new(8);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    sessions.token(SessionSelector::Profile("dev".into()))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let results: Vec<_> = results.into_iter().map(|r| r.expect("a token")).collect();
    assert_eq!(token_requests(&emu, "refresh_token").len(), 1);
    assert_eq!(
        results
            .iter()
            .filter(|r| r.source == TokenSource::Refreshed)
            .count(),
        1
    );
    assert!(results
        .iter()
        .all(|r| r.token.access_token == results[0].token.access_token));
}

/// A token file padded to `size` bytes with an unknown member (kept on rewrite), so that a
/// write takes long enough to be interrupted.
fn payload(access_token: &str, size: usize) -> Vec<u8> {
    let head = format!(
        r#"{{"startUrl": "{START_URL}", "region": "us-east-1", "accessToken": "{access_token}", "expiresAt": "2099-01-01T00:00:00Z", "padding": ""#
    );
    let mut bytes = head.into_bytes();
    bytes.resize(size - 2, b'x');
    bytes.extend_from_slice(b"\"}");
    CachedToken::from_json(&bytes).expect("a valid payload");
    bytes
}

#[test]
fn a_writer_killed_mid_write_leaves_a_whole_file() {
    let dir = TempDir::new("killed-writer");
    let cache_dir = dir.path().join("cache");
    let a = payload("token-a", 900 * 1024);
    let b = payload("token-b", 800 * 1024);
    let (a_path, b_path) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(&a_path, &a).unwrap();
    std::fs::write(&b_path, &b).unwrap();
    let key = "killed";
    let target = cache_dir.join(format!("{key}.json"));

    for round in 0..6u64 {
        let mut child = probe()
            .arg("write-loop")
            .arg(&cache_dir)
            .arg(key)
            .arg(&a_path)
            .arg(&b_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the writer");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        assert_eq!(read_line(&mut out), "ready\n", "round {round}");
        // Let it rewrite a few times, then SIGKILL it wherever it is.
        std::thread::sleep(Duration::from_millis(5 + round * 7));
        child.kill().expect("SIGKILL");
        child.wait().unwrap();

        let now = std::fs::read(&target).unwrap();
        assert!(
            now == a || now == b,
            "round {round}: the file is neither whole version ({} bytes)",
            now.len()
        );
        CachedToken::from_json(&now).expect("parses");
    }

    // A killed write may leave its hidden temporary file behind, but nothing that reads as a
    // token or as the target: the cache lists exactly the one whole file.
    let cache = SsoCache::new(&cache_dir);
    let listed = cache.tokens().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0, key);
    for entry in std::fs::read_dir(&cache_dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            name == format!("{key}.json")
                || (name.starts_with(&format!(".{key}.json.")) && name.ends_with(".tmp")),
            "unexpected file {name}"
        );
    }
}
