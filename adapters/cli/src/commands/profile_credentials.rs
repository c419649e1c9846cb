//! The AWS credentials of the selected profile, from whichever source the settings resolver
//! found for it, for the commands that hand credentials to other programs
//! (`configure export-credentials`, `exec`, `serve`): the profile's SSO account and role
//! (through the session layer: the AWS CLI's role-credential cache, else the portal with the
//! session's token, refreshed when due), its `credential_process`, or static keys (the
//! environment's, the credentials file's, the config file's).

use ssooidc_core::config::ConfigError;
use ssooidc_core::settings::{CredentialSource, ProcessCredentials};
use ssooidc_ureq::credentials::{run_credential_process, DEFAULT_CREDENTIAL_PROCESS_TIMEOUT};
use ssooidc_ureq::session::{SessionSelector, Sessions};
use time::OffsetDateTime;

use crate::commands::auto_login::{with_login, AutoLogin};
use crate::context::Context;
use crate::exit::Failure;

/// Where a profile's credentials come from, decided once from its settings.
pub enum ProfileCredentials {
    /// The profile's `sso_account_id` and `sso_role_name`, through the session layer.
    Sso {
        /// The session store.
        sessions: Box<Sessions>,
        /// The profile.
        selector: SessionSelector,
        /// How to log in when the session cannot be refreshed, when the command may.
        auto_login: Option<AutoLogin>,
    },
    /// Anything else the resolver found (or the reason there is nothing).
    Resolved {
        /// What the resolver found.
        source: Result<CredentialSource, ConfigError>,
        /// The profile, for errors.
        profile: String,
    },
}

/// A profile's current credentials, and the warnings the way to them gave.
pub struct Fetched {
    /// The credentials.
    pub credentials: ProcessCredentials,
    /// Warnings for the user (from the session layer).
    pub warnings: Vec<String>,
}

impl ProfileCredentials {
    /// Where the selected profile's credentials come from. A profile with `sso_account_id` or
    /// `sso_role_name` uses its SSO role, as botocore's chain puts SSO before the credentials
    /// file and `credential_process`.
    pub fn of(ctx: &Context) -> Result<Self, Failure> {
        let profile = ctx.settings.profile.value.clone();
        Ok(match &ctx.settings.credentials {
            Err(ConfigError::UnsupportedCredentials {
                setting: "sso_account_id" | "sso_role_name",
                ..
            }) => ProfileCredentials::Sso {
                sessions: Box::new(ctx.sessions()?),
                selector: SessionSelector::Profile(profile),
                auto_login: None,
            },
            other => ProfileCredentials::Resolved {
                source: other.clone(),
                profile,
            },
        })
    }

    /// Logs in with `auto_login` when the SSO session cannot be refreshed (see
    /// [`AutoLogin`]).
    pub fn with_auto_login(mut self, login: Option<AutoLogin>) -> Self {
        if let ProfileCredentials::Sso { auto_login, .. } = &mut self {
            *auto_login = login;
        }
        self
    }

    /// The credentials now: an SSO role's with more than 15 minutes left (cached, or fetched
    /// with the session's token), a `credential_process`'s output (run now), or the static
    /// keys.
    pub fn fetch(&self) -> Result<Fetched, Failure> {
        match self {
            ProfileCredentials::Sso {
                sessions,
                selector,
                auto_login,
            } => {
                let got = with_login(auto_login.as_ref(), sessions, selector, || {
                    sessions.role_credentials(selector.clone())
                })?;
                Ok(Fetched {
                    credentials: got.credentials.to_process_credentials(),
                    warnings: got.warnings,
                })
            }
            ProfileCredentials::Resolved { source, profile } => {
                let credentials = match source {
                    Err(e) => return Err(e.clone().into()),
                    Ok(CredentialSource::Process { command }) => run_credential_process(
                        command,
                        DEFAULT_CREDENTIAL_PROCESS_TIMEOUT,
                        OffsetDateTime::now_utc(),
                    )
                    .map_err(|problem| ConfigError::CredentialProcess {
                        profile: profile.clone(),
                        problem,
                    })?,
                    Ok(other) => match other.static_keys() {
                        Some(keys) => ProcessCredentials::new(keys.clone(), None),
                        None => {
                            return Err(ConfigError::NoCredentials {
                                profile: profile.clone(),
                            }
                            .into())
                        }
                    },
                };
                Ok(Fetched {
                    credentials,
                    warnings: Vec::new(),
                })
            }
        }
    }
}
