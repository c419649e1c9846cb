//! The `ssooidc-emulator` binary: `--help` documents every knob, and it serves what it prints.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use ssooidc_core::ErrorCode;

const BIN: &str = env!("CARGO_BIN_EXE_ssooidc-emulator");

#[test]
fn help_documents_every_knob() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--host",
        "127.0.0.1",
        "--port",
        "--region",
        "--interval",
        "--expires-in",
        "--second",
        "--slow-down-increment",
        "--token-lifetime",
        "--refresh-token-lifetime",
        "--registration-lifetime",
        "--refresh-tokens",
        "--no-rotate-refresh-tokens",
        "--approve-after-polls",
        "--approve-after",
        "--deny",
        "--deny-after-polls",
        "--no-error-type-header",
        "--fault",
        "--max-body-bytes",
        "--public-url",
        "--account",
        "--role-credentials-lifetime",
        "--page-size",
        "GetRoleCredentials",
        "--quiet",
        "CreateToken#3=SlowDownException",
        "RegisterClient#1=hang",
        "StartDeviceAuthorization=503",
        "CreateToken#2=drop",
        "CreateToken#1=delay:500ms",
        "AWS_ENDPOINT_URL_SSO_OIDC",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn bad_arguments_are_refused() {
    for args in [
        &["--fault", "CreateToken=nope"][..],
        &["--second", "soon"],
        &["--deny", "--approve-after-polls", "1"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}

/// Kills the child (by its own handle) even when an assertion fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serves_with_the_given_knobs() {
    let mut child = Child(
        Command::new(BIN)
            .args([
                "--second",
                "10ms",
                // Codes that live 10 real minutes: the poll below must not have to come within
                // 6 s (the default lifetime of 600 at 10 ms).
                "--expires-in",
                "60000",
                "--approve-after-polls",
                "1",
                "--no-error-type-header",
                "--fault",
                "RegisterClient#1=InternalServerException",
                "--quiet",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let http = Http::new(base);

    let r = http.post(
        "/client/register",
        &serde_json::json!({"clientName": "x", "clientType": "public"}),
    );
    assert_eq!(r.status, 500);
    assert!(r.header("x-amzn-errortype").is_none());
    assert_eq!(r.error().code(), Some(ErrorCode::InternalServer));

    let (id, secret) = http.register(&[]);
    let (dc, _, v) = http.start_device(&id, &secret);
    assert_eq!(v["expiresIn"], 60000);
    assert_eq!(http.poll(&id, &secret, &dc).status, 400);
    wait_secs(1);
    assert_eq!(http.poll(&id, &secret, &dc).status, 200);
}

#[test]
fn ctrl_c_stops_cleanly() {
    let mut child = Child(
        Command::new(BIN)
            .args(["--quiet"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("http://127.0.0.1:"));
    // SIGINT to our own child, by its id.
    let status = // The shell's built-in `kill`: no procps needed.
        Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.0.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.0.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("stopped"), "{err}");
}
