//! The emulated SSO portal over HTTP, driven with the core's portal operations: role
//! credentials for the tokens the emulator issued, lists in pages, the portal's errors, Logout,
//! and faults on the portal's targets.

mod common;

use common::*;
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::portal::{GetRoleCredentials, ListAccountRoles, ListAccounts, Logout};
use ssooidc_core::{ErrorCode, ResponseError, ServiceError};
use ssooidc_emulator::{FaultAction, FaultRule, PortalAccount, Target, When};

fn service(err: ResponseError) -> ServiceError {
    err.service_error().cloned().expect("a service error")
}

#[test]
fn role_credentials_for_an_issued_token() {
    let (emu, http) = start(fast().role_credentials_lifetime(900));
    let endpoint = Endpoint::parse(emu.base_url()).unwrap();
    let token = access_token(&emu, &http);
    let before = ssooidc_core::time::OffsetDateTime::now_utc();
    let out = send(
        &http,
        &endpoint,
        &GetRoleCredentials::new("ReadOnly", "111122223333", token.as_str()),
    )
    .unwrap();
    let c = out.role_credentials;
    assert!(c.access_key_id.starts_with("ASIA"), "{}", c.access_key_id);
    // Epoch milliseconds, 900 protocol seconds from now (the wire keeps protocol seconds).
    let lifetime = c.expires_at() - before;
    assert!(
        lifetime > ssooidc_core::time::Duration::seconds(890)
            && lifetime <= ssooidc_core::time::Duration::seconds(901),
        "{lifetime}"
    );
    assert_eq!(c.expiration % 1000, 0);
    let request = emu.requests().pop().unwrap();
    assert_eq!(request.target, Target::GetRoleCredentials);
    assert_eq!(
        request.header("x-amz-sso_bearer_token"),
        Some(token.as_str())
    );
    assert!(
        !format!("{request:?}").contains(&token),
        "the recorded request's Debug hides the token"
    );
}

#[test]
fn the_portals_errors() {
    let (emu, http) = start(fast());
    let endpoint = Endpoint::parse(emu.base_url()).unwrap();
    let token = access_token(&emu, &http);

    let e = service(send(&http, &endpoint, &ListAccounts::new("aoaNotIssued")).unwrap_err());
    assert_eq!(e.code(), Some(ErrorCode::Unauthorized));
    assert_eq!(e.status(), 401);
    assert_eq!(e.message(), Some("Session token not found or invalid"));
    assert!(e.request_id().is_some());

    let e = service(
        send(
            &http,
            &endpoint,
            &GetRoleCredentials::new("AdministratorAccess", "444455556666", token.as_str()),
        )
        .unwrap_err(),
    );
    assert_eq!(
        (e.name(), e.status(), e.message()),
        ("ForbiddenException", 403, Some("No access"))
    );

    let mut too_big = ListAccounts::new(token.as_str());
    too_big.max_results = Some(101);
    let e = service(send(&http, &endpoint, &too_big).unwrap_err());
    assert_eq!(e.code(), Some(ErrorCode::InvalidRequest));
    assert!(e.message().unwrap().contains("maxResults"), "{e}");
}

#[test]
fn lists_come_in_pages_whose_tokens_need_encoding() {
    let accounts = vec![
        PortalAccount::new("111111111111", "One", ["A", "B", "C"]),
        PortalAccount::new("222222222222", "Two", ["A"]),
        PortalAccount::new("333333333333", "Three", ["A"]),
    ];
    let (emu, http) = start(fast().accounts(accounts).page_size(2));
    let endpoint = Endpoint::parse(emu.base_url()).unwrap();
    let token = access_token(&emu, &http);

    let first = send(&http, &endpoint, &ListAccounts::new(token.as_str())).unwrap();
    assert_eq!(first.account_list.len(), 2);
    let next = first.next_token.clone().expect("a second page");
    assert!(next.contains('+') && next.contains('/'), "{next}");
    let mut second = ListAccounts::new(token.as_str());
    second.next_token = Some(next);
    let second = send(&http, &endpoint, &second).unwrap();
    assert_eq!(
        second.account_list[0].account_id.as_deref(),
        Some("333333333333")
    );
    assert_eq!(
        second.account_list[0].email_address.as_deref(),
        Some("three@example.com")
    );
    assert_eq!(second.next_token, None);

    let mut roles = ListAccountRoles::new(token.as_str(), "111111111111");
    roles.max_results = Some(1);
    let page = send(&http, &endpoint, &roles).unwrap();
    assert_eq!(page.role_list.len(), 1);
    assert_eq!(page.role_list[0].role_name.as_deref(), Some("A"));
    assert!(page.next_token.is_some());
}

#[test]
fn logout_ends_the_token() {
    let (emu, http) = start(fast());
    let endpoint = Endpoint::parse(emu.base_url()).unwrap();
    let token = access_token(&emu, &http);
    send(&http, &endpoint, &ListAccounts::new(token.as_str())).unwrap();
    send(&http, &endpoint, &Logout::new(token.as_str())).unwrap();
    let e = service(send(&http, &endpoint, &ListAccounts::new(token.as_str())).unwrap_err());
    assert_eq!(e.code(), Some(ErrorCode::Unauthorized));
    let e = service(send(&http, &endpoint, &Logout::new(token.as_str())).unwrap_err());
    assert_eq!(e.code(), Some(ErrorCode::Unauthorized));
}

#[test]
fn an_expired_token_is_unauthorized() {
    // 2 protocol seconds of 10 ms.
    let (emu, http) = start(fast().access_token_lifetime(2));
    let endpoint = Endpoint::parse(emu.base_url()).unwrap();
    let token = access_token(&emu, &http);
    wait_secs(3);
    let e = service(send(&http, &endpoint, &ListAccounts::new(token.as_str())).unwrap_err());
    assert_eq!(e.code(), Some(ErrorCode::Unauthorized));
}

#[test]
fn portal_errors_without_the_type_header_are_named_by_their_status() {
    let (emu, http) = start(fast().error_type_header(false));
    let endpoint = Endpoint::parse(emu.base_url()).unwrap();
    let e = service(send(&http, &endpoint, &ListAccounts::new("nope")).unwrap_err());
    assert_eq!(
        (e.name(), e.message()),
        ("401", Some("Session token not found or invalid"))
    );
}

#[test]
fn faults_hit_the_portals_targets() {
    let (emu, http) = start(fast());
    let endpoint = Endpoint::parse(emu.base_url()).unwrap();
    let token = access_token(&emu, &http);
    emu.inject(FaultRule::new(
        Target::GetRoleCredentials,
        When::Nth(1),
        FaultAction::Error(ErrorCode::TooManyRequests),
    ));
    emu.inject("Logout=503".parse().unwrap());
    let input = GetRoleCredentials::new("ReadOnly", "111122223333", token.as_str());
    let e = service(send(&http, &endpoint, &input).unwrap_err());
    assert_eq!(e.code(), Some(ErrorCode::TooManyRequests));
    assert!(send(&http, &endpoint, &input).is_ok(), "only the first");
    let e = service(send(&http, &endpoint, &Logout::new(token.as_str())).unwrap_err());
    assert_eq!(e.status(), 503);
    assert!(send(&http, &endpoint, &ListAccounts::new(token.as_str())).is_ok());
    for name in [
        "GetRoleCredentials",
        "listaccounts",
        "ListAccountRoles",
        "Logout",
    ] {
        assert!(
            format!("{name}=hang").parse::<FaultRule>().is_ok(),
            "{name}"
        );
    }
}
