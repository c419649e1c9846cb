//! AWS STS `GetCallerIdentity` for the role credentials this emulator's portal issued, with the
//! request's Signature Version 4 verified in full (`crate::sigv4`).
//!
//! A request is accepted when its `Authorization: AWS4-HMAC-SHA256 ...` header is complete and
//! signs `host`; its access key id is one the portal issued, its `x-amz-security-token` that
//! key's session token (signed or not), and the credentials have not expired at `now`; its
//! credential scope is `DATE/REGION/sts/aws4_request` with `DATE` the day of its `X-Amz-Date`
//! (any region: STS is regional, and the emulator serves every region on one URL); that
//! `X-Amz-Date` is within 15 minutes of `now`; and its signature is the one the issued secret
//! key gives. Anything else gets the error STS sends, in STS's words: `MissingAuthenticationToken`
//! (no `Authorization`, 403), `IncompleteSignature` (a malformed one, 400),
//! `InvalidClientTokenId` (a key or session token not issued here, 403), `ExpiredToken`
//! (expired credentials, 403 as STS answers for credentials: the 400 `ExpiredTokenException` of
//! the STS model is for expired web identity tokens), `SignatureDoesNotMatch` (a wrong scope, a
//! date too far from `now`, or a wrong signature, whose message shows the canonical request and
//! the string to sign the emulator expected, 403).

use sha2::{Digest, Sha256};

use super::{Now, Service};
use crate::sigv4::{self, SignedRequest};

/// The session name of the portal's role credentials (IAM Identity Center names the session
/// after the user; the emulator has one user).
pub(crate) const SESSION_NAME: &str = "emulator-user";

/// The signing name STS's credential scope must name.
const SIGNING_NAME: &str = "sts";

/// How far `X-Amz-Date` may be from `now`, in seconds.
const MAX_SKEW: i64 = 15 * 60;

/// What `GetCallerIdentity` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallerIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

/// An STS error: its status, `Code` and `Message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StsError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl StsError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        StsError {
            status,
            code,
            message: message.into(),
        }
    }

    fn invalid_token() -> Self {
        StsError::new(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
    }

    fn mismatch(message: impl Into<String>) -> Self {
        StsError::new(403, "SignatureDoesNotMatch", message)
    }
}

/// The partition of a region, for ARNs.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The role's unique id, `AROA` and 17 characters of STS's alphabet, the same for every call
/// (derived from the account and the role).
fn role_id(account_id: &str, role_name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(format!("{account_id}/{role_name}").as_bytes());
    let tail: String = digest
        .iter()
        .take(17)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("AROA{tail}")
}

impl Service {
    /// `GetCallerIdentity`, signed with role credentials the portal issued: who they are, or
    /// why the request is refused.
    pub(crate) fn get_caller_identity(
        &self,
        request: &SignedRequest<'_>,
        now: Now,
    ) -> Result<CallerIdentity, StsError> {
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let Some(authorization) = header("authorization") else {
            return Err(StsError::new(
                403,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ));
        };
        let amz_date = header("x-amz-date");
        let auth = sigv4::parse_authorization(&authorization, amz_date.is_some())
            .map_err(|m| StsError::new(400, "IncompleteSignature", m))?;
        let amz_date = amz_date.unwrap_or_default();
        let Some(signed_at) = sigv4::parse_amz_date(amz_date.trim()) else {
            return Err(StsError::new(
                400,
                "IncompleteSignature",
                format!(
                    "Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
                ),
            ));
        };
        let amz_date = amz_date.trim();

        let credential = &auth.credential;
        let role = self
            .roles
            .get(&credential.access_key_id)
            .ok_or_else(StsError::invalid_token)?;
        if header("x-amz-security-token").as_deref() != Some(role.session_token.as_str()) {
            return Err(StsError::invalid_token());
        }
        if role.expires_epoch <= now.epoch {
            return Err(StsError::new(
                403,
                "ExpiredToken",
                "The security token included in the request is expired",
            ));
        }

        if credential.terminator != "aws4_request" {
            return Err(StsError::mismatch(format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
                credential.terminator
            )));
        }
        if credential.service != SIGNING_NAME {
            return Err(StsError::mismatch(format!(
                "Credential should be scoped to correct service: '{SIGNING_NAME}'. "
            )));
        }
        if credential.region.is_empty() {
            return Err(StsError::mismatch(
                "Credential should be scoped to a valid region. ",
            ));
        }
        if Some(credential.date.as_str()) != amz_date.get(..8) {
            return Err(StsError::mismatch(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
                credential.date,
                amz_date.get(..8).unwrap_or_default()
            )));
        }
        let now_text = sigv4::format_amz_date(now.epoch);
        if signed_at < now.epoch.saturating_sub(MAX_SKEW) {
            return Err(StsError::mismatch(format!(
                "Signature expired: {amz_date} is now earlier than {} ({now_text} - 15 min.)",
                sigv4::format_amz_date(now.epoch.saturating_sub(MAX_SKEW))
            )));
        }
        if signed_at > now.epoch.saturating_add(MAX_SKEW) {
            return Err(StsError::mismatch(format!(
                "Signature not yet current: {amz_date} is still later than {} ({now_text} + 15 min.)",
                sigv4::format_amz_date(now.epoch.saturating_add(MAX_SKEW))
            )));
        }

        let canonical = sigv4::canonical_request(request, &auth.signed_headers);
        let to_sign = sigv4::string_to_sign(amz_date, &credential.scope(), &canonical);
        let key = sigv4::signing_key(
            &role.secret_access_key,
            &credential.date,
            &credential.region,
            &credential.service,
        );
        if !sigv4::constant_time_eq(&sigv4::signature(&key, &to_sign), &auth.signature) {
            return Err(StsError::mismatch(format!(
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details.\n\nThe Canonical String for this request should have \
                 been\n'{canonical}'\n\nThe String-to-Sign should have been\n'{to_sign}'\n"
            )));
        }

        let account = role.account_id.clone();
        Ok(CallerIdentity {
            arn: format!(
                "arn:{}:sts::{account}:assumed-role/{}/{SESSION_NAME}",
                partition(&credential.region),
                role.role_name
            ),
            user_id: format!(
                "{}:{SESSION_NAME}",
                role_id(&role.account_id, &role.role_name)
            ),
            account,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_stable_and_shaped_as_sts_writes_them() {
        let id = role_id("111122223333", "ReadOnly");
        assert_eq!(id, role_id("111122223333", "ReadOnly"));
        assert_ne!(id, role_id("111122223333", "AdministratorAccess"));
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AROA"));
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
        assert_eq!(partition("us-east-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }
}
