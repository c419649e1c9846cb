//! [`ErrorCode`]: the modelled error shapes of both services as data (spec 3.1, and
//! `docs/protocol/portal.md#errors` for the portal's).

use std::fmt;

/// One of the modelled error shapes: the 14 of SSO OIDC ([`ErrorCode::OIDC`]) and the SSO
/// portal's ([`ErrorCode::PORTAL`]), which shares `InvalidRequestException` with OIDC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `AccessDeniedException`.
    AccessDenied,
    /// `AuthorizationPendingException`.
    AuthorizationPending,
    /// `ExpiredTokenException`.
    ExpiredToken,
    /// `InternalServerException`.
    InternalServer,
    /// `InvalidClientException`.
    InvalidClient,
    /// `InvalidClientMetadataException`.
    InvalidClientMetadata,
    /// `InvalidGrantException`.
    InvalidGrant,
    /// `InvalidRedirectUriException`.
    InvalidRedirectUri,
    /// `InvalidRequestException`.
    InvalidRequest,
    /// `InvalidRequestRegionException`.
    InvalidRequestRegion,
    /// `InvalidScopeException`.
    InvalidScope,
    /// `SlowDownException`.
    SlowDown,
    /// `UnauthorizedClientException`.
    UnauthorizedClient,
    /// `UnsupportedGrantTypeException`.
    UnsupportedGrantType,
    /// `UnauthorizedException` (the portal): the access token is invalid, expired or logged
    /// out.
    Unauthorized,
    /// `TooManyRequestsException` (the portal): throttling.
    TooManyRequests,
    /// `ResourceNotFoundException` (the portal).
    ResourceNotFound,
}

/// (code, shape name, OAuth `error`, HTTP status): spec 3.1 as a table, then the portal's
/// shapes, which have no OAuth `error` (their body is `{"message": ...}`).
const TABLE: &[(ErrorCode, &str, Option<&str>, u16)] = &[
    (
        ErrorCode::AccessDenied,
        "AccessDeniedException",
        Some("access_denied"),
        400,
    ),
    (
        ErrorCode::AuthorizationPending,
        "AuthorizationPendingException",
        Some("authorization_pending"),
        400,
    ),
    (
        ErrorCode::ExpiredToken,
        "ExpiredTokenException",
        Some("expired_token"),
        400,
    ),
    (
        ErrorCode::InternalServer,
        "InternalServerException",
        Some("server_error"),
        500,
    ),
    (
        ErrorCode::InvalidClient,
        "InvalidClientException",
        Some("invalid_client"),
        401,
    ),
    (
        ErrorCode::InvalidClientMetadata,
        "InvalidClientMetadataException",
        Some("invalid_client_metadata"),
        400,
    ),
    (
        ErrorCode::InvalidGrant,
        "InvalidGrantException",
        Some("invalid_grant"),
        400,
    ),
    (
        ErrorCode::InvalidRedirectUri,
        "InvalidRedirectUriException",
        Some("invalid_redirect_uri"),
        400,
    ),
    (
        ErrorCode::InvalidRequest,
        "InvalidRequestException",
        Some("invalid_request"),
        400,
    ),
    (
        ErrorCode::InvalidRequestRegion,
        "InvalidRequestRegionException",
        Some("invalid_request"),
        400,
    ),
    (
        ErrorCode::InvalidScope,
        "InvalidScopeException",
        Some("invalid_scope"),
        400,
    ),
    (
        ErrorCode::SlowDown,
        "SlowDownException",
        Some("slow_down"),
        400,
    ),
    (
        ErrorCode::UnauthorizedClient,
        "UnauthorizedClientException",
        Some("unauthorized_client"),
        400,
    ),
    (
        ErrorCode::UnsupportedGrantType,
        "UnsupportedGrantTypeException",
        Some("unsupported_grant_type"),
        400,
    ),
    (ErrorCode::Unauthorized, "UnauthorizedException", None, 401),
    (
        ErrorCode::TooManyRequests,
        "TooManyRequestsException",
        None,
        429,
    ),
    (
        ErrorCode::ResourceNotFound,
        "ResourceNotFoundException",
        None,
        404,
    ),
];

impl ErrorCode {
    /// The 14 errors SSO OIDC models, in the spec's order. Each has an OAuth `error` value.
    pub const OIDC: [ErrorCode; 14] = [
        ErrorCode::AccessDenied,
        ErrorCode::AuthorizationPending,
        ErrorCode::ExpiredToken,
        ErrorCode::InternalServer,
        ErrorCode::InvalidClient,
        ErrorCode::InvalidClientMetadata,
        ErrorCode::InvalidGrant,
        ErrorCode::InvalidRedirectUri,
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidRequestRegion,
        ErrorCode::InvalidScope,
        ErrorCode::SlowDown,
        ErrorCode::UnauthorizedClient,
        ErrorCode::UnsupportedGrantType,
    ];

    /// The errors the SSO portal models, in the model's order.
    pub const PORTAL: [ErrorCode; 4] = [
        ErrorCode::InvalidRequest,
        ErrorCode::Unauthorized,
        ErrorCode::TooManyRequests,
        ErrorCode::ResourceNotFound,
    ];

    /// Every modelled error of both services: [`OIDC`](Self::OIDC)'s, then the portal's own
    /// (its `InvalidRequestException` is OIDC's).
    pub const ALL: [ErrorCode; 17] = {
        let mut all = [ErrorCode::AccessDenied; 17];
        let mut i = 0;
        while i < Self::OIDC.len() {
            all[i] = Self::OIDC[i];
            i += 1;
        }
        all[14] = ErrorCode::Unauthorized;
        all[15] = ErrorCode::TooManyRequests;
        all[16] = ErrorCode::ResourceNotFound;
        all
    };

    fn row(self) -> (ErrorCode, &'static str, Option<&'static str>, u16) {
        // TABLE is in the declaration order of the enum.
        TABLE[self as usize]
    }

    /// The shape name, such as `SlowDownException`.
    pub fn shape_name(self) -> &'static str {
        self.row().1
    }

    /// The OAuth `error` value SSO OIDC sends with it, such as `slow_down`; `None` for the
    /// portal's own errors, whose bodies carry only a `message`.
    pub fn oauth_error(self) -> Option<&'static str> {
        self.row().2
    }

    /// The modelled HTTP status.
    pub fn http_status(self) -> u16 {
        self.row().3
    }

    /// The code for a cleaned shape name (exact, case-sensitive match).
    pub fn from_shape_name(name: &str) -> Option<Self> {
        TABLE.iter().find(|r| r.1 == name).map(|r| r.0)
    }

    /// The §3.2 fallback table: the code for an OAuth `error` value. `invalid_request` maps to
    /// `InvalidRequest`; the caller refines it to `InvalidRequestRegion` when the body has
    /// `region` or `endpoint`.
    pub fn from_oauth_error(error: &str) -> Option<Self> {
        TABLE.iter().find(|r| r.2 == Some(error)).map(|r| r.0)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shape_name())
    }
}

impl std::str::FromStr for ErrorCode {
    type Err = UnknownErrorCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_shape_name(s).ok_or_else(|| UnknownErrorCode(s.to_owned()))
    }
}

/// A name that is not one of the modelled error shapes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code {0:?}: expected a modelled shape name such as SlowDownException")]
#[non_exhaustive]
pub struct UnknownErrorCode(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order() {
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(TABLE[i].0, *code);
            assert_eq!(ErrorCode::from_shape_name(code.shape_name()), Some(*code));
        }
    }

    #[test]
    fn the_service_lists_partition_every_code() {
        let mut both: Vec<ErrorCode> = ErrorCode::OIDC.to_vec();
        both.extend(
            ErrorCode::PORTAL
                .iter()
                .filter(|c| !ErrorCode::OIDC.contains(c)),
        );
        both.sort();
        let mut all = ErrorCode::ALL.to_vec();
        all.sort();
        assert_eq!(both, all);
        for code in ErrorCode::OIDC {
            assert!(code.oauth_error().is_some(), "{code}");
        }
        for code in [
            ErrorCode::Unauthorized,
            ErrorCode::TooManyRequests,
            ErrorCode::ResourceNotFound,
        ] {
            assert_eq!(code.oauth_error(), None, "{code}");
        }
    }

    #[test]
    fn oauth_fallback_prefers_invalid_request() {
        assert_eq!(
            ErrorCode::from_oauth_error("invalid_request"),
            Some(ErrorCode::InvalidRequest)
        );
        assert_eq!(ErrorCode::from_oauth_error("nope"), None);
    }
}
