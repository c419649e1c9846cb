//! Moving bytes with ureq: one `http::Request` in, one `http::Response<Vec<u8>>` out, with the
//! body capped while it is read.

use std::io::ErrorKind;

use ssooidc_core::config::ConfigError;
use ssooidc_core::settings::timeout_limit;
use ssooidc_core::transport::{TransportError, TransportErrorKind};
use ssooidc_core::wire::USER_AGENT;
use ssooidc_core::MAX_RESPONSE_BODY_BYTES;
use std::net::{IpAddr, SocketAddr};

use ureq::tls::{RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::config::{Config, ProxyConfig};
use crate::environment::process_env_in_order;
use crate::files::{read_bounded, Links};
use ssooidc_core::proxy::{ProxyEnvironment, ProxyScheme, ProxyUrl};

/// The largest CA bundle read: 8 MiB (a full public root store is about 250 KiB).
pub const MAX_CA_BUNDLE_BYTES: u64 = 8 * 1024 * 1024;

/// A configured ureq agent.
#[derive(Debug, Clone)]
pub struct Transport {
    agent: ureq::Agent,
    user_agent: String,
    proxies: Proxies,
}

/// Where the proxy of a request comes from. The agent itself has none: each request gets the
/// one core's decision gives it ([`Transport::send`]).
#[derive(Debug, Clone)]
enum Proxies {
    /// Every request directly.
    None,
    /// Every request through this one.
    Fixed(ProxyUrl),
    /// Each request through the proxy the environment gives its URL (botocore's rules).
    Environment(ProxyEnvironment),
}

impl Proxies {
    /// The proxy for a request to `uri`, or why the configured one cannot be used (an
    /// environment variable that is no usable proxy URL: a failure of this request, not
    /// retried, as botocore fails only the requests that would use it).
    fn for_uri(&self, uri: &http::Uri) -> Result<Option<ProxyUrl>, TransportError> {
        match self {
            Proxies::None => Ok(None),
            Proxies::Fixed(proxy) => Ok(Some(proxy.clone())),
            Proxies::Environment(env) => {
                let netloc = uri.authority().map(|a| a.as_str()).unwrap_or_default();
                match env.proxy_for(uri.scheme_str().unwrap_or_default(), netloc) {
                    None => Ok(None),
                    Some(url) => ProxyUrl::parse(&url)
                        .map(Some)
                        .map_err(|e| TransportError::new(TransportErrorKind::Proxy, e.to_string())),
                }
            }
        }
    }
}

/// ureq's form of a proxy core has read.
fn ureq_proxy(proxy: &ProxyUrl) -> Result<ureq::Proxy, ureq::Error> {
    let protocol = match proxy.scheme() {
        ProxyScheme::Https => ureq::ProxyProtocol::Https,
        _ => ureq::ProxyProtocol::Http,
    };
    let mut builder = ureq::Proxy::builder(protocol)
        .host(proxy.host())
        .port(proxy.port());
    if let Some(user) = proxy.username() {
        builder = builder.username(user);
    }
    if let Some(password) = proxy.password() {
        builder = builder.password(password.expose());
    }
    builder.build()
}

impl Transport {
    /// Builds the agent: timeouts, connection reuse, proxy, CA bundle, no automatic redirects
    /// (the service never redirects; following one could send a secret elsewhere).
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        let settings = &config.settings;
        let mut builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            // Settings are public fields: a timeout put there by hand gets the same rule as one
            // resolved (an absurd one is no limit, never an overflow in the agent's clock).
            .timeout_global(settings.read_timeout.value.and_then(timeout_limit))
            .timeout_connect(settings.connect_timeout.value.and_then(timeout_limit))
            .accept_encoding("identity")
            .accept("application/json");
        if config.close_connection {
            builder = builder
                .max_idle_connections(0)
                .max_idle_connections_per_host(0);
        }
        // The agent's own proxy stays unset (ureq would read the environment by its own
        // rules): each request gets core's decision in `send`.
        builder = builder.proxy(None);
        let proxies = match &config.proxy {
            ProxyConfig::FromEnvironment => {
                Proxies::Environment(ProxyEnvironment::from_vars(process_env_in_order()))
            }
            ProxyConfig::Disabled => Proxies::None,
            ProxyConfig::Url(url) => {
                let proxy = ProxyUrl::parse(url)?;
                ureq_proxy(&proxy).map_err(|e| ConfigError::Proxy(format!("{proxy}: {e}")))?;
                Proxies::Fixed(proxy)
            }
        };
        if let Some(path) = settings.ca_bundle.as_ref().map(|s| &s.value) {
            let bad = |why: String| ConfigError::CaBundle {
                path: path.clone(),
                why,
            };
            let pem = match read_bounded(path, MAX_CA_BUNDLE_BYTES, Links::Follow) {
                Ok(Some(pem)) => pem,
                Ok(None) => return Err(bad("no such file".to_owned())),
                Err(problem) => return Err(bad(problem.to_string())),
            };
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                match item.map_err(|e| bad(e.to_string()))? {
                    ureq::tls::PemItem::Certificate(c) => certs.push(c),
                    _ => continue,
                }
            }
            if certs.is_empty() {
                return Err(bad("no certificate in the file".to_owned()));
            }
            builder = builder.tls_config(
                TlsConfig::builder()
                    .root_certs(RootCerts::new_with_certs(&certs))
                    .build(),
            );
        }
        let mut user_agent = format!("{USER_AGENT} ssooidc-ureq/{}", env!("CARGO_PKG_VERSION"));
        if let Some(suffix) = config
            .user_agent_suffix
            .as_deref()
            .filter(|s| !s.is_empty())
        {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        Ok(Transport {
            agent: ureq::Agent::with_parts(
                builder.build(),
                DefaultConnector::new(),
                LiteralFirstResolver::default(),
            ),
            user_agent,
            proxies,
        })
    }

    /// Puts this transport's `User-Agent` (core's, this crate's, the configured suffix) on
    /// `request`, replacing the core's. [`send`](Self::send) does it too; call it first to log
    /// the request exactly as it will be sent.
    pub fn set_user_agent(&self, request: &mut http::Request<Vec<u8>>) {
        if let Ok(ua) = http::HeaderValue::from_str(&self.user_agent) {
            request.headers_mut().insert(http::header::USER_AGENT, ua);
        }
    }

    /// Sends `request` and reads the response, at most [`MAX_RESPONSE_BODY_BYTES`] + 1 bytes of
    /// body (one more than the cap, so that the core sees the body is too large).
    pub fn send(
        &self,
        mut request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        self.set_user_agent(&mut request);
        let proxy = self.proxies.for_uri(request.uri())?;
        if let Some(proxy) = &proxy {
            let through = ureq_proxy(proxy).map_err(|e| {
                TransportError::new(TransportErrorKind::Proxy, format!("{proxy}: {e}"))
            })?;
            request = self
                .agent
                .configure_request(request)
                .proxy(Some(through))
                .build();
        }
        let classify = |e| classify(e, proxy.as_ref());
        let response = self.agent.run(request).map_err(classify)?;
        let (parts, mut body) = response.into_parts();
        let limit = MAX_RESPONSE_BODY_BYTES as u64 + 1;
        let bytes = match body.with_config().limit(limit).read_to_vec() {
            Ok(bytes) => bytes,
            // The cap was passed: hand the core a body one byte over it, which it rejects.
            Err(ureq::Error::BodyExceedsLimit(_)) => vec![b' '; MAX_RESPONSE_BODY_BYTES + 1],
            Err(e) => return Err(classify(e)),
        };
        Ok(http::Response::from_parts(parts, bytes))
    }
}

/// ureq's resolver, except that an IP-literal host is used as it is. With a timeout configured,
/// ureq resolves every request on a new thread (so that the lookup can be abandoned); for a
/// literal such as `127.0.0.1` there is nothing to look up, and the thread costs more than the
/// request itself on a busy machine.
#[derive(Debug, Default)]
struct LiteralFirstResolver(DefaultResolver);

impl Resolver for LiteralFirstResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(addr) = literal_addr(uri) {
            let mut addrs = self.empty();
            addrs.push(addr);
            return Ok(addrs);
        }
        self.0.resolve(uri, config, timeout)
    }
}

/// The socket address of a URI whose host is an IP literal.
fn literal_addr(uri: &http::Uri) -> Option<SocketAddr> {
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
    let ip = host.parse::<IpAddr>().ok()?;
    let port = uri.port_u16().or(match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    })?;
    Some(SocketAddr::new(ip, port))
}

/// ureq's error as a [`TransportError`]: the kind that drives retries, and ureq's message.
/// Through a proxy, a failure to connect (refused, unreachable, unknown host, no answer to
/// `CONNECT` in time, `CONNECT` refused) is the proxy's: a [`TransportErrorKind::Proxy`]
/// naming it (credentials masked), not retried; any other failure says it went through it.
fn classify(e: ureq::Error, proxy: Option<&ProxyUrl>) -> TransportError {
    use TransportErrorKind as K;
    if let Some(proxy) = proxy {
        let connect = match &e {
            ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => true,
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => true,
            ureq::Error::Io(io) => matches!(
                io.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::AddrNotAvailable
                    | ErrorKind::NotFound
                    | ErrorKind::HostUnreachable
                    | ErrorKind::NetworkUnreachable
            ),
            _ => false,
        };
        if connect {
            return TransportError::new(
                K::Proxy,
                format!("could not connect to the proxy {proxy}: {e}"),
            );
        }
        if let ureq::Error::ConnectProxyFailed(why) = &e {
            return TransportError::new(
                K::Proxy,
                format!("the proxy {proxy} did not open a tunnel: {why}"),
            );
        }
        let plain = classify(e, None);
        return TransportError::new(
            plain.kind(),
            format!("{} (through the proxy {proxy})", plain.message()),
        );
    }
    let kind = match &e {
        ureq::Error::Timeout(_) => K::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => K::Connect,
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => K::Timeout,
            ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::NotFound
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable => K::Connect,
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::UnexpectedEof
            | ErrorKind::BrokenPipe => K::ConnectionClosed,
            _ => K::Other,
        },
        ureq::Error::Protocol(_) | ureq::Error::BodyStalled => K::ConnectionClosed,
        ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::TlsRequired => K::Tls,
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => K::Proxy,
        ureq::Error::BodyExceedsLimit(_) => K::BodyTooLarge,
        _ => K::Other,
    };
    TransportError::new(kind, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, content: &[u8]) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("ssooidc-transport-{name}-{}", std::process::id()));
        std::fs::write(&path, content).unwrap();
        path
    }

    #[test]
    fn a_missing_or_empty_ca_bundle_is_a_config_error() {
        let missing = Config::new("us-east-1").ca_bundle("/nonexistent/ssooidc/ca.pem");
        assert!(matches!(
            Transport::new(&missing),
            Err(ConfigError::CaBundle { .. })
        ));
        let path = temp_file("no-certs", b"not a certificate\n");
        let empty = Config::new("us-east-1").ca_bundle(&path);
        match Transport::new(&empty) {
            Err(ConfigError::CaBundle { why, .. }) => {
                assert!(why.contains("no certificate"), "{why}")
            }
            other => panic!("{other:?}"),
        }
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_bad_proxy_url_is_a_config_error() {
        let config = Config::new("us-east-1").proxy(ProxyConfig::Url("::not a url::".into()));
        assert!(matches!(
            Transport::new(&config),
            Err(ConfigError::Proxy(_))
        ));
        let ok = Config::new("us-east-1").proxy(ProxyConfig::Url("http://127.0.0.1:3128".into()));
        assert!(Transport::new(&ok).is_ok());
    }

    /// ureq without its SOCKS feature panics on a SOCKS proxy set in code (and connects around
    /// one from the environment): refused when the client is built, naming it.
    #[test]
    fn a_socks_proxy_is_a_config_error_not_a_panic() {
        let config = Config::new("us-east-1")
            .proxy(ProxyConfig::Url("socks5://me:pw@127.0.0.1:1080".into()));
        match Transport::new(&config) {
            Err(ConfigError::Proxy(why)) => {
                assert!(why.contains("socks5://***:***@127.0.0.1:1080"), "{why}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ip_literals_resolve_without_a_lookup() {
        let addr = |u: &str| literal_addr(&u.parse().unwrap());
        assert_eq!(
            addr("http://127.0.0.1:4566/token"),
            Some(SocketAddr::from(([127, 0, 0, 1], 4566)))
        );
        assert_eq!(
            addr("https://[::1]/"),
            Some(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 443)))
        );
        assert_eq!(
            addr("http://10.1.2.3/"),
            Some(SocketAddr::from(([10, 1, 2, 3], 80)))
        );
        assert_eq!(
            addr("https://oidc.us-east-1.amazonaws.com/"),
            None,
            "names go to the resolver"
        );
        assert_eq!(addr("https://localhost/"), None);
    }
}
