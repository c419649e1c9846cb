//! The OIDC service itself: registrations, device authorizations, authorization codes and
//! tokens, with no HTTP in sight. Time comes in as [`Now`], so the logic is testable without
//! sleeping.
//!
//! This module holds the state every operation shares ([`Service`]), the clock and the helpers
//! for lifetimes. Each operation lives in its own module:
//!
//! | Module | What |
//! |---|---|
//! | `registration` | RegisterClient, and authenticating a client id and secret |
//! | `device` | StartDeviceAuthorization, the device-code grant, the verification page's approve and deny |
//! | `authorization_code` | `/authorize` and its consent, the authorization-code grant with PKCE |
//! | `tokens` | CreateToken (choosing the grant), issuing tokens, the refresh-token grant |
//! | `iam` | CreateTokenWithIAM |
//! | `portal` | the SSO portal: GetRoleCredentials, ListAccounts, ListAccountRoles, Logout, for the access tokens `tokens` issued |
//! | `federation` | the sign-in federation endpoint: sign-in tokens for the role credentials `portal` issued |
//! | `sts` | STS `GetCallerIdentity` for the role credentials `portal` issued, their SigV4 signature verified |
//! | `oauth` | the standard OAuth 2.0 mode: pre-registered clients, their authentication, its device and token requests |

mod authorization_code;
mod device;
mod federation;
mod iam;
mod oauth;
mod portal;
mod registration;
mod sts;
mod tokens;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ssooidc_core::{ErrorCode, ServiceError};

use crate::config::{Approval, Config};
use crate::ids::Ids;

pub(crate) use authorization_code::{AuthorizeOutcome, AuthorizeQuery};
pub(crate) use device::{DeviceStatus, DeviceView};
use federation::IssuedRole;
pub(crate) use oauth::Presented;
pub use oauth::{OAuthClientConfig, OAuthMode, OAuthQuirks};
pub(crate) use portal::PortalCall;
pub(crate) use sts::{CallerIdentity, StsError};

use authorization_code::{AuthCode, Consent};
use device::Device;
use registration::Registration;
use tokens::{AccessGrant, RefreshGrant};

/// The time of a request: a monotonic instant for expiry and polling, and the wall clock in
/// epoch seconds for the numbers on the wire.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Now {
    pub instant: Instant,
    pub epoch: i64,
}

impl Now {
    /// `instant`, with the wall clock `wall` in epoch seconds (0 before 1970).
    pub(crate) fn at(instant: Instant, wall: std::time::SystemTime) -> Self {
        let epoch = wall
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Now { instant, epoch }
    }

    /// `delay` later (saturating: an instant that cannot be represented stays put).
    pub(crate) fn later(self, delay: Duration) -> Self {
        let seconds = i64::try_from(delay.as_secs()).unwrap_or(i64::MAX);
        Now {
            instant: self.instant.checked_add(delay).unwrap_or(self.instant),
            epoch: self.epoch.saturating_add(seconds),
        }
    }

    pub(crate) fn system() -> Self {
        Now::at(Instant::now(), std::time::SystemTime::now())
    }
}

fn fail(code: ErrorCode, description: &str) -> ServiceError {
    ServiceError::from_code(code, description)
}

fn wire_i32(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// The emulated service's state.
pub(crate) struct Service {
    cfg: Config,
    ids: Ids,
    clients: HashMap<String, Registration>,
    devices: HashMap<String, Device>,
    user_codes: HashMap<String, String>,
    auth_codes: HashMap<String, AuthCode>,
    consents: HashMap<String, Consent>,
    refresh: HashMap<String, RefreshGrant>,
    access: HashMap<String, AccessGrant>,
    roles: HashMap<String, IssuedRole>,
    signin_tokens: HashMap<String, i64>,
}

impl Service {
    pub(crate) fn new(cfg: Config) -> Self {
        let mut service = Service {
            cfg,
            ids: Ids::new(),
            clients: HashMap::new(),
            devices: HashMap::new(),
            user_codes: HashMap::new(),
            auth_codes: HashMap::new(),
            consents: HashMap::new(),
            refresh: HashMap::new(),
            access: HashMap::new(),
            roles: HashMap::new(),
            signin_tokens: HashMap::new(),
        };
        service.register_oauth_clients();
        service
    }

    pub(crate) fn set_approval(&mut self, approval: Approval) {
        self.cfg.approval = approval;
    }

    /// `protocol_seconds` of protocol time, in real time; `None` when time stands still.
    fn real(&self, protocol_seconds: u32) -> Option<Duration> {
        (!self.cfg.second.is_zero()).then(|| self.cfg.second.saturating_mul(protocol_seconds))
    }

    fn expired(&self, since: Instant, lifetime: u32, now: Now) -> bool {
        self.real(lifetime)
            .is_some_and(|life| now.instant.saturating_duration_since(since) >= life)
    }

    /// Forgets codes that expired long ago (twice their lifetime), so a long-running emulator
    /// does not grow without bound.
    fn prune(&mut self, now: Now) {
        let Some(life) = self.real(self.cfg.expires_in) else {
            return;
        };
        let keep = life.saturating_mul(2);
        let old = |t: Instant| now.instant.saturating_duration_since(t) > keep;
        let stale: Vec<String> = self
            .devices
            .iter()
            .filter(|(_, d)| old(d.created))
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            if let Some(d) = self.devices.remove(&k) {
                self.user_codes.remove(&d.user_code);
            }
        }
        self.auth_codes.retain(|_, c| !old(c.created));
        self.consents.retain(|_, c| !old(c.created));
        if let Some(life) = self.real(self.cfg.access_token_lifetime) {
            let keep = life.saturating_mul(2);
            self.access
                .retain(|_, a| now.instant.saturating_duration_since(a.created) <= keep);
        }
    }
}

#[cfg(test)]
mod test_support {
    use super::*;

    pub(super) fn at(base: Instant, ms: u64) -> Now {
        Now {
            instant: base + Duration::from_millis(ms),
            epoch: 1_767_552_707,
        }
    }

    pub(super) fn service(second_ms: u64) -> Service {
        let cfg = Config::default().second(Duration::from_millis(second_ms));
        Service::new(cfg)
    }
}
