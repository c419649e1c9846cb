//! CreateTokenWithIAM, deliberately simple (see the crate documentation).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ssooidc_core::error::ErrorMeta;
use ssooidc_core::operations::{
    grant_type, token_type, AwsAdditionalDetails, CreateTokenWithIam, CreateTokenWithIamOutput,
};
use ssooidc_core::{ErrorCode, Secret, ServiceError};

use super::{fail, wire_i32, Now, Service};

impl Service {
    /// A simple CreateTokenWithIAM: `jwt-bearer` (any non-empty assertion), `token-exchange`
    /// (any non-empty subject token) and `refresh_token` (tokens it issued itself). The SigV4
    /// signature is not verified; `signed` says whether one was present at all.
    pub(crate) fn create_token_with_iam(
        &mut self,
        input: CreateTokenWithIam,
        signed: bool,
        now: Now,
    ) -> Result<CreateTokenWithIamOutput, ServiceError> {
        if !signed {
            return Err(ServiceError::Unknown {
                meta: {
                    let mut meta = ErrorMeta::new(403);
                    meta.error_description = Some("Missing Authentication Token".to_owned());
                    meta
                },
                code: "MissingAuthenticationTokenException".to_owned(),
                message: Some("Missing Authentication Token".to_owned()),
            });
        }
        if !input.client_id.starts_with("arn:") {
            return Err(fail(
                ErrorCode::InvalidClient,
                "clientId must be an application ARN",
            ));
        }
        let required = |v: &Option<Secret>, name: &str| match v {
            Some(s) if !s.is_empty() => Ok(()),
            _ => Err(fail(
                ErrorCode::InvalidRequest,
                &format!("{name} is required"),
            )),
        };
        let issued_type = match input.grant_type.as_str() {
            grant_type::JWT_BEARER => {
                required(&input.assertion, "assertion")?;
                token_type::REFRESH_TOKEN
            }
            grant_type::TOKEN_EXCHANGE => {
                required(&input.subject_token, "subjectToken")?;
                if input.subject_token_type.as_deref() != Some(token_type::ACCESS_TOKEN) {
                    return Err(fail(
                        ErrorCode::InvalidRequest,
                        "Unsupported subjectTokenType",
                    ));
                }
                match input.requested_token_type.as_deref() {
                    None | Some(token_type::ACCESS_TOKEN) => token_type::ACCESS_TOKEN,
                    Some(token_type::REFRESH_TOKEN) => token_type::REFRESH_TOKEN,
                    Some(_) => {
                        return Err(fail(
                            ErrorCode::InvalidRequest,
                            "Unsupported requestedTokenType",
                        ))
                    }
                }
            }
            grant_type::REFRESH_TOKEN => {
                required(&input.refresh_token, "refreshToken")?;
                if let Some(t) = &input.refresh_token {
                    self.check_refresh(t, &input.client_id, now)?;
                    if self.cfg.rotate_refresh_tokens {
                        self.refresh.remove(t.expose());
                    }
                }
                token_type::REFRESH_TOKEN
            }
            _ => return Err(fail(
                ErrorCode::UnsupportedGrantType,
                "Unsupported grant type (the emulator's CreateTokenWithIAM supports jwt-bearer, \
                     token-exchange and refresh_token)",
            )),
        };
        let refresh_token = (issued_type == token_type::REFRESH_TOKEN)
            .then(|| self.new_refresh_token(&input.client_id, now));
        let exp = now
            .epoch
            .saturating_add(i64::from(self.cfg.access_token_lifetime));
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = serde_json::json!({
            "iss": "https://identitycenter.amazonaws.com/emulator",
            "sub": "emulator-user",
            "aud": input.client_id,
            "iat": now.epoch,
            "exp": exp,
        });
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        Ok(CreateTokenWithIamOutput {
            access_token: Secret::new(format!("aoa{}", self.ids.token(48))),
            token_type: Some("Bearer".to_owned()),
            expires_in: Some(wire_i32(self.cfg.access_token_lifetime)),
            refresh_token,
            id_token: Some(Secret::new(format!("{header}.{payload}."))),
            issued_token_type: Some(issued_type.to_owned()),
            scope: Some(input.scope.clone().unwrap_or_else(|| {
                ["openid", "aws", "sts:identity_context"]
                    .map(str::to_owned)
                    .to_vec()
            })),
            aws_additional_details: Some(AwsAdditionalDetails {
                identity_context: Some(Secret::new(self.ids.token(96))),
            }),
        })
    }
}
