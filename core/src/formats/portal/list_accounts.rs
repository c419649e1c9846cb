//! `ListAccounts`: `GET /assignment/accounts?next_token=T&max_result=N`, the access token in
//! `x-amz-sso_bearer_token`; paginated (`docs/protocol/portal.md#listaccounts`).

use serde::{Deserialize, Serialize};

use super::Paginated;
use crate::endpoint::Endpoint;
use crate::wire::{Auth, Operation, RequestError};
use crate::Secret;

/// Input of `ListAccounts`: the accounts assigned to the token's user, one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAccounts {
    /// The page token of the previous page's answer (query `next_token`); `None` for the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// Largest page wanted, 1 to [`MAX_RESULTS_LIMIT`](super::MAX_RESULTS_LIMIT) (query
    /// `max_result`, singular on the wire); `None`: the service's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
    /// The SSO access token.
    pub access_token: Secret,
}

impl ListAccounts {
    /// The first page, at the service's default size.
    pub fn new(access_token: impl Into<Secret>) -> Self {
        ListAccounts {
            next_token: None,
            max_results: None,
            access_token: access_token.into(),
        }
    }
}

impl Operation for ListAccounts {
    const NAME: &'static str = "ListAccounts";
    const PATH_AND_QUERY: &'static str = "/assignment/accounts";
    const METHOD: http::Method = http::Method::GET;
    const AUTH: Auth = Auth::None;
    type Output = ListAccountsOutput;

    fn to_request(&self, endpoint: &Endpoint) -> Result<http::Request<Vec<u8>>, RequestError> {
        let max = self.max_results.map(|n| n.to_string());
        super::request::<Self>(
            endpoint,
            &[
                ("next_token", self.next_token.as_deref()),
                ("max_result", max.as_deref()),
            ],
            &self.access_token,
        )
    }
}

/// Output of `ListAccounts`: one page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAccountsOutput {
    /// The next page's token; absent (or empty) on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// The accounts of this page (absent reads as none).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub account_list: Vec<AccountInfo>,
}

/// An account assigned to the user. The model marks no member required.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// The account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Its display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// Its email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
}

impl Paginated for ListAccounts {
    type Item = AccountInfo;

    fn set_next_token(&mut self, token: Option<String>) {
        self.next_token = token;
    }

    fn into_page(output: ListAccountsOutput) -> (Vec<AccountInfo>, Option<String>) {
        (output.account_list, output.next_token)
    }
}

/// A list member that may be `null`: `null` reads as empty.
pub(super) fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}
