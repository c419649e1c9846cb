//! The examples of RFC 8628 (device authorization grant) and RFC 6749 (OAuth 2.0) that concern
//! this grant, byte for byte where the RFC shows bytes: requests as the standard dialect
//! builds them, responses as it decodes them, and the whole exchange through the shared machine.

use ssooidc_core::machine::Machine;
use std::time::{Duration, Instant};

use ssooidc_core::device::{DeviceFlow, DeviceFlowConfig, DeviceFlowError, DeviceFlowPhase, Event};
use ssooidc_core::machine::Output;
use ssooidc_core::oauth::{
    device_authorization_request, device_token_request, form, parse_device_authorization,
    parse_token_response, refresh_request, ClientAuth, OAuthClient, Provider, ProviderUrl,
    Standard,
};
use ssooidc_core::{ErrorCode, ResponseError, Secret, ServiceError};
use time::macros::datetime;

const DEVICE_CODE: &str = "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS";

fn url(path: &str) -> ProviderUrl {
    ProviderUrl::parse(&format!("https://server.example.com{path}")).unwrap()
}

fn answer(status: u16, content_type: &str, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("cache-control", "no-store")
        .header("pragma", "no-cache")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// RFC 8628 §3.2.
const RFC_8628_3_2: &str = r#"{
      "device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
      "user_code": "WDJB-MJHT",
      "verification_uri": "https://example.com/device",
      "verification_uri_complete":
          "https://example.com/device?user_code=WDJB-MJHT",
      "expires_in": 1800,
      "interval": 5
    }"#;

/// RFC 6749 §5.1.
const RFC_6749_5_1: &str = r#"{
       "access_token":"2YotnFZFEjr1zCsicMWpAA",
       "token_type":"example",
       "expires_in":3600,
       "refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA",
       "example_parameter":"example_value"
     }"#;

#[test]
fn rfc_8628_3_1_device_authorization_request() {
    let client = OAuthClient::public("1406020730").unwrap();
    let request = device_authorization_request(
        &url("/device_authorization"),
        &client,
        &["example_scope".to_owned()],
    )
    .unwrap();
    assert_eq!(request.method(), "POST");
    assert_eq!(
        request.uri(),
        "https://server.example.com/device_authorization"
    );
    assert_eq!(
        request.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(request.headers()["accept"], "application/json");
    assert_eq!(request.body(), b"client_id=1406020730&scope=example_scope");
    assert!(request.headers().get("authorization").is_none());
}

#[test]
fn rfc_8628_3_2_device_authorization_response() {
    let authorization =
        parse_device_authorization(&answer(200, "application/json", RFC_8628_3_2)).unwrap();
    assert_eq!(authorization.device_code.expose(), DEVICE_CODE);
    assert_eq!(authorization.user_code, "WDJB-MJHT");
    assert_eq!(authorization.verification_uri, "https://example.com/device");
    assert_eq!(
        authorization.verification_uri_complete.as_deref(),
        Some("https://example.com/device?user_code=WDJB-MJHT")
    );
    assert_eq!(authorization.expires_in, Some(1800));
    assert_eq!(authorization.interval, Some(5));
    assert!(!format!("{authorization:?}").contains(DEVICE_CODE));
}

#[test]
fn rfc_8628_3_2_optional_members_may_be_absent() {
    // `verification_uri_complete` and `interval` are OPTIONAL; absent `interval` means 5 s.
    let body = r#"{"device_code":"dc","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","expires_in":1800}"#;
    let authorization = parse_device_authorization(&answer(200, "application/json", body)).unwrap();
    assert_eq!(authorization.verification_uri_complete, None);
    assert_eq!(authorization.interval, None);
    // Through the machine: the default interval.
    let mut flow = standard_flow(OAuthClient::public("1406020730").unwrap());
    let t0 = Instant::now();
    transmit(&mut flow, "/device_authorization");
    flow.handle_response(t0, WALL, answer(200, "application/json", body))
        .unwrap();
    assert_eq!(flow.interval(), Some(Duration::from_secs(5)));
}

#[test]
fn rfc_8628_3_2_missing_required_members_are_malformed() {
    for (member, body) in [
        (
            "device_code",
            r#"{"user_code":"U","verification_uri":"https://e/d","expires_in":1}"#,
        ),
        (
            "user_code",
            r#"{"device_code":"D","verification_uri":"https://e/d","expires_in":1}"#,
        ),
        (
            "verification_uri",
            r#"{"device_code":"D","user_code":"U","expires_in":1}"#,
        ),
    ] {
        match parse_device_authorization(&answer(200, "application/json", body)) {
            Err(ResponseError::Malformed { kind, .. }) => {
                assert!(kind.to_string().contains(member), "{member}: {kind}")
            }
            other => panic!("{member}: {other:?}"),
        }
    }
}

#[test]
fn rfc_8628_3_4_device_access_token_request() {
    let client = OAuthClient::public("1406020730").unwrap();
    let request = device_token_request(&url("/token"), &client, &Secret::new(DEVICE_CODE)).unwrap();
    assert_eq!(request.uri(), "https://server.example.com/token");
    assert_eq!(
        request.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    let expected = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code\
                    &device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS\
                    &client_id=1406020730";
    assert_eq!(String::from_utf8_lossy(request.body()), expected);
}

#[test]
fn rfc_8628_3_5_error_codes() {
    for (error, code) in [
        ("authorization_pending", ErrorCode::AuthorizationPending),
        ("slow_down", ErrorCode::SlowDown),
        ("access_denied", ErrorCode::AccessDenied),
        ("expired_token", ErrorCode::ExpiredToken),
    ] {
        let body = format!(r#"{{"error":"{error}"}}"#);
        let e = parse_token_response(&answer(400, "application/json", &body)).unwrap_err();
        let service = e.service_error().expect("a service error");
        assert_eq!(service.code(), Some(code), "{error}");
        assert_eq!(service.meta().error.as_deref(), Some(error));
        assert_eq!(service.status(), 400);
    }
}

#[test]
fn rfc_6749_2_3_1_client_secret_basic() {
    let client = OAuthClient::new(
        "s6BhdRkqt3",
        Some(Secret::new("7Fjfp0ZBr1KtDRbnfVdmIw")),
        Some(ClientAuth::ClientSecretBasic),
    )
    .unwrap();
    let request = refresh_request(
        &url("/token"),
        &client,
        &Secret::new("tGzv3JOkF0XG5Qx2TlKWIA"),
        None,
    )
    .unwrap();
    assert_eq!(
        request.headers()["authorization"],
        "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"
    );
    assert!(request.headers()["authorization"].is_sensitive());
    // With basic, the credentials are not in the body.
    assert_eq!(
        request.body(),
        b"grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA"
    );
}

#[test]
fn rfc_6749_2_3_1_client_secret_post() {
    let client = OAuthClient::new(
        "s6BhdRkqt3",
        Some(Secret::new("7Fjfp0ZBr1KtDRbnfVdmIw")),
        Some(ClientAuth::ClientSecretPost),
    )
    .unwrap();
    let request = refresh_request(
        &url("/token"),
        &client,
        &Secret::new("tGzv3JOkF0XG5Qx2TlKWIA"),
        None,
    )
    .unwrap();
    assert_eq!(
        String::from_utf8_lossy(request.body()),
        "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA\
         &client_id=s6BhdRkqt3&client_secret=7Fjfp0ZBr1KtDRbnfVdmIw"
    );
    assert!(request.headers().get("authorization").is_none());
}

#[test]
fn rfc_6749_2_3_1_basic_form_encodes_id_and_secret() {
    // "The client identifier is encoded using the application/x-www-form-urlencoded encoding
    // algorithm ... and the encoded value is used as the username; the client password is
    // encoded using the same algorithm and used as the password."
    let client = OAuthClient::new(
        "basic cli:1",
        Some(Secret::new("basic secret:%")),
        Some(ClientAuth::ClientSecretBasic),
    )
    .unwrap();
    let request = refresh_request(&url("/token"), &client, &Secret::new("rt"), None).unwrap();
    let value = request.headers()["authorization"].to_str().unwrap();
    let encoded = value.strip_prefix("Basic ").unwrap();
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(decoded, b"basic+cli%3A1:basic+secret%3A%25");
}

#[test]
fn rfc_6749_5_1_successful_response() {
    let tokens =
        parse_token_response(&answer(200, "application/json;charset=UTF-8", RFC_6749_5_1)).unwrap();
    assert_eq!(tokens.access_token.expose(), "2YotnFZFEjr1zCsicMWpAA");
    assert_eq!(tokens.token_type, "example");
    assert_eq!(tokens.expires_in, Some(3600));
    assert_eq!(
        tokens.refresh_token.as_ref().map(Secret::expose),
        Some("tGzv3JOkF0XG5Qx2TlKWIA")
    );
    assert_eq!(tokens.scope, None);
    assert_eq!(tokens.id_token, None);
    let shown = format!("{tokens:?}");
    assert!(!shown.contains("2YotnFZFEjr1zCsicMWpAA") && !shown.contains("tGzv3JOkF0XG5Qx2TlKWIA"));
}

#[test]
fn rfc_6749_5_1_expires_in_and_refresh_token_are_optional() {
    let tokens = parse_token_response(&answer(
        200,
        "application/json",
        r#"{"access_token":"a","token_type":"Bearer"}"#,
    ))
    .unwrap();
    assert_eq!((tokens.expires_in, tokens.refresh_token), (None, None));
    // A scope and an OpenID Connect id_token are kept, the id_token as a secret.
    let tokens = parse_token_response(&answer(
        200,
        "application/json",
        r#"{"access_token":"a","token_type":"Bearer","scope":"openid email","id_token":"eyJ.x.y"}"#,
    ))
    .unwrap();
    assert_eq!(tokens.scope.as_deref(), Some("openid email"));
    assert_eq!(
        tokens.id_token.as_ref().map(Secret::expose),
        Some("eyJ.x.y")
    );
    assert!(!format!("{tokens:?}").contains("eyJ.x.y"));
}

#[test]
fn rfc_6749_5_1_token_type_is_case_insensitive() {
    for token_type in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let body = format!(r#"{{"access_token":"a","token_type":"{token_type}"}}"#);
        let response = parse_token_response(&answer(200, "application/json", &body)).unwrap();
        let tokens = ssooidc_core::oauth::Tokens::from_response(response, WALL);
        assert!(tokens.is_bearer(), "{token_type}");
    }
    let response = parse_token_response(&answer(
        200,
        "application/json",
        r#"{"access_token":"a","token_type":"DPoP"}"#,
    ))
    .unwrap();
    assert!(!ssooidc_core::oauth::Tokens::from_response(response, WALL).is_bearer());
}

#[test]
fn rfc_6749_5_2_error_response() {
    let e = parse_token_response(&answer(
        400,
        "application/json;charset=UTF-8",
        r#"{
       "error":"invalid_request"
     }"#,
    ))
    .unwrap_err();
    assert!(matches!(
        e,
        ResponseError::Service(ServiceError::InvalidRequest { .. })
    ));
}

#[test]
fn rfc_6749_5_2_every_error_code_is_typed_and_ends_the_flow() {
    for (error, code, status) in [
        ("invalid_request", ErrorCode::InvalidRequest, 400),
        ("invalid_client", ErrorCode::InvalidClient, 401),
        ("invalid_grant", ErrorCode::InvalidGrant, 400),
        ("unauthorized_client", ErrorCode::UnauthorizedClient, 400),
        (
            "unsupported_grant_type",
            ErrorCode::UnsupportedGrantType,
            400,
        ),
        ("invalid_scope", ErrorCode::InvalidScope, 400),
    ] {
        let body =
            format!(r#"{{"error":"{error}","error_description":"d","error_uri":"https://e/doc"}}"#);
        let e = parse_token_response(&answer(status, "application/json", &body)).unwrap_err();
        let service = e.service_error().expect("typed");
        assert_eq!(service.code(), Some(code), "{error}");
        assert_eq!(service.message(), Some("d"));
        assert_eq!(service.status(), status);
        // In the machine: fatal, typed.
        let mut flow = polling_flow();
        flow.handle_response(
            Instant::now(),
            WALL,
            answer(status, "application/json", &body),
        )
        .unwrap();
        match done(&mut flow) {
            Err(DeviceFlowError::Call(ssooidc_core::CallError::Service {
                operation,
                error,
                ..
            })) => {
                assert_eq!(operation, "Token");
                assert_eq!(error.code(), Some(code));
            }
            other => panic!("{error}: {other:?}"),
        }
    }
}

#[test]
fn rfc_6749_6_refresh_request() {
    let client = OAuthClient::new(
        "s6BhdRkqt3",
        Some(Secret::new("gX1fBat3bV")),
        Some(ClientAuth::ClientSecretBasic),
    )
    .unwrap();
    let request = refresh_request(
        &url("/token"),
        &client,
        &Secret::new("tGzv3JOkF0XG5Qx2TlKWIA"),
        None,
    )
    .unwrap();
    assert_eq!(request.method(), "POST");
    assert_eq!(request.uri(), "https://server.example.com/token");
    assert_eq!(
        request.headers()["authorization"],
        "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"
    );
    assert_eq!(
        request.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        request.body(),
        b"grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA"
    );
    // Narrowing the scope (§6 `scope`).
    let narrowed = refresh_request(
        &url("/token"),
        &client,
        &Secret::new("tGzv3JOkF0XG5Qx2TlKWIA"),
        Some(&["read".to_owned(), "write".to_owned()]),
    )
    .unwrap();
    assert_eq!(
        narrowed.body(),
        b"grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&scope=read+write"
    );
}

#[test]
fn rfc_6749_appendix_b_form_encoding() {
    let mut out = String::new();
    form::encode_into(&mut out, " %&+£€");
    assert_eq!(out, "+%25%26%2B%C2%A3%E2%82%AC");
    assert_eq!(
        form::parse(b"x=+%25%26%2B%C2%A3%E2%82%AC"),
        [("x".to_owned(), " %&+£€".to_owned())]
    );
}

const WALL: time::OffsetDateTime = datetime!(2026-01-04 18:51:47 UTC);

fn standard_flow(client: OAuthClient) -> DeviceFlow<Standard> {
    let provider = Provider::explicit(url("/device_authorization"), url("/token"));
    DeviceFlow::with_dialect(
        Standard::new(provider, client, ["example_scope"]),
        DeviceFlowConfig::default(),
        WALL,
        7,
    )
}

fn transmit(flow: &mut DeviceFlow<Standard>, path: &str) -> http::Request<Vec<u8>> {
    match flow.poll_output().unwrap() {
        Output::Transmit(t) => {
            assert_eq!(t.request.uri().path(), path);
            t.request
        }
        other => panic!("expected a request to {path}: {other:?}"),
    }
}

fn done(flow: &mut DeviceFlow<Standard>) -> Result<ssooidc_core::oauth::Tokens, DeviceFlowError> {
    loop {
        match flow.poll_output().unwrap() {
            Output::Done(result) => return result,
            Output::Event(_) => continue,
            other => panic!("expected the end: {other:?}"),
        }
    }
}

/// A flow with the RFC 8628 §3.2 authorization done and its first poll in flight.
fn polling_flow() -> DeviceFlow<Standard> {
    let mut flow = standard_flow(OAuthClient::public("1406020730").unwrap());
    transmit(&mut flow, "/device_authorization");
    flow.handle_response(
        Instant::now(),
        WALL,
        answer(200, "application/json", RFC_8628_3_2),
    )
    .unwrap();
    transmit(&mut flow, "/token");
    flow
}

#[test]
fn rfc_8628_the_whole_exchange_through_the_machine() {
    let t0 = Instant::now();
    let mut flow = standard_flow(OAuthClient::public("1406020730").unwrap());
    assert_eq!(
        flow.phase(),
        DeviceFlowPhase::Authorize,
        "no registration phase"
    );
    let request = transmit(&mut flow, "/device_authorization");
    assert_eq!(request.body(), b"client_id=1406020730&scope=example_scope");
    flow.handle_response(t0, WALL, answer(200, "application/json", RFC_8628_3_2))
        .unwrap();
    assert_eq!(flow.interval(), Some(Duration::from_secs(5)));
    assert_eq!(flow.deadline(), Some(t0 + Duration::from_secs(1800)));
    // §3.4: the first poll at once.
    let request = transmit(&mut flow, "/token");
    assert!(String::from_utf8_lossy(request.body()).contains(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"
    ));
    // §3.5: authorization_pending, then the prompt (§3.3: user code and verification URI).
    flow.handle_response(
        t0,
        WALL,
        answer(
            400,
            "application/json",
            r#"{"error":"authorization_pending"}"#,
        ),
    )
    .unwrap();
    match flow.poll_output().unwrap() {
        Output::Event(Event::Prompt(prompt)) => {
            assert_eq!(prompt.user_code, "WDJB-MJHT");
            assert_eq!(prompt.verification_uri, "https://example.com/device");
            // §3.3.1: the non-textual form, for a QR code.
            assert_eq!(
                prompt.verification_uri_complete.as_deref(),
                Some("https://example.com/device?user_code=WDJB-MJHT")
            );
        }
        other => panic!("{other:?}"),
    }
    // §3.5: slow_down: 5 more seconds for this and later polls.
    let at = match flow.poll_output().unwrap() {
        Output::Timeout(at) => at,
        other => panic!("{other:?}"),
    };
    assert_eq!(at, t0 + Duration::from_secs(5));
    flow.handle_timeout(at).unwrap();
    transmit(&mut flow, "/token");
    flow.handle_response(
        at,
        WALL,
        answer(400, "application/json", r#"{"error":"slow_down"}"#),
    )
    .unwrap();
    assert_eq!(flow.interval(), Some(Duration::from_secs(10)));
    let at = match flow.poll_output().unwrap() {
        Output::Timeout(next) => next,
        other => panic!("{other:?}"),
    };
    assert_eq!(at, t0 + Duration::from_secs(15));
    flow.handle_timeout(at).unwrap();
    transmit(&mut flow, "/token");
    // RFC 6749 §5.1: the token.
    flow.handle_response(at, WALL, answer(200, "application/json", RFC_6749_5_1))
        .unwrap();
    let tokens = done(&mut flow).expect("tokens");
    assert_eq!(tokens.access_token.expose(), "2YotnFZFEjr1zCsicMWpAA");
    assert_eq!(
        tokens.expires_at,
        Some((WALL + time::Duration::hours(1)).into())
    );
}

#[test]
fn rfc_8628_3_5_a_timeout_makes_the_client_poll_less_often() {
    // "on encountering a connection timeout, clients MUST unilaterally reduce their polling
    // frequency before retrying": the interval doubles.
    let mut flow = polling_flow();
    flow.handle_transport_error(
        Instant::now(),
        WALL,
        ssooidc_core::TransportError::new(ssooidc_core::TransportErrorKind::Timeout, "timed out"),
    )
    .unwrap();
    assert_eq!(flow.interval(), Some(Duration::from_secs(10)));
}
