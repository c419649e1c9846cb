//! Helpers shared by the cross-crate integration tests in `tests/tests/*.rs`: a fast emulator,
//! clients pointed at it, temporary homes for the session tests, a refused port, and a tiny raw
//! HTTP server for answers the emulator cannot give.
//!
//! Everything talks to `127.0.0.1` only. Time is scaled: one protocol second lasts
//! [`SECOND`] on both sides (the emulator's `second` and `DeviceFlowConfig::second`).
//!
//! Nothing a test expects to succeed has to happen within a short real time: device codes live
//! [`CODE_LIFETIME`] (10 real minutes) and a client waits [`REQUEST_TIMEOUT`] (60 s) for an
//! answer, so that a loaded machine can be as slow as it likes.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use ssooidc_core::authcode::AuthCodeConfig;
use ssooidc_core::device::{DeviceFlowConfig, Event};
use ssooidc_emulator::browser::Visit;
use ssooidc_emulator::{Config as EmuConfig, Emulator, RecordedRequest, RunningEmulator, Target};
use ssooidc_ureq::device::LoginOptions;
use ssooidc_ureq::session::Sessions;
use ssooidc_ureq::{Client, Config, RetryConfig, RetryMode};

/// One protocol second in the tests: interval 1 = 10 ms.
pub const SECOND: Duration = Duration::from_millis(10);

/// The lifetime of the emulator's device codes in [`emulator_config`], in protocol seconds:
/// 60 000, 10 real minutes at [`SECOND`]. (The service's 600 would be 6 real seconds: a window
/// a loaded machine can miss in the middle of a login that should succeed.) A test of expiry
/// sets its own lifetime.
pub const CODE_LIFETIME: u32 = 60_000;

/// The timeout of the clients of [`config_for`]: the production default, 60 s. It is a ceiling
/// on every request a test expects to be answered, so it must be one that a loaded machine
/// cannot reach; only a broken test waits it out.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The start URL of spec 6.3's vectors.
pub const START_URL: &str = "https://d-1234567890.awsapps.com/start";

/// `sha1("my-sso")`: the token file name of the `my-sso` session (spec 6.3 vector).
pub const MY_SSO_TOKEN_KEY: &str = "0ad374308c5a4e22f723adf10145eafad7c4031c";

/// `sha1(START_URL)`: the token file name of a legacy profile with [`START_URL`] (spec 6.3).
pub const LEGACY_TOKEN_KEY: &str = "7487b5b67d5fa1132cf33fa93ae51ef38cc37752";

/// The registration file name of `my-sso` with scopes `["sso:account:access"]` (spec 6.4).
pub const MY_SSO_SCOPED_REGISTRATION_KEY: &str = "a8343d65418848d0bc13a5f25cbb32508ceec5d1";

/// The device-code grant type.
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// An emulator configuration running at [`SECOND`] per protocol second, with device codes that
/// live [`CODE_LIFETIME`].
pub fn emulator_config() -> EmuConfig {
    EmuConfig::default()
        .second(SECOND)
        .expires_in(CODE_LIFETIME)
}

/// Starts an emulator.
pub fn start(config: EmuConfig) -> RunningEmulator {
    Emulator::start(config).expect("the emulator starts")
}

/// The client configuration for `emu`: explicit endpoint, a [`REQUEST_TIMEOUT`] timeout
/// (nothing in a test should wait that long; it only keeps a broken test from hanging).
pub fn config_for(emu: &RunningEmulator) -> Config {
    Config::new("us-east-1")
        .endpoint_url(emu.base_url())
        .timeout(REQUEST_TIMEOUT)
}

/// A client for `emu`.
pub fn client_for(emu: &RunningEmulator) -> Client {
    Client::new(config_for(emu)).expect("client")
}

/// One attempt per call: the client's retry policy turned off, for tests of what a single
/// failed attempt returns (every `Client` call goes through the retry policy, which by default
/// retries a 5xx, a timeout or a dropped connection).
pub fn single_attempt() -> RetryConfig {
    RetryConfig::new(RetryMode::Standard, 1)
}

/// A client for `emu` that makes one attempt per call ([`single_attempt`]).
pub fn client_without_retries(emu: &RunningEmulator) -> Client {
    Client::new(config_for(emu).retry(single_attempt())).expect("client")
}

/// The device flow's policy with [`SECOND`]-long protocol seconds.
pub fn flow_config() -> DeviceFlowConfig {
    DeviceFlowConfig::default().second(SECOND)
}

/// Login options with [`flow_config`] and a fixed jitter seed, for the **device flow**: an
/// sso-session's [`Sessions::login`] uses it too (`use_device_code`), so that the emulator's
/// approval knobs script the login. Browser logins use [`browser_login_options`].
pub fn login_options() -> LoginOptions {
    LoginOptions::default()
        .flow(flow_config())
        .seed(7)
        .use_device_code(true)
}

/// The browser login's policy with [`SECOND`]-long protocol seconds (the wait for the browser:
/// 600 protocol seconds, 6 s).
pub fn auth_code_config() -> AuthCodeConfig {
    AuthCodeConfig::default().second(SECOND)
}

/// Login options for the browser login ([`auth_code_config`], a fixed jitter seed); with
/// `use_device_code` unset, an sso-session's [`Sessions::login`] uses the browser login.
pub fn browser_login_options() -> LoginOptions {
    LoginOptions::default()
        .flow(flow_config())
        .auth_code(auth_code_config())
        .seed(7)
}

/// A scripted browser for the browser login: on [`Event::Authorize`] it runs its script with
/// the authorize URL **on another thread** (the driver waits for the browser while the script
/// runs, as with a real browser), by default [`follow`]: load the URL from the emulator and
/// follow the redirect to the loopback listener.
pub struct Browser<T> {
    script: Arc<dyn Fn(&str) -> T + Send + Sync>,
    running: Option<JoinHandle<T>>,
    /// The authorize URLs it was given.
    pub urls: Vec<String>,
}

impl Browser<Visit> {
    /// A browser that [`follow`]s the authorize URL.
    pub fn following() -> Self {
        Browser::new(follow)
    }
}

impl<T: Send + 'static> Browser<T> {
    /// A browser running `script` with each authorize URL.
    pub fn new(script: impl Fn(&str) -> T + Send + Sync + 'static) -> Self {
        Browser {
            script: Arc::new(script),
            running: None,
            urls: Vec::new(),
        }
    }

    /// Hand it every login event.
    pub fn on_event(&mut self, event: &Event) {
        if let Event::Authorize(request) = event {
            let url = request.url.as_str().to_owned();
            self.urls.push(url.clone());
            let script = self.script.clone();
            self.running = Some(std::thread::spawn(move || script(&url)));
        }
    }

    /// What the script returned, once it finished; `None` when it never ran.
    pub fn finish(&mut self) -> Option<T> {
        self.running
            .take()
            .map(|t| t.join().expect("the browser script"))
    }
}

/// What a browser does with an authorize URL: load it from the emulator and follow the redirect
/// to the loopback listener ([`ssooidc_emulator::browser::follow`]).
pub fn follow(url: &str) -> Visit {
    ssooidc_emulator::browser::follow(url).expect("the browser loads the pages")
}

/// The base (`http://127.0.0.1:<port>`) of the loopback listener an authorize URL sends the
/// browser back to.
pub fn callback_base(authorize_url: &str) -> String {
    let encoded = authorize_url
        .split("redirect_uri=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("a redirect_uri");
    let redirect = encoded.replace("%3A", ":").replace("%2F", "/");
    redirect
        .strip_suffix("/oauth/callback")
        .expect("the callback path")
        .to_owned()
}

/// Requests the emulator recorded for `target`.
pub fn requests_to(emu: &RunningEmulator, target: Target) -> Vec<RecordedRequest> {
    emu.requests()
        .into_iter()
        .filter(|r| r.target == target)
        .collect()
}

/// `CreateToken` requests with this `grantType`.
pub fn token_requests(emu: &RunningEmulator, grant_type: &str) -> Vec<RecordedRequest> {
    requests_to(emu, Target::CreateToken)
        .into_iter()
        .filter(|r| {
            r.body_json()
                .is_some_and(|b| b["grantType"].as_str() == Some(grant_type))
        })
        .collect()
}

/// A port on 127.0.0.1 that nothing listens on: bound, then released.
pub fn refused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

static UNIQUE: AtomicU64 = AtomicU64::new(0);

/// A unique directory under the system temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `ssooidc-tests-<label>-<pid>-<n>-<nanos>`.
    pub fn new(label: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "ssooidc-tests-{label}-{}-{}-{nanos}",
            std::process::id(),
            UNIQUE.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A temporary `HOME` with an `~/.aws/config`, and the environment that points the sessions at
/// it and at an emulator.
#[derive(Debug)]
pub struct Home {
    dir: TempDir,
    /// The environment: `HOME`, and `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO`
    /// (the portal) when an emulator was given.
    pub env: HashMap<String, String>,
}

impl Home {
    /// A new empty home. `emu`: where `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO`
    /// point.
    pub fn new(label: &str, emu: Option<&RunningEmulator>) -> Self {
        let dir = TempDir::new(label);
        let mut env = HashMap::new();
        env.insert("HOME".to_owned(), dir.path().display().to_string());
        if let Some(emu) = emu {
            for service in ["AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SSO"] {
                env.insert(service.to_owned(), emu.base_url().to_owned());
            }
        }
        Home { dir, env }
    }

    /// A home whose `~/.aws/config` is [`standard_config`].
    pub fn with_standard_config(label: &str, emu: &RunningEmulator) -> Self {
        let home = Home::new(label, Some(emu));
        home.write_config(&standard_config());
        home
    }

    /// The home directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `~/.aws/config`.
    pub fn write_config(&self, text: &str) {
        let aws = self.path().join(".aws");
        std::fs::create_dir_all(&aws).expect("mkdir ~/.aws");
        std::fs::write(aws.join("config"), text).expect("write config");
    }

    /// Writes a cache file as the AWS tools do: mode 0600 (a looser one is repaired with a
    /// warning), its directory created.
    pub fn write_cache_file(&self, path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) {
        let path = path.as_ref();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("mkdir cache");
        }
        std::fs::write(path, bytes).expect("write cache file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .expect("chmod 600");
        }
    }

    /// `~/.aws/sso/cache`.
    pub fn cache_dir(&self) -> PathBuf {
        self.path().join(".aws").join("sso").join("cache")
    }

    /// A cache file by key.
    pub fn cache_file(&self, key: &str) -> PathBuf {
        self.cache_dir().join(format!("{key}.json"))
    }

    /// `~/.aws/cli/cache`: the role-credential cache.
    pub fn cli_cache_dir(&self) -> PathBuf {
        self.path().join(".aws").join("cli").join("cache")
    }

    /// [`Sessions::from_env_map`] over [`Home::env`].
    pub fn sessions(&self) -> Sessions {
        Sessions::from_env_map(&self.env).expect("sessions")
    }
}

/// A config with an sso-session profile `dev` (session `my-sso`, scoped so that the emulator
/// issues refresh tokens), an unscoped session profile `plain`, and a legacy profile `legacy`.
pub fn standard_config() -> String {
    format!(
        "[profile dev]\n\
         sso_session = my-sso\n\
         sso_account_id = 111122223333\n\
         sso_role_name = ReadOnly\n\
         \n\
         [sso-session my-sso]\n\
         sso_start_url = {START_URL}\n\
         sso_region = us-east-1\n\
         sso_registration_scopes = sso:account:access\n\
         \n\
         [profile legacy]\n\
         sso_start_url = {START_URL}\n\
         sso_region = us-east-1\n\
         sso_account_id = 111122223333\n\
         sso_role_name = ReadOnly\n"
    )
}

/// A raw HTTP exchange: `GET path_and_query` on a fresh connection; returns the status, the
/// head (lower-cased) and the body.
pub fn http_get(base_url: &str, path_and_query: &str) -> (u16, String, String) {
    let host = base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(REQUEST_TIMEOUT))
        .expect("timeout");
    write!(
        stream,
        "GET {path_and_query} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// Reads one HTTP/1.1 request (head and a `Content-Length` body) from `stream`; `None` when the
/// peer closed the connection first.
pub fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).ok()?;
    Some((head, body))
}
