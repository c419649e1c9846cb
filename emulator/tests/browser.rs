//! What a person does in a browser: the verification page submitted as a form, and the
//! authorization-code flow through `/authorize` with PKCE.

mod common;

use common::*;
use serde_json::json;
use ssooidc_core::ErrorCode;
use ssooidc_emulator::Approval;

/// The value of the hidden input `name` in an HTML form.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).expect("hidden input") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_owned()
}

#[test]
fn verification_page_approve() {
    let (_emu, http) = start(fast());
    let (id, secret) = http.register(&["sso:account:access"]);
    let (dc, uc, v) = http.start_device(&id, &secret);

    // The page without a code asks for one.
    let entry = http.get("/device");
    assert_eq!(entry.status, 200);
    assert!(entry
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(entry.body.contains("<form") && entry.body.contains(r#"name="user_code""#));

    // verificationUriComplete, as the CLI opens it.
    let complete = v["verificationUriComplete"].as_str().unwrap();
    let path = complete.strip_prefix(&http.base).unwrap();
    let page = http.get(path);
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page.body.contains(&uc), "page shows the code");
    assert!(page
        .body
        .contains(r#"<form method="post" action="/device">"#));
    assert!(page.body.contains(r#"value="approve""#) && page.body.contains(r#"value="deny""#));
    assert!(page.body.contains("botocore-client-test") && page.body.contains(START_URL));
    assert_eq!(hidden(&page.body, "user_code"), uc);

    // Typed in lower case without the dash also finds it.
    let typed = http.get(&format!(
        "/device?user_code={}",
        uc.replace('-', "").to_lowercase()
    ));
    assert!(typed.body.contains(&uc));

    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::AuthorizationPending);
    let done = http.post_form("/device", &[("user_code", &uc), ("action", "approve")]);
    assert_eq!(done.status, 200, "{done:?}");
    assert!(done.body.contains("approved"));
    wait_secs(1);
    let token = http.poll(&id, &secret, &dc);
    assert_eq!(token.status, 200, "{token:?}");

    // The page now says it was used; submitting again is refused.
    assert!(http.get(path).body.contains("already been used"));
    let again = http.post_form("/device", &[("user_code", &uc), ("action", "deny")]);
    assert_eq!(again.status, 400);
}

#[test]
fn verification_page_deny_and_bad_input() {
    let (_emu, http) = start(fast());
    let (id, secret) = http.register(&[]);
    let (dc, uc, _) = http.start_device(&id, &secret);
    let done = http.post_form("/device", &[("user_code", &uc), ("action", "deny")]);
    assert_eq!(done.status, 200);
    assert!(done.body.contains("denied"));
    http.poll(&id, &secret, &dc)
        .assert_error(ErrorCode::AccessDenied);

    let unknown = http.get("/device?user_code=ZZZZ-ZZZZ");
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("not valid"));
    // Markup in the code is escaped, never reflected.
    let xss = http.get("/device?user_code=%3Cscript%3E");
    assert!(!xss.body.contains("<script>"));
    let bad = http.post_form("/device", &[("user_code", &uc), ("action", "maybe")]);
    assert_eq!(bad.status, 400);
    let unknown = http.post_form(
        "/device",
        &[("user_code", "ZZZZ-ZZZZ"), ("action", "approve")],
    );
    assert_eq!(unknown.status, 400);
}

/// GET /authorize -> consent page -> POST approve -> 302 with code and state.
fn authorize_by_form(http: &Http, id: &str, redirect: &str, challenge: &str) -> String {
    let state = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f";
    let page = http.get(&authorize_path(id, redirect, state, challenge));
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page
        .body
        .contains(r#"<form method="post" action="/authorize">"#));
    assert!(page.body.contains("sso:account:access"));
    let request = hidden(&page.body, "request");
    let r = http.post_form(
        "/authorize",
        &[("request", &request), ("action", "approve")],
    );
    assert_eq!(r.status, 302, "{r:?}");
    let location = r.header("location").unwrap();
    assert!(location.starts_with(redirect), "{location}");
    let params = location_params(location);
    assert_eq!(param(&params, "state"), Some(state));
    param(&params, "code").expect("code").to_owned()
}

fn exchange(
    http: &Http,
    id: &str,
    secret: &str,
    code: &str,
    redirect: &str,
    verifier: &str,
) -> Reply {
    http.post(
        "/token",
        &json!({"clientId": id, "clientSecret": secret, "grantType": "authorization_code",
                "code": code, "redirectUri": redirect, "codeVerifier": verifier}),
    )
}

#[test]
fn authorize_with_pkce_success_and_single_use() {
    let (_emu, http) = start(fast());
    let (id, secret) = http.register_pkce();
    let redirect = "http://127.0.0.1:54321/oauth/callback";
    let code = authorize_by_form(&http, &id, redirect, CHALLENGE);
    let ok = exchange(&http, &id, &secret, &code, redirect, VERIFIER);
    assert_eq!(ok.status, 200, "{ok:?}");
    let v = ok.json();
    assert_eq!(v["tokenType"], "Bearer");
    assert!(v["refreshToken"].is_string());
    // Codes are single-use.
    exchange(&http, &id, &secret, &code, redirect, VERIFIER).assert_error(ErrorCode::InvalidGrant);
    // The refresh token works with the PKCE registration's grant types.
    let r = http.refresh(&id, &secret, v["refreshToken"].as_str().unwrap());
    assert_eq!(r.status, 200);
}

#[test]
fn authorize_pkce_mismatch_and_wrong_redirect() {
    let (_emu, http) = start(fast());
    let (id, secret) = http.register_pkce();
    let redirect = "http://127.0.0.1:54321/oauth/callback";
    let code = authorize_by_form(&http, &id, redirect, CHALLENGE);
    let wrong = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.";
    exchange(&http, &id, &secret, &code, redirect, wrong).assert_error(ErrorCode::InvalidGrant);
    // Not a verifier at all (RFC 7636 §4.1: 43 to 128 unreserved characters).
    exchange(&http, &id, &secret, &code, redirect, "short").assert_error(ErrorCode::InvalidGrant);
    let other_port = "http://127.0.0.1:1/oauth/callback";
    exchange(&http, &id, &secret, &code, other_port, VERIFIER)
        .assert_error(ErrorCode::InvalidGrant);
    http.post(
        "/token",
        &json!({"clientId": id, "clientSecret": secret, "grantType": "authorization_code",
                "code": code, "redirectUri": redirect}),
    )
    .assert_error(ErrorCode::InvalidRequest);
    // The failed attempts did not burn the code.
    assert_eq!(
        exchange(&http, &id, &secret, &code, redirect, VERIFIER).status,
        200
    );
}

#[test]
fn authorize_auto_approve_deny_and_expiry() {
    let (emu, http) = start(
        fast()
            .expires_in(10)
            .approval(Approval::ApproveAfterPolls(0)),
    );
    let (id, secret) = http.register_pkce();
    let redirect = "http://127.0.0.1:40000/oauth/callback";
    let r = http.get(&authorize_path(&id, redirect, "s1", CHALLENGE));
    assert_eq!(r.status, 302, "{r:?}");
    let params = location_params(r.header("location").unwrap());
    assert_eq!(param(&params, "state"), Some("s1"));
    let code = param(&params, "code").unwrap().to_owned();
    // The code expires with expiresIn.
    wait_secs(10);
    exchange(&http, &id, &secret, &code, redirect, VERIFIER).assert_error(ErrorCode::ExpiredToken);

    emu.set_approval(Approval::DenyAfterPolls(0));
    let r = http.get(&authorize_path(&id, redirect, "s2", CHALLENGE));
    assert_eq!(r.status, 302);
    let params = location_params(r.header("location").unwrap());
    assert_eq!(param(&params, "error"), Some("access_denied"));
    assert_eq!(param(&params, "state"), Some("s2"));
    assert_eq!(param(&params, "code"), None);
}

#[test]
fn authorize_deny_by_form() {
    let (_emu, http) = start(fast());
    let (id, _) = http.register_pkce();
    let redirect = "http://127.0.0.1:54321/oauth/callback";
    let page = http.get(&authorize_path(&id, redirect, "st", CHALLENGE));
    let request = hidden(&page.body, "request");
    let r = http.post_form("/authorize", &[("request", &request), ("action", "deny")]);
    assert_eq!(r.status, 302);
    let params = location_params(r.header("location").unwrap());
    assert_eq!(param(&params, "error"), Some("access_denied"));
    // Answered requests cannot be answered again.
    let again = http.post_form(
        "/authorize",
        &[("request", &request), ("action", "approve")],
    );
    assert_eq!(again.status, 400);
}

#[test]
fn authorize_rejections() {
    let (_emu, http) = start(fast().approval(Approval::ApproveAfterPolls(0)));
    let (id, _) = http.register_pkce();
    let (device_only, _) = http.register(&[]);
    let redirect = "http://127.0.0.1:54321/oauth/callback";

    // Not redirectable: unknown client, unregistered redirect URI. An error page, no Location.
    for path in [
        authorize_path("nope", redirect, "s", CHALLENGE),
        authorize_path(&id, "http://evil.example:1/oauth/callback", "s", CHALLENGE),
        authorize_path(&device_only, redirect, "s", CHALLENGE),
    ] {
        let r = http.get(&path);
        assert_eq!(r.status, 400, "{path}: {r:?}");
        assert!(r.header("location").is_none());
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
    }
    // Redirectable errors.
    let no_challenge = authorize_path(&id, redirect, "s", "").replace("&code_challenge=", "");
    let wrong_type = authorize_path(&id, redirect, "s", CHALLENGE)
        .replace("response_type=code", "response_type=token");
    let bad_scope =
        authorize_path(&id, redirect, "s", CHALLENGE).replace("sso%3Aaccount%3Aaccess", "admin");
    // A plain challenge (a 64-character verifier itself) is not accepted: only S256 challenges.
    let plain = authorize_path(
        &id,
        redirect,
        "s",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.",
    );
    let padded = authorize_path(&id, redirect, "s", &format!("{CHALLENGE}%3D"));
    for (path, error) in [
        (no_challenge, "invalid_request"),
        (plain, "invalid_request"),
        (padded, "invalid_request"),
        (wrong_type, "unsupported_response_type"),
        (bad_scope, "invalid_scope"),
    ] {
        let r = http.get(&path);
        assert_eq!(r.status, 302, "{path}");
        let params = location_params(r.header("location").unwrap());
        assert_eq!(param(&params, "error"), Some(error), "{path}");
        assert_eq!(param(&params, "state"), Some("s"));
    }
}

#[test]
fn index_page() {
    let (emu, http) = start(fast());
    let r = http.get("/");
    assert_eq!(r.status, 200);
    assert!(r.body.contains(emu.base_url()));
}
