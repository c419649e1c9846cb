//! The browser login (authorization code with PKCE) of the ureq adapter end to end: the
//! emulator as the service, a scripted browser (load the authorize URL, follow the redirect to
//! the loopback listener), and the AWS CLI's caches in a temporary HOME.

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use ssooidc_core::authcode::{s256_challenge, AuthCodeError};
use ssooidc_core::cache::CachedToken;
use ssooidc_core::registration::Registration;
use ssooidc_core::sessions::LoginFlow;
use ssooidc_emulator::browser::{self, Page};
use ssooidc_emulator::{Approval, RunningEmulator, Target};
use ssooidc_tests::*;
use ssooidc_ureq::session::{LoginResult, SessionError, SessionSelector, TokenSource};
use ssooidc_ureq::{CancelToken, Event, LoginError, LoginOptions};
use time::OffsetDateTime;

fn dev() -> SessionSelector {
    SessionSelector::Profile("dev".to_owned())
}

/// An emulator whose `/authorize` approves at once (and device codes at the first poll).
fn approving() -> RunningEmulator {
    start(emulator_config().approval(Approval::ApproveAfterPolls(0)))
}

fn login_with<T: Send + 'static>(
    home: &Home,
    options: LoginOptions,
    browser: &mut Browser<T>,
) -> Result<LoginResult, SessionError> {
    home.sessions()
        .login(dev(), options, |event| browser.on_event(event))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `*.json` file of the cache directory with its bytes.
fn snapshot(home: &Home) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(home.cache_dir())
        .map(|rd| {
            rd.map(|e| e.unwrap())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        read(&e.path()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn authorization_code_requests(emu: &RunningEmulator) -> usize {
    token_requests(emu, "authorization_code").len()
}

fn registration(home: &Home) -> Registration {
    Registration::from_json(&read(&home.cache_file(MY_SSO_SCOPED_REGISTRATION_KEY))).unwrap()
}

#[test]
fn a_browser_login_writes_the_aws_cli_caches() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-ok", &emu);
    let mut browser = Browser::following();
    let result = login_with(&home, browser_login_options(), &mut browser).expect("login");
    let visit = browser.finish().expect("the browser ran");
    assert_eq!(result.flow, Some(LoginFlow::AuthorizationCode));

    // The browser: a redirect from /authorize, then the listener's page.
    assert_eq!(visit.authorize.status, 302);
    let callback = visit.callback.expect("the redirect was followed");
    assert_eq!(callback.status, 200);
    assert!(
        callback.body.contains("Login approved"),
        "{}",
        callback.body
    );
    assert!(callback.body.contains("Return to the terminal"));

    // RegisterClient for a PKCE client; CreateToken with the port and the verifier.
    let register = requests_to(&emu, Target::RegisterClient);
    assert_eq!(register.len(), 1);
    let body = register[0].body_json().unwrap();
    assert_eq!(
        body["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        body["redirectUris"],
        serde_json::json!(["http://127.0.0.1/oauth/callback"])
    );
    assert_eq!(body["issuerUrl"], START_URL);
    assert_eq!(body["scopes"], serde_json::json!(["sso:account:access"]));
    let url = &browser.urls[0];
    let base = callback_base(url);
    let exchange = token_requests(&emu, "authorization_code");
    assert_eq!(exchange.len(), 1);
    let body = exchange[0].body_json().unwrap();
    assert_eq!(body["redirectUri"], format!("{base}/oauth/callback"));
    let verifier = body["codeVerifier"].as_str().unwrap();
    assert_eq!(verifier.len(), 64);
    assert!(url.ends_with(&format!("&code_challenge={}", s256_challenge(verifier))));

    // The caches, as the AWS CLI writes them for this flow.
    let registration = registration(&home);
    assert!(registration.is_authorization_code());
    assert_eq!(
        registration.scopes,
        Some(vec!["sso:account:access".to_owned()])
    );
    assert_eq!(
        result.registration_path.as_deref(),
        Some(home.cache_file(MY_SSO_SCOPED_REGISTRATION_KEY).as_path())
    );
    let text = String::from_utf8(read(&home.cache_file(MY_SSO_SCOPED_REGISTRATION_KEY))).unwrap();
    assert!(
        text.ends_with(r#", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}"#),
        "{text}"
    );
    let token = CachedToken::from_json(&read(&home.cache_file(MY_SSO_TOKEN_KEY))).unwrap();
    assert_eq!(token, result.token);
    assert_eq!(token.start_url.as_deref(), Some(START_URL));
    assert_eq!(token.region.as_deref(), Some("us-east-1"));
    assert_eq!(
        token.client_id.as_deref(),
        Some(registration.client_id.as_str())
    );
    assert_eq!(token.registration_expires_at, Some(registration.expires_at));
    assert!(
        token.refresh_token.is_some(),
        "a scoped PKCE client gets a refresh token"
    );
    // One line, the AWS CLI's separators and member order.
    let text = String::from_utf8(read(&home.cache_file(MY_SSO_TOKEN_KEY))).unwrap();
    let at = |member: &str| {
        text.find(&format!("\"{member}\": "))
            .unwrap_or_else(|| panic!("{member} in {text}"))
    };
    let order = [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    ]
    .map(at);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(
        !text.contains('\n') && text.starts_with("{\"startUrl\": "),
        "{text}"
    );

    // The listener is gone.
    let port = base.rsplit(':').next().unwrap();
    assert!(TcpStream::connect(format!("127.0.0.1:{port}")).is_err());
}

#[test]
fn the_token_of_a_browser_login_is_refreshed_like_any_other() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-refresh", &emu);
    login_with(&home, browser_login_options(), &mut Browser::following()).expect("login");
    let path = home.cache_file(MY_SSO_TOKEN_KEY);
    let mut token = CachedToken::from_json(&read(&path)).unwrap();
    token.expires_at = (OffsetDateTime::now_utc() + time::Duration::minutes(5)).into();
    std::fs::write(&path, token.to_json()).unwrap();
    let refreshed = home.sessions().token(dev()).expect("a token");
    assert_eq!(refreshed.source, TokenSource::Refreshed);
    assert_ne!(refreshed.token.access_token, token.access_token);
    assert_eq!(token_requests(&emu, "refresh_token").len(), 1);
}

#[test]
fn a_denied_login_is_a_typed_refusal_and_writes_no_token() {
    let emu = start(emulator_config().approval(Approval::DenyAfterPolls(0)));
    let home = Home::with_standard_config("pkce-denied", &emu);
    let mut browser = Browser::following();
    let error = login_with(&home, browser_login_options(), &mut browser).unwrap_err();
    let SessionError::Login(LoginError::AuthCode(AuthCodeError::Refused(refused))) = error else {
        panic!("a refusal: {error:?}")
    };
    assert!(refused.is_access_denied(), "{refused}");
    let page = browser.finish().unwrap().callback.unwrap();
    assert!(page.body.contains("Login failed"), "{}", page.body);
    assert!(page.body.contains("access_denied"));
    assert_eq!(authorization_code_requests(&emu), 0);
    assert!(!home.cache_file(MY_SSO_TOKEN_KEY).exists());
}

/// A browser that loads the authorize URL and goes back to the listener with another state.
fn forging(url: &str) -> Page {
    let authorize = browser::get(url).unwrap();
    let location = authorize.location.clone().expect("a redirect");
    let (before, after) = location.split_once("state=").unwrap();
    let rest = after.split_once('&').map_or("", |(_, rest)| rest);
    let forged = format!("{before}state=00000000-0000-4000-8000-000000000000&{rest}");
    browser::get(forged.trim_end_matches('&')).unwrap()
}

#[test]
fn a_forged_state_sends_no_token_request_and_writes_nothing() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-forged", &emu);
    login_with(&home, browser_login_options(), &mut Browser::following()).expect("first login");
    let before = snapshot(&home);
    assert_eq!(before.len(), 2);
    emu.clear_requests();

    let mut browser = Browser::new(forging);
    let error = login_with(&home, browser_login_options(), &mut browser).unwrap_err();
    assert!(
        matches!(
            error,
            SessionError::Login(LoginError::AuthCode(AuthCodeError::StateMismatch))
        ),
        "{error:?}"
    );
    let page = browser.finish().unwrap();
    assert!(page.body.contains("Login failed"), "{}", page.body);
    assert!(page.body.contains("does not belong"), "{}", page.body);
    assert_eq!(authorization_code_requests(&emu), 0, "no token request");
    assert_eq!(
        requests_to(&emu, Target::RegisterClient).len(),
        0,
        "the registration was reused"
    );
    assert_eq!(snapshot(&home), before, "caches byte-identical");
}

#[test]
fn a_favicon_request_first_changes_nothing() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-favicon", &emu);
    let mut browser = Browser::new(|url: &str| {
        let favicon = browser::get(&format!("{}/favicon.ico", callback_base(url))).unwrap();
        (favicon, follow(url))
    });
    login_with(&home, browser_login_options(), &mut browser).expect("login");
    let (favicon, visit) = browser.finish().unwrap();
    assert_eq!(favicon.status, 404);
    assert!(favicon.body.contains("Return to the terminal"));
    assert!(visit.callback.unwrap().body.contains("Login approved"));
}

#[test]
fn slow_and_garbage_connections_do_not_hold_up_the_real_callback() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-slow", &emu);
    // More idle connections than the listener serves at once, one that sends half a request
    // and stops, one that sends garbage without ever ending a head, a POST; then the browser.
    // The wait for the browser (6 s) is shorter than a connection's head timeout (10 s): had
    // any of them held up the callback, the login would have ended at its deadline.
    let mut browser = Browser::new(|url: &str| {
        let base = callback_base(url);
        let addr = base.trim_start_matches("http://").to_owned();
        let mut held = Vec::new();
        for _ in 0..20 {
            held.push(TcpStream::connect(&addr).unwrap());
        }
        let mut half = TcpStream::connect(&addr).unwrap();
        half.write_all(b"GET /oauth/callback?code=").unwrap();
        held.push(half);
        let mut garbage = TcpStream::connect(&addr).unwrap();
        garbage
            .write_all(&[0x16, 0x03, 0x01, 0xff, 0x00, b'\n', b'x'])
            .unwrap();
        held.push(garbage);
        let post = browser::send_raw(
            &base,
            b"POST /oauth/callback?code=c&state=s HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        let visit = follow(url);
        (post, visit, held)
    });
    let started = Instant::now();
    let result = login_with(&home, browser_login_options(), &mut browser);
    let elapsed = started.elapsed();
    result.expect("login");
    let (post, visit, held) = browser.finish().unwrap();
    drop(held);
    assert_eq!(post.status, 405);
    assert!(visit.callback.unwrap().body.contains("Login approved"));
    assert!(
        elapsed < Duration::from_secs(6),
        "did not wait for a timeout: {elapsed:?}"
    );
}

#[test]
fn without_a_browser_the_login_gives_up_at_its_deadline() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-deadline", &emu);
    let options = LoginOptions::default()
        .auth_code(auth_code_config().callback_timeout(30))
        .seed(7);
    let mut seen = Vec::new();
    let started = Instant::now();
    let error = home
        .sessions()
        .login(dev(), options, |e| seen.push(e.clone()))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            error,
            SessionError::Login(LoginError::AuthCode(AuthCodeError::DeadlineReached))
        ),
        "{error:?}"
    );
    // 30 protocol seconds of 10 ms.
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    let Some(Event::Authorize(request)) = seen.iter().find(|e| matches!(e, Event::Authorize(_)))
    else {
        panic!("{seen:?}")
    };
    assert!(Instant::now() >= request.expires_at);
    assert!(!home.cache_file(MY_SSO_TOKEN_KEY).exists());
    assert_eq!(authorization_code_requests(&emu), 0);
}

#[test]
fn a_cancel_ends_the_wait_at_once_and_writes_nothing() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-cancel", &emu);
    login_with(&home, browser_login_options(), &mut Browser::following()).expect("first login");
    // An unusable registration, so that the second login registers again: the new
    // registration must not be written either.
    let path = home.cache_file(MY_SSO_SCOPED_REGISTRATION_KEY);
    let mut stale = registration(&home);
    stale.expires_at = OffsetDateTime::now_utc().into();
    std::fs::write(&path, stale.to_json()).unwrap();
    let before = snapshot(&home);

    let cancel = CancelToken::new();
    let options = browser_login_options().cancel(cancel.clone());
    let mut browser = Browser::new(move |url: &str| {
        // A person who closes the tab; then Ctrl-C, or a button in the embedding tool.
        std::thread::sleep(Duration::from_millis(50));
        cancel.cancel();
        callback_base(url)
    });
    let started = Instant::now();
    let error = login_with(&home, options, &mut browser).unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(error, SessionError::Login(LoginError::Cancelled)),
        "{error:?}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "at once, not at the deadline: {elapsed:?}"
    );
    assert_eq!(
        requests_to(&emu, Target::RegisterClient).len(),
        2,
        "it did register"
    );
    assert_eq!(snapshot(&home), before, "caches byte-identical");
    let base = browser.finish().unwrap();
    let port = base.rsplit(':').next().unwrap();
    assert!(
        TcpStream::connect(format!("127.0.0.1:{port}")).is_err(),
        "listener closed"
    );
}

#[test]
fn a_second_login_reuses_the_pkce_registration() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-reuse", &emu);
    let mut first = Browser::following();
    let one = login_with(&home, browser_login_options(), &mut first).expect("first");
    let mut second = Browser::following();
    let two = login_with(&home, browser_login_options(), &mut second).expect("second");
    assert_eq!(requests_to(&emu, Target::RegisterClient).len(), 1);
    assert!(two.registration_path.is_none(), "nothing new to write");
    assert_eq!(one.token.client_id, two.token.client_id);
    assert_ne!(one.token.access_token, two.token.access_token);
    let client_id = one.token.client_id.unwrap();
    assert!(second.urls[0].contains(&format!("&client_id={client_id}&")));
    assert_ne!(
        callback_base(&first.urls[0]),
        callback_base(&second.urls[0]),
        "a new ephemeral port"
    );
}

#[test]
fn switching_logins_overwrites_the_registration_as_the_aws_cli_does() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-switch", &emu);
    let pkce = login_with(&home, browser_login_options(), &mut Browser::following()).unwrap();
    assert_eq!(pkce.flow, Some(LoginFlow::AuthorizationCode));
    let first = registration(&home);
    assert!(first.is_authorization_code());

    // --use-device-code: a device registration is needed, and written over the same file.
    let device = home
        .sessions()
        .login(dev(), login_options(), |e| {
            assert!(!matches!(e, Event::Authorize(_)), "{e:?}")
        })
        .unwrap();
    assert_eq!(device.flow, Some(LoginFlow::DeviceCode));
    let second = registration(&home);
    assert!(!second.is_authorization_code());
    assert_eq!(
        second.grant_types, None,
        "the device flow's file has no grantTypes"
    );
    assert_ne!(second.client_id, first.client_id);

    // And back.
    login_with(&home, browser_login_options(), &mut Browser::following()).unwrap();
    let third = registration(&home);
    assert!(third.is_authorization_code());
    assert_ne!(third.client_id, second.client_id);
    assert_eq!(requests_to(&emu, Target::RegisterClient).len(), 3);
    let files = snapshot(&home);
    assert_eq!(
        files.len(),
        2,
        "one registration file, one token file: {files:?}"
    );
}

#[test]
fn a_legacy_profile_always_uses_the_device_flow() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-legacy", &emu);
    let mut events = Vec::new();
    let result = home
        .sessions()
        .login(
            SessionSelector::Profile("legacy".into()),
            browser_login_options(),
            |e| events.push(e.clone()),
        )
        .unwrap();
    assert_eq!(result.flow, Some(LoginFlow::DeviceCode));
    assert!(events.iter().all(|e| !matches!(e, Event::Authorize(_))));
    assert_eq!(authorization_code_requests(&emu), 0);
}

/// Issue 27: `UnauthorizedClientException` from the exchange refuses the client, as
/// `InvalidClientException` does: a cached registration is replaced once (a new registration,
/// a new authorize URL) and the login succeeds, where it used to fail with the call's error.
#[test]
fn an_unauthorized_cached_client_at_the_exchange_is_replaced_and_the_login_succeeds() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-unauthorized", &emu);
    login_with(&home, browser_login_options(), &mut Browser::following()).expect("first login");
    let cached = registration(&home);
    emu.clear_requests();
    emu.inject("CreateToken#1=UnauthorizedClientException".parse().unwrap());
    let mut browser = Browser::following();
    let mut events = Vec::new();
    home.sessions()
        .login(dev(), browser_login_options(), |event| {
            events.push(event.clone());
            browser.on_event(event);
        })
        .expect("the login starts over and succeeds");
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::StartingOver(ssooidc_core::device::StartOver::RegistrationRejected(r))
                if r.code() == Some(ssooidc_core::ErrorCode::UnauthorizedClient)
        )),
        "{events:?}"
    );
    assert_eq!(browser.urls.len(), 2, "a new authorize URL");
    assert_eq!(requests_to(&emu, Target::RegisterClient).len(), 1);
    assert_ne!(registration(&home).client_id, cached.client_id);
}

#[test]
fn a_cached_registration_the_service_no_longer_accepts_is_replaced_and_the_login_succeeds() {
    let emu = std::sync::Arc::new(approving());
    let home = Home::with_standard_config("pkce-rejected", &emu);
    login_with(&home, browser_login_options(), &mut Browser::following()).expect("first login");
    let cached = registration(&home);
    emu.clear_requests();

    // The browser is sent back with a code, and the registration is deleted before the code
    // is exchanged: CreateToken gets InvalidClientException.
    let service = emu.clone();
    let client_id = cached.client_id.clone();
    let mut browser = Browser::new(move |url: &str| {
        let authorize = browser::get(url).unwrap();
        service.delete_client(&client_id);
        browser::get(&authorize.location.expect("a redirect")).unwrap()
    });
    let mut events = Vec::new();
    let result = home
        .sessions()
        .login(dev(), browser_login_options(), |event| {
            events.push(event.clone());
            browser.on_event(event);
        })
        .expect("the login recovers");
    let page = browser.finish().unwrap();
    assert!(page.body.contains("Login approved"), "{}", page.body);

    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::StartingOver(ssooidc_core::device::StartOver::RegistrationRejected(_))
        )),
        "{events:?}"
    );
    assert_eq!(browser.urls.len(), 2, "a new authorize URL");
    let state = |url: &str| {
        url.split("&state=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_ne!(
        state(&browser.urls[0]),
        state(&browser.urls[1]),
        "a new state"
    );
    assert!(browser.urls[0].contains(&format!("&client_id={}&", cached.client_id)));

    // One new registration, cached; the token is of the new client.
    assert_eq!(requests_to(&emu, Target::RegisterClient).len(), 1);
    let renewed = registration(&home);
    assert_ne!(renewed.client_id, cached.client_id);
    assert!(renewed.is_authorization_code());
    assert!(browser.urls[1].contains(&format!("&client_id={}&", renewed.client_id)));
    assert_eq!(
        result.registration_path.as_deref(),
        Some(home.cache_file(MY_SSO_SCOPED_REGISTRATION_KEY).as_path())
    );
    assert_eq!(
        result.token.client_id.as_deref(),
        Some(renewed.client_id.as_str())
    );
    let exchanges = token_requests(&emu, "authorization_code");
    assert_eq!(exchanges.len(), 2);
    let verifier = |i: usize| exchanges[i].body_json().unwrap()["codeVerifier"].clone();
    assert_ne!(verifier(0), verifier(1), "a new verifier");
}

#[test]
fn a_deleted_cached_registration_ends_at_the_deadline_saying_so() {
    let emu = approving();
    let home = Home::with_standard_config("pkce-deleted", &emu);
    login_with(&home, browser_login_options(), &mut Browser::following()).expect("first login");
    assert!(emu.delete_client(&registration(&home).client_id));

    // The service shows the browser an error page for an unknown client: it never comes back.
    let mut browser = Browser::new(|url: &str| browser::get(url).unwrap());
    let options = browser_login_options().auth_code(auth_code_config().callback_timeout(30));
    let error = login_with(&home, options, &mut browser).unwrap_err();
    assert!(
        matches!(
            error,
            SessionError::Login(LoginError::AuthCode(
                AuthCodeError::DeadlineReachedWithCachedRegistration
            ))
        ),
        "{error:?}"
    );
    let page = browser.finish().unwrap();
    assert_eq!(page.status, 400);
    assert!(page.body.contains("Unknown client_id"), "{}", page.body);

    // The way out the message suggests: the device login registers a client of its own.
    home.sessions()
        .login(dev(), login_options(), |_| {})
        .expect("the device login");
}
