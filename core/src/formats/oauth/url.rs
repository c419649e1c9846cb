//! [`ProviderUrl`] and [`Issuer`]: the only URLs the standard dialect sends a request to. Both
//! are `https`, or `http` to a loopback address (a provider under test on this machine); no user
//! information, no fragment (`docs/protocol/oauth.md#security`).

use std::fmt;

use crate::endpoint::is_loopback_host;

/// Why a string is not a [`ProviderUrl`] or an [`Issuer`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not an absolute `http(s)://host...` URL.
    #[error("{0:?} is not an absolute URL (https://host/path)")]
    NotAbsolute(String),
    /// `http` to a host that is not a loopback address, or another scheme.
    #[error("{0:?} is not https: only https is used (plain http only to a loopback address)")]
    NotHttps(String),
    /// User information (`user:password@`) in the URL.
    #[error("{0:?} has user information, which a provider URL must not have")]
    UserInfo(String),
    /// A fragment (`#...`).
    #[error("{0:?} has a fragment, which a provider URL must not have")]
    Fragment(String),
    /// A query in an issuer (RFC 8414 §2).
    #[error("{0:?} has a query, which an issuer identifier must not have (RFC 8414 section 2)")]
    Query(String),
}

/// An absolute `https` URL (or `http` to a loopback address) without user information or
/// fragment: an endpoint of an authorization server. A query is kept (RFC 6749 §3.1 allows one).
///
/// ```
/// use ssooidc_core::oauth::ProviderUrl;
/// assert!(ProviderUrl::parse("https://idp.example.com/oauth2/token").is_ok());
/// assert!(ProviderUrl::parse("http://127.0.0.1:8080/token").is_ok());
/// assert!(ProviderUrl::parse("http://idp.example.com/token").is_err());
/// assert!(ProviderUrl::parse("https://user:pw@idp.example.com/token").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ProviderUrl {
    text: String,
    uri: http::Uri,
}

impl ProviderUrl {
    /// Checks `url`.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let text = url.to_owned();
        let not_absolute = || UrlError::NotAbsolute(shown(url));
        let https = if starts_with_ignore_case(url, "https://") {
            true
        } else if starts_with_ignore_case(url, "http://") {
            false
        } else if url.contains("://") {
            return Err(UrlError::NotHttps(shown(url)));
        } else {
            return Err(not_absolute());
        };
        if url.contains('#') {
            return Err(UrlError::Fragment(shown(url)));
        }
        let uri: http::Uri = url.parse().map_err(|_| not_absolute())?;
        let authority = uri.authority().ok_or_else(not_absolute)?;
        if authority.as_str().contains('@') {
            return Err(UrlError::UserInfo(shown(url)));
        }
        if authority.host().is_empty() {
            return Err(not_absolute());
        }
        if !https && !is_loopback_host(authority.host()) {
            return Err(UrlError::NotHttps(shown(url)));
        }
        Ok(ProviderUrl { text, uri })
    }

    /// The URL as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The URL as an `http::Uri`.
    pub fn uri(&self) -> &http::Uri {
        &self.uri
    }

    /// The URL's origin (`scheme://authority`): the endpoint of a client that talks to this
    /// provider (its requests carry their full URLs).
    pub fn origin(&self) -> String {
        let uri = self.uri();
        format!(
            "{}://{}",
            uri.scheme_str().unwrap_or("https"),
            uri.authority().map_or("", |a| a.as_str())
        )
    }

    /// Whether the host is a loopback address.
    pub fn is_loopback(&self) -> bool {
        self.uri.host().is_some_and(is_loopback_host)
    }
}

impl fmt::Display for ProviderUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for ProviderUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProviderUrl({})", self.text)
    }
}

/// An authorization server's issuer identifier (RFC 8414 §2, OpenID Connect Discovery §3): a
/// [`ProviderUrl`] without a query. It is kept exactly as given, since the metadata's `issuer`
/// must be identical to it (RFC 8414 §3.3): `https://tenant.auth0.com/` (with the slash) and
/// `https://accounts.google.com` (without) are both issuers as their providers spell them.
///
/// ```
/// use ssooidc_core::oauth::Issuer;
/// let issuer = Issuer::parse("https://idp.example.com/realms/dev").unwrap();
/// assert_eq!(issuer.openid_configuration_url(), "https://idp.example.com/realms/dev/.well-known/openid-configuration");
/// assert_eq!(issuer.oauth_metadata_url(), "https://idp.example.com/.well-known/oauth-authorization-server/realms/dev");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Issuer(ProviderUrl);

impl Issuer {
    /// Checks `url`.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let parsed = ProviderUrl::parse(url)?;
        if parsed.uri.query().is_some() || url.contains('?') {
            return Err(UrlError::Query(shown(url)));
        }
        Ok(Issuer(parsed))
    }

    /// The issuer as given.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The issuer as a URL.
    pub fn url(&self) -> &ProviderUrl {
        &self.0
    }

    /// OpenID Connect Discovery §4: the issuer (without a trailing `/`) +
    /// `/.well-known/openid-configuration`.
    pub fn openid_configuration_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.as_str().trim_end_matches('/')
        )
    }

    /// RFC 8414 §3.1: `/.well-known/oauth-authorization-server` inserted between the host and
    /// the path (a trailing `/` of the path removed first).
    pub fn oauth_metadata_url(&self) -> String {
        let uri = self.0.uri();
        let scheme = uri.scheme_str().unwrap_or("https");
        let authority = uri.authority().map_or("", |a| a.as_str());
        let path = uri.path().trim_end_matches('/');
        format!("{scheme}://{authority}/.well-known/oauth-authorization-server{path}")
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Issuer({})", self.as_str())
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// A URL for an error message: user information cut out (it may be a password), and long
/// values shortened.
fn shown(url: &str) -> String {
    let url = crate::endpoint::without_userinfo(url);
    match url.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &url[..at]),
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted() {
        for url in [
            "https://idp.example.com",
            "HTTPS://idp.example.com/a/b?x=1",
            "http://localhost:8080/realms/x",
            "http://[::1]:1/token",
            "http://127.0.0.2/token",
        ] {
            assert!(ProviderUrl::parse(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn refused() {
        for (url, why) in [
            ("idp.example.com/token", "absolute"),
            ("https://", "absolute"),
            ("https:///token", "absolute"),
            ("https://idp example.com/", "absolute"),
            ("ftp://idp.example.com/", "https"),
            ("http://idp.example.com/", "https"),
            ("http://evil.localhost/", "https"),
            ("https://u:p@idp.example.com/", "user"),
            ("https://idp.example.com/#x", "fragment"),
        ] {
            let e = ProviderUrl::parse(url).unwrap_err();
            let text = e.to_string();
            assert!(
                text.contains(why) || format!("{e:?}").to_lowercase().contains(why),
                "{url}: {e}"
            );
            assert!(!text.contains(":p@"), "a password is never shown: {text}");
        }
        assert_eq!(
            Issuer::parse("https://idp.example.com/?tenant=1"),
            Err(UrlError::Query(
                "https://idp.example.com/?tenant=1".to_owned()
            ))
        );
    }

    #[test]
    fn well_known_urls() {
        let plain = Issuer::parse("https://accounts.google.com").unwrap();
        assert_eq!(
            plain.openid_configuration_url(),
            "https://accounts.google.com/.well-known/openid-configuration"
        );
        assert_eq!(
            plain.oauth_metadata_url(),
            "https://accounts.google.com/.well-known/oauth-authorization-server"
        );
        let slash = Issuer::parse("https://tenant.auth0.com/").unwrap();
        assert_eq!(
            slash.openid_configuration_url(),
            "https://tenant.auth0.com/.well-known/openid-configuration"
        );
        assert_eq!(
            slash.oauth_metadata_url(),
            "https://tenant.auth0.com/.well-known/oauth-authorization-server"
        );
        // RFC 8414 §3.1's example.
        let path = Issuer::parse("https://example.com/issuer1").unwrap();
        assert_eq!(
            path.oauth_metadata_url(),
            "https://example.com/.well-known/oauth-authorization-server/issuer1"
        );
    }
}
