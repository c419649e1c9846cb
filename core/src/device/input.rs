//! What the flow starts from: [`DeviceFlowInput`], [`DeviceFlowConfig`] and a
//! [`Registration`] (cached by the caller, or obtained by the flow).

use std::time::Duration;

use time::OffsetDateTime;

use crate::endpoint::Endpoint;
use crate::operations::{grant_type, RegisterClientOutput};
use crate::Secret;

/// A registration is reused only with at least this much life left (the AWS CLI's
/// `_EXPIRY_WINDOW`, spec 6.4). Wall-clock time: 15 real minutes.
pub const REGISTRATION_EXPIRY_WINDOW: Duration = Duration::from_secs(15 * 60);

/// A registered public client: what `RegisterClient` returned, in the form the AWS CLI caches
/// it (spec 6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Registration {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret` (redacted in `Debug`).
    pub client_secret: Secret,
    /// When the registration stops working: `clientSecretExpiresAt` (epoch seconds) in UTC.
    pub expires_at: OffsetDateTime,
    /// The scopes it was registered with, if any were configured.
    pub scopes: Option<Vec<String>>,
    /// `grantTypes`: absent for device-flow registrations; `["authorization_code",
    /// "refresh_token"]` for PKCE ones.
    pub grant_types: Option<Vec<String>>,
}

impl Registration {
    /// A registration with no scopes and no grant types (a device-flow registration).
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        expires_at: OffsetDateTime,
    ) -> Self {
        Registration {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            expires_at,
            scopes: None,
            grant_types: None,
        }
    }

    /// Sets `scopes`.
    pub fn with_scopes(mut self, scopes: Option<Vec<String>>) -> Self {
        self.scopes = scopes;
        self
    }

    /// Sets `grantTypes`.
    pub fn with_grant_types(mut self, grant_types: Option<Vec<String>>) -> Self {
        self.grant_types = grant_types;
        self
    }

    /// Whether it was registered for the authorization-code (PKCE) flow, which the device flow
    /// cannot use: its `grantTypes` has `authorization_code`.
    pub fn is_authorization_code(&self) -> bool {
        self.grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|t| t == grant_type::AUTHORIZATION_CODE))
    }

    /// The AWS CLI's reuse rule for the device flow (spec 6.4): at least
    /// [`REGISTRATION_EXPIRY_WINDOW`] left at `wall_now`, and not a PKCE registration (older
    /// caches without `grantTypes` count as device registrations).
    pub fn is_reusable_for_device_flow(&self, wall_now: OffsetDateTime) -> bool {
        !self.is_authorization_code()
            && wall_now
                .checked_add(time::Duration::seconds(
                    REGISTRATION_EXPIRY_WINDOW.as_secs() as i64,
                ))
                .is_some_and(|limit| self.expires_at >= limit)
    }

    /// The registration `RegisterClient` returned for a device-flow request with `scopes`.
    /// `clientSecretExpiresAt` becomes `expires_at`; when it is missing or out of range,
    /// `wall_now` is used, so the registration is never reused.
    pub fn from_output(
        output: RegisterClientOutput,
        scopes: Option<Vec<String>>,
        wall_now: OffsetDateTime,
    ) -> Self {
        let expires_at = output
            .client_secret_expires_at
            .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
            .unwrap_or(wall_now);
        Registration {
            client_id: output.client_id,
            client_secret: output.client_secret,
            expires_at,
            scopes,
            grant_types: None,
        }
    }
}

/// What a device flow needs to know: where, for which access portal, under which client name
/// and scopes, and possibly a cached registration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceFlowInput {
    /// The resolved OIDC endpoint.
    pub endpoint: Endpoint,
    /// The (resolved) access-portal start URL, sent in `StartDeviceAuthorization`.
    pub start_url: String,
    /// `clientName` for `RegisterClient` (the CLI sends `botocore-client-<session>`).
    pub client_name: String,
    /// `scopes` for `RegisterClient`; `None` (or empty) leaves the member out.
    pub scopes: Option<Vec<String>>,
    /// A cached registration. Used when
    /// [`is_reusable_for_device_flow`](Registration::is_reusable_for_device_flow) at the wall
    /// time given to [`DeviceFlow::new`](super::DeviceFlow::new); otherwise the flow registers anew.
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
