//! Answers as HTTP responses: JSON outputs, HTML pages, redirects, and service errors encoded
//! as the service does (status, `x-amzn-ErrorType`, OAuth body). The `x-amzn-RequestId` header
//! is added to every response when the request is finished.

use http::header::{CONTENT_TYPE, LOCATION};
use http::{HeaderValue, Response, StatusCode};
use serde::Serialize;
use ssooidc_core::error::{encode_error, ErrorMeta};
use ssooidc_core::operations::RegisterClientOutput;
use ssooidc_core::{ErrorCode, ServiceError};

use super::Shared;
use crate::pages;
use crate::service::AuthorizeOutcome;

/// The request id header, on every response.
pub(super) const REQUEST_ID: &str = "x-amzn-requestid";

pub(super) fn service_error(shared: &Shared, error: ServiceError) -> Response<Vec<u8>> {
    // The request id header is set for every response in `finish`.
    encode_error(&error, shared.error_type_header)
}

pub(super) fn invalid_request(shared: &Shared, description: &str) -> Response<Vec<u8>> {
    service_error(
        shared,
        ServiceError::from_code(ErrorCode::InvalidRequest, description),
    )
}

/// The answer to an operation whose body is over the limit.
pub(super) fn body_too_large(shared: &Shared) -> Response<Vec<u8>> {
    invalid_request(
        shared,
        &format!(
            "Request body exceeds the limit of {} bytes",
            shared.max_body_bytes
        ),
    )
}

/// The 404 for a method and path that is no operation or page.
pub(super) fn unknown_operation(
    shared: &Shared,
    parts: &http::request::Parts,
) -> Response<Vec<u8>> {
    service_error(
        shared,
        ServiceError::Unknown {
            meta: {
                let mut meta = ErrorMeta::new(404);
                meta.error_description = Some(format!(
                    "No operation at {} {}",
                    parts.method,
                    parts.uri.path()
                ));
                meta
            },
            code: "UnknownOperationException".to_owned(),
            message: None,
        },
    )
}

/// A response with this status and no body (fault `503` and the like).
pub(super) fn empty(status: u16) -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    r
}

pub(super) fn json<T: Serialize>(value: &T) -> Response<Vec<u8>> {
    let mut v = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    finish_json(&mut v)
}

/// RegisterClient's output, with its observed quirk.
pub(super) fn register_client_output(out: &RegisterClientOutput) -> Response<Vec<u8>> {
    let mut v = serde_json::to_value(out).unwrap_or(serde_json::Value::Null);
    if let Some(map) = v.as_object_mut() {
        // Observed quirk: the service sends these as explicit nulls.
        for k in ["authorizationEndpoint", "tokenEndpoint"] {
            map.entry(k).or_insert(serde_json::Value::Null);
        }
    }
    finish_json(&mut v)
}

fn finish_json(v: &mut serde_json::Value) -> Response<Vec<u8>> {
    let body = serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = Response::new(body);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

pub(super) fn html(status: u16, page: String) -> Response<Vec<u8>> {
    let mut r = Response::new(page.into_bytes());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

fn redirect(location: &str) -> Response<Vec<u8>> {
    let Ok(value) = HeaderValue::from_str(location) else {
        return html(
            400,
            pages::error("Bad redirect", "The redirect URI cannot be used."),
        );
    };
    let mut r = html(
        302,
        pages::error("Redirecting", &format!("Redirecting to {location}")),
    );
    r.headers_mut().insert(LOCATION, value);
    r
}

/// What `/authorize` decided: a redirect, the consent page or an error page.
pub(super) fn authorize_response(outcome: AuthorizeOutcome) -> Response<Vec<u8>> {
    match outcome {
        AuthorizeOutcome::Redirect(location) => redirect(&location),
        AuthorizeOutcome::Consent {
            request,
            client_name,
            scopes,
            redirect_uri,
        } => html(
            200,
            pages::consent(&request, &client_name, &scopes, &redirect_uri),
        ),
        AuthorizeOutcome::Page { status, message } => {
            html(status, pages::error("Authorization failed", &message))
        }
    }
}
