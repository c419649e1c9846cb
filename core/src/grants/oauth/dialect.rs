//! [`Standard`]: the device-authorization grant as RFC 8628 and RFC 6749 encode it, for any
//! OAuth 2.0 provider, driven by the same [`DeviceFlow`](crate::device::DeviceFlow) as AWS.

use time::OffsetDateTime;

use crate::call::CallError;
use crate::device::{Authorization, DeviceFlowError, Dialect, Event};
use crate::formats::oauth::response::token_answer;
use crate::formats::oauth::{
    device_authorization_request, device_token_request, parse_device_authorization, OAuthClient,
    Provider, TokenResponse, Tokens, DEVICE_AUTHORIZATION, TOKEN,
};
use crate::grant::{classify_call, classify_poll, CallOutcome, PollOutcome};
use crate::wire::RequestError;
use crate::Secret;

/// The standard dialect: a pre-registered client ([`OAuthClient`]), the provider's device
/// authorization and token endpoints ([`Provider`]), and the scopes to ask for. No
/// registration phase: the flow starts with the device authorization request.
///
/// ```
/// use ssooidc_core::device::{DeviceFlow, DeviceFlowConfig};
/// use ssooidc_core::machine::{Machine, Output};
/// use ssooidc_core::oauth::{OAuthClient, Provider, ProviderUrl, Standard};
///
/// let provider = Provider::explicit(
///     ProviderUrl::parse("https://idp.example.com/device")?,
///     ProviderUrl::parse("https://idp.example.com/token")?,
/// );
/// let client = OAuthClient::public("my-cli")?;
/// let dialect = Standard::new(provider, client, ["openid", "offline_access"]);
/// let mut flow = DeviceFlow::with_dialect(dialect, DeviceFlowConfig::default(), time::OffsetDateTime::UNIX_EPOCH, 7);
/// let Ok(Output::Transmit(t)) = flow.poll_output() else { panic!() };
/// assert_eq!(t.operation, "DeviceAuthorization");
/// assert_eq!(t.request.body(), b"client_id=my-cli&scope=openid+offline_access");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standard {
    provider: Provider,
    client: OAuthClient,
    scopes: Vec<String>,
}

impl Standard {
    /// The dialect for `client` of `provider`, asking for `scopes`.
    pub fn new<I, S>(provider: Provider, client: OAuthClient, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Standard {
            provider,
            client,
            scopes: scopes.into_iter().map(Into::into).collect(),
        }
    }

    /// The provider.
    pub fn provider(&self) -> &Provider {
        &self.provider
    }
}

/// What a standard flow's driver is told: the shared [`machine::Output`](crate::machine::Output)
/// with the standard dialect's client and tokens.
pub type StandardOutput =
    crate::machine::Output<Event<OAuthClient>, Result<Tokens, DeviceFlowError>>;

impl Dialect for Standard {
    type Client = OAuthClient;
    type Grant = TokenResponse;
    type Token = Tokens;

    const REGISTER: &'static str = "Register";
    const AUTHORIZE: &'static str = DEVICE_AUTHORIZATION;
    const POLL: &'static str = TOKEN;

    fn initial_client(&mut self, _wall_now: OffsetDateTime) -> Option<OAuthClient> {
        Some(self.client.clone())
    }

    fn authorize_request(
        &self,
        client: &OAuthClient,
    ) -> Result<http::Request<Vec<u8>>, RequestError> {
        device_authorization_request(
            self.provider.device_authorization_endpoint(),
            client,
            &self.scopes,
        )
    }

    fn authorized<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
    ) -> CallOutcome<Authorization> {
        classify_call(
            parse_device_authorization(response)
                .map_err(|e| CallError::from_response(DEVICE_AUTHORIZATION, e)),
        )
    }

    fn poll_request(
        &self,
        client: &OAuthClient,
        device_code: &Secret,
    ) -> Result<http::Request<Vec<u8>>, RequestError> {
        device_token_request(self.provider.token_endpoint(), client, device_code)
    }

    fn polled<B: AsRef<[u8]>>(&self, response: &http::Response<B>) -> PollOutcome<TokenResponse> {
        match token_answer(response) {
            Ok(tokens) => PollOutcome::Token(tokens),
            Err((error, interval)) => {
                match classify_poll(Err(CallError::from_response(TOKEN, error))) {
                    PollOutcome::SlowDown { .. } => PollOutcome::SlowDown { interval },
                    other => other,
                }
            }
        }
    }

    /// The tokens of the answer. An absent `expires_in` is allowed (RFC 6749 §5.1 only
    /// recommends it: the lifetime is unknown); one of 0 or less is a token already expired,
    /// which fails the login as it does in the AWS dialect.
    fn token(
        &self,
        grant: TokenResponse,
        _client: &OAuthClient,
        wall: OffsetDateTime,
    ) -> Result<Tokens, DeviceFlowError> {
        match grant.expires_in {
            Some(secs) if secs <= 0 => Err(DeviceFlowError::AlreadyExpired {
                operation: Self::POLL,
                expires_in: Some(i32::try_from(secs).unwrap_or(i32::MIN)),
            }),
            _ => Ok(Tokens::from_response(grant, wall)),
        }
    }
}
