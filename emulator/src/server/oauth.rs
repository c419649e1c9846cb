//! The standard OAuth 2.0 mode over HTTP: discovery documents, the form-encoded device and
//! token endpoints, client authentication as presented (`client_secret_basic`, `_post`,
//! `none`), and the answers in RFC 6749 / RFC 8628 encoding with the configured deviations
//! ([`OAuthQuirks`]). The service side is the `service::oauth` module.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Response, StatusCode};
use serde_json::{Map, Value};
use ssooidc_core::oauth::ClientAuth;
use ssooidc_core::operations::{grant_type, CreateTokenOutput, StartDeviceAuthorizationOutput};
use ssooidc_core::{ErrorCode, ServiceError};

use super::routing::base_url;
use super::{encoding, lock, Shared};
use crate::service::{Now, OAuthMode, OAuthQuirks, Presented};

/// The path of the device authorization endpoint.
pub(super) const DEVICE_AUTHORIZATION_PATH: &str = "/oauth2/device_authorization";
/// The path of the token endpoint.
pub(super) const TOKEN_PATH: &str = "/oauth2/token";

fn mode(shared: &Shared) -> Option<OAuthMode> {
    lock(&shared.service).oauth_mode().cloned()
}

/// `GET /.well-known/openid-configuration` (and RFC 8414's document): the issuer and the
/// endpoints.
pub(super) fn metadata(shared: &Shared, parts: &http::request::Parts) -> Response<Vec<u8>> {
    let Some(mode) = mode(shared) else {
        return encoding::unknown_operation(shared, parts);
    };
    let base = base_url(shared, parts);
    let document = serde_json::json!({
        "issuer": mode.issuer.unwrap_or_else(|| base.clone()),
        "device_authorization_endpoint": format!("{base}{DEVICE_AUTHORIZATION_PATH}"),
        "token_endpoint": format!("{base}{TOKEN_PATH}"),
        "grant_types_supported": [grant_type::DEVICE_CODE, grant_type::REFRESH_TOKEN],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "scopes_supported": ["openid", "offline_access"],
        "response_types_supported": [],
    });
    encoding::json(&document)
}

/// Which endpoint a `POST` is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Endpoint {
    /// `POST /oauth2/device_authorization`.
    DeviceAuthorization,
    /// `POST /oauth2/token`.
    Token,
}

/// A form `POST` to one of the mode's endpoints (404 without the mode).
pub(super) fn post(
    shared: &Shared,
    endpoint: Endpoint,
    parts: &http::request::Parts,
    body: &[u8],
    now: Now,
) -> Response<Vec<u8>> {
    let Some(mode) = mode(shared) else {
        return encoding::unknown_operation(shared, parts);
    };
    let form = parse(body);
    match endpoint {
        Endpoint::DeviceAuthorization => device_authorization(shared, &mode, parts, &form, now),
        Endpoint::Token => token(shared, &mode, parts, &form, now),
    }
}

/// `POST /oauth2/device_authorization` (RFC 8628 §3.1).
fn device_authorization(
    shared: &Shared,
    mode: &OAuthMode,
    parts: &http::request::Parts,
    form: &[(String, String)],
    now: Now,
) -> Response<Vec<u8>> {
    let result = presented(parts, form).and_then(|presented| {
        let base = base_url(shared, parts);
        lock(&shared.service).oauth_device_authorization(
            &presented,
            value(form, "scope").as_deref(),
            &base,
            now,
        )
    });
    match result {
        Ok(out) => answer(&mode.quirks, authorization_members(&mode.quirks, out)),
        Err(e) => error(&mode.quirks, &e, None),
    }
}

/// `POST /oauth2/token` (RFC 8628 §3.4, RFC 6749 §6).
fn token(
    shared: &Shared,
    mode: &OAuthMode,
    parts: &http::request::Parts,
    form: &[(String, String)],
    now: Now,
) -> Response<Vec<u8>> {
    let device_code = value(form, "device_code");
    let result = presented(parts, form).and_then(|presented| {
        let grant = value(form, "grant_type").unwrap_or_default();
        lock(&shared.service).oauth_token(
            &presented,
            &grant,
            device_code.clone(),
            value(form, "refresh_token"),
            now,
        )
    });
    match result {
        Ok(out) => answer(&mode.quirks, token_members(&mode.quirks, out)),
        Err(e) => {
            let interval = (e.code() == Some(ErrorCode::SlowDown)
                && mode.quirks.slow_down_interval)
                .then(|| {
                    device_code
                        .as_deref()
                        .and_then(|dc| lock(&shared.service).device_interval(dc))
                })
                .flatten();
            error(&mode.quirks, &e, interval)
        }
    }
}

fn parse(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn value(form: &[(String, String)], name: &str) -> Option<String> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// How the client authenticated: `Authorization: Basic` (RFC 6749 §2.3.1, id and secret
/// form-decoded after Base64), `client_secret` in the body, or only `client_id`.
fn presented(
    parts: &http::request::Parts,
    form: &[(String, String)],
) -> Result<Presented, ServiceError> {
    let invalid = |why: &str| ServiceError::from_code(ErrorCode::InvalidClient, why);
    let body_secret = value(form, "client_secret");
    if let Some(header) = parts.headers.get(AUTHORIZATION) {
        let text = header
            .to_str()
            .map_err(|_| invalid("Malformed Authorization header"))?;
        let encoded = text
            .strip_prefix("Basic ")
            .ok_or_else(|| invalid("Unsupported Authorization scheme"))?;
        let decoded = STANDARD
            .decode(encoded.trim())
            .map_err(|_| invalid("Malformed Basic credentials"))?;
        let decoded =
            String::from_utf8(decoded).map_err(|_| invalid("Malformed Basic credentials"))?;
        let (id, secret) = decoded
            .split_once(':')
            .ok_or_else(|| invalid("Malformed Basic credentials"))?;
        let id = form_decode(id);
        if body_secret.is_some() {
            return Err(ServiceError::from_code(
                ErrorCode::InvalidRequest,
                "More than one client authentication method",
            ));
        }
        if value(form, "client_id").is_some_and(|body_id| body_id != id) {
            return Err(invalid("client_id differs from the Basic credentials"));
        }
        return Ok(Presented {
            client_id: id,
            secret: Some(form_decode(secret)),
            auth: ClientAuth::ClientSecretBasic,
        });
    }
    let client_id = value(form, "client_id").ok_or_else(|| invalid("No client authentication"))?;
    Ok(match body_secret {
        Some(secret) => Presented {
            client_id,
            secret: Some(secret),
            auth: ClientAuth::ClientSecretPost,
        },
        None => Presented {
            client_id,
            secret: None,
            auth: ClientAuth::None,
        },
    })
}

fn form_decode(text: &str) -> String {
    form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A number of seconds, as a string when the quirk says so.
fn seconds(quirks: &OAuthQuirks, n: i32) -> Value {
    if quirks.lifetimes_as_strings {
        Value::String(n.to_string())
    } else {
        Value::from(n)
    }
}

fn authorization_members(
    quirks: &OAuthQuirks,
    out: StartDeviceAuthorizationOutput,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "device_code".into(),
        Value::String(out.device_code.into_exposed()),
    );
    m.insert("user_code".into(), Value::String(out.user_code));
    let page = if quirks.verification_url {
        "verification_url"
    } else {
        "verification_uri"
    };
    m.insert(page.into(), Value::String(out.verification_uri));
    if let Some(complete) = out
        .verification_uri_complete
        .filter(|_| !quirks.no_verification_uri_complete)
    {
        m.insert("verification_uri_complete".into(), Value::String(complete));
    }
    if let Some(expires_in) = out.expires_in {
        m.insert("expires_in".into(), seconds(quirks, expires_in));
    }
    if let Some(interval) = out.interval.filter(|_| !quirks.no_interval) {
        m.insert("interval".into(), seconds(quirks, interval));
    }
    m
}

fn token_members(quirks: &OAuthQuirks, out: CreateTokenOutput) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "access_token".into(),
        Value::String(out.access_token.into_exposed()),
    );
    m.insert(
        "token_type".into(),
        Value::String(out.token_type.unwrap_or_else(|| "Bearer".into())),
    );
    if let Some(expires_in) = out.expires_in {
        m.insert("expires_in".into(), seconds(quirks, expires_in));
    }
    if let Some(refresh_token) = out.refresh_token {
        m.insert(
            "refresh_token".into(),
            Value::String(refresh_token.into_exposed()),
        );
    }
    m
}

/// A success: JSON, or a form with the `form_encoded` quirk.
fn answer(quirks: &OAuthQuirks, members: Map<String, Value>) -> Response<Vec<u8>> {
    respond(quirks, 200, members)
}

/// An error as RFC 6749 §5.2 writes it (`error`, `error_description`; 401 for
/// `invalid_client`, 500 for `server_error`, else 400), with the quirks' status and the
/// `interval` of a `slow_down`.
fn error(quirks: &OAuthQuirks, e: &ServiceError, interval: Option<u32>) -> Response<Vec<u8>> {
    let code = e
        .meta()
        .error
        .clone()
        .unwrap_or_else(|| e.name().to_owned());
    let mut m = Map::new();
    m.insert("error".into(), Value::String(code));
    if let Some(description) = e.message() {
        m.insert(
            "error_description".into(),
            Value::String(description.to_owned()),
        );
    }
    if let Some(interval) = interval {
        m.insert(
            "interval".into(),
            seconds(quirks, i32::try_from(interval).unwrap_or(i32::MAX)),
        );
    }
    let status = match (e.status(), quirks.error_status) {
        (status, _) if status >= 500 => status,
        (_, Some(quirk)) => quirk,
        (status, None) => status,
    };
    respond(quirks, status, m)
}

fn respond(quirks: &OAuthQuirks, status: u16, members: Map<String, Value>) -> Response<Vec<u8>> {
    let (body, content_type) = if quirks.form_encoded {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &members {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            form.append_pair(k, &text);
        }
        (
            form.finish().into_bytes(),
            "application/x-www-form-urlencoded",
        )
    } else {
        (
            Value::Object(members).to_string().into_bytes(),
            "application/json",
        )
    };
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let headers = r.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    r
}
