//! [`Sessions::token`], [`Sessions::role_credentials`], [`Sessions::accounts`] and
//! [`Sessions::account_roles`]: the core's [`TokenSession`] and [`CredentialsSession`] driven
//! over the caller's transport and timer, and the portal's lists with the session's token.

use ssooidc_core::endpoint::Service;
use ssooidc_core::portal::{AccountInfo, ListAccountRoles, ListAccounts, RoleInfo};
use ssooidc_core::sessions::{
    CredentialsSession, CredentialsSessionInput, TokenSession, TokenSessionInput,
};
use ssooidc_files::SessionFiles;

use super::drive::drive_session;
use super::{
    Listed, Session, SessionCredentials, SessionError, SessionSelector, SessionToken, Sessions,
};
use crate::client::random_seed;
use crate::transport::{HttpSend, Timer};

impl<T: HttpSend + Clone, R: Timer + Clone> Sessions<T, R> {
    /// A valid access token for the session: the cached one, refreshed when it is inside the
    /// refresh window (sso-session profiles only), or an error saying why there is none.
    ///
    /// The same rules as the blocking adapter's `Sessions::token` (the core's
    /// [`TokenSession`]): a token with more than 15 minutes left is returned with no lock and
    /// no request; otherwise it is refreshed under the session's lock, which other processes
    /// (the `ssooidc` command, the blocking adapter, other programs) respect, so that of many
    /// callers only one refreshes. A lock held too long or unusable, a refresh that fails or a
    /// refreshed token that cannot be written back still give a valid token, with a warning.
    pub async fn token(&self, selector: SessionSelector) -> Result<SessionToken, SessionError> {
        let session = self.session(selector)?;
        self.token_for(&session).await
    }

    /// [`token`](Self::token) of a resolved session.
    pub async fn token_for(&self, session: &Session) -> Result<SessionToken, SessionError> {
        let endpoint = self
            .settings
            .endpoint_target(Service::SsoOidc, &session.region);
        let input = TokenSessionInput::new(session.clone(), endpoint)
            .policy(self.refresh_policy)
            .retry(self.retry())
            .lock_wait(self.refresh_lock_wait);
        let timer = &self.timer;
        let mut machine = TokenSession::new(input, timer.now(), timer.now_utc(), random_seed());
        let mut files = SessionFiles::new(&self.cache, &self.cli_cache);
        let path = files.path(machine.file());
        let client = || Ok(self.client(self.oidc_endpoint(session)?));
        let outcome = drive_session(&mut machine, &mut files, timer, client, "CreateToken").await?;
        Ok(SessionToken::new(outcome, path))
    }

    /// AWS credentials for the selected profile's `sso_account_id` and `sso_role_name`,
    /// through the AWS CLI's role-credential cache (`~/.aws/cli/cache`, keyed as the AWS CLI
    /// keys it) and the portal's `GetRoleCredentials` with the session's token (refreshed when
    /// due): the rules of the core's [`CredentialsSession`], as in the blocking adapter.
    pub async fn role_credentials(
        &self,
        selector: SessionSelector,
    ) -> Result<SessionCredentials, SessionError> {
        let session = self.session(selector)?;
        self.role_credentials_for(&session).await
    }

    /// [`role_credentials`](Self::role_credentials) of a resolved session (whose account and
    /// role may have been set with [`Session::with_role`]).
    pub async fn role_credentials_for(
        &self,
        session: &Session,
    ) -> Result<SessionCredentials, SessionError> {
        let endpoint = self
            .settings
            .endpoint_target(Service::SsoOidc, &session.region);
        let portal = self.settings.endpoint_target(Service::Sso, &session.region);
        let input = CredentialsSessionInput::new(session.clone(), endpoint, portal)
            .policy(self.refresh_policy)
            .retry(self.retry())
            .lock_wait(self.refresh_lock_wait);
        let timer = &self.timer;
        let mut machine =
            CredentialsSession::new(input, timer.now(), timer.now_utc(), random_seed())?;
        let mut files = SessionFiles::new(&self.cache, &self.cli_cache);
        let path = files.path(machine.file());
        let client = || Ok(self.client(self.oidc_endpoint(session)?));
        let outcome = drive_session(
            &mut machine,
            &mut files,
            timer,
            client,
            "GetRoleCredentials",
        )
        .await?;
        Ok(SessionCredentials::new(outcome, path))
    }

    /// The accounts the selected session's user is assigned, all pages.
    pub async fn accounts(
        &self,
        selector: SessionSelector,
    ) -> Result<Listed<AccountInfo>, SessionError> {
        let session = self.session(selector)?;
        let token = self.token_for(&session).await?;
        let items = self
            .portal_client(&session)?
            .list_accounts(&ListAccounts::new(token.token.access_token))
            .await
            .map_err(|e| SessionError::portal(&session, e))?;
        Ok(Listed {
            items,
            warnings: token.warnings,
        })
    }

    /// The roles the selected session's user may take in `account_id`, all pages.
    pub async fn account_roles(
        &self,
        selector: SessionSelector,
        account_id: &str,
    ) -> Result<Listed<RoleInfo>, SessionError> {
        let session = self.session(selector)?;
        let token = self.token_for(&session).await?;
        let items = self
            .portal_client(&session)?
            .list_account_roles(&ListAccountRoles::new(token.token.access_token, account_id))
            .await
            .map_err(|e| SessionError::portal(&session, e))?;
        Ok(Listed {
            items,
            warnings: token.warnings,
        })
    }

    /// The portal client of `session`'s region (or the configured portal endpoint).
    pub(super) fn portal_client(
        &self,
        session: &Session,
    ) -> Result<crate::Client<T, R>, SessionError> {
        self.portal_client_in(&session.region)
    }

    /// The portal client of `region`.
    pub(super) fn portal_client_in(
        &self,
        region: &str,
    ) -> Result<crate::Client<T, R>, SessionError> {
        Ok(self.client(self.settings.resolve_portal_endpoint(region)?))
    }
}
