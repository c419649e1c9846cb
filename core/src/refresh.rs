//! Token refresh (spec 6.7) as a small sans-I/O machine: decide from a cached token whether to
//! refresh, emit the `CreateToken` refresh request, and turn the answer into the file to write
//! back, a fallback to the cached token, or a clear "log in again" error.
//!
//! ```text
//!            new(token, now, last_attempt)
//!                       |
//!       +---------------+------------------+
//!       | fresh (>15 min left),            | inside the window, refreshable,
//!       | not refreshable, or throttled    | not attempted in the last 60 s
//!       v                                  v
//!   Done(Cached) / Done(Err(Expired))   Transmit(CreateToken refresh_token)
//!                                          |
//!                         handle_response / handle_transport_error
//!                                          |
//!                 +------------------------+-----------------------+
//!                 v                        v                       v
//!         Done(Refreshed)       Done(RefreshFailed{cached})   Done(Err(Expired))
//!                               (cached still valid)          (cached expired)
//! ```
//!
//! Windows follow botocore: refresh when less than 15 minutes are left, the last 10 minutes are
//! "mandatory", at most one attempt per 60 s. Unlike botocore, a failed refresh inside the
//! mandatory window still falls back to the cached token while it is valid (with the failure
//! reported), and the old refresh token is kept when the service sends none (as aws-sdk-rust).

use time::{Duration, OffsetDateTime};

use crate::cache::CachedToken;
use crate::endpoint::Endpoint;
use crate::operations::CreateToken;
use crate::wire::{Operation, ResponseError};

/// The refresh timing policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Refresh when less than this is left (botocore: 15 minutes).
    pub refresh_window: Duration,
    /// Less than this left makes the refresh mandatory (botocore: 10 minutes).
    pub mandatory_window: Duration,
    /// At most one attempt per this interval (botocore: 60 s).
    pub min_attempt_interval: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            refresh_window: Duration::minutes(15),
            mandatory_window: Duration::minutes(10),
            min_attempt_interval: Duration::seconds(60),
        }
    }
}

/// How urgently a token needs refreshing at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// More than the refresh window left.
    Fresh,
    /// Inside the refresh window: refresh, but the cached token is fine if that fails.
    Advisory,
    /// Inside the mandatory window.
    Mandatory,
    /// Expired.
    Expired,
}

impl RefreshPolicy {
    /// The urgency of refreshing a token that expires at `expires_at`, at `now`.
    pub fn urgency(&self, expires_at: OffsetDateTime, now: OffsetDateTime) -> Urgency {
        let left = expires_at - now;
        if left <= Duration::ZERO {
            Urgency::Expired
        } else if left < self.mandatory_window {
            Urgency::Mandatory
        } else if left < self.refresh_window {
            Urgency::Advisory
        } else {
            Urgency::Fresh
        }
    }
}

/// Where the token came from, so that the caller knows whether to write the file back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshOutcome {
    /// No refresh was needed, possible or allowed; the cached token is valid.
    Cached {
        /// The cached token.
        token: CachedToken,
        /// Why it was not refreshed.
        reason: NotRefreshed,
    },
    /// Refreshed: write this back to the same file.
    Refreshed(CachedToken),
    /// The refresh failed but the cached token is still valid; use it (and warn).
    RefreshFailed {
        /// The cached token.
        token: CachedToken,
        /// What went wrong.
        failure: RefreshFailure,
        /// Whether less than the mandatory window is left.
        mandatory: bool,
    },
}

impl RefreshOutcome {
    /// The token to use.
    pub fn token(&self) -> &CachedToken {
        match self {
            Self::Cached { token, .. }
            | Self::Refreshed(token)
            | Self::RefreshFailed { token, .. } => token,
        }
    }
}

/// Why a valid cached token was used without refreshing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotRefreshed {
    /// More than the refresh window is left.
    Fresh,
    /// The file lacks `refreshToken`, `clientId`, `clientSecret` or `registrationExpiresAt`, or
    /// the registration has expired.
    NotRefreshable,
    /// An attempt was made less than the minimum interval ago.
    Throttled,
}

/// Why a refresh attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshFailure {
    /// The service refused or the response was malformed.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// The request did not complete.
    #[error("transport error: {0}")]
    Transport(String),
    /// The response had no usable `expiresIn`.
    #[error("the refresh response has no usable expiresIn")]
    NoExpiry,
}

/// The token cannot be used: the user has to log in again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshError {
    /// The cached token expired and could not be refreshed.
    #[error("the SSO token has expired and {}", match .failure { Some(f) => format!("refresh failed ({f})"), None => "cannot be refreshed".to_owned() })]
    Expired {
        /// The refresh failure, when a refresh was tried.
        failure: Option<RefreshFailure>,
    },
}

/// Misuse of the machine: an input it was not waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("refresh machine misuse: {0}")]
pub struct RefreshMisuse(&'static str);

/// What the refresh machine wants next. Its `Debug` shows a request's method and URI only,
/// never the body (which carries the client secret and refresh token).
pub enum RefreshOutput {
    /// Send this request, then call `handle_response` or `handle_transport_error`.
    Transmit(http::Request<Vec<u8>>),
    /// Waiting for the answer to the request already handed out.
    Waiting,
    /// Finished.
    Done(Result<RefreshOutcome, RefreshError>),
}

impl std::fmt::Debug for RefreshOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transmit(r) => write!(f, "Transmit({} {})", r.method(), r.uri()),
            Self::Waiting => f.write_str("Waiting"),
            Self::Done(result) => f.debug_tuple("Done").field(result).finish(),
        }
    }
}

enum State {
    Send(http::Request<Vec<u8>>, bool),
    AwaitResponse(bool),
    Done(Result<RefreshOutcome, RefreshError>),
}

/// The refresh machine for one cached token.
pub struct Refresher {
    token: CachedToken,
    start_url: Option<String>,
    region: Option<String>,
    state: State,
}

impl Refresher {
    /// Decides at wall-clock `now` what to do with `token`. `start_url` and `region` come from
    /// the config and are written into a refreshed file. `last_attempt` is when this process
    /// (or the caller's record) last tried; a `last_attempt` in the future (a clock that went
    /// backwards) does not block.
    pub fn new(
        token: CachedToken,
        endpoint: &Endpoint,
        start_url: Option<String>,
        region: Option<String>,
        now: OffsetDateTime,
        last_attempt: Option<OffsetDateTime>,
        policy: RefreshPolicy,
    ) -> Self {
        let urgency = policy.urgency(token.expires_at, now);
        let valid = urgency != Urgency::Expired;
        let cached =
            |token: CachedToken, reason| State::Done(Ok(RefreshOutcome::Cached { token, reason }));
        let expired = || State::Done(Err(RefreshError::Expired { failure: None }));
        let state = if urgency == Urgency::Fresh {
            cached(token.clone(), NotRefreshed::Fresh)
        } else if let Some(request) = refresh_request(&token, endpoint, now) {
            let throttled = last_attempt.is_some_and(|last| {
                let since = now - last;
                since >= Duration::ZERO && since < policy.min_attempt_interval
            });
            match (throttled, valid) {
                (false, _) => State::Send(request, urgency != Urgency::Advisory),
                (true, true) => cached(token.clone(), NotRefreshed::Throttled),
                (true, false) => expired(),
            }
        } else if valid {
            cached(token.clone(), NotRefreshed::NotRefreshable)
        } else {
            expired()
        };
        Refresher {
            token,
            start_url,
            region,
            state,
        }
    }

    /// What to do next.
    pub fn poll_output(&mut self) -> RefreshOutput {
        match std::mem::replace(&mut self.state, State::AwaitResponse(false)) {
            State::Send(request, mandatory) => {
                self.state = State::AwaitResponse(mandatory);
                RefreshOutput::Transmit(request)
            }
            State::AwaitResponse(m) => {
                self.state = State::AwaitResponse(m);
                RefreshOutput::Waiting
            }
            State::Done(result) => {
                let out = result.clone();
                self.state = State::Done(result);
                RefreshOutput::Done(out)
            }
        }
    }

    /// Feeds the response to the refresh request, at wall-clock `now`.
    pub fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: OffsetDateTime,
        response: &http::Response<B>,
    ) -> Result<(), RefreshMisuse> {
        let State::AwaitResponse(mandatory) = self.state else {
            return Err(RefreshMisuse(
                "a response when no refresh request is outstanding",
            ));
        };
        let result = match CreateToken::parse_response(response) {
            Ok(out) => match out.expires_in.filter(|s| *s > 0) {
                Some(seconds) => {
                    let mut fresh = self.token.clone();
                    fresh.access_token = out.access_token;
                    // Whole seconds: what the file can hold (spec 6.3), so the token returned
                    // is the one a later read of the file gives.
                    let expires_at = now.saturating_add(Duration::seconds(i64::from(seconds)));
                    fresh.expires_at = expires_at.replace_nanosecond(0).unwrap_or(expires_at);
                    if let Some(rt) = out.refresh_token {
                        fresh.refresh_token = Some(rt);
                    }
                    if self.start_url.is_some() {
                        fresh.start_url = self.start_url.clone();
                    }
                    if self.region.is_some() {
                        fresh.region = self.region.clone();
                    }
                    Ok(RefreshOutcome::Refreshed(fresh))
                }
                None => self.failed(now, RefreshFailure::NoExpiry, mandatory),
            },
            Err(e) => self.failed(now, RefreshFailure::Response(e), mandatory),
        };
        self.state = State::Done(result);
        Ok(())
    }

    /// Reports that the refresh request failed in transport (connect, timeout, reset).
    pub fn handle_transport_error(
        &mut self,
        now: OffsetDateTime,
        description: impl Into<String>,
    ) -> Result<(), RefreshMisuse> {
        let State::AwaitResponse(mandatory) = self.state else {
            return Err(RefreshMisuse(
                "a transport error when no refresh request is outstanding",
            ));
        };
        let result = self.failed(
            now,
            RefreshFailure::Transport(description.into()),
            mandatory,
        );
        self.state = State::Done(result);
        Ok(())
    }

    fn failed(
        &self,
        now: OffsetDateTime,
        failure: RefreshFailure,
        mandatory: bool,
    ) -> Result<RefreshOutcome, RefreshError> {
        if self.token.is_valid_at(now) {
            Ok(RefreshOutcome::RefreshFailed {
                token: self.token.clone(),
                failure,
                mandatory,
            })
        } else {
            Err(RefreshError::Expired {
                failure: Some(failure),
            })
        }
    }
}

impl std::fmt::Debug for Refresher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Send(..) => "Send",
            State::AwaitResponse(_) => "AwaitResponse",
            State::Done(_) => "Done",
        };
        f.debug_struct("Refresher")
            .field("token", &self.token)
            .field("state", &state)
            .finish()
    }
}

/// The refresh request, when the file has everything a refresh needs (spec 6.7 preconditions).
fn refresh_request(
    token: &CachedToken,
    endpoint: &Endpoint,
    now: OffsetDateTime,
) -> Option<http::Request<Vec<u8>>> {
    let refresh_token = token.refresh_token.as_ref()?;
    let client_id = token.client_id.as_ref()?;
    let client_secret = token.client_secret.as_ref()?;
    if token.registration_expires_at? <= now {
        return None;
    }
    CreateToken::refresh_token(
        client_id.clone(),
        client_secret.clone(),
        refresh_token.clone(),
    )
    .to_request(endpoint)
    .ok()
}
