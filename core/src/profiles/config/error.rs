//! [`ConfigError`]: every way the configuration can be unusable, from a broken file to a
//! missing region. The messages say what is wrong; advice to run a command belongs to the
//! command line, not here.

use std::path::PathBuf;

use crate::endpoint::EndpointError;
use crate::formats::credentials::ProcessOutputError;
pub use crate::formats::file::FileProblem;
use crate::formats::ini::IniError;

/// The variable that names the home directory on this platform, for [`ConfigError::NoHome`]:
/// what `settings::HomeRules::NATIVE.variable()` says (the settings import this module, not
/// the other way round; a test there checks that the two agree).
const HOME_VARIABLE: &str = if cfg!(windows) { "USERPROFILE" } else { "HOME" };

/// The configuration is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Config text is not valid config syntax.
    #[error("config file: {0}")]
    Syntax(#[from] IniError),
    /// A configuration file could not be used.
    #[error("{}: {problem}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: FileProblem,
    },
    /// Neither the environment (`HOME`; on Windows `USERPROFILE`) nor the account has a home
    /// directory, so `~/.aws` cannot be found.
    #[error("no home directory ({home} is not set) to find {what} in; set {home}{}", match .variable { Some(v) => format!(" or {v}"), None => String::new() }, home = HOME_VARIABLE)]
    NoHome {
        /// What was being looked for (`the config file`, `the SSO cache`).
        what: &'static str,
        /// The variable that names the file directly, when there is one.
        variable: Option<&'static str>,
    },
    /// The profile does not exist.
    #[error("The config profile ({0}) could not be found")]
    ProfileNotFound(String),
    /// The sso-session does not exist.
    #[error("the sso-session ({0}) could not be found in the config file")]
    SessionNotFound(String),
    /// The profile has no SSO settings at all.
    #[error(
        "profile {0} is not configured for SSO (it has neither sso_session nor sso_start_url)"
    )]
    NotSso(String),
    /// A required key is missing.
    #[error("{section} is missing the required setting `{key}`")]
    MissingKey {
        /// Which section (`profile dev`, `sso-session my-sso`).
        section: String,
        /// The missing key.
        key: &'static str,
    },
    /// A key has different values in the profile and its sso-session.
    #[error("the value of `{key}` is inconsistent between profile {profile} ({profile_value:?}) and sso-session {session} ({session_value:?})")]
    Inconsistent {
        /// The key.
        key: String,
        /// The profile.
        profile: String,
        /// The session.
        session: String,
        /// The profile's value.
        profile_value: String,
        /// The session's value.
        session_value: String,
    },
    /// A profile names a `[services NAME]` section that does not exist.
    #[error("profile {profile} uses the services section {name:?}, which does not exist")]
    ServicesNotFound {
        /// The profile.
        profile: String,
        /// The missing section.
        name: String,
    },
    /// A setting has a value that cannot be used.
    #[error("invalid value {value:?} for {setting}: {expected}")]
    InvalidValue {
        /// Where it was set (`AWS_MAX_ATTEMPTS`, `max_attempts in profile dev`).
        setting: String,
        /// The value.
        value: String,
        /// What would be valid.
        expected: &'static str,
    },
    /// No region is configured and the operation needs one.
    #[error("no region is configured (--region, AWS_REGION, AWS_DEFAULT_REGION or `region` in the profile)")]
    NoRegion,
    /// The endpoint cannot be resolved.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// A plain-HTTP endpoint on a host other than loopback, without the opt-in.
    #[error("refusing plain http:// endpoint {0}: tokens would travel unencrypted (use https, a loopback address, or allow insecure http)")]
    InsecureEndpoint(String),
    /// No credentials were found for an operation that is signed.
    #[error("unable to locate credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, static keys or credential_process in profile {profile})")]
    NoCredentials {
        /// The profile that was searched.
        profile: String,
    },
    /// Half of a key pair.
    #[error("partial credentials found in {location}, missing: {missing}")]
    PartialCredentials {
        /// Where (`env`, `shared-credentials-file`, `config-file`).
        location: &'static str,
        /// The missing setting.
        missing: &'static str,
    },
    /// The profile's credentials need something this tool does not do.
    #[error("profile {profile} gets its credentials from `{setting}`, which ssooidc does not support (it signs only with static keys, environment variables or credential_process)")]
    UnsupportedCredentials {
        /// The profile.
        profile: String,
        /// The setting that asks for it (`role_arn`, `web_identity_token_file`,
        /// `sso_account_id`, `AWS_WEB_IDENTITY_TOKEN_FILE`).
        setting: &'static str,
    },
    /// `credential_process` failed.
    #[error("credential_process of profile {profile}: {problem}")]
    CredentialProcess {
        /// The profile.
        profile: String,
        /// What went wrong.
        problem: ProcessProblem,
    },
    /// The CA bundle cannot be used.
    #[error("CA bundle {}: {why}", path.display())]
    CaBundle {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The proxy URL is not valid.
    #[error("invalid proxy URL: {0}")]
    Proxy(String),
}

/// Why a `credential_process` gave no credentials. Never quotes its output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessProblem {
    /// The command line could not be split or is empty.
    #[error("cannot parse the command line")]
    BadCommand,
    /// It could not be started.
    #[error("cannot run it: {0}")]
    Spawn(String),
    /// It exited with a failure status.
    #[error("it exited with {0}")]
    Failed(String),
    /// It ran longer than allowed and was killed.
    #[error("it did not finish within {0:?} and was stopped")]
    TimedOut(std::time::Duration),
    /// Its output was refused.
    #[error("its output was refused: {0}")]
    Output(#[from] ProcessOutputError),
}

impl From<ConfigError> for crate::call::CredentialsError {
    fn from(error: ConfigError) -> Self {
        crate::call::CredentialsError::new(error)
    }
}

impl From<crate::formats::oauth::OAuthClientError> for ConfigError {
    fn from(e: crate::formats::oauth::OAuthClientError) -> Self {
        ConfigError::InvalidValue {
            setting: e.setting.to_owned(),
            value: e.value,
            expected: e.expected,
        }
    }
}
