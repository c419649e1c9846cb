//! The SSO portal's routes: reading a portal request (the `x-amz-sso_bearer_token` header and
//! the query) and encoding the service's answer (JSON, `Logout`'s empty body, or the error the
//! portal sends).

use http::{Method, Response};
use ssooidc_core::portal::BEARER_TOKEN_HEADER;

use super::encoding;
use super::{lock, Shared};
use crate::faults::Target;
use crate::service::{Now, PortalCall};

/// A portal operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PortalRoute {
    GetRoleCredentials,
    ListAccounts,
    ListAccountRoles,
    Logout,
    /// A bearer-token service's `VerifySession` (`GET /session`, the token in `Authorization:
    /// Bearer`): what an AWS SDK client with the SSO token as its bearer token calls.
    VerifySession,
}

impl PortalRoute {
    /// The portal operation at `method` and `path`, if any.
    pub(super) fn of(method: &Method, path: &str) -> Option<PortalRoute> {
        let get = method == Method::GET || method == Method::HEAD;
        match path {
            "/federation/credentials" if get => Some(PortalRoute::GetRoleCredentials),
            "/assignment/accounts" if get => Some(PortalRoute::ListAccounts),
            "/assignment/roles" if get => Some(PortalRoute::ListAccountRoles),
            "/logout" if method == Method::POST => Some(PortalRoute::Logout),
            "/session" if get => Some(PortalRoute::VerifySession),
            _ => None,
        }
    }

    /// The fault-rule target.
    pub(super) fn target(self) -> Target {
        match self {
            PortalRoute::GetRoleCredentials => Target::GetRoleCredentials,
            PortalRoute::ListAccounts => Target::ListAccounts,
            PortalRoute::ListAccountRoles => Target::ListAccountRoles,
            PortalRoute::Logout => Target::Logout,
            PortalRoute::VerifySession => Target::VerifySession,
        }
    }
}

/// The portal's answer to a request on `route` at `now`.
pub(super) fn dispatch(
    shared: &Shared,
    route: PortalRoute,
    parts: &http::request::Parts,
    now: Now,
) -> Response<Vec<u8>> {
    let token = match route {
        PortalRoute::VerifySession => parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ")),
        _ => parts
            .headers
            .get(BEARER_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok()),
    };
    let call = PortalCall {
        token: token.map(str::to_owned),
        query: form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect(),
    };
    let mut service = lock(&shared.service);
    let answer = match route {
        PortalRoute::GetRoleCredentials => service
            .get_role_credentials(&call, now)
            .map(|out| encoding::json(&out)),
        PortalRoute::ListAccounts => service
            .list_accounts(&call, now)
            .map(|out| encoding::json(&out)),
        PortalRoute::ListAccountRoles => service
            .list_account_roles(&call, now)
            .map(|out| encoding::json(&out)),
        PortalRoute::Logout => service.logout(&call, now).map(|()| encoding::empty(200)),
        PortalRoute::VerifySession => service
            .verify_session(&call, now)
            .map(|out| encoding::json(&out)),
    };
    drop(service);
    answer.unwrap_or_else(|e| encoding::service_error(shared, e))
}
