//! [`device_login`]: runs the core's device-authorization machine over a [`Client`]. It only
//! moves bytes and sleeps; every protocol decision (intervals, slow_down, retries, deadline) is
//! the machine's.

use ssooidc_core::device::{DeviceFlow, DeviceFlowInput, Event, Token};
use time::OffsetDateTime;

pub use ssooidc_core::login::{LoginError, LoginOptions};

use crate::client::{random_seed, Client};
use crate::driver::drive;

/// Runs a whole device login over `client`: registers (unless `input` carries a reusable
/// registration), starts the authorization, polls. `on_event` receives every
/// [`Event`]: [`Event::Registered`] (cache it) and [`Event::Prompt`] (show the user code and
/// the URL). Returns the token, or why there is none. [`LoginOptions::cancel`] stops it at
/// once from another thread, even in the middle of a wait.
pub fn device_login(
    client: &Client,
    input: DeviceFlowInput,
    options: LoginOptions,
    on_event: impl FnMut(&Event),
) -> Result<Token, LoginError> {
    let seed = options.seed.unwrap_or_else(random_seed);
    let mut flow = DeviceFlow::new(input, options.flow, OffsetDateTime::now_utc(), seed);
    drive(client, None, &mut flow, Some(&options.cancel), on_event)?.map_err(LoginError::Flow)
}
