//! End to end: `--login` (and `sso_auto_login`) when the SSO session cannot be refreshed:
//! thirty processes at once start exactly one authorization at the emulator and all succeed
//! after its approval; when it is denied, all fail cleanly, none starts another.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use ssooidc_core::cache::token_cache_key;
use ssooidc_emulator::{Approval, Target};

use super::common::{emulator_config, sso_session, text, Home};
const PROCESSES: usize = 30;

/// A HOME whose session `dev` has an expired token that cannot be refreshed, at an emulator
/// that decides device authorizations with `approval`; the profile `auto` (same session) has
/// `sso_auto_login = true`.
fn expired(name: &str, approval: Approval) -> Home {
    let home = Home::new(name, emulator_config(), |start| {
        format!(
            "[profile dev]\nsso_session = dev\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n\
             [profile auto]\nsso_session = dev\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nsso_auto_login = true\n\n{}",
            sso_session(start)
        )
    });
    home.login("dev");
    // Expired, and no refresh token: only a login can help.
    let path = token_file(&home);
    let mut token: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    token["expiresAt"] = "2020-01-01T00:00:00Z".into();
    token.as_object_mut().unwrap().remove("refreshToken");
    std::fs::write(&path, token.to_string()).unwrap();
    home.emu.set_approval(approval);
    home
}

fn token_file(home: &Home) -> PathBuf {
    home.dir
        .join(format!(".aws/sso/cache/{}.json", token_cache_key("dev")))
}

/// A command whose output is read.
fn piped(home: &Home) -> Command {
    let mut c = home.command();
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

fn authorizations(home: &Home) -> usize {
    home.count(Target::StartDeviceAuthorization)
}

/// `PROCESSES` processes started at once, each with `args`.
fn many(home: &Home, args: &[&str]) -> Vec<Output> {
    let children: Vec<Child> = (0..PROCESSES)
        .map(|_| piped(home).args(args).spawn().unwrap())
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

#[test]
fn thirty_processes_start_one_login_and_all_use_its_token() {
    let home = expired("approve", Approval::ApproveAfterPolls(3));
    let before = authorizations(&home);
    let started = Instant::now();
    let outs = many(
        &home,
        &["token", "--profile", "dev", "--login", "--use-device-code"],
    );
    let tokens: Vec<String> = outs
        .iter()
        .map(|out| {
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            text(&out.stdout)
        })
        .collect();
    assert_eq!(
        authorizations(&home) - before,
        1,
        "exactly one device authorization"
    );
    assert!(tokens
        .iter()
        .all(|t| t == &tokens[0] && !t.trim().is_empty()));
    let prompts = outs
        .iter()
        .filter(|o| text(&o.stderr).contains("Then enter the code"))
        .count();
    assert_eq!(prompts, 1, "one process showed a code");
    assert!(started.elapsed() < Duration::from_secs(60));

    // The token is cached: a process without --login uses it.
    let out = home.run(&["token", "--profile", "dev"]);
    assert_eq!(text(&out.stdout), tokens[0]);
}

#[test]
fn a_denied_login_fails_every_waiting_process_without_another_login() {
    let home = expired("deny", Approval::DenyAfterPolls(2));
    let before = authorizations(&home);
    let started = Instant::now();
    let outs = many(
        &home,
        &[
            "credentials",
            "--profile",
            "dev",
            "--login",
            "--use-device-code",
        ],
    );
    assert_eq!(
        authorizations(&home) - before,
        1,
        "exactly one device authorization"
    );
    for out in &outs {
        assert_ne!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
    }
    let denied = outs
        .iter()
        .filter(|o| text(&o.stderr).contains("AccessDenied"))
        .count();
    let released = outs
        .iter()
        .filter(|o| text(&o.stderr).contains("did not complete"))
        .count();
    assert_eq!(denied, 1, "the process that logged in reports the denial");
    assert_eq!(
        released,
        PROCESSES - 1,
        "the others are released with an error"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn without_login_an_expired_session_still_fails_and_the_profile_setting_turns_it_on() {
    let home = expired("setting", Approval::ApproveAfterPolls(0));
    let out = home.run(&["token", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(255));
    assert_eq!(authorizations(&home), 1, "only the setup's login");
    // `sso_auto_login = true` on the profile `auto` (the same session).
    let out = home.run(&["token", "--profile", "auto", "--use-device-code"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(authorizations(&home), 2);
    // exec --login: the command runs once the login is done.
    std::fs::write(token_file(&home), "{}").unwrap();
    let out = home.run(&[
        "exec",
        "--profile",
        "dev",
        "--login",
        "--use-device-code",
        "--",
        "sh",
        "-c",
        "test -n \"$AWS_SESSION_TOKEN\" && echo ran",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ran\n");
}

#[test]
fn ctrl_c_in_the_process_that_logs_in_releases_the_waiting_ones_with_an_error() {
    use std::io::Read;
    let home = expired("interrupt", Approval::Manual);
    let args = ["token", "--profile", "dev", "--login", "--use-device-code"];
    let mut first = piped(&home).args(args).spawn().unwrap();
    // Wait for its prompt: it holds the login lock and polls.
    let mut stderr = first.stderr.take().unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text(&seen).contains("Then enter the code") {
        assert!(Instant::now() < deadline, "no prompt: {}", text(&seen));
        let mut chunk = [0u8; 256];
        let n = stderr.read(&mut chunk).unwrap();
        assert!(n > 0, "{}", text(&seen));
        seen.extend_from_slice(&chunk[..n]);
    }
    let waiting: Vec<Child> = (0..3)
        .map(|_| piped(&home).args(args).spawn().unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let kill = Command::new("kill")
        .args(["-INT", &first.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert_eq!(first.wait().unwrap().code(), Some(130));
    for child in waiting {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(255), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("did not complete"),
            "{}",
            text(&out.stderr)
        );
    }
    assert_eq!(
        authorizations(&home),
        2,
        "the setup's and the interrupted one"
    );
}
