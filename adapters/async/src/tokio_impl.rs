//! The `tokio` feature: [`TokioTimer`].

use std::future::Future;
use std::time::Instant;

use crate::transport::Timer;

/// A [`Timer`] on tokio's clock: sleeps with `tokio::time::sleep_until` and reads
/// `tokio::time::Instant::now()`, so a test runtime with paused time drives a whole login in no
/// real time. Needs a tokio runtime with the time driver enabled.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    fn sleep_until(&self, at: Instant) -> impl Future<Output = ()> {
        tokio::time::sleep_until(tokio::time::Instant::from_std(at))
    }

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}
