//! The error codes the AWS SDKs' retry modes treat as throttling or as transient: the retry
//! class of a service error is part of what the error is.

/// The standard mode's throttling codes (botocore's `_THROTTLED_ERROR_CODES`).
/// `SlowDownException` is not among them: in the device grant it is a polling signal.
pub const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// The legacy mode's throttling codes (botocore's `_retry.json`).
pub(crate) const LEGACY_THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "ProvisionedThroughputExceededException",
];

/// The standard mode's transient codes.
pub const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];
