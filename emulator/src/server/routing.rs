//! Which operation or page a request is for (method, path, `?aws_iam=t`, and on `/` the STS
//! `Action` of the query or form body), and each one's call into the service: decoding its
//! input, encoding its answer.

use bytes::Bytes;
use http::header::HOST;
use http::{Method, Response};
use serde::de::DeserializeOwned;
use ssooidc_core::ServiceError;

use super::body::ReadBody;
use super::encoding::{self, html};
use super::oauth::Endpoint;
use super::portal::{self, PortalRoute};
use super::{lock, sts, Shared};
use crate::faults::Target;
use crate::pages;
use crate::service::{AuthorizeOutcome, AuthorizeQuery, Now, Service};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    RegisterClient,
    StartDeviceAuthorization,
    CreateToken,
    CreateTokenWithIam,
    AuthorizeGet,
    AuthorizePost,
    DeviceGet,
    DevicePost,
    Index,
    Portal(PortalRoute),
    OAuthMetadata,
    OAuthDeviceAuthorization,
    OAuthToken,
    GetSigninToken,
    FederationLogin,
    /// STS's `GetCallerIdentity` on `/`.
    GetCallerIdentity,
    /// An STS request on `/` for another action, or none.
    StsAction,
    NotFound,
}

impl Route {
    /// The route of a request; `body` is read only for STS's `POST /` (its `Action`).
    pub(super) fn of(method: &Method, path: &str, query: Option<&str>, body: &[u8]) -> Route {
        let get = method == Method::GET || method == Method::HEAD;
        let post = method == Method::POST;
        match path {
            "/client/register" if post => Route::RegisterClient,
            "/device_authorization" if post => Route::StartDeviceAuthorization,
            "/token" if post => {
                let iam = query.is_some_and(|q| {
                    form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "aws_iam" && v == "t")
                });
                if iam {
                    Route::CreateTokenWithIam
                } else {
                    Route::CreateToken
                }
            }
            "/authorize" if get => Route::AuthorizeGet,
            "/authorize" if post => Route::AuthorizePost,
            "/device" | "/device/" if get => Route::DeviceGet,
            "/device" | "/device/" if post => Route::DevicePost,
            "/" if post => sts::route(query, body),
            "/" if get && sts::names_action(query) => sts::route(query, b""),
            "/" if get => Route::Index,
            "/.well-known/openid-configuration" | "/.well-known/oauth-authorization-server"
                if get =>
            {
                Route::OAuthMetadata
            }
            super::oauth::DEVICE_AUTHORIZATION_PATH if post => Route::OAuthDeviceAuthorization,
            super::oauth::TOKEN_PATH if post => Route::OAuthToken,
            "/federation" if get => {
                let action = query.and_then(|q| {
                    form_urlencoded::parse(q.as_bytes())
                        .find(|(k, _)| k == "Action")
                        .map(|(_, v)| v.into_owned())
                });
                if action.as_deref() == Some("getSigninToken") {
                    Route::GetSigninToken
                } else {
                    Route::FederationLogin
                }
            }
            _ => PortalRoute::of(method, path).map_or(Route::NotFound, Route::Portal),
        }
    }

    /// The fault-rule target of a route.
    pub(super) fn target(self) -> Target {
        match self {
            Route::RegisterClient => Target::RegisterClient,
            Route::StartDeviceAuthorization => Target::StartDeviceAuthorization,
            Route::CreateToken => Target::CreateToken,
            Route::CreateTokenWithIam => Target::CreateTokenWithIam,
            Route::AuthorizeGet | Route::AuthorizePost => Target::Authorize,
            Route::DeviceGet | Route::DevicePost | Route::Index => Target::Device,
            Route::Portal(p) => p.target(),
            Route::OAuthMetadata => Target::Discovery,
            Route::OAuthDeviceAuthorization => Target::StartDeviceAuthorization,
            Route::OAuthToken => Target::CreateToken,
            Route::GetSigninToken => Target::GetSigninToken,
            Route::FederationLogin => Target::FederationLogin,
            Route::GetCallerIdentity => Target::GetCallerIdentity,
            Route::StsAction | Route::NotFound => Target::Any,
        }
    }

    /// Whether the route is STS's (its answers, injected errors included, are STS's XML).
    pub(super) fn is_sts(self) -> bool {
        matches!(self, Route::GetCallerIdentity | Route::StsAction)
    }
}

/// The service's answer to a request on `route` at `now`; `request_id` is the one its
/// response carries (STS's answers repeat it in the body).
pub(super) fn dispatch(
    shared: &Shared,
    route: Route,
    parts: &http::request::Parts,
    body: ReadBody,
    request_id: &str,
    now: Now,
) -> Response<Vec<u8>> {
    let body = match body {
        ReadBody::Ok(b) => b,
        ReadBody::TooLarge if route == Route::NotFound => Bytes::new(),
        ReadBody::TooLarge => return encoding::body_too_large(shared),
    };
    match route {
        Route::RegisterClient => {
            operation(shared, &body, encoding::register_client_output, |s, i| {
                s.register_client(i, now)
            })
        }
        Route::StartDeviceAuthorization => {
            let base = base_url(shared, parts);
            operation(shared, &body, encoding::json, |s, i| {
                s.start_device_authorization(i, &base, now)
            })
        }
        Route::CreateToken => {
            operation(shared, &body, encoding::json, |s, i| s.create_token(i, now))
        }
        Route::CreateTokenWithIam => {
            let signed = is_sigv4_signed(parts);
            operation(shared, &body, encoding::json, |s, i| {
                s.create_token_with_iam(i, signed, now)
            })
        }
        Route::AuthorizeGet => authorize_page(shared, parts, now),
        Route::AuthorizePost => authorize_decision(shared, &body, now),
        Route::DeviceGet => device_page(shared, parts, now),
        Route::DevicePost => device_decision(shared, &body, now),
        Route::Index => html(200, pages::index(&base_url(shared, parts))),
        Route::Portal(p) => portal::dispatch(shared, p, parts, now),
        Route::OAuthMetadata => super::oauth::metadata(shared, parts),
        Route::OAuthDeviceAuthorization => {
            super::oauth::post(shared, Endpoint::DeviceAuthorization, parts, &body, now)
        }
        Route::OAuthToken => super::oauth::post(shared, Endpoint::Token, parts, &body, now),
        Route::GetSigninToken | Route::FederationLogin => federation(shared, route, parts, now),
        Route::GetCallerIdentity | Route::StsAction => {
            sts::dispatch(shared, parts, &body, request_id, now)
        }
        Route::NotFound => encoding::unknown_operation(shared, parts),
    }
}

/// Runs an operation on its JSON input: a body that does not parse gets
/// `InvalidRequestException`, the output is encoded with `encode`, an error as the service does.
fn operation<I: DeserializeOwned, O>(
    shared: &Shared,
    body: &[u8],
    encode: fn(&O) -> Response<Vec<u8>>,
    run: impl FnOnce(&mut Service, I) -> Result<O, ServiceError>,
) -> Response<Vec<u8>> {
    let input = match parse_json(shared, body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    let result = run(&mut lock(&shared.service), input);
    match result {
        Ok(out) => encode(&out),
        Err(e) => encoding::service_error(shared, e),
    }
}

/// `GET /authorize`: the consent page, or a redirect back to the client.
fn authorize_page(shared: &Shared, parts: &http::request::Parts, now: Now) -> Response<Vec<u8>> {
    let q = AuthorizeQuery::parse(parts.uri.query().unwrap_or(""));
    let outcome = lock(&shared.service).authorize(&q, now);
    encoding::authorize_response(outcome)
}

/// `POST /authorize`: the consent page's form, approve or deny.
fn authorize_decision(shared: &Shared, body: &[u8], now: Now) -> Response<Vec<u8>> {
    let request = form_value(body, "request").unwrap_or_default();
    let outcome = match form_value(body, "action").as_deref() {
        Some("approve") => lock(&shared.service).decide_consent(&request, true, now),
        Some("deny") => lock(&shared.service).decide_consent(&request, false, now),
        _ => AuthorizeOutcome::Page {
            status: 400,
            message: "The form must say action=approve or action=deny.".to_owned(),
        },
    };
    encoding::authorize_response(outcome)
}

/// `GET /device`: the form to type a user code, or the confirmation for `?user_code=`.
fn device_page(shared: &Shared, parts: &http::request::Parts, now: Now) -> Response<Vec<u8>> {
    let code = form_value(parts.uri.query().unwrap_or("").as_bytes(), "user_code")
        .filter(|c| !c.trim().is_empty());
    match code {
        None => html(200, pages::device_entry(None)),
        Some(code) => match lock(&shared.service).device_view(&code, now) {
            Some(view) => html(200, pages::device_confirm(&view)),
            None => html(
                404,
                pages::device_entry(Some("That code is not valid. Check it and try again.")),
            ),
        },
    }
}

/// `POST /device`: the verification page's form, approve or deny a user code.
fn device_decision(shared: &Shared, body: &[u8], now: Now) -> Response<Vec<u8>> {
    let code = form_value(body, "user_code").unwrap_or_default();
    let approve = match form_value(body, "action").as_deref() {
        Some("approve") => true,
        Some("deny") => false,
        _ => {
            return html(
                400,
                pages::error(
                    "Bad request",
                    "The form must say action=approve or action=deny.",
                ),
            )
        }
    };
    match lock(&shared.service).decide(&code, approve, now) {
        Ok(()) => html(200, pages::device_result(&code, approve)),
        Err(e) => html(
            400,
            pages::error("Cannot complete the request", &e.to_string()),
        ),
    }
}

fn parse_json<T: DeserializeOwned>(shared: &Shared, body: &[u8]) -> Result<T, Response<Vec<u8>>> {
    serde_json::from_slice(body)
        .map_err(|e| encoding::invalid_request(shared, &format!("Invalid request body: {e}")))
}

fn form_value(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Whether the request carries a SigV4 `Authorization` header (its signature is not checked).
fn is_sigv4_signed(parts: &http::request::Parts) -> bool {
    parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256 "))
}

/// The emulator's base URL as the client sees it: `public_url` if set, else `http://` and the
/// `Host` header, else the address it listens on.
pub(super) fn base_url(shared: &Shared, parts: &http::request::Parts) -> String {
    if let Some(u) = &shared.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.parse::<http::uri::Authority>().is_ok())
        .map_or_else(|| shared.local_base.clone(), |h| format!("http://{h}"))
}

/// The sign-in federation endpoint: a sign-in token as JSON, or the browser redirected to its
/// destination; `400` for anything it does not accept.
fn federation(
    shared: &Shared,
    route: Route,
    parts: &http::request::Parts,
    now: Now,
) -> Response<Vec<u8>> {
    let query: Vec<(String, String)> =
        form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let refused = || {
        let mut r = Response::new(b"Bad Request".to_vec());
        *r.status_mut() = http::StatusCode::BAD_REQUEST;
        r
    };
    if route == Route::GetSigninToken {
        let token = lock(&shared.service).get_signin_token(param("Session"), now);
        return token.map_or_else(refused, |t| {
            encoding::json(&serde_json::json!({ "SigninToken": t }))
        });
    }
    let valid = param("Action") == Some("login")
        && lock(&shared.service).signin_token_valid(param("SigninToken"), now);
    match param("Destination").filter(|_| valid) {
        Some(destination) => {
            let mut r = Response::new(Vec::new());
            *r.status_mut() = http::StatusCode::FOUND;
            if let Ok(location) = http::HeaderValue::from_str(destination) {
                r.headers_mut().insert(http::header::LOCATION, location);
            }
            r
        }
        None => refused(),
    }
}
