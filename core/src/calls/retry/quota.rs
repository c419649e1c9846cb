//! The retry quota of the standard and adaptive modes: a bucket of capacity shared by every
//! call of one client. A retry takes capacity; a success gives some back. When the service is
//! failing hard, the bucket runs dry and calls stop retrying, so that a client does not
//! multiply the load on a struggling service.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// The capacity a new quota starts with (botocore's `INITIAL_CAPACITY`).
pub const INITIAL_RETRY_QUOTA: u32 = 500;
/// What a retry after a non-throttling failure costs (botocore 1.44: 14).
pub const RETRY_COST: u32 = 14;
/// What a retry after a throttling error costs (botocore 1.44: 5).
pub const THROTTLING_RETRY_COST: u32 = 5;
/// What a success at the first attempt gives back.
pub const NO_RETRY_INCREMENT: u32 = 1;

/// A shared retry quota. Cloning it shares the bucket (it is a handle), so a client and its
/// clones draw from one quota, as one botocore client does.
///
/// ```
/// use ssooidc_core::retry::RetryQuota;
/// let quota = RetryQuota::new(20);
/// assert_eq!(quota.acquire(14), true);
/// assert_eq!(quota.acquire(14), false, "only 6 left");
/// quota.release(14);
/// assert_eq!(quota.available(), 20);
/// ```
#[derive(Debug, Clone)]
pub struct RetryQuota {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    max: u32,
    available: AtomicU32,
}

impl Default for RetryQuota {
    fn default() -> Self {
        Self::new(INITIAL_RETRY_QUOTA)
    }
}

impl RetryQuota {
    /// A full quota of `capacity`.
    pub fn new(capacity: u32) -> Self {
        RetryQuota {
            inner: Arc::new(Inner {
                max: capacity,
                available: AtomicU32::new(capacity),
            }),
        }
    }

    /// Takes `amount` if that much is left; `false` (and nothing taken) otherwise.
    pub fn acquire(&self, amount: u32) -> bool {
        self.inner
            .available
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(amount)
            })
            .is_ok()
    }

    /// Gives `amount` back, never above the capacity.
    pub fn release(&self, amount: u32) {
        let max = self.inner.max;
        let _ = self
            .inner
            .available
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                Some(left.saturating_add(amount).min(max))
            });
    }

    /// What is left.
    pub fn available(&self) -> u32 {
        self.inner.available.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_dry_and_refills_to_the_cap() {
        let q = RetryQuota::default();
        let mut retries = 0;
        while q.acquire(RETRY_COST) {
            retries += 1;
        }
        assert_eq!(retries, INITIAL_RETRY_QUOTA / RETRY_COST);
        assert_eq!(q.available(), INITIAL_RETRY_QUOTA % RETRY_COST);
        // 10 left: throttling retries, which cost less, still get two.
        assert!(q.acquire(THROTTLING_RETRY_COST));
        assert!(q.acquire(THROTTLING_RETRY_COST));
        assert!(!q.acquire(THROTTLING_RETRY_COST));
        q.release(u32::MAX);
        assert_eq!(q.available(), INITIAL_RETRY_QUOTA);
    }

    #[test]
    fn clones_share_one_bucket() {
        let a = RetryQuota::new(10);
        let b = a.clone();
        assert!(a.acquire(10));
        assert!(!b.acquire(1));
        b.release(3);
        assert_eq!(a.available(), 3);
    }
}
