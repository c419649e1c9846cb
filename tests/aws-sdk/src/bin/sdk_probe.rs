//! A separate process for the tests of `ssooidc-aws-sdk`. Every mode reads the process's
//! environment as a program would (`HOME`, `AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`
//! pointing every service at the emulator).
//!
//! ```text
//! sdk_probe provider
//!     aws_config::from_env() with the SsoProvider (login on demand with the device code at
//!     the tests' pace; each prompt printed as `prompt=URL`), then STS GetCallerIdentity;
//!     prints `arn=...` (or `error=...` and exits 2).
//! sdk_probe container CALLS GAP_MS
//!     aws_config::from_env() with the SDK's own default chain (the container-credentials
//!     provider when AWS_CONTAINER_CREDENTIALS_FULL_URI is set) and no identity cache, so that
//!     every call reads the credentials again, as the SDK does when its cache finds them near
//!     expiry (its lazy cache decides that with a random jitter of up to half its buffer,
//!     which a test cannot wait out); CALLS calls of GetCallerIdentity GAP_MS apart, each
//!     printing `arn=...` (or `error=...` and exits 2).
//! sdk_probe whoami
//!     the crate's example (adapters/aws-sdk/examples/whoami.rs), as it is.
//! sdk_probe ssooidc ARGS...
//!     the `ssooidc` command itself, with ARGS.
//! ```
#![forbid(unsafe_code)]

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use aws_config::identity::IdentityCache;
use aws_config::BehaviorVersion;
use ssooidc_aws_sdk::SsoProvider;
use ssooidc_aws_sdk_tests::{caller_identity, prompt_line};

/// The example of the crate's README, compiled here so that a test runs it.
#[path = "../../../../adapters/aws-sdk/examples/whoami.rs"]
mod whoami;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["provider"] => runtime().block_on(provider()),
        ["container", calls, gap_ms] => {
            let (Ok(calls), Ok(gap)) = (calls.parse::<usize>(), gap_ms.parse::<u64>()) else {
                return usage();
            };
            runtime().block_on(container(calls, Duration::from_millis(gap)))
        }
        ["whoami"] => match whoami::main() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                say(&format!("error={e}"));
                ExitCode::from(2)
            }
        },
        ["ssooidc", ..] => {
            let mut args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
            args[0] = "ssooidc".into();
            ssooidc_cli::main_with_args(args)
        }
        // `ssooidc exec --server` starts its endpoint by running its own executable (this
        // one) with the global options, then `serve` and its own.
        [first, ..] if first.starts_with('-') || *first == "serve" => {
            ssooidc_cli::main_with_args(std::env::args_os().collect())
        }
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: sdk_probe provider | whoami | container CALLS GAP_MS | ssooidc ARGS...");
    ExitCode::from(64)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn provider() -> ExitCode {
    let provider = SsoProvider::builder()
        .login_options(ssooidc_tests::login_options())
        .login(|prompt| say(&prompt_line(prompt)))
        .build();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(provider)
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .load()
        .await;
    match caller_identity(&config).await {
        Ok(out) => {
            say(&format!("arn={}", out.arn().unwrap_or_default()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            say(&format!(
                "error={}",
                aws_sdk_sts::error::DisplayErrorContext(&e)
            ));
            ExitCode::from(2)
        }
    }
}

async fn container(calls: usize, gap: Duration) -> ExitCode {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .identity_cache(IdentityCache::no_cache())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .load()
        .await;
    for call in 0..calls {
        if call > 0 {
            tokio::time::sleep(gap).await;
        }
        match caller_identity(&config).await {
            Ok(out) => say(&format!("arn={}", out.arn().unwrap_or_default())),
            Err(e) => {
                say(&format!(
                    "error={}",
                    aws_sdk_sts::error::DisplayErrorContext(&e)
                ));
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}
