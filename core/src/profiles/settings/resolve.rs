//! [`resolve`]: the one function that turns explicit values, the environment and the parsed
//! files into [`Settings`].

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::{
    env_value, CredentialSource, Explicit, Inputs, Service, Setting, Settings, Source, StaticKeys,
    DEFAULT_TIMEOUT,
};
use crate::config::{ConfigError, IniSection, IniValue};
use crate::retry::{RetryMode, DEFAULT_MAX_ATTEMPTS};
use crate::Secret;

/// The profile's keys: its config-file section overlaid with its credentials-file section.
struct Profile<'a> {
    name: &'a str,
    config: Option<&'a IniSection>,
    credentials: Option<&'a IniSection>,
}

impl<'a> Profile<'a> {
    /// A key of the profile and which file it came from (the credentials file wins, as in
    /// botocore's merged view).
    fn get(&self, key: &'static str) -> Option<(&'a str, Source)> {
        let trimmed = |v: &'a str| Some(v.trim()).filter(|v| !v.is_empty());
        if let Some(v) = self.credentials.and_then(|s| s.get(key)).and_then(trimmed) {
            return Some((v, Source::CredentialsFile { key }));
        }
        self.config
            .and_then(|s| s.get(key))
            .and_then(trimmed)
            .map(|v| (v, Source::ConfigFile { key }))
    }

    fn has(&self, key: &'static str) -> bool {
        self.get(key).is_some()
    }
}

/// Resolves every setting. See the [module docs](super) for the precedence of each.
///
/// Errors: a profile named explicitly or by `AWS_PROFILE`/`AWS_DEFAULT_PROFILE` that is in
/// neither file, a profile whose `services` section does not exist, and values that cannot be
/// used (`retry_mode`, `max_attempts`). A missing region or missing credentials are not errors
/// here: [`Settings::region`] and [`Settings::credentials`] report them to the operation that
/// needs them.
///
/// ```
/// use std::collections::HashMap;
/// use ssooidc_core::config::AwsConfig;
/// use ssooidc_core::settings::{resolve, CredentialsFile, Explicit, Inputs, Source};
///
/// let config = AwsConfig::parse("[profile dev]\nregion = eu-west-1\n").unwrap();
/// let env = HashMap::from([("AWS_PROFILE".to_string(), "dev".to_string())]);
/// let settings = resolve(&Inputs {
///     explicit: &Explicit::default(),
///     env: &env,
///     config: &config,
///     credentials: &CredentialsFile::default(),
/// })
/// .unwrap();
/// assert_eq!(settings.profile.source, Source::Environment("AWS_PROFILE"));
/// let region = settings.region.unwrap();
/// assert_eq!((region.value.as_str(), region.source), ("eu-west-1", Source::ConfigFile { key: "region" }));
/// ```
pub fn resolve(inputs: &Inputs<'_>) -> Result<Settings, ConfigError> {
    let Inputs {
        explicit,
        env,
        config,
        credentials,
    } = *inputs;
    let profile = pick_profile(explicit, env);
    let view = Profile {
        name: &profile.value,
        config: config.profiles.get(&profile.value),
        credentials: credentials.profiles.get(&profile.value),
    };
    if profile.source != Source::Default && view.config.is_none() && view.credentials.is_none() {
        return Err(ConfigError::ProfileNotFound(profile.value.clone()));
    }
    let env_or_profile = |var: &'static str, key: &'static str| {
        env_value(env, var)
            .map(|v| Setting::new(v.to_owned(), Source::Environment(var)))
            .or_else(|| view.get(key).map(|(v, s)| Setting::new(v.to_owned(), s)))
    };
    let flag = |var: &'static str, key: &'static str| {
        env_or_profile(var, key)
            .map(|s| Setting::new(s.value.eq_ignore_ascii_case("true"), s.source))
            .unwrap_or(Setting::default_value(false))
    };

    let region = explicit_value(&explicit.region)
        .or_else(|| {
            env_value(env, "AWS_REGION")
                .map(|v| Setting::new(v.to_owned(), Source::Environment("AWS_REGION")))
        })
        .or_else(|| env_or_profile("AWS_DEFAULT_REGION", "region"));

    let ignore_configured = flag(
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
    )
    .value;
    let endpoint_for =
        |(env_var, key): (&'static str, &str)| match explicit_value(&explicit.endpoint_url) {
            Some(url) => Ok(Some(url)),
            None if ignore_configured => Ok(None),
            None => configured_endpoint(env, config, &view, env_var, key),
        };
    let service = |s: Service| (s.endpoint_env(), s.config_key());
    let endpoint_url = endpoint_for(service(Service::SsoOidc))?;
    let portal_endpoint_url = endpoint_for(service(Service::Sso))?;
    let signin_endpoint_url = endpoint_for(SIGNIN_ENDPOINT)?;

    let ca_bundle = explicit_value(&explicit.ca_bundle)
        .or_else(|| env_or_profile("AWS_CA_BUNDLE", "ca_bundle"))
        .map(|s| Setting::new(PathBuf::from(s.value), s.source));

    let retry_mode = match explicit.retry_mode {
        Some(mode) => Setting::new(mode, Source::Explicit),
        None => match env_or_profile("AWS_RETRY_MODE", "retry_mode") {
            Some(s) => Setting::new(
                RetryMode::from_str(&s.value)
                    .map_err(|_| invalid(&s, &view, "standard, legacy or adaptive"))?,
                s.source,
            ),
            None => Setting::default_value(RetryMode::Standard),
        },
    };
    let max_attempts = match explicit.max_attempts {
        Some(n) => Setting::new(n.max(1), Source::Explicit),
        None => match env_or_profile("AWS_MAX_ATTEMPTS", "max_attempts") {
            Some(s) => Setting::new(
                s.value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| invalid(&s, &view, "a whole number of attempts, at least 1"))?,
                s.source,
            ),
            None => Setting::default_value(DEFAULT_MAX_ATTEMPTS),
        },
    };

    Ok(Settings {
        region,
        endpoint_url,
        portal_endpoint_url,
        signin_endpoint_url,
        use_fips: flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
        use_dual_stack: flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"),
        ca_bundle,
        retry_mode,
        max_attempts,
        connect_timeout: timeout(explicit.connect_timeout),
        read_timeout: timeout(explicit.read_timeout),
        allow_insecure_http: explicit.allow_insecure_http,
        credentials: credential_source(explicit, env, &view, profile.source == Source::Explicit),
        profile,
    })
}

fn pick_profile(
    explicit: &Explicit,
    env: &std::collections::HashMap<String, String>,
) -> Setting<String> {
    explicit_value(&explicit.profile)
        .or_else(|| {
            ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"]
                .into_iter()
                .find_map(|var| {
                    env_value(env, var)
                        .map(|v| Setting::new(v.to_owned(), Source::Environment(var)))
                })
        })
        .unwrap_or_else(|| Setting::default_value("default".to_owned()))
}

fn explicit_value(value: &Option<String>) -> Option<Setting<String>> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| Setting::new(v.to_owned(), Source::Explicit))
}

fn invalid(setting: &Setting<String>, view: &Profile<'_>, expected: &'static str) -> ConfigError {
    let name = match &setting.source {
        Source::Environment(var) => (*var).to_owned(),
        Source::ConfigFile { key } | Source::CredentialsFile { key } => {
            format!("`{key}` of profile {}", view.name)
        }
        other => other.to_string(),
    };
    ConfigError::InvalidValue {
        setting: name,
        value: setting.value.clone(),
        expected,
    }
}

fn timeout(explicit: Option<Duration>) -> Setting<Option<Duration>> {
    match explicit {
        None => Setting::default_value(Some(DEFAULT_TIMEOUT)),
        Some(d) => Setting::new(super::timeout_limit(d), Source::Explicit),
    }
}

/// The configured-endpoint names of the AWS sign-in service (its federation endpoint, for
/// `ssooidc console`): `AWS_ENDPOINT_URL_SIGNIN`, `signin` in a `[services]` section.
pub(super) const SIGNIN_ENDPOINT: (&str, &str) = ("AWS_ENDPOINT_URL_SIGNIN", "signin");

/// Steps 2 to 5 of the configured-endpoint precedence for the service whose variable is
/// `service_env` and whose `[services]` key is `service_key`.
fn configured_endpoint(
    env: &std::collections::HashMap<String, String>,
    config: &crate::config::AwsConfig,
    view: &Profile<'_>,
    service_env: &'static str,
    service_key: &str,
) -> Result<Option<Setting<String>>, ConfigError> {
    for var in [service_env, "AWS_ENDPOINT_URL"] {
        if let Some(url) = env_value(env, var) {
            return Ok(Some(Setting::new(url.to_owned(), Source::Environment(var))));
        }
    }
    if let Some((name, _)) = view.get("services") {
        let section = config
            .services
            .get(name)
            .ok_or_else(|| ConfigError::ServicesNotFound {
                profile: view.name.to_owned(),
                name: name.to_owned(),
            })?;
        if let Some(IniValue::Nested(service)) = section.values.get(service_key) {
            if let Some(url) = service
                .get("endpoint_url")
                .map(|u| u.trim())
                .filter(|u| !u.is_empty())
            {
                return Ok(Some(Setting::new(
                    url.to_owned(),
                    Source::ServicesSection {
                        name: name.to_owned(),
                    },
                )));
            }
        }
    }
    Ok(view
        .get("endpoint_url")
        .map(|(url, source)| Setting::new(url.to_owned(), source)))
}

/// botocore's credential chain, minus what this tool cannot do (which is refused by name).
fn credential_source(
    explicit: &Explicit,
    env: &std::collections::HashMap<String, String>,
    view: &Profile<'_>,
    profile_is_explicit: bool,
) -> Result<CredentialSource, ConfigError> {
    if let Some(keys) = &explicit.credentials {
        return Ok(CredentialSource::Explicit(keys.clone()));
    }
    // An explicitly given profile turns the environment's keys off (botocore).
    if !profile_is_explicit {
        if let Some(access_key_id) = env_value(env, "AWS_ACCESS_KEY_ID") {
            let secret =
                env_value(env, "AWS_SECRET_ACCESS_KEY").ok_or(ConfigError::PartialCredentials {
                    location: "env",
                    missing: "AWS_SECRET_ACCESS_KEY",
                })?;
            let token = ["AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"]
                .into_iter()
                .find_map(|var| env_value(env, var));
            return Ok(CredentialSource::Environment(keys(
                access_key_id,
                secret,
                token,
            )));
        }
    }
    let unsupported = |setting| ConfigError::UnsupportedCredentials {
        profile: view.name.to_owned(),
        setting,
    };
    if view.has("role_arn") && !view.has("web_identity_token_file") {
        return Err(unsupported("role_arn"));
    }
    if view.has("web_identity_token_file") {
        return Err(unsupported("web_identity_token_file"));
    }
    if !profile_is_explicit && env_value(env, "AWS_WEB_IDENTITY_TOKEN_FILE").is_some() {
        return Err(unsupported("AWS_WEB_IDENTITY_TOKEN_FILE"));
    }
    for key in ["sso_account_id", "sso_role_name"] {
        if view.has(key) {
            return Err(unsupported(key));
        }
    }
    if let Some(found) = section_keys(view.credentials, "shared-credentials-file")? {
        return Ok(CredentialSource::CredentialsFile(found));
    }
    if let Some((command, _)) = view.get("credential_process") {
        return Ok(CredentialSource::Process {
            command: command.to_owned(),
        });
    }
    if let Some(found) = section_keys(view.config, "config-file")? {
        return Ok(CredentialSource::ConfigFile(found));
    }
    Ok(CredentialSource::None)
}

fn keys(access_key_id: &str, secret: &str, token: Option<&str>) -> StaticKeys {
    StaticKeys {
        access_key_id: access_key_id.to_owned(),
        secret_access_key: Secret::new(secret),
        session_token: token.map(Secret::new),
    }
}

/// The static keys of a file's section: none without `aws_access_key_id`, an error without the
/// secret.
fn section_keys(
    section: Option<&IniSection>,
    location: &'static str,
) -> Result<Option<StaticKeys>, ConfigError> {
    let get = |key| {
        section
            .and_then(|s| s.get(key))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let Some(access_key_id) = get("aws_access_key_id") else {
        return Ok(None);
    };
    let secret = get("aws_secret_access_key").ok_or(ConfigError::PartialCredentials {
        location,
        missing: "aws_secret_access_key",
    })?;
    let token = get("aws_session_token").or_else(|| get("aws_security_token"));
    Ok(Some(keys(access_key_id, secret, token)))
}
