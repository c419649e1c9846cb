//! [`SsoProvider`]: the SDK's `ProvideCredentials` and `ProvideToken` over the async sessions.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use aws_credential_types::provider::error::{CredentialsError, TokenError};
use aws_credential_types::provider::token::ProvideToken;
use aws_credential_types::provider::{future, ProvideCredentials};
use aws_credential_types::{Credentials, Token};
use ssooidc_async::core::config::ConfigError;
use ssooidc_async::core::settings::Explicit;
use ssooidc_async::session::{SessionError, SessionSelector, Sessions};
use ssooidc_async::{LoginOptions, TokioTimer};
use ssooidc_files::Environment;

use crate::http::{self, HttpSetupError};
use crate::login::{login_once, LoginCallback, LoginPrompt, SharedLogins};

/// The name the credentials carry as their provider (`Credentials::provider_name` is shown in
/// the SDK's `Debug` of them and its logs).
pub const PROVIDER_NAME: &str = "ssooidc";

type AsyncSessions = Sessions<reqwest::Client, TokioTimer>;

/// Role credentials and the SSO bearer token of a profile, for the AWS SDK for Rust, with the
/// AWS CLI's caches and rules: the SSO token cache (`~/.aws/sso/cache`), refreshed under the
/// cross-process lock when it has less than 15 minutes left; the role-credential cache
/// (`~/.aws/cli/cache`), where `aws` and botocore look too; and, when the program gives a
/// [login callback](SsoProviderBuilder::login), a login when the session cannot be refreshed —
/// one login for every provider and `ssooidc` command that needs it at the same time.
///
/// It implements [`ProvideCredentials`] (the profile's `sso_account_id` and `sso_role_name`)
/// and [`ProvideToken`] (the bearer token of the profile's session). Give it to
/// `aws_config::from_env().credentials_provider(...)` (or `.token_provider(...)`); the SDK's
/// identity cache then asks it again only when the credentials come near their expiry.
/// Cloning it is cheap: the clones share the HTTP client and the loaded configuration.
///
/// ```no_run
/// # async fn f() {
/// let provider = ssooidc_aws_sdk::SsoProvider::builder()
///     .profile_name("dev")
///     .login(|prompt| eprintln!("{prompt}"))
///     .build();
/// # let _ = provider;
/// # }
/// ```
#[derive(Clone)]
pub struct SsoProvider {
    inner: Arc<Inner>,
}

struct Inner {
    profile: Option<String>,
    sso_session: Option<String>,
    env: Option<HashMap<String, String>>,
    login: Option<LoginCallback>,
    options: LoginOptions,
    http: Option<reqwest::Client>,
    /// The sessions, made on first use (configuration read once, as the SDK's providers do).
    sessions: Mutex<Option<AsyncSessions>>,
    /// The logins on demand running for this provider and its clones.
    logins: SharedLogins,
}

impl fmt::Debug for SsoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("SsoProvider")
            .field("profile", &inner.profile)
            .field("sso_session", &inner.sso_session)
            .field("env", &inner.env.as_ref().map(|_| "explicit"))
            .field("login", &inner.login.is_some())
            .field("use_device_code", &inner.options.use_device_code)
            .finish_non_exhaustive()
    }
}

/// Builds an [`SsoProvider`].
#[derive(Default)]
pub struct SsoProviderBuilder {
    profile: Option<String>,
    sso_session: Option<String>,
    env: Option<HashMap<String, String>>,
    login: Option<LoginCallback>,
    options: LoginOptions,
    http: Option<reqwest::Client>,
}

impl fmt::Debug for SsoProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoProviderBuilder")
            .field("profile", &self.profile)
            .field("sso_session", &self.sso_session)
            .field("login", &self.login.is_some())
            .finish_non_exhaustive()
    }
}

impl SsoProviderBuilder {
    /// The profile, as the SDK chooses it when not set: `AWS_PROFILE`, else `default`.
    pub fn profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// For [`ProvideToken`] only: the token of this `[sso-session NAME]` instead of the
    /// profile's session.
    pub fn sso_session(mut self, name: impl Into<String>) -> Self {
        self.sso_session = Some(name.into());
        self
    }

    /// Reads these variables instead of the process's environment (`HOME`,
    /// `AWS_CONFIG_FILE`, `AWS_PROFILE`, endpoints, proxies...).
    pub fn env(mut self, vars: HashMap<String, String>) -> Self {
        self.env = Some(vars);
        self
    }

    /// Logs in when the session cannot be refreshed (never logged in, expired, logged out),
    /// instead of failing: `callback` is shown what the user must do ([`LoginPrompt`]: a URL
    /// to open, and the code for the device login), then the provider waits for the login.
    /// However many providers and `ssooidc` commands need the session at once, in this
    /// process or others, one of them logs in and the others use its token. Without a
    /// callback, such a failure is the SDK's usual provider error, whose message says how to
    /// log in.
    pub fn login(mut self, callback: impl Fn(&LoginPrompt) + Send + Sync + 'static) -> Self {
        self.login = Some(Arc::new(callback));
        self
    }

    /// Logs in with the device code even for an sso-session profile, as `aws sso login
    /// --use-device-code` does (the browser login is the default there; a legacy profile
    /// always uses the device code).
    pub fn use_device_code(mut self, yes: bool) -> Self {
        self.options.use_device_code = yes;
        self
    }

    /// The login's options (a [`CancelToken`](ssooidc_async::core::CancelToken) to stop a
    /// login from elsewhere, the flows' policy knobs); `use_device_code` is theirs too.
    pub fn login_options(mut self, options: LoginOptions) -> Self {
        self.options = options;
        self
    }

    /// The HTTP client of the calls to IAM Identity Center. By default one is made from the
    /// settings (`ca_bundle`, timeouts) and the proxy variables.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The provider. The configuration is read at its first use; a problem with it is an
    /// error of that use.
    pub fn build(self) -> SsoProvider {
        SsoProvider {
            inner: Arc::new(Inner {
                profile: self.profile,
                sso_session: self.sso_session,
                env: self.env,
                login: self.login,
                options: self.options,
                http: self.http,
                sessions: Mutex::new(None),
                logins: SharedLogins::default(),
            }),
        }
    }
}

/// Why the provider gave nothing; the `source` of the SDK's error.
#[derive(Debug, thiserror::Error)]
enum ProviderError {
    /// The session needs a login and the program gave no login callback, or another process's
    /// login did not complete.
    #[error("{source}; run `aws sso login {flags}` or `ssooidc login {flags}` to log in")]
    NeedsLogin {
        source: Arc<SessionError>,
        flags: String,
    },
    #[error(transparent)]
    Session(Arc<SessionError>),
    #[error(transparent)]
    Http(HttpSetupError),
    /// Called outside a tokio runtime (the SDK's own always is one).
    #[error("the ssooidc provider must run on a tokio runtime (with its time driver), as the AWS SDK does")]
    NoRuntime,
}

impl From<SessionError> for ProviderError {
    fn from(e: SessionError) -> Self {
        ProviderError::Session(Arc::new(e))
    }
}

/// Which of the SDK's error kinds a failure is.
enum Kind {
    /// The profile is not one this provider serves (no such profile, no SSO settings): a
    /// provider chain goes on to its next provider.
    NotLoaded,
    /// The configuration is broken.
    InvalidConfiguration,
    /// Anything else: no login, a refused token, the network, the cache.
    Provider,
}

impl ProviderError {
    fn kind(&self) -> Kind {
        match self {
            ProviderError::Session(e) => match &**e {
                SessionError::Config(ConfigError::ProfileNotFound(_) | ConfigError::NotSso(_)) => {
                    Kind::NotLoaded
                }
                SessionError::Config(_) => Kind::InvalidConfiguration,
                _ => Kind::Provider,
            },
            ProviderError::Http(_) | ProviderError::NoRuntime => Kind::InvalidConfiguration,
            ProviderError::NeedsLogin { .. } => Kind::Provider,
        }
    }

    fn into_credentials_error(self) -> CredentialsError {
        match self.kind() {
            Kind::NotLoaded => CredentialsError::not_loaded(self),
            Kind::InvalidConfiguration => CredentialsError::invalid_configuration(self),
            Kind::Provider => CredentialsError::provider_error(self),
        }
    }

    fn into_token_error(self) -> TokenError {
        match self.kind() {
            Kind::NotLoaded => TokenError::not_loaded(self),
            Kind::InvalidConfiguration => TokenError::invalid_configuration(self),
            Kind::Provider => TokenError::provider_error(self),
        }
    }
}

impl SsoProvider {
    /// A builder.
    pub fn builder() -> SsoProviderBuilder {
        SsoProviderBuilder::default()
    }

    /// A provider of `AWS_PROFILE`'s (else `default`'s) role credentials, from the process's
    /// environment, with no login on demand.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// The sessions, made on first use. Their timer and the logins' tasks are tokio's: called
    /// outside a tokio runtime, this is an error rather than a panic in the first wait.
    fn sessions(&self) -> Result<AsyncSessions, ProviderError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ProviderError::NoRuntime);
        }
        let mut slot = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(sessions) = &*slot {
            return Ok(sessions.clone());
        }
        let environment = match &self.inner.env {
            Some(env) => Environment::from_env(env.clone()),
            None => Environment::load(),
        }
        .map_err(|e| ProviderError::from(SessionError::from(e)))?;
        // The SDK's choice of profile: `AWS_PROFILE` (not botocore's `AWS_DEFAULT_PROFILE`).
        let profile = self
            .inner
            .profile
            .clone()
            .or_else(|| {
                environment
                    .env
                    .get("AWS_PROFILE")
                    .filter(|p| !p.is_empty())
                    .cloned()
            })
            .unwrap_or_else(|| "default".to_owned());
        let explicit = Explicit::default().profile(profile);
        let http = match &self.inner.http {
            Some(client) => client.clone(),
            None => {
                let settings = environment
                    .settings(&explicit)
                    .map_err(|e| ProviderError::from(SessionError::from(e)))?;
                http::client(&settings, &environment.env).map_err(ProviderError::Http)?
            }
        };
        let sessions = Sessions::new(environment, &explicit, http, TokioTimer)?;
        *slot = Some(sessions.clone());
        Ok(sessions)
    }

    /// Runs `operation`; when it fails with an error a login cures, logs in once for
    /// everyone (with the login callback; [`SharedLogins`]: in a task of its own, which a
    /// caller that stops waiting does not cancel) and runs it once more, or says how to log in.
    async fn with_login<O, F, Fut>(
        &self,
        sessions: &AsyncSessions,
        selector: SessionSelector,
        operation: F,
    ) -> Result<O, ProviderError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<O, SessionError>>,
    {
        let needs_login = |source: Arc<SessionError>| ProviderError::NeedsLogin {
            flags: selector.as_flags(),
            source,
        };
        match operation().await {
            Ok(out) => Ok(out),
            Err(e) if e.needs_login() => {
                let Some(callback) = &self.inner.login else {
                    return Err(needs_login(Arc::new(e)));
                };
                let login = {
                    let (sessions, selector) = (sessions.clone(), selector.clone());
                    let (options, callback) = (self.inner.options.clone(), Arc::clone(callback));
                    async move { login_once(&sessions, selector, options, &callback).await }
                };
                self.inner
                    .logins
                    .wait(selector.as_flags(), login)
                    .await
                    .map_err(|e| match &*e {
                        SessionError::LoginFailedElsewhere { .. } => needs_login(e),
                        _ => ProviderError::Session(e),
                    })?;
                Ok(operation().await?)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The profile's role credentials.
    async fn credentials(&self) -> Result<Credentials, ProviderError> {
        let sessions = self.sessions()?;
        let selector = sessions.selector(None);
        let got = self
            .with_login(&sessions, selector.clone(), || {
                sessions.role_credentials(selector.clone())
            })
            .await?;
        log_warnings(&got.warnings);
        let cached = got.credentials;
        let keys = cached.keys;
        let mut builder = Credentials::builder()
            .access_key_id(keys.access_key_id)
            .secret_access_key(keys.secret_access_key.expose())
            .expiry(SystemTime::from(cached.expiration.get()))
            .provider_name(PROVIDER_NAME);
        if let Some(token) = &keys.session_token {
            builder = builder.session_token(token.expose());
        }
        if let Some(account) = cached.account_id {
            builder = builder.account_id(account);
        }
        Ok(builder.build())
    }

    /// The session's bearer token.
    async fn token(&self) -> Result<Token, ProviderError> {
        let sessions = self.sessions()?;
        let selector = sessions.selector(self.inner.sso_session.as_deref());
        let got = self
            .with_login(&sessions, selector.clone(), || {
                sessions.token(selector.clone())
            })
            .await?;
        log_warnings(&got.warnings);
        Ok(Token::new(
            got.token.access_token.expose(),
            Some(SystemTime::from(got.token.expires_at.get())),
        ))
    }
}

/// The sessions' warnings (a corrupt cache file, a failed refresh with a token still valid),
/// where the SDK's own go.
fn log_warnings(warnings: &[String]) {
    for warning in warnings {
        tracing::warn!(provider = PROVIDER_NAME, "{warning}");
    }
}

impl Default for SsoProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for SsoProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(ProviderError::into_credentials_error)
        })
    }
}

impl ProvideToken for SsoProvider {
    fn provide_token<'a>(&'a self) -> future::ProvideToken<'a>
    where
        Self: 'a,
    {
        future::ProvideToken::new(async move {
            self.token().await.map_err(ProviderError::into_token_error)
        })
    }
}
