//! Who `AWS_PROFILE`'s SSO role is, logging in when needed: `cargo run --example whoami`
use aws_config::identity::IdentityCache;
use aws_smithy_http_client::{tls::rustls_provider::CryptoMode, tls::Provider, Builder};
use ssooidc_aws_sdk::{SsoProvider, LOGIN_WAIT};

#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let provider = SsoProvider::builder().login(|p| eprintln!("{p}")).build();
    let tls = Provider::Rustls(CryptoMode::Ring);
    let config = aws_config::from_env()
        .credentials_provider(provider)
        .identity_cache(IdentityCache::lazy().load_timeout(LOGIN_WAIT).build())
        .http_client(Builder::new().tls_provider(tls).build_https())
        .load()
        .await;
    let sts = aws_sdk_sts::Client::new(&config);
    let me = sts.get_caller_identity().send().await?;
    println!("{}", me.arn().unwrap_or_default());
    Ok(())
}
