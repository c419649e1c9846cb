//! What the user types: absurd durations on the command line.

use std::io::Read;
use std::process::{Command, Stdio};

use ssooidc_core::cache::{format_timestamp, role_credentials_cache_key};
use ssooidc_emulator::Approval;
use time::OffsetDateTime;

use crate::common::*;

const HUGE: &str = "18446744073709551615";

/// Finding 2: `--cli-read-timeout` / `--cli-connect-timeout` near `u64::MAX` are "no limit",
/// not a panic ("overflow when adding duration to instant", exit 101), for a call and for a
/// whole login.
#[test]
fn absurd_timeouts_do_not_panic() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = Home::new("timeouts", emu.base_url());
    for (flag, value) in [
        ("--cli-read-timeout", HUGE),
        ("--cli-connect-timeout", HUGE),
        ("--cli-read-timeout", "18446744073709551"),
    ] {
        let out = run(home.command(), &with(&[flag, value], &REGISTER));
        assert_eq!(out.code, Some(0), "{flag} {value}: {out:?}");
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        assert!(out.stdout.contains("clientId"), "{}", out.stdout);
    }
    let out = run(
        home.command(),
        &[
            "--cli-read-timeout",
            HUGE,
            "--cli-connect-timeout",
            HUGE,
            "login",
            "--use-device-code",
            "--sso-session",
            "dev",
            "--no-browser",
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let out = run(
        home.command(),
        &["--cli-read-timeout", HUGE, "configure", "list"],
    );
    assert!(out.stdout.contains("no limit"), "{}", out.stdout);
}

/// Runs `c` with `args` and stdout a pipe whose reading end is already closed (a consumer that
/// went away: `ssooidc token | head -c0`, a `credential_process` caller that gave up), bounded.
fn run_into_a_broken_pipe(mut c: Command, args: &[&str]) -> Run {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    c.args(args).stdout(writer).stderr(Stdio::piped());
    let mut child = c.spawn().expect("the binary starts");
    drop(c);
    let mut stderr = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    let code = wait_bounded(&mut child, BOUND).expect("it ends");
    Run {
        code,
        stdout: String::new(),
        stderr,
    }
}

/// Runs `c` with `args` and stdout closed (`ssooidc token >&-`), bounded.
fn run_with_stdout_closed(c: Command, args: &[&str]) -> Run {
    let program = c.get_program().to_owned();
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(r#"exec "$0" "$@" >&-"#)
        .arg(program)
        .args(c.get_args())
        .args(args);
    sh.env_clear();
    for (key, value) in c.get_envs() {
        if let Some(value) = value {
            sh.env(key, value);
        }
    }
    sh.stdin(Stdio::null());
    run(sh, &[])
}

/// A role credential of `dev` (account 111122223333, role ReadOnly) in the AWS CLI's cache,
/// valid for an hour: `credentials` prints it with no request.
fn cache_role_credentials(home: &Home) {
    home.write_config(&format!(
        "[profile dev]\nsso_session = dev\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n\
         [sso-session dev]\nsso_start_url = {}/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n",
        home.endpoint
    ));
    let dir = home.dir.join(".aws/cli/cache");
    std::fs::create_dir_all(&dir).unwrap();
    set_mode(&dir, 0o700);
    let key = role_credentials_cache_key("111122223333", "ReadOnly", Some(SESSION), "");
    let expiration = format_timestamp(OffsetDateTime::now_utc() + time::Duration::hours(1));
    let entry = serde_json::json!({
        "ProviderType": "sso",
        "Credentials": {
            "AccessKeyId": "ASIAPIPEEXAMPLE",
            "SecretAccessKey": "secret-access-key-of-the-pipe-test",
            "SessionToken": "session-token-of-the-pipe-test",
            "Expiration": expiration,
            "AccountId": "111122223333",
        },
    });
    let path = dir.join(format!("{key}.json"));
    std::fs::write(&path, entry.to_string()).unwrap();
    set_mode(&path, 0o600);
}

/// A consumer that went away (a broken pipe) or a closed stdout is a clean exit: no panic
/// ("failed printing to stdout", exit 101), no backtrace. A broken pipe exits 141 (128 +
/// SIGPIPE, what a shell reports for a program the signal ended) and says nothing. (A closed
/// stdout is /dev/null to a Rust program, which reopens it there before `main`.)
#[test]
fn a_closed_or_broken_stdout_is_a_clean_exit() {
    let home = Home::new("stdout", "http://127.0.0.1:9");
    home.write_token("access-token-of-the-pipe-test", 60);
    cache_role_credentials(&home);
    let commands: [&[&str]; 7] = [
        &["credentials", "--profile", "dev"],
        &["credentials", "--profile", "dev", "--export"],
        &["token", "--sso-session", "dev"],
        &["token", "--sso-session", "dev", "--output", "json"],
        // Help and the version are results on stdout too.
        &["--help"],
        &["token", "--help"],
        &["--version"],
    ];
    // The fixtures work: each command prints.
    for args in commands {
        let out = run(home.command(), args);
        assert_eq!(out.code, Some(0), "{args:?}: {out:?}");
        assert!(!out.stdout.is_empty(), "{args:?}: {out:?}");
    }
    for args in commands {
        let out = run_into_a_broken_pipe(home.command(), args);
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
        assert_eq!(out.code, Some(141), "{args:?}: {out:?}");
        assert!(out.stderr.is_empty(), "{args:?}: {}", out.stderr);
        let out = run_with_stdout_closed(home.command(), args);
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
        assert_ne!(out.code, Some(101), "{args:?}: {out:?}");
    }
}
