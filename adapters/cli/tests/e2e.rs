//! End-to-end tests of the built `ssooidc` binary against the emulator on 127.0.0.1.

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

fn emulator(approval: Approval) -> RunningEmulator {
    Emulator::start(
        Config::default()
            .second(Duration::from_millis(10))
            .approval(approval),
    )
    .unwrap()
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
        &["login", "--profile", "dev", "--no-browser"],
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
        &["login", "--sso-session", "dev", "--no-browser"],
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

    let start = json(&run(
        home.command(&emu),
        &[
            "start-device-authorization",
            "--client-id",
            cid,
            "--client-secret",
            csec,
            "--start-url",
            "https://d-1234567890.awsapps.com/start",
            "--region",
            "us-east-1",
        ],
    ));
    assert_eq!(start["interval"], 1);
    assert_eq!(start["expiresIn"], 600);
    let device_code = start["deviceCode"].as_str().unwrap();
    assert!(start["userCode"].as_str().unwrap().contains('-'));

    let token = run(
        home.command(&emu),
        &[
            "create-token",
            "--client-id",
            cid,
            "--client-secret",
            csec,
            "--grant-type",
            "urn:ietf:params:oauth:grant-type:device_code",
            "--device-code",
            device_code,
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
            "--client-id",
            cid,
            "--client-secret",
            csec,
            "--grant-type",
            "refresh_token",
            "--refresh-token",
            refresh,
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
        &["login", "--sso-session", "dev", "--no-browser"],
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
    let stderr = child.stderr.take().unwrap();
    let mut reader = BufReader::new(stderr);
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        seen.push_str(&line);
        if line.contains("user_code=") {
            break;
        }
    }
    // Keep draining in the background so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
    });
    seen
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
    let emu = emulator(Approval::Manual);
    let home = Home::new("ctrlc", &emu);
    // A first, completed login leaves files behind.
    emu.set_approval(Approval::ApproveAfterPolls(1));
    let first = run(
        home.command(&emu),
        &["login", "--sso-session", "dev", "--no-browser"],
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
        .args(["login", "--sso-session", "dev", "--no-browser"])
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
        started.elapsed() < Duration::from_secs(5),
        "Ctrl-C acts at once"
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
            &["login", "--sso-session", "dev", "--no-browser"]
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
        &["--debug", "login", "--sso-session", "dev", "--no-browser"],
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
        &["login", "--sso-session", "dev", "--no-browser"],
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
    // 30 polls of 10 ms: long enough for the countdown's first frames.
    let emu = emulator(Approval::ApproveAfterPolls(30));
    let home = Home::new("tty-on", &emu);
    let command = format!("{} login --sso-session dev --no-browser", sh_quote(BIN));
    let mut script = Command::new("script");
    script
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home.dir)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", emu.base_url())
        .env("SSOOIDC_PROTOCOL_SECOND_MS", "10")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::null());
    let out = script.output().expect("run script");
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{shown}");
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
