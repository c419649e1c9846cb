//! Redacted renderings of requests and responses, for debug logs.

use serde_json::Value;

use super::{json_depth_exceeds, MAX_JSON_DEPTH};

/// Every wire member that carries a secret (spec 1.2, with the advised additions), in AWS's
/// camelCase, in the snake_case of standard OAuth 2.0 bodies, and the portal's credentials.
pub const SENSITIVE_MEMBERS: &[&str] = &[
    "clientSecret",
    "deviceCode",
    "accessToken",
    "refreshToken",
    "idToken",
    "code",
    "codeVerifier",
    "assertion",
    "subjectToken",
    "identityContext",
    "client_secret",
    "device_code",
    "access_token",
    "refresh_token",
    "id_token",
    "code_verifier",
    "subject_token",
    "token",
    "client_assertion",
    "secretAccessKey",
    "sessionToken",
    "password",
];

/// Headers whose values are secrets. (`authorization` is shown with a SigV4 signature cut
/// out, so a debug log still says which key and region signed; any other scheme is redacted
/// whole.)
pub const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "x-amz-security-token",
    "x-amz-sso_bearer_token",
    "cookie",
    "set-cookie",
];

/// A JSON body with every sensitive member's value replaced by `"<redacted>"`, compact; a
/// form-encoded body (the standard OAuth 2.0 dialect's requests) with every sensitive value
/// replaced by `<redacted>`. Any other body is described by its size only (it could hold
/// anything).
///
/// ```
/// use ssooidc_core::wire::redact_body;
/// let shown = redact_body(br#"{"clientId":"c","clientSecret":"s3cr3t"}"#);
/// assert_eq!(shown, r#"{"clientId":"c","clientSecret":"<redacted>"}"#);
/// let shown = redact_body(b"grant_type=refresh_token&refresh_token=s3cr3t&client_id=c");
/// assert_eq!(shown, "grant_type=refresh_token&refresh_token=<redacted>&client_id=c");
/// ```
pub fn redact_body(body: &[u8]) -> String {
    if body.is_empty() {
        return String::new();
    }
    if json_depth_exceeds(body, MAX_JSON_DEPTH) {
        return format!("<{} bytes, nested too deep>", body.len());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact_value(&mut value);
            value.to_string()
        }
        Err(_) if looks_like_a_form(body) => redact_form(body),
        Err(_) => format!("<{} bytes, not JSON>", body.len()),
    }
}

/// Whether `body` reads as `name=value&...`: printable ASCII without spaces, with an `=`.
fn looks_like_a_form(body: &[u8]) -> bool {
    body.contains(&b'=') && body.iter().all(u8::is_ascii_graphic)
}

/// A form body with every sensitive value replaced, re-encoded (so nothing in it can act on a
/// terminal).
fn redact_form(body: &[u8]) -> String {
    use crate::oauth::form::encode_into;
    let mut out = String::with_capacity(body.len());
    for (name, value) in crate::oauth::form::parse(body) {
        if !out.is_empty() {
            out.push('&');
        }
        encode_into(&mut out, &name);
        out.push('=');
        if SENSITIVE_MEMBERS.contains(&name.as_str()) {
            out.push_str("<redacted>");
        } else {
            encode_into(&mut out, &value);
        }
    }
    out
}

fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if SENSITIVE_MEMBERS.contains(&key.as_str()) && !v.is_null() {
                    *v = Value::String("<redacted>".to_owned());
                } else {
                    redact_value(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// A header block, one `name: value` per line, with sensitive values redacted.
pub fn redact_headers(headers: &http::HeaderMap) -> String {
    let mut out = String::new();
    for (name, value) in headers {
        let text = value.to_str().unwrap_or("<non-ASCII>");
        let sigv4 = (name == http::header::AUTHORIZATION)
            .then(|| sigv4_without_signature(text))
            .flatten();
        let shown = match sigv4 {
            Some(shown) => shown,
            None if SENSITIVE_HEADERS.contains(&name.as_str()) => "<redacted>".to_owned(),
            None => text.to_owned(),
        };
        out.push_str(name.as_str());
        out.push_str(": ");
        out.push_str(&shown);
        out.push('\n');
    }
    out
}

/// A SigV4 `Authorization` value with its signature replaced: the credential scope (access key
/// id, date, region, service) and the signed headers are not secret; the signature is.
fn sigv4_without_signature(value: &str) -> Option<String> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let parts: Vec<&str> = rest.split(',').map(str::trim).collect();
    let credential = parts.iter().find(|p| p.starts_with("Credential="))?;
    let signed = parts.iter().find(|p| p.starts_with("SignedHeaders="))?;
    Some(format!(
        "AWS4-HMAC-SHA256 {credential}, {signed}, Signature=<redacted>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_secrets_are_redacted() {
        let shown = redact_body(
            br#"{"accessToken":"A","awsAdditionalDetails":{"identityContext":"I"},"idToken":null,"list":[{"code":"C"}]}"#,
        );
        assert!(
            !shown.contains("\"A\"") && !shown.contains("\"I\"") && !shown.contains("\"C\""),
            "{shown}"
        );
        assert!(shown.contains("\"idToken\":null"));
        assert_eq!(redact_body(b"token=abc"), "token=<redacted>");
        assert_eq!(redact_body(b"<html> a=b </html>"), "<18 bytes, not JSON>");
    }

    #[test]
    fn authorization_header_keeps_the_scope_and_hides_the_signature() {
        let mut h = http::HeaderMap::new();
        h.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/sso-oauth/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=0123abcd"
                .parse()
                .unwrap(),
        );
        h.insert("content-type", "application/json".parse().unwrap());
        h.insert("x-amz-security-token", "SESSIONTOKEN".parse().unwrap());
        let shown = redact_headers(&h);
        assert!(
            shown.contains("authorization: AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/sso-oauth/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=<redacted>"),
            "{shown}"
        );
        assert!(
            !shown.contains("0123abcd") && !shown.contains("SESSIONTOKEN"),
            "{shown}"
        );
        assert!(shown.contains("content-type: application/json"));
        for other in [
            "Bearer abc",
            "Basic dXNlcjpwYXNz",
            "AWS4-HMAC-SHA256 garbage",
        ] {
            let mut h = http::HeaderMap::new();
            h.insert("authorization", other.parse().unwrap());
            assert_eq!(redact_headers(&h), "authorization: <redacted>\n", "{other}");
        }
    }

    #[test]
    fn form_bodies_are_redacted_pair_by_pair() {
        let shown = redact_body(
            b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=DC&client_id=cli&client_secret=CS&scope=a+b",
        );
        assert_eq!(
            shown,
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=<redacted>&client_id=cli&client_secret=<redacted>&scope=a+b"
        );
        let answer = redact_body(b"access_token=AT&token_type=bearer&scope=repo");
        assert_eq!(
            answer,
            "access_token=<redacted>&token_type=bearer&scope=repo"
        );
        let hostile = redact_body(b"x=%1B%5B2J");
        assert_eq!(hostile, "x=%1B%5B2J", "controls stay encoded");
    }

    #[test]
    fn snake_case_secrets_are_redacted_too() {
        let shown = redact_body(
            br#"{"access_token":"AT","refresh_token":"RT","id_token":"IT","token_type":"Bearer","device_code":"DC"}"#,
        );
        for secret in ["AT", "RT", "IT", "DC"] {
            assert!(!shown.contains(&format!("\"{secret}\"")), "{shown}");
        }
        assert!(shown.contains("\"token_type\":\"Bearer\""));
    }
}
