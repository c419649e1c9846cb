//! Fault injection: [`FaultRule`]s that make chosen requests fail in chosen ways.
//!
//! # Rule syntax (also accepted by `--fault` on the command line)
//!
//! ```text
//! TARGET[#N[+]]=ACTION
//! ```
//!
//! * `TARGET`: `RegisterClient`, `StartDeviceAuthorization`, `CreateToken`,
//!   `CreateTokenWithIAM`, `Authorize` (`/authorize`), `Device` (the verification page), the
//!   portal's `GetRoleCredentials`, `ListAccounts`, `ListAccountRoles`, `Logout`, `Discovery`
//!   (the standard mode's metadata), the federation endpoint's `GetSigninToken` and
//!   `FederationLogin`, STS's `GetCallerIdentity`, the bearer-token `VerifySession`, or `*`
//!   (every request, unknown paths and other STS actions included). The standard mode's device
//!   and token endpoints count as
//!   `StartDeviceAuthorization` and `CreateToken`. Case-insensitive. An error shape injected
//!   on `GetCallerIdentity` comes in STS's XML (its name as the `Code`, its status).
//! * `#N`: only the N-th request to the target (1-based, counted from when the rule was added);
//!   `#N+`: the N-th and every later one; no `#`: every request.
//! * `ACTION`:
//!   * an error shape name such as `SlowDownException`: that modelled error, encoded exactly as
//!     the service encodes it;
//!   * a status code `100..=599` such as `503`: that status with an empty body;
//!   * `delay:DURATION` such as `delay:500ms`: wait, then answer normally (or with the action of
//!     another rule that fires for the same request);
//!   * `hang`: never answer; the connection is released when the emulator stops;
//!   * `drop`: process the request, send the status line, the headers and part of the body,
//!     then cut the connection (the service's state has changed: a device code is spent);
//!   * `close`: close the connection without sending anything and without processing.
//!
//! ```
//! use ssooidc_emulator::{FaultAction, FaultRule, Target, When};
//! let rule: FaultRule = "CreateToken#3=SlowDownException".parse().unwrap();
//! assert_eq!(rule.target, Target::CreateToken);
//! assert_eq!(rule.when, When::Nth(3));
//! assert!(matches!(rule.action, FaultAction::Error(_)));
//! assert!("Nope=hang".parse::<FaultRule>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use ssooidc_core::ErrorCode;

use crate::config::parse_duration;

/// What a request is, for fault rules and the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Target {
    /// `POST /client/register`.
    RegisterClient,
    /// `POST /device_authorization`.
    StartDeviceAuthorization,
    /// `POST /token`.
    CreateToken,
    /// `POST /token?aws_iam=t`.
    CreateTokenWithIam,
    /// `GET` or `POST /authorize`.
    Authorize,
    /// The verification page, `GET` or `POST /device`.
    Device,
    /// The portal's `GET /federation/credentials`.
    GetRoleCredentials,
    /// The portal's `GET /assignment/accounts`.
    ListAccounts,
    /// The portal's `GET /assignment/roles`.
    ListAccountRoles,
    /// The portal's `POST /logout`.
    Logout,
    /// The standard mode's discovery documents (`GET /.well-known/...`).
    Discovery,
    /// The sign-in federation endpoint's `GET /federation?Action=getSigninToken`.
    GetSigninToken,
    /// The sign-in federation endpoint's `GET /federation?Action=login` (and any other
    /// action).
    FederationLogin,
    /// STS's `GetCallerIdentity`: `POST /` with the form body `Action=GetCallerIdentity&...`
    /// (or `GET /?Action=GetCallerIdentity&...`).
    GetCallerIdentity,
    /// A bearer-token service's `VerifySession` (CodeCatalyst's: `GET /session` with
    /// `Authorization: Bearer TOKEN`), for the SSO access token itself.
    VerifySession,
    /// In a rule: every request. As a request's target: a path the emulator does not serve, or
    /// an STS request for another action (or none).
    Any,
}

impl Target {
    /// The name used in rules: the operation's name, `Authorize`, `Device` or `*`.
    pub fn name(self) -> &'static str {
        match self {
            Target::RegisterClient => "RegisterClient",
            Target::StartDeviceAuthorization => "StartDeviceAuthorization",
            Target::CreateToken => "CreateToken",
            Target::CreateTokenWithIam => "CreateTokenWithIAM",
            Target::Authorize => "Authorize",
            Target::Device => "Device",
            Target::GetRoleCredentials => "GetRoleCredentials",
            Target::ListAccounts => "ListAccounts",
            Target::ListAccountRoles => "ListAccountRoles",
            Target::Logout => "Logout",
            Target::Discovery => "Discovery",
            Target::GetSigninToken => "GetSigninToken",
            Target::FederationLogin => "FederationLogin",
            Target::GetCallerIdentity => "GetCallerIdentity",
            Target::VerifySession => "VerifySession",
            Target::Any => "*",
        }
    }

    fn matches(self, request: Target) -> bool {
        self == Target::Any || self == request
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let all = [
            Target::RegisterClient,
            Target::StartDeviceAuthorization,
            Target::CreateToken,
            Target::CreateTokenWithIam,
            Target::Authorize,
            Target::Device,
            Target::GetRoleCredentials,
            Target::ListAccounts,
            Target::ListAccountRoles,
            Target::Logout,
            Target::Discovery,
            Target::GetSigninToken,
            Target::FederationLogin,
            Target::GetCallerIdentity,
            Target::VerifySession,
            Target::Any,
        ];
        all.into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown fault target {s:?}: expected RegisterClient, StartDeviceAuthorization, \
                     CreateToken, CreateTokenWithIAM, Authorize, Device, GetRoleCredentials, \
                     ListAccounts, ListAccountRoles, Logout, Discovery, GetSigninToken, \
                     FederationLogin, GetCallerIdentity, VerifySession or *"
                )
            })
    }
}

/// Which requests to the target a rule hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum When {
    /// Every request.
    Every,
    /// Only the N-th (1-based) request after the rule was added.
    Nth(u32),
    /// The N-th request after the rule was added and every later one.
    From(u32),
}

impl When {
    fn fires(self, seen: u32) -> bool {
        match self {
            When::Every => true,
            When::Nth(n) => seen == n,
            When::From(n) => seen >= n,
        }
    }
}

/// What happens to a request a rule hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultAction {
    /// Answer with this modelled error, encoded as the service does.
    Error(ErrorCode),
    /// Answer with this HTTP status and an empty body.
    Status(u16),
    /// Wait this long (real time), then go on.
    Delay(Duration),
    /// Never answer (until the emulator stops).
    Hang,
    /// Process the request, send the headers and part of the body, then cut the connection.
    Drop,
    /// Close the connection without answering or processing.
    Close,
}

impl fmt::Display for FaultAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultAction::Error(code) => write!(f, "{code}"),
            FaultAction::Status(s) => write!(f, "{s}"),
            FaultAction::Delay(d) => write!(f, "delay:{}ms", d.as_millis()),
            FaultAction::Hang => f.write_str("hang"),
            FaultAction::Drop => f.write_str("drop"),
            FaultAction::Close => f.write_str("close"),
        }
    }
}

impl FromStr for FaultAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Some(d) = s.strip_prefix("delay:") {
            return parse_duration(d).map(FaultAction::Delay);
        }
        match s.to_ascii_lowercase().as_str() {
            "hang" => return Ok(FaultAction::Hang),
            "drop" => return Ok(FaultAction::Drop),
            "close" => return Ok(FaultAction::Close),
            _ => {}
        }
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return match s.parse::<u16>() {
                Ok(code @ 100..=599) => Ok(FaultAction::Status(code)),
                _ => Err(format!("status {s} is not in 100..=599")),
            };
        }
        ErrorCode::from_shape_name(s).map(FaultAction::Error).ok_or_else(|| {
            format!(
                "unknown fault action {s:?}: expected an error shape name (SlowDownException, ...), \
                 a status code, delay:DURATION, hang, drop or close"
            )
        })
    }
}

/// One fault rule: which requests ([`Target`], [`When`]) get which [`FaultAction`].
/// Parses from the syntax in the [module documentation](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultRule {
    /// Which requests.
    pub target: Target,
    /// Which of them.
    pub when: When,
    /// What happens.
    pub action: FaultAction,
}

impl FaultRule {
    /// A rule from its parts.
    pub fn new(target: Target, when: When, action: FaultAction) -> Self {
        FaultRule {
            target,
            when,
            action,
        }
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.target.name())?;
        match self.when {
            When::Every => {}
            When::Nth(n) => write!(f, "#{n}")?,
            When::From(n) => write!(f, "#{n}+")?,
        }
        write!(f, "={}", self.action)
    }
}

impl FromStr for FaultRule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (lhs, action) = s
            .split_once('=')
            .ok_or_else(|| format!("fault rule {s:?} has no '=': expected TARGET[#N[+]]=ACTION"))?;
        let (target, when) = match lhs.split_once('#') {
            None => (lhs, When::Every),
            Some((target, n)) => {
                let (digits, from) = match n.trim().strip_suffix('+') {
                    Some(d) => (d, true),
                    None => (n.trim(), false),
                };
                let n: u32 = digits.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
                    format!("bad request number {n:?} in {s:?}: expected 1, 2, ...")
                })?;
                (target, if from { When::From(n) } else { When::Nth(n) })
            }
        };
        Ok(FaultRule {
            target: target.parse()?,
            when,
            action: action.parse()?,
        })
    }
}

/// The active rules and how many matching requests each has seen.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Vec<(FaultRule, u32)>,
}

/// The outcome of matching one request against the rules.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    /// Total delay of every delay rule that fired.
    pub delay: Duration,
    /// The first non-delay action that fired.
    pub action: Option<FaultAction>,
}

impl Faults {
    pub(crate) fn new(rules: &[FaultRule]) -> Self {
        Faults {
            rules: rules.iter().map(|r| (*r, 0)).collect(),
        }
    }

    pub(crate) fn add(&mut self, rule: FaultRule) {
        self.rules.push((rule, 0));
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// Counts the request against every matching rule and says what to do with it.
    pub(crate) fn decide(&mut self, request: Target) -> Decision {
        let mut decision = Decision::default();
        for (rule, seen) in &mut self.rules {
            if !rule.target.matches(request) {
                continue;
            }
            *seen = seen.saturating_add(1);
            if !rule.when.fires(*seen) {
                continue;
            }
            match rule.action {
                FaultAction::Delay(d) => decision.delay = decision.delay.saturating_add(d),
                other if decision.action.is_none() => decision.action = Some(other),
                _ => {}
            }
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_examples() {
        let cases = [
            (
                "CreateToken#3=SlowDownException",
                FaultRule::new(
                    Target::CreateToken,
                    When::Nth(3),
                    FaultAction::Error(ErrorCode::SlowDown),
                ),
            ),
            (
                "RegisterClient#1=hang",
                FaultRule::new(Target::RegisterClient, When::Nth(1), FaultAction::Hang),
            ),
            (
                "StartDeviceAuthorization=503",
                FaultRule::new(
                    Target::StartDeviceAuthorization,
                    When::Every,
                    FaultAction::Status(503),
                ),
            ),
            (
                "CreateToken#2=drop",
                FaultRule::new(Target::CreateToken, When::Nth(2), FaultAction::Drop),
            ),
            (
                "CreateToken#1=delay:500ms",
                FaultRule::new(
                    Target::CreateToken,
                    When::Nth(1),
                    FaultAction::Delay(Duration::from_millis(500)),
                ),
            ),
            (
                "*#2+=close",
                FaultRule::new(Target::Any, When::From(2), FaultAction::Close),
            ),
            (
                "GetCallerIdentity#2+=503",
                FaultRule::new(
                    Target::GetCallerIdentity,
                    When::From(2),
                    FaultAction::Status(503),
                ),
            ),
            (
                "createtokenwithiam=InternalServerException",
                FaultRule::new(
                    Target::CreateTokenWithIam,
                    When::Every,
                    FaultAction::Error(ErrorCode::InternalServer),
                ),
            ),
        ];
        for (text, rule) in cases {
            assert_eq!(text.parse::<FaultRule>(), Ok(rule), "{text}");
            assert_eq!(rule.to_string().parse::<FaultRule>(), Ok(rule), "{rule}");
        }
    }

    #[test]
    fn rejects_bad_rules() {
        for bad in [
            "",
            "CreateToken",
            "CreateToken#0=hang",
            "CreateToken#x=hang",
            "Nope=hang",
            "CreateToken=600",
            "CreateToken=SlowDown",
            "CreateToken=delay:soon",
        ] {
            assert!(bad.parse::<FaultRule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_per_rule_and_combines_delays() {
        let mut f = Faults::new(&[
            "CreateToken#2=503".parse().unwrap(),
            "CreateToken=delay:10ms".parse().unwrap(),
            "*#3+=hang".parse().unwrap(),
        ]);
        let d1 = f.decide(Target::CreateToken);
        assert_eq!(d1.action, None);
        assert_eq!(d1.delay, Duration::from_millis(10));
        assert_eq!(
            f.decide(Target::CreateToken).action,
            Some(FaultAction::Status(503))
        );
        assert_eq!(
            f.decide(Target::RegisterClient).action,
            Some(FaultAction::Hang)
        );
        assert_eq!(f.decide(Target::Device).action, Some(FaultAction::Hang));
    }
}
