//! How the command fails: the AWS CLI's exit codes and message forms.

use ssooidc_ureq::aws_cli_message;
use ssooidc_ureq::device::LoginError;
use ssooidc_ureq::session::SessionError;

/// Success.
pub const OK: i32 = 0;
/// Bad usage or input (the AWS CLI's 252).
pub const USAGE: i32 = 252;
/// The environment or configuration is invalid: a missing profile, a broken config file, no
/// credentials (the AWS CLI's 253).
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
}

impl From<ssooidc_ureq::Error> for Failure {
    fn from(e: ssooidc_ureq::Error) -> Self {
        let code = match &e {
            ssooidc_ureq::Error::Service { .. } => SERVICE,
            ssooidc_ureq::Error::Config(_) => CONFIG,
            _ => OTHER,
        };
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

impl From<SessionError> for Failure {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::Call(e) => e.into(),
            SessionError::Login(LoginError::Flow(flow)) => {
                match (flow.operation(), flow.service_error()) {
                    (Some(operation), Some(service)) => Failure {
                        code: SERVICE,
                        message: aws_cli_message(operation, service),
                    },
                    _ => Failure::other(flow.to_string()),
                }
            }
            SessionError::Config(_) | SessionError::AwsConfig(_) => Failure {
                code: CONFIG,
                message: e.to_string(),
            },
            other => Failure::other(other.to_string()),
        }
    }
}
