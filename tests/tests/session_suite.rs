//! The session behaviour suite: one set of cases, run against the sessions of both adapters
//! (the blocking `ssooidc-ureq` and the async `ssooidc-async` over reqwest and tokio), which
//! drive the same session machines of the core over the same caches. Each case is a generic
//! function; each adapter gets one `#[test]` per case (the `suite!` macro at the end).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use ssooidc_core::cache::{role_credentials_cache_key, CachedToken};
use ssooidc_emulator::{Approval, RunningEmulator, Target};
use ssooidc_tests::*;
use ssooidc_ureq::session::{
    CredentialsSource, LogoutReport, SessionCredentials, SessionError, SessionSelector,
    SessionToken, TokenSource,
};
use ssooidc_ureq::store::SsoCache;
use time::OffsetDateTime;

/// What the suite asks of an adapter's sessions. Every method builds the adapter's `Sessions`
/// anew from `home`'s environment, as a program would, with `lock_wait` as its refresh lock wait.
trait Adapter {
    /// The name the cross-process probe knows the adapter by.
    const PROBE: &'static str;
    fn token(home: &Home, lock_wait: Duration) -> Result<SessionToken, SessionError>;
    fn credentials(home: &Home) -> Result<SessionCredentials, SessionError>;
    fn logout(home: &Home, sso_session: Option<&str>) -> Result<LogoutReport, SessionError>;
    /// `n` callers in this process at once (threads, or tasks of one runtime).
    fn tokens_at_once(home: &Home, n: usize) -> Vec<Result<SessionToken, SessionError>>;
    /// `n` callers of `login_once` at once (device login); `Ok(true)`: that caller logged in.
    fn logins_once_at_once(home: &Home, n: usize) -> Vec<Result<bool, SessionError>>;
}

const LOCK_WAIT: Duration = Duration::from_secs(30);

fn dev() -> SessionSelector {
    SessionSelector::Profile("dev".to_owned())
}

struct Blocking;

impl Adapter for Blocking {
    const PROBE: &'static str = "ureq";

    fn token(home: &Home, lock_wait: Duration) -> Result<SessionToken, SessionError> {
        let mut sessions = home.sessions();
        sessions.refresh_lock_wait = lock_wait;
        sessions.token(dev())
    }

    fn credentials(home: &Home) -> Result<SessionCredentials, SessionError> {
        home.sessions().role_credentials(dev())
    }

    fn logout(home: &Home, sso_session: Option<&str>) -> Result<LogoutReport, SessionError> {
        home.sessions().logout(sso_session)
    }

    fn tokens_at_once(home: &Home, n: usize) -> Vec<Result<SessionToken, SessionError>> {
        threads_at_once(home, n, |sessions| sessions.token(dev()))
    }

    fn logins_once_at_once(home: &Home, n: usize) -> Vec<Result<bool, SessionError>> {
        threads_at_once(home, n, |sessions| {
            sessions
                .login_once(dev(), login_options(), |_| {})
                .map(|r| r.is_some())
        })
    }
}

/// `call` on `n` threads at once, each with its own blocking `Sessions`.
fn threads_at_once<T: Send + 'static>(
    home: &Home,
    n: usize,
    call: fn(ssooidc_ureq::session::Sessions) -> T,
) -> Vec<T> {
    let barrier = Arc::new(std::sync::Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let sessions = home.sessions();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                call(sessions)
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("a caller panicked"))
        .collect()
}

struct Async;

type AsyncSessions = ssooidc_async::session::Sessions<reqwest::Client, ssooidc_async::TokioTimer>;

fn async_sessions(home: &Home) -> AsyncSessions {
    let http = ssooidc_async::reqwest_client_builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("reqwest client");
    AsyncSessions::from_env_map(&home.env, http, ssooidc_async::TokioTimer).expect("sessions")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

impl Adapter for Async {
    const PROBE: &'static str = "async";

    fn token(home: &Home, lock_wait: Duration) -> Result<SessionToken, SessionError> {
        let mut sessions = async_sessions(home);
        sessions.refresh_lock_wait = lock_wait;
        runtime().block_on(sessions.token(dev()))
    }

    fn credentials(home: &Home) -> Result<SessionCredentials, SessionError> {
        runtime().block_on(async_sessions(home).role_credentials(dev()))
    }

    fn logout(home: &Home, sso_session: Option<&str>) -> Result<LogoutReport, SessionError> {
        runtime().block_on(async_sessions(home).logout(sso_session))
    }

    /// `n` tasks on one thread: a wait for the lock must yield to the others, or the task
    /// holding it could never finish.
    fn tokens_at_once(home: &Home, n: usize) -> Vec<Result<SessionToken, SessionError>> {
        tasks_at_once(
            home,
            n,
            |sessions| async move { sessions.token(dev()).await },
        )
    }

    /// `n` tasks on one thread: the wait for the login lock must yield to the one logging in.
    fn logins_once_at_once(home: &Home, n: usize) -> Vec<Result<bool, SessionError>> {
        tasks_at_once(home, n, |sessions| async move {
            sessions
                .login_once(
                    dev(),
                    login_options(),
                    None::<ssooidc_async::TokioCallbackListener>,
                    |_| {},
                )
                .await
                .map(|r| r.is_some())
        })
    }
}

/// `call` in `n` tasks on one thread, each with a clone of one async `Sessions`.
fn tasks_at_once<T: 'static, F: std::future::Future<Output = T> + 'static>(
    home: &Home,
    n: usize,
    call: fn(AsyncSessions) -> F,
) -> Vec<T> {
    let sessions = async_sessions(home);
    runtime().block_on(async {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let tasks: Vec<_> = (0..n)
                    .map(|_| tokio::task::spawn_local(call(sessions.clone())))
                    .collect();
                let mut results = Vec::new();
                for task in tasks {
                    results.push(task.await.expect("a task panicked"));
                }
                results
            })
            .await
    })
}

fn approving_emulator() -> RunningEmulator {
    start(emulator_config().approval(Approval::ApproveAfterPolls(1)))
}

/// A home with the standard config, logged in (by the blocking adapter: logging in is not
/// what these cases test), the requests of the login forgotten.
fn logged_in(label: &str, emu: &RunningEmulator) -> Home {
    let home = Home::with_standard_config(label, emu);
    home.sessions()
        .login(dev(), login_options(), |_| {})
        .expect("login");
    emu.clear_requests();
    home
}

fn token_file(home: &Home) -> PathBuf {
    home.cache_file(MY_SSO_TOKEN_KEY)
}

fn read_token(home: &Home) -> CachedToken {
    CachedToken::from_json(&std::fs::read(token_file(home)).expect("token file")).expect("token")
}

/// Sets the cached token to expire `from_now` from now; returns it as the file holds it.
fn expire_in(home: &Home, from_now: time::Duration) -> CachedToken {
    let mut token = read_token(home);
    token.expires_at = (OffsetDateTime::now_utc() + from_now).into();
    std::fs::write(token_file(home), token.to_json()).expect("write token");
    read_token(home)
}

fn refreshes(emu: &RunningEmulator) -> usize {
    token_requests(emu, "refresh_token").len()
}

// ---- the cases -------------------------------------------------------------------------------

/// Ten callers that need a login at once (no session yet): one logs in, the others use its
/// token; a denied login fails them all with no second login.
fn login_once_logs_in_once_for_everyone<A: Adapter>() {
    let emu = approving_emulator();
    let home = Home::with_standard_config(&format!("suite-once-{}", A::PROBE), &emu);
    let results = A::logins_once_at_once(&home, 10);
    let logged_in = results.iter().filter(|r| matches!(r, Ok(true))).count();
    assert_eq!(logged_in, 1, "{results:?}");
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(requests_to(&emu, Target::StartDeviceAuthorization).len(), 1);
    A::token(&home, LOCK_WAIT).expect("the login's token");

    let denying = start(emulator_config().approval(Approval::DenyAfterPolls(1)));
    let home = Home::with_standard_config(&format!("suite-once-denied-{}", A::PROBE), &denying);
    let results = A::logins_once_at_once(&home, 10);
    assert!(results.iter().all(Result::is_err), "{results:?}");
    let elsewhere = results
        .iter()
        .filter(|r| matches!(r, Err(SessionError::LoginFailedElsewhere { .. })))
        .count();
    assert_eq!(elsewhere, 9, "{results:?}");
    assert_eq!(
        requests_to(&denying, Target::StartDeviceAuthorization).len(),
        1
    );
}

/// A token with more than 15 minutes left: no request, and no lock (another process holding
/// the session's lock does not delay or warn).
fn cache_hit_makes_no_request_and_takes_no_lock<A: Adapter>() {
    let emu = approving_emulator();
    let home = logged_in(&format!("suite-hit-{}", A::PROBE), &emu);
    let cached = read_token(&home);
    let _held = SsoCache::new(home.cache_dir())
        .lock(MY_SSO_TOKEN_KEY, Duration::from_secs(1))
        .expect("hold the session's lock");
    let got = A::token(&home, Duration::from_millis(200)).expect("token");
    assert_eq!(got.source, TokenSource::Cached);
    assert_eq!(got.token, cached);
    assert!(got.warnings.is_empty(), "{:?}", got.warnings);
    assert_eq!(got.path, token_file(&home));
    assert!(emu.requests().is_empty(), "{:?}", emu.requests());
}

/// A cache hit resolves no endpoint: with endpoints that would be refused (plain HTTP to a host
/// that is not loopback), the cached token and credentials are still given; only a request
/// would need them.
fn a_cache_hit_resolves_no_endpoint<A: Adapter>() {
    let emu = approving_emulator();
    let mut home = logged_in(&format!("suite-noresolve-{}", A::PROBE), &emu);
    A::credentials(&home).expect("credentials cached");
    for service in ["AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SSO"] {
        home.env
            .insert(service.to_owned(), "http://sso.example.com".to_owned());
    }
    assert_eq!(
        A::token(&home, LOCK_WAIT).expect("token").source,
        TokenSource::Cached
    );
    assert_eq!(
        A::credentials(&home).expect("credentials").source,
        CredentialsSource::Cached
    );
    // A refresh needs the endpoint: now it is refused.
    expire_in(&home, time::Duration::minutes(5));
    assert!(matches!(
        A::token(&home, LOCK_WAIT),
        Err(SessionError::Config(_))
    ));
}

/// Inside the refresh window: one refresh, written back as the AWS CLI writes it.
fn refresh_inside_the_window<A: Adapter>() {
    let emu = approving_emulator();
    let home = logged_in(&format!("suite-refresh-{}", A::PROBE), &emu);
    let old = expire_in(&home, time::Duration::minutes(5));
    let got = A::token(&home, LOCK_WAIT).expect("token");
    assert_eq!(got.source, TokenSource::Refreshed);
    assert_ne!(got.token.access_token, old.access_token);
    assert_eq!(refreshes(&emu), 1);
    assert_eq!(
        read_token(&home),
        got.token,
        "the refreshed token is in the file"
    );
    assert!(got.warnings.is_empty(), "{:?}", got.warnings);
}

/// Twenty callers in one process (threads, or tasks on one thread) needing a refresh at once:
/// one refresh request; all get the refreshed token.
fn twenty_callers_at_once_refresh_once<A: Adapter>() {
    let emu = approving_emulator();
    let home = logged_in(&format!("suite-twenty-{}", A::PROBE), &emu);
    expire_in(&home, time::Duration::minutes(5));
    let results = A::tokens_at_once(&home, 20);
    let tokens: Vec<SessionToken> = results
        .into_iter()
        .map(|r| r.expect("every caller gets a token"))
        .collect();
    assert_eq!(refreshes(&emu), 1, "one refresh for twenty callers");
    let fresh = read_token(&home);
    for t in &tokens {
        assert_eq!(t.token.access_token, fresh.access_token);
    }
    assert_eq!(
        tokens
            .iter()
            .filter(|t| t.source == TokenSource::Refreshed)
            .count(),
        1
    );
}

/// Twenty processes needing a refresh at once (the `token_probe` binary on this adapter): one
/// refresh request.
fn twenty_processes_at_once_refresh_once<A: Adapter>() {
    let emu = approving_emulator();
    let home = logged_in(&format!("suite-procs-{}", A::PROBE), &emu);
    expire_in(&home, time::Duration::minutes(5));
    let barrier = home.path().join("go");
    let mut children: Vec<_> = (0..20)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_token_probe"))
                .args(["token", "dev"])
                .env_clear()
                .envs(&home.env)
                .env("PROBE_ADAPTER", A::PROBE)
                .env("PROBE_BARRIER", &barrier)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("spawn a probe")
        })
        .collect();
    // Every probe is up and waiting before the barrier opens.
    for child in &mut children {
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("read the probe");
        assert_eq!(line.trim(), "ready");
    }
    std::fs::write(&barrier, b"").expect("open the barrier");
    let fresh_outputs: Vec<String> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("probe output");
            assert!(out.status.success(), "{out:?}");
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect();
    assert_eq!(refreshes(&emu), 1, "one refresh for twenty processes");
    let fresh = read_token(&home);
    for out in fresh_outputs {
        assert!(
            out.contains(&format!("token={}", fresh.access_token.expose())),
            "{out}"
        );
    }
}

/// A refresh the service refuses while the token is still valid: the cached token, with a
/// warning; the file untouched.
fn a_failed_refresh_falls_back_to_the_cached_token<A: Adapter>() {
    let emu = approving_emulator();
    let home = logged_in(&format!("suite-fallback-{}", A::PROBE), &emu);
    let cached = expire_in(&home, time::Duration::minutes(5));
    let before = std::fs::read(token_file(&home)).unwrap();
    emu.inject("CreateToken=InvalidGrantException".parse().unwrap());
    let got = A::token(&home, LOCK_WAIT).expect("the cached token");
    assert!(
        matches!(&got.source, TokenSource::RefreshFailed(why) if why.contains("InvalidGrantException")),
        "{:?}",
        got.source
    );
    assert_eq!(got.token, cached);
    assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
    assert_eq!(std::fs::read(token_file(&home)).unwrap(), before);
}

/// A cache whose lock cannot be had at all: read-only (checked when not running as root, which
/// writes anyway), or whose lock file is not a file. A valid token inside the window is used as
/// cached, with a warning, and nothing is refreshed (a refreshed token could not be written
/// back).
fn a_cache_that_cannot_be_locked_gives_the_valid_token_without_refreshing<A: Adapter>() {
    let emu = approving_emulator();
    let home = logged_in(&format!("suite-readonly-{}", A::PROBE), &emu);
    let cached = expire_in(&home, time::Duration::minutes(5));
    let lock = home.cache_dir().join(format!("{MY_SSO_TOKEN_KEY}.lock"));
    let _ = std::fs::remove_file(&lock);
    let check = |got: Result<SessionToken, SessionError>| {
        let got = got.expect("the cached token");
        assert_eq!(got.source, TokenSource::Cached);
        assert_eq!(got.token, cached);
        assert!(
            got.warnings
                .iter()
                .any(|w| w.contains("cannot lock the session cache")),
            "{:?}",
            got.warnings
        );
        assert_eq!(refreshes(&emu), 0);
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = home.cache_dir();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
        let writable = std::fs::write(dir.join("probe"), b"").is_ok();
        let got = (!writable).then(|| A::token(&home, LOCK_WAIT));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let _ = std::fs::remove_file(dir.join("probe"));
        if let Some(got) = got {
            check(got);
        }
    }
    std::fs::create_dir(&lock).unwrap();
    check(A::token(&home, LOCK_WAIT));
}

/// A corrupt token file: not logged in, with the file named and kept.
fn a_corrupt_cache_file_is_not_logged_in<A: Adapter>() {
    let emu = approving_emulator();
    let home = Home::with_standard_config(&format!("suite-corrupt-{}", A::PROBE), &emu);
    home.write_cache_file(token_file(&home), b"{\"accessToken\": ");
    match A::token(&home, LOCK_WAIT) {
        Err(SessionError::NotLoggedIn {
            reason: Some(reason),
            ..
        }) => assert!(reason.contains("is unusable"), "{reason}"),
        other => panic!("expected NotLoggedIn with a reason, got {other:?}"),
    }
    assert!(token_file(&home).exists(), "the file is left in place");
    assert!(emu.requests().is_empty());
}

/// An expired token whose registration the service rejects at the refresh
/// (`InvalidClientException`): expired, saying why; the file untouched.
fn a_rejected_registration_is_an_expired_session<A: Adapter>() {
    let emu = approving_emulator();
    let home = logged_in(&format!("suite-rejected-{}", A::PROBE), &emu);
    expire_in(&home, -time::Duration::minutes(1));
    let before = std::fs::read(token_file(&home)).unwrap();
    emu.inject("CreateToken=InvalidClientException".parse().unwrap());
    match A::token(&home, LOCK_WAIT) {
        Err(SessionError::Expired { source, .. }) => {
            assert!(source.to_string().contains("InvalidClient"), "{source}")
        }
        other => panic!("expected Expired, got {other:?}"),
    }
    assert_eq!(std::fs::read(token_file(&home)).unwrap(), before);
}

/// Role credentials: fetched once, cached under the AWS CLI's key, then read from there.
fn role_credentials_are_cached_under_the_aws_cli_key<A: Adapter>() {
    let emu = approving_emulator();
    let home = logged_in(&format!("suite-creds-{}", A::PROBE), &emu);
    let key = role_credentials_cache_key("111122223333", "ReadOnly", Some("my-sso"), START_URL);
    let file = home.cli_cache_dir().join(format!("{key}.json"));
    let first = A::credentials(&home).expect("credentials");
    assert_eq!(first.source, CredentialsSource::Fetched);
    assert_eq!(first.path, file);
    assert!(file.exists());
    let again = A::credentials(&home).expect("credentials again");
    assert_eq!(again.source, CredentialsSource::Cached);
    assert_eq!(
        again.credentials.keys.access_key_id,
        first.credentials.keys.access_key_id
    );
    assert_eq!(requests_to(&emu, Target::GetRoleCredentials).len(), 1);
}

/// Logout: the portal's `Logout`, the token and the role credentials deleted.
fn logout_clears_the_token_and_the_credentials<A: Adapter>() {
    let emu = approving_emulator();
    let home = logged_in(&format!("suite-logout-{}", A::PROBE), &emu);
    let creds = A::credentials(&home).expect("credentials");
    let report = A::logout(&home, None).expect("logout");
    assert_eq!(report.logged_out, 1);
    assert_eq!(report.tokens_removed, [token_file(&home)]);
    assert_eq!(
        report.credentials_removed,
        std::slice::from_ref(&creds.path)
    );
    assert!(!token_file(&home).exists() && !creds.path.exists());
    assert_eq!(requests_to(&emu, Target::Logout).len(), 1);
    assert!(matches!(
        A::token(&home, LOCK_WAIT),
        Err(SessionError::NotLoggedIn { reason: None, .. })
    ));
}

macro_rules! suite {
    ($module:ident, $adapter:ty) => {
        mod $module {
            use super::*;

            #[test]
            fn cache_hit_makes_no_request_and_takes_no_lock() {
                super::cache_hit_makes_no_request_and_takes_no_lock::<$adapter>();
            }
            #[test]
            fn a_cache_hit_resolves_no_endpoint() {
                super::a_cache_hit_resolves_no_endpoint::<$adapter>();
            }
            #[test]
            fn refresh_inside_the_window() {
                super::refresh_inside_the_window::<$adapter>();
            }
            #[test]
            fn twenty_callers_at_once_refresh_once() {
                super::twenty_callers_at_once_refresh_once::<$adapter>();
            }
            #[test]
            fn twenty_processes_at_once_refresh_once() {
                super::twenty_processes_at_once_refresh_once::<$adapter>();
            }
            #[test]
            fn a_failed_refresh_falls_back_to_the_cached_token() {
                super::a_failed_refresh_falls_back_to_the_cached_token::<$adapter>();
            }
            #[test]
            fn a_cache_that_cannot_be_locked_gives_the_valid_token_without_refreshing() {
                super::a_cache_that_cannot_be_locked_gives_the_valid_token_without_refreshing::<
                    $adapter,
                >();
            }
            #[test]
            fn a_corrupt_cache_file_is_not_logged_in() {
                super::a_corrupt_cache_file_is_not_logged_in::<$adapter>();
            }
            #[test]
            fn a_rejected_registration_is_an_expired_session() {
                super::a_rejected_registration_is_an_expired_session::<$adapter>();
            }
            #[test]
            fn role_credentials_are_cached_under_the_aws_cli_key() {
                super::role_credentials_are_cached_under_the_aws_cli_key::<$adapter>();
            }
            #[test]
            fn login_once_logs_in_once_for_everyone() {
                super::login_once_logs_in_once_for_everyone::<$adapter>();
            }
            #[test]
            fn logout_clears_the_token_and_the_credentials() {
                super::logout_clears_the_token_and_the_credentials::<$adapter>();
            }
        }
    };
}

suite!(blocking, Blocking);
suite!(async_adapter, Async);

/// The async sessions' futures are `Send` with a `Send` transport and timer, so that a
/// multi-threaded runtime can spawn them (a compile-time check: nothing is polled).
#[test]
fn the_async_session_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let emu = approving_emulator();
    let home = Home::with_standard_config("suite-send", &emu);
    let sessions = async_sessions(&home);
    send(&sessions.token(dev()));
    send(&sessions.role_credentials(dev()));
    send(&sessions.accounts(dev()));
    send(&sessions.account_roles(dev(), "111122223333"));
    send(&sessions.logout(None));
    send(&sessions.login(
        dev(),
        login_options(),
        None::<ssooidc_async::TokioCallbackListener>,
        |_| {},
    ));
}
