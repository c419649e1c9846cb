//! [`Client`]: one blocking method per operation (SSO OIDC's and the SSO portal's), each a
//! [`Call`] machine of the core (which applies the retry policy), or for a paginated list the
//! core's [`Pages`] machine, driven by the one loop of the `driver` module.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use ssooidc_core::config::ConfigError;
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::machine::Pages;
use ssooidc_core::machine::{Call, Transmit};
use ssooidc_core::operations::{
    CreateToken, CreateTokenOutput, CreateTokenWithIam, CreateTokenWithIamOutput, RegisterClient,
    RegisterClientOutput, StartDeviceAuthorization, StartDeviceAuthorizationOutput,
};
use ssooidc_core::portal::{
    AccountInfo, GetRoleCredentials, GetRoleCredentialsOutput, ListAccountRoles, ListAccounts,
    Logout, Paginated, RoleInfo,
};
use ssooidc_core::retry::RetryPolicy;
use ssooidc_core::settings::StaticKeys;
use ssooidc_core::wire::{redact_body, redact_headers, Auth};
use ssooidc_core::{CallError, Operation, TransportError};
use time::OffsetDateTime;

use crate::config::Config;
use crate::credentials::Signer;
use crate::driver::drive;
use crate::transport::Transport;

/// A blocking AWS SSO OIDC client over ureq.
///
/// Every call goes through the core's retry policy (the AWS SDKs' standard mode by default:
/// 3 attempts, jittered backoff, a client-wide retry quota). The three public operations are
/// sent unsigned, as the service requires.
///
/// ```no_run
/// use ssooidc_ureq::{Client, Config};
/// use ssooidc_ureq::core::operations::RegisterClient;
/// let client = Client::new(Config::new("us-east-1"))?;
/// let registration = client.register_client(&RegisterClient::new("my-tool"))?;
/// println!("{}", registration.client_id);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    transport: Transport,
    endpoint: Endpoint,
    config: Config,
    retry: RetryPolicy,
    signer: Signer,
    debug: Option<DebugSink>,
    wait_notice: Option<WaitNotice>,
}

/// Where [`Client::with_debug_log`] sends its lines.
#[derive(Clone)]
pub struct DebugSink(pub Arc<dyn Fn(&str) + Send + Sync>);

impl DebugSink {
    /// A sink calling `f` for every line.
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        DebugSink(Arc::new(f))
    }

    /// Writes `line`, with every secret this process has handled redacted by value
    /// ([`crate::secrets`]), on top of the redaction by name the line already had.
    pub fn log(&self, line: &str) {
        (self.0)(&crate::secrets::redact(line));
    }
}

impl std::fmt::Debug for DebugSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DebugSink")
    }
}

/// Told when a client is about to wait [`WAIT_NOTICE`] or longer before trying a failed request
/// again (not the ordinary pace of polling): the operation and the wait. See
/// [`Client::with_wait_notice`].
#[derive(Clone)]
pub struct WaitNotice(Arc<dyn Fn(&'static str, std::time::Duration) + Send + Sync>);

impl WaitNotice {
    /// A notice calling `f` with the operation that failed and how long the wait is.
    pub fn new(f: impl Fn(&'static str, std::time::Duration) + Send + Sync + 'static) -> Self {
        WaitNotice(Arc::new(f))
    }

    pub(crate) fn tell(&self, operation: &'static str, wait: std::time::Duration) {
        (self.0)(operation, wait);
    }
}

impl std::fmt::Debug for WaitNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WaitNotice")
    }
}

/// Retry waits this long or longer are announced to a [`WaitNotice`].
pub const WAIT_NOTICE: std::time::Duration = std::time::Duration::from_secs(1);

/// A seed for retry jitter, from the OS-seeded hasher of std.
pub(crate) fn random_seed() -> u64 {
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

impl Client {
    /// Builds a client: resolves the endpoint and sets up the HTTP agent (proxy, CA bundle,
    /// timeouts).
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let endpoint = config.resolve_endpoint()?;
        Self::with_endpoint(config, endpoint)
    }

    /// A client of the SSO portal for `region` (an sso-session's `sso_region`): the configured
    /// portal endpoint (`AWS_ENDPOINT_URL_SSO`, `sso` in the profile's services section...) or
    /// the region's `portal.sso` endpoint, with FIPS and dual-stack as configured.
    pub fn portal(config: Config, region: &str) -> Result<Self, ConfigError> {
        let endpoint = config.settings.resolve_portal_endpoint(region)?;
        Self::with_endpoint(config, endpoint)
    }

    /// A client for `endpoint`, with `config`'s transport settings, retries and credentials.
    pub fn with_endpoint(config: Config, endpoint: Endpoint) -> Result<Self, ConfigError> {
        let transport = Transport::new(&config)?;
        let settings = &config.settings;
        let retry = RetryPolicy::new(settings.retry_config());
        let signer = Signer::new(
            settings.credentials.clone(),
            settings.profile.value.clone(),
            config.credential_process_timeout,
        );
        Ok(Client {
            transport,
            endpoint,
            retry,
            signer,
            config,
            debug: None,
            wait_notice: None,
        })
    }

    /// A client for an OAuth 2.0 provider at `url` ([`crate::oauth`]), with `config`'s
    /// transport settings (timeouts, proxy, CA bundle), retries and debug log. The standard
    /// dialect's requests carry their full URLs; the client's endpoint is the URL's origin.
    pub fn for_provider(
        config: Config,
        url: &ssooidc_core::oauth::ProviderUrl,
    ) -> Result<Self, ConfigError> {
        let endpoint = Endpoint::parse(&url.origin()).map_err(ConfigError::Endpoint)?;
        Self::with_endpoint(config, endpoint)
    }

    /// Sends a log of every request and response to `sink`: method, URI, headers and body,
    /// with every secret (client secret, device code, tokens, codes, `Authorization`) redacted.
    pub fn with_debug_log(mut self, sink: DebugSink) -> Self {
        self.debug = Some(sink);
        self
    }

    /// Tells `notice` before every wait of [`WAIT_NOTICE`] or longer to retry a failed request,
    /// so that a person does not watch a silent terminal.
    pub fn with_wait_notice(mut self, notice: WaitNotice) -> Self {
        self.wait_notice = Some(notice);
        self
    }

    /// The wait notice, when one is set.
    pub(crate) fn wait_notice(&self) -> Option<&WaitNotice> {
        self.wait_notice.as_ref()
    }

    /// The debug sink, when one is set.
    pub fn debug_log(&self) -> Option<&DebugSink> {
        self.debug.as_ref()
    }

    /// The resolved endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The retry policy (shared by the client's clones).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// `RegisterClient`.
    pub fn register_client(
        &self,
        input: &RegisterClient,
    ) -> Result<RegisterClientOutput, CallError> {
        self.call(input)
    }

    /// `StartDeviceAuthorization`.
    pub fn start_device_authorization(
        &self,
        input: &StartDeviceAuthorization,
    ) -> Result<StartDeviceAuthorizationOutput, CallError> {
        self.call(input)
    }

    /// `CreateToken` (any grant).
    pub fn create_token(&self, input: &CreateToken) -> Result<CreateTokenOutput, CallError> {
        self.call(input)
    }

    /// `CreateTokenWithIAM`, signed with SigV4 (`sso-oauth`, the client's region) using the
    /// resolved credentials (static keys, or the profile's `credential_process`).
    pub fn create_token_with_iam(
        &self,
        input: &CreateTokenWithIam,
    ) -> Result<CreateTokenWithIamOutput, CallError> {
        self.call(input)
    }

    /// The portal's `GetRoleCredentials` (on a [`portal`](Self::portal) client).
    pub fn get_role_credentials(
        &self,
        input: &GetRoleCredentials,
    ) -> Result<GetRoleCredentialsOutput, CallError> {
        self.call(input)
    }

    /// Every page of the portal's `ListAccounts`, from `input`'s page on.
    pub fn list_accounts(&self, input: &ListAccounts) -> Result<Vec<AccountInfo>, CallError> {
        self.paginate(input.clone())
    }

    /// Every page of the portal's `ListAccountRoles`, from `input`'s page on.
    pub fn list_account_roles(&self, input: &ListAccountRoles) -> Result<Vec<RoleInfo>, CallError> {
        self.paginate(input.clone())
    }

    /// The portal's `Logout`: ends the access token's session on the server.
    pub fn logout(&self, input: &Logout) -> Result<(), CallError> {
        self.call(input)
    }

    /// Every page of a paginated operation, each page through the retry policy (the core's
    /// [`Pages`] machine).
    pub fn paginate<O: Paginated>(&self, input: O) -> Result<Vec<O::Item>, CallError> {
        let mut pages = Pages::new(
            input,
            &self.endpoint,
            &self.retry,
            std::time::Instant::now(),
            random_seed(),
        );
        drive(self, None, &mut pages, None, |never| match *never {})
            .unwrap_or_else(|stop| Err(stop.into_call_error(O::NAME)))
    }

    /// Sends any operation through the retry policy and decodes its answer. A signed operation
    /// is signed with the client's credentials, afresh for each attempt.
    pub fn call<O: Operation>(&self, input: &O) -> Result<O::Output, CallError>
    where
        O::Output: Clone,
    {
        let keys = match O::AUTH {
            Auth::None => None,
            _ => Some(self.signing_keys(O::NAME)?),
        };
        let mut call = Call::new(
            input,
            &self.endpoint,
            &self.retry,
            std::time::Instant::now(),
            random_seed(),
        );
        drive(
            self,
            keys.as_ref(),
            &mut call,
            None,
            |never| match *never {},
        )
        .unwrap_or_else(|stop| Err(stop.into_call_error(O::NAME)))
    }

    /// The keys to sign `operation` with.
    pub(crate) fn signing_keys(&self, operation: &'static str) -> Result<StaticKeys, CallError> {
        self.signer
            .keys(OffsetDateTime::now_utc())
            .map_err(|error| CallError::Credentials {
                operation,
                error: error.into(),
            })
    }

    /// Sends what a machine transmitted: signs it when it must be signed, puts this client's
    /// `User-Agent` on it, logs it (redacted) and moves the bytes. The outer error is a request
    /// that could not be signed; the inner result is what the machine is fed.
    pub(crate) fn transmit(
        &self,
        mut transmit: Transmit,
        keys: Option<&StaticKeys>,
    ) -> Result<Result<http::Response<Vec<u8>>, TransportError>, CallError> {
        if transmit.auth == Auth::SigV4 {
            let operation = transmit.operation;
            let keys = match keys {
                Some(keys) => keys.clone(),
                None => self.signing_keys(operation)?,
            };
            let region = self
                .config
                .settings
                .region()
                .map_err(|error| CallError::Credentials {
                    operation,
                    error: error.into(),
                })?;
            crate::secrets::remember(&keys.secret_access_key);
            if let Some(token) = &keys.session_token {
                crate::secrets::remember(token);
            }
            transmit.sign(&keys, region, OffsetDateTime::now_utc())?;
        }
        Ok(self.send(transmit.operation, transmit.request))
    }

    /// Sends a prepared request and returns the raw response, its body capped. The request is
    /// logged (redacted) when a debug sink is set.
    pub fn send(
        &self,
        operation: &'static str,
        mut request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        // Log the headers that go on the wire, not the core's placeholder user agent.
        self.transport.set_user_agent(&mut request);
        crate::secrets::remember_headers(request.headers());
        crate::secrets::remember_body(request.body());
        if let Some(sink) = &self.debug {
            sink.log(&format!(
                "{operation} request: {} {}\n{}{}",
                request.method(),
                request.uri(),
                redact_headers(request.headers()),
                redact_body(request.body())
            ));
        }
        let started = std::time::Instant::now();
        let result = self.transport.send(request);
        if let Ok(response) = &result {
            crate::secrets::remember_headers(response.headers());
            crate::secrets::remember_body(response.body());
        }
        if let Some(sink) = &self.debug {
            match &result {
                Ok(response) => sink.log(&format!(
                    "{operation} response after {:?}: {}\n{}{}",
                    started.elapsed(),
                    response.status(),
                    redact_headers(response.headers()),
                    redact_body(response.body())
                )),
                Err(e) => sink.log(&format!(
                    "{operation} failed after {:?}: {e}",
                    started.elapsed()
                )),
            }
        }
        result
    }
}
