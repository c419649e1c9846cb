//! [`Aws`]: the grant as AWS SSO OIDC encodes it (restJson1: JSON bodies with camelCase
//! members, modelled exceptions): `RegisterClient`, `StartDeviceAuthorization`, `CreateToken`.
//! The translation of its answers into grant terms is [`crate::grant`]; see
//! `docs/protocol/device-grant.md#aws-dialect`.

use time::OffsetDateTime;

use super::{Authorization, DeviceFlowError, DeviceFlowInput, Dialect, Registration, Token};
use crate::base::timestamp::{expiry_after, whole_seconds};
use crate::call::CallError;
use crate::endpoint::Endpoint;
use crate::grant::{classify_call, classify_poll, CallOutcome, PollOutcome};
use crate::operations::{
    CreateToken, CreateTokenOutput, RegisterClient, StartDeviceAuthorization,
    StartDeviceAuthorizationOutput,
};
use crate::wire::{Operation, RequestError};
use crate::Secret;

/// The AWS SSO OIDC dialect: registers a public client (unless a cached registration is still
/// good), starts the authorization for an access portal, polls `CreateToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aws {
    endpoint: Endpoint,
    start_url: String,
    client_name: String,
    scopes: Option<Vec<String>>,
    registration: Option<Registration>,
}

impl Aws {
    /// The dialect of `input`.
    pub fn new(input: DeviceFlowInput) -> Self {
        let DeviceFlowInput {
            endpoint,
            start_url,
            client_name,
            scopes,
            registration,
        } = input;
        Aws {
            endpoint,
            start_url,
            client_name,
            scopes: scopes.filter(|s| !s.is_empty()),
            registration,
        }
    }
}

impl Dialect for Aws {
    type Client = Registration;
    type Grant = CreateTokenOutput;
    type Token = Token;

    const REGISTER: &'static str = RegisterClient::NAME;
    const AUTHORIZE: &'static str = StartDeviceAuthorization::NAME;
    const POLL: &'static str = CreateToken::NAME;
    const REGISTERS_CLIENTS: bool = true;

    /// The cached registration when it is reusable at `wall_now` (spec 6.4: at least 15 minutes
    /// left, not a PKCE registration).
    fn initial_client(&mut self, wall_now: OffsetDateTime) -> Option<Registration> {
        self.registration
            .take()
            .filter(|r| r.is_reusable_for_device_flow(wall_now))
    }

    fn register_request(&self) -> Result<http::Request<Vec<u8>>, RequestError> {
        let mut input = RegisterClient::new(self.client_name.clone());
        input.scopes.clone_from(&self.scopes);
        input.to_request(&self.endpoint)
    }

    fn registered<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        wall: OffsetDateTime,
    ) -> CallOutcome<Registration> {
        let result = RegisterClient::parse_response(response)
            .map_err(|e| CallError::from_response(Self::REGISTER, e))
            .map(|output| Registration::from_output(output, self.scopes.clone(), wall));
        classify_call(result)
    }

    fn authorize_request(
        &self,
        registration: &Registration,
    ) -> Result<http::Request<Vec<u8>>, RequestError> {
        StartDeviceAuthorization::new(
            registration.client_id.clone(),
            registration.client_secret.clone(),
            self.start_url.clone(),
        )
        .to_request(&self.endpoint)
    }

    fn authorized<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
    ) -> CallOutcome<Authorization> {
        let result = StartDeviceAuthorization::parse_response(response)
            .map_err(|e| CallError::from_response(Self::AUTHORIZE, e))
            .map(authorization);
        classify_call(result)
    }

    fn poll_request(
        &self,
        registration: &Registration,
        device_code: &Secret,
    ) -> Result<http::Request<Vec<u8>>, RequestError> {
        CreateToken::device_code(
            registration.client_id.clone(),
            registration.client_secret.clone(),
            device_code.clone(),
        )
        .to_request(&self.endpoint)
    }

    fn polled<B: AsRef<[u8]>>(&self, response: &http::Response<B>) -> PollOutcome {
        classify_poll(
            CreateToken::parse_response(response)
                .map_err(|e| CallError::from_response(Self::POLL, e)),
        )
    }

    fn token(
        &self,
        output: CreateTokenOutput,
        registration: &Registration,
        wall: OffsetDateTime,
    ) -> Result<Token, DeviceFlowError> {
        token(output, registration.clone(), wall).map_err(|expires_in| {
            DeviceFlowError::AlreadyExpired {
                operation: Self::POLL,
                expires_in,
            }
        })
    }
}

/// The [`Token`] of a `CreateToken` success (both AWS logins' result), or the `expiresIn` it
/// came with when that makes it already expired (absent, 0 or negative): such a token is no
/// token, and a login that gets one has failed.
pub(crate) fn token(
    output: CreateTokenOutput,
    registration: Registration,
    wall: OffsetDateTime,
) -> Result<Token, Option<i32>> {
    let seconds = match output.expires_in {
        Some(seconds) if seconds > 0 => seconds,
        other => return Err(other),
    };
    Ok(Token {
        access_token: output.access_token,
        token_type: output.token_type,
        // Whole seconds, as the cache file holds it: the token returned is the one a later
        // read of the file gives.
        expires_at: whole_seconds(expiry_after(wall, i64::from(seconds))).into(),
        refresh_token: output.refresh_token,
        registration,
    })
}

/// `StartDeviceAuthorization`'s answer in grant terms.
fn authorization(output: StartDeviceAuthorizationOutput) -> Authorization {
    Authorization {
        device_code: output.device_code,
        user_code: output.user_code,
        verification_uri: output.verification_uri,
        verification_uri_complete: output.verification_uri_complete,
        expires_in: output.expires_in.map(i64::from),
        interval: output.interval.map(i64::from),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::base::timestamp::format_timestamp;

    /// A login's token expires in whole seconds, as its cache file holds it: the `Token` a login
    /// returns is the one a later read of the file gives, and it prints as the cache file
    /// writes it, whatever fraction of a second the wall clock was at.
    #[test]
    fn a_logins_token_expires_in_whole_seconds_as_its_cache_file_holds_it() {
        let output = CreateTokenOutput {
            access_token: "at".into(),
            token_type: Some("Bearer".to_owned()),
            expires_in: Some(3600),
            refresh_token: None,
            id_token: None,
        };
        let registration = Registration::new("cid", "secret", datetime!(2026-04-01 00:00 UTC));
        let wall = datetime!(2026-12-07 08:23:08.311_963_184 UTC);
        let token = token(output, registration, wall).unwrap();
        assert_eq!(token.expires_at, datetime!(2026-12-07 09:23:08 UTC));
        assert_eq!(token.expires_at.to_string(), "2026-12-07T09:23:08Z");
        assert_eq!(
            token.expires_at.to_string(),
            format_timestamp(token.expires_at)
        );
    }
}
