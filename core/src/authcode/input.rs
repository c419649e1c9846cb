//! What the flow starts from: [`AuthCodeInput`] and [`AuthCodeConfig`].

use std::time::Duration;

use crate::endpoint::Endpoint;
use crate::registration::Registration;

/// What a browser login needs to know: where, for which access portal, under which client name
/// and scopes, and possibly a cached registration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthCodeInput {
    /// The resolved OIDC endpoint; the authorize URL is built from its scheme and host.
    pub endpoint: Endpoint,
    /// The (resolved) access-portal start URL, sent as `issuerUrl` in `RegisterClient`.
    pub issuer_url: String,
    /// `clientName` for `RegisterClient` (the CLI sends `botocore-client-<session>`).
    pub client_name: String,
    /// The configured scopes; `None` or empty: `sso:account:access`, registered and asked for.
    pub scopes: Option<Vec<String>>,
    /// A cached registration. Used when
    /// [`is_reusable_for_authorization_code`](Registration::is_reusable_for_authorization_code)
    /// at the wall time the flow starts; otherwise the flow registers anew.
    pub registration: Option<Registration>,
}

impl AuthCodeInput {
    /// An input with no scopes and no cached registration.
    pub fn new(
        endpoint: Endpoint,
        issuer_url: impl Into<String>,
        client_name: impl Into<String>,
    ) -> Self {
        AuthCodeInput {
            endpoint,
            issuer_url: issuer_url.into(),
            client_name: client_name.into(),
            scopes: None,
            registration: None,
        }
    }

    /// Sets the scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Sets a cached registration.
    pub fn registration(mut self, registration: Registration) -> Self {
        self.registration = Some(registration);
        self
    }
}

/// Knobs of the flow's policy. The defaults are the AWS CLI's behaviour plus a bounded retry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthCodeConfig {
    /// **Testing knob**: the real length of one protocol second (default 1 s); scales the
    /// callback deadline and the backoff. Wall-clock stamps always use real seconds.
    pub second: Duration,
    /// How long, in protocol seconds, the flow waits for the browser to come back once the
    /// authorize URL is out. Default 600, the AWS CLI's.
    pub callback_timeout: u32,
    /// How many times in a row a retryable failure of `RegisterClient` or `CreateToken` (5xx,
    /// throttling, transport error, malformed body) is retried. Default 3.
    pub max_retries: u32,
}

impl Default for AuthCodeConfig {
    fn default() -> Self {
        AuthCodeConfig {
            second: Duration::from_secs(1),
            callback_timeout: 600,
            max_retries: 3,
        }
    }
}

impl AuthCodeConfig {
    /// Sets [`second`](Self::second) (a testing knob).
    pub fn second(mut self, second: Duration) -> Self {
        self.second = second;
        self
    }

    /// Sets [`callback_timeout`](Self::callback_timeout).
    pub fn callback_timeout(mut self, secs: u32) -> Self {
        self.callback_timeout = secs;
        self
    }

    /// Sets [`max_retries`](Self::max_retries).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }
}
