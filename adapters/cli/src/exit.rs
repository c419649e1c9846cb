//! How the command fails: the AWS CLI's exit codes and message forms. The library's errors say
//! what is wrong; the advice on what to run is added here.
//!
//! A message is a [`Text`]: the library's error (whose message holds what servers and files
//! said) goes in as a value, sanitised once ([`Text::value`]); our advice around it, line
//! breaks included, goes in as it is written.

use ssooidc_ureq::core::oauth::DiscoveryError;
use ssooidc_ureq::core::ErrorCode;
use ssooidc_ureq::device::LoginError;
use ssooidc_ureq::session::{SessionError, SessionSelector};
use ssooidc_ureq::store::StoreError;
use ssooidc_ureq::{AuthCodeError, CallError, ConfigError, DeviceFlowError, ServiceError};

use crate::text;
use crate::text::Text;

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
/// The reader of stdout went away (a broken pipe: `ssooidc token | head -c0`): 128 + SIGPIPE,
/// what a shell reports for a program the signal ended, as [`INTERRUPTED`] is for Ctrl-C. The
/// result was not delivered, so not a success; but nobody is left to tell, so no message.
pub const BROKEN_PIPE: i32 = 141;

/// What the AWS CLI says when an SSO session has expired or its token is refused (botocore's
/// `UnauthorizedSSOTokenError`).
pub const SSO_SESSION_EXPIRED: &str = "The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login with the corresponding profile.";

/// A failure to report: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Message for stderr.
    pub message: Text,
}

impl Failure {
    /// Bad usage or input.
    pub fn usage(message: impl Into<Text>) -> Self {
        Failure {
            code: USAGE,
            message: message.into(),
        }
    }

    /// Any other failure.
    pub fn other(message: impl Into<Text>) -> Self {
        Failure {
            code: OTHER,
            message: message.into(),
        }
    }

    /// stdout's reader went away: [`BROKEN_PIPE`], no message.
    pub fn broken_pipe() -> Self {
        Failure {
            code: BROKEN_PIPE,
            message: Text::default(),
        }
    }

    /// Interrupted.
    pub fn interrupted() -> Self {
        Failure {
            code: INTERRUPTED,
            message: Text::default(),
        }
    }

    /// A session failure, with the advice the AWS CLI gives for it (`selector`: the session the
    /// command worked on, for the command to suggest). A session that expired and cannot be
    /// refreshed, or whose token the portal refused, gets the AWS CLI's own words
    /// (botocore's `UnauthorizedSSOTokenError`) and exit 255.
    pub fn session(e: SessionError, selector: &SessionSelector) -> Self {
        let flags = Text::value(selector.as_flags());
        let why = Text::value(&e);
        match e {
            SessionError::NotLoggedIn { .. } => Failure::other(text!(
                "{}; run `ssooidc login {}` to log in",
                why,
                flags
            )),
            // The AWS CLI's words on a line of their own, then ours.
            SessionError::Expired { .. } | SessionError::Unauthorized { .. } => {
                Failure::other(text!(
                    "{}\n{}; run `ssooidc login {}` to log in again",
                    SSO_SESSION_EXPIRED,
                    why,
                    flags
                ))
            }
            SessionError::Login(LoginError::Flow(
                DeviceFlowError::AnswerLost { .. } | DeviceFlowError::AlreadyExpired { .. },
            )) => Failure::other(text!("{}; run `ssooidc login {}` again", why, flags)),
            SessionError::LoginFailedElsewhere { .. } => Failure::other(text!(
                "Another ssooidc started a login for {} moments ago and it did not complete (it failed, was denied or was interrupted); run `ssooidc login {}` to log in",
                flags,
                flags
            )),
            SessionError::Login(LoginError::AuthCode(
                AuthCodeError::DeadlineReachedWithCachedRegistration,
            )) => Failure::other(text!(
                "The pending authorization to retrieve an SSO token has expired. The browser did not come back, and the login used a cached client registration that the service may no longer accept (it then shows an error page instead of returning). \
                 Run `ssooidc login {} --use-device-code`, which registers a client of its own, or remove the cached registration file and log in again.",
                flags
            )),
            SessionError::Login(LoginError::AuthCode(AuthCodeError::RegistrationRejected(_))) => {
                Failure {
                    code: SERVICE,
                    message: text!(
                        "{}. Check that the session's sso_region is the region of your IAM Identity Center and that sso_start_url is right",
                        why
                    ),
                }
            }
            SessionError::Login(LoginError::Flow(flow))
                if flow.service_error().and_then(|e| e.code())
                    == Some(ErrorCode::InvalidClient) =>
            {
                let mut failure = Failure::from(LoginError::Flow(flow));
                failure.message.push(
                    ". The service refused a newly registered client too: check that the session's sso_region is the region of your IAM Identity Center and that sso_start_url is right",
                );
                failure
            }
            other => Failure::from(other),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        let message = match &e {
            StoreError::Insecure { path, .. } => text!(
                "{}. Fix: remove it (`rm -r {}`) so that ssooidc makes a private one, or have its owner run `chmod 700` on it",
                Text::value(&e),
                Text::value(path.display())
            ),
            _ => Text::value(&e),
        };
        Failure::other(message)
    }
}

impl Failure {
    /// A failure of `ssooidc oauth`: the exit codes of the rest of the command, errors named by
    /// their OAuth code (`invalid_client`, `access_denied`), the provider's text made harmless
    /// for the terminal, and the command to run (`flags`: the arguments that name the login).
    pub fn oauth(e: SessionError, flags: &Text) -> Self {
        match e {
            SessionError::NotLoggedIn { .. } => Failure::other(text!(
                "{}; run `ssooidc oauth login {}` to log in",
                Text::value(&e),
                flags
            )),
            SessionError::Expired { .. } => Failure::other(text!(
                "{}; run `ssooidc oauth login {}` to log in again",
                Text::value(&e),
                flags
            )),
            SessionError::Login(LoginError::Cancelled) => Failure::interrupted(),
            SessionError::Login(LoginError::Flow(DeviceFlowError::Call(call)))
            | SessionError::Call(call)
            | SessionError::Discovery(DiscoveryError::Call(call)) => Self::oauth_call(call),
            // A denial or an expiry: an answer to a poll, named by the operation polled with.
            SessionError::Login(LoginError::Flow(flow)) => {
                match (flow.operation(), flow.service_error()) {
                    (Some(operation), Some(service)) => Failure {
                        code: SERVICE,
                        message: oauth_message(operation, service, None),
                    },
                    _ => Failure::other(Text::value(&flow)),
                }
            }
            SessionError::Config(e) => e.into(),
            other_error => Failure::other(Text::value(&other_error)),
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
            CallError::Credentials { error, .. } => credentials_failure(error),
            _ => Failure::other(Text::value(&call)),
        }
    }
}

/// The AWS CLI's line for an error of a standard OAuth 2.0 provider, named by its OAuth code:
/// `An error occurred (invalid_client) when calling the Token operation: ...`.
fn oauth_message(operation: &str, error: &ServiceError, retries: Option<u32>) -> Text {
    let code = error
        .meta()
        .error
        .as_deref()
        .unwrap_or_else(|| error.name());
    let mut line = text!(
        "An error occurred ({}) when calling the {} operation",
        Text::value(code),
        Text::value(operation)
    );
    if let Some(n) = retries {
        line.push(text!(" (reached max retries: {})", n));
    }
    if let Some(m) = error.message() {
        line.push(text!(": {}", Text::value(m)));
    }
    line
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        let message = match &e {
            ConfigError::NoRegion => Text::from(
                "You must specify a region (--region, AWS_REGION, AWS_DEFAULT_REGION or `region` in the profile).",
            ),
            ConfigError::NoCredentials { .. } => text!(
                "Unable to locate credentials: {}. `ssooidc configure list` shows what is configured.",
                Text::value(&e)
            ),
            _ => Text::value(&e),
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
                message: Text::value(&e),
            },
            CallError::Credentials { error, .. } => credentials_failure(&error),
            other => Failure::other(Text::value(&other)),
        }
    }
}

impl From<LoginError> for Failure {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Cancelled => Failure::interrupted(),
            LoginError::AuthCode(e) => e.into(),
            LoginError::Listener { message, .. } => Failure::other(text!(
                "Unable to initialize the OAuth 2.0 authorization callback handler on 127.0.0.1: {}. \
                 You may use --use-device-code to fall back to the device code flow, which does not need it.",
                Text::value(message)
            )),
            LoginError::Flow(DeviceFlowError::Call(call)) | LoginError::Call(call) => call.into(),
            LoginError::Flow(flow) => match (flow.operation(), flow.service_error()) {
                (Some(operation), Some(service)) => Failure {
                    code: SERVICE,
                    message: Text::value(service.cli_message(operation)),
                },
                _ => Failure::other(Text::value(&flow)),
            },
            other => Failure::other(Text::value(&other)),
        }
    }
}

/// The AWS CLI's messages for a browser login that ended without a token
/// (`AuthorizationCodeLoadError`, `PendingAuthorizationExpiredError`: exit 255), with what the
/// browser was told when it came back with an error.
impl From<AuthCodeError> for Failure {
    fn from(e: AuthCodeError) -> Self {
        match e {
            AuthCodeError::Refused(refused) => Failure::other(text!(
                "Error loading authorization code: Failed to retrieve an authorization code ({}).",
                Text::value(&refused)
            )),
            AuthCodeError::StateMismatch => Failure::other(
                "Error loading authorization code: State parameter does not match expected value.",
            ),
            AuthCodeError::DeadlineReached
            | AuthCodeError::DeadlineReachedWithCachedRegistration
            | AuthCodeError::Expired(_) => Failure::other(
                "The pending authorization to retrieve an SSO token has expired. The login flow to retrieve an SSO token must be restarted.",
            ),
            AuthCodeError::Call(call) => call.into(),
            other => Failure::other(Text::value(&other)),
        }
    }
}

impl From<SessionError> for Failure {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::Config(e) => e.into(),
            SessionError::Call(e) => e.into(),
            SessionError::Login(e) => e.into(),
            SessionError::Store(e) => e.into(),
            other => Failure::other(Text::value(&other)),
        }
    }
}

/// A signed call without credentials: a configuration error keeps its AWS CLI exit code and
/// message; any other source's error is reported as it is.
fn credentials_failure(error: &ssooidc_ureq::core::CredentialsError) -> Failure {
    match error.downcast_ref::<ConfigError>() {
        Some(config) => config.clone().into(),
        None => Failure::other(Text::value(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssooidc_core::authcode::AuthorizationError;

    #[test]
    fn a_listener_that_cannot_be_bound_suggests_the_device_flow() {
        let error = std::io::Error::new(std::io::ErrorKind::AddrInUse, "address in use");
        let failure = Failure::from(LoginError::listener(&error));
        assert_eq!(failure.code, OTHER);
        assert!(
            failure.message.contains("address in use"),
            "{}",
            failure.message
        );
        assert!(
            failure.message.contains("--use-device-code"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn browser_login_failures_read_as_the_aws_clis() {
        let refused = Failure::from(LoginError::AuthCode(AuthCodeError::Refused(
            AuthorizationError::new("access_denied", Some("no\x1b[2J".into())),
        )));
        assert_eq!(refused.code, OTHER);
        assert!(refused.message.starts_with(
            "Error loading authorization code: Failed to retrieve an authorization code (access_denied: no"
        ));
        assert!(
            !refused.message.contains('\x1b'),
            "sanitised: {:?}",
            refused.message
        );
        let forged = Failure::from(LoginError::AuthCode(AuthCodeError::StateMismatch));
        assert!(forged
            .message
            .contains("State parameter does not match expected value"));
        let selector = SessionSelector::SsoSession("my-sso".into());
        let cached = Failure::session(
            SessionError::Login(LoginError::AuthCode(
                AuthCodeError::DeadlineReachedWithCachedRegistration,
            )),
            &selector,
        );
        assert_eq!(cached.code, OTHER);
        assert!(
            cached.message.contains("cached client registration")
                && cached.message.contains("--use-device-code")
                && cached
                    .message
                    .contains("remove the cached registration file"),
            "{}",
            cached.message
        );
        let rejected = Failure::session(
            SessionError::Login(LoginError::AuthCode(AuthCodeError::RegistrationRejected(
                ServiceError::from_code(ErrorCode::InvalidClient, "gone\x1b[2J"),
            ))),
            &selector,
        );
        assert_eq!(rejected.code, SERVICE);
        assert!(
            rejected.message.contains("even after registering anew")
                && rejected.message.contains("sso_region")
                && !rejected.message.contains('\x1b'),
            "{}",
            rejected.message
        );
        let late = Failure::from(LoginError::AuthCode(AuthCodeError::DeadlineReached));
        assert!(late
            .message
            .starts_with("The pending authorization to retrieve an SSO token has expired"));
        assert_eq!(late.code, OTHER);
    }
}
