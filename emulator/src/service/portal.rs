//! The SSO portal, for the access tokens this service issued: `GetRoleCredentials`,
//! `ListAccounts`, `ListAccountRoles` (paginated) and `Logout`
//! (`docs/protocol/portal.md`).
//!
//! Every operation first checks the bearer token: one this service issued, not expired and not
//! logged out; anything else is `UnauthorizedException` ("Session token not found or
//! invalid"), as the portal answers. An account or role not assigned gets the portal's
//! unmodelled `ForbiddenException` ("No access", 403). Role credentials look like STS's and
//! expire after [`Config::role_credentials_lifetime`](crate::Config) seconds; `expiration` is
//! in epoch milliseconds. `Logout` ends the token and the refresh token issued with it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ssooidc_core::error::ErrorMeta;
use ssooidc_core::portal::{
    AccountInfo, GetRoleCredentialsOutput, ListAccountRolesOutput, ListAccountsOutput,
    RoleCredentials, RoleInfo, MAX_RESULTS_LIMIT,
};
use ssooidc_core::{ErrorCode, Secret, ServiceError};

use super::{Now, Service};
use crate::config::PortalAccount;

/// A portal request as the HTTP layer read it: the `x-amz-sso_bearer_token` header and the
/// query parameters.
#[derive(Debug, Default)]
pub(crate) struct PortalCall {
    pub token: Option<String>,
    pub query: Vec<(String, String)>,
}

impl PortalCall {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A required query parameter, else the validation error the service sends.
    fn required(&self, name: &str, member: &str) -> Result<&str, ServiceError> {
        self.param(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| invalid(&format!("1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null")))
    }
}

fn invalid(message: &str) -> ServiceError {
    ServiceError::portal(ErrorCode::InvalidRequest, message)
}

fn unauthorized() -> ServiceError {
    ServiceError::portal(
        ErrorCode::Unauthorized,
        "Session token not found or invalid",
    )
}

/// What the portal answers for an account or role the user is not assigned.
fn forbidden() -> ServiceError {
    ServiceError::Unknown {
        meta: ErrorMeta::new(403),
        code: "ForbiddenException".to_owned(),
        message: Some("No access".to_owned()),
    }
}

/// Uppercase letters and the digits 2 to 7, as in STS access key ids.
const KEY_ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The first bytes of every page token: in standard base64 they read `+/+/`, so that a client
/// must percent-encode the token to send it back.
const PAGE_TOKEN_PREFIX: &[u8] = &[0xfb, 0xff, 0xbf];

impl Service {
    /// The caller's access token: issued here, not expired, not logged out.
    fn bearer<'a>(&self, call: &'a PortalCall, now: Now) -> Result<&'a str, ServiceError> {
        let token = call.token.as_deref().ok_or_else(unauthorized)?;
        let grant = self.access.get(token).ok_or_else(unauthorized)?;
        if self.expired(grant.created, self.cfg.access_token_lifetime, now) {
            return Err(unauthorized());
        }
        Ok(token)
    }

    fn account(&self, account_id: &str) -> Result<&PortalAccount, ServiceError> {
        self.cfg
            .accounts
            .iter()
            .find(|a| a.account_id == account_id)
            .ok_or_else(forbidden)
    }

    /// `GET /session` (a bearer-token service's `VerifySession`): who the access token is
    /// for, when it is one this service issued and that has not expired or been logged out.
    pub(crate) fn verify_session(
        &self,
        call: &PortalCall,
        now: Now,
    ) -> Result<serde_json::Value, ServiceError> {
        self.bearer(call, now)?;
        Ok(serde_json::json!({ "identity": "emulator-user" }))
    }

    /// `GET /federation/credentials?role_name=R&account_id=A`.
    pub(crate) fn get_role_credentials(
        &mut self,
        call: &PortalCall,
        now: Now,
    ) -> Result<GetRoleCredentialsOutput, ServiceError> {
        self.bearer(call, now)?;
        let role = call.required("role_name", "roleName")?;
        let account = call.required("account_id", "accountId")?;
        if !self.account(account)?.roles.iter().any(|r| r == role) {
            return Err(forbidden());
        }
        let key_id: String = self
            .ids
            .bytes(16)
            .iter()
            .map(|b| char::from(KEY_ID_ALPHABET[usize::from(*b) % KEY_ID_ALPHABET.len()]))
            .collect();
        let expires = now
            .epoch
            .saturating_add(i64::from(self.cfg.role_credentials_lifetime));
        let credentials = RoleCredentials {
            access_key_id: format!("ASIA{key_id}"),
            secret_access_key: Secret::new(STANDARD.encode(self.ids.bytes(30))),
            session_token: Secret::new(format!(
                "IQoJb3JpZ2luX2Vj{}",
                STANDARD.encode(self.ids.bytes(300))
            )),
            expiration: expires.saturating_mul(1000),
        };
        self.remember_role(
            credentials.access_key_id.clone(),
            super::IssuedRole {
                secret_access_key: credentials.secret_access_key.expose().to_owned(),
                session_token: credentials.session_token.expose().to_owned(),
                expires_epoch: expires,
                account_id: account.to_owned(),
                role_name: role.to_owned(),
            },
        );
        Ok(GetRoleCredentialsOutput {
            role_credentials: credentials,
        })
    }

    /// `GET /assignment/accounts?next_token=T&max_result=N`.
    pub(crate) fn list_accounts(
        &self,
        call: &PortalCall,
        now: Now,
    ) -> Result<ListAccountsOutput, ServiceError> {
        self.bearer(call, now)?;
        let all: Vec<AccountInfo> = self
            .cfg
            .accounts
            .iter()
            .map(|a| AccountInfo {
                account_id: Some(a.account_id.clone()),
                account_name: Some(a.account_name.clone()),
                email_address: Some(a.email_address.clone()),
            })
            .collect();
        let (account_list, next_token) = self.page(call, "accounts", all)?;
        Ok(ListAccountsOutput {
            next_token,
            account_list,
        })
    }

    /// `GET /assignment/roles?next_token=T&max_result=N&account_id=A`.
    pub(crate) fn list_account_roles(
        &self,
        call: &PortalCall,
        now: Now,
    ) -> Result<ListAccountRolesOutput, ServiceError> {
        self.bearer(call, now)?;
        let account_id = call.required("account_id", "accountId")?;
        let all: Vec<RoleInfo> = self
            .account(account_id)?
            .roles
            .iter()
            .map(|r| RoleInfo {
                role_name: Some(r.clone()),
                account_id: Some(account_id.to_owned()),
            })
            .collect();
        let (role_list, next_token) = self.page(call, &format!("roles:{account_id}"), all)?;
        Ok(ListAccountRolesOutput {
            next_token,
            role_list,
        })
    }

    /// `POST /logout`: ends the token (and the refresh token issued with it).
    pub(crate) fn logout(&mut self, call: &PortalCall, now: Now) -> Result<(), ServiceError> {
        let token = self.bearer(call, now)?.to_owned();
        if let Some(grant) = self.access.remove(&token) {
            if let Some(refresh) = grant.refresh_token {
                self.refresh.remove(&refresh);
            }
        }
        Ok(())
    }

    /// One page of `all`: from the offset in `next_token` (opaque: standard base64 of
    /// [`PAGE_TOKEN_PREFIX`], the list and the offset), at most `max_result` (1 to 100) or the
    /// configured page size.
    fn page<T>(
        &self,
        call: &PortalCall,
        list: &str,
        all: Vec<T>,
    ) -> Result<(Vec<T>, Option<String>), ServiceError> {
        let size = match call.param("max_result") {
            None => self.cfg.page_size,
            Some(text) => text
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=MAX_RESULTS_LIMIT).contains(n))
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| invalid(&format!("1 validation error detected: Value '{text}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and {MAX_RESULTS_LIMIT}")))?
                .min(self.cfg.page_size.max(1)),
        };
        let start = match call.param("next_token") {
            None => 0,
            Some(token) => STANDARD
                .decode(token)
                .ok()
                .and_then(|raw| {
                    let text = std::str::from_utf8(raw.strip_prefix(PAGE_TOKEN_PREFIX)?).ok()?;
                    let (of, offset) = text.rsplit_once('@')?;
                    (of == list).then(|| offset.parse::<usize>().ok())?
                })
                .filter(|&offset| offset < all.len())
                .ok_or_else(|| invalid("Invalid nextToken"))?,
        };
        let end = start.saturating_add(size as usize).min(all.len());
        let next = (end < all.len()).then(|| {
            let mut raw = PAGE_TOKEN_PREFIX.to_vec();
            raw.extend_from_slice(format!("{list}@{end}").as_bytes());
            STANDARD.encode(raw)
        });
        let page = all.into_iter().skip(start).take(end - start).collect();
        Ok((page, next))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::at;
    use super::*;
    use crate::config::Config;
    use ssooidc_core::operations::RegisterClient;
    use std::time::Instant;

    /// A service (5 ms protocol seconds) and an access token with a refresh token, issued as
    /// every grant issues them.
    fn with_token(cfg: Config) -> (Service, String, Instant) {
        let cfg = cfg.second(std::time::Duration::from_millis(5));
        let mut s = Service::new(cfg);
        let base = Instant::now();
        let reg = s
            .register_client(
                RegisterClient::new("t").scopes(["sso:account:access"]),
                at(base, 0),
            )
            .unwrap();
        let registration = s.clients.get(&reg.client_id).unwrap().clone();
        let out = s.issue(&reg.client_id, &registration, at(base, 0), true);
        (s, out.access_token.expose().to_owned(), base)
    }

    fn call(token: &str, query: &[(&str, &str)]) -> PortalCall {
        PortalCall {
            token: Some(token.to_owned()),
            query: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn credentials_for_an_assigned_role_only() {
        let (mut s, token, base) = with_token(Config::default());
        let now = at(base, 5);
        let out = s
            .get_role_credentials(
                &call(
                    &token,
                    &[("role_name", "ReadOnly"), ("account_id", "111122223333")],
                ),
                now,
            )
            .unwrap();
        let c = out.role_credentials;
        assert!(c.access_key_id.starts_with("ASIA") && c.access_key_id.len() == 20);
        assert_eq!(c.expiration, (now.epoch + 3600) * 1000);
        let denied = s
            .get_role_credentials(
                &call(
                    &token,
                    &[("role_name", "Admin"), ("account_id", "444455556666")],
                ),
                now,
            )
            .unwrap_err();
        assert_eq!(denied.name(), "ForbiddenException");
        assert_eq!(denied.status(), 403);
        let missing = s
            .get_role_credentials(&call(&token, &[("account_id", "111122223333")]), now)
            .unwrap_err();
        assert_eq!(missing.code(), Some(ErrorCode::InvalidRequest));
    }

    #[test]
    fn verify_session_takes_the_tokens_issued_here_only() {
        let (s, token, base) = with_token(Config::default().access_token_lifetime(10));
        let out = s.verify_session(&call(&token, &[]), at(base, 1)).unwrap();
        assert_eq!(out["identity"], "emulator-user");
        for refused in [
            s.verify_session(&call("aoaNOPE", &[]), at(base, 1)),
            s.verify_session(&PortalCall::default(), at(base, 1)),
            // 10 protocol seconds of 5 ms.
            s.verify_session(&call(&token, &[]), at(base, 60)),
        ] {
            assert_eq!(refused.unwrap_err().code(), Some(ErrorCode::Unauthorized));
        }
    }

    #[test]
    fn tokens_not_issued_expired_or_logged_out_are_unauthorized() {
        let (s, token, base) = with_token(Config::default().access_token_lifetime(10));
        let unauthorized = |r: Result<ListAccountsOutput, ServiceError>| {
            assert_eq!(r.unwrap_err().code(), Some(ErrorCode::Unauthorized));
        };
        unauthorized(s.list_accounts(&call("aoaNOPE", &[]), at(base, 1)));
        unauthorized(s.list_accounts(&PortalCall::default(), at(base, 1)));
        assert!(s.list_accounts(&call(&token, &[]), at(base, 1)).is_ok());
        // 10 protocol seconds of 5 ms.
        unauthorized(s.list_accounts(&call(&token, &[]), at(base, 60)));

        let (mut s, token, base) = with_token(Config::default());
        let refresh = s.access.get(&token).unwrap().refresh_token.clone().unwrap();
        s.logout(&call(&token, &[]), at(base, 1)).unwrap();
        unauthorized(s.list_accounts(&call(&token, &[]), at(base, 2)));
        assert!(
            !s.refresh.contains_key(&refresh),
            "the refresh token ends too"
        );
        assert_eq!(
            s.logout(&call(&token, &[]), at(base, 3))
                .unwrap_err()
                .code(),
            Some(ErrorCode::Unauthorized)
        );
    }

    #[test]
    fn lists_page_with_opaque_tokens() {
        let accounts = (1..=5)
            .map(|i| PortalAccount::new(format!("00000000000{i}"), format!("A{i}"), ["R"]))
            .collect();
        let (s, token, base) = with_token(Config::default().accounts(accounts).page_size(2));
        let now = at(base, 1);
        let mut seen = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..3 {
            let mut q = vec![];
            if let Some(t) = &next {
                q.push(("next_token", t.as_str()));
            }
            let page = s.list_accounts(&call(&token, &q), now).unwrap();
            assert!(page.account_list.len() <= 2);
            seen.extend(page.account_list.into_iter().map(|a| a.account_id.unwrap()));
            next = page.next_token;
        }
        assert_eq!(seen.len(), 5);
        assert!(next.is_none());
        let one = s
            .list_accounts(&call(&token, &[("max_result", "1")]), now)
            .unwrap();
        assert_eq!(one.account_list.len(), 1);
        for bad in [
            ("max_result", "0"),
            ("max_result", "101"),
            ("next_token", "garbage"),
        ] {
            let err = s.list_accounts(&call(&token, &[bad]), now).unwrap_err();
            assert_eq!(err.code(), Some(ErrorCode::InvalidRequest), "{bad:?}");
        }
        // A roles token is not an accounts token.
        let mut raw = PAGE_TOKEN_PREFIX.to_vec();
        raw.extend_from_slice(b"roles:000000000001@1");
        let roles_token = STANDARD.encode(raw);
        assert!(roles_token.starts_with("+/+/"));
        let err = s
            .list_accounts(&call(&token, &[("next_token", &roles_token)]), now)
            .unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::InvalidRequest));
    }

    #[test]
    fn roles_of_an_account() {
        let (s, token, base) = with_token(Config::default());
        let roles = s
            .list_account_roles(
                &call(&token, &[("account_id", "111122223333")]),
                at(base, 1),
            )
            .unwrap();
        let names: Vec<_> = roles
            .role_list
            .iter()
            .map(|r| r.role_name.clone().unwrap())
            .collect();
        assert_eq!(names, ["ReadOnly", "AdministratorAccess"]);
        let err = s
            .list_account_roles(
                &call(&token, &[("account_id", "999999999999")]),
                at(base, 1),
            )
            .unwrap_err();
        assert_eq!(err.name(), "ForbiddenException");
    }
}
