//! [`Sessions::token`]: the cached token, refreshed under the session's lock when it is due.

use ssooidc_core::refresh::{RefreshError, RefreshOutcome, RefreshOutput, Refresher};
use time::OffsetDateTime;

use super::{SessionError, SessionSelector, SessionToken, Sessions, TokenSource};
use crate::store::{Lookup, StoreError};

impl Sessions {
    /// A valid access token for the session: the cached one, refreshed when it is inside the
    /// refresh window (sso-session profiles only), or an error telling the user how to log in.
    ///
    /// A token with more than 15 minutes left is returned without taking any lock. Otherwise
    /// the session's lock is taken and the file read again, so that of many processes asking at
    /// once only the first refreshes and the others reuse its result.
    pub fn token(&self, selector: SessionSelector) -> Result<SessionToken, SessionError> {
        let settings = self.settings(selector)?;
        let flags = settings.selector.as_flags();
        let path = self.cache.path(&settings.token_key);
        let mut warnings = Vec::new();
        let not_logged_in = |reason: Option<String>| SessionError::NotLoggedIn {
            flags: flags.clone(),
            reason,
        };
        let cached = match self.cache.load_token(&settings.token_key)? {
            Lookup::Found(t) => t,
            Lookup::Missing => return Err(not_logged_in(None)),
            Lookup::Corrupt { path, error } => {
                return Err(not_logged_in(Some(format!(
                    "{} is unusable: {error}",
                    path.display()
                ))))
            }
        };
        let now = OffsetDateTime::now_utc();
        let urgency = self.refresh_policy.urgency(cached.expires_at, now);
        if urgency == ssooidc_core::refresh::Urgency::Fresh {
            return Ok(SessionToken {
                token: cached,
                source: TokenSource::Cached,
                path,
                warnings,
            });
        }

        let mut lock = match self.cache.lock(&settings.token_key, self.refresh_lock_wait) {
            Ok(lock) => lock,
            // Another process is refreshing (or logging in) and taking long: the token we read
            // is still good, so use it rather than fail.
            Err(StoreError::LockTimeout { waited, .. })
                if cached.is_valid_at(OffsetDateTime::now_utc()) =>
            {
                warnings.push(format!(
                    "another process held the session lock for {waited:?}; using the cached token without refreshing"
                ));
                return Ok(SessionToken {
                    token: cached,
                    source: TokenSource::Cached,
                    path,
                    warnings,
                });
            }
            Err(e) => return Err(e.into()),
        };
        // Someone may have refreshed while we waited: read again under the lock.
        let cached = match self.cache.load_token(&settings.token_key)? {
            Lookup::Found(t) => t,
            Lookup::Missing => return Err(not_logged_in(None)),
            Lookup::Corrupt { path, error } => {
                return Err(not_logged_in(Some(format!(
                    "{} is unusable: {error}",
                    path.display()
                ))))
            }
        };
        let now = OffsetDateTime::now_utc();
        // Legacy (no sso-session) tokens are never refreshed (spec 6.7).
        if settings.session_name.is_none() {
            if cached.is_valid_at(now) {
                return Ok(SessionToken {
                    token: cached,
                    source: TokenSource::Cached,
                    path,
                    warnings,
                });
            }
            return Err(SessionError::Expired {
                flags,
                source: RefreshError::Expired { failure: None },
            });
        }
        let client = self.client(&settings)?;
        let last_attempt = lock
            .last_attempt()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok());
        let mut refresher = Refresher::new(
            cached,
            client.endpoint(),
            Some(settings.start_url.clone()),
            Some(settings.region.clone()),
            now,
            last_attempt,
            self.refresh_policy,
        );
        let outcome = loop {
            match refresher.poll_output() {
                RefreshOutput::Transmit(request) => {
                    lock.record_attempt(OffsetDateTime::now_utc().unix_timestamp())?;
                    let result = client.send("CreateToken", request);
                    let now = OffsetDateTime::now_utc();
                    let fed = match result {
                        Ok(response) => refresher.handle_response(now, &response),
                        Err(e) => refresher.handle_transport_error(now, e.to_string()),
                    };
                    if let Err(misuse) = fed {
                        // Cannot happen with this loop; report rather than panic.
                        return Err(not_logged_in(Some(misuse.to_string())));
                    }
                }
                RefreshOutput::Waiting => {
                    return Err(not_logged_in(Some("refresh machine stalled".to_owned())))
                }
                RefreshOutput::Done(result) => break result,
            }
        };
        match outcome {
            Ok(RefreshOutcome::Refreshed(token)) => {
                self.cache.save_token(&settings.token_key, &token)?;
                Ok(SessionToken {
                    token,
                    source: TokenSource::Refreshed,
                    path,
                    warnings,
                })
            }
            Ok(RefreshOutcome::RefreshFailed { token, failure, .. }) => {
                let why = failure.to_string();
                warnings.push(format!(
                    "token refresh failed ({why}); using the cached token until it expires"
                ));
                Ok(SessionToken {
                    token,
                    source: TokenSource::RefreshFailed(why),
                    path,
                    warnings,
                })
            }
            Ok(other) => Ok(SessionToken {
                token: other.token().clone(),
                source: TokenSource::Cached,
                path,
                warnings,
            }),
            Err(source) => Err(SessionError::Expired { flags, source }),
        }
    }
}
