//! RegisterClient, and checking the client id and secret every later operation sends.

use std::time::Instant;

use ssooidc_core::operations::{grant_type, RegisterClient, RegisterClientOutput};
use ssooidc_core::{ErrorCode, Secret, ServiceError};

use super::{fail, Now, Service};

#[derive(Clone)]
pub(super) struct Registration {
    pub(super) client_name: String,
    secret: String,
    pub(super) scopes: Vec<String>,
    pub(super) redirect_uris: Vec<String>,
    grant_types: Option<Vec<String>>,
    pub(super) created: Instant,
}

impl Registration {
    /// A client registered beforehand (the standard mode's clients): the device-code and
    /// refresh grants, `secret` (empty for a public client), and scopes that earn refresh
    /// tokens under the default policy.
    pub(super) fn preregistered(name: &str, secret: &str, created: Instant) -> Self {
        Registration {
            client_name: name.to_owned(),
            secret: secret.to_owned(),
            scopes: vec!["offline_access".to_owned()],
            redirect_uris: Vec::new(),
            grant_types: Some(vec![
                grant_type::DEVICE_CODE.to_owned(),
                grant_type::REFRESH_TOKEN.to_owned(),
            ]),
            created,
        }
    }

    pub(super) fn allows(&self, grant: &str) -> bool {
        self.grant_types
            .as_ref()
            .is_none_or(|g| g.iter().any(|x| x == grant))
    }
}

impl Service {
    /// Forgets a registered client; whether it was registered.
    pub(crate) fn delete_client(&mut self, client_id: &str) -> bool {
        self.clients.remove(client_id).is_some()
    }

    pub(super) fn authenticate(
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
}

fn valid_redirect_uri(uri: &str) -> bool {
    uri.parse::<http::Uri>()
        .is_ok_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some())
}
