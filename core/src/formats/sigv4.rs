//! AWS Signature Version 4 for the one signed operation, `CreateTokenWithIAM` (signing name
//! `sso-oauth`, spec 2.4 and 8.4). Pure: the caller passes the credentials and the time.
//!
//! The signed headers are `content-type`, `host`, `x-amz-date` and, with temporary credentials,
//! `x-amz-security-token` — what the spec's captured request shows. The query string
//! (`aws_iam=t`) is part of the canonical request.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::Secret;

/// Credentials to sign with.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningCredentials {
    /// The access key id (not secret).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// The session token of temporary credentials.
    pub session_token: Option<Secret>,
}

impl std::fmt::Debug for SigningCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .finish()
    }
}

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigningError {
    /// The request URI has no host.
    #[error("the request URI has no host")]
    NoHost,
    /// A header value is not visible ASCII.
    #[error("header {0} is not valid ASCII and cannot be signed")]
    BadHeader(String),
}

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Signs `request` in place: adds `host`, `x-amz-date`, `x-amz-security-token` (temporary
/// credentials) and `authorization`.
///
/// ```
/// use ssooidc_core::sigv4::{sign, SigningCredentials};
/// let mut request = http::Request::get("https://example.amazonaws.com/").body(Vec::new()).unwrap();
/// let credentials = SigningCredentials {
///     access_key_id: "AKIDEXAMPLE".into(),
///     secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
///     session_token: None,
/// };
/// let at = time::macros::datetime!(2015-08-30 12:36:00 UTC);
/// sign(&mut request, &credentials, "us-east-1", "service", at).unwrap();
/// assert!(request.headers()["authorization"].to_str().unwrap().ends_with(
///     "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
/// ```
pub fn sign<B: AsRef<[u8]>>(
    request: &mut http::Request<B>,
    credentials: &SigningCredentials,
    region: &str,
    service: &str,
    at: OffsetDateTime,
) -> Result<(), SigningError> {
    let at = at.to_offset(time::UtcOffset::UTC);
    let date = format!("{:04}{:02}{:02}", at.year(), u8::from(at.month()), at.day());
    let amz_date = format!(
        "{date}T{:02}{:02}{:02}Z",
        at.hour(),
        at.minute(),
        at.second()
    );
    let uri = request.uri().clone();
    let host = match (uri.host(), uri.port_u16(), uri.scheme_str()) {
        (None, ..) => return Err(SigningError::NoHost),
        (Some(h), Some(443), Some("https"))
        | (Some(h), Some(80), Some("http"))
        | (Some(h), None, _) => h.to_owned(),
        (Some(h), Some(p), _) => format!("{h}:{p}"),
    };
    let headers = request.headers_mut();
    // The error names the header, never its value (the session token is a secret).
    let value = |name: &str, v: &str| {
        http::HeaderValue::from_str(v).map_err(|_| SigningError::BadHeader(name.to_owned()))
    };
    headers.insert(http::header::HOST, value("host", &host)?);
    headers.insert("x-amz-date", value("x-amz-date", &amz_date)?);
    if let Some(token) = &credentials.session_token {
        let mut v = value("x-amz-security-token", token.expose())?;
        v.set_sensitive(true);
        headers.insert("x-amz-security-token", v);
    }

    // Canonical headers: the signed ones, lower-cased, trimmed, sorted.
    let mut signed: Vec<(String, String)> = Vec::new();
    for (name, value) in headers.iter() {
        let name = name.as_str();
        if name == "content-type" || name == "host" || name.starts_with("x-amz-") {
            let v = value
                .to_str()
                .map_err(|_| SigningError::BadHeader(name.to_owned()))?;
            signed.push((
                name.to_owned(),
                v.split_whitespace().collect::<Vec<_>>().join(" "),
            ));
        }
    }
    signed.sort();
    let canonical_headers: String = signed.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed_headers = signed
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");

    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        request.method().as_str(),
        canonical_path(uri.path()),
        canonical_query(uri.query().unwrap_or("")),
        hex(&Sha256::digest(request.body().as_ref())),
    );
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let k_date = hmac(
        format!("AWS4{}", credentials.secret_access_key.expose()).as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    let signature = hex(&hmac(&k_signing, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        credentials.access_key_id
    );
    let mut v = value("authorization", &authorization)?;
    v.set_sensitive(true);
    request.headers_mut().insert(http::header::AUTHORIZATION, v);
    Ok(())
}

/// HMAC-SHA256 (RFC 2104).
fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// RFC 3986 percent-encoding of everything but the unreserved characters (and `/` when
/// `keep_slash`).
pub(crate) fn uri_encode(s: &str, keep_slash: bool) -> String {
    let set = if keep_slash {
        crate::percent::Set::Path
    } else {
        crate::percent::Set::Unreserved
    };
    crate::percent::encode(s, set)
}

/// The canonical URI of a non-S3 service: every segment of the (already encoded) path encoded
/// once more; an empty path is `/`.
fn canonical_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    uri_encode(path, true)
}

/// The canonical query string: parameters sorted by name then value, each encoded.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(k), false),
                uri_encode(&percent_decode(v), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A query name or value as it was before encoding (a `+` is itself: SigV4 encodes it as
/// `%2B`, as botocore does).
fn percent_decode(s: &str) -> String {
    crate::percent::decode_lossy(s.as_bytes(), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn creds(token: Option<&str>) -> SigningCredentials {
        SigningCredentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: token.map(Secret::new),
        }
    }

    fn signature(request: &http::Request<Vec<u8>>) -> String {
        let auth = request.headers()["authorization"].to_str().unwrap();
        auth.rsplit("Signature=").next().unwrap().to_owned()
    }

    const AT: OffsetDateTime = datetime!(2015-08-30 12:36:00 UTC);

    // Vectors of the AWS SigV4 test suite (get-vanilla, post-vanilla,
    // get-vanilla-query-order-key-case), region us-east-1, service "service".
    #[test]
    fn aws_test_suite_get_vanilla() {
        let mut r = http::Request::get("https://example.amazonaws.com/")
            .body(Vec::new())
            .unwrap();
        sign(&mut r, &creds(None), "us-east-1", "service", AT).unwrap();
        assert_eq!(
            r.headers()["authorization"],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(r.headers()["x-amz-date"], "20150830T123600Z");
    }

    #[test]
    fn aws_test_suite_post_vanilla() {
        let mut r = http::Request::post("https://example.amazonaws.com/")
            .body(Vec::new())
            .unwrap();
        sign(&mut r, &creds(None), "us-east-1", "service", AT).unwrap();
        assert_eq!(
            signature(&r),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
    }

    #[test]
    fn aws_test_suite_query_order() {
        let mut r =
            http::Request::get("https://example.amazonaws.com/?Param2=value2&Param1=value1")
                .body(Vec::new())
                .unwrap();
        sign(&mut r, &creds(None), "us-east-1", "service", AT).unwrap();
        assert_eq!(
            signature(&r),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_fixed_query_of_create_token_with_iam_is_canonical() {
        assert_eq!(canonical_query("aws_iam=t"), "aws_iam=t");
    }

    #[test]
    fn signing_credentials_hide_their_secrets() {
        let shown = format!("{:?}", creds(Some("SESSION")));
        assert!(
            !shown.contains("EXAMPLEKEY") && !shown.contains("SESSION"),
            "{shown}"
        );
    }
}
