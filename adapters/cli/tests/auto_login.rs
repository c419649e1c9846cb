//! End to end: `--login` (and `sso_auto_login`) when the SSO session cannot be refreshed:
//! thirty processes at once start exactly one authorization at the emulator and all succeed
//! after its approval; when it is denied, all fail cleanly, none starts another.
#![cfg(unix)]

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use ssooidc_core::cache::token_cache_key;
use ssooidc_emulator::{Approval, Config, Emulator, RunningEmulator, Target};

const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");
const PROCESSES: usize = 30;

struct Home {
    dir: PathBuf,
    emu: RunningEmulator,
}

impl Home {
    /// A HOME whose session `dev` has an expired token that cannot be refreshed, at an
    /// emulator that decides device authorizations with `approval`.
    fn expired(name: &str, approval: Approval) -> Home {
        let emu = Emulator::start(
            Config::default()
                .second(Duration::from_millis(10))
                .approval(Approval::ApproveAfterPolls(0)),
        )
        .unwrap();
        let dir =
            std::env::temp_dir().join(format!("ssooidc-autologin-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        let start = format!("{}/start", emu.base_url());
        std::fs::write(
            dir.join(".aws/config"),
            format!(
                "[profile dev]\nsso_session = dev\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n\
                 [profile auto]\nsso_session = dev\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nsso_auto_login = true\n\n\
                 [sso-session dev]\nsso_start_url = {start}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
            ),
        )
        .unwrap();
        let home = Home { dir, emu };
        let login = home.run(&[
            "login",
            "--use-device-code",
            "--profile",
            "dev",
            "--no-browser",
        ]);
        assert_eq!(login.status.code(), Some(0), "{}", text(&login.stderr));
        // Expired, and no refresh token: only a login can help.
        let path = home.token_file();
        let mut token: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        token["expiresAt"] = "2020-01-01T00:00:00Z".into();
        token.as_object_mut().unwrap().remove("refreshToken");
        std::fs::write(&path, token.to_string()).unwrap();
        home.emu.set_approval(approval);
        home
    }

    fn token_file(&self) -> PathBuf {
        self.dir
            .join(format!(".aws/sso/cache/{}.json", token_cache_key("dev")))
    }

    fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("AWS_ENDPOINT_URL", self.emu.base_url())
            .env("SSOOIDC_PROTOCOL_SECOND_MS", "10")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    fn authorizations(&self) -> usize {
        self.emu
            .requests()
            .iter()
            .filter(|r| r.target == Target::StartDeviceAuthorization)
            .count()
    }

    /// `PROCESSES` processes started at once, each with `args`.
    fn many(&self, args: &[&str]) -> Vec<Output> {
        let children: Vec<Child> = (0..PROCESSES)
            .map(|_| self.command().args(args).spawn().unwrap())
            .collect();
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn thirty_processes_start_one_login_and_all_use_its_token() {
    let home = Home::expired("approve", Approval::ApproveAfterPolls(3));
    let before = home.authorizations();
    let started = Instant::now();
    let outs = home.many(&["token", "--profile", "dev", "--login", "--use-device-code"]);
    let tokens: Vec<String> = outs
        .iter()
        .map(|out| {
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            text(&out.stdout)
        })
        .collect();
    assert_eq!(
        home.authorizations() - before,
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
    let home = Home::expired("deny", Approval::DenyAfterPolls(2));
    let before = home.authorizations();
    let started = Instant::now();
    let outs = home.many(&[
        "credentials",
        "--profile",
        "dev",
        "--login",
        "--use-device-code",
    ]);
    assert_eq!(
        home.authorizations() - before,
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
    let home = Home::expired("setting", Approval::ApproveAfterPolls(0));
    let out = home.run(&["token", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(255));
    assert_eq!(home.authorizations(), 1, "only the setup's login");
    // `sso_auto_login = true` on the profile `auto` (the same session).
    let out = home.run(&["token", "--profile", "auto", "--use-device-code"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(home.authorizations(), 2);
    // exec --login: the command runs once the login is done.
    std::fs::write(home.token_file(), "{}").unwrap();
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
    let home = Home::expired("interrupt", Approval::Manual);
    let args = ["token", "--profile", "dev", "--login", "--use-device-code"];
    let mut first = home.command().args(args).spawn().unwrap();
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
        .map(|_| home.command().args(args).spawn().unwrap())
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
        home.authorizations(),
        2,
        "the setup's and the interrupted one"
    );
}
