//! The bodies and floors of the core benchmarks, shared by `wire.rs` (criterion, time) and
//! `instructions.rs` (instruction counts under valgrind, `tests/benches/instructions.sh`), so that
//! both measure the same code. Each benchmark is one [`Bench`]: a group, a name, the floor it is
//! compared with (in the same group) and a body run once per iteration on shared [`Fixtures`].
//!
//! The floors: plain `serde_json` decoding of the same body into an equivalent struct (plain
//! `String`s, no `Secret`, no error identification, no size or depth checks), `serde_json`
//! serialisation of the same input, and for the whole flow the same serde work and response
//! clones without the machine or `http`.

use ssooidc_core::machine::Machine;
use std::hint::black_box;
use std::time::Instant;

use serde::Deserialize;
use ssooidc_core::device::{DeviceFlow, DeviceFlowConfig, DeviceFlowInput, DeviceFlowOutput};
use ssooidc_core::endpoint::{resolve, Endpoint, EndpointParams};
use ssooidc_core::error::{decode_error, encode_error};
use ssooidc_core::operations::{
    grant_type, CreateToken, CreateTokenWithIam, RegisterClient, StartDeviceAuthorization,
};
use ssooidc_core::{ErrorCode, Operation, ServiceError};
use time::OffsetDateTime;

const REGISTER: &str = r#"{"authorizationEndpoint":null,"clientId":"ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ","clientIdIssuedAt":1767552707,"clientSecret":"eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.eyJzZXJpYWxpemVkIjoiZXhhbXBsZS1zZXJpYWxpemVkLWNsaWVudC1zZWNyZXQtb2YtYWJvdXQtYS1raWxvYnl0ZS1sb25nLXRvLWJlLXJlYWxpc3RpYy1pbi1zaXplLWFuZC1zaGFwZSJ9.c2lnbmF0dXJl","clientSecretExpiresAt":1775328707,"tokenEndpoint":null}"#;
const START: &str = r#"{"deviceCode":"MCicoYO9Oyl33l8b_iFkAdjZprJRa6pFaWuy92kIcdELERSbqKU6tDX2FadykkoGDOlVc0ZuoZ6e53sf5rONNw","expiresIn":600,"interval":1,"userCode":"GPNW-SHFH","verificationUri":"https://d-1234567890.awsapps.com/start/#/device","verificationUriComplete":"https://d-1234567890.awsapps.com/start/#/device?user_code=GPNW-SHFH"}"#;
const TOKEN: &str = r#"{"accessToken":"aoaAAAAAGexample","expiresIn":3600,"refreshToken":"aorvJYubGexample","tokenType":"Bearer"}"#;
const IAM: &str = r#"{"accessToken":"at","tokenType":"Bearer","expiresIn":3600,"refreshToken":"rt","idToken":"eyJhbGciOi...","issuedTokenType":"urn:ietf:params:oauth:token-type:refresh_token","scope":["openid","aws","sts:identity_context"],"awsAdditionalDetails":{"identityContext":"EXAMPLEIDENTITYCONTEXT"}}"#;
const PENDING: &str =
    r#"{"error":"authorization_pending","error_description":"Authorization is still pending"}"#;

// The floors: the same bodies into plain structs.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainRegister {
    client_id: String,
    client_secret: String,
    client_id_issued_at: Option<i64>,
    client_secret_expires_at: Option<i64>,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainStart {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: Option<String>,
    expires_in: Option<i32>,
    interval: Option<i32>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainToken {
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<i32>,
    refresh_token: Option<String>,
    id_token: Option<String>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainDetails {
    identity_context: Option<String>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainIam {
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<i32>,
    refresh_token: Option<String>,
    id_token: Option<String>,
    issued_token_type: Option<String>,
    scope: Option<Vec<String>>,
    aws_additional_details: Option<PlainDetails>,
}
#[allow(dead_code)]
#[derive(Deserialize)]
struct PlainError {
    error: Option<String>,
    error_description: Option<String>,
}

fn ok(body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// Everything the bodies read, built once before any iteration.
pub struct Fixtures {
    endpoint: Endpoint,
    register: RegisterClient,
    start: StartDeviceAuthorization,
    token: CreateToken,
    iam: CreateTokenWithIam,
    /// The `StartDeviceAuthorization` input of the flow's floor.
    flow_start: StartDeviceAuthorization,
    r: http::Response<Vec<u8>>,
    s: http::Response<Vec<u8>>,
    t: http::Response<Vec<u8>>,
    i: http::Response<Vec<u8>>,
    /// `authorization_pending` as the service sends it.
    pending: http::Response<Vec<u8>>,
    wall: OffsetDateTime,
    t0: Instant,
}

impl Fixtures {
    pub fn new() -> Self {
        let mut iam = CreateTokenWithIam::new(
            "arn:aws:sso::123456789012:application/ssoins-111111111111/apl-222222222222",
            grant_type::JWT_BEARER,
        );
        iam.assertion = Some("eyJ0eXAiOiJKV1Qi...".into());
        Fixtures {
            endpoint: resolve(&EndpointParams::region("us-east-1")).unwrap(),
            register: RegisterClient::new("botocore-client-my-sso").scopes(["sso:account:access"]),
            start: StartDeviceAuthorization::new(
                "ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ",
                "eyJ...",
                "https://d-1234567890.awsapps.com/start",
            ),
            token: CreateToken::device_code("cid", "csec", "dc"),
            iam,
            flow_start: StartDeviceAuthorization::new(
                "cid",
                "csec",
                "https://d-1234567890.awsapps.com/start",
            ),
            r: ok(REGISTER),
            s: ok(START),
            t: ok(TOKEN),
            i: ok(IAM),
            pending: encode_error(
                &ServiceError::from_code(
                    ErrorCode::AuthorizationPending,
                    "Authorization is still pending",
                ),
                true,
            ),
            wall: time::macros::datetime!(2026-01-04 18:51:47 UTC),
            t0: Instant::now(),
        }
    }
}

/// One benchmark: `group/name`, compared with `group/floor` (`None` for a floor itself).
pub struct Bench {
    pub group: &'static str,
    pub name: &'static str,
    // Read by instructions.rs only; criterion compares nothing itself (report.py pairs them).
    #[allow(dead_code)]
    pub floor: Option<&'static str>,
    /// One iteration; it hands its result to `black_box` and drops it, as criterion's `iter` does.
    pub run: fn(&Fixtures),
}

impl Bench {
    /// `group/name`, as criterion names it.
    #[allow(dead_code)] // instructions.rs only
    pub fn id(&self) -> String {
        format!("{}/{}", self.group, self.name)
    }
}

const fn body(
    group: &'static str,
    name: &'static str,
    floor: &'static str,
    run: fn(&Fixtures),
) -> Bench {
    Bench {
        group,
        name,
        floor: Some(floor),
        run,
    }
}

const fn floor(group: &'static str, name: &'static str, run: fn(&Fixtures)) -> Bench {
    Bench {
        group,
        name,
        floor: None,
        run,
    }
}

/// Every benchmark, in the order criterion runs them (grouped by `group`).
pub const BENCHES: &[Bench] = &[
    // Building requests; floor: serialising the same input with serde_json alone.
    body(
        "build",
        "register_client",
        "floor_serialize_create_token",
        |f| {
            black_box(black_box(&f.register).to_request(&f.endpoint).unwrap());
        },
    ),
    body(
        "build",
        "start_device_authorization",
        "floor_serialize_create_token",
        |f| {
            black_box(black_box(&f.start).to_request(&f.endpoint).unwrap());
        },
    ),
    body(
        "build",
        "create_token",
        "floor_serialize_create_token",
        |f| {
            black_box(black_box(&f.token).to_request(&f.endpoint).unwrap());
        },
    ),
    body(
        "build",
        "create_token_with_iam",
        "floor_serialize_create_token",
        |f| {
            black_box(black_box(&f.iam).to_request(&f.endpoint).unwrap());
        },
    ),
    floor("build", "floor_serialize_create_token", |f| {
        black_box(serde_json::to_vec(black_box(&f.token)).unwrap());
    }),
    // Decoding responses; floors: the same bodies into plain structs.
    body("decode", "register_client", "floor_register_client", |f| {
        black_box(RegisterClient::parse_response(black_box(&f.r)).unwrap());
    }),
    floor("decode", "floor_register_client", |_| {
        black_box(serde_json::from_slice::<PlainRegister>(black_box(REGISTER.as_bytes())).unwrap());
    }),
    body(
        "decode",
        "start_device_authorization",
        "floor_start_device_authorization",
        |f| {
            black_box(StartDeviceAuthorization::parse_response(black_box(&f.s)).unwrap());
        },
    ),
    floor("decode", "floor_start_device_authorization", |_| {
        black_box(serde_json::from_slice::<PlainStart>(black_box(START.as_bytes())).unwrap());
    }),
    body("decode", "create_token", "floor_create_token", |f| {
        black_box(CreateToken::parse_response(black_box(&f.t)).unwrap());
    }),
    floor("decode", "floor_create_token", |_| {
        black_box(serde_json::from_slice::<PlainToken>(black_box(TOKEN.as_bytes())).unwrap());
    }),
    body(
        "decode",
        "create_token_with_iam",
        "floor_create_token_with_iam",
        |f| {
            black_box(CreateTokenWithIam::parse_response(black_box(&f.i)).unwrap());
        },
    ),
    floor("decode", "floor_create_token_with_iam", |_| {
        black_box(serde_json::from_slice::<PlainIam>(black_box(IAM.as_bytes())).unwrap());
    }),
    body("decode", "error", "floor_error", |f| {
        black_box(decode_error(black_box(&f.pending)));
    }),
    floor("decode", "floor_error", |_| {
        black_box(serde_json::from_slice::<PlainError>(black_box(PENDING.as_bytes())).unwrap());
    }),
    body("flow", "device_flow", "floor_device_flow", device_flow),
    floor("flow", "floor_device_flow", floor_device_flow),
];

/// One whole device flow in virtual time: register, start, the immediate poll, one more pending
/// poll, then the token (5 requests).
fn device_flow(f: &Fixtures) {
    let input = DeviceFlowInput::new(
        f.endpoint.clone(),
        "https://d-1234567890.awsapps.com/start",
        "botocore-client-my-sso",
    )
    .scopes(["sso:account:access"]);
    let mut flow = DeviceFlow::new(input, DeviceFlowConfig::default(), f.wall, 7);
    let mut now = f.t0;
    let mut polls = 0;
    loop {
        match flow.poll_output().unwrap() {
            DeviceFlowOutput::Transmit(transmit) => {
                let resp = match transmit.request.uri().path() {
                    "/client/register" => f.r.clone(),
                    "/device_authorization" => f.s.clone(),
                    _ => {
                        polls += 1;
                        if polls < 3 {
                            f.pending.clone()
                        } else {
                            f.t.clone()
                        }
                    }
                };
                flow.handle_response(now, f.wall, resp).unwrap();
            }
            DeviceFlowOutput::Timeout(at) => {
                now = at;
                flow.handle_timeout(now).unwrap();
            }
            DeviceFlowOutput::Event(ev) => {
                black_box(ev);
            }
            DeviceFlowOutput::Done(result) => {
                black_box(result.unwrap());
                break;
            }
        }
    }
}

/// Floor of the flow: the same serde work (the 5 request bodies serialised, the 5 response bodies
/// decoded) and the same response clones the driver above makes, without the machine or http.
fn floor_device_flow(f: &Fixtures) {
    black_box(serde_json::to_vec(&f.register).unwrap());
    black_box(serde_json::from_slice::<PlainRegister>(black_box(&f.r.clone()).body()).unwrap());
    black_box(serde_json::to_vec(&f.flow_start).unwrap());
    black_box(serde_json::from_slice::<PlainStart>(black_box(&f.s.clone()).body()).unwrap());
    for _ in 0..2 {
        black_box(serde_json::to_vec(&f.token).unwrap());
        black_box(
            serde_json::from_slice::<PlainError>(black_box(&f.pending.clone()).body()).unwrap(),
        );
    }
    black_box(serde_json::to_vec(&f.token).unwrap());
    black_box(serde_json::from_slice::<PlainToken>(black_box(&f.t.clone()).body()).unwrap());
}
