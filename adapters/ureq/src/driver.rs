//! The one loop that runs every machine of the core over a [`Client`]: it sends what the
//! machine transmits, waits when it asks to wait, and hands every event to the caller. All
//! protocol decisions are the machine's.
//!
//! Waiting is a [`Waiter`]: for most machines, sleeping ([`Sleep`]); for the browser login, taking
//! the loopback listener's requests until the time comes (the `callback` module), because that machine
//! has one more input than the others.

use std::sync::Arc;
use std::task::{Wake, Waker};
use std::thread::Thread;
use std::time::Instant;

use ssooidc_core::machine::{feed, DriveError, Machine, Output, Wait};
use ssooidc_core::settings::StaticKeys;
use ssooidc_core::CancelToken;
use time::OffsetDateTime;

use crate::client::Client;

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Woke {
    /// The time came: the driver calls `handle_timeout`.
    Time,
    /// An input was fed to the machine before the time: the driver polls it again.
    Input,
}

/// What the driver does while its machine waits for an instant.
pub(crate) trait Waiter<M> {
    /// Waits until `at`, or until an input was fed to `machine`; [`DriveError::Cancelled`] as
    /// soon as `cancel` fires.
    fn wait(
        &mut self,
        machine: &mut M,
        at: Instant,
        cancel: Option<&CancelToken>,
    ) -> Result<Woke, DriveError>;
}

/// The wait of machines that take no input but time: sleeping.
pub(crate) struct Sleep;

impl<M> Waiter<M> for Sleep {
    fn wait(
        &mut self,
        _machine: &mut M,
        at: Instant,
        cancel: Option<&CancelToken>,
    ) -> Result<Woke, DriveError> {
        match wait_until(at, cancel, || None::<()>) {
            Waited::Time => Ok(Woke::Time),
            Waited::Ready(()) => Ok(Woke::Input),
            Waited::Cancelled => Err(DriveError::Cancelled),
        }
    }
}

/// Runs `machine` to its end, sleeping when it waits. `keys` sign the requests that need
/// signing; `cancel` stops the drive at once, even in the middle of a wait. A wait of a second
/// or more to retry a failed request is announced to the client's
/// [`WaitNotice`](crate::client::WaitNotice).
pub(crate) fn drive<M: Machine>(
    client: &Client,
    keys: Option<&StaticKeys>,
    machine: &mut M,
    cancel: Option<&CancelToken>,
    on_event: impl FnMut(&M::Event),
) -> Result<M::Output, DriveError> {
    drive_with(client, keys, machine, cancel, &mut Sleep, told(on_event))
}

/// An event handler that only looks at the events (every machine's but the sessions').
pub(crate) fn told<M: Machine>(
    mut on_event: impl FnMut(&M::Event),
) -> impl FnMut(&mut M, M::Event) -> Result<(), DriveError> {
    move |_, event| {
        on_event(&event);
        Ok(())
    }
}

/// [`drive`] with another way to wait, and an event handler that may answer the machine (the
/// session machines' file operations).
pub(crate) fn drive_with<M: Machine>(
    client: &Client,
    keys: Option<&StaticKeys>,
    machine: &mut M,
    cancel: Option<&CancelToken>,
    waiter: &mut impl Waiter<M>,
    mut on_event: impl FnMut(&mut M, M::Event) -> Result<(), DriveError>,
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
                if waiter.wait(machine, at, cancel)? == Woke::Time {
                    machine.handle_timeout(Instant::now())?;
                }
            }
            Output::Event(event) => on_event(machine, event)?,
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

/// How [`wait_until`] ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Waited<T> {
    /// `at` came.
    Time,
    /// `ready` gave this first.
    Ready(T),
    /// The cancel token fired.
    Cancelled,
}

/// Parks this thread until `at`, until `ready` gives something, or until `cancel` fires,
/// whichever is first. Whoever makes `ready` give something must unpark this thread (the
/// cancel token does so itself).
pub(crate) fn wait_until<T>(
    at: Instant,
    cancel: Option<&CancelToken>,
    mut ready: impl FnMut() -> Option<T>,
) -> Waited<T> {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    loop {
        if cancel.is_some_and(|c| c.register(&waker)) {
            return Waited::Cancelled;
        }
        if let Some(value) = ready() {
            return Waited::Ready(value);
        }
        let now = Instant::now();
        if now >= at {
            return Waited::Time;
        }
        std::thread::park_timeout(at - now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    fn sleep_until(at: Instant, cancel: Option<&CancelToken>) -> bool {
        wait_until(at, cancel, || None::<()>) == Waited::Time
    }

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

    #[test]
    fn an_unpark_with_something_ready_ends_the_wait() {
        let flag = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let flag = flag.clone();
            std::thread::spawn(move || {
                tx.send(std::thread::current()).unwrap();
                wait_until(Instant::now() + Duration::from_secs(3600), None, || {
                    flag.load(Ordering::SeqCst).then_some(7)
                })
            })
        };
        let thread = rx.recv().unwrap();
        flag.store(true, Ordering::SeqCst);
        thread.unpark();
        assert_eq!(waiter.join().unwrap(), Waited::Ready(7));
    }
}
