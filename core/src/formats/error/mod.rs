//! The services' errors (spec section 3, `docs/protocol/portal.md#errors`): one typed enum for
//! SSO OIDC and the SSO portal, how it is found in a response, how it is written by a server,
//! and whether it may be retried.

mod code;
mod codes;
mod decode;
mod encode;

use std::fmt;

pub use code::{ErrorCode, UnknownErrorCode};
pub(crate) use codes::LEGACY_THROTTLING_CODES;
pub use codes::{THROTTLING_CODES, TRANSIENT_CODES};
pub(crate) use decode::REQUEST_ID_HEADER;
pub use decode::{decode_error, MAX_RESPONSE_BODY_BYTES};
pub use encode::encode_error;

/// What every service error carries besides its type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorMeta {
    /// The HTTP status of the response.
    pub status: u16,
    /// The OAuth `error` member (`authorization_pending`, ...), when the body had one.
    pub error: Option<String>,
    /// The human-readable text: the OAuth `error_description` member, or, for a modelled
    /// error without one (the portal's errors), its `message` member.
    pub error_description: Option<String>,
    /// The `x-amzn-RequestId` header.
    pub request_id: Option<String>,
}

impl ErrorMeta {
    /// The metadata of an error answered with HTTP `status`, with no OAuth `error`,
    /// description or request id (servers, such as the emulator, and tests set those fields).
    pub fn new(status: u16) -> Self {
        ErrorMeta {
            status,
            ..ErrorMeta::default()
        }
    }
}

/// `reason` of an `AccessDeniedException` (an open enum: unknown values are kept).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessDeniedReason {
    /// `KMS_AccessDeniedException`.
    KmsAccessDenied,
    /// A value this version does not know.
    Other(String),
}

impl AccessDeniedReason {
    /// Reads a wire value.
    pub fn from_wire(s: &str) -> Self {
        match s {
            "KMS_AccessDeniedException" => Self::KmsAccessDenied,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::KmsAccessDenied => "KMS_AccessDeniedException",
            Self::Other(s) => s,
        }
    }
}

/// `reason` of an `InvalidRequestException` (an open enum: unknown values are kept).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidRequestReason {
    /// `KMS_NotFoundException`.
    KmsNotFound,
    /// `KMS_InvalidKeyUsageException`.
    KmsInvalidKeyUsage,
    /// `KMS_InvalidStateException`.
    KmsInvalidState,
    /// `KMS_DisabledException`.
    KmsDisabled,
    /// A value this version does not know.
    Other(String),
}

impl InvalidRequestReason {
    /// Reads a wire value.
    pub fn from_wire(s: &str) -> Self {
        match s {
            "KMS_NotFoundException" => Self::KmsNotFound,
            "KMS_InvalidKeyUsageException" => Self::KmsInvalidKeyUsage,
            "KMS_InvalidStateException" => Self::KmsInvalidState,
            "KMS_DisabledException" => Self::KmsDisabled,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::KmsNotFound => "KMS_NotFoundException",
            Self::KmsInvalidKeyUsage => "KMS_InvalidKeyUsageException",
            Self::KmsInvalidState => "KMS_InvalidStateException",
            Self::KmsDisabled => "KMS_DisabledException",
            Self::Other(s) => s,
        }
    }
}

/// An error response of either service: one variant per modelled error shape (SSO OIDC's 14
/// and the portal's own three; `InvalidRequestException` is both services'), plus [`Unknown`].
///
/// [`Unknown`]: ServiceError::Unknown
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServiceError {
    /// `AccessDeniedException` (400): the user denied the request, or KMS refused.
    AccessDenied {
        /// Common members.
        meta: ErrorMeta,
        /// Why, when the service says.
        reason: Option<AccessDeniedReason>,
    },
    /// `AuthorizationPendingException` (400): the user has not approved yet; keep polling.
    AuthorizationPending {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `ExpiredTokenException` (400): the device code (or token) expired.
    ExpiredToken {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `InternalServerException` (500): a server fault; retryable.
    InternalServer {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `InvalidClientException` (401): unknown client, bad or expired client secret.
    InvalidClient {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `InvalidClientMetadataException` (400): RegisterClient got unacceptable metadata.
    InvalidClientMetadata {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `InvalidGrantException` (400): the grant (device code, code, refresh token) is invalid.
    InvalidGrant {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `InvalidRedirectUriException` (400).
    InvalidRedirectUri {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `InvalidRequestException` (400): a malformed or unacceptable request.
    InvalidRequest {
        /// Common members.
        meta: ErrorMeta,
        /// Why, when the service says (KMS problems).
        reason: Option<InvalidRequestReason>,
    },
    /// `InvalidRequestRegionException` (400, CreateTokenWithIAM): the token belongs to another region.
    InvalidRequestRegion {
        /// Common members.
        meta: ErrorMeta,
        /// The endpoint to use instead.
        endpoint: Option<String>,
        /// The region to use instead.
        region: Option<String>,
    },
    /// `InvalidScopeException` (400).
    InvalidScope {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `SlowDownException` (400): polling or calling too fast.
    SlowDown {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `UnauthorizedClientException` (400).
    UnauthorizedClient {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `UnsupportedGrantTypeException` (400).
    UnsupportedGrantType {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `UnauthorizedException` (401, the portal): the access token is not (or no longer)
    /// valid: expired, logged out, or never issued.
    Unauthorized {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `TooManyRequestsException` (429, the portal): throttling; retryable.
    TooManyRequests {
        /// Common members.
        meta: ErrorMeta,
    },
    /// `ResourceNotFoundException` (404, the portal).
    ResourceNotFound {
        /// Common members.
        meta: ErrorMeta,
    },
    /// An error the model does not have, kept as it came.
    Unknown {
        /// Common members; `meta.status` is the HTTP status.
        meta: ErrorMeta,
        /// The cleaned error code, or the HTTP status as a string when the response named none
        /// (what botocore reports).
        code: String,
        /// `error_description`, `message` or `Message` from the body, when present.
        message: Option<String>,
    },
}

/// How a failed call may be retried (spec 3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryKind {
    /// A server fault (500, 502, 503, 504, request timeouts): retry with backoff.
    Transient,
    /// Throttling (a throttling code or HTTP 429): retry with backoff.
    Throttling,
    /// `SlowDownException`: in the device flow a polling signal (+5 s); elsewhere back off and retry.
    SlowDown,
    /// Not retryable.
    Never,
}

impl ServiceError {
    /// The modelled error code, or `None` for [`ServiceError::Unknown`].
    pub fn code(&self) -> Option<ErrorCode> {
        Some(match self {
            Self::AccessDenied { .. } => ErrorCode::AccessDenied,
            Self::AuthorizationPending { .. } => ErrorCode::AuthorizationPending,
            Self::ExpiredToken { .. } => ErrorCode::ExpiredToken,
            Self::InternalServer { .. } => ErrorCode::InternalServer,
            Self::InvalidClient { .. } => ErrorCode::InvalidClient,
            Self::InvalidClientMetadata { .. } => ErrorCode::InvalidClientMetadata,
            Self::InvalidGrant { .. } => ErrorCode::InvalidGrant,
            Self::InvalidRedirectUri { .. } => ErrorCode::InvalidRedirectUri,
            Self::InvalidRequest { .. } => ErrorCode::InvalidRequest,
            Self::InvalidRequestRegion { .. } => ErrorCode::InvalidRequestRegion,
            Self::InvalidScope { .. } => ErrorCode::InvalidScope,
            Self::SlowDown { .. } => ErrorCode::SlowDown,
            Self::UnauthorizedClient { .. } => ErrorCode::UnauthorizedClient,
            Self::UnsupportedGrantType { .. } => ErrorCode::UnsupportedGrantType,
            Self::Unauthorized { .. } => ErrorCode::Unauthorized,
            Self::TooManyRequests { .. } => ErrorCode::TooManyRequests,
            Self::ResourceNotFound { .. } => ErrorCode::ResourceNotFound,
            Self::Unknown { .. } => return None,
        })
    }

    /// The error's name as the AWS CLI prints it: the shape name (`SlowDownException`) or, for
    /// an unknown error, its code.
    pub fn name(&self) -> &str {
        match self {
            Self::Unknown { code, .. } => code,
            other => other.code().map_or("", ErrorCode::shape_name),
        }
    }

    /// The members every error has.
    pub fn meta(&self) -> &ErrorMeta {
        match self {
            Self::AccessDenied { meta, .. }
            | Self::AuthorizationPending { meta }
            | Self::ExpiredToken { meta }
            | Self::InternalServer { meta }
            | Self::InvalidClient { meta }
            | Self::InvalidClientMetadata { meta }
            | Self::InvalidGrant { meta }
            | Self::InvalidRedirectUri { meta }
            | Self::InvalidRequest { meta, .. }
            | Self::InvalidRequestRegion { meta, .. }
            | Self::InvalidScope { meta }
            | Self::SlowDown { meta }
            | Self::UnauthorizedClient { meta }
            | Self::UnsupportedGrantType { meta }
            | Self::Unauthorized { meta }
            | Self::TooManyRequests { meta }
            | Self::ResourceNotFound { meta }
            | Self::Unknown { meta, .. } => meta,
        }
    }

    /// The text to show a person: `error_description` (the portal's `message`), or an unknown
    /// error's message.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Unknown { message, meta, .. } => {
                message.as_deref().or(meta.error_description.as_deref())
            }
            other => other.meta().error_description.as_deref(),
        }
    }

    /// The `x-amzn-RequestId` of the response.
    pub fn request_id(&self) -> Option<&str> {
        self.meta().request_id.as_deref()
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.meta().status
    }

    /// How this error may be retried (spec 3.3).
    pub fn retry_kind(&self) -> RetryKind {
        match self {
            Self::InternalServer { .. } => RetryKind::Transient,
            Self::TooManyRequests { .. } => RetryKind::Throttling,
            Self::SlowDown { .. } => RetryKind::SlowDown,
            Self::Unknown { meta, code, .. } => {
                if THROTTLING_CODES.contains(&code.as_str()) || meta.status == 429 {
                    RetryKind::Throttling
                } else if TRANSIENT_CODES.contains(&code.as_str())
                    || matches!(meta.status, 500 | 502 | 503 | 504)
                {
                    RetryKind::Transient
                } else {
                    RetryKind::Never
                }
            }
            _ => RetryKind::Never,
        }
    }

    /// The error as the AWS CLI prints it for `operation`:
    /// `An error occurred (<ErrorName>) when calling the <Operation> operation: <error_description>`.
    ///
    /// ```
    /// use ssooidc_core::{ErrorCode, ServiceError};
    /// let e = ServiceError::from_code(ErrorCode::InvalidClient, "Invalid client secret");
    /// assert_eq!(
    ///     e.cli_message("CreateToken"),
    ///     "An error occurred (InvalidClientException) when calling the CreateToken operation: Invalid client secret"
    /// );
    /// ```
    pub fn cli_message(&self, operation: &str) -> String {
        self.cli_message_after_retries(operation, None)
    }

    /// [`cli_message`](Self::cli_message) for a call that was retried until the attempt limit:
    /// botocore inserts ` (reached max retries: N)` after the operation.
    ///
    /// ```
    /// use ssooidc_core::{ErrorCode, ServiceError};
    /// let e = ServiceError::from_code(ErrorCode::InternalServer, "boom");
    /// assert_eq!(
    ///     e.cli_message_after_retries("CreateToken", Some(2)),
    ///     "An error occurred (InternalServerException) when calling the CreateToken operation (reached max retries: 2): boom"
    /// );
    /// ```
    pub fn cli_message_after_retries(&self, operation: &str, retries: Option<u32>) -> String {
        let retry_info = retries
            .map(|n| format!(" (reached max retries: {n})"))
            .unwrap_or_default();
        match self.message() {
            Some(m) => format!(
                "An error occurred ({}) when calling the {operation} operation{retry_info}: {m}",
                self.name()
            ),
            None => format!(
                "An error occurred ({}) when calling the {operation} operation{retry_info}",
                self.name()
            ),
        }
    }

    /// Whether a generic retry layer may retry this (transient faults and throttling; not
    /// `SlowDown` and never `AuthorizationPending`, which belong to the polling loop).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.retry_kind(),
            RetryKind::Transient | RetryKind::Throttling
        )
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        if let Some(m) = self.message() {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}
