//! Every operation and every error it produces, over plain HTTP on 127.0.0.1.

mod common;

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use serde_json::json;
use ssooidc_core::ErrorCode;
use ssooidc_emulator::{Approval, Config, Error, RefreshTokenPolicy};

#[test]
fn register_client_has_the_observed_shape() {
    let epoch_now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    let (_emu, http) = start(fast());
    let before = epoch_now();
    let r = http.post(
        "/client/register",
        &json!({"clientName": "botocore-client-my-sso", "clientType": "public",
                "scopes": ["sso:account:access"]}),
    );
    let after = epoch_now();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_request_id(&r);
    // Explicit nulls, as the real service sends them.
    assert!(
        r.body.contains(r#""authorizationEndpoint":null"#),
        "{}",
        r.body
    );
    assert!(r.body.contains(r#""tokenEndpoint":null"#), "{}", r.body);
    let v = r.json();
    let issued = v["clientIdIssuedAt"].as_i64().unwrap();
    assert_eq!(
        v["clientSecretExpiresAt"].as_i64().unwrap() - issued,
        7_776_000
    );
    // Epoch seconds of when the request was served.
    assert!(
        (before..=after).contains(&issued),
        "{before} <= {issued} <= {after}"
    );
    let raw = URL_SAFE_NO_PAD
        .decode(v["clientId"].as_str().unwrap())
        .unwrap();
    assert!(raw.ends_with(b"us-east-1"));
    let secret = v["clientSecret"].as_str().unwrap();
    assert_eq!(secret.matches('.').count(), 2, "JWT-shaped");
    assert!(secret.len() > 900);
}

#[test]
fn register_client_errors() {
    let (_emu, http) = start(fast());
    let cases = [
        (
            json!({"clientName": "x", "clientType": "confidential"}),
            ErrorCode::InvalidClientMetadata,
        ),
        (
            json!({"clientName": "x", "clientType": "public", "grantTypes": ["password"]}),
            ErrorCode::UnsupportedGrantType,
        ),
        (
            json!({"clientName": "x", "clientType": "public", "redirectUris": ["not a uri"]}),
            ErrorCode::InvalidRedirectUri,
        ),
        (
            json!({"clientName": "x", "clientType": "public", "scopes": ["a b"]}),
            ErrorCode::InvalidScope,
        ),
        (json!({"clientName": "x"}), ErrorCode::InvalidRequest),
    ];
    for (body, code) in cases {
        http.post("/client/register", &body).assert_error(code);
    }
}

#[test]
fn start_device_authorization_has_the_observed_shape() {
    // The service's defaults (interval 1, lifetime 600), with time standing still so that the
    // code is still pending at the end however slow the machine.
    let (emu, http) = start(Config::default().second(Duration::ZERO));
    let (id, secret) = http.register(&[]);
    let (device_code, user_code, v) = http.start_device(&id, &secret);
    assert!(device_code.len() >= 64);
    assert_eq!(user_code.len(), 9);
    assert_eq!(&user_code[4..5], "-");
    assert!(user_code
        .chars()
        .all(|c| c == '-' || c.is_ascii_uppercase()));
    assert_eq!(v["expiresIn"], 600);
    assert_eq!(v["interval"], 1);
    let uri = v["verificationUri"].as_str().unwrap();
    assert_eq!(uri, format!("{}/device", emu.base_url()));
    assert_eq!(
        v["verificationUriComplete"],
        format!("{uri}?user_code={user_code}")
    );
    assert_eq!(emu.pending_user_codes(), vec![user_code]);
}

#[test]
fn start_device_authorization_errors() {
    let (_emu, http) = start(fast());
    let (id, secret) = http.register(&[]);
    let post = |body| http.post("/device_authorization", &body);
    post(json!({"clientId": "nope", "clientSecret": secret, "startUrl": START_URL}))
        .assert_error(ErrorCode::InvalidClient);
    post(json!({"clientId": id, "clientSecret": "wrong", "startUrl": START_URL}))
        .assert_error(ErrorCode::InvalidClient);
    post(json!({"clientId": id, "clientSecret": secret})).assert_error(ErrorCode::InvalidRequest);
    post(json!({"clientId": id, "clientSecret": secret, "startUrl": "not-a-url"}))
        .assert_error(ErrorCode::InvalidRequest);
    // A client registered only for the authorization-code grant may not use the device flow.
    let (pid, psecret) = http.register_pkce();
    post(json!({"clientId": pid, "clientSecret": psecret, "startUrl": START_URL}))
        .assert_error(ErrorCode::UnauthorizedClient);
}

#[test]
fn device_flow_pending_approve_single_use() {
    let (emu, http) = start(fast());
    let (id, secret) = http.register(&["sso:account:access"]);
    let (dc, uc, _) = http.start_device(&id, &secret);
    // The CLI's immediate first poll.
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::AuthorizationPending);
    emu.approve(&uc).unwrap();
    emu.approve(&uc).unwrap(); // idempotent
    wait_secs(1);
    let ok = http.poll(&id, &secret, &dc);
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_request_id(&ok);
    let v = ok.json();
    assert!(v["accessToken"].as_str().unwrap().len() > 20);
    assert_eq!(v["tokenType"], "Bearer");
    assert_eq!(v["expiresIn"], 3600);
    assert!(v["refreshToken"].is_string());
    wait_secs(1);
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::InvalidGrant);
    assert!(matches!(emu.deny(&uc), Err(Error::AlreadyDecided(..))));
    assert!(matches!(
        emu.approve("ZZZZ-ZZZZ"),
        Err(Error::UnknownUserCode(_))
    ));
}

#[test]
fn polling_too_fast_gets_slow_down() {
    // An interval of 1000 protocol seconds (10 s here): a second poll sent at once is too fast
    // however slow the machine. How the interval grows with each slow_down is checked at exact
    // times on a virtual clock (tests/handler.rs).
    let (_emu, http) = start(fast().interval(1000).expires_in(6000));
    let (id, secret) = http.register(&[]);
    let (dc, _, v) = http.start_device(&id, &secret);
    assert_eq!(v["interval"], 1000);
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::AuthorizationPending);
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::SlowDown);
}

#[test]
fn device_flow_denied_and_expired() {
    let (emu, http) = start(fast());
    let (id, secret) = http.register(&[]);
    let (dc, uc, _) = http.start_device(&id, &secret);
    emu.deny(&uc).unwrap();
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::AccessDenied);
    wait_secs(1);
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::AccessDenied);

    // Explicit expiry from the API.
    let (dc3, uc3, _) = http.start_device(&id, &secret);
    emu.expire(&uc3).unwrap();
    http.poll(&id, &secret, &dc3)
        .assert_error(ErrorCode::ExpiredToken);

    // Expiry by the clock, with codes that live 50 protocol seconds (a separate emulator, so
    // that nothing above depends on being done within 50).
    let (emu, http) = start(fast().expires_in(50));
    let (id, secret) = http.register(&[]);
    let (dc2, uc2, v) = http.start_device(&id, &secret);
    assert_eq!(v["expiresIn"], 50);
    wait_secs(50);
    http.poll(&id, &secret, &dc2)
        .assert_error(ErrorCode::ExpiredToken);
    assert!(matches!(emu.approve(&uc2), Err(Error::Expired(_))));
}

#[test]
fn create_token_errors() {
    let (_emu, http) = start(fast());
    let (id, secret) = http.register(&[]);
    let (dc, _, _) = http.start_device(&id, &secret);
    let (other_id, other_secret) = http.register(&[]);
    let token = |body| http.post("/token", &body);
    token(
        json!({"clientId": id, "clientSecret": "bad", "grantType": DEVICE_GRANT, "deviceCode": dc}),
    )
    .assert_error(ErrorCode::InvalidClient);
    token(json!({"clientId": "unknown", "clientSecret": secret, "grantType": DEVICE_GRANT, "deviceCode": dc}))
        .assert_error(ErrorCode::InvalidClient);
    token(json!({"clientId": id, "clientSecret": secret, "grantType": "password"}))
        .assert_error(ErrorCode::UnsupportedGrantType);
    token(json!({"clientId": id, "clientSecret": secret, "grantType": DEVICE_GRANT}))
        .assert_error(ErrorCode::InvalidRequest);
    token(json!({"clientId": id, "clientSecret": secret, "grantType": DEVICE_GRANT, "deviceCode": "forged"}))
        .assert_error(ErrorCode::InvalidGrant);
    // Another client's device code.
    http.poll(&other_id, &other_secret, &dc)
        .assert_error(ErrorCode::InvalidGrant);
    token(json!({"clientId": id, "clientSecret": secret, "grantType": "refresh_token", "refreshToken": "forged"}))
        .assert_error(ErrorCode::InvalidGrant);
    token(json!({"clientId": id, "clientSecret": secret, "grantType": "authorization_code",
                 "code": "forged", "redirectUri": "http://127.0.0.1:1/oauth/callback", "codeVerifier": VERIFIER}))
        .assert_error(ErrorCode::InvalidGrant);
    // The PKCE client registered grantTypes without the device code.
    let (pid, psecret) = http.register_pkce();
    http.poll(&pid, &psecret, &dc)
        .assert_error(ErrorCode::UnauthorizedClient);
}

#[test]
fn refresh_tokens_rotate() {
    let (_emu, http) = start(fast().approval(Approval::ApproveAfterPolls(0)));
    let (id, secret) = http.register(&["sso:account:access"]);
    let (dc, _, _) = http.start_device(&id, &secret);
    let first = http.poll(&id, &secret, &dc).json();
    let rt1 = first["refreshToken"].as_str().unwrap().to_owned();
    let second = http.refresh(&id, &secret, &rt1);
    assert_eq!(second.status, 200, "{second:?}");
    let rt2 = second.json()["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    assert_ne!(first["accessToken"], second.json()["accessToken"]);
    // The old one is spent.
    http.refresh(&id, &secret, &rt1)
        .assert_error(ErrorCode::InvalidGrant);
    // Another client cannot use it.
    let (other, other_secret) = http.register(&["sso:account:access"]);
    http.refresh(&other, &other_secret, &rt2)
        .assert_error(ErrorCode::InvalidGrant);
    assert_eq!(http.refresh(&id, &secret, &rt2).status, 200);
}

#[test]
fn refresh_tokens_without_rotation() {
    let mut config = fast().approval(Approval::ApproveAfterPolls(0));
    config.rotate_refresh_tokens = false;
    let (_emu, http) = start(config);
    let (id, secret) = http.register(&["sso:account:access"]);
    let (dc, _, _) = http.start_device(&id, &secret);
    let rt = http.poll(&id, &secret, &dc).json()["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..2 {
        let r = http.refresh(&id, &secret, &rt);
        assert_eq!(r.status, 200);
        assert!(r.json().get("refreshToken").is_none(), "{r:?}");
    }
}

#[test]
fn refresh_token_issue_policy() {
    for (policy, scopes, expect) in [
        (
            RefreshTokenPolicy::WhenScoped,
            &["sso:account:access"][..],
            true,
        ),
        (RefreshTokenPolicy::WhenScoped, &[][..], false),
        (RefreshTokenPolicy::Always, &[][..], true),
        (
            RefreshTokenPolicy::Never,
            &["sso:account:access"][..],
            false,
        ),
    ] {
        let (_emu, http) = start(
            fast()
                .approval(Approval::ApproveAfterPolls(0))
                .refresh_tokens(policy),
        );
        let (id, secret) = http.register(scopes);
        let (dc, _, _) = http.start_device(&id, &secret);
        let v = http.poll(&id, &secret, &dc).json();
        assert_eq!(
            v["refreshToken"].is_string(),
            expect,
            "{policy:?} {scopes:?}"
        );
    }
}

#[test]
fn lifetimes_of_tokens_and_registrations() {
    let (_emu, http) = start(
        fast()
            .approval(Approval::ApproveAfterPolls(0))
            .access_token_lifetime(28_800)
            .refresh_token_lifetime(20),
    );
    let (id, secret) = http.register(&["sso:account:access"]);
    let (dc, _, _) = http.start_device(&id, &secret);
    let v = http.poll(&id, &secret, &dc).json();
    assert_eq!(v["expiresIn"], 28_800);
    let rt = v["refreshToken"].as_str().unwrap().to_owned();
    wait_secs(20);
    http.refresh(&id, &secret, &rt)
        .assert_error(ErrorCode::ExpiredToken);

    // Registrations that live 60 protocol seconds (a separate emulator, so that the refresh
    // above does not depend on being done within 60).
    let (_emu, http) = start(fast().registration_lifetime(60));
    let (id, secret) = http.register(&[]);
    wait_secs(60);
    http.post(
        "/device_authorization",
        &json!({"clientId": id, "clientSecret": secret, "startUrl": START_URL}),
    )
    .assert_error(ErrorCode::InvalidClient);
}

#[test]
fn auto_approval_modes() {
    // Pending for two polls, token at the third.
    let (_emu, http) = start(fast().approval(Approval::ApproveAfterPolls(2)));
    let (id, secret) = http.register(&[]);
    let (dc, _, _) = http.start_device(&id, &secret);
    for _ in 0..2 {
        http.poll(&id, &secret, &dc)
            .assert_error(ErrorCode::AuthorizationPending);
        wait_secs(1);
    }
    assert_eq!(http.poll(&id, &secret, &dc).status, 200);

    // Denied after one pending poll.
    let (_emu, http) = start(fast().approval(Approval::DenyAfterPolls(1)));
    let (id, secret) = http.register(&[]);
    let (dc, _, _) = http.start_device(&id, &secret);
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::AuthorizationPending);
    wait_secs(1);
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::AccessDenied);

    // Approved after a real-time delay. That it is pending until then is checked at exact
    // times on a virtual clock (tests/handler.rs): here it would need the poll to be sent
    // within the delay.
    let (emu, http) =
        start(fast().approval(Approval::ApproveAfterDelay(Duration::from_millis(400))));
    let (id, secret) = http.register(&[]);
    let (dc, _, _) = http.start_device(&id, &secret);
    std::thread::sleep(Duration::from_millis(410));
    assert_eq!(http.poll(&id, &secret, &dc).status, 200);

    // Switching modes at run time.
    emu.set_approval(Approval::DenyAfterPolls(0));
    let (dc, _, _) = http.start_device(&id, &secret);
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::AccessDenied);
}

#[test]
fn zero_second_means_no_timing() {
    let (emu, http) = start(fast().second(Duration::ZERO));
    let (id, secret) = http.register(&[]);
    let (dc, uc, _) = http.start_device(&id, &secret);
    for _ in 0..5 {
        http.poll(&id, &secret, &dc)
            .assert_error(ErrorCode::AuthorizationPending);
    }
    emu.approve(&uc).unwrap();
    assert_eq!(http.poll(&id, &secret, &dc).status, 200);
}

#[test]
fn errors_without_the_type_header() {
    let (_emu, http) = start(fast().error_type_header(false));
    let (id, secret) = http.register(&[]);
    let (dc, _, _) = http.start_device(&id, &secret);
    let r = http.poll(&id, &secret, &dc);
    assert_eq!(r.status, 400);
    assert!(r.header("x-amzn-errortype").is_none());
    assert_request_id(&r);
    assert_eq!(r.json()["error"], "authorization_pending");
    // The core's OAuth fallback still identifies it.
    assert_eq!(r.error().code(), Some(ErrorCode::AuthorizationPending));
}

#[test]
fn create_token_with_iam() {
    let (_emu, http) = start(fast());
    let arn = "arn:aws:sso::123456789012:application/ssoins-111111111111/apl-222222222222";
    let body = json!({"clientId": arn,
        "grantType": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "eyJ0eXAi.x.y"});
    // Unsigned: the gateway's 403.
    let r = http.post("/token?aws_iam=t", &body);
    assert_eq!(r.status, 403);
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );
    assert_request_id(&r);

    let signed = |body: &serde_json::Value| {
        let r = http
            .agent
            .post(format!("{}/token?aws_iam=t", http.base))
            .header("content-type", "application/json")
            .header("x-amz-date", "20260115T120000Z")
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/sso-oauth/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, Signature=abc",
            )
            .send(body.to_string())
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.into_body().read_to_string().unwrap();
        Reply {
            status,
            headers,
            body,
        }
    };
    let ok = signed(&body);
    assert_eq!(ok.status, 200, "{ok:?}");
    let v = ok.json();
    assert_eq!(v["tokenType"], "Bearer");
    assert_eq!(
        v["issuedTokenType"],
        "urn:ietf:params:oauth:token-type:refresh_token"
    );
    assert_eq!(v["scope"], json!(["openid", "aws", "sts:identity_context"]));
    assert!(v["awsAdditionalDetails"]["identityContext"].is_string());
    assert_eq!(v["idToken"].as_str().unwrap().matches('.').count(), 2);
    let rt = v["refreshToken"].as_str().unwrap().to_owned();

    let refresh = json!({"clientId": arn, "grantType": "refresh_token", "refreshToken": rt});
    assert_eq!(signed(&refresh).status, 200);
    signed(&refresh).assert_error(ErrorCode::InvalidGrant);

    let exchange = json!({"clientId": arn,
        "grantType": "urn:ietf:params:oauth:grant-type:token-exchange", "subjectToken": "at",
        "subjectTokenType": "urn:ietf:params:oauth:token-type:access_token",
        "requestedTokenType": "urn:ietf:params:oauth:token-type:access_token"});
    let v = signed(&exchange).json();
    assert_eq!(
        v["issuedTokenType"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert!(v.get("refreshToken").is_none());

    signed(&json!({"clientId": arn, "grantType": "authorization_code", "code": "c"}))
        .assert_error(ErrorCode::UnsupportedGrantType);
    signed(&json!({"clientId": "not-an-arn", "grantType": "refresh_token", "refreshToken": "x"}))
        .assert_error(ErrorCode::InvalidClient);
    signed(&json!({"clientId": arn, "grantType": "urn:ietf:params:oauth:grant-type:jwt-bearer"}))
        .assert_error(ErrorCode::InvalidRequest);
}

#[test]
fn every_response_is_recorded_with_a_request_id() {
    let (emu, http) = start(fast());
    let (id, secret) = http.register(&[]);
    let (dc, _, _) = http.start_device(&id, &secret);
    let r = http.poll(&id, &secret, &dc);
    let log = emu.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].path, "/client/register");
    assert_eq!(log[1].path, "/device_authorization");
    assert_eq!(log[2].method, http::Method::POST);
    assert_eq!(log[2].path, "/token");
    assert_eq!(log[2].header("content-type"), Some("application/json"));
    assert_eq!(log[2].body_json().unwrap()["deviceCode"], dc.as_str());
    assert_eq!(log[2].request_id, r.header("x-amzn-requestid").unwrap());
    // Debug does not print secrets.
    let shown = format!("{log:?}");
    assert!(!shown.contains(&secret) && !shown.contains(&dc), "{shown}");
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}
