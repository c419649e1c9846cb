//! End-to-end tests of the built `ssooidc` binary against the emulator on 127.0.0.1.
//!
//! Unix only: the tests name the home with `HOME`, script the browser with `sh`, interrupt with
//! `kill -INT` and draw on a terminal with `script`. On Windows this file is not built
//! (`docs/platforms.md` says what is checked there).
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use ssooidc_emulator::{Approval, Config, Emulator, FaultRule, RunningEmulator};

const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");

/// A temporary HOME with an `[sso-session dev]` pointing at the emulator.
struct Home {
    dir: PathBuf,
}

impl Home {
    fn new(name: &str, emulator: &RunningEmulator) -> Home {
        let dir = std::env::temp_dir().join(format!("ssooidc-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(
            dir.join(".aws/config"),
            format!(
                "[profile dev]\nsso_session = dev\n\n[sso-session dev]\nsso_start_url = {}/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n",
                emulator.base_url()
            ),
        )
        .unwrap();
        Home { dir }
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.join(".aws/sso/cache")
    }

    fn cache_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.cache_dir())
            .map(|rd| {
                rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.retain(|n| n.ends_with(".json"));
        names.sort();
        names
    }

    /// The command with a clean environment: HOME, the emulator's endpoint (OIDC and the
    /// portal), fast protocol time.
    fn command(&self, emulator: &RunningEmulator) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", emulator.base_url())
            .env("AWS_ENDPOINT_URL_SSO", emulator.base_url())
            .env("SSOOIDC_PROTOCOL_SECOND_MS", "10")
            .stdin(Stdio::null());
        c
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Device codes that live 60 000 protocol seconds: 10 real minutes at the 10 ms seconds of
/// these tests. (The service's 600 would be 6 real seconds, a window a loaded machine can miss
/// in the middle of a login that should succeed.)
const CODE_LIFETIME: u32 = 60_000;

/// A ceiling that separates a behaviour from its slow alternative made long (a 60 s wait): far
/// above anything a loaded machine adds, far below the alternative.
const CEILING: Duration = Duration::from_secs(30);

fn config(approval: Approval) -> Config {
    Config::default()
        .second(Duration::from_millis(10))
        .expires_in(CODE_LIFETIME)
        .approval(approval)
}

fn emulator(approval: Approval) -> RunningEmulator {
    Emulator::start(config(approval)).unwrap()
}

fn run(mut c: Command, args: &[&str]) -> Output {
    c.args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
}

#[test]
fn login_writes_caches_that_a_fresh_token_reads() {
    let emu = emulator(Approval::ApproveAfterPolls(2));
    let home = Home::new("login", &emu);
    let out = run(
        home.command(&emu),
        &[
            "login",
            "--profile",
            "dev",
            "--no-browser",
            "--use-device-code",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "Successfully logged into Start URL: {}/start",
            emu.base_url()
        )),
        "{stdout}"
    );
    // The AWS CLI's file names: SHA-1 of the session name, and the registration key.
    let files = home.cache_files();
    let key = ssooidc_core::cache::token_cache_key("dev");
    assert!(files.contains(&format!("{key}.json")), "{files:?}");
    assert_eq!(files.len(), 2, "token and registration: {files:?}");

    let requests_before = emu.requests().len();
    let token = run(home.command(&emu), &["token", "--sso-session", "dev"]);
    assert_eq!(token.status.code(), Some(0), "{}", text(&token.stderr));
    let cached: Value = serde_json::from_slice(
        &std::fs::read(home.cache_dir().join(format!("{key}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        text(&token.stdout).trim(),
        cached["accessToken"].as_str().unwrap()
    );
    assert_eq!(
        emu.requests().len(),
        requests_before,
        "a cache hit makes no request"
    );

    let as_json = json(&run(
        home.command(&emu),
        &["token", "--profile", "dev", "--output", "json"],
    ));
    assert_eq!(as_json["accessToken"], cached["accessToken"]);
    assert_eq!(as_json["expiresAt"], cached["expiresAt"]);
}

#[test]
fn no_browser_without_a_tty_writes_the_prompt_and_no_animation() {
    let emu = emulator(Approval::ApproveAfterPolls(3));
    let home = Home::new("tty", &emu);
    let out = run(
        home.command(&emu),
        &[
            "login",
            "--sso-session",
            "dev",
            "--no-browser",
            "--use-device-code",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let start = emu
        .requests()
        .into_iter()
        .find(|r| r.path == "/device_authorization")
        .unwrap();
    assert_eq!(
        start.body_json().unwrap()["startUrl"],
        format!("{}/start", emu.base_url())
    );
    assert!(
        stderr.contains(&format!("{}/device", emu.base_url())),
        "{stderr}"
    );
    assert!(stderr.contains("user_code="), "{stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "no escape sequences without a terminal: {stderr:?}"
    );
    assert!(
        !stderr.contains('█') && !stderr.contains('▀'),
        "no QR code without a terminal"
    );
    assert!(!stderr.contains("Attempting to open"), "--no-browser");
    assert!(
        !text(&out.stdout).contains("user_code"),
        "the prompt goes to stderr only"
    );
}

#[test]
fn low_level_commands_print_the_services_json() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("lowlevel", &emu);
    let reg = run(
        home.command(&emu),
        &[
            "register-client",
            "--client-name",
            "cli-test",
            "--client-type",
            "public",
            "--scopes",
            "sso:account:access",
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(reg.status.code(), Some(0), "{}", text(&reg.stderr));
    let reg = json(&reg);
    let (cid, csec) = (
        reg["clientId"].as_str().unwrap(),
        reg["clientSecret"].as_str().unwrap(),
    );
    assert!(
        reg["clientSecretExpiresAt"].as_i64().unwrap() > reg["clientIdIssuedAt"].as_i64().unwrap()
    );
    let body = emu.requests().last().unwrap().body_json().unwrap();
    assert_eq!(
        body,
        serde_json::json!({"clientName":"cli-test","clientType":"public","scopes":["sso:account:access"]})
    );

    // Generated values (ids, device codes) are base64url and may start with '-': passed as
    // `--flag=value`, as a value that starts with '-' must be given to the AWS CLI too.
    let start = json(&run(
        home.command(&emu),
        &[
            "start-device-authorization",
            &format!("--client-id={cid}"),
            &format!("--client-secret={csec}"),
            "--start-url",
            "https://d-1234567890.awsapps.com/start",
            "--region",
            "us-east-1",
        ],
    ));
    assert_eq!(start["interval"], 1);
    assert_eq!(start["expiresIn"], CODE_LIFETIME);
    let device_code = start["deviceCode"].as_str().unwrap();
    assert!(start["userCode"].as_str().unwrap().contains('-'));

    let token = run(
        home.command(&emu),
        &[
            "create-token",
            &format!("--client-id={cid}"),
            &format!("--client-secret={csec}"),
            "--grant-type",
            "urn:ietf:params:oauth:grant-type:device_code",
            &format!("--device-code={device_code}"),
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(token.status.code(), Some(0), "{}", text(&token.stderr));
    let token = json(&token);
    assert_eq!(token["tokenType"], "Bearer");
    assert!(token["accessToken"].as_str().unwrap().len() > 10);
    let refresh = token["refreshToken"].as_str().unwrap();

    let refreshed = json(&run(
        home.command(&emu),
        &[
            "create-token",
            &format!("--client-id={cid}"),
            &format!("--client-secret={csec}"),
            "--grant-type",
            "refresh_token",
            &format!("--refresh-token={refresh}"),
            "--region",
            "us-east-1",
        ],
    ));
    assert_ne!(refreshed["accessToken"], token["accessToken"]);
}

#[test]
fn exit_codes_follow_the_aws_cli() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("exits", &emu);
    // 254: a service error, printed as the AWS CLI prints it.
    let out = run(
        home.command(&emu),
        &[
            "create-token",
            "--client-id",
            "nope",
            "--client-secret",
            "x",
            "--grant-type",
            "refresh_token",
            "--refresh-token",
            "r",
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(out.status.code(), Some(254));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(
            "An error occurred (InvalidClientException) when calling the CreateToken operation: "
        ),
        "{stderr}"
    );
    // 252: bad usage.
    assert_eq!(
        run(home.command(&emu), &["create-token", "--client-id", "x"])
            .status
            .code(),
        Some(252)
    );
    assert_eq!(
        run(home.command(&emu), &["no-such-command"]).status.code(),
        Some(252)
    );
    // 253: the configuration is invalid (a profile that does not exist; no credentials).
    assert_eq!(
        run(home.command(&emu), &["token", "--profile", "missing"])
            .status
            .code(),
        Some(253)
    );
    let out = run(
        home.command(&emu),
        &[
            "create-token-with-iam",
            "--client-id",
            "arn:aws:sso::1:application/a/b",
            "--grant-type",
            "refresh_token",
            "--refresh-token",
            "r",
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(out.status.code(), Some(253), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("unable to locate credentials"),
        "{}",
        text(&out.stderr)
    );
    // 255: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut c = home.command(&emu);
    c.env(
        "AWS_ENDPOINT_URL_SSO_OIDC",
        format!("http://127.0.0.1:{port}"),
    );
    let out = run(
        c,
        &[
            "register-client",
            "--client-name",
            "n",
            "--client-type",
            "public",
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(out.status.code(), Some(255), "{}", text(&out.stderr));
    // 255: not logged in.
    let out = run(home.command(&emu), &["token", "--sso-session", "dev"]);
    assert_eq!(out.status.code(), Some(255));
    assert!(
        text(&out.stderr).contains("ssooidc login --sso-session dev"),
        "{}",
        text(&out.stderr)
    );
    // 0: help.
    assert_eq!(run(home.command(&emu), &["--help"]).status.code(), Some(0));
}

#[test]
fn a_denied_login_is_a_service_error() {
    let emu = emulator(Approval::DenyAfterPolls(1));
    let home = Home::new("denied", &emu);
    let out = run(
        home.command(&emu),
        &[
            "login",
            "--sso-session",
            "dev",
            "--no-browser",
            "--use-device-code",
        ],
    );
    assert_eq!(out.status.code(), Some(254), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("AccessDeniedException"),
        "{}",
        text(&out.stderr)
    );
    let key = ssooidc_core::cache::token_cache_key("dev");
    assert!(
        !home.cache_dir().join(format!("{key}.json")).exists(),
        "no token written"
    );
}

fn wait_for_prompt(child: &mut Child) -> String {
    wait_for_stderr(child, "user_code=").0
}

/// Reads the child's stderr until a line contains `needle` (or 20 s pass, or it ends); returns
/// everything read, and the rest, drained in the background (so the child never blocks on a
/// full pipe) and given by the handle once the child closes it.
fn wait_for_stderr(child: &mut Child, needle: &str) -> (String, std::thread::JoinHandle<String>) {
    let stderr = child.stderr.take().unwrap();
    let mut reader = BufReader::new(stderr);
    let mut seen = String::new();
    // A bound only a broken login reaches (each line read blocks until it comes anyway).
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        seen.push_str(&line);
        if line.contains(needle) {
            break;
        }
    }
    let rest = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
        rest
    });
    (seen, rest)
}

fn interrupt(child: &Child) {
    let status = // The shell's built-in `kill`: no procps needed.
        Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap_or_default(),
                )
            })
            .filter(|(n, _)| n.ends_with(".json"))
            .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn ctrl_c_while_polling_exits_130_and_leaves_the_caches_as_they_were() {
    // Polls are due 6000 protocol seconds (60 real seconds) apart: a login that only noticed
    // Ctrl-C at its next poll would take that long.
    let emu = Emulator::start(config(Approval::Manual).interval(6000)).unwrap();
    let home = Home::new("ctrlc", &emu);
    // A first, completed login leaves files behind (approved at its immediate first poll, so
    // that it never waits the interval).
    emu.set_approval(Approval::ApproveAfterPolls(0));
    let first = run(
        home.command(&emu),
        &[
            "login",
            "--sso-session",
            "dev",
            "--no-browser",
            "--use-device-code",
        ],
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let before = snapshot(&home.cache_dir());
    assert_eq!(before.len(), 2);
    // The cached registration is 90 days old at most, so the second login reuses it; force a
    // new one to check that a new registration is not written on Ctrl-C either.
    for (name, _) in &before {
        let path = home.cache_dir().join(name);
        let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if v.get("accessToken").is_none() {
            v["expiresAt"] = "2020-01-01T00:00:00Z".into();
            std::fs::write(&path, v.to_string()).unwrap();
        }
    }
    let before = snapshot(&home.cache_dir());

    emu.set_approval(Approval::Manual);
    let mut child = home
        .command(&emu)
        .args([
            "login",
            "--sso-session",
            "dev",
            "--no-browser",
            "--use-device-code",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let prompt = wait_for_prompt(&mut child);
    assert!(prompt.contains("user_code="), "{prompt}");
    let started = Instant::now();
    interrupt(&child);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        started.elapsed() < CEILING,
        "Ctrl-C acts at once, not at the poll due 60 s on: {:?}",
        started.elapsed()
    );
    assert_eq!(snapshot(&home.cache_dir()), before, "caches unchanged");
}

#[test]
fn logout_removes_tokens_and_keeps_registrations() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("logout", &emu);
    assert_eq!(
        run(
            home.command(&emu),
            &[
                "login",
                "--sso-session",
                "dev",
                "--no-browser",
                "--use-device-code"
            ]
        )
        .status
        .code(),
        Some(0)
    );
    assert_eq!(home.cache_files().len(), 2);
    let sessions = run(home.command(&emu), &["sessions"]);
    assert!(
        text(&sessions.stdout).contains("sso-session dev"),
        "{}",
        text(&sessions.stdout)
    );
    let out = run(home.command(&emu), &["logout"]);
    assert_eq!(out.status.code(), Some(0));
    let left = home.cache_files();
    assert_eq!(left.len(), 1, "{left:?}");
    let kept: Value =
        serde_json::from_slice(&std::fs::read(home.cache_dir().join(&left[0])).unwrap()).unwrap();
    assert!(
        kept.get("clientId").is_some() && kept.get("accessToken").is_none(),
        "the registration stays"
    );
    assert_eq!(
        run(home.command(&emu), &["token", "--sso-session", "dev"])
            .status
            .code(),
        Some(255)
    );
}

#[test]
fn debug_logs_requests_without_secrets() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("debug", &emu);
    let out = run(
        home.command(&emu),
        &[
            "--debug",
            "login",
            "--sso-session",
            "dev",
            "--no-browser",
            "--use-device-code",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("[debug] RegisterClient request: POST"),
        "{stderr}"
    );
    assert!(stderr.contains("CreateToken response"), "{stderr}");
    let key = ssooidc_core::cache::token_cache_key("dev");
    let cached: Value = serde_json::from_slice(
        &std::fs::read(home.cache_dir().join(format!("{key}.json"))).unwrap(),
    )
    .unwrap();
    for secret in ["accessToken", "refreshToken", "clientSecret"] {
        let value = cached[secret].as_str().unwrap();
        assert!(
            !stderr.contains(value),
            "{secret} leaked into the debug log"
        );
    }
    assert!(stderr.contains("<redacted>"));
}

#[test]
fn service_errors_injected_at_login_surface_with_their_name() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    emu.inject(
        "StartDeviceAuthorization=InvalidClientException"
            .parse::<FaultRule>()
            .unwrap(),
    );
    let home = Home::new("inject", &emu);
    let out = run(
        home.command(&emu),
        &[
            "login",
            "--sso-session",
            "dev",
            "--no-browser",
            "--use-device-code",
        ],
    );
    assert_eq!(out.status.code(), Some(254));
    assert!(
        text(&out.stderr).contains("An error occurred (InvalidClientException) when calling the StartDeviceAuthorization operation"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn create_token_with_iam_is_signed_with_the_environments_credentials() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("iam", &emu);
    let mut c = home.command(&emu);
    c.env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "SECRETKEY");
    let out = run(
        c,
        &[
            "create-token-with-iam",
            "--client-id",
            "arn:aws:sso::123456789012:application/ssoins-1/apl-2",
            "--grant-type",
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "--assertion",
            "eyJ0eXAiOiJKV1Qi",
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(json(&out)["accessToken"].as_str().is_some());
    let request = emu
        .requests()
        .into_iter()
        .find(|r| r.query.as_deref() == Some("aws_iam=t"))
        .unwrap();
    let auth = request.header("authorization").unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
        "{auth}"
    );
    assert!(auth.contains("/us-east-1/sso-oauth/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="), "{auth}");
}

/// Quotes `s` for `sh -c`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn on_a_terminal_the_prompt_has_a_qr_code_and_a_countdown() {
    // `script` (util-linux, Debian's essential bsdutils) gives the command a pseudo-terminal for
    // stdout and stderr.
    // Approved only once the countdown is on the screen: however slow the machine is to start
    // drawing it, the login waits (a fixed number of polls would be a window a loaded machine
    // could miss).
    let emu = emulator(Approval::Manual);
    let home = Home::new("tty-on", &emu);
    let command = format!(
        "{} login --sso-session dev --no-browser --use-device-code",
        sh_quote(BIN)
    );
    let mut script = Command::new("script");
    script
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home.dir)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", emu.base_url())
        .env("SSOOIDC_PROTOCOL_SECOND_MS", "10")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut child = script.spawn().expect("run script");
    let shown = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let reader = {
        let mut stdout = child.stdout.take().unwrap();
        let shown = shown.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                shown.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    // A bound only a broken login reaches: the code lives 10 minutes.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !text(&shown.lock().unwrap()).contains("left") {
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("no countdown: {}", text(&shown.lock().unwrap()));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let codes = emu.pending_user_codes();
    assert_eq!(codes.len(), 1, "{codes:?}");
    emu.approve(&codes[0]).unwrap();
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let shown = text(&shown.lock().unwrap());
    assert_eq!(status.code(), Some(0), "{shown}");
    assert!(
        shown.contains('█') || shown.contains('▀') || shown.contains('▄'),
        "a QR code: {shown}"
    );
    assert!(shown.contains("left"), "a countdown: {shown}");
    assert!(
        shown.contains("\x1b[2K"),
        "the countdown redraws its line: {shown:?}"
    );
    assert!(
        shown.contains("Successfully logged into Start URL"),
        "{shown}"
    );
}

// The browser login (authorization code with PKCE): what `ssooidc login` does for an
// sso-session without `--use-device-code`. The browser is scripted: a `BROWSER` program that
// records the URL it is given, or the URL read from stderr with `--no-browser`, then
// `ssooidc_emulator::browser::follow` loads it and follows the redirect to the listener.

/// A `BROWSER` program that appends each URL it is asked to open to a file; (program, file).
fn recording_browser(home: &Home) -> (PathBuf, PathBuf) {
    let urls = home.dir.join("opened-urls");
    let script = home.dir.join("browser.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", urls.display()),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&script, permissions).unwrap();
    (script, urls)
}

/// The first line of `file`, once it is there (at most 20 s).
fn first_line(file: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(line) = std::fs::read_to_string(file)
            .ok()
            .and_then(|t| t.lines().next().map(str::to_owned))
        {
            return line;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("{} never written", file.display());
}

/// The authorize URL in what a login printed.
fn authorize_url(stderr: &str) -> String {
    stderr
        .lines()
        .map(str::trim)
        .find(|l| l.contains("/authorize?"))
        .unwrap_or_else(|| panic!("no authorize URL in {stderr}"))
        .to_owned()
}

fn follow(url: &str) -> ssooidc_emulator::browser::Visit {
    ssooidc_emulator::browser::follow(url).expect("the scripted browser loads the pages")
}

/// `ssooidc <args>` started with stdout and stderr piped, `BROWSER` set to `browser` if given.
fn spawn(home: &Home, emu: &RunningEmulator, browser: Option<&Path>, args: &[&str]) -> Child {
    let mut command = home.command(emu);
    if let Some(browser) = browser {
        command.env("BROWSER", browser);
    }
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A browser login (`ssooidc <args>`, no `BROWSER`) started and waiting for the browser: the
/// child, what it printed up to the authorize URL, and the rest of its stderr once it ends.
struct WaitingLogin {
    child: Child,
    shown: String,
    rest: std::thread::JoinHandle<String>,
}

impl WaitingLogin {
    fn start(home: &Home, emu: &RunningEmulator, args: &[&str]) -> Self {
        let mut child = spawn(home, emu, None, args);
        let (shown, rest) = wait_for_stderr(&mut child, "/authorize?");
        WaitingLogin { child, shown, rest }
    }

    /// The authorize URL it printed.
    fn url(&self) -> String {
        authorize_url(&self.shown)
    }

    /// Waits for the end: the exit code, stdout, and all of stderr.
    fn finish(self) -> (Option<i32>, String, String) {
        let out = self.child.wait_with_output().unwrap();
        let stderr = self.shown + &self.rest.join().unwrap();
        (out.status.code(), text(&out.stdout), stderr)
    }
}

/// How many `CreateToken` requests of the authorization-code grant the emulator received.
fn authorization_code_requests(emu: &RunningEmulator) -> usize {
    emu.requests()
        .into_iter()
        .filter(|r| {
            r.body_json()
                .is_some_and(|b| b["grantType"] == "authorization_code")
        })
        .count()
}

fn registration_file(home: &Home) -> Value {
    let key = ssooidc_core::cache::registration_cache_key(
        &format!("{}/start", home_start(home)),
        "us-east-1",
        Some(&["sso:account:access".to_owned()]),
        Some("dev"),
    );
    serde_json::from_slice(&std::fs::read(home.cache_dir().join(format!("{key}.json"))).unwrap())
        .unwrap()
}

/// The emulator base URL the home's config points at.
fn home_start(home: &Home) -> String {
    let config = std::fs::read_to_string(home.dir.join(".aws/config")).unwrap();
    config
        .lines()
        .find_map(|l| l.strip_prefix("sso_start_url = "))
        .unwrap()
        .trim_end_matches("/start")
        .to_owned()
}

#[test]
fn login_opens_the_browser_with_browser_and_writes_the_pkce_caches() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("pkce-login", &emu);
    let (program, urls) = recording_browser(&home);
    let child = spawn(&home, &emu, Some(&program), &["login", "--profile", "dev"]);
    let url = first_line(&urls);
    assert!(
        url.starts_with(&format!("{}/authorize?response_type=code&", emu.base_url())),
        "{url}"
    );
    let visit = follow(&url);
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(visit.callback.unwrap().body.contains("Login approved"));
    assert!(
        stderr.contains("Attempting to open your default browser"),
        "{stderr}"
    );
    assert!(stderr.contains("--use-device-code"), "{stderr}");
    assert_eq!(authorize_url(&stderr), url, "the URL is printed too");
    assert!(
        text(&out.stdout).contains(&format!(
            "Successfully logged into Start URL: {}/start",
            emu.base_url()
        )),
        "{}",
        text(&out.stdout)
    );
    let registration = registration_file(&home);
    assert_eq!(
        registration["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(home.cache_files().len(), 2);
    // A fresh `token` reads what the browser login wrote.
    let token = run(home.command(&emu), &["token", "--sso-session", "dev"]);
    assert_eq!(token.status.code(), Some(0), "{}", text(&token.stderr));
}

#[test]
fn no_browser_prints_the_url_and_the_browser_login_waits_for_it() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("pkce-nobrowser", &emu);
    let login = WaitingLogin::start(
        &home,
        &emu,
        &[
            "login",
            "--sso-session",
            "dev",
            "--no-browser",
            "--use-browser-login",
        ],
    );
    follow(&login.url());
    let (code, stdout, shown) = login.finish();
    assert_eq!(code, Some(0), "{shown}");
    assert!(
        shown.contains("Browser will not be automatically opened"),
        "{shown}"
    );
    assert!(shown.contains("a browser on this machine"), "{shown}");
    assert!(
        shown.contains("run this command again with the '--use-device-code' option"),
        "{shown}"
    );
    assert!(!shown.contains("Attempting to open"), "{shown}");
    assert!(
        !shown.contains('\x1b'),
        "no escape sequences without a terminal: {shown:?}"
    );
    assert!(stdout.contains("Successfully logged into Start URL"));
    assert_eq!(authorization_code_requests(&emu), 1);
}

#[test]
fn ctrl_c_while_waiting_for_the_browser_exits_130_and_leaves_the_caches_as_they_were() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("pkce-ctrlc", &emu);
    let args = [
        "login",
        "--sso-session",
        "dev",
        "--no-browser",
        "--use-browser-login",
    ];
    let first = WaitingLogin::start(&home, &emu, &args);
    follow(&first.url());
    assert_eq!(first.finish().0, Some(0));
    assert_eq!(snapshot(&home.cache_dir()).len(), 2);
    // An expired registration, so that the second login registers anew: the new registration
    // must not be written either.
    let registration = home.cache_dir().join(format!(
        "{}.json",
        ssooidc_core::cache::registration_cache_key(
            &format!("{}/start", emu.base_url()),
            "us-east-1",
            Some(&["sso:account:access".to_owned()]),
            Some("dev"),
        )
    ));
    let mut v: Value = serde_json::from_slice(&std::fs::read(&registration).unwrap()).unwrap();
    v["expiresAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&registration, v.to_string()).unwrap();
    let before = snapshot(&home.cache_dir());

    let login = WaitingLogin::start(&home, &emu, &args);
    let url = login.url();
    let started = Instant::now();
    interrupt(&login.child);
    assert_eq!(login.finish().0, Some(130));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "Ctrl-C acts at once"
    );
    assert_eq!(snapshot(&home.cache_dir()), before, "caches byte-identical");
    let registrations = emu
        .requests()
        .into_iter()
        .filter(|r| r.path == "/client/register")
        .count();
    assert_eq!(registrations, 2, "the second login did register");
    // The listener went away with the process.
    let callback = ssooidc_emulator::browser::get(&url)
        .unwrap()
        .location
        .unwrap();
    assert!(
        ssooidc_emulator::browser::get(&callback).is_err(),
        "nobody listens any more"
    );
}

#[test]
fn refused_and_forged_browser_logins_fail_as_the_aws_cli() {
    let emu = emulator(Approval::DenyAfterPolls(0));
    let home = Home::new("pkce-refused", &emu);
    let login = WaitingLogin::start(
        &home,
        &emu,
        &[
            "login",
            "--sso-session",
            "dev",
            "--no-browser",
            "--use-browser-login",
        ],
    );
    let visit = follow(&login.url());
    assert!(visit.callback.unwrap().body.contains("Login failed"));
    assert_eq!(login.finish().0, Some(255));
    let key = ssooidc_core::cache::token_cache_key("dev");
    assert!(!home.cache_dir().join(format!("{key}.json")).exists());

    // The browser login forced with no display and no BROWSER: the URL is printed, as with
    // --no-browser.
    emu.set_approval(Approval::ApproveAfterPolls(0));
    let login = WaitingLogin::start(
        &home,
        &emu,
        &["login", "--sso-session", "dev", "--use-browser-login"],
    );
    assert!(
        login
            .shown
            .contains("Browser will not be automatically opened"),
        "{}",
        login.shown
    );
    let location = ssooidc_emulator::browser::get(&login.url())
        .unwrap()
        .location
        .unwrap();
    let (before, after) = location.split_once("state=").unwrap();
    let rest = after.split_once('&').map_or("", |(_, r)| r);
    let page = ssooidc_emulator::browser::get(&format!("{before}state=forged&{rest}")).unwrap();
    assert!(page.body.contains("Login failed"), "{}", page.body);
    let (code, _, stderr) = login.finish();
    assert_eq!(code, Some(255), "{stderr}");
    assert!(
        stderr.contains(
            "Error loading authorization code: State parameter does not match expected value."
        ),
        "{stderr}"
    );
    assert!(!home.cache_dir().join(format!("{key}.json")).exists());
    assert_eq!(
        authorization_code_requests(&emu),
        0,
        "no token request after a forged state"
    );
}

#[test]
fn refused_browser_login_message() {
    let emu = emulator(Approval::DenyAfterPolls(0));
    let home = Home::new("pkce-refused-message", &emu);
    let (program, urls) = recording_browser(&home);
    let child = spawn(
        &home,
        &emu,
        Some(&program),
        &["login", "--sso-session", "dev"],
    );
    follow(&first_line(&urls));
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(255), "{stderr}");
    assert!(
        stderr.contains("Error loading authorization code: Failed to retrieve an authorization code (access_denied: User denied the request)."),
        "{stderr}"
    );
}

#[test]
fn demo_shows_both_logins() {
    let home = std::env::temp_dir().join(format!("ssooidc-e2e-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    for (extra, expected) in [
        (
            None,
            "Logged in with the browser login (authorization code with PKCE)",
        ),
        (Some("--use-device-code"), "Logged in with the device login"),
    ] {
        let mut args = vec!["demo", "--no-browser", "--approve-after", "0", "--home"];
        let home_arg = home.display().to_string();
        args.push(&home_arg);
        args.extend(extra);
        let out = Command::new(BIN)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(stdout.contains(expected), "{stdout}");
    }
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn the_debug_log_of_a_browser_login_shows_no_code_verifier_or_token() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("pkce-debug", &emu);
    let login = WaitingLogin::start(
        &home,
        &emu,
        &[
            "--debug",
            "login",
            "--sso-session",
            "dev",
            "--no-browser",
            "--use-browser-login",
        ],
    );
    follow(&login.url());
    let (code, _, stderr) = login.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("[debug] CreateToken request: POST"),
        "{stderr}"
    );
    let exchange = emu
        .requests()
        .into_iter()
        .find_map(|r| {
            r.body_json()
                .filter(|b| b["grantType"] == "authorization_code")
        })
        .expect("the exchange");
    let key = ssooidc_core::cache::token_cache_key("dev");
    let cached: Value = serde_json::from_slice(
        &std::fs::read(home.cache_dir().join(format!("{key}.json"))).unwrap(),
    )
    .unwrap();
    for secret in [
        exchange["code"].as_str().unwrap(),
        exchange["codeVerifier"].as_str().unwrap(),
        exchange["clientSecret"].as_str().unwrap(),
        cached["accessToken"].as_str().unwrap(),
        cached["refreshToken"].as_str().unwrap(),
    ] {
        assert!(
            !stderr.contains(secret),
            "a secret in the debug log: {secret}"
        );
    }
}

#[test]
fn over_ssh_without_a_display_the_device_login_is_chosen_and_said_and_a_flag_forces_the_browser() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("ssh-fit", &emu);
    let mut c = home.command(&emu);
    c.env("SSH_CONNECTION", "192.0.2.1 50000 192.0.2.2 22");
    let out = run(c, &["login", "--sso-session", "dev", "--no-browser"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("Using the device login"))
        .collect();
    assert_eq!(notes.len(), 1, "one line says why: {stderr}");
    assert!(
        notes[0].contains("remote shell") && notes[0].contains("--use-browser-login"),
        "{stderr}"
    );
    assert_eq!(authorization_code_requests(&emu), 0, "no browser login");
    assert!(emu
        .requests()
        .iter()
        .any(|r| r.target == ssooidc_emulator::Target::StartDeviceAuthorization));

    // With a display (X forwarding) the browser login stays, and nothing is said.
    let mut c = home.command(&emu);
    c.env("SSH_CONNECTION", "192.0.2.1 50000 192.0.2.2 22")
        .env("DISPLAY", "localhost:10.0");
    let login = {
        let mut child = c
            .args(["login", "--sso-session", "dev", "--no-browser"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (shown, rest) = wait_for_stderr(&mut child, "/authorize?");
        WaitingLogin { child, shown, rest }
    };
    follow(&login.url());
    let (code, _, stderr) = login.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("Using the device login"), "{stderr}");

    // --use-browser-login over SSH: the browser login, as asked.
    let mut c = home.command(&emu);
    c.env("SSH_TTY", "/dev/pts/0");
    let login = {
        let mut child = c
            .args([
                "login",
                "--sso-session",
                "dev",
                "--no-browser",
                "--use-browser-login",
            ])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (shown, rest) = wait_for_stderr(&mut child, "/authorize?");
        WaitingLogin { child, shown, rest }
    };
    follow(&login.url());
    assert_eq!(login.finish().0, Some(0));
}
