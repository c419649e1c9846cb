//! The `tokio` feature: [`TokioTimer`].

use std::future::Future;
use std::time::Instant;

use ssooidc_core::machine::MAX_WAIT;

use crate::transport::Timer;

/// A [`Timer`] on tokio's clock: sleeps with `tokio::time::sleep_until` and reads
/// `tokio::time::Instant::now()`, so a test runtime with paused time drives a whole login in no
/// real time. Needs a tokio runtime with the time driver enabled.
///
/// Any instant is fine: one more than [`MAX_WAIT`] away (which no machine of the core asks
/// for) is slept to `now + MAX_WAIT` instead, since tokio panics on instants near the end of
/// [`Instant`]'s range.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    fn sleep_until(&self, at: Instant) -> impl Future<Output = ()> {
        let now = tokio::time::Instant::now();
        let at = match now.checked_add(MAX_WAIT) {
            Some(latest) => tokio::time::Instant::from_std(at).min(latest),
            None => now,
        };
        tokio::time::sleep_until(at)
    }

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    use std::time::{Duration, Instant};

    use super::TokioTimer;
    use crate::transport::Timer;

    /// The latest instant `Instant` can hold after `from` (within a nanosecond).
    fn end_of_time(from: Instant) -> Instant {
        let mut at = from;
        let mut step = Duration::MAX;
        while !step.is_zero() {
            if let Some(next) = at.checked_add(step) {
                at = next;
            }
            step /= 2;
        }
        at
    }

    #[test]
    fn sleeping_to_the_end_of_time_does_not_panic() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let _in_runtime = runtime.enter();
        let now = TokioTimer.now();
        for far in [
            end_of_time(now),
            now + Duration::from_secs(100 * 365 * 86_400),
            now + Duration::from_secs(1),
        ] {
            // Polled once (which registers the timer, where tokio panicked), never awaited.
            let mut sleep = pin!(TokioTimer.sleep_until(far));
            let mut cx = Context::from_waker(Waker::noop());
            assert_eq!(sleep.as_mut().poll(&mut cx), Poll::Pending, "{far:?}");
        }
    }
}
