//! [`ErrorCode`]: the modelled error shapes as data (spec 3.1).

use std::fmt;

/// One of the 14 modelled error shapes of the service.
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
}

/// (code, shape name, OAuth `error`, HTTP status): spec 3.1 as a table.
const TABLE: &[(ErrorCode, &str, &str, u16)] = &[
    (
        ErrorCode::AccessDenied,
        "AccessDeniedException",
        "access_denied",
        400,
    ),
    (
        ErrorCode::AuthorizationPending,
        "AuthorizationPendingException",
        "authorization_pending",
        400,
    ),
    (
        ErrorCode::ExpiredToken,
        "ExpiredTokenException",
        "expired_token",
        400,
    ),
    (
        ErrorCode::InternalServer,
        "InternalServerException",
        "server_error",
        500,
    ),
    (
        ErrorCode::InvalidClient,
        "InvalidClientException",
        "invalid_client",
        401,
    ),
    (
        ErrorCode::InvalidClientMetadata,
        "InvalidClientMetadataException",
        "invalid_client_metadata",
        400,
    ),
    (
        ErrorCode::InvalidGrant,
        "InvalidGrantException",
        "invalid_grant",
        400,
    ),
    (
        ErrorCode::InvalidRedirectUri,
        "InvalidRedirectUriException",
        "invalid_redirect_uri",
        400,
    ),
    (
        ErrorCode::InvalidRequest,
        "InvalidRequestException",
        "invalid_request",
        400,
    ),
    (
        ErrorCode::InvalidRequestRegion,
        "InvalidRequestRegionException",
        "invalid_request",
        400,
    ),
    (
        ErrorCode::InvalidScope,
        "InvalidScopeException",
        "invalid_scope",
        400,
    ),
    (ErrorCode::SlowDown, "SlowDownException", "slow_down", 400),
    (
        ErrorCode::UnauthorizedClient,
        "UnauthorizedClientException",
        "unauthorized_client",
        400,
    ),
    (
        ErrorCode::UnsupportedGrantType,
        "UnsupportedGrantTypeException",
        "unsupported_grant_type",
        400,
    ),
];

impl ErrorCode {
    /// Every modelled error, in the spec's order.
    pub const ALL: [ErrorCode; 14] = [
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

    fn row(self) -> (ErrorCode, &'static str, &'static str, u16) {
        // TABLE is in the declaration order of the enum.
        TABLE[self as usize]
    }

    /// The shape name, such as `SlowDownException`.
    pub fn shape_name(self) -> &'static str {
        self.row().1
    }

    /// The OAuth `error` value the service sends with it, such as `slow_down`.
    pub fn oauth_error(self) -> &'static str {
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
        TABLE.iter().find(|r| r.2 == error).map(|r| r.0)
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
    fn oauth_fallback_prefers_invalid_request() {
        assert_eq!(
            ErrorCode::from_oauth_error("invalid_request"),
            Some(ErrorCode::InvalidRequest)
        );
        assert_eq!(ErrorCode::from_oauth_error("nope"), None);
    }
}
