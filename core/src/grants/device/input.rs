//! What the flow starts from: [`DeviceFlowInput`], [`DeviceFlowConfig`] and a
//! [`Registration`] (cached by the caller, or obtained by the flow).

use std::time::Duration;

use crate::endpoint::Endpoint;
pub use crate::registration::{Registration, REGISTRATION_EXPIRY_WINDOW};

/// What a login needs to know: where, for which access portal, under which client name and
/// scopes, and possibly a cached registration. Both logins take it: the device flow as
/// `DeviceFlowInput`, the browser login as
/// [`AuthCodeInput`](crate::authcode::AuthCodeInput) (the same type).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceFlowInput {
    /// The resolved OIDC endpoint (the browser login also builds its authorize URL from it).
    pub endpoint: Endpoint,
    /// The (resolved) access-portal start URL: `startUrl` of `StartDeviceAuthorization` in the
    /// device flow, `issuerUrl` of `RegisterClient` in the browser login.
    pub start_url: String,
    /// `clientName` for `RegisterClient` (the CLI sends `botocore-client-<session>`).
    pub client_name: String,
    /// The configured scopes. Device flow: `scopes` for `RegisterClient`, `None` (or empty)
    /// leaves the member out. Browser login: `None` (or empty) registers and asks for
    /// `sso:account:access`.
    pub scopes: Option<Vec<String>>,
    /// A cached registration, used when it fits the login and has time left
    /// ([`is_reusable_for_device_flow`](Registration::is_reusable_for_device_flow),
    /// [`is_reusable_for_authorization_code`](Registration::is_reusable_for_authorization_code))
    /// at the wall time the machine starts; otherwise the login registers anew.
    pub registration: Option<Registration>,
}

impl DeviceFlowInput {
    /// An input with no scopes and no cached registration.
    pub fn new(
        endpoint: Endpoint,
        start_url: impl Into<String>,
        client_name: impl Into<String>,
    ) -> Self {
        DeviceFlowInput {
            endpoint,
            start_url: start_url.into(),
            client_name: client_name.into(),
            scopes: None,
            registration: None,
        }
    }

    /// Sets the scopes to register.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Sets a cached registration.
    pub fn registration(mut self, registration: Registration) -> Self {
        self.registration = Some(registration);
        self
    }
}

/// Knobs of the flow's policy. The defaults are the AWS CLI's behaviour plus a bounded retry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceFlowConfig {
    /// **Testing knob**: the real length of one protocol second (default 1 s). An interval of
    /// `N` waits `N * second`, `slow_down` adds `5 * second`, the deadline is
    /// `expiresIn * second` after the start, and backoff scales the same way. Wall-clock stamps
    /// (token and registration `expiresAt`, the prompt's wall expiry) always use real seconds.
    /// Set it to a millisecond, with the emulator's matching knob, to run whole flows in
    /// milliseconds. Leave it alone in production.
    pub second: Duration,
    /// A lower bound on the polling interval, in protocol seconds (`None`: the server's value,
    /// or 5 when it sends none or 0).
    pub min_interval: Option<u32>,
    /// How many times in a row a retryable failure (5xx, throttling, transport error, malformed
    /// body; `slow_down` on the setup calls) is retried before the flow fails. Default 3.
    pub max_retries: u32,
    /// The device-code lifetime, in protocol seconds, when `StartDeviceAuthorization` sends no
    /// `expiresIn` (or 0). Default 600, the value AWS sends.
    pub default_expires_in: u32,
}

impl Default for DeviceFlowConfig {
    fn default() -> Self {
        DeviceFlowConfig {
            second: Duration::from_secs(1),
            min_interval: None,
            max_retries: 3,
            default_expires_in: 600,
        }
    }
}

impl DeviceFlowConfig {
    /// Sets [`second`](Self::second) (a testing knob).
    pub fn second(mut self, second: Duration) -> Self {
        self.second = second;
        self
    }

    /// Sets [`min_interval`](Self::min_interval).
    pub fn min_interval(mut self, secs: Option<u32>) -> Self {
        self.min_interval = secs;
        self
    }

    /// Sets [`max_retries`](Self::max_retries).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets [`default_expires_in`](Self::default_expires_in).
    pub fn default_expires_in(mut self, secs: u32) -> Self {
        self.default_expires_in = secs;
        self
    }
}
