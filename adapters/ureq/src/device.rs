//! [`device_login`]: runs the core's device-authorization machine over a [`Client`]. It only
//! moves bytes and sleeps; every protocol decision (intervals, slow_down, retries, deadline) is
//! the machine's.

use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use ssooidc_core::device::{
    DeviceFlow, DeviceFlowConfig, DeviceFlowInput, Event, Output, Token,
    TransportErrorKind as FlowTransport,
};
use ssooidc_core::operations::operation_of;
use time::OffsetDateTime;

use crate::client::Client;
use crate::error::{Error, TransportErrorKind};

/// Cancels a running [`device_login`] from another thread (a Ctrl-C handler, a UI button).
/// Cancelling wakes the driver at once, even in the middle of a wait.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<(Mutex<bool>, Condvar)>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels.
    pub fn cancel(&self) {
        let (flag, wake) = &*self.0;
        if let Ok(mut cancelled) = flag.lock() {
            *cancelled = true;
        }
        wake.notify_all();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0 .0.lock().map(|c| *c).unwrap_or(true)
    }

    /// Sleeps until `deadline` or until cancelled; `false` when cancelled.
    fn sleep_until(&self, deadline: Instant) -> bool {
        let (flag, wake) = &*self.0;
        let Ok(mut cancelled) = flag.lock() else {
            return false;
        };
        loop {
            if *cancelled {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            cancelled = match wake.wait_timeout(cancelled, deadline - now) {
                Ok((guard, _)) => guard,
                Err(_) => return false,
            };
        }
    }
}

/// Why [`device_login`] ended without a token (shared by every driver of the core machine).
pub use ssooidc_core::device::LoginError;

/// Options of [`device_login`].
#[derive(Debug, Clone, Default)]
pub struct LoginOptions {
    /// The machine's policy knobs (retries, interval floor, the `second` testing knob).
    pub flow: DeviceFlowConfig,
    /// Cancellation.
    pub cancel: CancelToken,
    /// Seed of the retry jitter; `None` draws one from the OS-seeded hasher of std.
    pub seed: Option<u64>,
}

/// Runs a whole device login over `client`: registers (unless `input` carries a reusable
/// registration), starts the authorization, polls. `on_event` receives every
/// [`Event`]: [`Event::Registered`] (cache it) and [`Event::Prompt`] (show the user code and
/// the URL). Returns the token, or why there is none.
pub fn device_login(
    client: &Client,
    input: DeviceFlowInput,
    options: LoginOptions,
    mut on_event: impl FnMut(&Event),
) -> Result<Token, LoginError> {
    let seed = options.seed.unwrap_or_else(|| {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    });
    let cancel = options.cancel;
    let mut flow = DeviceFlow::new(input, options.flow, OffsetDateTime::now_utc(), seed);
    loop {
        if cancel.is_cancelled() {
            return Err(LoginError::Cancelled);
        }
        match flow.poll_output()? {
            Output::Transmit(request) => {
                let operation = operation_of(&request).unwrap_or("CreateToken");
                let result = client.send(operation, request);
                if cancel.is_cancelled() {
                    return Err(LoginError::Cancelled);
                }
                let now = Instant::now();
                match result {
                    Ok(response) => {
                        flow.handle_response(now, OffsetDateTime::now_utc(), response)?
                    }
                    Err(e) => flow.handle_transport_error(now, flow_transport_kind(&e))?,
                }
            }
            Output::Timeout(at) => {
                if !cancel.sleep_until(at) {
                    return Err(LoginError::Cancelled);
                }
                flow.handle_timeout(Instant::now())?;
            }
            Output::Event(event) => on_event(&event),
            Output::Done(result) => return result.map_err(LoginError::Flow),
        }
    }
}

fn flow_transport_kind(e: &Error) -> FlowTransport {
    match e {
        Error::Timeout { .. } => FlowTransport::Timeout,
        Error::Transport {
            kind: TransportErrorKind::Connect | TransportErrorKind::Tls | TransportErrorKind::Proxy,
            ..
        } => FlowTransport::Connect,
        _ => FlowTransport::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn cancel_wakes_a_sleeper_at_once() {
        let cancel = CancelToken::new();
        let other = cancel.clone();
        let started = Instant::now();
        let t =
            std::thread::spawn(move || other.sleep_until(Instant::now() + Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(20));
        cancel.cancel();
        assert!(!t.join().unwrap(), "the sleep reports cancellation");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(cancel.is_cancelled());
    }

    #[test]
    fn sleep_returns_at_the_deadline() {
        let cancel = CancelToken::new();
        assert!(cancel.sleep_until(Instant::now() + Duration::from_millis(5)));
    }
}
