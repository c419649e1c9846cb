//! The terminal sanitiser on arbitrary text: `text::for_terminal` leaves no control character,
//! bidirectional override or line separator, changes nothing in text that has none (and then
//! borrows it), and never shortens what it escapes; `text::json_for_terminal` of any JSON
//! document serde_json writes (compact or pretty) is free of them too, apart from the layout's
//! newlines, and parses back to the same value.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use ssooidc_core::text::{for_terminal, json_for_terminal};

/// The characters a terminal acts on, as the sanitiser's contract names them.
fn acts_on_a_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let safe = for_terminal(&text);
    assert!(!safe.chars().any(acts_on_a_terminal), "{safe:?}");
    if text.chars().any(acts_on_a_terminal) {
        assert!(matches!(safe, Cow::Owned(_)));
        assert!(
            safe.len() > text.len(),
            "an escape is longer than its character"
        );
    } else {
        assert!(matches!(safe, Cow::Borrowed(_)));
        assert_eq!(safe, text);
    }
    // Sanitising twice changes nothing more: the output is already safe.
    assert_eq!(for_terminal(&safe), safe);

    let value = serde_json::json!({ "s": &*text, "list": [&*text, 1], "nested": { "k": &*text } });
    for doc in [
        value.to_string(),
        serde_json::to_string_pretty(&value).unwrap(),
    ] {
        let shown = json_for_terminal(&doc);
        assert!(
            !shown.chars().any(|c| c != '\n' && acts_on_a_terminal(c)),
            "{shown:?}"
        );
        let back: serde_json::Value = serde_json::from_str(&shown).expect("still JSON");
        assert_eq!(back, value);
    }
});
