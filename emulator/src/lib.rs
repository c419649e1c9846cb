//! # ssooidc-emulator
//!
//! A faithful local emulator of the AWS SSO OIDC service (IAM Identity Center's OAuth
//! endpoint) over loopback HTTP, for tests, demos, and anyone who wants to exercise an OIDC
//! client offline. It serves:
//!
//! | Request | What |
//! |---|---|
//! | `POST /client/register` | RegisterClient |
//! | `POST /device_authorization` | StartDeviceAuthorization |
//! | `POST /token` | CreateToken: device code, refresh token, authorization code + PKCE (S256) |
//! | `POST /token?aws_iam=t` | CreateTokenWithIAM: a simple version (see below) |
//! | `GET /authorize` | the authorization-code flow: consent page or immediate redirect |
//! | `GET`/`POST /device` | the verification page (`verificationUri`) a person approves on |
//! | `GET /federation/credentials` | the SSO portal's GetRoleCredentials |
//! | `GET /assignment/accounts`, `GET /assignment/roles` | the portal's ListAccounts and ListAccountRoles (paginated) |
//! | `POST /logout` | the portal's Logout |
//! | `GET /session` with `Authorization: Bearer TOKEN` | a bearer-token service's VerifySession (CodeCatalyst's): `{"identity": "emulator-user"}` for an access token this emulator issued, the portal's `UnauthorizedException` otherwise |
//! | `GET /federation?Action=getSigninToken`, `GET /federation?Action=login` | the sign-in federation endpoint, for the role credentials the portal issued |
//! | `POST /` with `Action=GetCallerIdentity&Version=2011-06-15` (or `GET /?Action=...`) | STS GetCallerIdentity (awsQuery, the SDKs' protocol), its SigV4 signature verified with the role credentials the portal issued |
//! | `GET /.well-known/openid-configuration` | standard mode ([`Config::oauth`]): discovery (also at `/.well-known/oauth-authorization-server`) |
//! | `POST /oauth2/device_authorization`, `POST /oauth2/token` | standard mode: RFC 8628 and the refresh grant, form-encoded, for pre-registered clients, with switchable provider quirks ([`OAuthQuirks`]) |
//!
//! The portal operations accept the access tokens this emulator issued (until they expire or
//! are logged out), for the accounts and roles of [`Config::accounts`]; role credentials expire
//! after [`Config::role_credentials_lifetime`]. So one base URL serves every service
//! (`AWS_ENDPOINT_URL`, or `AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL_SSO`,
//! `AWS_ENDPOINT_URL_SIGNIN` and `AWS_ENDPOINT_URL_STS`).
//!
//! STS `GetCallerIdentity` answers, for a request signed with those role credentials, the
//! assumed-role ARN `arn:aws:sts::ACCOUNT:assumed-role/ROLE/emulator-user`, the `UserId`
//! `AROA...:emulator-user` and the account, in STS's XML; it refuses anything else with STS's
//! codes (`MissingAuthenticationToken`, `IncompleteSignature`, `InvalidClientTokenId`,
//! `ExpiredToken`, `SignatureDoesNotMatch`, `InvalidAction`, `MissingAction`). Count the calls
//! with [`RunningEmulator::requests`] and [`Target::GetCallerIdentity`].
//!
//! It behaves like the service: `interval` and `slow_down` (the required interval grows by 5
//! with each `slow_down`), codes expire (`ExpiredTokenException`), device codes are single-use
//! (`InvalidGrantException`), denial gives `AccessDeniedException`, unknown clients and wrong
//! secrets `InvalidClientException` (401), refresh tokens rotate and are only issued to clients
//! that registered scopes, registrations expire after 90 days, and errors are encoded exactly as
//! the service does (status, `x-amzn-ErrorType` with the coral suffix, OAuth body,
//! `x-amzn-RequestId`). Observed quirks are reproduced: `"authorizationEndpoint":null`,
//! `"tokenEndpoint":null`, user codes `XXXX-XXXX`, `verificationUriComplete` ending in
//! `?user_code=XXXX-XXXX`, client ids that are base64url of random bytes and the region.
//!
//! Time runs at [`Config::second`] real time per protocol second, so a test can use 10 ms
//! seconds; the numbers on the wire stay in protocol seconds. Faults ([`FaultRule`]) script
//! errors, 5xx, delays, hangs and dropped connections on chosen requests.
//!
//! CreateTokenWithIAM is deliberately simple: it requires an `Authorization: AWS4-HMAC-SHA256
//! ...` header but does not verify the signature (a missing one gets a 403
//! `MissingAuthenticationTokenException`), takes any `arn:` client id, and supports the
//! `jwt-bearer` (any assertion), `token-exchange` (any subject token) and `refresh_token`
//! grants; `authorization_code` gets `UnsupportedGrantTypeException`.
//!
//! Tokens and codes are random enough that tests cannot guess them, but this is a test tool,
//! not an identity provider: do not expose it to a network.
//!
//! ```
//! use std::time::Duration;
//! use ssooidc_emulator::{Config, Emulator};
//!
//! let emu = Emulator::start(Config::default().second(Duration::from_millis(10))).unwrap();
//! assert!(emu.base_url().starts_with("http://127.0.0.1:"));
//! // ... point a client at emu.base_url(), then:
//! for request in emu.requests() {
//!     println!("{request:?}"); // secrets are not printed
//! }
//! emu.stop();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod browser;
mod config;
pub mod faults;
mod ids;
mod pages;
mod record;
mod server;
mod service;
mod sigv4;

use std::net::SocketAddr;

pub use config::{
    default_accounts, parse_duration, Approval, Config, PortalAccount, RefreshTokenPolicy,
    NINETY_DAYS,
};
pub use faults::{FaultAction, FaultRule, Target, When};
pub use record::RecordedRequest;
pub use server::Handler;
pub use service::{OAuthClientConfig, OAuthMode, OAuthQuirks};

use server::lock;
use service::Now;

/// What can go wrong with the emulator itself (not the errors it serves).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Binding the socket, building the runtime or spawning the thread failed.
    #[error("could not start the emulator: {0}")]
    Start(#[from] std::io::Error),
    /// No device authorization has this user code.
    #[error("no device authorization has user code {0:?}")]
    UnknownUserCode(String),
    /// The device authorization has expired.
    #[error("user code {0} has expired")]
    Expired(String),
    /// The device authorization was already decided the other way, or its token issued.
    #[error("user code {0} was already {1}")]
    AlreadyDecided(String, &'static str),
}

/// Starts emulators. See [`Emulator::start`].
#[derive(Debug, Clone, Copy)]
pub struct Emulator;

impl Emulator {
    /// Binds `config.host:config.port` (default `127.0.0.1`, a free port) and serves on a
    /// background thread until [`RunningEmulator::stop`] or drop.
    pub fn start(config: Config) -> Result<RunningEmulator, Error> {
        let handle = server::spawn(config)?;
        Ok(RunningEmulator {
            handle: Some(handle),
        })
    }
}

/// A running emulator. Its methods are blocking and usable from ordinary (sync) tests.
/// Dropping it stops it, like [`RunningEmulator::stop`].
pub struct RunningEmulator {
    handle: Option<server::Handle>,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl RunningEmulator {
    fn handle(&self) -> Option<&server::Handle> {
        self.handle.as_ref()
    }

    fn with_service<T>(&self, f: impl FnOnce(&mut service::Service) -> T) -> Option<T> {
        self.handle().map(|h| f(&mut lock(&h.shared.service)))
    }

    /// `http://127.0.0.1:PORT`: the endpoint to give a client (no trailing slash).
    pub fn base_url(&self) -> &str {
        self.handle().map_or("", |h| h.base_url.as_str())
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.handle()
            .map_or(SocketAddr::from(([127, 0, 0, 1], 0)), |h| h.addr)
    }

    /// Every request received so far (up to [`Config::max_recorded_requests`]), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.handle()
            .map(|h| lock(&h.shared.requests).iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        if let Some(h) = self.handle() {
            lock(&h.shared.requests).clear();
        }
    }

    /// Approves the device authorization with this user code, as a person on the verification
    /// page would. Approving twice is fine; approving a denied, used or expired one is an error.
    pub fn approve(&self, user_code: &str) -> Result<(), Error> {
        self.with_service(|s| s.decide(user_code, true, Now::system()))
            .unwrap_or_else(|| Err(Error::UnknownUserCode(user_code.to_owned())))
    }

    /// Denies the device authorization with this user code: its next poll gets
    /// `AccessDeniedException`.
    pub fn deny(&self, user_code: &str) -> Result<(), Error> {
        self.with_service(|s| s.decide(user_code, false, Now::system()))
            .unwrap_or_else(|| Err(Error::UnknownUserCode(user_code.to_owned())))
    }

    /// Expires the device authorization with this user code now: its next poll gets
    /// `ExpiredTokenException` (with `second = 0`, where nothing ages, it is forgotten instead
    /// and gets `InvalidGrantException`).
    pub fn expire(&self, user_code: &str) -> Result<(), Error> {
        self.with_service(|s| s.expire(user_code))
            .unwrap_or_else(|| Err(Error::UnknownUserCode(user_code.to_owned())))
    }

    /// User codes still waiting for a decision, for tests that drive a client they cannot see
    /// into.
    pub fn pending_user_codes(&self) -> Vec<String> {
        self.with_service(|s| s.pending_user_codes(Now::system()))
            .unwrap_or_default()
    }

    /// Deletes a registered client, as an administrator (or the registration's expiry) would:
    /// from now on `/authorize` shows an error page for it (it cannot redirect an unknown
    /// client safely) and every call with it gets `InvalidClientException`. Returns whether
    /// the client was registered.
    pub fn delete_client(&self, client_id: &str) -> bool {
        self.with_service(|s| s.delete_client(client_id))
            .unwrap_or(false)
    }

    /// Changes how new decisions are made from now on.
    pub fn set_approval(&self, approval: Approval) {
        self.with_service(|s| s.set_approval(approval));
    }

    /// Adds a fault rule. `#N` counts from now.
    pub fn inject(&self, rule: FaultRule) {
        if let Some(h) = self.handle() {
            lock(&h.shared.faults).add(rule);
        }
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        if let Some(h) = self.handle() {
            lock(&h.shared.faults).clear();
        }
    }

    /// Stops serving, closes every connection (hung requests included) and waits for the
    /// server thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(h) = self.handle.take() {
            let _ = h.stop.send(true);
            let _ = h.thread.join();
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The code blocks of `README.md` (relative to this crate), compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
