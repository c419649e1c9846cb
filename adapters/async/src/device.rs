//! [`device_login`]: runs the core's device-authorization machine
//! ([`DeviceFlow`]) over a [`Client`] and a [`Timer`]. It only moves bytes and sleeps; every
//! protocol decision (intervals, `slow_down`, retries, the deadline) is the machine's.
//!
//! # Cancellation
//!
//! Dropping the future of [`device_login`] cancels the login at once, wherever it is (during a
//! request or a wait); nothing is left running, because the driver spawns nothing. When the
//! future cannot easily be dropped (it was spawned, or a Ctrl-C handler lives elsewhere), put a
//! [`CancelToken`] in [`LoginOptions::cancel`] and call [`CancelToken::cancel`] from anywhere:
//! the login ends with [`LoginError::Cancelled`] at once, even in the middle of a wait or a
//! request. The token needs no runtime.

use std::future::{poll_fn, Future};
use std::hash::{BuildHasher, Hasher};
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use ssooidc_core::device::{
    DeviceFlow, DeviceFlowConfig, DeviceFlowInput, Event, Output, Token, TransportErrorKind,
};
use ssooidc_core::operations::operation_of;

use crate::client::Client;
use crate::error::Error;
use crate::transport::{HttpSend, Timer};

/// Cancels a running [`device_login`] from anywhere (another task, another thread, a signal
/// handler). Runtime-agnostic: cancelling wakes the login's task through its `Waker`.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<Mutex<CancelState>>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: bool,
    wakers: Vec<Waker>,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels, and wakes every login waiting on this token.
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

    /// Ready once cancelled; otherwise remembers the task to wake.
    fn poll_cancelled(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if state.cancelled {
            return Poll::Ready(());
        }
        if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            state.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }

    /// Runs `fut` unless cancelled first.
    async fn guard<F: Future>(&self, fut: F) -> Result<F::Output, LoginError> {
        let mut fut = pin!(fut);
        poll_fn(|cx| {
            if self.poll_cancelled(cx).is_ready() {
                return Poll::Ready(Err(LoginError::Cancelled));
            }
            fut.as_mut().poll(cx).map(Ok)
        })
        .await
    }
}

/// Why [`device_login`] ended without a token (shared by every driver of the core machine).
pub use ssooidc_core::device::LoginError;

/// Options of [`device_login`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LoginOptions {
    /// The machine's policy knobs (retries, interval floor, the `second` testing knob).
    pub flow: DeviceFlowConfig,
    /// A way to cancel besides dropping the future.
    pub cancel: CancelToken,
    /// Seed of the retry jitter; `None` draws one from the OS-seeded hasher of std.
    pub seed: Option<u64>,
}

impl LoginOptions {
    /// Sets [`flow`](Self::flow).
    pub fn flow(mut self, flow: DeviceFlowConfig) -> Self {
        self.flow = flow;
        self
    }

    /// Sets [`cancel`](Self::cancel).
    pub fn cancel(mut self, cancel: CancelToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// Sets [`seed`](Self::seed).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}

/// Runs a whole device login over `client`, sleeping with `timer`: registers (unless `input`
/// carries a reusable registration), starts the authorization, polls. `on_event` receives every
/// [`Event`]: [`Event::Registered`] (cache it) and [`Event::Prompt`] (show the user code and the
/// URL). Returns the token, or why there is none.
///
/// Works on any runtime: the only waiting is `timer.sleep_until` and the transport's futures.
/// Cancel by dropping the future, or with [`LoginOptions::cancel`] (see the
/// [module docs](self)).
///
/// ```no_run
/// # #[cfg(all(feature = "reqwest", feature = "tokio"))]
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use ssooidc_async::{device_login, Client, LoginOptions, TokioTimer};
/// use ssooidc_core::device::{DeviceFlowInput, Event};
/// use ssooidc_core::endpoint::{resolve, EndpointParams};
///
/// let endpoint = resolve(&EndpointParams::region("us-east-1"))?;
/// let client = Client::new(ssooidc_async::reqwest_client_builder().build()?, endpoint.clone());
/// let input = DeviceFlowInput::new(endpoint, "https://d-1234567890.awsapps.com/start", "my-tool");
/// let token = device_login(&client, TokioTimer, input, LoginOptions::default(), |event| {
///     if let Event::Prompt(p) = event {
///         println!("Open {} and enter {}", p.verification_uri, p.user_code);
///     }
/// })
/// .await?;
/// # let _ = token;
/// # Ok(())
/// # }
/// ```
pub async fn device_login<T: HttpSend>(
    client: &Client<T>,
    timer: impl Timer,
    input: DeviceFlowInput,
    options: LoginOptions,
    mut on_event: impl FnMut(&Event),
) -> Result<Token, LoginError> {
    let seed = options.seed.unwrap_or_else(|| {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    });
    let cancel = options.cancel;
    let mut flow = DeviceFlow::new(input, options.flow, timer.now_utc(), seed);
    loop {
        if cancel.is_cancelled() {
            return Err(LoginError::Cancelled);
        }
        match flow.poll_output()? {
            Output::Transmit(request) => {
                let operation = operation_of(&request).unwrap_or("CreateToken");
                let result = cancel.guard(client.send(operation, request)).await?;
                let now = timer.now();
                match result {
                    Ok(response) => flow.handle_response(now, timer.now_utc(), response)?,
                    Err(e) => flow.handle_transport_error(now, flow_transport_kind(&e))?,
                }
            }
            Output::Timeout(at) => {
                cancel.guard(timer.sleep_until(at)).await?;
                flow.handle_timeout(timer.now())?;
            }
            Output::Event(event) => on_event(&event),
            Output::Done(result) => return result.map_err(LoginError::Flow),
        }
    }
}

fn flow_transport_kind(e: &Error) -> TransportErrorKind {
    match e {
        Error::Timeout { .. } => TransportErrorKind::Timeout,
        Error::Transport { kind, .. } => *kind,
        _ => TransportErrorKind::Other,
    }
}
