//! End to end: `ssooidc exec` runs a command with the profile's credentials, the built binary
//! in a fresh process with a temporary HOME, against the emulator's portal.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use super::common::{emulator_config, sso_session, text, Home, BIN};

/// A HOME with the SSO profiles `dev` (region eu-west-3) and `noregion`, logged in.
fn home(name: &str) -> Home {
    let home = Home::new(name, emulator_config(), |start| {
        format!(
            "[profile dev]\nsso_session = dev\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = eu-west-3\n\n\
             [profile noregion]\nsso_session = dev\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n{}",
            sso_session(start)
        )
    });
    home.login("dev");
    home
}

/// `env -0` of a child, as a map.
fn environment(out: &Output) -> HashMap<String, String> {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    out.stdout
        .split(|b| *b == 0)
        .filter(|v| !v.is_empty())
        .map(|v| {
            let v = text(v);
            let (name, value) = v.split_once('=').unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

#[test]
fn the_command_gets_the_roles_credentials_region_and_profile_and_none_of_the_conflicting_variables()
{
    let home = home("env");
    let out = home
        .command()
        .env("AWS_PROFILE", "dev")
        .env("AWS_SECURITY_TOKEN", "old-token")
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://169.254.170.2/x",
        )
        .env("AWS_ROLE_ARN", "arn:aws:iam::1:role/x")
        .env("KEEP_ME", "kept")
        .args(["exec", "--", "env", "-0"])
        .output()
        .unwrap();
    let env = environment(&out);
    let credentials: Value =
        serde_json::from_slice(&home.run(&["credentials", "--profile", "dev"]).stdout).unwrap();
    assert_eq!(env["AWS_ACCESS_KEY_ID"], credentials["AccessKeyId"]);
    assert_eq!(env["AWS_SECRET_ACCESS_KEY"], credentials["SecretAccessKey"]);
    assert_eq!(env["AWS_SESSION_TOKEN"], credentials["SessionToken"]);
    assert_eq!(
        env["AWS_CREDENTIAL_EXPIRATION"],
        credentials["Expiration"]
            .as_str()
            .unwrap()
            .replace('Z', "+00:00")
    );
    assert_eq!(env["AWS_REGION"], "eu-west-3");
    assert_eq!(env["AWS_DEFAULT_REGION"], "eu-west-3");
    assert_eq!(env["SSOOIDC_PROFILE"], "dev");
    assert_eq!(env["KEEP_ME"], "kept");
    for gone in [
        "AWS_PROFILE",
        "AWS_SECURITY_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_ROLE_ARN",
    ] {
        assert!(!env.contains_key(gone), "{gone}");
    }
    // Without a region in the profile, none is set.
    let out = home.run(&["exec", "--profile", "noregion", "--", "env", "-0"]);
    let env = environment(&out);
    assert_eq!(env["SSOOIDC_PROFILE"], "noregion");
    assert!(!env.contains_key("AWS_REGION") && !env.contains_key("AWS_DEFAULT_REGION"));
}

#[test]
fn the_exit_status_is_the_commands() {
    let home = home("status");
    for code in [0, 1, 42, 255] {
        let out = home.run(&[
            "exec",
            "--profile",
            "dev",
            "--",
            "sh",
            "-c",
            &format!("exit {code}"),
        ]);
        assert_eq!(out.status.code(), Some(code), "{}", text(&out.stderr));
    }
    // Arguments that look like options are the command's.
    let out = home.run(&[
        "exec",
        "--profile",
        "dev",
        "--",
        "sh",
        "-c",
        "echo \"$0 $1\"",
        "--x",
        "-y",
    ]);
    assert_eq!(text(&out.stdout), "--x -y\n");
}

#[test]
fn a_missing_command_exits_127_and_one_that_cannot_run_126() {
    let home = home("missing");
    let out = home.run(&["exec", "--profile", "dev", "--", "no-such-command-ssooidc"]);
    assert_eq!(out.status.code(), Some(127));
    assert!(
        text(&out.stderr).contains("no-such-command-ssooidc: command not found"),
        "{}",
        text(&out.stderr)
    );
    let file = home.dir.join("not-executable");
    std::fs::write(&file, "#!/bin/sh\necho hi\n").unwrap();
    let out = home.run(&["exec", "--profile", "dev", "--", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(126), "{}", text(&out.stderr));
    let out = home.run(&["exec", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(252), "a command is required");
}

#[test]
fn exec_inside_exec_is_refused_unless_allowed() {
    let home = home("nested");
    let out = home.run(&[
        "exec",
        "--profile",
        "dev",
        "--",
        BIN,
        "exec",
        "--profile",
        "dev",
        "--",
        "true",
    ]);
    assert_eq!(out.status.code(), Some(253));
    let err = text(&out.stderr);
    assert!(
        err.contains("SSOOIDC_PROFILE=dev") && err.contains("--allow-nested"),
        "{err}"
    );
    let out = home.run(&[
        "exec",
        "--profile",
        "dev",
        "--",
        BIN,
        "exec",
        "--allow-nested",
        "--profile",
        "noregion",
        "--",
        "sh",
        "-c",
        "echo $SSOOIDC_PROFILE",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "noregion\n");
}

#[test]
fn signals_reach_the_command() {
    let home = home("signals");
    let mut child = home
        .command()
        .args([
            "exec",
            "--profile",
            "dev",
            "--",
            "sh",
            "-c",
            "trap 'exit 7' TERM; echo ready; while :; do sleep 0.02; done",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n");
    // The signal goes to the process `ssooidc exec` started as: the command's trap answers.
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(7));
}

#[test]
fn an_expired_session_fails_before_the_command_runs() {
    let home = home("expired");
    let out = home.run(&["logout"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let marker = home.dir.join("ran");
    let out = home.run(&[
        "exec",
        "--profile",
        "dev",
        "--",
        "touch",
        marker.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(255));
    assert!(!marker.exists());
}
