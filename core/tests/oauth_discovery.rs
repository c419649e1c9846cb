//! Discovery (RFC 8414, OpenID Connect Discovery 1.0): documents shaped like the providers'
//! published ones, the issuer check of RFC 8414 §3.3, missing and unusable endpoints, and the
//! `Discovery` machine's way from one well-known URL to the other.

use std::convert::Infallible;
use std::time::Instant;

use serde_json::json;
use ssooidc_core::machine::{Machine, MisuseError, Output};
use ssooidc_core::oauth::{
    validate, ClientAuth, Discovery, DiscoveryError, Issuer, Provider, UrlError,
};
use ssooidc_core::retry::{RetryConfig, RetryMode, RetryPolicy};
use ssooidc_core::{CallError, TransportError, TransportErrorKind};
use time::macros::datetime;

fn document(body: serde_json::Value) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.to_string().into_bytes())
        .unwrap()
}

fn status(code: u16) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(code)
        .body(b"<html>not here</html>".to_vec())
        .unwrap()
}

fn issuer(url: &str) -> Issuer {
    Issuer::parse(url).unwrap()
}

#[test]
fn valid_documents_of_real_providers_shapes() {
    for (issuer_url, device, token) in [
        // Keycloak: a realm's issuer has a path.
        (
            "https://sso.example.com/realms/dev",
            "https://sso.example.com/realms/dev/protocol/openid-connect/auth/device",
            "https://sso.example.com/realms/dev/protocol/openid-connect/token",
        ),
        // Google: the endpoints live on another host than the issuer.
        (
            "https://accounts.google.com",
            "https://oauth2.googleapis.com/device/code",
            "https://oauth2.googleapis.com/token",
        ),
        // Okta: a custom authorization server.
        (
            "https://dev-123456.okta.com/oauth2/default",
            "https://dev-123456.okta.com/oauth2/default/v1/device/authorize",
            "https://dev-123456.okta.com/oauth2/default/v1/token",
        ),
        // Auth0: the issuer ends with a slash.
        (
            "https://tenant.eu.auth0.com/",
            "https://tenant.eu.auth0.com/oauth/device/code",
            "https://tenant.eu.auth0.com/oauth/token",
        ),
        // Microsoft Entra ID, a tenant's v2.0 issuer.
        (
            "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
            "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/oauth2/v2.0/devicecode",
            "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/oauth2/v2.0/token",
        ),
    ] {
        let provider = validate(
            &issuer(issuer_url),
            &document(json!({
                "issuer": issuer_url,
                "authorization_endpoint": format!("{issuer_url}/authorize"),
                "device_authorization_endpoint": device,
                "token_endpoint": token,
                "grant_types_supported": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
                "jwks_uri": "https://keys.example.com/jwks",
            })),
        )
        .unwrap_or_else(|e| panic!("{issuer_url}: {e}"));
        assert_eq!(provider.issuer().map(Issuer::as_str), Some(issuer_url));
        assert_eq!(provider.device_authorization_endpoint().as_str(), device);
        assert_eq!(provider.token_endpoint().as_str(), token);
        assert_eq!(provider.id(), issuer_url);
    }
}

#[test]
fn issuer_mismatch_is_refused() {
    let configured = issuer("https://idp.example.com");
    for found in [
        json!("https://attacker.example"),
        json!("https://idp.example.com/"),
        json!("https://IDP.example.com"),
        json!("https://idp.example.com/other"),
        json!("https://login.microsoftonline.com/{tenantid}/v2.0"),
        json!(null),
        json!(42),
    ] {
        let result = validate(
            &configured,
            &document(json!({
                "issuer": found,
                "device_authorization_endpoint": "https://idp.example.com/device",
                "token_endpoint": "https://idp.example.com/token",
            })),
        );
        match result {
            Err(DiscoveryError::IssuerMismatch {
                expected,
                found: got,
                url,
            }) => {
                assert_eq!(expected, "https://idp.example.com");
                assert_eq!(got.as_deref(), found.as_str());
                assert_eq!(
                    url,
                    "https://idp.example.com/.well-known/openid-configuration"
                );
            }
            other => panic!("{found}: {other:?}"),
        }
    }
    // No issuer at all.
    let e = validate(
        &configured,
        &document(json!({"token_endpoint": "https://idp.example.com/token"})),
    )
    .unwrap_err();
    assert!(e.to_string().contains("RFC 8414 section 3.3"), "{e}");
}

#[test]
fn missing_endpoints_are_named() {
    let configured = issuer("https://server.example.com");
    // RFC 8414 §3.2's example has no device authorization endpoint.
    let rfc_8414_3_2 = json!({
        "issuer": "https://server.example.com",
        "authorization_endpoint": "https://server.example.com/authorize",
        "token_endpoint": "https://server.example.com/token",
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "userinfo_endpoint": "https://server.example.com/userinfo",
        "jwks_uri": "https://server.example.com/jwks.json",
        "registration_endpoint": "https://server.example.com/register",
        "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
        "response_types_supported": ["code", "code token"],
        "service_documentation": "http://server.example.com/service_documentation.html",
        "ui_locales_supported": ["en-US", "en-GB", "en-CA", "fr-FR", "fr-CA"]
    });
    match validate(&configured, &document(rfc_8414_3_2)) {
        Err(
            e @ DiscoveryError::MissingEndpoint {
                member: "device_authorization_endpoint",
                ..
            },
        ) => {
            assert!(
                e.to_string()
                    .contains("does not offer the device authorization grant"),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
    for body in [
        json!({"issuer": "https://server.example.com", "device_authorization_endpoint": "https://server.example.com/d"}),
        json!({"issuer": "https://server.example.com", "device_authorization_endpoint": "https://server.example.com/d", "token_endpoint": ""}),
        json!({"issuer": "https://server.example.com", "device_authorization_endpoint": "https://server.example.com/d", "token_endpoint": ["x"]}),
    ] {
        assert!(
            matches!(
                validate(&configured, &document(body.clone())),
                Err(DiscoveryError::MissingEndpoint {
                    member: "token_endpoint",
                    ..
                })
            ),
            "{body}"
        );
    }
}

#[test]
fn unusable_endpoints_are_refused() {
    let configured = issuer("https://server.example.com");
    for (device, why) in [
        ("http://server.example.com/device", "https"),
        ("https://user:pw@server.example.com/device", "user"),
        ("https://server.example.com/device#frag", "fragment"),
        ("/device", "absolute"),
        ("javascript:alert(1)", "absolute"),
    ] {
        let result = validate(
            &configured,
            &document(json!({
                "issuer": "https://server.example.com",
                "device_authorization_endpoint": device,
                "token_endpoint": "https://server.example.com/token",
            })),
        );
        match result {
            Err(DiscoveryError::BadEndpoint { member, error, .. }) => {
                assert_eq!(member, "device_authorization_endpoint");
                let shown = format!("{error} {error:?}").to_lowercase();
                assert!(shown.contains(why), "{device}: {shown}");
                assert!(!shown.contains(":pw@"), "no password in messages");
            }
            other => panic!("{device}: {other:?}"),
        }
    }
    // http is fine for a provider on loopback.
    let local = issuer("http://127.0.0.1:8080");
    assert!(validate(
        &local,
        &document(json!({
            "issuer": "http://127.0.0.1:8080",
            "device_authorization_endpoint": "http://127.0.0.1:8080/device/auth",
            "token_endpoint": "http://127.0.0.1:8080/token",
        })),
    )
    .is_ok());
}

#[test]
fn broken_documents_are_malformed_calls() {
    let configured = issuer("https://server.example.com");
    for body in [&b""[..], b"[]", b"{", b"<html>"] {
        let response = http::Response::builder()
            .status(200)
            .body(body.to_vec())
            .unwrap();
        assert!(
            matches!(
                validate(&configured, &response),
                Err(DiscoveryError::Call(CallError::Malformed {
                    operation: "Discovery",
                    ..
                }))
            ),
            "{body:?}"
        );
    }
    let huge = http::Response::builder()
        .status(200)
        .body(vec![b' '; ssooidc_core::MAX_RESPONSE_BODY_BYTES + 1])
        .unwrap();
    assert!(matches!(
        validate(&configured, &huge),
        Err(DiscoveryError::Call(CallError::Malformed { .. }))
    ));
}

#[test]
fn issuers_are_https_without_query() {
    assert!(matches!(
        Issuer::parse("http://idp.example.com"),
        Err(UrlError::NotHttps(_))
    ));
    assert!(matches!(
        Issuer::parse("https://idp.example.com?x=1"),
        Err(UrlError::Query(_))
    ));
    assert!(Issuer::parse("http://localhost:8080/realms/x").is_ok());
}

#[test]
fn the_default_auth_method_follows_the_metadata() {
    let configured = issuer("https://server.example.com");
    let provider = |methods: serde_json::Value| -> Provider {
        validate(
            &configured,
            &document(json!({
                "issuer": "https://server.example.com",
                "device_authorization_endpoint": "https://server.example.com/d",
                "token_endpoint": "https://server.example.com/t",
                "token_endpoint_auth_methods_supported": methods,
            })),
        )
        .unwrap()
    };
    assert_eq!(
        provider(json!(["client_secret_post"])).default_auth(true),
        ClientAuth::ClientSecretPost
    );
    assert_eq!(
        provider(json!(["client_secret_basic", "client_secret_post"])).default_auth(true),
        ClientAuth::ClientSecretBasic
    );
    assert_eq!(
        provider(json!(null)).default_auth(true),
        ClientAuth::ClientSecretBasic
    );
    assert_eq!(
        provider(json!(["client_secret_post"])).default_auth(false),
        ClientAuth::None
    );
}

/// Drives a discovery with scripted answers; returns the result and the URLs requested.
fn run(
    issuer_url: &str,
    answers: Vec<Result<http::Response<Vec<u8>>, TransportError>>,
) -> (Result<Provider, DiscoveryError>, Vec<String>) {
    let policy = RetryPolicy::new(RetryConfig::new(RetryMode::Standard, 3));
    let mut now = Instant::now();
    let wall = datetime!(2026-01-04 18:51:47 UTC);
    let mut discovery = Discovery::new(issuer(issuer_url), &policy, now, 7);
    let mut answers = answers.into_iter();
    let mut urls = Vec::new();
    loop {
        match discovery.poll_output().unwrap() {
            Output::Transmit(t) => {
                assert_eq!(t.operation, "Discovery");
                assert_eq!(t.request.method(), "GET");
                assert_eq!(t.request.headers()["accept"], "application/json");
                assert!(t.request.headers().get("authorization").is_none());
                assert!(t.request.body().is_empty());
                urls.push(t.request.uri().to_string());
                match answers.next().expect("a scripted answer") {
                    Ok(response) => discovery.handle_response(now, wall, response).unwrap(),
                    Err(error) => discovery.handle_transport_error(now, wall, error).unwrap(),
                }
            }
            Output::Timeout(at) => {
                now = at;
                discovery.handle_timeout(now).unwrap();
            }
            Output::Event(never) => match never {},
            Output::Done(result) => {
                // Absorbing.
                assert!(matches!(discovery.poll_output(), Ok(Output::Done(_))));
                assert_eq!(discovery.handle_timeout(now), Err(MisuseError::Finished));
                return (result, urls);
            }
        }
    }
}

fn good(issuer_url: &str) -> http::Response<Vec<u8>> {
    document(json!({
        "issuer": issuer_url,
        "device_authorization_endpoint": format!("{issuer_url}/device"),
        "token_endpoint": format!("{issuer_url}/token"),
    }))
}

#[test]
fn the_machine_reads_the_openid_document() {
    let (result, urls) = run(
        "https://idp.example.com/realms/x",
        vec![Ok(good("https://idp.example.com/realms/x"))],
    );
    assert_eq!(
        result.unwrap().token_endpoint().as_str(),
        "https://idp.example.com/realms/x/token"
    );
    assert_eq!(
        urls,
        ["https://idp.example.com/realms/x/.well-known/openid-configuration"]
    );
}

#[test]
fn a_missing_openid_document_falls_back_to_rfc_8414() {
    let (result, urls) = run(
        "https://idp.example.com/tenant",
        vec![Ok(status(404)), Ok(good("https://idp.example.com/tenant"))],
    );
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        urls,
        [
            "https://idp.example.com/tenant/.well-known/openid-configuration",
            "https://idp.example.com/.well-known/oauth-authorization-server/tenant",
        ]
    );
    let (result, _) = run(
        "https://idp.example.com",
        vec![Ok(status(404)), Ok(status(404))],
    );
    match result {
        Err(e @ DiscoveryError::NotPublished { .. }) => {
            assert!(e.to_string().contains("publishes no metadata"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn server_faults_and_timeouts_are_retried_other_errors_are_not() {
    let (result, urls) = run(
        "https://idp.example.com",
        vec![
            Ok(status(503)),
            Err(TransportError::new(
                TransportErrorKind::Timeout,
                "timed out",
            )),
            Ok(good("https://idp.example.com")),
        ],
    );
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(urls.len(), 3);
    let (result, urls) = run("https://idp.example.com", vec![Ok(status(403))]);
    assert!(matches!(
        result,
        Err(DiscoveryError::Call(CallError::Service { .. }))
    ));
    assert_eq!(urls.len(), 1);
    let (result, _) = run(
        "https://idp.example.com",
        vec![Err(TransportError::new(
            TransportErrorKind::Tls,
            "UnknownIssuer",
        ))],
    );
    assert!(matches!(
        result,
        Err(DiscoveryError::Call(CallError::Transport { .. }))
    ));
}

#[test]
fn a_mismatch_does_not_fall_back() {
    // A document for another issuer is a hard failure, not a reason to look elsewhere.
    let (result, urls) = run(
        "https://idp.example.com",
        vec![Ok(good("https://evil.example"))],
    );
    assert!(matches!(result, Err(DiscoveryError::IssuerMismatch { .. })));
    assert_eq!(urls.len(), 1);
}

#[test]
fn misuse_is_refused() {
    let policy = RetryPolicy::default();
    let mut discovery = Discovery::new(
        issuer("https://idp.example.com"),
        &policy,
        Instant::now(),
        1,
    );
    let wall = datetime!(2026-01-04 18:51:47 UTC);
    assert_eq!(
        discovery.handle_response(Instant::now(), wall, good("https://idp.example.com")),
        Err(MisuseError::NoRequestOutstanding)
    );
    let _: Output<Infallible, _> = discovery.poll_output().unwrap();
    assert_eq!(
        discovery.poll_output().err(),
        Some(MisuseError::RequestOutstanding)
    );
}
