//! The AWS CLI's sessions: the rules as pure functions (which session a command works on, which
//! cache files it uses (token, registration, role credentials), the client name it registers,
//! the token cache entry a login writes, whether a cached token is refreshed), and the session
//! machines that carry them out for every adapter: [`TokenSession`] (a valid token: the cache,
//! the refresh under the cross-process lock, the fallbacks) and [`CredentialsSession`] (role
//! credentials through the AWS CLI's cache and the portal). The machines ask for file
//! operations ([`SessionIo`]) as they ask for requests; the adapters do the file I/O and the
//! HTTP, and every decision is here.

mod credentials;
mod error;
mod io;
mod login;
mod login_once;
mod oauth;
mod token;

pub use credentials::{
    CredentialsOutcome, CredentialsSession, CredentialsSessionInput, CredentialsSource,
};
pub use error::{describe, SessionError};
pub use io::{CacheDirectory, CacheFile, IoAnswer, LockAnswer, SessionIo, SessionMachine};
pub use login::role_credentials_keys_of;
pub use login_once::{login_turn, LoginTurn, AUTO_LOGIN_SETTING, FAILED_LOGIN_HOLD};
pub use oauth::{OAuthLogin, OAuthTokenInput, OAuthTokenOutcome, OAuthTokenSession};
pub use token::{TokenOutcome, TokenSession, TokenSessionInput, TokenSource, REFRESH_LOCK_WAIT};

use time::OffsetDateTime;

use crate::cache::{
    registration_cache_key, role_credentials_cache_key, token_cache_key, CachedToken,
};
use crate::config::{AwsConfig, ConfigError};
use crate::device::Token;
use crate::endpoint::Endpoint;
use crate::refresh::RefreshInput;

/// Which session to use.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionSelector {
    /// A profile of `~/.aws/config` (sso-session or legacy form).
    Profile(String),
    /// An `[sso-session NAME]` section.
    SsoSession(String),
    /// No config: a start URL and region given directly (cached like a legacy profile).
    StartUrl {
        /// The access-portal URL.
        start_url: String,
        /// The SSO region.
        region: String,
    },
}

impl SessionSelector {
    /// The command-line flags that select this session, for messages.
    pub fn as_flags(&self) -> String {
        match self {
            Self::Profile(p) => format!("--profile {p}"),
            Self::SsoSession(s) => format!("--sso-session {s}"),
            Self::StartUrl { start_url, region } => {
                format!("--start-url {start_url} --region {region}")
            }
        }
    }
}

/// Which login a session uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginFlow {
    /// The device-authorization grant ([`crate::device`]): a code to confirm in a browser on
    /// any device.
    DeviceCode,
    /// The authorization-code grant with PKCE ([`crate::authcode`]): a browser on this machine
    /// comes back to a loopback listener.
    AuthorizationCode,
}

impl LoginFlow {
    /// The AWS CLI's rule (`aws sso login`, CLI 2.22 and later;
    /// `docs/protocol/aws-cli.md#login-flow`): an sso-session logs in with the browser
    /// (authorization code + PKCE) unless `--use-device-code` is given; a legacy profile (or a
    /// bare start URL) always uses the device flow. `--no-browser` changes nothing here.
    ///
    /// ```
    /// use ssooidc_core::sessions::LoginFlow;
    /// assert_eq!(LoginFlow::choose(true, false), LoginFlow::AuthorizationCode);
    /// assert_eq!(LoginFlow::choose(true, true), LoginFlow::DeviceCode);
    /// assert_eq!(LoginFlow::choose(false, false), LoginFlow::DeviceCode);
    /// ```
    pub fn choose(is_sso_session: bool, use_device_code: bool) -> Self {
        if is_sso_session && !use_device_code {
            LoginFlow::AuthorizationCode
        } else {
            LoginFlow::DeviceCode
        }
    }
}

/// Which login the person asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlowRequest {
    /// None: the one that fits the host ([`LoginFlow::fit`]).
    #[default]
    Auto,
    /// The device login (`--use-device-code`).
    DeviceCode,
    /// The browser login (`--use-browser-login`), wherever it runs.
    Browser,
}

/// What the host offers a browser login, as the adapter finds it (the environment, the
/// platform).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Host {
    /// A remote shell: `SSH_CONNECTION` or `SSH_TTY` is set.
    pub remote_shell: bool,
    /// A graphical display: `DISPLAY` or `WAYLAND_DISPLAY` is set.
    pub display: bool,
    /// A browser command is named: `BROWSER` is set.
    pub browser_command: bool,
    /// The platform opens a browser without a display variable (macOS, Windows).
    pub desktop_platform: bool,
}

/// Why [`LoginFlow::fit`] chose the device login on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceBecause {
    /// A remote shell with no display: a browser on the person's own machine cannot come back
    /// to `127.0.0.1` on this one.
    RemoteWithoutDisplay,
    /// No display and no browser command (a server, a container).
    NoBrowser,
}

impl std::fmt::Display for DeviceBecause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DeviceBecause::RemoteWithoutDisplay => {
                "this is a remote shell with no display, where the browser login cannot come back to this machine"
            }
            DeviceBecause::NoBrowser => "there is no display and no BROWSER to open the browser login in",
        })
    }
}

impl LoginFlow {
    /// The login that fits the host: what was asked for, or else the AWS CLI's choice
    /// ([`LoginFlow::choose`]) unless the browser login cannot work here (a remote shell with
    /// no display; no display and no `BROWSER` on a platform that needs one), where the device
    /// login is chosen and the reason given. A legacy profile always uses the device login.
    ///
    /// ```
    /// use ssooidc_core::sessions::{DeviceBecause, FlowRequest, Host, LoginFlow};
    /// let ssh = Host { remote_shell: true, ..Host::default() };
    /// assert_eq!(LoginFlow::fit(true, FlowRequest::Auto, ssh), (LoginFlow::DeviceCode, Some(DeviceBecause::RemoteWithoutDisplay)));
    /// assert_eq!(LoginFlow::fit(true, FlowRequest::Browser, ssh), (LoginFlow::AuthorizationCode, None));
    /// let desktop = Host { display: true, ..Host::default() };
    /// assert_eq!(LoginFlow::fit(true, FlowRequest::Auto, desktop), (LoginFlow::AuthorizationCode, None));
    /// ```
    pub fn fit(
        is_sso_session: bool,
        request: FlowRequest,
        host: Host,
    ) -> (LoginFlow, Option<DeviceBecause>) {
        match request {
            _ if !is_sso_session => (LoginFlow::DeviceCode, None),
            FlowRequest::DeviceCode => (LoginFlow::DeviceCode, None),
            FlowRequest::Browser => (LoginFlow::AuthorizationCode, None),
            FlowRequest::Auto if host.browser_command => (LoginFlow::AuthorizationCode, None),
            FlowRequest::Auto if host.remote_shell && !host.display => (
                LoginFlow::DeviceCode,
                Some(DeviceBecause::RemoteWithoutDisplay),
            ),
            FlowRequest::Auto if !host.display && !host.desktop_platform => {
                (LoginFlow::DeviceCode, Some(DeviceBecause::NoBrowser))
            }
            FlowRequest::Auto => (LoginFlow::AuthorizationCode, None),
        }
    }
}

/// Everything the caches and the flows need to know about one session, resolved from the
/// config.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Session {
    /// How it was selected.
    pub selector: SessionSelector,
    /// The configured start URL (cache keys and the cached `startUrl` use it as written).
    pub start_url: String,
    /// The SSO region: the region of the OIDC and portal endpoints.
    pub region: String,
    /// The sso-session name; `None` for a legacy profile or a bare start URL.
    pub session_name: Option<String>,
    /// Registration scopes (`sso_registration_scopes`).
    pub scopes: Vec<String>,
    /// `sso_account_id` of the profile, when it has one.
    pub account_id: Option<String>,
    /// `sso_role_name` of the profile, when it has one.
    pub role_name: Option<String>,
    /// The token cache key.
    pub token_key: String,
}

impl Session {
    /// Resolves `selector` against a parsed config.
    pub fn resolve(selector: SessionSelector, config: &AwsConfig) -> Result<Self, ConfigError> {
        let (start_url, region, session_name, scopes, account_id, role_name) = match &selector {
            SessionSelector::Profile(name) => {
                let p = config.sso_profile(name)?;
                (
                    p.start_url,
                    p.region,
                    p.session.map(|s| s.name),
                    p.registration_scopes,
                    p.account_id,
                    p.role_name,
                )
            }
            SessionSelector::SsoSession(name) => {
                let s = config.sso_session(name)?;
                (
                    s.start_url,
                    s.region,
                    Some(s.name),
                    s.registration_scopes,
                    None,
                    None,
                )
            }
            SessionSelector::StartUrl { start_url, region } => (
                start_url.clone(),
                region.clone(),
                None,
                Vec::new(),
                None,
                None,
            ),
        };
        let token_key = token_cache_key(session_name.as_deref().unwrap_or(&start_url));
        Ok(Session {
            selector,
            start_url,
            region,
            session_name,
            scopes,
            account_id,
            role_name,
            token_key,
        })
    }

    /// The registration cache key (made when asked: only a refresh or a login reads the
    /// registration, and making the key costs a JSON document and a SHA-1).
    pub fn registration_key(&self) -> String {
        registration_cache_key(
            &self.start_url,
            &self.region,
            (!self.scopes.is_empty()).then_some(self.scopes.as_slice()),
            self.session_name.as_deref(),
        )
    }

    /// Sets the account and role of role credentials, over the profile's `sso_account_id` and
    /// `sso_role_name` (a command's `--account-id` / `--role-name`).
    pub fn with_role(mut self, account_id: Option<String>, role_name: Option<String>) -> Self {
        if account_id.is_some() {
            self.account_id = account_id;
        }
        if role_name.is_some() {
            self.role_name = role_name;
        }
        self
    }

    /// The account and role whose credentials this session's profile gives
    /// (`sso_account_id`, `sso_role_name`): both are needed, as for botocore's SSO credential
    /// provider, else [`ConfigError::MissingKey`].
    pub fn role(&self) -> Result<(&str, &str), ConfigError> {
        let missing = |key| ConfigError::MissingKey {
            section: self.section(),
            key,
        };
        let account = self
            .account_id
            .as_deref()
            .ok_or_else(|| missing("sso_account_id"))?;
        let role = self
            .role_name
            .as_deref()
            .ok_or_else(|| missing("sso_role_name"))?;
        Ok((account, role))
    }

    /// The role-credential cache key (`~/.aws/cli/cache/<key>.json`) of [`role`](Self::role):
    /// keyed by the sso-session name, or by the start URL for a legacy profile.
    pub fn role_credentials_key(&self) -> Result<String, ConfigError> {
        let (account, role) = self.role()?;
        Ok(role_credentials_cache_key(
            account,
            role,
            self.session_name.as_deref(),
            &self.start_url,
        ))
    }

    /// The config section this session comes from, for messages.
    fn section(&self) -> String {
        match &self.selector {
            SessionSelector::Profile(p) => format!("profile {p}"),
            SessionSelector::SsoSession(s) => format!("sso-session {s}"),
            SessionSelector::StartUrl { start_url, .. } => format!("the session of {start_url}"),
        }
    }

    /// Whether this is an sso-session (refreshable) rather than a legacy profile.
    pub fn is_sso_session(&self) -> bool {
        self.session_name.is_some()
    }

    /// The login this session uses ([`LoginFlow::choose`]).
    pub fn login_flow(&self, use_device_code: bool) -> LoginFlow {
        LoginFlow::choose(self.is_sso_session(), use_device_code)
    }

    /// The `clientName` of a new registration, as the AWS CLI names it:
    /// `botocore-client-<sso-session name>`, or `botocore-client-<unix seconds>` for a legacy
    /// profile.
    pub fn client_name(&self, wall_now: OffsetDateTime) -> String {
        match &self.session_name {
            Some(name) => format!("botocore-client-{name}"),
            None => format!("botocore-client-{}", wall_now.unix_timestamp()),
        }
    }

    /// The token cache entry a login writes: the configured start URL and region, the token,
    /// and the registration it was obtained with (which refreshing needs). `expiresAt` is kept
    /// to whole seconds, what the file holds, so the entry returned is the entry a later read
    /// gives.
    pub fn cache_entry(&self, token: Token) -> CachedToken {
        CachedToken {
            start_url: Some(self.start_url.clone()),
            region: Some(self.region.clone()),
            access_token: token.access_token,
            expires_at: token
                .expires_at
                .replace_nanosecond(0)
                .map_or(token.expires_at, Into::into),
            client_id: Some(token.registration.client_id.clone()),
            client_secret: Some(token.registration.client_secret.clone()),
            registration_expires_at: Some(token.registration.expires_at),
            refresh_token: token.refresh_token,
            extra: Default::default(),
        }
    }

    /// The refresh machine's input for this session's cached `token` at `endpoint` (legacy
    /// tokens are marked as never refreshed).
    pub fn refresh_input(&self, token: CachedToken, endpoint: Endpoint) -> RefreshInput {
        RefreshInput::new(token, endpoint)
            .session(self.start_url.clone(), self.region.clone())
            .sso_session(self.is_sso_session())
    }

    /// Whether `token` (this session's cached token) can be refreshed at `now`.
    pub fn is_refreshable(&self, token: &CachedToken, now: OffsetDateTime) -> bool {
        crate::refresh::is_refreshable(token, self.is_sso_session(), now)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_login_fits_the_host() {
        use super::{
            DeviceBecause::*,
            FlowRequest,
            FlowRequest::{Auto, Browser},
            Host, LoginFlow,
        };
        const DEVICE: LoginFlow = LoginFlow::DeviceCode;
        const BROWSER: LoginFlow = LoginFlow::AuthorizationCode;
        let host = |remote_shell, display, browser_command, desktop_platform| Host {
            remote_shell,
            display,
            browser_command,
            desktop_platform,
        };
        // (sso-session, request, host) -> flow, reason
        let table = [
            (true, Auto, host(false, true, false, false), BROWSER, None),
            (true, Auto, host(false, false, false, true), BROWSER, None),
            (
                true,
                Auto,
                host(true, false, false, false),
                DEVICE,
                Some(RemoteWithoutDisplay),
            ),
            (
                true,
                Auto,
                host(true, false, false, true),
                DEVICE,
                Some(RemoteWithoutDisplay),
            ),
            (true, Auto, host(true, true, false, false), BROWSER, None),
            (true, Auto, host(true, false, true, false), BROWSER, None),
            (
                true,
                Auto,
                host(false, false, false, false),
                DEVICE,
                Some(NoBrowser),
            ),
            (true, Auto, host(false, false, true, false), BROWSER, None),
            (
                true,
                Browser,
                host(true, false, false, false),
                BROWSER,
                None,
            ),
            (
                true,
                FlowRequest::DeviceCode,
                host(false, true, false, true),
                DEVICE,
                None,
            ),
            (false, Browser, host(false, true, false, true), DEVICE, None),
            (false, Auto, host(false, true, false, true), DEVICE, None),
        ];
        for (sso, request, h, flow, why) in table {
            assert_eq!(
                super::LoginFlow::fit(sso, request, h),
                (flow, why),
                "{sso} {request:?} {h:?}"
            );
        }
    }

    use super::*;

    const CONFIG: &str = "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n[sso-session my-sso]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n[profile legacy]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n";

    #[test]
    fn keys_and_names_follow_the_aws_cli() {
        let config = AwsConfig::parse(CONFIG).unwrap();
        let dev = Session::resolve(SessionSelector::Profile("dev".into()), &config).unwrap();
        assert_eq!(dev.token_key, "0ad374308c5a4e22f723adf10145eafad7c4031c");
        assert_eq!(
            dev.registration_key(),
            "a8343d65418848d0bc13a5f25cbb32508ceec5d1"
        );
        assert_eq!(
            dev.client_name(OffsetDateTime::UNIX_EPOCH),
            "botocore-client-my-sso"
        );
        assert_eq!(dev.account_id.as_deref(), Some("111122223333"));
        let legacy = Session::resolve(SessionSelector::Profile("legacy".into()), &config).unwrap();
        assert_eq!(legacy.token_key, "7487b5b67d5fa1132cf33fa93ae51ef38cc37752");
        assert_eq!(
            legacy.registration_key(),
            "365414a68be7c9bfc776c660981dbdbd942acea4"
        );
        assert_eq!(
            legacy.client_name(time::macros::datetime!(2026-01-15 12:00 UTC)),
            "botocore-client-1768478400"
        );
        assert!(!legacy.is_sso_session());
    }

    #[test]
    fn role_credentials_need_both_settings_and_follow_the_clis_key() {
        let config = AwsConfig::parse(CONFIG).unwrap();
        let dev = Session::resolve(SessionSelector::Profile("dev".into()), &config).unwrap();
        assert_eq!(dev.role().unwrap(), ("111122223333", "ReadOnly"));
        assert_eq!(
            dev.role_credentials_key().unwrap(),
            role_credentials_cache_key("111122223333", "ReadOnly", Some("my-sso"), "x")
        );
        let legacy = Session::resolve(SessionSelector::Profile("legacy".into()), &config).unwrap();
        assert_eq!(
            legacy.role(),
            Err(ConfigError::MissingKey {
                section: "profile legacy".into(),
                key: "sso_account_id"
            })
        );
        let legacy = legacy.with_role(Some("123456789012".into()), Some("ReadOnly".into()));
        assert_eq!(
            legacy.role_credentials_key().unwrap(),
            "30bbb2b1278a4c1fb1b943c46c1ef6501807f657",
            "the legacy key hashes the start URL (caches.md vector)"
        );
        let session = Session::resolve(SessionSelector::SsoSession("my-sso".into()), &config)
            .unwrap()
            .with_role(Some("123456789012".into()), None);
        assert_eq!(
            session.role().unwrap_err().to_string(),
            "sso-session my-sso is missing the required setting `sso_role_name`"
        );
    }

    #[test]
    fn legacy_tokens_are_never_refreshable() {
        let config = AwsConfig::parse(CONFIG).unwrap();
        let token = CachedToken::from_json(br#"{"accessToken":"a","expiresAt":"2026-01-15T12:05:00Z","clientId":"c","clientSecret":"s","registrationExpiresAt":"2026-04-01T00:00:00Z","refreshToken":"r"}"#).unwrap();
        let now = time::macros::datetime!(2026-01-15 12:00 UTC);
        let dev = Session::resolve(SessionSelector::SsoSession("my-sso".into()), &config).unwrap();
        assert!(dev.is_refreshable(&token, now));
        let legacy = Session::resolve(SessionSelector::Profile("legacy".into()), &config).unwrap();
        assert!(!legacy.is_refreshable(&token, now));
        let mut no_rt = token.clone();
        no_rt.refresh_token = None;
        assert!(!dev.is_refreshable(&no_rt, now));
    }
}
