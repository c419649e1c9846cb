//! Arithmetic on the monotonic clock's `Instant`s that never panics.

use std::time::{Duration, Instant};

/// `t + d`, or the latest representable instant not after it (within a nanosecond) when that
/// overflows: a wait too long to represent is as good as forever.
pub(crate) fn saturating_add(t: Instant, d: Duration) -> Instant {
    if let Some(sum) = t.checked_add(d) {
        return sum;
    }
    let mut at = t;
    let mut step = d;
    while !step.is_zero() {
        step /= 2;
        if let Some(next) = at.checked_add(step) {
            at = next;
        }
    }
    at
}
