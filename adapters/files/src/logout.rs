//! [`Logout`]: the file side of a logout as `aws sso logout` does it, for every adapter: which
//! tokens are logged out at the portal (each in its own `region`), then their files deleted,
//! then the SSO entries of the role-credential cache deleted; registrations stay. The adapter
//! only makes the portal calls ([`Logout::calls`]) and reports how each ended.

use ssooidc_core::cache::{is_logout_credentials_file, is_logout_token_file, token_cache_key};
use ssooidc_core::config::AwsConfig;
use ssooidc_core::portal;
use ssooidc_core::sessions::role_credentials_keys_of;

use crate::store::{CacheDir, Lookup, StoreError};
use crate::LogoutReport;

/// A logout under way (see the [module docs](self)).
#[derive(Debug)]
pub struct Logout<'a> {
    sso: &'a CacheDir,
    cli: &'a CacheDir,
    tokens: Vec<String>,
    credentials: Vec<String>,
    report: LogoutReport,
}

/// One portal call of a logout.
#[derive(Debug)]
pub struct PortalLogout {
    /// The portal's region (the token's `region`).
    pub region: String,
    /// The request, with the token.
    pub request: portal::Logout,
    /// Whose token it is, for messages (its start URL, or its cache key).
    pub whose: String,
}

impl<'a> Logout<'a> {
    /// Every cached token of the SSO cache `sso` (a JSON file with an `accessToken`) and every
    /// entry of the AWS CLI's cache `cli` whose `ProviderType` is `sso`; with `sso_session`,
    /// only that session's token and the credentials of `config`'s profiles that use it.
    pub fn plan(
        sso: &'a CacheDir,
        cli: &'a CacheDir,
        config: &AwsConfig,
        sso_session: Option<&str>,
    ) -> Result<Self, StoreError> {
        let mut tokens = sso.keys_where(is_logout_token_file)?;
        let mut credentials = cli.keys_where(is_logout_credentials_file)?;
        if let Some(name) = sso_session {
            let key = token_cache_key(name);
            tokens.retain(|k| *k == key);
            let of_session = role_credentials_keys_of(config, name);
            credentials.retain(|k| of_session.contains(k));
        }
        Ok(Logout {
            sso,
            cli,
            tokens,
            credentials,
            report: LogoutReport::default(),
        })
    }

    /// The portal calls to make, one per readable token with a region; a token without a
    /// region is a warning (its file is deleted without a call).
    pub fn calls(&mut self) -> Result<Vec<PortalLogout>, StoreError> {
        let mut calls = Vec::new();
        for key in &self.tokens {
            if let Lookup::Found(token) = self.sso.load_token(key)? {
                let whose = token.start_url.clone().unwrap_or_else(|| key.clone());
                match token.region {
                    Some(region) => calls.push(PortalLogout {
                        region,
                        request: portal::Logout::new(token.access_token),
                        whose,
                    }),
                    None => self.report.warnings.push(format!(
                        "the token of {whose} has no region: deleted without logging it out"
                    )),
                }
            }
        }
        Ok(calls)
    }

    /// How the portal call for `whose` ended: a failure (the token already expired, the
    /// network down) is a warning and the logout goes on; the AWS CLI stops at any failure but
    /// a service error.
    pub fn called(&mut self, whose: &str, result: Result<(), impl std::fmt::Display>) {
        match result {
            Ok(()) => self.report.logged_out += 1,
            Err(e) => self.report.warnings.push(format!(
                "the portal could not log out the token of {whose}: {e}"
            )),
        }
    }

    /// Deletes the token files and the credentials, and the temporary files of writers that
    /// died (they hold secrets too).
    pub fn finish(mut self) -> Result<LogoutReport, StoreError> {
        for key in &self.tokens {
            if self.sso.remove(key)? {
                self.report.tokens_removed.push(self.sso.path(key));
            }
        }
        for key in &self.credentials {
            if self.cli.remove(key)? {
                self.report.credentials_removed.push(self.cli.path(key));
            }
        }
        self.sso.remove_stale_temp_files();
        self.cli.remove_stale_temp_files();
        self.report.warnings.extend(self.sso.take_warnings());
        self.report.warnings.extend(self.cli.take_warnings());
        Ok(self.report)
    }
}
