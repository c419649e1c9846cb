//! The core's own wire layer against the emulator: requests built by `Operation::to_request`,
//! responses and errors decoded by `Operation::parse_response`.

mod common;

use common::*;
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::operations::{CreateToken, RegisterClient, StartDeviceAuthorization};
use ssooidc_core::ErrorCode;

#[test]
fn device_flow_with_the_core_wire_types() {
    let (emu, http) = start(fast());
    let endpoint = Endpoint::parse(emu.base_url()).unwrap();
    assert!(endpoint.is_loopback());
    let reg = send(
        &http,
        &endpoint,
        &RegisterClient::new("core").scopes(["sso:account:access"]),
    )
    .unwrap();
    assert_eq!(reg.authorization_endpoint, None);
    let start = send(
        &http,
        &endpoint,
        &StartDeviceAuthorization::new(reg.client_id.clone(), reg.client_secret.clone(), START_URL),
    )
    .unwrap();
    assert_eq!(start.interval, Some(1));
    let poll = CreateToken::device_code(reg.client_id, reg.client_secret, start.device_code);
    let err = send(&http, &endpoint, &poll).unwrap_err();
    let service = err.service_error().expect("a service error");
    assert_eq!(service.code(), Some(ErrorCode::AuthorizationPending));
    assert!(service.request_id().is_some());
    emu.approve(&start.user_code).unwrap();
    wait_secs(1);
    let token = send(&http, &endpoint, &poll).unwrap();
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    assert!(token.refresh_token.is_some());
}
