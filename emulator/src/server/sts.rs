//! AWS STS on the base URL, in the awsQuery protocol `aws-sdk-sts` sends: `POST /` with the
//! form body `Action=GetCallerIdentity&Version=2011-06-15` (or the same parameters in a
//! `GET /` query; `GET /` without `Action` stays the index page). Answers are STS's XML
//! (`text/xml`): `GetCallerIdentityResponse`, or an `ErrorResponse` whose `RequestId` is the
//! response's `x-amzn-RequestId`.
//!
//! The action is checked before the signature, as STS does: no `Action` is `MissingAction`,
//! another action (or another `Version`) `InvalidAction`, both 400.

use http::header::CONTENT_TYPE;
use http::{HeaderValue, Method, Response, StatusCode};
use ssooidc_core::ErrorCode;

use super::routing::Route;
use super::{lock, Shared};
use crate::service::{CallerIdentity, Now, StsError};
use crate::sigv4::SignedRequest;

/// The one action served.
const GET_CALLER_IDENTITY: &str = "GetCallerIdentity";

/// STS's API version.
const VERSION: &str = "2011-06-15";

/// The namespace of STS's answers.
const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The parameters of an STS request: the query's, then (a `POST`) the form body's.
fn params(query: Option<&str>, body: &[u8]) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    params.extend(form_urlencoded::parse(body).into_owned());
    params
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Whether a `GET /` query names an STS action (else `GET /` is the index page).
pub(super) fn names_action(query: Option<&str>) -> bool {
    query.is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "Action"))
}

/// The route of an STS request on `/`: `GetCallerIdentity`, or another action (or none).
pub(super) fn route(query: Option<&str>, body: &[u8]) -> Route {
    if param(&params(query, body), "Action") == Some(GET_CALLER_IDENTITY) {
        Route::GetCallerIdentity
    } else {
        Route::StsAction
    }
}

/// STS's answer to a request on `/` at `now`.
pub(super) fn dispatch(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
    request_id: &str,
    now: Now,
) -> Response<Vec<u8>> {
    let form = if parts.method == Method::POST {
        body
    } else {
        b""
    };
    let params = params(parts.uri.query(), form);
    let version = param(&params, "Version").unwrap_or("NO_VERSION_SPECIFIED");
    let error = |e: StsError| error(e.status, e.code, &e.message, request_id);
    match param(&params, "Action") {
        None => {
            return error(StsError {
                status: 400,
                code: "MissingAction",
                message: "Missing Action".to_owned(),
            })
        }
        Some(action) if action != GET_CALLER_IDENTITY || version != VERSION => {
            return error(StsError {
                status: 400,
                code: "InvalidAction",
                message: format!("Could not find operation {action} for version {version}"),
            })
        }
        Some(_) => {}
    }
    let request = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body,
    };
    let answer = lock(&shared.service).get_caller_identity(&request, now);
    match answer {
        Ok(identity) => caller_identity(&identity, request_id),
        Err(e) => error(e),
    }
}

/// An error injected by a fault rule on an STS target, in STS's format: the error shape's name
/// as its `Code`, its status.
pub(super) fn injected(code: ErrorCode, request_id: &str) -> Response<Vec<u8>> {
    error(
        code.http_status(),
        code.shape_name(),
        "Injected fault",
        request_id,
    )
}

fn caller_identity(identity: &CallerIdentity, request_id: &str) -> Response<Vec<u8>> {
    xml(
        200,
        format!(
            "<GetCallerIdentityResponse xmlns=\"{XMLNS}\">\n  <GetCallerIdentityResult>\n    \
             <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  \
             </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  \
             </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
            escape(&identity.arn),
            escape(&identity.user_id),
            escape(&identity.account),
            escape(request_id),
        ),
    )
}

fn error(status: u16, code: &str, message: &str, request_id: &str) -> Response<Vec<u8>> {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    xml(
        status,
        format!(
            "<ErrorResponse xmlns=\"{XMLNS}\">\n  <Error>\n    <Type>{kind}</Type>\n    \
             <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  \
             <RequestId>{}</RequestId>\n</ErrorResponse>\n",
            escape(code),
            escape(message),
            escape(request_id),
        ),
    )
}

fn xml(status: u16, body: String) -> Response<Vec<u8>> {
    let mut r = Response::new(body.into_bytes());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    r
}

/// Text for an XML element: `&`, `<` and `>` as entities, and control characters XML 1.0
/// cannot hold (all but tab, newline and carriage return) as U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(escape("a<b>&\"c'\u{1}\n"), "a&lt;b&gt;&amp;\"c'\u{fffd}\n");
    }

    #[test]
    fn the_action_comes_from_the_query_or_the_form_body() {
        assert_eq!(
            route(None, b"Action=GetCallerIdentity&Version=2011-06-15"),
            Route::GetCallerIdentity
        );
        assert_eq!(
            route(Some("Action=GetCallerIdentity"), b""),
            Route::GetCallerIdentity
        );
        assert_eq!(route(None, b"Action=AssumeRole"), Route::StsAction);
        assert_eq!(route(None, b"\xff\xfe{garbage"), Route::StsAction);
        assert!(names_action(Some("Version=1&Action=X")));
        assert!(!names_action(Some("x=1")));
        assert!(!names_action(None));
    }
}
