//! `application/x-www-form-urlencoded` (RFC 6749 Appendix B, the WHATWG URL standard's
//! serializer and parser): the bodies of every standard request, the client credentials of
//! `client_secret_basic`, and the token responses of providers that ignore `Accept`.

/// Appends `value` form-encoded to `out`: ASCII letters, digits and `*-._` as they are, a space
/// as `+`, every other byte of its UTF-8 as `%XX`.
///
/// ```
/// let mut out = String::new();
/// ssooidc_core::oauth::form::encode_into(&mut out, " %&+£€");
/// assert_eq!(out, "+%25%26%2B%C2%A3%E2%82%AC"); // RFC 6749 Appendix B
/// ```
pub fn encode_into(out: &mut String, value: &str) {
    crate::percent::encode_into(out, value, crate::percent::Set::Form);
}

/// `value` form-encoded.
pub fn encode(value: &str) -> String {
    crate::percent::encode(value, crate::percent::Set::Form)
}

/// A form body under construction: `name=value` pairs joined by `&`, in the order added.
#[derive(Default)]
pub struct Form(String);

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Form(String::with_capacity(128))
    }

    /// Adds a pair.
    pub fn pair(&mut self, name: &str, value: &str) -> &mut Self {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        encode_into(&mut self.0, name);
        self.0.push('=');
        encode_into(&mut self.0, value);
        self
    }

    /// The body.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0.into_bytes()
    }
}

/// The form's body is not shown: it may carry secrets.
impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Form(<{} bytes>)", self.0.len())
    }
}

/// The `name=value` pairs of a form body, decoded (`+` is a space, `%XX` a byte; a `%` not
/// followed by two ASCII hex digits is kept as it is, so `%+a` is no escape; bytes that are not UTF-8 become U+FFFD). Empty
/// pieces (`a=1&&b=2`) are skipped; a piece without `=` has an empty value.
///
/// ```
/// let pairs = ssooidc_core::oauth::form::parse(b"access_token=a%2Bb&token_type=bearer&scope=");
/// assert_eq!(pairs, [
///     ("access_token".to_owned(), "a+b".to_owned()),
///     ("token_type".to_owned(), "bearer".to_owned()),
///     ("scope".to_owned(), String::new()),
/// ]);
/// ```
pub fn parse(body: &[u8]) -> Vec<(String, String)> {
    body.split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = match piece.iter().position(|&b| b == b'=') {
                Some(at) => (&piece[..at], &piece[at + 1..]),
                None => (piece, &piece[piece.len()..]),
            };
            (decode(name), decode(value))
        })
        .collect()
}

/// One form-encoded name or value, decoded ([`crate::percent::decode_lossy`]).
fn decode(encoded: &[u8]) -> String {
    crate::percent::decode_lossy(encoded, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_of_awkward_values() {
        for value in [
            "",
            "a b",
            "%",
            "%zz",
            "&=+",
            "ünï ✓",
            "s6BhdRkqt3:7Fjfp0ZBr1KtDRbnfVdmIw",
        ] {
            let mut form = Form::new();
            form.pair("k y", value).pair("n", "1");
            let body = form.into_bytes();
            assert_eq!(
                parse(&body),
                [
                    ("k y".to_owned(), value.to_owned()),
                    ("n".to_owned(), "1".to_owned())
                ],
                "{value:?}"
            );
        }
    }

    #[test]
    fn lenient_parsing() {
        assert_eq!(parse(b""), []);
        assert_eq!(
            parse(b"&&a&=b&c=%&d=%4"),
            [
                ("a".to_owned(), String::new()),
                (String::new(), "b".to_owned()),
                ("c".to_owned(), "%".to_owned()),
                ("d".to_owned(), "%4".to_owned()),
            ]
        );
        assert_eq!(parse(b"x=%FF"), [("x".to_owned(), "\u{fffd}".to_owned())]);
        assert_eq!(parse(b"x=%c3%a9"), [("x".to_owned(), "é".to_owned())]);
        assert_eq!(
            parse(b"x=%+a&y=%-1&z=%G0"),
            [
                ("x".to_owned(), "% a".to_owned()),
                ("y".to_owned(), "%-1".to_owned()),
                ("z".to_owned(), "%G0".to_owned()),
            ],
            "a sign is no hex digit"
        );
    }

    #[test]
    fn the_body_is_not_debugged() {
        let mut form = Form::new();
        form.pair("client_secret", "hunter2");
        assert_eq!(format!("{form:?}"), "Form(<21 bytes>)");
    }
}
