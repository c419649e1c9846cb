//! [`Client`]: one async method per operation, over any [`HttpSend`].

use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::operations::{
    CreateToken, CreateTokenOutput, CreateTokenWithIam, CreateTokenWithIamOutput, RegisterClient,
    RegisterClientOutput, StartDeviceAuthorization, StartDeviceAuthorizationOutput,
};
use ssooidc_core::sigv4::{sign, SigningCredentials};
use ssooidc_core::wire::{Auth, SIGNING_NAME, USER_AGENT};
use ssooidc_core::Operation;
use time::OffsetDateTime;

use crate::error::Error;
use crate::transport::HttpSend;

/// An async AWS SSO OIDC client over any [`HttpSend`] (any HTTP client, any runtime).
///
/// Requests are built and responses decoded by the core's [`Operation`] trait; the client only
/// adds its product token to the `User-Agent` and moves the bytes. The three public operations
/// are sent unsigned, as the service requires.
///
/// Cancelling a call is dropping its future.
///
/// ```no_run
/// # #[cfg(feature = "reqwest")]
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use ssooidc_async::Client;
/// use ssooidc_core::endpoint::{resolve, EndpointParams};
/// use ssooidc_core::operations::RegisterClient;
///
/// let endpoint = resolve(&EndpointParams::region("us-east-1"))?;
/// let http = ssooidc_async::reqwest_client_builder().build()?; // enable a reqwest TLS feature
/// let client = Client::new(http, endpoint);
/// let registration = client.register_client(&RegisterClient::new("my-tool")).await?;
/// println!("{}", registration.client_id);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Client<T> {
    transport: T,
    endpoint: Endpoint,
    user_agent: http::HeaderValue,
}

impl<T: HttpSend> Client<T> {
    /// A client sending through `transport` to `endpoint` (see
    /// [`ssooidc_core::endpoint::resolve`] for region, FIPS, dual-stack and overrides).
    pub fn new(transport: T, endpoint: Endpoint) -> Self {
        let user_agent = format!("{USER_AGENT} ssooidc-async/{}", env!("CARGO_PKG_VERSION"));
        Client {
            transport,
            endpoint,
            user_agent: http::HeaderValue::from_str(&user_agent)
                .unwrap_or_else(|_| http::HeaderValue::from_static(USER_AGENT)),
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// `RegisterClient`.
    pub async fn register_client(
        &self,
        input: &RegisterClient,
    ) -> Result<RegisterClientOutput, Error> {
        self.call(input).await
    }

    /// `StartDeviceAuthorization`.
    pub async fn start_device_authorization(
        &self,
        input: &StartDeviceAuthorization,
    ) -> Result<StartDeviceAuthorizationOutput, Error> {
        self.call(input).await
    }

    /// `CreateToken` (any grant: device code, refresh token, authorization code).
    pub async fn create_token(&self, input: &CreateToken) -> Result<CreateTokenOutput, Error> {
        self.call(input).await
    }

    /// `CreateTokenWithIAM`, signed with SigV4 (signing name `sso-oauth`) for `region` with
    /// `credentials`, at the current wall-clock time.
    pub async fn create_token_with_iam(
        &self,
        input: &CreateTokenWithIam,
        credentials: &SigningCredentials,
        region: &str,
    ) -> Result<CreateTokenWithIamOutput, Error> {
        let operation = CreateTokenWithIam::NAME;
        let request_error = |message: String| Error::Request { operation, message };
        let mut request = input
            .to_request(&self.endpoint)
            .map_err(|e| request_error(e.to_string()))?;
        sign(
            &mut request,
            credentials,
            region,
            SIGNING_NAME,
            OffsetDateTime::now_utc(),
        )
        .map_err(|e| request_error(e.to_string()))?;
        let response = self.send(operation, request).await?;
        CreateTokenWithIam::parse_response(&response)
            .map_err(|e| Error::from_response(operation, e))
    }

    /// Sends any unsigned operation and decodes its answer (a signed one is refused: use
    /// [`create_token_with_iam`](Self::create_token_with_iam)).
    pub async fn call<O: Operation>(&self, input: &O) -> Result<O::Output, Error> {
        if O::AUTH != Auth::None {
            return Err(Error::Request {
                operation: O::NAME,
                message: "a signed operation: use the method that signs it".to_owned(),
            });
        }
        let request = input
            .to_request(&self.endpoint)
            .map_err(|e| Error::Request {
                operation: O::NAME,
                message: e.to_string(),
            })?;
        let response = self.send(O::NAME, request).await?;
        O::parse_response(&response).map_err(|e| Error::from_response(O::NAME, e))
    }

    /// Sends a prepared request (for drivers of the core's state machines) and returns the raw
    /// response, its body capped by the transport. `operation` names it in errors.
    pub async fn send(
        &self,
        operation: &'static str,
        mut request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        request
            .headers_mut()
            .insert(http::header::USER_AGENT, self.user_agent.clone());
        self.transport
            .send(request)
            .await
            .map_err(|e| Error::from_transport(operation, e))
    }
}
