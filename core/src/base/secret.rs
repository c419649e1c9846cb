//! [`Secret`]: a string that never shows itself in `Debug`, `Display` or error messages.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A sensitive string: a client secret, device code, token, authorization code or PKCE verifier.
///
/// `Debug` and `Display` print `<redacted>`; the value is reached only through
/// [`Secret::expose`]. It serializes and deserializes as a plain JSON string, because it has
/// to travel on the wire and in the AWS cache files.
///
/// ```
/// use ssooidc_core::Secret;
/// let s = Secret::new("csec-123");
/// assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
/// assert_eq!(s.to_string(), "<redacted>");
/// assert_eq!(s.expose(), "csec-123");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a sensitive value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself. Every use of it is a deliberate, greppable call.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Unwraps the secret into its value.
    pub fn into_exposed(self) -> String {
        self.0
    }

    /// `true` when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// Whether `a` and `b` are equal, in a time that depends only on their lengths (the length of
/// a state or of a bearer token is no secret).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted_even_nested() {
        let s = Secret::new("hunter2");
        let nested = Some(vec![s.clone()]);
        let shown = format!("{s} {s:?} {nested:?} {s:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn serde_round_trips_as_plain_string() {
        let s: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(s.expose(), "abc");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"abc\"");
    }
}
