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
use ssooidc_core::proxy::{ProxyEnvironment, ProxyUrl};
use ssooidc_files::files::{read_bounded, Links};

/// The largest CA bundle read: 8 MiB (a full public root store is about 250 KiB).
pub const MAX_CA_BUNDLE_BYTES: u64 = 8 * 1024 * 1024;

/// A configured ureq agent.
#[derive(Debug, Clone)]
pub struct Transport {
    /// The agent of requests that go directly.
    direct: ureq::Agent,
    user_agent: String,
    route: Route,
}

/// Which agent a request goes through. A ureq agent has one proxy; the transport has one agent
/// per proxy a request may take, and core's decision picks it ([`Transport::send`]).
#[derive(Debug, Clone)]
enum Route {
    /// Every request directly.
    Direct,
    /// Every request through this one.
    Fixed(Via),
    /// Each request through the proxy the environment gives its URL (botocore's rules,
    /// `ssooidc_core::proxy`): the environment's `http` and `https` proxies, made ready.
    Environment {
        env: ProxyEnvironment,
        proxies: Vec<Via>,
    },
}

/// A proxy URL and the agent that goes through it, or why that URL cannot be used (an
/// environment variable that is no usable proxy URL: a failure of the requests that would use
/// it, not retried, as botocore fails only those).
#[derive(Debug, Clone)]
struct Via {
    url: String,
    agent: Result<(ProxyUrl, ureq::Agent), ConfigError>,
}

impl Via {
    fn new(url: String, make: &dyn Fn(Option<ureq::Proxy>) -> ureq::Agent) -> Via {
        let agent = ProxyUrl::parse(&url).and_then(|proxy| {
            let through =
                ureq_proxy(&proxy).map_err(|e| ConfigError::Proxy(format!("{proxy}: {e}")))?;
            Ok((proxy, make(Some(through))))
        });
        Via { url, agent }
    }
}

/// ureq's form of a proxy core has read (from the URL core checked: the same reading, and no
/// second way of building one in the binary).
fn ureq_proxy(proxy: &ProxyUrl) -> Result<ureq::Proxy, ureq::Error> {
    ureq::Proxy::new(proxy.url().expose())
}

impl Transport {
    /// Builds the agents: timeouts, connection reuse, CA bundle, no automatic redirects (the
    /// service never redirects; following one could send a secret elsewhere); one without a
    /// proxy, and one per proxy the configuration names.
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        let settings = &config.settings;
        let tls = match settings.ca_bundle.as_ref().map(|s| &s.value) {
            None => None,
            Some(path) => Some(tls_with_bundle(path)?),
        };
        // One body for every agent, called through `dyn` (not copied per call site).
        let make: &dyn Fn(Option<ureq::Proxy>) -> ureq::Agent = &|proxy| {
            let mut builder = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                // Settings are public fields: a timeout put there by hand gets the same rule as
                // one resolved (an absurd one is no limit, never an overflow in the agent's
                // clock).
                .timeout_global(settings.read_timeout.value.and_then(timeout_limit))
                .timeout_connect(settings.connect_timeout.value.and_then(timeout_limit))
                .accept_encoding("identity")
                .accept("application/json")
                // Never ureq's own reading of the environment: core's decision, or none.
                .proxy(proxy);
            if config.close_connection {
                builder = builder
                    .max_idle_connections(0)
                    .max_idle_connections_per_host(0);
            }
            if let Some(tls) = &tls {
                builder = builder.tls_config(tls.clone());
            }
            ureq::Agent::with_parts(
                builder.build(),
                DefaultConnector::new(),
                LiteralFirstResolver::default(),
            )
        };
        let route = match &config.proxy {
            ProxyConfig::FromEnvironment => {
                let env = ProxyEnvironment::from_vars(&process_env_in_order());
                let mut proxies: Vec<Via> = Vec::new();
                for url in ["http", "https"]
                    .into_iter()
                    .filter_map(|s| env.proxy_url(s))
                {
                    if proxies.iter().all(|via| via.url != url) {
                        proxies.push(Via::new(url, make));
                    }
                }
                Route::Environment { env, proxies }
            }
            ProxyConfig::Disabled => Route::Direct,
            ProxyConfig::Url(url) => {
                let via = Via::new(url.clone(), make);
                // Refused now, not at the first request.
                if let Err(e) = &via.agent {
                    return Err(e.clone());
                }
                Route::Fixed(via)
            }
        };
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
            direct: make(None),
            user_agent,
            route,
        })
    }

    /// The agent for a request to `uri`, and the proxy it goes through.
    fn route(&self, uri: &http::Uri) -> Result<(&ureq::Agent, Option<&ProxyUrl>), TransportError> {
        let via = match &self.route {
            Route::Direct => None,
            Route::Fixed(via) => Some(via),
            Route::Environment { env, proxies } => {
                let netloc = uri.authority().map(|a| a.as_str()).unwrap_or_default();
                env.proxy_for(uri.scheme_str().unwrap_or_default(), netloc)
                    .and_then(|url| proxies.iter().find(|via| via.url == url))
            }
        };
        match via.map(|via| &via.agent) {
            None => Ok((&self.direct, None)),
            Some(Ok((proxy, agent))) => Ok((agent, Some(proxy))),
            Some(Err(e)) => Err(TransportError::new(
                TransportErrorKind::Proxy,
                e.to_string(),
            )),
        }
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
        let (agent, proxy) = self.route(request.uri())?;
        let classify = |e| classify(e, proxy);
        let response = agent.run(request).map_err(classify)?;
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

/// TLS that trusts the certificates of the PEM file at `path` instead of the built-in roots.
fn tls_with_bundle(path: &std::path::Path) -> Result<TlsConfig, ConfigError> {
    let bad = |why: String| ConfigError::CaBundle {
        path: path.to_owned(),
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
    Ok(TlsConfig::builder()
        .root_certs(RootCerts::new_with_certs(&certs))
        .build())
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
/// Through a proxy, a failure to connect is the proxy's: a [`TransportErrorKind::Proxy`]
/// naming it (credentials masked), not retried.
fn classify(e: ureq::Error, proxy: Option<&ProxyUrl>) -> TransportError {
    use TransportErrorKind as K;
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
    match proxy {
        // Through a proxy nothing connects but to the proxy: a failure to connect (refused,
        // unreachable, unknown host, no answer to `CONNECT` within the connect timeout,
        // `CONNECT` refused) is the proxy's, named, and not retried.
        Some(proxy)
            if matches!(kind, K::Connect | K::Proxy)
                || matches!(
                    e,
                    ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve)
                ) =>
        {
            TransportError::new(
                K::Proxy,
                format!("could not connect to the proxy {proxy}: {e}"),
            )
        }
        _ => TransportError::new(kind, e.to_string()),
    }
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
        // A host or port ureq cannot read, named with the password masked.
        for bad in ["http://me:pw@pro xy:80", "http://me:pw@[::1:80"] {
            let config = Config::new("us-east-1").proxy(ProxyConfig::Url(bad.into()));
            match Transport::new(&config) {
                Err(ConfigError::Proxy(why)) => assert!(!why.contains("pw@"), "{why}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
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
