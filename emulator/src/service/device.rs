//! The device flow: StartDeviceAuthorization, the device-code grant of CreateToken (polling,
//! `slow_down`, expiry, single use), and the verification page's view, approve and deny.

use std::time::{Duration, Instant};

use ssooidc_core::operations::{
    grant_type, CreateToken, CreateTokenOutput, StartDeviceAuthorization,
    StartDeviceAuthorizationOutput,
};
use ssooidc_core::{ErrorCode, Secret, ServiceError};

use super::registration::Registration;
use super::{fail, wire_i32, Now, Service};
use crate::config::Approval;
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeviceState {
    Pending,
    Approved,
    Denied,
    Redeemed,
}

pub(super) struct Device {
    client_id: String,
    pub(super) user_code: String,
    start_url: String,
    state: DeviceState,
    pub(super) created: Instant,
    /// Current required interval in protocol seconds (grows with every `slow_down`).
    interval: u32,
    last_poll: Option<Instant>,
    pending_polls: u32,
}

/// What the verification page shows about a user code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeviceView {
    pub user_code: String,
    pub client_name: String,
    pub start_url: String,
    pub status: DeviceStatus,
}

/// Where a device authorization stands, as a person sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    Used,
    Expired,
}

impl Service {
    pub(crate) fn start_device_authorization(
        &mut self,
        input: StartDeviceAuthorization,
        base_url: &str,
        now: Now,
    ) -> Result<StartDeviceAuthorizationOutput, ServiceError> {
        let reg = self.authenticate(&input.client_id, &input.client_secret, now)?;
        if !reg.allows(grant_type::DEVICE_CODE) {
            return Err(fail(
                ErrorCode::UnauthorizedClient,
                "Client not authorized for this grant",
            ));
        }
        if !(input.start_url.starts_with("https://") || input.start_url.starts_with("http://")) {
            return Err(fail(ErrorCode::InvalidRequest, "Invalid start URL"));
        }
        Ok(self.issue_device_authorization(input.client_id, input.start_url, base_url, now))
    }

    /// A new device authorization for `client_id` (already authenticated and allowed the
    /// grant), shown on the verification page as being for `label`.
    pub(super) fn issue_device_authorization(
        &mut self,
        client_id: String,
        label: String,
        base_url: &str,
        now: Now,
    ) -> StartDeviceAuthorizationOutput {
        self.prune(now);
        let device_code = self.ids.token(64);
        let user_code = loop {
            let c = self.ids.user_code();
            if !self.user_codes.contains_key(&c) {
                break c;
            }
        };
        self.user_codes
            .insert(user_code.clone(), device_code.clone());
        self.devices.insert(
            device_code.clone(),
            Device {
                client_id,
                user_code: user_code.clone(),
                start_url: label,
                state: DeviceState::Pending,
                created: now.instant,
                interval: self.cfg.interval,
                last_poll: None,
                pending_polls: 0,
            },
        );
        let verification_uri = format!("{}/device", base_url.trim_end_matches('/'));
        StartDeviceAuthorizationOutput {
            device_code: Secret::new(device_code),
            verification_uri_complete: Some(format!("{verification_uri}?user_code={user_code}")),
            user_code,
            verification_uri,
            expires_in: Some(wire_i32(self.cfg.expires_in)),
            interval: Some(wire_i32(self.cfg.interval)),
        }
    }

    /// The interval a device code must currently keep (it grows with each `slow_down`).
    pub(crate) fn device_interval(&self, device_code: &str) -> Option<u32> {
        self.devices.get(device_code).map(|d| d.interval)
    }

    pub(super) fn device_grant(
        &mut self,
        input: &CreateToken,
        reg: &Registration,
        now: Now,
    ) -> Result<CreateTokenOutput, ServiceError> {
        let code = input
            .device_code
            .as_ref()
            .ok_or_else(|| fail(ErrorCode::InvalidRequest, "deviceCode is required"))?;
        let real_interval = |s: u32| self.real(s);
        let (expires_in, approval) = (self.cfg.expires_in, self.cfg.approval);
        let expired_flag = self
            .devices
            .get(code.expose())
            .map(|d| self.expired(d.created, expires_in, now));
        let (Some(device), Some(expired)) = (self.devices.get(code.expose()), expired_flag) else {
            return Err(fail(
                ErrorCode::InvalidGrant,
                "Invalid device code provided",
            ));
        };
        if device.client_id != input.client_id {
            return Err(fail(
                ErrorCode::InvalidGrant,
                "Invalid device code provided",
            ));
        }
        if device.state == DeviceState::Redeemed {
            return Err(fail(
                ErrorCode::InvalidGrant,
                "Device code has already been used",
            ));
        }
        if expired {
            return Err(fail(ErrorCode::ExpiredToken, "Device code has expired"));
        }
        let too_fast = match (device.last_poll, real_interval(device.interval)) {
            (Some(last), Some(min)) => now.instant.saturating_duration_since(last) < min,
            _ => false,
        };
        let increment = self.cfg.slow_down_increment;
        let Some(device) = self.devices.get_mut(code.expose()) else {
            return Err(fail(
                ErrorCode::InvalidGrant,
                "Invalid device code provided",
            ));
        };
        device.last_poll = Some(now.instant);
        if too_fast {
            device.interval = device.interval.saturating_add(increment);
            return Err(fail(
                ErrorCode::SlowDown,
                "Client is polling too frequently",
            ));
        }
        if device.state == DeviceState::Pending {
            let elapsed = now.instant.saturating_duration_since(device.created);
            match approval {
                Approval::Manual => {}
                Approval::ApproveAfterPolls(n) if device.pending_polls >= n => {
                    device.state = DeviceState::Approved;
                }
                Approval::ApproveAfterDelay(d) if elapsed >= d => {
                    device.state = DeviceState::Approved;
                }
                Approval::DenyAfterPolls(n) if device.pending_polls >= n => {
                    device.state = DeviceState::Denied;
                }
                _ => {}
            }
        }
        match device.state {
            DeviceState::Pending => {
                device.pending_polls = device.pending_polls.saturating_add(1);
                Err(fail(
                    ErrorCode::AuthorizationPending,
                    "Authorization is still pending",
                ))
            }
            DeviceState::Denied => Err(fail(ErrorCode::AccessDenied, "User denied the request")),
            DeviceState::Redeemed => Err(fail(
                ErrorCode::InvalidGrant,
                "Device code has already been used",
            )),
            DeviceState::Approved => {
                device.state = DeviceState::Redeemed;
                Ok(self.issue(&input.client_id, reg, now, true))
            }
        }
    }

    fn device_by_user_code(&self, user_code: &str) -> Option<&Device> {
        let code = normalize_user_code(user_code);
        self.user_codes
            .get(&code)
            .and_then(|dc| self.devices.get(dc))
    }

    pub(crate) fn device_view(&self, user_code: &str, now: Now) -> Option<DeviceView> {
        let d = self.device_by_user_code(user_code)?;
        let status = match d.state {
            DeviceState::Redeemed => DeviceStatus::Used,
            _ if self.expired(d.created, self.cfg.expires_in, now) => DeviceStatus::Expired,
            DeviceState::Pending => DeviceStatus::Pending,
            DeviceState::Approved => DeviceStatus::Approved,
            DeviceState::Denied => DeviceStatus::Denied,
        };
        Some(DeviceView {
            user_code: d.user_code.clone(),
            client_name: self
                .clients
                .get(&d.client_id)
                .map(|r| r.client_name.clone())
                .unwrap_or_default(),
            start_url: d.start_url.clone(),
            status,
        })
    }

    /// Approves (`true`) or denies a pending device authorization. Deciding the same way twice
    /// is not an error.
    pub(crate) fn decide(&mut self, user_code: &str, approve: bool, now: Now) -> Result<(), Error> {
        let view = self
            .device_view(user_code, now)
            .ok_or_else(|| Error::UnknownUserCode(user_code.to_owned()))?;
        let wanted = if approve {
            DeviceStatus::Approved
        } else {
            DeviceStatus::Denied
        };
        match view.status {
            DeviceStatus::Pending => {}
            s if s == wanted => return Ok(()),
            DeviceStatus::Expired => return Err(Error::Expired(view.user_code)),
            s => {
                let was = match s {
                    DeviceStatus::Approved => "approved",
                    DeviceStatus::Denied => "denied",
                    _ => "used",
                };
                return Err(Error::AlreadyDecided(view.user_code, was));
            }
        }
        let device_code = self.user_codes.get(&view.user_code).cloned();
        if let Some(d) = device_code.and_then(|dc| self.devices.get_mut(&dc)) {
            d.state = if approve {
                DeviceState::Approved
            } else {
                DeviceState::Denied
            };
        }
        Ok(())
    }

    /// User codes of device authorizations still waiting for a decision.
    pub(crate) fn pending_user_codes(&self, now: Now) -> Vec<String> {
        let mut codes: Vec<(Instant, String)> = self
            .devices
            .values()
            .filter(|d| {
                d.state == DeviceState::Pending
                    && !self.expired(d.created, self.cfg.expires_in, now)
            })
            .map(|d| (d.created, d.user_code.clone()))
            .collect();
        codes.sort();
        codes.into_iter().map(|(_, c)| c).collect()
    }

    /// Expires a device authorization now, whatever the clock says.
    pub(crate) fn expire(&mut self, user_code: &str) -> Result<(), Error> {
        let code = normalize_user_code(user_code);
        let dc = self
            .user_codes
            .get(&code)
            .cloned()
            .ok_or_else(|| Error::UnknownUserCode(user_code.to_owned()))?;
        if let Some(d) = self.devices.get_mut(&dc) {
            // Removing the device would turn ExpiredToken into InvalidGrant; make it old instead.
            d.created = far_past(d.created);
        }
        if self.cfg.second.is_zero() {
            // Time stands still, so age cannot expire it: forget it instead.
            self.user_codes.remove(&code);
            self.devices.remove(&dc);
        }
        Ok(())
    }
}

/// An instant as far in the past as the platform allows (up to ~100 years).
fn far_past(from: Instant) -> Instant {
    let mut back = Duration::from_secs(100 * 365 * 24 * 3600);
    loop {
        if let Some(t) = from.checked_sub(back) {
            return t;
        }
        if back.is_zero() {
            return from;
        }
        back /= 2;
    }
}

/// Upper-cases, trims, and inserts the dash in a user code typed as `ABCDEFGH`.
pub(crate) fn normalize_user_code(code: &str) -> String {
    let c: String = code
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if c.len() == 8 && c.is_ascii() && !c.contains('-') {
        format!("{}-{}", &c[..4], &c[4..])
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::test_support::{at, service};
    use ssooidc_core::operations::RegisterClient;

    #[test]
    fn user_code_normalization() {
        assert_eq!(normalize_user_code(" abcd-efgh "), "ABCD-EFGH");
        assert_eq!(normalize_user_code("abcdefgh"), "ABCD-EFGH");
        assert_eq!(normalize_user_code("ÄÖÜ"), "ÄÖÜ");
    }

    #[test]
    fn device_flow_with_virtual_time() {
        let mut s = service(1000);
        let t0 = Instant::now();
        let reg = s
            .register_client(
                RegisterClient::new("c").scopes(["sso:account:access"]),
                at(t0, 0),
            )
            .unwrap();
        let start = s
            .start_device_authorization(
                StartDeviceAuthorization::new(
                    reg.client_id.clone(),
                    reg.client_secret.clone(),
                    "https://d-1.awsapps.com/start",
                ),
                "http://127.0.0.1:1",
                at(t0, 0),
            )
            .unwrap();
        let poll = CreateToken::device_code(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            start.device_code.clone(),
        );
        let code = |r: Result<CreateTokenOutput, ServiceError>| r.err().and_then(|e| e.code());
        assert_eq!(
            code(s.create_token(poll.clone(), at(t0, 0))),
            Some(ErrorCode::AuthorizationPending)
        );
        assert_eq!(
            code(s.create_token(poll.clone(), at(t0, 500))),
            Some(ErrorCode::SlowDown)
        );
        // Interval is now 6 s from the last poll.
        assert_eq!(
            code(s.create_token(poll.clone(), at(t0, 5000))),
            Some(ErrorCode::SlowDown)
        );
        assert_eq!(
            code(s.create_token(poll.clone(), at(t0, 16_000))),
            Some(ErrorCode::AuthorizationPending)
        );
        s.decide(&start.user_code, true, at(t0, 17_000)).unwrap();
        let tok = s.create_token(poll.clone(), at(t0, 27_000)).unwrap();
        assert!(tok.refresh_token.is_some());
        assert_eq!(
            code(s.create_token(poll.clone(), at(t0, 40_000))),
            Some(ErrorCode::InvalidGrant)
        );
        // Refresh rotates.
        let rt = tok.refresh_token.unwrap();
        let refresh =
            CreateToken::refresh_token(reg.client_id.clone(), reg.client_secret.clone(), rt);
        let again = s.create_token(refresh.clone(), at(t0, 41_000)).unwrap();
        assert!(again.refresh_token.is_some());
        assert_eq!(
            code(s.create_token(refresh, at(t0, 42_000))),
            Some(ErrorCode::InvalidGrant)
        );
        // Expiry after 600 protocol seconds.
        let start2 = s
            .start_device_authorization(
                StartDeviceAuthorization::new(
                    reg.client_id.clone(),
                    reg.client_secret.clone(),
                    "https://d-1.awsapps.com/start",
                ),
                "http://127.0.0.1:1",
                at(t0, 50_000),
            )
            .unwrap();
        let poll2 = CreateToken::device_code(reg.client_id, reg.client_secret, start2.device_code);
        assert_eq!(
            code(s.create_token(poll2, at(t0, 650_000))),
            Some(ErrorCode::ExpiredToken)
        );
        assert!(matches!(
            s.decide(&start2.user_code, true, at(t0, 650_000)),
            Err(Error::Expired(_))
        ));
    }

    #[test]
    fn zero_second_never_expires_or_slows_down() {
        let mut s = service(0);
        let t0 = Instant::now();
        let reg = s
            .register_client(RegisterClient::new("c"), at(t0, 0))
            .unwrap();
        let start = s
            .start_device_authorization(
                StartDeviceAuthorization::new(
                    reg.client_id.clone(),
                    reg.client_secret.clone(),
                    "https://x/start",
                ),
                "http://h",
                at(t0, 0),
            )
            .unwrap();
        let poll = CreateToken::device_code(reg.client_id, reg.client_secret, start.device_code);
        for _ in 0..5 {
            let e = s
                .create_token(poll.clone(), at(t0, 1_000_000_000))
                .unwrap_err();
            assert_eq!(e.code(), Some(ErrorCode::AuthorizationPending));
        }
        s.decide(&start.user_code, false, at(t0, 0)).unwrap();
        let e = s.create_token(poll, at(t0, 0)).unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::AccessDenied));
    }
}
