//! Token refresh (spec 6.7) as a small sans-I/O machine: decide from a cached token whether to
//! refresh, emit the `CreateToken` refresh request, and turn the answer into the file to write
//! back, a fallback to the cached token, or a clear "log in again" error.
//!
//! ```text
//!            Refresher::new(input: RefreshInput, now, wall_now, seed)
//!                       |
//!       +---------------+------------------+
//!       | fresh (15 min or more left), a   | inside the window, refreshable,
//!       | legacy token, not refreshable,   | not attempted in the last 60 s
//!       | or throttled                     |
//!       v                                  v
//!   Done(Ok(Cached { reason, .. }))     Transmit(CreateToken refresh_token)
//!   or, expired, Done(Err(Expired))        |  (retried by the client's retry policy:
//!                                          |   Timeout(at), then Transmit again)
//!                         handle_response / handle_transport_error
//!                                          |
//!                 +------------------------+-----------------------+
//!                 v                        v                       v
//!      Done(Ok(Refreshed(token)))  Done(Ok(RefreshFailed {    Done(Err(Expired))
//!                                     token, failure, .. }))   (cached expired)
//!                                  (cached still valid)
//! ```
//!
//! Built as the diagram's first line says, from a [`RefreshInput`] (made with
//! [`RefreshInput::new`] and its setters: it is `#[non_exhaustive]`), the caller's monotonic
//! and wall clocks and a seed for the retry jitter:
//!
//! ```
//! use std::time::Instant;
//! use ssooidc_core::cache::CachedToken;
//! use ssooidc_core::endpoint::{resolve, EndpointParams};
//! use ssooidc_core::machine::{Machine, Output};
//! use ssooidc_core::refresh::{NotRefreshed, RefreshInput, RefreshOutcome, Refresher};
//! use ssooidc_core::time::{Duration, OffsetDateTime};
//!
//! let wall_now = OffsetDateTime::now_utc();
//! let token = CachedToken::from_json(
//!     format!(
//!         r#"{{"accessToken": "aoa...", "expiresAt": "{}"}}"#,
//!         ssooidc_core::cache::format_timestamp(wall_now + Duration::hours(1))
//!     )
//!     .as_bytes(),
//! )?;
//! let endpoint = resolve(&EndpointParams::region("us-east-1"))?;
//! let input = RefreshInput::new(token, endpoint).last_attempt(None);
//! let mut refresher = Refresher::new(input, Instant::now(), wall_now, 7);
//! // An hour left: no request, the cached token as it is.
//! match refresher.poll_output()? {
//!     Output::Done(Ok(RefreshOutcome::Cached { reason, .. })) => {
//!         assert_eq!(reason, NotRefreshed::Fresh)
//!     }
//!     _ => unreachable!("a fresh token is used as cached"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! It speaks the protocol of every machine ([`crate::machine`]).
//!
//! Windows follow botocore: refresh when less than 15 minutes are left, the last 10 minutes are
//! "mandatory", at most one attempt per 60 s. Unlike botocore, a failed refresh inside the
//! mandatory window still falls back to the cached token while it is valid (with the failure
//! reported), and the old refresh token is kept when the service sends none (as aws-sdk-rust).

use std::convert::Infallible;
use std::time::Instant;

use time::{Duration, OffsetDateTime};

use crate::cache::CachedToken;
use crate::call::CallError;
use crate::endpoint::Endpoint;
use crate::machine::{Call, Machine, MisuseError, Output};
use crate::operations::{CreateToken, CreateTokenOutput};
use crate::retry::RetryPolicy;
use crate::transport::TransportError;
use crate::Timestamp;

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
#[non_exhaustive]
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
    /// The urgency of refreshing a token that expires at `expires_at` (a [`Timestamp`] or an
    /// [`OffsetDateTime`]), at wall-clock `now`.
    pub fn urgency(&self, expires_at: impl Into<Timestamp>, now: OffsetDateTime) -> Urgency {
        let left = expires_at.into() - now;
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

    /// Whether an attempt at `last_attempt` (by this process or another) holds back a refresh
    /// at `now`: one was made less than [`min_attempt_interval`](Self::min_attempt_interval)
    /// ago. One in the future (a clock that went backwards) holds nothing back, nor does none.
    ///
    /// ```
    /// use ssooidc_core::refresh::RefreshPolicy;
    /// use time::{Duration, OffsetDateTime};
    /// let policy = RefreshPolicy::default();
    /// let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
    /// assert!(policy.throttled(Some((now - Duration::seconds(59)).into()), now));
    /// assert!(!policy.throttled(Some((now - Duration::seconds(60)).into()), now));
    /// assert!(!policy.throttled(Some((now + Duration::seconds(5)).into()), now));
    /// assert!(!policy.throttled(None, now));
    /// ```
    pub fn throttled(&self, last_attempt: Option<Timestamp>, now: OffsetDateTime) -> bool {
        last_attempt.is_some_and(|last| {
            let since = now - last;
            since >= Duration::ZERO && since < self.min_attempt_interval
        })
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
    /// A legacy profile's token (no sso-session): never refreshed, as by the AWS CLI.
    Legacy,
    /// An attempt was made less than the minimum interval ago.
    Throttled,
}

/// Why a refresh attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshFailure {
    /// The call failed: the service refused, the answer was malformed, or no answer came
    /// (the transport failure keeps its kind and message).
    #[error(transparent)]
    Call(#[from] CallError),
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

/// What follows a refresh that succeeded at the service but whose answer could not be written
/// to the cache (a full disk): the cache still holds the entry from before the refresh, and the
/// new access token dies with the process that got it. Which case it is depends on the answer's
/// refresh token ([`UnsavedRefresh::after`]); [`Display`](std::fmt::Display) says it for the
/// user, after "could not be cached".
///
/// ```
/// use ssooidc_core::refresh::UnsavedRefresh;
/// use ssooidc_core::{Secret, Timestamp};
/// let expiry = Timestamp::from(time::macros::datetime!(2026-01-15 18:30 UTC));
/// let (old, new) = (Secret::new("old-refresh"), Secret::new("new-refresh"));
/// let kept = UnsavedRefresh::after(Some(&old), Some(&old), Some(expiry));
/// assert_eq!(kept, UnsavedRefresh::RefreshesAgain);
/// let replaced = UnsavedRefresh::after(Some(&old), Some(&new), Some(expiry));
/// assert_eq!(
///     replaced,
///     UnsavedRefresh::RefreshTokenReplaced { cached_expires_at: Some(expiry) }
/// );
/// assert!(replaced.to_string().contains("until it expires at 2026-01-15T18:30:00Z"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnsavedRefresh {
    /// The answer kept the refresh token (it had none, or the same): the cached one is still
    /// the one to use, and the next command refreshes with it again.
    RefreshesAgain,
    /// The answer carried a new refresh token: the service has replaced the cached one. A
    /// service that revokes a replaced refresh token (`InvalidGrantException`; the emulator
    /// does, RFC 6749 §6 allows it) refuses the next commands' refreshes with it: they use the
    /// cached access token until it expires at `cached_expires_at` (each refresh failing, with
    /// a warning), and then the user must log in again.
    RefreshTokenReplaced {
        /// When the cached access token expires (`None`: its entry does not say).
        cached_expires_at: Option<Timestamp>,
    },
}

impl UnsavedRefresh {
    /// The case of a refresh whose answer was not written: `cached_refresh` is the refresh
    /// token in the cache (the one the refresh was made with), `written_refresh` the one the
    /// unwritten entry holds (the answer's, or the cached one kept when the answer had none),
    /// `cached_expires_at` the cached access token's expiry.
    pub fn after(
        cached_refresh: Option<&crate::Secret>,
        written_refresh: Option<&crate::Secret>,
        cached_expires_at: Option<Timestamp>,
    ) -> Self {
        let same = match (cached_refresh, written_refresh) {
            (_, None) => true,
            (Some(old), Some(new)) => old.expose() == new.expose(),
            (None, Some(_)) => false,
        };
        if same {
            UnsavedRefresh::RefreshesAgain
        } else {
            UnsavedRefresh::RefreshTokenReplaced { cached_expires_at }
        }
    }
}

impl std::fmt::Display for UnsavedRefresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnsavedRefresh::RefreshesAgain => f.write_str(
                "the cache keeps the previous token, and the next command refreshes it again \
                 with the same refresh token",
            ),
            UnsavedRefresh::RefreshTokenReplaced { cached_expires_at } => {
                f.write_str(
                    "the cache keeps the previous token and the refresh token the service has \
                     just replaced, which a service that revokes replaced refresh tokens \
                     refuses: the next commands then use the cached token until it expires",
                )?;
                if let Some(at) = cached_expires_at {
                    write!(f, " at {at}")?;
                }
                f.write_str(", and after that need a new login")
            }
        }
    }
}

/// What a [`Refresher`] starts from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RefreshInput {
    /// The cached token.
    pub token: CachedToken,
    /// The OIDC endpoint of the token's region.
    pub endpoint: Endpoint,
    /// The configured start URL, written into a refreshed file.
    pub start_url: Option<String>,
    /// The `sso_region`, written into a refreshed file.
    pub region: Option<String>,
    /// Whether the token belongs to an sso-session. Legacy profiles' tokens are never
    /// refreshed (the AWS CLI's rule); default `true`.
    pub sso_session: bool,
    /// When a refresh of this token was last attempted (by this process or another; the
    /// caller keeps the record). One in the future (a clock that went backwards) does not
    /// block.
    pub last_attempt: Option<Timestamp>,
    /// The timing windows.
    pub policy: RefreshPolicy,
    /// Retries of the refresh call.
    pub retry: RetryPolicy,
}

impl RefreshInput {
    /// A refresh of an sso-session's `token` at `endpoint`, with the default windows and retry
    /// policy.
    pub fn new(token: CachedToken, endpoint: Endpoint) -> Self {
        RefreshInput {
            token,
            endpoint,
            start_url: None,
            region: None,
            sso_session: true,
            last_attempt: None,
            policy: RefreshPolicy::default(),
            retry: RetryPolicy::default(),
        }
    }

    /// Sets the configured start URL and region written into a refreshed file.
    pub fn session(mut self, start_url: impl Into<String>, region: impl Into<String>) -> Self {
        self.start_url = Some(start_url.into());
        self.region = Some(region.into());
        self
    }

    /// Marks the token as a legacy profile's (never refreshed) or an sso-session's.
    pub fn sso_session(mut self, sso_session: bool) -> Self {
        self.sso_session = sso_session;
        self
    }

    /// Sets when a refresh was last attempted.
    pub fn last_attempt(mut self, at: Option<Timestamp>) -> Self {
        self.last_attempt = at;
        self
    }

    /// Sets the timing windows.
    pub fn policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the retry policy of the refresh call.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

/// What [`Refresher::poll_output`] returns.
pub type RefreshOutput = Output<Infallible, Result<RefreshOutcome, RefreshError>>;

// One `State` lives per refresh; its size does not matter.
#[allow(clippy::large_enum_variant)]
enum State {
    Calling {
        call: Box<Call<CreateTokenOutput>>,
        mandatory: bool,
    },
    Done(Result<RefreshOutcome, RefreshError>),
}

/// The refresh machine for one cached token.
pub struct Refresher {
    token: CachedToken,
    /// The wall time the machine was created at.
    created: OffsetDateTime,
    start_url: Option<String>,
    region: Option<String>,
    state: State,
}

impl Refresher {
    /// Decides at wall-clock `wall_now` what to do with `input.token`, at `now` on the
    /// caller's monotonic clock; `seed` seeds the retry jitter (as every machine's last
    /// argument).
    pub fn new(input: RefreshInput, now: Instant, wall_now: OffsetDateTime, seed: u64) -> Self {
        let RefreshInput {
            token,
            endpoint,
            start_url,
            region,
            sso_session,
            last_attempt,
            policy,
            retry,
        } = input;
        let urgency = policy.urgency(token.expires_at, wall_now);
        let valid = urgency != Urgency::Expired;
        let cached =
            |token: CachedToken, reason| State::Done(Ok(RefreshOutcome::Cached { token, reason }));
        let expired = || State::Done(Err(RefreshError::Expired { failure: None }));
        let state = if urgency == Urgency::Fresh {
            cached(token.clone(), NotRefreshed::Fresh)
        } else if !sso_session {
            if valid {
                cached(token.clone(), NotRefreshed::Legacy)
            } else {
                expired()
            }
        } else if let Some(input) = refresh_input(&token, wall_now) {
            match (policy.throttled(last_attempt, wall_now), valid) {
                (false, _) => State::Calling {
                    call: Box::new(Call::new(&input, &endpoint, &retry, now, seed)),
                    mandatory: urgency != Urgency::Advisory,
                },
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
            created: wall_now,
            start_url,
            region,
            state,
        }
    }

    /// What follows if `fresh`, the token this machine refreshed, cannot be written back: the
    /// cache keeps the token this machine started from ([`UnsavedRefresh::after`]).
    pub fn unsaved(&self, fresh: &CachedToken) -> UnsavedRefresh {
        UnsavedRefresh::after(
            self.token.refresh_token.as_ref(),
            fresh.refresh_token.as_ref(),
            Some(self.token.expires_at),
        )
    }

    /// Whether a refresh request will be (or was) sent.
    pub fn is_refreshing(&self) -> bool {
        matches!(self.state, State::Calling { .. })
    }

    /// The refresh call ended (at wall-clock `wall`).
    fn finish(
        &self,
        wall: OffsetDateTime,
        result: Result<CreateTokenOutput, CallError>,
        mandatory: bool,
    ) -> Result<RefreshOutcome, RefreshError> {
        let out = match result {
            Ok(out) => out,
            Err(e) => return self.failed(wall, RefreshFailure::Call(e), mandatory),
        };
        let Some(seconds) = out.expires_in.filter(|s| *s > 0) else {
            return self.failed(wall, RefreshFailure::NoExpiry, mandatory);
        };
        let mut fresh = self.token.clone();
        fresh.access_token = out.access_token;
        // Whole seconds: what the file can hold, so the token returned is the one a later
        // read of the file gives.
        let expires_at = crate::base::timestamp::expiry_after(wall, i64::from(seconds));
        fresh.expires_at = crate::base::timestamp::whole_seconds(expires_at).into();
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

    fn call(&mut self) -> Result<&mut Call<CreateTokenOutput>, MisuseError> {
        match &mut self.state {
            State::Calling { call, .. } => Ok(call),
            State::Done(_) => Err(MisuseError::Finished),
        }
    }
}

impl Machine for Refresher {
    type Event = Infallible;
    type Output = Result<RefreshOutcome, RefreshError>;

    /// What to do next.
    fn poll_output(&mut self) -> Result<RefreshOutput, MisuseError> {
        let (call, mandatory) = match &mut self.state {
            State::Done(result) => return Ok(Output::Done(result.clone())),
            State::Calling { call, mandatory } => (call, *mandatory),
        };
        match call.poll_output()? {
            Output::Transmit(t) => Ok(Output::Transmit(t)),
            Output::Timeout(at) => Ok(Output::Timeout(at)),
            Output::Event(never) => match never {},
            Output::Done(result) => {
                let wall = call.last_wall().map_or(self.created, Into::into);
                let outcome = self.finish(wall, result, mandatory);
                self.state = State::Done(outcome.clone());
                Ok(Output::Done(outcome))
            }
        }
    }

    /// The answer to the refresh request, received at `now` (`wall` on the wall clock).
    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError> {
        self.call()?.handle_response(now, wall, response)
    }

    /// The refresh request failed below HTTP.
    fn handle_transport_error(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError> {
        self.call()?.handle_transport_error(now, wall, error)
    }

    /// Time passed (the retry policy's backoff).
    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        self.call()?.handle_timeout(now)
    }
}

impl std::fmt::Debug for Refresher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Calling { .. } => "Calling",
            State::Done(_) => "Done",
        };
        f.debug_struct("Refresher")
            .field("token", &self.token)
            .field("state", &state)
            .finish()
    }
}

/// The refresh call, when the file has everything a refresh needs (spec 6.7 preconditions):
/// `refreshToken`, `clientId`, `clientSecret`, and a registration that has not expired.
fn refresh_input(token: &CachedToken, now: OffsetDateTime) -> Option<CreateToken> {
    let refresh_token = token.refresh_token.as_ref()?;
    let client_id = token.client_id.as_ref()?;
    let client_secret = token.client_secret.as_ref()?;
    if token.registration_expires_at? <= now {
        return None;
    }
    Some(CreateToken::refresh_token(
        client_id.clone(),
        client_secret.clone(),
        refresh_token.clone(),
    ))
}

/// Whether a cached token can be refreshed: an sso-session's token with everything a refresh
/// needs and a registration still valid at `now` (the AWS CLI's preconditions).
pub fn is_refreshable(token: &CachedToken, sso_session: bool, now: OffsetDateTime) -> bool {
    sso_session && refresh_input(token, now).is_some()
}
