//! [`device_login`]: runs the core's device-authorization machine ([`DeviceFlow`]) over a
//! [`Client`]. It only moves bytes and sleeps; every protocol decision (intervals, `slow_down`,
//! retries, the deadline) is the machine's.
//!
//! # Cancellation
//!
//! Dropping the future of [`device_login`] cancels the login at once, wherever it is (during a
//! request or a wait); nothing is left running, because the driver spawns nothing. When the
//! future cannot easily be dropped (it was spawned, or a Ctrl-C handler lives elsewhere), put a
//! [`CancelToken`](ssooidc_core::CancelToken) in [`LoginOptions::cancel`] and call `cancel()`
//! from anywhere: the login ends with [`LoginError::Cancelled`] at once, even in the middle of a
//! wait or a request. The token needs no runtime.

use ssooidc_core::device::{DeviceFlow, DeviceFlowInput, Event, Token};

pub use ssooidc_core::login::{LoginError, LoginOptions};

use crate::client::{random_seed, Client};
use crate::driver::drive;
use crate::transport::{HttpSend, Timer};

/// Runs a whole device login over `client`: registers (unless `input` carries a reusable
/// registration), starts the authorization, polls. `on_event` receives every [`Event`]:
/// [`Event::Registered`] (cache it) and [`Event::Prompt`] (show the user code and the URL).
/// Returns the token, or why there is none.
///
/// Works on any runtime: the only waiting is the client's timer and transport futures. Cancel
/// by dropping the future, or with [`LoginOptions::cancel`] (see the [module docs](self)).
///
/// ```no_run
/// # #[cfg(all(feature = "reqwest", feature = "tokio"))]
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use ssooidc_async::{device_login, Client, DeviceFlowInput, Event, LoginOptions, TokioTimer};
/// use ssooidc_async::core::endpoint::{resolve, EndpointParams};
///
/// let endpoint = resolve(&EndpointParams::region("us-east-1"))?;
/// let client = Client::new(ssooidc_async::reqwest_client_builder().build()?, TokioTimer, endpoint.clone());
/// let input = DeviceFlowInput::new(endpoint, "https://d-1234567890.awsapps.com/start", "my-tool");
/// let token = device_login(&client, input, LoginOptions::default(), |event| {
///     if let Event::Prompt(p) = event {
///         println!("Open {} and enter {}", p.verification_uri, p.user_code);
///     }
/// })
/// .await?;
/// # let _ = token;
/// # Ok(())
/// # }
/// ```
pub async fn device_login<T: HttpSend, R: Timer>(
    client: &Client<T, R>,
    input: DeviceFlowInput,
    options: LoginOptions,
    on_event: impl FnMut(&Event),
) -> Result<Token, LoginError> {
    let seed = options.seed.unwrap_or_else(random_seed);
    let mut flow = DeviceFlow::new(input, options.flow, client.timer().now_utc(), seed);
    drive(client, None, &mut flow, Some(&options.cancel), on_event)
        .await?
        .map_err(LoginError::Flow)
}
