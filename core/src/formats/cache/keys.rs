//! Cache file names (spec 6.3 and 6.4): lower-case hex SHA-1 keys.

use serde_json::Value;
use sha1::{Digest, Sha1};

use super::pyjson;

pub(super) fn sha1_hex(bytes: &[u8]) -> String {
    let digest = Sha1::digest(bytes);
    let mut hex = String::with_capacity(40);
    for b in digest.iter() {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 0xf)]));
    }
    hex
}

/// The token cache key: SHA-1 of the sso-session name, or of the start URL exactly as configured
/// for a legacy profile. The file is `<key>.json` in `~/.aws/sso/cache`.
///
/// ```
/// use ssooidc_core::cache::token_cache_key;
/// assert_eq!(token_cache_key("my-sso"), "0ad374308c5a4e22f723adf10145eafad7c4031c");
/// ```
pub fn token_cache_key(session_name_or_start_url: &str) -> String {
    sha1_hex(session_name_or_start_url.as_bytes())
}

/// The canonical string the registration key hashes: Python's
/// `json.dumps({"tool": "botocore", "startUrl", "region", "scopes", "session_name"}, sort_keys=True)`.
pub fn registration_cache_key_input(
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session_name: Option<&str>,
) -> String {
    let scopes = scopes.map_or(Value::Null, |s| {
        Value::Array(s.iter().cloned().map(Value::String).collect())
    });
    let session = session_name.map_or(Value::Null, |s| Value::String(s.to_owned()));
    let region = Value::String(region.to_owned());
    let start_url = Value::String(start_url.to_owned());
    let tool = Value::String("botocore".to_owned());
    let mut out = String::new();
    // Sorted keys, as sort_keys=True orders them (by code point).
    pyjson::write_object(
        &mut out,
        [
            ("region", &region),
            ("scopes", &scopes),
            ("session_name", &session),
            ("startUrl", &start_url),
            ("tool", &tool),
        ],
    );
    out
}

/// The registration cache key (spec 6.4).
///
/// ```
/// use ssooidc_core::cache::registration_cache_key;
/// let key = registration_cache_key(
///     "https://d-1234567890.awsapps.com/start", "us-east-1", None, Some("my-sso"));
/// assert_eq!(key, "8b2cedd020fb181ad4cf906d1d27b232fd31557e");
/// ```
pub fn registration_cache_key(
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session_name: Option<&str>,
) -> String {
    sha1_hex(registration_cache_key_input(start_url, region, scopes, session_name).as_bytes())
}

/// The AWS CLI's role-credential cache key (`~/.aws/cli/cache/<key>.json`, spec 6.8): SHA-1 of
/// the compact sorted JSON of `{"accountId", "roleName", "sessionName"}` for an sso-session
/// profile, or `{"accountId", "roleName", "startUrl"}` for a legacy one: the file of
/// [`CachedRoleCredentials`](super::CachedRoleCredentials) the AWS CLI and this crate share.
///
/// ```
/// use ssooidc_core::cache::role_credentials_cache_key;
/// assert_eq!(
///     role_credentials_cache_key("123456789012", "ReadOnly", Some("my-sso"), "https://x"),
///     "31b260dab331b2af063485cea75f7b8b3cf54c71"
/// );
/// ```
pub fn role_credentials_cache_key(
    account_id: &str,
    role_name: &str,
    session_name: Option<&str>,
    start_url: &str,
) -> String {
    let mut out = String::new();
    let (last_key, last_value) = match session_name {
        Some(session) => ("sessionName", session),
        None => ("startUrl", start_url),
    };
    // Compact separators, keys sorted: accountId < roleName < sessionName / startUrl.
    out.push('{');
    for (i, (k, v)) in [
        ("accountId", account_id),
        ("roleName", role_name),
        (last_key, last_value),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            out.push(',');
        }
        pyjson::write_str(&mut out, k);
        out.push(':');
        pyjson::write_str(&mut out, v);
    }
    out.push('}');
    sha1_hex(out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = "https://d-1234567890.awsapps.com/start";

    #[test]
    fn token_key_vectors() {
        assert_eq!(
            token_cache_key("my-sso"),
            "0ad374308c5a4e22f723adf10145eafad7c4031c"
        );
        assert_eq!(
            token_cache_key(START),
            "7487b5b67d5fa1132cf33fa93ae51ef38cc37752"
        );
        assert_eq!(
            token_cache_key("https://d-1234567890.awsapps.com/start#/"),
            "a1c75994a810c1c468d3bd565eda2836303e6659"
        );
    }

    #[test]
    fn role_credentials_key_vector() {
        assert_eq!(
            role_credentials_cache_key("123456789012", "ReadOnly", Some("my-sso"), START),
            "31b260dab331b2af063485cea75f7b8b3cf54c71"
        );
        // The legacy form hashes the start URL instead of the session name. Expected value from
        // python3: sha1(json.dumps({...}, sort_keys=True, separators=(',', ':'))).
        assert_eq!(
            role_credentials_cache_key("123456789012", "ReadOnly", None, START),
            "30bbb2b1278a4c1fb1b943c46c1ef6501807f657"
        );
    }

    #[test]
    fn registration_key_vectors() {
        let scopes = vec!["sso:account:access".to_owned()];
        assert_eq!(
            registration_cache_key_input(START, "us-east-1", Some(&scopes), Some("my-sso")),
            r#"{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "my-sso", "startUrl": "https://d-1234567890.awsapps.com/start", "tool": "botocore"}"#
        );
        assert_eq!(
            registration_cache_key(START, "us-east-1", Some(&scopes), Some("my-sso")),
            "a8343d65418848d0bc13a5f25cbb32508ceec5d1"
        );
        assert_eq!(
            registration_cache_key(START, "us-east-1", None, Some("my-sso")),
            "8b2cedd020fb181ad4cf906d1d27b232fd31557e"
        );
        assert_eq!(
            registration_cache_key(START, "us-east-1", None, None),
            "365414a68be7c9bfc776c660981dbdbd942acea4"
        );
    }
}
