//! The one loop that runs every machine of the core over a [`Client`]: it sends what the
//! machine transmits, sleeps when it asks to wait, and hands every event to the caller. All
//! protocol decisions are the machine's.

use std::sync::Arc;
use std::task::{Wake, Waker};
use std::thread::Thread;
use std::time::Instant;

use ssooidc_core::machine::{feed, DriveError, Machine, Output, Wait};
use ssooidc_core::settings::StaticKeys;
use ssooidc_core::CancelToken;
use time::OffsetDateTime;

use crate::client::Client;

/// Runs `machine` to its end. `keys` sign the requests that need signing; `cancel` stops the
/// drive at once, even in the middle of a wait. A wait of a second or more to retry a failed
/// request is announced to the client's [`WaitNotice`](crate::client::WaitNotice).
pub(crate) fn drive<M: Machine>(
    client: &Client,
    keys: Option<&StaticKeys>,
    machine: &mut M,
    cancel: Option<&CancelToken>,
    mut on_event: impl FnMut(&M::Event),
) -> Result<M::Output, DriveError> {
    let cancelled = || cancel.is_some_and(CancelToken::is_cancelled);
    let mut operation = "";
    loop {
        if cancelled() {
            return Err(DriveError::Cancelled);
        }
        match machine.poll_output()? {
            Output::Transmit(transmit) => {
                operation = transmit.operation;
                let result = client.transmit(transmit, keys).map_err(DriveError::Call)?;
                if cancelled() {
                    return Err(DriveError::Cancelled);
                }
                feed(machine, Instant::now(), OffsetDateTime::now_utc(), result)?;
            }
            Output::Timeout(at) => {
                let wait = at.saturating_duration_since(Instant::now());
                if let Some(notice) = client.wait_notice() {
                    if wait >= crate::client::WAIT_NOTICE && machine.waiting_for() == Wait::Retry {
                        notice.tell(operation, wait);
                    }
                }
                if !sleep_until(at, cancel) {
                    return Err(DriveError::Cancelled);
                }
                machine.handle_timeout(Instant::now())?;
            }
            Output::Event(event) => on_event(&event),
            Output::Done(result) => return Ok(result),
        }
    }
}

/// Wakes a parked thread.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Sleeps until `at`, or until `cancel` fires (`false` then).
pub(crate) fn sleep_until(at: Instant, cancel: Option<&CancelToken>) -> bool {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    loop {
        if cancel.is_some_and(|c| c.register(&waker)) {
            return false;
        }
        let now = Instant::now();
        if now >= at {
            return true;
        }
        std::thread::park_timeout(at - now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn cancel_wakes_a_sleeper() {
        let cancel = CancelToken::new();
        let other = cancel.clone();
        let sleeper = std::thread::spawn(move || {
            sleep_until(Instant::now() + Duration::from_secs(3600), Some(&other))
        });
        std::thread::sleep(Duration::from_millis(20));
        cancel.cancel();
        // An hour-long sleep that returns at all was woken by the cancel.
        assert!(!sleeper.join().unwrap(), "the sleep reports cancellation");
    }

    #[test]
    fn sleep_returns_at_the_deadline() {
        let at = Instant::now() + Duration::from_millis(5);
        assert!(sleep_until(at, Some(&CancelToken::new())));
        assert!(Instant::now() >= at);
        assert!(sleep_until(Instant::now(), None));
    }
}
