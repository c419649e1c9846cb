//! [`Client`]: one blocking method per operation.

use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::operations::{
    CreateToken, CreateTokenOutput, CreateTokenWithIam, CreateTokenWithIamOutput, RegisterClient,
    RegisterClientOutput, StartDeviceAuthorization, StartDeviceAuthorizationOutput,
};
use ssooidc_core::sigv4::sign;
use ssooidc_core::wire::{redact_body, redact_headers};
use ssooidc_core::wire::{Auth, SIGNING_NAME};
use ssooidc_core::Operation;
use std::sync::Arc;
use time::OffsetDateTime;

use crate::config::{Config, ConfigError};
use crate::error::Error;
use crate::transport::{Transport, TransportFailure, TransportFailureKind};

/// A blocking AWS SSO OIDC client over ureq.
///
/// The three public operations are sent unsigned, as the service requires.
///
/// ```no_run
/// use ssooidc_ureq::{Client, Config};
/// use ssooidc_core::operations::RegisterClient;
/// let client = Client::new(Config::new("us-east-1"))?;
/// let registration = client.register_client(&RegisterClient::new("my-tool"))?;
/// println!("{}", registration.client_id);
/// # Ok::<(), ssooidc_ureq::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    transport: Transport,
    endpoint: Endpoint,
    config: Config,
    debug: Option<DebugSink>,
}

/// Where [`Client::with_debug_log`] sends its lines.
#[derive(Clone)]
pub struct DebugSink(pub Arc<dyn Fn(&str) + Send + Sync>);

impl DebugSink {
    /// A sink calling `f` for every line.
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        DebugSink(Arc::new(f))
    }
}

impl std::fmt::Debug for DebugSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DebugSink")
    }
}

impl Client {
    /// Builds a client: resolves the endpoint and sets up the HTTP agent.
    pub fn new(config: Config) -> Result<Self, Error> {
        let endpoint = config.resolve_endpoint()?;
        let transport = Transport::new(&config)?;
        Ok(Client {
            transport,
            endpoint,
            config,
            debug: None,
        })
    }

    /// Sends a log of every request and response to `sink`: method, URI, headers and body,
    /// with every secret (client secret, device code, tokens, codes, `Authorization`) redacted.
    pub fn with_debug_log(mut self, sink: DebugSink) -> Self {
        self.debug = Some(sink);
        self
    }

    /// The resolved endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// `RegisterClient`.
    pub fn register_client(&self, input: &RegisterClient) -> Result<RegisterClientOutput, Error> {
        self.call(input)
    }

    /// `StartDeviceAuthorization`.
    pub fn start_device_authorization(
        &self,
        input: &StartDeviceAuthorization,
    ) -> Result<StartDeviceAuthorizationOutput, Error> {
        self.call(input)
    }

    /// `CreateToken` (any grant).
    pub fn create_token(&self, input: &CreateToken) -> Result<CreateTokenOutput, Error> {
        self.call(input)
    }

    /// `CreateTokenWithIAM`, signed with SigV4 (`sso-oauth`, the client's region) using the
    /// configured [`Credentials`](crate::Credentials).
    pub fn create_token_with_iam(
        &self,
        input: &CreateTokenWithIam,
    ) -> Result<CreateTokenWithIamOutput, Error> {
        let operation = CreateTokenWithIam::NAME;
        let credentials = self
            .config
            .credentials
            .signing()
            .ok_or(ConfigError::NoCredentials)?;
        let region = self
            .config
            .region
            .as_deref()
            .ok_or(ConfigError::NoSigningRegion)?;
        let mut request = input
            .to_request(&self.endpoint)
            .map_err(|e| Error::Request {
                operation,
                message: e.to_string(),
            })?;
        sign(
            &mut request,
            &credentials,
            region,
            SIGNING_NAME,
            OffsetDateTime::now_utc(),
        )
        .map_err(|e| Error::Request {
            operation,
            message: e.to_string(),
        })?;
        let response = self.send(operation, request)?;
        CreateTokenWithIam::parse_response(&response)
            .map_err(|e| Error::from_response(operation, e))
    }

    /// Sends any unsigned operation and decodes its answer.
    pub fn call<O: Operation>(&self, input: &O) -> Result<O::Output, Error> {
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
        let response = self.send(O::NAME, request)?;
        O::parse_response(&response).map_err(|e| Error::from_response(O::NAME, e))
    }

    /// Sends a prepared request (for drivers of the core's state machines) and returns the raw
    /// response, its body capped.
    pub fn send(
        &self,
        operation: &'static str,
        mut request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        // Log the headers that go on the wire, not the core's placeholder user agent.
        self.transport.set_user_agent(&mut request);
        if let Some(DebugSink(log)) = &self.debug {
            log(&format!(
                "{operation} request: {} {}\n{}{}",
                request.method(),
                request.uri(),
                redact_headers(request.headers()),
                redact_body(request.body())
            ));
        }
        let started = std::time::Instant::now();
        let result = self
            .transport
            .send(request)
            .map_err(|f| transport_error(operation, self.transport.timeout, f));
        if let Some(DebugSink(log)) = &self.debug {
            match &result {
                Ok(response) => log(&format!(
                    "{operation} response after {:?}: {}\n{}{}",
                    started.elapsed(),
                    response.status(),
                    redact_headers(response.headers()),
                    redact_body(response.body())
                )),
                Err(e) => log(&format!(
                    "{operation} failed after {:?}: {e}",
                    started.elapsed()
                )),
            }
        }
        result
    }
}

pub(crate) fn transport_error(
    operation: &'static str,
    timeout: std::time::Duration,
    failure: TransportFailure,
) -> Error {
    match failure.kind {
        TransportFailureKind::Timeout => Error::Timeout { operation, timeout },
        TransportFailureKind::Error(kind) => Error::Transport {
            operation,
            kind,
            message: failure.message,
        },
    }
}
