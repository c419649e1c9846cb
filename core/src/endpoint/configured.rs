//! The configured-endpoint precedence of spec 4.4 (botocore `ConfiguredEndpointProvider`), as a
//! pure function: the caller reads the environment and the config file and passes the values in.

/// Endpoint-related values read from the active profile of `~/.aws/config`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigEndpointValues {
    /// `endpoint_url` of the `sso_oidc` sub-section of the `[services NAME]` section that the
    /// profile's `services = NAME` names.
    pub service_endpoint_url: Option<String>,
    /// `endpoint_url` in the profile itself (the global one).
    pub endpoint_url: Option<String>,
    /// `ignore_configured_endpoint_urls` in the profile, already read as a boolean.
    pub ignore_configured_endpoint_urls: Option<bool>,
}

/// Where a configured endpoint came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointSource {
    /// Given to the client in code.
    Explicit,
    /// The `AWS_ENDPOINT_URL_SSO_OIDC` environment variable.
    ServiceEnvironment,
    /// The `AWS_ENDPOINT_URL` environment variable.
    GlobalEnvironment,
    /// `[services NAME]` / `sso_oidc` / `endpoint_url` in the config file.
    ServiceConfig,
    /// `endpoint_url` in the profile.
    GlobalConfig,
}

/// A configured endpoint URL and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredEndpoint {
    /// The URL, unvalidated (pass it to [`super::EndpointParams::endpoint`]).
    pub url: String,
    /// Where it came from, for diagnostics.
    pub source: EndpointSource,
}

/// The environment variable for this service's endpoint (serviceId `SSO OIDC`).
pub const SERVICE_ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL_SSO_OIDC";
/// The global endpoint environment variable.
pub const GLOBAL_ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL";
/// The environment switch that turns steps 2-5 off.
pub const IGNORE_CONFIGURED_ENV: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

/// Picks the endpoint by spec 4.4's precedence: explicit value, `AWS_ENDPOINT_URL_SSO_OIDC`,
/// `AWS_ENDPOINT_URL`, the `services` section, the profile's `endpoint_url`.
///
/// `env` looks an environment variable up (pass a closure over a map, or over `std::env::var`
/// in an adapter). Empty values count as unset. Steps 2-5 are skipped when
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true` (any case), or when that variable is unset
/// and the profile says `ignore_configured_endpoint_urls = true`.
///
/// ```
/// use std::collections::HashMap;
/// use ssooidc_core::endpoint::{configured_endpoint, ConfigEndpointValues, EndpointSource};
/// let env = HashMap::from([("AWS_ENDPOINT_URL".to_string(), "http://127.0.0.1:9".to_string())]);
/// let got = configured_endpoint(None, |k| env.get(k).cloned(), &ConfigEndpointValues::default());
/// assert_eq!(got.unwrap().source, EndpointSource::GlobalEnvironment);
/// ```
pub fn configured_endpoint<E>(
    explicit: Option<&str>,
    env: E,
    config: &ConfigEndpointValues,
) -> Option<ConfiguredEndpoint>
where
    E: Fn(&str) -> Option<String>,
{
    let found = |url: &str, source| {
        (!url.trim().is_empty()).then(|| ConfiguredEndpoint {
            url: url.trim().to_owned(),
            source,
        })
    };
    if let Some(c) = explicit.and_then(|u| found(u, EndpointSource::Explicit)) {
        return Some(c);
    }
    let ignore = match env(IGNORE_CONFIGURED_ENV) {
        Some(v) if !v.trim().is_empty() => v.trim().eq_ignore_ascii_case("true"),
        _ => config.ignore_configured_endpoint_urls.unwrap_or(false),
    };
    if ignore {
        return None;
    }
    env(SERVICE_ENDPOINT_ENV)
        .and_then(|u| found(&u, EndpointSource::ServiceEnvironment))
        .or_else(|| {
            env(GLOBAL_ENDPOINT_ENV).and_then(|u| found(&u, EndpointSource::GlobalEnvironment))
        })
        .or_else(|| {
            config
                .service_endpoint_url
                .as_deref()
                .and_then(|u| found(u, EndpointSource::ServiceConfig))
        })
        .or_else(|| {
            config
                .endpoint_url
                .as_deref()
                .and_then(|u| found(u, EndpointSource::GlobalConfig))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn all_config() -> ConfigEndpointValues {
        ConfigEndpointValues {
            service_endpoint_url: Some("http://svc-config".into()),
            endpoint_url: Some("http://global-config".into()),
            ignore_configured_endpoint_urls: None,
        }
    }

    fn pick(
        explicit: Option<&str>,
        e: &HashMap<String, String>,
        c: &ConfigEndpointValues,
    ) -> Option<(String, EndpointSource)> {
        configured_endpoint(explicit, |k| e.get(k).cloned(), c).map(|c| (c.url, c.source))
    }

    #[test]
    fn precedence_runs_from_explicit_to_profile() {
        let full = env(&[
            (SERVICE_ENDPOINT_ENV, "http://svc-env"),
            (GLOBAL_ENDPOINT_ENV, "http://global-env"),
        ]);
        let c = all_config();
        assert_eq!(
            pick(Some("http://explicit"), &full, &c).unwrap().1,
            EndpointSource::Explicit
        );
        assert_eq!(
            pick(None, &full, &c).unwrap(),
            ("http://svc-env".into(), EndpointSource::ServiceEnvironment)
        );
        let global_only = env(&[(GLOBAL_ENDPOINT_ENV, "http://global-env")]);
        assert_eq!(
            pick(None, &global_only, &c).unwrap().1,
            EndpointSource::GlobalEnvironment
        );
        assert_eq!(
            pick(None, &env(&[]), &c).unwrap(),
            ("http://svc-config".into(), EndpointSource::ServiceConfig)
        );
        let profile_only = ConfigEndpointValues {
            endpoint_url: Some("http://global-config".into()),
            ..Default::default()
        };
        assert_eq!(
            pick(None, &env(&[]), &profile_only).unwrap().1,
            EndpointSource::GlobalConfig
        );
        assert_eq!(
            pick(None, &env(&[]), &ConfigEndpointValues::default()),
            None
        );
    }

    #[test]
    fn ignore_switch_skips_everything_but_explicit() {
        let e = env(&[
            (SERVICE_ENDPOINT_ENV, "http://svc-env"),
            (IGNORE_CONFIGURED_ENV, "TRUE"),
        ]);
        assert_eq!(pick(None, &e, &all_config()), None);
        assert_eq!(
            pick(Some("http://x"), &e, &all_config()).unwrap().1,
            EndpointSource::Explicit
        );
        let mut c = all_config();
        c.ignore_configured_endpoint_urls = Some(true);
        assert_eq!(pick(None, &env(&[]), &c), None);
        // The environment variable, when set, wins over the config key.
        let e = env(&[(IGNORE_CONFIGURED_ENV, "false")]);
        assert_eq!(pick(None, &e, &c).unwrap().1, EndpointSource::ServiceConfig);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let e = env(&[(SERVICE_ENDPOINT_ENV, ""), (GLOBAL_ENDPOINT_ENV, "  ")]);
        assert_eq!(
            pick(Some(""), &e, &all_config()).unwrap().1,
            EndpointSource::ServiceConfig
        );
    }
}
