//! [`Sessions::logout`]: what `aws sso logout` does (`docs/protocol/caches.md#logout`): the
//! portal's `Logout` for each cached token, the token files deleted, the SSO entries of the
//! role-credential cache deleted, the registrations kept.

use ssooidc_files::Logout;

use super::{LogoutReport, SessionError, Sessions};

impl Sessions {
    /// Logs out as `aws sso logout` does: for every cached token (a JSON file of
    /// `~/.aws/sso/cache` with an `accessToken`), the portal's `Logout` in the token's `region`,
    /// then the file deleted; then every entry of `~/.aws/cli/cache` whose `ProviderType` is
    /// `sso` deleted. Registrations stay.
    ///
    /// A failed `Logout` (the token already expired, the network down) is a warning and the
    /// logout goes on; the AWS CLI stops at any failure but a service error.
    ///
    /// `sso_session`: only that sso-session's token, and the cached credentials of the
    /// config's profiles that use it.
    pub fn logout(&self, sso_session: Option<&str>) -> Result<LogoutReport, SessionError> {
        let mut logout = Logout::plan(
            &self.cache,
            &self.cli_cache,
            &self.environment.config,
            sso_session,
        )?;
        for call in logout.calls()? {
            let done = self
                .portal_client(&call.region)
                .and_then(|c| c.logout(&call.request).map_err(SessionError::from));
            logout.called(&call.whose, done);
        }
        Ok(logout.finish()?)
    }
}
