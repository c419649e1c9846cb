//! The standard OAuth 2.0 mode: the same device authorizations, polling, approval and tokens
//! as the AWS service, for clients registered beforehand that authenticate the standard ways
//! (`none`, `client_secret_post`, `client_secret_basic`), with switches that make the answers
//! look like the providers' deviations (`docs/protocol/oauth.md#provider-rules`). The HTTP side
//! (form bodies, discovery, the answers' encodings) is the `server::oauth` module.

use std::time::Instant;

use ssooidc_core::oauth::ClientAuth;
use ssooidc_core::operations::{
    grant_type, CreateToken, CreateTokenOutput, StartDeviceAuthorizationOutput,
};
use ssooidc_core::{ErrorCode, Secret, ServiceError};

use super::registration::Registration;
use super::{fail, Now, Service};

/// The standard OAuth 2.0 mode of the emulator: its clients and how its answers deviate from
/// the RFCs. Serves `/.well-known/openid-configuration` (and RFC 8414's
/// `/.well-known/oauth-authorization-server`), `POST /oauth2/device_authorization` and
/// `POST /oauth2/token`, form-encoded; devices are approved on the same `/device` page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthMode {
    /// The clients registered beforehand.
    pub clients: Vec<OAuthClientConfig>,
    /// The deviations the answers show.
    pub quirks: OAuthQuirks,
    /// The `issuer` the metadata claims; default: the emulator's base URL (set another to see a
    /// client refuse a mismatched document).
    pub issuer: Option<String>,
}

impl Default for OAuthMode {
    /// One public client, `emulator-cli`, and no deviations.
    fn default() -> Self {
        OAuthMode {
            clients: vec![OAuthClientConfig::public("emulator-cli")],
            quirks: OAuthQuirks::default(),
            issuer: None,
        }
    }
}

impl OAuthMode {
    /// A mode with these clients and no deviations.
    pub fn with_clients(clients: Vec<OAuthClientConfig>) -> Self {
        OAuthMode {
            clients,
            ..OAuthMode::default()
        }
    }

    /// Sets the deviations.
    pub fn quirks(mut self, quirks: OAuthQuirks) -> Self {
        self.quirks = quirks;
        self
    }

    /// Sets the issuer the metadata claims.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }
}

/// A client of the standard mode.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthClientConfig {
    /// `client_id`.
    pub id: String,
    /// The secret, for a confidential client.
    pub secret: Option<String>,
    /// How it must authenticate.
    pub auth: ClientAuth,
}

impl std::fmt::Debug for OAuthClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClientConfig")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("auth", &self.auth)
            .finish()
    }
}

impl OAuthClientConfig {
    /// A public client (`none`).
    pub fn public(id: impl Into<String>) -> Self {
        OAuthClientConfig {
            id: id.into(),
            secret: None,
            auth: ClientAuth::None,
        }
    }

    /// A confidential client with `secret`, authenticating with `auth`.
    pub fn confidential(
        id: impl Into<String>,
        secret: impl Into<String>,
        auth: ClientAuth,
    ) -> Self {
        OAuthClientConfig {
            id: id.into(),
            secret: Some(secret.into()),
            auth,
        }
    }

    /// Parses `ID`, `ID:SECRET` (`client_secret_basic`) or `ID:SECRET:METHOD` (the command
    /// line's `--oauth-client`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.splitn(3, ':');
        let id = parts.next().filter(|id| !id.is_empty()).ok_or_else(|| {
            format!("invalid client {text:?}: expected ID, ID:SECRET or ID:SECRET:METHOD")
        })?;
        match (parts.next(), parts.next()) {
            (None, _) => Ok(Self::public(id)),
            (Some(secret), None) => Ok(Self::confidential(
                id,
                secret,
                ClientAuth::ClientSecretBasic,
            )),
            (Some(secret), Some(method)) => {
                let auth: ClientAuth = method.parse().map_err(|e| format!("{e}"))?;
                Ok(Self::confidential(id, secret, auth))
            }
        }
    }
}

/// The deviations from RFC 6749 and RFC 8628 the standard mode's answers can show, one switch
/// per provider rule of `docs/protocol/oauth.md#provider-rules`. All off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthQuirks {
    /// Name the page `verification_url` (Google's device endpoint).
    pub verification_url: bool,
    /// `slow_down` carries the new `interval` (GitHub).
    pub slow_down_interval: bool,
    /// Send every error (but 5xx) with this status instead of RFC 6749's 400/401 (200 as
    /// GitHub; 401, 403 or 428).
    pub error_status: Option<u16>,
    /// Send `expires_in` and `interval` as strings (Microsoft's v1.0 endpoints).
    pub lifetimes_as_strings: bool,
    /// Answer form-encoded, ignoring `Accept` (GitHub without `Accept: application/json`).
    pub form_encoded: bool,
    /// Send no `interval` (the client must use 5 s).
    pub no_interval: bool,
    /// Send no `verification_uri_complete`.
    pub no_verification_uri_complete: bool,
}

impl OAuthQuirks {
    /// The names [`set`](Self::set) knows (the command line's `--oauth-quirk`).
    pub const NAMES: &'static [&'static str] = &[
        "verification-url",
        "slow-down-interval",
        "error-status-200",
        "error-status-401",
        "error-status-403",
        "error-status-428",
        "lifetimes-as-strings",
        "form-encoded",
        "no-interval",
        "no-verification-uri-complete",
    ];

    /// Turns on the deviation named `name` (one of [`NAMES`](Self::NAMES)).
    pub fn set(&mut self, name: &str) -> Result<(), String> {
        match name {
            "verification-url" => self.verification_url = true,
            "slow-down-interval" => self.slow_down_interval = true,
            "lifetimes-as-strings" => self.lifetimes_as_strings = true,
            "form-encoded" => self.form_encoded = true,
            "no-interval" => self.no_interval = true,
            "no-verification-uri-complete" => self.no_verification_uri_complete = true,
            other => match other
                .strip_prefix("error-status-")
                .and_then(|s| s.parse().ok())
            {
                Some(status @ (200 | 401 | 403 | 428)) => self.error_status = Some(status),
                _ => {
                    return Err(format!(
                        "unknown quirk {name:?}: expected one of {}",
                        Self::NAMES.join(", ")
                    ))
                }
            },
        }
        Ok(())
    }
}

/// How a request's client authenticated, as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Presented {
    pub(crate) client_id: String,
    pub(crate) secret: Option<String>,
    pub(crate) auth: ClientAuth,
}

impl Service {
    /// Registers the standard mode's clients.
    pub(super) fn register_oauth_clients(&mut self) {
        let Some(mode) = self.cfg.oauth.clone() else {
            return;
        };
        let created = Instant::now();
        for client in &mode.clients {
            let secret = client.secret.as_deref().unwrap_or("");
            self.clients.insert(
                client.id.clone(),
                Registration::preregistered(&client.id, secret, created),
            );
        }
    }

    /// The standard mode, when it is on.
    pub(crate) fn oauth_mode(&self) -> Option<&OAuthMode> {
        self.cfg.oauth.as_ref()
    }

    /// Checks the presented client authentication against the registered client: the same
    /// method, and the right secret (`invalid_client` otherwise, RFC 6749 §5.2).
    fn oauth_authenticate(
        &self,
        presented: &Presented,
        now: Now,
    ) -> Result<Registration, ServiceError> {
        let unknown = || fail(ErrorCode::InvalidClient, "Client authentication failed");
        let config = self
            .oauth_mode()
            .and_then(|m| m.clients.iter().find(|c| c.id == presented.client_id))
            .ok_or_else(unknown)?;
        if config.auth != presented.auth {
            return Err(fail(
                ErrorCode::InvalidClient,
                &format!(
                    "Client must authenticate with {}, not {}",
                    config.auth, presented.auth
                ),
            ));
        }
        let secret = Secret::new(presented.secret.clone().unwrap_or_default());
        self.authenticate(&presented.client_id, &secret, now)
            .map_err(|_| unknown())
    }

    /// RFC 8628 §3.1: a device authorization for the presented client.
    pub(crate) fn oauth_device_authorization(
        &mut self,
        presented: &Presented,
        scope: Option<&str>,
        base_url: &str,
        now: Now,
    ) -> Result<StartDeviceAuthorizationOutput, ServiceError> {
        let reg = self.oauth_authenticate(presented, now)?;
        if !reg.allows(grant_type::DEVICE_CODE) {
            return Err(fail(
                ErrorCode::UnauthorizedClient,
                "Client not authorized for this grant",
            ));
        }
        if scope.is_some_and(|s| {
            s.split(' ')
                .any(|scope| scope.chars().any(char::is_control))
        }) {
            return Err(fail(ErrorCode::InvalidScope, "Invalid scope requested"));
        }
        let label = match scope.filter(|s| !s.is_empty()) {
            Some(scope) => format!("{base_url} (scopes: {scope})"),
            None => base_url.to_owned(),
        };
        Ok(self.issue_device_authorization(presented.client_id.clone(), label, base_url, now))
    }

    /// RFC 8628 §3.4 and RFC 6749 §6: a token request of the presented client, through the
    /// same grants as `CreateToken`.
    pub(crate) fn oauth_token(
        &mut self,
        presented: &Presented,
        grant: &str,
        device_code: Option<String>,
        refresh_token: Option<String>,
        now: Now,
    ) -> Result<CreateTokenOutput, ServiceError> {
        self.oauth_authenticate(presented, now)?;
        let secret = presented.secret.clone().unwrap_or_default();
        let input = match grant {
            grant_type::DEVICE_CODE => CreateToken::device_code(
                presented.client_id.clone(),
                secret,
                device_code
                    .ok_or_else(|| fail(ErrorCode::InvalidRequest, "device_code is required"))?,
            ),
            grant_type::REFRESH_TOKEN => CreateToken::refresh_token(
                presented.client_id.clone(),
                secret,
                refresh_token
                    .ok_or_else(|| fail(ErrorCode::InvalidRequest, "refresh_token is required"))?,
            ),
            _ => {
                return Err(fail(
                    ErrorCode::UnsupportedGrantType,
                    "Unsupported grant type",
                ))
            }
        };
        self.create_token(input, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_and_quirks_parse() {
        assert_eq!(
            OAuthClientConfig::parse("cli"),
            Ok(OAuthClientConfig::public("cli"))
        );
        assert_eq!(
            OAuthClientConfig::parse("cli:s"),
            Ok(OAuthClientConfig::confidential(
                "cli",
                "s",
                ClientAuth::ClientSecretBasic
            ))
        );
        assert_eq!(
            OAuthClientConfig::parse("cli:s:c:d:client_secret_post").map(|c| c.auth),
            Err("invalid value \"c:d:client_secret_post\" for client authentication method: none, client_secret_post or client_secret_basic".to_owned())
        );
        assert!(OAuthClientConfig::parse(":s").is_err());
        assert!(
            !format!("{:?}", OAuthClientConfig::parse("c:hunter2").unwrap()).contains("hunter2")
        );
        let mut quirks = OAuthQuirks::default();
        for name in OAuthQuirks::NAMES {
            quirks.set(name).unwrap();
        }
        assert_eq!(quirks.error_status, Some(428));
        assert!(quirks.set("error-status-500").is_err());
        assert!(quirks.set("nope").is_err());
    }
}
