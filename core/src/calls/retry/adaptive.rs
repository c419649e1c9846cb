//! The client-side rate limiter of the `adaptive` retry mode, ported from botocore
//! (`retries/adaptive.py`, `bucket.py`, `throttling.py`) as a sans-I/O component: time comes
//! in as [`Instant`]s and the limiter answers "send now" or "wait until".
//!
//! It stays out of the way until the service throttles. From the first throttling response on,
//! every send takes a token from a bucket whose fill rate follows CUBIC congestion control:
//! cut to 70 % of the measured send rate at each throttle, then growing back along a cubic
//! curve with each success.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The lowest fill rate of the bucket, in requests per second.
const MIN_FILL_RATE: f64 = 0.5;
/// CUBIC's scale constant.
const SCALE_CONSTANT: f64 = 0.4;
/// CUBIC's multiplicative decrease.
const BETA: f64 = 0.7;
/// The new rate never exceeds this multiple of the measured rate.
const MAX_RATE_ADJUST_SCALE: f64 = 2.0;
/// Smoothing of the measured rate.
const SMOOTHING: f64 = 0.8;
/// Width of the measuring buckets, in seconds.
const TIME_BUCKET_RANGE: f64 = 0.5;

/// The adaptive mode's rate limiter, shared by every call of one client (cloning shares it).
///
/// ```
/// use std::time::{Duration, Instant};
/// use ssooidc_core::retry::RateLimiter;
/// let limiter = RateLimiter::new();
/// let t0 = Instant::now();
/// assert_eq!(limiter.acquire(t0), Ok(()), "no throttling yet: send at once");
/// limiter.record(t0, true); // the service throttled
/// // From now on sends are paced; an immediate second send has to wait.
/// let t1 = t0 + Duration::from_millis(1);
/// assert!(limiter.acquire(t1).is_err());
/// ```
#[derive(Debug, Clone, Default)]
pub struct RateLimiter {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// The instant every time below is counted from (the first one seen).
    epoch: Option<Instant>,
    enabled: bool,
    bucket: TokenBucket,
    cubic: Cubic,
    clocker: RateClocker,
}

impl State {
    /// Seconds since the epoch (set by the first call).
    fn seconds(&mut self, now: Instant) -> f64 {
        let epoch = *self.epoch.get_or_insert(now);
        now.saturating_duration_since(epoch).as_secs_f64()
    }
}

impl RateLimiter {
    /// A limiter that lets everything through until the first throttling response.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks to send a request at `now`: `Ok(())` when it may go (a token was taken), or the
    /// instant to ask again at.
    pub fn acquire(&self, now: Instant) -> Result<(), Instant> {
        let mut state = self.lock();
        let t = state.seconds(now);
        if !state.enabled {
            return Ok(());
        }
        match state.bucket.acquire(t) {
            None => Ok(()),
            Some(wait) => Err(now
                .checked_add(Duration::from_secs_f64(wait.clamp(0.0, 3600.0)))
                .unwrap_or(now)),
        }
    }

    /// Records the answer to a request at `now`: `throttled` when it was a throttling error.
    pub fn record(&self, now: Instant, throttled: bool) {
        let mut state = self.lock();
        let t = state.seconds(now);
        let measured = state.clocker.record(t);
        let new_rate = if throttled {
            let rate = if state.enabled {
                measured.min(state.bucket.fill_rate)
            } else {
                measured
            };
            state.enabled = true;
            state.cubic.error_received(rate, t)
        } else {
            state.cubic.success_received(t)
        };
        let rate = new_rate.min(MAX_RATE_ADJUST_SCALE * measured);
        state.bucket.set_rate(rate, t);
    }

    /// Whether pacing has started (after the first throttling response).
    pub fn is_enabled(&self) -> bool {
        self.lock().enabled
    }
}

/// botocore's `TokenBucket`, with time as an argument.
#[derive(Debug)]
struct TokenBucket {
    fill_rate: f64,
    max_capacity: f64,
    capacity: f64,
    last: Option<f64>,
}

impl Default for TokenBucket {
    fn default() -> Self {
        let mut bucket = TokenBucket {
            fill_rate: MIN_FILL_RATE,
            max_capacity: 1.0,
            capacity: 0.0,
            last: None,
        };
        bucket.apply_rate(1.0);
        bucket
    }
}

impl TokenBucket {
    fn refill(&mut self, t: f64) {
        let Some(last) = self.last else {
            self.last = Some(t);
            return;
        };
        let filled = (t - last).max(0.0) * self.fill_rate;
        self.capacity = (self.capacity + filled).min(self.max_capacity);
        self.last = Some(t.max(last));
    }

    fn apply_rate(&mut self, rate: f64) {
        let rate = if rate.is_finite() {
            rate
        } else {
            MIN_FILL_RATE
        };
        self.fill_rate = rate.max(MIN_FILL_RATE);
        self.max_capacity = if rate >= 1.0 { rate } else { 1.0 };
        self.capacity = self.capacity.min(self.max_capacity);
    }

    fn set_rate(&mut self, rate: f64, t: f64) {
        self.refill(t);
        self.apply_rate(rate);
    }

    /// Takes one token at `t`, or says how many seconds until one is there.
    fn acquire(&mut self, t: f64) -> Option<f64> {
        self.refill(t);
        if self.capacity >= 1.0 {
            self.capacity -= 1.0;
            None
        } else {
            Some((1.0 - self.capacity) / self.fill_rate)
        }
    }
}

/// botocore's `CubicCalculator`.
#[derive(Debug)]
struct Cubic {
    w_max: f64,
    k: f64,
    last_fail: f64,
}

impl Default for Cubic {
    fn default() -> Self {
        Cubic {
            w_max: 0.0,
            k: 0.0,
            last_fail: 0.0,
        }
    }
}

impl Cubic {
    fn zero_point(w_max: f64) -> f64 {
        (w_max * (1.0 - BETA) / SCALE_CONSTANT).max(0.0).cbrt()
    }

    fn success_received(&self, t: f64) -> f64 {
        let dt = t - self.last_fail;
        SCALE_CONSTANT * (dt - self.k).powi(3) + self.w_max
    }

    fn error_received(&mut self, rate: f64, t: f64) -> f64 {
        self.w_max = rate;
        self.k = Self::zero_point(rate);
        self.last_fail = t;
        rate * BETA
    }
}

/// botocore's `RateClocker`: the smoothed send rate, measured in half-second buckets.
#[derive(Debug, Default)]
struct RateClocker {
    measured: f64,
    last_bucket: f64,
    count: f64,
}

impl RateClocker {
    fn record(&mut self, t: f64) -> f64 {
        let scale = 1.0 / TIME_BUCKET_RANGE;
        let bucket = (t * scale).floor() / scale;
        self.count += 1.0;
        if bucket > self.last_bucket {
            let current = self.count / (bucket - self.last_bucket);
            self.measured = current * SMOOTHING + self.measured * (1.0 - SMOOTHING);
            self.count = 0.0;
            self.last_bucket = bucket;
        }
        self.measured
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cubic_matches_botocore() {
        // w_max 10 at t = 0: k = cbrt(10 * 0.3 / 0.4), the rate at t = 1 is
        // 0.4 * (1 - k)^3 + 10, and a throttle at rate 10 cuts it to 7.
        let mut c = Cubic {
            w_max: 10.0,
            k: Cubic::zero_point(10.0),
            last_fail: 0.0,
        };
        assert!((c.k - 1.9574338205844317).abs() < 1e-12);
        let expected = 0.4 * (1.0f64 - 1.9574338205844317).powi(3) + 10.0;
        assert!((c.success_received(1.0) - expected).abs() < 1e-9);
        assert!((expected - 9.649).abs() < 0.001);
        assert!((c.error_received(10.0, 1.0) - 7.0).abs() < 1e-12);
        // The rate climbs back past w_max after k seconds.
        assert!(c.success_received(1.0 + c.k + 1.0) > 10.0);
    }

    #[test]
    fn bucket_paces_at_its_fill_rate() {
        let mut b = TokenBucket::default();
        b.set_rate(2.0, 0.0);
        assert_eq!(
            b.acquire(0.0),
            Some(0.5),
            "empty: one token in half a second"
        );
        assert_eq!(b.acquire(0.5), None);
        assert_eq!(b.acquire(0.5), Some(0.5));
        assert_eq!(b.acquire(10.0), None, "refills up to the capacity");
        assert_eq!(b.acquire(10.0), None, "capacity 2");
        assert!(b.acquire(10.0).is_some());
        b.set_rate(0.0, 10.0);
        assert_eq!(b.fill_rate, MIN_FILL_RATE);
    }

    #[test]
    fn throttling_turns_pacing_on_and_successes_raise_the_rate() {
        let limiter = RateLimiter::new();
        let t0 = Instant::now();
        for i in 0..20 {
            let t = t0 + Duration::from_millis(100 * i);
            assert_eq!(limiter.acquire(t), Ok(()));
            limiter.record(t, false);
        }
        assert!(!limiter.is_enabled());
        let t = t0 + Duration::from_secs(2);
        limiter.record(t, true);
        assert!(limiter.is_enabled());
        let low = limiter.lock().bucket.fill_rate;
        let mut now = t;
        for _ in 0..200 {
            now += Duration::from_millis(100);
            if let Ok(()) = limiter.acquire(now) {
                limiter.record(now, false);
            }
        }
        assert!(
            limiter.lock().bucket.fill_rate > low,
            "recovers after successes"
        );
        // A clock that goes backwards does not panic, and does not refill the bucket.
        let before = limiter.lock().bucket.capacity;
        let _ = limiter.acquire(t0);
        assert!(limiter.lock().bucket.capacity <= before);
    }
}
