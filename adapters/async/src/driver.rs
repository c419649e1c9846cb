//! The one loop that runs every machine of the core over a [`Client`] and its [`Timer`]: it
//! sends what the machine transmits, waits when it asks to wait, and hands every event to the
//! caller. All protocol decisions are the machine's. It spawns nothing; dropping its future
//! stops it.
//!
//! Waiting is a [`Waiter`]: for most machines, sleeping with the timer ([`Sleep`]); for the
//! browser login, taking the loopback listener's requests until the time comes
//! (the `authcode` module), because that machine has one more input than the others.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

use ssooidc_core::machine::{feed, DriveError, Machine, Output};
use ssooidc_core::settings::StaticKeys;
use ssooidc_core::CancelToken;

use crate::client::Client;
use crate::transport::{HttpSend, Timer};

/// Runs `fut` unless `cancel` fires first.
async fn guard<F: Future>(cancel: Option<&CancelToken>, fut: F) -> Result<F::Output, DriveError> {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        if cancel.is_some_and(|c| c.register(cx.waker())) {
            return Poll::Ready(Err(DriveError::Cancelled));
        }
        fut.as_mut().poll(cx).map(Ok)
    })
    .await
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Woke {
    /// The time came: the driver calls `handle_timeout`.
    Time,
    /// An input was fed to the machine before the time: the driver polls it again.
    Input,
}

/// What the driver does while its machine waits for an instant.
pub(crate) trait Waiter<M, R: Timer> {
    /// Waits until `at` on `timer`, or until an input was fed to `machine`. The driver cancels
    /// it by dropping the future.
    fn wait(
        &mut self,
        machine: &mut M,
        timer: &R,
        at: Instant,
    ) -> impl Future<Output = Result<Woke, DriveError>>;
}

/// The wait of machines that take no input but time: sleeping with the timer.
pub(crate) struct Sleep;

impl<M, R: Timer> Waiter<M, R> for Sleep {
    async fn wait(&mut self, _machine: &mut M, timer: &R, at: Instant) -> Result<Woke, DriveError> {
        timer.sleep_until(at).await;
        Ok(Woke::Time)
    }
}

/// Runs `machine` to its end, sleeping when it waits. `keys` sign the requests that need
/// signing; `cancel` stops the drive at once, even in the middle of a request or a wait.
pub(crate) async fn drive<T: HttpSend, R: Timer, M: Machine>(
    client: &Client<T, R>,
    keys: Option<&StaticKeys>,
    machine: &mut M,
    cancel: Option<&CancelToken>,
    on_event: impl FnMut(&M::Event),
) -> Result<M::Output, DriveError> {
    drive_with(
        client,
        keys,
        machine,
        cancel,
        &mut Sleep,
        &mut Told(on_event),
    )
    .await
}

/// What the driver does with a machine's events.
pub(crate) trait OnEvent<M: Machine, R: Timer> {
    /// Acts on `event`; may answer `machine` (the session machines' file operations) and
    /// wait on `timer` (for a lock another process holds).
    fn event(
        &mut self,
        machine: &mut M,
        event: M::Event,
        timer: &R,
    ) -> impl Future<Output = Result<(), DriveError>>;
}

/// An event handler that only looks at the events (every machine's but the sessions').
pub(crate) struct Told<F>(pub(crate) F);

impl<M: Machine, R: Timer, F: FnMut(&M::Event)> OnEvent<M, R> for Told<F> {
    async fn event(
        &mut self,
        _machine: &mut M,
        event: M::Event,
        _timer: &R,
    ) -> Result<(), DriveError> {
        (self.0)(&event);
        Ok(())
    }
}

/// [`drive`] with another way to wait, and another way to act on events.
pub(crate) async fn drive_with<T: HttpSend, R: Timer, M: Machine>(
    client: &Client<T, R>,
    keys: Option<&StaticKeys>,
    machine: &mut M,
    cancel: Option<&CancelToken>,
    waiter: &mut impl Waiter<M, R>,
    on_event: &mut impl OnEvent<M, R>,
) -> Result<M::Output, DriveError> {
    let timer = client.timer();
    loop {
        if cancel.is_some_and(CancelToken::is_cancelled) {
            return Err(DriveError::Cancelled);
        }
        match machine.poll_output()? {
            Output::Transmit(transmit) => {
                let result = guard(cancel, client.transmit(transmit, keys)).await??;
                feed(machine, timer.now(), timer.now_utc(), result)?;
            }
            Output::Timeout(at) => {
                if guard(cancel, waiter.wait(machine, timer, at)).await?? == Woke::Time {
                    machine.handle_timeout(timer.now())?;
                }
            }
            Output::Event(event) => guard(cancel, on_event.event(machine, event, timer)).await??,
            Output::Done(result) => return Ok(result),
        }
    }
}
