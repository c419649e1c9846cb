//! What a tool that embeds the login writes: everything it needs is imported from
//! `ssooidc_ureq`, errors and the types inside them included (its root re-exports them), with
//! no `ssooidc_core` path, and only `ssooidc-ureq` in its manifest (no `ssooidc-core`, `http`
//! or `time`). `tests/embed.rs` runs it
//! against the emulator.
//!
//! The crate also holds the other places that promise `ssooidc-ureq` is enough: the code blocks
//! of its README and of the project's README are doc tests here, and its examples are this
//! crate's examples (see `Cargo.toml`), so each compiles with no `ssooidc_core`, `http` or
//! `time` to lean on.

use std::collections::HashMap;
use std::time::Duration;

use ssooidc_ureq::session::{SessionSelector, Sessions};
use ssooidc_ureq::{
    CallError, DeviceFlowConfig, DeviceFlowError, ErrorCode, Event, LoginError, LoginOptions,
    ServiceError, SessionError, TransportErrorKind,
};

/// What went wrong, as a tool would tell its user.
#[derive(Debug, PartialEq, Eq)]
pub enum Why {
    /// The person refused in the browser; `operation` is the request that was told so.
    Denied {
        /// The operation that answered with the denial (`CreateToken` for AWS).
        operation: &'static str,
    },
    /// Nobody approved in time: the service said so (`service`), or the flow's own deadline
    /// passed.
    Expired {
        /// Whether the service said so (`ExpiredTokenException`).
        service: bool,
    },
    /// The service could not be reached: how.
    Offline(TransportErrorKind),
    /// The service said no.
    Service {
        /// The operation it refused.
        operation: &'static str,
        /// The modelled error, when it is one.
        code: Option<ErrorCode>,
        /// The error's name as sent.
        name: String,
    },
    /// Anything else.
    Other(String),
}

/// Sorts a login failure into what the tool shows.
pub fn why(error: &SessionError) -> Why {
    match error {
        SessionError::Login(LoginError::Flow(flow)) => why_flow(flow),
        SessionError::Call(call) => why_call(call),
        other => Why::Other(other.to_string()),
    }
}

fn why_flow(flow: &DeviceFlowError) -> Why {
    match flow {
        DeviceFlowError::Denied {
            operation,
            error: ServiceError::AccessDenied { .. },
        } => Why::Denied { operation },
        DeviceFlowError::Expired {
            error: ServiceError::ExpiredToken { .. },
            ..
        } => Why::Expired { service: true },
        DeviceFlowError::DeadlineReached => Why::Expired { service: false },
        DeviceFlowError::Call(call) => why_call(call),
        other => Why::Other(other.to_string()),
    }
}

fn why_call(call: &CallError) -> Why {
    match call {
        CallError::Transport { error, .. } => match error.kind() {
            kind @ (TransportErrorKind::Connect
            | TransportErrorKind::Timeout
            | TransportErrorKind::ConnectionClosed) => Why::Offline(kind),
            _ => Why::Other(call.to_string()),
        },
        CallError::Service {
            operation, error, ..
        } => Why::Service {
            operation,
            code: error.code(),
            name: error.name().to_owned(),
        },
        other => Why::Other(other.to_string()),
    }
}

/// Logs in to the sso-session `session` (a `HOME` with its config is in `env`), showing the
/// code on stderr, and returns the access token. `second` is the length of a protocol second
/// (1 s in real use).
pub fn login(
    env: &HashMap<String, String>,
    session: &str,
    second: Duration,
) -> Result<String, SessionError> {
    let sessions = Sessions::from_env_map(env)?;
    // The device flow, as `aws sso login --use-device-code`: an sso-session's default is the
    // browser login, which waits for a browser this test does not have.
    let options = LoginOptions::default()
        .flow(DeviceFlowConfig::default().second(second))
        .use_device_code(true);
    let result = sessions.login(
        SessionSelector::SsoSession(session.into()),
        options,
        |event| {
            if let Event::Prompt(prompt) = event {
                eprintln!(
                    "Open {} and enter {}",
                    prompt.verification_uri, prompt.user_code
                );
            }
        },
    )?;
    Ok(result.token.access_token.expose().to_owned())
}

/// The cached token of `session` (refreshed when due), as a credential helper prints it.
pub fn cached_token(env: &HashMap<String, String>, session: &str) -> Result<String, SessionError> {
    let sessions = Sessions::from_env_map(env)?;
    let token = sessions.token(SessionSelector::SsoSession(session.into()))?;
    Ok(token.token.access_token.expose().to_owned())
}

/// The code blocks of `adapters/ureq/README.md`, compiled (and run, unless `no_run`) as doc
/// tests of a crate that depends on `ssooidc-ureq` only.
#[cfg(doctest)]
#[doc = include_str!("../../../adapters/ureq/README.md")]
pub struct UreqReadmeDoctests;

/// The code blocks of the project's `README.md`, which shows `ssooidc-ureq` (the core's own
/// examples are in `core/README.md`), compiled as doc tests of a crate that depends on
/// `ssooidc-ureq` only.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ProjectReadmeDoctests;
