//! Percent-encoding and decoding: the one implementation every user in this crate calls (form
//! bodies, the authorize URL, the loopback callback's query, SigV4's canonical query and path,
//! the portal's query, redaction by value).
//!
//! Encoding writes upper-case hex. Decoding is strict about what an escape is — `%` followed by
//! exactly two ASCII hex digits (`0-9 a-f A-F`), nothing else: `%+a`, `%-1`, `% a`, `%G0` and a
//! truncated `%4` are no escapes and are kept as they are — and lenient about the result: bytes
//! that are not UTF-8 become U+FFFD in [`decode_lossy`].

use std::fmt::Write;

/// Which bytes are written as they are; every other byte of the UTF-8 becomes `%XX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Set {
    /// RFC 3986's unreserved characters `A–Z a–z 0–9 - _ . ~` (botocore's `percent_encode`,
    /// SigV4's `UriEncode`, a query value).
    Unreserved,
    /// The unreserved characters and `/` (SigV4's canonical path).
    Path,
    /// `application/x-www-form-urlencoded` (the WHATWG URL standard's serializer, RFC 6749
    /// Appendix B): `A–Z a–z 0–9 * - . _` as they are, a space as `+`.
    Form,
}

impl Set {
    fn keeps(self, b: u8) -> bool {
        match self {
            Set::Unreserved => b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'),
            Set::Path => Set::Unreserved.keeps(b) || b == b'/',
            Set::Form => b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_'),
        }
    }
}

/// Appends `value` encoded for `set` to `out`.
///
/// ```
/// use ssooidc_core::percent::{encode_into, Set};
/// let mut out = String::new();
/// encode_into(&mut out, "a b/~£", Set::Unreserved);
/// out.push('&');
/// encode_into(&mut out, "a b/~£", Set::Form);
/// assert_eq!(out, "a%20b%2F~%C2%A3&a+b%2F%7E%C2%A3");
/// ```
pub fn encode_into(out: &mut String, value: &str, set: Set) {
    for b in value.bytes() {
        if set.keeps(b) {
            out.push(char::from(b));
        } else if set == Set::Form && b == b' ' {
            out.push('+');
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// `value` encoded for `set`.
pub fn encode(value: &str, set: Set) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    encode_into(&mut out, value, set);
    out
}

/// The value of one ASCII hex digit; `None` for anything else (a sign included).
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The bytes `encoded` stands for: `%XX` (two ASCII hex digits) is that byte, a `+` is a space
/// when `plus_is_space` (form encoding, a query), and everything else — a `%` that does not
/// start an escape included — is itself.
///
/// ```
/// use ssooidc_core::percent::decode;
/// assert_eq!(decode(b"a+b%2B%41", true), b"a b+A");
/// assert_eq!(decode(b"%+a%-1%G0%4", true), b"% a%-1%G0%4");
/// ```
pub fn decode(encoded: &[u8], plus_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded.len());
    let mut i = 0;
    while i < encoded.len() {
        let escape = match encoded.get(i..i + 3) {
            Some([b'%', high, low]) => hex(*high).zip(hex(*low)),
            _ => None,
        };
        match (encoded[i], escape) {
            (_, Some((high, low))) => {
                out.push(high << 4 | low);
                i += 3;
                continue;
            }
            (b'+', None) if plus_is_space => out.push(b' '),
            (b, None) => out.push(b),
        }
        i += 1;
    }
    out
}

/// [`decode`] as text; bytes that are not UTF-8 become U+FFFD.
pub fn decode_lossy(encoded: &[u8], plus_is_space: bool) -> String {
    match String::from_utf8(decode(encoded, plus_is_space)) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_two_hex_digits_make_an_escape() {
        for (input, decoded) in [
            ("%+a", "% a"), // `from_str_radix` would read `+a` as 10
            ("%-1", "%-1"),
            ("%G0", "%G0"),
            ("%0G", "%0G"),
            ("% 1", "% 1"),
            ("%4", "%4"),
            ("%", "%"),
            ("a%", "a%"),
            ("%%41", "%A"),
            ("%41%4a%4A", "AJJ"),
            ("%2B+", "+ "),
        ] {
            assert_eq!(decode_lossy(input.as_bytes(), true), decoded, "{input}");
        }
        assert_eq!(decode(b"+%2B", false), b"++");
        // Not a digit in any script: only ASCII hex counts.
        assert_eq!(decode_lossy("%٣٣".as_bytes(), true), "%٣٣");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced() {
        assert_eq!(decode(b"%FF%c3%a9", true), [0xFF, 0xC3, 0xA9]);
        assert_eq!(decode_lossy(b"%FF%c3%a9", true), "\u{fffd}é");
        assert_eq!(decode_lossy(b"%C3", true), "\u{fffd}");
        assert_eq!(decode_lossy(b"%00", true), "\0");
    }

    #[test]
    fn every_byte_round_trips_in_every_set() {
        let all: String = (0u32..0x250).filter_map(char::from_u32).collect();
        for set in [Set::Unreserved, Set::Path, Set::Form] {
            let encoded = encode(&all, set);
            assert!(encoded.bytes().all(|b| b.is_ascii_graphic()), "{set:?}");
            assert_eq!(
                decode_lossy(encoded.as_bytes(), set == Set::Form),
                all,
                "{set:?}"
            );
        }
        assert_eq!(encode("+ /", Set::Unreserved), "%2B%20%2F");
        assert_eq!(encode("a/b c", Set::Path), "a/b%20c");
        assert_eq!(encode(" %&+£€", Set::Form), "+%25%26%2B%C2%A3%E2%82%AC");
    }
}
