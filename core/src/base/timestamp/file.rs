//! Cache timestamps (spec 6.3): written as `YYYY-MM-DDTHH:MM:SSZ`, read leniently.
//!
//! This is the cache files' form only; how a [`Timestamp`] of the API displays (RFC 3339, with
//! a fraction when it has one) is [`Timestamp`]'s own.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::Timestamp;

/// A timestamp that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable timestamp {0:?}: expected RFC 3339 such as 2026-01-15T18:30:00Z")]
#[non_exhaustive]
pub struct TimestampError(pub String);

/// Reads a cache timestamp: RFC 3339 with an optional fraction and `Z` or an offset, a
/// trailing `UTC` (old CLI builds) meaning `Z`, and a lower-case `t`/`z` or a space between
/// date and time. The result is a [`Timestamp`] (UTC).
///
/// ```
/// use ssooidc_core::cache::parse_timestamp;
/// let a = parse_timestamp("2021-12-07T01:19:12UTC").unwrap();
/// assert_eq!(a, parse_timestamp("2021-12-07T01:19:12.000Z").unwrap());
/// ```
pub fn parse_timestamp(text: &str) -> Result<Timestamp, TimestampError> {
    let err = || TimestampError(text.chars().take(64).collect());
    let trimmed = text.trim();
    if trimmed.len() > 64 || !trimmed.is_ascii() {
        return Err(err());
    }
    let mut s = trimmed.to_owned();
    if let Some(stripped) = s.strip_suffix("UTC") {
        s = format!("{}Z", stripped.trim_end());
    }
    // Normalise the separators RFC 3339 allows in either case.
    if s.len() > 10 && matches!(s.as_bytes()[10], b't' | b' ') {
        s.replace_range(10..11, "T");
    }
    if s.ends_with('z') {
        s.pop();
        s.push('Z');
    }
    OffsetDateTime::parse(&s, &Rfc3339)
        .ok()
        // An offset can carry a time past 9999-12-31 or before 0000-01-01 in UTC: converting
        // it must not panic, and a time that cannot be written back is not accepted.
        .and_then(|t| t.checked_to_offset(UtcOffset::UTC))
        .filter(in_range)
        .map(Timestamp::from)
        .ok_or_else(err)
}

/// The first instant a cache timestamp can hold: RFC 3339 has four-digit years.
const EARLIEST: OffsetDateTime = time::macros::datetime!(0000-01-01 00:00:00 UTC);
/// The last instant a cache timestamp can hold.
const LATEST: OffsetDateTime = time::macros::datetime!(9999-12-31 23:59:59.999_999_999 UTC);

/// Whether `t` lies in the years 0000 to 9999, which RFC 3339 (and so a cache file) can express.
fn in_range(t: &OffsetDateTime) -> bool {
    (EARLIEST..=LATEST).contains(t)
}

/// Writes a cache timestamp as the AWS CLI does: UTC, whole seconds (any fraction dropped),
/// literal `Z`. Takes a [`Timestamp`] or an [`OffsetDateTime`] in any offset.
///
/// A time outside the years 0000 to 9999 (in UTC), which RFC 3339 cannot express, is written as
/// the nearest of `0000-01-01T00:00:00Z` and `9999-12-31T23:59:59Z`, so that whatever is written
/// can be read back by [`parse_timestamp`].
///
/// ```
/// use ssooidc_core::cache::format_timestamp;
/// let t = time::macros::datetime!(2026-01-15 18:30:00.75 +02:00);
/// assert_eq!(format_timestamp(t), "2026-01-15T16:30:00Z");
/// ```
pub fn format_timestamp(t: impl Into<OffsetDateTime>) -> String {
    let t: OffsetDateTime = t.into();
    let utc = match t.checked_to_offset(UtcOffset::UTC) {
        Some(utc) => utc.clamp(EARLIEST, LATEST),
        // Not representable in UTC: beyond one end of the supported range.
        None if t.year() > 0 => LATEST,
        None => EARLIEST,
    };
    utc.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    // The format has no component that can fail for a valid date.
    .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

/// Converts epoch seconds (`clientSecretExpiresAt`) to a UTC time, `None` outside the years
/// 0000 to 9999 (which a cache file cannot hold).
pub fn from_epoch_seconds(seconds: i64) -> Option<Timestamp> {
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .filter(in_range)
        .map(Timestamp::from)
}

/// Converts epoch seconds to a UTC time, clamped to the years 0000 to 9999 (the nearest whole
/// second at either end), so that any value can be cached and read back.
pub(crate) fn from_epoch_seconds_clamped(seconds: i64) -> Timestamp {
    from_epoch_seconds(seconds).unwrap_or(Timestamp::from(if seconds > 0 {
        time::macros::datetime!(9999-12-31 23:59:59 UTC)
    } else {
        EARLIEST
    }))
}

/// When something that lives `secs` seconds from `now` expires (a token's `expiresIn` /
/// `expires_in`, a device code's lifetime), in UTC: `now + secs`, with a negative `secs`
/// counting as 0 (already expired) and a sum past the latest representable time (year 9999, what
/// a cache file can hold) giving that latest time, in whole seconds. Never earlier than `now`
/// for a positive `secs`: a huge lifetime is never stamped as already expired. Every expiry
/// stamp of this crate is computed here.
///
/// ```
/// use ssooidc_core::cache::expiry_after;
/// use time::macros::datetime;
/// let now = datetime!(2026-01-04 18:51:47 UTC);
/// assert_eq!(expiry_after(now, 3600), datetime!(2026-01-04 19:51:47 UTC));
/// assert_eq!(expiry_after(now, -5), now);
/// assert_eq!(expiry_after(now, i64::MAX), datetime!(9999-12-31 23:59:59 UTC));
/// ```
pub fn expiry_after(now: OffsetDateTime, secs: i64) -> OffsetDateTime {
    let now = now.checked_to_offset(time::UtcOffset::UTC).unwrap_or(now);
    now.checked_add(time::Duration::seconds(secs.max(0)))
        .and_then(|t| t.checked_to_offset(time::UtcOffset::UTC))
        .unwrap_or_else(latest)
}

/// `t` without its fraction of a second: what a cache file holds. The expiry times of tokens and
/// registrations are kept so, so that what a login or a refresh returns is what a later read of
/// its cache file gives (and prints as the file has it).
pub(crate) fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// The latest time this crate stamps, in whole seconds, in UTC.
fn latest() -> OffsetDateTime {
    let max = time::PrimitiveDateTime::MAX.assume_utc();
    max.replace_nanosecond(0).unwrap_or(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn spec_8_8_formats_all_read_the_same() {
        let want = datetime!(2021-12-07 01:19:12 UTC);
        for text in [
            "2021-12-07T01:19:12Z",
            "2021-12-07T01:19:12.000Z",
            "2021-12-07T01:19:12+00:00",
            "2021-12-07T01:19:12UTC",
            "2021-12-07T01:19:12 UTC",
            "2021-12-07t01:19:12z",
            "2021-12-07 01:19:12Z",
            "2021-12-07T03:19:12+02:00",
            " 2021-12-07T01:19:12Z\n",
        ] {
            assert_eq!(parse_timestamp(text), Ok(want.into()), "{text}");
        }
    }

    #[test]
    fn garbage_is_an_error() {
        for text in [
            "",
            "yesterday",
            "2021-13-07T01:19:12Z",
            "2021-12-07",
            "1638839952",
            "2021-12-07T01:19:12",
            "é2021-12-07T01:19:12Z",
        ] {
            assert!(parse_timestamp(text).is_err(), "{text:?}");
        }
        assert!(parse_timestamp(&"9".repeat(10_000)).is_err());
    }

    #[test]
    fn write_format_is_exact() {
        assert_eq!(
            format_timestamp(datetime!(2026-04-04 18:51:47 UTC)),
            "2026-04-04T18:51:47Z"
        );
        assert_eq!(
            format_timestamp(from_epoch_seconds(1_775_328_707).unwrap()),
            "2026-04-04T18:51:47Z",
            "spec 8.1: clientSecretExpiresAt to the registration cache's expiresAt"
        );
    }
}
