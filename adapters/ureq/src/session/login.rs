//! [`Sessions::login`]: the device login that writes both AWS CLI caches.

use time::OffsetDateTime;

use super::{LoginResult, SessionError, SessionSelector, Sessions};
use crate::device::{device_login, LoginError, LoginOptions};
use crate::store::Lookup;
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
        let session = self.session(selector)?;
        let client = self.client(&session)?;
        let mut warnings = Vec::new();
        let started = std::time::SystemTime::now();
        let _lock = self.cache.lock(&session.token_key, self.login_lock_wait)?;
        let token_path = self.cache.path(&session.token_key);
        if let Lookup::Found(token) = self.cache.load_token(&session.token_key)? {
            let written_since = std::fs::metadata(&token_path)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m >= started);
            if written_since && token.is_valid_at(OffsetDateTime::now_utc()) {
                warnings.extend(self.cache.take_warnings());
                return Ok(LoginResult {
                    token,
                    token_path,
                    registration_path: None,
                    reused_concurrent_login: true,
                    warnings,
                });
            }
        }
        let cached_registration = match self.cache.load_registration(&session.registration_key)? {
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
        let mut input = DeviceFlowInput::new(
            client.endpoint().clone(),
            session.start_url.clone(),
            session.client_name(OffsetDateTime::now_utc()),
        );
        if !session.scopes.is_empty() {
            input = input.scopes(session.scopes.clone());
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
            Some(r) => Some(self.cache.save_registration(&session.registration_key, r)?),
            None => None,
        };
        let entry = session.cache_entry(result?);
        let token_path = self.cache.save_token(&session.token_key, &entry)?;
        warnings.extend(self.cache.take_warnings());
        Ok(LoginResult {
            token: entry,
            token_path,
            registration_path,
            reused_concurrent_login: false,
            warnings,
        })
    }
}
