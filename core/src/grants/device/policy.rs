//! The arithmetic of the grant's policy: protocol seconds, the polling interval, the deadline,
//! bounded retries with exponential backoff and jitter (drawn from the caller's seed).
//!
//! Nothing here knows about AWS; it speaks in durations, instants and counts. Every operation
//! saturates or checks: huge values and clocks that go backwards never panic.

use std::time::{Duration, Instant};

pub(crate) use crate::base::rng::Rng;
pub(crate) use crate::machine::steps::{backoff, protocol_seconds, Retries};

/// RFC 8628 §3.2 / the AWS CLI's `_DEFAULT_INTERVAL`: the interval when the server sends none (or 0).
pub(crate) const DEFAULT_INTERVAL_SECS: u64 = 5;
/// RFC 8628 §3.5 / the AWS CLI's `_SLOW_DOWN_DELAY`: what each `slow_down` adds to the interval.
pub(crate) const SLOW_DOWN_SECS: u64 = 5;
/// The longest polling interval, in protocol seconds (an hour): a server's `interval` (or a
/// `slow_down`'s) above it counts as this much, and neither `slow_down` nor a transport error
/// lengthens the interval past it (nor past the caller's
/// [`min_interval`](super::DeviceFlowConfig::min_interval), when that is longer). A client
/// that polls at least hourly still notices the person's approval the same day.
pub const MAX_INTERVAL_SECS: u64 = 60 * 60;
/// The longest a device authorization lives, in protocol seconds (a day): a server's
/// `expiresIn` above it (up to `i64::MAX` from some providers), or a longer
/// [`default_expires_in`](super::DeviceFlowConfig::default_expires_in), counts as this much.
/// Real device codes live minutes (AWS: 10, RFC 8628's example: 30).
pub const MAX_EXPIRES_IN_SECS: u64 = 24 * 60 * 60;
/// The first polling interval: the server's value when positive (at most
/// [`MAX_INTERVAL_SECS`]), otherwise 5 protocol seconds, raised to `floor` (protocol seconds)
/// when one is configured.
pub(crate) fn initial_interval(
    server: Option<i64>,
    floor: Option<u32>,
    second: Duration,
) -> Duration {
    let secs = match server {
        Some(s) if s > 0 => s.unsigned_abs().min(MAX_INTERVAL_SECS),
        _ => DEFAULT_INTERVAL_SECS,
    };
    let secs = secs.max(floor.map_or(0, u64::from));
    protocol_seconds(secs, second)
}

/// How many protocol seconds the device code lives: the server's `expiresIn` when positive,
/// otherwise `default_secs`; at most [`MAX_EXPIRES_IN_SECS`].
pub(crate) fn lifetime_secs(server: Option<i64>, default_secs: u32) -> u64 {
    let secs = match server {
        Some(s) if s > 0 => s.unsigned_abs(),
        _ => u64::from(default_secs),
    };
    secs.min(MAX_EXPIRES_IN_SECS)
}

/// [`lifetime_secs`] as a duration.
#[cfg(test)]
pub(crate) fn lifetime(server: Option<i64>, default_secs: u32, second: Duration) -> Duration {
    protocol_seconds(lifetime_secs(server, default_secs), second)
}

/// The interval after a `slow_down`: 5 protocol seconds longer (saturating).
pub(crate) fn slowed_down(interval: Duration, second: Duration) -> Duration {
    interval.saturating_add(protocol_seconds(SLOW_DOWN_SECS, second))
}

/// The interval after a transport failure while polling: twice as long (saturating).
pub(crate) fn lengthened(interval: Duration) -> Duration {
    interval.saturating_mul(2)
}

/// Where the polling schedule puts the next poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NextPoll {
    /// Poll at this instant (strictly before the deadline).
    At(Instant),
    /// The next poll would fall at or after the deadline: wait for the deadline, then give up.
    Deadline(Instant),
}

/// The interval and the deadline of the polling phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PollSchedule {
    interval: Duration,
    /// The interval never grows past this: [`MAX_INTERVAL_SECS`], or the first interval when
    /// the caller's floor made that longer.
    ceiling: Duration,
    deadline: Instant,
    second: Duration,
}

impl PollSchedule {
    /// Polling that starts at `start`, every `interval`, until `start + lifetime` (at most
    /// [`MAX_WAIT`](crate::machine::MAX_WAIT) after `start`, so that no poll and no wait for
    /// the deadline is further away).
    pub(crate) fn new(
        start: Instant,
        interval: Duration,
        lifetime: Duration,
        second: Duration,
    ) -> Self {
        PollSchedule {
            interval,
            ceiling: interval.max(protocol_seconds(MAX_INTERVAL_SECS, second)),
            deadline: crate::machine::wake_at(start, lifetime),
            second,
        }
    }

    /// The current interval.
    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// No request goes out at or after this instant.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether a request may still go out at `now`.
    pub(crate) fn before_deadline(&self, now: Instant) -> bool {
        now < self.deadline
    }

    /// `slow_down`: +5 protocol seconds, for this and every later poll; at least `server`
    /// protocol seconds when the answer carried a new interval (a provider that says how long
    /// to wait: `docs/protocol/oauth.md#slow-down-carries-an-interval`). Never past the
    /// ceiling ([`MAX_INTERVAL_SECS`]).
    pub(crate) fn slow_down(&mut self, server: Option<u64>) {
        let mut interval = slowed_down(self.interval, self.second);
        if let Some(secs) = server {
            interval = interval.max(protocol_seconds(secs, self.second));
        }
        self.interval = interval.min(self.ceiling);
    }

    /// A transport failure while polling (RFC 8628 §3.5): poll less often, by doubling (never
    /// past the ceiling, [`MAX_INTERVAL_SECS`]).
    pub(crate) fn lengthen(&mut self) {
        self.interval = lengthened(self.interval).min(self.ceiling);
    }

    /// The next poll after something happened at `from`: no sooner than `wait` nor than the
    /// interval, and never at or after the deadline.
    ///
    /// A poll time that no `Instant` can hold is later than any deadline, so it gives
    /// [`NextPoll::Deadline`]. (Saturating it instead would land within nanoseconds of a
    /// saturated deadline, possibly just before it, and poll long before the interval passed.)
    pub(crate) fn next(&self, from: Instant, wait: Duration) -> NextPoll {
        match from.checked_add(wait.max(self.interval)) {
            Some(at) if at < self.deadline => NextPoll::At(at),
            _ => NextPoll::Deadline(self.deadline),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn interval_defaults_to_five_and_respects_the_floor() {
        assert_eq!(initial_interval(Some(1), None, S), Duration::from_secs(1));
        assert_eq!(initial_interval(None, None, S), Duration::from_secs(5));
        assert_eq!(initial_interval(Some(0), None, S), Duration::from_secs(5));
        assert_eq!(initial_interval(Some(-3), None, S), Duration::from_secs(5));
        assert_eq!(
            initial_interval(Some(1), Some(3), S),
            Duration::from_secs(3)
        );
        assert_eq!(
            initial_interval(Some(9), Some(3), S),
            Duration::from_secs(9)
        );
        assert_eq!(
            initial_interval(Some(i64::MAX), None, S),
            Duration::from_secs(MAX_INTERVAL_SECS)
        );
        assert_eq!(
            initial_interval(Some(i64::MAX), Some(u32::MAX), S),
            Duration::from_secs(u64::from(u32::MAX)),
            "the caller's floor is the caller's"
        );
    }

    #[test]
    fn lifetime_falls_back_to_the_default() {
        assert_eq!(lifetime(Some(600), 1, S), Duration::from_secs(600));
        assert_eq!(lifetime(None, 600, S), Duration::from_secs(600));
        assert_eq!(lifetime(Some(0), 30, S), Duration::from_secs(30));
        assert_eq!(lifetime(Some(i64::MAX), 30, S), Duration::from_secs(86_400));
        assert_eq!(lifetime(None, u32::MAX, S), Duration::from_secs(86_400));
    }

    #[test]
    fn slow_down_with_a_server_interval_takes_the_longer() {
        let start = Instant::now();
        let mut schedule = PollSchedule::new(start, S * 5, S * 600, S);
        schedule.slow_down(None);
        assert_eq!(schedule.interval(), S * 10);
        schedule.slow_down(Some(30));
        assert_eq!(
            schedule.interval(),
            S * 30,
            "the server's interval is longer"
        );
        schedule.slow_down(Some(2));
        assert_eq!(schedule.interval(), S * 35, "never shorter than +5");
        schedule.slow_down(Some(u64::MAX));
        assert_eq!(schedule.interval(), S * 3600, "capped at an hour");
        schedule.lengthen();
        assert_eq!(schedule.interval(), S * 3600, "capped at an hour");
    }

    #[test]
    fn interval_only_grows() {
        let s = Duration::from_millis(10);
        let i = slowed_down(Duration::from_millis(10), s);
        assert_eq!(i, Duration::from_millis(60));
        assert_eq!(lengthened(i), Duration::from_millis(120));
        assert_eq!(slowed_down(Duration::MAX, s), Duration::MAX);
        assert_eq!(lengthened(Duration::MAX), Duration::MAX);
    }
}
