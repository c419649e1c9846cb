//! [`Text`]: everything the command writes for a person to read, made safe for a terminal in
//! one pass.
//!
//! A message is our own words with values in it. Our words (string literals, compiled into the
//! binary) are written as they are: their line breaks and tabs are meant (the two sentences of
//! the expired-session error, the fields of `ssooidc sessions`). A value that comes from
//! outside (a server's answer, a file, a path, the environment, the command line, the message
//! of a library error, which carries such values) goes through
//! [`ssooidc_core::text::for_terminal`] once, as it is put into the message ([`Text::value`], or
//! an argument of [`text!`]): every control character, newline and tab included, and every
//! bidirectional override becomes a visible escape, so a value cannot colour the screen, move
//! the cursor or fake a line or a column.
//!
//! Nothing is sanitised a second time at the edge (a pass over the whole line, which escaped
//! our own line breaks and tabs too), and nothing reaches the edge without its pass: the
//! functions of [`crate::ui`] that write for people take a [`Text`], and a [`Text`] is made only
//! of literals, sanitised values and numbers. [`text!`] refuses, when the program is compiled,
//! a format string that would take a value from the scope by its name (`{name}`, which would
//! skip the pass) or show one with `{:?}`.
//!
//! [`text!`]: crate::text!

use std::borrow::Cow;
use std::fmt;

use ssooidc_core::text::for_terminal;

/// Text fit for a terminal: our words as written, every value in it sanitised once (see the
/// module's documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    /// A value from outside (a server, a file, a path, the environment, a library error),
    /// sanitised: shown with every control character, line break and tab as a visible escape.
    pub fn value(untrusted: impl fmt::Display) -> Text {
        let shown = untrusted.to_string();
        Text(match for_terminal(&shown) {
            Cow::Borrowed(_) => shown,
            Cow::Owned(escaped) => escaped,
        })
    }

    /// Appends more text.
    pub fn push(&mut self, more: impl Into<Text>) {
        self.0.push_str(&more.into().0);
    }

    /// The text without trailing spaces.
    pub fn trim_end(mut self) -> Text {
        self.0.truncate(self.0.trim_end().len());
        self
    }

    /// The text of a [`text!`], which checked its pieces. Not for any other use.
    #[doc(hidden)]
    pub fn __assembled(text: String) -> Text {
        Text(text)
    }
}

/// Our own words: a literal, written as it is.
impl From<&'static str> for Text {
    fn from(ours: &'static str) -> Text {
        Text(ours.to_owned())
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// Honours width and alignment (`{:<10}`), as a `str` does.
impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// What may be an argument of [`text!`]: a [`Text`], a literal (`&'static str`: compiled into
/// the binary, so ours), a number. Anything else is a value to pass through [`Text::value`]
/// first.
///
/// [`text!`]: crate::text!
pub trait Piece: fmt::Display {}

impl Piece for Text {}
impl Piece for &Text {}
impl Piece for &'static str {}
impl Piece for u8 {}
impl Piece for u16 {}
impl Piece for u32 {}
impl Piece for u64 {}
impl Piece for usize {}
impl Piece for i32 {}
impl Piece for i64 {}
impl Piece for f64 {}

/// An argument of [`text!`], checked to be a [`Piece`].
#[doc(hidden)]
pub fn piece<T: Piece>(piece: &T) -> &T {
    piece
}

/// Whether a format string of [`text!`] takes every value as an argument: each placeholder is
/// `{}` or `{:spec}` (a width such as `{:<width$}` may still name a `usize`), never `{name}`,
/// which would take a value from the scope without its pass, nor a `?` (`{:?}`).
#[doc(hidden)]
pub const fn takes_values_as_arguments(format: &str) -> bool {
    let b = format.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'{' {
            if i + 1 < b.len() && b[i + 1] == b'{' {
                i += 2;
                continue;
            }
            i += 1;
            if i >= b.len() || (b[i] != b'}' && b[i] != b':') {
                return false;
            }
            while i < b.len() && b[i] != b'}' {
                if b[i] == b'?' {
                    return false;
                }
                i += 1;
            }
        }
        i += 1;
    }
    true
}

/// A [`Text`] from a format string (our words) and its arguments, each a [`Piece`]: a
/// [`Text`] (a value already through [`Text::value`]), a literal or a number.
///
/// ```
/// use ssooidc_cli::text; // the macro (and the module)
/// use ssooidc_cli::text::Text;
/// let name = "dev\x1b[2J";
/// let line = text!("{}\t{} s", Text::value(name), 5);
/// assert_eq!(&*line, "dev\\x1b[2J\t5 s");
/// ```
///
/// A value named in the format string is refused when the program is compiled:
///
/// ```compile_fail
/// use ssooidc_cli::text;
/// let name = "dev\x1b[2J";
/// let line = text!("{name}");
/// ```
///
/// So is a value that did not go through [`Text::value`]:
///
/// ```compile_fail
/// use ssooidc_cli::text;
/// let name = String::from("dev\x1b[2J");
/// let line = text!("{}", name);
/// ```
#[macro_export]
macro_rules! text {
    ($format:literal $(, $arg:expr)* $(,)?) => {{
        const _: () = ::std::assert!(
            $crate::text::takes_values_as_arguments($format),
            "text!: give every value as an argument (`{{}}`), each a Text, a literal or a number"
        );
        $crate::text::Text::__assembled(::std::format!(
            $format $(, $crate::text::piece(&$arg))*
        ))
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_words_keep_their_breaks_and_values_lose_theirs() {
        let value = "a\tb\nc\x1b[2J\u{202e}";
        let line = text!("{}\n{}\t{}", "first", Text::value(value), 7);
        assert_eq!(&*line, "first\na\\tb\\nc\\x1b[2J\\u{202e}\t7");
        let mut more = Text::from("one\n");
        more.push(Text::value("two\r"));
        more.push(" ");
        assert_eq!(&*more.trim_end(), "one\ntwo\\r");
    }

    #[test]
    fn a_value_is_sanitised_once() {
        // Escaping again would double the backslashes: a value goes through the pass once.
        let once = Text::value("x\x07");
        let line = text!("[{}]", once);
        assert_eq!(&*line, "[x\\x07]");
        assert_eq!(format!("{:<6}|", Text::value("ab")), "ab    |");
    }

    #[test]
    fn format_strings_must_take_their_values_as_arguments() {
        for ok in ["", "{}", "a {} b {:<10} {:.1} {{x}} {:<width$}", "}}{{"] {
            assert!(takes_values_as_arguments(ok), "{ok}");
        }
        for refused in ["{name}", "{0}", "{:?}", "{x:?}", "a {", "{:#?}"] {
            assert!(!takes_values_as_arguments(refused), "{refused}");
        }
    }
}
