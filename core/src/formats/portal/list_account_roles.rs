//! `ListAccountRoles`: `GET /assignment/roles?next_token=T&max_result=N&account_id=A`, the access
//! token in `x-amz-sso_bearer_token`; paginated (`docs/protocol/portal.md#listaccountroles`).

use serde::{Deserialize, Serialize};

use super::list_accounts::null_as_empty;
use super::Paginated;
use crate::endpoint::Endpoint;
use crate::wire::{Auth, Operation, RequestError};
use crate::Secret;

/// Input of `ListAccountRoles`: the roles the token's user may take in one account, one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAccountRoles {
    /// The page token of the previous page's answer (query `next_token`); `None` for the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// Largest page wanted, 1 to [`MAX_RESULTS_LIMIT`](super::MAX_RESULTS_LIMIT) (query
    /// `max_result`); `None`: the service's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
    /// The SSO access token.
    pub access_token: Secret,
    /// The account (query `account_id`).
    pub account_id: String,
}

impl ListAccountRoles {
    /// The first page of `account_id`'s roles, at the service's default size.
    pub fn new(access_token: impl Into<Secret>, account_id: impl Into<String>) -> Self {
        ListAccountRoles {
            next_token: None,
            max_results: None,
            access_token: access_token.into(),
            account_id: account_id.into(),
        }
    }
}

impl Operation for ListAccountRoles {
    const NAME: &'static str = "ListAccountRoles";
    const PATH_AND_QUERY: &'static str = "/assignment/roles";
    const METHOD: http::Method = http::Method::GET;
    const AUTH: Auth = Auth::None;
    type Output = ListAccountRolesOutput;

    fn to_request(&self, endpoint: &Endpoint) -> Result<http::Request<Vec<u8>>, RequestError> {
        let max = self.max_results.map(|n| n.to_string());
        super::request::<Self>(
            endpoint,
            &[
                ("next_token", self.next_token.as_deref()),
                ("max_result", max.as_deref()),
                ("account_id", Some(&self.account_id)),
            ],
            &self.access_token,
        )
    }
}

/// Output of `ListAccountRoles`: one page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAccountRolesOutput {
    /// The next page's token; absent (or empty) on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// The roles of this page (absent reads as none).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub role_list: Vec<RoleInfo>,
}

/// A role the user may take. The model marks no member required.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleInfo {
    /// The role's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    /// Its account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

impl Paginated for ListAccountRoles {
    type Item = RoleInfo;

    fn set_next_token(&mut self, token: Option<String>) {
        self.next_token = token;
    }

    fn into_page(output: ListAccountRolesOutput) -> (Vec<RoleInfo>, Option<String>) {
        (output.role_list, output.next_token)
    }
}
