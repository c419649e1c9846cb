//! [`Sessions::token`]: the cached token, refreshed under the session's lock when it is due.

use std::time::Instant;

use ssooidc_core::cache::CachedToken;
use ssooidc_core::refresh::{RefreshError, RefreshOutcome, Refresher, UnsavedRefresh, Urgency};
use time::OffsetDateTime;

use super::locked::{refresh_locked, Entry, Locked};
use super::{
    describe, Session, SessionError, SessionSelector, SessionToken, Sessions, TokenSource,
};
use crate::client::random_seed;
use crate::driver::drive;
use crate::store::Lookup;

impl Sessions {
    /// A valid access token for the session: the cached one, refreshed when it is inside the
    /// refresh window (sso-session profiles only), or an error saying why there is none.
    ///
    /// A token with more than 15 minutes left is returned without taking any lock. Otherwise
    /// the session's lock is taken and the file read again, so that of many processes asking at
    /// once only the first refreshes and the others reuse its result. When the lock cannot be
    /// had (held too long, a read-only cache, an unusable lock file) a still-valid token is
    /// returned as cached, with a warning; a refreshed token that cannot be written back is
    /// returned too, with a warning. Warnings of the cache (modes repaired) come along.
    pub fn token(&self, selector: SessionSelector) -> Result<SessionToken, SessionError> {
        self.token_for(&self.session(selector)?)
    }

    /// [`token`](Self::token) of a resolved session.
    pub fn token_for(&self, session: &Session) -> Result<SessionToken, SessionError> {
        let path = self.cache.path(&session.token_key);
        let mut warnings = Vec::new();
        let load = || -> Result<CachedToken, SessionError> {
            match self.cache.load_token(&session.token_key)? {
                // Read first, or again under the lock (another process's refresh).
                Lookup::Found(t) => {
                    super::remember_secrets(&t);
                    Ok(t)
                }
                Lookup::Missing => Err(SessionError::NotLoggedIn {
                    session: describe(session),
                    reason: None,
                }),
                Lookup::Corrupt { path, error } => Err(SessionError::NotLoggedIn {
                    session: describe(session),
                    reason: Some(format!("{} is unusable: {error}", path.display())),
                }),
            }
        };
        let cached = load()?;
        let found = |token, source, warnings| SessionToken {
            token,
            source,
            path: path.clone(),
            warnings,
        };
        let urgency = self
            .refresh_policy
            .urgency(cached.expires_at, OffsetDateTime::now_utc());
        if urgency == Urgency::Fresh {
            warnings.extend(self.cache.take_warnings());
            return Ok(found(cached, TokenSource::Cached, warnings));
        }

        let entry = Entry {
            dir: &self.cache,
            key: &session.token_key,
            wait: self.refresh_lock_wait,
            valid: |token: &CachedToken| token.is_valid_at(OffsetDateTime::now_utc()),
            load,
            save: |token: &CachedToken| self.cache.save_token(&session.token_key, token).map(drop),
        };
        let (token, source) = refresh_locked(entry, cached, &mut warnings, |cached, attempt| {
            let (cached_refresh, cached_expires_at) =
                (cached.refresh_token.clone(), Some(cached.expires_at));
            let endpoint = self.http.resolve_endpoint_for_region(&session.region)?;
            let input = session
                .refresh_input(cached, endpoint)
                .last_attempt(attempt.last())
                .policy(self.refresh_policy)
                .retry(ssooidc_core::retry::RetryPolicy::new(
                    self.settings().retry_config(),
                ));
            let mut refresher = Refresher::new(
                input,
                Instant::now(),
                OffsetDateTime::now_utc(),
                random_seed(),
            );
            if refresher.is_refreshing() {
                attempt.record();
            }
            let client = self.client(session)?;
            let outcome = drive(&client, None, &mut refresher, None, |never| match *never {})
                .map_err(|stop| SessionError::Call(stop.into_call_error("CreateToken")))?;
            let outcome = outcome.map_err(|source: RefreshError| SessionError::Expired {
                session: describe(session),
                source,
            })?;
            Ok(match outcome {
                RefreshOutcome::Refreshed(token) => {
                    let unsaved = UnsavedRefresh::after(
                        cached_refresh.as_ref(),
                        token.refresh_token.as_ref(),
                        cached_expires_at,
                    );
                    Locked::New(token, unsaved)
                }
                RefreshOutcome::RefreshFailed { token, failure, .. } => {
                    Locked::Failed(token, failure.to_string())
                }
                other => Locked::Kept(other.token().clone()),
            })
        })?;
        // A refreshed token too (also remembered from the answer's body on the way in).
        super::remember_secrets(&token);
        Ok(found(token, source, warnings))
    }
}
