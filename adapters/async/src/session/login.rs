//! [`Sessions::login`]: either login of the AWS CLI, writing both of its caches, as the
//! blocking adapter's: under the session's login lock (waited for on the timer), reusing the
//! token of a login another process finished meanwhile, with the cached registration when it is
//! usable. The rules are the core's ([`Session::login_input`],
//! [`Session::reuses_concurrent_login`], [`Session::login_flow`]).

use ssooidc_core::device::Event;
use ssooidc_core::login::{LoginError, LoginOptions};
use ssooidc_files::store::Lookup;
use ssooidc_files::LoginLock;

use super::drive::wait_for_lock;
use super::{LoginFlow, LoginResult, Session, SessionError, SessionSelector, Sessions};
use crate::callback::CallbackListener;
use crate::transport::{HttpSend, Timer};
use crate::{authorization_code_login, device_login};

impl<T: HttpSend + Clone, R: Timer + Clone> Sessions<T, R> {
    /// Logs in and writes both caches, as `aws sso login` does. The login follows the AWS
    /// CLI's rule ([`LoginFlow::choose`]): an sso-session uses the browser login through
    /// `listener` (the loopback listener the browser comes back to; `on_event` gets
    /// [`Event::Authorize`] with the URL to open) unless [`LoginOptions::use_device_code`] is
    /// set or no listener is given; a legacy profile or a bare start URL uses the device flow
    /// (`on_event` gets [`Event::Prompt`]).
    ///
    /// Concurrent logins of one session, in this process or any other, are serialised by the
    /// session's lock (waited for on the timer, at most [`login_lock_wait`](Self::login_lock_wait));
    /// a login that waited while another one finished reuses its token. Nothing is written when
    /// the login is cancelled; a new registration is written when the flow ends otherwise.
    /// Dropping the future cancels the login and releases the lock.
    pub async fn login<L: CallbackListener>(
        &self,
        selector: SessionSelector,
        options: LoginOptions,
        listener: Option<L>,
        mut on_event: impl FnMut(&Event),
    ) -> Result<LoginResult, SessionError> {
        let session = self.session(selector)?;
        let endpoint = self.oidc_endpoint(&session)?;
        let client = self.client(endpoint.clone());
        let timer = client.timer();
        let mut warnings = Vec::new();
        let started = std::time::SystemTime::now();
        let _lock =
            wait_for_lock(&self.cache, &session.token_key, self.login_lock_wait, timer).await?;
        let token_path = self.cache.path(&session.token_key);
        if let Lookup::Found(token) = self.cache.load_token(&session.token_key)? {
            let written_since = self.cache.written_since(&session.token_key, started);
            if Session::reuses_concurrent_login(&token, written_since, timer.now_utc()) {
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
            endpoint,
            self.cache.load_registration(&session.registration_key())?,
            timer.now_utc(),
        );
        warnings.extend(warning);
        let flow = session.login_flow(options.use_device_code || listener.is_none());
        let cancel = options.cancel.clone();
        let mut new_registration = None;
        let on_event = |event: &Event| {
            if let Event::Registered(r) = event {
                new_registration = Some(r.clone());
            }
            on_event(event);
        };
        let result = match (flow, listener) {
            (LoginFlow::AuthorizationCode, Some(listener)) => {
                authorization_code_login(&client, listener, input, options, on_event).await
            }
            _ => device_login(&client, input, options, on_event).await,
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

impl<T: HttpSend + Clone, R: Timer + Clone> Sessions<T, R> {
    /// Logs in on demand, once for everyone: what a program does when a call failed with an
    /// error that [needs a login](SessionError::needs_login). However many processes and tasks
    /// need the session at once (this adapter's, the blocking one's, `ssooidc --login`
    /// commands), exactly one logs in; the others wait for it under the session's login lock
    /// and use its token. A caller that waited for a login that did not complete (failed,
    /// denied, interrupted, its process killed) gets [`SessionError::LoginFailedElsewhere`]
    /// instead of starting another; so does one that arrives within
    /// [`FAILED_LOGIN_HOLD`](ssooidc_core::sessions::FAILED_LOGIN_HOLD) of such a login. The
    /// steps and the rule are the core's ([`ssooidc_core::sessions::login_turn`]).
    ///
    /// `Ok(Some(_))`: this caller logged in ([`Sessions::login`], with `listener` and
    /// `on_event` as there). `Ok(None)`: a usable token is in the cache now (another caller's
    /// login), nothing was started. The wait for another caller's login is bounded by
    /// [`login_lock_wait`](Self::login_lock_wait) and is a wait on the timer; dropping the
    /// future releases the lock.
    pub async fn login_once<L: CallbackListener>(
        &self,
        selector: SessionSelector,
        options: LoginOptions,
        listener: Option<L>,
        on_event: impl FnMut(&Event),
    ) -> Result<Option<LoginResult>, SessionError> {
        let session = self.session(selector.clone())?;
        let key = session.login_lock_key();
        let mut lock = match self.cache.try_lock(&key)? {
            Some(lock) => LoginLock::new(lock, false),
            None => LoginLock::new(
                wait_for_lock(&self.cache, &key, self.login_lock_wait, &self.timer).await?,
                true,
            ),
        };
        // Another caller may have logged in since this one found the session unusable.
        match self.token(selector.clone()).await {
            Ok(_) => return Ok(None),
            Err(e) if e.needs_login() => {}
            Err(e) => return Err(e),
        }
        lock.claim(&session, self.timer.now_utc().unix_timestamp())?;
        let result = self.login(selector, options, listener, on_event).await?;
        lock.completed();
        Ok(Some(result))
    }
}
