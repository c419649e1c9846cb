//! `error::decode_error` on arbitrary responses (any status, headers, body), and the
//! encode/decode round trip of whatever modelled error it finds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssooidc_core::error::{decode_error, encode_error};

fuzz_target!(|data: &[u8]| {
    let response = ssooidc_fuzz::framed_response(data);
    let error = decode_error(&response);
    assert_eq!(error.status(), response.status().as_u16());
    assert!(!error.name().is_empty(), "an error with no name: {error:?}");
    let _ = (
        error.to_string(),
        format!("{error:?}"),
        error.retry_kind(),
        error.is_retryable(),
        error.message(),
        error.request_id(),
    );
    // What the decoder recognised survives the encoder (with the type header, as the service
    // sends it): the same shape, status, message and members.
    if error.code().is_some() {
        let again = decode_error(&encode_error(&error, true));
        assert_eq!(again, error, "changed through encode_error");
    }
});
