//! [`Registration`]: a registered public client, as the flows use it and as the AWS CLI
//! caches it (spec 6.4).

use std::time::Duration;

use time::OffsetDateTime;

use crate::operations::{grant_type, RegisterClientOutput};
use crate::{Secret, Timestamp};

/// A registration is reused only with at least this much life left (the AWS CLI's
/// `_EXPIRY_WINDOW`, spec 6.4). Wall-clock time: 15 real minutes.
pub const REGISTRATION_EXPIRY_WINDOW: Duration = Duration::from_secs(15 * 60);

/// A registered public client: what `RegisterClient` returned, in the form the AWS CLI caches
/// it (spec 6.4).
///
/// The same type is the registration cache file's model ([`Registration::from_json`],
/// [`Registration::to_json`]); members of the file this version does not know are kept in
/// `extra` so a rewrite loses nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Registration {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret` (redacted in `Debug`).
    pub client_secret: Secret,
    /// When the registration stops working: `clientSecretExpiresAt` (epoch seconds) in UTC.
    pub expires_at: Timestamp,
    /// The scopes it was registered with, if any were configured.
    pub scopes: Option<Vec<String>>,
    /// `grantTypes`: absent for device-flow registrations; `["authorization_code",
    /// "refresh_token"]` for PKCE ones.
    pub grant_types: Option<Vec<String>>,
    /// Members of the cache file this version does not know.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Registration {
    /// A registration with no scopes and no grant types (a device-flow registration).
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        expires_at: impl Into<Timestamp>,
    ) -> Self {
        Registration {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            expires_at: expires_at.into(),
            scopes: None,
            grant_types: None,
            extra: serde_json::Map::new(),
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
        !self.is_authorization_code() && self.has_time_left(wall_now)
    }

    /// The AWS CLI's reuse rule for the authorization-code flow: at least
    /// [`REGISTRATION_EXPIRY_WINDOW`] left at `wall_now`, and a PKCE registration.
    pub fn is_reusable_for_authorization_code(&self, wall_now: OffsetDateTime) -> bool {
        self.is_authorization_code() && self.has_time_left(wall_now)
    }

    fn has_time_left(&self, wall_now: OffsetDateTime) -> bool {
        wall_now
            .checked_add(time::Duration::seconds(
                REGISTRATION_EXPIRY_WINDOW.as_secs() as i64,
            ))
            .is_some_and(|limit| self.expires_at >= limit)
    }

    /// The registration `RegisterClient` returned for a device-flow request with `scopes`.
    /// `clientSecretExpiresAt` becomes `expires_at`; when it is missing or out of range (outside
    /// the years 0000 to 9999 that the cache file can hold), `wall_now` is used (in whole
    /// seconds, as the file holds it), so the registration is never reused.
    pub fn from_output(
        output: RegisterClientOutput,
        scopes: Option<Vec<String>>,
        wall_now: OffsetDateTime,
    ) -> Self {
        let expires_at = output
            .client_secret_expires_at
            .and_then(crate::base::timestamp::from_epoch_seconds)
            .unwrap_or(crate::base::timestamp::whole_seconds(wall_now).into());
        Registration {
            client_id: output.client_id,
            client_secret: output.client_secret,
            expires_at,
            scopes,
            grant_types: None,
            extra: serde_json::Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    /// Without a usable `clientSecretExpiresAt` the registration expires "now", in whole
    /// seconds as its cache file holds it: the registration a login returns is the one a later
    /// read of the file gives.
    #[test]
    fn a_registration_without_an_expiry_expires_now_in_whole_seconds() {
        let output: RegisterClientOutput = serde_json::from_value(serde_json::json!({
            "clientId": "cid", "clientSecret": "sec"
        }))
        .unwrap();
        let wall = datetime!(2026-01-04 18:51:47.5 UTC);
        let registration = Registration::from_output(output, None, wall);
        assert_eq!(registration.expires_at, datetime!(2026-01-04 18:51:47 UTC));
        let back = Registration::from_json(registration.to_json().as_bytes()).unwrap();
        assert_eq!(back, registration);
    }
}
