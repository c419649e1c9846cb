//! The standard OAuth 2.0 mode, through `Handler` on a virtual clock, read back with the core's
//! own standard-dialect requests and decoders: discovery, each client authentication method,
//! the device grant, the refresh grant, and each provider quirk switch.

use std::time::{Duration, Instant, SystemTime};

use ssooidc_core::device::Authorization;
use ssooidc_core::oauth::{
    device_authorization_request, device_token_request, parse_device_authorization,
    parse_token_response, refresh_request, validate, ClientAuth, Issuer, OAuthClient, Provider,
    ProviderUrl, TokenResponse,
};
use ssooidc_core::{ErrorCode, ResponseError, Secret, ServiceError};
use ssooidc_emulator::{Approval, Config, Handler, OAuthClientConfig, OAuthMode, OAuthQuirks};

const BASE: &str = "http://127.0.0.1:4000";

fn clients() -> Vec<OAuthClientConfig> {
    vec![
        OAuthClientConfig::public("public-cli"),
        OAuthClientConfig::confidential("post-cli", "post-secret", ClientAuth::ClientSecretPost),
        OAuthClientConfig::confidential(
            "basic cli:1",
            "basic secret:%",
            ClientAuth::ClientSecretBasic,
        ),
    ]
}

fn handler(quirks: OAuthQuirks, approval: Approval) -> Handler {
    let mode = OAuthMode::with_clients(clients()).quirks(quirks);
    let mut config = Config::default()
        .oauth(mode)
        .approval(approval)
        .second(Duration::from_millis(1));
    config.public_url = Some(BASE.to_owned());
    Handler::new(config)
}

fn provider() -> Provider {
    Provider::explicit(
        ProviderUrl::parse(&format!("{BASE}/oauth2/device_authorization")).unwrap(),
        ProviderUrl::parse(&format!("{BASE}/oauth2/token")).unwrap(),
    )
}

fn client(id: &str) -> OAuthClient {
    match id {
        "public-cli" => OAuthClient::public(id).unwrap(),
        "post-cli" => OAuthClient::new(
            id,
            Some(Secret::new("post-secret")),
            Some(ClientAuth::ClientSecretPost),
        )
        .unwrap(),
        _ => OAuthClient::new(
            id,
            Some(Secret::new("basic secret:%")),
            Some(ClientAuth::ClientSecretBasic),
        )
        .unwrap(),
    }
}

/// The request with its URI made relative (the handler serves paths).
fn local(request: http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let (mut parts, body) = request.into_parts();
    parts.uri = parts.uri.path().parse().unwrap();
    http::Request::from_parts(parts, body)
}

struct Clock {
    t0: Instant,
    ms: u64,
}

impl Clock {
    fn new() -> Self {
        Clock {
            t0: Instant::now(),
            ms: 0,
        }
    }
    fn send(
        &mut self,
        handler: &Handler,
        request: http::Request<Vec<u8>>,
    ) -> http::Response<Vec<u8>> {
        self.ms += 100;
        let now = self.t0 + Duration::from_millis(self.ms);
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_552_707);
        handler
            .handle_at(local(request), now, wall)
            .expect("an answer")
    }
}

fn authorize(handler: &Handler, clock: &mut Clock, id: &str) -> http::Response<Vec<u8>> {
    let request = device_authorization_request(
        provider().device_authorization_endpoint(),
        &client(id),
        &["openid".to_owned(), "offline_access".to_owned()],
    )
    .unwrap();
    clock.send(handler, request)
}

fn poll(
    handler: &Handler,
    clock: &mut Clock,
    id: &str,
    authorization: &Authorization,
) -> http::Response<Vec<u8>> {
    let request = device_token_request(
        provider().token_endpoint(),
        &client(id),
        &authorization.device_code,
    )
    .unwrap();
    clock.send(handler, request)
}

#[test]
fn discovery_validates_with_the_core() {
    let handler = handler(OAuthQuirks::default(), Approval::Manual);
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let response = handler
            .handle(http::Request::get(path).body(Vec::new()).unwrap())
            .unwrap();
        let provider = validate(&Issuer::parse(BASE).unwrap(), &response).expect(path);
        assert_eq!(
            provider.token_endpoint().as_str(),
            format!("{BASE}/oauth2/token")
        );
        assert_eq!(provider.default_auth(true), ClientAuth::ClientSecretBasic);
    }
    // A claimed issuer of another server is refused by the core.
    let mut config = Config::default().oauth(OAuthMode::default().issuer("https://evil.example"));
    config.public_url = Some(BASE.to_owned());
    let response = Handler::new(config)
        .handle(
            http::Request::get("/.well-known/openid-configuration")
                .body(Vec::new())
                .unwrap(),
        )
        .unwrap();
    assert!(validate(&Issuer::parse(BASE).unwrap(), &response).is_err());
}

#[test]
fn without_the_mode_the_endpoints_do_not_exist() {
    let handler = Handler::new(Config::default());
    for request in [
        http::Request::get("/.well-known/openid-configuration")
            .body(Vec::new())
            .unwrap(),
        http::Request::post("/oauth2/token")
            .body(b"grant_type=x".to_vec())
            .unwrap(),
    ] {
        assert_eq!(handler.handle(request).unwrap().status(), 404);
    }
}

#[test]
fn each_authentication_method_logs_in_and_refreshes() {
    for id in ["public-cli", "post-cli", "basic cli:1"] {
        let handler = handler(OAuthQuirks::default(), Approval::ApproveAfterPolls(1));
        let mut clock = Clock::new();
        let authorization =
            parse_device_authorization(&authorize(&handler, &mut clock, id)).expect(id);
        assert!(authorization.verification_uri.ends_with("/device"));
        let pending =
            parse_token_response(&poll(&handler, &mut clock, id, &authorization)).unwrap_err();
        assert_eq!(
            pending.service_error().and_then(ServiceError::code),
            Some(ErrorCode::AuthorizationPending),
            "{id}"
        );
        let tokens: TokenResponse =
            parse_token_response(&poll(&handler, &mut clock, id, &authorization)).expect(id);
        assert!(tokens.token_type.eq_ignore_ascii_case("bearer"));
        let refresh_token = tokens.refresh_token.expect("a refresh token");
        let refreshed = parse_token_response(
            &clock.send(
                &handler,
                refresh_request(
                    provider().token_endpoint(),
                    &client(id),
                    &refresh_token,
                    None,
                )
                .unwrap(),
            ),
        )
        .expect(id);
        assert_ne!(refreshed.access_token, tokens.access_token);
    }
}

#[test]
fn the_wrong_method_or_secret_is_invalid_client_401() {
    let handler = handler(OAuthQuirks::default(), Approval::Manual);
    let mut clock = Clock::new();
    let wrong = [
        OAuthClient::new(
            "post-cli",
            Some(Secret::new("wrong")),
            Some(ClientAuth::ClientSecretPost),
        )
        .unwrap(),
        OAuthClient::new(
            "post-cli",
            Some(Secret::new("post-secret")),
            Some(ClientAuth::ClientSecretBasic),
        )
        .unwrap(),
        OAuthClient::public("basic cli:1").unwrap(),
        OAuthClient::public("nobody").unwrap(),
    ];
    for client in wrong {
        let request =
            device_authorization_request(provider().device_authorization_endpoint(), &client, &[])
                .unwrap();
        let response = clock.send(&handler, request);
        assert_eq!(response.status(), 401, "{client:?}");
        let e = parse_device_authorization(&response).unwrap_err();
        assert!(
            matches!(
                e,
                ResponseError::Service(ServiceError::InvalidClient { .. })
            ),
            "{client:?}: {e:?}"
        );
    }
}

#[test]
fn denial_and_expiry_are_the_rfc_8628_codes() {
    let handler = handler(OAuthQuirks::default(), Approval::Manual);
    let mut clock = Clock::new();
    let authorization =
        parse_device_authorization(&authorize(&handler, &mut clock, "public-cli")).unwrap();
    handler_deny(&handler, &authorization.user_code);
    let e = parse_token_response(&poll(&handler, &mut clock, "public-cli", &authorization))
        .unwrap_err();
    assert_eq!(
        e.service_error().and_then(ServiceError::code),
        Some(ErrorCode::AccessDenied)
    );

    let authorization =
        parse_device_authorization(&authorize(&handler, &mut clock, "public-cli")).unwrap();
    clock.ms += 700_000; // 600 protocol seconds of 1 ms
    let e = parse_token_response(&poll(&handler, &mut clock, "public-cli", &authorization))
        .unwrap_err();
    assert_eq!(
        e.service_error().and_then(ServiceError::code),
        Some(ErrorCode::ExpiredToken)
    );
}

/// Denies through the verification page's form, as a person would.
fn handler_deny(handler: &Handler, user_code: &str) {
    let form = format!("user_code={user_code}&action=deny");
    let response = handler
        .handle(
            http::Request::post("/device")
                .body(form.into_bytes())
                .unwrap(),
        )
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[test]
fn quirk_verification_url_and_no_interval_and_no_complete_uri() {
    let quirks = quirks(&[
        "verification-url",
        "no-interval",
        "no-verification-uri-complete",
    ]);
    let handler = handler(quirks, Approval::Manual);
    let response = authorize(&handler, &mut Clock::new(), "public-cli");
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert!(body.get("verification_url").is_some() && body.get("verification_uri").is_none());
    assert!(body.get("interval").is_none() && body.get("verification_uri_complete").is_none());
    let authorization = parse_device_authorization(&response).unwrap();
    assert!(authorization.verification_uri.ends_with("/device"));
    assert_eq!(
        (
            authorization.interval,
            authorization.verification_uri_complete
        ),
        (None, None)
    );
}

#[test]
fn quirk_slow_down_interval() {
    let quirks = quirks(&["slow-down-interval"]);
    let handler = handler(quirks, Approval::Manual);
    let mut clock = Clock::new();
    let authorization =
        parse_device_authorization(&authorize(&handler, &mut clock, "public-cli")).unwrap();
    poll(&handler, &mut clock, "public-cli", &authorization);
    // 100 ms later, with an interval of 1 protocol second of 1 ms: not too fast. Make it so.
    let mut fast = Clock {
        t0: clock.t0,
        ms: clock.ms - 100,
    };
    let response = poll(&handler, &mut fast, "public-cli", &authorization);
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["error"], "slow_down", "{body}");
    assert_eq!(body["interval"], 6, "1 + the increment of 5");
}

#[test]
fn quirk_error_status() {
    for status in [200u16, 401, 403, 428] {
        let quirks = quirks(&[&format!("error-status-{status}")]);
        let handler = handler(quirks, Approval::Manual);
        let mut clock = Clock::new();
        let authorization =
            parse_device_authorization(&authorize(&handler, &mut clock, "public-cli")).unwrap();
        let response = poll(&handler, &mut clock, "public-cli", &authorization);
        assert_eq!(response.status(), status);
        let e = parse_token_response(&response).unwrap_err();
        assert_eq!(
            e.service_error().and_then(ServiceError::code),
            Some(ErrorCode::AuthorizationPending)
        );
    }
}

#[test]
fn quirk_lifetimes_as_strings_and_form_encoded() {
    let both = quirks(&["lifetimes-as-strings", "form-encoded"]);
    let handler = handler(both, Approval::ApproveAfterPolls(0));
    let mut clock = Clock::new();
    let response = authorize(&handler, &mut clock, "public-cli");
    assert_eq!(
        response.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    let text = String::from_utf8(response.body().clone()).unwrap();
    assert!(
        text.contains("expires_in=600") && text.contains("interval=1"),
        "{text}"
    );
    let authorization = parse_device_authorization(&response).unwrap();
    assert_eq!(authorization.expires_in, Some(600));
    let response = poll(&handler, &mut clock, "public-cli", &authorization);
    assert_eq!(
        response.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    let tokens = parse_token_response(&response).unwrap();
    assert_eq!(tokens.expires_in, Some(3600));
    // JSON with strings.
    let strings = quirks(&["lifetimes-as-strings"]);
    let response = authorize(&handler_with(strings), &mut Clock::new(), "public-cli");
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body["expires_in"], "600");
}

/// Quirks by their command-line names.
fn quirks(names: &[&str]) -> OAuthQuirks {
    let mut quirks = OAuthQuirks::default();
    for name in names {
        quirks.set(name).unwrap();
    }
    quirks
}

fn handler_with(quirks: OAuthQuirks) -> Handler {
    handler(quirks, Approval::Manual)
}
