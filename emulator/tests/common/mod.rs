//! Helpers shared by the integration tests: a tiny plain-HTTP client over ureq and the OIDC
//! calls spelled out as JSON.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::error::decode_error;
use ssooidc_core::{ErrorCode, Operation, ResponseError, ServiceError};
use ssooidc_emulator::{Config, Emulator, RunningEmulator};

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub const START_URL: &str = "https://d-1234567890.awsapps.com/start";
pub const CORAL: &str = ":http://internal.amazon.com/coral/com.amazonaws.sso.oidc/";

/// 10 ms protocol seconds: interval 1 = 10 ms. Device and authorization codes live 60 000 of
/// them, 10 real minutes: with the service's 600 (6 real seconds) every test that holds a code
/// would have to be done within 6 s, a window a loaded machine can miss. A test of expiry sets
/// its own lifetime.
pub fn fast() -> Config {
    Config::default()
        .second(Duration::from_millis(10))
        .expires_in(60_000)
}

pub fn start(config: Config) -> (RunningEmulator, Http) {
    let emu = Emulator::start(config).expect("emulator starts");
    let http = Http::new(emu.base_url());
    (emu, http)
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Decodes the reply with the core's error decoder.
    pub fn error(&self) -> ServiceError {
        let mut b = http::Response::builder().status(self.status);
        for (k, v) in &self.headers {
            b = b.header(k, v);
        }
        decode_error(&b.body(self.body.as_bytes().to_vec()).unwrap())
    }

    /// Asserts the reply is exactly the service's encoding of `code`: SSO OIDC's (the coral
    /// suffix, an OAuth body) or, for the portal's own errors, the portal's (a `message`).
    pub fn assert_error(&self, code: ErrorCode) {
        assert_eq!(self.status, code.http_status(), "{self:?}");
        assert_eq!(self.header("content-type"), Some("application/json"));
        let body = self.json();
        match code.oauth_error() {
            Some(oauth) => {
                assert_eq!(
                    self.header("x-amzn-errortype"),
                    Some(format!("{}{CORAL}", code.shape_name()).as_str()),
                    "{self:?}"
                );
                assert_eq!(body["error"], oauth, "{self:?}");
                assert!(body["error_description"].is_string(), "{self:?}");
            }
            None => {
                let header = self.header("x-amzn-errortype").unwrap_or_default();
                assert!(
                    header.starts_with(&format!("{}:http://", code.shape_name())),
                    "{self:?}"
                );
                assert!(body["message"].is_string(), "{self:?}");
                assert!(body.get("error").is_none(), "{self:?}");
            }
        }
        assert!(body.get("__type").is_none() && body.get("code").is_none());
        assert_request_id(self);
        assert_eq!(self.error().code(), Some(code));
    }
}

/// Sends `input` as the core builds it and decodes the answer with the core.
pub fn send<O: Operation>(
    http: &Http,
    endpoint: &Endpoint,
    input: &O,
) -> Result<O::Output, ResponseError> {
    let request = input.to_request(endpoint).unwrap();
    let mut response = http.agent.run(request).unwrap();
    let body = response.body_mut().read_to_vec().unwrap();
    let mut b = http::Response::builder().status(response.status());
    for (k, v) in response.headers() {
        b = b.header(k, v);
    }
    O::parse_response(&b.body(body).unwrap())
}

/// A device login spelled out over plain HTTP, approved at once: the access token.
pub fn access_token(emu: &RunningEmulator, http: &Http) -> String {
    let (id, secret) = http.register(&["sso:account:access"]);
    let (device_code, user_code, _) = http.start_device(&id, &secret);
    emu.approve(&user_code).unwrap();
    let mut reply = http.poll(&id, &secret, &device_code);
    while reply.status != 200 {
        wait_secs(1);
        reply = http.poll(&id, &secret, &device_code);
    }
    reply.json()["accessToken"].as_str().unwrap().to_owned()
}

pub fn assert_request_id(r: &Reply) {
    let id = r.header("x-amzn-requestid").expect("x-amzn-RequestId");
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(id.matches('-').count(), 4, "{id}");
}

pub struct Http {
    pub base: String,
    pub agent: ureq::Agent,
}

impl Http {
    pub fn new(base: &str) -> Self {
        Self::with_timeout(base, Duration::from_secs(20))
    }

    pub fn with_timeout(base: &str, timeout: Duration) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .build()
            .into();
        Http {
            base: base.to_owned(),
            agent,
        }
    }

    fn reply(r: Result<http::Response<ureq::Body>, ureq::Error>) -> Result<Reply, ureq::Error> {
        let mut r = r?;
        let body = r.body_mut().read_to_string()?;
        Ok(Reply {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            body,
        })
    }

    pub fn try_post(&self, path: &str, body: &Value) -> Result<Reply, ureq::Error> {
        Self::reply(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("content-type", "application/json")
                .send(body.to_string()),
        )
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.try_post(path, body).expect("request succeeds")
    }

    pub fn try_get(&self, path_and_query: &str) -> Result<Reply, ureq::Error> {
        Self::reply(
            self.agent
                .get(format!("{}{path_and_query}", self.base))
                .call(),
        )
    }

    pub fn get(&self, path_and_query: &str) -> Reply {
        self.try_get(path_and_query).expect("request succeeds")
    }

    pub fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        Self::reply(
            self.agent
                .post(format!("{}{path}", self.base))
                .send_form(form.iter().copied()),
        )
        .expect("request succeeds")
    }

    // ---- the operations --------------------------------------------------------------

    pub fn register(&self, scopes: &[&str]) -> (String, String) {
        let mut body = json!({"clientName": "botocore-client-test", "clientType": "public"});
        if !scopes.is_empty() {
            body["scopes"] = json!(scopes);
        }
        let r = self.post("/client/register", &body);
        assert_eq!(r.status, 200, "{r:?}");
        let v = r.json();
        (
            v["clientId"].as_str().unwrap().to_owned(),
            v["clientSecret"].as_str().unwrap().to_owned(),
        )
    }

    pub fn register_pkce(&self) -> (String, String) {
        let r = self.post(
            "/client/register",
            &json!({
                "clientName": "botocore-client-pkce", "clientType": "public",
                "scopes": ["sso:account:access"],
                "grantTypes": ["authorization_code", "refresh_token"],
                "redirectUris": ["http://127.0.0.1/oauth/callback"],
                "issuerUrl": START_URL
            }),
        );
        assert_eq!(r.status, 200, "{r:?}");
        let v = r.json();
        (
            v["clientId"].as_str().unwrap().to_owned(),
            v["clientSecret"].as_str().unwrap().to_owned(),
        )
    }

    /// Returns (deviceCode, userCode, full response).
    pub fn start_device(&self, id: &str, secret: &str) -> (String, String, Value) {
        let r = self.post(
            "/device_authorization",
            &json!({"clientId": id, "clientSecret": secret, "startUrl": START_URL}),
        );
        assert_eq!(r.status, 200, "{r:?}");
        let v = r.json();
        (
            v["deviceCode"].as_str().unwrap().to_owned(),
            v["userCode"].as_str().unwrap().to_owned(),
            v,
        )
    }

    pub fn poll(&self, id: &str, secret: &str, device_code: &str) -> Reply {
        self.post(
            "/token",
            &json!({"clientId": id, "clientSecret": secret, "grantType": DEVICE_GRANT,
                    "deviceCode": device_code}),
        )
    }

    pub fn refresh(&self, id: &str, secret: &str, refresh_token: &str) -> Reply {
        self.post(
            "/token",
            &json!({"clientId": id, "clientSecret": secret, "grantType": "refresh_token",
                    "refreshToken": refresh_token}),
        )
    }
}

/// Sleeps `n` protocol seconds of a 10 ms-second emulator, plus a margin.
pub fn wait_secs(n: u64) {
    std::thread::sleep(Duration::from_millis(n * 10 + 5));
}

/// Waits until `done` holds, looking every 5 ms. Panics after 30 s: a bound only a broken
/// emulator reaches, never a slow machine.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends raw bytes on a fresh connection and reads until the server closes or `timeout`.
pub fn raw(base: &str, request: &[u8], timeout: Duration) -> std::io::Result<Vec<u8>> {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(timeout))?;
    s.write_all(request)?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    Ok(out)
}

/// A raw HTTP/1.1 POST with `Connection: close`.
pub fn raw_post(base: &str, path: &str, body: &[u8]) -> String {
    let host = base.trim_start_matches("http://");
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    let out = raw(base, &req, Duration::from_secs(10)).expect("raw request");
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a raw response into (status, lower-cased head, body).
pub fn split_raw(resp: &str) -> (u16, String, String) {
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((resp, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// The PKCE challenge for a verifier (RFC 7636 S256), computed independently of the emulator
/// using the RFC's test vector pair where possible.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Percent-encodes a query value (RFC 3986 unreserved characters kept), as botocore does.
pub fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CLI's authorize URL path and query (spec 6.6 step 4).
pub fn authorize_path(client_id: &str, redirect_uri: &str, state: &str, challenge: &str) -> String {
    format!(
        "/authorize?response_type=code&client_id={}&redirect_uri={}&state={}\
         &code_challenge_method=S256&scopes={}&code_challenge={challenge}",
        pct(client_id),
        pct(redirect_uri),
        pct(state),
        pct("sso:account:access")
    )
}

/// Query parameters of a `Location` header.
pub fn location_params(location: &str) -> Vec<(String, String)> {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let h = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(h, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
