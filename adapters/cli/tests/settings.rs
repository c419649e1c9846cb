//! The built `ssooidc` over the botocore-generated settings matrix
//! (`core/tests/fixtures/settings/matrix.json`): for every case that ends in a signed request,
//! `create-token-with-iam` runs with the case's files, environment and flags, and the test
//! checks where the request went and which access key and region signed it.
//!
//! Nothing leaves 127.0.0.1. A case whose endpoint is on loopback is pointed at the emulator
//! (its URL rewritten to the emulator's), which records the request. A case whose endpoint is
//! an AWS host runs through a recording proxy on 127.0.0.1 (`HTTPS_PROXY`): the proxy sees the
//! `CONNECT` to the host and refuses it, and the command's `--debug` log shows the request's
//! `Authorization` credential scope (the signature itself is redacted).
//!
//! Unix only: the cases name the home with `HOME` (which Windows does not read) and some run
//! `credential_process` scripts made executable with a file mode. On Windows this file is not
//! built (`docs/platforms.md`).
#![cfg(unix)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use ssooidc_emulator::{Config, Emulator, RunningEmulator, Target};

const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");

/// Cases the project answers differently on purpose (see core/tests/settings_matrix.rs).
const DIVERGENCES: &[&str] = &[
    "retry-mode-env-legacy",
    "retry-mode-profile-legacy",
    "creds-legacy-boto-config",
    "region-empty-aws-region-env",
    "config-empty-region-value",
    "profile-env-empty",
    "sso-profile-missing-session-section",
];

struct Home(PathBuf);

impl Home {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("ssooidc-settings-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Home(dir)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn matrix() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../core/tests/fixtures/settings/matrix.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A proxy on 127.0.0.1 that records the target of each `CONNECT` and refuses it.
fn recording_proxy() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
            let mut line = String::new();
            if BufReader::new(&stream).read_line(&mut line).is_ok() {
                let _ = tx.send(line.trim().to_owned());
            }
            let _ = stream.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (url, rx)
}

/// Runs `create-token-with-iam` for `case` with `rewrite` applied to every string of it.
fn run_case(
    case: &Value,
    home: &Home,
    rewrite: &dyn Fn(&str) -> String,
    proxy: Option<&str>,
) -> Output {
    let home_text = home.0.display().to_string();
    let fill = |s: &str| rewrite(&s.replace("{HOME}", &home_text));
    for (path, text) in case["files"].as_object().unwrap() {
        let target = home.0.join(path.trim_start_matches("~/"));
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, fill(text.as_str().unwrap())).unwrap();
        if path.starts_with("~/bin/") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null());
    if case["home"].as_bool() == Some(true) {
        command.env("HOME", &home.0);
    }
    for (k, v) in case["env"].as_object().unwrap() {
        command.env(k, fill(v.as_str().unwrap()));
    }
    if let Some(proxy) = proxy {
        command.env("HTTPS_PROXY", proxy);
    }
    command
        .arg("--debug")
        // The default, 60 s: a ceiling on every request here, which a loaded machine does not
        // reach; only a broken case waits it out.
        .args(["--cli-connect-timeout", "60", "--cli-read-timeout", "60"]);
    let args = &case["args"];
    for (flag, key) in [
        ("--profile", "profile"),
        ("--region", "region"),
        ("--endpoint-url", "endpoint_url"),
    ] {
        if let Some(v) = args[key].as_str() {
            command.args([flag, &fill(v)]);
        }
    }
    command.args([
        "create-token-with-iam",
        "--client-id",
        "arn:aws:sso::123456789012:application/ssoins-1/apl-1",
        "--grant-type",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "--assertion",
        "x",
    ]);
    command.output().unwrap()
}

/// `(access key id, region)` of a SigV4 `Authorization` value.
fn scope(authorization: &str) -> Option<(String, String)> {
    let credential = authorization.split("Credential=").nth(1)?;
    let mut parts = credential.split('/');
    let akid = parts.next()?.to_owned();
    let _date = parts.next()?;
    let region = parts.next()?.to_owned();
    Some((akid, region))
}

fn emulator() -> RunningEmulator {
    Emulator::start(Config::default().second(Duration::from_millis(10))).unwrap()
}

#[test]
fn the_binary_sends_and_signs_as_botocore_does() {
    let matrix = matrix();
    let (proxy, connects) = recording_proxy();
    let mut checked = (0, 0);
    let mut failures = Vec::new();
    for case in matrix["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let expected = &case["expected"];
        let Some(endpoint) = expected["endpoint"].as_str() else {
            continue;
        };
        let Some(akid) = expected["access_key_id"].as_str() else {
            continue;
        };
        let signing_region = expected["signing_region"].as_str().unwrap_or_default();
        if DIVERGENCES.contains(&name) || !expected["client_error"].is_null() {
            continue;
        }
        let home = Home::new(name);
        let loopback = endpoint.contains("://localhost") || endpoint.contains("://127.0.0.1");
        let result = if loopback {
            let emu = emulator();
            let base = emu.base_url().to_owned();
            let rewrite = |s: &str| {
                let mut s = s.to_owned();
                for from in [
                    "http://localhost:4566",
                    "http://127.0.0.1:9001",
                    "http://127.0.0.1:9002",
                    "http://127.0.0.1:9003",
                    "http://127.0.0.1:9004",
                ] {
                    s = s.replace(from, &base);
                }
                s
            };
            let out = run_case(case, &home, &rewrite, None);
            let signed: Vec<_> = emu
                .requests()
                .into_iter()
                .filter(|r| r.target == Target::CreateTokenWithIam)
                .collect();
            checked.0 += 1;
            match signed.as_slice() {
                [request] => {
                    let auth = request.headers["authorization"]
                        .to_str()
                        .unwrap_or_default()
                        .to_owned();
                    (out.status.code() == Some(0))
                        .then_some(())
                        .ok_or_else(|| {
                            format!(
                                "exit {:?}: {}",
                                out.status.code(),
                                String::from_utf8_lossy(&out.stderr)
                            )
                        })
                        .and_then(|()| scope(&auth).ok_or_else(|| format!("no scope in {auth}")))
                }
                other => Err(format!(
                    "{} signed requests at the emulator; stderr: {}",
                    other.len(),
                    String::from_utf8_lossy(&out.stderr)
                )),
            }
        } else {
            while connects.try_recv().is_ok() {}
            let out = run_case(case, &home, &|s| s.to_owned(), Some(&proxy));
            checked.1 += 1;
            let stderr = String::from_utf8_lossy(&out.stderr);
            let host = endpoint
                .trim_start_matches("https://")
                .split('/')
                .next()
                .unwrap_or_default();
            let connect = connects
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_default();
            if connect != format!("CONNECT {host}:443 HTTP/1.1") {
                Err(format!(
                    "proxy saw {connect:?}, expected a CONNECT to {host}; stderr: {stderr}"
                ))
            } else {
                stderr
                    .lines()
                    .find_map(|l| l.strip_prefix("authorization: "))
                    .and_then(scope)
                    .ok_or_else(|| format!("no authorization in the debug log: {stderr}"))
            }
        };
        match result {
            Ok((got_akid, got_region)) if got_akid == akid && got_region == signing_region => {}
            Ok(other) => failures.push(format!(
                "{name}: signed with {other:?}, botocore ({akid}, {signing_region})"
            )),
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    assert!(checked.0 >= 10 && checked.1 >= 20, "checked {checked:?}");
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn configure_list_shows_each_value_and_its_source() {
    let home = Home::new("configure-list");
    std::fs::create_dir_all(home.0.join(".aws")).unwrap();
    std::fs::write(
        home.0.join(".aws/config"),
        "[profile dev]\nregion = eu-west-1\nmax_attempts = 5\nservices = local\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:9\n",
    )
    .unwrap();
    std::fs::write(
        home.0.join(".aws/credentials"),
        "[dev]\naws_access_key_id = AKIDEXAMPLE1234\naws_secret_access_key = SECRETKEYWXYZ\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .env_clear()
        .env("HOME", &home.0)
        .env("AWS_PROFILE", "dev")
        .env("AWS_RETRY_MODE", "adaptive")
        .args(["configure", "list"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: HashMap<&str, Vec<&str>> = text
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split(" : ").map(str::trim).collect();
            (cells[0], cells[1..].to_vec())
        })
        .collect();
    let config = home.0.join(".aws/config").display().to_string();
    let credentials = home.0.join(".aws/credentials").display().to_string();
    assert_eq!(rows["profile"], ["dev", "env", "AWS_PROFILE"], "{text}");
    assert_eq!(
        rows["access_key"],
        [
            "****************1234",
            "shared-credentials-file",
            credentials.as_str()
        ],
        "{text}"
    );
    assert_eq!(
        rows["secret_key"],
        [
            "****************WXYZ",
            "shared-credentials-file",
            credentials.as_str()
        ],
        "{text}"
    );
    assert_eq!(
        rows["region"],
        ["eu-west-1", "config-file", config.as_str()],
        "{text}"
    );
    assert_eq!(
        rows["endpoint_url"],
        [
            "http://127.0.0.1:9",
            "config-file",
            format!("{config} [services local]").as_str()
        ],
        "{text}"
    );
    assert_eq!(
        rows["retry_mode"],
        ["adaptive", "env", "AWS_RETRY_MODE"],
        "{text}"
    );
    assert_eq!(
        rows["max_attempts"],
        ["5", "config-file", config.as_str()],
        "{text}"
    );
    assert_eq!(
        rows["use_fips_endpoint"],
        ["false", "default", "None"],
        "{text}"
    );
    assert!(
        !text.contains("SECRETKEYWXYZ") && !text.contains("AKIDEXAMPLE1234"),
        "{text}"
    );
    // Given on the command line: `manual`, with the option as the location.
    let out = Command::new(BIN)
        .env_clear()
        .env("HOME", &home.0)
        .args([
            "--profile",
            "dev",
            "--region",
            "us-west-2",
            "configure",
            "list",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("profile") && l.contains("manual") && l.ends_with("--profile")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("region") && l.contains("us-west-2") && l.ends_with("--region")),
        "{text}"
    );
}

#[test]
fn configuration_errors_exit_253_with_clear_messages() {
    let home = Home::new("config-errors");
    std::fs::create_dir_all(home.0.join(".aws")).unwrap();
    std::fs::write(
        home.0.join(".aws/config"),
        "[profile dev]\nregion = eu-west-1\n",
    )
    .unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(BIN);
        c.env_clear().env("HOME", &home.0);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(
        &[
            "--profile",
            "nope",
            "register-client",
            "--client-name",
            "x",
            "--client-type",
            "public",
        ],
        &[],
    );
    assert_eq!(code, Some(253));
    assert!(
        err.contains("The config profile (nope) could not be found"),
        "{err}"
    );
    let (code, err) = run(
        &[
            "register-client",
            "--client-name",
            "x",
            "--client-type",
            "public",
        ],
        &[],
    );
    assert_eq!(code, Some(253));
    assert!(err.starts_with("You must specify a region"), "{err}");
    let (code, err) = run(
        &[
            "--profile",
            "dev",
            "create-token-with-iam",
            "--client-id",
            "arn:x",
            "--grant-type",
            "refresh_token",
        ],
        &[],
    );
    assert_eq!(code, Some(253));
    assert!(err.contains("Unable to locate credentials"), "{err}");
    let (code, err) = run(
        &[
            "register-client",
            "--client-name",
            "x",
            "--client-type",
            "public",
        ],
        &[("AWS_MAX_ATTEMPTS", "many")],
    );
    assert_eq!(code, Some(253));
    assert!(err.contains("AWS_MAX_ATTEMPTS"), "{err}");
    // No message has an empty name in it.
    for (_, err) in [
        run(&["token", "--sso-session", "foo"], &[]),
        run(&["token"], &[("AWS_PROFILE", "dev")]),
    ] {
        assert!(
            !err.contains("  ") && !err.contains("()") && !err.contains("for ;"),
            "{err}"
        );
    }
}

#[test]
fn a_profile_flag_means_the_same_for_login_as_for_the_environment() {
    // `--profile P` with the endpoint in P's services section logs in against that endpoint.
    // Device codes that live 10 real minutes: the login must not have to finish within the
    // service's 600 protocol seconds (6 real seconds here).
    let emu = Emulator::start(
        Config::default()
            .second(Duration::from_millis(10))
            .expires_in(60_000)
            .approval(ssooidc_emulator::Approval::ApproveAfterPolls(1)),
    )
    .unwrap();
    let home = Home::new("profile-login");
    std::fs::create_dir_all(home.0.join(".aws")).unwrap();
    std::fs::write(
        home.0.join(".aws/config"),
        format!(
            "[profile p]\nsso_session = s\nservices = local\n[sso-session s]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n[services local]\nsso_oidc =\n  endpoint_url = {}\n",
            emu.base_url()
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .env_clear()
        .env("HOME", &home.0)
        .env("SSOOIDC_PROTOCOL_SECOND_MS", "10")
        .args([
            "--profile",
            "p",
            "login",
            "--no-browser",
            "--use-device-code",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        emu.requests()
            .iter()
            .filter(|r| r.target == Target::RegisterClient)
            .count(),
        1
    );
}
