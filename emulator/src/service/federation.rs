//! The AWS sign-in federation endpoint (`GET /federation`), for console sign-in URLs:
//! `Action=getSigninToken` takes role credentials this emulator's portal issued (the `Session`
//! JSON: `sessionId`, `sessionKey`, `sessionToken`) and gives a sign-in token that lasts 15
//! minutes; `Action=login` with that token redirects the browser to its `Destination`.
//! Anything else is refused with `400`, as the real endpoint refuses it.

use super::{Now, Service};

/// How long a sign-in token may be used (the real endpoint's 15 minutes).
const SIGNIN_TOKEN_LIFETIME: i64 = 15 * 60;

/// Role credentials the portal issued, remembered for the federation endpoint and STS
/// (`GetCallerIdentity` verifies signatures with the secret and answers with the account and
/// role).
#[derive(Debug, Clone)]
pub(crate) struct IssuedRole {
    pub secret_access_key: String,
    pub session_token: String,
    pub expires_epoch: i64,
    /// The account the credentials are for.
    pub account_id: String,
    /// The role (permission set) they were issued for.
    pub role_name: String,
}

/// The most role credentials and sign-in tokens remembered (the oldest are not dropped: past
/// this many, new ones are simply not accepted by the federation endpoint).
const MAX_REMEMBERED: usize = 100_000;

impl Service {
    /// Remembers role credentials the portal gave (under their access key id).
    pub(crate) fn remember_role(&mut self, access_key_id: String, role: IssuedRole) {
        if self.roles.len() < MAX_REMEMBERED {
            self.roles.insert(access_key_id, role);
        }
    }

    /// `Action=getSigninToken&Session=JSON`: a sign-in token for credentials this emulator
    /// issued and that have not expired; `None` for anything else.
    pub(crate) fn get_signin_token(&mut self, session: Option<&str>, now: Now) -> Option<String> {
        let session: serde_json::Value = serde_json::from_str(session?).ok()?;
        let field = |name: &str| session.get(name).and_then(serde_json::Value::as_str);
        let role = self.roles.get(field("sessionId")?)?;
        let valid = field("sessionKey") == Some(role.secret_access_key.as_str())
            && field("sessionToken") == Some(role.session_token.as_str())
            && role.expires_epoch > now.epoch;
        if !valid || self.signin_tokens.len() >= MAX_REMEMBERED {
            return None;
        }
        let token = self.ids.token(64);
        self.signin_tokens.insert(
            token.clone(),
            now.epoch.saturating_add(SIGNIN_TOKEN_LIFETIME),
        );
        Some(token)
    }

    /// `Action=login&SigninToken=T&Destination=D`: whether `token` is a sign-in token this
    /// emulator gave that has not expired.
    pub(crate) fn signin_token_valid(&self, token: Option<&str>, now: Now) -> bool {
        token
            .and_then(|t| self.signin_tokens.get(t))
            .is_some_and(|expires| *expires > now.epoch)
    }
}
