//! AWS CLI-compatible sessions (`Sessions::login`, `Sessions::token`) against the emulator, each
//! test in its own temporary `HOME` with an `~/.aws/config`, the endpoint given by
//! `AWS_ENDPOINT_URL_SSO_OIDC`.

use std::process::Command;
use std::time::Duration;

use ssooidc_core::cache::{format_timestamp, parse_timestamp, CachedToken};
use ssooidc_core::operations::CreateToken;
use ssooidc_core::refresh::RefreshError;
use ssooidc_core::Timestamp;
use ssooidc_emulator::{Approval, RunningEmulator, Target};
use ssooidc_tests::*;
use ssooidc_ureq::session::{LoginResult, SessionError, SessionSelector, TokenSource};
use time::OffsetDateTime;

fn dev() -> SessionSelector {
    SessionSelector::Profile("dev".to_owned())
}

fn login(home: &Home) -> LoginResult {
    home.sessions()
        .login(dev(), login_options(), |_| {})
        .expect("login")
}

fn approving_emulator() -> RunningEmulator {
    start(emulator_config().approval(Approval::ApproveAfterPolls(1)))
}

/// One line, `", "` between members and `": "` after keys, in this order: what Python's
/// `json.dumps` writes for the AWS CLI's dict.
fn cli_json(members: &[(&str, String)]) -> String {
    let items: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("\"{k}\": {v}"))
        .collect();
    format!("{{{}}}", items.join(", "))
}

fn q(s: &str) -> String {
    format!("\"{s}\"")
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The token file of `dev`, as the AWS CLI would write it for these values.
fn expected_token_file(t: &CachedToken) -> String {
    cli_json(&[
        ("startUrl", q(START_URL)),
        ("region", q("us-east-1")),
        ("accessToken", q(t.access_token.expose())),
        ("expiresAt", q(&format_timestamp(t.expires_at))),
        ("clientId", q(t.client_id.as_deref().unwrap())),
        (
            "clientSecret",
            q(t.client_secret.as_ref().unwrap().expose()),
        ),
        (
            "registrationExpiresAt",
            q(&format_timestamp(t.registration_expires_at.unwrap())),
        ),
        (
            "refreshToken",
            q(t.refresh_token.as_ref().unwrap().expose()),
        ),
    ])
}

/// `t` without its fraction of a second: the cache files hold whole seconds.
fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).expect("0 is a valid nanosecond")
}

/// Asserts that `t` lies `after` past a moment between `earliest` and `latest` (taken around
/// what stamped it, so that a loaded machine cannot move it out: no window). The earliest is
/// taken in whole seconds, since a stamp may be truncated to them.
fn assert_stamped_between(
    t: Timestamp,
    after: time::Duration,
    earliest: OffsetDateTime,
    latest: OffsetDateTime,
) {
    let (low, high) = (whole_seconds(earliest) + after, latest + after);
    assert!(low <= t && t <= high, "{t} is not within {low} to {high}");
}

fn assert_cli_timestamp(
    s: &str,
    after: time::Duration,
    earliest: OffsetDateTime,
    latest: OffsetDateTime,
) {
    // YYYY-MM-DDTHH:MM:SSZ
    let b = s.as_bytes();
    assert_eq!(b.len(), 20, "{s}");
    for (i, c) in b.iter().enumerate() {
        match i {
            4 | 7 => assert_eq!(*c, b'-', "{s}"),
            10 => assert_eq!(*c, b'T', "{s}"),
            13 | 16 => assert_eq!(*c, b':', "{s}"),
            19 => assert_eq!(*c, b'Z', "{s}"),
            _ => assert!(c.is_ascii_digit(), "{s}"),
        }
    }
    assert_stamped_between(parse_timestamp(s).unwrap(), after, earliest, latest);
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Rewrites the token file of `key` to expire `from_now` from now, everything else unchanged.
fn set_expiry(home: &Home, key: &str, from_now: time::Duration) -> CachedToken {
    let path = home.cache_file(key);
    let mut token = CachedToken::from_json(read(&path).as_bytes()).unwrap();
    token.expires_at = (OffsetDateTime::now_utc() + from_now).into();
    std::fs::write(&path, token.to_json()).unwrap();
    // What the file now holds (whole seconds).
    CachedToken::from_json(read(&path).as_bytes()).unwrap()
}

fn probe(home: &Home, profile: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_token_probe"))
        .args(["token", profile])
        .env_clear()
        .envs(&home.env)
        .output()
        .expect("run the probe");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "the probe wrote to stderr: {stderr}");
    (out.status.success(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn login_then_token_in_a_fresh_process_without_any_request() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("fresh-process", &emu);
    let result = login(&home);
    assert!(!result.reused_concurrent_login);
    assert!(result.warnings.is_empty(), "{:?}", result.warnings);
    let before = emu.requests().len();
    assert_eq!(before, 4, "register, start, pending, token");

    let (ok, stdout) = probe(&home, "dev");
    assert!(ok, "{stdout}");
    assert_eq!(
        stdout,
        format!(
            "source=cached\ntoken={}\n",
            result.token.access_token.expose()
        )
    );
    assert_eq!(emu.requests().len(), before, "no request for a fresh token");
}

#[test]
fn the_files_are_byte_compatible_with_the_aws_cli() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("cli-bytes", &emu);
    let before = OffsetDateTime::now_utc();
    let result = login(&home);
    let after = OffsetDateTime::now_utc();
    // What login returns is what it stored.
    assert_eq!(
        CachedToken::from_json(read(&result.token_path).as_bytes()).unwrap(),
        result.token
    );

    // Names: the SHA-1 keys of spec 6.3 and 6.4.
    assert_eq!(result.token_path, home.cache_file(MY_SSO_TOKEN_KEY));
    assert_eq!(
        result.registration_path.as_deref(),
        Some(home.cache_file(MY_SSO_SCOPED_REGISTRATION_KEY).as_path())
    );

    // The token file, byte for byte.
    let text = read(&result.token_path);
    assert_eq!(text, expected_token_file(&result.token));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    // An hour, and 90 days, from answers that came during the login.
    assert_cli_timestamp(
        json["expiresAt"].as_str().unwrap(),
        time::Duration::hours(1),
        before,
        after,
    );
    assert_cli_timestamp(
        json["registrationExpiresAt"].as_str().unwrap(),
        time::Duration::days(90),
        before,
        after,
    );
    // Its values are the emulator's: the client id it was polled with, a live refresh token.
    let poll = token_requests(&emu, DEVICE_GRANT)
        .pop()
        .unwrap()
        .body_json()
        .unwrap();
    assert_eq!(json["clientId"], poll["clientId"]);
    assert_eq!(json["clientSecret"], poll["clientSecret"]);
    client_for(&emu)
        .create_token(&CreateToken::refresh_token(
            json["clientId"].as_str().unwrap(),
            json["clientSecret"].as_str().unwrap(),
            json["refreshToken"].as_str().unwrap(),
        ))
        .expect("the cached refresh token works");

    // The registration file, byte for byte.
    let reg_text = read(result.registration_path.as_ref().unwrap());
    assert_eq!(
        reg_text,
        cli_json(&[
            ("clientId", json["clientId"].to_string()),
            ("clientSecret", json["clientSecret"].to_string()),
            ("expiresAt", json["registrationExpiresAt"].to_string()),
            ("scopes", "[\"sso:account:access\"]".to_owned()),
        ])
    );
    let registered = requests_to(&emu, Target::RegisterClient)[0]
        .body_json()
        .unwrap();
    assert_eq!(registered["clientName"], "botocore-client-my-sso");

    // Modes, and nothing else in the directory but the session's lock.
    #[cfg(unix)]
    {
        assert_eq!(mode(&home.cache_dir()), 0o700);
        assert_eq!(mode(&result.token_path), 0o600);
        assert_eq!(mode(result.registration_path.as_ref().unwrap()), 0o600);
    }
    let mut names: Vec<String> = std::fs::read_dir(home.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("{MY_SSO_TOKEN_KEY}.json"),
            format!("{MY_SSO_TOKEN_KEY}.lock"),
            format!("{MY_SSO_SCOPED_REGISTRATION_KEY}.json"),
        ]
    );
}

#[test]
fn a_second_login_reuses_the_cached_registration() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("reuse-registration", &emu);
    let first = login(&home);
    emu.clear_requests();
    let second = login(&home);
    assert_eq!(requests_to(&emu, Target::RegisterClient).len(), 0);
    assert_eq!(second.registration_path, None, "nothing new to write");
    assert_eq!(second.token.client_id, first.token.client_id);
    assert_ne!(second.token.access_token, first.token.access_token);
}

#[test]
fn the_config_file_can_live_elsewhere() {
    let emu = approving_emulator();
    let mut home = Home::new("config-file", Some(&emu));
    let elsewhere = home.path().join("elsewhere.ini");
    std::fs::write(&elsewhere, standard_config()).unwrap();
    home.env
        .insert("AWS_CONFIG_FILE".into(), elsewhere.display().to_string());
    let result = login(&home);
    assert_eq!(result.token_path, home.cache_file(MY_SSO_TOKEN_KEY));
    let token = home.sessions().token(dev()).unwrap();
    assert_eq!(token.source, TokenSource::Cached);
    assert_eq!(token.token.access_token, result.token.access_token);
}

/// Refresh inside the 15-minute window: one request, the file rewritten like the CLI's.
fn refresh_case(emu: &RunningEmulator, label: &str) -> (CachedToken, CachedToken) {
    let home = Home::with_standard_config(label, emu);
    login(&home);
    let old = set_expiry(&home, MY_SSO_TOKEN_KEY, time::Duration::minutes(5));
    emu.clear_requests();

    let before = OffsetDateTime::now_utc();
    let got = home.sessions().token(dev()).expect("a token");
    let after = OffsetDateTime::now_utc();
    assert_eq!(got.source, TokenSource::Refreshed);
    assert!(got.warnings.is_empty(), "{:?}", got.warnings);
    assert_eq!(emu.requests().len(), 1, "exactly one request");
    let sent = token_requests(emu, "refresh_token");
    assert_eq!(sent.len(), 1);
    let body = sent[0].body_json().unwrap();
    assert_eq!(
        body["refreshToken"],
        old.refresh_token.as_ref().unwrap().expose()
    );
    assert_eq!(body["clientId"], old.client_id.as_deref().unwrap());
    assert!(sent[0].headers.get("authorization").is_none());

    let text = read(&home.cache_file(MY_SSO_TOKEN_KEY));
    let new = CachedToken::from_json(text.as_bytes()).unwrap();
    assert_eq!(
        text,
        expected_token_file(&new),
        "rewritten as the CLI writes"
    );
    assert_eq!(new, got.token);
    assert_ne!(new.access_token, old.access_token);
    // An hour from the refresh's answer.
    assert_stamped_between(new.expires_at, time::Duration::hours(1), before, after);
    assert_eq!(new.client_id, old.client_id);
    assert_eq!(new.client_secret, old.client_secret);
    assert_eq!(new.registration_expires_at, old.registration_expires_at);
    #[cfg(unix)]
    assert_eq!(mode(&home.cache_file(MY_SSO_TOKEN_KEY)), 0o600);

    // Fresh now: the next call makes no request.
    let again = home.sessions().token(dev()).unwrap();
    assert_eq!(again.source, TokenSource::Cached);
    assert_eq!(emu.requests().len(), 1);
    (old, new)
}

#[test]
fn refresh_inside_the_window_stores_the_rotated_refresh_token() {
    let emu = approving_emulator();
    let (old, new) = refresh_case(&emu, "refresh-rotated");
    assert!(new.refresh_token.is_some());
    assert_ne!(new.refresh_token, old.refresh_token, "rotated");
}

#[test]
fn refresh_keeps_the_old_refresh_token_when_none_is_returned() {
    let mut config = emulator_config().approval(Approval::ApproveAfterPolls(1));
    config.rotate_refresh_tokens = false; // then a refresh returns no refresh token
    let emu = start(config);
    let (old, new) = refresh_case(&emu, "refresh-kept");
    assert_eq!(new.refresh_token, old.refresh_token, "kept");
}

#[test]
fn a_refresh_held_up_by_another_process_falls_back_to_the_valid_cached_token() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("lock-held", &emu);
    login(&home);
    let cached = set_expiry(&home, MY_SSO_TOKEN_KEY, time::Duration::minutes(5));
    emu.clear_requests();
    let mut sessions = home.sessions();
    sessions.refresh_lock_wait = Duration::from_millis(50);
    // Another holder of the session lock (a login or a hung refresh).
    let held = sessions
        .cache
        .lock(MY_SSO_TOKEN_KEY, Duration::from_secs(1))
        .unwrap();
    let got = sessions
        .token(dev())
        .expect("the cached token, not a lock timeout");
    assert_eq!(got.token, cached);
    assert_eq!(got.source, TokenSource::Cached);
    assert!(
        got.warnings[0].contains("another process held the session lock"),
        "{:?}",
        got.warnings
    );
    assert!(
        emu.requests().is_empty(),
        "no refresh while the lock is held"
    );
    // Once the token has expired, waiting out the lock is an error, not a stale token.
    set_expiry(&home, MY_SSO_TOKEN_KEY, -time::Duration::minutes(1));
    assert!(matches!(sessions.token(dev()), Err(SessionError::Store(_))));
    drop(held);

    // A lock file that cannot be opened (a directory in its place) is the same: the cached
    // token while it is valid, with a warning.
    plant_directory(&home.cache_dir().join(format!("{MY_SSO_TOKEN_KEY}.lock")));
    let cached = set_expiry(&home, MY_SSO_TOKEN_KEY, time::Duration::minutes(5));
    let got = sessions.token(dev()).expect("the cached token");
    assert_eq!((got.token, got.source), (cached, TokenSource::Cached));
    assert!(
        got.warnings.iter().any(|w| w.contains("cannot lock")),
        "{:?}",
        got.warnings
    );
    assert!(emu.requests().is_empty(), "no refresh without the lock");
}

#[test]
fn a_failed_refresh_falls_back_to_the_valid_cached_token() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("refresh-failed", &emu);
    login(&home);
    let cached = set_expiry(&home, MY_SSO_TOKEN_KEY, time::Duration::minutes(5));
    let before = read(&home.cache_file(MY_SSO_TOKEN_KEY));
    emu.clear_requests();
    emu.inject("CreateToken=InvalidGrantException".parse().unwrap());

    let got = home.sessions().token(dev()).expect("the cached token");
    match &got.source {
        TokenSource::RefreshFailed(why) => assert!(why.contains("InvalidGrantException"), "{why}"),
        other => panic!("expected RefreshFailed, got {other:?}"),
    }
    assert_eq!(got.token, cached);
    assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
    assert!(
        got.warnings[0].contains("refresh failed") && got.warnings[0].contains("InvalidGrant"),
        "{:?}",
        got.warnings
    );
    assert_eq!(token_requests(&emu, "refresh_token").len(), 1);
    assert_eq!(
        read(&home.cache_file(MY_SSO_TOKEN_KEY)),
        before,
        "file untouched"
    );
}

#[test]
fn an_expired_token_whose_refresh_fails_needs_a_new_login() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("refresh-expired", &emu);
    login(&home);
    set_expiry(&home, MY_SSO_TOKEN_KEY, -time::Duration::minutes(1));
    emu.clear_requests();
    emu.inject("CreateToken=InvalidGrantException".parse().unwrap());

    let err = home.sessions().token(dev()).expect_err("expired");
    match &err {
        SessionError::Expired {
            session,
            source: RefreshError::Expired { failure: Some(_) },
        } => assert_eq!(session, "sso-session my-sso"),
        other => panic!("{other:?}"),
    }
    // The library says why; the advice to log in again is the CLI's.
    let message = err.to_string();
    assert_eq!(
        message,
        "the SSO token for sso-session my-sso has expired: the SSO token has expired and \
         refresh failed (An error occurred (InvalidGrantException) when calling the CreateToken \
         operation: Injected fault)"
    );
    assert_eq!(token_requests(&emu, "refresh_token").len(), 1);

    // The probe (a fresh process) says it has expired too and fails; within 60 s of the failed
    // attempt it does not try to refresh again.
    let (ok, stdout) = probe(&home, "dev");
    assert!(!ok);
    assert_eq!(
        stdout,
        "error=the SSO token for sso-session my-sso has expired: the SSO token has expired and \
         cannot be refreshed\n"
    );
    assert_eq!(token_requests(&emu, "refresh_token").len(), 1);
}

#[test]
fn an_expired_token_is_refreshed_when_the_refresh_works() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("expired-refreshed", &emu);
    login(&home);
    set_expiry(&home, MY_SSO_TOKEN_KEY, -time::Duration::minutes(1));
    let before = OffsetDateTime::now_utc();
    let got = home.sessions().token(dev()).expect("refreshed");
    let after = OffsetDateTime::now_utc();
    assert_eq!(got.source, TokenSource::Refreshed);
    assert_stamped_between(
        got.token.expires_at,
        time::Duration::hours(1),
        before,
        after,
    );
}

/// A legacy-profile token file (key = SHA-1 of the start URL) that even has what a refresh
/// would need.
fn write_legacy_token(home: &Home, from_now: time::Duration) {
    let json = cli_json(&[
        ("startUrl", q(START_URL)),
        ("region", q("us-east-1")),
        ("accessToken", q("legacy-access-token")),
        (
            "expiresAt",
            q(&format_timestamp(OffsetDateTime::now_utc() + from_now)),
        ),
        ("clientId", q("cid")),
        ("clientSecret", q("csecret")),
        (
            "registrationExpiresAt",
            q(&format_timestamp(
                OffsetDateTime::now_utc() + time::Duration::days(30),
            )),
        ),
        ("refreshToken", q("legacy-refresh-token")),
    ]);
    std::fs::create_dir_all(home.cache_dir()).unwrap();
    std::fs::write(home.cache_file(LEGACY_TOKEN_KEY), json).unwrap();
}

#[test]
fn a_legacy_profile_never_refreshes() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("legacy", &emu);
    let legacy = SessionSelector::Profile("legacy".into());

    write_legacy_token(&home, time::Duration::minutes(5));
    let got = home.sessions().token(legacy.clone()).expect("still valid");
    assert_eq!(got.source, TokenSource::Cached);
    assert_eq!(got.token.access_token.expose(), "legacy-access-token");
    assert_eq!(got.path, home.cache_file(LEGACY_TOKEN_KEY));

    write_legacy_token(&home, -time::Duration::minutes(1));
    let err = home.sessions().token(legacy).expect_err("expired");
    match &err {
        SessionError::Expired {
            session,
            source: RefreshError::Expired { failure: None },
        } => assert_eq!(session, "profile legacy"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "the SSO token for profile legacy has expired: the SSO token has expired and cannot be \
         refreshed"
    );
    assert_eq!(emu.requests().len(), 0, "never a refresh request");
}

#[test]
fn no_file_or_a_corrupt_file_is_not_logged_in() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("corrupt", &emu);

    let err = home.sessions().token(dev()).expect_err("no file");
    match &err {
        SessionError::NotLoggedIn { reason: None, .. } => {}
        other => panic!("{other:?}"),
    }
    // Named by its sso-session; the advice to log in is the CLI's.
    assert_eq!(
        err.to_string(),
        "no cached SSO token for sso-session my-sso"
    );

    let path = home.cache_file(MY_SSO_TOKEN_KEY);
    std::fs::create_dir_all(home.cache_dir()).unwrap();
    let partial = br#"{"startUrl": "https://d-1234567890.awsapps.com/start", "accessTo"#;
    std::fs::write(&path, partial).unwrap();
    let err = home.sessions().token(dev()).expect_err("corrupt");
    match &err {
        SessionError::NotLoggedIn {
            reason: Some(reason),
            ..
        } => assert!(reason.contains(&path.display().to_string()), "{reason}"),
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.starts_with("no cached SSO token for sso-session my-sso ("),
        "{message}"
    );
    assert!(message.contains("unusable"), "{message}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        partial,
        "not deleted, not changed"
    );
    assert_eq!(emu.requests().len(), 0);

    // A file without accessToken (a registration file under the token's name) is no token.
    std::fs::write(
        &path,
        r#"{"clientId": "c", "clientSecret": "s", "expiresAt": "2099-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let err = home.sessions().token(dev()).expect_err("no accessToken");
    assert!(err.to_string().contains("accessToken"), "{err}");
    assert!(path.exists());
}

#[test]
fn a_token_with_more_than_15_minutes_left_is_used_as_is() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("fresh", &emu);
    login(&home);
    let cached = set_expiry(&home, MY_SSO_TOKEN_KEY, time::Duration::minutes(16));
    emu.clear_requests();
    let got = home.sessions().token(dev()).unwrap();
    assert_eq!(got.source, TokenSource::Cached);
    assert_eq!(got.token, cached);
    assert_eq!(emu.requests().len(), 0);
    // And the lock-free path leaves no lock behind it to wait for.
    std::thread::sleep(Duration::from_millis(1));
}

#[test]
fn a_failed_refresh_is_not_retried_within_60_seconds_by_any_process() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("refresh-throttled", &emu);
    login(&home);
    let cached = set_expiry(&home, MY_SSO_TOKEN_KEY, time::Duration::minutes(5));
    emu.clear_requests();
    // Every refresh request fails: the refresh call's retry policy (3 attempts) runs out.
    emu.inject("CreateToken=InternalServerException".parse().unwrap());
    let first = home.sessions().token(dev()).unwrap();
    match &first.source {
        TokenSource::RefreshFailed(why) => {
            assert!(why.contains("(reached max retries: 2)"), "{why}")
        }
        other => panic!("expected RefreshFailed, got {other:?}"),
    }
    assert_eq!(emu.requests().len(), 3, "one refresh call of 3 attempts");

    // Another process right after: the attempt is recorded beside the cache, so it uses the
    // cached token without asking again.
    let (ok, stdout) = probe(&home, "dev");
    assert!(ok, "{stdout}");
    assert_eq!(
        stdout,
        format!("source=cached\ntoken={}\n", cached.access_token.expose())
    );
    assert_eq!(emu.requests().len(), 3, "no second attempt");
}

#[test]
fn a_legacy_login_writes_the_cli_files_under_the_start_url_keys() {
    let emu = approving_emulator();
    let home = Home::with_standard_config("legacy-login", &emu);
    let result = home
        .sessions()
        .login(
            SessionSelector::Profile("legacy".into()),
            login_options(),
            |_| {},
        )
        .expect("login");
    assert_eq!(result.token_path, home.cache_file(LEGACY_TOKEN_KEY));
    // sha1 of {"region": "us-east-1", "scopes": null, "session_name": null, "startUrl": ..., "tool": "botocore"}
    assert_eq!(
        result.registration_path.as_deref(),
        Some(
            home.cache_file("365414a68be7c9bfc776c660981dbdbd942acea4")
                .as_path()
        )
    );
    let t = &result.token;
    assert_eq!(t.refresh_token, None, "no scopes, no refresh token");
    assert_eq!(
        read(&result.token_path),
        cli_json(&[
            ("startUrl", q(START_URL)),
            ("region", q("us-east-1")),
            ("accessToken", q(t.access_token.expose())),
            ("expiresAt", q(&format_timestamp(t.expires_at))),
            ("clientId", q(t.client_id.as_deref().unwrap())),
            (
                "clientSecret",
                q(t.client_secret.as_ref().unwrap().expose())
            ),
            (
                "registrationExpiresAt",
                q(&format_timestamp(t.registration_expires_at.unwrap())),
            ),
        ])
    );
    let name = requests_to(&emu, Target::RegisterClient)[0]
        .body_json()
        .unwrap()["clientName"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(name.starts_with("botocore-client-"), "{name}");
    let (ok, stdout) = probe(&home, "legacy");
    assert!(ok && stdout.starts_with("source=cached\n"), "{stdout}");
}

// ---------------------------------------------------------------------------------------------
// Both stores under one lock-and-refresh policy: the AWS CLI's (`Sessions::token`) and the one of
// `ssooidc oauth` (`OAuthSessions::token`). The answers come from a tiny token endpoint on
// 127.0.0.1 that can act on the cache while the refresh is under way (the emulator cannot).

/// A token endpoint answering every request with `answer(n)` (`n` counts from 1), after
/// `before(n)` ran. Returns its URL and the count of requests so far.
fn token_endpoint(
    before: impl Fn(usize) + Send + 'static,
    answer: impl Fn(usize) -> (u16, String) + Send + 'static,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            if read_request(&mut stream).is_some() {
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                before(n);
                let (status, body) = answer(n);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        }
    });
    (url, count)
}

fn requests(count: &std::sync::atomic::AtomicUsize) -> usize {
    count.load(std::sync::atomic::Ordering::SeqCst)
}

/// Replaces `path` (a cache file) by an empty directory: a write of the file then fails, as
/// root too.
fn plant_directory(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    std::fs::create_dir_all(path).unwrap();
}

/// Asserts that `warnings` say a refreshed token was not cached, and hold no token.
fn assert_unsaved_warning(warnings: &[String]) {
    assert!(
        warnings.iter().any(|w| w.contains("could not be cached")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .all(|w| !w.contains("new-access") && !w.contains("new-refresh")),
        "{warnings:?}"
    );
}

mod oauth_store {
    use super::*;
    use ssooidc_core::oauth::{Provider, ProviderSource, ProviderUrl};
    use ssooidc_ureq::oauth::{OAuthLogin, OAuthSessions};
    use ssooidc_ureq::Config;

    /// `min_ttl` of these tests: the cached token (5 minutes left) is due.
    pub const DUE: Duration = Duration::from_secs(600);

    pub struct Store {
        /// Holds the temporary directory for as long as the store lives.
        _dir: TempDir,
        pub sessions: OAuthSessions,
        pub login: OAuthLogin,
    }

    impl Store {
        /// A cache holding tokens of `cli` at the token endpoint `url` that expire in
        /// `from_now`.
        pub fn new(label: &str, url: &str, from_now: time::Duration) -> Store {
            let dir = TempDir::new(label);
            let cache = dir.path().join("oauth");
            let provider = Provider::explicit(
                ProviderUrl::parse(&format!("{url}/device")).unwrap(),
                ProviderUrl::parse(&format!("{url}/token")).unwrap(),
            );
            let login = OAuthLogin::new(ProviderSource::Explicit(provider), "cli");
            let config = Config::new("us-east-1")
                .timeout(REQUEST_TIMEOUT)
                .retry(single_attempt());
            let mut sessions = OAuthSessions::in_dir(&cache, config);
            sessions.refresh_lock_wait = Duration::from_millis(50);
            let store = Store {
                _dir: dir,
                sessions,
                login,
            };
            store.write(from_now);
            store
        }

        pub fn path(&self) -> std::path::PathBuf {
            self.sessions.cache.dir().path(&self.login.key())
        }

        pub fn lock_path(&self) -> std::path::PathBuf {
            self.path().with_extension("lock")
        }

        /// Writes the entry: access token `old`, refresh token `rt`, expiring in `from_now`.
        pub fn write(&self, from_now: time::Duration) {
            let path = self.path();
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let json = serde_json::json!({
                "provider": self.login.source.id(),
                "client_id": "cli",
                "scopes": [],
                "access_token": "old-access",
                "token_type": "Bearer",
                "expires_at": format_timestamp(OffsetDateTime::now_utc() + from_now),
                "refresh_token": "old-refresh",
            });
            std::fs::write(&path, json.to_string()).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
        }
    }

    pub fn refused() -> (u16, String) {
        (
            400,
            r#"{"error":"invalid_grant","error_description":"refused"}"#.to_owned(),
        )
    }

    pub fn granted() -> (u16, String) {
        (
            200,
            r#"{"access_token":"new-access","token_type":"Bearer","expires_in":3600,"refresh_token":"new-refresh"}"#
                .to_owned(),
        )
    }
}

#[test]
fn oauth_a_failed_refresh_is_not_retried_within_60_seconds() {
    use oauth_store::*;
    let (url, count) = token_endpoint(|_| {}, |_| refused());
    let store = Store::new("oauth-throttle", &url, time::Duration::minutes(5));
    let first = store.sessions.token(&store.login, DUE).unwrap();
    assert!(
        matches!(first.source, TokenSource::RefreshFailed(ref why) if why.contains("InvalidGrant")),
        "{:?}",
        first.source
    );
    assert_eq!(requests(&count), 1);

    // Right after, the attempt recorded beside the cache holds the next one back.
    let second = store.sessions.token(&store.login, DUE).unwrap();
    assert_eq!(second.source, TokenSource::Cached);
    assert_eq!(second.entry.tokens.access_token.expose(), "old-access");
    assert_eq!(requests(&count), 1, "no second attempt within 60 s");

    // An attempt recorded more than 60 s ago holds nothing back.
    let mut lock = store
        .sessions
        .cache
        .dir()
        .lock(&store.login.key(), Duration::from_secs(1))
        .unwrap();
    let long_ago = OffsetDateTime::now_utc() - time::Duration::seconds(61);
    lock.record_attempt(long_ago.unix_timestamp()).unwrap();
    drop(lock);
    store.sessions.token(&store.login, DUE).unwrap();
    assert_eq!(requests(&count), 2, "tried again after the interval");
}

#[test]
fn oauth_an_unusable_lock_file_falls_back_to_the_valid_cached_token() {
    use oauth_store::*;
    let (url, count) = token_endpoint(|_| {}, |_| granted());
    let store = Store::new("oauth-lock-dir", &url, time::Duration::minutes(5));
    // A directory where the lock file goes: the cache cannot be locked.
    plant_directory(&store.lock_path());
    let got = store
        .sessions
        .token(&store.login, DUE)
        .expect("the cached token, not a store error");
    assert_eq!(got.source, TokenSource::Cached);
    assert_eq!(got.entry.tokens.access_token.expose(), "old-access");
    assert!(
        got.warnings.iter().any(|w| w.contains("cannot lock")),
        "{:?}",
        got.warnings
    );
    assert_eq!(requests(&count), 0, "no refresh without the lock");

    // Expired, it is an error.
    store.write(-time::Duration::minutes(1));
    assert!(matches!(
        store.sessions.token(&store.login, DUE),
        Err(SessionError::Store(_))
    ));
}

#[test]
fn oauth_a_refreshed_token_that_cannot_be_written_back_is_returned_with_a_warning() {
    use oauth_store::*;
    let planted = std::sync::Arc::new(std::sync::Mutex::new(None::<std::path::PathBuf>));
    let target = planted.clone();
    let (url, count) = token_endpoint(
        move |_| {
            if let Some(path) = target.lock().unwrap().as_deref() {
                plant_directory(path);
            }
        },
        |_| granted(),
    );
    let store = Store::new("oauth-unwritable", &url, time::Duration::minutes(5));
    *planted.lock().unwrap() = Some(store.path());
    let got = store
        .sessions
        .token(&store.login, DUE)
        .expect("the refreshed token, not a store error");
    assert_eq!(requests(&count), 1);
    assert_eq!(got.source, TokenSource::Refreshed);
    assert_eq!(got.entry.tokens.access_token.expose(), "new-access");
    assert_unsaved_warning(&got.warnings);
    // The answer replaced the refresh token: the warning says so (the OAuth store too).
    assert!(
        got.warnings
            .iter()
            .any(|w| w.contains("the refresh token the service has just replaced")),
        "{:?}",
        got.warnings
    );
}

#[test]
fn a_refreshed_token_that_cannot_be_written_back_is_returned_with_a_warning() {
    let emu = approving_emulator();
    let mut home = Home::with_standard_config("aws-unwritable", &emu);
    login(&home);
    set_expiry(&home, MY_SSO_TOKEN_KEY, time::Duration::minutes(5));
    let path = home.cache_file(MY_SSO_TOKEN_KEY);
    let (url, count) = token_endpoint(
        move |_| plant_directory(&path),
        |_| {
            (
                200,
                r#"{"accessToken":"new-access","expiresIn":3600,"tokenType":"Bearer","refreshToken":"new-refresh"}"#
                    .to_owned(),
            )
        },
    );
    home.env
        .insert("AWS_ENDPOINT_URL_SSO_OIDC".to_owned(), url.clone());
    let got = home
        .sessions()
        .token(dev())
        .expect("the refreshed token, not a store error");
    assert_eq!(requests(&count), 1);
    assert_eq!(got.source, TokenSource::Refreshed);
    assert_eq!(got.token.access_token.expose(), "new-access");
    assert_unsaved_warning(&got.warnings);
}

/// Issue 27: a refresh that succeeded at the service but could not be written says what really
/// follows. The answer replaced the refresh token: the cache keeps the replaced one, which a
/// revoking service refuses, so the cached token serves until its expiry, named, and then a new
/// login is needed. An answer that kept the refresh token (none in it): the next command
/// refreshes again with the same one. (It said "the next command refreshes again" for both.)
#[test]
fn an_unwritten_refresh_says_what_follows() {
    let emu = approving_emulator();
    for (answer, expected) in [
        (
            r#"{"accessToken":"new-access","expiresIn":3600,"tokenType":"Bearer","refreshToken":"new-refresh"}"#,
            "the refresh token the service has just replaced",
        ),
        (
            r#"{"accessToken":"new-access","expiresIn":3600,"tokenType":"Bearer"}"#,
            "the next command refreshes it again with the same refresh token",
        ),
    ] {
        let mut home = Home::with_standard_config("aws-unwritten-says", &emu);
        login(&home);
        let cached = set_expiry(&home, MY_SSO_TOKEN_KEY, time::Duration::minutes(5));
        let path = home.cache_file(MY_SSO_TOKEN_KEY);
        let (url, count) = token_endpoint(
            move |_| plant_directory(&path),
            move |_| (200, answer.to_owned()),
        );
        home.env
            .insert("AWS_ENDPOINT_URL_SSO_OIDC".to_owned(), url.clone());
        let got = home.sessions().token(dev()).expect("the refreshed token");
        assert_eq!(requests(&count), 1);
        assert_unsaved_warning(&got.warnings);
        let warning = got
            .warnings
            .iter()
            .find(|w| w.contains("could not be cached"))
            .unwrap();
        assert!(warning.contains(expected), "{warning}");
        if expected.contains("replaced") {
            assert!(
                warning.contains(&format!("until it expires at {}", cached.expires_at))
                    && warning.contains("need a new login"),
                "{warning}"
            );
        }
    }
}

/// The OAuth store's tokens, read from the cache or refreshed, join the secrets redacted by
/// value (the AWS store's always did for the token it read first).
#[test]
fn oauth_cached_tokens_are_redacted_by_value() {
    use oauth_store::*;
    let (url, _count) = token_endpoint(|_| {}, |_| granted());
    let store = Store::new("oauth-by-value", &url, time::Duration::minutes(60));
    let text = std::fs::read_to_string(store.path())
        .unwrap()
        .replace("old-access", "oauth-store-cached-access-by-value")
        .replace("old-refresh", "oauth-store-cached-refresh-by-value");
    std::fs::write(store.path(), text).unwrap();
    let got = store
        .sessions
        .token(&store.login, Duration::from_secs(60))
        .expect("the cached token");
    assert_eq!(got.source, TokenSource::Cached);
    assert_eq!(
        ssooidc_ureq::secrets::redact(
            "oauth-store-cached-access-by-value oauth-store-cached-refresh-by-value"
        ),
        "<redacted> <redacted>"
    );
}
