//! `core/examples/custom_transport.rs`, the example of a transport of one's own (a std-only
//! HTTP/1.1 client), logs in against the emulator: the example is compiled into this test and
//! its `login` runs a whole device flow, with the emulator approving after one poll.

#[allow(dead_code, unreachable_pub)]
#[path = "../../core/examples/custom_transport.rs"]
mod example;

use ssooidc_emulator::{Approval, Target};
use ssooidc_tests::{emulator_config, requests_to, start, SECOND};

#[test]
fn the_custom_transport_example_logs_in_against_the_emulator() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(1)));
    let token = example::login(emu.base_url(), SECOND).expect("the example logs in");
    assert!(!token.access_token.expose().is_empty());
    assert_eq!(requests_to(&emu, Target::RegisterClient).len(), 1);
    assert_eq!(requests_to(&emu, Target::StartDeviceAuthorization).len(), 1);
    assert_eq!(requests_to(&emu, Target::CreateToken).len(), 2);
    // Every request carried what the transport adds: Host and Content-Length.
    for request in emu.requests() {
        assert!(request.headers.contains_key("host"));
        assert_eq!(
            request.headers["content-length"].to_str().unwrap(),
            request.body.len().to_string()
        );
    }
}

#[test]
fn the_example_transport_reports_a_refused_connection_as_connect() {
    let port = ssooidc_tests::refused_port();
    let request = ssooidc_core::http::Request::post(format!("http://127.0.0.1:{port}/token"))
        .body(Vec::new())
        .unwrap();
    let error = example::send(request).unwrap_err();
    assert_eq!(error.kind(), ssooidc_core::TransportErrorKind::Connect);
}
