//! [`Sessions::login`]: either login of the AWS CLI, writing both of its caches.

use time::OffsetDateTime;

use super::{LoginResult, Session, SessionError, SessionSelector, Sessions};
use crate::authcode::authorization_code_login;
use crate::device::{device_login, LoginError, LoginOptions};
use crate::store::Lookup;
use ssooidc_core::device::Event;
use ssooidc_core::sessions::LoginFlow;
use ssooidc_files::LoginLock;

impl Sessions {
    /// Logs in and writes both caches, as `aws sso login` does. The login follows the AWS
    /// CLI's rule ([`LoginFlow::choose`]): an sso-session uses the browser login
    /// (authorization code with PKCE, a loopback listener on `127.0.0.1`; `on_event` gets
    /// [`Event::Authorize`] with the URL to open) unless [`LoginOptions::use_device_code`] is
    /// set; a legacy profile or a bare start URL uses the device flow (`on_event` gets
    /// [`Event::Prompt`]). A cached registration is reused when it has 15 minutes left and was
    /// made for the same login; otherwise a new one overwrites it, so switching logins
    /// re-registers, as with the AWS CLI. The token file is keyed and filled like the AWS
    /// CLI's, whichever login obtained the token.
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
            let written_since = self.cache.written_since(&session.token_key, started);
            if Session::reuses_concurrent_login(&token, written_since, OffsetDateTime::now_utc()) {
                warnings.extend(self.cache.take_warnings());
                return Ok(LoginResult {
                    token,
                    token_path,
                    registration_path: None,
                    reused_concurrent_login: true,
                    flow: None,
                    warnings,
                });
            }
        }
        let (input, warning) = session.login_input(
            client.endpoint().clone(),
            self.cache.load_registration(&session.registration_key())?,
            OffsetDateTime::now_utc(),
        );
        warnings.extend(warning);
        let flow = session.login_flow(options.use_device_code);
        let cancel = options.cancel.clone();
        let mut new_registration = None;
        let on_event = |event: &Event| {
            if let Event::Registered(r) = event {
                new_registration = Some(r.clone());
            }
            on_event(event);
        };
        let result = match flow {
            LoginFlow::AuthorizationCode => {
                authorization_code_login(&client, input, options, on_event)
            }
            _ => device_login(&client, input, options, on_event),
        };
        if cancel.is_cancelled() {
            return Err(SessionError::Login(LoginError::Cancelled));
        }
        let registration_path = match &new_registration {
            Some(r) => Some(
                self.cache
                    .save_registration(&session.registration_key(), r)?,
            ),
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
            flow: Some(flow),
            warnings,
        })
    }
}

impl Sessions {
    /// Logs in on demand, once for everyone: what a program does when a call failed with an
    /// error that [needs a login](SessionError::needs_login). However many processes need the
    /// session at once (this adapter's, the async one's, the AWS SDK provider's, `ssooidc
    /// --login` commands), exactly one logs in; the others wait for it under the session's
    /// login lock (at most [`login_lock_wait`](Self::login_lock_wait)) and use its token. A
    /// caller that waited for a login that did not complete (failed, denied, interrupted, its
    /// process killed), or that arrives within
    /// [`FAILED_LOGIN_HOLD`](ssooidc_core::sessions::FAILED_LOGIN_HOLD) of one, gets
    /// [`SessionError::LoginFailedElsewhere`] instead of starting another. The steps and the
    /// rule are the core's ([`ssooidc_core::sessions::login_turn`]).
    ///
    /// `Ok(Some(_))`: this caller logged in ([`Sessions::login`] with `options` and
    /// `on_event`). `Ok(None)`: a usable token is in the cache now (another caller's login).
    pub fn login_once(
        &self,
        selector: SessionSelector,
        options: LoginOptions,
        on_event: impl FnMut(&Event),
    ) -> Result<Option<LoginResult>, SessionError> {
        let mut result = None;
        let logged_in = self.login_once_with(selector.clone(), || {
            result = Some(self.login(selector, options, on_event)?);
            Ok::<(), SessionError>(())
        })?;
        Ok(if logged_in { result } else { None })
    }

    /// [`Sessions::login_once`] with the login done by `log_in` (a program's own login with
    /// its own terminal, as the `ssooidc` command's): called only when this caller is the one
    /// to log in. `Ok(true)`: `log_in` ran and succeeded; `Ok(false)`: another caller's login
    /// left a usable token.
    pub fn login_once_with<E: From<SessionError>>(
        &self,
        selector: SessionSelector,
        log_in: impl FnOnce() -> Result<(), E>,
    ) -> Result<bool, E> {
        let store = |e: crate::store::StoreError| E::from(SessionError::Store(e));
        let session = self.session(selector.clone())?;
        let key = session.login_lock_key();
        let mut lock = match self.cache.try_lock(&key).map_err(store)? {
            Some(lock) => LoginLock::new(lock, false),
            None => LoginLock::new(
                self.cache.lock(&key, self.login_lock_wait).map_err(store)?,
                true,
            ),
        };
        // Another caller may have logged in since this one found the session unusable.
        match self.token(selector) {
            Ok(_) => return Ok(false),
            Err(e) if e.needs_login() => {}
            Err(e) => return Err(e.into()),
        }
        lock.claim(&session, OffsetDateTime::now_utc().unix_timestamp())?;
        log_in()?;
        lock.completed();
        Ok(true)
    }
}
