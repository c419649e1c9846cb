//! Moving bytes with ureq: one `http::Request` in, one `http::Response<Vec<u8>>` out, with the
//! body capped while it is read.

use std::io::ErrorKind;
use std::time::Duration;

use ssooidc_core::wire::USER_AGENT;
use ssooidc_core::MAX_RESPONSE_BODY_BYTES;
use ureq::tls::{RootCerts, TlsConfig};

use crate::config::{Config, ConfigError, ProxyConfig, DEFAULT_TIMEOUT};
use crate::error::TransportErrorKind;

/// A transport failure: what kind, and ureq's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    /// The kind.
    pub kind: TransportFailureKind,
    /// A description (never contains request data).
    pub message: String,
}

/// A transport failure's kind: a timeout, or one of [`TransportErrorKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailureKind {
    /// A timeout fired.
    Timeout,
    /// Anything else.
    Error(TransportErrorKind),
}

/// A configured ureq agent.
#[derive(Debug, Clone)]
pub struct Transport {
    agent: ureq::Agent,
    user_agent: String,
    pub(crate) timeout: Duration,
}

impl Transport {
    /// Builds the agent: timeouts, connection reuse, proxy, CA bundle, no automatic redirects
    /// (the service never redirects; following one could send a secret elsewhere).
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        let timeout = config.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let mut builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(config.connect_timeout.unwrap_or(DEFAULT_TIMEOUT)))
            .accept_encoding("identity")
            .accept("application/json");
        if config.close_connection {
            builder = builder
                .max_idle_connections(0)
                .max_idle_connections_per_host(0);
        }
        builder = match &config.proxy {
            ProxyConfig::FromEnvironment => builder,
            ProxyConfig::Disabled => builder.proxy(None),
            ProxyConfig::Url(url) => {
                let proxy = ureq::Proxy::new(url).map_err(|e| ConfigError::Proxy(e.to_string()))?;
                builder.proxy(Some(proxy))
            }
        };
        if let Some(path) = &config.ca_bundle {
            let bad = |why: String| ConfigError::CaBundle {
                path: path.clone(),
                why,
            };
            let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
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
            agent: builder.build().new_agent(),
            user_agent,
            timeout,
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
    ) -> Result<http::Response<Vec<u8>>, TransportFailure> {
        self.set_user_agent(&mut request);
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

fn classify(e: ureq::Error) -> TransportFailure {
    use TransportErrorKind as K;
    let kind = match &e {
        ureq::Error::Timeout(_) => TransportFailureKind::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
            TransportFailureKind::Error(K::Connect)
        }
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportFailureKind::Timeout,
            ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::NotFound
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable => TransportFailureKind::Error(K::Connect),
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::UnexpectedEof
            | ErrorKind::BrokenPipe => TransportFailureKind::Error(K::ConnectionClosed),
            _ => TransportFailureKind::Error(K::Other),
        },
        ureq::Error::Protocol(_) | ureq::Error::BodyStalled => {
            TransportFailureKind::Error(K::ConnectionClosed)
        }
        ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::TlsRequired => TransportFailureKind::Error(K::Tls),
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => {
            TransportFailureKind::Error(K::Proxy)
        }
        _ => TransportFailureKind::Error(K::Other),
    };
    TransportFailure {
        kind,
        message: e.to_string(),
    }
}
