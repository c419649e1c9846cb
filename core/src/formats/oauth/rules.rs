//! What real providers do differently from RFC 6749 and RFC 8628, each as a named [`Rule`]
//! (the table [`RULES`], which `docs/protocol/oauth.md#provider-rules` mirrors) and the small
//! function that applies it. Rules are named after the behaviour; the providers known to behave
//! so are data.
//!
//! Every rule is lenient in a way that cannot change the meaning of a standard answer: a server
//! that follows the RFCs never triggers one. So all of them are always on, and a client needs no
//! per-provider configuration.

use serde_json::{Number, Value};

use super::response::{string, Members};
use crate::base::form;
use crate::wire::DecodeError;

/// One deviation from the RFCs and how this crate reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rule {
    /// The rule's name, after the behaviour (a stable anchor in `docs/protocol/oauth.md`).
    pub name: &'static str,
    /// What the server does.
    pub behaviour: &'static str,
    /// Providers documented to do it.
    pub seen_at: &'static str,
    /// What this crate does about it.
    pub handling: &'static str,
}

/// The device authorization response names the page `verification_url`.
pub const VERIFICATION_URL_ALIAS: Rule = Rule {
    name: "verification-url-alias",
    behaviour: "the device authorization response names the verification page `verification_url` instead of `verification_uri`",
    seen_at: "Google's device endpoint (oauth2.googleapis.com/device/code, its older documentation)",
    handling: "`verification_url` is read when `verification_uri` is absent",
};

/// A `slow_down` error carries the new interval.
pub const SLOW_DOWN_CARRIES_AN_INTERVAL: Rule = Rule {
    name: "slow-down-carries-an-interval",
    behaviour: "a `slow_down` error carries an `interval` member: the new minimum interval",
    seen_at: "GitHub",
    handling: "the interval grows by 5 s as RFC 8628 §3.5 says, and to at least the interval sent",
};

/// Errors come with a success status.
pub const ERROR_IN_A_SUCCESS_STATUS: Rule = Rule {
    name: "error-in-a-success-status",
    behaviour:
        "errors (`authorization_pending`, `slow_down`, `access_denied`, ...) are sent with HTTP 200",
    seen_at: "GitHub",
    handling: "an answer with an `error` member is an error, whatever its status",
};

/// Errors come with another error status than RFC 6749 §5.2's 400.
pub const ERROR_STATUS_IS_NOT_THE_MEANING: Rule = Rule {
    name: "error-status-is-not-the-meaning",
    behaviour: "errors are sent with 401, 403 or 428 (`invalid_client` with 401 as RFC 6749 allows; `access_denied` with 403; `authorization_pending` with 428 Precondition Required) instead of 400",
    seen_at: "servers that map OAuth errors onto HTTP semantics (RFC 6749 §5.2 itself allows 401 for `invalid_client`)",
    handling: "the `error` member decides what an answer means; the status only names an answer without one",
};

/// Lifetimes come as strings.
pub const LIFETIMES_AS_STRINGS: Rule = Rule {
    name: "lifetimes-as-strings",
    behaviour:
        "`expires_in` (and `interval`) are JSON strings of digits (`\"3599\"`) instead of numbers",
    seen_at: "Microsoft's older (v1.0) Azure AD endpoints; form-encoded answers always",
    handling: "a string of digits is read as the number",
};

/// The token response is form-encoded.
pub const FORM_ENCODED_RESPONSE: Rule = Rule {
    name: "form-encoded-response",
    behaviour: "answers are `application/x-www-form-urlencoded` (`access_token=...&token_type=bearer&scope=`) when `Accept` is ignored or missing",
    seen_at: "GitHub (without `Accept: application/json`)",
    handling: "an answer whose Content-Type is `application/x-www-form-urlencoded` is read as a form; requests still send `Accept: application/json`",
};

/// The token type's case varies.
pub const TOKEN_TYPE_ANY_CASE: Rule = Rule {
    name: "token-type-any-case",
    behaviour: "`token_type` is `bearer` or `BEARER`, not `Bearer`",
    seen_at: "GitHub (`bearer`); RFC 6749 §5.1 says the value is case insensitive",
    handling: "token types are compared case-insensitively ([`super::Tokens::is_bearer`])",
};

/// The scope is a list.
pub const SCOPE_AS_A_LIST: Rule = Rule {
    name: "scope-as-a-list",
    behaviour: "`scope` is a JSON array of strings instead of one space-separated string",
    seen_at: "AWS SSO OIDC (`scope` of CreateTokenWithIAM), some OIDC servers",
    handling: "the array is joined with spaces",
};

/// Every rule, in the order of `docs/protocol/oauth.md#provider-rules`.
pub const RULES: &[Rule] = &[
    VERIFICATION_URL_ALIAS,
    SLOW_DOWN_CARRIES_AN_INTERVAL,
    ERROR_IN_A_SUCCESS_STATUS,
    ERROR_STATUS_IS_NOT_THE_MEANING,
    LIFETIMES_AS_STRINGS,
    FORM_ENCODED_RESPONSE,
    TOKEN_TYPE_ANY_CASE,
    SCOPE_AS_A_LIST,
];

/// [`FORM_ENCODED_RESPONSE`]: a form body's pairs as members (the first of repeated names).
pub(crate) fn form_members(body: &[u8]) -> Members {
    let mut members = Members::new();
    for (name, value) in form::parse(body) {
        members.entry(name).or_insert(Value::String(value));
    }
    members
}

/// [`ERROR_IN_A_SUCCESS_STATUS`] and [`ERROR_STATUS_IS_NOT_THE_MEANING`]: the `error` code of an
/// answer, whatever its status. Only a string counts.
pub(crate) fn error_code(members: &Members) -> Option<String> {
    members
        .get("error")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// [`SLOW_DOWN_CARRIES_AN_INTERVAL`]: the `interval` of a `slow_down` error, when it has a
/// usable one (positive seconds).
pub(crate) fn slow_down_interval(members: &Members) -> Option<u64> {
    if error_code(members).as_deref() != Some("slow_down") {
        return None;
    }
    seconds(members, "interval")
        .ok()
        .flatten()
        .and_then(|s| u64::try_from(s).ok())
        .filter(|s| *s > 0)
}

/// [`VERIFICATION_URL_ALIAS`]: `verification_uri`, else `verification_url`.
pub(crate) fn verification_uri(members: &Members) -> Result<String, DecodeError> {
    for member in ["verification_uri", "verification_url"] {
        if let Some(uri) = string(members, member)?.filter(|u| !u.is_empty()) {
            return Ok(uri);
        }
    }
    Err(DecodeError::MissingMember {
        member: "verification_uri",
    })
}

/// [`LIFETIMES_AS_STRINGS`]: a number of seconds, from a JSON number (a fraction is cut; huge
/// values saturate) or a string of digits; `None` when absent or `null`.
pub(crate) fn seconds(members: &Members, member: &'static str) -> Result<Option<i64>, DecodeError> {
    let invalid = DecodeError::InvalidMember {
        member,
        expected: "a number of seconds",
    };
    match members.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(number_seconds(n))),
        Some(Value::String(s)) => {
            let s = s.trim();
            let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid);
            }
            Ok(Some(s.parse::<i64>().unwrap_or(if s.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            })))
        }
        Some(_) => Err(invalid),
    }
}

fn number_seconds(n: &Number) -> i64 {
    if let Some(i) = n.as_i64() {
        return i;
    }
    if n.as_u64().is_some() {
        return i64::MAX;
    }
    // A float: cut the fraction, saturating (`as` saturates, and NaN cannot come from JSON).
    n.as_f64().map_or(0, |f| f as i64)
}

/// [`SCOPE_AS_A_LIST`]: `scope` as one space-separated string.
pub(crate) fn scope(members: &Members) -> Result<Option<String>, DecodeError> {
    match members.get("scope") {
        Some(Value::Array(items)) => {
            let mut scopes = Vec::with_capacity(items.len());
            for item in items {
                scopes.push(item.as_str().ok_or(DecodeError::InvalidMember {
                    member: "scope",
                    expected: "a string or a list of strings",
                })?);
            }
            Ok(Some(scopes.join(" ")))
        }
        _ => string(members, "scope"),
    }
}

/// [`TOKEN_TYPE_ANY_CASE`]: whether `token_type` is `Bearer`, in any case.
pub(crate) fn is_bearer(token_type: &str) -> bool {
    token_type.eq_ignore_ascii_case("bearer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_unique_anchors() {
        let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
        for name in names {
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{name} is a heading slug"
            );
        }
    }

    #[test]
    fn seconds_saturate_and_refuse_garbage() {
        let members = |v: Value| {
            let mut m = Members::new();
            m.insert("n".to_owned(), v);
            m
        };
        let read = |v: Value| seconds(&members(v), "n");
        assert_eq!(read(Value::from(5)), Ok(Some(5)));
        assert_eq!(read(Value::from(-5)), Ok(Some(-5)));
        assert_eq!(read(Value::from(u64::MAX)), Ok(Some(i64::MAX)));
        assert_eq!(read(Value::from(2.9)), Ok(Some(2)));
        assert_eq!(read(Value::from(1e300)), Ok(Some(i64::MAX)));
        assert_eq!(read(Value::from(" 3599 ")), Ok(Some(3599)));
        assert_eq!(
            read(Value::from("99999999999999999999999")),
            Ok(Some(i64::MAX))
        );
        assert_eq!(
            read(Value::from("-99999999999999999999999")),
            Ok(Some(i64::MIN))
        );
        assert_eq!(read(Value::Null), Ok(None));
        for bad in [
            Value::from(""),
            Value::from("1h"),
            Value::from("-"),
            Value::Bool(true),
        ] {
            assert!(read(bad.clone()).is_err(), "{bad}");
        }
    }
}
