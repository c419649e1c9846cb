//! `cache::parse_timestamp` on arbitrary text, and `format_timestamp` / `from_epoch_seconds`:
//! whatever parses is UTC and survives a write and a re-read (to the whole second), and a
//! `Timestamp` of whole seconds displays as the cache writes it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssooidc_core::cache::{format_timestamp, from_epoch_seconds, parse_timestamp};

fn round_trips(t: ssooidc_core::Timestamp) {
    let written = format_timestamp(t);
    let back = parse_timestamp(&written)
        .unwrap_or_else(|e| panic!("{t} was written as {written:?}, which does not parse: {e}"));
    let whole = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap();
    assert_eq!(back, whole, "{written:?}");
    assert_eq!(format_timestamp(back), written);
    assert_eq!(back.to_string(), written, "Display of a whole second");
    let _ = format!("{t} {t:?}");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = parse_timestamp(&text) {
        assert_eq!(t.offset(), time::UtcOffset::UTC);
        round_trips(t);
    } else if let Err(e) = parse_timestamp(&text) {
        let _ = e.to_string();
    }
    if data.len() >= 8 {
        let secs = i64::from_le_bytes(data[..8].try_into().unwrap());
        if let Some(t) = from_epoch_seconds(secs) {
            assert_eq!(t.unix_timestamp(), secs);
            round_trips(t);
        }
    }
});
