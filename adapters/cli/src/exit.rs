//! How the command fails: the AWS CLI's exit codes and message forms. The library's errors say
//! what is wrong; the advice on what to run is added here.

use ssooidc_ureq::core::text::for_terminal;
use ssooidc_ureq::device::LoginError;
use ssooidc_ureq::session::{SessionError, SessionSelector};
use ssooidc_ureq::{CallError, ConfigError, DeviceFlowError};

/// Success.
pub const OK: i32 = 0;
/// Bad usage or input (the AWS CLI's 252).
pub const USAGE: i32 = 252;
/// The environment or configuration is invalid: a missing profile, a broken config file, no
/// region, no credentials (the AWS CLI's 253).
pub const CONFIG: i32 = 253;
/// The service returned an error (the AWS CLI's 254).
pub const SERVICE: i32 = 254;
/// Any other failure (the AWS CLI's 255).
pub const OTHER: i32 = 255;
/// Interrupted with Ctrl-C (128 + SIGINT).
pub const INTERRUPTED: i32 = 130;

/// What the AWS CLI says when an SSO session has expired or its token is refused (botocore's
/// `UnauthorizedSSOTokenError`).
pub const SSO_SESSION_EXPIRED: &str = "The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login with the corresponding profile.";

/// A failure to report: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Message for stderr.
    pub message: String,
}

impl Failure {
    /// Bad usage or input.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: USAGE,
            message: message.into(),
        }
    }

    /// Any other failure.
    pub fn other(message: impl Into<String>) -> Self {
        Failure {
            code: OTHER,
            message: message.into(),
        }
    }

    /// Interrupted.
    pub fn interrupted() -> Self {
        Failure {
            code: INTERRUPTED,
            message: String::new(),
        }
    }

    /// A session failure, with the advice the AWS CLI gives for it (`selector`: the session the
    /// command worked on, for the command to suggest). A session that expired and cannot be
    /// refreshed, or whose token the portal refused, gets the AWS CLI's own words
    /// (botocore's `UnauthorizedSSOTokenError`) and exit 255.
    pub fn session(e: SessionError, selector: &SessionSelector) -> Self {
        let flags = selector.as_flags();
        let why = for_terminal(&e.to_string()).into_owned();
        match e {
            SessionError::NotLoggedIn { .. } => {
                Failure::other(format!("{why}; run `ssooidc login {flags}` to log in"))
            }
            SessionError::Expired { .. } | SessionError::Unauthorized { .. } => {
                Failure::other(format!(
                    "{SSO_SESSION_EXPIRED}\n{why}; run `ssooidc login {flags}` to log in again"
                ))
            }
            other => {
                // Service messages come from a server: safe for a terminal before they reach it.
                let failure = Failure::from(other);
                Failure {
                    message: for_terminal(&failure.message).into_owned(),
                    ..failure
                }
            }
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        let message = match &e {
            ConfigError::NoRegion => {
                "You must specify a region (--region, AWS_REGION, AWS_DEFAULT_REGION or `region` in the profile)."
                    .to_owned()
            }
            ConfigError::NoCredentials { .. } => format!(
                "Unable to locate credentials: {e}. `ssooidc configure list` shows what is configured."
            ),
            _ => e.to_string(),
        };
        Failure {
            code: CONFIG,
            message,
        }
    }
}

impl From<CallError> for Failure {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Service { .. } => Failure {
                code: SERVICE,
                message: e.to_string(),
            },
            CallError::Credentials { error, .. } => error.into(),
            other => Failure::other(other.to_string()),
        }
    }
}

impl From<LoginError> for Failure {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Cancelled => Failure::interrupted(),
            LoginError::Flow(DeviceFlowError::Call(call)) => call.into(),
            LoginError::Flow(flow) => match (flow.operation(), flow.service_error()) {
                (Some(operation), Some(service)) => Failure {
                    code: SERVICE,
                    message: service.cli_message(operation),
                },
                _ => Failure::other(flow.to_string()),
            },
            other => Failure::other(other.to_string()),
        }
    }
}

impl From<SessionError> for Failure {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::Config(e) => e.into(),
            SessionError::Call(e) => e.into(),
            SessionError::Login(e) => e.into(),
            other => Failure::other(other.to_string()),
        }
    }
}
