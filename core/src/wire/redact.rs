//! Redacted renderings of requests and responses, for debug logs.

use serde_json::Value;

use super::{json_depth_exceeds, MAX_JSON_DEPTH};

/// Every wire member that carries a secret (spec 1.2, with the advised additions).
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
];

/// Headers whose values are secrets.
pub const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "x-amz-security-token",
    "cookie",
    "set-cookie",
];

/// A JSON body with every sensitive member's value replaced by `"<redacted>"`, compact. A body
/// that is not JSON is described by its size only (it could hold anything).
///
/// ```
/// let shown = ssooidc_core::wire::redact_body(br#"{"clientId":"c","clientSecret":"s3cr3t"}"#);
/// assert_eq!(shown, r#"{"clientId":"c","clientSecret":"<redacted>"}"#);
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
        Err(_) => format!("<{} bytes, not JSON>", body.len()),
    }
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
        let shown = if SENSITIVE_HEADERS.contains(&name.as_str()) {
            "<redacted>"
        } else {
            value.to_str().unwrap_or("<non-ASCII>")
        };
        out.push_str(name.as_str());
        out.push_str(": ");
        out.push_str(shown);
        out.push('\n');
    }
    out
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
        assert_eq!(redact_body(b"token=abc"), "<9 bytes, not JSON>");
    }

    #[test]
    fn authorization_header_is_redacted() {
        let mut h = http::HeaderMap::new();
        h.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=x".parse().unwrap(),
        );
        h.insert("content-type", "application/json".parse().unwrap());
        let shown = redact_headers(&h);
        assert!(
            shown.contains("authorization: <redacted>")
                && shown.contains("content-type: application/json")
        );
    }
}
