//! The browser URL check on arbitrary text: whatever `browser::BrowserUrl::parse` accepts is
//! `https://`, or `http://` to a loopback host (re-derived here independently), cannot be taken
//! for an option, holds only printable ASCII without quotes, spaces or backslashes, is within the
//! length limit, is kept exactly as given, and parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssooidc_core::browser::{BrowserUrl, MAX_BROWSER_URL_LEN};
use ssooidc_core::endpoint::is_loopback_host;

/// The host of an `http(s)://` URL, found the plain way: after the scheme, before the first
/// `/`, `?` or `#`, after the last `@`, without a port or the brackets of an IPv6 literal.
fn host(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let url = match BrowserUrl::parse(&text) {
        Ok(url) => url,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let s = url.as_str();
    assert_eq!(s, &*text, "kept exactly");
    assert!(s.len() <= MAX_BROWSER_URL_LEN);
    assert!(!s.starts_with('-'), "option-like: {s:?}");
    assert!(
        s.bytes().all(
            |b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\' | b'<' | b'>' | b'`')
        ),
        "{s:?}"
    );
    let lower = s.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("https://") {
        assert!(!host(rest).is_empty(), "no host: {s:?}");
    } else if let Some(rest) = lower.strip_prefix("http://") {
        assert!(
            is_loopback_host(host(&s["http://".len()..])),
            "plain http off loopback: {s:?}"
        );
        assert!(!host(rest).is_empty());
    } else {
        panic!("another scheme accepted: {s:?}");
    }
    assert_eq!(BrowserUrl::parse(s), Ok(url.clone()));
    assert_eq!(url.to_string(), s);
    assert!(!format!("{url:?}").is_empty());
});
