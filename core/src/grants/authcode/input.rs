//! What the flow starts from: [`AuthCodeInput`] and [`AuthCodeConfig`].

use std::time::Duration;

/// What a browser login needs to know: the same as the device flow
/// ([`DeviceFlowInput`](crate::device::DeviceFlowInput)): the endpoint (the authorize URL is
/// built from its scheme and host), the start URL (sent as `issuerUrl`), the client name, the
/// scopes (none: `sso:account:access`) and a cached registration (used when it is a PKCE one
/// with time left).
pub type AuthCodeInput = crate::device::DeviceFlowInput;

/// Knobs of the flow's policy. The defaults are the AWS CLI's behaviour plus a bounded retry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthCodeConfig {
    /// **Testing knob**: the real length of one protocol second (default 1 s); scales the
    /// callback deadline and the backoff. Wall-clock stamps always use real seconds.
    pub second: Duration,
    /// How long, in protocol seconds, the flow waits for the browser to come back once the
    /// authorize URL is out. Default 600, the AWS CLI's.
    pub callback_timeout: u32,
    /// How many times in a row a retryable failure of `RegisterClient` or `CreateToken` (5xx,
    /// throttling, transport error, malformed body) is retried. Default 3.
    pub max_retries: u32,
}

impl Default for AuthCodeConfig {
    fn default() -> Self {
        AuthCodeConfig {
            second: Duration::from_secs(1),
            callback_timeout: 600,
            max_retries: 3,
        }
    }
}

impl AuthCodeConfig {
    /// Sets [`second`](Self::second) (a testing knob).
    pub fn second(mut self, second: Duration) -> Self {
        self.second = second;
        self
    }

    /// Sets [`callback_timeout`](Self::callback_timeout).
    pub fn callback_timeout(mut self, secs: u32) -> Self {
        self.callback_timeout = secs;
        self
    }

    /// Sets [`max_retries`](Self::max_retries).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }
}
