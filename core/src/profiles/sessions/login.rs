//! The rules of a session's login and logout that every adapter follows around the login
//! machines ([`crate::device`], [`crate::authcode`]): what the login starts from (the cached
//! registration, the client name, the scopes), when a process that waited for another one's
//! login uses that login's token instead of logging in again, and which cached credentials a
//! logout of one sso-session deletes.

use time::OffsetDateTime;

use crate::cache::{role_credentials_cache_key, CachedToken, Lookup};
use crate::config::AwsConfig;
use crate::device::DeviceFlowInput;
use crate::endpoint::Endpoint;
use crate::registration::Registration;

use super::Session;

impl Session {
    /// What this session's login starts from, at `endpoint` (the OIDC endpoint of its region)
    /// at wall-clock `wall`: the start URL, the AWS CLI's client name, the registration scopes,
    /// and the cached registration when its file was usable (the login machines decide whether
    /// it is still good). An unusable registration file is not used, with a warning.
    pub fn login_input(
        &self,
        endpoint: Endpoint,
        cached_registration: Lookup<Registration>,
        wall: OffsetDateTime,
    ) -> (DeviceFlowInput, Option<String>) {
        let (registration, warning) = match cached_registration {
            Lookup::Found(r) => (Some(r), None),
            Lookup::Missing => (None, None),
            Lookup::Corrupt { path, error } => (
                None,
                Some(format!(
                    "ignoring unusable registration {}: {error}",
                    path.display()
                )),
            ),
        };
        let mut input =
            DeviceFlowInput::new(endpoint, self.start_url.clone(), self.client_name(wall));
        input.scopes = (!self.scopes.is_empty()).then(|| self.scopes.clone());
        input.registration = registration;
        (input, warning)
    }

    /// Whether a login that waited for the session's login lock uses the token it then finds
    /// instead of logging in again: a token written since this login started (another
    /// process's login finished meanwhile) and still valid at `wall`.
    pub fn reuses_concurrent_login(
        token: &CachedToken,
        written_since_start: bool,
        wall: OffsetDateTime,
    ) -> bool {
        written_since_start && token.is_valid_at(wall)
    }
}

/// The role-credential cache keys (`~/.aws/cli/cache`) of `config`'s profiles that use
/// sso-session `name`: what a logout of that session deletes besides its token.
pub fn role_credentials_keys_of(config: &AwsConfig, name: &str) -> Vec<String> {
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
