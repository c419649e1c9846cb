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

/// What the AWS CLI says of a session that expired and cannot be refreshed.
const AWS_CLI_ADVICE: &str = "The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login with the corresponding profile.";

/// Issue 27: a message keeps its own line breaks (the expired-session error is the AWS CLI's
/// sentence, then ours on the next line, with no literal `\n` between them), while the values
/// in it (a server's error description with a fake line, a tab and escapes; a session name
/// from the config file with escapes) are still shown escaped: one pass, on the values only.
#[test]
fn an_expired_session_message_keeps_its_line_break_and_escapes_its_values() {
    let server = RawServer::start(|path, _| match path {
        "/token" => service_error(
            400,
            "InvalidGrantException",
            "invalid_grant",
            &format!("gone{CLEAR}\nSuccessfully logged into Start URL: https://fake\tx\u{202e}"),
        ),
        _ => (404, vec![], String::new()),
    });
    let home = Home::new("expiredmsg", &server.base_url);
    let name = format!("dev{TITLE}");
    home.write_config(&format!(
        "[sso-session \"{name}\"]\nsso_start_url = {}/start\nsso_region = us-east-1\n",
        server.base_url
    ));
    home.write_token_for(
        &name,
        &format!("{}/start", server.base_url),
        "us-east-1",
        "an-expired-token",
        -5,
    );
    let out = run(home.command(), &["token", "--sso-session", &name]);
    assert_eq!(out.code, Some(255), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "two lines, no more: {:?}", out.stderr);
    assert_eq!(lines[0], AWS_CLI_ADVICE, "{:?}", out.stderr);
    assert!(
        lines[1].starts_with("the SSO token for sso-session dev\\x1b]0;pwned\\x07 has expired: "),
        "{:?}",
        out.stderr
    );
    assert!(
        lines[1].contains(
            "gone\\x1b[2J\\x1b[H\\nSuccessfully logged into Start URL: https://fake\\tx\\u{202e}"
        ),
        "the server's line break, tab and escapes are shown escaped: {:?}",
        out.stderr
    );
    assert!(
        lines[1]
            .ends_with("; run `ssooidc login --sso-session dev\\x1b]0;pwned\\x07` to log in again"),
        "{:?}",
        out.stderr
    );
    assert!(
        !has_control(&out.stderr) && !out.stderr.contains('\t'),
        "{:?}",
        out.stderr
    );
}

/// Issue 27: `ssooidc sessions` separates its fields with real TABs (so `cut -f` works), one
/// line per token; a name, start URL or region holding a tab, a line break or an escape (from
/// the config file or the cache) is shown escaped and shifts no column and adds no line.
#[test]
fn sessions_fields_are_separated_by_tabs_that_values_cannot_forge() {
    let home = Home::new("sessionstabs", "http://127.0.0.1:9");
    let odd = "a\tb";
    home.write_config(&format!(
        "[sso-session dev]\nsso_start_url = http://127.0.0.1:9/start\nsso_region = us-east-1\n\n[sso-session \"{odd}\"]\nsso_start_url = https://odd.example/start\nsso_region = eu-west-1\n"
    ));
    home.write_token("a-valid-token-for-sessions", 60);
    home.write_token_for(
        odd,
        &format!("https://odd.example/start\tforged\nfake line{CLEAR}"),
        &format!("eu-west-1{CSI_C1}\t"),
        "another-valid-token",
        90,
    );
    let out = run(home.command(), &["sessions"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!has_control(&out.stdout), "{:?}", out.stdout);
    let rows: Vec<Vec<&str>> = out
        .stdout
        .lines()
        .map(|line| line.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 2, "one line per token: {:?}", out.stdout);
    let row = |name: &str| {
        rows.iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("no row for {name}: {:?}", out.stdout))
    };
    let dev = row("sso-session dev");
    assert_eq!(dev.len(), 4, "{dev:?}");
    assert_eq!(dev[1..3], ["http://127.0.0.1:9/start", "us-east-1"]);
    assert!(
        dev[3].starts_with("expires ") && dev[3].contains("(valid for"),
        "{dev:?}"
    );
    let odd = row("sso-session a\\tb");
    assert_eq!(
        odd[..3],
        [
            "sso-session a\\tb",
            "https://odd.example/start\\tforged\\nfake line\\x1b[2J\\x1b[H",
            "eu-west-1\\x9b31m\\t",
        ],
        "{:?}",
        out.stdout
    );
    assert_eq!(odd.len(), 4, "{odd:?}");
}
