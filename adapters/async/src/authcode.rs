//! [`authorization_code_login`]: the browser login (authorization code with PKCE) over a
//! [`Client`] and a [`CallbackListener`]: it draws the login's secrets from the operating
//! system and runs the core's [`AuthCodeFlow`] through the one driver loop, which takes the
//! listener's requests while the flow waits for the browser. Every protocol decision (the URL,
//! the state check, the deadline, retries) is the machine's.
//!
//! # Cancellation
//!
//! As for [`device_login`](crate::device_login): drop the future, or cancel the
//! [`LoginOptions::cancel`] token from anywhere; the wait for the browser ends at once.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

use ssooidc_core::authcode::{AuthCodeFlow, AuthCodeInput, LoginSecrets, RANDOM_BYTES};
use ssooidc_core::device::{Event, Token};
use ssooidc_core::login::{LoginError, LoginOptions};
use ssooidc_core::machine::DriveError;

use crate::callback::CallbackListener;
use crate::client::{random_seed, Client};
use crate::driver::{drive_with, Waiter, Woke};
use crate::transport::{HttpSend, Timer};

/// Runs a whole browser login over `client` and `listener` (bound on `127.0.0.1`; a listener
/// that cannot be bound is [`LoginError::listener`]): registers a PKCE client (unless `input`
/// carries a reusable PKCE registration), then hands `on_event` an [`Event::Authorize`] with
/// the URL to open in a browser, and waits for the browser to come back to the listener (at
/// most [`AuthCodeConfig::callback_timeout`](ssooidc_core::authcode::AuthCodeConfig), from
/// [`LoginOptions::auth_code`]) before exchanging the code. [`Event::Registered`] carries a new
/// registration to cache. The listener is dropped (closed) when this returns.
///
/// ```no_run
/// # #[cfg(all(feature = "reqwest", feature = "tokio"))]
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use ssooidc_async::{authorization_code_login, Client, Event, LoginError, LoginOptions, TokioCallbackListener, TokioTimer};
/// use ssooidc_async::core::authcode::AuthCodeInput;
/// use ssooidc_async::core::endpoint::{resolve, EndpointParams};
///
/// let endpoint = resolve(&EndpointParams::region("us-east-1"))?;
/// let client = Client::new(ssooidc_async::reqwest_client_builder().build()?, TokioTimer, endpoint.clone());
/// let listener = TokioCallbackListener::bind().await.map_err(|e| LoginError::listener(&e))?;
/// let input = AuthCodeInput::new(endpoint, "https://d-1234567890.awsapps.com/start", "my-tool");
/// let token = authorization_code_login(&client, listener, input, LoginOptions::default(), |event| {
///     if let Event::Authorize(request) = event {
///         println!("Open {} in a browser on this machine", request.url);
///     }
/// })
/// .await?;
/// # let _ = token;
/// # Ok(())
/// # }
/// ```
pub async fn authorization_code_login<T: HttpSend, R: Timer, L: CallbackListener>(
    client: &Client<T, R>,
    mut listener: L,
    input: AuthCodeInput,
    options: LoginOptions,
    on_event: impl FnMut(&Event),
) -> Result<Token, LoginError> {
    // Two pairs of secrets: the second for a new authorization, should the service reject
    // the cached registration and the flow start over.
    let mut random = [0u8; RANDOM_BYTES];
    let mut spare = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut random).map_err(|e| LoginError::Random(e.to_string()))?;
    getrandom::fill(&mut spare).map_err(|e| LoginError::Random(e.to_string()))?;
    let seed = options.seed.unwrap_or_else(random_seed);
    let timer = client.timer();
    let mut flow = AuthCodeFlow::new(
        input,
        options.auth_code,
        listener.port(),
        LoginSecrets::generate(&random),
        timer.now(),
        timer.now_utc(),
        seed,
    )
    .with_spare_secrets(LoginSecrets::generate(&spare));
    let mut waiter = TakeCallbacks(&mut listener);
    let result = drive_with(
        client,
        None,
        &mut flow,
        Some(&options.cancel),
        &mut waiter,
        &mut crate::driver::Told(on_event),
    )
    .await;
    drop(listener);
    result?.map_err(LoginError::AuthCode)
}

/// The browser login's wait: the listener's next request or the time, whichever comes first.
struct TakeCallbacks<'a, L>(&'a mut L);

impl<L: CallbackListener, R: Timer> Waiter<AuthCodeFlow, R> for TakeCallbacks<'_, L> {
    async fn wait(
        &mut self,
        flow: &mut AuthCodeFlow,
        timer: &R,
        at: Instant,
    ) -> Result<Woke, DriveError> {
        let request = {
            let mut sleep = pin!(timer.sleep_until(at));
            let mut next = pin!(self.0.next_request());
            poll_fn(|cx| {
                if let Poll::Ready(request) = next.as_mut().poll(cx) {
                    return Poll::Ready(Some(request));
                }
                sleep.as_mut().poll(cx).map(|()| None)
            })
            .await
        };
        let Some(request) = request else {
            return Ok(Woke::Time);
        };
        let reply = flow.handle_callback(timer.now(), request.target())?;
        request.respond(reply.http_response());
        Ok(Woke::Input)
    }
}
