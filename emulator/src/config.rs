//! [`Config`]: every knob of the emulator, with the real service's defaults.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::faults::FaultRule;
use crate::service::OAuthMode;

/// Ninety days in seconds: the observed lifetime of a client registration (spec 2.1).
pub const NINETY_DAYS: u32 = 90 * 24 * 60 * 60;

/// How the emulator decides on device authorizations and `/authorize` requests when nobody
/// clicks in a browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Approval {
    /// A person (or a test through [`RunningEmulator::approve`](crate::RunningEmulator::approve)
    /// / [`deny`](crate::RunningEmulator::deny)) decides on the verification page. `/authorize`
    /// shows a consent page with *Approve* / *Deny* buttons.
    #[default]
    Manual,
    /// Each device code answers `authorization_pending` to its first `N` polls and is approved
    /// at poll `N + 1` (`0`: approved at once). `/authorize` redirects with a code at once.
    ApproveAfterPolls(u32),
    /// A device code is approved once this much real time has passed since
    /// `StartDeviceAuthorization`. `/authorize` redirects with a code at once.
    ApproveAfterDelay(Duration),
    /// Each device code answers `authorization_pending` to its first `N` polls, then is denied
    /// (`AccessDeniedException` from then on). `/authorize` redirects with
    /// `error=access_denied` at once.
    DenyAfterPolls(u32),
}

/// When `CreateToken` returns a refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RefreshTokenPolicy {
    /// Only when the client registered with at least one scope (spec 6.7's inference about the
    /// real service).
    #[default]
    WhenScoped,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// An AWS account the emulated portal assigns to every user, with the roles (permission sets)
/// they may take in it.
///
/// ```
/// use ssooidc_emulator::PortalAccount;
/// let a: PortalAccount = "111122223333:Development=ReadOnly,AdministratorAccess".parse().unwrap();
/// assert_eq!(a.account_name, "Development");
/// assert_eq!(a.roles, ["ReadOnly", "AdministratorAccess"]);
/// let b: PortalAccount = "444455556666=ReadOnly".parse().unwrap();
/// assert_eq!(b.account_name, "444455556666");
/// assert!("123=".parse::<PortalAccount>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortalAccount {
    /// The account id.
    pub account_id: String,
    /// Its display name.
    pub account_name: String,
    /// Its email address.
    pub email_address: String,
    /// The roles that may be taken in it.
    pub roles: Vec<String>,
}

impl PortalAccount {
    /// An account named `name` with `roles`; its email address is made up from the name.
    pub fn new<I, S>(account_id: impl Into<String>, name: impl Into<String>, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let account_name = name.into();
        PortalAccount {
            account_id: account_id.into(),
            email_address: format!(
                "{}@example.com",
                account_name.to_ascii_lowercase().replace(' ', "-")
            ),
            account_name,
            roles: roles.into_iter().map(Into::into).collect(),
        }
    }
}

impl std::str::FromStr for PortalAccount {
    type Err = String;

    /// `ID[:NAME]=ROLE[,ROLE...]`, as `--account` takes it.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid account {s:?}: expected ID[:NAME]=ROLE[,ROLE...]");
        let (account, roles) = s.split_once('=').ok_or_else(bad)?;
        let (id, name) = account.split_once(':').unwrap_or((account, account));
        let roles: Vec<&str> = roles
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .collect();
        if id.trim().is_empty() || roles.is_empty() {
            return Err(bad());
        }
        Ok(PortalAccount::new(id.trim(), name.trim(), roles))
    }
}

/// The accounts of [`Config::default`]: `111122223333` (Development: `ReadOnly`,
/// `AdministratorAccess`) and `444455556666` (Production: `ReadOnly`).
pub fn default_accounts() -> Vec<PortalAccount> {
    vec![
        PortalAccount::new(
            "111122223333",
            "Development",
            ["ReadOnly", "AdministratorAccess"],
        ),
        PortalAccount::new("444455556666", "Production", ["ReadOnly"]),
    ]
}

/// Configuration of an [`Emulator`](crate::Emulator). Every lifetime and interval is in
/// *protocol seconds*: the numbers on the wire. [`Config::second`] says how long one of them
/// really lasts.
///
/// ```
/// use std::time::Duration;
/// use ssooidc_emulator::{Approval, Config};
///
/// let config = Config::default()
///     .second(Duration::from_millis(10)) // 600 s of code lifetime = 6 real seconds
///     .approval(Approval::ApproveAfterPolls(2));
/// assert_eq!(config.interval, 1);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Address to bind. Default `127.0.0.1`.
    pub host: IpAddr,
    /// Port to bind; `0` picks a free one. Default `0`.
    pub port: u16,
    /// Region name, embedded in client ids as the real service does. Default `us-east-1`.
    pub region: String,
    /// `interval` of `StartDeviceAuthorization`: minimum seconds between polls. Default `1`.
    pub interval: u32,
    /// `expiresIn` of `StartDeviceAuthorization`: lifetime of device and user codes, and of
    /// authorization codes. Default `600`.
    pub expires_in: u32,
    /// Seconds added to a device code's required interval each time it is answered with
    /// `slow_down` (RFC 8628 3.5). Default `5`.
    pub slow_down_increment: u32,
    /// The real length of one protocol second. Default 1 s. `Duration::ZERO` makes time stand
    /// still: nothing expires by the clock and `slow_down` is never caused by timing.
    pub second: Duration,
    /// `expiresIn` of access tokens. Default `3600`.
    pub access_token_lifetime: u32,
    /// Lifetime of each refresh token from its issue. Default 90 days.
    pub refresh_token_lifetime: u32,
    /// Lifetime of a client registration (`clientSecretExpiresAt - clientIdIssuedAt`).
    /// Default 90 days.
    pub registration_lifetime: u32,
    /// Who approves device codes and `/authorize` requests. Default [`Approval::Manual`].
    pub approval: Approval,
    /// When refresh tokens are issued. Default [`RefreshTokenPolicy::WhenScoped`].
    pub refresh_tokens: RefreshTokenPolicy,
    /// Whether a refresh replaces the refresh token (the old one then gets
    /// `InvalidGrantException`). Default `true`.
    pub rotate_refresh_tokens: bool,
    /// Whether error responses carry `x-amzn-ErrorType` (turn off to exercise a client's
    /// fallback to the OAuth `error` member). Default `true`.
    pub error_type_header: bool,
    /// Faults to inject from the start; more can be added while running.
    pub faults: Vec<FaultRule>,
    /// Largest accepted request body. Default 64 KiB.
    pub max_body_bytes: usize,
    /// Base URL used in `verificationUri`; default: `http://` + the request's `Host` header.
    pub public_url: Option<String>,
    /// How many requests [`RunningEmulator::requests`](crate::RunningEmulator::requests)
    /// keeps (the oldest are dropped first). Default 10 000.
    pub max_recorded_requests: usize,
    /// Print one line per request to stderr. Default `false`.
    pub log_requests: bool,
    /// The accounts and roles the portal assigns to every user. Default [`default_accounts`].
    pub accounts: Vec<PortalAccount>,
    /// Lifetime of the role credentials `GetRoleCredentials` gives. Default `3600`.
    pub role_credentials_lifetime: u32,
    /// How many accounts or roles a page of `ListAccounts` / `ListAccountRoles` holds when the
    /// request does not ask for fewer (`max_result`). Default `20`.
    pub page_size: u32,
    /// The standard OAuth 2.0 mode (discovery, form-encoded device and token endpoints for
    /// clients registered beforehand), beside the AWS operations. Default: off.
    pub oauth: Option<OAuthMode>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            region: "us-east-1".to_owned(),
            interval: 1,
            expires_in: 600,
            slow_down_increment: 5,
            second: Duration::from_secs(1),
            access_token_lifetime: 3600,
            refresh_token_lifetime: NINETY_DAYS,
            registration_lifetime: NINETY_DAYS,
            approval: Approval::Manual,
            refresh_tokens: RefreshTokenPolicy::WhenScoped,
            rotate_refresh_tokens: true,
            error_type_header: true,
            faults: Vec::new(),
            max_body_bytes: 64 * 1024,
            public_url: None,
            max_recorded_requests: 10_000,
            log_requests: false,
            accounts: default_accounts(),
            role_credentials_lifetime: 3600,
            page_size: 20,
            oauth: None,
        }
    }
}

impl Config {
    /// Sets [`Config::second`].
    pub fn second(mut self, second: Duration) -> Self {
        self.second = second;
        self
    }

    /// Sets [`Config::interval`].
    pub fn interval(mut self, seconds: u32) -> Self {
        self.interval = seconds;
        self
    }

    /// Sets [`Config::expires_in`].
    pub fn expires_in(mut self, seconds: u32) -> Self {
        self.expires_in = seconds;
        self
    }

    /// Sets [`Config::approval`].
    pub fn approval(mut self, approval: Approval) -> Self {
        self.approval = approval;
        self
    }

    /// Sets [`Config::refresh_tokens`].
    pub fn refresh_tokens(mut self, policy: RefreshTokenPolicy) -> Self {
        self.refresh_tokens = policy;
        self
    }

    /// Sets [`Config::access_token_lifetime`].
    pub fn access_token_lifetime(mut self, seconds: u32) -> Self {
        self.access_token_lifetime = seconds;
        self
    }

    /// Sets [`Config::refresh_token_lifetime`].
    pub fn refresh_token_lifetime(mut self, seconds: u32) -> Self {
        self.refresh_token_lifetime = seconds;
        self
    }

    /// Sets [`Config::registration_lifetime`].
    pub fn registration_lifetime(mut self, seconds: u32) -> Self {
        self.registration_lifetime = seconds;
        self
    }

    /// Sets [`Config::error_type_header`].
    pub fn error_type_header(mut self, on: bool) -> Self {
        self.error_type_header = on;
        self
    }

    /// Adds a fault rule.
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    /// Turns on the standard OAuth 2.0 mode ([`Config::oauth`]).
    pub fn oauth(mut self, mode: OAuthMode) -> Self {
        self.oauth = Some(mode);
        self
    }

    /// Sets [`Config::port`].
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets [`Config::accounts`].
    pub fn accounts(mut self, accounts: Vec<PortalAccount>) -> Self {
        self.accounts = accounts;
        self
    }

    /// Sets [`Config::role_credentials_lifetime`].
    pub fn role_credentials_lifetime(mut self, seconds: u32) -> Self {
        self.role_credentials_lifetime = seconds;
        self
    }

    /// Sets [`Config::page_size`] (at least 1).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.max(1);
        self
    }
}

/// Parses a duration such as `500ms`, `2s`, `1.5s`, `250us`, `1m` or `0` (a bare number is
/// seconds).
///
/// ```
/// use std::time::Duration;
/// use ssooidc_emulator::parse_duration;
/// assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
/// assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
/// assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
/// assert!(parse_duration("soon").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}: expected e.g. 500ms, 2s, 1.5s"))?;
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "ns" => 1e-9,
        "m" | "min" => 60.0,
        other => return Err(format!("invalid duration unit {other:?} in {text:?}")),
    };
    Duration::try_from_secs_f64(value * scale)
        .map_err(|e| format!("invalid duration {text:?}: {e}"))
}
