//! CreateToken: choosing the grant, issuing access and refresh tokens (remembering the access
//! tokens for the portal), and the refresh-token grant (rotation, lifetime). The device-code and authorization-code grants live with their
//! flows, in the `device` and `authorization_code` modules.

use std::time::Instant;

use ssooidc_core::operations::{grant_type, CreateToken, CreateTokenOutput};
use ssooidc_core::{ErrorCode, Secret, ServiceError};

use super::registration::Registration;
use super::{fail, wire_i32, Now, Service};
use crate::config::RefreshTokenPolicy;

pub(super) struct RefreshGrant {
    client_id: String,
    created: Instant,
}

/// An access token this service issued, which the portal accepts until it expires or is
/// logged out.
pub(super) struct AccessGrant {
    pub(super) created: Instant,
    /// The refresh token issued with it: `Logout` ends both.
    pub(super) refresh_token: Option<String>,
}

impl Service {
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

    pub(super) fn check_refresh(
        &self,
        token: &Secret,
        client_id: &str,
        now: Now,
    ) -> Result<(), ServiceError> {
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

    pub(super) fn new_refresh_token(&mut self, client_id: &str, now: Now) -> Secret {
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

    pub(super) fn issue(
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
        let access_token = format!("aoa{}", self.ids.token(48));
        let refresh_token = with_refresh.then(|| self.new_refresh_token(client_id, now));
        self.access.insert(
            access_token.clone(),
            AccessGrant {
                created: now.instant,
                refresh_token: refresh_token.as_ref().map(|t| t.expose().to_owned()),
            },
        );
        CreateTokenOutput {
            access_token: Secret::new(access_token),
            token_type: Some("Bearer".to_owned()),
            expires_in: Some(wire_i32(self.cfg.access_token_lifetime)),
            refresh_token,
            id_token: None,
        }
    }
}
