//! The session machines ([`TokenSession`], [`CredentialsSession`]) driven by hand, with no file
//! and no socket: every file operation they ask for is answered here, so each rule (no lock on a
//! cache hit, the lock and the re-read, the attempt recorded before the request, the fallbacks,
//! the warnings, the unlock) is seen in the order of the protocol.

use std::time::{Duration, Instant};

use ssooidc_core::cache::{CacheError, CachedRoleCredentials, CachedToken, Lookup};
use ssooidc_core::config::AwsConfig;
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::machine::{Machine, MisuseError, Output};
use ssooidc_core::retry::RetryPolicy;
use ssooidc_core::sessions::{
    CacheFile, CredentialsSession, CredentialsSessionInput, CredentialsSource, IoAnswer,
    LockAnswer, Session, SessionError, SessionIo, SessionMachine, SessionSelector, TokenSession,
    TokenSessionInput, TokenSource,
};
use time::macros::datetime;
use time::OffsetDateTime;

const NOW: OffsetDateTime = datetime!(2026-01-15 12:00:00 UTC);

/// The store error of these tests: a message.
#[derive(Debug, PartialEq)]
struct Disk(&'static str);

impl std::fmt::Display for Disk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

const CONFIG: &str = "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n[sso-session my-sso]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n";

fn session() -> Session {
    let config = AwsConfig::parse(CONFIG).unwrap();
    Session::resolve(SessionSelector::Profile("dev".into()), &config).unwrap()
}

fn endpoint() -> Endpoint {
    Endpoint::parse("http://127.0.0.1:9").unwrap()
}

fn token(expires_in: time::Duration) -> CachedToken {
    let text = format!(
        r#"{{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1", "accessToken": "old-at", "expiresAt": "{}", "clientId": "cid", "clientSecret": "csec", "registrationExpiresAt": "2026-04-15T10:00:00Z", "refreshToken": "old-rt"}}"#,
        ssooidc_core::cache::format_timestamp(NOW + expires_in)
    );
    CachedToken::from_json(text.as_bytes()).unwrap()
}

fn credentials(expires_in: time::Duration) -> CachedRoleCredentials {
    let text = format!(
        r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "ASIAOLD", "SecretAccessKey": "old-secret", "SessionToken": "old-session", "Expiration": "{}"}}}}"#,
        ssooidc_core::cache::format_timestamp(NOW + expires_in)
    );
    CachedRoleCredentials::from_json(text.as_bytes()).unwrap()
}

fn token_machine() -> TokenSession<Disk> {
    let input = TokenSessionInput::new(session(), endpoint())
        .retry(RetryPolicy::none())
        .lock_wait(Duration::from_secs(30));
    TokenSession::new(input, Instant::now(), NOW, 7)
}

fn credentials_machine() -> CredentialsSession<Disk> {
    let input =
        CredentialsSessionInput::new(session(), endpoint(), endpoint()).retry(RetryPolicy::none());
    CredentialsSession::new(input, Instant::now(), NOW, 7).unwrap()
}

/// The next output, which must be a file operation.
fn io<M: Machine<Event = SessionIo>>(m: &mut M) -> SessionIo {
    match m.poll_output() {
        Ok(Output::Event(io)) => io,
        Ok(Output::Transmit(t)) => panic!("expected a file operation, got {t:?}"),
        Ok(Output::Timeout(_)) => panic!("expected a file operation, got a wait"),
        Ok(Output::Done(_)) => panic!("expected a file operation, got the end"),
        Err(e) => panic!("expected a file operation, got {e}"),
    }
}

fn answer<M: SessionMachine<Disk>>(m: &mut M, answer: IoAnswer<Disk>) {
    m.handle_io(Instant::now(), NOW, answer)
        .expect("the answer fits");
}

fn done<M: Machine<Event = SessionIo>>(m: &mut M) -> M::Output {
    match m.poll_output() {
        Ok(Output::Done(result)) => result,
        Ok(Output::Event(io)) => panic!("expected Done, got {io:?}"),
        Ok(Output::Transmit(t)) => panic!("expected Done, got {t:?}"),
        Ok(Output::Timeout(_)) => panic!("expected Done, got a wait"),
        Err(e) => panic!("expected Done, got {e}"),
    }
}

fn ok(body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn sso() -> CacheFile {
    CacheFile::sso(session().token_key)
}

fn cli() -> CacheFile {
    CacheFile::cli(session().role_credentials_key().unwrap())
}

const REFRESHED: &str =
    r#"{"accessToken":"new-at","expiresIn":3600,"tokenType":"Bearer","refreshToken":"new-rt"}"#;

#[test]
fn a_fresh_token_is_one_read_and_no_lock() {
    let mut m = token_machine();
    assert_eq!(io(&mut m), SessionIo::ReadToken(sso()));
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::hours(1))))),
    );
    let got = done(&mut m).unwrap();
    assert_eq!(got.source, TokenSource::Cached);
    assert!(got.warnings.is_empty());
    // Given once.
    assert_eq!(m.poll_output().unwrap_err(), MisuseError::Finished);
}

#[test]
fn a_due_token_is_refreshed_under_the_lock_in_the_protocol_order() {
    let mut m = token_machine();
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::minutes(5))))),
    );
    assert_eq!(
        io(&mut m),
        SessionIo::Lock {
            file: sso(),
            wait: Duration::from_secs(30)
        }
    );
    answer(
        &mut m,
        IoAnswer::Lock(LockAnswer::Held { last_attempt: None }),
    );
    assert_eq!(
        io(&mut m),
        SessionIo::ReadToken(sso()),
        "read again under the lock"
    );
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::minutes(5))))),
    );
    // The attempt is recorded before anything is sent.
    assert_eq!(
        io(&mut m),
        SessionIo::RecordAttempt {
            file: sso(),
            at: NOW.unix_timestamp()
        }
    );
    answer(&mut m, IoAnswer::Written(Ok(())));
    match m.poll_output() {
        Ok(Output::Transmit(t)) => assert_eq!(t.operation, "CreateToken"),
        other => panic!("expected the refresh, got {other:?}"),
    }
    m.handle_response(Instant::now(), NOW, ok(REFRESHED))
        .unwrap();
    let written = match io(&mut m) {
        SessionIo::WriteToken { file, token } => {
            assert_eq!(file, sso());
            token
        }
        other => panic!("expected the write, got {other:?}"),
    };
    assert_eq!(written.access_token.expose(), "new-at");
    answer(&mut m, IoAnswer::Written(Ok(())));
    assert_eq!(io(&mut m), SessionIo::Unlock(sso()));
    answer(&mut m, IoAnswer::Unlocked);
    let got = done(&mut m).unwrap();
    assert_eq!(got.source, TokenSource::Refreshed);
    assert_eq!(got.token, written);
}

#[test]
fn another_process_refreshed_meanwhile_so_nothing_is_sent() {
    let mut m = token_machine();
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::minutes(5))))),
    );
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Lock(LockAnswer::Held { last_attempt: None }),
    );
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::hours(1))))),
    );
    assert_eq!(io(&mut m), SessionIo::Unlock(sso()));
    answer(&mut m, IoAnswer::Unlocked);
    assert_eq!(done(&mut m).unwrap().source, TokenSource::Cached);
}

#[test]
fn an_attempt_less_than_a_minute_ago_is_not_repeated() {
    let mut m = token_machine();
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::minutes(5))))),
    );
    io(&mut m);
    let last = NOW.unix_timestamp() - 30;
    answer(
        &mut m,
        IoAnswer::Lock(LockAnswer::Held {
            last_attempt: Some(last),
        }),
    );
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::minutes(5))))),
    );
    assert_eq!(
        io(&mut m),
        SessionIo::Unlock(sso()),
        "throttled: no record, no request"
    );
    answer(&mut m, IoAnswer::Unlocked);
    assert_eq!(done(&mut m).unwrap().source, TokenSource::Cached);
}

#[test]
fn a_lock_held_too_long_gives_a_valid_token_with_a_warning_and_an_expired_one_the_error() {
    let mut m = token_machine();
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::minutes(5))))),
    );
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Lock(LockAnswer::TimedOut {
            waited: Duration::from_secs(30),
            error: Disk("timed out"),
        }),
    );
    let got = done(&mut m).unwrap();
    assert_eq!(got.source, TokenSource::Cached);
    assert_eq!(
        got.warnings,
        ["another process held the session lock for 30s; using the cached token without refreshing"]
    );

    let mut m = token_machine();
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(-time::Duration::minutes(1))))),
    );
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Lock(LockAnswer::Failed(Disk("read-only"))),
    );
    match done(&mut m) {
        Err(SessionError::Store(Disk("read-only"))) => {}
        other => panic!("expected the store's error, got {other:?}"),
    }
}

#[test]
fn a_refreshed_token_that_cannot_be_written_is_used_with_a_warning() {
    let mut m = token_machine();
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::minutes(5))))),
    );
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Lock(LockAnswer::Held { last_attempt: None }),
    );
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::minutes(5))))),
    );
    io(&mut m);
    answer(&mut m, IoAnswer::Written(Err(Disk("cannot record"))));
    m.poll_output().unwrap();
    m.handle_response(Instant::now(), NOW, ok(REFRESHED))
        .unwrap();
    io(&mut m);
    answer(&mut m, IoAnswer::Written(Err(Disk("disk full"))));
    assert_eq!(io(&mut m), SessionIo::Unlock(sso()));
    answer(&mut m, IoAnswer::Unlocked);
    let got = done(&mut m).unwrap();
    assert_eq!(got.source, TokenSource::Refreshed);
    assert_eq!(got.warnings.len(), 2, "{:?}", got.warnings);
    assert!(got.warnings[0].contains("cannot record the refresh attempt (cannot record)"));
    assert!(got.warnings[1].contains("disk full"), "{:?}", got.warnings);
}

#[test]
fn a_missing_or_corrupt_file_is_not_logged_in() {
    let mut m = token_machine();
    io(&mut m);
    answer(&mut m, IoAnswer::Token(Ok(Lookup::Missing)));
    assert!(matches!(
        done(&mut m),
        Err(SessionError::NotLoggedIn { reason: None, .. })
    ));

    let mut m = token_machine();
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Corrupt {
            path: "/c/x.json".into(),
            error: CacheError::MissingMember("accessToken"),
        })),
    );
    match done(&mut m) {
        Err(SessionError::NotLoggedIn {
            reason: Some(reason),
            session,
        }) => {
            assert_eq!(session, "sso-session my-sso");
            assert!(reason.starts_with("/c/x.json is unusable"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_protocol_is_enforced_without_changing_the_state() {
    let mut m = token_machine();
    assert_eq!(
        m.handle_io(Instant::now(), NOW, IoAnswer::Unlocked),
        Err(MisuseError::NoRequestOutstanding),
        "an answer before the question"
    );
    io(&mut m);
    assert_eq!(
        m.poll_output().unwrap_err(),
        MisuseError::RequestOutstanding,
        "a poll before the answer"
    );
    assert_eq!(
        m.handle_io(Instant::now(), NOW, IoAnswer::Unlocked),
        Err(MisuseError::RequestOutstanding),
        "an answer to another question"
    );
    // The right answer still works.
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::hours(1))))),
    );
    assert_eq!(done(&mut m).unwrap().source, TokenSource::Cached);
}

#[test]
fn driver_warnings_come_back_even_after_the_last_answer() {
    let mut m = token_machine();
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::hours(1))))),
    );
    m.warn("mode repaired".to_owned());
    assert_eq!(done(&mut m).unwrap().warnings, ["mode repaired"]);
}

#[test]
fn fresh_cached_credentials_are_one_read() {
    let mut m = credentials_machine();
    assert_eq!(io(&mut m), SessionIo::ReadCredentials(cli()));
    answer(
        &mut m,
        IoAnswer::Credentials(Ok(Lookup::Found(credentials(time::Duration::hours(1))))),
    );
    assert_eq!(done(&mut m).unwrap().source, CredentialsSource::Cached);
}

/// Credentials inside the 15-minute window, a token to use, and a portal that fails.
fn portal_fails_with_cached(cached: CachedRoleCredentials) -> CredentialsSession<Disk> {
    let mut m = credentials_machine();
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Credentials(Ok(Lookup::Found(cached.clone()))),
    );
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Lock(LockAnswer::Held { last_attempt: None }),
    );
    io(&mut m);
    answer(&mut m, IoAnswer::Credentials(Ok(Lookup::Found(cached))));
    // The session's token: fresh.
    assert_eq!(io(&mut m), SessionIo::ReadToken(sso()));
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::hours(1))))),
    );
    match m.poll_output() {
        Ok(Output::Transmit(t)) => assert_eq!(t.operation, "GetRoleCredentials"),
        other => panic!("expected GetRoleCredentials, got {other:?}"),
    }
    let refused = http::Response::builder()
        .status(500)
        .header("x-amzn-errortype", "InternalServerException")
        .body(b"{}".to_vec())
        .unwrap();
    m.handle_response(Instant::now(), NOW, refused).unwrap();
    assert_eq!(io(&mut m), SessionIo::Unlock(cli()));
    answer(&mut m, IoAnswer::Unlocked);
    m
}

#[test]
fn a_portal_failure_falls_back_to_cached_credentials_with_more_than_ten_minutes_left() {
    let cached = credentials(time::Duration::minutes(12));
    let mut m = portal_fails_with_cached(cached.clone());
    let got = done(&mut m).unwrap();
    assert_eq!(got.source, CredentialsSource::CachedAfterFailedFetch);
    assert_eq!(got.credentials, cached);
    assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
    assert!(
        got.warnings[0].starts_with("could not fetch new role credentials (")
            && got.warnings[0]
                .contains("using the cached ones, which expire at 2026-01-15T12:12:00Z"),
        "{:?}",
        got.warnings
    );
    assert!(
        !format!("{got:?}").contains("old-secret"),
        "Debug shows no secret"
    );
}

/// Ten minutes left or less (botocore's mandatory period), or expired: the failure is the answer.
#[test]
fn a_portal_failure_with_ten_minutes_left_or_less_is_the_error() {
    for left in [10, 5, -1] {
        let mut m = portal_fails_with_cached(credentials(time::Duration::minutes(left)));
        assert!(
            matches!(done(&mut m), Err(SessionError::Call(_))),
            "{left} minutes"
        );
    }
}

#[test]
fn fetched_credentials_are_written_then_unlocked() {
    let mut m = credentials_machine();
    io(&mut m);
    answer(&mut m, IoAnswer::Credentials(Ok(Lookup::Missing)));
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Lock(LockAnswer::Failed(Disk("read-only"))),
    );
    // No lock: straight to the token, then the portal.
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::hours(1))))),
    );
    m.poll_output().unwrap();
    let body = r#"{"roleCredentials":{"accessKeyId":"ASIANEW","secretAccessKey":"new-secret","sessionToken":"new-session","expiration":1768482000000}}"#;
    m.handle_response(Instant::now(), NOW, ok(body)).unwrap();
    match io(&mut m) {
        SessionIo::WriteCredentials { file, credentials } => {
            assert_eq!(file, cli());
            assert_eq!(credentials.keys.access_key_id, "ASIANEW");
        }
        other => panic!("expected the write, got {other:?}"),
    }
    answer(&mut m, IoAnswer::Written(Ok(())));
    // Not locked: nothing to unlock.
    let got = done(&mut m).unwrap();
    assert_eq!(got.source, CredentialsSource::Fetched);
    assert_eq!(
        got.warnings,
        ["cannot lock the credentials cache (read-only); fetching without it"]
    );
}

// ---- OAuthTokenSession ---------------------------------------------------------------------

mod oauth {
    use super::*;
    use ssooidc_core::cache::OAuthCacheEntry;
    use ssooidc_core::oauth::{
        parse_token_response, Issuer, Provider, ProviderSource, ProviderUrl, Tokens,
    };
    use ssooidc_core::sessions::{OAuthLogin, OAuthTokenInput, OAuthTokenSession};
    use ssooidc_core::Secret;

    fn provider() -> Provider {
        Provider::explicit(
            ProviderUrl::parse("https://idp.example.com/device").unwrap(),
            ProviderUrl::parse("https://idp.example.com/token").unwrap(),
        )
    }

    fn entry(login: &OAuthLogin, expires_in: i64, refresh_token: bool) -> OAuthCacheEntry {
        let body = format!(
            r#"{{"access_token":"old-at","token_type":"Bearer","expires_in":{expires_in}}}"#
        );
        let response = http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(body.into_bytes())
            .unwrap();
        let mut response = parse_token_response(&response).unwrap();
        response.refresh_token = refresh_token.then(|| Secret::new("old-rt"));
        OAuthCacheEntry::new(
            login.source.id(),
            login.client_id.clone(),
            login.scopes.clone(),
            Tokens::from_response(response, NOW),
        )
    }

    fn machine(login: &OAuthLogin, min_ttl: u64) -> OAuthTokenSession<Disk> {
        let input = OAuthTokenInput::new(login.clone(), Duration::from_secs(min_ttl))
            .retry(RetryPolicy::none());
        OAuthTokenSession::new(input, Instant::now(), NOW, 3)
    }

    fn file(login: &OAuthLogin) -> CacheFile {
        CacheFile::oauth(login.key())
    }

    #[test]
    fn a_token_with_the_lifetime_asked_for_is_one_read() {
        let login = OAuthLogin::new(ProviderSource::Explicit(provider()), "cli");
        let mut m = machine(&login, 60);
        assert_eq!(io(&mut m), SessionIo::ReadOAuth(file(&login)));
        answer(
            &mut m,
            IoAnswer::OAuth(Ok(Lookup::Found(entry(&login, 3600, true)))),
        );
        assert_eq!(done(&mut m).unwrap().source, TokenSource::Cached);
    }

    #[test]
    fn a_short_token_is_refreshed_at_the_known_provider_and_written() {
        let login = OAuthLogin::new(ProviderSource::Explicit(provider()), "cli");
        let mut m = machine(&login, 600);
        io(&mut m);
        answer(
            &mut m,
            IoAnswer::OAuth(Ok(Lookup::Found(entry(&login, 60, true)))),
        );
        assert!(matches!(io(&mut m), SessionIo::Lock { .. }));
        answer(
            &mut m,
            IoAnswer::Lock(LockAnswer::Held { last_attempt: None }),
        );
        io(&mut m);
        answer(
            &mut m,
            IoAnswer::OAuth(Ok(Lookup::Found(entry(&login, 60, true)))),
        );
        assert!(matches!(io(&mut m), SessionIo::RecordAttempt { .. }));
        answer(&mut m, IoAnswer::Written(Ok(())));
        match m.poll_output() {
            Ok(Output::Transmit(t)) => {
                assert_eq!(t.request.uri(), "https://idp.example.com/token")
            }
            other => panic!("expected the refresh, got {other:?}"),
        }
        let fresh = r#"{"access_token":"new-at","token_type":"Bearer","expires_in":3600}"#;
        let response = http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(fresh.as_bytes().to_vec())
            .unwrap();
        m.handle_response(Instant::now(), NOW, response).unwrap();
        match io(&mut m) {
            SessionIo::WriteOAuth { entry, .. } => {
                assert_eq!(entry.tokens.access_token.expose(), "new-at");
                assert_eq!(
                    entry.tokens.refresh_token.as_ref().map(Secret::expose),
                    Some("old-rt"),
                    "the old refresh token is kept when none comes"
                );
            }
            other => panic!("expected the write, got {other:?}"),
        }
        answer(&mut m, IoAnswer::Written(Ok(())));
        assert_eq!(io(&mut m), SessionIo::Unlock(file(&login)));
        answer(&mut m, IoAnswer::Unlocked);
        assert_eq!(done(&mut m).unwrap().source, TokenSource::Refreshed);
    }

    #[test]
    fn a_provider_that_cannot_be_found_leaves_the_valid_token_with_a_warning() {
        let issuer = Issuer::parse("https://idp.example.com/realms/dev").unwrap();
        let login = OAuthLogin::new(ProviderSource::Issuer(issuer), "cli");
        let mut m = machine(&login, 600);
        io(&mut m);
        answer(
            &mut m,
            IoAnswer::OAuth(Ok(Lookup::Found(entry(&login, 60, true)))),
        );
        io(&mut m);
        answer(
            &mut m,
            IoAnswer::Lock(LockAnswer::Held { last_attempt: None }),
        );
        io(&mut m);
        answer(
            &mut m,
            IoAnswer::OAuth(Ok(Lookup::Found(entry(&login, 60, true)))),
        );
        io(&mut m);
        answer(&mut m, IoAnswer::Written(Ok(())));
        // Discovery: the metadata request fails for good.
        match m.poll_output() {
            Ok(Output::Transmit(t)) => assert!(
                t.request.uri().path().contains("/.well-known/"),
                "{}",
                t.request.uri()
            ),
            other => panic!("expected discovery, got {other:?}"),
        }
        m.handle_transport_error(
            Instant::now(),
            NOW,
            ssooidc_core::TransportError::new(ssooidc_core::TransportErrorKind::Connect, "refused"),
        )
        .unwrap();
        assert_eq!(io(&mut m), SessionIo::Unlock(file(&login)));
        answer(&mut m, IoAnswer::Unlocked);
        let got = done(&mut m).unwrap();
        assert!(
            matches!(got.source, TokenSource::RefreshFailed(_)),
            "{:?}",
            got.source
        );
        assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
    }

    #[test]
    fn without_a_refresh_token_a_short_token_is_used_with_a_warning() {
        let login = OAuthLogin::new(ProviderSource::Explicit(provider()), "cli");
        let mut m = machine(&login, 600);
        io(&mut m);
        answer(
            &mut m,
            IoAnswer::OAuth(Ok(Lookup::Found(entry(&login, 60, false)))),
        );
        io(&mut m);
        answer(
            &mut m,
            IoAnswer::Lock(LockAnswer::Held { last_attempt: None }),
        );
        io(&mut m);
        answer(
            &mut m,
            IoAnswer::OAuth(Ok(Lookup::Found(entry(&login, 60, false)))),
        );
        assert_eq!(io(&mut m), SessionIo::Unlock(file(&login)));
        answer(&mut m, IoAnswer::Unlocked);
        let got = done(&mut m).unwrap();
        assert_eq!(got.source, TokenSource::Cached);
        assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
    }
}

/// A refresh whose answer could not be written back, with the service's answer `body`: the
/// warning about the write.
fn unsaved_refresh_warning(body: &str) -> String {
    let mut m = token_machine();
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::minutes(5))))),
    );
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Lock(LockAnswer::Held { last_attempt: None }),
    );
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Token(Ok(Lookup::Found(token(time::Duration::minutes(5))))),
    );
    io(&mut m);
    answer(&mut m, IoAnswer::Written(Ok(())));
    m.poll_output().unwrap();
    m.handle_response(Instant::now(), NOW, ok(body)).unwrap();
    io(&mut m);
    answer(
        &mut m,
        IoAnswer::Written(Err(Disk("No space left on device"))),
    );
    io(&mut m);
    answer(&mut m, IoAnswer::Unlocked);
    let mut got = done(&mut m).unwrap();
    assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
    got.warnings.remove(0)
}

/// Issue 27: the warning of a refresh that could not be written says what will really happen.
#[test]
fn an_unsaved_refresh_says_what_happens_next() {
    // The service replaced the refresh token: the one left in the file is spent.
    let rotated = unsaved_refresh_warning(REFRESHED);
    assert!(
        rotated.contains("No space left on device")
            && rotated.contains("the refresh token the service has just replaced")
            && rotated.contains("until it expires at 2026-01-15T12:05:00Z")
            && rotated.contains("need a new login")
            && !rotated.contains("refreshes it again"),
        "{rotated}"
    );
    // No new refresh token: the one in the file still works.
    let kept = unsaved_refresh_warning(
        r#"{"accessToken":"new-at","expiresIn":3600,"tokenType":"Bearer"}"#,
    );
    assert!(
        kept.contains("the next command refreshes it again") && !kept.contains("replaced"),
        "{kept}"
    );
}
