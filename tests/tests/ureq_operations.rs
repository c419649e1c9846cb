//! Every operation of the ureq adapter over real loopback HTTP against the emulator:
//! RegisterClient, StartDeviceAuthorization, CreateToken with the device-code, refresh-token and
//! authorization-code (+ PKCE S256 through the emulator's `/authorize`) grants; what goes on the
//! wire (user agent, no `Authorization`), connection reuse, and the debug log.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use ssooidc_core::operations::{
    CreateToken, RegisterClient, RegisterClientOutput, StartDeviceAuthorization,
};
use ssooidc_core::ServiceError;
use ssooidc_emulator::{Approval, RunningEmulator, Target};
use ssooidc_tests::*;
use ssooidc_ureq::{CallError, Client, Config, DebugSink};

const SCOPE: &str = "sso:account:access";

fn register_scoped(client: &Client) -> RegisterClientOutput {
    client
        .register_client(&RegisterClient::new("botocore-client-my-sso").scopes([SCOPE]))
        .expect("RegisterClient")
}

/// RFC 3986 unreserved characters kept, everything else percent-encoded (botocore).
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn pct_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The S256 challenge of RFC 7636: base64url without padding of SHA-256 of the verifier.
fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A 64-character verifier from the unreserved alphabet (spec 6.6 step 1).
fn verifier() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    (0..64)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(ALPHABET[(x % ALPHABET.len() as u64) as usize])
        })
        .collect()
}

/// Registers a PKCE client, runs `/authorize` (auto-approved) and returns
/// (client id, secret, code, redirect uri used).
fn authorize(
    emu: &RunningEmulator,
    client: &Client,
    challenge: &str,
) -> (String, String, String, String) {
    let mut input = RegisterClient::new("botocore-client-pkce").scopes([SCOPE]);
    input.grant_types = Some(vec!["authorization_code".into(), "refresh_token".into()]);
    input.redirect_uris = Some(vec!["http://127.0.0.1/oauth/callback".into()]);
    input.issuer_url = Some(START_URL.into());
    let reg = client
        .register_client(&input)
        .expect("RegisterClient (PKCE)");
    let redirect = "http://127.0.0.1:43210/oauth/callback".to_owned();
    let state = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f";
    let path = format!(
        "/authorize?response_type=code&client_id={}&redirect_uri={}&state={state}\
         &code_challenge_method=S256&scopes={}&code_challenge={challenge}",
        pct(&reg.client_id),
        pct(&redirect),
        pct(SCOPE),
    );
    let (status, head, body) = http_get(emu.base_url(), &path);
    assert_eq!(status, 302, "{head}\n{body}");
    let location = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or(l.strip_prefix("Location: "))
        })
        .expect("Location header")
        .trim()
        .to_owned();
    assert!(location.starts_with(&redirect), "{location}");
    let query = location.split_once('?').map_or("", |(_, q)| q);
    let param = |name: &str| {
        query.split('&').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k == name).then(|| pct_decode(v))
        })
    };
    assert_eq!(param("state").as_deref(), Some(state));
    let code = param("code").expect("code in the redirect");
    (
        reg.client_id,
        reg.client_secret.expose().to_owned(),
        code,
        redirect,
    )
}

#[test]
fn the_s256_challenge_matches_rfc_7636() {
    // RFC 7636 appendix B.
    assert_eq!(
        s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let v = verifier();
    assert_eq!(v.len(), 64);
    assert_eq!(s256(&v).len(), 43);
}

#[test]
fn register_client() {
    let emu = start(emulator_config());
    let client = client_for(&emu);
    let reg = register_scoped(&client);
    assert!(!reg.client_id.is_empty());
    assert!(reg.client_secret.expose().len() > 100, "JWT-shaped secret");
    let issued = reg.client_id_issued_at.expect("clientIdIssuedAt");
    let expires = reg.client_secret_expires_at.expect("clientSecretExpiresAt");
    assert_eq!(expires - issued, i64::from(ssooidc_emulator::NINETY_DAYS));
    // The quirky nulls read as absent.
    assert_eq!(reg.authorization_endpoint, None);
    assert_eq!(reg.token_endpoint, None);

    let sent = requests_to(&emu, Target::RegisterClient);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].path, "/client/register");
    assert_eq!(sent[0].header("content-type"), Some("application/json"));
    let body = sent[0].body_json().unwrap();
    assert_eq!(body["clientName"], "botocore-client-my-sso");
    assert_eq!(body["clientType"], "public");
    assert_eq!(body["scopes"], serde_json::json!([SCOPE]));
}

#[test]
fn start_device_authorization_and_device_code_token() {
    let emu = start(emulator_config());
    let client = client_for(&emu);
    let reg = register_scoped(&client);
    let auth = client
        .start_device_authorization(&StartDeviceAuthorization::new(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            START_URL,
        ))
        .expect("StartDeviceAuthorization");
    assert_eq!(auth.interval, Some(1));
    // The emulator's lifetime for these tests (the service's is 600).
    assert_eq!(auth.expires_in, Some(CODE_LIFETIME as i32));
    assert_eq!(auth.user_code.len(), 9, "XXXX-XXXX");
    assert!(auth
        .verification_uri
        .starts_with(&format!("{}/device", emu.base_url())));
    assert_eq!(
        auth.verification_uri_complete.as_deref(),
        Some(format!("{}?user_code={}", auth.verification_uri, auth.user_code).as_str())
    );

    let poll = CreateToken::device_code(
        reg.client_id.clone(),
        reg.client_secret.clone(),
        auth.device_code.clone(),
    );
    // Before approval: the typed polling signal.
    match client.create_token(&poll) {
        Err(CallError::Service {
            operation: "CreateToken",
            error: ServiceError::AuthorizationPending { .. },
            max_retries_reached: None,
        }) => {}
        other => panic!("expected AuthorizationPending, got {other:?}"),
    }
    emu.approve(&auth.user_code).unwrap();
    std::thread::sleep(SECOND * 2); // keep to the 1 s interval
    let token = client
        .create_token(&poll)
        .expect("CreateToken (device code)");
    assert!(token.access_token.expose().starts_with("aoa"));
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    assert_eq!(token.expires_in, Some(3600));
    assert!(token.refresh_token.is_some(), "scoped clients get one");

    let sent = requests_to(&emu, Target::CreateToken);
    let body = sent.last().unwrap().body_json().unwrap();
    assert_eq!(body["grantType"], DEVICE_GRANT);
    assert_eq!(body["clientId"], reg.client_id.as_str());
    assert_eq!(body["deviceCode"], auth.device_code.expose());
    // The device code is single-use.
    std::thread::sleep(SECOND * 2);
    match client.create_token(&poll) {
        Err(CallError::Service {
            error: ServiceError::InvalidGrant { .. },
            max_retries_reached: None,
            ..
        }) => {}
        other => panic!("expected InvalidGrant, got {other:?}"),
    }
}

#[test]
fn refresh_token_grant_rotates() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(0)));
    let client = client_for(&emu);
    let reg = register_scoped(&client);
    let auth = client
        .start_device_authorization(&StartDeviceAuthorization::new(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            START_URL,
        ))
        .unwrap();
    let first = client
        .create_token(&CreateToken::device_code(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            auth.device_code,
        ))
        .unwrap();
    let old = first.refresh_token.expect("refresh token");
    let refresh = CreateToken::refresh_token(reg.client_id.clone(), reg.client_secret.clone(), old);
    let second = client
        .create_token(&refresh)
        .expect("CreateToken (refresh)");
    assert_ne!(second.access_token, first.access_token);
    let new = second.refresh_token.expect("a rotated refresh token");
    assert_ne!(Some(&new), refresh.refresh_token.as_ref());
    let body = token_requests(&emu, "refresh_token")[0]
        .body_json()
        .unwrap();
    assert_eq!(
        body["refreshToken"],
        refresh.refresh_token.as_ref().unwrap().expose()
    );
    // The old one is spent.
    match client.create_token(&refresh) {
        Err(CallError::Service {
            error: ServiceError::InvalidGrant { .. },
            max_retries_reached: None,
            ..
        }) => {}
        other => panic!("expected InvalidGrant, got {other:?}"),
    }
    // The new one works.
    client
        .create_token(&CreateToken::refresh_token(
            reg.client_id,
            reg.client_secret,
            new,
        ))
        .expect("the rotated refresh token works");
}

#[test]
fn authorization_code_grant_with_pkce() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(0)));
    let client = client_for(&emu);
    let verifier = verifier();
    let (id, secret, code, redirect) = authorize(&emu, &client, &s256(&verifier));

    // A wrong verifier is refused and does not burn the code.
    let wrong = CreateToken::authorization_code(
        id.clone(),
        secret.clone(),
        code.clone(),
        redirect.clone(),
        format!(
            "{}{}",
            &verifier[..63],
            if verifier.ends_with('x') { 'y' } else { 'x' }
        ),
    );
    match client.create_token(&wrong) {
        Err(CallError::Service {
            error: ServiceError::InvalidGrant { .. },
            max_retries_reached: None,
            ..
        }) => {}
        other => panic!("expected InvalidGrant, got {other:?}"),
    }
    let input =
        CreateToken::authorization_code(id, secret, code, redirect.clone(), verifier.clone());
    let token = client
        .create_token(&input)
        .expect("CreateToken (authorization code)");
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    assert!(token.refresh_token.is_some());
    let body = token_requests(&emu, "authorization_code")
        .last()
        .unwrap()
        .body_json()
        .unwrap();
    assert_eq!(body["redirectUri"], redirect.as_str());
    assert_eq!(body["codeVerifier"], verifier.as_str());
    // Codes are single-use.
    assert!(matches!(
        client.create_token(&input),
        Err(CallError::Service {
            error: ServiceError::InvalidGrant { .. },
            max_retries_reached: None,
            ..
        })
    ));
}

#[test]
fn user_agent_and_no_authorization_header_on_public_operations() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(0)));
    let client = Client::new(config_for(&emu).user_agent_suffix("my-app/1.2 md/test")).unwrap();
    let reg = register_scoped(&client);
    let auth = client
        .start_device_authorization(&StartDeviceAuthorization::new(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            START_URL,
        ))
        .unwrap();
    let token = client
        .create_token(&CreateToken::device_code(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            auth.device_code,
        ))
        .unwrap();
    client
        .create_token(&CreateToken::refresh_token(
            reg.client_id,
            reg.client_secret,
            token.refresh_token.unwrap(),
        ))
        .unwrap();
    let sent = emu.requests();
    assert_eq!(sent.len(), 4);
    for r in &sent {
        let ua = r.header("user-agent").expect("user agent");
        assert!(ua.starts_with("ssooidc/"), "{ua}");
        assert!(ua.contains(" ssooidc-ureq/"), "{ua}");
        assert!(ua.ends_with(" my-app/1.2 md/test"), "{ua}");
        assert!(
            r.headers.get("authorization").is_none(),
            "{} sent an Authorization header",
            r.path
        );
        assert!(r.headers.get("x-amz-security-token").is_none());
    }
}

/// A keep-alive server that answers every request with a RegisterClient response and counts
/// the connections it accepts.
fn counting_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                use std::io::Write;
                while read_request(&mut stream).is_some() {
                    let body = r#"{"clientId":"cid","clientSecret":"sec","clientIdIssuedAt":1,"clientSecretExpiresAt":2}"#;
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, connections)
}

#[test]
fn close_connection_opens_a_connection_per_request() {
    for (close, expected) in [(false, 1), (true, 3)] {
        let (base, connections) = counting_server();
        let client = Client::new(
            Config::new("us-east-1")
                .endpoint_url(&base)
                .timeout(REQUEST_TIMEOUT)
                .close_connection(close),
        )
        .unwrap();
        for _ in 0..3 {
            let reg = client.register_client(&RegisterClient::new("x")).unwrap();
            assert_eq!(reg.client_id, "cid");
        }
        assert_eq!(
            connections.load(Ordering::SeqCst),
            expected,
            "close_connection({close})"
        );
    }
}

#[test]
fn debug_log_shows_every_exchange_and_no_secret() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(0)));
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let client = client_for(&emu).with_debug_log(DebugSink::new(move |line| {
        sink.lock().unwrap().push(line.to_owned())
    }));

    let mut secrets: Vec<String> = Vec::new();
    let reg = register_scoped(&client);
    secrets.push(reg.client_secret.expose().to_owned());
    let auth = client
        .start_device_authorization(&StartDeviceAuthorization::new(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            START_URL,
        ))
        .unwrap();
    secrets.push(auth.device_code.expose().to_owned());
    let token = client
        .create_token(&CreateToken::device_code(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            auth.device_code.clone(),
        ))
        .unwrap();
    secrets.push(token.access_token.expose().to_owned());
    let refresh = token.refresh_token.unwrap();
    secrets.push(refresh.expose().to_owned());
    let refreshed = client
        .create_token(&CreateToken::refresh_token(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            refresh,
        ))
        .unwrap();
    secrets.push(refreshed.access_token.expose().to_owned());
    secrets.push(refreshed.refresh_token.unwrap().expose().to_owned());
    // An error response is logged too (the spent device code).
    assert!(client
        .create_token(&CreateToken::device_code(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            auth.device_code,
        ))
        .is_err());
    // The authorization-code grant: code and verifier.
    let verifier = verifier();
    let (id, secret, code, redirect) = authorize(&emu, &client, &s256(&verifier));
    secrets.extend([secret.clone(), code.clone(), verifier.clone()]);
    let pkce = client
        .create_token(&CreateToken::authorization_code(
            id, secret, code, redirect, verifier,
        ))
        .unwrap();
    secrets.push(pkce.access_token.expose().to_owned());
    secrets.push(pkce.refresh_token.unwrap().expose().to_owned());

    let lines = lines.lock().unwrap();
    // A request and a response line for each of the 7 calls.
    assert_eq!(lines.len(), 14, "{lines:#?}");
    let all = lines.join("\n");
    for op in ["RegisterClient", "StartDeviceAuthorization", "CreateToken"] {
        assert!(all.contains(&format!("{op} request: POST ")), "{all}");
        assert!(all.contains(&format!("{op} response after ")), "{all}");
    }
    assert!(
        all.contains(&reg.client_id),
        "non-secret values stay readable"
    );
    assert!(
        all.contains(&auth.user_code),
        "the user code is not a secret"
    );
    assert!(all.contains("InvalidGrantException"), "{all}");
    // The logged request headers are the ones sent, user agent included.
    let sent_ua = emu.requests()[0].header("user-agent").unwrap().to_owned();
    assert!(
        lines[0].contains(&format!("user-agent: {sent_ua}\n")),
        "logged: {}\nsent user-agent: {sent_ua}",
        lines[0]
    );
    for secret in &secrets {
        assert!(secret.len() >= 8);
        assert!(
            !all.contains(secret.as_str()),
            "a secret leaked into the debug log: {}...",
            &secret[..8]
        );
    }
}
