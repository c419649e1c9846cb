//! Core against botocore 1.44.8 on the wire: `fixtures/botocore/wire.json`, written by
//! `tests/reference/wire_fixtures.py` (see `tests/reference/README.md`), holds what botocore
//! sends for every operation of both services, what it makes of a set of answers, and the
//! token cache file its `SSOTokenProvider` writes after a refresh. Every case runs through core
//! here; where core deliberately differs, the difference is an explicit, commented exception.

use ssooidc_core::machine::Machine;
use std::time::Instant;

use serde_json::{Map, Value};
use ssooidc_core::cache::{token_cache_key, CachedToken};
use ssooidc_core::endpoint::{resolve_for, Endpoint, EndpointParams};
use ssooidc_core::machine::Output;
use ssooidc_core::operations::{
    CreateToken, CreateTokenWithIam, RegisterClient, StartDeviceAuthorization,
};
use ssooidc_core::portal::{GetRoleCredentials, ListAccountRoles, ListAccounts, Logout};
use ssooidc_core::refresh::{RefreshInput, RefreshOutcome, Refresher};
use ssooidc_core::retry::{classify, FailureClass};
use ssooidc_core::settings::Service;
use ssooidc_core::sigv4::{sign, SigningCredentials};
use ssooidc_core::{CallError, Operation, ResponseError};
use time::OffsetDateTime;

fn fixture() -> Value {
    let text = include_str!("fixtures/botocore/wire.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    assert_eq!(doc["botocore"], "1.44.8");
    doc
}

fn fixed_now(doc: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(
        doc["now"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn list(v: &Value, k: &str) -> Option<Vec<String>> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
}

fn int(v: &Value, k: &str) -> Option<i32> {
    v.get(k).and_then(Value::as_i64).map(|n| n as i32)
}

/// Core's request for a fixture case's operation and parameters (botocore's member names).
fn core_request(operation: &str, p: &Value, endpoint: &Endpoint) -> http::Request<Vec<u8>> {
    let req = match operation {
        "RegisterClient" => {
            let mut i = RegisterClient::new(s(p, "clientName").unwrap());
            i.client_type = s(p, "clientType").unwrap();
            i.scopes = list(p, "scopes");
            i.redirect_uris = list(p, "redirectUris");
            i.grant_types = list(p, "grantTypes");
            i.issuer_url = s(p, "issuerUrl");
            i.entitled_application_arn = s(p, "entitledApplicationArn");
            i.to_request(endpoint)
        }
        "StartDeviceAuthorization" => StartDeviceAuthorization::new(
            s(p, "clientId").unwrap(),
            s(p, "clientSecret").unwrap(),
            s(p, "startUrl").unwrap(),
        )
        .to_request(endpoint),
        "CreateToken" => {
            let mut i = CreateToken::refresh_token(
                s(p, "clientId").unwrap(),
                s(p, "clientSecret").unwrap(),
                "",
            );
            i.grant_type = s(p, "grantType").unwrap();
            i.refresh_token = s(p, "refreshToken").map(Into::into);
            i.device_code = s(p, "deviceCode").map(Into::into);
            i.code = s(p, "code").map(Into::into);
            i.scope = list(p, "scope");
            i.redirect_uri = s(p, "redirectUri");
            i.code_verifier = s(p, "codeVerifier").map(Into::into);
            i.to_request(endpoint)
        }
        "CreateTokenWithIAM" => {
            let mut i =
                CreateTokenWithIam::new(s(p, "clientId").unwrap(), s(p, "grantType").unwrap());
            i.code = s(p, "code").map(Into::into);
            i.refresh_token = s(p, "refreshToken").map(Into::into);
            i.assertion = s(p, "assertion").map(Into::into);
            i.scope = list(p, "scope");
            i.redirect_uri = s(p, "redirectUri");
            i.subject_token = s(p, "subjectToken").map(Into::into);
            i.subject_token_type = s(p, "subjectTokenType");
            i.requested_token_type = s(p, "requestedTokenType");
            i.code_verifier = s(p, "codeVerifier").map(Into::into);
            i.to_request(endpoint)
        }
        "GetRoleCredentials" => GetRoleCredentials::new(
            s(p, "roleName").unwrap(),
            s(p, "accountId").unwrap(),
            s(p, "accessToken").unwrap(),
        )
        .to_request(endpoint),
        "ListAccounts" => {
            let mut i = ListAccounts::new(s(p, "accessToken").unwrap());
            i.next_token = s(p, "nextToken");
            i.max_results = int(p, "maxResults");
            i.to_request(endpoint)
        }
        "ListAccountRoles" => {
            let mut i =
                ListAccountRoles::new(s(p, "accessToken").unwrap(), s(p, "accountId").unwrap());
            i.next_token = s(p, "nextToken");
            i.max_results = int(p, "maxResults");
            i.to_request(endpoint)
        }
        "Logout" => Logout::new(s(p, "accessToken").unwrap()).to_request(endpoint),
        other => panic!("no such operation in the fixture: {other}"),
    };
    req.unwrap()
}

fn header(req: &http::Request<Vec<u8>>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[test]
fn requests_match_botocore() {
    let doc = fixture();
    let now = fixed_now(&doc);
    let creds = &doc["credentials"];
    let requests = doc["requests"].as_array().unwrap();
    assert!(requests.len() >= 25, "the fixture has every operation");
    for case in requests {
        let name = case["name"].as_str().unwrap();
        let expected = &case["expected"];
        let service = match case["service"].as_str().unwrap() {
            "sso-oidc" => Service::SsoOidc,
            "sso" => Service::Sso,
            other => panic!("{other}"),
        };
        let params = EndpointParams::region(case["region"].as_str().unwrap())
            .fips(case["fips"].as_bool().unwrap());
        let endpoint = resolve_for(service, &params).unwrap();
        let mut req = core_request(
            case["operation"].as_str().unwrap(),
            &case["params"],
            &endpoint,
        );

        if let Some(kind) = case["credentials"].as_str() {
            let credentials = SigningCredentials {
                access_key_id: s(creds, "access_key_id").unwrap(),
                secret_access_key: s(creds, "secret_access_key").unwrap().into(),
                session_token: (kind == "session")
                    .then(|| s(creds, "session_token").unwrap().into()),
            };
            let region = expected["signing_region"].as_str().unwrap();
            assert_eq!(region, case["region"].as_str().unwrap(), "{name}");
            // The signature covers the body's hash, and the bodies differ in spacing
            // (exception 1), so the signer is held against botocore on botocore's own bytes:
            // core's request with botocore's body must get botocore's Authorization exactly.
            let mut same_bytes = req.clone();
            *same_bytes.body_mut() = expected["body"].as_str().unwrap().as_bytes().to_vec();
            sign(&mut same_bytes, &credentials, region, "sso-oauth", now).unwrap();
            for h in ["Authorization", "X-Amz-Date", "X-Amz-Security-Token"] {
                assert_eq!(
                    header(&same_bytes, h).as_deref(),
                    expected["headers"][h].as_str(),
                    "{name}: {h} over botocore's body"
                );
            }
            // Core's own request: everything but the signature itself is botocore's.
            sign(&mut req, &credentials, region, "sso-oauth", now).unwrap();
            let ours = header(&req, "Authorization").unwrap();
            let theirs = expected["headers"]["Authorization"].as_str().unwrap();
            let unsigned = |a: &str| a.split(", Signature=").next().unwrap().to_owned();
            assert_eq!(
                unsigned(&ours),
                unsigned(theirs),
                "{name}: scope, signed headers"
            );
        }

        assert_eq!(req.method().as_str(), expected["method"], "{name}: method");
        assert_eq!(req.uri().host(), expected["host"].as_str(), "{name}: host");
        assert_eq!(req.uri().path(), expected["path"], "{name}: path");
        assert_eq!(
            req.uri().query(),
            expected["query"].as_str(),
            "{name}: query"
        );
        assert_eq!(req.uri().to_string(), expected["url"], "{name}: URL");

        // Body. botocore writes Python's `json.dumps` default: `", "` and `": "` between
        // members and every non-ASCII character as a `\uXXXX` escape; core writes compact
        // JSON in UTF-8 (exception 1 in tests/reference/README.md). The generator passes
        // the members in the model's order, so `body_compact` (botocore's body re-dumped
        // without spaces and escapes, order kept) must equal core's bytes exactly, and
        // both must be the same JSON value.
        let body = String::from_utf8(req.body().clone()).unwrap();
        assert_eq!(body, expected["body_compact"], "{name}: body bytes");
        let botocore_body = expected["body"].as_str().unwrap();
        if botocore_body.is_empty() {
            assert!(body.is_empty(), "{name}: no body");
        } else {
            let a: Value = serde_json::from_str(&body).unwrap();
            let b: Value = serde_json::from_str(botocore_body).unwrap();
            assert_eq!(a, b, "{name}: body value");
        }

        let headers = expected["headers"].as_object().unwrap();
        for (h, value) in headers.iter().filter(|(h, _)| *h != "Authorization") {
            assert_eq!(
                header(&req, h).as_deref(),
                value.as_str(),
                "{name}: header {h}"
            );
        }
    }
}

/// Core's failure class as the fixture's words.
fn retry_word(class: FailureClass) -> &'static str {
    match class {
        FailureClass::Throttling => "throttling",
        FailureClass::Transient => "transient",
        _ => "never",
    }
}

/// Answers where core deliberately names the error differently from botocore (exception 2 in
/// tests/reference/README.md): without `x-amzn-ErrorType` (and without `code` / `__type` in
/// the body) botocore can only report the HTTP status as the code; core maps the body's OAuth
/// `error` member to the modelled shape (docs/protocol/errors.md, "OAuth error fallback"), so
/// the device grant keeps working behind a proxy that strips the header. The value is the
/// shape core reports.
fn oauth_fallback(case: &str) -> Option<&'static str> {
    let shape = case.strip_prefix("oidc-")?.strip_suffix("-oauth-only")?;
    Some(match shape {
        "AccessDeniedException" => "AccessDeniedException",
        "AuthorizationPendingException" => "AuthorizationPendingException",
        "ExpiredTokenException" => "ExpiredTokenException",
        "InternalServerException" => "InternalServerException",
        "InvalidClientException" => "InvalidClientException",
        "InvalidClientMetadataException" => "InvalidClientMetadataException",
        "InvalidGrantException" => "InvalidGrantException",
        "InvalidRedirectUriException" => "InvalidRedirectUriException",
        "InvalidRequestException" => "InvalidRequestException",
        // `invalid_request` with `region` / `endpoint` members ("Region refinement").
        "InvalidRequestRegionException" => "InvalidRequestRegionException",
        "InvalidScopeException" => "InvalidScopeException",
        "SlowDownException" => "SlowDownException",
        "UnauthorizedClientException" => "UnauthorizedClientException",
        "UnsupportedGrantTypeException" => "UnsupportedGrantTypeException",
        _ => return None,
    })
}

/// The same fallback for a non-2xx with a JSON `error` member that is no modelled shape's
/// name: `oidc-504-json-server-error` is `{"error":"server_error"}` with status 504; botocore
/// says `504`, core says `InternalServerException`. Both retry it as transient.
const FALLBACK_OTHER: &[(&str, &str)] =
    &[("oidc-504-json-server-error", "InternalServerException")];

/// Answers where botocore's message is not from the body: for a body that is not JSON (or
/// empty), botocore uses the HTTP reason phrase (`Service Unavailable`) or the raw body text
/// as the message. Core keeps no message there (exception 3): a proxy's HTML page is not the
/// service's message, and the status is in the error.
const MESSAGE_NOT_FROM_BODY: &[&str] = &[
    "oidc-503-html",
    "oidc-502-empty",
    "sso-500-html",
    "oidc-403-html",
];

/// A 2xx whose body is an OAuth error object: botocore parses it as an (empty) success;
/// core reads it as the service error it names (docs/protocol/wire.md, "Parsing rules";
/// exception 4). The value is the shape core reports.
const ERROR_IN_2XX: &[(&str, &str)] = &[("oidc-200-oauth-error", "AuthorizationPendingException")];

fn parse(operation: &str, response: &http::Response<Vec<u8>>) -> Result<Value, ResponseError> {
    fn out<T: serde::Serialize>(r: Result<T, ResponseError>) -> Result<Value, ResponseError> {
        r.map(|o| serde_json::to_value(o).unwrap())
    }
    match operation {
        "RegisterClient" => out(RegisterClient::parse_response(response)),
        "StartDeviceAuthorization" => out(StartDeviceAuthorization::parse_response(response)),
        "CreateToken" => out(CreateToken::parse_response(response)),
        "CreateTokenWithIAM" => out(CreateTokenWithIam::parse_response(response)),
        "GetRoleCredentials" => out(GetRoleCredentials::parse_response(response)),
        "ListAccounts" => out(ListAccounts::parse_response(response)),
        "ListAccountRoles" => out(ListAccountRoles::parse_response(response)),
        "Logout" => Logout::parse_response(response).map(|()| Value::Object(Map::new())),
        other => panic!("{other}"),
    }
}

/// botocore leaves absent members out; core's outputs may serialize them as `null`.
fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

#[test]
fn answers_match_botocore() {
    let doc = fixture();
    let answers = doc["answers"].as_array().unwrap();
    assert!(answers.len() >= 50);
    let mut exceptions_used = 0;
    for case in answers {
        let name = case["name"].as_str().unwrap();
        let operation = case["operation"].as_str().unwrap();
        let mut builder = http::Response::builder().status(case["status"].as_u64().unwrap() as u16);
        for (h, v) in case["headers"].as_object().unwrap() {
            builder = builder.header(h, v.as_str().unwrap());
        }
        let response = builder
            .body(case["body"].as_str().unwrap().as_bytes().to_vec())
            .unwrap();
        let expected = &case["expected"];
        let result = parse(operation, &response);

        if let Some((_, shape)) = ERROR_IN_2XX.iter().find(|(n, _)| *n == name) {
            assert_eq!(
                expected["error"],
                Value::Null,
                "{name}: botocore saw a success"
            );
            let err = result.expect_err(name);
            assert_eq!(err.service_error().unwrap().name(), *shape, "{name}");
            exceptions_used += 1;
            continue;
        }

        if expected["error"].is_null() {
            let output = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(without_nulls(output), expected["output"], "{name}: output");
            continue;
        }

        let want = &expected["error"];
        let err = result.expect_err(name);
        let service_error = err
            .service_error()
            .unwrap_or_else(|| panic!("{name}: not a service error: {err:?}"))
            .clone();
        let botocore_code = want["code"].as_str().unwrap();
        let fallback = oauth_fallback(name).or_else(|| {
            FALLBACK_OTHER
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| *s)
        });
        match fallback {
            Some(shape) => {
                assert_eq!(
                    botocore_code,
                    case["status"].as_u64().unwrap().to_string(),
                    "{name}: botocore reports the status"
                );
                assert_eq!(service_error.name(), shape, "{name}: core's fallback");
                exceptions_used += 1;
            }
            None => assert_eq!(service_error.name(), botocore_code, "{name}: code"),
        }

        let botocore_message = want["message"].as_str().filter(|m| !m.is_empty());
        if MESSAGE_NOT_FROM_BODY.contains(&name) {
            assert_eq!(service_error.message(), None, "{name}: no message");
            exceptions_used += 1;
        } else {
            assert_eq!(service_error.message(), botocore_message, "{name}: message");
        }

        let call = CallError::from_response(operation_name(operation), err);
        assert_eq!(
            retry_word(classify(&call)),
            want["retry"],
            "{name}: standard-mode retry"
        );
    }
    assert_eq!(
        exceptions_used,
        14 + FALLBACK_OTHER.len() + MESSAGE_NOT_FROM_BODY.len() + ERROR_IN_2XX.len(),
        "every listed exception is still needed"
    );
}

fn operation_name(operation: &str) -> &'static str {
    match operation {
        "RegisterClient" => RegisterClient::NAME,
        "StartDeviceAuthorization" => StartDeviceAuthorization::NAME,
        "CreateToken" => CreateToken::NAME,
        "CreateTokenWithIAM" => CreateTokenWithIam::NAME,
        "GetRoleCredentials" => GetRoleCredentials::NAME,
        "ListAccounts" => ListAccounts::NAME,
        "ListAccountRoles" => ListAccountRoles::NAME,
        "Logout" => Logout::NAME,
        other => panic!("{other}"),
    }
}

#[test]
fn cache_keys_match_botocore() {
    let doc = fixture();
    let keys = doc["cache"]["keys"].as_array().unwrap();
    assert!(!keys.is_empty());
    for k in keys {
        assert_eq!(
            token_cache_key(k["name"].as_str().unwrap()),
            k["key"].as_str().unwrap(),
            "{}",
            k["name"]
        );
    }
}

#[test]
fn token_files_match_botocore() {
    let doc = fixture();
    let now = fixed_now(&doc);
    let refreshes = doc["cache"]["refresh"].as_array().unwrap();
    assert!(!refreshes.is_empty());
    for case in refreshes {
        let name = case["name"].as_str().unwrap();
        let before = case["before"].as_str().unwrap();
        let after = case["after"].as_str().unwrap();
        assert_eq!(
            case["key"].as_str().unwrap(),
            token_cache_key("my-sso"),
            "{name}"
        );

        // Core reads botocore's files and writes them back byte for byte.
        for text in [before, after] {
            let token = CachedToken::from_json(text.as_bytes()).unwrap();
            assert_eq!(token.to_json(), text, "{name}: round trip");
        }

        // Core's refresh of the `before` file, answered as botocore was answered.
        let token = CachedToken::from_json(before.as_bytes()).unwrap();
        let endpoint = resolve_for(Service::SsoOidc, &EndpointParams::region("us-east-1")).unwrap();
        let input = RefreshInput::new(token, endpoint)
            .session("https://d-1234567890.awsapps.com/start", "us-east-1")
            .sso_session(true);
        let start = Instant::now();
        let mut m = Refresher::new(input, start, now, 0);
        let request = match m.poll_output().unwrap() {
            Output::Transmit(t) => t.request,
            other => panic!("{name}: expected a request, got {other:?}"),
        };
        assert_eq!(request.uri().to_string(), case["url"], "{name}: URL");
        let ours: Value = serde_json::from_slice(request.body()).unwrap();
        let theirs: Value = serde_json::from_str(case["request_body"].as_str().unwrap()).unwrap();
        assert_eq!(ours, theirs, "{name}: refresh request");
        let response = http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(case["answer"].as_str().unwrap().as_bytes().to_vec())
            .unwrap();
        m.handle_response(start, now, response).unwrap();
        let fresh = match m.poll_output().unwrap() {
            Output::Done(Ok(RefreshOutcome::Refreshed(t))) => t,
            other => panic!("{name}: expected a refreshed token, got {other:?}"),
        };
        assert_eq!(fresh.access_token.expose(), case["token"], "{name}");
        if name == "without-refresh-token" {
            // Exception 5: botocore drops the refresh token when the answer has none; core
            // keeps the old one (docs/protocol/caches.md, "Refresh"), so its file is
            // botocore's plus the old `refreshToken`.
            let mut expected = CachedToken::from_json(after.as_bytes()).unwrap();
            assert_eq!(expected.refresh_token, None);
            expected.refresh_token = Some("old-refresh-token".into());
            assert_eq!(fresh.to_json(), expected.to_json(), "{name}: file");
        } else {
            assert_eq!(fresh.to_json(), after, "{name}: file");
        }
    }
}
