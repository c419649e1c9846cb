//! [`for_terminal`]: the one sanitiser for every string that came from a server or a file and
//! is about to reach a terminal (a user code, a verification URL, an error description, a
//! config section name, a start URL, a cached token). A hostile string must not be able to
//! colour the screen, clear it, set the window title, move the cursor, fake extra lines, or
//! reorder text with bidirectional overrides.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` would act on a terminal instead of being shown: C0 and C1 control characters,
/// DEL, the Unicode bidirectional controls that reorder what follows them, and the Unicode line
/// and paragraph separators (which some terminals and viewers break lines on).
fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `s` as it may safely be written to a terminal: every control character (escape, newline,
/// carriage return, tab, backspace, bell, DEL, C1 controls) and every bidirectional override
/// is replaced by its visible escape (`\x1b`, `\n`, `\u{202e}`); everything else is kept as it
/// is. Borrowed when nothing had to change (the common case).
///
/// ```
/// use ssooidc_core::text::for_terminal;
/// assert_eq!(for_terminal("ABCD-EFGH"), "ABCD-EFGH");
/// assert_eq!(for_terminal("\x1b]0;pwned\x07X"), "\\x1b]0;pwned\\x07X");
/// assert_eq!(for_terminal("line\nfake: ok"), "line\\nfake: ok");
/// ```
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    // Printable ASCII acts on no terminal: the common case (codes, URLs, tokens, names), checked
    // a byte at a time before any character is decoded.
    if s.bytes().all(|b| matches!(b, 0x20..=0x7e)) || !s.chars().any(is_hostile) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_hostile(c) {
            out.push(c);
            continue;
        }
        let _ = match c {
            '\n' => out.write_str("\\n"),
            '\r' => out.write_str("\\r"),
            '\t' => out.write_str("\\t"),
            c if (c as u32) < 0x100 => write!(out, "\\x{:02x}", c as u32),
            c => write!(out, "\\u{{{:x}}}", c as u32),
        };
    }
    Cow::Owned(out)
}

/// A JSON document (as `serde_json` writes it) made safe for a terminal without changing what
/// it means: every control character and bidirectional override left in it (`serde_json`
/// escapes C0 controls inside strings, but not DEL, the C1 controls or the Unicode overrides) is
/// written as its `\uXXXX` escape, which a JSON parser reads back as the same character.
/// Newlines outside strings (pretty-printing) are kept: `serde_json` never leaves a raw newline
/// inside a string. Borrowed when nothing had to change.
///
/// ```
/// use ssooidc_core::text::json_for_terminal;
/// let doc = serde_json::json!({"userCode": "AB\u{9b}2J\u{202e}"}).to_string();
/// let safe = json_for_terminal(&doc);
/// assert_eq!(safe, r#"{"userCode":"AB\u009b2J\u202e"}"#);
/// let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
/// assert_eq!(back.to_string(), doc);
/// ```
pub fn json_for_terminal(json: &str) -> Cow<'_, str> {
    if !json.chars().any(|c| c != '\n' && is_hostile(c)) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if c == '\n' || !is_hostile(c) {
            out.push(c);
        } else {
            // Every hostile character is in the Basic Multilingual Plane: one \uXXXX.
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// `text` escaped for HTML element content and quoted attribute values: `&`, `<`, `>`, `"` and
/// `'` become character references. For every string put into a page (the browser login's
/// callback pages, the emulator's pages).
///
/// ```
/// use ssooidc_core::text::escape_html;
/// assert_eq!(escape_html(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for s in [
            "",
            "https://d-1234567890.awsapps.com/start/#/device",
            "Ünïcödé ✓ 日本",
        ] {
            assert!(matches!(for_terminal(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn every_control_becomes_visible() {
        assert_eq!(for_terminal("\x1b[2J\x1b[31mred"), "\\x1b[2J\\x1b[31mred");
        assert_eq!(for_terminal("a\rb\tc\x08d\x7fe"), "a\\rb\\tc\\x08d\\x7fe");
        assert_eq!(for_terminal("\u{9b}31m"), "\\x9b31m", "C1 CSI");
        assert_eq!(for_terminal("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(for_terminal("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(for_terminal("a\u{2028}b\u{61c}"), "a\\u{2028}b\\u{61c}");
        let out = for_terminal("\x00\x01\x1f");
        assert!(!out.chars().any(is_hostile), "{out}");
    }

    #[test]
    fn json_keeps_its_meaning_and_its_layout() {
        let value = serde_json::json!({
            "a": "\x1b[2J\x7f\u{85}\u{9b}\u{200f}\u{2066}\n\t",
            "b": ["ok", "日本 ✓"],
        });
        for doc in [
            value.to_string(),
            serde_json::to_string_pretty(&value).unwrap(),
        ] {
            let safe = json_for_terminal(&doc);
            assert!(!safe.chars().any(|c| c != '\n' && is_hostile(c)), "{safe}");
            let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
            assert_eq!(back, value);
        }
        let plain = serde_json::to_string_pretty(&serde_json::json!({"x": 1})).unwrap();
        assert!(matches!(json_for_terminal(&plain), Cow::Borrowed(_)));
    }
}
