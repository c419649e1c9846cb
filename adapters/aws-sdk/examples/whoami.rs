//! Who am I, with the SSO role of `AWS_PROFILE` (or `default`); logs in when the session needs
//! it, the prompt on stderr. `AWS_PROFILE=dev cargo run -p ssooidc-aws-sdk --example whoami`
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use ssooidc_aws_sdk::SsoProvider;

/// Prints the caller's ARN.
#[tokio::main]
pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let provider = SsoProvider::builder().login(|p| eprintln!("{p}")).build();
    let https =
        aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring));
    let config = aws_config::from_env()
        .credentials_provider(provider)
        .http_client(https.build_https())
        .load()
        .await;
    let me = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await?;
    println!("{}", me.arn().unwrap_or_default());
    Ok(())
}
