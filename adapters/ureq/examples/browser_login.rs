//! A browser login (authorization code with PKCE) with the blocking client: the URL to open is
//! printed; the browser must run on this machine, since it comes back to a listener on
//! 127.0.0.1.
//!
//! In a clone of the repository (in a crate of your own whose only dependency is `ssooidc-ureq`,
//! with this file as its `src/main.rs`: `cargo run -- ARGS`, and `cargo install ssooidc-emulator`
//! for the emulator):
//!
//! ```sh
//! # against the local emulator (its /authorize approves at once):
//! cargo run -p ssooidc-emulator -- --port 4599 --approve-after-polls 0 &
//! cargo run -p ssooidc-ureq --example browser_login -- http://127.0.0.1:4599 https://d-1234567890.awsapps.com/start
//! # against AWS:
//! cargo run -p ssooidc-ureq --example browser_login -- us-east-1 https://d-1234567890.awsapps.com/start
//! ```

use ssooidc_ureq::authcode::{authorization_code_login, LoginOptions};
use ssooidc_ureq::{AuthCodeInput, Client, Config, Event};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(region_or_url), Some(start_url)) = (args.next(), args.next()) else {
        eprintln!("usage: browser_login REGION|ENDPOINT_URL START_URL");
        std::process::exit(2);
    };
    let config = if region_or_url.contains("://") {
        Config::new("us-east-1").endpoint_url(region_or_url)
    } else {
        Config::new(region_or_url)
    };
    let client = Client::new(config)?;
    let input = AuthCodeInput::new(client.endpoint().clone(), start_url, "ssooidc-example")
        .scopes(["sso:account:access"]);
    let token =
        authorization_code_login(
            &client,
            input,
            LoginOptions::default(),
            |event| match event {
                Event::Authorize(request) => {
                    println!(
                        "Open this URL in a browser on this machine:\n\n    {}\n",
                        request.url
                    );
                    println!(
                        "(waiting for the browser to come back to {})",
                        request.redirect_uri
                    );
                }
                Event::Registered(registration) => {
                    println!("registered client {}", registration.client_id)
                }
                _ => {}
            },
        )?;
    println!(
        "access token expires at {}; refresh token: {}",
        token.expires_at,
        if token.refresh_token.is_some() {
            "yes"
        } else {
            "no"
        }
    );
    Ok(())
}
