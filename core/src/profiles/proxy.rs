//! Which proxy a request goes through, decided as botocore decides it (and the AWS CLI with
//! it): the environment's `*_proxy` variables read as Python's `urllib.request.getproxies`
//! reads them, the proxy of the request URL's scheme (`HTTPS_PROXY` for `https://`,
//! `HTTP_PROXY` for `http://`; `ALL_PROXY` is not read), and `NO_PROXY` matched as
//! `urllib.request.proxy_bypass_environment` matches it. Pure: the adapter hands in the
//! variables and the URL.
//!
//! ```
//! use ssooidc_core::proxy::ProxyEnvironment;
//! let env = ProxyEnvironment::from_vars([
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
    pub fn from_vars<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let vars: Vec<(K, V)> = vars.into_iter().collect();
        let mut env = ProxyEnvironment::default();
        for (name, value) in &vars {
            let (name, value) = (name.as_ref().to_ascii_lowercase(), value.as_ref());
            if !value.is_empty() {
                if let Some(slot) = env.slot(&name) {
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
        for (name, value) in &vars {
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
    /// the URL's scheme unless `NO_PROXY` covers the host, with `http://` put before a URL
    /// that has no scheme, as botocore does. The URL is not checked here: see
    /// [`ProxyUrl::parse`].
    pub fn proxy_for(&self, scheme: &str, netloc: &str) -> Option<String> {
        let proxy = match scheme.to_ascii_lowercase().as_str() {
            "http" => self.http.as_deref()?,
            "https" => self.https.as_deref()?,
            _ => return None,
        };
        if self.bypasses(netloc) {
            return None;
        }
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
        let host = netloc.to_lowercase();
        let host_only = split_port(&host);
        let literal = host_ip(host_only);
        no_proxy.split(',').any(|entry| {
            let name = entry.trim().trim_start_matches('.').to_lowercase();
            if name.is_empty() {
                return false;
            }
            if host_only == name || host == name {
                return true;
            }
            let suffix = format!(".{name}");
            if host_only.ends_with(&suffix) || host.ends_with(&suffix) {
                return true;
            }
            match literal {
                Some(ip) => name
                    .parse::<IpAddr>()
                    .map(|entry| entry == ip)
                    .unwrap_or_else(|_| in_cidr(ip, &name)),
                None => false,
            }
        })
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

/// A usable proxy URL: `http://` or `https://`, a host, a port (80 or 443 when the URL has
/// none, as urllib3 defaults them) and maybe credentials. `Debug` and [`Display`](fmt::Display)
/// show the URL as given with the credentials masked, as botocore's `mask_proxy_url` does
/// (`http://***:***@proxy:3128`).
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    scheme: ProxyScheme,
    host: String,
    port: u16,
    username: Option<String>,
    password: Option<Secret>,
    /// The URL as given, credentials masked: what messages show.
    shown: String,
}

impl ProxyUrl {
    /// Reads a proxy URL (as [`ProxyEnvironment::proxy_for`] gives it, or as configured):
    /// `http` or `https`, then `[user[:password]@]host[:port]`, the user and password
    /// percent-decoded, any path ignored. Anything else (another scheme such as `socks5`,
    /// which botocore does not support either; no host; a port that is not a number) is a
    /// [`ConfigError::Proxy`] naming the URL with its credentials masked.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let bad = |why: &str| ConfigError::Proxy(format!("{}: {why}", mask_userinfo(url)));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("not a URL (no scheme)"))?;
        let scheme = match scheme {
            // `http://socks5://host`: botocore put `http://` before a scheme it does not know.
            "http" | "https" if rest.contains("://") => {
                return Err(bad("only http:// and https:// proxies are supported"))
            }
            "http" => ProxyScheme::Http,
            "https" => ProxyScheme::Https,
            _ => return Err(bad("only http:// and https:// proxies are supported")),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (inside, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 host without its closing bracket"))?;
            inside
                .parse::<core::net::Ipv6Addr>()
                .map_err(|_| bad("not an IPv6 address in the brackets"))?;
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| bad("text after the host"))?,
                ),
            };
            (&hostport[..inside.len() + 2], port)
        } else {
            match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        let host_ok = !host.is_empty()
            && (host.starts_with('[')
                || host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)));
        if !host_ok {
            return Err(bad("no valid host"));
        }
        let port = match port {
            None | Some("") => match scheme {
                ProxyScheme::Http => 80,
                ProxyScheme::Https => 443,
            },
            // Digits only: Rust would read `+80` as 80.
            Some(p) => Some(p)
                .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<u16>().ok())
                .filter(|p| *p != 0)
                .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
        };
        let decode = |s: &str| {
            String::from_utf8(crate::base::percent::decode(s.as_bytes(), false))
                .ok()
                .ok_or_else(|| bad("the user or password is not valid percent-encoded UTF-8"))
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (Some(decode(u)?), Some(Secret::new(decode(p)?))),
                None => (Some(decode(info)?), None),
            },
        };
        Ok(ProxyUrl {
            scheme,
            host: host.to_owned(),
            port,
            username,
            password,
            shown: mask_userinfo(url),
        })
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> ProxyScheme {
        self.scheme
    }

    /// The host, an IPv6 address in brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user, percent-decoded.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The password, percent-decoded.
    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
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
        assert_eq!(p.host(), "proxy.corp");
        assert_eq!(p.port(), 3128);
        assert_eq!(p.username(), Some("me"));
        assert_eq!(p.password().map(Secret::expose), Some("p@ss"));
        assert_eq!(p.to_string(), "http://***:***@proxy.corp:3128/");
        assert!(!format!("{p:?}").contains("p@ss"));
        let v6 = ProxyUrl::parse("https://[::1]").unwrap();
        assert_eq!((v6.host(), v6.port()), ("[::1]", 443));
        let plain = ProxyUrl::parse("http://proxy").unwrap();
        assert_eq!((plain.host(), plain.port()), ("proxy", 80));
        assert_eq!(plain.to_string(), "http://proxy");
        for bad in [
            "socks5://proxy:1080",
            "http://",
            "http://proxy:x",
            "http://proxy:0",
            "http://proxy:70000",
            "http://proxy:+80",
            "http://socks5://proxy:1080",
            "http://HTTP://proxy:3128",
            "http://[::1",
            "http://pro xy:80",
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
            !err.contains("secret") && err.contains("***@proxy:1080"),
            "{err}"
        );
    }

    #[test]
    fn debug_masks_proxy_credentials() {
        let env = ProxyEnvironment::from_vars([("HTTPS_PROXY", "http://me:secret@proxy:3128")]);
        let shown = format!("{env:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("me:"),
            "{shown}"
        );
    }
}
