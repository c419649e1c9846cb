//! [`Sessions::login`]: the device login that writes both AWS CLI caches.

use time::OffsetDateTime;

use super::{LoginResult, SessionError, SessionSelector, Sessions, LOGIN_LOCK_WAIT};
use crate::device::{device_login, LoginError, LoginOptions};
use crate::store::Lookup;
use ssooidc_core::cache::CachedToken;
use ssooidc_core::device::{DeviceFlowInput, Event};

impl Sessions {
    /// Logs in with the device flow and writes both caches, as `aws sso login
    /// --use-device-code` does: a cached registration is reused when it has 15 minutes left and
    /// is a device-flow registration, the token file is keyed and filled like the AWS CLI's.
    ///
    /// Concurrent logins of one session are serialised by the session's lock; a process that
    /// waited while another logged in reuses that token. Nothing is written when the login is
    /// cancelled; a new registration is written when the flow ends otherwise.
    pub fn login(
        &self,
        selector: SessionSelector,
        options: LoginOptions,
        mut on_event: impl FnMut(&Event),
    ) -> Result<LoginResult, SessionError> {
        let settings = self.settings(selector)?;
        let client = self.client(&settings)?;
        let mut warnings = Vec::new();
        let started = std::time::SystemTime::now();
        let _lock = self.cache.lock(&settings.token_key, LOGIN_LOCK_WAIT)?;
        let token_path = self.cache.path(&settings.token_key);
        if let Lookup::Found(token) = self.cache.load_token(&settings.token_key)? {
            let written_since = std::fs::metadata(&token_path)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m >= started);
            if written_since && token.is_valid_at(OffsetDateTime::now_utc()) {
                return Ok(LoginResult {
                    token,
                    token_path,
                    registration_path: None,
                    reused_concurrent_login: true,
                    warnings,
                });
            }
        }
        let cached_registration = match self.cache.load_registration(&settings.registration_key)? {
            Lookup::Found(r) => Some(r),
            Lookup::Missing => None,
            Lookup::Corrupt { path, error } => {
                warnings.push(format!(
                    "ignoring unusable registration {}: {error}",
                    path.display()
                ));
                None
            }
        };
        let client_name = match &settings.session_name {
            Some(name) => format!("botocore-client-{name}"),
            None => format!(
                "botocore-client-{}",
                OffsetDateTime::now_utc().unix_timestamp()
            ),
        };
        let mut input = DeviceFlowInput::new(
            client.endpoint().clone(),
            settings.start_url.clone(),
            client_name,
        );
        if !settings.scopes.is_empty() {
            input = input.scopes(settings.scopes.clone());
        }
        if let Some(r) = cached_registration {
            input = input.registration(r);
        }
        let cancel = options.cancel.clone();
        let mut new_registration = None;
        let result = device_login(&client, input, options, |event| {
            if let Event::Registered(r) = event {
                new_registration = Some(r.clone());
            }
            on_event(event);
        });
        if cancel.is_cancelled() {
            return Err(SessionError::Login(LoginError::Cancelled));
        }
        let registration_path = match &new_registration {
            Some(r) => Some(
                self.cache
                    .save_registration(&settings.registration_key, r)?,
            ),
            None => None,
        };
        let token = result?;
        let entry = CachedToken {
            start_url: Some(settings.start_url.clone()),
            region: Some(settings.region.clone()),
            access_token: token.access_token,
            // Whole seconds, as the file holds it: the entry returned is the entry stored.
            expires_at: token
                .expires_at
                .replace_nanosecond(0)
                .unwrap_or(token.expires_at),
            client_id: Some(token.registration.client_id.clone()),
            client_secret: Some(token.registration.client_secret.clone()),
            registration_expires_at: Some(token.registration.expires_at),
            refresh_token: token.refresh_token,
            extra: Default::default(),
        };
        let token_path = self.cache.save_token(&settings.token_key, &entry)?;
        Ok(LoginResult {
            token: entry,
            token_path,
            registration_path,
            reused_concurrent_login: false,
            warnings,
        })
    }
}
