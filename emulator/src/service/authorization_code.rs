//! The authorization-code flow: `GET /authorize` and its consent page, and the
//! authorization-code grant of CreateToken with PKCE (S256).

use std::time::Instant;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use ssooidc_core::operations::{grant_type, CreateToken, CreateTokenOutput};
use ssooidc_core::{ErrorCode, ServiceError};

use super::registration::Registration;
use super::{fail, Now, Service};
use crate::config::Approval;

pub(super) struct AuthCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    pub(super) created: Instant,
    used: bool,
}

pub(super) struct Consent {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    challenge: String,
    pub(super) created: Instant,
}

/// The query of `GET /authorize` (spec 6.6 step 4).
#[derive(Debug, Default, Clone)]
pub(crate) struct AuthorizeQuery {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub code_challenge_method: Option<String>,
    pub code_challenge: Option<String>,
    pub scopes: Option<String>,
}

impl AuthorizeQuery {
    pub(crate) fn parse(query: &str) -> Self {
        let mut q = AuthorizeQuery::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match k.as_ref() {
                "response_type" => &mut q.response_type,
                "client_id" => &mut q.client_id,
                "redirect_uri" => &mut q.redirect_uri,
                "state" => &mut q.state,
                "code_challenge_method" => &mut q.code_challenge_method,
                "code_challenge" => &mut q.code_challenge,
                "scopes" | "scope" => &mut q.scopes,
                _ => continue,
            };
            *slot = Some(v.into_owned());
        }
        q
    }
}

/// What `/authorize` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthorizeOutcome {
    /// 302 to this location.
    Redirect(String),
    /// Show the consent page for this pending request.
    Consent {
        request: String,
        client_name: String,
        scopes: Vec<String>,
        redirect_uri: String,
    },
    /// Show an error page (the request cannot be redirected safely).
    Page { status: u16, message: String },
}

impl Service {
    pub(crate) fn authorize(&mut self, q: &AuthorizeQuery, now: Now) -> AuthorizeOutcome {
        let page = |status: u16, message: &str| AuthorizeOutcome::Page {
            status,
            message: message.to_owned(),
        };
        let Some(client_id) = q.client_id.as_deref() else {
            return page(400, "Missing client_id.");
        };
        let Some(reg) = self.clients.get(client_id).cloned() else {
            return page(400, "Unknown client_id: this client is not registered.");
        };
        if self.expired(reg.created, self.cfg.registration_lifetime, now) {
            return page(400, "This client registration has expired.");
        }
        let Some(redirect_uri) = q.redirect_uri.clone() else {
            return page(400, "Missing redirect_uri.");
        };
        if !reg
            .redirect_uris
            .iter()
            .any(|r| redirect_matches(r, &redirect_uri))
        {
            return page(
                400,
                "redirect_uri does not match any redirect URI the client registered.",
            );
        }
        let back = |params: &[(&str, &str)]| {
            let mut all: Vec<(&str, &str)> = params.to_vec();
            if let Some(s) = q.state.as_deref() {
                all.push(("state", s));
            }
            AuthorizeOutcome::Redirect(with_query(&redirect_uri, &all))
        };
        if q.response_type.as_deref() != Some("code") {
            return back(&[
                ("error", "unsupported_response_type"),
                ("error_description", "response_type must be code"),
            ]);
        }
        if !reg.allows(grant_type::AUTHORIZATION_CODE) {
            return back(&[
                ("error", "unauthorized_client"),
                (
                    "error_description",
                    "Client not registered for authorization_code",
                ),
            ]);
        }
        let challenge = match (
            q.code_challenge_method.as_deref(),
            q.code_challenge.as_deref(),
        ) {
            (Some("S256"), Some(c)) if is_s256_challenge(c) => c.to_owned(),
            _ => {
                return back(&[
                    ("error", "invalid_request"),
                    (
                        "error_description",
                        "code_challenge (43 base64url characters) with code_challenge_method=S256 is required",
                    ),
                ])
            }
        };
        let scopes: Vec<String> = q
            .scopes
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if !reg.scopes.is_empty() && scopes.iter().any(|s| !reg.scopes.contains(s)) {
            return back(&[
                ("error", "invalid_scope"),
                ("error_description", "Invalid scope requested"),
            ]);
        }
        self.prune(now);
        let consent = Consent {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.clone(),
            state: q.state.clone(),
            challenge,
            created: now.instant,
        };
        match self.cfg.approval {
            Approval::Manual => {
                let request = self.ids.token(24);
                self.consents.insert(request.clone(), consent);
                AuthorizeOutcome::Consent {
                    request,
                    client_name: reg.client_name,
                    scopes,
                    redirect_uri,
                }
            }
            Approval::DenyAfterPolls(_) => self.finish_consent(consent, false, now),
            Approval::ApproveAfterPolls(_) | Approval::ApproveAfterDelay(_) => {
                self.finish_consent(consent, true, now)
            }
        }
    }

    /// The person clicked *Approve* or *Deny* on the consent page.
    pub(crate) fn decide_consent(
        &mut self,
        request: &str,
        approve: bool,
        now: Now,
    ) -> AuthorizeOutcome {
        let Some(consent) = self.consents.remove(request) else {
            return AuthorizeOutcome::Page {
                status: 400,
                message: "Unknown or already answered authorization request.".to_owned(),
            };
        };
        if self.expired(consent.created, self.cfg.expires_in, now) {
            return AuthorizeOutcome::Page {
                status: 400,
                message: "This authorization request has expired.".to_owned(),
            };
        }
        self.finish_consent(consent, approve, now)
    }

    fn finish_consent(&mut self, consent: Consent, approve: bool, now: Now) -> AuthorizeOutcome {
        let mut params: Vec<(&str, String)> = Vec::new();
        if approve {
            let code = self.ids.token(32);
            self.auth_codes.insert(
                code.clone(),
                AuthCode {
                    client_id: consent.client_id,
                    redirect_uri: consent.redirect_uri.clone(),
                    challenge: consent.challenge,
                    created: now.instant,
                    used: false,
                },
            );
            params.push(("code", code));
        } else {
            params.push(("error", "access_denied".to_owned()));
            params.push(("error_description", "User denied the request".to_owned()));
        }
        if let Some(s) = consent.state {
            params.push(("state", s));
        }
        let refs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        AuthorizeOutcome::Redirect(with_query(&consent.redirect_uri, &refs))
    }

    pub(super) fn code_grant(
        &mut self,
        input: &CreateToken,
        reg: &Registration,
        now: Now,
    ) -> Result<CreateTokenOutput, ServiceError> {
        let code = input
            .code
            .as_ref()
            .ok_or_else(|| fail(ErrorCode::InvalidRequest, "code is required"))?;
        let verifier = input
            .code_verifier
            .as_ref()
            .ok_or_else(|| fail(ErrorCode::InvalidRequest, "codeVerifier is required"))?;
        let lifetime = self.cfg.expires_in;
        let expired = match self.auth_codes.get(code.expose()) {
            Some(c) => self.expired(c.created, lifetime, now),
            None => return Err(fail(ErrorCode::InvalidGrant, "Invalid authorization code")),
        };
        let Some(entry) = self.auth_codes.get_mut(code.expose()) else {
            return Err(fail(ErrorCode::InvalidGrant, "Invalid authorization code"));
        };
        if entry.client_id != input.client_id || entry.used {
            return Err(fail(ErrorCode::InvalidGrant, "Invalid authorization code"));
        }
        if expired {
            return Err(fail(
                ErrorCode::ExpiredToken,
                "Authorization code has expired",
            ));
        }
        if input.redirect_uri.as_deref() != Some(entry.redirect_uri.as_str()) {
            return Err(fail(
                ErrorCode::InvalidGrant,
                "redirectUri does not match the authorization request",
            ));
        }
        if !is_verifier(verifier.expose()) || pkce_challenge(verifier.expose()) != entry.challenge {
            return Err(fail(
                ErrorCode::InvalidGrant,
                "PKCE code verifier does not match",
            ));
        }
        entry.used = true;
        Ok(self.issue(&input.client_id, reg, now, true))
    }
}

/// base64url-no-pad(SHA-256(verifier)): the S256 PKCE challenge (RFC 7636).
pub(crate) fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `c` has the shape of an S256 challenge: base64url of 32 bytes, unpadded (RFC 7636
/// §4.2).
fn is_s256_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `v` is a PKCE verifier: 43 to 128 unreserved characters (RFC 7636 §4.1).
fn is_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1")
}

/// Whether `used` matches the registered `registered`: exactly, or (RFC 8252 7.3) as a loopback
/// `http` URI registered without a port and used with any port.
fn redirect_matches(registered: &str, used: &str) -> bool {
    if registered == used {
        return true;
    }
    let (Ok(r), Ok(u)) = (registered.parse::<http::Uri>(), used.parse::<http::Uri>()) else {
        return false;
    };
    r.scheme_str() == Some("http")
        && u.scheme_str() == Some("http")
        && r.host().is_some_and(is_loopback)
        && r.host() == u.host()
        && r.port().is_none()
        && r.path_and_query().map(|p| p.as_str()) == u.path_and_query().map(|p| p.as_str())
}

/// `uri` with `params` appended to its query, form-encoded.
fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", ser.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_vectors_from_the_spec() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(
            pkce_challenge("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."),
            "0yYmnP4bO4rGE_A5t7N38moWM6-SEO0vHhtepQ3V1eY"
        );
    }

    #[test]
    fn challenge_and_verifier_shapes() {
        assert!(is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM="
        ));
        assert!(!is_s256_challenge("plain-verifier"));
        assert!(!is_s256_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
        assert!(is_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        assert!(is_verifier(&"~".repeat(128)));
        assert!(!is_verifier(&"a".repeat(42)));
        assert!(!is_verifier(&"a".repeat(129)));
        assert!(!is_verifier(&format!("{}+", "a".repeat(43))));
    }

    #[test]
    fn redirect_matching() {
        let reg = "http://127.0.0.1/oauth/callback";
        assert!(redirect_matches(
            reg,
            "http://127.0.0.1:54321/oauth/callback"
        ));
        assert!(!redirect_matches(reg, "http://127.0.0.1:54321/other"));
        assert!(!redirect_matches(
            reg,
            "http://evil.example:54321/oauth/callback"
        ));
        assert!(!redirect_matches(
            "https://app.example/cb",
            "https://app.example:8443/cb"
        ));
    }
}
