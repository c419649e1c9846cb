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

/// Which variables name the home directory: the rules of Python's `os.path.expanduser`, through
/// which the AWS CLI finds `~/.aws`, so that both find the same files and caches. Empty values
/// count as unset.
///
/// ```
/// use std::collections::HashMap;
/// use std::path::PathBuf;
/// use ssooidc_core::settings::HomeRules;
/// let env = HashMap::from([
///     ("HOME".to_string(), "/home/me".to_string()),
///     ("USERPROFILE".to_string(), r"C:\Users\me".to_string()),
/// ]);
/// assert_eq!(HomeRules::Unix.home(&env), Some(PathBuf::from("/home/me")));
/// assert_eq!(HomeRules::Windows.home(&env), Some(PathBuf::from(r"C:\Users\me")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HomeRules {
    /// `HOME` (`posixpath.expanduser`), then `USERPROFILE` (which Python does not read on
    /// Unix; read here as it always has been, for a `HOME`-less environment made for Windows).
    Unix,
    /// `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`; `HOME` is not read. This is
    /// `ntpath.expanduser` since Python 3.8 (the AWS CLI v2 bundles a newer Python), so a `HOME`
    /// that Git Bash, MSYS2 or Cygwin sets does not move `~/.aws` away from where the AWS CLI
    /// looks.
    Windows,
}

impl HomeRules {
    /// The rules of the platform this is built for: [`HomeRules::Windows`] on Windows,
    /// [`HomeRules::Unix`] elsewhere (Linux, macOS, the BSDs).
    pub const NATIVE: HomeRules = if cfg!(windows) {
        HomeRules::Windows
    } else {
        HomeRules::Unix
    };

    /// The home directory that `env` names, if any.
    pub fn home(self, env: &HashMap<String, String>) -> Option<PathBuf> {
        match self {
            HomeRules::Unix => ["HOME", "USERPROFILE"]
                .iter()
                .find_map(|k| env_value(env, k))
                .map(PathBuf::from),
            HomeRules::Windows => env_value(env, "USERPROFILE")
                .map(PathBuf::from)
                .or_else(|| {
                    let path = env_value(env, "HOMEPATH")?;
                    let drive = env_value(env, "HOMEDRIVE").unwrap_or("");
                    // `ntpath.join(drive, path)`: `C:` + `\Users\me` is `C:\Users\me`; only a
                    // UNC share and a relative path get a separator between them.
                    let seps = ['\\', '/'];
                    let sep = !drive.is_empty()
                        && !drive.ends_with([':', '\\', '/'])
                        && !path.starts_with(seps);
                    Some(PathBuf::from(format!(
                        "{drive}{}{path}",
                        if sep { "\\" } else { "" }
                    )))
                }),
        }
    }

    /// The variable a person sets to name the home directory (`HOME`, or `USERPROFILE` on
    /// Windows), for messages.
    pub const fn variable(self) -> &'static str {
        match self {
            HomeRules::Unix => "HOME",
            HomeRules::Windows => "USERPROFILE",
        }
    }
}

impl FileLocations {
    /// Locations for `env` by the rules of this platform ([`HomeRules::NATIVE`]): see
    /// [`FileLocations::with_home_rules`].
    pub fn new(env: &HashMap<String, String>, fallback_home: Option<PathBuf>) -> Self {
        Self::with_home_rules(env, fallback_home, HomeRules::NATIVE)
    }

    /// Locations for `env`. The home directory is what `env` names by `rules` (`HOME`, then
    /// `USERPROFILE`; on Windows `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`), else
    /// `fallback_home`: what the adapter found for the account (the AWS CLI, through Python's
    /// `expanduser`, falls back to the password database when `HOME` is unset).
    pub fn with_home_rules(
        env: &HashMap<String, String>,
        fallback_home: Option<PathBuf>,
        rules: HomeRules,
    ) -> Self {
        let home = rules
            .home(env)
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

    /// The locations by the Unix rules, whatever the platform the tests run on.
    fn unix(env: &HashMap<String, String>, fallback_home: Option<PathBuf>) -> FileLocations {
        FileLocations::with_home_rules(env, fallback_home, HomeRules::Unix)
    }

    #[test]
    fn the_platform_rules_are_the_default() {
        let e = env(&[("HOME", "/h"), ("USERPROFILE", r"C:\Users\me")]);
        assert_eq!(
            FileLocations::new(&e, None),
            FileLocations::with_home_rules(&e, None, HomeRules::NATIVE)
        );
        assert_eq!(
            HomeRules::NATIVE,
            if cfg!(windows) {
                HomeRules::Windows
            } else {
                HomeRules::Unix
            }
        );
    }

    #[test]
    fn the_missing_home_error_names_the_platforms_variable() {
        let e = crate::config::ConfigError::NoHome {
            what: "the SSO cache",
            variable: None,
        };
        let var = HomeRules::NATIVE.variable();
        assert_eq!(
            e.to_string(),
            format!("no home directory ({var} is not set) to find the SSO cache in; set {var}")
        );
    }

    #[test]
    fn unix_home_is_home_then_userprofile() {
        let home = |pairs: &[(&str, &str)]| HomeRules::Unix.home(&env(pairs));
        assert_eq!(
            home(&[("HOME", "/h"), ("USERPROFILE", "/u")]),
            Some("/h".into())
        );
        assert_eq!(
            home(&[("HOME", " "), ("USERPROFILE", "/u")]),
            Some("/u".into())
        );
        assert_eq!(home(&[("HOMEDRIVE", "C:"), ("HOMEPATH", r"\me")]), None);
        assert_eq!(HomeRules::Unix.variable(), "HOME");
    }

    /// `ntpath.expanduser` since Python 3.8 (what the AWS CLI v2 runs): `USERPROFILE`, then
    /// `HOMEDRIVE` joined with `HOMEPATH`; `HOME` is never read.
    #[test]
    fn windows_home_is_userprofile_then_homedrive_and_homepath_never_home() {
        let home = |pairs: &[(&str, &str)]| HomeRules::Windows.home(&env(pairs));
        let me = r"C:\Users\me";
        assert_eq!(
            home(&[("HOME", "/home/me"), ("USERPROFILE", me)]),
            Some(me.into())
        );
        assert_eq!(home(&[("HOME", "/home/me")]), None, "HOME is not read");
        assert_eq!(
            home(&[("HOMEDRIVE", "C:"), ("HOMEPATH", r"\Users\me")]),
            Some(me.into())
        );
        assert_eq!(
            home(&[("USERPROFILE", ""), ("HOMEPATH", r"\Users\me")]),
            Some(r"\Users\me".into()),
            "an empty USERPROFILE is unset; HOMEPATH alone is enough"
        );
        assert_eq!(
            home(&[("HOMEDRIVE", r"\\srv\share"), ("HOMEPATH", "me")]),
            Some(r"\\srv\share\me".into())
        );
        assert_eq!(
            home(&[("HOMEDRIVE", r"\\srv\share"), ("HOMEPATH", r"\me")]),
            Some(r"\\srv\share\me".into())
        );
        assert_eq!(home(&[("HOMEDRIVE", "C:")]), None, "no HOMEPATH, no home");
        assert_eq!(HomeRules::Windows.variable(), "USERPROFILE");
        let f = FileLocations::with_home_rules(
            &env(&[("HOME", "/h"), ("USERPROFILE", me)]),
            Some(PathBuf::from("/pw")),
            HomeRules::Windows,
        );
        assert_eq!(f.home, Some(PathBuf::from(me)));
        assert_eq!(
            f.sso_cache_dir(),
            Some(Path::new(me).join(".aws").join("sso").join("cache"))
        );
    }

    #[test]
    fn the_oauth_cache_follows_xdg_cache_home() {
        let f = unix(&env(&[("HOME", "/h")]), None);
        assert_eq!(
            f.oauth_cache_dir(),
            Some(PathBuf::from("/h/.cache/ssooidc/oauth"))
        );
        // An absolute path where the tests run (`/c` is not one on Windows: no drive).
        let c = if cfg!(windows) { r"C:\c" } else { "/c" };
        let in_c = Some(Path::new(c).join("ssooidc").join("oauth"));
        let f = unix(&env(&[("HOME", "/h"), ("XDG_CACHE_HOME", c)]), None);
        assert_eq!(f.oauth_cache_dir(), in_c);
        // A relative XDG_CACHE_HOME is invalid and ignored (XDG Base Directory).
        let f = unix(&env(&[("HOME", "/h"), ("XDG_CACHE_HOME", "rel")]), None);
        assert_eq!(
            f.oauth_cache_dir(),
            Some(PathBuf::from("/h/.cache/ssooidc/oauth"))
        );
        let f = unix(&env(&[("XDG_CACHE_HOME", c)]), None);
        assert_eq!(f.oauth_cache_dir(), in_c);
        assert_eq!(unix(&env(&[]), None).oauth_cache_dir(), None);
    }

    #[test]
    fn home_comes_from_the_environment_first() {
        let f = unix(&env(&[("HOME", "/h")]), Some(PathBuf::from("/pw")));
        assert_eq!(f.home, Some(PathBuf::from("/h")));
        assert_eq!(f.config, Some(PathBuf::from("/h/.aws/config")));
        let f = unix(&env(&[("HOME", "")]), Some(PathBuf::from("/pw")));
        assert_eq!(f.home, Some(PathBuf::from("/pw")), "empty HOME is unset");
        assert_eq!(f.cli_cache_dir(), Some(PathBuf::from("/pw/.aws/cli/cache")));
    }

    #[test]
    fn no_home_means_no_default_files() {
        let f = unix(&env(&[]), None);
        assert_eq!(f, FileLocations::default());
        assert_eq!(f.sso_cache_dir(), None);
        let f = unix(
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
        let f = unix(
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
