//! [`BrowserUrl`]: the only kind of string this project hands to a web browser (as a program
//! argument) or prints for a person to open. A server's `verificationUriComplete`, an
//! authorize URL or a discovery document's URL are checked first: `https`, or `http` to a
//! loopback address; no option-looking argument, no other scheme (`file:`, `javascript:`), no
//! spaces or control characters.

use std::fmt;

use crate::endpoint::is_loopback_host;

/// The longest URL accepted (browsers accept more; no real verification URL comes close).
pub const MAX_BROWSER_URL_LEN: usize = 8 * 1024;

/// A URL that is safe to open in a browser.
///
/// ```
/// use ssooidc_core::browser::BrowserUrl;
/// assert!(BrowserUrl::parse("https://d-1234567890.awsapps.com/start/#/device?user_code=AB").is_ok());
/// assert!(BrowserUrl::parse("http://127.0.0.1:4566/device").is_ok());
/// assert!(BrowserUrl::parse("--new-window=/tmp/x").is_err());
/// assert!(BrowserUrl::parse("file:///etc/passwd").is_err());
/// assert!(BrowserUrl::parse("http://evil.localhost/").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BrowserUrl(String);

/// Why a string is not a [`BrowserUrl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserUrlError {
    /// Not `https://`, nor `http://` to a loopback address.
    #[error("only https URLs (or http to a loopback address) are opened")]
    Scheme,
    /// No host.
    #[error("the URL has no host")]
    NoHost,
    /// Spaces, control characters or a character a URL cannot hold.
    #[error("the URL contains characters a URL cannot hold")]
    Characters,
    /// Longer than [`MAX_BROWSER_URL_LEN`].
    #[error("the URL is longer than {MAX_BROWSER_URL_LEN} bytes")]
    TooLong,
}

impl BrowserUrl {
    /// Checks `url`.
    pub fn parse(url: &str) -> Result<Self, BrowserUrlError> {
        if url.len() > MAX_BROWSER_URL_LEN {
            return Err(BrowserUrlError::TooLong);
        }
        // Printable ASCII only (a URL from a server is already percent-encoded); this also
        // rules out spaces, quotes and backslashes that a shell or a browser might split on.
        if !url.bytes().all(|b| {
            b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\' | b'<' | b'>' | b'`')
        }) {
            return Err(BrowserUrlError::Characters);
        }
        let (https, rest) = if let Some(rest) = strip_scheme(url, "https://") {
            (true, rest)
        } else if let Some(rest) = strip_scheme(url, "http://") {
            (false, rest)
        } else {
            return Err(BrowserUrlError::Scheme);
        };
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = match host_port.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host_port.split(':').next().unwrap_or(""),
        };
        if host.is_empty() {
            return Err(BrowserUrlError::NoHost);
        }
        if !https && !is_loopback_host(host) {
            return Err(BrowserUrlError::Scheme);
        }
        Ok(BrowserUrl(url.to_owned()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn strip_scheme<'a>(url: &'a str, scheme: &str) -> Option<&'a str> {
    let head = url.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| &url[scheme.len()..])
}

impl fmt::Display for BrowserUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for BrowserUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BrowserUrl({})", self.0)
    }
}

impl AsRef<str> for BrowserUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted() {
        for url in [
            "https://x",
            "HTTPS://device.sso.us-east-1.amazonaws.com/",
            "https://us-east-1.signin.aws/platform/authorize?request_uri=abc%20d",
            "http://127.0.0.1:54321/oauth/callback?code=c&state=s",
            "http://[::1]:80/x",
            "http://localhost:4566/device",
            "https://user@host.example/",
        ] {
            assert!(BrowserUrl::parse(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn refused() {
        use BrowserUrlError::*;
        for (url, why) in [
            ("--new-window=/tmp/x", Scheme),
            ("-https://x", Scheme),
            ("file:///etc/passwd", Scheme),
            ("javascript:alert(1)", Scheme),
            ("http://example.com/", Scheme),
            ("http://evil.localhost/", Scheme),
            ("http://127.0.0.1.evil.com/", Scheme),
            ("https:///path", NoHost),
            ("https://x/a b", Characters),
            ("https://x/\x1b[2J", Characters),
            ("https://x/\u{202e}", Characters),
            ("https://x/\"onload", Characters),
        ] {
            assert_eq!(BrowserUrl::parse(url), Err(why), "{url}");
        }
        let long = format!("https://x/{}", "a".repeat(MAX_BROWSER_URL_LEN));
        assert_eq!(BrowserUrl::parse(&long), Err(TooLong));
    }
}
