//! [`Sessions::role_credentials`]: AWS credentials for the session's account and role, as
//! botocore's SSO credential provider gets them: the AWS CLI's role-credential cache first,
//! else the portal's `GetRoleCredentials` with the session's token (refreshed when due), written
//! back to that cache (`docs/protocol/caches.md#role-credential-cache`). Every rule is the core's
//! [`CredentialsSession`]; this does its file I/O and HTTP.

use std::time::Instant;

use ssooidc_core::endpoint::Service;
use ssooidc_core::retry::RetryPolicy;
use ssooidc_core::sessions::{CredentialsSession, CredentialsSessionInput};
use ssooidc_files::SessionFiles;
use time::OffsetDateTime;

use super::drive::drive_session;
use super::{Session, SessionCredentials, SessionError, SessionSelector, Sessions};
use crate::client::random_seed;

impl Sessions {
    /// AWS credentials for the selected profile's `sso_account_id` and `sso_role_name`.
    ///
    /// Credentials cached in `~/.aws/cli/cache` (by this crate or the AWS CLI) with more than
    /// 15 minutes left are returned without a request and without a lock. Otherwise the entry's
    /// lock is taken and the file read again (another process may just have fetched), then the
    /// session's token is had as [`token`](Self::token) has it (refreshed when due) and
    /// `GetRoleCredentials` called; the answer is cached. An unusable cache file is a miss, with
    /// a warning.
    ///
    /// The cache never costs credentials, by the policy of the token stores
    /// ([`token`](Self::token)): when the entry's lock cannot be had (held too long by another
    /// process, a read-only cache, an unusable lock file) they are fetched without it, and
    /// credentials that cannot be written back are returned anyway; each with a warning in
    /// [`SessionCredentials::warnings`]. When new credentials cannot be had (the portal is down,
    /// the token cannot be refreshed) while the cached ones are inside the 15-minute window with
    /// more than 10 minutes left (botocore's advisory period), those are returned
    /// ([`CredentialsSource::CachedAfterFailedFetch`](super::CredentialsSource)), with a warning
    /// naming the failure and their expiry. A cache directory that is not safe to use is still
    /// an error.
    ///
    /// A token the portal refuses is [`SessionError::Unauthorized`]; an expired token that
    /// cannot be refreshed is [`SessionError::Expired`].
    pub fn role_credentials(
        &self,
        selector: SessionSelector,
    ) -> Result<SessionCredentials, SessionError> {
        self.role_credentials_for(&self.session(selector)?)
    }

    /// [`role_credentials`](Self::role_credentials) of a resolved session (whose account and
    /// role may have been set with [`Session::with_role`]).
    pub fn role_credentials_for(
        &self,
        session: &Session,
    ) -> Result<SessionCredentials, SessionError> {
        let settings = self.settings();
        let endpoint = settings.endpoint_target(Service::SsoOidc, &session.region);
        let portal = settings.endpoint_target(Service::Sso, &session.region);
        let input = CredentialsSessionInput::new(session.clone(), endpoint, portal)
            .policy(self.refresh_policy)
            .retry(RetryPolicy::new(self.settings().retry_config()))
            .lock_wait(self.refresh_lock_wait);
        let mut machine = CredentialsSession::new(
            input,
            Instant::now(),
            OffsetDateTime::now_utc(),
            random_seed(),
        )?;
        let mut files = SessionFiles::new(&self.cache, &self.cli_cache);
        let path = files.path(machine.file());
        let outcome = drive_session(
            &mut machine,
            &mut files,
            || self.client(session),
            "GetRoleCredentials",
        )?;
        super::remember_keys(&outcome.credentials);
        Ok(SessionCredentials::new(outcome, path))
    }
}
