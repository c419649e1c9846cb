//! The secrets this process has handled, for redaction *by value*: every secret the
//! [`Client`](crate::Client) sends or receives under a known member name (a client secret, a
//! device code, a token, an authorization code) in a body or a header (`client_secret_basic`'s
//! `Authorization: Basic`, a bearer token), the signing keys it used, and the cached secrets the
//! stores read or write (tokens, refreshed ones included, and role credentials). [`DebugSink::log`] filters every
//! debug line through [`redact`], so a secret that comes back under a member name no list knows,
//! inside an error message or in a URL is still hidden; the CLI filters its error messages and
//! warnings the same way.
//!
//! It is one set per process (at most
//! [`MAX_SECRET_VALUES`](ssooidc_core::wire::MAX_SECRET_VALUES) spellings, the oldest forgotten
//! first), holding copies of secrets the process held anyway. A secret [`remember`]ed is
//! spelled out (raw, JSON-escaped, form- and URL-encoded, as a terminal shows it) only when
//! something is redacted or remembered from a body or headers, or when
//! [`MAX_PENDING`] are waiting: a cache hit remembers the secrets it reads and usually prints
//! nothing that needs them (spelling out a role's session token costs more than reading it).
//!
//! [`DebugSink::log`]: crate::DebugSink::log

use std::borrow::Cow;
use std::sync::{Mutex, MutexGuard};

use ssooidc_core::wire::SecretValues;
use ssooidc_core::Secret;

/// At most this many secrets wait to be spelled out ([`remember`]).
pub const MAX_PENDING: usize = 16;

/// The remembered secrets.
struct Held {
    /// Every spelling of the secrets remembered before `pending`.
    values: SecretValues,
    /// Secrets remembered since, in order, not spelled out yet.
    pending: Vec<String>,
}

impl Held {
    /// Spells out the pending secrets, in the order they came.
    fn spell_out(&mut self) {
        for value in self.pending.drain(..) {
            self.values.insert(&value);
        }
    }
}

static HELD: Mutex<Held> = Mutex::new(Held {
    values: SecretValues::new(),
    pending: Vec::new(),
});

fn lock() -> MutexGuard<'static, Held> {
    // A panic elsewhere while the lock was held leaves a usable set.
    HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `f` over every spelling of every secret remembered so far.
fn with_held<T>(f: impl FnOnce(&mut SecretValues) -> T) -> T {
    let mut held = lock();
    held.spell_out();
    f(&mut held.values)
}

/// Remembers a secret (ignored when shorter than
/// [`MIN_SECRET_LEN`](ssooidc_core::wire::MIN_SECRET_LEN)).
pub fn remember(secret: &Secret) {
    let value = secret.expose();
    let mut held = lock();
    if held.pending.iter().any(|pending| pending == value) {
        return;
    }
    if held.pending.len() >= MAX_PENDING {
        held.spell_out();
    }
    held.pending.push(value.to_owned());
}

/// Remembers the values of the sensitive members of a request or response body, JSON or
/// form-encoded (the standard OAuth 2.0 dialect's requests: `client_secret`, `device_code`,
/// `refresh_token`, `code_verifier`, ...).
pub fn remember_body(body: &[u8]) {
    with_held(|held| held.insert_from_body(body));
}

/// Remembers the secrets of a header block, which debug lines hide by name only: a bearer
/// token, a session token, and the client secret inside `Authorization: Basic`
/// (`client_secret_basic`), so that a server echoing one does not print it
/// ([`SecretValues::insert_from_headers`]).
pub fn remember_headers(headers: &http::HeaderMap) {
    with_held(|held| held.insert_from_headers(headers));
}

/// `text` with every remembered secret replaced by `<redacted>`.
pub fn redact(text: &str) -> Cow<'_, str> {
    with_held(|held| match held.redact(text) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(owned) => Cow::Owned(owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_remembered_is_redacted_anywhere() {
        remember(&Secret::new("secrets-module-test-value"));
        remember_body(br#"{"deviceCode":"secrets-module-device-code","other":"kept-value-1"}"#);
        let shown = redact(
            "error: secrets-module-device-code is not valid for secrets-module-test-value; kept-value-1",
        );
        assert_eq!(
            shown,
            "error: <redacted> is not valid for <redacted>; kept-value-1"
        );
        assert!(matches!(redact("nothing secret here"), Cow::Borrowed(_)));
    }

    /// Secrets remembered one after another wait in a bounded list, and each is redacted in
    /// every spelling when something is.
    #[test]
    fn remembered_secrets_wait_in_a_bounded_list() {
        let secrets: Vec<String> = (0..=2 * MAX_PENDING)
            .map(|i| format!("pending-secret/{i}+value"))
            .collect();
        for secret in &secrets {
            remember(&Secret::new(secret.clone()));
            remember(&Secret::new(secret.clone()));
            assert!(lock().pending.len() <= MAX_PENDING);
        }
        for secret in &secrets {
            let form = secret.replace('/', "%2F").replace('+', "%2B");
            let json = serde_json::to_string(secret).unwrap();
            assert_eq!(
                redact(&format!("{secret} {form} {json}")),
                "<redacted> <redacted> \"<redacted>\""
            );
        }
    }

    #[test]
    fn a_client_secret_basic_secret_is_remembered() {
        // base64("module-basic-client:module%2Fbasic%2Bsecret"), the secret form-encoded.
        let blob = "bW9kdWxlLWJhc2ljLWNsaWVudDptb2R1bGUlMkZiYXNpYyUyQnNlY3JldA==";
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            format!("Basic {blob}").parse().unwrap(),
        );
        remember_headers(&headers);
        assert_eq!(
            redact(&format!(
                "wrong secret module/basic+secret ({blob}) for module-basic-client"
            )),
            "wrong secret <redacted> (<redacted>) for module-basic-client"
        );
    }
}
