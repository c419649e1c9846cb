//! [`authorization_code_login`]: the browser login (authorization code with PKCE) over a
//! [`Client`]: it binds the loopback listener on `127.0.0.1`, draws the login's secrets from
//! the operating system, and runs the core's [`AuthCodeFlow`] through the one driver loop,
//! which takes the listener's requests while the flow waits for the browser. Every protocol
//! decision (the URL, the state check, the deadline, retries) is the machine's.

use std::time::Instant;

use ssooidc_core::authcode::{AuthCodeFlow, AuthCodeInput, LoginSecrets, RANDOM_BYTES};
use ssooidc_core::device::{Event, Token};
use time::OffsetDateTime;

pub use ssooidc_core::authcode::{AuthCodeConfig, AuthCodeError, AuthorizeRequest};
pub use ssooidc_core::login::{LoginError, LoginOptions};

use crate::callback::CallbackServer;
use crate::client::{random_seed, Client};
use crate::driver::drive_with;

/// Runs a whole browser login over `client`: binds the loopback listener (on `127.0.0.1`, a
/// port the OS picks), registers a PKCE client (unless `input` carries a reusable PKCE
/// registration), then hands `on_event` an [`Event::Authorize`] with the URL to open in a
/// browser, and waits for the browser to come back (at most
/// [`AuthCodeConfig::callback_timeout`], from [`LoginOptions::auth_code`]) before exchanging
/// the code. [`Event::Registered`] carries a new registration to cache.
///
/// A listener that cannot be bound is [`LoginError::Listener`] (the device flow does not need
/// one). [`LoginOptions::cancel`] stops the login at once from another thread, even in the
/// middle of the wait. The listener is closed when this returns.
///
/// ```no_run
/// use ssooidc_ureq::authcode::{authorization_code_login, LoginOptions};
/// use ssooidc_ureq::core::authcode::AuthCodeInput;
/// use ssooidc_ureq::{Client, Config, Event};
///
/// let client = Client::new(Config::new("us-east-1"))?;
/// let input = AuthCodeInput::new(client.endpoint().clone(), "https://d-1234567890.awsapps.com/start", "my-tool");
/// let token = authorization_code_login(&client, input, LoginOptions::default(), |event| {
///     if let Event::Authorize(request) = event {
///         println!("Open {} in a browser on this machine", request.url);
///     }
/// })?;
/// println!("token expires at {}", token.expires_at);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn authorization_code_login(
    client: &Client,
    input: AuthCodeInput,
    options: LoginOptions,
    on_event: impl FnMut(&Event),
) -> Result<Token, LoginError> {
    let mut server = CallbackServer::bind().map_err(|e| LoginError::listener(&e))?;
    // Two pairs of secrets: the second for a new authorization, should the service reject
    // the cached registration and the flow start over.
    let mut random = [0u8; RANDOM_BYTES];
    let mut spare = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut random).map_err(|e| LoginError::Random(e.to_string()))?;
    getrandom::fill(&mut spare).map_err(|e| LoginError::Random(e.to_string()))?;
    let seed = options.seed.unwrap_or_else(random_seed);
    let mut flow = AuthCodeFlow::new(
        input,
        options.auth_code,
        server.port(),
        LoginSecrets::generate(&random),
        Instant::now(),
        OffsetDateTime::now_utc(),
        seed,
    )
    .with_spare_secrets(LoginSecrets::generate(&spare));
    let result = drive_with(
        client,
        None,
        &mut flow,
        Some(&options.cancel),
        &mut server,
        crate::driver::told(on_event),
    );
    drop(server);
    result?.map_err(LoginError::AuthCode)
}
