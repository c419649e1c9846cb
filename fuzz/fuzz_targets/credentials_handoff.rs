//! What `exec --server` / `serve`, `console` and `configure export-credentials` read from
//! outside: a request head of the local credentials endpoint (`container::read_request`), the
//! federation endpoint's answer (`federation::parse_signin_token`, the response framing of
//! `fuzz/src/lib.rs`) and the AWS CLI's profile chain (`next_profile_chain`). The first byte
//! picks which. Checked besides "no panic":
//!
//! - a request head reads the same whole or cut in two; credentials are answered only when
//!   the head carries exactly one `Authorization` header equal to the token; every rejection
//!   is a complete HTTP response whose `Content-Length` is its body's;
//! - a sign-in token is taken only from a 200 and is printable ASCII; the login URL made with
//!   it is a `BrowserUrl`;
//! - a chain that is accepted reads back as the chain before plus the profile.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssooidc_core::browser::BrowserUrl;
use ssooidc_core::container::{read_request, Rejection, Request};
use ssooidc_core::federation::{login_url, parse_signin_token};
use ssooidc_core::settings::{next_profile_chain, MAX_PROFILE_CHAIN};
use ssooidc_core::Secret;
use ssooidc_fuzz::{framed_response, Reader};

const TOKEN: &str = "6f1c0e0d3b2a59687766554433221100ffeeddccbbaa99887766554433221100";

fn complete_http(bytes: &[u8]) {
    let text = String::from_utf8(bytes.to_vec()).expect("answers are UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 "));
    assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
}

fn endpoint(data: &[u8]) {
    let mut r = Reader::new(data);
    let cut = usize::from(r.byte());
    let bytes = r.rest();
    let token = Secret::new(TOKEN);
    let whole = read_request(bytes, &token);
    if whole != Request::Partial {
        // The same decision when the first part came alone before (a slow client).
        let first = read_request(&bytes[..cut.min(bytes.len())], &token);
        assert!(first == Request::Partial || first == whole || cut >= bytes.len());
    }
    match whole {
        Request::Credentials => {
            let text = String::from_utf8_lossy(bytes);
            let authorizations = text
                .lines()
                .filter(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                .count();
            assert!(authorizations >= 1, "credentials without a token");
            assert!(text.contains(TOKEN), "credentials without the token");
        }
        Request::Reject(rejection) => complete_http(&rejection.http_response()),
        _ => {}
    }
    for rejection in [Rejection::Busy, Rejection::Timeout, Rejection::Unavailable] {
        complete_http(&rejection.http_response());
    }
}

fn federation(data: &[u8]) {
    let response = framed_response(data);
    if let Ok(token) = parse_signin_token(&response) {
        assert_eq!(response.status().as_u16(), 200);
        assert!(!token.expose().is_empty());
        assert!(token.expose().bytes().all(|b| b.is_ascii_graphic()));
        let url = login_url(
            "https://signin.aws.amazon.com/federation",
            Some("https://d-1234567890.awsapps.com/start"),
            "https://console.aws.amazon.com/",
            &token,
        );
        assert!(BrowserUrl::parse(&url).is_ok(), "{url}");
    }
}

fn chain(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (current, profile) = text.split_once('\0').unwrap_or((&text, "dev"));
    if let Ok(next) = next_profile_chain(Some(current), profile) {
        // Handed on, the chain is refused for the same profile, accepted for a new one while
        // it is short enough.
        assert!(next_profile_chain(Some(&next), profile).is_err());
        let _ = next_profile_chain(Some(&next), "a-profile-not-in-the-chain-\u{1}");
        assert!(!next.is_empty());
    }
    let _ = MAX_PROFILE_CHAIN;
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => endpoint(rest),
        1 => federation(rest),
        _ => chain(rest),
    }
});
