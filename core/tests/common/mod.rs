//! Helpers shared by the machines' tests: canned responses, a fixed wall clock, a clock that
//! moves by protocol seconds.
#![allow(dead_code)]

use ssooidc_core::device::{
    Aws, DeviceFlow, DeviceFlowConfig, DeviceFlowInput, Dialect, Registration, Token,
};
use ssooidc_core::endpoint::{resolve, EndpointParams};
use ssooidc_core::error::{encode_error, ErrorCode};
use ssooidc_core::oauth::{ClientAuth, OAuthClient, Provider, ProviderUrl, Standard, Tokens};
use ssooidc_core::ServiceError;
use time::macros::datetime;
use time::OffsetDateTime;

pub const START_URL: &str = "https://d-1234567890.awsapps.com/start";
pub const CLIENT_NAME: &str = "botocore-client-my-sso";
pub const CLIENT_SECRET: &str = "csec-very-secret";
pub const DEVICE_CODE: &str = "dc-very-secret";
pub const ACCESS_TOKEN: &str = "at-very-secret";
pub const REFRESH_TOKEN: &str = "rt-very-secret";

/// 2026-01-04T18:51:47Z, the `clientIdIssuedAt` of spec 8.1.
pub const WALL: OffsetDateTime = datetime!(2026-01-04 18:51:47 UTC);
/// `clientSecretExpiresAt` of spec 8.1: 2026-04-04T18:51:47Z.
pub const CLIENT_SECRET_EXPIRES_AT: i64 = 1_775_328_707;

pub fn input() -> DeviceFlowInput {
    let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
    DeviceFlowInput::new(endpoint, START_URL, CLIENT_NAME)
}

pub fn response(status: u16, body: impl Into<Vec<u8>>) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

pub fn ok(body: &str) -> http::Response<Vec<u8>> {
    response(200, body)
}

/// A modelled error as the service sends it (with `x-amzn-ErrorType`).
pub fn error(code: ErrorCode) -> http::Response<Vec<u8>> {
    encode_error(&ServiceError::from_code(code, "canned"), true)
}

pub fn register_ok() -> http::Response<Vec<u8>> {
    ok(&format!(
        r#"{{"authorizationEndpoint":null,"clientId":"cid","clientIdIssuedAt":1767552707,"clientSecret":"{CLIENT_SECRET}","clientSecretExpiresAt":{CLIENT_SECRET_EXPIRES_AT},"tokenEndpoint":null}}"#
    ))
}

/// A StartDeviceAuthorization success; `None` leaves the member out.
pub fn authorize_ok(interval: Option<i32>, expires_in: Option<i32>) -> http::Response<Vec<u8>> {
    let mut body = format!(
        r#"{{"deviceCode":"{DEVICE_CODE}","userCode":"ABCD-EFGH","verificationUri":"https://x/","verificationUriComplete":"https://x/?user_code=ABCD-EFGH""#
    );
    if let Some(i) = interval {
        body.push_str(&format!(r#","interval":{i}"#));
    }
    if let Some(e) = expires_in {
        body.push_str(&format!(r#","expiresIn":{e}"#));
    }
    body.push('}');
    ok(&body)
}

pub fn token_ok() -> http::Response<Vec<u8>> {
    ok(&format!(
        r#"{{"accessToken":"{ACCESS_TOKEN}","expiresIn":3600,"refreshToken":"{REFRESH_TOKEN}","tokenType":"Bearer"}}"#
    ))
}

/// A cached registration expiring `minutes` after [`WALL`].
pub fn cached(minutes: i64) -> Registration {
    Registration::new(
        "cached-cid",
        CLIENT_SECRET,
        WALL + time::Duration::minutes(minutes),
    )
}

/// The JSON body of a request.
pub fn body(request: &http::Request<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(request.body()).unwrap()
}

/// `t` moved by `delta` thousandths of a protocol second (any sign), never below `floor`.
pub fn shift(
    t: std::time::Instant,
    delta: i64,
    floor: std::time::Instant,
    second: std::time::Duration,
) -> std::time::Instant {
    let d = second * u32::try_from(delta.unsigned_abs()).unwrap() / 1000;
    if delta >= 0 {
        t + d
    } else {
        t.checked_sub(d).unwrap_or(floor).max(floor)
    }
}

/// One wire dialect as the device tests see it: how its server answers, where its requests
/// go, and what its flow yields. The per-state tests, the property tests and the simulation run
/// once per dialect ([`both_dialects!`]).
pub trait Wire: Dialect + Sized {
    /// For test names and messages.
    const NAME: &'static str;
    /// The path of the device authorization request.
    const AUTHORIZE_PATH: &'static str;
    /// The path of the token request.
    const TOKEN_PATH: &'static str;
    /// Whether a flow without a cached registration registers first.
    const REGISTERS: bool;
    /// Whether a `slow_down` answer's `interval` member counts.
    const SLOW_DOWN_CARRIES_INTERVAL: bool;

    /// The dialect of the tests' input (no cached registration), with `scopes` when given.
    fn dialect(scopes: Option<&[&str]>) -> Self;

    /// A flow of the tests' input.
    fn flow(config: DeviceFlowConfig, seed: u64) -> DeviceFlow<Self> {
        DeviceFlow::with_dialect(Self::dialect(None), config, WALL, seed)
    }

    /// A device authorization success; `None` leaves the member out.
    fn authorize_ok(interval: Option<i32>, expires_in: Option<i32>) -> http::Response<Vec<u8>>;

    /// A token success with [`ACCESS_TOKEN`], [`REFRESH_TOKEN`], one hour, `Bearer`.
    fn token_ok() -> http::Response<Vec<u8>>;

    /// `code` as the dialect's server sends it; `quirk`: the other way servers of the dialect
    /// send it (AWS: without `x-amzn-ErrorType`; standard: with status 200).
    fn error_as(code: ErrorCode, quirk: bool) -> http::Response<Vec<u8>>;

    /// `code` as the server normally sends it.
    fn error(code: ErrorCode) -> http::Response<Vec<u8>> {
        Self::error_as(code, false)
    }

    /// An error the dialect does not model, named `code`, with `status`.
    fn unknown(status: u16, code: &str) -> http::Response<Vec<u8>>;

    /// A `slow_down` carrying `interval` seconds.
    fn slow_down_to(interval: u64) -> http::Response<Vec<u8>>;

    /// The error code a server's `code` decodes to (the standard dialect has no
    /// `InvalidRequestRegion`).
    fn decoded(code: ErrorCode) -> ErrorCode {
        code
    }

    /// The access token of the flow's result.
    fn access_token(token: &Self::Token) -> &str;

    /// The refresh token of the flow's result.
    fn refresh_token(token: &Self::Token) -> Option<&str>;

    /// Asserts that `request` is the device authorization request of the tests' client.
    fn check_authorize(request: &http::Request<Vec<u8>>);

    /// Asserts that `request` is a poll with [`DEVICE_CODE`] by the tests' client.
    fn check_poll(request: &http::Request<Vec<u8>>);
}

impl Wire for Aws {
    const NAME: &'static str = "aws";
    const AUTHORIZE_PATH: &'static str = "/device_authorization";
    const TOKEN_PATH: &'static str = "/token";
    const REGISTERS: bool = true;
    const SLOW_DOWN_CARRIES_INTERVAL: bool = false;

    fn dialect(scopes: Option<&[&str]>) -> Self {
        let mut input = input();
        if let Some(scopes) = scopes {
            input = input.scopes(scopes.iter().copied());
        }
        Aws::new(input)
    }

    fn authorize_ok(interval: Option<i32>, expires_in: Option<i32>) -> http::Response<Vec<u8>> {
        authorize_ok(interval, expires_in)
    }

    fn token_ok() -> http::Response<Vec<u8>> {
        token_ok()
    }

    fn error_as(code: ErrorCode, without_header: bool) -> http::Response<Vec<u8>> {
        encode_error(&ServiceError::from_code(code, "canned"), !without_header)
    }

    fn unknown(status: u16, code: &str) -> http::Response<Vec<u8>> {
        encode_error(
            &ServiceError::Unknown {
                meta: ssooidc_core::error::ErrorMeta::new(status),
                code: code.to_owned(),
                message: None,
            },
            true,
        )
    }

    fn slow_down_to(interval: u64) -> http::Response<Vec<u8>> {
        response(
            400,
            format!(r#"{{"error":"slow_down","error_description":"x","interval":{interval}}}"#),
        )
    }

    fn access_token(token: &Token) -> &str {
        token.access_token.expose()
    }

    fn refresh_token(token: &Token) -> Option<&str> {
        token.refresh_token.as_ref().map(|t| t.expose())
    }

    fn check_authorize(request: &http::Request<Vec<u8>>) {
        assert_eq!(
            body(request),
            serde_json::json!({"clientId": "cid", "clientSecret": CLIENT_SECRET, "startUrl": START_URL})
        );
    }

    fn check_poll(request: &http::Request<Vec<u8>>) {
        assert_eq!(
            body(request),
            serde_json::json!({
                "clientId": "cid",
                "clientSecret": CLIENT_SECRET,
                "grantType": "urn:ietf:params:oauth:grant-type:device_code",
                "deviceCode": DEVICE_CODE,
            })
        );
    }
}

/// The standard dialect's test provider.
pub const IDP: &str = "https://idp.example.com";

/// The tests' standard client: `cid` with [`CLIENT_SECRET`], `client_secret_post` (so that the
/// secret is in the bodies the redaction tests look at).
pub fn oauth_client() -> OAuthClient {
    OAuthClient::new(
        "cid",
        Some(CLIENT_SECRET.into()),
        Some(ClientAuth::ClientSecretPost),
    )
    .unwrap()
}

/// The tests' standard provider: [`IDP`] with explicit endpoints.
pub fn provider() -> Provider {
    Provider::explicit(
        ProviderUrl::parse(&format!("{IDP}/oauth2/device_authorization")).unwrap(),
        ProviderUrl::parse(&format!("{IDP}/oauth2/token")).unwrap(),
    )
}

/// A standard answer: JSON `body` with `status`.
pub fn oauth_response(status: u16, body: serde_json::Value) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(body.to_string().into_bytes())
        .unwrap()
}

/// The pairs of a form body.
pub fn form(request: &http::Request<Vec<u8>>) -> Vec<(String, String)> {
    ssooidc_core::oauth::form::parse(request.body())
}

impl Wire for Standard {
    const NAME: &'static str = "standard";
    const AUTHORIZE_PATH: &'static str = "/oauth2/device_authorization";
    const TOKEN_PATH: &'static str = "/oauth2/token";
    const REGISTERS: bool = false;
    const SLOW_DOWN_CARRIES_INTERVAL: bool = true;

    fn dialect(scopes: Option<&[&str]>) -> Self {
        Standard::new(
            provider(),
            oauth_client(),
            scopes
                .unwrap_or(&["openid", "offline_access"])
                .iter()
                .copied(),
        )
    }

    fn authorize_ok(interval: Option<i32>, expires_in: Option<i32>) -> http::Response<Vec<u8>> {
        let mut body = serde_json::json!({
            "device_code": DEVICE_CODE,
            "user_code": "ABCD-EFGH",
            "verification_uri": "https://x/",
            "verification_uri_complete": "https://x/?user_code=ABCD-EFGH",
        });
        if let Some(i) = interval {
            body["interval"] = i.into();
        }
        if let Some(e) = expires_in {
            body["expires_in"] = e.into();
        }
        oauth_response(200, body)
    }

    fn token_ok() -> http::Response<Vec<u8>> {
        oauth_response(
            200,
            serde_json::json!({
                "access_token": ACCESS_TOKEN,
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": REFRESH_TOKEN,
                "scope": "openid offline_access",
            }),
        )
    }

    fn error_as(code: ErrorCode, in_a_success: bool) -> http::Response<Vec<u8>> {
        let status = if in_a_success {
            200
        } else {
            code.http_status()
        };
        oauth_response(
            status,
            serde_json::json!({"error": code.oauth_error(), "error_description": "canned"}),
        )
    }

    fn unknown(status: u16, code: &str) -> http::Response<Vec<u8>> {
        oauth_response(status, serde_json::json!({ "error": code }))
    }

    fn slow_down_to(interval: u64) -> http::Response<Vec<u8>> {
        oauth_response(
            200,
            serde_json::json!({"error": "slow_down", "interval": interval}),
        )
    }

    fn decoded(code: ErrorCode) -> ErrorCode {
        match code {
            ErrorCode::InvalidRequestRegion => ErrorCode::InvalidRequest,
            other => other,
        }
    }

    fn access_token(token: &Tokens) -> &str {
        token.access_token.expose()
    }

    fn refresh_token(token: &Tokens) -> Option<&str> {
        token.refresh_token.as_ref().map(|t| t.expose())
    }

    fn check_authorize(request: &http::Request<Vec<u8>>) {
        assert_eq!(
            request.uri(),
            "https://idp.example.com/oauth2/device_authorization"
        );
        assert_eq!(
            request.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(request.headers()["accept"], "application/json");
        assert_eq!(
            request.body().as_slice(),
            format!("client_id=cid&client_secret={CLIENT_SECRET}&scope=openid+offline_access")
                .as_bytes()
        );
    }

    fn check_poll(request: &http::Request<Vec<u8>>) {
        assert_eq!(request.uri(), "https://idp.example.com/oauth2/token");
        let pairs = form(request);
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", DEVICE_CODE),
                ("client_id", "cid"),
                ("client_secret", CLIENT_SECRET),
            ]
        );
    }
}

/// Runs each named generic test (`fn name<W: Wire>()`) once per dialect, as `aws::name` and
/// `standard::name`.
#[allow(unused_macros)]
macro_rules! both_dialects {
    ($($name:ident),* $(,)?) => {
        mod aws {
            $( #[test] fn $name() { super::$name::<ssooidc_core::device::Aws>(); } )*
        }
        mod standard {
            $( #[test] fn $name() { super::$name::<ssooidc_core::oauth::Standard>(); } )*
        }
    };
}
