//! [`Sessions::token`]: the cached token, refreshed under the session's lock when it is due, by
//! the core's [`TokenSession`].

use std::time::Instant;

use ssooidc_core::endpoint::Service;
use ssooidc_core::retry::RetryPolicy;
use ssooidc_core::sessions::{TokenSession, TokenSessionInput};
use ssooidc_files::SessionFiles;
use time::OffsetDateTime;

use super::drive::drive_session;
use super::{Session, SessionError, SessionSelector, SessionToken, Sessions};
use crate::client::random_seed;

impl Sessions {
    /// A valid access token for the session: the cached one, refreshed when it is inside the
    /// refresh window (sso-session profiles only), or an error saying why there is none.
    ///
    /// A token with more than 15 minutes left is returned without taking any lock. Otherwise
    /// the session's lock is taken and the file read again, so that of many processes asking at
    /// once only the first refreshes and the others reuse its result. When the lock cannot be
    /// had (held too long, a read-only cache, an unusable lock file) a still-valid token is
    /// returned as cached, with a warning; a refreshed token that cannot be written back is
    /// returned too, with a warning. Warnings of the cache (modes repaired) come along. Every
    /// rule is the core's [`TokenSession`]; this does its file I/O and HTTP.
    pub fn token(&self, selector: SessionSelector) -> Result<SessionToken, SessionError> {
        self.token_of(self.session(selector)?)
    }

    /// [`token`](Self::token) of a resolved session.
    pub fn token_for(&self, session: &Session) -> Result<SessionToken, SessionError> {
        self.token_of(session.clone())
    }

    /// [`token`](Self::token) of a resolved session the machine may own (no copy on the
    /// cache-hit path).
    fn token_of(&self, session: Session) -> Result<SessionToken, SessionError> {
        let settings = self.settings();
        let endpoint = settings.endpoint_target(Service::SsoOidc, &session.region);
        let client_region = session.region.clone();
        let input = TokenSessionInput::new(session, endpoint)
            .policy(self.refresh_policy)
            .retry(RetryPolicy::new(self.settings().retry_config()))
            .lock_wait(self.refresh_lock_wait);
        let mut machine = TokenSession::new(
            input,
            Instant::now(),
            OffsetDateTime::now_utc(),
            random_seed(),
        );
        let mut files = SessionFiles::new(&self.cache, &self.cli_cache);
        let path = files.path(machine.file());
        let outcome = drive_session(
            &mut machine,
            &mut files,
            || self.client_in(&client_region),
            "CreateToken",
        )?;
        // A refreshed token too (also remembered from the answer's body on the way in).
        super::remember_secrets(&outcome.token);
        Ok(SessionToken::new(outcome, path))
    }
}
