//! What a driver of either login takes and gives: [`LoginOptions`] (the machines' policy
//! knobs, cancellation, the jitter seed, which login a session uses) and [`LoginError`] (why a
//! login ended without a token). Above both logins: the device flow and the browser login
//! share the events and the token they emit (`device::{Event, Token}`), not these.

use crate::authcode::AuthCodeError;
use crate::device::DeviceFlowError;
use crate::machine::MisuseError;

/// Why a driver of a login (the adapters' `device_login` and `authorization_code_login`) ended
/// without a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The device flow ended: denied, expired, a service error, or retries exhausted.
    #[error(transparent)]
    Flow(#[from] DeviceFlowError),
    /// The browser login ended: refused, a forged callback, expired, a service error, or
    /// retries exhausted.
    #[error(transparent)]
    AuthCode(#[from] AuthCodeError),
    /// The browser login's loopback listener could not be started on `127.0.0.1`.
    #[error("could not start the local listener for the browser login on 127.0.0.1: {message}")]
    Listener {
        /// What kind of I/O error it was.
        kind: std::io::ErrorKind,
        /// The operating system's message.
        message: String,
    },
    /// The operating system gave no randomness for the browser login's secrets.
    #[error("no randomness for the browser login: {0}")]
    Random(String),
    /// The driver was cancelled (its cancel token, or Ctrl-C).
    #[error("login cancelled")]
    Cancelled,
    /// The driver misused the machine (a bug; reported rather than panicking).
    #[error("internal error: {0}")]
    Misuse(#[from] MisuseError),
    /// The driver could not send a request as the machine transmitted it (it could not be
    /// signed, or no credentials could be had for it). Failures of the calls a login makes
    /// are its flow's ([`LoginError::Flow`], [`LoginError::AuthCode`]), whichever login it is.
    #[error(transparent)]
    Call(crate::call::CallError),
}

impl LoginError {
    /// The browser login's loopback listener could not be bound.
    pub fn listener(error: &std::io::Error) -> Self {
        LoginError::Listener {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

impl From<crate::machine::DriveError> for LoginError {
    fn from(e: crate::machine::DriveError) -> Self {
        use crate::machine::DriveError;
        match e {
            DriveError::Cancelled => LoginError::Cancelled,
            DriveError::Misuse(e) => LoginError::Misuse(e),
            DriveError::Call(e) => LoginError::Call(e),
        }
    }
}

/// How a driver runs a login: the machines' policy knobs, a way to cancel, the seed of the
/// retry jitter, and which login a session uses. The same for every adapter.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LoginOptions {
    /// The device flow's policy knobs (retries, interval floor, the `second` testing knob).
    pub flow: crate::device::DeviceFlowConfig,
    /// The browser login's policy knobs (the wait for the browser, retries, the `second`
    /// testing knob).
    pub auth_code: crate::authcode::AuthCodeConfig,
    /// Cancels the login from anywhere.
    pub cancel: crate::CancelToken,
    /// Seed of the retry jitter; `None`: the driver draws one.
    pub seed: Option<u64>,
    /// Use the device flow even where the browser login is the default (an sso-session), as
    /// `aws sso login --use-device-code` does. Read by the session logins
    /// ([`LoginFlow::choose`](crate::sessions::LoginFlow::choose)); a driver of one flow
    /// ignores it.
    pub use_device_code: bool,
}

impl LoginOptions {
    /// Sets [`flow`](Self::flow).
    pub fn flow(mut self, flow: crate::device::DeviceFlowConfig) -> Self {
        self.flow = flow;
        self
    }

    /// Sets [`auth_code`](Self::auth_code).
    pub fn auth_code(mut self, auth_code: crate::authcode::AuthCodeConfig) -> Self {
        self.auth_code = auth_code;
        self
    }

    /// Sets [`use_device_code`](Self::use_device_code).
    pub fn use_device_code(mut self, on: bool) -> Self {
        self.use_device_code = on;
        self
    }

    /// Sets [`cancel`](Self::cancel).
    pub fn cancel(mut self, cancel: crate::CancelToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// Sets [`seed`](Self::seed).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}
