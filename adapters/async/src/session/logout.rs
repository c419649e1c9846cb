//! [`Sessions::logout`]: what `aws sso logout` does, as the blocking adapter does it: the
//! portal's `Logout` for each cached token, the token files deleted, the SSO entries of the
//! role-credential cache deleted, the registrations kept.

use ssooidc_files::Logout;

use super::{LogoutReport, SessionError, Sessions};
use crate::transport::{HttpSend, Timer};

impl<T: HttpSend + Clone, R: Timer + Clone> Sessions<T, R> {
    /// Logs out as `aws sso logout` does: for every cached token, the portal's `Logout` in the
    /// token's `region`, then the file deleted; then every entry of `~/.aws/cli/cache` whose
    /// `ProviderType` is `sso` deleted. Registrations stay. A failed `Logout` is a warning and
    /// the logout goes on.
    ///
    /// `sso_session`: only that sso-session's token, and the cached credentials of the
    /// config's profiles that use it.
    pub async fn logout(&self, sso_session: Option<&str>) -> Result<LogoutReport, SessionError> {
        let mut logout = Logout::plan(
            &self.cache,
            &self.cli_cache,
            &self.environment.config,
            sso_session,
        )?;
        for call in logout.calls()? {
            let done = match self.portal_client_in(&call.region) {
                Ok(client) => client
                    .logout(&call.request)
                    .await
                    .map_err(SessionError::from),
                Err(e) => Err(e),
            };
            logout.called(&call.whose, done);
        }
        Ok(logout.finish()?)
    }
}
