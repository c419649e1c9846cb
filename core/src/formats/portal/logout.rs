//! `Logout`: `POST /logout`, the access token in `x-amz-sso_bearer_token`, no body either way; it
//! ends the token's sign-in session on the server (`docs/protocol/portal.md#logout`).

use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;
use crate::wire::{Auth, Operation, RequestError, ResponseError};
use crate::Secret;

/// Input of `Logout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Logout {
    /// The SSO access token to invalidate.
    pub access_token: Secret,
}

impl Logout {
    /// Builds the input.
    pub fn new(access_token: impl Into<Secret>) -> Self {
        Logout {
            access_token: access_token.into(),
        }
    }
}

impl Operation for Logout {
    const NAME: &'static str = "Logout";
    const PATH_AND_QUERY: &'static str = "/logout";
    const AUTH: Auth = Auth::None;
    /// `Logout` has no output: a 2xx is success whatever its body.
    type Output = ();

    fn to_request(&self, endpoint: &Endpoint) -> Result<http::Request<Vec<u8>>, RequestError> {
        super::request::<Self>(endpoint, &[], &self.access_token)
    }

    /// Any 2xx is success (the body, usually empty, is not read); an error response decodes as
    /// every other operation's.
    fn parse_response<B: AsRef<[u8]>>(response: &http::Response<B>) -> Result<(), ResponseError> {
        if response.status().is_success() {
            return Ok(());
        }
        crate::wire::parse_response::<(), B>(Self::NAME, response)
    }
}
