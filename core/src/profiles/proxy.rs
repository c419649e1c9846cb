//! Which proxy a request goes through, decided as botocore decides it (and the AWS CLI with
//! it): the environment's `*_proxy` variables read as Python's `urllib.request.getproxies`
//! reads them, the proxy of the request URL's scheme (`HTTPS_PROXY` for `https://`,
//! `HTTP_PROXY` for `http://`; `ALL_PROXY` is not read), and `NO_PROXY` matched as
//! `urllib.request.proxy_bypass_environment` matches it. Pure: the adapter hands in the
//! variables and the URL.
//!
//! ```
//! use ssooidc_core::proxy::ProxyEnvironment;
//! let env = ProxyEnvironment::from_vars(&[
//!     ("HTTPS_PROXY", "proxy.corp:3128"),
//!     ("HTTP_PROXY", "http://plain.corp:8080"),
//!     ("NO_PROXY", "localhost,.internal,127.0.0.0/8"),
//! ]);
//! assert_eq!(env.proxy_for("https", "oidc.eu-west-1.amazonaws.com"),
//!            Some("http://proxy.corp:3128".to_owned()));
//! assert_eq!(env.proxy_for("http", "emulator.example:4566"),
//!            Some("http://plain.corp:8080".to_owned()));
//! assert_eq!(env.proxy_for("https", "sso.internal"), None);
//! assert_eq!(env.proxy_for("http", "127.0.0.1:4566"), None);
//! ```
//!
//! Two deliberate differences from urllib, both where it ignores what the user wrote:
//! a `NO_PROXY` entry in CIDR form (`10.0.0.0/8`, `fd00::/8`) covers the IP-literal hosts in
//! it (curl, Go and Python's `requests` read it so; botocore's own comment says urllib does
//! not), and an IPv6 entry without brackets (`::1`) matches the bracketed host (`[::1]`) as
//! curl matches it.

use core::net::IpAddr;
use std::fmt;

use crate::base::secret::Secret;
use crate::profiles::config::ConfigError;

/// The proxy variables of an environment, as urllib keeps them: the `http`, `https` and `no`
/// entries of `getproxies_environment()`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyEnvironment {
    http: Option<String>,
    https: Option<String>,
    no_proxy: Option<String>,
}

impl fmt::Debug for ProxyEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A proxy URL may carry a password: shown masked.
        let masked = |v: &Option<String>| v.as_deref().map(mask_userinfo);
        f.debug_struct("ProxyEnvironment")
            .field("http", &masked(&self.http))
            .field("https", &masked(&self.https))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxyEnvironment {
    /// Reads the variables of an environment, in the environment's own order, as urllib does:
    /// any variable whose name ends in `_proxy` in any case counts (a set value; an empty one
    /// is skipped), then the ones whose name ends in lowercase `_proxy` are applied again, so
    /// `https_proxy` wins over `HTTPS_PROXY` and an empty `https_proxy` removes it. When
    /// `REQUEST_METHOD` is set (a CGI script), an upper-case `HTTP_PROXY` is ignored
    /// (CVE-2016-1000110).
    pub fn from_vars<K: AsRef<str>, V: AsRef<str>>(vars: &[(K, V)]) -> Self {
        let mut env = ProxyEnvironment::default();
        for (name, value) in vars {
            let value = value.as_ref();
            if let Some(slot) = env.slot(&name.as_ref().to_ascii_lowercase()) {
                if !value.is_empty() {
                    *slot = Some(value.to_owned());
                }
            }
        }
        if vars
            .iter()
            .any(|(name, _)| name.as_ref() == "REQUEST_METHOD")
        {
            env.http = None;
        }
        for (name, value) in vars {
            let (name, value) = (name.as_ref(), value.as_ref());
            if name.ends_with("_proxy") {
                if let Some(slot) = env.slot(&name.to_ascii_lowercase()) {
                    *slot = (!value.is_empty()).then(|| value.to_owned());
                }
            }
        }
        env
    }

    /// The entry a variable of this (lowercased) name sets, if it is one that matters.
    fn slot(&mut self, lowercased: &str) -> Option<&mut Option<String>> {
        match lowercased {
            "http_proxy" => Some(&mut self.http),
            "https_proxy" => Some(&mut self.https),
            "no_proxy" => Some(&mut self.no_proxy),
            _ => None,
        }
    }

    /// The proxy URL for a request to `scheme://netloc` (`netloc` as the URL writes it: the
    /// host, with its port if the URL has one), or `None` to connect directly: the proxy of
    /// the URL's scheme ([`proxy_url`](Self::proxy_url)) unless `NO_PROXY` covers the host
    /// ([`bypasses`](Self::bypasses)). The URL is not checked here: see [`ProxyUrl::parse`].
    pub fn proxy_for(&self, scheme: &str, netloc: &str) -> Option<String> {
        let proxy = self.proxy_url(scheme)?;
        (!self.bypasses(netloc)).then_some(proxy)
    }

    /// The proxy of `scheme` (`http` or `https`), whatever the host: its variable's value, with
    /// `http://` put before one that has no scheme (`//host` gets `http:`), as botocore's
    /// `ProxyConfiguration` does; `None` when the variable is not set.
    pub fn proxy_url(&self, scheme: &str) -> Option<String> {
        let proxy = match scheme.to_ascii_lowercase().as_str() {
            "http" => self.http.as_deref()?,
            "https" => self.https.as_deref()?,
            _ => return None,
        };
        Some(
            if proxy.starts_with("http:") || proxy.starts_with("https:") {
                proxy.to_owned()
            } else if proxy.starts_with("//") {
                format!("http:{proxy}")
            } else {
                format!("http://{proxy}")
            },
        )
    }

    /// Whether `NO_PROXY` covers `netloc`: `*` (the whole value) covers every host; each
    /// comma-separated entry, leading dots dropped, covers the host (with or without its
    /// port) equal to it or ending in `.` and it, in any case; an entry in CIDR form covers
    /// the IP-literal hosts in its network.
    pub fn bypasses(&self, netloc: &str) -> bool {
        let Some(no_proxy) = self.no_proxy.as_deref() else {
            return false;
        };
        if no_proxy == "*" {
            return true;
        }
        // ASCII case: a URL's host is ASCII (urllib's `lower()` differs only on characters no
        // host has), and Unicode case tables would cost the binary more than they give.
        let host_only = split_port(netloc);
        let literal = host_ip(host_only);
        no_proxy.split(',').any(|entry| {
            let name = entry.trim().trim_start_matches('.');
            !name.is_empty()
                && (covers(host_only, name)
                    || covers(netloc, name)
                    || literal.is_some_and(|ip| {
                        name.parse::<IpAddr>()
                            .map_or_else(|_| in_cidr(ip, name), |entry| entry == ip)
                    }))
        })
    }
}

/// Whether `name` covers `host`: the same, or `host` ends in `.` and `name` (in any ASCII case).
fn covers(host: &str, name: &str) -> bool {
    let (host, name) = (host.as_bytes(), name.as_bytes());
    match host.len().checked_sub(name.len()) {
        Some(cut) => host[cut..].eq_ignore_ascii_case(name) && (cut == 0 || host[cut - 1] == b'.'),
        None => false,
    }
}

/// `host:port` → `host` when the part after the last `:` is digits (urllib's `_splitport`:
/// `[::1]:80` → `[::1]`, `[::1]` stays whole, an empty port is no port).
fn split_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The address of an IP-literal host (`127.0.0.1`, `[::1]`).
fn host_ip(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

/// Whether `ip` is in the network `entry` (`10.0.0.0/8`, `fd00::/8`); `false` for an entry that
/// is no network, or one of the other family.
fn in_cidr(ip: IpAddr, entry: &str) -> bool {
    let Some((net, bits)) = entry.split_once('/') else {
        return false;
    };
    let net = net
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(net);
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// How the connection to the proxy itself is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyScheme {
    /// Plain TCP to the proxy (`http://`).
    Http,
    /// TLS to the proxy (`https://`).
    Https,
}

/// A proxy URL a transport can be given: `http://` or `https://` and a host, as given, with
/// [`Debug`] and [`Display`](fmt::Display) showing it with its credentials masked, as
/// botocore's `mask_proxy_url` does (`http://***:***@proxy:3128`). The host and port syntax
/// is the transport's to check (the ureq adapter's `ureq::Proxy` reads the URL, 80 or 443
/// when it has no port, as urllib3 defaults them).
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    scheme: ProxyScheme,
    /// The URL as given, credentials masked: what messages show.
    shown: String,
    /// The URL as given, credentials and all: what a transport is handed.
    url: Secret,
}

/// A [`ConfigError::Proxy`] naming `url` (credentials masked) and what is wrong with it.
fn proxy_error(url: &str, why: &str) -> ConfigError {
    ConfigError::Proxy(format!("{}: {why}", mask_userinfo(url)))
}

impl ProxyUrl {
    /// Reads a proxy URL (as [`ProxyEnvironment::proxy_for`] gives it, or as configured):
    /// `http` or `https`, then `[user[:password]@]host[:port]`, any path ignored. Another
    /// scheme (`socks5://`, which botocore does not support either and turns into
    /// `http://socks5://...`) or no host is a [`ConfigError::Proxy`] naming the URL with its
    /// credentials masked.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| proxy_error(url, "not a URL (no scheme)"))?;
        let scheme = match scheme {
            // `http://socks5://host`: botocore put `http://` before a scheme it does not know.
            "http" if !rest.contains("://") => ProxyScheme::Http,
            "https" if !rest.contains("://") => ProxyScheme::Https,
            _ => {
                return Err(proxy_error(
                    url,
                    "only http:// and https:// proxies are supported",
                ))
            }
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        if host.is_empty() || host.starts_with(':') {
            return Err(proxy_error(url, "no host"));
        }
        Ok(ProxyUrl {
            scheme,
            shown: mask_userinfo(url),
            url: Secret::new(url),
        })
    }

    /// The URL as given, credentials included: for the transport, never for a message (use
    /// [`Display`](fmt::Display)).
    pub fn url(&self) -> &Secret {
        &self.url
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> ProxyScheme {
        self.scheme
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// `url` with whatever is before the `@` of its authority replaced by `***`, for messages.
fn mask_userinfo(url: &str) -> String {
    let (prefix, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) if rest[..at].contains(':') => format!("{prefix}***:***@{}", &rest[at + 1..]),
        Some(at) => format!("{prefix}***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_entries_cover_their_networks_only() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_cidr(ip("127.1.2.3"), "127.0.0.0/8"));
        assert!(!in_cidr(ip("128.0.0.1"), "127.0.0.0/8"));
        assert!(in_cidr(ip("10.0.0.1"), "0.0.0.0/0"));
        assert!(in_cidr(ip("fd00::1"), "fd00::/8"));
        assert!(!in_cidr(ip("fe80::1"), "fd00::/8"));
        assert!(in_cidr(ip("::1"), "::1/128"));
        assert!(!in_cidr(ip("::1"), "127.0.0.0/8"), "families differ");
        assert!(!in_cidr(ip("127.0.0.1"), "127.0.0.0/33"));
        assert!(!in_cidr(ip("127.0.0.1"), "127.0.0.0/x"));
        assert!(!in_cidr(ip("127.0.0.1"), "localhost/8"));
    }

    #[test]
    fn proxy_urls_are_checked_and_their_credentials_masked() {
        let p = ProxyUrl::parse("http://me:p%40ss@proxy.corp:3128/").unwrap();
        assert_eq!(p.scheme(), ProxyScheme::Http);
        assert_eq!(p.to_string(), "http://***:***@proxy.corp:3128/");
        assert_eq!(p.url().expose(), "http://me:p%40ss@proxy.corp:3128/");
        assert!(!format!("{p:?}").contains("p%40ss"));
        assert_eq!(
            ProxyUrl::parse("https://[::1]").unwrap().scheme(),
            ProxyScheme::Https
        );
        assert_eq!(
            ProxyUrl::parse("http://me@proxy").unwrap().to_string(),
            "http://***@proxy"
        );
        for bad in [
            "socks5://proxy:1080",
            "http://",
            "http://me:pw@",
            "http://:3128",
            "http://socks5://proxy:1080",
            "http://HTTP://proxy:3128",
            "proxy:80",
        ] {
            assert!(
                matches!(ProxyUrl::parse(bad), Err(ConfigError::Proxy(_))),
                "{bad}"
            );
        }
        let err = ProxyUrl::parse("socks5://me:secret@proxy:1080")
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("secret") && err.contains("***:***@proxy:1080"),
            "{err}"
        );
    }

    #[test]
    fn debug_masks_proxy_credentials() {
        let env = ProxyEnvironment::from_vars(&[("HTTPS_PROXY", "http://me:secret@proxy:3128")]);
        let shown = format!("{env:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("me:"),
            "{shown}"
        );
    }
}
