//! Where the AWS files are: the config file, the shared credentials file and the cache
//! directories, from the environment and the home directory. Pure: nothing is read here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::env_value;

/// `AWS_CONFIG_FILE`: the config file instead of `~/.aws/config`.
pub const CONFIG_FILE_ENV: &str = "AWS_CONFIG_FILE";
/// `AWS_SHARED_CREDENTIALS_FILE`: the credentials file instead of `~/.aws/credentials`.
pub const CREDENTIALS_FILE_ENV: &str = "AWS_SHARED_CREDENTIALS_FILE";
/// `XDG_CACHE_HOME`: the user's cache directory instead of `~/.cache` (XDG Base Directory).
pub const XDG_CACHE_HOME_ENV: &str = "XDG_CACHE_HOME";

/// The locations of the AWS files for one environment.
///
/// ```
/// use std::collections::HashMap;
/// use std::path::PathBuf;
/// use ssooidc_core::settings::FileLocations;
/// let env = HashMap::from([("AWS_CONFIG_FILE".to_string(), "~/alt/config".to_string())]);
/// let files = FileLocations::new(&env, Some(PathBuf::from("/home/me")));
/// assert_eq!(files.config, Some(PathBuf::from("/home/me/alt/config")));
/// assert_eq!(files.credentials, Some(PathBuf::from("/home/me/.aws/credentials")));
/// assert_eq!(files.sso_cache_dir(), Some(PathBuf::from("/home/me/.aws/sso/cache")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FileLocations {
    /// The home directory, when there is one.
    pub home: Option<PathBuf>,
    /// `AWS_CONFIG_FILE` (a leading `~` expanded), else `~/.aws/config`; `None` without a home.
    pub config: Option<PathBuf>,
    /// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`; `None` without a home.
    pub credentials: Option<PathBuf>,
    /// The user's cache directory (XDG Base Directory): `XDG_CACHE_HOME` when it is set to an
    /// absolute path, else `~/.cache`; `None` without either.
    pub cache_home: Option<PathBuf>,
}

impl FileLocations {
    /// Locations for `env`. The home directory is `HOME` (then `USERPROFILE`) from `env`, else
    /// `fallback_home`: what the adapter found for the account (the AWS CLI, through Python's
    /// `expanduser`, falls back to the password database when `HOME` is unset).
    pub fn new(env: &HashMap<String, String>, fallback_home: Option<PathBuf>) -> Self {
        let home = ["HOME", "USERPROFILE"]
            .iter()
            .find_map(|k| env_value(env, k))
            .map(PathBuf::from)
            .or(fallback_home.filter(|h| !h.as_os_str().is_empty()));
        let file = |var: &str, default: &str| match env_value(env, var) {
            Some(path) => expand_tilde(&expand_vars(path, env), home.as_deref()),
            None => home.as_ref().map(|h| h.join(".aws").join(default)),
        };
        let cache_home = env_value(env, XDG_CACHE_HOME_ENV)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| home.as_ref().map(|h| h.join(".cache")));
        FileLocations {
            config: file(CONFIG_FILE_ENV, "config"),
            credentials: file(CREDENTIALS_FILE_ENV, "credentials"),
            home,
            cache_home,
        }
    }

    /// `~/.aws/sso/cache`: the token and registration caches.
    pub fn sso_cache_dir(&self) -> Option<PathBuf> {
        self.home
            .as_ref()
            .map(|h| h.join(".aws").join("sso").join("cache"))
    }

    /// `<cache home>/ssooidc/oauth`: the token cache of `ssooidc oauth` (standard OAuth 2.0
    /// providers), `$XDG_CACHE_HOME/ssooidc/oauth` or `~/.cache/ssooidc/oauth`.
    pub fn oauth_cache_dir(&self) -> Option<PathBuf> {
        self.cache_home
            .as_ref()
            .map(|c| c.join("ssooidc").join("oauth"))
    }

    /// `~/.aws/cli/cache`: the AWS CLI's credential cache (role credentials).
    pub fn cli_cache_dir(&self) -> Option<PathBuf> {
        self.home
            .as_ref()
            .map(|h| h.join(".aws").join("cli").join("cache"))
    }
}

/// Replaces `$NAME` and `${NAME}` with the variable's value, leaving unknown variables as they
/// are (Python's `os.path.expandvars`, which botocore applies to the file settings before `~`).
pub fn expand_vars(path: &str, env: &HashMap<String, String>) -> String {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, consumed) = match after.strip_prefix('{') {
            Some(inner) => match inner.find('}') {
                Some(end) if !inner[..end].is_empty() => (&inner[..end], end + 2),
                _ => ("", 0),
            },
            None => {
                let end = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match env.get(name).filter(|_| !name.is_empty()) {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[at..at + 1 + consumed]),
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

/// Expands a leading `~` (alone or followed by a separator) with `home`, as the AWS CLI does
/// for its file settings. `~user` forms and paths without `~` are kept as they are; `~` with no
/// home gives `None`.
pub fn expand_tilde(path: &str, home: Option<&Path>) -> Option<PathBuf> {
    match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with(['/', '\\']) => {
            home.map(|h| h.join(rest.trim_start_matches(['/', '\\'])))
        }
        _ => Some(PathBuf::from(path)),
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
    fn the_oauth_cache_follows_xdg_cache_home() {
        let f = FileLocations::new(&env(&[("HOME", "/h")]), None);
        assert_eq!(
            f.oauth_cache_dir(),
            Some(PathBuf::from("/h/.cache/ssooidc/oauth"))
        );
        let f = FileLocations::new(&env(&[("HOME", "/h"), ("XDG_CACHE_HOME", "/c")]), None);
        assert_eq!(f.oauth_cache_dir(), Some(PathBuf::from("/c/ssooidc/oauth")));
        // A relative XDG_CACHE_HOME is invalid and ignored (XDG Base Directory).
        let f = FileLocations::new(&env(&[("HOME", "/h"), ("XDG_CACHE_HOME", "rel")]), None);
        assert_eq!(
            f.oauth_cache_dir(),
            Some(PathBuf::from("/h/.cache/ssooidc/oauth"))
        );
        let f = FileLocations::new(&env(&[("XDG_CACHE_HOME", "/c")]), None);
        assert_eq!(f.oauth_cache_dir(), Some(PathBuf::from("/c/ssooidc/oauth")));
        assert_eq!(FileLocations::new(&env(&[]), None).oauth_cache_dir(), None);
    }

    #[test]
    fn home_comes_from_the_environment_first() {
        let f = FileLocations::new(&env(&[("HOME", "/h")]), Some(PathBuf::from("/pw")));
        assert_eq!(f.home, Some(PathBuf::from("/h")));
        assert_eq!(f.config, Some(PathBuf::from("/h/.aws/config")));
        let f = FileLocations::new(&env(&[("HOME", "")]), Some(PathBuf::from("/pw")));
        assert_eq!(f.home, Some(PathBuf::from("/pw")), "empty HOME is unset");
        assert_eq!(f.cli_cache_dir(), Some(PathBuf::from("/pw/.aws/cli/cache")));
    }

    #[test]
    fn no_home_means_no_default_files() {
        let f = FileLocations::new(&env(&[]), None);
        assert_eq!(f, FileLocations::default());
        assert_eq!(f.sso_cache_dir(), None);
        let f = FileLocations::new(
            &env(&[
                ("AWS_CONFIG_FILE", "/etc/aws/config"),
                ("AWS_SHARED_CREDENTIALS_FILE", "~/c"),
            ]),
            None,
        );
        assert_eq!(f.config, Some(PathBuf::from("/etc/aws/config")));
        assert_eq!(f.credentials, None, "~ cannot be expanded without a home");
    }

    #[test]
    fn variables_expand_as_python_does() {
        let e = env(&[("HOME", "/h"), ("X_1", "x")]);
        assert_eq!(expand_vars("$HOME/alt/config", &e), "/h/alt/config");
        assert_eq!(expand_vars("${HOME}/a/${X_1}", &e), "/h/a/x");
        assert_eq!(expand_vars("$NOPE/a/${NOPE}/$", &e), "$NOPE/a/${NOPE}/$");
        assert_eq!(expand_vars("a$/b${/c${}", &e), "a$/b${/c${}");
        let f = FileLocations::new(
            &env(&[("HOME", "/h"), ("AWS_CONFIG_FILE", "$HOME/alt")]),
            None,
        );
        assert_eq!(f.config, Some(PathBuf::from("/h/alt")));
    }

    #[test]
    fn tilde_forms() {
        let home = Some(Path::new("/h"));
        assert_eq!(expand_tilde("~", home), Some(PathBuf::from("/h")));
        assert_eq!(expand_tilde("~/x/y", home), Some(PathBuf::from("/h/x/y")));
        assert_eq!(
            expand_tilde("~user/x", home),
            Some(PathBuf::from("~user/x"))
        );
        assert_eq!(expand_tilde("/abs", None), Some(PathBuf::from("/abs")));
        assert_eq!(expand_tilde("rel/x", home), Some(PathBuf::from("rel/x")));
    }
}
