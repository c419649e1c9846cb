//! The browser login of the async adapter with its tokio listener and reqwest, over real
//! loopback HTTP against the emulator, with the scripted browser of the ureq tests.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ssooidc_async::{
    authorization_code_login, CancelToken, Client, LoginError, LoginOptions, TokioCallbackListener,
    TokioTimer,
};
use ssooidc_core::authcode::{AuthCodeError, AuthCodeInput};
use ssooidc_core::endpoint::Endpoint;
use ssooidc_emulator::browser;
use ssooidc_emulator::{Approval, RunningEmulator};
use ssooidc_tests::*;

type AsyncClient = Client<reqwest::Client, TokioTimer>;

fn approving() -> RunningEmulator {
    start(emulator_config().approval(Approval::ApproveAfterPolls(0)))
}

fn client(emu: &RunningEmulator) -> AsyncClient {
    let http = ssooidc_async::reqwest_client_builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    Client::new(http, TokioTimer, Endpoint::parse(emu.base_url()).unwrap())
}

fn input(emu: &RunningEmulator) -> AuthCodeInput {
    AuthCodeInput::new(
        Endpoint::parse(emu.base_url()).unwrap(),
        START_URL,
        "async-test",
    )
    .scopes(["sso:account:access"])
}

fn options() -> LoginOptions {
    browser_login_options()
}

#[tokio::test]
async fn a_browser_login_over_tokio_and_reqwest() {
    let emu = approving();
    let client = Arc::new(client(&emu));
    let listener = TokioCallbackListener::bind().await.unwrap();
    let port = ssooidc_async::CallbackListener::port(&listener);
    let input = input(&emu);
    // Spawning proves the login future is Send + 'static with reqwest and tokio.
    let task = tokio::spawn({
        let client = client.clone();
        async move {
            let mut browser = Browser::following();
            let token = authorization_code_login(&*client, listener, input, options(), |event| {
                browser.on_event(event)
            })
            .await;
            (token, browser.finish(), browser.urls)
        }
    });
    let (token, visit, urls) = task.await.unwrap();
    let token = token.expect("a token");
    assert!(token.registration.is_authorization_code());
    assert!(token.refresh_token.is_some());
    let callback = visit.unwrap().callback.unwrap();
    assert_eq!(callback.status, 200);
    assert!(callback.body.contains("Login approved"));
    assert_eq!(callback_base(&urls[0]), format!("http://127.0.0.1:{port}"));
    let exchange = token_requests(&emu, "authorization_code");
    assert_eq!(exchange.len(), 1);
    assert_eq!(
        exchange[0].body_json().unwrap()["redirectUri"],
        format!("http://127.0.0.1:{port}/oauth/callback")
    );
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the listener is closed"
    );
}

#[tokio::test]
async fn a_forged_state_over_tokio_sends_no_token_request() {
    let emu = approving();
    let client = client(&emu);
    let listener = TokioCallbackListener::bind().await.unwrap();
    let mut browser = Browser::new(|url: &str| {
        let location = browser::get(url).unwrap().location.unwrap();
        let (before, after) = location.split_once("state=").unwrap();
        let rest = after.split_once('&').map_or("", |(_, rest)| rest);
        browser::get(&format!("{before}state=forged&{rest}")).unwrap()
    });
    let error = authorization_code_login(&client, listener, input(&emu), options(), |e| {
        browser.on_event(e)
    })
    .await
    .unwrap_err();
    assert!(
        matches!(error, LoginError::AuthCode(AuthCodeError::StateMismatch)),
        "{error:?}"
    );
    let page = browser.finish().unwrap();
    assert!(page.body.contains("Login failed"), "{}", page.body);
    assert!(token_requests(&emu, "authorization_code").is_empty());
}

#[tokio::test]
async fn slow_garbage_and_favicon_requests_over_tokio() {
    let emu = approving();
    let client = client(&emu);
    let listener = TokioCallbackListener::bind().await.unwrap();
    // The wait for the browser (6 s) is shorter than a connection's head timeout (10 s).
    let mut browser = Browser::new(|url: &str| {
        let base = callback_base(url);
        let addr = base.trim_start_matches("http://").to_owned();
        let mut held: Vec<TcpStream> = (0..20)
            .map(|_| TcpStream::connect(&addr).unwrap())
            .collect();
        let mut half = TcpStream::connect(&addr).unwrap();
        half.write_all(b"GET /oauth/callback?code=").unwrap();
        held.push(half);
        let post = browser::send_raw(
            &base,
            b"POST /oauth/callback HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        let favicon = browser::get(&format!("{base}/favicon.ico")).unwrap();
        let visit = follow(url);
        (post, favicon, visit, held)
    });
    let started = Instant::now();
    let token = authorization_code_login(&client, listener, input(&emu), options(), |e| {
        browser.on_event(e)
    })
    .await;
    let elapsed = started.elapsed();
    token.expect("a token");
    let (post, favicon, visit, held) = browser.finish().unwrap();
    drop(held);
    assert_eq!(post.status, 405);
    assert_eq!(favicon.status, 404);
    assert!(visit.callback.unwrap().body.contains("Login approved"));
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
}

#[tokio::test]
async fn a_cancel_ends_the_wait_for_the_browser_at_once() {
    let emu = approving();
    let client = client(&emu);
    let listener = TokioCallbackListener::bind().await.unwrap();
    let cancel = CancelToken::new();
    let mut browser = Browser::new({
        let cancel = cancel.clone();
        move |_: &str| {
            std::thread::sleep(Duration::from_millis(50));
            cancel.cancel();
        }
    });
    let started = Instant::now();
    let error = authorization_code_login(
        &client,
        listener,
        input(&emu),
        options().cancel(cancel),
        |e| browser.on_event(e),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, LoginError::Cancelled), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    browser.finish();
}

#[tokio::test]
async fn without_a_browser_the_login_ends_at_its_deadline() {
    let emu = approving();
    let client = client(&emu);
    let listener = TokioCallbackListener::bind().await.unwrap();
    let options = LoginOptions::default().auth_code(auth_code_config().callback_timeout(30));
    let started = Instant::now();
    let error = authorization_code_login(&client, listener, input(&emu), options, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, LoginError::AuthCode(AuthCodeError::DeadlineReached)),
        "{error:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
}
