//! End to end against a real, independent OAuth 2.0 authorization server: node's
//! `oidc-provider` (npm, the version pinned in `tests/oauth-server/package-lock.json`), installed
//! by this test's setup (`npm ci --ignore-scripts` into `tests/oauth-server/node_modules`) and
//! started on 127.0.0.1 on a free port. The user's side (the device page, the login, the
//! consent) is driven with plain HTTP requests. Nothing is skipped: without node or npm, or
//! when the server does not start, the tests fail and say why.
//!
//! Both adapters, every client authentication method, pending then approval, denial, expiry,
//! a wrong secret, refresh, the token cache of `ssooidc oauth`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ssooidc_core::device::{DeviceFlowConfig, DeviceFlowError, Dialect, Event};
use ssooidc_core::grant::PollOutcome;
use ssooidc_core::login::LoginOptions;
use ssooidc_core::oauth::{
    device_authorization_request, device_token_request, parse_device_authorization, ClientAuth,
    DiscoveryError, Issuer, OAuthClient, Provider, ProviderSource, Refreshed, Standard, Tokens,
};
use ssooidc_core::refresh::{RefreshError, RefreshFailure};
use ssooidc_core::{CallError, ErrorCode, Secret, ServiceError};
use ssooidc_ureq::device::LoginError;
use ssooidc_ureq::oauth::{device_login, discover, refresh, OAuthLogin, OAuthSessions};
use ssooidc_ureq::session::TokenSource;
use ssooidc_ureq::{Client, Config};

/// One protocol second: polls every 50 ms (the server sends no interval: 5 s), the 600 s device
/// code lasts 6 s on the client's side.
const SECOND: Duration = Duration::from_millis(10);
const SCOPES: [&str; 2] = ["openid", "offline_access"];

fn server_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oauth-server")
}

/// Installs the server's package once (`npm ci --ignore-scripts`), under a file lock so that
/// test processes running at once do not install it twice.
fn install() -> Result<(), String> {
    let dir = server_dir();
    let lock_path = dir.join(".install.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("locking {}: {e}", lock_path.display()))?;
    let installed = dir.join("node_modules/oidc-provider/package.json");
    let wanted = std::fs::read_to_string(dir.join("package-lock.json"))
        .map_err(|e| format!("tests/oauth-server/package-lock.json: {e}"))?;
    let up_to_date = std::fs::read_to_string(&installed).is_ok_and(|installed| {
        serde_json::from_str::<serde_json::Value>(&installed).is_ok_and(|pkg| {
            let version = pkg["version"].as_str().unwrap_or("");
            wanted.contains(&format!(
                "\"node_modules/oidc-provider\": {{\n      \"version\": \"{version}\""
            ))
        })
    });
    if up_to_date {
        return Ok(());
    }
    let out = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .output()
        .map_err(|e| {
            format!(
                "running `npm ci` in {} failed ({e}); install Node.js 20+ and npm",
                dir.display()
            )
        })?;
    if !out.status.success() {
        return Err(format!(
            "`npm ci --ignore-scripts` in {} failed:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// The running server.
struct Server {
    issuer: String,
    _child: Child,
}

/// One server for every test of this file. It stops by itself when this process ends (its
/// stdin, a pipe held here, closes).
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        if let Err(why) = install() {
            panic!("cannot install the OAuth test server (oidc-provider): {why}");
        }
        // Its log goes to target/ (the warnings of a development configuration, and any crash).
        let log_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oauth-server.log");
        let log = std::fs::File::create(&log_path)
            .unwrap_or_else(|e| panic!("{}: {e}", log_path.display()));
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(server_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `node server.mjs` ({e}); install Node.js 20+"));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let issuer = line.trim().to_owned();
        assert!(
            read.is_ok() && issuer.starts_with("http://127.0.0.1:"),
            "the OAuth test server did not start (first line {line:?}, {read:?})"
        );
        Server {
            issuer,
            _child: child,
        }
    })
}

fn issuer() -> Issuer {
    Issuer::parse(&server().issuer).unwrap()
}

fn http_client() -> Client {
    Client::for_provider(
        Config::new("us-east-1").timeout(Duration::from_secs(10)),
        issuer().url(),
    )
    .unwrap()
}

fn provider() -> Provider {
    discover(&http_client(), &issuer()).expect("discovery")
}

fn options() -> LoginOptions {
    LoginOptions::default()
        .flow(DeviceFlowConfig::default().second(SECOND))
        .seed(5)
}

fn public() -> OAuthClient {
    OAuthClient::public("public-cli").unwrap()
}

fn post(secret: &str) -> OAuthClient {
    OAuthClient::new(
        "post-cli",
        Some(Secret::new(secret)),
        Some(ClientAuth::ClientSecretPost),
    )
    .unwrap()
}

fn basic(secret: &str) -> OAuthClient {
    OAuthClient::new(
        "basic cli:1",
        Some(Secret::new(secret)),
        Some(ClientAuth::ClientSecretBasic),
    )
    .unwrap()
}

// ---- the user's side, over plain HTTP -------------------------------------------------------

/// A browser: cookies (by path), redirects followed by hand.
struct Browser {
    agent: ureq::Agent,
    base: String,
    cookies: Vec<(String, String, String)>,
}

struct Page {
    status: u16,
    body: String,
}

impl Browser {
    fn new() -> Browser {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        Browser {
            agent,
            base: server().issuer.clone(),
            cookies: Vec::new(),
        }
    }

    fn url(&self, location: &str) -> String {
        if location.starts_with("http") {
            location.to_owned()
        } else {
            format!("{}{location}", self.base)
        }
    }

    fn cookie_header(&self, url: &str) -> String {
        let path = url.strip_prefix(&self.base).unwrap_or("/");
        self.cookies
            .iter()
            .filter(|(p, _, _)| path.starts_with(p.as_str()))
            .map(|(_, name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &http::Response<ureq::Body>) {
        for set in response.headers().get_all("set-cookie") {
            let Ok(set) = set.to_str() else { continue };
            let mut parts = set.split(';').map(str::trim);
            let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
                continue;
            };
            let path = parts
                .find_map(|p| p.strip_prefix("path=").or_else(|| p.strip_prefix("Path=")))
                .unwrap_or("/")
                .to_owned();
            self.cookies.retain(|(p, n, _)| !(p == &path && n == name));
            if !value.is_empty() {
                self.cookies.push((path, name.to_owned(), value.to_owned()));
            }
        }
    }

    /// A GET or a form POST, redirects followed (303 and 302 as GETs).
    fn go(&mut self, location: &str, form: Option<&[(&str, &str)]>) -> Page {
        let mut url = self.url(location);
        let mut form = form.map(|pairs| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs {
                s.append_pair(k, v);
            }
            s.finish()
        });
        for _ in 0..10 {
            let cookies = self.cookie_header(&url);
            let result = match form.take() {
                Some(body) => self
                    .agent
                    .post(&url)
                    .header("cookie", &cookies)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .send(body),
                None => self.agent.get(&url).header("cookie", &cookies).call(),
            };
            let mut response = result.unwrap_or_else(|e| panic!("{url}: {e}"));
            self.keep_cookies(&response);
            let status = response.status().as_u16();
            if (300..400).contains(&status) {
                let location = response.headers()["location"].to_str().unwrap().to_owned();
                url = self.url(&location);
                continue;
            }
            let body = response.body_mut().read_to_string().unwrap_or_default();
            return Page { status, body };
        }
        panic!("too many redirects from {location}");
    }
}

/// The value of `<input ... name="NAME" value="...">` or of a form's `action` in `page`.
fn attribute_after<'a>(page: &'a str, marker: &str, attribute: &str) -> &'a str {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in the page:\n{page}"));
    let rest = &page[at..];
    let start = rest
        .find(&format!("{attribute}=\""))
        .expect("the attribute")
        + attribute.len()
        + 2;
    let end = rest[start..].find('"').expect("a closing quote");
    &rest[start..start + end]
}

/// A person enters `user_code` on the device page and aborts, or confirms, signs in and
/// consents.
fn decide(user_code: &str, approve: bool) {
    let mut browser = Browser::new();
    let page = browser.go("/device", None);
    let xsrf = attribute_after(&page.body, "name=\"xsrf\"", "value").to_owned();
    let choice = if approve {
        ("confirm", "yes")
    } else {
        ("abort", "yes")
    };
    let page = browser.go(
        "/device",
        Some(&[("xsrf", &xsrf), ("user_code", user_code), choice]),
    );
    if !approve {
        assert!(
            page.body.contains("interrupted") || page.status < 500,
            "abort: {}",
            page.body
        );
        return;
    }
    // The login (any login and password), then the consent.
    let action = attribute_after(&page.body, "<form", "action").to_owned();
    let page = browser.go(
        &action,
        Some(&[("prompt", "login"), ("login", "alice"), ("password", "x")]),
    );
    let action = attribute_after(&page.body, "<form", "action").to_owned();
    let page = browser.go(&action, Some(&[("prompt", "consent")]));
    assert!(
        page.body.contains("Sign-in Success"),
        "after consent: {}",
        page.body
    );
}

/// Runs a device login with `client`, the person at the browser deciding `approve` once the
/// prompt is shown.
fn login_deciding(client: OAuthClient, approve: bool) -> (Result<Tokens, LoginError>, Vec<String>) {
    let dialect = Standard::new(provider(), client, SCOPES);
    let mut seen = Vec::new();
    let mut person = None;
    let result = device_login(&http_client(), dialect, options(), |event| {
        if let Event::Prompt(prompt) = event {
            seen.push(prompt.user_code.clone());
            let code = prompt.user_code.clone();
            person = Some(std::thread::spawn(move || decide(&code, approve)));
        }
    });
    if let Some(person) = person {
        person.join().expect("the person's side");
    }
    (result, seen)
}

// ---- the tests -------------------------------------------------------------------------------

#[test]
fn discovery_of_the_real_server() {
    let provider = provider();
    assert_eq!(
        provider.issuer().map(Issuer::as_str),
        Some(server().issuer.as_str())
    );
    assert!(provider
        .device_authorization_endpoint()
        .as_str()
        .starts_with(&server().issuer));
    assert!(provider.token_endpoint().as_str().ends_with("/token"));
    // The same server under another name is another issuer (RFC 8414 §3.3).
    let other_name = server().issuer.replace("127.0.0.1", "localhost");
    let error = discover(&http_client(), &Issuer::parse(&other_name).unwrap()).unwrap_err();
    assert!(
        matches!(error, DiscoveryError::IssuerMismatch { .. }),
        "{error:?}"
    );
}

#[test]
fn public_client_pending_then_approval() {
    let started = Instant::now();
    let (result, prompts) = login_deciding(public(), true);
    let tokens = result.expect("tokens");
    assert_eq!(
        prompts.len(),
        1,
        "the prompt after the first (pending) poll"
    );
    assert!(tokens.is_bearer());
    assert!(tokens.refresh_token.is_some(), "offline_access");
    assert!(tokens.id_token.is_some(), "openid");
    assert!(tokens.expires_at.is_some());
    assert!(tokens.scope.as_deref().unwrap_or("").contains("openid"));
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn client_secret_post() {
    let (result, _) = login_deciding(post("post-secret"), true);
    assert!(result.expect("tokens").refresh_token.is_some());
}

#[test]
fn client_secret_basic_with_form_encoded_credentials() {
    let (result, _) = login_deciding(basic("basic secret:%+"), true);
    assert!(result.expect("tokens").refresh_token.is_some());
}

#[test]
fn denial_ends_the_login() {
    let (result, _) = login_deciding(public(), false);
    match result {
        Err(LoginError::Flow(DeviceFlowError::Denied { error: e, .. })) => {
            assert_eq!(e.code(), Some(ErrorCode::AccessDenied))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_wrong_secret_is_invalid_client() {
    for client in [post("wrong"), basic("wrong")] {
        let dialect = Standard::new(provider(), client.clone(), SCOPES);
        let result = device_login(&http_client(), dialect, options(), |_| {});
        match result {
            Err(LoginError::Flow(DeviceFlowError::Call(CallError::Service {
                operation,
                error: e @ ServiceError::InvalidClient { .. },
                ..
            }))) => {
                assert_eq!(operation, "DeviceAuthorization");
                assert_eq!(e.status(), 401);
            }
            other => panic!("{client:?}: {other:?}"),
        }
    }
}

#[test]
fn expiry_ends_the_login() {
    // short-cli's device codes live 2 s: the flow's own deadline ends it.
    let dialect = Standard::new(
        provider(),
        OAuthClient::public("short-cli").unwrap(),
        SCOPES,
    );
    let result = device_login(&http_client(), dialect, options(), |_| {});
    match result {
        Err(LoginError::Flow(e)) => assert!(e.is_expired(), "{e:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_servers_expired_token_is_read_as_expiry() {
    // Poll a 2-second device code by hand until the server says it expired.
    let client = http_client();
    let provider = provider();
    let short = OAuthClient::public("short-cli").unwrap();
    let request = device_authorization_request(
        provider.device_authorization_endpoint(),
        &short,
        &["openid".to_owned()],
    )
    .unwrap();
    let authorization =
        parse_device_authorization(&client.send("DeviceAuthorization", request).unwrap()).unwrap();
    let dialect = Standard::new(provider.clone(), short.clone(), ["openid"]);
    let started = Instant::now();
    loop {
        let poll = device_token_request(
            provider.token_endpoint(),
            &short,
            &authorization.device_code,
        )
        .unwrap();
        let answer = client.send("Token", poll).unwrap();
        match dialect.polled(&answer) {
            PollOutcome::Pending => {
                assert!(started.elapsed() < Duration::from_secs(10), "never expired");
                std::thread::sleep(Duration::from_millis(200));
            }
            PollOutcome::Expired(e) => {
                assert_eq!(e.code(), Some(ErrorCode::ExpiredToken));
                assert!(
                    started.elapsed() >= Duration::from_secs(1),
                    "not before its lifetime"
                );
                break;
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn refresh_rotates_a_public_clients_refresh_token() {
    let (result, _) = login_deciding(public(), true);
    let tokens = result.expect("tokens");
    let provider = provider();
    let fresh = match refresh(&http_client(), &provider, &public(), tokens.clone()) {
        Ok(Refreshed::New(fresh)) => fresh,
        other => panic!("{other:?}"),
    };
    assert_ne!(fresh.access_token, tokens.access_token);
    // oidc-provider rotates a public client's refresh token: the new one is kept, and the old
    // one is refused (invalid_grant) while the still-valid access token is kept.
    assert!(fresh.refresh_token.is_some());
    assert_ne!(fresh.refresh_token, tokens.refresh_token);
    match refresh(&http_client(), &provider, &public(), tokens) {
        Ok(Refreshed::Kept {
            failure: Some(RefreshFailure::Call(CallError::Service { error, .. })),
            ..
        }) => assert_eq!(error.code(), Some(ErrorCode::InvalidGrant)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_confidential_client_refreshes_and_a_wrong_secret_cannot() {
    let (result, _) = login_deciding(post("post-secret"), true);
    let tokens = result.expect("tokens");
    let provider = provider();
    let fresh = match refresh(
        &http_client(),
        &provider,
        &post("post-secret"),
        tokens.clone(),
    ) {
        Ok(Refreshed::New(fresh)) => fresh,
        other => panic!("{other:?}"),
    };
    assert_ne!(fresh.access_token, tokens.access_token);
    assert!(fresh.refresh_token.is_some(), "kept, or issued anew");
    match refresh(&http_client(), &provider, &post("wrong"), fresh) {
        Ok(Refreshed::Kept {
            failure: Some(RefreshFailure::Call(CallError::Service { error, .. })),
            ..
        }) => assert_eq!(error.code(), Some(ErrorCode::InvalidClient)),
        Err(RefreshError::Expired { .. }) => panic!("the access token is still valid"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_oauth_cache_logs_in_refreshes_and_logs_out() {
    let dir = std::env::temp_dir().join(format!("ssooidc-oauth-provider-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sessions = OAuthSessions::in_dir(
        &dir,
        Config::new("us-east-1").timeout(Duration::from_secs(10)),
    );
    let login = OAuthLogin::new(ProviderSource::Issuer(issuer()), "basic cli:1")
        .client_secret("basic secret:%+")
        .scopes(SCOPES);
    let mut person = None;
    let result = sessions
        .login(&login, options(), |event| {
            if let Event::Prompt(prompt) = event {
                let code = prompt.user_code.clone();
                person = Some(std::thread::spawn(move || decide(&code, true)));
            }
        })
        .expect("login");
    person.expect("a prompt").join().unwrap();
    assert_eq!(result.entry.provider, server().issuer);
    let cached = sessions.token(&login, Duration::from_secs(60)).unwrap();
    assert_eq!(cached.source, TokenSource::Cached);
    assert_eq!(
        cached.entry.tokens.access_token,
        result.entry.tokens.access_token
    );
    // More than its lifetime: refreshed (the default method, client_secret_basic, from the
    // metadata) and written back.
    let refreshed = sessions.token(&login, Duration::from_secs(7200)).unwrap();
    assert_eq!(
        refreshed.source,
        TokenSource::Refreshed,
        "{:?}",
        refreshed.warnings
    );
    assert_ne!(
        refreshed.entry.tokens.access_token,
        result.entry.tokens.access_token
    );
    let again = sessions.token(&login, Duration::from_secs(60)).unwrap();
    assert_eq!(
        again.entry.tokens.access_token,
        refreshed.entry.tokens.access_token
    );
    assert!(sessions.logout(&login).unwrap());
    assert!(sessions.token(&login, Duration::from_secs(60)).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_async_adapter_logs_in_and_refreshes() {
    use ssooidc_async::core::endpoint::Endpoint;
    use ssooidc_async::{Client as AsyncClient, TokioTimer};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let http = ssooidc_async::reqwest_client_builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let client = AsyncClient::new(http, TokioTimer, Endpoint::parse(&server().issuer).unwrap());
        let provider = ssooidc_async::oauth::discover(&client, &issuer())
            .await
            .expect("discovery");
        let dialect = Standard::new(provider.clone(), public(), SCOPES);
        let mut person = None;
        let tokens = ssooidc_async::oauth::device_login(&client, dialect, options(), |event| {
            if let Event::Prompt(prompt) = event {
                let code = prompt.user_code.clone();
                person = Some(std::thread::spawn(move || decide(&code, true)));
            }
        })
        .await
        .expect("tokens");
        person.expect("a prompt").join().unwrap();
        match ssooidc_async::oauth::refresh(&client, &provider, &public(), tokens.clone()).await {
            Ok(Refreshed::New(fresh)) => assert_ne!(fresh.access_token, tokens.access_token),
            other => panic!("{other:?}"),
        }
    });
}

/// The async adapter's `OAuthSessions` against the same server and the same cache format: it
/// logs in and writes the entry, the blocking adapter reads that entry, the async one refreshes
/// it (the core's `OAuthTokenSession` on the timer), and logs out.
#[test]
fn the_async_oauth_cache_logs_in_refreshes_and_logs_out() {
    use ssooidc_async::session::OAuthSessions as AsyncOAuthSessions;
    use ssooidc_async::TokioTimer;

    let dir = std::env::temp_dir().join(format!(
        "ssooidc-oauth-provider-async-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let http = ssooidc_async::reqwest_client_builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let sessions = AsyncOAuthSessions::in_dir(&dir, http, TokioTimer);
    let login = OAuthLogin::new(ProviderSource::Issuer(issuer()), "basic cli:1")
        .client_secret("basic secret:%+")
        .scopes(SCOPES);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut person = None;
        let result = sessions
            .login(&login, options(), |event| {
                if let Event::Prompt(prompt) = event {
                    let code = prompt.user_code.clone();
                    person = Some(std::thread::spawn(move || decide(&code, true)));
                }
            })
            .await
            .expect("login");
        person.expect("a prompt").join().unwrap();
        let blocking = OAuthSessions::in_dir(
            &dir,
            Config::new("us-east-1").timeout(Duration::from_secs(10)),
        );
        let cached = blocking.token(&login, Duration::from_secs(60)).unwrap();
        assert_eq!(cached.source, TokenSource::Cached);
        assert_eq!(cached.entry, result.entry);
        let refreshed = sessions
            .token(&login, Duration::from_secs(7200))
            .await
            .unwrap();
        assert_eq!(
            refreshed.source,
            TokenSource::Refreshed,
            "{:?}",
            refreshed.warnings
        );
        assert_ne!(
            refreshed.entry.tokens.access_token,
            result.entry.tokens.access_token
        );
        let again = blocking.token(&login, Duration::from_secs(60)).unwrap();
        assert_eq!(again.entry, refreshed.entry);
        assert!(sessions.logout(&login).unwrap());
        assert!(sessions
            .token(&login, Duration::from_secs(60))
            .await
            .is_err());
    });
    let _ = std::fs::remove_dir_all(&dir);
}
