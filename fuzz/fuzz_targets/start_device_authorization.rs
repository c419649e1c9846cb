//! `StartDeviceAuthorization::parse_response` on arbitrary responses: any status, headers and body (the framing
//! of `ssooidc_fuzz`'s docs: the tail of the input is the raw body).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssooidc_core::operations::StartDeviceAuthorization;

fuzz_target!(|data: &[u8]| {
    let response = ssooidc_fuzz::framed_response(data);
    ssooidc_fuzz::check_decoder::<StartDeviceAuthorization>(&response);
});
