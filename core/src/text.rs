//! [`for_terminal`]: the one sanitiser for every string that came from a server or a file and
//! is about to reach a terminal (a user code, a verification URL, an error description, a
//! config section name, a start URL, a cached token). A hostile string must not be able to
//! colour the screen, clear it, set the window title, move the cursor, fake extra lines, or
//! reorder text with bidirectional overrides.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` would act on a terminal instead of being shown: C0 and C1 control characters,
/// DEL, and the Unicode bidirectional controls that reorder what follows them.
fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
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
    if !s.chars().any(is_hostile) {
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
        let out = for_terminal("\x00\x01\x1f");
        assert!(!out.chars().any(is_hostile), "{out}");
    }
}
