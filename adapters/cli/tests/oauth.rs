//! End-to-end tests of `ssooidc oauth login | token | logout`, the built binary against the
//! emulator's standard OAuth 2.0 mode on 127.0.0.1.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use ssooidc_core::oauth::ClientAuth;
use ssooidc_emulator::{
    Approval, Config, Emulator, OAuthClientConfig, OAuthMode, OAuthQuirks, RunningEmulator,
};

const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");
const SECRET: &str = "s3cr3t:with%odd chars";

/// A temporary HOME (and XDG_CACHE_HOME inside it).
struct Home {
    dir: PathBuf,
}

impl Home {
    fn new(name: &str) -> Home {
        let dir = std::env::temp_dir().join(format!("ssooidc-oauth-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Home { dir }
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.join("xdg-cache").join("ssooidc").join("oauth")
    }

    fn cache_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.cache_dir())
            .map(|rd| rd.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "json"));
        files
    }

    fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("XDG_CACHE_HOME", self.dir.join("xdg-cache"))
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

fn emulator(mode: OAuthMode, approval: Approval) -> RunningEmulator {
    Emulator::start(
        Config::default()
            .second(Duration::from_millis(10))
            .approval(approval)
            .oauth(mode),
    )
    .unwrap()
}

fn clients() -> Vec<OAuthClientConfig> {
    vec![
        OAuthClientConfig::public("cli"),
        OAuthClientConfig::confidential("basic-cli", SECRET, ClientAuth::ClientSecretBasic),
        OAuthClientConfig::confidential("post-cli", SECRET, ClientAuth::ClientSecretPost),
    ]
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
fn login_token_refresh_and_logout_with_discovery() {
    let emu = emulator(
        OAuthMode::with_clients(clients()),
        Approval::ApproveAfterPolls(1),
    );
    let home = Home::new("flow");
    let issuer = emu.base_url().to_owned();
    let select = [
        "--issuer",
        &issuer,
        "--client-id",
        "cli",
        "--scope",
        "openid",
        "--scope",
        "offline_access",
    ];

    let mut args = vec!["oauth", "login", "--no-browser", "--output", "json"];
    args.extend(select);
    let out = run(home.command(), &args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let login = json(&out);
    assert!(login["access_token"].is_string());
    assert!(login["token_type"]
        .as_str()
        .unwrap()
        .eq_ignore_ascii_case("bearer"));
    let expires_in = login["expires_in"].as_u64().unwrap();
    assert!((3590..=3600).contains(&expires_in), "{login}");
    assert!(
        login.get("refresh_token").is_none(),
        "the refresh token stays in the cache"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("/device") && stderr.contains("Tokens cached in"),
        "{stderr}"
    );

    // One file, 0600 in a 0700 directory.
    let files = home.cache_files();
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(home.cache_dir())
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
    }
    let cached: Value = serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    assert_eq!(cached["provider"], issuer.as_str());
    assert!(cached["refresh_token"].is_string());

    // A cache hit makes no request; the same scopes in another order are the same entry.
    let before = emu.requests().len();
    let mut args = vec![
        "oauth",
        "token",
        "--issuer",
        &issuer,
        "--client-id",
        "cli",
        "--scope",
        "offline_access",
        "--scope",
        "openid",
    ];
    let out = run(home.command(), &args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        login["access_token"].as_str().unwrap()
    );
    assert_eq!(emu.requests().len(), before, "no request for a fresh token");

    // Fewer than --min-ttl left: discovery, then a refresh, written back.
    args.extend(["--min-ttl", "7200", "--output", "json"]);
    let out = run(home.command(), &args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let refreshed = json(&out);
    assert_ne!(refreshed["access_token"], login["access_token"]);
    let paths: Vec<String> = emu.requests()[before..]
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        ["/.well-known/openid-configuration", "/oauth2/token"]
    );
    let cached: Value = serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    assert_eq!(cached["access_token"], refreshed["access_token"]);

    // Logout deletes the entry; then there is nothing to give (exit 255, with advice).
    let mut args = vec!["oauth", "logout"];
    args.extend(select);
    let out = run(home.command(), &args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(home.cache_files().is_empty());
    let mut args = vec!["oauth", "token"];
    args.extend(select);
    let out = run(home.command(), &args);
    assert_eq!(out.status.code(), Some(255));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("run `ssooidc oauth login --issuer"),
        "{stderr}"
    );
}

#[test]
fn explicit_endpoints_with_client_secret_basic_from_the_environment() {
    let emu = emulator(
        OAuthMode::with_clients(clients()),
        Approval::ApproveAfterPolls(0),
    );
    let home = Home::new("basic");
    let device = format!("{}/oauth2/device_authorization", emu.base_url());
    let token = format!("{}/oauth2/token", emu.base_url());
    let mut c = home.command();
    c.env("SSOOIDC_OAUTH_CLIENT_SECRET", SECRET);
    let out = run(
        c,
        &[
            "oauth",
            "login",
            "--device-authorization-endpoint",
            &device,
            "--token-endpoint",
            &token,
            "--client-id",
            "basic-cli",
            "--no-browser",
            "--debug",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let requests = emu.requests();
    assert!(
        requests.iter().all(|r| !r.path.starts_with("/.well-known")),
        "no discovery"
    );
    for r in &requests {
        assert!(
            r.header("authorization")
                .is_some_and(|a| a.starts_with("Basic ")),
            "{r:?}"
        );
        assert!(
            !r.body_str().unwrap_or("").contains("client_secret"),
            "{r:?}"
        );
    }
    // The debug log shows the requests, never a secret.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("[debug] DeviceAuthorization request: POST"),
        "{stderr}"
    );
    assert!(
        stderr.contains("device_code=<redacted>") && stderr.contains("authorization: <redacted>"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t"), "{stderr}");
    let cached = std::fs::read_to_string(&home.cache_files()[0]).unwrap();
    let access_token: Value =
        serde_json::from_str::<Value>(&cached).unwrap()["access_token"].clone();
    assert!(!stderr.contains(access_token.as_str().unwrap()), "{stderr}");
    assert!(!cached.contains("s3cr3t"), "the secret is not cached");
}

#[test]
fn a_wrong_secret_and_a_denial_are_service_errors() {
    let emu = emulator(
        OAuthMode::with_clients(clients()),
        Approval::DenyAfterPolls(1),
    );
    let home = Home::new("errors");
    let issuer = emu.base_url().to_owned();
    let out = run(
        home.command(),
        &[
            "oauth",
            "login",
            "--issuer",
            &issuer,
            "--client-id",
            "post-cli",
            "--client-secret",
            "wrong",
            "--auth-method",
            "client_secret_post",
            "--no-browser",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(254),
        "stderr: {}",
        text(&out.stderr)
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "An error occurred (invalid_client) when calling the DeviceAuthorization operation"
        ),
        "{stderr}"
    );

    let out = run(
        home.command(),
        &[
            "oauth",
            "login",
            "--issuer",
            &issuer,
            "--client-id",
            "cli",
            "--no-browser",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(254),
        "stderr: {}",
        text(&out.stderr)
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("An error occurred (access_denied) when calling the Token operation"),
        "{stderr}"
    );
    assert!(home.cache_files().is_empty(), "nothing cached");
}

#[test]
fn a_mismatched_issuer_is_refused_before_the_secret_goes_anywhere() {
    let mode = OAuthMode::with_clients(clients()).issuer("https://attacker.example");
    let emu = emulator(mode, Approval::ApproveAfterPolls(0));
    let home = Home::new("mismatch");
    let issuer = emu.base_url().to_owned();
    let out = run(
        home.command(),
        &[
            "oauth",
            "login",
            "--issuer",
            &issuer,
            "--client-id",
            "basic-cli",
            "--client-secret",
            SECRET,
            "--no-browser",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(255),
        "stderr: {}",
        text(&out.stderr)
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("https://attacker.example") && stderr.contains("RFC 8414"),
        "{stderr}"
    );
    let requests = emu.requests();
    assert_eq!(
        requests.len(),
        1,
        "only the discovery document: {requests:?}"
    );
    assert!(requests[0].header("authorization").is_none());
}

#[test]
fn bad_input_is_a_usage_error() {
    let home = Home::new("usage");
    for args in [
        &["oauth", "login", "--client-id", "cli"][..],
        &[
            "oauth",
            "login",
            "--issuer",
            "http://idp.example.com",
            "--client-id",
            "cli",
        ],
        &[
            "oauth",
            "login",
            "--issuer",
            "https://idp.example.com?x=1",
            "--client-id",
            "cli",
        ],
        &[
            "oauth",
            "login",
            "--issuer",
            "https://idp.example.com",
            "--token-endpoint",
            "https://idp.example.com/t",
            "--client-id",
            "cli",
        ],
        &[
            "oauth",
            "login",
            "--issuer",
            "https://idp.example.com",
            "--client-id",
            "cli",
            "--client-secret",
            "s",
            "--auth-method",
            "none",
        ],
        &[
            "oauth",
            "token",
            "--issuer",
            "https://idp.example.com",
            "--client-id",
            "cli",
            "--auth-method",
            "client_secret_basic",
        ],
        &[
            "oauth",
            "login",
            "--issuer",
            "https://idp.example.com",
            "--client-id",
            "cli",
            "--auth-method",
            "private_key_jwt",
        ],
    ] {
        let out = run(home.command(), args);
        assert_eq!(
            out.status.code(),
            Some(252),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_github_like_provider_logs_in() {
    // Form-encoded answers, errors with 200, slow_down carrying an interval, no
    // verification_uri_complete, the page named verification_url, lifetimes as strings.
    let mut quirks = OAuthQuirks::default();
    for q in [
        "form-encoded",
        "error-status-200",
        "slow-down-interval",
        "no-verification-uri-complete",
        "verification-url",
        "lifetimes-as-strings",
    ] {
        quirks.set(q).unwrap();
    }
    let emu = emulator(
        OAuthMode::with_clients(clients()).quirks(quirks),
        Approval::ApproveAfterPolls(2),
    );
    let home = Home::new("github");
    let device = format!("{}/oauth2/device_authorization", emu.base_url());
    let token = format!("{}/oauth2/token", emu.base_url());
    let out = run(
        home.command(),
        &[
            "oauth",
            "login",
            "--device-authorization-endpoint",
            &device,
            "--token-endpoint",
            &token,
            "--client-id",
            "cli",
            "--no-browser",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(json(&out)["access_token"].is_string());
}

#[test]
fn without_xdg_cache_home_the_cache_is_under_home() {
    let emu = emulator(
        OAuthMode::with_clients(clients()),
        Approval::ApproveAfterPolls(0),
    );
    let home = Home::new("nohome");
    let mut c = home.command();
    c.env_remove("XDG_CACHE_HOME");
    let out = run(
        c,
        &[
            "oauth",
            "login",
            "--issuer",
            emu.base_url(),
            "--client-id",
            "cli",
            "--no-browser",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let dir = home.dir.join(".cache").join("ssooidc").join("oauth");
    assert_eq!(
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json"))
            .count(),
        1
    );
}
