//! Retries of the low-level commands, as the AWS CLI and SDKs do them (standard mode), against
//! the emulator's faults: transient failures are retried with backoff until the attempt limit,
//! client errors are not. The backoff arithmetic itself is checked in virtual time in core
//! (`retry` and `machine::call`); here the real binary meets a real server.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use ssooidc_emulator::{Config, Emulator, FaultRule, RunningEmulator, Target};

const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");

struct Home(PathBuf);

impl Home {
    fn new(name: &str, config: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("ssooidc-retries-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(dir.join(".aws/config"), config).unwrap();
        Home(dir)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An emulator at 10 ms protocol seconds whose device codes live 60 000 of them (10 real
/// minutes): the code of [`client_and_device_code`] must still be pending when the last command
/// polls it, after a dozen processes, however slow the machine.
fn emulator(faults: &[&str]) -> RunningEmulator {
    let mut config = Config::default()
        .second(Duration::from_millis(10))
        .expires_in(60_000);
    for rule in faults {
        config = config.fault(rule.parse::<FaultRule>().unwrap());
    }
    Emulator::start(config).unwrap()
}

/// Runs `ssooidc` with a home whose `default` profile points at `emu` in us-east-1 with static
/// keys, plus `env`.
fn ssooidc(emu: &RunningEmulator, home: &Home, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("HOME", &home.0)
        .env("AWS_ENDPOINT_URL_SSO_OIDC", emu.base_url())
        .env("AWS_ACCESS_KEY_ID", "AKIDRETRY")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "us-east-1")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).output().unwrap()
}

fn count(emu: &RunningEmulator, target: Target) -> usize {
    emu.requests().iter().filter(|r| r.target == target).count()
}

/// Registers a client with the emulator and starts an authorization: the ids the other
/// commands need.
fn client_and_device_code(emu: &RunningEmulator, home: &Home) -> (String, String, String) {
    let out = ssooidc(
        emu,
        home,
        &[],
        &[
            "register-client",
            "--client-name",
            "t",
            "--client-type",
            "public",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reg: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (id, secret) = (
        reg["clientId"].as_str().unwrap().to_owned(),
        reg["clientSecret"].as_str().unwrap().to_owned(),
    );
    let out = ssooidc(
        emu,
        home,
        &[],
        &[
            "start-device-authorization",
            &format!("--client-id={id}"),
            &format!("--client-secret={secret}"),
            "--start-url",
            "https://d-1234567890.awsapps.com/start",
        ],
    );
    let auth: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (id, secret, auth["deviceCode"].as_str().unwrap().to_owned())
}

/// The command line of each low-level command, with the target its requests hit. Generated
/// values (ids, device codes) are base64url and may start with '-': they go as `--flag=value`.
fn every_command(id: &str, secret: &str, device_code: &str) -> Vec<(Target, Vec<String>)> {
    let owned = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (
            Target::RegisterClient,
            owned(&[
                "register-client",
                "--client-name",
                "t",
                "--client-type",
                "public",
            ]),
        ),
        (
            Target::StartDeviceAuthorization,
            owned(&[
                "start-device-authorization",
                &format!("--client-id={id}"),
                &format!("--client-secret={secret}"),
                "--start-url",
                "https://d-1234567890.awsapps.com/start",
            ]),
        ),
        (
            Target::CreateToken,
            owned(&[
                "create-token",
                &format!("--client-id={id}"),
                &format!("--client-secret={secret}"),
                "--grant-type",
                "urn:ietf:params:oauth:grant-type:device_code",
                &format!("--device-code={device_code}"),
            ]),
        ),
        (
            Target::CreateTokenWithIam,
            owned(&[
                "create-token-with-iam",
                "--client-id",
                "arn:aws:sso::123456789012:application/ssoins-1/apl-1",
                "--grant-type",
                "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "--assertion",
                "x",
            ]),
        ),
    ]
}

#[test]
fn two_500s_then_success_for_every_low_level_command() {
    let home = Home::new("500s", "[default]\n");
    let emu = emulator(&[]);
    let (id, secret, device_code) = client_and_device_code(&emu, &home);
    for (target, args) in every_command(&id, &secret, &device_code) {
        emu.clear_requests();
        emu.clear_faults();
        emu.inject(format!("{}#1=500", target.name()).parse().unwrap());
        emu.inject(format!("{}#2=500", target.name()).parse().unwrap());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = ssooidc(&emu, &home, &[], &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(count(&emu, target), 3, "{target:?}: {stderr}");
        // The third attempt reached the service's own answer: a success, or (for the device
        // code that nobody approved) the service's pending error, not a 500.
        match target {
            Target::CreateToken => {
                assert_eq!(out.status.code(), Some(254), "{stderr}");
                assert!(stderr.contains("AuthorizationPendingException"), "{stderr}");
            }
            _ => assert_eq!(out.status.code(), Some(0), "{target:?}: {stderr}"),
        }
    }
}

#[test]
fn throttling_is_retried_and_a_client_error_is_not() {
    let home = Home::new("throttle", "[default]\n");
    let emu = emulator(&["RegisterClient#1=429"]);
    let out = ssooidc(
        &emu,
        &home,
        &[],
        &[
            "register-client",
            "--client-name",
            "t",
            "--client-type",
            "public",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&emu, Target::RegisterClient), 2);

    let emu = emulator(&["RegisterClient=InvalidRequestException"]);
    let out = ssooidc(
        &emu,
        &home,
        &[],
        &[
            "register-client",
            "--client-name",
            "t",
            "--client-type",
            "public",
        ],
    );
    assert_eq!(out.status.code(), Some(254));
    assert_eq!(
        count(&emu, Target::RegisterClient),
        1,
        "a 400 is not retried"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("InvalidRequestException") && !stderr.contains("max retries"),
        "{stderr}"
    );
}

#[test]
fn the_attempt_limit_comes_from_the_environment_and_the_profile() {
    let home = Home::new(
        "limit",
        "[default]\nmax_attempts = 2\n[profile five]\nmax_attempts = 5\n",
    );
    let register = [
        "register-client",
        "--client-name",
        "t",
        "--client-type",
        "public",
    ];
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], usize);
    let cases: [Case; 4] = [
        (&[], &[], 2),
        (&[("AWS_MAX_ATTEMPTS", "4")], &[], 4),
        (&[], &["--profile", "five"], 5),
        (&[("AWS_MAX_ATTEMPTS", "1")], &["--profile", "five"], 1),
    ];
    for (env, flags, attempts) in cases {
        let emu = emulator(&["RegisterClient=503"]);
        let args: Vec<&str> = flags.iter().chain(register.iter()).copied().collect();
        let out = ssooidc(&emu, &home, env, &args);
        assert_eq!(out.status.code(), Some(254));
        assert_eq!(
            count(&emu, Target::RegisterClient),
            attempts,
            "{env:?} {flags:?}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        if attempts > 1 {
            assert!(
                stderr.contains(&format!("(reached max retries: {})", attempts - 1)),
                "{stderr}"
            );
        }
    }
}

#[test]
fn transport_failures_are_retried() {
    let home = Home::new("transport", "[default]\n");
    // The connection is closed without an answer, then cut in the middle of one.
    let emu = emulator(&["RegisterClient#1=close", "RegisterClient#2=drop"]);
    let out = ssooidc(
        &emu,
        &home,
        &[],
        &[
            "register-client",
            "--client-name",
            "t",
            "--client-type",
            "public",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&emu, Target::RegisterClient), 3);
    // Nothing listens: every attempt is refused, and the error says so and how often.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut c = Command::new(BIN);
    let out = c
        .env_clear()
        .env("HOME", &home.0)
        .env("AWS_REGION", "us-east-1")
        .env(
            "AWS_ENDPOINT_URL_SSO_OIDC",
            format!("http://127.0.0.1:{port}"),
        )
        .args([
            "register-client",
            "--client-name",
            "t",
            "--client-type",
            "public",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("could not connect") && stderr.contains("(after 2 retries)"),
        "{stderr}"
    );
}
