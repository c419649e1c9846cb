//! [`CancelToken`]: stops a running login from anywhere (another thread, a signal handler, a UI
//! button), for any driver: a waiting driver is woken through the [`Waker`]s it registered,
//! whether it is an async task or a thread parked by the blocking adapter.

use std::sync::{Arc, Mutex, PoisonError};
use std::task::Waker;

/// Cancels a running login. Clones share the flag. Needs no runtime.
///
/// ```
/// use ssooidc_core::CancelToken;
/// let token = CancelToken::new();
/// let handle = token.clone();
/// assert!(!token.is_cancelled());
/// handle.cancel();
/// assert!(token.is_cancelled());
/// ```
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    cancelled: bool,
    wakers: Vec<Waker>,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels, and wakes every waiter registered with [`register`](Self::register).
    pub fn cancel(&self) {
        let wakers = {
            let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            state.cancelled = true;
            std::mem::take(&mut state.wakers)
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .cancelled
    }

    /// Remembers `waker` to wake on cancellation; `true` when already cancelled (then nothing is
    /// remembered). A waker that will wake the same task as one already registered replaces
    /// nothing and is not added twice.
    pub fn register(&self, waker: &Waker) -> bool {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if state.cancelled {
            return true;
        }
        if !state.wakers.iter().any(|w| w.will_wake(waker)) {
            state.wakers.push(waker.clone());
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn cancelling_wakes_each_registered_waiter_once() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let token = CancelToken::new();
        assert!(!token.register(&waker));
        assert!(!token.register(&waker), "not added twice");
        token.clone().cancel();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(token.register(&waker), "already cancelled");
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }
}
