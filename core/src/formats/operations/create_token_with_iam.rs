//! `CreateTokenWithIAM`: `POST /token?aws_iam=t`, SigV4-signed with signing name `sso-oauth`
//! (spec 2.4). [`Operation::to_request`] builds the complete unsigned request (the query
//! `aws_iam=t` included, so it enters the canonical query string); a SigV4 signer then adds its
//! headers without touching the wire types.

use serde::{Deserialize, Serialize};

use crate::wire::{Auth, Operation};
use crate::Secret;

/// Input of `CreateTokenWithIAM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenWithIam {
    /// The application ARN.
    pub client_id: String,
    /// `authorization_code`, `refresh_token`, jwt-bearer or token-exchange.
    pub grant_type: String,
    /// Authorization-code grant: the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Secret>,
    /// Refresh grant: the refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// JWT-bearer grant: the JWT from a trusted token issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<Secret>,
    /// Optional down-scoping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
    /// Authorization-code grant: the redirect URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Token-exchange grant: the subject token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_token: Option<Secret>,
    /// Token-exchange grant: the subject token's type URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_token_type: Option<String>,
    /// Token-exchange grant: the wanted token's type URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_token_type: Option<String>,
    /// Authorization-code grant: the PKCE verifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<Secret>,
}

impl CreateTokenWithIam {
    /// An input with `clientId` and `grantType` set and every optional member absent.
    pub fn new(client_id: impl Into<String>, grant_type: impl Into<String>) -> Self {
        CreateTokenWithIam {
            client_id: client_id.into(),
            grant_type: grant_type.into(),
            code: None,
            refresh_token: None,
            assertion: None,
            scope: None,
            redirect_uri: None,
            subject_token: None,
            subject_token_type: None,
            requested_token_type: None,
            code_verifier: None,
        }
    }
}

impl Operation for CreateTokenWithIam {
    const NAME: &'static str = "CreateTokenWithIAM";
    const PATH_AND_QUERY: &'static str = "/token?aws_iam=t";
    const AUTH: Auth = Auth::SigV4;
    type Output = CreateTokenWithIamOutput;
}

/// `awsAdditionalDetails` of a CreateTokenWithIAM response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsAdditionalDetails {
    /// An STS-signed identity assertion (kept secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_context: Option<Secret>,
}

/// Output of `CreateTokenWithIAM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenWithIamOutput {
    /// The access token.
    pub access_token: Secret,
    /// `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Seconds from now until the access token expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<i32>,
    /// The refresh token, when issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// An ID token (a real JWT here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Secret>,
    /// Token-type URI of the issued token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<String>,
    /// The scopes the token carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
    /// AWS-specific details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_additional_details: Option<AwsAdditionalDetails>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::{resolve, EndpointParams};
    use crate::operations::grant_type;
    use crate::sigv4::{sign, SigningCredentials};
    use crate::{Operation, Secret};
    use time::macros::datetime;

    #[test]
    fn create_token_with_iam_signs_the_spec_headers_and_query() {
        let mut input = CreateTokenWithIam::new(
            "arn:aws:sso::123456789012:application/ssoins-1/apl-2",
            grant_type::JWT_BEARER,
        );
        input.assertion = Some("eyJ0eXAiOiJKV1Qi...".into());
        let endpoint = resolve(&EndpointParams::region("us-east-1")).unwrap();
        let mut r = input.to_request(&endpoint).unwrap();
        sign(
            &mut r,
            &SigningCredentials {
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
                session_token: Some(Secret::new("SESSION")),
            },
            "us-east-1",
            "sso-oauth",
            datetime!(2026-01-15 12:00:00 UTC),
        )
        .unwrap();
        let auth = r.headers()["authorization"].to_str().unwrap().to_owned();
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/sso-oauth/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="), "{auth}");
        assert_eq!(r.headers()["host"], "oidc.us-east-1.amazonaws.com");
        assert_eq!(r.headers()["x-amz-security-token"], "SESSION");
        assert!(r.headers()["authorization"].is_sensitive());
    }
}
