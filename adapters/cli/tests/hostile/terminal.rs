//! Terminal escape injection: strings from a server, a config file or a cache file never reach
//! the terminal as control sequences (colour, screen clearing, window title, fake lines).

use ssooidc_emulator::Approval;

use crate::common::*;

const CLEAR: &str = "\x1b[2J\x1b[H";
const TITLE: &str = "\x1b]0;pwned\x07";
const CSI_C1: &str = "\u{9b}31m";

/// Finding 9: the server's `userCode`, `verificationUri`, `verificationUriComplete` and
/// `error_description` are shown with their control characters made visible; a fake
/// "Successfully logged in" line cannot start a line of its own.
#[test]
fn server_strings_are_sanitised() {
    let polls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = polls.clone();
    let server = RawServer::start(move |path, _| match path {
        "/client/register" => registered(),
        "/device_authorization" => authorized(
            &format!("AB{TITLE}CD"),
            &format!("https://x.example/{CLEAR}\x1b[31mred"),
            &format!("https://x.example/?c={CSI_C1}"),
        ),
        _ => {
            if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                service_error(
                    400,
                    "AuthorizationPendingException",
                    "authorization_pending",
                    "wait",
                )
            } else {
                service_error(
                    400,
                    "InvalidRequestException",
                    "invalid_request",
                    &format!(
                        "nope{CLEAR}\nSuccessfully logged into Start URL: https://fake\r\u{202e}"
                    ),
                )
            }
        }
    });
    let home = Home::new("escapes", &server.base_url);
    let out = run(
        home.command(),
        &[
            "login",
            "--use-device-code",
            "--sso-session",
            "dev",
            "--no-browser",
        ],
    );
    assert_eq!(out.code, Some(254), "{out:?}");
    assert!(!has_control(&out.stderr), "{:?}", out.stderr);
    assert!(!has_control(&out.stdout), "{:?}", out.stdout);
    assert!(
        !out.stderr
            .lines()
            .any(|l| l.starts_with("Successfully logged")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("AB\\x1b]0;pwned\\x07CD"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nope\\x1b[2J"), "{}", out.stderr);

    // The low-level commands print the server's JSON: escaped so that it means the same.
    let out = run(
        home.command(),
        &[
            "start-device-authorization",
            "--client-id",
            "c",
            "--client-secret",
            "s",
            "--start-url",
            "https://x.example/start",
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!has_control(&out.stdout), "{:?}", out.stdout);
    let printed: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(printed["userCode"], format!("AB{TITLE}CD"), "same value");
    assert_eq!(
        printed["verificationUriComplete"],
        format!("https://x.example/?c={CSI_C1}")
    );
}

/// Finding 9: config section names and start URLs (`sessions`, `login`'s success line, a
/// profile that is not found) are sanitised.
#[test]
fn config_strings_are_sanitised() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("configesc", emu.base_url());
    let name = format!("dev{CLEAR}");
    home.write_config(&format!(
        "[profile dev]\nsso_session = {name}\n\n[sso-session {name}]\nsso_start_url = {}/start{TITLE}\nsso_region = us-east-1\n",
        emu.base_url()
    ));
    let out = run(
        home.command(),
        &[
            "login",
            "--use-device-code",
            "--profile",
            "dev",
            "--no-browser",
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        !has_control(&out.stdout) && !has_control(&out.stderr),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("/start\\x1b]0;pwned\\x07"),
        "{}",
        out.stdout
    );
    let out = run(home.command(), &["sessions"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!has_control(&out.stdout), "{:?}", out.stdout);
    assert!(
        out.stdout.contains("sso-session dev\\x1b[2J"),
        "{}",
        out.stdout
    );
    let out = run(
        home.command(),
        &["token", "--profile", &format!("x{TITLE}")],
    );
    assert_eq!(out.code, Some(253), "{out:?}");
    assert!(!has_control(&out.stderr), "{:?}", out.stderr);
}

/// Finding 9: a cached token printed by `token` (text and JSON) cannot carry control sequences.
#[test]
fn a_cached_token_is_sanitised() {
    let emu = emulator(Approval::Manual);
    let home = Home::new("tokenesc", emu.base_url());
    home.write_token(&format!("tok{CLEAR}{CSI_C1}en"), 60);
    let out = run(home.command(), &["token", "--sso-session", "dev"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!has_control(&out.stdout), "{:?}", out.stdout);
    let out = run(
        home.command(),
        &["token", "--sso-session", "dev", "--output", "json"],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!has_control(&out.stdout), "{:?}", out.stdout);
    let printed: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(printed["accessToken"], format!("tok{CLEAR}{CSI_C1}en"));
}
