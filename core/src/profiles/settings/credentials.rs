//! Where the credentials for signing come from.

use crate::formats::credentials::StaticKeys;

/// Where the credentials for signing come from, as the resolver found them (botocore's
/// chain: environment, then the profile's providers).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// Given in code.
    Explicit(StaticKeys),
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (or
    /// `AWS_SECURITY_TOKEN`).
    Environment(StaticKeys),
    /// The profile's section of the shared credentials file.
    CredentialsFile(StaticKeys),
    /// The profile's `credential_process`: a command line the adapter runs; its output is read
    /// by [`parse_process_output`](crate::settings::parse_process_output).
    Process {
        /// The command line, as written in the config (split as botocore splits it: like a POSIX
        /// shell does, on Windows by the C runtime's rules).
        command: String,
    },
    /// Static keys in the profile's section of the config file.
    ConfigFile(StaticKeys),
    /// None anywhere.
    None,
}

impl CredentialSource {
    /// botocore's name for the provider (`credentials.method`): `explicit`, `env`,
    /// `shared-credentials-file`, `custom-process`, `config-file`, or `none`.
    pub fn method(&self) -> &'static str {
        match self {
            CredentialSource::Explicit(_) => "explicit",
            CredentialSource::Environment(_) => "env",
            CredentialSource::CredentialsFile(_) => "shared-credentials-file",
            CredentialSource::Process { .. } => "custom-process",
            CredentialSource::ConfigFile(_) => "config-file",
            CredentialSource::None => "none",
        }
    }

    /// The static keys, for every source that has them without running anything.
    pub fn static_keys(&self) -> Option<&StaticKeys> {
        match self {
            CredentialSource::Explicit(k)
            | CredentialSource::Environment(k)
            | CredentialSource::CredentialsFile(k)
            | CredentialSource::ConfigFile(k) => Some(k),
            CredentialSource::Process { .. } | CredentialSource::None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_methods_are_botocores() {
        let keys = StaticKeys::new("A", "S");
        assert_eq!(CredentialSource::Environment(keys.clone()).method(), "env");
        assert_eq!(
            CredentialSource::CredentialsFile(keys.clone()).method(),
            "shared-credentials-file"
        );
        assert_eq!(CredentialSource::ConfigFile(keys).method(), "config-file");
        assert_eq!(
            CredentialSource::Process {
                command: "x".into()
            }
            .method(),
            "custom-process"
        );
        assert!(!format!("{:?}", StaticKeys::new("AKID", "TOPSECRET")).contains("TOPSECRET"));
    }
}
