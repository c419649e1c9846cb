//! The OIDC service itself: registrations, device authorizations, authorization codes and
//! tokens, with no HTTP in sight. Time comes in as [`Now`], so the logic is testable without
//! sleeping.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use ssooidc_core::error::ErrorMeta;
use ssooidc_core::operations::{
    grant_type, token_type, AwsAdditionalDetails, CreateToken, CreateTokenOutput,
    CreateTokenWithIam, CreateTokenWithIamOutput, RegisterClient, RegisterClientOutput,
    StartDeviceAuthorization, StartDeviceAuthorizationOutput,
};
use ssooidc_core::{ErrorCode, Secret, ServiceError};

use crate::config::{Approval, Config, RefreshTokenPolicy};
use crate::ids::Ids;
use crate::Error;

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

#[derive(Clone)]
struct Registration {
    client_name: String,
    secret: String,
    scopes: Vec<String>,
    redirect_uris: Vec<String>,
    grant_types: Option<Vec<String>>,
    created: Instant,
}

impl Registration {
    fn allows(&self, grant: &str) -> bool {
        self.grant_types
            .as_ref()
            .is_none_or(|g| g.iter().any(|x| x == grant))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeviceState {
    Pending,
    Approved,
    Denied,
    Redeemed,
}

struct Device {
    client_id: String,
    user_code: String,
    start_url: String,
    state: DeviceState,
    created: Instant,
    /// Current required interval in protocol seconds (grows with every `slow_down`).
    interval: u32,
    last_poll: Option<Instant>,
    pending_polls: u32,
}

struct AuthCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    created: Instant,
    used: bool,
}

struct Consent {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    challenge: String,
    created: Instant,
}

struct RefreshGrant {
    client_id: String,
    created: Instant,
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

/// The query of `GET /authorize` (spec 6.6 step 4).
#[derive(Debug, Default, Clone)]
pub(crate) struct AuthorizeQuery {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub code_challenge_method: Option<String>,
    pub code_challenge: Option<String>,
    pub scopes: Option<String>,
}

impl AuthorizeQuery {
    pub(crate) fn parse(query: &str) -> Self {
        let mut q = AuthorizeQuery::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match k.as_ref() {
                "response_type" => &mut q.response_type,
                "client_id" => &mut q.client_id,
                "redirect_uri" => &mut q.redirect_uri,
                "state" => &mut q.state,
                "code_challenge_method" => &mut q.code_challenge_method,
                "code_challenge" => &mut q.code_challenge,
                "scopes" | "scope" => &mut q.scopes,
                _ => continue,
            };
            *slot = Some(v.into_owned());
        }
        q
    }
}

/// What `/authorize` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthorizeOutcome {
    /// 302 to this location.
    Redirect(String),
    /// Show the consent page for this pending request.
    Consent {
        request: String,
        client_name: String,
        scopes: Vec<String>,
        redirect_uri: String,
    },
    /// Show an error page (the request cannot be redirected safely).
    Page { status: u16, message: String },
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
}

impl Service {
    pub(crate) fn new(cfg: Config) -> Self {
        Service {
            cfg,
            ids: Ids::new(),
            clients: HashMap::new(),
            devices: HashMap::new(),
            user_codes: HashMap::new(),
            auth_codes: HashMap::new(),
            consents: HashMap::new(),
            refresh: HashMap::new(),
        }
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
    }

    fn authenticate(
        &self,
        client_id: &str,
        secret: &Secret,
        now: Now,
    ) -> Result<Registration, ServiceError> {
        let reg = self
            .clients
            .get(client_id)
            .ok_or_else(|| fail(ErrorCode::InvalidClient, "Invalid client id"))?;
        if reg.secret != secret.expose() {
            return Err(fail(ErrorCode::InvalidClient, "Invalid client secret"));
        }
        if self.expired(reg.created, self.cfg.registration_lifetime, now) {
            return Err(fail(
                ErrorCode::InvalidClient,
                "Client registration has expired",
            ));
        }
        Ok(reg.clone())
    }

    // ---- RegisterClient ----------------------------------------------------------------

    pub(crate) fn register_client(
        &mut self,
        input: RegisterClient,
        now: Now,
    ) -> Result<RegisterClientOutput, ServiceError> {
        if input.client_type != "public" {
            return Err(fail(
                ErrorCode::InvalidClientMetadata,
                "Unsupported client type",
            ));
        }
        let scopes = input.scopes.unwrap_or_default();
        if scopes
            .iter()
            .any(|s| s.is_empty() || s.chars().any(char::is_whitespace))
        {
            return Err(fail(ErrorCode::InvalidScope, "Invalid scope requested"));
        }
        if let Some(grants) = &input.grant_types {
            let known = [
                grant_type::AUTHORIZATION_CODE,
                grant_type::DEVICE_CODE,
                grant_type::REFRESH_TOKEN,
            ];
            if grants.iter().any(|g| !known.contains(&g.as_str())) {
                return Err(fail(
                    ErrorCode::UnsupportedGrantType,
                    "Unsupported grant type",
                ));
            }
        }
        let redirect_uris = input.redirect_uris.unwrap_or_default();
        if redirect_uris.iter().any(|u| !valid_redirect_uri(u)) {
            return Err(fail(
                ErrorCode::InvalidRedirectUri,
                "Redirect URI not allowed",
            ));
        }
        self.prune(now);
        let client_id = self.ids.client_id(&self.cfg.region);
        let secret = self.ids.client_secret();
        self.clients.insert(
            client_id.clone(),
            Registration {
                client_name: input.client_name,
                secret: secret.clone(),
                scopes,
                redirect_uris,
                grant_types: input.grant_types,
                created: now.instant,
            },
        );
        Ok(RegisterClientOutput {
            client_id,
            client_secret: Secret::new(secret),
            client_id_issued_at: Some(now.epoch),
            client_secret_expires_at: Some(
                now.epoch
                    .saturating_add(i64::from(self.cfg.registration_lifetime)),
            ),
            authorization_endpoint: None,
            token_endpoint: None,
        })
    }

    // ---- StartDeviceAuthorization ------------------------------------------------------

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
                client_id: input.client_id,
                user_code: user_code.clone(),
                start_url: input.start_url,
                state: DeviceState::Pending,
                created: now.instant,
                interval: self.cfg.interval,
                last_poll: None,
                pending_polls: 0,
            },
        );
        let verification_uri = format!("{}/device", base_url.trim_end_matches('/'));
        Ok(StartDeviceAuthorizationOutput {
            device_code: Secret::new(device_code),
            verification_uri_complete: Some(format!("{verification_uri}?user_code={user_code}")),
            user_code,
            verification_uri,
            expires_in: Some(wire_i32(self.cfg.expires_in)),
            interval: Some(wire_i32(self.cfg.interval)),
        })
    }

    // ---- CreateToken -------------------------------------------------------------------

    pub(crate) fn create_token(
        &mut self,
        input: CreateToken,
        now: Now,
    ) -> Result<CreateTokenOutput, ServiceError> {
        let reg = self.authenticate(&input.client_id, &input.client_secret, now)?;
        let grant = input.grant_type.as_str();
        if ![
            grant_type::DEVICE_CODE,
            grant_type::AUTHORIZATION_CODE,
            grant_type::REFRESH_TOKEN,
        ]
        .contains(&grant)
        {
            return Err(fail(
                ErrorCode::UnsupportedGrantType,
                "Unsupported grant type",
            ));
        }
        if !reg.allows(grant) {
            return Err(fail(
                ErrorCode::UnauthorizedClient,
                "Client not authorized for this grant",
            ));
        }
        match grant {
            grant_type::DEVICE_CODE => self.device_grant(&input, &reg, now),
            grant_type::AUTHORIZATION_CODE => self.code_grant(&input, &reg, now),
            _ => self.refresh_grant(&input, &reg, now),
        }
    }

    fn device_grant(
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

    fn code_grant(
        &mut self,
        input: &CreateToken,
        reg: &Registration,
        now: Now,
    ) -> Result<CreateTokenOutput, ServiceError> {
        let code = input
            .code
            .as_ref()
            .ok_or_else(|| fail(ErrorCode::InvalidRequest, "code is required"))?;
        let verifier = input
            .code_verifier
            .as_ref()
            .ok_or_else(|| fail(ErrorCode::InvalidRequest, "codeVerifier is required"))?;
        let lifetime = self.cfg.expires_in;
        let expired = match self.auth_codes.get(code.expose()) {
            Some(c) => self.expired(c.created, lifetime, now),
            None => return Err(fail(ErrorCode::InvalidGrant, "Invalid authorization code")),
        };
        let Some(entry) = self.auth_codes.get_mut(code.expose()) else {
            return Err(fail(ErrorCode::InvalidGrant, "Invalid authorization code"));
        };
        if entry.client_id != input.client_id || entry.used {
            return Err(fail(ErrorCode::InvalidGrant, "Invalid authorization code"));
        }
        if expired {
            return Err(fail(
                ErrorCode::ExpiredToken,
                "Authorization code has expired",
            ));
        }
        if input.redirect_uri.as_deref() != Some(entry.redirect_uri.as_str()) {
            return Err(fail(
                ErrorCode::InvalidGrant,
                "redirectUri does not match the authorization request",
            ));
        }
        if pkce_challenge(verifier.expose()) != entry.challenge {
            return Err(fail(
                ErrorCode::InvalidGrant,
                "PKCE code verifier does not match",
            ));
        }
        entry.used = true;
        Ok(self.issue(&input.client_id, reg, now, true))
    }

    fn refresh_grant(
        &mut self,
        input: &CreateToken,
        reg: &Registration,
        now: Now,
    ) -> Result<CreateTokenOutput, ServiceError> {
        let token = input
            .refresh_token
            .as_ref()
            .ok_or_else(|| fail(ErrorCode::InvalidRequest, "refreshToken is required"))?;
        self.check_refresh(token, &input.client_id, now)?;
        if self.cfg.rotate_refresh_tokens {
            self.refresh.remove(token.expose());
        }
        let rotate = self.cfg.rotate_refresh_tokens;
        Ok(self.issue(&input.client_id, reg, now, rotate))
    }

    fn check_refresh(&self, token: &Secret, client_id: &str, now: Now) -> Result<(), ServiceError> {
        let grant = self
            .refresh
            .get(token.expose())
            .filter(|g| g.client_id == client_id)
            .ok_or_else(|| fail(ErrorCode::InvalidGrant, "Invalid refresh token"))?;
        if self.expired(grant.created, self.cfg.refresh_token_lifetime, now) {
            return Err(fail(ErrorCode::ExpiredToken, "Refresh token has expired"));
        }
        Ok(())
    }

    fn new_refresh_token(&mut self, client_id: &str, now: Now) -> Secret {
        let token = format!("aor{}", self.ids.token(48));
        self.refresh.insert(
            token.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                created: now.instant,
            },
        );
        Secret::new(token)
    }

    fn issue(
        &mut self,
        client_id: &str,
        reg: &Registration,
        now: Now,
        allow_refresh: bool,
    ) -> CreateTokenOutput {
        let with_refresh = allow_refresh
            && match self.cfg.refresh_tokens {
                RefreshTokenPolicy::WhenScoped => !reg.scopes.is_empty(),
                RefreshTokenPolicy::Always => true,
                RefreshTokenPolicy::Never => false,
            };
        CreateTokenOutput {
            access_token: Secret::new(format!("aoa{}", self.ids.token(48))),
            token_type: Some("Bearer".to_owned()),
            expires_in: Some(wire_i32(self.cfg.access_token_lifetime)),
            refresh_token: with_refresh.then(|| self.new_refresh_token(client_id, now)),
            id_token: None,
        }
    }

    // ---- CreateTokenWithIAM ------------------------------------------------------------

    /// A simple CreateTokenWithIAM: `jwt-bearer` (any non-empty assertion), `token-exchange`
    /// (any non-empty subject token) and `refresh_token` (tokens it issued itself). The SigV4
    /// signature is not verified; `signed` says whether one was present at all.
    pub(crate) fn create_token_with_iam(
        &mut self,
        input: CreateTokenWithIam,
        signed: bool,
        now: Now,
    ) -> Result<CreateTokenWithIamOutput, ServiceError> {
        if !signed {
            return Err(ServiceError::Unknown {
                meta: ErrorMeta {
                    status: 403,
                    error: None,
                    error_description: Some("Missing Authentication Token".to_owned()),
                    request_id: None,
                },
                code: "MissingAuthenticationTokenException".to_owned(),
                message: Some("Missing Authentication Token".to_owned()),
            });
        }
        if !input.client_id.starts_with("arn:") {
            return Err(fail(
                ErrorCode::InvalidClient,
                "clientId must be an application ARN",
            ));
        }
        let required = |v: &Option<Secret>, name: &str| match v {
            Some(s) if !s.is_empty() => Ok(()),
            _ => Err(fail(
                ErrorCode::InvalidRequest,
                &format!("{name} is required"),
            )),
        };
        let issued_type = match input.grant_type.as_str() {
            grant_type::JWT_BEARER => {
                required(&input.assertion, "assertion")?;
                token_type::REFRESH_TOKEN
            }
            grant_type::TOKEN_EXCHANGE => {
                required(&input.subject_token, "subjectToken")?;
                if input.subject_token_type.as_deref() != Some(token_type::ACCESS_TOKEN) {
                    return Err(fail(
                        ErrorCode::InvalidRequest,
                        "Unsupported subjectTokenType",
                    ));
                }
                match input.requested_token_type.as_deref() {
                    None | Some(token_type::ACCESS_TOKEN) => token_type::ACCESS_TOKEN,
                    Some(token_type::REFRESH_TOKEN) => token_type::REFRESH_TOKEN,
                    Some(_) => {
                        return Err(fail(
                            ErrorCode::InvalidRequest,
                            "Unsupported requestedTokenType",
                        ))
                    }
                }
            }
            grant_type::REFRESH_TOKEN => {
                required(&input.refresh_token, "refreshToken")?;
                if let Some(t) = &input.refresh_token {
                    self.check_refresh(t, &input.client_id, now)?;
                    if self.cfg.rotate_refresh_tokens {
                        self.refresh.remove(t.expose());
                    }
                }
                token_type::REFRESH_TOKEN
            }
            _ => return Err(fail(
                ErrorCode::UnsupportedGrantType,
                "Unsupported grant type (the emulator's CreateTokenWithIAM supports jwt-bearer, \
                     token-exchange and refresh_token)",
            )),
        };
        let refresh_token = (issued_type == token_type::REFRESH_TOKEN)
            .then(|| self.new_refresh_token(&input.client_id, now));
        let exp = now
            .epoch
            .saturating_add(i64::from(self.cfg.access_token_lifetime));
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = serde_json::json!({
            "iss": "https://identitycenter.amazonaws.com/emulator",
            "sub": "emulator-user",
            "aud": input.client_id,
            "iat": now.epoch,
            "exp": exp,
        });
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        Ok(CreateTokenWithIamOutput {
            access_token: Secret::new(format!("aoa{}", self.ids.token(48))),
            token_type: Some("Bearer".to_owned()),
            expires_in: Some(wire_i32(self.cfg.access_token_lifetime)),
            refresh_token,
            id_token: Some(Secret::new(format!("{header}.{payload}."))),
            issued_token_type: Some(issued_type.to_owned()),
            scope: Some(input.scope.clone().unwrap_or_else(|| {
                ["openid", "aws", "sts:identity_context"]
                    .map(str::to_owned)
                    .to_vec()
            })),
            aws_additional_details: Some(AwsAdditionalDetails {
                identity_context: Some(Secret::new(self.ids.token(96))),
            }),
        })
    }

    // ---- Verification page and approvals -----------------------------------------------

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

    // ---- /authorize --------------------------------------------------------------------

    pub(crate) fn authorize(&mut self, q: &AuthorizeQuery, now: Now) -> AuthorizeOutcome {
        let page = |status: u16, message: &str| AuthorizeOutcome::Page {
            status,
            message: message.to_owned(),
        };
        let Some(client_id) = q.client_id.as_deref() else {
            return page(400, "Missing client_id.");
        };
        let Some(reg) = self.clients.get(client_id).cloned() else {
            return page(400, "Unknown client_id: this client is not registered.");
        };
        if self.expired(reg.created, self.cfg.registration_lifetime, now) {
            return page(400, "This client registration has expired.");
        }
        let Some(redirect_uri) = q.redirect_uri.clone() else {
            return page(400, "Missing redirect_uri.");
        };
        if !reg
            .redirect_uris
            .iter()
            .any(|r| redirect_matches(r, &redirect_uri))
        {
            return page(
                400,
                "redirect_uri does not match any redirect URI the client registered.",
            );
        }
        let back = |params: &[(&str, &str)]| {
            let mut all: Vec<(&str, &str)> = params.to_vec();
            if let Some(s) = q.state.as_deref() {
                all.push(("state", s));
            }
            AuthorizeOutcome::Redirect(with_query(&redirect_uri, &all))
        };
        if q.response_type.as_deref() != Some("code") {
            return back(&[
                ("error", "unsupported_response_type"),
                ("error_description", "response_type must be code"),
            ]);
        }
        if !reg.allows(grant_type::AUTHORIZATION_CODE) {
            return back(&[
                ("error", "unauthorized_client"),
                (
                    "error_description",
                    "Client not registered for authorization_code",
                ),
            ]);
        }
        let challenge = match (
            q.code_challenge_method.as_deref(),
            q.code_challenge.as_deref(),
        ) {
            (Some("S256"), Some(c)) if !c.is_empty() => c.to_owned(),
            _ => {
                return back(&[
                    ("error", "invalid_request"),
                    (
                        "error_description",
                        "code_challenge with code_challenge_method=S256 is required",
                    ),
                ])
            }
        };
        let scopes: Vec<String> = q
            .scopes
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if !reg.scopes.is_empty() && scopes.iter().any(|s| !reg.scopes.contains(s)) {
            return back(&[
                ("error", "invalid_scope"),
                ("error_description", "Invalid scope requested"),
            ]);
        }
        self.prune(now);
        let consent = Consent {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.clone(),
            state: q.state.clone(),
            challenge,
            created: now.instant,
        };
        match self.cfg.approval {
            Approval::Manual => {
                let request = self.ids.token(24);
                self.consents.insert(request.clone(), consent);
                AuthorizeOutcome::Consent {
                    request,
                    client_name: reg.client_name,
                    scopes,
                    redirect_uri,
                }
            }
            Approval::DenyAfterPolls(_) => self.finish_consent(consent, false, now),
            Approval::ApproveAfterPolls(_) | Approval::ApproveAfterDelay(_) => {
                self.finish_consent(consent, true, now)
            }
        }
    }

    /// The person clicked *Approve* or *Deny* on the consent page.
    pub(crate) fn decide_consent(
        &mut self,
        request: &str,
        approve: bool,
        now: Now,
    ) -> AuthorizeOutcome {
        let Some(consent) = self.consents.remove(request) else {
            return AuthorizeOutcome::Page {
                status: 400,
                message: "Unknown or already answered authorization request.".to_owned(),
            };
        };
        if self.expired(consent.created, self.cfg.expires_in, now) {
            return AuthorizeOutcome::Page {
                status: 400,
                message: "This authorization request has expired.".to_owned(),
            };
        }
        self.finish_consent(consent, approve, now)
    }

    fn finish_consent(&mut self, consent: Consent, approve: bool, now: Now) -> AuthorizeOutcome {
        let mut params: Vec<(&str, String)> = Vec::new();
        if approve {
            let code = self.ids.token(32);
            self.auth_codes.insert(
                code.clone(),
                AuthCode {
                    client_id: consent.client_id,
                    redirect_uri: consent.redirect_uri.clone(),
                    challenge: consent.challenge,
                    created: now.instant,
                    used: false,
                },
            );
            params.push(("code", code));
        } else {
            params.push(("error", "access_denied".to_owned()));
            params.push(("error_description", "User denied the request".to_owned()));
        }
        if let Some(s) = consent.state {
            params.push(("state", s));
        }
        let refs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        AuthorizeOutcome::Redirect(with_query(&consent.redirect_uri, &refs))
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

/// base64url-no-pad(SHA-256(verifier)): the S256 PKCE challenge (RFC 7636).
pub(crate) fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
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

fn valid_redirect_uri(uri: &str) -> bool {
    uri.parse::<http::Uri>()
        .is_ok_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some())
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1")
}

/// Whether `used` matches the registered `registered`: exactly, or (RFC 8252 7.3) as a loopback
/// `http` URI registered without a port and used with any port.
fn redirect_matches(registered: &str, used: &str) -> bool {
    if registered == used {
        return true;
    }
    let (Ok(r), Ok(u)) = (registered.parse::<http::Uri>(), used.parse::<http::Uri>()) else {
        return false;
    };
    r.scheme_str() == Some("http")
        && u.scheme_str() == Some("http")
        && r.host().is_some_and(is_loopback)
        && r.host() == u.host()
        && r.port().is_none()
        && r.path_and_query().map(|p| p.as_str()) == u.path_and_query().map(|p| p.as_str())
}

/// `uri` with `params` appended to its query, form-encoded.
fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", ser.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(base: Instant, ms: u64) -> Now {
        Now {
            instant: base + Duration::from_millis(ms),
            epoch: 1_767_552_707,
        }
    }

    fn service(second_ms: u64) -> Service {
        let cfg = Config::default().second(Duration::from_millis(second_ms));
        Service::new(cfg)
    }

    #[test]
    fn pkce_vectors_from_the_spec() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(
            pkce_challenge("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."),
            "0yYmnP4bO4rGE_A5t7N38moWM6-SEO0vHhtepQ3V1eY"
        );
    }

    #[test]
    fn redirect_matching() {
        let reg = "http://127.0.0.1/oauth/callback";
        assert!(redirect_matches(
            reg,
            "http://127.0.0.1:54321/oauth/callback"
        ));
        assert!(!redirect_matches(reg, "http://127.0.0.1:54321/other"));
        assert!(!redirect_matches(
            reg,
            "http://evil.example:54321/oauth/callback"
        ));
        assert!(!redirect_matches(
            "https://app.example/cb",
            "https://app.example:8443/cb"
        ));
    }

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
