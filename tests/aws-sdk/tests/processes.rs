//! `ssooidc-aws-sdk` across processes (`sdk_probe`, a program using the AWS SDK for Rust with
//! the provider): providers and `ssooidc --login` commands started at once log in once and
//! refresh once between them; and the SDK's own container-credentials provider, as the
//! command of `ssooidc exec --server`, signs calls with the endpoint's credentials and with
//! refreshed ones after the first came near expiry (issue 25).
#![cfg(unix)]

use std::process::{Child, Command, Output, Stdio};

use ssooidc_aws_sdk_tests::{count, expire_in, logged_in};
use ssooidc_emulator::{Approval, RunningEmulator, Target};
use ssooidc_tests::*;

const PROBE: &str = env!("CARGO_BIN_EXE_sdk_probe");

/// `sdk_probe ARGS` with a clean environment: `home`'s HOME, every service (STS included) at
/// the emulator, region `us-east-1`, profile `dev`, the tests' protocol second.
fn probe(home: &Home, emu: &RunningEmulator, args: &[&str]) -> Command {
    let mut c = Command::new(PROBE);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_ENDPOINT_URL", emu.base_url())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_PROFILE", "dev")
        .env("SSOOIDC_PROTOCOL_SECOND_MS", "10")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn wait_all(children: Vec<Child>) -> Vec<Output> {
    children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect()
}

fn assert_success(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn providers_and_ssooidc_commands_in_many_processes_start_one_login() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(1)));
    let home = Home::with_standard_config("sdk-procs-login", &emu);
    let mut children = Vec::new();
    for _ in 0..6 {
        children.push(probe(&home, &emu, &["provider"]).spawn().expect("spawn"));
        children.push(
            probe(
                &home,
                &emu,
                &[
                    "ssooidc",
                    "credentials",
                    "--profile",
                    "dev",
                    "--login",
                    "--use-device-code",
                ],
            )
            .spawn()
            .expect("spawn"),
        );
    }
    let outputs = wait_all(children);
    outputs.iter().for_each(assert_success);
    let prompts = outputs
        .iter()
        .filter(|o| text(&o.stdout).contains("prompt="))
        .count();
    assert!(prompts <= 1, "{prompts} providers were shown a prompt");
    assert_eq!(count(&emu, Target::StartDeviceAuthorization), 1);
    assert_eq!(count(&emu, Target::RegisterClient), 1);
    // Every provider made its signed call.
    assert_eq!(count(&emu, Target::GetCallerIdentity), 6);
}

#[test]
fn providers_in_many_processes_refresh_once() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(1)));
    let home = logged_in("sdk-procs-refresh", &emu);
    expire_in(&home, time::Duration::minutes(5));
    let children: Vec<Child> = (0..8)
        .map(|_| probe(&home, &emu, &["provider"]).spawn().expect("spawn"))
        .collect();
    wait_all(children).iter().for_each(assert_success);
    assert_eq!(token_requests(&emu, "refresh_token").len(), 1);
    assert_eq!(count(&emu, Target::StartDeviceAuthorization), 0);
    assert_eq!(count(&emu, Target::GetCallerIdentity), 8);
}

/// The access key ids the emulator's `GetCallerIdentity` calls were signed with, in order.
fn signing_keys(emu: &RunningEmulator) -> Vec<String> {
    requests_to(emu, Target::GetCallerIdentity)
        .iter()
        .filter_map(|r| {
            let auth = r.headers.get("authorization")?.to_str().ok()?;
            let credential = auth.split("Credential=").nth(1)?;
            Some(credential.split('/').next()?.to_owned())
        })
        .collect()
}

#[test]
fn the_sdk_as_the_command_of_exec_server_signs_with_the_endpoints_credentials_and_refreshed_ones() {
    // Role credentials live 903 s: the endpoint gives new ones once fewer than 900 s are left.
    let emu = start(
        emulator_config()
            .approval(Approval::ApproveAfterPolls(1))
            .role_credentials_lifetime(903),
    );
    let home = logged_in("sdk-exec-server", &emu);
    // The second call, 4 s later, finds fewer than 900 s left on the first credentials: the
    // endpoint gives new ones.
    let out = probe(
        &home,
        &emu,
        &[
            "ssooidc",
            "exec",
            "--server",
            "--profile",
            "dev",
            "--",
            PROBE,
            "container",
            "2",
            "4000",
        ],
    )
    .output()
    .expect("run");
    assert_success(&out);
    let arns: Vec<_> = text(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("arn=arn:aws:sts::111122223333:assumed-role/ReadOnly/"))
        .map(str::to_owned)
        .collect();
    assert_eq!(arns.len(), 2, "{}", text(&out.stdout));
    let keys = signing_keys(&emu);
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_ne!(
        keys[0], keys[1],
        "the second call used refreshed credentials"
    );
    assert!(count(&emu, Target::GetRoleCredentials) >= 2);
}

#[test]
fn the_readmes_example_logs_in_and_signs_its_call() {
    // The legacy profile logs in with the device code, which the emulator approves at the
    // second poll; the example polls at the production pace, 1 s apart with interval 1.
    let emu = start(
        emulator_config()
            .approval(Approval::ApproveAfterPolls(1))
            .interval(1),
    );
    let home = Home::with_standard_config("sdk-example", &emu);
    let out = probe(&home, &emu, &["whoami"])
        .env("AWS_PROFILE", "legacy")
        .output()
        .expect("run");
    assert_success(&out);
    assert!(
        text(&out.stdout).starts_with("arn:aws:sts::111122223333:assumed-role/ReadOnly/"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("enter the code"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(count(&emu, Target::StartDeviceAuthorization), 1);
}
