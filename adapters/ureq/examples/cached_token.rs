//! Print a valid access token for a profile, the way a credential helper would: read from the
//! AWS CLI's cache, refreshed when it is inside the refresh window.
//!
//! ```sh
//! # in a clone of the repository:
//! cargo run -p ssooidc-ureq --example cached_token -- dev
//! # in a crate of your own whose only dependency is `ssooidc-ureq`, with this file as src/main.rs:
//! cargo run -- dev
//! ```

use ssooidc_ureq::session::{SessionSelector, Sessions, TokenSource};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let profile = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "default".to_owned());
    let sessions = Sessions::from_env()?;
    let got = sessions.token(SessionSelector::Profile(profile))?;
    for warning in &got.warnings {
        eprintln!("warning: {warning}");
    }
    if got.source == TokenSource::Refreshed {
        eprintln!("(refreshed and written back to {})", got.path.display());
    }
    println!("{}", got.token.access_token.expose());
    Ok(())
}
