//! Spec 8.1-8.4 and 1.1: success responses decode to the expected outputs; `null` is absent,
//! unknown members are ignored, a missing `interval` is not `0`, epoch timestamps are seconds.

use ssooidc_core::operations::{
    CreateToken, CreateTokenWithIam, RegisterClient, StartDeviceAuthorization,
};
use ssooidc_core::Operation;

fn ok(body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn register_client_captured_shape_with_nulls() {
    let out = RegisterClient::parse_response(&ok(r#"{"authorizationEndpoint":null,"clientId":"ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ","clientIdIssuedAt":1767552707,"clientSecret":"eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.eyJzZXJpYWxpemVkIjoi...","clientSecretExpiresAt":1775328707,"tokenEndpoint":null}"#)).unwrap();
    assert_eq!(out.client_id, "ITU6AYMtVh5D9s3nZfbEenVzLWVhc3QtMQ");
    assert!(out.client_secret.expose().starts_with("eyJraWQi"));
    assert_eq!(out.client_id_issued_at, Some(1_767_552_707));
    // Epoch seconds (not milliseconds): 1775328707 is 2026-04-04T18:51:47Z.
    assert_eq!(out.client_secret_expires_at, Some(1_775_328_707));
    let expires =
        time::OffsetDateTime::from_unix_timestamp(out.client_secret_expires_at.unwrap()).unwrap();
    assert_eq!(expires, time::macros::datetime!(2026-04-04 18:51:47 UTC));
    assert_eq!(out.authorization_endpoint, None);
    assert_eq!(out.token_endpoint, None);
}

#[test]
fn start_device_authorization_captured() {
    let out = StartDeviceAuthorization::parse_response(&ok(r#"{"deviceCode":"MCicoYO9Oyl33l8b_iFkAdjZprJRa6pFaWuy92kIcdELERSbqKU6tDX2FadykkoGDOlVc0ZuoZ6e53sf5rONNw","expiresIn":600,"interval":1,"userCode":"GPNW-SHFH","verificationUri":"https://d-1234567890.awsapps.com/start/#/device","verificationUriComplete":"https://d-1234567890.awsapps.com/start/#/device?user_code=GPNW-SHFH"}"#)).unwrap();
    assert_eq!(out.user_code, "GPNW-SHFH");
    assert_eq!(out.expires_in, Some(600));
    assert_eq!(out.interval, Some(1));
    assert_eq!(
        out.verification_uri,
        "https://d-1234567890.awsapps.com/start/#/device"
    );
    assert_eq!(
        out.verification_uri_complete.as_deref(),
        Some("https://d-1234567890.awsapps.com/start/#/device?user_code=GPNW-SHFH")
    );
    assert!(out.device_code.expose().starts_with("MCicoYO9"));
}

#[test]
fn missing_interval_is_distinct_from_zero() {
    let absent = StartDeviceAuthorization::parse_response(&ok(r#"{"deviceCode":"dc","userCode":"ABCD-EFGH","verificationUri":"https://x/","verificationUriComplete":"https://x/?user_code=ABCD-EFGH","expiresIn":600}"#)).unwrap();
    assert_eq!(absent.interval, None);
    let zero = StartDeviceAuthorization::parse_response(&ok(r#"{"deviceCode":"dc","userCode":"U","verificationUri":"https://x/","expiresIn":600,"interval":0}"#)).unwrap();
    assert_eq!(zero.interval, Some(0));
    let null = StartDeviceAuthorization::parse_response(&ok(r#"{"deviceCode":"dc","userCode":"U","verificationUri":"https://x/","interval":null,"verificationUriComplete":null}"#)).unwrap();
    assert_eq!(null.interval, None);
    assert_eq!(null.verification_uri_complete, None);
    assert_eq!(null.expires_in, None);
}

#[test]
fn create_token_both_success_shapes() {
    let full = CreateToken::parse_response(&ok(r#"{"accessToken":"aoaAAAAAGexample","expiresIn":3600,"refreshToken":"aorvJYubGexample","tokenType":"Bearer"}"#)).unwrap();
    assert_eq!(full.access_token.expose(), "aoaAAAAAGexample");
    assert_eq!(full.expires_in, Some(3600));
    assert_eq!(
        full.refresh_token.as_ref().map(|s| s.expose()),
        Some("aorvJYubGexample")
    );
    assert_eq!(full.token_type.as_deref(), Some("Bearer"));
    assert_eq!(full.id_token, None);

    let no_refresh = CreateToken::parse_response(&ok(
        r#"{"accessToken":"at","expiresIn":28800,"idToken":null,"tokenType":"Bearer"}"#,
    ))
    .unwrap();
    assert_eq!(no_refresh.refresh_token, None);
    assert_eq!(no_refresh.id_token, None);
    assert_eq!(no_refresh.expires_in, Some(28800));
}

#[test]
fn create_token_with_iam_full_response() {
    let out = CreateTokenWithIam::parse_response(&ok(r#"{"accessToken":"at","tokenType":"Bearer","expiresIn":3600,"refreshToken":"rt","idToken":"eyJhbGciOi...","issuedTokenType":"urn:ietf:params:oauth:token-type:refresh_token","scope":["openid","aws","sts:identity_context"],"awsAdditionalDetails":{"identityContext":"EXAMPLEIDENTITYCONTEXT"}}"#)).unwrap();
    assert_eq!(out.access_token.expose(), "at");
    assert_eq!(out.refresh_token.as_ref().unwrap().expose(), "rt");
    assert_eq!(out.id_token.as_ref().unwrap().expose(), "eyJhbGciOi...");
    assert_eq!(
        out.issued_token_type.as_deref(),
        Some("urn:ietf:params:oauth:token-type:refresh_token")
    );
    assert_eq!(
        out.scope,
        Some(vec![
            "openid".into(),
            "aws".into(),
            "sts:identity_context".into()
        ])
    );
    let ctx = out
        .aws_additional_details
        .as_ref()
        .unwrap()
        .identity_context
        .as_ref()
        .unwrap();
    assert_eq!(ctx.expose(), "EXAMPLEIDENTITYCONTEXT");
    let shown = format!("{out:?}");
    for secret in ["EXAMPLEIDENTITYCONTEXT", "eyJhbGciOi", "\"rt\"", "\"at\""] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[test]
fn unknown_members_are_ignored() {
    let out = CreateToken::parse_response(&ok(
        r#"{"accessToken":"at","newThing":{"deep":[1,2,{"x":null}]},"aws":"x","expiresIn":1}"#,
    ))
    .unwrap();
    assert_eq!(out.access_token.expose(), "at");
    assert_eq!(out.expires_in, Some(1));
}

#[test]
fn outputs_hide_secrets_in_debug() {
    let reg =
        RegisterClient::parse_response(&ok(r#"{"clientId":"cid","clientSecret":"SECRET-1"}"#))
            .unwrap();
    let start = StartDeviceAuthorization::parse_response(&ok(
        r#"{"deviceCode":"SECRET-2","userCode":"U","verificationUri":"https://x/"}"#,
    ))
    .unwrap();
    let token = CreateToken::parse_response(&ok(
        r#"{"accessToken":"SECRET-3","refreshToken":"SECRET-4","idToken":"SECRET-5"}"#,
    ))
    .unwrap();
    let shown = format!("{reg:?}{start:?}{token:?}{reg:#?}");
    assert!(!shown.contains("SECRET"), "{shown}");
}
