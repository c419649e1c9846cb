//! [`Config`]: what a [`Client`](crate::Client) is built from. The AWS settings (region,
//! endpoint, FIPS, dual-stack, CA bundle, retries, timeouts, credentials) are the core's
//! resolved [`Settings`]; this crate adds what only a transport has (proxy, connection reuse,
//! the user agent).

use std::path::PathBuf;
use std::time::Duration;

use ssooidc_core::config::ConfigError;
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::retry::RetryConfig;
use ssooidc_core::settings::{CredentialSource, Explicit, Setting, Settings, Source, StaticKeys};

use crate::credentials::DEFAULT_CREDENTIAL_PROCESS_TIMEOUT;
use crate::environment::Environment;

/// Which proxy to use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyConfig {
    /// The environment's, as botocore picks it (the default): `HTTPS_PROXY` / `https_proxy`
    /// for `https://` URLs, `HTTP_PROXY` / `http_proxy` for `http://` ones, honouring
    /// `NO_PROXY` (see [`ssooidc_core::proxy`]). Read when the client is built.
    #[default]
    FromEnvironment,
    /// No proxy.
    Disabled,
    /// This proxy for every request (`http://host:port` or `https://host:port`, with
    /// `user:password@` if it needs them); `NO_PROXY` is not read.
    Url(String),
}

/// Configuration of a [`Client`](crate::Client).
///
/// ```
/// use std::time::Duration;
/// use ssooidc_ureq::Config;
/// let config = Config::new("eu-west-1").timeout(Duration::from_secs(10)).close_connection(true);
/// assert_eq!(config.resolve_endpoint().unwrap().url(), "https://oidc.eu-west-1.amazonaws.com");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The resolved AWS settings.
    pub settings: Settings,
    /// Open a new connection for every request instead of reusing one.
    pub close_connection: bool,
    /// Proxy selection.
    pub proxy: ProxyConfig,
    /// Appended to the `User-Agent` header.
    pub user_agent_suffix: Option<String>,
    /// How long a `credential_process` may run before it is stopped.
    pub credential_process_timeout: Duration,
}

impl Default for Config {
    /// Every setting at its default: no region, no endpoint, no credentials (nothing read from
    /// the environment).
    fn default() -> Self {
        Config::from_settings(Settings::default())
    }
}

impl Config {
    /// A configuration for `region` with every other setting at its default (nothing read from
    /// the environment).
    pub fn new(region: impl Into<String>) -> Self {
        Config::default().region(region)
    }

    /// The settings the AWS CLI would use in this process: the environment, `~/.aws/config`
    /// and `~/.aws/credentials`, with no explicit values.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_explicit(&Explicit::default())
    }

    /// [`from_env`](Self::from_env) with `explicit` values (a profile, a region...) over it.
    pub fn from_explicit(explicit: &Explicit) -> Result<Self, ConfigError> {
        Ok(Self::from_settings(
            Environment::load()?.settings(explicit)?,
        ))
    }

    /// A configuration with these resolved settings and the adapter's defaults.
    pub fn from_settings(settings: Settings) -> Self {
        Config {
            settings,
            close_connection: false,
            proxy: ProxyConfig::default(),
            user_agent_suffix: None,
            credential_process_timeout: DEFAULT_CREDENTIAL_PROCESS_TIMEOUT,
        }
    }

    /// Sets the region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.settings.region = Some(Setting::new(region.into(), Source::Explicit));
        self
    }

    /// Sets an explicit endpoint URL, for SSO OIDC and the SSO portal alike (as an explicit
    /// endpoint, `--endpoint-url`, is for every service in the settings resolver).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        let url = Setting::new(url.into(), Source::Explicit);
        self.settings.portal_endpoint_url = Some(url.clone());
        self.settings.endpoint_url = Some(url);
        self
    }

    /// Sets both the connect and the whole-request timeout (zero, or more than
    /// [`MAX_TIMEOUT`](ssooidc_core::settings::MAX_TIMEOUT): no limit).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        let limit = ssooidc_core::settings::timeout_limit(timeout);
        self.settings.connect_timeout = Setting::new(limit, Source::Explicit);
        self.settings.read_timeout = Setting::new(limit, Source::Explicit);
        self
    }

    /// Turns connection reuse off.
    pub fn close_connection(mut self, close: bool) -> Self {
        self.close_connection = close;
        self
    }

    /// Sets static credentials for the signed operation.
    pub fn credentials(mut self, keys: StaticKeys) -> Self {
        self.settings.credentials = Ok(CredentialSource::Explicit(keys));
        self
    }

    /// Sets the retry mode and attempts.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.settings.retry_mode = Setting::new(retry.mode, Source::Explicit);
        self.settings.max_attempts = Setting::new(retry.max_attempts, Source::Explicit);
        self
    }

    /// Appends `suffix` to the `User-Agent`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sets the proxy.
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = proxy;
        self
    }

    /// Trusts the certificates in this PEM file instead of the built-in roots.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.settings.ca_bundle = Some(Setting::new(path.into(), Source::Explicit));
        self
    }

    /// Sets how long a `credential_process` may run.
    pub fn credential_process_timeout(mut self, timeout: Duration) -> Self {
        self.credential_process_timeout = timeout;
        self
    }

    /// Allows plain `http://` on hosts that are not loopback addresses.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.settings.allow_insecure_http = allow;
        self
    }

    /// The endpoint these settings resolve to: the configured URL, else the region's.
    pub fn resolve_endpoint(&self) -> Result<Endpoint, ConfigError> {
        self.settings
            .resolve_endpoint(&self.settings.endpoint_params())
    }

    /// The endpoint for `region` (an sso-session's `sso_region`), with these settings' FIPS,
    /// dual-stack and configured endpoint.
    pub fn resolve_endpoint_for_region(&self, region: &str) -> Result<Endpoint, ConfigError> {
        self.settings
            .resolve_endpoint(&self.settings.endpoint_params_for_region(region))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssooidc_core::Secret;

    #[test]
    fn explicit_endpoint_wins_and_plain_http_needs_loopback() {
        let c = Config::new("us-east-1").endpoint_url("http://127.0.0.1:9");
        assert_eq!(c.resolve_endpoint().unwrap().url(), "http://127.0.0.1:9");
        let c = Config::new("us-east-1").endpoint_url("http://oidc.example.com");
        assert!(matches!(
            c.resolve_endpoint(),
            Err(ConfigError::InsecureEndpoint(_))
        ));
        assert!(c.allow_insecure_http(true).resolve_endpoint().is_ok());
        assert!(Config::new("us-east-1")
            .endpoint_url("http://[::1]:80")
            .resolve_endpoint()
            .is_ok());
        assert_eq!(
            Config::default().resolve_endpoint(),
            Err(ConfigError::NoRegion)
        );
    }

    #[test]
    fn credentials_are_redacted_in_debug() {
        let c = Config::new("us-east-1").credentials(
            StaticKeys::new("AKID", Secret::new("SECRETKEY")).with_session_token("SESSIONTOKEN"),
        );
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("SECRETKEY") && !shown.contains("SESSIONTOKEN"),
            "{shown}"
        );
        assert!(shown.contains("AKID"));
    }
}
