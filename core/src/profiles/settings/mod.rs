//! Settings resolution: which profile, region, endpoint, credentials, retry settings and
//! timeouts apply, answered once, by one pure function, the way the AWS CLI v2 answers it.
//!
//! The adapters read the environment and the files ([`FileLocations`] says which) and hand them
//! over; [`resolve`] does the rest and says, for each setting, where its value came from
//! ([`Source`]). Nothing else in the project looks at `AWS_*` variables.
//!
//! | setting | precedence, highest first |
//! |---|---|
//! | profile | [`Explicit::profile`] (`--profile`), `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`. A profile named explicitly or by the environment must exist (in the config or the credentials file). |
//! | region | [`Explicit::region`], `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`. Logins and refreshes use the sso-session's `sso_region` instead. |
//! | endpoint | [`Explicit::endpoint_url`], then, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (or the profile's `ignore_configured_endpoint_urls`) is true: `AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL`, `endpoint_url` of `sso_oidc` in the profile's `[services NAME]` section, the profile's `endpoint_url`; else the region's endpoint |
//! | FIPS / dual-stack | `AWS_USE_FIPS_ENDPOINT` / `AWS_USE_DUALSTACK_ENDPOINT`, the profile's `use_fips_endpoint` / `use_dualstack_endpoint`, `false` |
//! | CA bundle | [`Explicit::ca_bundle`] (`--ca-bundle`), `AWS_CA_BUNDLE`, the profile's `ca_bundle` |
//! | retry mode | [`Explicit::retry_mode`], `AWS_RETRY_MODE`, the profile's `retry_mode`, `standard` |
//! | max attempts | [`Explicit::max_attempts`], `AWS_MAX_ATTEMPTS`, the profile's `max_attempts`, 3 |
//! | timeouts | [`Explicit::connect_timeout`] / [`Explicit::read_timeout`] (`--cli-connect-timeout`, `--cli-read-timeout`), 60 s |
//! | credentials | [`Explicit::credentials`]; `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), unless the profile was given explicitly; then the profile: `role_arn`, `web_identity_token_file` and `sso_account_id`/`sso_role_name` are refused by name; the credentials file's keys; `credential_process`; the config file's keys; none |
//!
//! A profile's keys are read from its config-file section overlaid with its credentials-file
//! section (a key in both counts from the credentials file), as botocore merges them. Empty
//! values count as unset.

mod credentials;
mod files;
mod resolve;
mod source;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

pub use crate::formats::credentials::{
    child_environment, next_profile_chain, parse_process_output, ExportError, ExportFormat,
    Handoff, ProcessCredentials, ProcessOutputError, ProfileChainError, StaticKeys,
    CONFLICTING_VARIABLES, MAX_PROCESS_OUTPUT_BYTES, MAX_PROFILE_CHAIN, PROFILE_CHAIN_VARIABLE,
    PROFILE_VARIABLE,
};
pub use credentials::CredentialSource;
pub use files::{
    expand_tilde, expand_vars, FileLocations, HomeRules, CONFIG_FILE_ENV, CREDENTIALS_FILE_ENV,
};
pub use resolve::resolve;
pub use source::{Setting, Source};

use crate::config::{ini, AwsConfig, ConfigError, IniSection};
pub use crate::endpoint::Service;
use crate::endpoint::{Endpoint, EndpointParams};
use crate::retry::{RetryConfig, RetryMode};

/// The connect and read timeout when none is given: 60 s, as the AWS CLI.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Timeouts longer than this (a year) mean "no limit", like 0: no clock can overflow on them.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

/// What a user-given timeout means: `None` (no limit) for 0 and for anything over
/// [`MAX_TIMEOUT`], which no clock could add to `now` without overflowing; the timeout itself
/// otherwise. Every timeout that reaches a transport goes through it.
///
/// ```
/// use std::time::Duration;
/// use ssooidc_core::settings::timeout_limit;
/// assert_eq!(timeout_limit(Duration::from_secs(30)), Some(Duration::from_secs(30)));
/// assert_eq!(timeout_limit(Duration::ZERO), None);
/// assert_eq!(timeout_limit(Duration::from_secs(u64::MAX)), None);
/// ```
pub fn timeout_limit(timeout: Duration) -> Option<Duration> {
    (!timeout.is_zero() && timeout <= MAX_TIMEOUT).then_some(timeout)
}

/// A trimmed, non-empty environment value.
pub(crate) fn env_value<'a>(env: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    env.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Values given explicitly (command-line options, or code). They win over everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Explicit {
    /// `--profile`.
    pub profile: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--ca-bundle`.
    pub ca_bundle: Option<String>,
    /// `--cli-connect-timeout`: 0 (or more than [`MAX_TIMEOUT`]) is no limit.
    pub connect_timeout: Option<Duration>,
    /// `--cli-read-timeout`: 0 (or more than [`MAX_TIMEOUT`]) is no limit.
    pub read_timeout: Option<Duration>,
    /// The retry mode.
    pub retry_mode: Option<RetryMode>,
    /// Attempts per call.
    pub max_attempts: Option<u32>,
    /// Static credentials given in code.
    pub credentials: Option<StaticKeys>,
    /// Allow a plain `http://` endpoint on a host that is not a loopback address.
    pub allow_insecure_http: bool,
}

impl Explicit {
    /// Sets the profile.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Sets the region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets the endpoint URL.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Sets both timeouts.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self.read_timeout = Some(timeout);
        self
    }

    /// Sets the credentials.
    pub fn credentials(mut self, keys: StaticKeys) -> Self {
        self.credentials = Some(keys);
        self
    }
}

/// The parsed shared credentials file: `[name]` sections (no `profile ` prefix).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialsFile {
    /// Sections by profile name.
    pub profiles: BTreeMap<String, IniSection>,
}

impl CredentialsFile {
    /// Parses credentials-file text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        Ok(CredentialsFile {
            profiles: ini::parse(text)?,
        })
    }
}

/// What [`resolve`] reads: explicit values, the environment, the parsed files, and where the
/// files were (for messages).
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Explicit values.
    pub explicit: &'a Explicit,
    /// The environment.
    pub env: &'a HashMap<String, String>,
    /// The parsed config file (empty when there is none).
    pub config: &'a AwsConfig,
    /// The parsed credentials file (empty when there is none).
    pub credentials: &'a CredentialsFile,
}

/// Every resolved setting, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// The profile.
    pub profile: Setting<String>,
    /// The region, when one is configured.
    pub region: Option<Setting<String>>,
    /// The configured endpoint URL of SSO OIDC, when one is; otherwise the region's endpoint
    /// is used.
    pub endpoint_url: Option<Setting<String>>,
    /// The configured endpoint URL of the SSO portal (service key `sso`:
    /// `AWS_ENDPOINT_URL_SSO`, `sso` in the `[services]` section), when one is.
    pub portal_endpoint_url: Option<Setting<String>>,
    /// The configured endpoint URL of the AWS sign-in service, whose federation endpoint
    /// (`/federation`) `ssooidc console` uses (`AWS_ENDPOINT_URL_SIGNIN`, `signin` in the
    /// `[services]` section, or the global ones), when one is; otherwise the partition's.
    pub signin_endpoint_url: Option<Setting<String>>,
    /// Use the FIPS endpoint.
    pub use_fips: Setting<bool>,
    /// Use the dual-stack endpoint.
    pub use_dual_stack: Setting<bool>,
    /// A PEM bundle of certificates to trust instead of the built-in roots.
    pub ca_bundle: Option<Setting<PathBuf>>,
    /// The retry mode.
    pub retry_mode: Setting<RetryMode>,
    /// Attempts per call.
    pub max_attempts: Setting<u32>,
    /// The connect timeout; `None` is no limit.
    pub connect_timeout: Setting<Option<Duration>>,
    /// The read timeout (the whole request); `None` is no limit.
    pub read_timeout: Setting<Option<Duration>>,
    /// Whether a plain `http://` endpoint on a non-loopback host is allowed.
    pub allow_insecure_http: bool,
    /// Where signing credentials come from, or why they cannot be had. Only the signed
    /// operation needs them, so a problem here is not an error of the whole resolution.
    pub credentials: Result<CredentialSource, ConfigError>,
}

impl Default for Settings {
    /// Every setting at its default, as if nothing were configured anywhere: the `default`
    /// profile, no region, no endpoint, standard retries with 3 attempts, 60 s timeouts, no
    /// credentials.
    fn default() -> Self {
        Settings {
            profile: Setting::default_value("default".to_owned()),
            region: None,
            endpoint_url: None,
            portal_endpoint_url: None,
            signin_endpoint_url: None,
            use_fips: Setting::default_value(false),
            use_dual_stack: Setting::default_value(false),
            ca_bundle: None,
            retry_mode: Setting::default_value(RetryMode::Standard),
            max_attempts: Setting::default_value(crate::retry::DEFAULT_MAX_ATTEMPTS),
            connect_timeout: Setting::default_value(Some(DEFAULT_TIMEOUT)),
            read_timeout: Setting::default_value(Some(DEFAULT_TIMEOUT)),
            allow_insecure_http: false,
            credentials: Ok(CredentialSource::None),
        }
    }
}

impl Settings {
    /// The region, or [`ConfigError::NoRegion`].
    pub fn region(&self) -> Result<&str, ConfigError> {
        self.region
            .as_ref()
            .map(|r| r.value.as_str())
            .ok_or(ConfigError::NoRegion)
    }

    /// The endpoint rule set's inputs for the configured region. With a configured endpoint
    /// URL, FIPS and dual-stack are left off: the AWS CLI then uses the URL as it is and ignores
    /// both flags (the rule set alone would refuse the combination).
    pub fn endpoint_params(&self) -> EndpointParams {
        self.params(
            self.endpoint_url.as_ref(),
            self.region.as_ref().map(|r| r.value.clone()),
        )
    }

    /// The endpoint for `region` (an sso-session's `sso_region`) with these settings' FIPS,
    /// dual-stack and configured endpoint.
    pub fn endpoint_params_for_region(&self, region: &str) -> EndpointParams {
        self.params(self.endpoint_url.as_ref(), Some(region.to_owned()))
    }

    /// The SSO portal's endpoint for `region` (an sso-session's `sso_region`, as for the OIDC
    /// endpoint): the configured portal URL ([`portal_endpoint_url`](Self::portal_endpoint_url)),
    /// else the portal's rule set with these settings' FIPS and dual-stack.
    pub fn portal_endpoint_params_for_region(&self, region: &str) -> EndpointParams {
        self.params(self.portal_endpoint_url.as_ref(), Some(region.to_owned()))
    }

    fn params(
        &self,
        configured: Option<&Setting<String>>,
        region: Option<String>,
    ) -> EndpointParams {
        let endpoint = configured.map(|e| e.value.clone());
        EndpointParams {
            region,
            use_fips: self.use_fips.value && endpoint.is_none(),
            use_dual_stack: self.use_dual_stack.value && endpoint.is_none(),
            endpoint,
        }
    }

    /// Resolves `params` to an SSO OIDC endpoint: [`resolve_service_endpoint`](Self::resolve_service_endpoint)
    /// with [`Service::SsoOidc`].
    pub fn resolve_endpoint(&self, params: &EndpointParams) -> Result<Endpoint, ConfigError> {
        self.resolve_service_endpoint(Service::SsoOidc, params)
    }

    /// Resolves `params` to an endpoint of `service`, refusing plain HTTP to a host that is not
    /// a loopback address unless [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn resolve_service_endpoint(
        &self,
        service: Service,
        params: &EndpointParams,
    ) -> Result<Endpoint, ConfigError> {
        resolve_checked(service, params, self.allow_insecure_http)
    }

    /// The endpoint of `service` for `region` by these settings, not resolved yet: resolving it
    /// ([`EndpointTarget::resolve`]) gives what
    /// [`resolve_service_endpoint`](Self::resolve_service_endpoint) gives, when (and only if) a
    /// request is to be made. Taking it is cheap: a cache hit resolves nothing.
    pub fn endpoint_target(&self, service: Service, region: &str) -> EndpointTarget {
        let params = match service {
            Service::Sso => self.portal_endpoint_params_for_region(region),
            _ => self.endpoint_params_for_region(region),
        };
        EndpointTarget::Deferred {
            service,
            params,
            allow_insecure_http: self.allow_insecure_http,
        }
    }

    /// The SSO portal's endpoint for `region`, checked as [`resolve_service_endpoint`](Self::resolve_service_endpoint) checks it.
    pub fn resolve_portal_endpoint(&self, region: &str) -> Result<Endpoint, ConfigError> {
        self.resolve_service_endpoint(
            Service::Sso,
            &self.portal_endpoint_params_for_region(region),
        )
    }

    /// The configured endpoint of the AWS sign-in service, when one is
    /// ([`signin_endpoint_url`](Self::signin_endpoint_url)), checked as
    /// [`resolve_service_endpoint`](Self::resolve_service_endpoint) checks an endpoint: `https`,
    /// or `http` to a loopback address unless [`allow_insecure_http`](Self::allow_insecure_http).
    /// Its federation endpoint is its URL followed by
    /// [`FEDERATION_PATH`](crate::federation::FEDERATION_PATH); without one, the partition's
    /// ([`Console::federation_url`](crate::federation::Console::federation_url)).
    pub fn signin_endpoint(&self) -> Option<Result<Endpoint, ConfigError>> {
        let url = self.signin_endpoint_url.as_ref()?;
        Some(
            Endpoint::parse(&url.value)
                .map_err(ConfigError::Endpoint)
                .and_then(|endpoint| {
                    if !endpoint.is_https() && !endpoint.is_loopback() && !self.allow_insecure_http
                    {
                        Err(ConfigError::InsecureEndpoint(endpoint.url()))
                    } else {
                        Ok(endpoint)
                    }
                }),
        )
    }

    /// The retry settings.
    pub fn retry_config(&self) -> RetryConfig {
        RetryConfig::new(self.retry_mode.value, self.max_attempts.value)
    }
}

/// `params` resolved to an endpoint of `service`, plain HTTP to a host that is not a loopback
/// address refused unless `allow_insecure_http`.
fn resolve_checked(
    service: Service,
    params: &EndpointParams,
    allow_insecure_http: bool,
) -> Result<Endpoint, ConfigError> {
    let endpoint = crate::endpoint::resolve_for(service, params).map_err(|e| match e {
        crate::endpoint::EndpointError::MissingRegion => ConfigError::NoRegion,
        other => ConfigError::Endpoint(other),
    })?;
    if !endpoint.is_https() && !endpoint.is_loopback() && !allow_insecure_http {
        return Err(ConfigError::InsecureEndpoint(endpoint.url()));
    }
    Ok(endpoint)
}

/// Where a machine's requests go: an endpoint already resolved, or the settings to resolve one
/// by ([`Settings::endpoint_target`]) when a request is about to be made, so that a machine that
/// ends without a request (a cache hit) costs no resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointTarget {
    /// This endpoint.
    Resolved(Endpoint),
    /// The endpoint of `service` by `params`, checked as the settings check it.
    Deferred {
        /// The service.
        service: Service,
        /// The rule set's inputs.
        params: EndpointParams,
        /// Whether plain HTTP to a host that is not a loopback address is allowed.
        allow_insecure_http: bool,
    },
}

impl EndpointTarget {
    /// The endpoint.
    pub fn resolve(&self) -> Result<Endpoint, ConfigError> {
        match self {
            EndpointTarget::Resolved(endpoint) => Ok(endpoint.clone()),
            EndpointTarget::Deferred {
                service,
                params,
                allow_insecure_http,
            } => resolve_checked(*service, params, *allow_insecure_http),
        }
    }
}

impl From<Endpoint> for EndpointTarget {
    fn from(endpoint: Endpoint) -> Self {
        EndpointTarget::Resolved(endpoint)
    }
}
