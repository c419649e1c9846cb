//! [`Config`]: what users of other AWS clients expect to set, and where each value comes from.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use ssooidc_core::config::AwsConfig;
use ssooidc_core::endpoint::{
    configured_endpoint, resolve, ConfigEndpointValues, Endpoint, EndpointError, EndpointParams,
};
use ssooidc_core::Secret;

/// The default connect and whole-request timeout: 60 s, as botocore.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Credentials for the one signed operation (`CreateTokenWithIAM`). The three public operations
/// are always sent unsigned, whatever is set here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// No credentials (the default): signed operations are refused before anything is sent.
    #[default]
    Anonymous,
    /// Static keys.
    Static {
        /// Access key id.
        access_key_id: String,
        /// Secret access key.
        secret_access_key: Secret,
        /// Session token, for temporary credentials.
        session_token: Option<Secret>,
    },
}

impl Credentials {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, when both keys are set.
    pub fn from_env(env: &HashMap<String, String>) -> Option<Self> {
        let get = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
        Some(Credentials::Static {
            access_key_id: get("AWS_ACCESS_KEY_ID")?,
            secret_access_key: Secret::new(get("AWS_SECRET_ACCESS_KEY")?),
            session_token: get("AWS_SESSION_TOKEN").map(Secret::new),
        })
    }

    /// Static keys (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`) of a
    /// config or credentials file section.
    pub fn from_section(section: &ssooidc_core::config::IniSection) -> Option<Self> {
        Some(Credentials::Static {
            access_key_id: section.get("aws_access_key_id")?.to_owned(),
            secret_access_key: Secret::new(section.get("aws_secret_access_key")?),
            session_token: section.get("aws_session_token").map(Secret::new),
        })
    }

    /// The static keys of `[profile]` in `~/.aws/credentials` text; anonymous when the file is
    /// broken or the profile has none.
    pub fn from_credentials_file(text: &str, profile: &str) -> Self {
        ssooidc_core::config::ini::parse(text)
            .ok()
            .and_then(|sections| sections.get(profile).and_then(Self::from_section))
            .unwrap_or_default()
    }

    /// The signing credentials, when there are any.
    pub fn signing(&self) -> Option<ssooidc_core::sigv4::SigningCredentials> {
        match self {
            Credentials::Anonymous => None,
            Credentials::Static {
                access_key_id,
                secret_access_key,
                session_token,
            } => Some(ssooidc_core::sigv4::SigningCredentials {
                access_key_id: access_key_id.clone(),
                secret_access_key: secret_access_key.clone(),
                session_token: session_token.clone(),
            }),
        }
    }
}

/// Which proxy to use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyConfig {
    /// `HTTPS_PROXY` / `https_proxy` / `ALL_PROXY` / `HTTP_PROXY`, honouring `NO_PROXY` (the default).
    #[default]
    FromEnvironment,
    /// No proxy.
    Disabled,
    /// This proxy URL (`http://host:port`, `socks5://host:port`...).
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The region (for token work, the `sso_region`).
    pub region: Option<String>,
    /// An explicit endpoint URL; wins over everything else.
    pub endpoint_url: Option<String>,
    /// Endpoint values from the environment and config file (spec 4.4), used when
    /// `endpoint_url` is unset. Filled by [`Config::from_env`].
    pub configured_endpoint_url: Option<String>,
    /// Use the FIPS endpoint.
    pub use_fips: bool,
    /// Use the dual-stack endpoint.
    pub use_dual_stack: bool,
    /// Connect timeout (TCP, proxy and TLS). `None`: [`DEFAULT_TIMEOUT`].
    pub connect_timeout: Option<Duration>,
    /// Whole-request timeout (connect, send, and the response body). `None`: [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Duration>,
    /// Open a new connection for every request instead of reusing one.
    pub close_connection: bool,
    /// Credentials for the signed operation.
    pub credentials: Credentials,
    /// The profile the configuration was read from, if any.
    pub profile: Option<String>,
    /// Appended to the `User-Agent` header.
    pub user_agent_suffix: Option<String>,
    /// Proxy selection.
    pub proxy: ProxyConfig,
    /// A PEM bundle of root certificates to trust instead of the built-in ones (`AWS_CA_BUNDLE`).
    pub ca_bundle: Option<PathBuf>,
    /// Allow a plain `http://` endpoint on a non-loopback host. Loopback is always allowed.
    pub allow_insecure_http: bool,
}

/// An unusable configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The endpoint could not be resolved.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// A plain-HTTP endpoint on a host other than loopback, without the opt-in.
    #[error("refusing plain http:// endpoint {0}: tokens would travel unencrypted (use https, a loopback host, or allow_insecure_http)")]
    InsecureEndpoint(String),
    /// The CA bundle could not be read or holds no certificate.
    #[error("CA bundle {path}: {why}")]
    CaBundle {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        why: String,
    },
    /// The proxy URL is not valid.
    #[error("invalid proxy URL: {0}")]
    Proxy(String),
    /// The signed operation was called without credentials.
    #[error("unable to locate credentials for CreateTokenWithIAM (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile with static keys)")]
    NoCredentials,
    /// The signed operation needs a region to sign for.
    #[error("CreateTokenWithIAM needs a region to sign the request for")]
    NoSigningRegion,
    /// The AWS config file could not be read.
    #[error("{path}: {source}")]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: ssooidc_core::config::ConfigError,
    },
}

impl Config {
    /// A configuration for `region` with every other setting at its default.
    pub fn new(region: impl Into<String>) -> Self {
        Config {
            region: Some(region.into()),
            ..Self::default()
        }
    }

    /// Reads the settings that AWS tools take from the environment and `~/.aws/config`:
    /// `AWS_REGION` (then `AWS_DEFAULT_REGION`, then the profile's `region`), `AWS_PROFILE`, the configured endpoint
    /// precedence of spec 4.4 (`AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL`, the profile's
    /// `services` section and `endpoint_url`, `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`),
    /// `AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT` and `AWS_CA_BUNDLE`. A missing
    /// config file is fine; a broken one is an error.
    pub fn from_env() -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let config_path = crate::paths::config_file(&env);
        let text = match config_path.as_ref().map(std::fs::read_to_string) {
            Some(Ok(text)) => Some(text),
            _ => None,
        };
        let aws_config = match text {
            Some(text) => AwsConfig::parse(&text).map_err(|source| ConfigError::ConfigFile {
                path: config_path.clone().unwrap_or_default(),
                source,
            })?,
            None => AwsConfig::default(),
        };
        let mut config = Self::from_sources(&env, &aws_config);
        if config.credentials == Credentials::Anonymous {
            let path = env
                .get("AWS_SHARED_CREDENTIALS_FILE")
                .filter(|v| !v.is_empty())
                .map(|p| crate::paths::expand_tilde(p, &env))
                .or_else(|| {
                    crate::paths::home_dir(&env).map(|h| h.join(".aws").join("credentials"))
                });
            if let Some(text) = path.and_then(|p| std::fs::read_to_string(p).ok()) {
                let profile = config
                    .profile
                    .clone()
                    .unwrap_or_else(|| "default".to_owned());
                config.credentials = Credentials::from_credentials_file(&text, &profile);
            }
        }
        Ok(config)
    }

    /// [`Config::from_env`] over an explicit environment map and parsed config file.
    pub fn from_sources(env: &HashMap<String, String>, aws_config: &AwsConfig) -> Self {
        let get = |k: &str| env.get(k).filter(|v| !v.trim().is_empty()).cloned();
        let profile = get("AWS_PROFILE").unwrap_or_else(|| "default".to_owned());
        let values: ConfigEndpointValues = aws_config.endpoint_values(&profile);
        let profile_section = aws_config.profiles.get(&profile);
        let flag = |env_key: &str, config_key: &str| {
            get(env_key)
                .or_else(|| {
                    profile_section
                        .and_then(|p| p.get(config_key))
                        .map(str::to_owned)
                })
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        };
        Config {
            region: get("AWS_REGION")
                .or_else(|| get("AWS_DEFAULT_REGION"))
                .or_else(|| {
                    profile_section
                        .and_then(|p| p.get("region"))
                        .map(str::to_owned)
                }),
            configured_endpoint_url: configured_endpoint(None, get, &values).map(|c| c.url),
            use_fips: flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
            use_dual_stack: flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"),
            ca_bundle: get("AWS_CA_BUNDLE")
                .or_else(|| {
                    profile_section
                        .and_then(|p| p.get("ca_bundle"))
                        .map(str::to_owned)
                })
                .map(PathBuf::from),
            credentials: Credentials::from_env(env)
                .or_else(|| profile_section.and_then(Credentials::from_section))
                .unwrap_or_default(),
            profile: Some(profile),
            ..Self::default()
        }
    }

    /// Sets the region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets an explicit endpoint URL.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Sets both the connect and the whole-request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self.connect_timeout = Some(timeout);
        self
    }

    /// Turns connection reuse off.
    pub fn close_connection(mut self, close: bool) -> Self {
        self.close_connection = close;
        self
    }

    /// Sets the credentials for the signed operation.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
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
        self.ca_bundle = Some(path.into());
        self
    }

    /// Allows plain `http://` on non-loopback hosts.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The endpoint these settings resolve to: the explicit URL, else the configured one, else
    /// the region's (spec 4). Plain HTTP is refused unless loopback or allowed.
    pub fn resolve_endpoint(&self) -> Result<Endpoint, ConfigError> {
        let endpoint = resolve(&EndpointParams {
            region: self.region.clone(),
            use_fips: self.use_fips,
            use_dual_stack: self.use_dual_stack,
            endpoint: self
                .endpoint_url
                .clone()
                .or_else(|| self.configured_endpoint_url.clone()),
        })?;
        if !endpoint.is_https() && !endpoint.is_loopback() && !self.allow_insecure_http {
            return Err(ConfigError::InsecureEndpoint(endpoint.url()));
        }
        Ok(endpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn environment_and_config_feed_the_endpoint() {
        let aws = AwsConfig::parse("[profile dev]\nservices = s\nuse_fips_endpoint = false\n[services s]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:4566\n").unwrap();
        let c = Config::from_sources(
            &env(&[("AWS_PROFILE", "dev"), ("AWS_REGION", "us-west-2")]),
            &aws,
        );
        assert_eq!(c.region.as_deref(), Some("us-west-2"));
        assert_eq!(c.resolve_endpoint().unwrap().url(), "http://127.0.0.1:4566");
        let c = Config::from_sources(
            &env(&[
                ("AWS_PROFILE", "dev"),
                ("AWS_ENDPOINT_URL_SSO_OIDC", "http://localhost:1"),
            ]),
            &aws,
        );
        assert_eq!(c.resolve_endpoint().unwrap().url(), "http://localhost:1");
        let c = Config::from_sources(
            &env(&[
                ("AWS_REGION", "us-east-1"),
                ("AWS_USE_FIPS_ENDPOINT", "true"),
            ]),
            &aws,
        );
        assert_eq!(
            c.resolve_endpoint().unwrap().url(),
            "https://oidc-fips.us-east-1.amazonaws.com"
        );
    }

    #[test]
    fn explicit_endpoint_wins() {
        let mut c = Config::new("us-east-1").endpoint_url("http://127.0.0.1:9");
        c.configured_endpoint_url = Some("http://127.0.0.1:8".into());
        assert_eq!(c.resolve_endpoint().unwrap().url(), "http://127.0.0.1:9");
    }

    #[test]
    fn plain_http_needs_loopback_or_opt_in() {
        let c = Config::new("us-east-1").endpoint_url("http://oidc.example.com");
        assert!(matches!(
            c.resolve_endpoint(),
            Err(ConfigError::InsecureEndpoint(_))
        ));
        assert!(c
            .clone()
            .allow_insecure_http(true)
            .resolve_endpoint()
            .is_ok());
        assert!(Config::new("us-east-1")
            .endpoint_url("http://[::1]:80")
            .resolve_endpoint()
            .is_ok());
    }

    #[test]
    fn credentials_come_from_env_then_files() {
        let c = Config::from_sources(
            &env(&[
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SECRET_ACCESS_KEY", "S"),
                ("AWS_SESSION_TOKEN", "T"),
            ]),
            &AwsConfig::default(),
        );
        let signing = c.credentials.signing().unwrap();
        assert_eq!(signing.access_key_id, "AKID");
        assert_eq!(signing.session_token.unwrap().expose(), "T");
        let file = "[default]\naws_access_key_id = A1\naws_secret_access_key = S1\n[other]\naws_access_key_id = A2\naws_secret_access_key = S2\n";
        assert_eq!(
            Credentials::from_credentials_file(file, "other")
                .signing()
                .unwrap()
                .access_key_id,
            "A2"
        );
        assert_eq!(
            Credentials::from_credentials_file(file, "missing"),
            Credentials::Anonymous
        );
        assert_eq!(
            Credentials::from_credentials_file("garbage", "default"),
            Credentials::Anonymous
        );
    }

    #[test]
    fn credentials_are_redacted_in_debug() {
        let c = Config::new("us-east-1").credentials(Credentials::Static {
            access_key_id: "AKID".into(),
            secret_access_key: Secret::new("SECRETKEY"),
            session_token: Some(Secret::new("SESSIONTOKEN")),
        });
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("SECRETKEY") && !shown.contains("SESSIONTOKEN"),
            "{shown}"
        );
    }
}
