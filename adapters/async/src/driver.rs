//! The one loop that runs every machine of the core over a [`Client`] and its [`Timer`]: it
//! sends what the machine transmits, sleeps when it asks to wait, and hands every event to the
//! caller. All protocol decisions are the machine's. It spawns nothing; dropping its future
//! stops it.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

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

/// Runs `machine` to its end. `keys` sign the requests that need signing; `cancel` stops the
/// drive at once, even in the middle of a request or a wait.
pub(crate) async fn drive<T: HttpSend, R: Timer, M: Machine>(
    client: &Client<T, R>,
    keys: Option<&StaticKeys>,
    machine: &mut M,
    cancel: Option<&CancelToken>,
    mut on_event: impl FnMut(&M::Event),
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
                guard(cancel, timer.sleep_until(at)).await?;
                machine.handle_timeout(timer.now())?;
            }
            Output::Event(event) => on_event(&event),
            Output::Done(result) => return Ok(result),
        }
    }
}
