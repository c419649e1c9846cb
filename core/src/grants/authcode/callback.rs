//! What a request on the loopback listener means (`docs/protocol/authorization-code.md#callback`),
//! and the page each answer shows the person in the browser.

use super::output::AuthorizationError;
use super::url::CALLBACK_PATH;
use crate::text::escape_html;
use crate::Secret;

/// What a request target says, in the flow's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Callback {
    /// `code` and `state`, both present and not empty.
    Code { code: Secret, state: String },
    /// `error` (with `error_description` and `state` when present).
    Error {
        error: AuthorizationError,
        state: Option<String>,
    },
    /// Neither: another path (a favicon), or a query without `error` nor both `code` and
    /// `state`. The flow keeps waiting.
    Nothing,
}

/// Reads a request target (`/oauth/callback?code=...&state=...`). Only the callback path
/// counts; the query is decoded as a browser encodes it (`%XX`, and `+` for a space). The first
/// occurrence of a parameter wins and an empty value counts as absent, as Python's `parse_qs`
/// (the AWS CLI's parser) treats them.
pub(crate) fn parse(target: &str) -> Callback {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != CALLBACK_PATH {
        return Callback::Nothing;
    }
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match decode(name).as_str() {
            "code" => &mut code,
            "state" => &mut state,
            "error" => &mut error,
            "error_description" => &mut description,
            _ => continue,
        };
        if slot.is_none() {
            let value = decode(value);
            if !value.is_empty() {
                *slot = Some(value);
            }
        }
    }
    match (error, code, state) {
        (Some(error), _, state) => Callback::Error {
            error: AuthorizationError { error, description },
            state,
        },
        (None, Some(code), Some(state)) => Callback::Code {
            code: Secret::new(code),
            state,
        },
        _ => Callback::Nothing,
    }
}

/// Percent-decodes `s`, with `+` as a space ([`crate::percent::decode_lossy`]): a `%` not
/// followed by two ASCII hex digits stays as it is, and bytes that are not UTF-8 become U+FFFD.
fn decode(s: &str) -> String {
    crate::percent::decode_lossy(s.as_bytes(), true)
}

pub(crate) use crate::base::secret::constant_time_eq;

/// What the flow made of a request on the loopback listener, and so which page the browser
/// gets. Every page tells the person to return to the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackReply {
    /// The authorization code was taken; the login goes on in the terminal.
    Accepted,
    /// The authorization server sent the browser back with an error: the login failed.
    Refused(AuthorizationError),
    /// The request's `state` is not the login's: the login was stopped.
    Forged,
    /// The flow's deadline had passed: the login failed.
    TimedOut,
    /// Not a callback (a favicon, a probe, another path): nothing changed.
    Ignored,
    /// The flow is not waiting for the browser (not yet, or any more): nothing changed.
    NotWaiting,
}

impl CallbackReply {
    /// The HTTP status of the page.
    pub fn status(&self) -> u16 {
        match self {
            CallbackReply::Ignored => 404,
            _ => 200,
        }
    }

    /// Whether the page reports a failed login.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            CallbackReply::Refused(_) | CallbackReply::Forged | CallbackReply::TimedOut
        )
    }

    /// The page's title and text.
    fn text(&self) -> (&'static str, String) {
        match self {
            CallbackReply::Accepted => (
                "Login approved",
                "ssooidc received the authorization. Return to the terminal; you can close this tab."
                    .to_owned(),
            ),
            CallbackReply::Refused(e) => (
                "Login failed",
                format!("The authorization was refused ({e}). Return to the terminal."),
            ),
            CallbackReply::Forged => (
                "Login failed",
                "This request does not belong to the login ssooidc started, so the login was stopped. Return to the terminal."
                    .to_owned(),
            ),
            CallbackReply::TimedOut => (
                "Login failed",
                "The login waited too long for the browser and was stopped. Return to the terminal and start again."
                    .to_owned(),
            ),
            CallbackReply::Ignored => (
                "Not found",
                "This address only receives the end of an ssooidc login. Return to the terminal."
                    .to_owned(),
            ),
            CallbackReply::NotWaiting => (
                "Nothing to do",
                "ssooidc is not waiting for the browser here. Return to the terminal.".to_owned(),
            ),
        }
    }

    /// The whole HTTP/1.1 response to write back (the connection is then closed).
    pub fn http_response(&self) -> Vec<u8> {
        let (title, text) = self.text();
        super::loopback::response(self.status(), &page(title, &text))
    }
}

/// A small self-contained page: no script, no external resource; `text` is escaped.
pub(crate) fn page(title: &str, text: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} - ssooidc</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}}</style></head><body><h1>{title}</h1><p>{text}</p></body></html>\n",
        title = escape_html(title),
        text = escape_html(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(code: &str, state: &str) -> Callback {
        Callback::Code {
            code: Secret::new(code),
            state: state.to_owned(),
        }
    }

    #[test]
    fn the_documented_callbacks() {
        assert_eq!(
            parse("/oauth/callback?code=abc&state=3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"),
            code("abc", "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f")
        );
        assert_eq!(
            parse("/oauth/callback?error=access_denied&error_description=User+denied+the%20request&state=s"),
            Callback::Error {
                error: AuthorizationError {
                    error: "access_denied".into(),
                    description: Some("User denied the request".into())
                },
                state: Some("s".into())
            }
        );
    }

    #[test]
    fn requests_that_carry_neither_are_nothing() {
        for target in [
            "/favicon.ico",
            "/",
            "/oauth/callback",
            "/oauth/callback?",
            "/oauth/callback?code=abc",
            "/oauth/callback?state=s",
            "/oauth/callback?code=&state=s",
            "/oauth/callback/?code=a&state=s",
            "/OAUTH/callback?code=a&state=s",
            "http://127.0.0.1:1/oauth/callback?code=a&state=s",
            "/favicon.ico?code=a&state=s",
        ] {
            assert_eq!(parse(target), Callback::Nothing, "{target}");
        }
    }

    #[test]
    fn decoding_follows_the_browser() {
        assert_eq!(
            parse("/oauth/callback?code=a%2Bb+c&state=%7E"),
            code("a+b c", "~")
        );
        assert_eq!(
            parse("/oauth/callback?state=s&code=1&code=2"),
            code("1", "s")
        );
        assert_eq!(
            parse("/oauth/callback?co%64e=x&state=s#frag"),
            code("x", "s")
        );
        assert_eq!(
            parse("/oauth/callback?code=%zz%4&state=%"),
            code("%zz%4", "%")
        );
        assert_eq!(
            parse("/oauth/callback?code=%ff&state=s"),
            code("\u{fffd}", "s")
        );
        // An error wins over a code, as in the AWS CLI.
        assert!(matches!(
            parse("/oauth/callback?code=a&state=s&error=x"),
            Callback::Error { .. }
        ));
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn pages_are_escaped_and_say_where_to_go() {
        let refused = CallbackReply::Refused(AuthorizationError {
            error: "<script>".into(),
            description: Some("a & b\u{1b}[2J".into()),
        });
        let bytes = refused.http_response();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(!text.contains("<script>") && text.contains("&lt;script&gt;"));
        for reply in [
            CallbackReply::Accepted,
            refused,
            CallbackReply::Forged,
            CallbackReply::TimedOut,
            CallbackReply::Ignored,
            CallbackReply::NotWaiting,
        ] {
            let text = String::from_utf8(reply.http_response()).unwrap();
            assert!(text.contains("terminal"), "{reply:?}");
            assert_eq!(
                reply.is_failure(),
                text.contains("Login failed"),
                "{reply:?}"
            );
        }
        assert!(String::from_utf8(CallbackReply::Ignored.http_response())
            .unwrap()
            .starts_with("HTTP/1.1 404 Not Found\r\n"));
    }
}
