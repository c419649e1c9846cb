//! The emulator's request handling (`ssooidc_emulator::Handler`, the code path its server
//! uses) with arbitrary sequences of requests: any method, path, query, headers and body, under
//! an arbitrary configuration and fault rules, on a virtual clock.
//!
//! Bodies are raw bytes or built from JSON / form members whose values can be taken from
//! earlier answers (client id and secret, device and user codes, tokens, authorization codes,
//! consent requests), so whole flows are reachable.
//!
//! Checks: nothing panics; every answer carries `x-amzn-RequestId`; without fault rules every
//! request is answered, and every operation's answer decodes with the core's decoders: a 200
//! as the operation's output, anything else as a modelled service error (what a real client
//! would see).
#![no_main]

use std::time::{Duration, Instant, SystemTime};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ssooidc_core::error::decode_error;
use ssooidc_core::operations::{
    CreateToken, CreateTokenWithIam, RegisterClient, StartDeviceAuthorization,
};
use ssooidc_core::{ErrorCode, Operation};
use ssooidc_emulator::{
    Approval, Config, FaultAction, FaultRule, Handler, RefreshTokenPolicy, Target, When,
};

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Slot {
    ClientId,
    ClientSecret,
    DeviceCode,
    UserCode,
    RefreshToken,
    AccessToken,
    AuthCode,
    ConsentRequest,
}

const SLOTS: usize = 8;

const KNOWN_VALUES: [&str; 24] = [
    "public",
    "urn:ietf:params:oauth:grant-type:device_code",
    "authorization_code",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "https://d-1234567890.awsapps.com/start",
    "http://127.0.0.1/oauth/callback",
    "http://127.0.0.1:54321/oauth/callback",
    "sso:account:access",
    "arn:aws:sso::123456789012:application/ssoins-111111111111/apl-222222222222",
    "approve",
    "deny",
    "code",
    "S256",
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    "t",
    "urn:ietf:params:oauth:token-type:access_token",
    "urn:ietf:params:oauth:token-type:refresh_token",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/sso-oauth/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=0",
    "application/json",
    "application/x-www-form-urlencoded",
    "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f",
];

const JSON_KEYS: [&str; 21] = [
    "clientName",
    "clientType",
    "scopes",
    "redirectUris",
    "grantTypes",
    "issuerUrl",
    "entitledApplicationArn",
    "clientId",
    "clientSecret",
    "startUrl",
    "grantType",
    "deviceCode",
    "code",
    "refreshToken",
    "scope",
    "redirectUri",
    "codeVerifier",
    "assertion",
    "subjectToken",
    "subjectTokenType",
    "requestedTokenType",
];

const FORM_KEYS: [&str; 12] = [
    "user_code",
    "action",
    "request",
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge_method",
    "code_challenge",
    "scopes",
    "aws_iam",
    "scope",
];

const PATHS: [&str; 9] = [
    "/client/register",
    "/device_authorization",
    "/token",
    "/authorize",
    "/device",
    "/device/",
    "/",
    "/oauth/callback",
    "/token/",
];

const HEADERS: [&str; 6] = [
    "content-type",
    "content-length",
    "authorization",
    "host",
    "x-amz-date",
    "user-agent",
];

#[derive(Debug, Arbitrary)]
enum Val {
    Saved(Slot),
    Known(u8),
    Lit(String),
}

#[derive(Debug, Arbitrary)]
enum JVal {
    Str(Val),
    List(Vec<Val>),
    Int(i64),
    Bool(bool),
    Null,
    Object(Vec<(Key, Val)>),
}

#[derive(Debug, Arbitrary)]
enum Key {
    Known(u8),
    Lit(String),
}

#[derive(Debug, Arbitrary)]
enum Body {
    Empty,
    Raw(Vec<u8>),
    Json(Vec<(Key, JVal)>),
    Form(Vec<(Key, Val)>),
}

#[derive(Debug, Arbitrary)]
enum Method {
    Get,
    Post,
    Head,
    Other(u8),
}

#[derive(Debug, Arbitrary)]
enum Path {
    Known(u8),
    Lit(String),
}

#[derive(Debug, Arbitrary)]
struct Req {
    method: Method,
    path: Path,
    query: Vec<(Key, Val)>,
    headers: Vec<(Key, Val)>,
    body: Body,
    /// Virtual milliseconds that pass before this request.
    advance_ms: u32,
}

#[derive(Debug, Arbitrary)]
enum Second {
    Zero,
    Milli,
    Ten,
    One,
}

#[derive(Debug, Arbitrary)]
struct Conf {
    region: Option<String>,
    interval: u32,
    expires_in: u32,
    slow_down_increment: u32,
    second: Second,
    access_token_lifetime: u32,
    refresh_token_lifetime: u32,
    registration_lifetime: u32,
    approval: (u8, u32),
    refresh_tokens: u8,
    rotate_refresh_tokens: bool,
    error_type_header: bool,
    small_body_limit: Option<u16>,
    public_url: Option<String>,
    max_recorded_requests: u8,
}

#[derive(Debug, Arbitrary)]
struct Fault {
    target: u8,
    when: (u8, u32),
    action: (u8, u16),
}

#[derive(Debug, Arbitrary)]
struct Input {
    config: Conf,
    faults: Vec<Fault>,
    requests: Vec<Req>,
}

fn config(c: &Conf) -> Config {
    let mut config = Config::default();
    if let Some(r) = &c.region {
        config.region = r.clone();
    }
    config.interval = c.interval;
    config.expires_in = c.expires_in;
    config.slow_down_increment = c.slow_down_increment;
    config.second = match c.second {
        Second::Zero => Duration::ZERO,
        Second::Milli => Duration::from_millis(1),
        Second::Ten => Duration::from_millis(10),
        Second::One => Duration::from_secs(1),
    };
    config.access_token_lifetime = c.access_token_lifetime;
    config.refresh_token_lifetime = c.refresh_token_lifetime;
    config.registration_lifetime = c.registration_lifetime;
    config.approval = match c.approval.0 % 4 {
        0 => Approval::Manual,
        1 => Approval::ApproveAfterPolls(c.approval.1 % 8),
        2 => Approval::ApproveAfterDelay(Duration::from_millis(u64::from(c.approval.1))),
        _ => Approval::DenyAfterPolls(c.approval.1 % 8),
    };
    config.refresh_tokens = match c.refresh_tokens % 3 {
        0 => RefreshTokenPolicy::WhenScoped,
        1 => RefreshTokenPolicy::Always,
        _ => RefreshTokenPolicy::Never,
    };
    config.rotate_refresh_tokens = c.rotate_refresh_tokens;
    config.error_type_header = c.error_type_header;
    if let Some(limit) = c.small_body_limit {
        config.max_body_bytes = usize::from(limit);
    }
    config.public_url = c.public_url.clone();
    config.max_recorded_requests = usize::from(c.max_recorded_requests % 4);
    config
}

fn fault(f: &Fault) -> FaultRule {
    let target = [
        Target::RegisterClient,
        Target::StartDeviceAuthorization,
        Target::CreateToken,
        Target::CreateTokenWithIam,
        Target::Authorize,
        Target::Device,
        Target::Any,
    ][usize::from(f.target) % 7];
    let when = match f.when.0 % 3 {
        0 => When::Every,
        1 => When::Nth(f.when.1 % 8),
        _ => When::From(f.when.1 % 8),
    };
    let action = match f.action.0 % 6 {
        0 => FaultAction::Error(ErrorCode::ALL[usize::from(f.action.1) % ErrorCode::ALL.len()]),
        1 => FaultAction::Status(f.action.1),
        2 => FaultAction::Delay(Duration::from_millis(u64::from(f.action.1))),
        3 => FaultAction::Hang,
        4 => FaultAction::Drop,
        _ => FaultAction::Close,
    };
    FaultRule::new(target, when, action)
}

struct Saved([Option<String>; SLOTS]);

impl Saved {
    fn value(&self, v: &Val) -> String {
        match v {
            Val::Saved(slot) => self.0[*slot as usize].clone().unwrap_or_default(),
            Val::Known(i) => KNOWN_VALUES[usize::from(*i) % KNOWN_VALUES.len()].to_owned(),
            Val::Lit(s) => s.clone(),
        }
    }

    fn json(&self, v: &JVal) -> serde_json::Value {
        match v {
            JVal::Str(v) => self.value(v).into(),
            JVal::List(items) => items.iter().map(|v| self.value(v)).collect(),
            JVal::Int(i) => (*i).into(),
            JVal::Bool(b) => (*b).into(),
            JVal::Null => serde_json::Value::Null,
            JVal::Object(members) => members
                .iter()
                .map(|(k, v)| (key(k, &JSON_KEYS), self.value(v).into()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    /// Remembers what an answer handed out.
    fn harvest(&mut self, response: &http::Response<Vec<u8>>) {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(response.body()) {
            for (member, slot) in [
                ("clientId", Slot::ClientId),
                ("clientSecret", Slot::ClientSecret),
                ("deviceCode", Slot::DeviceCode),
                ("userCode", Slot::UserCode),
                ("refreshToken", Slot::RefreshToken),
                ("accessToken", Slot::AccessToken),
            ] {
                if let Some(serde_json::Value::String(s)) = map.get(member) {
                    self.0[slot as usize] = Some(s.clone());
                }
            }
        }
        if let Some(location) = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
        {
            if let Some((_, query)) = location.split_once('?') {
                for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                    if k == "code" {
                        self.0[Slot::AuthCode as usize] = Some(v.into_owned());
                    }
                }
            }
        }
        let page = String::from_utf8_lossy(response.body());
        if let Some(rest) = page.split(r#"name="request" value=""#).nth(1) {
            if let Some(value) = rest.split('"').next() {
                self.0[Slot::ConsentRequest as usize] = Some(value.to_owned());
            }
        }
    }
}

fn key(k: &Key, known: &[&str]) -> String {
    match k {
        Key::Known(i) => known[usize::from(*i) % known.len()].to_owned(),
        Key::Lit(s) => s.clone(),
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn form(pairs: &[(Key, Val)], saved: &Saved) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encode(&key(k, &FORM_KEYS)),
                percent_encode(&saved.value(v))
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn build(req: &Req, saved: &Saved) -> Option<http::Request<Vec<u8>>> {
    let method = match req.method {
        Method::Get => http::Method::GET,
        Method::Post => http::Method::POST,
        Method::Head => http::Method::HEAD,
        Method::Other(i) => [
            http::Method::PUT,
            http::Method::DELETE,
            http::Method::OPTIONS,
            http::Method::PATCH,
            http::Method::TRACE,
            http::Method::CONNECT,
        ][usize::from(i) % 6]
            .clone(),
    };
    let path = match &req.path {
        Path::Known(i) => PATHS[usize::from(*i) % PATHS.len()].to_owned(),
        Path::Lit(s) => s.clone(),
    };
    let query = form(&req.query, saved);
    let uri = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (k, v) in &req.headers {
        let name = key(k, &HEADERS);
        let value = saved.value(v);
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            builder = builder.header(n, v);
        }
    }
    let body = match &req.body {
        Body::Empty => Vec::new(),
        Body::Raw(bytes) => bytes.clone(),
        Body::Json(members) => {
            let map: serde_json::Map<String, serde_json::Value> = members
                .iter()
                .map(|(k, v)| (key(k, &JSON_KEYS), saved.json(v)))
                .collect();
            serde_json::to_vec(&map).unwrap()
        }
        Body::Form(pairs) => form(pairs, saved).into_bytes(),
    };
    builder.body(body).ok()
}

/// The operation a request reaches, as the emulator routes it.
fn operation(request: &http::Request<Vec<u8>>) -> Option<&'static str> {
    if request.method() != http::Method::POST {
        return None;
    }
    let iam = request.uri().query().is_some_and(|q| {
        form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "aws_iam" && v == "t")
    });
    match request.uri().path() {
        "/client/register" => Some(RegisterClient::NAME),
        "/device_authorization" => Some(StartDeviceAuthorization::NAME),
        "/token" if iam => Some(CreateTokenWithIam::NAME),
        "/token" => Some(CreateToken::NAME),
        _ => None,
    }
}

fn decodes<O: Operation>(response: &http::Response<Vec<u8>>) -> bool {
    O::parse_response(response).is_ok()
}

fuzz_target!(|input: Input| {
    let mut config = config(&input.config);
    let faulty = !input.faults.is_empty();
    for f in &input.faults {
        config = config.fault(fault(f));
    }
    let handler = Handler::new(config);
    let mut now = Instant::now();
    let mut wall = SystemTime::now();
    let mut saved = Saved(Default::default());

    for req in &input.requests {
        let advance = Duration::from_millis(u64::from(req.advance_ms));
        now = now.checked_add(advance).unwrap_or(now);
        wall = wall.checked_add(advance).unwrap_or(wall);
        let Some(request) = build(req, &saved) else {
            continue;
        };
        let op = operation(&request);
        let Some(response) = handler.handle_at(request, now, wall) else {
            assert!(faulty, "no answer without a fault rule");
            continue;
        };
        assert!(
            response.headers().contains_key("x-amzn-requestid"),
            "an answer without a request id"
        );
        if !faulty {
            if let Some(op) = op {
                if response.status() == 200 {
                    let ok = match op {
                        RegisterClient::NAME => decodes::<RegisterClient>(&response),
                        StartDeviceAuthorization::NAME => {
                            decodes::<StartDeviceAuthorization>(&response)
                        }
                        CreateToken::NAME => decodes::<CreateToken>(&response),
                        _ => decodes::<CreateTokenWithIam>(&response),
                    };
                    assert!(
                        ok,
                        "{op}: a 200 the client cannot decode: {}",
                        String::from_utf8_lossy(response.body())
                    );
                } else if !(op == CreateTokenWithIam::NAME && response.status() == 403) {
                    // (CreateTokenWithIAM without a signature: the gateway's 403, unmodelled.)
                    let error = decode_error(&response);
                    assert!(
                        error.code().is_some(),
                        "{op}: an unmodelled error {error:?}: {}",
                        String::from_utf8_lossy(response.body())
                    );
                }
            }
        }
        saved.harvest(&response);
    }
    let _ = handler.requests();
});
