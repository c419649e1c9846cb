//! A hostile or failing server: rejected registrations, option-looking and foreign-scheme URLs
//! for the browser, secrets echoed back, expired tokens, lost answers, a fake loopback host.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use serde_json::Value;
use ssooidc_emulator::{Approval, Config, FaultRule, Target};

use crate::common::*;

fn count(emu: &ssooidc_emulator::RunningEmulator, target: Target) -> usize {
    emu.requests().iter().filter(|r| r.target == target).count()
}

fn login(home: &Home) -> Run {
    run(
        home.command(),
        &[
            "login",
            "--use-device-code",
            "--sso-session",
            "dev",
            "--no-browser",
        ],
    )
}

/// The registration file of the `dev` session (the one `.json` that is not the token file).
fn registration_file(home: &Home) -> std::path::PathBuf {
    std::fs::read_dir(home.cache_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json") && *p != home.token_file())
        .expect("a registration file")
}

/// Finding 7: once the service rejects the cached registration (`InvalidClientException`: the
/// client was deleted), `login` registers a new client, says so, caches it, and logs in.
#[test]
fn a_rejected_cached_registration_is_replaced() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("rejected", emu.base_url());
    assert_eq!(login(&home).code, Some(0));
    let path = registration_file(&home);
    let mut registration: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    registration["clientId"] = "a-client-the-service-deleted".into();
    std::fs::write(&path, registration.to_string()).unwrap();
    std::fs::remove_file(home.token_file()).unwrap();

    let out = login(&home);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stderr
            .contains("rejected the cached client registration"),
        "{}",
        out.stderr
    );
    let replaced: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_ne!(replaced["clientId"], "a-client-the-service-deleted");
    assert_eq!(count(&emu, Target::RegisterClient), 2);
    // The next login reuses the new registration.
    std::fs::remove_file(home.token_file()).unwrap();
    assert_eq!(login(&home).code, Some(0));
    assert_eq!(count(&emu, Target::RegisterClient), 2);
}

/// Finding 7: when a new registration is rejected too, `login` registers once more only, then
/// fails with an error that says where to look.
#[test]
fn a_registration_rejected_again_fails_clearly() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("rejected2", emu.base_url());
    assert_eq!(login(&home).code, Some(0));
    std::fs::remove_file(home.token_file()).unwrap();
    emu.inject(
        "StartDeviceAuthorization=InvalidClientException"
            .parse::<FaultRule>()
            .unwrap(),
    );
    let out = login(&home);
    assert_eq!(out.code, Some(254), "{out:?}");
    assert!(
        out.stderr.contains("InvalidClientException") && out.stderr.contains("sso_region"),
        "{}",
        out.stderr
    );
    assert_eq!(
        count(&emu, Target::RegisterClient),
        2,
        "one new registration"
    );
}

/// A `BROWSER` that records the arguments it was started with into `log`.
fn recording_browser(home: &Home) -> (std::path::PathBuf, std::path::PathBuf) {
    let script = home.dir.join("browser.sh");
    let log = home.dir.join("browser.log");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\n", log.display()),
    )
    .unwrap();
    set_mode(&script, 0o755);
    (script, log)
}

/// Finding 8 (and 15): the server's `verificationUriComplete` is handed to `$BROWSER` only when
/// it is https, or http to a real loopback address: an option (`--new-window=/tmp/x`), a
/// `file:` URL and `http://evil.localhost` are neither opened nor shown as a link.
#[test]
fn only_safe_urls_reach_the_browser() {
    let cases = [
        ("--new-window=/tmp/x#", false),
        ("file:///etc/passwd#", false),
        ("http://evil.localhost#", false),
        ("javascript:alert(1)//", false),
        ("", true),
    ];
    for (public_url, opened) in cases {
        let mut config = Config::default().approval(Approval::ApproveAfterPolls(1));
        let emu = if public_url.is_empty() {
            emulator_with(config)
        } else {
            config.public_url = Some(public_url.to_owned());
            emulator_with(config)
        };
        let home = Home::new("browser", emu.base_url());
        let (script, log) = recording_browser(&home);
        let mut c = home.command();
        c.env("BROWSER", &script);
        let out = run(c, &["login", "--use-device-code", "--sso-session", "dev"]);
        assert_eq!(out.code, Some(0), "{public_url}: {out:?}");
        let args = std::fs::read_to_string(&log).unwrap_or_default();
        if opened {
            // The control: the emulator's own URL is opened, as its only argument.
            assert!(
                args.starts_with(&format!("{}/device?user_code=", emu.base_url()))
                    && args.lines().count() == 1,
                "{args:?}"
            );
        } else {
            assert_eq!(args, "", "{public_url}: the browser was started");
            assert!(
                out.stderr.contains("is not shown or opened"),
                "{public_url}: {}",
                out.stderr
            );
        }
    }
}

/// Finding 15: `http://evil.localhost` is not a loopback address: refused as a plain-http
/// endpoint (before any lookup), like any other remote host.
#[test]
fn a_localhost_subdomain_is_not_loopback() {
    let home = Home::new("evillocalhost", "http://127.0.0.1:9");
    let out = run(
        home.command(),
        &with(&["--endpoint-url", "http://evil.localhost:9"], &REGISTER),
    );
    assert_eq!(out.code, Some(253), "{out:?}");
    assert!(out.stderr.contains("loopback"), "{}", out.stderr);
}

/// Finding 12: `--debug` hides secrets by value as well as by name: the client secret and the
/// device code this process sent come back under member names no list knows and inside an
/// error description, and are redacted in the debug log and in the error message.
#[test]
fn debug_redacts_secrets_by_value() {
    let server = RawServer::start(|_, body| {
        let secret = body["clientSecret"].as_str().unwrap_or_default();
        let code = body["deviceCode"].as_str().unwrap_or_default();
        let (status, headers, _) = service_error(400, "InvalidGrantException", "invalid_grant", "");
        let body = serde_json::json!({
            "error": "invalid_grant",
            "error_description": format!("device code {code} is not valid"),
            "debugEcho": {"whatWeGot": secret, "list": [code]},
        });
        (status, headers, body.to_string())
    });
    let home = Home::new("byvalue", &server.base_url);
    let out = run(
        home.command(),
        &[
            "--debug",
            "create-token",
            "--client-id",
            "a-public-client-id",
            "--client-secret",
            "client-secret-sent-by-the-cli",
            "--grant-type",
            "urn:ietf:params:oauth:grant-type:device_code",
            "--device-code",
            "device-code-sent-by-the-cli",
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(out.code, Some(254), "{out:?}");
    assert!(
        out.stderr.contains("debugEcho"),
        "the echo was logged: {}",
        out.stderr
    );
    for secret in [
        "client-secret-sent-by-the-cli",
        "device-code-sent-by-the-cli",
    ] {
        assert!(!out.stderr.contains(secret), "{secret} in {}", out.stderr);
    }
    assert!(out.stderr.contains("a-public-client-id"), "{}", out.stderr);
}

/// Issue 27: a server's message is made safe for the terminal as it is put into the error, and
/// the error is redacted after: a secret with a tab or an escape in it, echoed by the server,
/// is still found (in its escaped spelling) and hidden.
#[test]
fn a_secret_with_control_characters_echoed_in_an_error_is_redacted() {
    let server = RawServer::start(|_, body| {
        let code = body["deviceCode"].as_str().unwrap_or_default();
        let (status, headers, _) = service_error(400, "InvalidGrantException", "invalid_grant", "");
        let body = serde_json::json!({
            "error": "invalid_grant",
            "error_description": format!("device code {code} is not valid"),
        });
        (status, headers, body.to_string())
    });
    let home = Home::new("byvalue-escaped", &server.base_url);
    let out = run(
        home.command(),
        &[
            "create-token",
            "--client-id",
            "a-public-client-id",
            "--client-secret",
            "client-secret-sent-by-the-cli",
            "--grant-type",
            "urn:ietf:params:oauth:grant-type:device_code",
            "--device-code",
            "device\tcode\x1b[2J-with-controls",
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(out.code, Some(254), "{out:?}");
    assert!(
        out.stderr.contains("device code <redacted> is not valid"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("with-controls"), "{}", out.stderr);
    assert!(!has_control(&out.stderr), "{:?}", out.stderr);
}

/// A `client_secret_basic` secret travels only inside `Authorization: Basic ...` (redacted by
/// name): it is remembered too, so a provider echoing it in an error body (raw, or the header's
/// Base64 whole) does not print it, in the debug log nor in the error.
#[test]
fn debug_redacts_a_client_secret_basic_secret_by_value() {
    const SECRET: &str = "basic/secret+sent=in-the-header";
    let server = RawServer::start(|_, _| {
        let body = serde_json::json!({
            "error": "invalid_client",
            "error_description": format!("client secret {SECRET} is not valid"),
            "echo": {"unusualName": SECRET},
        });
        (401, vec![], body.to_string())
    });
    let home = Home::new("basic-by-value", &server.base_url);
    let mut c = home.command();
    c.env("SSOOIDC_OAUTH_CLIENT_SECRET", SECRET);
    let out = run(
        c,
        &[
            "--debug",
            "oauth",
            "login",
            "--device-authorization-endpoint",
            &format!("{}/device", server.base_url),
            "--token-endpoint",
            &format!("{}/token", server.base_url),
            "--client-id",
            "a-basic-client",
            "--auth-method",
            "client_secret_basic",
            "--no-browser",
        ],
    );
    assert_ne!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.contains("unusualName"), "logged: {}", out.stderr);
    assert!(out.stderr.contains("is not valid"), "{}", out.stderr);
    assert!(!out.stderr.contains("basic/secret"), "{}", out.stderr);
    assert!(!out.stderr.contains("basic%2Fsecret"), "{}", out.stderr);
}

/// Finding 12: snake_case secrets (`access_token`, `refresh_token`, `id_token`) are redacted in
/// the debug log, and an endpoint URL with a password is refused without repeating it.
#[test]
fn debug_redacts_snake_case_and_endpoint_passwords() {
    let server = RawServer::start(|_, _| {
        (
            200,
            vec![],
            serde_json::json!({
                "access_token": "snake-access-token-value",
                "refresh_token": "snake-refresh-token-value",
                "id_token": "snake-id-token-value",
                "token_type": "Bearer",
                "accessToken": "camel-access-token-value",
                "expiresIn": 3600,
            })
            .to_string(),
        )
    });
    let home = Home::new("snake", &server.base_url);
    let out = run(
        home.command(),
        &[
            "--debug",
            "create-token",
            "--client-id",
            "c",
            "--client-secret",
            "s",
            "--grant-type",
            "refresh_token",
            "--refresh-token",
            "r",
            "--region",
            "us-east-1",
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    for secret in [
        "snake-access-token-value",
        "snake-refresh-token-value",
        "snake-id-token-value",
        "camel-access-token-value",
    ] {
        assert!(!out.stderr.contains(secret), "{secret} in {}", out.stderr);
    }
    let out = run(
        home.command(),
        &with(
            &[
                "--endpoint-url",
                "https://user:hunter2-endpoint-password@oidc.example.com",
            ],
            &REGISTER,
        ),
    );
    assert_eq!(out.code, Some(253), "{out:?}");
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}

/// Finding 13: a token that is already expired (`expiresIn` 0, or negative) is a failed login:
/// nothing is cached and the exit status says so.
#[test]
fn an_already_expired_token_is_a_failed_login() {
    let emu = emulator_with(
        Config::default()
            .approval(Approval::ApproveAfterPolls(0))
            .access_token_lifetime(0),
    );
    let home = Home::new("expired0", emu.base_url());
    let out = login(&home);
    assert_eq!(out.code, Some(255), "{out:?}");
    assert!(out.stderr.contains("already expired"), "{}", out.stderr);
    assert!(!out.stdout.contains("Successfully"), "{}", out.stdout);
    assert!(!home.token_file().exists(), "nothing cached");

    let server = RawServer::start(|path, _| match path {
        "/client/register" => registered(),
        "/device_authorization" => authorized("ABCD-EFGH", "https://x/", "https://x/?c=1"),
        _ => token("negative-lifetime-token", -60),
    });
    let home = Home::new("expiredneg", &server.base_url);
    let out = login(&home);
    assert_eq!(out.code, Some(255), "{out:?}");
    assert!(out.stderr.contains("expiresIn -60"), "{}", out.stderr);
    assert!(!home.token_file().exists(), "nothing cached");
}

/// Finding 16: the successful CreateToken answer cut off mid-body spends the device code; the
/// next poll's "already used" starts a new authorization (the user is told, and approves the
/// new code) instead of failing.
#[test]
fn a_lost_token_answer_is_recovered() {
    let emu = emulator_with(
        Config::default()
            .approval(Approval::ApproveAfterPolls(2))
            .fault("CreateToken#3=drop".parse::<FaultRule>().unwrap()),
    );
    let home = Home::new("lostanswer", emu.base_url());
    let out = login(&home);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.contains("lost in transit"), "{}", out.stderr);
    assert_eq!(count(&emu, Target::StartDeviceAuthorization), 2);
    assert!(home.token_file().exists());
}

/// Finding 16: a second lost answer ends the login with the hint to start again.
#[test]
fn a_second_lost_answer_says_to_start_again() {
    let polls = Arc::new(AtomicU32::new(0));
    let seen = polls.clone();
    let server = RawServer::start(move |path, _| match path {
        "/client/register" => registered(),
        "/device_authorization" => authorized("ABCD-EFGH", "https://x/", "https://x/?c=1"),
        _ => match seen.fetch_add(1, Ordering::SeqCst) % 3 {
            0 => service_error(
                400,
                "AuthorizationPendingException",
                "authorization_pending",
                "wait",
            ),
            1 => (200, vec![], r#"{"accessToken":"cut-o"#.to_owned()),
            _ => service_error(
                400,
                "InvalidGrantException",
                "invalid_grant",
                "Device code has already been used",
            ),
        },
    });
    let home = Home::new("lost2", &server.base_url);
    let out = login(&home);
    assert_eq!(out.code, Some(255), "{out:?}");
    assert!(
        out.stderr.contains("lost in transit")
            && out.stderr.contains("ssooidc login --sso-session dev"),
        "{}",
        out.stderr
    );
    assert_eq!(polls.load(Ordering::SeqCst), 6);
}

/// Finding 14: a wait of a second or more to retry a failed request is announced (the ordinary
/// pace of polling is not: the prompt is on the screen). One protocol second is 2.1 s here, so
/// the first retry of a setup call waits between 1.05 and 2.1 s (half of its step is fixed).
#[test]
fn a_long_retry_wait_is_announced() {
    let emu = emulator_with(
        Config::default()
            .approval(Approval::ApproveAfterPolls(0))
            .fault("RegisterClient#1=503".parse::<FaultRule>().unwrap()),
    );
    let home = Home::new("retrywait", emu.base_url());
    let mut c = home.command();
    c.env("SSOOIDC_PROTOCOL_SECOND_MS", "2100");
    let out = run(
        c,
        &[
            "login",
            "--use-device-code",
            "--sso-session",
            "dev",
            "--no-browser",
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let notices: Vec<_> = out
        .stderr
        .lines()
        .filter(|l| l.contains("trying again in"))
        .collect();
    assert_eq!(notices.len(), 1, "{}", out.stderr);
    assert!(
        notices[0].starts_with("RegisterClient failed"),
        "{notices:?}"
    );
}
