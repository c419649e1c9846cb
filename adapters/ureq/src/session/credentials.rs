//! [`Sessions::role_credentials`]: AWS credentials for the session's account and role, as
//! botocore's SSO credential provider gets them: the AWS CLI's role-credential cache first,
//! else the portal's `GetRoleCredentials` with the session's token (refreshed when due), written
//! back to that cache (`docs/protocol/caches.md#role-credential-cache`).

use std::path::PathBuf;

use ssooidc_core::cache::{CachedRoleCredentials, CachedUse};
use ssooidc_core::portal::GetRoleCredentials;
use time::OffsetDateTime;

use super::locked::{lock_or_warn, save_or_warn};
use super::{portal_error, Session, SessionError, SessionSelector, Sessions};
use crate::store::{Lookup, StoreError};

/// Where [`Sessions::role_credentials`] got its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsSource {
    /// The role-credential cache, with more than 15 minutes left: no request.
    Cached,
    /// The portal (`GetRoleCredentials`); written to the cache.
    Fetched,
    /// The role-credential cache, inside the 15-minute window but with more than 10 minutes
    /// left, because fetching new ones failed (the warning says why and when they expire).
    CachedAfterFailedFetch,
}

/// Role credentials and where they came from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SessionCredentials {
    /// The credentials (also their cache entry).
    pub credentials: CachedRoleCredentials,
    /// Where they came from.
    pub source: CredentialsSource,
    /// Their file in `~/.aws/cli/cache`.
    pub path: PathBuf,
    /// Warnings for the user (an unusable cache file, a failed token refresh, a lock that
    /// was held too long or could not be had, credentials that could not be cached).
    pub warnings: Vec<String>,
}

/// Remembers the secret key and session token of role credentials for redaction by value
/// ([`crate::secrets`]): `credentials` prints them, but its debug log and warnings must not.
fn remember_keys(credentials: &CachedRoleCredentials) {
    crate::secrets::remember(&credentials.keys.secret_access_key);
    if let Some(token) = &credentials.keys.session_token {
        crate::secrets::remember(token);
    }
}

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
    /// [`SessionCredentials::warnings`]. A cache directory that is not safe to use is still an
    /// error.
    ///
    /// Cached credentials inside the 15-minute window with more than 10 minutes left are kept
    /// while new ones are fetched: when the fetch fails (the portal unreachable or failing,
    /// the token refused or expired), they are returned with a warning naming the failure and
    /// their expiry ([`CredentialsSource::CachedAfterFailedFetch`]), as botocore keeps
    /// credentials whose advisory refresh failed
    /// ([`ssooidc_core::cache::CachedUse`]). A configuration or cache problem is an
    /// error all the same.
    ///
    /// Otherwise a token the portal refuses is [`SessionError::Unauthorized`]; an expired token
    /// that cannot be refreshed is [`SessionError::Expired`].
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
        let (account_id, role_name) = session.role()?;
        let key = session.role_credentials_key()?;
        let path = self.cli_cache.path(&key);
        let mut warnings = Vec::new();
        // A fresh entry is used; one inside the window but with more than 10 minutes left is
        // kept in case the fetch fails (core's `CachedUse`).
        let cached = |warnings: &mut Vec<String>,
                      kept: &mut Option<CachedRoleCredentials>|
         -> Result<Option<CachedRoleCredentials>, StoreError> {
            Ok(match self.cli_cache.load::<CachedRoleCredentials>(&key)? {
                Lookup::Found(c) => match c.use_at(OffsetDateTime::now_utc()) {
                    CachedUse::Use => {
                        remember_keys(&c);
                        Some(c)
                    }
                    CachedUse::FetchOrKeep => {
                        remember_keys(&c);
                        *kept = Some(c);
                        None
                    }
                    _ => None,
                },
                Lookup::Corrupt { path, error } => {
                    warnings.push(format!(
                        "ignoring unusable cached credentials {}: {error}",
                        path.display()
                    ));
                    None
                }
                _ => None,
            })
        };
        let found = |credentials, source, warnings| SessionCredentials {
            credentials,
            source,
            path: path.clone(),
            warnings,
        };
        let mut kept = None;
        if let Some(c) = cached(&mut warnings, &mut kept)? {
            return Ok(found(c, CredentialsSource::Cached, warnings));
        }

        // The lock only saves other processes a request: when it cannot be had (held too long,
        // a read-only cache, an unusable lock file) fetch without it rather than fail.
        let lock = lock_or_warn(
            &self.cli_cache,
            &key,
            self.refresh_lock_wait,
            "credentials",
            "fetching without it",
            &mut warnings,
        );
        if lock.is_some() {
            // Someone may have fetched while we waited: read again under the lock.
            let mut again = Vec::new();
            if let Some(c) = cached(&mut again, &mut kept)? {
                return Ok(found(c, CredentialsSource::Cached, warnings));
            }
        }

        let fetched = self.fetch_role_credentials(session, account_id, role_name, &mut warnings);
        let entry = match (fetched, kept) {
            (Ok(entry), _) => entry,
            // A configuration or cache problem is the user's to fix, whatever is cached.
            (Err(e @ (SessionError::Config(_) | SessionError::Store(_))), _) | (Err(e), None) => {
                return Err(e)
            }
            (Err(e), Some(kept)) => {
                warnings.push(format!(
                    "could not fetch new role credentials ({e}); using the cached ones, which \
                     expire at {}",
                    kept.expiration
                ));
                return Ok(found(
                    kept,
                    CredentialsSource::CachedAfterFailedFetch,
                    warnings,
                ));
            }
        };
        // The portal just gave them: they are good even when they cannot be cached.
        save_or_warn(
            &self.cli_cache,
            self.cli_cache.save(&key, &entry).map(drop),
            "the credentials",
            "the next command fetches them again",
            &mut warnings,
        );
        drop(lock);
        Ok(found(entry, CredentialsSource::Fetched, warnings))
    }

    /// The session's token (refreshed when due), then `GetRoleCredentials` with it.
    fn fetch_role_credentials(
        &self,
        session: &Session,
        account_id: &str,
        role_name: &str,
        warnings: &mut Vec<String>,
    ) -> Result<CachedRoleCredentials, SessionError> {
        let token = self.token_for(session)?;
        warnings.extend(token.warnings);
        let input = GetRoleCredentials::new(role_name, account_id, token.token.access_token);
        let answer = self
            .portal_client(&session.region)?
            .get_role_credentials(&input)
            .map_err(|e| portal_error(session, e))?;
        let entry = CachedRoleCredentials::from_portal(&answer.role_credentials, account_id);
        remember_keys(&entry);
        Ok(entry)
    }
}
