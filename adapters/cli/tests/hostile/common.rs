//! Helpers of the hostile-input tests: a temporary HOME, the binary run with a bound (a test
//! that would hang fails instead), cache files written by hand, and a raw HTTP server on
//! 127.0.0.1 for answers the emulator does not give.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use ssooidc_core::cache::{format_timestamp, token_cache_key};
use ssooidc_emulator::{Approval, Config, Emulator, RunningEmulator};
use time::OffsetDateTime;

pub const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");

/// The longest any one run of the binary may take in these tests. Every behaviour under test
/// takes milliseconds; the bound only turns a hang into a failure.
pub const BOUND: Duration = Duration::from_secs(20);

/// The session of the standard config.
pub const SESSION: &str = "dev";

static UNIQUE: AtomicU64 = AtomicU64::new(0);

/// A temporary HOME with `[profile dev]` + `[sso-session dev]` pointing at `base_url`.
pub struct Home {
    pub dir: PathBuf,
    pub endpoint: String,
}

impl Home {
    pub fn new(name: &str, base_url: &str) -> Home {
        let dir = std::env::temp_dir().join(format!(
            "ssooidc-hostile-{name}-{}-{}",
            std::process::id(),
            UNIQUE.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        let home = Home {
            dir,
            endpoint: base_url.to_owned(),
        };
        home.write_config(&format!(
            "[profile dev]\nsso_session = dev\n\n[sso-session dev]\nsso_start_url = {base_url}/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
        ));
        home
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.dir.join(".aws/config"), text).unwrap();
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.dir.join(".aws/sso/cache")
    }

    /// Creates the cache directory, 0700.
    pub fn make_cache_dir(&self) -> PathBuf {
        let dir = self.cache_dir();
        std::fs::create_dir_all(&dir).unwrap();
        set_mode(&dir, 0o700);
        dir
    }

    /// The token file of the `dev` session.
    pub fn token_file(&self) -> PathBuf {
        self.cache_dir()
            .join(format!("{}.json", token_cache_key(SESSION)))
    }

    /// The lock file of the `dev` session.
    pub fn lock_file(&self) -> PathBuf {
        self.cache_dir()
            .join(format!("{}.lock", token_cache_key(SESSION)))
    }

    /// Writes a token file for `dev` that is still valid for `minutes` and refreshable, with
    /// `access_token` (inside the 15-minute refresh window when `minutes` < 15).
    pub fn write_token(&self, access_token: &str, minutes: i64) -> PathBuf {
        let start_url = format!("{}/start", self.endpoint);
        self.write_token_for(SESSION, &start_url, "us-east-1", access_token, minutes)
    }

    /// Writes a refreshable token file for the sso-session `session`, with these values
    /// (valid for `minutes`, expired when negative).
    pub fn write_token_for(
        &self,
        session: &str,
        start_url: &str,
        region: &str,
        access_token: &str,
        minutes: i64,
    ) -> PathBuf {
        self.make_cache_dir();
        let now = OffsetDateTime::now_utc();
        let entry = json!({
            "startUrl": start_url,
            "region": region,
            "accessToken": access_token,
            "expiresAt": format_timestamp(now + time::Duration::minutes(minutes)),
            "clientId": "cid-unknown-to-the-server",
            "clientSecret": "client-secret-of-the-cache",
            "registrationExpiresAt": format_timestamp(now + time::Duration::days(30)),
            "refreshToken": "refresh-token-of-the-cache",
        });
        let path = self
            .cache_dir()
            .join(format!("{}.json", token_cache_key(session)));
        std::fs::write(&path, entry.to_string()).unwrap();
        set_mode(&path, 0o600);
        path
    }

    /// The command with a clean environment: HOME, the endpoint, fast protocol time.
    pub fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &self.endpoint)
            .env("SSOOIDC_PROTOCOL_SECOND_MS", "10")
            .stdin(Stdio::null());
        c
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        // Undo what a test may have made unremovable.
        make_writable(&self.dir);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn make_writable(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        set_mode(dir, 0o700);
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                make_writable(&path);
            }
        }
    }
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Whether this process runs as root (permission bits do not stop it).
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

pub fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
}

/// `register-client` with a throwaway client, in us-east-1.
pub const REGISTER: [&str; 7] = [
    "register-client",
    "--client-name",
    "x",
    "--client-type",
    "public",
    "--region",
    "us-east-1",
];

/// `register-client` with a throwaway client, in the configured region.
pub const REGISTER_HERE: [&str; 5] = [
    "register-client",
    "--client-name",
    "x",
    "--client-type",
    "public",
];

/// Global options before a command's arguments.
pub fn with<'a>(options: &[&'a str], command: &[&'a str]) -> Vec<&'a str> {
    options.iter().chain(command).copied().collect()
}

/// What a bounded run produced.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `c` with `args`, killing it after [`BOUND`]: a run that would hang fails the test.
pub fn run(mut c: Command, args: &[&str]) -> Run {
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("the binary starts");
    let stdout = reader(child.stdout.take().unwrap());
    let stderr = reader(child.stderr.take().unwrap());
    let code = wait_bounded(&mut child, BOUND);
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    let code = code.unwrap_or_else(|| {
        panic!(
            "ssooidc {args:?} still ran after {BOUND:?} (killed): stdout {stdout:?} stderr {stderr:?}"
        )
    });
    Run {
        code,
        stdout,
        stderr,
    }
}

fn reader(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = r.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits at most `bound` for `child`; kills it then. `None` when it had to be killed.
pub fn wait_bounded(child: &mut Child, bound: Duration) -> Option<Option<i32>> {
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status.code());
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Spawns `c` with `args`, its stderr read line by line into a channel.
pub fn spawn_with_stderr_lines(mut c: Command, args: &[&str]) -> (Child, mpsc::Receiver<String>) {
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("the binary starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// A fast emulator: one protocol second is 10 ms.
pub fn emulator(approval: Approval) -> RunningEmulator {
    Emulator::start(
        Config::default()
            .second(Duration::from_millis(10))
            .approval(approval),
    )
    .unwrap()
}

/// An emulator with `config` (its `second` set to 10 ms).
pub fn emulator_with(config: Config) -> RunningEmulator {
    Emulator::start(config.second(Duration::from_millis(10))).unwrap()
}

/// Every control character a hostile string could carry to a terminal.
pub fn has_control(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t') || ('\u{202a}'..='\u{202e}').contains(&c)
    })
}

/// What a [`RawServer`] answers: status, extra headers, body.
pub type Answer = (u16, Vec<(&'static str, String)>, String);

/// A raw HTTP/1.1 server on 127.0.0.1 answering each request (path, JSON body) with whatever
/// the test says; for answers the emulator does not give (hostile strings, odd members).
pub struct RawServer {
    pub base_url: String,
}

impl RawServer {
    pub fn start(answer: impl Fn(&str, &Value) -> Answer + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let answer = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let answer = answer.clone();
                std::thread::spawn(move || serve(stream, &*answer));
            }
        });
        RawServer { base_url }
    }
}

fn serve(mut stream: TcpStream, answer: &(dyn Fn(&str, &Value) -> Answer + Send + Sync)) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    while let Some((head, body)) = ssooidc_tests::read_request(&mut stream) {
        let path = head
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .split('?')
            .next()
            .unwrap_or("/")
            .to_owned();
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let (status, headers, text) = answer(&path, &body);
        let mut response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            text.len()
        );
        for (k, v) in headers {
            response.push_str(&format!("{k}: {v}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(&text);
        if stream.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// A RegisterClient success with a fixed client.
pub fn registered() -> Answer {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    (
        200,
        vec![],
        json!({
            "clientId": "raw-client-id",
            "clientSecret": "raw-client-secret-value",
            "clientIdIssuedAt": now,
            "clientSecretExpiresAt": now + 90 * 86400,
        })
        .to_string(),
    )
}

/// A StartDeviceAuthorization success with these strings.
pub fn authorized(user_code: &str, uri: &str, complete: &str) -> Answer {
    (
        200,
        vec![],
        json!({
            "deviceCode": "raw-device-code-value",
            "userCode": user_code,
            "verificationUri": uri,
            "verificationUriComplete": complete,
            "expiresIn": 600,
            "interval": 1,
        })
        .to_string(),
    )
}

/// A modelled service error as the service encodes it.
pub fn service_error(status: u16, name: &str, code: &str, description: &str) -> Answer {
    (
        status,
        vec![(
            "x-amzn-errortype",
            format!("{name}:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"),
        )],
        json!({"error": code, "error_description": description}).to_string(),
    )
}

/// A CreateToken success.
pub fn token(access_token: &str, expires_in: i64) -> Answer {
    (
        200,
        vec![],
        json!({
            "accessToken": access_token,
            "tokenType": "Bearer",
            "expiresIn": expires_in,
        })
        .to_string(),
    )
}
