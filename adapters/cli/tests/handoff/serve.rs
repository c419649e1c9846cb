//! End to end: `ssooidc serve` and `ssooidc exec --server`, the local container-credentials
//! endpoint: botocore as the command reads its credentials from it and reads refreshed ones
//! once the first come close to expiry; requests without the token, with a huge head, or too
//! slow, and one connection too many, are answered and closed without holding anything up.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use ssooidc_emulator::Target;

use super::common::{emulator_config, sso_session, text, Home};

/// A HOME with the SSO profile `dev` logged in, at an emulator whose role credentials live
/// `role_lifetime` seconds, and a profile `static` with long-term keys.
fn home(name: &str, role_lifetime: u32) -> Home {
    let home = Home::new(
        name,
        emulator_config().role_credentials_lifetime(role_lifetime),
        |start| {
            format!(
                "[profile dev]\nsso_session = dev\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = eu-west-3\n\n{}\n\
                 [profile static]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n",
                sso_session(start)
            )
        },
    );
    home.login("dev");
    home
}

/// The reference venv's Python with botocore (`bash tests/reference/setup.sh`). CI makes it;
/// elsewhere a test that needs it says so and does not run.
fn botocore_python() -> Option<PathBuf> {
    let venv = std::env::var_os("REFERENCE_VENV").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/reference-venv"),
        PathBuf::from,
    );
    let python = venv.join("bin/python");
    let works = Command::new(&python)
        .args(["-c", "import botocore"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(python);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "no botocore at {}: CI runs `bash tests/reference/setup.sh` first",
        python.display()
    );
    eprintln!(
        "skipped: no botocore at {} (run `bash tests/reference/setup.sh`)",
        python.display()
    );
    None
}

/// botocore, as the command of `exec --server`, reads credentials from the endpoint, waits
/// until they are within botocore's 15-minute refresh window, and reads them again.
const BOTOCORE_CHILD: &str = r#"
import json, os, sys, time
import botocore.session
session = botocore.session.get_session()
creds = session.get_credentials()
first = creds.get_frozen_credentials()
expiry = creds._expiry_time
# The emulator gives 903 s: botocore refreshes with less than 900 s left.
time.sleep(max(0.0, (expiry.timestamp() - time.time()) - 899.5))
second = creds.get_frozen_credentials()
json.dump({
    "method": creds.method,
    "first": [first.access_key, first.secret_key, first.token],
    "second": [second.access_key, second.secret_key, second.token],
    "keys_in_env": "AWS_ACCESS_KEY_ID" in os.environ,
    "uri": os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
}, sys.stdout)
"#;

#[test]
fn botocore_reads_credentials_from_the_endpoint_and_refreshed_ones_near_expiry() {
    let Some(python) = botocore_python() else {
        return;
    };
    let home = home("botocore", 903);
    let started = Instant::now();
    let out = home
        .command()
        .args(["exec", "--server", "--profile", "dev", "--"])
        .arg(&python)
        .args(["-c", BOTOCORE_CHILD])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["method"], "container-role");
    assert_eq!(seen["keys_in_env"], false);
    assert!(seen["uri"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    let first = seen["first"].as_array().unwrap();
    let second = seen["second"].as_array().unwrap();
    assert!(first[0].as_str().unwrap().starts_with("ASIA"), "{seen}");
    assert_ne!(
        first, second,
        "botocore got new credentials after the refresh"
    );
    // The first from the start-up check, the second when botocore asked again.
    assert_eq!(home.count(Target::GetRoleCredentials), 2);
    // The credentials are those of the AWS CLI's cache now: the portal's last answer.
    let cached: Value =
        serde_json::from_slice(&home.run(&["credentials", "--profile", "dev"]).stdout).unwrap();
    assert_eq!(cached["AccessKeyId"], second[0]);
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// A running `ssooidc serve`, and the two variables it printed.
struct Serving {
    child: Child,
    url: String,
    token: String,
}

impl Serving {
    fn start(home: &Home, request_timeout_ms: u64) -> Serving {
        let mut child = home
            .command()
            .env("SSOOIDC_REQUEST_TIMEOUT_MS", request_timeout_ms.to_string())
            .args(["serve", "--profile", "dev"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut value = |name: &str| {
            let line = lines.next().unwrap().unwrap();
            line.strip_prefix(&format!("export {name}="))
                .unwrap_or_else(|| panic!("{line}"))
                .to_owned()
        };
        let url = value("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        let token = value("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        Serving { child, url, token }
    }

    fn addr(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned()
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    /// Sends `request` and reads the whole answer: (status, body).
    fn ask(&self, request: &[u8]) -> (u16, String) {
        let mut s = self.connect();
        let _ = s.write_all(request);
        answer(&mut s)
    }

    fn with_token(&self) -> Vec<u8> {
        format!(
            "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
            self.token
        )
        .into_bytes()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn answer(s: &mut TcpStream) -> (u16, String) {
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    let all = text(&all);
    let status = all
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {all:?}"));
    let body = all.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_owned();
    (status, body)
}

#[test]
fn only_requests_with_the_token_get_credentials() {
    let home = home("token", 3600);
    let serving = Serving::start(&home, 5_000);
    assert_eq!(serving.token.len(), 64);
    assert!(serving.token.bytes().all(|b| b.is_ascii_hexdigit()));
    let (status, body) = serving.ask(&serving.with_token());
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    for member in ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"] {
        assert!(json[member].is_string(), "{member}: {body}");
    }
    assert_eq!(json["AccountId"], "111122223333");
    for request in [
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_owned(),
        "GET / HTTP/1.1\r\nAuthorization: 0000\r\n\r\n".to_owned(),
        format!(
            "GET / HTTP/1.1\r\nAuthorization: {}0\r\n\r\n",
            serving.token
        ),
        format!(
            "GET / HTTP/1.1\r\nAuthorization: Bearer {}\r\n\r\n",
            serving.token
        ),
    ] {
        let (status, body) = serving.ask(request.as_bytes());
        assert_eq!(status, 401, "{request:?}");
        assert!(!body.contains("ASIA"), "{body}");
    }
    // A second `serve` has a token of its own.
    let other = Serving::start(&home, 5_000);
    assert_ne!(other.token, serving.token);
}

#[test]
fn a_huge_head_a_slow_client_and_too_many_connections_are_cut_off() {
    let home = home("limits", 3600);
    let serving = Serving::start(&home, 1_500);
    // A head of 64 KiB: 431, without reading it all.
    let huge = format!(
        "GET / HTTP/1.1\r\nAuthorization: {}\r\nX-Big: {}\r\n\r\n",
        serving.token,
        "a".repeat(64 * 1024)
    );
    assert_eq!(serving.ask(huge.as_bytes()).0, 431);

    // A slow client does not hold up the others, and is cut off at the request timeout.
    let mut slow = serving.connect();
    slow.write_all(b"GET / HTTP/1.1\r\nAuthor").unwrap();
    let began = Instant::now();
    assert_eq!(serving.ask(&serving.with_token()).0, 200);
    let (status, _) = answer(&mut slow);
    assert_eq!(status, 408);
    assert!(began.elapsed() < Duration::from_secs(5));

    // Sixteen idle connections: the seventeenth is answered 503 at once; once the idle ones
    // timed out, requests are served again.
    let idle: Vec<TcpStream> = (0..16).map(|_| serving.connect()).collect();
    std::thread::sleep(Duration::from_millis(100));
    let (status, body) = serving.ask(&serving.with_token());
    assert_eq!(status, 503, "{body}");
    for mut s in idle {
        assert_eq!(answer(&mut s).0, 408);
    }
    assert_eq!(serving.ask(&serving.with_token()).0, 200);
}

#[test]
fn exec_server_gives_the_endpoint_instead_of_keys_and_it_ends_with_the_command() {
    let home = home("exec", 3600);
    let out = home.run(&["exec", "--server", "--profile", "dev", "--", "env", "-0"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let env: HashMap<String, String> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|v| !v.is_empty())
        .filter_map(|v| {
            let v = text(v);
            v.split_once('=').map(|(a, b)| (a.to_owned(), b.to_owned()))
        })
        .collect();
    assert!(!env.contains_key("AWS_ACCESS_KEY_ID"));
    assert_eq!(env["SSOOIDC_PROFILE"], "dev");
    assert_eq!(env["AWS_REGION"], "eu-west-3");
    let url = &env["AWS_CONTAINER_CREDENTIALS_FULL_URI"];
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    assert_eq!(env["AWS_CONTAINER_AUTHORIZATION_TOKEN"].len(), 64);
    // The helper that served it notices the command is gone and stops.
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the endpoint outlived its command"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The command's status is the caller's.
    let out = home.run(&[
        "exec",
        "--server",
        "--profile",
        "dev",
        "--",
        "sh",
        "-c",
        "exit 9",
    ]);
    assert_eq!(out.status.code(), Some(9));
}

#[test]
fn exec_server_refuses_long_term_keys_and_an_expired_session_before_running_anything() {
    let home = home("refuse", 3600);
    let marker = home.dir.join("ran");
    let touch = ["--", "touch", marker.to_str().unwrap()];
    let out = home
        .command()
        .args(["exec", "--server", "--profile", "static"])
        .args(touch)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("long-term keys"),
        "{}",
        text(&out.stderr)
    );
    assert!(!marker.exists());
    assert_eq!(home.run(&["logout"]).status.code(), Some(0));
    let out = home
        .command()
        .args(["exec", "--server", "--profile", "dev"])
        .args(touch)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255), "{}", text(&out.stderr));
    assert!(!marker.exists());
}
