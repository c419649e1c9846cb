//! Retries of single calls as the AWS SDKs do them, as a sans-I/O policy: which failures are
//! worth another attempt, how long to wait before it, how many attempts a call gets, and the
//! client-wide retry quota. Every adapter's `Client` uses it through the
//! [`Call`](crate::machine::Call) machine; the device machine keeps its own polling policy but
//! uses the same [classification](classify).
//!
//! | mode | attempts (default) | retried | wait before retry *n* | quota |
//! |---|---|---|---|---|
//! | `standard` (default) | 3 | 500/502/503/504, the transient and throttling codes, an unmodelled 429, transient transport failures | `rand × min(s × 2ⁿ⁻¹, 20 s)`, `s` = 1 s after throttling, 50 ms otherwise; raised to `x-amz-retry-after` (at most 5 s more) | 500, a retry costs 14 (5 after throttling), a success gives back |
//! | `legacy` | 3 | 500/502/503/504/509, 429, the five legacy throttling codes, transport failures | `rand × 2ⁿ⁻¹` s, uncapped | none |
//! | `adaptive` | 3 | as `standard` | as `standard` | as `standard`, plus a client-side [`RateLimiter`] that paces sends once the service throttles |
//!
//! `rand` is uniform in `[0, 1)` ("full jitter") and is drawn from the caller's seed. The
//! default of 3 attempts is the AWS CLI v2's for every mode (botocore alone gives `legacy` 5).
//! A client error other than throttling (any other 4xx) is never retried.

mod adaptive;
mod quota;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

pub use adaptive::RateLimiter;
pub use quota::{
    RetryQuota, INITIAL_RETRY_QUOTA, NO_RETRY_INCREMENT, RETRY_COST, THROTTLING_RETRY_COST,
};

use crate::base::rng::Rng;
use crate::call::CallError;
use crate::error::ServiceError;

/// The default number of attempts (the first one included): 3, the AWS CLI v2's default.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// The longest standard-mode backoff: 20 s.
pub const MAX_BACKOFF: Duration = Duration::from_secs(20);
/// `x-amz-retry-after`: milliseconds the service asks the client to wait.
pub const RETRY_AFTER_HEADER: &str = "x-amz-retry-after";

/// `retry_mode` / `AWS_RETRY_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RetryMode {
    /// The AWS SDKs' standard mode (the AWS CLI v2's default).
    #[default]
    Standard,
    /// botocore's original mode.
    Legacy,
    /// Standard, plus client-side rate limiting once the service throttles.
    Adaptive,
}

impl RetryMode {
    /// The setting's value: `standard`, `legacy` or `adaptive`.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryMode::Standard => "standard",
            RetryMode::Legacy => "legacy",
            RetryMode::Adaptive => "adaptive",
        }
    }
}

impl fmt::Display for RetryMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `retry_mode` value that is none of `standard`, `legacy`, `adaptive`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid retry mode {0:?}: valid values are standard, legacy, adaptive")]
#[non_exhaustive]
pub struct InvalidRetryMode(pub String);

impl FromStr for RetryMode {
    type Err = InvalidRetryMode;

    /// Case-sensitive, as botocore.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "standard" => Ok(RetryMode::Standard),
            "legacy" => Ok(RetryMode::Legacy),
            "adaptive" => Ok(RetryMode::Adaptive),
            other => Err(InvalidRetryMode(other.to_owned())),
        }
    }
}

/// The retry settings of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// The mode.
    pub mode: RetryMode,
    /// Attempts per call, the first included (at least 1).
    pub max_attempts: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            mode: RetryMode::Standard,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

impl RetryConfig {
    /// `mode` with `max_attempts` attempts (0 counts as 1).
    pub fn new(mode: RetryMode, max_attempts: u32) -> Self {
        RetryConfig {
            mode,
            max_attempts: max_attempts.max(1),
        }
    }
}

/// How a failed attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureClass {
    /// The service throttled: a throttling code, or an unmodelled 429.
    Throttling,
    /// A fault that may go away: 5xx, a transient code, a timeout, a refused or dropped
    /// connection.
    Transient,
    /// Anything else: retrying would give the same answer.
    Permanent,
}

pub use crate::error::{THROTTLING_CODES, TRANSIENT_CODES};
use crate::formats::error::LEGACY_THROTTLING_CODES;

/// Classifies a failed call the way the standard mode does: throttling codes and unmodelled
/// 429s are [`Throttling`](FailureClass::Throttling); 500/502/503/504, the transient codes
/// and transient transport failures ([`TransportErrorKind::is_transient`]) are
/// [`Transient`](FailureClass::Transient); everything else, a malformed success included, is
/// [`Permanent`](FailureClass::Permanent).
///
/// [`TransportErrorKind::is_transient`]: crate::transport::TransportErrorKind::is_transient
pub fn classify(error: &CallError) -> FailureClass {
    match error {
        CallError::Service { error, .. } => classify_service(error),
        CallError::Transport { error, .. } if error.kind().is_transient() => {
            FailureClass::Transient
        }
        _ => FailureClass::Permanent,
    }
}

fn classify_service(error: &ServiceError) -> FailureClass {
    let code = error.name();
    let status = error.status();
    if THROTTLING_CODES.contains(&code) || (status == 429 && error.code().is_none()) {
        FailureClass::Throttling
    } else if TRANSIENT_CODES.contains(&code) || matches!(status, 500 | 502 | 503 | 504) {
        FailureClass::Transient
    } else {
        FailureClass::Permanent
    }
}

/// The legacy mode's classification (botocore's `_retry.json`).
fn classify_legacy(error: &CallError) -> FailureClass {
    match error {
        CallError::Service { error, .. } => {
            let status = error.status();
            if status == 429 || (status == 400 && LEGACY_THROTTLING_CODES.contains(&error.name())) {
                FailureClass::Throttling
            } else if matches!(status, 500 | 502 | 503 | 504 | 509) {
                FailureClass::Transient
            } else {
                FailureClass::Permanent
            }
        }
        CallError::Transport { error, .. } if error.kind().is_transient() => {
            FailureClass::Transient
        }
        _ => FailureClass::Permanent,
    }
}

/// A client's retry policy: its [`RetryConfig`], its [`RetryQuota`] and, in adaptive mode,
/// its [`RateLimiter`]. Clones share the quota and the limiter.
#[derive(Debug, Clone, Default)]
pub struct RetryPolicy {
    config: RetryConfig,
    quota: RetryQuota,
    limiter: Option<RateLimiter>,
}

impl RetryPolicy {
    /// A policy with a fresh quota (and limiter, in adaptive mode).
    pub fn new(config: RetryConfig) -> Self {
        RetryPolicy {
            config,
            quota: RetryQuota::default(),
            limiter: (config.mode == RetryMode::Adaptive).then(RateLimiter::new),
        }
    }

    /// A policy that never retries (one attempt per call).
    pub fn none() -> Self {
        Self::new(RetryConfig::new(RetryMode::Standard, 1))
    }

    /// The settings.
    pub fn config(&self) -> RetryConfig {
        self.config
    }

    /// The shared quota.
    pub fn quota(&self) -> &RetryQuota {
        &self.quota
    }

    /// The rate limiter (adaptive mode only).
    pub fn limiter(&self) -> Option<&RateLimiter> {
        self.limiter.as_ref()
    }

    /// The retry state of one new call.
    pub fn start_call(&self) -> CallRetry {
        CallRetry {
            policy: self.clone(),
            attempts: 1,
            acquired: None,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Send the call again after this long.
    RetryAfter(Duration),
    /// Stop: the failure is final.
    Stop(StopReason),
}

/// Why the retry policy said stop after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The failure is not worth retrying.
    NotRetryable,
    /// The call had all its attempts.
    MaxAttempts,
    /// The client's retry quota is spent.
    QuotaExhausted,
}

/// The retry state of one call: which attempt it is on, and what it took from the quota.
#[derive(Debug, Clone)]
pub struct CallRetry {
    policy: RetryPolicy,
    attempts: u32,
    acquired: Option<u32>,
}

impl CallRetry {
    /// The attempt in progress (1 for the first).
    pub fn attempt(&self) -> u32 {
        self.attempts
    }

    /// The policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Records a failed attempt and decides. `retry_after` is the response's
    /// `x-amz-retry-after` (see [`retry_after`]); `rng` draws the jitter.
    pub(crate) fn after_failure(
        &mut self,
        error: &CallError,
        retry_after: Option<Duration>,
        rng: &mut Rng,
    ) -> Decision {
        let mode = self.policy.config.mode;
        let class = match mode {
            RetryMode::Legacy => classify_legacy(error),
            RetryMode::Standard | RetryMode::Adaptive => classify(error),
        };
        if class == FailureClass::Permanent {
            return Decision::Stop(StopReason::NotRetryable);
        }
        if self.attempts >= self.policy.config.max_attempts {
            return Decision::Stop(StopReason::MaxAttempts);
        }
        if mode != RetryMode::Legacy {
            let cost = match class {
                FailureClass::Throttling => THROTTLING_RETRY_COST,
                _ => RETRY_COST,
            };
            if !self.policy.quota.acquire(cost) {
                return Decision::Stop(StopReason::QuotaExhausted);
            }
            self.acquired = Some(cost);
        }
        let delay = backoff(mode, class, self.attempts, retry_after, rng.unit());
        self.attempts += 1;
        Decision::RetryAfter(delay)
    }

    /// Records a successful answer (any 2xx): gives quota back.
    pub(crate) fn after_success(&mut self) {
        if self.policy.config.mode == RetryMode::Legacy {
            return;
        }
        self.policy
            .quota
            .release(self.acquired.take().unwrap_or(NO_RETRY_INCREMENT));
    }
}

/// The wait before the retry that follows failed attempt number `attempt` (1-based), with
/// `random` uniform in `[0, 1)`.
pub fn backoff(
    mode: RetryMode,
    class: FailureClass,
    attempt: u32,
    retry_after: Option<Duration>,
    random: f64,
) -> Duration {
    let random = if random.is_finite() {
        random.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let exponent = attempt.saturating_sub(1).min(62) as i32;
    match mode {
        RetryMode::Legacy => {
            let secs = random * 2f64.powi(exponent);
            Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
        }
        RetryMode::Standard | RetryMode::Adaptive => {
            let scale = match class {
                FailureClass::Throttling => 1.0,
                _ => 0.05,
            };
            let capped = (scale * 2f64.powi(exponent)).min(MAX_BACKOFF.as_secs_f64());
            let t = Duration::from_secs_f64(random * capped);
            match retry_after {
                Some(asked) => t.max(asked.min(t + Duration::from_secs(5))),
                None => t,
            }
        }
    }
}

/// The `x-amz-retry-after` of a response: milliseconds, a non-negative integer; anything else
/// is ignored.
pub fn retry_after<B>(response: &http::Response<B>) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER_HEADER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorCode, ErrorMeta};
    use crate::transport::{TransportError, TransportErrorKind};

    fn service(code: ErrorCode) -> CallError {
        CallError::Service {
            operation: "CreateToken",
            error: ServiceError::from_code(code, "x"),
            max_retries_reached: None,
        }
    }

    fn unknown(status: u16, code: &str) -> CallError {
        CallError::Service {
            operation: "CreateToken",
            error: ServiceError::Unknown {
                meta: ErrorMeta {
                    status,
                    ..ErrorMeta::default()
                },
                code: code.to_owned(),
                message: None,
            },
            max_retries_reached: None,
        }
    }

    fn transport(kind: TransportErrorKind) -> CallError {
        CallError::transport("RegisterClient", TransportError::new(kind, "x"))
    }

    #[test]
    fn classification_follows_the_standard_mode() {
        use FailureClass::*;
        assert_eq!(classify(&service(ErrorCode::InternalServer)), Transient);
        assert_eq!(classify(&unknown(503, "503")), Transient);
        assert_eq!(classify(&unknown(400, "RequestTimeout")), Transient);
        assert_eq!(classify(&unknown(400, "ThrottlingException")), Throttling);
        assert_eq!(classify(&unknown(429, "429")), Throttling);
        assert_eq!(classify(&service(ErrorCode::SlowDown)), Permanent);
        assert_eq!(
            classify(&service(ErrorCode::AuthorizationPending)),
            Permanent
        );
        assert_eq!(classify(&service(ErrorCode::InvalidClient)), Permanent);
        assert_eq!(classify(&unknown(404, "404")), Permanent);
        for kind in [
            TransportErrorKind::Timeout,
            TransportErrorKind::Connect,
            TransportErrorKind::ConnectionClosed,
        ] {
            assert_eq!(classify(&transport(kind)), Transient, "{kind:?}");
        }
        for kind in [
            TransportErrorKind::Tls,
            TransportErrorKind::Proxy,
            TransportErrorKind::BodyTooLarge,
            TransportErrorKind::Other,
        ] {
            assert_eq!(classify(&transport(kind)), Permanent, "{kind:?}");
        }
    }

    #[test]
    fn legacy_has_its_own_lists() {
        use FailureClass::*;
        assert_eq!(classify_legacy(&unknown(509, "509")), Transient);
        assert_eq!(classify(&unknown(509, "509")), Permanent);
        assert_eq!(
            classify_legacy(&unknown(400, "TooManyRequestsException")),
            Permanent
        );
        assert_eq!(
            classify_legacy(&unknown(400, "ThrottlingException")),
            Throttling
        );
    }

    #[test]
    fn standard_backoff_is_full_jitter_capped_at_20_s() {
        let t = |class, attempt, r| backoff(RetryMode::Standard, class, attempt, None, r);
        assert_eq!(
            t(FailureClass::Transient, 1, 0.999_999),
            Duration::from_secs_f64(0.05 * 0.999_999)
        );
        assert_eq!(
            t(FailureClass::Throttling, 1, 0.5),
            Duration::from_millis(500)
        );
        assert_eq!(t(FailureClass::Throttling, 3, 0.5), Duration::from_secs(2));
        assert_eq!(
            t(FailureClass::Throttling, 10, 0.5),
            Duration::from_secs(10),
            "capped at 20"
        );
        assert_eq!(t(FailureClass::Throttling, u32::MAX, 1.0), MAX_BACKOFF);
        assert_eq!(t(FailureClass::Transient, 2, 0.0), Duration::ZERO);
        assert_eq!(t(FailureClass::Transient, 2, f64::NAN), Duration::ZERO);
    }

    #[test]
    fn retry_after_raises_the_wait_by_at_most_five_seconds() {
        let b = |asked| {
            backoff(
                RetryMode::Standard,
                FailureClass::Transient,
                1,
                Some(asked),
                0.0,
            )
        };
        assert_eq!(b(Duration::from_secs(2)), Duration::from_secs(2));
        assert_eq!(b(Duration::from_secs(60)), Duration::from_secs(5));
        let response = http::Response::builder()
            .header(RETRY_AFTER_HEADER, "1500")
            .body(())
            .unwrap();
        assert_eq!(retry_after(&response), Some(Duration::from_millis(1500)));
        let bad = http::Response::builder()
            .header(RETRY_AFTER_HEADER, "-1")
            .body(())
            .unwrap();
        assert_eq!(retry_after(&bad), None);
    }

    #[test]
    fn legacy_backoff_doubles_without_a_cap() {
        let b = |attempt| {
            backoff(
                RetryMode::Legacy,
                FailureClass::Transient,
                attempt,
                None,
                0.5,
            )
        };
        assert_eq!(b(1), Duration::from_millis(500));
        assert_eq!(b(2), Duration::from_secs(1));
        assert_eq!(b(6), Duration::from_secs(16));
        assert_eq!(b(40), Duration::from_secs(1 << 38));
        let _ = b(u32::MAX);
    }

    #[test]
    fn attempts_and_quota_bound_the_retries() {
        let policy = RetryPolicy::new(RetryConfig::default());
        let mut rng = Rng::new(1);
        let mut call = policy.start_call();
        let e = service(ErrorCode::InternalServer);
        assert!(matches!(
            call.after_failure(&e, None, &mut rng),
            Decision::RetryAfter(_)
        ));
        assert!(matches!(
            call.after_failure(&e, None, &mut rng),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            call.after_failure(&e, None, &mut rng),
            Decision::Stop(StopReason::MaxAttempts)
        );
        assert_eq!(
            policy.quota().available(),
            INITIAL_RETRY_QUOTA - 2 * RETRY_COST
        );
        call.after_success();
        assert_eq!(policy.quota().available(), INITIAL_RETRY_QUOTA - RETRY_COST);
        let mut fresh = policy.start_call();
        assert_eq!(
            fresh.after_failure(&service(ErrorCode::InvalidGrant), None, &mut rng),
            Decision::Stop(StopReason::NotRetryable)
        );
        // Drain the quota: the next retryable failure stops at once.
        while policy.quota().acquire(1) {}
        let mut starved = policy.start_call();
        assert_eq!(
            starved.after_failure(&e, None, &mut rng),
            Decision::Stop(StopReason::QuotaExhausted)
        );
    }

    #[test]
    fn legacy_uses_no_quota_and_modes_parse() {
        let policy = RetryPolicy::new(RetryConfig::new(RetryMode::Legacy, 5));
        let mut rng = Rng::new(1);
        let mut call = policy.start_call();
        for _ in 0..4 {
            assert!(matches!(
                call.after_failure(&transport(TransportErrorKind::Connect), None, &mut rng),
                Decision::RetryAfter(_)
            ));
        }
        assert_eq!(policy.quota().available(), INITIAL_RETRY_QUOTA);
        assert_eq!("adaptive".parse(), Ok(RetryMode::Adaptive));
        assert!("Standard".parse::<RetryMode>().is_err());
        assert_eq!(RetryConfig::new(RetryMode::Standard, 0).max_attempts, 1);
        assert!(RetryPolicy::new(RetryConfig::new(RetryMode::Adaptive, 3))
            .limiter()
            .is_some());
    }
}
