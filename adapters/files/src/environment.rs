//! What the settings resolver reads, read from this process: the environment, the home
//! directory and the AWS files. Everything is read once, bounded, and handed to
//! [`ssooidc_core::settings::resolve`]; nothing else in this crate looks at `AWS_*` variables.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ssooidc_core::config::{AwsConfig, ConfigError, FileProblem};
use ssooidc_core::settings::{
    resolve, CredentialsFile, Explicit, FileLocations, HomeRules, Inputs, Settings,
};

use crate::files::{read_bounded, Links};

/// The largest config or credentials file read: 4 MiB (real ones are a few KiB; a bigger one
/// is refused rather than read into memory).
pub const MAX_CONFIG_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The environment of this process. Variables whose name or value is not UTF-8 are left out
/// (none of the settings can use them), instead of panicking as `std::env::vars` does. On
/// Windows, where variable names are case-insensitive, names are upper-cased as Python's
/// `os.environ` does there, so that `set aws_profile=dev` means to this tool what it means to
/// the AWS CLI.
pub fn process_env() -> HashMap<String, String> {
    let vars = std::env::vars_os();
    // Sized once: collected as they come, the variables would grow the map (and rehash every
    // key) several times, a tenth of what a cache hit spends reading the environment.
    let mut env = HashMap::with_capacity(vars.size_hint().0);
    env.extend(env_vars(vars, cfg!(windows)));
    env
}

/// [`process_env`] in the environment's own order, which the proxy variables need (urllib reads
/// them in that order: see [`ssooidc_core::proxy::ProxyEnvironment::from_vars`]).
pub fn process_env_in_order() -> Vec<(String, String)> {
    env_vars(std::env::vars_os(), cfg!(windows)).collect()
}

/// The variables that `vars` holds, in order: UTF-8 names and values only, names upper-cased
/// when `windows`.
fn env_vars(
    vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    windows: bool,
) -> impl Iterator<Item = (String, String)> {
    vars.into_iter().filter_map(move |(k, v)| {
        let k = k.into_string().ok()?;
        let k = if windows { k.to_uppercase() } else { k };
        Some((k, v.into_string().ok()?))
    })
}

/// The account's home directory when the environment names none (`HOME`; on Windows
/// `USERPROFILE`): on Unix the password database, as Python's `expanduser` finds it for the AWS
/// CLI; on Windows the profile directory Windows keeps for the account.
pub fn account_home() -> Option<PathBuf> {
    std::env::home_dir()
}

/// Reads a configuration file as text: `Ok(None)` when it does not exist. A FIFO, a file over
/// [`MAX_CONFIG_FILE_BYTES`] or text that is not UTF-8 is an error naming the file (never an
/// empty config, which would hide the problem behind "profile not found").
pub fn read_config_text(path: &Path) -> Result<Option<String>, ConfigError> {
    let fail = |problem| ConfigError::File {
        path: path.to_owned(),
        problem,
    };
    let Some(bytes) = read_bounded(path, MAX_CONFIG_FILE_BYTES, Links::Follow).map_err(fail)?
    else {
        return Ok(None);
    };
    String::from_utf8(bytes).map(Some).map_err(|e| {
        fail(FileProblem::NotUtf8 {
            offset: e.utf8_error().valid_up_to(),
        })
    })
}

/// The environment and the AWS files of this process, read and parsed: what
/// [`resolve`] needs.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// The environment variables.
    pub env: HashMap<String, String>,
    /// Where the files are.
    pub files: FileLocations,
    /// The parsed config file (empty when there is none).
    pub config: AwsConfig,
    /// The parsed credentials file (empty when there is none).
    pub credentials: CredentialsFile,
}

impl Environment {
    /// Reads this process's environment and files.
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_env(process_env())
    }

    /// Reads the files that `env` points at (the home directory falls back to the account's).
    pub fn from_env(env: HashMap<String, String>) -> Result<Self, ConfigError> {
        // The password database is consulted only when the environment names no home (it can
        // cost a lookup through NSS, and a cache hit should not pay for it).
        let named = HomeRules::NATIVE.home(&env).is_some();
        let fallback = if named { None } else { account_home() };
        let files = FileLocations::new(&env, fallback);
        Self::from_locations(env, files)
    }

    /// Reads the files at `files`.
    pub fn from_locations(
        env: HashMap<String, String>,
        files: FileLocations,
    ) -> Result<Self, ConfigError> {
        // Without a home and without AWS_CONFIG_FILE there is no config file to read: the
        // settings come from the environment alone, as with botocore. Only what needs the
        // home (the caches) fails, with `ConfigError::NoHome`.
        let config = match &files.config {
            Some(path) => match read_config_text(path)? {
                Some(text) => AwsConfig::parse(&text).map_err(|e| in_file(path, e))?,
                None => AwsConfig::default(),
            },
            None => AwsConfig::default(),
        };
        let credentials = match &files.credentials {
            Some(path) => match read_config_text(path)? {
                Some(text) => CredentialsFile::parse(&text).map_err(|e| in_file(path, e))?,
                None => CredentialsFile::default(),
            },
            None => CredentialsFile::default(),
        };
        Ok(Environment {
            env,
            files,
            config,
            credentials,
        })
    }

    /// Resolves the settings with `explicit` values over this environment.
    pub fn settings(&self, explicit: &Explicit) -> Result<Settings, ConfigError> {
        resolve(&Inputs {
            explicit,
            env: &self.env,
            config: &self.config,
            credentials: &self.credentials,
        })
    }

    /// The token cache of `ssooidc oauth` (`$XDG_CACHE_HOME/ssooidc/oauth`, else
    /// `~/.cache/ssooidc/oauth`), or why there is none.
    pub fn oauth_cache_dir(&self) -> Result<PathBuf, ConfigError> {
        self.files.oauth_cache_dir().ok_or(ConfigError::NoHome {
            what: "the OAuth token cache (~/.cache/ssooidc/oauth)",
            variable: Some("XDG_CACHE_HOME"),
        })
    }

    /// `~/.aws/sso/cache`, or why there is none.
    pub fn sso_cache_dir(&self) -> Result<PathBuf, ConfigError> {
        self.files.sso_cache_dir().ok_or(ConfigError::NoHome {
            what: "the SSO cache (~/.aws/sso/cache)",
            variable: None,
        })
    }

    /// `~/.aws/cli/cache` (the AWS CLI's role-credential cache), or why there is none.
    pub fn cli_cache_dir(&self) -> Result<PathBuf, ConfigError> {
        self.files.cli_cache_dir().ok_or(ConfigError::NoHome {
            what: "the AWS CLI's credential cache (~/.aws/cli/cache)",
            variable: None,
        })
    }
}

/// A syntax error, with the file it is in.
fn in_file(path: &Path, error: ConfigError) -> ConfigError {
    match error {
        ConfigError::Syntax(e) => ConfigError::File {
            path: path.to_owned(),
            problem: FileProblem::Syntax(e),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ssooidc-env-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn missing_files_are_empty_and_bad_ones_are_named() {
        let dir = temp_dir("files");
        let home = HomeRules::NATIVE.variable().to_owned();
        let env = HashMap::from([(home, dir.display().to_string())]);
        let loaded = Environment::from_env(env.clone()).unwrap();
        assert_eq!(loaded.config, AwsConfig::default());
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(dir.join(".aws/config"), b"[profile a]\nregion = \xff\n").unwrap();
        let e = Environment::from_env(env.clone()).unwrap_err();
        assert!(matches!(
            e,
            ConfigError::File {
                problem: FileProblem::NotUtf8 { offset: 21 },
                ..
            }
        ));
        let config = dir.join(".aws").join("config");
        assert!(e.to_string().contains(&config.display().to_string()), "{e}");
        std::fs::write(dir.join(".aws/config"), "[profile a]\nnonsense\n").unwrap();
        let e = Environment::from_env(env).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = temp_dir("fifo");
        let fifo = dir.join("config");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(status.is_ok_and(|s| s.success()), "mkfifo");
        assert_eq!(
            read_config_text(&fifo).unwrap_err(),
            ConfigError::File {
                path: fifo.clone(),
                problem: FileProblem::NotRegularFile
            }
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn without_a_home_only_the_caches_are_an_error() {
        let env = HashMap::from([("AWS_REGION".to_owned(), "eu-west-1".to_owned())]);
        let loaded = Environment::from_locations(env, FileLocations::default()).unwrap();
        let settings = loaded.settings(&Explicit::default()).unwrap();
        assert_eq!(settings.region().unwrap(), "eu-west-1");
        let e = loaded.sso_cache_dir().unwrap_err();
        let home = HomeRules::NATIVE.variable();
        assert_eq!(
            e.to_string(),
            format!("no home directory ({home} is not set) to find the SSO cache (~/.aws/sso/cache) in; set {home}")
        );
    }

    #[test]
    fn variable_names_are_upper_cased_on_windows_only() {
        let vars = || {
            [("aws_profile", "dev"), ("Path", "p"), ("HOME", "/h")]
                .map(|(k, v)| (k.into(), v.into()))
        };
        let windows: HashMap<_, _> = env_vars(vars(), true).collect();
        assert_eq!(windows.get("AWS_PROFILE").map(String::as_str), Some("dev"));
        assert_eq!(windows.get("PATH").map(String::as_str), Some("p"));
        assert_eq!(windows.get("HOME").map(String::as_str), Some("/h"));
        assert!(!windows.contains_key("aws_profile"));
        let unix: HashMap<_, _> = env_vars(vars(), false).collect();
        assert_eq!(unix.get("aws_profile").map(String::as_str), Some("dev"));
        assert!(
            !unix.contains_key("AWS_PROFILE"),
            "names are case-sensitive on Unix"
        );
    }
}
