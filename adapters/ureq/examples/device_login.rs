//! A device login with the blocking client, printing what the user must do.
//!
//! In a clone of the repository (in a crate of your own whose only dependency is `ssooidc-ureq`,
//! with this file as its `src/main.rs`: `cargo run -- ARGS`, and `cargo install ssooidc-emulator`
//! for the emulator):
//!
//! ```sh
//! # against the local emulator (approves after 2 polls):
//! cargo run -p ssooidc-emulator -- --port 4599 --approve-after-polls 2 &
//! cargo run -p ssooidc-ureq --example device_login -- http://127.0.0.1:4599 https://d-1234567890.awsapps.com/start
//! # against AWS:
//! cargo run -p ssooidc-ureq --example device_login -- us-east-1 https://d-1234567890.awsapps.com/start
//! ```

use ssooidc_ureq::device::{device_login, LoginOptions};
use ssooidc_ureq::{Client, Config, DeviceFlowInput, Event};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(region_or_url), Some(start_url)) = (args.next(), args.next()) else {
        eprintln!("usage: device_login REGION|ENDPOINT_URL START_URL");
        std::process::exit(2);
    };
    let config = if region_or_url.contains("://") {
        Config::new("us-east-1").endpoint_url(region_or_url)
    } else {
        Config::new(region_or_url)
    };
    let client = Client::new(config)?;
    let input = DeviceFlowInput::new(client.endpoint().clone(), start_url, "ssooidc-example")
        .scopes(["sso:account:access"]);
    let token = device_login(
        &client,
        input,
        LoginOptions::default(),
        |event| match event {
            Event::Prompt(prompt) => {
                println!(
                    "Open {} and enter {}",
                    prompt.verification_uri, prompt.user_code
                );
                if let Some(url) = &prompt.verification_uri_complete {
                    println!("(or open {url})");
                }
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
