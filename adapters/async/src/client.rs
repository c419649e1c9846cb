//! [`Client`]: one async method per operation (SSO OIDC's and the SSO portal's), over any
//! [`HttpSend`] and [`Timer`]. Each call is a [`Call`] machine of the core (which applies the
//! retry policy), or for a paginated list the core's [`Pages`] machine, driven by the one loop
//! of the `driver` module.

use std::hash::{BuildHasher, Hasher};

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
use ssooidc_core::settings::{CredentialSource, Settings, StaticKeys};
use ssooidc_core::wire::{Auth, USER_AGENT};
use ssooidc_core::{CallError, CredentialsError, Operation, TransportError};

use crate::driver::drive;
use crate::transport::{HttpSend, Timer};

/// An async AWS SSO OIDC client over any [`HttpSend`] (any HTTP client) and [`Timer`] (any
/// runtime).
///
/// Every call goes through the core's retry policy (the AWS SDKs' standard mode by default),
/// sleeping with the timer between attempts. The three public operations are sent unsigned, as
/// the service requires. Cancelling a call is dropping its future.
///
/// ```no_run
/// # #[cfg(all(feature = "reqwest", feature = "tokio"))]
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use ssooidc_async::{Client, TokioTimer};
/// use ssooidc_async::core::endpoint::{resolve, EndpointParams};
/// use ssooidc_async::core::operations::RegisterClient;
///
/// let endpoint = resolve(&EndpointParams::region("us-east-1"))?;
/// let http = ssooidc_async::reqwest_client_builder().build()?; // enable a reqwest TLS feature
/// let client = Client::new(http, TokioTimer, endpoint);
/// let registration = client.register_client(&RegisterClient::new("my-tool")).await?;
/// println!("{}", registration.client_id);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Client<T, R> {
    transport: T,
    timer: R,
    endpoint: Endpoint,
    retry: RetryPolicy,
    signing: Option<(StaticKeys, String)>,
    user_agent: http::HeaderValue,
}

/// A seed for retry jitter, from the OS-seeded hasher of std.
pub(crate) fn random_seed() -> u64 {
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

impl<T: HttpSend, R: Timer> Client<T, R> {
    /// A client sending through `transport` to `endpoint` (see
    /// [`ssooidc_core::endpoint::resolve`] for region, FIPS, dual-stack and overrides) and
    /// sleeping with `timer`, with the default retry policy and no credentials.
    pub fn new(transport: T, timer: R, endpoint: Endpoint) -> Self {
        let user_agent = format!("{USER_AGENT} ssooidc-async/{}", env!("CARGO_PKG_VERSION"));
        Client {
            transport,
            timer,
            endpoint,
            retry: RetryPolicy::default(),
            signing: None,
            user_agent: http::HeaderValue::from_str(&user_agent)
                .unwrap_or_else(|_| http::HeaderValue::from_static(USER_AGENT)),
        }
    }

    /// A client configured by resolved [`Settings`] (see [`ssooidc_core::settings::resolve`]):
    /// their endpoint, retry mode and attempts, and static credentials with the region to sign
    /// for. A `credential_process` is not run by this adapter: resolve it yourself and pass
    /// the keys with [`credentials`](Self::credentials). The transport's own settings (timeouts,
    /// proxy, CA bundle) are the HTTP client's.
    pub fn from_settings(transport: T, timer: R, settings: &Settings) -> Result<Self, ConfigError> {
        let endpoint = settings.resolve_endpoint(&settings.endpoint_params())?;
        let mut client =
            Self::new(transport, timer, endpoint).retry(RetryPolicy::new(settings.retry_config()));
        if let (Ok(source), Some(region)) = (&settings.credentials, &settings.region) {
            if let Some(keys) = source.static_keys() {
                client = client.credentials(keys.clone(), region.value.clone());
            } else if let CredentialSource::Process { .. } = source {
                return Err(ConfigError::UnsupportedCredentials {
                    profile: settings.profile.value.clone(),
                    setting: "credential_process",
                });
            }
        }
        Ok(client)
    }

    /// A client of the SSO portal for `region` (an sso-session's `sso_region`) by resolved
    /// [`Settings`]: the configured portal endpoint (`AWS_ENDPOINT_URL_SSO`, ...) or the
    /// region's `portal.sso` endpoint, and the settings' retries. The portal's calls are not
    /// signed: no credentials are needed.
    pub fn portal_from_settings(
        transport: T,
        timer: R,
        settings: &Settings,
        region: &str,
    ) -> Result<Self, ConfigError> {
        let endpoint = settings.resolve_portal_endpoint(region)?;
        Ok(Self::new(transport, timer, endpoint).retry(RetryPolicy::new(settings.retry_config())))
    }

    /// Sets the retry policy (clones of a policy share its quota).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the credentials that `CreateTokenWithIAM` is signed with, and the region to sign
    /// for.
    pub fn credentials(mut self, keys: StaticKeys, region: impl Into<String>) -> Self {
        self.signing = Some((keys, region.into()));
        self
    }

    /// The retry policy (shared by the client's clones).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The timer.
    pub fn timer(&self) -> &R {
        &self.timer
    }

    /// `RegisterClient`.
    pub async fn register_client(
        &self,
        input: &RegisterClient,
    ) -> Result<RegisterClientOutput, CallError> {
        self.call(input).await
    }

    /// `StartDeviceAuthorization`.
    pub async fn start_device_authorization(
        &self,
        input: &StartDeviceAuthorization,
    ) -> Result<StartDeviceAuthorizationOutput, CallError> {
        self.call(input).await
    }

    /// `CreateToken` (any grant: device code, refresh token, authorization code).
    pub async fn create_token(&self, input: &CreateToken) -> Result<CreateTokenOutput, CallError> {
        self.call(input).await
    }

    /// `CreateTokenWithIAM`, signed with SigV4 (signing name `sso-oauth`) with the client's
    /// [`credentials`](Self::credentials), afresh for each attempt.
    pub async fn create_token_with_iam(
        &self,
        input: &CreateTokenWithIam,
    ) -> Result<CreateTokenWithIamOutput, CallError> {
        self.call(input).await
    }

    /// The portal's `GetRoleCredentials` (on a client of the portal's endpoint, see
    /// [`portal_from_settings`](Self::portal_from_settings)).
    pub async fn get_role_credentials(
        &self,
        input: &GetRoleCredentials,
    ) -> Result<GetRoleCredentialsOutput, CallError> {
        self.call(input).await
    }

    /// Every page of the portal's `ListAccounts`, from `input`'s page on.
    pub async fn list_accounts(&self, input: &ListAccounts) -> Result<Vec<AccountInfo>, CallError> {
        self.paginate(input.clone()).await
    }

    /// Every page of the portal's `ListAccountRoles`, from `input`'s page on.
    pub async fn list_account_roles(
        &self,
        input: &ListAccountRoles,
    ) -> Result<Vec<RoleInfo>, CallError> {
        self.paginate(input.clone()).await
    }

    /// The portal's `Logout`: ends the access token's session on the server.
    pub async fn logout(&self, input: &Logout) -> Result<(), CallError> {
        self.call(input).await
    }

    /// Every page of a paginated operation, each page through the retry policy (the core's
    /// [`Pages`] machine).
    pub async fn paginate<O: Paginated>(&self, input: O) -> Result<Vec<O::Item>, CallError> {
        let mut pages = Pages::new(
            input,
            &self.endpoint,
            &self.retry,
            self.timer.now(),
            random_seed(),
        );
        drive(self, None, &mut pages, None, |never| match *never {})
            .await
            .unwrap_or_else(|stop| Err(stop.into_call_error(O::NAME)))
    }

    /// Sends any operation through the retry policy and decodes its answer.
    pub async fn call<O: Operation>(&self, input: &O) -> Result<O::Output, CallError>
    where
        O::Output: Clone,
    {
        let mut call = Call::new(
            input,
            &self.endpoint,
            &self.retry,
            self.timer.now(),
            random_seed(),
        );
        drive(self, None, &mut call, None, |never| match *never {})
            .await
            .unwrap_or_else(|stop| Err(stop.into_call_error(O::NAME)))
    }

    /// Sends what a machine transmitted: signs it when it must be signed, puts this client's
    /// `User-Agent` on it, and moves the bytes. The outer error is a request that could not be
    /// signed; the inner result is what the machine is fed.
    pub(crate) async fn transmit(
        &self,
        mut transmit: Transmit,
        keys: Option<&StaticKeys>,
    ) -> Result<Result<http::Response<Vec<u8>>, TransportError>, CallError> {
        if transmit.auth == Auth::SigV4 {
            let Some((own_keys, region)) = &self.signing else {
                return Err(CallError::Credentials {
                    operation: transmit.operation,
                    error: CredentialsError::missing(),
                });
            };
            transmit.sign(keys.unwrap_or(own_keys), region, self.timer.now_utc())?;
        }
        transmit
            .request
            .headers_mut()
            .insert(http::header::USER_AGENT, self.user_agent.clone());
        Ok(self.transport.send(transmit.request).await)
    }
}
