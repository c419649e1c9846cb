//! [`Refresh`]: the refresh grant (RFC 6749 §6) as a machine: one token request with the
//! client's retry policy, whose answer becomes the new [`Tokens`] (the old refresh token kept
//! when the provider sends none). Whether a cached token is used, refreshed or given up is
//! [`plan`]'s to say (the caller's minimum lifetime, a missing refresh token, the one attempt a
//! minute that the AWS tokens' [`RefreshPolicy`] also keeps); what a failed refresh leaves is
//! this machine's: the old access token while it is still valid (with the failure, for a
//! warning), or [`RefreshError::Expired`] (log in again). A driver asks both and decides
//! nothing itself.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::base::timestamp::Timestamp;
use crate::formats::oauth::{
    parse_token_response, refresh_request, OAuthClient, Provider, TokenResponse, Tokens, TOKEN,
};
use crate::machine::{Call, Machine, MisuseError, Output};
use crate::refresh::{RefreshError, RefreshFailure, RefreshPolicy};
use crate::retry::RetryPolicy;
use crate::transport::TransportError;
use crate::wire::Auth;

/// How a [`Refresh`] ended with tokens to use.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refreshed {
    /// The provider issued new tokens: write them back.
    New(Tokens),
    /// No new tokens, but the old access token is still valid: use it (and say why there is no
    /// new one; `None`: the tokens have no refresh token).
    Kept {
        /// The old tokens.
        tokens: Tokens,
        /// Why the refresh failed, when one was tried.
        failure: Option<RefreshFailure>,
    },
}

impl Refreshed {
    /// The tokens to use.
    pub fn tokens(&self) -> &Tokens {
        match self {
            Refreshed::New(tokens) | Refreshed::Kept { tokens, .. } => tokens,
        }
    }
}

/// What to do with cached [`Tokens`] that a caller wants valid for at least a minimum lifetime:
/// the decision [`plan`] makes, and a driver (the adapters' OAuth sessions) carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Plan {
    /// Good for at least the minimum lifetime: use them, nothing to do.
    Use,
    /// Not good for the minimum lifetime, still valid, and not to be refreshed now: use them
    /// and warn the caller.
    UseWithWarning(Shortfall),
    /// Refresh them (record the attempt first, so that other processes hold off); when the
    /// refresh fails, or its provider cannot be found, the old tokens stand while
    /// [`Plan::usable`] says so.
    Refresh,
    /// Expired and not to be refreshed: log in again.
    Expired,
}

/// Why tokens short of the minimum lifetime are used without a refresh. `Display` is the
/// warning to show.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shortfall {
    /// They have no refresh token.
    NoRefreshToken {
        /// The minimum lifetime asked for.
        min_ttl: Duration,
        /// What is left.
        left: Duration,
    },
    /// A refresh was attempted less than the policy's interval ago (by any process).
    Throttled {
        /// The policy's interval between attempts.
        interval: Duration,
        /// What is left.
        left: Duration,
    },
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shortfall::NoRefreshToken { min_ttl, left } => write!(
                f,
                "the token has less than {}s left ({}s left) and no refresh token; log in again for a longer one",
                min_ttl.as_secs(),
                left.as_secs()
            ),
            Shortfall::Throttled { interval, left } => write!(
                f,
                "a refresh was attempted less than {}s ago; using the cached token ({}s left)",
                interval.as_secs(),
                left.as_secs()
            ),
        }
    }
}

/// Decides what to do with cached `tokens` at `now` for a caller that wants them valid for at
/// least `min_ttl`, given when a refresh was last attempted (by any process; the caller keeps
/// the record) and the attempt throttle of `policy` (one attempt a minute by default, as for
/// AWS tokens). The same answer before and after taking the cache's lock: a driver asks once
/// without the lock (a hit costs nothing more) and again under it.
///
/// ```
/// use std::time::Duration;
/// use ssooidc_core::oauth::{parse_token_response, plan, Plan, Shortfall, Tokens};
/// use ssooidc_core::refresh::RefreshPolicy;
/// use ssooidc_core::Secret;
/// use time::macros::datetime;
///
/// let now = datetime!(2026-01-04 18:51:47 UTC);
/// let answer = http::Response::builder()
///     .status(200)
///     .header("content-type", "application/json")
///     .body(r#"{"access_token":"at","token_type":"Bearer","expires_in":100}"#)
///     .unwrap();
/// let mut tokens = Tokens::from_response(parse_token_response(&answer).unwrap(), now);
/// let policy = RefreshPolicy::default();
/// assert_eq!(plan(&tokens, now, Duration::from_secs(60), None, &policy), Plan::Use);
/// assert!(matches!(
///     plan(&tokens, now, Duration::from_secs(300), None, &policy),
///     Plan::UseWithWarning(Shortfall::NoRefreshToken { .. })
/// ));
/// tokens.refresh_token = Some(Secret::new("rt"));
/// assert_eq!(plan(&tokens, now, Duration::from_secs(300), None, &policy), Plan::Refresh);
/// let just_now = Some((now - time::Duration::seconds(10)).into());
/// assert!(matches!(
///     plan(&tokens, now, Duration::from_secs(300), just_now, &policy),
///     Plan::UseWithWarning(Shortfall::Throttled { .. })
/// ));
/// ```
pub fn plan(
    tokens: &Tokens,
    now: OffsetDateTime,
    min_ttl: Duration,
    last_attempt: Option<Timestamp>,
    policy: &RefreshPolicy,
) -> Plan {
    if tokens.is_fresh_for(now, min_ttl) {
        return Plan::Use;
    }
    let left = tokens.remaining(now).unwrap_or_default();
    let usable = Plan::usable(tokens, now);
    let shortfall = if tokens.refresh_token.is_none() {
        Shortfall::NoRefreshToken { min_ttl, left }
    } else if policy.throttled(last_attempt, now) {
        Shortfall::Throttled {
            interval: Duration::try_from(policy.min_attempt_interval).unwrap_or_default(),
            left,
        }
    } else {
        return Plan::Refresh;
    };
    if usable {
        Plan::UseWithWarning(shortfall)
    } else {
        Plan::Expired
    }
}

impl Plan {
    /// Whether `tokens` can still be used at `now` (for any time at all): what decides a
    /// fallback to them when a refresh, or finding the provider for one, fails.
    pub fn usable(tokens: &Tokens, now: OffsetDateTime) -> bool {
        tokens.is_fresh_for(now, Duration::ZERO)
    }
}

/// The result of a [`Refresh`].
pub type RefreshResult = Result<Refreshed, RefreshError>;

// One `State` lives per refresh; its size does not matter.
#[allow(clippy::large_enum_variant)]
enum State {
    Calling(Box<Call<TokenResponse>>),
    Done(RefreshResult),
}

/// A refresh of tokens at a provider's token endpoint (RFC 6749 §6): one token request with the
/// retry policy; a failure keeps the old access token while it is valid ([`Refreshed::Kept`]).
pub struct Refresh {
    previous: Tokens,
    created: OffsetDateTime,
    state: State,
}

impl std::fmt::Debug for Refresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Calling(_) => "Calling",
            State::Done(_) => "Done",
        };
        f.debug_struct("Refresh")
            .field("previous", &self.previous)
            .field("state", &state)
            .finish()
    }
}

impl Refresh {
    /// A refresh of `previous` for `client` at `provider`, starting at `now` (`wall_now` on the
    /// wall clock), keeping the granted scopes. Tokens without a refresh token end it at once,
    /// with nothing sent.
    pub fn new(
        provider: &Provider,
        client: &OAuthClient,
        previous: Tokens,
        policy: &RetryPolicy,
        now: Instant,
        wall_now: OffsetDateTime,
        seed: u64,
    ) -> Self {
        let state = match &previous.refresh_token {
            Some(refresh_token) => State::Calling(Box::new(Call::prepared(
                TOKEN,
                Auth::None,
                refresh_request(provider.token_endpoint(), client, refresh_token, None),
                // A closure: the generic function at one lifetime is not general enough.
                #[allow(clippy::redundant_closure)]
                |response| parse_token_response(response),
                policy,
                now,
                seed,
            ))),
            None => State::Done(without_refresh(&previous, None, wall_now)),
        };
        Refresh {
            previous,
            created: wall_now,
            state,
        }
    }

    /// Whether a refresh request will be (or was) sent.
    pub fn is_refreshing(&self) -> bool {
        matches!(self.state, State::Calling(_))
    }

    fn call(&mut self) -> Result<&mut Call<TokenResponse>, MisuseError> {
        match &mut self.state {
            State::Calling(call) => Ok(call),
            State::Done(_) => Err(MisuseError::Finished),
        }
    }
}

/// What is left of `previous` without new tokens at `wall`: the old access token while it is
/// valid, else the verdict that it has expired.
fn without_refresh(
    previous: &Tokens,
    failure: Option<RefreshFailure>,
    wall: OffsetDateTime,
) -> RefreshResult {
    if previous.is_fresh_for(wall, std::time::Duration::ZERO) {
        Ok(Refreshed::Kept {
            tokens: previous.clone(),
            failure,
        })
    } else {
        Err(RefreshError::Expired { failure })
    }
}

impl Machine for Refresh {
    type Event = Infallible;
    type Output = RefreshResult;

    fn poll_output(&mut self) -> Result<Output<Infallible, RefreshResult>, MisuseError> {
        let call = match &mut self.state {
            State::Done(result) => return Ok(Output::Done(result.clone())),
            State::Calling(call) => call,
        };
        match call.poll_output()? {
            Output::Done(result) => {
                let wall = call.last_wall().map_or(self.created, Into::into);
                let done = match result {
                    Ok(response) => Ok(Refreshed::New(self.previous.refreshed(response, wall))),
                    Err(e) => without_refresh(&self.previous, Some(RefreshFailure::Call(e)), wall),
                };
                self.state = State::Done(done.clone());
                Ok(Output::Done(done))
            }
            Output::Transmit(t) => Ok(Output::Transmit(t)),
            Output::Timeout(at) => Ok(Output::Timeout(at)),
            Output::Event(never) => match never {},
        }
    }

    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError> {
        self.call()?.handle_response(now, wall, response)
    }

    fn handle_transport_error(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError> {
        self.call()?.handle_transport_error(now, wall, error)
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        self.call()?.handle_timeout(now)
    }
}
