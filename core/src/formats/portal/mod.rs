//! The SSO portal (`portal.sso.{region}`, the AWS model's `sso` service): what turns an SSO
//! access token into AWS credentials for an account and role, and what the session can reach
//! (`docs/protocol/portal.md`).
//!
//! | operation | request | success |
//! |---|---|---|
//! | [`GetRoleCredentials`] | `GET /federation/credentials?role_name=R&account_id=A` | `roleCredentials` (`expiration` in epoch **milliseconds**) |
//! | [`ListAccounts`] | `GET /assignment/accounts?next_token=T&max_result=N` | `accountList`, `nextToken` |
//! | [`ListAccountRoles`] | `GET /assignment/roles?next_token=T&max_result=N&account_id=A` | `roleList`, `nextToken` |
//! | [`Logout`] | `POST /logout` | an empty body |
//!
//! Every request carries the access token in the header [`BEARER_TOKEN_HEADER`] and no body; none
//! is signed. They are [`Operation`]s like SSO OIDC's, so they go through the same
//! [`Call`](crate::machine::Call) machine, retry policy and [`CallError`](crate::CallError), and
//! their errors decode by the same rules into [`ServiceError`](crate::ServiceError)
//! (`Unauthorized`, `TooManyRequests`, `ResourceNotFound`, `InvalidRequest`). The two list
//! operations page with `nextToken`; [`Pages`](crate::machine::Pages) runs every page as one machine.
//!
//! ```
//! use ssooidc_core::endpoint::{resolve_for, EndpointParams};
//! use ssooidc_core::portal::GetRoleCredentials;
//! use ssooidc_core::settings::Service;
//! use ssooidc_core::Operation;
//!
//! let endpoint = resolve_for(Service::Sso, &EndpointParams::region("us-east-1")).unwrap();
//! let input = GetRoleCredentials::new("ReadOnly", "123456789012", "aoaEXAMPLE");
//! let request = input.to_request(&endpoint).unwrap();
//! assert_eq!(request.method(), "GET");
//! assert_eq!(
//!     request.uri(),
//!     "https://portal.sso.us-east-1.amazonaws.com/federation/credentials?role_name=ReadOnly&account_id=123456789012"
//! );
//! assert_eq!(request.headers()["x-amz-sso_bearer_token"], "aoaEXAMPLE");
//! assert!(request.body().is_empty());
//! ```

mod get_role_credentials;
mod list_account_roles;
mod list_accounts;
mod logout;

pub use get_role_credentials::{GetRoleCredentials, GetRoleCredentialsOutput, RoleCredentials};
pub use list_account_roles::{ListAccountRoles, ListAccountRolesOutput, RoleInfo};
pub use list_accounts::{AccountInfo, ListAccounts, ListAccountsOutput};
pub use logout::Logout;

use crate::endpoint::Endpoint;
use crate::wire::{Operation, RequestError};
use crate::Secret;

/// The header that carries the SSO access token on every portal request.
pub const BEARER_TOKEN_HEADER: &str = "x-amz-sso_bearer_token";

/// The largest page the list operations may be asked for (`maxResults`, the model's range is
/// 1 to 100).
pub const MAX_RESULTS_LIMIT: i32 = 100;

/// A portal request for `O`: its method and path, the members bound to the query (in the
/// model's order, absent ones left out, values percent-encoded as botocore encodes them), the
/// access token in [`BEARER_TOKEN_HEADER`] (marked sensitive), no body.
fn request<O: Operation>(
    endpoint: &Endpoint,
    query: &[(&str, Option<&str>)],
    access_token: &Secret,
) -> Result<http::Request<Vec<u8>>, RequestError> {
    let mut encoded = String::new();
    for (name, value) in query {
        let Some(value) = value else { continue };
        if !encoded.is_empty() {
            encoded.push('&');
        }
        encoded.push_str(name);
        encoded.push('=');
        encoded.push_str(&crate::sigv4::uri_encode(value, false));
    }
    let uri = endpoint
        .uri_with_query(O::PATH_AND_QUERY, &encoded)
        .map_err(|e| RequestError::Http(e.to_string()))?;
    let mut token = http::HeaderValue::from_str(access_token.expose()).map_err(|_| {
        // Never quote the token: it is the secret.
        RequestError::Http(
            "the access token cannot be sent: it holds characters an HTTP header cannot carry"
                .to_owned(),
        )
    })?;
    token.set_sensitive(true);
    let mut request = crate::wire::request(O::METHOD, uri, Vec::new());
    request
        .headers_mut()
        .insert(http::HeaderName::from_static(BEARER_TOKEN_HEADER), token);
    Ok(request)
}

/// An operation whose answers come in pages chained by `nextToken` (botocore's paginator model:
/// input token `nextToken`, output token `nextToken`, limit key `maxResults`).
pub trait Paginated: Operation<Output: Clone> + Clone {
    /// One element of a page's list.
    type Item: Clone;

    /// Sets the input's page token (`None`: the first page).
    fn set_next_token(&mut self, token: Option<String>);

    /// A page's elements and the next page's token.
    fn into_page(output: Self::Output) -> (Vec<Self::Item>, Option<String>);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded_and_absent_members_left_out() {
        let endpoint = Endpoint::parse("http://127.0.0.1:9/base").unwrap();
        let mut input = ListAccountRoles::new("tok", "1234 5678/9");
        input.next_token = Some("a+b=c".to_owned());
        let request = input.to_request(&endpoint).unwrap();
        assert_eq!(
            request.uri(),
            "http://127.0.0.1:9/base/assignment/roles?next_token=a%2Bb%3Dc&account_id=1234%205678%2F9"
        );
        assert!(request.headers()[BEARER_TOKEN_HEADER].is_sensitive());
    }

    #[test]
    fn a_token_that_is_no_header_value_is_a_request_error_that_does_not_quote_it() {
        let endpoint = Endpoint::parse("https://portal.sso.us-east-1.amazonaws.com").unwrap();
        let err = Logout::new("line\nbreak-SECRET")
            .to_request(&endpoint)
            .unwrap_err();
        assert!(matches!(err, RequestError::Http(_)));
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }
}
