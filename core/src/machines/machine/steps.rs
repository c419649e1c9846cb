//! What every machine of several calls keeps about the request of its current phase: where it
//! stands ([`Io`]), its consecutive retryable failures ([`Retries`]), and the wait before the
//! next try ([`backoff`]: exponential, capped, with equal jitter drawn from the machine's seed),
//! all in protocol seconds ([`protocol_seconds`]: the `second` testing knob of the flows'
//! configs). The device flow and the browser login share them; the policy of each phase
//! (intervals, deadlines, what is fatal) stays with its grant.

use std::time::{Duration, Instant};

use crate::base::rng::Rng;

/// The first retry waits about this many protocol seconds; each further retry doubles it.
pub(crate) const BACKOFF_BASE_SECS: u64 = 1;
/// No single backoff is longer than this many protocol seconds (botocore's standard mode cap).
pub(crate) const BACKOFF_CAP_SECS: u64 = 20;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// `n` protocol seconds, each `second` long, saturating at [`Duration::MAX`].
pub(crate) fn protocol_seconds(n: u64, second: Duration) -> Duration {
    from_nanos_saturating(second.as_nanos().saturating_mul(u128::from(n)))
}

fn from_nanos_saturating(nanos: u128) -> Duration {
    let secs = nanos / NANOS_PER_SEC;
    match u64::try_from(secs) {
        // The remainder is below 10^9, so it fits a u32.
        Ok(secs) => Duration::new(secs, (nanos % NANOS_PER_SEC) as u32),
        Err(_) => Duration::MAX,
    }
}

/// The wait before retry number `failures` (1 for the first retry): the exponential step
/// `min(base * 2^(failures-1), cap)` protocol seconds, half of it fixed and half drawn at
/// random ("equal jitter"), so a retry never fires at once yet retries of many clients spread out.
pub(crate) fn backoff(failures: u32, second: Duration, rng: &mut Rng) -> Duration {
    let exponent = failures.saturating_sub(1).min(63);
    let step_secs = BACKOFF_BASE_SECS
        .saturating_mul(1u64 << exponent)
        .min(BACKOFF_CAP_SECS);
    let step = protocol_seconds(step_secs, second).as_nanos();
    let half = step / 2;
    from_nanos_saturating(half.saturating_add(rng.up_to(step - half)))
}

/// Consecutive retryable failures of one phase, and the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Retries {
    failures: u32,
    max_retries: u32,
}

impl Retries {
    pub(crate) fn new(max_retries: u32) -> Self {
        Retries {
            failures: 0,
            max_retries,
        }
    }

    /// Counts a failure: `Some(n)` when retry number `n` may go ahead, `None` when the limit is
    /// spent.
    pub(crate) fn fail(&mut self) -> Option<u32> {
        self.failures = self.failures.saturating_add(1);
        (self.failures <= self.max_retries).then_some(self.failures)
    }

    /// The failures so far, in a row.
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }

    /// A successful exchange ends the streak.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

/// Where the current phase's request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Io {
    /// A request is due: the next `poll_output` transmits it.
    Ready,
    /// A request was transmitted; its response (or transport error) is awaited.
    InFlight,
    /// Nothing to do before this instant.
    Waiting(Instant),
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn protocol_seconds_scale_and_saturate() {
        assert_eq!(protocol_seconds(5, S), Duration::from_secs(5));
        assert_eq!(
            protocol_seconds(5, Duration::from_millis(2)),
            Duration::from_millis(10)
        );
        assert_eq!(protocol_seconds(u64::MAX, Duration::MAX), Duration::MAX);
        assert_eq!(protocol_seconds(7, Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered_within_bounds() {
        let mut rng = Rng::new(7);
        for failures in 0..100u32 {
            let exp = failures.saturating_sub(1).min(63);
            let step = (1u64 << exp).min(BACKOFF_CAP_SECS);
            let step = Duration::from_secs(step);
            for _ in 0..20 {
                let b = backoff(failures, S, &mut rng);
                assert!(b >= step / 2 && b <= step, "{failures}: {b:?}");
            }
        }
        assert_eq!(backoff(3, Duration::ZERO, &mut rng), Duration::ZERO);
        assert!(backoff(u32::MAX, Duration::MAX, &mut rng) <= Duration::MAX);
    }

    #[test]
    fn retries_are_bounded_and_reset() {
        let mut r = Retries::new(2);
        assert_eq!(r.fail(), Some(1));
        assert_eq!(r.fail(), Some(2));
        assert_eq!(r.fail(), None);
        assert_eq!(r.failures(), 3);
        r.reset();
        assert_eq!(r.fail(), Some(1));
        let mut none = Retries::new(0);
        assert_eq!(none.fail(), None);
    }
}
