//! What a tool that embeds the login writes: everything it needs is imported from
//! `ssooidc_ureq` (and `ssooidc_core` for the lower-level types), with no `http` or `time` in its
//! manifest. `tests/embed.rs` runs it against the emulator.

use std::collections::HashMap;
use std::time::Duration;

use ssooidc_ureq::session::{SessionSelector, Sessions};
use ssooidc_ureq::{
    CallError, DeviceFlowConfig, DeviceFlowError, Event, LoginError, LoginOptions,
    TransportErrorKind,
};

/// What went wrong, as a tool would tell its user.
#[derive(Debug, PartialEq, Eq)]
pub enum Why {
    /// The person refused in the browser.
    Denied,
    /// Nobody approved in time.
    Expired,
    /// The service could not be reached.
    Offline,
    /// The service said no (its error name).
    Service(String),
    /// Anything else.
    Other(String),
}

/// Sorts a login failure into what the tool shows.
pub fn why(error: &ssooidc_ureq::session::SessionError) -> Why {
    use ssooidc_ureq::session::SessionError;
    match error {
        SessionError::Login(LoginError::Flow(DeviceFlowError::Denied { .. })) => Why::Denied,
        SessionError::Login(LoginError::Flow(e)) if e.is_expired() => Why::Expired,
        SessionError::Login(LoginError::Flow(DeviceFlowError::Call(call))) => why_call(call),
        SessionError::Call(call) => why_call(call),
        other => Why::Other(other.to_string()),
    }
}

fn why_call(call: &CallError) -> Why {
    match call {
        CallError::Transport { error, .. }
            if matches!(
                error.kind(),
                TransportErrorKind::Connect | TransportErrorKind::Timeout
            ) =>
        {
            Why::Offline
        }
        CallError::Service { error, .. } => Why::Service(error.name().to_owned()),
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
) -> Result<String, ssooidc_ureq::session::SessionError> {
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
pub fn cached_token(
    env: &HashMap<String, String>,
    session: &str,
) -> Result<String, ssooidc_ureq::session::SessionError> {
    let sessions = Sessions::from_env_map(env)?;
    let token = sessions.token(SessionSelector::SsoSession(session.into()))?;
    Ok(token.token.access_token.expose().to_owned())
}
