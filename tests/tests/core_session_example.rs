//! `core/examples/cached_token.rs`, the core's session machine driven with nothing but `std`
//! (what a third adapter would write), against the emulator and the caches the blocking adapter
//! wrote: a cached token is read without a request, one inside the refresh window is refreshed
//! and written back as the adapters write it, and the adapters read that file again.

#[allow(dead_code, unreachable_pub)]
#[path = "../../core/examples/cached_token.rs"]
mod example;

use ssooidc_core::cache::CachedToken;
use ssooidc_core::sessions::TokenSource;
use ssooidc_emulator::Approval;
use ssooidc_tests::*;
use ssooidc_ureq::session::SessionSelector;
use time::OffsetDateTime;

#[test]
fn the_session_example_reads_then_refreshes_the_shared_cache() {
    let emu = start(emulator_config().approval(Approval::ApproveAfterPolls(1)));
    let home = Home::with_standard_config("core-session-example", &emu);
    let dev = || SessionSelector::Profile("dev".to_owned());
    home.sessions()
        .login(dev(), login_options(), |_| {})
        .expect("login");
    emu.clear_requests();

    let got = example::token(home.path(), "dev", emu.base_url()).expect("the cached token");
    assert_eq!(got.source, TokenSource::Cached);
    assert!(emu.requests().is_empty());

    // Inside the refresh window: refreshed, written back, and read by the blocking adapter.
    let path = home.cache_file(MY_SSO_TOKEN_KEY);
    let mut token = CachedToken::from_json(&std::fs::read(&path).unwrap()).unwrap();
    token.expires_at = (OffsetDateTime::now_utc() + time::Duration::minutes(5)).into();
    std::fs::write(&path, token.to_json()).unwrap();
    let got = example::token(home.path(), "dev", emu.base_url()).expect("a refreshed token");
    assert_eq!(got.source, TokenSource::Refreshed);
    assert_ne!(got.token.access_token, token.access_token);
    assert_eq!(token_requests(&emu, "refresh_token").len(), 1);
    let again = home.sessions().token(dev()).expect("the adapter reads it");
    assert_eq!(again.token, got.token);
    assert_eq!(again.source, ssooidc_ureq::session::TokenSource::Cached);
}
