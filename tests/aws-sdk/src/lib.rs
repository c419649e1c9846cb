//! What the tests of `ssooidc-aws-sdk` share: an AWS SDK for Rust configuration pointed at the
//! emulator (plain HTTP on 127.0.0.1, region `us-east-1`), the signed call they make with it
//! (STS `GetCallerIdentity`, which the emulator checks against the role credentials its portal
//! issued), and the provider set up for a test's HOME.
#![forbid(unsafe_code)]

use std::collections::HashMap;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use ssooidc_aws_sdk::{LoginPrompt, SsoProvider, SsoProviderBuilder};
use ssooidc_core::cache::CachedToken;
use ssooidc_emulator::{RunningEmulator, Target};
use ssooidc_tests::{Home, MY_SSO_TOKEN_KEY};
use ssooidc_ureq::session::SessionSelector;
use time::OffsetDateTime;

/// The account and role of the tests' `dev` profile (`ssooidc_tests::standard_config`).
pub const ACCOUNT: &str = "111122223333";
/// The role of the `dev` profile.
pub const ROLE: &str = "ReadOnly";

/// An SDK configuration as a program makes it with `aws_config::from_env()`, with
/// `credentials` as its credentials provider, every service at `endpoint` over plain HTTP.
pub async fn sdk_config(
    endpoint: &str,
    credentials: impl ProvideCredentials + 'static,
) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(credentials)
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .load()
        .await
}

/// STS `GetCallerIdentity` with `config`: a call the emulator accepts only when it is signed
/// with role credentials its portal issued and that have not expired.
pub async fn caller_identity(
    config: &SdkConfig,
) -> Result<GetCallerIdentityOutput, aws_sdk_sts::Error> {
    Ok(aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await?)
}

/// A provider builder reading `env` (a test HOME's environment), for profile `dev`, logging in
/// with the device code at the tests' pace when given a callback.
pub fn provider(env: &HashMap<String, String>) -> SsoProviderBuilder {
    SsoProvider::builder()
        .env(env.clone())
        .profile_name("dev")
        .login_options(ssooidc_tests::login_options())
}

/// The one line a prompt is printed as by the probe.
pub fn prompt_line(prompt: &LoginPrompt) -> String {
    format!("prompt={}", prompt.url())
}

/// A home with the standard config (`ssooidc_tests::standard_config`), logged in by the
/// blocking adapter with the device code, the login's requests forgotten.
pub fn logged_in(label: &str, emu: &RunningEmulator) -> Home {
    let home = Home::with_standard_config(label, emu);
    home.sessions()
        .login(
            SessionSelector::Profile("dev".into()),
            ssooidc_tests::login_options(),
            |_| {},
        )
        .expect("login");
    emu.clear_requests();
    home
}

/// The cached token of the `dev` profile's session.
pub fn read_token(home: &Home) -> CachedToken {
    let bytes = std::fs::read(home.cache_file(MY_SSO_TOKEN_KEY)).expect("token file");
    CachedToken::from_json(&bytes).expect("token")
}

/// Sets the cached token to expire `from_now` from now.
pub fn expire_in(home: &Home, from_now: time::Duration) {
    let mut token = read_token(home);
    token.expires_at = (OffsetDateTime::now_utc() + from_now).into();
    std::fs::write(home.cache_file(MY_SSO_TOKEN_KEY), token.to_json()).expect("write token");
}

/// How many requests the emulator saw for `target`.
pub fn count(emu: &RunningEmulator, target: Target) -> usize {
    ssooidc_tests::requests_to(emu, target).len()
}
