//! Where the AWS files live: `HOME`, `AWS_CONFIG_FILE`, `~/.aws/sso/cache`.

use std::collections::HashMap;
use std::path::PathBuf;

/// The home directory: `HOME`, else `USERPROFILE` (Windows).
pub fn home_dir(env: &HashMap<String, String>) -> Option<PathBuf> {
    ["HOME", "USERPROFILE"]
        .iter()
        .filter_map(|k| env.get(*k))
        .find(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Expands a leading `~` with the home directory, as the AWS CLI does for its file settings.
pub fn expand_tilde(path: &str, env: &HashMap<String, String>) -> PathBuf {
    match (path.strip_prefix('~'), home_dir(env)) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with(['/', '\\']) => {
            home.join(rest.trim_start_matches(['/', '\\']))
        }
        _ => PathBuf::from(path),
    }
}

/// `AWS_CONFIG_FILE`, else `~/.aws/config`.
pub fn config_file(env: &HashMap<String, String>) -> Option<PathBuf> {
    match env.get("AWS_CONFIG_FILE").filter(|v| !v.is_empty()) {
        Some(path) => Some(expand_tilde(path, env)),
        None => home_dir(env).map(|h| h.join(".aws").join("config")),
    }
}

/// `~/.aws/sso/cache`.
pub fn sso_cache_dir(env: &HashMap<String, String>) -> Option<PathBuf> {
    home_dir(env).map(|h| h.join(".aws").join("sso").join("cache"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_config_file_and_tilde() {
        let env: HashMap<String, String> = [("HOME", "/h"), ("AWS_CONFIG_FILE", "~/x/cfg")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(config_file(&env), Some(PathBuf::from("/h/x/cfg")));
        assert_eq!(
            sso_cache_dir(&env),
            Some(PathBuf::from("/h/.aws/sso/cache"))
        );
        assert_eq!(expand_tilde("~user/x", &env), PathBuf::from("~user/x"));
    }
}
