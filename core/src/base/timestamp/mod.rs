//! [`Timestamp`]: the wall-clock instants of the public API (expiry times, the last refresh
//! attempt, ...), shown as RFC 3339.
//!
//! How the cache files write and read their timestamps (whole seconds, leniently parsed) is
//! [`crate::cache::format_timestamp`] and [`crate::cache::parse_timestamp`]; this type only
//! decides how a timestamp looks when a program prints or debugs one.

mod file;

pub use file::{
    expiry_after, format_timestamp, from_epoch_seconds, parse_timestamp, TimestampError,
};
pub(crate) use file::{from_epoch_seconds_clamped, whole_seconds};

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, AddAssign, Deref, Sub, SubAssign};

use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// A wall-clock instant, always in UTC, whose `Display` and `Debug` are RFC 3339
/// (`2026-01-15T18:30:00Z`) rather than [`OffsetDateTime`]'s `2026-01-15 18:30:00.0 +00:00:00`.
///
/// Every timestamp a field or a return value of this crate's (and the adapters') public API
/// holds is one; inputs that take the wall clock's `now` stay [`OffsetDateTime`]s.
///
/// - Format: whole seconds with a literal `Z`; sub-second digits are written only when the
///   value has them, without trailing zeros (`2026-01-15T18:30:00.25Z`), so that two different
///   timestamps never print alike. The expiry times this crate computes (tokens, registrations,
///   role credentials) are whole seconds, as the AWS CLI's cache files hold them. A year outside
///   0000 to 9999 (which RFC 3339 cannot hold) is written with its sign (`+10000-01-01T...`).
///   A cache file writes its own, fixed form: [`crate::cache::format_timestamp`].
/// - It dereferences to the [`OffsetDateTime`] (`t.unix_timestamp()`), converts both ways with
///   `From`, compares with an [`OffsetDateTime`] on either side, and adds or subtracts a
///   [`time::Duration`] (panicking on overflow, as [`OffsetDateTime`] does); the difference of
///   two timestamps is a [`time::Duration`].
///
/// ```
/// use ssooidc_core::Timestamp;
/// use time::macros::datetime;
/// use time::Duration;
///
/// let t = Timestamp::from(datetime!(2026-01-15 20:30:00 +02:00));
/// assert_eq!(t.to_string(), "2026-01-15T18:30:00Z");
/// assert_eq!(format!("{t:?}"), "2026-01-15T18:30:00Z");
/// assert_eq!(t, datetime!(2026-01-15 18:30:00 UTC));
/// assert!(t + Duration::SECOND > t);
/// assert_eq!(t.unix_timestamp(), 1_768_501_800);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(OffsetDateTime::UNIX_EPOCH);

    /// The instant `t`, in UTC. A time whose UTC date the `time` crate cannot represent (only
    /// possible at the very ends of its range) becomes the nearest one it can.
    pub fn new(t: OffsetDateTime) -> Self {
        Timestamp(t.checked_to_offset(UtcOffset::UTC).unwrap_or_else(|| {
            if t.year() > 0 {
                PrimitiveDateTime::MAX.assume_utc()
            } else {
                PrimitiveDateTime::MIN.assume_utc()
            }
        }))
    }

    /// The instant as an [`OffsetDateTime`] in UTC.
    pub fn get(self) -> OffsetDateTime {
        self.0
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Self {
        Timestamp::new(t)
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

impl Deref for Timestamp {
    type Target = OffsetDateTime;

    fn deref(&self) -> &OffsetDateTime {
        &self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        let year = t.year();
        if (0..=9999).contains(&year) {
            write!(f, "{year:04}")?;
        } else {
            write!(f, "{year:+05}")?;
        }
        write!(
            f,
            "-{:02}-{:02}T{:02}:{:02}:{:02}",
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        let mut fraction = t.nanosecond();
        if fraction != 0 {
            let mut digits = 9;
            while fraction.is_multiple_of(10) {
                fraction /= 10;
                digits -= 1;
            }
            write!(f, ".{fraction:0digits$}")?;
        }
        f.write_str("Z")
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl PartialEq<OffsetDateTime> for Timestamp {
    fn eq(&self, other: &OffsetDateTime) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Timestamp> for OffsetDateTime {
    fn eq(&self, other: &Timestamp) -> bool {
        *self == other.0
    }
}

impl PartialOrd<OffsetDateTime> for Timestamp {
    fn partial_cmp(&self, other: &OffsetDateTime) -> Option<Ordering> {
        self.0.partial_cmp(other)
    }
}

impl PartialOrd<Timestamp> for OffsetDateTime {
    fn partial_cmp(&self, other: &Timestamp) -> Option<Ordering> {
        self.partial_cmp(&other.0)
    }
}

impl Add<Duration> for Timestamp {
    type Output = Timestamp;

    fn add(self, rhs: Duration) -> Timestamp {
        Timestamp(self.0 + rhs)
    }
}

impl Sub<Duration> for Timestamp {
    type Output = Timestamp;

    fn sub(self, rhs: Duration) -> Timestamp {
        Timestamp(self.0 - rhs)
    }
}

impl AddAssign<Duration> for Timestamp {
    fn add_assign(&mut self, rhs: Duration) {
        self.0 += rhs;
    }
}

impl SubAssign<Duration> for Timestamp {
    fn sub_assign(&mut self, rhs: Duration) {
        self.0 -= rhs;
    }
}

impl Sub for Timestamp {
    type Output = Duration;

    fn sub(self, rhs: Timestamp) -> Duration {
        self.0 - rhs.0
    }
}

impl Sub<OffsetDateTime> for Timestamp {
    type Output = Duration;

    fn sub(self, rhs: OffsetDateTime) -> Duration {
        self.0 - rhs
    }
}

impl Sub<Timestamp> for OffsetDateTime {
    type Output = Duration;

    fn sub(self, rhs: Timestamp) -> Duration {
        self - rhs.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use time::macros::datetime;

    #[test]
    fn display_and_debug_are_rfc_3339() {
        let t = Timestamp::from(datetime!(2026-01-15 18:30:00 UTC));
        assert_eq!(t.to_string(), "2026-01-15T18:30:00Z");
        assert_eq!(format!("{t:?}"), "2026-01-15T18:30:00Z");
        assert_eq!(
            format!("{:?}", Some(t)),
            "Some(2026-01-15T18:30:00Z)",
            "not OffsetDateTime's `2026-01-15 18:30:00.0 +00:00:00`"
        );
        assert_eq!(Timestamp::UNIX_EPOCH.to_string(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn offsets_become_utc() {
        let t = Timestamp::from(datetime!(2026-01-15 00:30:00 +02:00));
        assert_eq!(t.to_string(), "2026-01-14T22:30:00Z");
        assert_eq!(t.offset(), UtcOffset::UTC);
        assert_eq!(OffsetDateTime::from(t), datetime!(2026-01-14 22:30:00 UTC));
        assert_eq!(t.get().offset(), UtcOffset::UTC);
    }

    #[test]
    fn fractions_only_when_present() {
        for (t, want) in [
            (
                datetime!(2026-01-15 18:30:00.25 UTC),
                "2026-01-15T18:30:00.25Z",
            ),
            (
                datetime!(2026-01-15 18:30:00.5 UTC),
                "2026-01-15T18:30:00.5Z",
            ),
            (
                datetime!(2026-01-15 18:30:00.000_000_001 UTC),
                "2026-01-15T18:30:00.000000001Z",
            ),
            (
                datetime!(2026-01-15 18:30:00.123_456_789 UTC),
                "2026-01-15T18:30:00.123456789Z",
            ),
            (datetime!(0000-01-01 00:00:00 UTC), "0000-01-01T00:00:00Z"),
            (datetime!(9999-12-31 23:59:59 UTC), "9999-12-31T23:59:59Z"),
        ] {
            assert_eq!(Timestamp::from(t).to_string(), want);
        }
    }

    #[test]
    fn the_time_crates_whole_range_converts_and_displays() {
        let max = Timestamp::from(
            PrimitiveDateTime::MAX.assume_offset(UtcOffset::from_hms(-1, 0, 0).unwrap()),
        );
        assert_eq!(
            max,
            PrimitiveDateTime::MAX.assume_utc(),
            "clamped, no panic"
        );
        assert_eq!(max.to_string(), "9999-12-31T23:59:59.999999999Z");
        let min = Timestamp::from(
            PrimitiveDateTime::MIN.assume_offset(UtcOffset::from_hms(1, 0, 0).unwrap()),
        );
        assert_eq!(min, PrimitiveDateTime::MIN.assume_utc());
        assert_eq!(min.to_string(), "-9999-01-01T00:00:00Z");
        assert_eq!(
            Timestamp::from(datetime!(-0001-06-01 12:00:00 UTC)).to_string(),
            "-0001-06-01T12:00:00Z"
        );
    }

    #[test]
    fn compares_with_offset_date_time_both_ways() {
        let odt = datetime!(2026-01-15 18:30:00 UTC);
        let t = Timestamp::from(odt);
        let later = datetime!(2026-01-15 18:30:01 UTC);
        assert!(t == odt);
        assert!(odt == t);
        assert!(
            t == datetime!(2026-01-15 19:30:00 +01:00),
            "the same instant"
        );
        assert!(t < later);
        assert!(later > t);
        assert!(t <= odt);
        assert!(odt >= t);
        assert!(t != later);
        assert!(later != t);
        assert!(Timestamp::from(later) > t);
        assert_eq!(t.cmp(&Timestamp::from(later)), Ordering::Less);
        let set: HashSet<Timestamp> =
            [t, Timestamp::from(datetime!(2026-01-15 19:30:00 +01:00))].into();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn arithmetic() {
        let t = Timestamp::from(datetime!(2026-01-15 18:30:00 UTC));
        assert_eq!(
            t + Duration::minutes(30),
            datetime!(2026-01-15 19:00:00 UTC)
        );
        assert_eq!(t - Duration::hours(1), datetime!(2026-01-15 17:30:00 UTC));
        assert_eq!((t + Duration::SECOND) - t, Duration::SECOND);
        assert_eq!(
            t - datetime!(2026-01-15 18:00:00 UTC),
            Duration::minutes(30)
        );
        assert_eq!(
            datetime!(2026-01-15 19:00:00 UTC) - t,
            Duration::minutes(30)
        );
        let mut u = t;
        u += Duration::DAY;
        u -= Duration::HOUR;
        assert_eq!(u.to_string(), "2026-01-16T17:30:00Z");
        assert_eq!(t.unix_timestamp(), 1_768_501_800, "Deref to OffsetDateTime");
    }
}
