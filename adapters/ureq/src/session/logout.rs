//! [`Sessions::logout`]: what `aws sso logout` does (`docs/protocol/caches.md#logout`): the
//! portal's `Logout` for each cached token, the token files deleted, the SSO entries of the
//! role-credential cache deleted, the registrations kept.

use std::path::PathBuf;

use ssooidc_core::cache::{
    is_logout_credentials_file, is_logout_token_file, role_credentials_cache_key, token_cache_key,
};
use ssooidc_core::portal::Logout;

use super::{SessionError, Sessions};
use crate::store::Lookup;

/// What [`Sessions::logout`] did.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LogoutReport {
    /// The token files deleted.
    pub tokens_removed: Vec<PathBuf>,
    /// How many tokens the portal logged out.
    pub logged_out: usize,
    /// The role-credential files deleted from `~/.aws/cli/cache`.
    pub credentials_removed: Vec<PathBuf>,
    /// Failures that did not stop the logout (a `Logout` call that failed, a token without a
    /// region to call it in), and the caches' warnings (repaired modes, skipped files).
    pub warnings: Vec<String>,
}

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
        let mut report = LogoutReport::default();
        let mut tokens = self.cache.keys_where(is_logout_token_file)?;
        let mut credentials = self.cli_cache.keys_where(is_logout_credentials_file)?;
        if let Some(name) = sso_session {
            let key = token_cache_key(name);
            tokens.retain(|k| *k == key);
            let of_session = self.role_credentials_keys_of(name);
            credentials.retain(|k| of_session.contains(k));
        }
        for key in tokens {
            if let Lookup::Found(token) = self.cache.load_token(&key)? {
                let whose = token.start_url.clone().unwrap_or_else(|| key.clone());
                match token.region.as_deref() {
                    Some(region) => {
                        let logout = Logout::new(token.access_token);
                        match self
                            .portal_client(region)
                            .and_then(|c| c.logout(&logout).map_err(SessionError::from))
                        {
                            Ok(()) => report.logged_out += 1,
                            Err(e) => report.warnings.push(format!(
                                "the portal could not log out the token of {whose}: {e}"
                            )),
                        }
                    }
                    None => report.warnings.push(format!(
                        "the token of {whose} has no region: deleted without logging it out"
                    )),
                }
            }
            if self.cache.remove(&key)? {
                report.tokens_removed.push(self.cache.path(&key));
            }
        }
        for key in credentials {
            if self.cli_cache.remove(&key)? {
                report.credentials_removed.push(self.cli_cache.path(&key));
            }
        }
        // Temporary files of writers that died hold secrets too.
        self.cache.remove_stale_temp_files();
        self.cli_cache.remove_stale_temp_files();
        report.warnings.extend(self.cache.take_warnings());
        report.warnings.extend(self.cli_cache.take_warnings());
        Ok(report)
    }

    /// The role-credential cache keys of the config's profiles that use sso-session `name`.
    fn role_credentials_keys_of(&self, name: &str) -> Vec<String> {
        let config = &self.environment.config;
        config
            .profiles
            .keys()
            .filter_map(|profile| config.sso_profile(profile).ok())
            .filter(|p| p.session.as_ref().is_some_and(|s| s.name == name))
            .filter_map(|p| {
                Some(role_credentials_cache_key(
                    p.account_id.as_deref()?,
                    p.role_name.as_deref()?,
                    Some(name),
                    &p.start_url,
                ))
            })
            .collect()
    }
}
