//! The redirect URIs and the authorize URL (`docs/protocol/authorization-code.md#loopback-redirect`,
//! `#authorize-url`).

use crate::browser::{BrowserUrl, BrowserUrlError};
use crate::endpoint::Endpoint;

/// The path the browser is sent back to on the loopback listener.
pub const CALLBACK_PATH: &str = "/oauth/callback";

/// The redirect URI registered with `RegisterClient`: loopback, **without** a port (the service
/// accepts any port for it, as RFC 8252 §7.3 describes).
pub const REGISTERED_REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";

/// The scope asked for when none is configured.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// The redirect URI used in the authorize URL and in `CreateToken`: the registered one with the
/// listener's port.
///
/// ```
/// assert_eq!(ssooidc_core::authcode::redirect_uri(54321), "http://127.0.0.1:54321/oauth/callback");
/// ```
pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}{CALLBACK_PATH}")
}

/// `value` percent-encoded as botocore's `percent_encode` does: every byte of its UTF-8 except
/// the RFC 3986 unreserved characters `A–Z a–z 0–9 - _ . ~` becomes `%XX` with upper-case hex.
/// This is not form encoding: a space is `%20`, never `+`.
///
/// ```
/// use ssooidc_core::authcode::percent_encode;
/// assert_eq!(percent_encode("sso:account:access codewhisperer:completions"),
///            "sso%3Aaccount%3Aaccess%20codewhisperer%3Acompletions");
/// assert_eq!(percent_encode("a-b_c.d~é"), "a-b_c.d~%C3%A9");
/// ```
pub fn percent_encode(value: &str) -> String {
    crate::percent::encode(value, crate::percent::Set::Unreserved)
}

/// What the authorize URL is made of.
#[derive(Debug, Clone, Copy)]
pub struct AuthorizeParams<'a> {
    /// The resolved OIDC endpoint: only its scheme and `host[:port]` are used, as the AWS CLI
    /// does (a base path is dropped).
    pub endpoint: &'a Endpoint,
    /// The registration's `clientId`.
    pub client_id: &'a str,
    /// [`redirect_uri`] of the listener's port.
    pub redirect_uri: &'a str,
    /// The login's `state`.
    pub state: &'a str,
    /// The scopes, joined with one space; empty: [`DEFAULT_SCOPE`].
    pub scopes: &'a [String],
    /// The S256 challenge.
    pub code_challenge: &'a str,
}

/// The authorize URL, exactly as the AWS CLI builds it: `<scheme>://<host[:port]>/authorize?`
/// then `response_type`, `client_id`, `redirect_uri`, `state`, `code_challenge_method`,
/// `scopes` (plural, space-joined), each [`percent_encode`]d, and `code_challenge` last as it
/// is. Fails only when the result is not a URL a browser may be given (longer than
/// [`MAX_BROWSER_URL_LEN`](crate::browser::MAX_BROWSER_URL_LEN), or an endpoint that is plain
/// HTTP to a host that is not loopback).
///
/// ```
/// use ssooidc_core::authcode::{authorize_url, AuthorizeParams};
/// use ssooidc_core::endpoint::{resolve, EndpointParams};
///
/// let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
/// let url = authorize_url(&AuthorizeParams {
///     endpoint: &endpoint,
///     client_id: "cid",
///     redirect_uri: "http://127.0.0.1:54321/oauth/callback",
///     state: "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f",
///     scopes: &[],
///     code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
/// }).unwrap();
/// assert!(url.as_str().starts_with("https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=cid&"));
/// assert!(url.as_str().ends_with("&scopes=sso%3Aaccount%3Aaccess&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
/// ```
pub fn authorize_url(params: &AuthorizeParams<'_>) -> Result<BrowserUrl, BrowserUrlError> {
    let scopes = if params.scopes.is_empty() {
        DEFAULT_SCOPE.to_owned()
    } else {
        params.scopes.join(" ")
    };
    let query = [
        ("response_type", "code"),
        ("client_id", params.client_id),
        ("redirect_uri", params.redirect_uri),
        ("state", params.state),
        ("code_challenge_method", "S256"),
        ("scopes", &scopes),
    ];
    let scheme = if params.endpoint.is_https() {
        "https"
    } else {
        "http"
    };
    let mut url = format!("{scheme}://{}/authorize?", params.endpoint.authority());
    for (i, (name, value)) in query.iter().enumerate() {
        if i > 0 {
            url.push('&');
        }
        url.push_str(name);
        url.push('=');
        url.push_str(&percent_encode(value));
    }
    url.push_str("&code_challenge=");
    url.push_str(params.code_challenge);
    BrowserUrl::parse(&url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::{resolve, EndpointParams};

    /// `docs/protocol/authorization-code.md#vectors`: region us-east-1, port 54321, two scopes.
    #[test]
    fn the_documented_vector() {
        let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
        let scopes = [
            "sso:account:access".to_owned(),
            "codewhisperer:completions".to_owned(),
        ];
        let url = authorize_url(&AuthorizeParams {
            endpoint: &endpoint,
            client_id: "_yzkThXVzLWVhc3QtMQEXAMPLECLIENTID",
            redirect_uri: &redirect_uri(54321),
            state: "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f",
            scopes: &scopes,
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        })
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=_yzkThXVzLWVhc3QtMQEXAMPLECLIENTID&redirect_uri=http%3A%2F%2F127.0.0.1%3A54321%2Foauth%2Fcallback&state=3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess%20codewhisperer%3Acompletions&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_endpoint_keeps_its_port_and_loses_its_path() {
        let endpoint = Endpoint::parse("http://127.0.0.1:4566/base/").unwrap();
        let url = authorize_url(&AuthorizeParams {
            endpoint: &endpoint,
            client_id: "c d",
            redirect_uri: &redirect_uri(1),
            state: "s",
            scopes: &[],
            code_challenge: "x",
        })
        .unwrap();
        assert!(
            url.as_str()
                .starts_with("http://127.0.0.1:4566/authorize?response_type=code&client_id=c%20d&"),
            "{url}"
        );
    }

    #[test]
    fn every_byte_outside_the_unreserved_set_is_encoded() {
        for b in 0u8..=127 {
            let s = char::from(b).to_string();
            let encoded = percent_encode(&s);
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                assert_eq!(encoded, s);
            } else {
                assert_eq!(encoded, format!("%{b:02X}"));
            }
        }
        assert_eq!(percent_encode("+ /"), "%2B%20%2F");
    }

    #[test]
    fn an_overlong_url_is_refused() {
        let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
        let scopes = vec!["s".repeat(9000)];
        let err = authorize_url(&AuthorizeParams {
            endpoint: &endpoint,
            client_id: "c",
            redirect_uri: &redirect_uri(1),
            state: "s",
            scopes: &scopes,
            code_challenge: "x",
        });
        assert_eq!(err, Err(BrowserUrlError::TooLong));
    }
}
