//! What the user types: absurd durations on the command line.

use ssooidc_emulator::Approval;

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
