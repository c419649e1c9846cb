//! Spec 8.1-8.4: every request vector serializes to the spec's body (compared as JSON), with the
//! exact method, path, query and headers.

use serde_json::Value;
use ssooidc_core::endpoint::{resolve, Endpoint, EndpointParams};
use ssooidc_core::operations::{
    grant_type, token_type, CreateToken, CreateTokenWithIam, RegisterClient,
    StartDeviceAuthorization,
};
use ssooidc_core::wire::{Auth, USER_AGENT};
use ssooidc_core::Operation;

fn us_east_1() -> Endpoint {
    resolve(&EndpointParams::region("us-east-1")).unwrap()
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

fn check_public<O: Operation>(input: &O, path: &str, expected_body: &str) {
    let req = input.to_request(&us_east_1()).unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(
        req.uri().to_string(),
        format!("https://oidc.us-east-1.amazonaws.com{path}")
    );
    assert_eq!(req.headers()["content-type"], "application/json");
    assert_eq!(req.headers()["user-agent"], USER_AGENT);
    assert!(
        USER_AGENT.starts_with("ssooidc/"),
        "the User-Agent names the crate: {USER_AGENT}"
    );
    assert!(
        req.headers().get("authorization").is_none(),
        "public operations are unsigned"
    );
    assert_eq!(O::AUTH, Auth::None);
    assert_eq!(
        json(req.body()),
        json(expected_body.as_bytes()),
        "body of {}",
        O::NAME
    );
}

#[test]
fn register_client_device_flow() {
    check_public(
        &RegisterClient::new("botocore-client-my-sso").scopes(["sso:account:access"]),
        "/client/register",
        r#"{"clientName":"botocore-client-my-sso","clientType":"public","scopes":["sso:account:access"]}"#,
    );
}

#[test]
fn register_client_pkce() {
    let mut input = RegisterClient::new("botocore-client-my-sso").scopes(["sso:account:access"]);
    input.grant_types = Some(vec!["authorization_code".into(), "refresh_token".into()]);
    input.redirect_uris = Some(vec!["http://127.0.0.1/oauth/callback".into()]);
    input.issuer_url = Some("https://d-1234567890.awsapps.com/start".into());
    check_public(
        &input,
        "/client/register",
        r#"{"clientName":"botocore-client-my-sso","clientType":"public","scopes":["sso:account:access"],"grantTypes":["authorization_code","refresh_token"],"redirectUris":["http://127.0.0.1/oauth/callback"],"issuerUrl":"https://d-1234567890.awsapps.com/start"}"#,
    );
}

#[test]
fn register_client_without_optional_members_sends_none() {
    check_public(
        &RegisterClient::new("n"),
        "/client/register",
        r#"{"clientName":"n","clientType":"public"}"#,
    );
}

#[test]
fn start_device_authorization() {
    check_public(
        &StartDeviceAuthorization::new(
            "ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ",
            "eyJ...",
            "https://d-1234567890.awsapps.com/start",
        ),
        "/device_authorization",
        r#"{"clientId":"ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ","clientSecret":"eyJ...","startUrl":"https://d-1234567890.awsapps.com/start"}"#,
    );
}

#[test]
fn create_token_device_code() {
    check_public(
        &CreateToken::device_code("cid", "csec", "dc"),
        "/token",
        r#"{"clientId":"cid","clientSecret":"csec","grantType":"urn:ietf:params:oauth:grant-type:device_code","deviceCode":"dc"}"#,
    );
}

#[test]
fn create_token_authorization_code() {
    let verifier = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.";
    check_public(
        &CreateToken::authorization_code(
            "cid",
            "csec",
            "authcode",
            "http://127.0.0.1:54321/oauth/callback",
            verifier,
        ),
        "/token",
        &format!(
            r#"{{"clientId":"cid","clientSecret":"csec","grantType":"authorization_code","code":"authcode","redirectUri":"http://127.0.0.1:54321/oauth/callback","codeVerifier":"{verifier}"}}"#
        ),
    );
}

#[test]
fn create_token_refresh() {
    check_public(
        &CreateToken::refresh_token("cid", "csec", "rt"),
        "/token",
        r#"{"clientId":"cid","clientSecret":"csec","grantType":"refresh_token","refreshToken":"rt"}"#,
    );
}

const APP_ARN: &str = "arn:aws:sso::123456789012:application/ssoins-111111111111/apl-222222222222";

#[test]
fn create_token_with_iam_jwt_bearer_is_shaped_for_sigv4() {
    let mut input = CreateTokenWithIam::new(APP_ARN, grant_type::JWT_BEARER);
    input.assertion = Some("eyJ0eXAiOiJKV1Qi...".into());
    let req = input.to_request(&us_east_1()).unwrap();
    assert_eq!(CreateTokenWithIam::AUTH, Auth::SigV4);
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://oidc.us-east-1.amazonaws.com/token?aws_iam=t"
    );
    assert_eq!(req.uri().path(), "/token", "canonical path");
    assert_eq!(req.uri().query(), Some("aws_iam=t"), "canonical query");
    assert_eq!(req.uri().host(), Some("oidc.us-east-1.amazonaws.com"));
    assert_eq!(req.headers()["content-type"], "application/json");
    assert!(
        req.headers().get("authorization").is_none(),
        "the signer adds it"
    );
    assert_eq!(
        json(req.body()),
        json(format!(r#"{{"clientId":"{APP_ARN}","grantType":"urn:ietf:params:oauth:grant-type:jwt-bearer","assertion":"eyJ0eXAiOiJKV1Qi..."}}"#).as_bytes())
    );
}

#[test]
fn create_token_with_iam_token_exchange() {
    let mut input = CreateTokenWithIam::new(APP_ARN, grant_type::TOKEN_EXCHANGE);
    input.subject_token = Some("st".into());
    input.subject_token_type = Some(token_type::ACCESS_TOKEN.into());
    input.requested_token_type = Some(token_type::ACCESS_TOKEN.into());
    let req = input.to_request(&us_east_1()).unwrap();
    assert_eq!(
        json(req.body()),
        json(format!(r#"{{"clientId":"{APP_ARN}","grantType":"urn:ietf:params:oauth:grant-type:token-exchange","subjectToken":"st","subjectTokenType":"urn:ietf:params:oauth:token-type:access_token","requestedTokenType":"urn:ietf:params:oauth:token-type:access_token"}}"#).as_bytes())
    );
}

#[test]
fn custom_endpoint_keeps_its_base_path() {
    let endpoint = Endpoint::parse("http://127.0.0.1:4566/oidc/").unwrap();
    let req = CreateToken::refresh_token("c", "s", "r")
        .to_request(&endpoint)
        .unwrap();
    assert_eq!(req.uri().to_string(), "http://127.0.0.1:4566/oidc/token");
}

#[test]
fn debug_of_inputs_hides_every_secret() {
    let mut iam = CreateTokenWithIam::new(APP_ARN, grant_type::TOKEN_EXCHANGE);
    iam.assertion = Some("SECRET-assertion".into());
    iam.subject_token = Some("SECRET-subject".into());
    iam.refresh_token = Some("SECRET-rt".into());
    iam.code = Some("SECRET-code".into());
    iam.code_verifier = Some("SECRET-verifier".into());
    let shown = format!(
        "{:?} {:?} {:?} {:?} {iam:?}",
        CreateToken::device_code("cid", "SECRET-csec", "SECRET-dc"),
        CreateToken::refresh_token("cid", "SECRET-csec", "SECRET-rt"),
        CreateToken::authorization_code(
            "cid",
            "SECRET-csec",
            "SECRET-code",
            "http://127.0.0.1:1/cb",
            "SECRET-verifier"
        ),
        StartDeviceAuthorization::new("cid", "SECRET-csec", "https://x"),
    );
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("cid"));
}
