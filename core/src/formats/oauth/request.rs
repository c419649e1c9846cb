//! Building the standard dialect's requests: the device authorization request (RFC 8628 §3.1),
//! the device access token request (§3.4), the refresh request (RFC 6749 §6) and the discovery
//! request (RFC 8414 §3.1, OpenID Connect Discovery §4.1). Every `POST` is form-encoded with
//! `Accept: application/json`; the client authenticates as [`OAuthClient`] says.

use super::client::OAuthClient;
use super::url::ProviderUrl;
use crate::base::form::Form;
use crate::wire::{RequestError, USER_AGENT};
use crate::Secret;

/// The device-code grant type (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

const FORM: http::HeaderValue = http::HeaderValue::from_static("application/x-www-form-urlencoded");
const JSON: http::HeaderValue = http::HeaderValue::from_static("application/json");

/// Scopes as one space-separated value (RFC 6749 §3.3); `None` when there are none.
fn scope_value(scopes: &[String]) -> Option<String> {
    let scopes: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    (!scopes.is_empty()).then(|| scopes.join(" "))
}

/// The device authorization request (RFC 8628 §3.1): `client_id` and `scope`.
///
/// ```
/// use ssooidc_core::oauth::{device_authorization_request, OAuthClient, ProviderUrl};
/// let url = ProviderUrl::parse("https://server.example.com/device_authorization").unwrap();
/// let client = OAuthClient::public("1406020730").unwrap();
/// let request = device_authorization_request(&url, &client, &["example_scope".to_owned()]).unwrap();
/// assert_eq!(request.body(), b"client_id=1406020730&scope=example_scope"); // RFC 8628 §3.1
/// assert_eq!(request.headers()["content-type"], "application/x-www-form-urlencoded");
/// assert_eq!(request.headers()["accept"], "application/json");
/// ```
pub fn device_authorization_request(
    url: &ProviderUrl,
    client: &OAuthClient,
    scopes: &[String],
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let mut form = Form::new();
    let authorization = client.authenticate(&mut form);
    if let Some(scope) = scope_value(scopes) {
        form.pair("scope", &scope);
    }
    post(url, form, authorization)
}

/// The device access token request (RFC 8628 §3.4): `grant_type`, `device_code`, `client_id`.
pub fn device_token_request(
    url: &ProviderUrl,
    client: &OAuthClient,
    device_code: &Secret,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let mut form = Form::new();
    form.pair("grant_type", DEVICE_CODE_GRANT)
        .pair("device_code", device_code.expose());
    let authorization = client.authenticate(&mut form);
    post(url, form, authorization)
}

/// The refresh request (RFC 6749 §6): `grant_type=refresh_token`, the refresh token, and the
/// scopes when they are to be narrowed (`None`: as originally granted).
pub fn refresh_request(
    url: &ProviderUrl,
    client: &OAuthClient,
    refresh_token: &Secret,
    scopes: Option<&[String]>,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let mut form = Form::new();
    form.pair("grant_type", "refresh_token")
        .pair("refresh_token", refresh_token.expose());
    if let Some(scope) = scopes.and_then(scope_value) {
        form.pair("scope", &scope);
    }
    let authorization = client.authenticate(&mut form);
    post(url, form, authorization)
}

/// A `GET` of a discovery document at `url`, asking for JSON. No client credential goes with it.
pub fn discovery_request(url: &str) -> Result<http::Request<Vec<u8>>, RequestError> {
    let uri: http::Uri = url
        .parse()
        .map_err(|e: http::uri::InvalidUri| RequestError::Http(e.to_string()))?;
    let mut request = http::Request::new(Vec::new());
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.insert(http::header::ACCEPT, JSON);
    headers.insert(
        http::header::USER_AGENT,
        http::HeaderValue::from_static(USER_AGENT),
    );
    Ok(request)
}

/// A form `POST` of `form` to `url`, with the `Authorization` value of `client_secret_basic`
/// when there is one. The client's part of the form is added by the caller, where the RFCs'
/// examples put it.
fn post(
    url: &ProviderUrl,
    form: Form,
    authorization: Option<String>,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let mut request = http::Request::new(form.into_bytes());
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = url.uri().clone();
    let headers = request.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, FORM);
    headers.insert(http::header::ACCEPT, JSON);
    headers.insert(
        http::header::USER_AGENT,
        http::HeaderValue::from_static(USER_AGENT),
    );
    if let Some(value) = authorization {
        let mut value =
            http::HeaderValue::try_from(value).map_err(|e| RequestError::Http(e.to_string()))?;
        value.set_sensitive(true);
        headers.insert(http::header::AUTHORIZATION, value);
    }
    Ok(request)
}
