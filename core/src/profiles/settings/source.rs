//! [`Setting`] and [`Source`]: a resolved value together with where it came from.

use std::fmt;

/// Where a resolved setting came from, highest precedence first in the order the resolver
/// looks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// Given explicitly: a command-line option or a value set in code.
    Explicit,
    /// An environment variable.
    Environment(&'static str),
    /// A key of the selected profile in the config file (`~/.aws/config`).
    ConfigFile {
        /// The key, e.g. `region`.
        key: &'static str,
    },
    /// A key of the selected profile in the shared credentials file (`~/.aws/credentials`).
    CredentialsFile {
        /// The key, e.g. `aws_access_key_id`.
        key: &'static str,
    },
    /// `endpoint_url` of the `sso_oidc` sub-section of the `[services NAME]` section the
    /// profile names.
    ServicesSection {
        /// The services section's name.
        name: String,
    },
    /// A key of an `[sso-session NAME]` section.
    SsoSession {
        /// The sso-session's name.
        name: String,
    },
    /// Nothing set it: the built-in default.
    Default,
}

impl Source {
    /// The AWS CLI's name for the kind of source (the `TYPE` column of `aws configure list`):
    /// `manual`, `env`, `config-file`, `shared-credentials-file` or `default`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Explicit => "manual",
            Source::Environment(_) => "env",
            Source::ConfigFile { .. }
            | Source::ServicesSection { .. }
            | Source::SsoSession { .. } => "config-file",
            Source::CredentialsFile { .. } => "shared-credentials-file",
            Source::Default => "default",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Explicit => f.write_str("set explicitly"),
            Source::Environment(var) => write!(f, "environment variable {var}"),
            Source::ConfigFile { key } => write!(f, "`{key}` in the config file"),
            Source::CredentialsFile { key } => write!(f, "`{key}` in the credentials file"),
            Source::ServicesSection { name } => {
                write!(
                    f,
                    "[services {name}] sso_oidc endpoint_url in the config file"
                )
            }
            Source::SsoSession { name } => write!(f, "[sso-session {name}] in the config file"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A resolved value and its [`Source`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

impl<T> Setting<T> {
    /// A value from `source`.
    pub fn new(value: T, source: Source) -> Self {
        Setting { value, source }
    }

    /// The built-in default.
    pub fn default_value(value: T) -> Self {
        Setting {
            value,
            source: Source::Default,
        }
    }
}
