//! [`Refresh`]: the refresh grant (RFC 6749 §6) as a machine: one token request with the
//! client's retry policy, whose answer becomes the new [`Tokens`] (the old refresh token kept
//! when the provider sends none). When a refresh is due is [`Tokens::is_fresh_for`]'s to say;
//! what a failed refresh leaves is this machine's: the old access token while it is still
//! valid (with the failure, for a warning), or [`RefreshError::Expired`] (log in again).

use std::convert::Infallible;
use std::time::Instant;

use time::OffsetDateTime;

use crate::formats::oauth::{
    parse_token_response, refresh_request, OAuthClient, Provider, TokenResponse, Tokens, TOKEN,
};
use crate::machine::{Call, Machine, MisuseError, Output};
use crate::refresh::{RefreshError, RefreshFailure};
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
