//! Redacted renderings of requests and responses, for debug logs: by member and header name
//! ([`redact_body`], [`redact_headers`]), and by value ([`SecretValues`]: every secret a
//! process has handled, wherever it shows up again).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;

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

/// Whether `body` reads as `name=value&...`: printable ASCII without spaces, with an `=`, and
/// every name made of what a form-encoded name can hold (`A–Z a–z 0–9 * - . _`, `%` escapes and
/// `+`). So a JSON body that is cut off (a capped or interrupted answer) is never taken for a
/// form: its first name holds `{` or `"`, and its secrets would show in the rendering.
fn looks_like_a_form(body: &[u8]) -> bool {
    let name_byte = |b: &u8| b.is_ascii_alphanumeric() || b"*-._%+".contains(b);
    body.contains(&b'=')
        && body.iter().all(u8::is_ascii_graphic)
        && body
            .split(|&b| b == b'&')
            .all(|piece| piece.iter().take_while(|&&b| b != b'=').all(name_byte))
}

/// A form body with every sensitive value replaced, re-encoded (so nothing in it can act on a
/// terminal).
fn redact_form(body: &[u8]) -> String {
    use crate::base::form::encode_into;
    let mut out = String::with_capacity(body.len());
    for (name, value) in crate::base::form::parse(body) {
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

/// Values shorter than this are not redacted by value: a short string is no secret, and
/// replacing it everywhere would garble a log (`"at"` inside every `"format"`).
pub const MIN_SECRET_LEN: usize = 8;

/// The most values a [`SecretValues`] holds; the oldest are forgotten first (a hostile server
/// sending thousands of token members cannot make redaction slow or memory grow).
pub const MAX_SECRET_VALUES: usize = 256;

/// The secret values a process has handled, for redaction *by value*: a secret the process
/// sent or received under a known name (a client secret, a device code, a token) is redacted
/// wherever it appears again, under a member name no list knows, in an error message, a URL
/// or plain text. It complements [`redact_body`], which works by name.
///
/// Each value is also matched in its JSON-escaped and form-encoded spellings. `Debug` shows only
/// how many values are held.
///
/// ```
/// use ssooidc_core::wire::SecretValues;
/// let mut held = SecretValues::new();
/// held.insert_from_body(br#"{"accessToken":"aoaAAAAAGexample"}"#);
/// assert_eq!(
///     held.redact(r#"{"echo":{"unusualName":"aoaAAAAAGexample"}}"#),
///     r#"{"echo":{"unusualName":"<redacted>"}}"#
/// );
/// ```
#[derive(Clone, Default)]
pub struct SecretValues {
    /// Every spelling of every value, the oldest first.
    values: VecDeque<String>,
}

impl fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretValues({} held)", self.values.len())
    }
}

impl SecretValues {
    /// An empty set.
    pub const fn new() -> Self {
        SecretValues {
            values: VecDeque::new(),
        }
    }

    /// How many spellings are held.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Remembers `value` (ignored when shorter than [`MIN_SECRET_LEN`]), in its raw, JSON-escaped,
    /// form-encoded (`+` for a space), percent-encoded (`%20`, as in a URL) and terminal-safe
    /// ([`for_terminal`](crate::base::text::for_terminal): a message is made safe for the
    /// terminal before it is redacted) spellings.
    pub fn insert(&mut self, value: &str) {
        if value.chars().count() < MIN_SECRET_LEN {
            return;
        }
        let json = Value::String(value.to_owned()).to_string();
        let json = &json[1..json.len() - 1];
        let form = crate::percent::encode(value, crate::percent::Set::Form);
        let url = crate::percent::encode(value, crate::percent::Set::Unreserved);
        let terminal = crate::base::text::for_terminal(value);
        for spelling in [value, json, &form, &url, &terminal] {
            if !self.values.iter().any(|v| v == spelling) {
                if self.values.len() >= MAX_SECRET_VALUES {
                    self.values.pop_front();
                }
                self.values.push_back(spelling.to_owned());
            }
        }
    }

    /// Remembers the value of every sensitive member ([`SENSITIVE_MEMBERS`]) of a body: a JSON
    /// body's at any depth, a form-encoded body's (the standard OAuth 2.0 dialect's requests
    /// and some providers' answers: `client_secret`, `device_code`, `refresh_token`,
    /// `code_verifier`, ...) decoded — the same bodies [`redact_body`] redacts by name. Any
    /// other body, or one nested too deep, adds nothing.
    pub fn insert_from_body(&mut self, body: &[u8]) {
        if body.is_empty() || json_depth_exceeds(body, MAX_JSON_DEPTH) {
            return;
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(value) => self.collect(&value),
            Err(_) if looks_like_a_form(body) => {
                for (name, value) in crate::base::form::parse(body) {
                    if SENSITIVE_MEMBERS.contains(&name.as_str()) {
                        self.insert(&value);
                    }
                }
            }
            Err(_) => {}
        }
    }

    /// Remembers the secrets of a header block ([`SENSITIVE_HEADERS`]), which [`redact_headers`]
    /// hides by name only: a bearer token (`Authorization: Bearer`, `x-amz-sso_bearer_token`), a
    /// session token, a cookie; and for `Authorization: Basic` (`client_secret_basic`, RFC 6749
    /// §2.3.1) the Base64 credentials whole and the secret inside them, as sent (form-encoded)
    /// and decoded, so a server echoing the client secret does not print it. A SigV4
    /// `Authorization` adds nothing (its signature opens nothing; the signing key is
    /// remembered by whoever signs).
    pub fn insert_from_headers(&mut self, headers: &http::HeaderMap) {
        for (name, value) in headers {
            if !SENSITIVE_HEADERS.contains(&name.as_str()) {
                continue;
            }
            let Ok(text) = value.to_str() else { continue };
            if name != http::header::AUTHORIZATION {
                self.insert(text);
                continue;
            }
            let (scheme, credentials) = text.split_once(' ').unwrap_or((text, ""));
            let credentials = credentials.trim();
            if scheme.eq_ignore_ascii_case("basic") {
                self.insert_basic(credentials);
            } else if !scheme.eq_ignore_ascii_case("AWS4-HMAC-SHA256") {
                self.insert(credentials);
            }
        }
    }

    /// The Base64 `id:secret` of `Authorization: Basic`: the whole and the secret (the id is
    /// not secret: it is shown in logs on purpose).
    fn insert_basic(&mut self, credentials: &str) {
        use base64::Engine as _;
        self.insert(credentials);
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(credentials) else {
            return;
        };
        let decoded = String::from_utf8_lossy(&decoded);
        if let Some((_, secret)) = decoded.split_once(':') {
            // Form-encoded by RFC 6749 §2.3.1 (most servers), and as it was typed.
            self.insert(secret);
            self.insert(&crate::percent::decode_lossy(secret.as_bytes(), true));
        }
    }

    fn collect(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match v {
                        Value::String(s) if SENSITIVE_MEMBERS.contains(&key.as_str()) => {
                            self.insert(s)
                        }
                        other => self.collect(other),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.collect(v)),
            _ => {}
        }
    }

    /// `text` with every held value replaced by `<redacted>` (the longest values first, so a
    /// value that contains another is replaced whole). Borrowed when nothing was found.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut found: Vec<&str> = self
            .values
            .iter()
            .map(String::as_str)
            .filter(|v| text.contains(v))
            .collect();
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        found.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let mut out = text.to_owned();
        for value in found {
            out = out.replace(value, "<redacted>");
        }
        Cow::Owned(out)
    }
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

    #[test]
    fn secrets_are_redacted_by_value_in_every_spelling() {
        let mut held = SecretValues::new();
        held.insert_from_body(
            br#"{"clientId":"public-id","clientSecret":"cs/with+slash=","nested":[{"refresh_token":"rt-0123456789"}],"code":"short"}"#,
        );
        held.insert("the \"quoted\" secret");
        let line = r#"echo={"weird":"cs/with+slash=","x":"rt-0123456789"} form=cs%2Fwith%2Bslash%3D json="the \"quoted\" secret" id=public-id code=short"#;
        let shown = held.redact(line);
        for leak in ["cs/with", "cs%2F", "rt-0123", "quoted"] {
            assert!(!shown.contains(leak), "{shown}");
        }
        assert!(shown.contains("id=public-id code=short"), "{shown}");
        assert!(format!("{held:?}").starts_with("SecretValues("));
        assert!(!format!("{held:?}").contains("rt-0123"));
    }

    #[test]
    fn a_secret_made_safe_for_the_terminal_is_redacted_too() {
        // The CLI sanitises a server's message as it builds the line, then redacts the line.
        let mut held = SecretValues::new();
        held.insert("sec\tret\x1b[2J-0123");
        let line = format!(
            "error: {}",
            crate::base::text::for_terminal("echoed sec\tret\x1b[2J-0123")
        );
        assert_eq!(held.redact(&line), "error: echoed <redacted>");
    }

    #[test]
    fn header_secrets_are_remembered_by_value() {
        let mut h = http::HeaderMap::new();
        // client_secret_basic: base64("basic-client:" + form-encoded "basic/secret+x=y").
        // RFC 6749 §2.3.1: base64 of the form-encoded id and secret, as `OAuthClient` sends it.
        let basic = "Basic YmFzaWMtY2xpZW50OmJhc2ljJTJGc2VjcmV0JTJCeCUzRHk=";
        h.insert("authorization", basic.parse().unwrap());
        h.insert(
            "x-amz-sso_bearer_token",
            "bearer-token-value".parse().unwrap(),
        );
        h.insert("content-type", "application/x-not-secret".parse().unwrap());
        let mut held = SecretValues::new();
        held.insert_from_headers(&h);
        let blob = basic.trim_start_matches("Basic ");
        let line = format!(
            "raw basic/secret+x=y form basic%2Fsecret%2Bx%3Dy blob {blob} bearer bearer-token-value id basic-client type application/x-not-secret"
        );
        assert_eq!(
            held.redact(&line),
            "raw <redacted> form <redacted> blob <redacted> bearer <redacted> id basic-client type application/x-not-secret"
        );
        let mut sigv4 = http::HeaderMap::new();
        sigv4.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20260115/us-east-1/sso-oauth/aws4_request, SignedHeaders=host, Signature=0123abcd"
                .parse()
                .unwrap(),
        );
        let mut held = SecretValues::new();
        held.insert_from_headers(&sigv4);
        assert!(held.is_empty(), "{held:?}");
        let mut bearer = http::HeaderMap::new();
        bearer.insert(
            "authorization",
            "Bearer oauth-access-token".parse().unwrap(),
        );
        held.insert_from_headers(&bearer);
        assert_eq!(held.redact("oauth-access-token"), "<redacted>");
    }

    #[test]
    fn an_escaped_quote_does_not_end_the_redaction() {
        let secret = r#"aoaAAAA\"AAA=the-rest-of-the-secret"#;
        let whole = format!(r#"{{"accessToken":"{secret}","tokenType":"Bearer"}}"#);
        // Whole, and cut off anywhere (a capped or interrupted body is not JSON).
        for end in (1..=whole.len()).rev() {
            let shown = redact_body(&whole.as_bytes()[..end]);
            for leak in ["the-rest", "rest-of", "AAA%3D", "aoaAAAA"] {
                assert!(!shown.contains(leak), "{end}: {shown}");
            }
        }
        assert_eq!(
            redact_body(whole.as_bytes()),
            r#"{"accessToken":"<redacted>","tokenType":"Bearer"}"#
        );
    }

    #[test]
    fn form_secrets_are_remembered_by_value() {
        let mut held = SecretValues::new();
        held.insert_from_body(
            b"grant_type=refresh_token&client_id=public-client&client_secret=cs%2Fform+secret%7E&refresh_token=rt-form-0123456789&code_verifier=cv-form-0123456789&device_code=dc-form-0123456789",
        );
        let line = "echo cs/form secret~ cs%2Fform+secret%7E cs%2Fform%20secret~ rt-form-0123456789 cv-form-0123456789 dc-form-0123456789 public-client";
        assert_eq!(
            held.redact(line),
            "echo <redacted> <redacted> <redacted> <redacted> <redacted> <redacted> public-client"
        );
        // A form token answer too.
        let mut held = SecretValues::new();
        held.insert_from_body(b"access_token=at-form-answer-01&token_type=bearer");
        assert_eq!(held.redact("at-form-answer-01"), "<redacted>");
    }

    #[test]
    fn the_set_is_bounded_and_keeps_the_newest() {
        let mut held = SecretValues::new();
        for i in 0..(MAX_SECRET_VALUES * 2) {
            held.insert(&format!("secret-number-{i:05}"));
        }
        assert!(held.len() <= MAX_SECRET_VALUES);
        let newest = format!("secret-number-{:05}", MAX_SECRET_VALUES * 2 - 1);
        assert_eq!(held.redact(&newest), "<redacted>");
        held.insert_from_body(b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
    }
}
