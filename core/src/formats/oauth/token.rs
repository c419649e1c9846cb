//! [`TokenResponse`] (RFC 6749 §5.1 as decoded) and [`Tokens`] (what a login or a refresh
//! yields, stamped on the wall clock; what the cache keeps).

use std::time::Duration;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::rules;
use crate::base::timestamp::{expiry_after, whole_seconds};
use crate::{Secret, Timestamp};

/// A successful token response (RFC 6749 §5.1), as decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenResponse {
    /// `access_token` (redacted in `Debug`).
    pub access_token: Secret,
    /// `token_type`, as sent (compare it case-insensitively).
    pub token_type: String,
    /// `expires_in`: seconds from the response, when sent.
    pub expires_in: Option<i64>,
    /// `refresh_token`, when issued.
    pub refresh_token: Option<Secret>,
    /// `scope`: the granted scopes, space-separated, when sent (absent: as requested).
    pub scope: Option<String>,
    /// `id_token` of OpenID Connect, when issued (redacted in `Debug`).
    pub id_token: Option<Secret>,
}

/// The tokens a provider granted, stamped on the wall clock.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tokens {
    /// The access token (redacted in `Debug`).
    pub access_token: Secret,
    /// Its type, as the provider sent it (`Bearer`, `bearer`...).
    pub token_type: String,
    /// When the access token expires (the wall time of the response plus `expires_in`, in
    /// UTC), or `None` when the provider did not say.
    pub expires_at: Option<Timestamp>,
    /// The refresh token, when one was issued.
    pub refresh_token: Option<Secret>,
    /// The granted scopes, space-separated, when the provider said.
    pub scope: Option<String>,
    /// The OpenID Connect ID token, when issued.
    pub id_token: Option<Secret>,
}

impl Tokens {
    /// The tokens of `response`, received at wall-clock `wall`. A negative `expires_in` counts
    /// as 0 (already expired).
    pub fn from_response(response: TokenResponse, wall: OffsetDateTime) -> Self {
        Tokens {
            expires_at: response
                .expires_in
                .map(|secs| whole_seconds(expiry_after(wall, secs)).into()),
            access_token: response.access_token,
            token_type: response.token_type,
            refresh_token: response.refresh_token,
            scope: response.scope,
            id_token: response.id_token,
        }
    }

    /// These tokens after a refresh answered with `response` at `wall` (RFC 6749 §6): a new
    /// access token; the old refresh token, scope and ID token are kept when the answer has none.
    pub fn refreshed(&self, response: TokenResponse, wall: OffsetDateTime) -> Self {
        let mut fresh = Tokens::from_response(response, wall);
        if fresh.refresh_token.is_none() {
            fresh.refresh_token.clone_from(&self.refresh_token);
        }
        if fresh.scope.is_none() {
            fresh.scope.clone_from(&self.scope);
        }
        if fresh.id_token.is_none() {
            fresh.id_token.clone_from(&self.id_token);
        }
        fresh
    }

    /// Whether the token type is `Bearer` (in any case).
    pub fn is_bearer(&self) -> bool {
        rules::is_bearer(&self.token_type)
    }

    /// How long the access token has left at `now`: `None` when its lifetime is unknown, zero
    /// once it has expired.
    pub fn remaining(&self, now: OffsetDateTime) -> Option<Duration> {
        self.expires_at
            .map(|at| Duration::try_from(at - now).unwrap_or(Duration::ZERO))
    }

    /// Whether the access token is good for at least `min_ttl` more at `now`. A token whose
    /// lifetime the provider did not say is taken as good (nothing says otherwise).
    pub fn is_fresh_for(&self, now: OffsetDateTime, min_ttl: Duration) -> bool {
        self.remaining(now)
            .is_none_or(|left| left >= min_ttl && !left.is_zero())
    }

    /// The RFC 6749 §5.1 members as of `now` (`expires_in` counted down to `now`), as a JSON
    /// object for printing. The refresh token is left out: it stays in the cache.
    pub fn to_response_json(&self, now: OffsetDateTime) -> Value {
        let mut out = Map::new();
        out.insert(
            "access_token".to_owned(),
            Value::String(self.access_token.expose().to_owned()),
        );
        out.insert(
            "token_type".to_owned(),
            Value::String(self.token_type.clone()),
        );
        if let Some(left) = self.remaining(now) {
            out.insert("expires_in".to_owned(), Value::from(left.as_secs()));
        }
        if let Some(scope) = &self.scope {
            out.insert("scope".to_owned(), Value::String(scope.clone()));
        }
        if let Some(id_token) = &self.id_token {
            out.insert(
                "id_token".to_owned(),
                Value::String(id_token.expose().to_owned()),
            );
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const WALL: OffsetDateTime = datetime!(2026-01-04 18:51:47.5 UTC);

    fn response(expires_in: Option<i64>) -> TokenResponse {
        TokenResponse {
            access_token: Secret::new("at"),
            token_type: "bearer".to_owned(),
            expires_in,
            refresh_token: Some(Secret::new("rt")),
            scope: Some("openid offline_access".to_owned()),
            id_token: None,
        }
    }

    #[test]
    fn stamped_in_whole_seconds_and_counted_down() {
        let tokens = Tokens::from_response(response(Some(3600)), WALL);
        assert_eq!(
            tokens.expires_at,
            Some(datetime!(2026-01-04 19:51:47 UTC).into())
        );
        assert!(tokens.is_bearer());
        let later = datetime!(2026-01-04 19:46:47 UTC);
        assert_eq!(tokens.remaining(later), Some(Duration::from_secs(300)));
        assert!(tokens.is_fresh_for(later, Duration::from_secs(300)));
        assert!(!tokens.is_fresh_for(later, Duration::from_secs(301)));
        let json = tokens.to_response_json(later);
        assert_eq!(json["expires_in"], 300);
        assert!(json.get("refresh_token").is_none());
        let gone = datetime!(2026-01-04 20:00:00 UTC);
        assert_eq!(tokens.remaining(gone), Some(Duration::ZERO));
        assert!(!tokens.is_fresh_for(gone, Duration::ZERO));
    }

    #[test]
    fn a_huge_lifetime_is_the_latest_time_not_already_expired() {
        let tokens = Tokens::from_response(response(Some(i64::MAX)), WALL);
        let at = tokens.expires_at.expect("a lifetime");
        assert!(at > WALL + time::Duration::days(365 * 1000), "{at}");
        assert!(tokens.is_fresh_for(WALL, Duration::from_secs(86_400)));
    }

    #[test]
    fn unknown_lifetimes_and_negative_ones() {
        let forever = Tokens::from_response(response(None), WALL);
        assert_eq!(forever.remaining(WALL), None);
        assert!(forever.is_fresh_for(WALL, Duration::from_secs(u64::MAX)));
        let expired = Tokens::from_response(response(Some(-5)), WALL);
        assert!(!expired.is_fresh_for(WALL, Duration::ZERO));
    }

    #[test]
    fn a_refresh_keeps_what_the_answer_leaves_out() {
        let mut old = Tokens::from_response(response(Some(60)), WALL);
        old.id_token = Some(Secret::new("idt"));
        let mut answer = response(Some(3600));
        answer.refresh_token = None;
        answer.scope = None;
        answer.access_token = Secret::new("at2");
        let fresh = old.refreshed(answer, WALL);
        assert_eq!(fresh.access_token.expose(), "at2");
        assert_eq!(fresh.refresh_token, old.refresh_token);
        assert_eq!(fresh.scope, old.scope);
        assert_eq!(fresh.id_token, old.id_token);
        let mut rotated = response(Some(3600));
        rotated.refresh_token = Some(Secret::new("rt2"));
        assert_eq!(
            old.refreshed(rotated, WALL).refresh_token.unwrap().expose(),
            "rt2"
        );
    }
}
