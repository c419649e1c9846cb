//! [`Refresh`]: the refresh grant (RFC 6749 §6) as a machine: one token request with the
//! client's retry policy, whose answer becomes the new [`Tokens`] (the old refresh token kept
//! when the provider sends none). When to refresh is [`Tokens::is_fresh_for`]'s to say.

use std::convert::Infallible;
use std::time::Instant;

use time::OffsetDateTime;

use super::client::OAuthClient;
use super::discovery::Provider;
use super::request::refresh_request;
use super::response::parse_token_response;
use super::token::{TokenResponse, Tokens};
use super::TOKEN;
use crate::call::CallError;
use crate::machine::{Call, Machine, MisuseError, Output};
use crate::retry::RetryPolicy;
use crate::transport::TransportError;
use crate::wire::{Auth, RequestError};

/// A refresh of `tokens` at `provider`'s token endpoint. Ends with the refreshed tokens, or the
/// call's failure (an `invalid_grant` means the refresh token is no longer good: log in again).
pub struct Refresh {
    previous: Tokens,
    call: Call<TokenResponse>,
    created: OffsetDateTime,
    done: Option<Result<Tokens, CallError>>,
}

impl std::fmt::Debug for Refresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refresh")
            .field("call", &self.call)
            .field("done", &self.done.is_some())
            .finish()
    }
}

impl Refresh {
    /// A refresh of `previous` for `client`, starting at `now` (`wall_now` on the wall clock),
    /// keeping the granted scopes. Tokens without a refresh token end it at once with
    /// [`CallError::Request`].
    pub fn new(
        provider: &Provider,
        client: &OAuthClient,
        previous: Tokens,
        policy: &RetryPolicy,
        now: Instant,
        wall_now: OffsetDateTime,
        seed: u64,
    ) -> Self {
        let request = match &previous.refresh_token {
            Some(refresh_token) => {
                refresh_request(provider.token_endpoint(), client, refresh_token, None)
            }
            None => Err(RequestError::Http(
                "no refresh token to refresh with".to_owned(),
            )),
        };
        let call = Call::prepared(
            TOKEN,
            Auth::None,
            request,
            // A closure: the generic function at one lifetime is not general enough.
            #[allow(clippy::redundant_closure)]
            |response| parse_token_response(response),
            policy,
            now,
            seed,
        );
        Refresh {
            previous,
            call,
            created: wall_now,
            done: None,
        }
    }
}

impl Machine for Refresh {
    type Event = Infallible;
    type Output = Result<Tokens, CallError>;

    fn poll_output(&mut self) -> Result<Output<Infallible, Self::Output>, MisuseError> {
        if let Some(done) = &self.done {
            return Ok(Output::Done(done.clone()));
        }
        match self.call.poll_output()? {
            Output::Done(result) => {
                let wall = self.call.last_wall().unwrap_or(self.created);
                let done = result.map(|response| self.previous.refreshed(response, wall));
                self.done = Some(done.clone());
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
        self.call.handle_response(now, wall, response)
    }

    fn handle_transport_error(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError> {
        self.call.handle_transport_error(now, wall, error)
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        self.call.handle_timeout(now)
    }
}
