//! Where a provider's endpoints are: [`Provider`], from explicit URLs or from a discovery
//! document (RFC 8414, OpenID Connect Discovery 1.0) that [`Discovery`] fetches and
//! [`validate`] checks, the `issuer` first (RFC 8414 §3.3).
//!
//! ```text
//!  Discovery::new(issuer)
//!        │
//!        ▼
//!  GET {issuer}/.well-known/openid-configuration ── 404 ──▶ GET {host}/.well-known/oauth-authorization-server{path}
//!        │ 200                                                  │ 200                │ 404
//!        ▼                                                      ▼                    ▼
//!  validate: issuer identical to the configured one, token_endpoint    Done(Err(NotPublished))
//!            and device_authorization_endpoint present, https URLs
//!        │
//!        ▼
//!  Done(Ok(Provider)) | Done(Err(IssuerMismatch | MissingEndpoint | BadEndpoint | Call))
//! ```
//!
//! Each `GET` is a [`Call`] with the client's retry policy (5xx, throttling and transport
//! failures retried); no credential goes with it.

use std::convert::Infallible;
use std::time::Instant;

use serde_json::Value;
use time::OffsetDateTime;

use crate::call::CallError;
use crate::formats::oauth::response::{read, Answer, Members};
use crate::formats::oauth::{
    discovery_request, Issuer, Provider, ProviderUrl, UrlError, DISCOVERY,
};
use crate::machine::{Call, Machine, MisuseError, Output};
use crate::retry::RetryPolicy;
use crate::transport::TransportError;
use crate::wire::{Auth, ResponseError};

/// Why discovery gave no usable endpoints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// A request failed (after the retries): a service error other than 404, a malformed
    /// document, a transport failure.
    #[error(transparent)]
    Call(CallError),
    /// Both well-known URLs answered 404: the issuer publishes no metadata (give the endpoints
    /// explicitly, or check the issuer).
    #[error("{issuer} publishes no metadata: {oidc} and {oauth} answered 404")]
    NotPublished {
        /// The issuer.
        issuer: String,
        /// The OpenID Connect Discovery URL tried.
        oidc: String,
        /// The RFC 8414 URL tried.
        oauth: String,
    },
    /// The metadata's `issuer` is not the configured issuer (RFC 8414 §3.3): the document may
    /// be another server's, so none of its endpoints is used.
    #[error("the metadata at {url} is for issuer {found:?}, not {expected:?} (RFC 8414 section 3.3): its endpoints are not used")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The document's `issuer` (`None`: it has none).
        found: Option<String>,
        /// The document's URL.
        url: String,
    },
    /// The metadata lacks an endpoint the device grant needs.
    #[error("the metadata of {issuer} has no {member}{}", if *.member == "device_authorization_endpoint" { " (the provider does not offer the device authorization grant)" } else { "" })]
    MissingEndpoint {
        /// The issuer.
        issuer: String,
        /// The missing member.
        member: &'static str,
    },
    /// An endpoint of the metadata is not a usable URL (not https, user information, ...).
    #[error("the metadata of {issuer} has an unusable {member}: {error}")]
    BadEndpoint {
        /// The issuer.
        issuer: String,
        /// The member.
        member: &'static str,
        /// What is wrong with it.
        error: UrlError,
    },
}

/// Decodes a discovery document's members (JSON only; errors as the standard dialect's).
fn decode<B: AsRef<[u8]>>(response: &http::Response<B>) -> Result<Members, ResponseError> {
    match read(DISCOVERY, response, false)? {
        Answer::Success(members) => Ok(members),
        Answer::Error { error, .. } => Err(ResponseError::Service(error)),
    }
}

/// Checks the discovery document at `url` (already decoded) against `issuer`: its `issuer`
/// identical to the configured one (RFC 8414 §3.3, OpenID Connect Discovery §4.3), then the
/// token endpoint and the device authorization endpoint present and usable.
pub fn validate_metadata(
    issuer: &Issuer,
    url: &str,
    members: &serde_json::Map<String, Value>,
) -> Result<Provider, DiscoveryError> {
    let found = members.get("issuer").and_then(Value::as_str);
    if found != Some(issuer.as_str()) {
        return Err(DiscoveryError::IssuerMismatch {
            expected: issuer.as_str().to_owned(),
            found: found.map(str::to_owned),
            url: url.to_owned(),
        });
    }
    let endpoint = |member: &'static str| -> Result<ProviderUrl, DiscoveryError> {
        let value = members
            .get(member)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| DiscoveryError::MissingEndpoint {
                issuer: issuer.as_str().to_owned(),
                member,
            })?;
        ProviderUrl::parse(value).map_err(|error| DiscoveryError::BadEndpoint {
            issuer: issuer.as_str().to_owned(),
            member,
            error,
        })
    };
    let token_endpoint = endpoint("token_endpoint")?;
    let device_authorization_endpoint = endpoint("device_authorization_endpoint")?;
    let auth_methods = members
        .get("token_endpoint_auth_methods_supported")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        });
    Ok(Provider {
        issuer: Some(issuer.clone()),
        device_authorization_endpoint,
        token_endpoint,
        auth_methods,
    })
}

/// [`validate_metadata`] of a whole response: decoded first (size cap, JSON), then checked.
///
/// ```
/// use ssooidc_core::oauth::{validate, Issuer};
/// let issuer = Issuer::parse("https://server.example.com").unwrap();
/// let document = http::Response::builder().status(200).body(
///     br#"{"issuer":"https://server.example.com",
///          "token_endpoint":"https://server.example.com/token",
///          "device_authorization_endpoint":"https://server.example.com/device_authorization"}"#.to_vec()
/// ).unwrap();
/// let provider = validate(&issuer, &document).unwrap();
/// assert_eq!(provider.token_endpoint().as_str(), "https://server.example.com/token");
///
/// let impostor = http::Response::builder().status(200).body(
///     br#"{"issuer":"https://attacker.example","token_endpoint":"https://attacker.example/t",
///          "device_authorization_endpoint":"https://attacker.example/d"}"#.to_vec()
/// ).unwrap();
/// assert!(validate(&issuer, &impostor).is_err());
/// ```
pub fn validate<B: AsRef<[u8]>>(
    issuer: &Issuer,
    response: &http::Response<B>,
) -> Result<Provider, DiscoveryError> {
    let members = decode(response)
        .map_err(|e| DiscoveryError::Call(CallError::from_response(DISCOVERY, e)))?;
    validate_metadata(issuer, &issuer.openid_configuration_url(), &members)
}

/// Which document a [`Discovery`] is fetching.
enum Step {
    OpenId(Call<Members>),
    OAuth(Call<Members>),
    Done(Result<Provider, DiscoveryError>),
}

/// Discovery as a machine: `GET`s the issuer's metadata, the OpenID Connect document
/// (`{issuer}/.well-known/openid-configuration`) first and the RFC 8414 one
/// (`/.well-known/oauth-authorization-server{path}`) when that answers 404, each with the retry
/// policy and no credential, and [`validate_metadata`]s it. It speaks the protocol of every
/// machine ([`crate::machine`]).
pub struct Discovery {
    issuer: Issuer,
    policy: RetryPolicy,
    seed: u64,
    clock: Instant,
    step: Step,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let step = match &self.step {
            Step::OpenId(_) => "OpenId",
            Step::OAuth(_) => "OAuth",
            Step::Done(_) => "Done",
        };
        f.debug_struct("Discovery")
            .field("issuer", &self.issuer)
            .field("step", &step)
            .finish()
    }
}

fn get(url: &str, policy: &RetryPolicy, now: Instant, seed: u64) -> Call<Members> {
    Call::prepared(
        DISCOVERY,
        Auth::None,
        discovery_request(url),
        // A closure: the generic function instantiated at one lifetime is not general enough.
        #[allow(clippy::redundant_closure)]
        |response| decode(response),
        policy,
        now,
        seed,
    )
}

/// Whether a failed `GET` means "no document here" (so the other well-known URL is worth a try).
fn not_found(error: &CallError) -> bool {
    error.service_error().is_some_and(|e| e.status() == 404)
}

impl Discovery {
    /// Discovery of `issuer`'s endpoints, starting at `now`, each `GET` retried by `policy`
    /// (with jitter from `seed`).
    pub fn new(issuer: Issuer, policy: &RetryPolicy, now: Instant, seed: u64) -> Self {
        let step = Step::OpenId(get(&issuer.openid_configuration_url(), policy, now, seed));
        Discovery {
            issuer,
            policy: policy.clone(),
            seed,
            clock: now,
            step,
        }
    }

    /// The issuer being discovered.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    fn call(&mut self) -> Result<&mut Call<Members>, MisuseError> {
        match &mut self.step {
            Step::OpenId(call) | Step::OAuth(call) => Ok(call),
            Step::Done(_) => Err(MisuseError::Finished),
        }
    }

    /// A `GET` ended: the result of the discovery, or `None` after moving on to the other URL.
    fn finished(
        &mut self,
        result: Result<Members, CallError>,
    ) -> Option<Result<Provider, DiscoveryError>> {
        let oidc = self.issuer.openid_configuration_url();
        let oauth = self.issuer.oauth_metadata_url();
        let url = match &self.step {
            Step::OAuth(_) => oauth.clone(),
            _ => oidc.clone(),
        };
        Some(match result {
            Ok(members) => validate_metadata(&self.issuer, &url, &members),
            Err(e) if not_found(&e) && matches!(self.step, Step::OpenId(_)) => {
                self.step = Step::OAuth(get(&oauth, &self.policy, self.clock, self.seed));
                return None;
            }
            Err(e) if not_found(&e) => Err(DiscoveryError::NotPublished {
                issuer: self.issuer.as_str().to_owned(),
                oidc,
                oauth,
            }),
            Err(e) => Err(DiscoveryError::Call(e)),
        })
    }
}

impl Machine for Discovery {
    type Event = Infallible;
    type Output = Result<Provider, DiscoveryError>;

    fn poll_output(&mut self) -> Result<Output<Infallible, Self::Output>, MisuseError> {
        loop {
            let call = match &mut self.step {
                Step::Done(result) => return Ok(Output::Done(result.clone())),
                Step::OpenId(call) | Step::OAuth(call) => call,
            };
            match call.poll_output()? {
                Output::Transmit(t) => return Ok(Output::Transmit(t)),
                Output::Timeout(at) => return Ok(Output::Timeout(at)),
                Output::Event(never) => match never {},
                Output::Done(result) => {
                    if let Some(outcome) = self.finished(result) {
                        self.step = Step::Done(outcome);
                    }
                }
            }
        }
    }

    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError> {
        self.clock = self.clock.max(now);
        self.call()?.handle_response(now, wall, response)
    }

    fn handle_transport_error(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError> {
        self.clock = self.clock.max(now);
        self.call()?.handle_transport_error(now, wall, error)
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        self.clock = self.clock.max(now);
        self.call()?.handle_timeout(now)
    }
}
