//! The loopback listener's side of the browser login: any bytes a connection may send, read
//! with `authcode::loopback::read_request` (whole, and cut in two as a slow client sends them),
//! and every `GET` target fed to an `AuthCodeFlow` waiting for the browser, as the adapters do.
//! The bytes are also fed as a request target directly. Checked besides "no panic":
//!
//! - a request head is read the same whole or in two pieces; only `GET` reaches the flow;
//! - every answer is a complete HTTP/1.1 response whose `Content-Length` is its body's;
//! - the flow takes a code only with the login's state on the callback path (checked by
//!   decoding the query independently), never after the deadline; a forged state ends it;
//! - nothing the browser sends makes the verifier or the client secret show in `Debug` (both
//!   carry a value the input cannot know: `Unguessable`).
#![no_main]

use ssooidc_core::machine::Machine;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use ssooidc_core::authcode::loopback::{read_request, Request, MAX_REQUEST_HEAD_BYTES};
use ssooidc_core::authcode::{
    AuthCodeConfig, AuthCodeError, AuthCodeFlow, AuthCodeInput, CallbackReply, LoginSecrets,
    AuthCodeOutput, AuthCodePhase,
};
use ssooidc_core::device::Registration;
use ssooidc_core::endpoint::{resolve, EndpointParams};
use ssooidc_fuzz::Unguessable;
use time::OffsetDateTime;

/// The verifier's visible part; each execution completes it with an `Unguessable` value, so
/// that what the browser sends (an `error_description`, a forged state) cannot hold it.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27";
const STATE: &str = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f";

/// The secrets of one execution: the verifier and the cached registration's client secret.
struct Known {
    verifier: String,
    client_secret: String,
}

impl Known {
    fn assert_hidden(&self, shown: &str) {
        Unguessable::assert_hidden(shown, [self.verifier.as_str(), &self.client_secret]);
    }
}

fn waiting_flow(t0: Instant, known: &Known) -> AuthCodeFlow {
    let wall = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
    let registration = Registration::new(
        "cid",
        known.client_secret.as_str(),
        wall + time::Duration::days(90),
    )
    .with_grant_types(Some(vec!["authorization_code".into()]));
    let input = AuthCodeInput::new(endpoint, "https://d-1234567890.awsapps.com/start", "fuzz")
        .registration(registration);
    let secrets = LoginSecrets::new(known.verifier.as_str(), STATE).unwrap();
    let mut flow = AuthCodeFlow::new(
        input,
        AuthCodeConfig::default(),
        54321,
        secrets,
        t0,
        wall,
        1,
    );
    assert!(matches!(flow.poll_output(), Ok(AuthCodeOutput::Event(_))));
    assert_eq!(flow.phase(), AuthCodePhase::Authorize);
    flow
}

fn check_response(bytes: &[u8]) {
    let text = String::from_utf8(bytes.to_vec()).expect("answers are UTF-8");
    assert!(text.starts_with("HTTP/1.1 "), "{text}");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head");
    assert!(
        head.contains(&format!("\r\nContent-Length: {}\r\n", body.len())),
        "{head}"
    );
    assert!(head.contains("\r\nConnection: close"));
    assert!(!body.contains("<script"), "no script: {body}");
}

/// What the callback's query says, decoded independently of the core: the first non-empty
/// `state` and `code`, and whether an `error` is there.
fn independent_decode(target: &str) -> (Option<String>, bool, bool) {
    let Some(query) = target.strip_prefix("/oauth/callback?") else {
        return (None, false, false);
    };
    let query = query.split('#').next().unwrap_or("");
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let first = |name: &str| {
        pairs
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    (
        first("state"),
        first("code").is_some(),
        first("error").is_some(),
    )
}

fn feed(target: &str, late: bool) {
    let unguessable = Unguessable::new();
    let known = Known {
        verifier: unguessable.secret(VERIFIER),
        client_secret: unguessable.secret("csec-"),
    };
    let t0 = Instant::now();
    let mut flow = waiting_flow(t0, &known);
    let now = if late {
        flow.deadline().unwrap()
    } else {
        t0 + Duration::from_secs(1)
    };
    let reply = flow
        .handle_callback(now, target)
        .expect("a waiting flow takes any request");
    check_response(&reply.http_response());
    let (state, has_code, has_error) = independent_decode(target);
    if late {
        assert_eq!(reply, CallbackReply::TimedOut);
        // The waiting flow reuses a cached registration, so its deadline says so.
        assert!(matches!(
            flow.poll_output(),
            Ok(AuthCodeOutput::Done(Err(
                AuthCodeError::DeadlineReachedWithCachedRegistration
            )))
        ));
        return;
    }
    match &reply {
        CallbackReply::Accepted => {
            assert!(has_code && !has_error, "{target}");
            assert_eq!(
                state.as_deref(),
                Some(STATE),
                "accepted without the state: {target}"
            );
            assert_eq!(flow.phase(), AuthCodePhase::Exchange);
            let Ok(AuthCodeOutput::Transmit(t)) = flow.poll_output() else {
                panic!("no exchange after an accepted callback")
            };
            known.assert_hidden(&format!("{t:?} {flow:?}"));
        }
        CallbackReply::Forged => {
            assert!(has_code || has_error, "{target}");
            assert_ne!(state.as_deref(), Some(STATE), "{target}");
            assert!(matches!(
                flow.poll_output(),
                Ok(AuthCodeOutput::Done(Err(AuthCodeError::StateMismatch)))
            ));
        }
        CallbackReply::Refused(_) => {
            assert!(has_error, "{target}");
            assert!(
                state.is_none() || state.as_deref() == Some(STATE),
                "{target}"
            );
            assert!(matches!(
                flow.poll_output(),
                Ok(AuthCodeOutput::Done(Err(AuthCodeError::Refused(_))))
            ));
        }
        CallbackReply::Ignored => {
            assert!(!(has_error || has_code && state.is_some()), "{target}");
            assert_eq!(flow.phase(), AuthCodePhase::Authorize);
        }
        other => panic!("{other:?} while waiting"),
    }
    known.assert_hidden(&format!("{reply:?} {flow:?}"));
}

fuzz_target!(|data: &[u8]| {
    // The bytes as a connection sends them.
    let whole = read_request(data);
    if let Request::Reject(rejection) = &whole {
        check_response(&rejection.http_response());
    }
    if data.len() > 1 {
        // A slow client: the same bytes in two pieces read the same once complete.
        let cut = usize::from(data[0]) % data.len();
        let first = read_request(&data[..cut]);
        if first != Request::Partial && data.len() <= MAX_REQUEST_HEAD_BYTES {
            assert_eq!(first, whole, "a complete head reads the same");
        }
    }
    if let Request::Get(target) = &whole {
        feed(target, false);
    }
    // The bytes as a request target.
    if let Ok(target) = std::str::from_utf8(data) {
        feed(target, data.first() == Some(&b'!'));
    }
});
