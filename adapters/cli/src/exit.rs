//! How the command fails: the AWS CLI's exit codes and message forms. The library's errors say
//! what is wrong; the advice on what to run is added here.

use ssooidc_ureq::core::oauth::DiscoveryError;
use ssooidc_ureq::core::text::for_terminal;
use ssooidc_ureq::device::LoginError;
use ssooidc_ureq::session::{SessionError, SessionSelector};
use ssooidc_ureq::{CallError, ConfigError, DeviceFlowError, ServiceError};

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
    /// command worked on, for the command to suggest).
    pub fn session(e: SessionError, selector: &SessionSelector) -> Self {
        let flags = selector.as_flags();
        match e {
            SessionError::NotLoggedIn { .. } => {
                Failure::other(format!("{e}; run `ssooidc login {flags}` to log in"))
            }
            SessionError::Expired { .. } => {
                Failure::other(format!("{e}; run `ssooidc login {flags}` to log in again"))
            }
            other => other.into(),
        }
    }
}

impl Failure {
    /// A failure of `ssooidc oauth`: the exit codes of the rest of the command, errors named by
    /// their OAuth code (`invalid_client`, `access_denied`), the provider's text made harmless
    /// for the terminal, and the command to run (`flags`: the arguments that name the login).
    pub fn oauth(e: SessionError, flags: &str) -> Self {
        let other = |message: String| Failure::other(for_terminal(&message).into_owned());
        match e {
            SessionError::NotLoggedIn { .. } => {
                other(format!("{e}; run `ssooidc oauth login {flags}` to log in"))
            }
            SessionError::Expired { .. } => other(format!(
                "{e}; run `ssooidc oauth login {flags}` to log in again"
            )),
            SessionError::Login(LoginError::Cancelled) => Failure::interrupted(),
            SessionError::Login(LoginError::Flow(DeviceFlowError::Call(call)))
            | SessionError::Call(call)
            | SessionError::Discovery(DiscoveryError::Call(call)) => Self::oauth_call(call),
            // A denial or an expiry: an answer of the token endpoint to a poll.
            SessionError::Login(LoginError::Flow(flow)) => match flow.service_error() {
                Some(service) => Failure {
                    code: SERVICE,
                    message: oauth_message(ssooidc_ureq::core::oauth::TOKEN, service, None),
                },
                None => other(flow.to_string()),
            },
            SessionError::Config(e) => e.into(),
            other_error => other(other_error.to_string()),
        }
    }

    fn oauth_call(call: CallError) -> Self {
        match &call {
            CallError::Service {
                operation,
                error,
                max_retries_reached,
            } => Failure {
                code: SERVICE,
                message: oauth_message(operation, error, *max_retries_reached),
            },
            CallError::Credentials { error, .. } => error.clone().into(),
            _ => Failure::other(for_terminal(&call.to_string()).into_owned()),
        }
    }
}

/// The AWS CLI's line for an error of a standard OAuth 2.0 provider, named by its OAuth code:
/// `An error occurred (invalid_client) when calling the Token operation: ...`.
fn oauth_message(operation: &str, error: &ServiceError, retries: Option<u32>) -> String {
    let code = error
        .meta()
        .error
        .as_deref()
        .unwrap_or_else(|| error.name());
    let retries = retries
        .map(|n| format!(" (reached max retries: {n})"))
        .unwrap_or_default();
    let line = match error.message() {
        Some(m) => format!(
            "An error occurred ({code}) when calling the {operation} operation{retries}: {m}"
        ),
        None => {
            format!("An error occurred ({code}) when calling the {operation} operation{retries}")
        }
    };
    for_terminal(&line).into_owned()
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
