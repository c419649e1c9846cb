//! The protocol every state machine of this crate speaks, and the one step helper drivers use.
//!
//! A machine never does I/O. A driver (an adapter) asks it what to do next and reports back:
//!
//! ```text
//! loop {
//!     match machine.poll_output()? {
//!         Output::Transmit(t)  => send t.request; then feed(&mut machine, now, wall, result)
//!         Output::Timeout(at)  => sleep until `at`; then machine.handle_timeout(now)
//!         Output::Event(e)     => act on it (show a prompt, cache a registration)
//!         Output::Done(result) => return result
//!     }
//! }
//! ```
//!
//! - Every request comes as a [`Transmit`], which names its operation and says whether it must
//!   be signed, so a driver never guesses either from the URI.
//! - Time is an input: `now` ([`Instant`]) schedules, `wall` ([`OffsetDateTime`]) stamps
//!   expiry times. Waking early is harmless; a clock that goes backwards is harmless.
//! - Calling things out of order returns a [`MisuseError`] and changes nothing. After
//!   [`Output::Done`], `poll_output` returns the same result again and every input is
//!   [`MisuseError::Finished`].
//!
//! The machines: [`Call`] (one operation with retries), the device-authorization grant
//! ([`crate::device::DeviceFlow`]) and token refresh ([`crate::refresh::Refresher`]).

mod call;
mod pages;
mod primed;
pub(crate) mod steps;

use std::fmt;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

pub use call::{Call, Decode};
pub use pages::{Pages, MAX_PAGES};
pub use primed::Primed;

use crate::transport::TransportError;
use crate::wire::Auth;

/// The longest wait any machine of this crate asks for: an [`Output::Timeout`] is never more
/// than a year after the latest `now` the machine was given, whatever a server answered
/// (`expires_in` / `interval` of `i64::MAX`) or a caller configured (a huge protocol second).
/// So a driver never has to sleep until an instant near the end of [`Instant`]'s range, which
/// some timers (tokio's) cannot represent.
pub const MAX_WAIT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// When a wait of `wait` that starts at `now` ends: `now + wait`, with `wait` capped at
/// [`MAX_WAIT`] (and saturating at the latest representable instant, which only a `now`
/// already near the end of [`Instant`]'s range can reach). Every wait a machine asks for is
/// computed here.
pub fn wake_at(now: Instant, wait: Duration) -> Instant {
    crate::base::instant::saturating_add(now, wait.min(MAX_WAIT))
}

/// A request a machine wants sent.
#[non_exhaustive]
pub struct Transmit {
    /// The operation, for errors and logs (`RegisterClient`, `CreateToken`, ...).
    pub operation: &'static str,
    /// How the request authenticates. [`Auth::SigV4`]: the driver signs it (with
    /// [`crate::sigv4::sign`]) just before sending, so that each attempt carries a fresh date.
    pub auth: Auth,
    /// The request.
    pub request: http::Request<Vec<u8>>,
}

impl Transmit {
    /// Signs the request for `region` with `keys` at wall-clock `at`, when its operation is
    /// signed ([`Auth::SigV4`], signing name `sso-oauth`); does nothing otherwise. Drivers call
    /// it just before sending each attempt.
    pub fn sign(
        &mut self,
        keys: &crate::formats::credentials::StaticKeys,
        region: &str,
        at: OffsetDateTime,
    ) -> Result<(), crate::call::CallError> {
        if self.auth != Auth::SigV4 {
            return Ok(());
        }
        crate::sigv4::sign(
            &mut self.request,
            &keys.signing(),
            region,
            crate::wire::SIGNING_NAME,
            at,
        )
        .map_err(|e| crate::call::CallError::Request {
            operation: self.operation,
            error: crate::wire::RequestError::Signing(e),
        })
    }
}

impl fmt::Debug for Transmit {
    /// The body is not shown: it carries secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transmit")
            .field("operation", &self.operation)
            .field("method", self.request.method())
            .field("uri", self.request.uri())
            .field("body_len", &self.request.body().len())
            .finish()
    }
}

/// What a machine wants next.
///
/// Deliberately exhaustive: a driver must handle every kind of output.
// `Transmit` is the common output and is moved straight to the transport: boxing it would add
// an allocation per request to save stack space in a value that lives for one loop turn.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Output<E, T> {
    /// Send this request, then report the answer with [`feed`] (or the machine's
    /// `handle_response` / `handle_transport_error`).
    Transmit(Transmit),
    /// Nothing to do before this instant: sleep until then and call `handle_timeout`. Never
    /// more than [`MAX_WAIT`] after the latest `now` the machine was given.
    Timeout(Instant),
    /// Something to act on; then poll again.
    Event(E),
    /// Finished. Returned again on every later poll.
    Done(T),
}

/// Why a machine waits after an [`Output::Timeout`] ([`Machine::waiting_for`]), so that a driver
/// can tell a person about a long wait that is not the protocol's ordinary pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Wait {
    /// The protocol's own pace: polling at the server's interval.
    Pace,
    /// A backoff before a failed request is tried again.
    Retry,
}

/// The caller broke a machine's protocol. The machine's state is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum MisuseError {
    /// A response or transport error was fed while no request was outstanding.
    #[error("no request is outstanding")]
    NoRequestOutstanding,
    /// `poll_output` was called while a request is outstanding: feed its response or transport
    /// error first.
    #[error("a request is outstanding: feed its response or transport error first")]
    RequestOutstanding,
    /// An input was fed after the machine finished.
    #[error("the machine has finished")]
    Finished,
}

/// Why a driver stopped before its machine finished. Every driver returns it, so that each
/// caller maps it the same way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DriveError {
    /// The driver's cancel token fired.
    #[error("cancelled")]
    Cancelled,
    /// The driver misused the machine (a bug; reported rather than panicking).
    #[error("internal error: {0}")]
    Misuse(#[from] MisuseError),
    /// A request could not be sent as transmitted (it could not be signed, or no credentials
    /// could be had for it).
    #[error(transparent)]
    Call(#[from] crate::call::CallError),
}

impl DriveError {
    /// The stop as the failure of a single call of `operation`.
    pub fn into_call_error(self, operation: &'static str) -> crate::call::CallError {
        match self {
            DriveError::Call(e) => e,
            other => crate::call::CallError::Request {
                operation,
                error: crate::wire::RequestError::Http(other.to_string()),
            },
        }
    }
}

/// The protocol of every machine (see the [module docs](self)).
pub trait Machine {
    /// What the machine tells its driver along the way.
    type Event;
    /// The final result.
    type Output;

    /// What to do next.
    fn poll_output(&mut self) -> Result<Output<Self::Event, Self::Output>, MisuseError>;

    /// The answer to the request last transmitted, received at `now` (`wall` on the wall
    /// clock).
    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError>;

    /// The request last transmitted failed below HTTP.
    fn handle_transport_error(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError>;

    /// Time passed. Before the time of the last [`Output::Timeout`] it does nothing.
    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError>;

    /// Why the machine waits, asked after an [`Output::Timeout`]. The default,
    /// [`Wait::Retry`], is the only reason [`Call`] and the refresh machine wait.
    fn waiting_for(&self) -> Wait {
        Wait::Retry
    }
}

/// The step every driver takes after sending a [`Transmit`]: hands the machine the response or
/// the transport failure.
pub fn feed<M: Machine, B: AsRef<[u8]>>(
    machine: &mut M,
    now: Instant,
    wall: OffsetDateTime,
    result: Result<http::Response<B>, TransportError>,
) -> Result<(), MisuseError> {
    match result {
        Ok(response) => machine.handle_response(now, wall, response),
        Err(error) => machine.handle_transport_error(now, wall, error),
    }
}
