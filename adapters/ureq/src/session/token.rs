//! [`Sessions::token`]: the cached token, refreshed under the session's lock when it is due.

use std::time::Instant;

use ssooidc_core::cache::CachedToken;
use ssooidc_core::refresh::{RefreshError, RefreshOutcome, Refresher, Urgency};
use time::OffsetDateTime;

use super::{
    describe, Session, SessionError, SessionSelector, SessionToken, Sessions, TokenSource,
};
use crate::client::random_seed;
use crate::driver::drive;
use crate::store::{Lookup, StoreError};

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
                Lookup::Found(t) => Ok(t),
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
        super::remember_secrets(&cached);
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

        let mut lock = match self.cache.lock(&session.token_key, self.refresh_lock_wait) {
            Ok(lock) => lock,
            // Another process is refreshing (or logging in) and taking long, or the cache cannot
            // be locked at all (a read-only mount, an unusable lock file): the token we read is
            // still good, so use it rather than fail. Without the lock nothing is refreshed: a
            // refreshed token that cannot be written back would spend the refresh token.
            Err(e) if cached.is_valid_at(OffsetDateTime::now_utc()) => {
                warnings.extend(self.cache.take_warnings());
                warnings.push(match e {
                    StoreError::LockTimeout { waited, .. } => format!(
                        "another process held the session lock for {waited:?}; using the cached token without refreshing"
                    ),
                    other => format!(
                        "cannot lock the cache ({other}); using the cached token without refreshing"
                    ),
                });
                return Ok(found(cached, TokenSource::Cached, warnings));
            }
            Err(e) => return Err(e.into()),
        };
        // Someone may have refreshed while we waited: read again under the lock.
        let cached = load()?;
        let endpoint = self.http.resolve_endpoint_for_region(&session.region)?;
        let last_attempt = lock
            .last_attempt()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .map(Into::into);
        let input = session
            .refresh_input(cached, endpoint.clone())
            .last_attempt(last_attempt)
            .policy(self.refresh_policy)
            .retry(
                ssooidc_core::retry::RetryPolicy::new(self.settings().retry_config()),
                random_seed(),
            );
        let mut refresher = Refresher::new(input, Instant::now(), OffsetDateTime::now_utc());
        if refresher.is_refreshing() {
            if let Err(e) = lock.record_attempt(OffsetDateTime::now_utc().unix_timestamp()) {
                warnings.push(format!("cannot record the refresh attempt ({e})"));
            }
        }
        let client = self.client(session)?;
        let outcome = drive(&client, None, &mut refresher, None, |never| match *never {})
            .map_err(|stop| SessionError::Call(stop.into_call_error("CreateToken")))?;
        let expired = |source: RefreshError| SessionError::Expired {
            session: describe(session),
            source,
        };
        let outcome = outcome.map_err(expired)?;
        warnings.extend(self.cache.take_warnings());
        match outcome {
            RefreshOutcome::Refreshed(token) => {
                // The new token is good even when it cannot be cached: use it, and say so.
                if let Err(e) = self.cache.save_token(&session.token_key, &token) {
                    warnings.push(format!(
                        "the refreshed token could not be cached ({e}); the next command refreshes again"
                    ));
                }
                warnings.extend(self.cache.take_warnings());
                Ok(found(token, TokenSource::Refreshed, warnings))
            }
            RefreshOutcome::RefreshFailed { token, failure, .. } => {
                let why = failure.to_string();
                warnings.push(format!(
                    "token refresh failed ({why}); using the cached token until it expires"
                ));
                Ok(found(token, TokenSource::RefreshFailed(why), warnings))
            }
            other => Ok(found(other.token().clone(), TokenSource::Cached, warnings)),
        }
    }
}
