//! Criterion benchmarks of the wire layer and the device machine, each next to its floor: plain
//! `serde_json` decoding of the same body into an equivalent struct (plain `String`s, no
//! `Secret`, no error identification, no size or depth checks). `benches/report.py` turns the
//! results into the ratio table of BENCHMARKS.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use serde::Deserialize;
use ssooidc_core::device::{DeviceFlow, DeviceFlowConfig, DeviceFlowInput, Output};
use ssooidc_core::endpoint::{resolve, Endpoint, EndpointParams};
use ssooidc_core::error::{decode_error, encode_error};
use ssooidc_core::operations::{
    grant_type, CreateToken, CreateTokenWithIam, RegisterClient, StartDeviceAuthorization,
};
use ssooidc_core::{ErrorCode, Operation, ServiceError};

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

fn endpoint() -> Endpoint {
    resolve(&EndpointParams::region("us-east-1")).unwrap()
}

fn build_requests(c: &mut Criterion) {
    let e = endpoint();
    let mut g = c.benchmark_group("build");
    let register = RegisterClient::new("botocore-client-my-sso").scopes(["sso:account:access"]);
    g.bench_function("register_client", |b| {
        b.iter(|| black_box(&register).to_request(&e).unwrap())
    });
    let start = StartDeviceAuthorization::new(
        "ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ",
        "eyJ...",
        "https://d-1234567890.awsapps.com/start",
    );
    g.bench_function("start_device_authorization", |b| {
        b.iter(|| black_box(&start).to_request(&e).unwrap())
    });
    let token = CreateToken::device_code("cid", "csec", "dc");
    g.bench_function("create_token", |b| {
        b.iter(|| black_box(&token).to_request(&e).unwrap())
    });
    let mut iam = CreateTokenWithIam::new(
        "arn:aws:sso::123456789012:application/ssoins-111111111111/apl-222222222222",
        grant_type::JWT_BEARER,
    );
    iam.assertion = Some("eyJ0eXAiOiJKV1Qi...".into());
    g.bench_function("create_token_with_iam", |b| {
        b.iter(|| black_box(&iam).to_request(&e).unwrap())
    });
    // Floor: serialising the same input with serde_json alone.
    g.bench_function("floor_serialize_create_token", |b| {
        b.iter(|| serde_json::to_vec(black_box(&token)).unwrap())
    });
    g.finish();
}

fn decode_responses(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    let (r, s, t, i) = (ok(REGISTER), ok(START), ok(TOKEN), ok(IAM));
    g.bench_function("register_client", |b| {
        b.iter(|| RegisterClient::parse_response(black_box(&r)).unwrap())
    });
    g.bench_function("floor_register_client", |b| {
        b.iter(|| serde_json::from_slice::<PlainRegister>(black_box(REGISTER.as_bytes())).unwrap())
    });
    g.bench_function("start_device_authorization", |b| {
        b.iter(|| StartDeviceAuthorization::parse_response(black_box(&s)).unwrap())
    });
    g.bench_function("floor_start_device_authorization", |b| {
        b.iter(|| serde_json::from_slice::<PlainStart>(black_box(START.as_bytes())).unwrap())
    });
    g.bench_function("create_token", |b| {
        b.iter(|| CreateToken::parse_response(black_box(&t)).unwrap())
    });
    g.bench_function("floor_create_token", |b| {
        b.iter(|| serde_json::from_slice::<PlainToken>(black_box(TOKEN.as_bytes())).unwrap())
    });
    g.bench_function("create_token_with_iam", |b| {
        b.iter(|| CreateTokenWithIam::parse_response(black_box(&i)).unwrap())
    });
    g.bench_function("floor_create_token_with_iam", |b| {
        b.iter(|| serde_json::from_slice::<PlainIam>(black_box(IAM.as_bytes())).unwrap())
    });
    let pending = encode_error(
        &ServiceError::from_code(
            ErrorCode::AuthorizationPending,
            "Authorization is still pending",
        ),
        true,
    );
    g.bench_function("error", |b| b.iter(|| decode_error(black_box(&pending))));
    g.bench_function("floor_error", |b| {
        b.iter(|| serde_json::from_slice::<PlainError>(black_box(PENDING.as_bytes())).unwrap())
    });
    g.finish();
}

/// One whole device flow in virtual time: register, start, the immediate poll, one more pending
/// poll, then the token (5 requests).
fn device_flow(c: &mut Criterion) {
    let e = endpoint();
    let wall = time::macros::datetime!(2026-01-04 18:51:47 UTC);
    let pending = encode_error(
        &ServiceError::from_code(
            ErrorCode::AuthorizationPending,
            "Authorization is still pending",
        ),
        true,
    );
    let (r, s, t) = (ok(REGISTER), ok(START), ok(TOKEN));
    let t0 = Instant::now();
    let mut g = c.benchmark_group("flow");
    g.bench_function("device_flow", |b| {
        b.iter(|| {
            let input = DeviceFlowInput::new(
                e.clone(),
                "https://d-1234567890.awsapps.com/start",
                "botocore-client-my-sso",
            )
            .scopes(["sso:account:access"]);
            let mut flow = DeviceFlow::new(input, DeviceFlowConfig::default(), wall, 7);
            let mut now = t0;
            let mut polls = 0;
            loop {
                match flow.poll_output().unwrap() {
                    Output::Transmit(transmit) => {
                        let resp = match transmit.request.uri().path() {
                            "/client/register" => r.clone(),
                            "/device_authorization" => s.clone(),
                            _ => {
                                polls += 1;
                                if polls < 3 {
                                    pending.clone()
                                } else {
                                    t.clone()
                                }
                            }
                        };
                        flow.handle_response(now, wall, resp).unwrap();
                    }
                    Output::Timeout(at) => {
                        now = at;
                        flow.handle_timeout(now).unwrap();
                    }
                    Output::Event(ev) => {
                        black_box(ev);
                    }
                    Output::Done(result) => break black_box(result.unwrap()),
                }
            }
        })
    });
    // Floor: the same serde work (the 5 request bodies serialised, the 5 response bodies decoded)
    // and the same response clones the driver above makes, without the machine or http.
    let register = RegisterClient::new("botocore-client-my-sso").scopes(["sso:account:access"]);
    let start =
        StartDeviceAuthorization::new("cid", "csec", "https://d-1234567890.awsapps.com/start");
    let poll = CreateToken::device_code("cid", "csec", "dc");
    g.bench_function("floor_device_flow", |b| {
        b.iter(|| {
            black_box(serde_json::to_vec(&register).unwrap());
            black_box(
                serde_json::from_slice::<PlainRegister>(black_box(&r.clone()).body()).unwrap(),
            );
            black_box(serde_json::to_vec(&start).unwrap());
            black_box(serde_json::from_slice::<PlainStart>(black_box(&s.clone()).body()).unwrap());
            for _ in 0..2 {
                black_box(serde_json::to_vec(&poll).unwrap());
                black_box(
                    serde_json::from_slice::<PlainError>(black_box(&pending.clone()).body())
                        .unwrap(),
                );
            }
            black_box(serde_json::to_vec(&poll).unwrap());
            black_box(serde_json::from_slice::<PlainToken>(black_box(&t.clone()).body()).unwrap())
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = build_requests, decode_responses, device_flow
}
criterion_main!(benches);
