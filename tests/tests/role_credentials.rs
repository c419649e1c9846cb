//! AWS credentials from the SSO session (`Sessions::role_credentials`), what it can reach
//! (`Sessions::accounts`, `Sessions::account_roles`) and logging out (`Sessions::logout`),
//! against the emulator's portal; each test in its own `HOME`.

use std::sync::{Arc, Barrier};

use ssooidc_core::cache::{
    format_timestamp, role_credentials_cache_key, CachedRoleCredentials, CachedToken,
};
use ssooidc_core::portal::ListAccounts;
use ssooidc_core::{CallError, ConfigError, ErrorCode, ServiceError};
use ssooidc_emulator::{Approval, PortalAccount, RunningEmulator, Target};
use ssooidc_tests::*;
use ssooidc_ureq::session::{CredentialsSource, SessionError, SessionSelector};
use ssooidc_ureq::Client;
use time::OffsetDateTime;

fn dev() -> SessionSelector {
    SessionSelector::Profile("dev".to_owned())
}

fn approving_emulator(config: ssooidc_emulator::Config) -> RunningEmulator {
    start(config.approval(Approval::ApproveAfterPolls(0)))
}

fn logged_in(label: &str, emu: &RunningEmulator) -> Home {
    let home = Home::with_standard_config(label, emu);
    home.sessions()
        .login(dev(), login_options(), |_| {})
        .expect("login");
    home
}

/// The role-credential file of `dev` (sso-session `my-sso`, 111122223333, ReadOnly).
fn dev_credentials_key() -> String {
    role_credentials_cache_key("111122223333", "ReadOnly", Some("my-sso"), START_URL)
}

/// Its file in `~/.aws/cli/cache`.
fn dev_credentials_file(home: &Home) -> std::path::PathBuf {
    home.cli_cache_dir()
        .join(format!("{}.json", dev_credentials_key()))
}

fn portal_requests(emu: &RunningEmulator) -> usize {
    requests_to(emu, Target::GetRoleCredentials).len()
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn credentials_after_a_login_then_from_the_cache_without_a_request() {
    let emu = approving_emulator(emulator_config());
    let home = logged_in("creds-cache", &emu);
    let token =
        CachedToken::from_json(&std::fs::read(home.cache_file(MY_SSO_TOKEN_KEY)).unwrap()).unwrap();

    let first = home
        .sessions()
        .role_credentials(dev())
        .expect("credentials");
    assert_eq!(first.source, CredentialsSource::Fetched);
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    assert_eq!(first.path, dev_credentials_file(&home));
    let sent = requests_to(&emu, Target::GetRoleCredentials);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].query.as_deref(),
        Some("role_name=ReadOnly&account_id=111122223333")
    );
    assert_eq!(
        sent[0].header("x-amz-sso_bearer_token"),
        Some(token.access_token.expose()),
        "the session's token"
    );

    // The file is the AWS CLI's, byte for byte, written as the token cache is.
    let c = &first.credentials;
    let text = std::fs::read_to_string(&first.path).unwrap();
    assert_eq!(
        text,
        format!(
            r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "{}", "SecretAccessKey": "{}", "SessionToken": "{}", "Expiration": "{}", "AccountId": "111122223333"}}}}"#,
            c.keys.access_key_id,
            c.keys.secret_access_key.expose(),
            c.keys.session_token.as_ref().unwrap().expose(),
            format_timestamp(c.expiration)
        )
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&first.path), 0o600);
        assert_eq!(mode(&home.cli_cache_dir()), 0o700);
    }

    let second = home.sessions().role_credentials(dev()).expect("cached");
    assert_eq!(second.source, CredentialsSource::Cached);
    assert_eq!(second.credentials, first.credentials);
    assert_eq!(portal_requests(&emu), 1, "a cache hit makes no request");
}

#[test]
fn an_entry_the_aws_cli_wrote_is_used_and_one_near_expiry_is_renewed() {
    let emu = approving_emulator(emulator_config());
    let home = logged_in("creds-renew", &emu);
    let path = dev_credentials_file(&home);
    let write = |from_now: time::Duration| {
        std::fs::create_dir_all(home.cli_cache_dir()).unwrap();
        home.write_cache_file(
            &path,
            format!(
                r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "ASIAFROMTHECLI", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "{}", "AccountId": "111122223333"}}}}"#,
                format_timestamp(OffsetDateTime::now_utc() + from_now)
            ),
        );
    };

    write(time::Duration::minutes(16));
    let got = home.sessions().role_credentials(dev()).unwrap();
    assert_eq!(got.source, CredentialsSource::Cached);
    assert_eq!(got.credentials.keys.access_key_id, "ASIAFROMTHECLI");
    assert_eq!(portal_requests(&emu), 0);

    // Inside botocore's 15-minute window: fetched again and written over.
    write(time::Duration::minutes(14));
    let got = home.sessions().role_credentials(dev()).unwrap();
    assert_eq!(got.source, CredentialsSource::Fetched);
    assert_ne!(got.credentials.keys.access_key_id, "ASIAFROMTHECLI");
    assert!(got.credentials.expiration > OffsetDateTime::now_utc() + time::Duration::minutes(59));
    assert_eq!(portal_requests(&emu), 1);
    let stored = CachedRoleCredentials::from_json(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(stored, got.credentials);
}

#[test]
fn short_lived_credentials_are_fetched_each_time() {
    // Ten minutes of life is inside the window at once.
    let emu = approving_emulator(emulator_config().role_credentials_lifetime(600));
    let home = logged_in("creds-short", &emu);
    for _ in 0..2 {
        let got = home.sessions().role_credentials(dev()).unwrap();
        assert_eq!(got.source, CredentialsSource::Fetched);
    }
    assert_eq!(portal_requests(&emu), 2);
}

#[test]
fn a_corrupt_entry_is_a_miss_with_a_warning() {
    let emu = approving_emulator(emulator_config());
    let home = logged_in("creds-corrupt", &emu);
    let path = dev_credentials_file(&home);
    std::fs::create_dir_all(home.cli_cache_dir()).unwrap();
    for garbage in [
        &b"{\"ProviderType\": \"sso\", \"Creden"[..],
        b"1700000000",
        b"\xff\xfe",
    ] {
        home.write_cache_file(&path, garbage);
        let got = home.sessions().role_credentials(dev()).expect("no crash");
        assert_eq!(got.source, CredentialsSource::Fetched);
        assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
        assert!(got.warnings[0].contains("ignoring unusable cached credentials"));
        assert!(CachedRoleCredentials::from_json(&std::fs::read(&path).unwrap()).is_ok());
    }
}

#[test]
fn concurrent_callers_fetch_once() {
    let emu = approving_emulator(emulator_config());
    let home = Arc::new(logged_in("creds-concurrent", &emu));
    let barrier = Arc::new(Barrier::new(6));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (home, barrier) = (Arc::clone(&home), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let sessions = home.sessions();
                barrier.wait();
                sessions.role_credentials(dev()).expect("credentials")
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(portal_requests(&emu), 1, "one fetch for all");
    let fetched = results
        .iter()
        .filter(|r| r.source == CredentialsSource::Fetched)
        .count();
    assert_eq!(fetched, 1);
    assert!(results
        .iter()
        .all(|r| r.credentials == results[0].credentials));
}

#[test]
fn the_token_is_refreshed_when_due_before_fetching() {
    let emu = approving_emulator(emulator_config());
    let home = logged_in("creds-refresh", &emu);
    let path = home.cache_file(MY_SSO_TOKEN_KEY);
    let mut token = CachedToken::from_json(&std::fs::read(&path).unwrap()).unwrap();
    token.expires_at = (OffsetDateTime::now_utc() + time::Duration::minutes(5)).into();
    home.write_cache_file(&path, token.to_json());
    emu.clear_requests();

    let got = home.sessions().role_credentials(dev()).unwrap();
    assert_eq!(got.source, CredentialsSource::Fetched);
    assert_eq!(token_requests(&emu, "refresh_token").len(), 1);
    let refreshed = CachedToken::from_json(&std::fs::read(&path).unwrap()).unwrap();
    assert_ne!(refreshed.access_token, token.access_token);
    let sent = requests_to(&emu, Target::GetRoleCredentials);
    assert_eq!(
        sent[0].header("x-amz-sso_bearer_token"),
        Some(refreshed.access_token.expose()),
        "the refreshed token"
    );
}

#[test]
fn an_expired_session_that_cannot_be_refreshed_asks_for_a_login_without_a_request() {
    let emu = approving_emulator(emulator_config());
    let home = Home::with_standard_config("creds-expired", &emu);
    // A legacy token (never refreshed) that expired a minute ago.
    std::fs::create_dir_all(home.cache_dir()).unwrap();
    home.write_cache_file(
        home.cache_file(LEGACY_TOKEN_KEY),
        format!(
            r#"{{"startUrl": "{START_URL}", "region": "us-east-1", "accessToken": "old", "expiresAt": "{}"}}"#,
            format_timestamp(OffsetDateTime::now_utc() - time::Duration::minutes(1))
        ),
    );
    let err = home
        .sessions()
        .role_credentials(SessionSelector::Profile("legacy".into()))
        .expect_err("expired");
    assert!(
        matches!(err, SessionError::Expired { ref session, .. } if session == "profile legacy"),
        "{err:?}"
    );
    assert!(
        emu.requests().is_empty(),
        "no request with an expired token"
    );
}

#[test]
fn a_token_the_portal_refuses_is_unauthorized() {
    let emu = approving_emulator(emulator_config());
    let home = logged_in("creds-refused", &emu);
    let token =
        CachedToken::from_json(&std::fs::read(home.cache_file(MY_SSO_TOKEN_KEY)).unwrap()).unwrap();
    // Logged out elsewhere: the cached token still looks valid.
    let portal = Client::portal(config_for(&emu), "us-east-1").unwrap();
    portal
        .logout(&ssooidc_core::portal::Logout::new(token.access_token))
        .unwrap();
    let err = home
        .sessions()
        .role_credentials(dev())
        .expect_err("refused");
    match err {
        SessionError::Unauthorized { session, source } => {
            assert_eq!(session, "sso-session my-sso");
            assert!(matches!(
                source,
                CallError::Service {
                    operation: "GetRoleCredentials",
                    error: ServiceError::Unauthorized { .. },
                    ..
                }
            ));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_profile_without_account_or_role_is_a_config_error() {
    let emu = approving_emulator(emulator_config());
    let home = Home::new("creds-norole", Some(&emu));
    home.write_config(&format!(
        "[profile half]\nsso_session = s\nsso_account_id = 111122223333\n\n[sso-session s]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
    ));
    let err = home
        .sessions()
        .role_credentials(SessionSelector::Profile("half".into()))
        .expect_err("no role");
    assert!(
        matches!(
            err,
            SessionError::Config(ConfigError::MissingKey {
                key: "sso_role_name",
                ..
            })
        ),
        "{err:?}"
    );
    // With the role given in code, the session's cache key is used.
    let sessions = home.sessions();
    let session = sessions
        .session(SessionSelector::Profile("half".into()))
        .unwrap()
        .with_role(None, Some("ReadOnly".into()));
    assert_eq!(
        session.role_credentials_key().unwrap(),
        role_credentials_cache_key("111122223333", "ReadOnly", Some("s"), START_URL)
    );
}

#[test]
fn accounts_and_roles_of_the_session_every_page() {
    let accounts = (1..=3)
        .map(|i| {
            PortalAccount::new(
                format!("00000000000{i}"),
                format!("Account {i}"),
                ["A", "B", "C"],
            )
        })
        .collect();
    let emu = approving_emulator(emulator_config().accounts(accounts).page_size(1));
    let home = logged_in("creds-lists", &emu);
    let listed = home.sessions().accounts(dev()).unwrap();
    assert!(listed.warnings.is_empty(), "{:?}", listed.warnings);
    let accounts = listed.items;
    let ids: Vec<_> = accounts
        .iter()
        .map(|a| a.account_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["000000000001", "000000000002", "000000000003"]);
    assert_eq!(
        requests_to(&emu, Target::ListAccounts).len(),
        3,
        "one page each"
    );
    let roles = home
        .sessions()
        .account_roles(dev(), "000000000002")
        .unwrap()
        .items;
    let names: Vec<_> = roles.iter().map(|r| r.role_name.clone().unwrap()).collect();
    assert_eq!(names, ["A", "B", "C"]);
    let err = home
        .sessions()
        .account_roles(dev(), "999999999999")
        .expect_err("not assigned");
    assert!(
        matches!(err, SessionError::Call(CallError::Service { ref error, .. }) if error.name() == "ForbiddenException"),
        "{err:?}"
    );
}

/// A `~/.aws/cli/cache` entry of another credential provider (assume-role), which logout keeps.
fn write_assume_role_entry(home: &Home) -> std::path::PathBuf {
    std::fs::create_dir_all(home.cli_cache_dir()).unwrap();
    let path = home.cli_cache_dir().join("0123456789abcdef.json");
    home.write_cache_file(
        &path,
        r#"{"Credentials": {"AccessKeyId": "ASIAASSUMED", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2030-01-01T00:00:00Z"}, "AssumedRoleUser": {}, "ProviderType": "assume-role"}"#,
    );
    path
}

#[test]
fn logout_calls_logout_and_clears_both_caches_keeping_registrations() {
    let emu = approving_emulator(emulator_config());
    let home = logged_in("logout-all", &emu);
    let token =
        CachedToken::from_json(&std::fs::read(home.cache_file(MY_SSO_TOKEN_KEY)).unwrap()).unwrap();
    let creds = home.sessions().role_credentials(dev()).unwrap();
    let other = write_assume_role_entry(&home);
    // A lock file of each cache that recorded a refresh attempt stays, and does not count.
    let mut lock = home
        .sessions()
        .cache
        .lock(MY_SSO_TOKEN_KEY, std::time::Duration::from_secs(1))
        .unwrap();
    lock.record_attempt(1_700_000_000).unwrap();
    drop(lock);

    let report = home.sessions().logout(None).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(report.logged_out, 1);
    assert_eq!(report.tokens_removed, [home.cache_file(MY_SSO_TOKEN_KEY)]);
    assert_eq!(
        report.credentials_removed,
        std::slice::from_ref(&creds.path)
    );
    let logouts = requests_to(&emu, Target::Logout);
    assert_eq!(logouts.len(), 1);
    assert_eq!(
        logouts[0].header("x-amz-sso_bearer_token"),
        Some(token.access_token.expose())
    );
    assert!(!home.cache_file(MY_SSO_TOKEN_KEY).exists());
    assert!(
        home.cache_file(MY_SSO_SCOPED_REGISTRATION_KEY).exists(),
        "the registration stays"
    );
    assert!(!creds.path.exists());
    assert!(other.exists(), "another provider's entry stays");

    // The portal ended the session: the old token is refused.
    let portal = Client::portal(config_for(&emu), "us-east-1").unwrap();
    let err = portal
        .list_accounts(&ListAccounts::new(token.access_token))
        .unwrap_err();
    assert!(matches!(
        err,
        CallError::Service {
            error: ServiceError::Unauthorized { .. },
            ..
        }
    ));
}

#[test]
fn a_failed_logout_call_does_not_stop_the_rest() {
    let emu = approving_emulator(emulator_config());
    let home = logged_in("logout-fails", &emu);
    home.sessions().role_credentials(dev()).unwrap();
    // A second session's token, and every Logout answered with a server error.
    home.write_cache_file(
        home.cache_file(LEGACY_TOKEN_KEY),
        format!(
            r#"{{"startUrl": "{START_URL}", "region": "us-east-1", "accessToken": "legacy", "expiresAt": "2030-01-01T00:00:00Z"}}"#
        ),
    );
    emu.inject(
        format!("Logout={}", ErrorCode::InternalServer.shape_name())
            .parse()
            .unwrap(),
    );
    let report = home.sessions().logout(None).unwrap();
    assert_eq!(report.logged_out, 0);
    assert_eq!(report.tokens_removed.len(), 2);
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("could not log out"),
        "{:?}",
        report.warnings
    );
    assert_eq!(report.credentials_removed.len(), 1);
    assert!(std::fs::read_dir(home.cli_cache_dir()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".json")));
}

#[test]
fn logout_of_one_session_leaves_the_others() {
    let emu = approving_emulator(emulator_config());
    let home = logged_in("logout-one", &emu);
    let creds = home.sessions().role_credentials(dev()).unwrap();
    home.write_cache_file(
        home.cache_file(LEGACY_TOKEN_KEY),
        format!(
            r#"{{"startUrl": "{START_URL}", "region": "us-east-1", "accessToken": "legacy", "expiresAt": "2030-01-01T00:00:00Z"}}"#
        ),
    );
    let report = home.sessions().logout(Some("my-sso")).unwrap();
    assert_eq!(report.tokens_removed, [home.cache_file(MY_SSO_TOKEN_KEY)]);
    assert_eq!(report.credentials_removed, [creds.path]);
    assert!(home.cache_file(LEGACY_TOKEN_KEY).exists());
}

#[test]
fn an_unusable_credentials_lock_still_gives_credentials_with_a_warning() {
    let emu = approving_emulator(emulator_config());
    let home = logged_in("creds-lock-dir", &emu);
    // A directory where the entry's lock file goes: the lock cannot be opened at all (not a
    // timeout). Credentials do not spend anything, so they are fetched without the lock.
    let lock = home
        .cli_cache_dir()
        .join(format!("{}.lock", dev_credentials_key()));
    std::fs::create_dir_all(&lock).unwrap();
    let got = home
        .sessions()
        .role_credentials(dev())
        .expect("credentials without the lock");
    assert_eq!(got.source, CredentialsSource::Fetched);
    assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
    assert!(
        got.warnings[0].contains("cannot lock the credentials cache"),
        "{:?}",
        got.warnings
    );
    assert_eq!(portal_requests(&emu), 1);
    // They were still cached (only the lock was unusable).
    let stored =
        CachedRoleCredentials::from_json(&std::fs::read(dev_credentials_file(&home)).unwrap())
            .unwrap();
    assert_eq!(stored, got.credentials);
}

#[test]
fn credentials_that_cannot_be_cached_are_returned_with_a_warning() {
    let emu = approving_emulator(emulator_config());
    let home = logged_in("creds-file-dir", &emu);
    // A directory where the entry goes: it is unusable (a miss, with a warning) and cannot be
    // written over; the credentials the portal just gave are not lost for that.
    let path = dev_credentials_file(&home);
    std::fs::create_dir_all(&path).unwrap();
    for round in 0..2 {
        let got = home
            .sessions()
            .role_credentials(dev())
            .expect("credentials that cannot be cached");
        assert_eq!(got.source, CredentialsSource::Fetched);
        assert_eq!(got.warnings.len(), 2, "{:?}", got.warnings);
        assert!(got.warnings[0].contains("ignoring unusable cached credentials"));
        assert!(
            got.warnings[1].contains("could not be cached"),
            "{:?}",
            got.warnings
        );
        assert!(got.credentials.keys.access_key_id.starts_with("ASIA"));
        assert_eq!(portal_requests(&emu), round + 1);
    }
    assert!(path.is_dir(), "nothing was written over it");
}

#[test]
fn cached_role_credentials_are_redacted_by_value() {
    let emu = approving_emulator(emulator_config());
    let home = logged_in("creds-by-value", &emu);
    std::fs::create_dir_all(home.cli_cache_dir()).unwrap();
    home.write_cache_file(
        dev_credentials_file(&home),
        format!(
            r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "ASIAFROMTHECLI", "SecretAccessKey": "cached-secret-key-by-value", "SessionToken": "cached-session-token-by-value", "Expiration": "{}", "AccountId": "111122223333"}}}}"#,
            format_timestamp(OffsetDateTime::now_utc() + time::Duration::minutes(30))
        ),
    );
    let got = home.sessions().role_credentials(dev()).unwrap();
    assert_eq!(got.source, CredentialsSource::Cached);
    assert_eq!(
        ssooidc_ureq::secrets::redact("cached-secret-key-by-value cached-session-token-by-value"),
        "<redacted> <redacted>"
    );
}
