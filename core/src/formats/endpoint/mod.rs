//! Endpoint resolution (spec section 4): region, FIPS and dual-stack to a base URL, for every
//! partition, plus an explicit endpoint override. Which endpoint is configured (the precedence
//! of spec 4.4) is decided by [`crate::settings`].
//!
//! The two services this crate calls, SSO OIDC (`oidc.{region}`) and the SSO portal
//! (`portal.sso.{region}`), have the same rule set but for the host's first labels
//! (`docs/protocol/endpoints.md#rule-set`): [`resolve`] is OIDC's, [`resolve_for`] either's.
//!
//! ```
//! use ssooidc_core::endpoint::{resolve, resolve_for, EndpointParams};
//! use ssooidc_core::settings::Service;
//! let e = resolve(&EndpointParams::region("us-gov-east-1").fips(true)).unwrap();
//! assert_eq!(e.url(), "https://oidc.us-gov-east-1.amazonaws.com");
//! let p = resolve_for(Service::Sso, &EndpointParams::region("eu-west-1").dual_stack(true)).unwrap();
//! assert_eq!(p.url(), "https://portal.sso.eu-west-1.api.aws");
//! ```

pub mod partitions;

use std::fmt;

/// Inputs of the endpoint rule set (spec 4.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointParams {
    /// `AWS::Region`; for token work the `sso_region`.
    pub region: Option<String>,
    /// `AWS::UseFIPS`.
    pub use_fips: bool,
    /// `AWS::UseDualStack`.
    pub use_dual_stack: bool,
    /// `SDK::Endpoint`: an explicit URL that replaces the computed one.
    pub endpoint: Option<String>,
}

impl EndpointParams {
    /// Parameters for `region` with FIPS and dual-stack off and no explicit endpoint.
    pub fn region(region: impl Into<String>) -> Self {
        EndpointParams {
            region: Some(region.into()),
            ..Self::default()
        }
    }

    /// Sets `UseFIPS`.
    pub fn fips(mut self, on: bool) -> Self {
        self.use_fips = on;
        self
    }

    /// Sets `UseDualStack`.
    pub fn dual_stack(mut self, on: bool) -> Self {
        self.use_dual_stack = on;
        self
    }

    /// Sets the explicit endpoint.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
}

/// Why an endpoint could not be resolved. The `Display` texts of the rule-set errors are the
/// rule set's own messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// FIPS was asked for together with a custom endpoint.
    #[error("Invalid Configuration: FIPS and custom endpoint are not supported")]
    FipsWithCustomEndpoint,
    /// Dual-stack was asked for together with a custom endpoint.
    #[error("Invalid Configuration: Dualstack and custom endpoint are not supported")]
    DualStackWithCustomEndpoint,
    /// Neither a region nor an endpoint was given.
    #[error("Invalid Configuration: Missing Region")]
    MissingRegion,
    /// Both FIPS and dual-stack were asked for in a partition lacking one of them.
    #[error("FIPS and DualStack are enabled, but this partition does not support one or both")]
    FipsAndDualStackUnsupported,
    /// FIPS was asked for in a partition without FIPS endpoints.
    #[error("FIPS is enabled but this partition does not support FIPS")]
    FipsUnsupported,
    /// Dual-stack was asked for in a partition without dual-stack endpoints.
    #[error("DualStack is enabled but this partition does not support DualStack")]
    DualStackUnsupported,
    /// The region is not a DNS label (`[a-z0-9-]`, at most 63 characters, no leading or trailing `-`).
    #[error("invalid region {0:?}: a region must be a DNS label such as us-east-1")]
    InvalidRegion(String),
    /// The endpoint is not an absolute `http` or `https` URL without query or fragment.
    #[error("invalid endpoint URL {url:?}: {why}")]
    InvalidUrl {
        /// The rejected value.
        url: String,
        /// What is wrong with it.
        why: &'static str,
    },
}

/// A resolved service endpoint: scheme, authority and an optional base path.
///
/// Operation paths (`/token`, ...) are appended to the base path.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    https: bool,
    /// Parsed once, lower-cased; cloning it is a reference-count increment.
    authority: http::uri::Authority,
    host: String,
    base_path: String,
}

impl Endpoint {
    /// Parses an absolute `http://` or `https://` URL. A trailing `/` is dropped; a query or
    /// fragment, user info, or a missing host is an error.
    pub fn parse(url: &str) -> Result<Self, EndpointError> {
        let bad = |why| EndpointError::InvalidUrl {
            url: without_userinfo(url),
            why,
        };
        let (https, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "https://") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
            (false, rest)
        } else {
            return Err(bad("the scheme must be http:// or https://"));
        };
        if rest.contains(['?', '#']) {
            return Err(bad("an endpoint takes no query or fragment"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(bad("the host is missing"));
        }
        if authority.contains('@') {
            return Err(bad("user information is not allowed in an endpoint"));
        }
        let authority_parsed: http::uri::Authority = authority
            .parse()
            .map_err(|_| bad("the host or port is not valid"))?;
        let host = authority_parsed.host();
        if host.is_empty() {
            return Err(bad("the host is missing"));
        }
        match authority_parsed.as_str()[host.len()..].strip_prefix(':') {
            None if authority_parsed.as_str().len() == host.len() => {}
            Some(port) if port.parse::<u16>().is_ok_and(|p| p != 0) => {}
            _ => return Err(bad("the port must be a number from 1 to 65535")),
        }
        let base_path = path.trim_end_matches('/');
        if !base_path.is_empty() && base_path.parse::<http::uri::PathAndQuery>().is_err() {
            return Err(bad("the path is not valid"));
        }
        let host = host.to_ascii_lowercase();
        let authority =
            http::uri::Authority::try_from(authority_parsed.as_str().to_ascii_lowercase())
                .map_err(|_| bad("the host or port is not valid"))?;
        Ok(Endpoint {
            https,
            host,
            authority,
            base_path: base_path.to_owned(),
        })
    }

    /// The endpoint as a URL, without a trailing `/`.
    pub fn url(&self) -> String {
        format!(
            "{}://{}{}",
            if self.https { "https" } else { "http" },
            self.authority,
            self.base_path
        )
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host name or IP literal (IPv6 in brackets), lower-cased.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `host[:port]`.
    pub fn authority(&self) -> &str {
        self.authority.as_str()
    }

    /// Whether the host is a loopback address: an IP literal in `127.0.0.0/8` or `::1`, or
    /// exactly `localhost`. Names under `.localhost` are not: they go to a resolver, which may
    /// answer anything.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }

    /// The full URI of `path_and_query` (which starts with `/`) under this endpoint. Fails only
    /// when `path_and_query` is not a valid URI path.
    pub fn uri(&self, path_and_query: &'static str) -> Result<http::Uri, http::Error> {
        let path_and_query = if self.base_path.is_empty() {
            http::uri::PathAndQuery::from_static(path_and_query)
        } else {
            let mut pq = String::with_capacity(self.base_path.len() + path_and_query.len());
            pq.push_str(&self.base_path);
            pq.push_str(path_and_query);
            http::uri::PathAndQuery::try_from(pq)?
        };
        self.with_path_and_query(path_and_query)
    }

    /// The full URI of `path` (which starts with `/`) with `query` (already encoded, without
    /// `?`; empty for none) under this endpoint.
    pub fn uri_with_query(
        &self,
        path: &'static str,
        query: &str,
    ) -> Result<http::Uri, http::Error> {
        if query.is_empty() {
            return self.uri(path);
        }
        let pq = format!("{}{path}?{query}", self.base_path);
        self.with_path_and_query(http::uri::PathAndQuery::try_from(pq)?)
    }

    fn with_path_and_query(
        &self,
        path_and_query: http::uri::PathAndQuery,
    ) -> Result<http::Uri, http::Error> {
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(if self.https {
            http::uri::Scheme::HTTPS
        } else {
            http::uri::Scheme::HTTP
        });
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(path_and_query);
        Ok(http::Uri::from_parts(parts)?)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.url())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

impl std::str::FromStr for Endpoint {
    type Err = EndpointError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Endpoint::parse(s)
    }
}

/// `url` with any `user:password@` replaced by `<redacted>@`, for messages.
pub(crate) fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) if scheme.is_empty() => format!("<redacted>@{}", &rest[at + 1..]),
        Some(at) => format!("{scheme}://<redacted>@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// Whether `host` (a URL's host, IPv6 in brackets or not) is a loopback address: an IP literal
/// in `127.0.0.0/8` or `::1`, or exactly `localhost` (any case).
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<core::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Runs the SSO OIDC endpoint rule set (spec 4.2) over `params`: [`resolve_for`] with
/// [`Service::SsoOidc`].
pub fn resolve(params: &EndpointParams) -> Result<Endpoint, EndpointError> {
    resolve_for(Service::SsoOidc, params)
}

/// Runs `service`'s endpoint rule set over `params`. Both rule sets take the same steps and
/// differ only in the host's first labels: `oidc` / `oidc-fips` and `portal.sso` /
/// `portal.sso-fips`.
pub fn resolve_for(service: Service, params: &EndpointParams) -> Result<Endpoint, EndpointError> {
    let (host, fips_host) = match service {
        Service::SsoOidc => ("oidc", "oidc-fips"),
        Service::Sso => ("portal.sso", "portal.sso-fips"),
    };
    if let Some(url) = &params.endpoint {
        if params.use_fips {
            return Err(EndpointError::FipsWithCustomEndpoint);
        }
        if params.use_dual_stack {
            return Err(EndpointError::DualStackWithCustomEndpoint);
        }
        return Endpoint::parse(url);
    }
    let region = params
        .region
        .as_deref()
        .ok_or(EndpointError::MissingRegion)?;
    if !is_dns_label(region) {
        return Err(EndpointError::InvalidRegion(region.to_owned()));
    }
    let p = partitions::partition_for(region);
    let url = match (params.use_fips, params.use_dual_stack) {
        (true, true) => {
            if !(p.supports_fips && p.supports_dual_stack) {
                return Err(EndpointError::FipsAndDualStackUnsupported);
            }
            format!("https://{fips_host}.{region}.{}", p.dual_stack_dns_suffix)
        }
        (true, false) => {
            if !p.supports_fips {
                return Err(EndpointError::FipsUnsupported);
            }
            if p.id == "aws-us-gov" {
                format!("https://{host}.{region}.amazonaws.com")
            } else {
                format!("https://{fips_host}.{region}.{}", p.dns_suffix)
            }
        }
        (false, true) => {
            if !p.supports_dual_stack {
                return Err(EndpointError::DualStackUnsupported);
            }
            format!("https://{host}.{region}.{}", p.dual_stack_dns_suffix)
        }
        (false, false) => format!("https://{host}.{region}.{}", p.dns_suffix),
    };
    Endpoint::parse(&url)
}

/// An AWS service whose endpoint can be configured (the configured-endpoint names come from its
/// service id: `SSO OIDC` → `AWS_ENDPOINT_URL_SSO_OIDC` and `sso_oidc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// AWS SSO OIDC (`oidc.{region}`): registration, device authorization, tokens.
    SsoOidc,
    /// The AWS SSO portal (`portal.sso.{region}`): accounts, roles, role credentials, logout.
    Sso,
}

impl Service {
    /// The service-specific endpoint variable.
    pub fn endpoint_env(self) -> &'static str {
        match self {
            Service::SsoOidc => "AWS_ENDPOINT_URL_SSO_OIDC",
            Service::Sso => "AWS_ENDPOINT_URL_SSO",
        }
    }

    /// The key of the service's sub-section in a `[services NAME]` section.
    pub fn config_key(self) -> &'static str {
        match self {
            Service::SsoOidc => "sso_oidc",
            Service::Sso => "sso",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_base_path_and_drops_trailing_slash() {
        let e = Endpoint::parse("http://127.0.0.1:4566/prefix/").unwrap();
        assert_eq!(e.url(), "http://127.0.0.1:4566/prefix");
        assert_eq!(
            e.uri("/token?aws_iam=t").unwrap().to_string(),
            "http://127.0.0.1:4566/prefix/token?aws_iam=t"
        );
        assert!(e.is_loopback());
        assert!(!e.is_https());
    }

    #[test]
    fn parse_rejects_garbage() {
        for bad in [
            "",
            "ftp://x",
            "https://",
            "https:///x",
            "https://a b",
            "https://x?y=1",
            "https://x/#f",
            "https://u:p@x",
            "https://x:port",
            "oidc.us-east-1.amazonaws.com",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn loopback_detection() {
        for (url, lo) in [
            ("http://localhost:1", true),
            ("http://[::1]:8080", true),
            ("http://127.8.9.10", true),
            ("https://oidc.us-east-1.amazonaws.com", false),
            ("http://10.0.0.1", false),
        ] {
            assert_eq!(Endpoint::parse(url).unwrap().is_loopback(), lo, "{url}");
        }
    }

    #[test]
    fn regions_that_are_not_dns_labels_are_rejected() {
        for bad in [
            "",
            "US-EAST-1",
            "us east 1",
            "-us-east-1",
            "a.b",
            "us-east-1/x",
        ] {
            assert_eq!(
                resolve(&EndpointParams::region(bad)),
                Err(EndpointError::InvalidRegion(bad.to_owned()))
            );
        }
    }
}
