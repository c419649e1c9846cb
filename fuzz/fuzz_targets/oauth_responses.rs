//! The standard OAuth 2.0 dialect's decoders on arbitrary responses (any status, headers and
//! body, in the framing of `ssooidc_fuzz`'s docs; a `content-type` header picks JSON or a form):
//! the device authorization response, the token response, their errors, the provider rules, and
//! the grant's reading of a poll.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssooidc_core::device::Dialect;
use ssooidc_core::grant::PollOutcome;
use ssooidc_core::oauth::{
    parse_device_authorization, parse_token_response, OAuthClient, Provider, ProviderUrl, Standard,
    Tokens,
};
use ssooidc_core::{ResponseError, MAX_RESPONSE_BODY_BYTES};

fuzz_target!(|data: &[u8]| {
    let response = ssooidc_fuzz::framed_response(data);
    let status = response.status().as_u16();
    let check_error = |error: &ResponseError| {
        let _ = (error.to_string(), format!("{error:?}"));
        match error {
            ResponseError::Service(e) => {
                // The status is kept, whatever it was (errors come with 200 too).
                assert_eq!(e.status(), status);
                assert!(!e.name().is_empty(), "an error with no name: {e:?}");
                let _ = (e.retry_kind(), e.message());
            }
            ResponseError::Malformed {
                status: s, kind, ..
            } => {
                assert_eq!(*s, status);
                // An error status is always a service error, unless the body is too large.
                if !(200..300).contains(&status) {
                    assert!(
                        response.body().len() > MAX_RESPONSE_BODY_BYTES,
                        "a {status} that is neither a service error nor too large: {kind:?}"
                    );
                }
            }
            _ => {}
        }
    };
    match parse_device_authorization(&response) {
        Ok(authorization) => {
            assert!((200..300).contains(&status));
            assert!(!authorization.device_code.is_empty() && !authorization.user_code.is_empty());
            assert!(!authorization.verification_uri.is_empty());
            let _ = format!("{authorization:?}");
        }
        Err(e) => check_error(&e),
    }
    match parse_token_response(&response) {
        Ok(tokens) => {
            assert!((200..300).contains(&status));
            assert!(!tokens.access_token.is_empty() && !tokens.token_type.is_empty());
            let wall = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
            let stamped = Tokens::from_response(tokens.clone(), wall);
            let _ = stamped.to_response_json(wall);
            let _ = (stamped.is_bearer(), stamped.remaining(wall));
            let refreshed = stamped.refreshed(tokens, wall);
            assert!(refreshed.refresh_token.is_some() || stamped.refresh_token.is_none());
        }
        Err(e) => check_error(&e),
    }
    // The grant's reading of the same answer to a poll never panics, and agrees with the decoder.
    let provider = Provider::explicit(
        ProviderUrl::parse("https://idp.example.com/device").unwrap(),
        ProviderUrl::parse("https://idp.example.com/token").unwrap(),
    );
    let dialect = Standard::new(provider, OAuthClient::public("cli").unwrap(), ["openid"]);
    match dialect.polled(&response) {
        PollOutcome::Token(_) => assert!(parse_token_response(&response).is_ok()),
        PollOutcome::SlowDown { interval } => assert!(interval.is_none_or(|i| i > 0)),
        _ => assert!(parse_token_response(&response).is_err()),
    }
    let _ = dialect.authorized(&response);
    // Debug logs of any body never fail.
    let _ = ssooidc_core::wire::redact_body(response.body());
});
