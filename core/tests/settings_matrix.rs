//! The settings resolver against botocore itself: every case of
//! `fixtures/settings/matrix.json`, whose expected answers botocore 1.44.8 (set up as the AWS
//! CLI v2 sets it up) produced from the same files, environment and command-line values. The
//! generator is `tests/reference/settings_matrix.py` (see `tests/reference/README.md`).
//!
//! Where this project deliberately answers differently, the case is listed in [`DIVERGENCES`]
//! with the reason, and its own expectation is checked instead; every other case must match.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use ssooidc_core::config::{AwsConfig, ConfigError};
use ssooidc_core::endpoint::EndpointError;
use ssooidc_core::settings::{
    resolve, CredentialSource, CredentialsFile, Explicit, FileLocations, Inputs, Settings, Source,
};

#[derive(Debug, Deserialize)]
struct Matrix {
    botocore: String,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    about: String,
    files: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    home: bool,
    args: Args,
    expected: Expected,
}

#[derive(Debug, Deserialize)]
struct Args {
    profile: Option<String>,
    region: Option<String>,
    endpoint_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Failure {
    kind: String,
    message: String,
}

#[derive(Debug, Deserialize)]
struct Expected {
    profile: Option<String>,
    region: Option<String>,
    retry_mode: Option<String>,
    max_attempts: Option<u32>,
    endpoint: Option<String>,
    endpoint_error: Option<Failure>,
    credentials_method: Option<String>,
    access_key_id: Option<String>,
    session_token: Option<bool>,
    credentials_error: Option<Failure>,
    client_error: Option<Failure>,
    use_fips_endpoint: Option<bool>,
    use_dualstack_endpoint: Option<bool>,
}

/// Cases where the project answers differently on purpose, and why.
const DIVERGENCES: &[(&str, &str)] = &[
    (
        "retry-mode-env-legacy",
        "legacy is accepted: botocore and boto3 accept it; only the AWS CLI v2 refuses it",
    ),
    (
        "retry-mode-profile-legacy",
        "legacy is accepted: botocore and boto3 accept it; only the AWS CLI v2 refuses it",
    ),
    (
        "creds-legacy-boto-config",
        "the boto 2 file ~/.boto is not read: no other AWS tool reads it any more",
    ),
    (
        "region-empty-aws-region-env",
        "an empty variable counts as unset (botocore builds `https://oidc..amazonaws.com` from it)",
    ),
    (
        "config-empty-region-value",
        "an empty `region =` counts as unset (botocore builds `https://oidc..amazonaws.com`)",
    ),
    (
        "profile-env-empty",
        "an empty AWS_PROFILE counts as unset (botocore looks for a profile named \"\")",
    ),
    (
        "sso-profile-missing-session-section",
        "a low-level command does not need the sso-session, so it is not an error there; the \
         login and token commands report the missing section",
    ),
];

/// The home directory the cases run in (nothing is read from it: the files are in memory).
const HOME: &str = "/home/matrix";

struct Outcome {
    settings: Result<Settings, ConfigError>,
    client: Result<String, ConfigError>,
}

fn run(case: &Case) -> Outcome {
    let placeholder = |s: &str| s.replace("{HOME}", HOME);
    let mut env: HashMap<String, String> = case
        .env
        .iter()
        .map(|(k, v)| (k.clone(), placeholder(v)))
        .collect();
    if case.home {
        env.insert("HOME".into(), HOME.into());
    }
    let files: HashMap<PathBuf, String> = case
        .files
        .iter()
        .map(|(path, text)| {
            let path = Path::new(HOME).join(path.trim_start_matches("~/"));
            (path, placeholder(text))
        })
        .collect();
    let locations = FileLocations::new(&env, None);
    let text_at = |path: &Option<PathBuf>| path.as_ref().and_then(|p| files.get(p));
    let config = match text_at(&locations.config).map(|t| AwsConfig::parse(t)) {
        None => Ok(AwsConfig::default()),
        Some(parsed) => parsed,
    };
    let credentials = match text_at(&locations.credentials).map(|t| CredentialsFile::parse(t)) {
        None => Ok(CredentialsFile::default()),
        Some(parsed) => parsed,
    };
    let mut explicit = Explicit::default();
    explicit.profile.clone_from(&case.args.profile);
    explicit.region.clone_from(&case.args.region);
    explicit.endpoint_url.clone_from(&case.args.endpoint_url);
    explicit.allow_insecure_http = true;
    let settings = config.and_then(|config| {
        credentials.and_then(|credentials| {
            resolve(&Inputs {
                explicit: &explicit,
                env: &env,
                config: &config,
                credentials: &credentials,
            })
        })
    });
    // What creating a client does: a region is required, then the endpoint is resolved.
    let client = match &settings {
        Err(e) => Err(e.clone()),
        Ok(s) => s
            .region()
            .and_then(|_| s.resolve_endpoint(&s.endpoint_params()))
            .map(|e| e.url()),
    };
    Outcome { settings, client }
}

/// Whether our configuration error is the one botocore reported as `kind`.
fn same_failure(kind: &str, message: &str, ours: &ConfigError) -> bool {
    match (kind, ours) {
        ("ProfileNotFound", ConfigError::ProfileNotFound(_)) => true,
        ("NoRegionError", ConfigError::NoRegion) => true,
        ("InvalidRegionError", ConfigError::Endpoint(EndpointError::InvalidRegion(_))) => true,
        (
            "ValueError" | "ParamValidationError",
            ConfigError::Endpoint(EndpointError::InvalidUrl { .. }),
        ) => message.contains("endpoint"),
        ("ValueError", ConfigError::InvalidValue { .. }) => message.contains("int()"),
        (
            "InvalidRetryModeError" | "InvalidMaxRetryAttemptsError",
            ConfigError::InvalidValue { .. },
        ) => true,
        ("InvalidConfigError", ConfigError::ServicesNotFound { .. }) => {
            message.contains("services")
        }
        ("ConfigParseError", ConfigError::Syntax(_)) => true,
        _ => false,
    }
}

/// Compares one case; the differences, if any.
fn check(case: &Case, outcome: &Outcome) -> Vec<String> {
    let e = &case.expected;
    let mut diffs = Vec::new();
    let mut differ = |what: &str, botocore: String, ours: String| {
        if botocore != ours {
            diffs.push(format!("{what}: botocore {botocore}, ssooidc {ours}"));
        }
    };
    if let Some(failure) = &e.client_error {
        match &outcome.client {
            Err(ours) if same_failure(&failure.kind, &failure.message, ours) => {}
            other => differ(
                "client",
                format!("{} ({})", failure.kind, failure.message),
                format!("{other:?}"),
            ),
        }
        return diffs;
    }
    let settings = match &outcome.settings {
        Ok(s) => s,
        Err(err) => {
            differ("settings", "resolved".into(), format!("{err:?}"));
            return diffs;
        }
    };
    let profile =
        (settings.profile.source != Source::Default).then(|| settings.profile.value.clone());
    differ(
        "profile",
        format!("{:?}", e.profile),
        format!("{profile:?}"),
    );
    differ(
        "region",
        format!("{:?}", e.region),
        format!("{:?}", settings.region.as_ref().map(|r| &r.value)),
    );
    differ(
        "retry_mode",
        format!("{:?}", e.retry_mode),
        format!("{:?}", Some(settings.retry_mode.value.as_str())),
    );
    differ(
        "max_attempts",
        format!("{:?}", e.max_attempts),
        format!("{:?}", Some(settings.max_attempts.value)),
    );
    differ(
        "use_fips_endpoint",
        format!("{:?}", e.use_fips_endpoint.unwrap_or(false)),
        format!("{:?}", settings.use_fips.value),
    );
    differ(
        "use_dualstack_endpoint",
        format!("{:?}", e.use_dualstack_endpoint.unwrap_or(false)),
        format!("{:?}", settings.use_dual_stack.value),
    );
    match (&e.endpoint_error, &outcome.client) {
        (Some(f), Err(ours)) if same_failure(&f.kind, &f.message, ours) => {}
        (None, Ok(url)) => differ(
            "endpoint",
            format!("{:?}", e.endpoint),
            format!("{:?}", Some(url)),
        ),
        (expected, ours) => differ("endpoint", format!("{expected:?}"), format!("{ours:?}")),
    }
    check_credentials(e, settings, &mut diffs);
    diffs
}

fn check_credentials(e: &Expected, settings: &Settings, diffs: &mut Vec<String>) {
    let ours = &settings.credentials;
    let mut differ = |botocore: String, ours: String| {
        diffs.push(format!("credentials: botocore {botocore}, ssooidc {ours}"));
    };
    let deferred = ["assume-role", "assume-role-with-web-identity", "sso"];
    match (e.credentials_method.as_deref(), &e.credentials_error, ours) {
        // The providers this tool refuses by name.
        (Some(method), _, Err(ConfigError::UnsupportedCredentials { .. }))
            if deferred.contains(&method) => {}
        (None, Some(f), Err(ConfigError::UnsupportedCredentials { .. }))
            if f.kind == "InvalidConfigError"
                || (f.kind == "PartialCredentialsError" && f.message.contains("assume-role")) => {}
        // The process is run by the adapter (tested there); here it must be the source.
        (Some("custom-process"), _, Ok(CredentialSource::Process { .. })) => {}
        (None, Some(f), Ok(CredentialSource::Process { .. }))
            if [
                "CredentialRetrievalError",
                "JSONDecodeError",
                "RuntimeError",
                "FileNotFoundError",
            ]
            .contains(&f.kind.as_str()) => {}
        (None, Some(f), Ok(CredentialSource::None)) if f.kind == "NoCredentialsError" => {}
        (None, Some(f), Err(ConfigError::PartialCredentials { location, missing }))
            if f.kind == "PartialCredentialsError"
                && f.message.contains(location)
                && f.message.contains(missing) => {}
        (Some(method), None, Ok(source)) if source.method() == method => {
            let keys = source.static_keys();
            let akid = keys.map(|k| k.access_key_id.clone());
            let token = keys.map(|k| k.session_token.is_some());
            if akid != e.access_key_id || token != e.session_token {
                differ(
                    format!("{method} {:?} token {:?}", e.access_key_id, e.session_token),
                    format!("{method} {akid:?} token {token:?}"),
                );
            }
        }
        (method, failure, ours) => differ(format!("{method:?} {failure:?}"), format!("{ours:?}")),
    }
}

fn matrix() -> Matrix {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/settings/matrix.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn every_case_resolves_as_botocore_resolves_it() {
    let matrix = matrix();
    assert_eq!(matrix.botocore, "1.44.8");
    assert!(matrix.cases.len() >= 40, "{} cases", matrix.cases.len());
    let mut failures = Vec::new();
    for case in &matrix.cases {
        if DIVERGENCES.iter().any(|(name, _)| *name == case.name) {
            continue;
        }
        let diffs = check(case, &run(case));
        if !diffs.is_empty() {
            failures.push(format!(
                "{} ({}):\n  {}",
                case.name,
                case.about,
                diffs.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn deliberate_divergences_hold_and_still_differ_from_botocore() {
    let matrix = matrix();
    let case = |name: &str| {
        matrix
            .cases
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no case {name}"))
    };
    for (name, _) in DIVERGENCES {
        // Each listed case really is one where botocore answers otherwise.
        assert!(
            !check(case(name), &run(case(name))).is_empty(),
            "{name} no longer diverges"
        );
    }
    let settings = |name: &str| run(case(name)).settings.unwrap();
    for name in ["retry-mode-env-legacy", "retry-mode-profile-legacy"] {
        assert_eq!(settings(name).retry_mode.value.as_str(), "legacy");
    }
    assert_eq!(
        settings("creds-legacy-boto-config").credentials,
        Ok(CredentialSource::None)
    );
    assert_eq!(
        settings("region-empty-aws-region-env")
            .region
            .map(|r| r.value),
        Some("us-west-2".to_owned()),
        "the empty AWS_REGION is skipped for AWS_DEFAULT_REGION"
    );
    assert_eq!(
        run(case("config-empty-region-value")).client.unwrap_err(),
        ConfigError::NoRegion
    );
    let s = settings("profile-env-empty");
    assert_eq!(
        (s.profile.value.as_str(), s.profile.source),
        ("default", Source::Default)
    );
    let s = settings("sso-profile-missing-session-section");
    assert!(matches!(
        s.credentials,
        Err(ConfigError::UnsupportedCredentials {
            setting: "sso_account_id",
            ..
        })
    ));
}
