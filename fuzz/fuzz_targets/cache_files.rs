//! The cache file parsers on arbitrary bytes: `CachedToken::from_json`,
//! `Registration::from_json` and the oauth cache's `OAuthCacheEntry::from_json`. Whatever parses re-serializes (`to_json`) to a file that parses to
//! the same value (timestamps to the whole second, as the AWS CLI writes them), and that second
//! file is a fixed point of the writer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssooidc_core::cache::{CachedToken, OAuthCacheEntry};
use ssooidc_core::registration::Registration;
use ssooidc_core::Timestamp;

fn whole(t: Timestamp) -> Timestamp {
    t.replace_nanosecond(0).unwrap().into()
}

fuzz_target!(|data: &[u8]| {
    match CachedToken::from_json(data) {
        Ok(token) => {
            let written = token.to_json();
            let back = CachedToken::from_json(written.as_bytes())
                .unwrap_or_else(|e| panic!("{written:?} does not re-read: {e}"));
            let mut want = token.clone();
            want.expires_at = whole(want.expires_at);
            want.registration_expires_at = want.registration_expires_at.map(whole);
            assert_eq!(back, want, "changed through a rewrite: {written}");
            assert_eq!(back.to_json(), written, "the writer is not a fixed point");
            let _ = format!("{token:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    match Registration::from_json(data) {
        Ok(registration) => {
            let written = registration.to_json();
            let back = Registration::from_json(written.as_bytes())
                .unwrap_or_else(|e| panic!("{written:?} does not re-read: {e}"));
            let mut want = registration.clone();
            want.expires_at = whole(want.expires_at);
            assert_eq!(back, want, "changed through a rewrite: {written}");
            assert_eq!(back.to_json(), written, "the writer is not a fixed point");
            let _ = format!("{registration:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    match OAuthCacheEntry::from_json(data) {
        Ok(entry) => {
            let written = entry.to_json();
            let back = OAuthCacheEntry::from_json(written.as_bytes())
                .unwrap_or_else(|e| panic!("{written:?} does not re-read: {e}"));
            let mut want = entry.clone();
            want.tokens.expires_at = want.tokens.expires_at.map(whole);
            assert_eq!(back, want, "changed through a rewrite: {written}");
            assert_eq!(back.to_json(), written, "the writer is not a fixed point");
            assert_eq!(back.key(), entry.key());
            let _ = format!("{entry:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
