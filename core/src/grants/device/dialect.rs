//! The seam between the grant and a wire: [`Dialect`], and [`Authorization`], the device
//! authorization response in grant terms.
//!
//! The machine ([`DeviceFlow`](super::DeviceFlow)) owns the policy: phases, interval,
//! `slow_down`, deadline, retries, the prompt. A dialect owns the encoding: it builds the
//! request of each phase and says what an answer means in grant terms ([`CallOutcome`],
//! [`PollOutcome`]). Two dialects exist: [`Aws`](super::Aws) (restJson1, with its
//! `RegisterClient` phase) and [`crate::oauth::Standard`] (RFC 8628 over form-encoded
//! requests, with a pre-registered client).

use std::fmt;

use time::OffsetDateTime;

use crate::call::CallError;
use crate::grant::{CallOutcome, PollOutcome};
use crate::wire::RequestError;
use crate::Secret;

pub use crate::formats::authorization::Authorization;

/// One wire encoding of the device-authorization grant: the requests of each phase and what
/// their answers mean: the machine ([`DeviceFlow`](super::DeviceFlow)) owns the policy, a dialect
/// the encoding.
///
/// A dialect that registers clients (AWS) starts without a client
/// ([`initial_client`](Self::initial_client) gives `None`) and implements
/// [`register_request`](Self::register_request) and [`registered`](Self::registered); one with a
/// pre-registered client returns it from `initial_client` and keeps the defaults, which are
/// never called.
pub trait Dialect: fmt::Debug {
    /// The client the authorization and the polls authenticate as: a registration (AWS) or a
    /// pre-registered client (standard OAuth 2.0).
    type Client: Clone + fmt::Debug + PartialEq + Eq;
    /// What a successful poll decodes to.
    type Grant;
    /// The flow's result: the token, as the caller keeps it.
    type Token: Clone + fmt::Debug + PartialEq + Eq;

    /// The operation name of the registration request, for errors and logs.
    const REGISTER: &'static str;
    /// The operation name of the device authorization request.
    const AUTHORIZE: &'static str;
    /// The operation name of the token request the flow polls with.
    const POLL: &'static str;
    /// Whether the dialect registers its clients. Then a client from
    /// [`initial_client`](Self::initial_client) is a cached registration, which the flow
    /// replaces once when the service rejects it (`invalid_client`); a pre-registered client
    /// cannot be replaced, and its rejection ends the flow.
    const REGISTERS_CLIENTS: bool = false;

    /// The client to start with, at wall-clock `wall_now`: `Some` skips registration. Called
    /// once, when the flow is created.
    fn initial_client(&mut self, wall_now: OffsetDateTime) -> Option<Self::Client>;

    /// The registration request.
    fn register_request(&self) -> Result<http::Request<Vec<u8>>, RequestError> {
        Err(RequestError::Http(
            "this dialect does not register clients".to_owned(),
        ))
    }

    /// What the answer to the registration request means; a new client is stamped with `wall`.
    fn registered<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        wall: OffsetDateTime,
    ) -> CallOutcome<Self::Client> {
        let _ = (response, wall);
        CallOutcome::Fatal(CallError::Request {
            operation: Self::REGISTER,
            error: RequestError::Http("this dialect does not register clients".to_owned()),
        })
    }

    /// The device authorization request of `client`.
    fn authorize_request(
        &self,
        client: &Self::Client,
    ) -> Result<http::Request<Vec<u8>>, RequestError>;

    /// What the answer to the device authorization request means.
    fn authorized<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
    ) -> CallOutcome<Authorization>;

    /// The token request that polls for `device_code`.
    fn poll_request(
        &self,
        client: &Self::Client,
        device_code: &Secret,
    ) -> Result<http::Request<Vec<u8>>, RequestError>;

    /// What the answer to a poll means.
    fn polled<B: AsRef<[u8]>>(&self, response: &http::Response<B>) -> PollOutcome<Self::Grant>;

    /// The flow's token from a successful poll answered at wall-clock `wall`, or
    /// [`DeviceFlowError::AlreadyExpired`](super::DeviceFlowError::AlreadyExpired) when the
    /// answer says it has already expired: a login that gets no usable token has failed.
    fn token(
        &self,
        grant: Self::Grant,
        client: &Self::Client,
        wall: OffsetDateTime,
    ) -> Result<Self::Token, super::DeviceFlowError>;
}
