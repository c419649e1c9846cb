//! `ssooidc-aws-sdk` in one process: an AWS SDK for Rust client (`aws-sdk-sts`, configured as
//! `aws_config::from_env()` configures it, with the provider) makes a call the emulator only
//! accepts when it is signed with role credentials its portal issued: after a login, with a
//! login on demand, after a refresh; twenty providers at once log in and refresh once; the
//! SDK's error kinds when nothing can be had.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::token::ProvideToken;
use aws_credential_types::provider::ProvideCredentials;
use ssooidc_aws_sdk::LoginPrompt;
use ssooidc_aws_sdk_tests::{
    caller_identity, count, expire_in, logged_in, provider, read_token, sdk_config, ACCOUNT, ROLE,
};
use ssooidc_emulator::{Approval, RunningEmulator, Target};
use ssooidc_tests::*;
use time::OffsetDateTime;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn emulator(approval: Approval) -> RunningEmulator {
    start(emulator_config().approval(approval))
}

/// A login callback that keeps the prompts it is shown.
fn recording() -> (
    Arc<Mutex<Vec<LoginPrompt>>>,
    impl Fn(&LoginPrompt) + Send + Sync + 'static,
) {
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&prompts);
    (prompts, move |p: &LoginPrompt| {
        kept.lock().unwrap().push(p.clone())
    })
}

fn assert_dev_role(arn: Option<&str>, account: Option<&str>) {
    assert_eq!(account, Some(ACCOUNT));
    let arn = arn.expect("an ARN");
    assert!(
        arn.starts_with(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/")),
        "{arn}"
    );
}

#[test]
fn an_sdk_client_signs_its_call_with_role_credentials_from_the_portal() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = logged_in("sdk-signed", &emu);
    runtime().block_on(async {
        let config = sdk_config(emu.base_url(), provider(&home.env).build()).await;
        let out = caller_identity(&config).await.expect("a signed call");
        assert_dev_role(out.arn(), out.account());
    });
    assert_eq!(count(&emu, Target::GetRoleCredentials), 1);
    assert_eq!(count(&emu, Target::GetCallerIdentity), 1);
    // Cached where the AWS CLI caches role credentials.
    let key =
        ssooidc_core::cache::role_credentials_cache_key(ACCOUNT, ROLE, Some("my-sso"), START_URL);
    let cached = std::fs::read(home.cli_cache_dir().join(format!("{key}.json")))
        .expect("the role credentials in the AWS CLI's cache");
    assert!(String::from_utf8_lossy(&cached).contains("\"ProviderType\": \"sso\""));
}

#[test]
fn the_first_call_logs_in_through_the_callback_when_there_is_no_session() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = Home::with_standard_config("sdk-login-device", &emu);
    let (prompts, callback) = recording();
    runtime().block_on(async {
        let provider = provider(&home.env).login(callback).build();
        let config = sdk_config(emu.base_url(), provider).await;
        let out = caller_identity(&config).await.expect("a signed call");
        assert_dev_role(out.arn(), out.account());
    });
    let prompts = prompts.lock().unwrap();
    assert_eq!(prompts.len(), 1, "{prompts:?}");
    match &prompts[0] {
        LoginPrompt::Device {
            session, user_code, ..
        } => {
            assert_eq!(session, "sso-session my-sso");
            assert!(!user_code.is_empty());
        }
        other => panic!("a device prompt, not {other:?}"),
    }
    assert!(prompts[0].to_string().contains("enter the code"));
    assert_eq!(count(&emu, Target::StartDeviceAuthorization), 1);
    assert_eq!(count(&emu, Target::GetCallerIdentity), 1);
    assert!(home.cache_file(MY_SSO_TOKEN_KEY).exists());
}

#[test]
fn an_sso_session_profile_logs_in_in_the_browser_by_default() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = Home::with_standard_config("sdk-login-browser", &emu);
    let (prompts, record) = recording();
    runtime().block_on(async {
        let provider = provider(&home.env)
            .login_options(browser_login_options())
            .login(move |prompt| {
                record(prompt);
                // The user's browser: loads the page and comes back to the provider's listener.
                let url = prompt.url().to_owned();
                std::thread::spawn(move || follow(&url));
            })
            .build();
        let config = sdk_config(emu.base_url(), provider).await;
        let out = caller_identity(&config).await.expect("a signed call");
        assert_dev_role(out.arn(), out.account());
    });
    let prompts = prompts.lock().unwrap();
    assert!(
        matches!(prompts.as_slice(), [LoginPrompt::Browser { .. }]),
        "{prompts:?}"
    );
    assert_eq!(token_requests(&emu, "authorization_code").len(), 1);
    assert_eq!(count(&emu, Target::StartDeviceAuthorization), 0);
}

#[test]
fn without_a_callback_a_missing_login_is_the_sdks_provider_error_and_says_how_to_log_in() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = Home::with_standard_config("sdk-no-login", &emu);
    runtime().block_on(async {
        let provider = provider(&home.env).build();
        let error = provider
            .provide_credentials()
            .await
            .expect_err("no session");
        assert!(
            matches!(error, CredentialsError::ProviderError(_)),
            "{error:?}"
        );
        let message = format!("{}", aws_sdk_sts::error::DisplayErrorContext(&error));
        assert!(message.contains("no cached SSO token"), "{message}");
        assert!(
            message.contains("aws sso login --profile dev")
                && message.contains("ssooidc login --profile dev"),
            "{message}"
        );
        // And through a client: the call is not sent.
        let config = sdk_config(emu.base_url(), provider).await;
        caller_identity(&config).await.expect_err("no credentials");
    });
    assert!(emu.requests().is_empty(), "{:?}", emu.requests());
}

#[test]
fn a_broken_configuration_is_the_sdks_invalid_configuration_error() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = Home::new("sdk-bad-config", Some(&emu));
    home.write_config(
        "[profile dev]\nsso_session = missing\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n",
    );
    runtime().block_on(async {
        let error = provider(&home.env)
            .build()
            .provide_credentials()
            .await
            .expect_err("no such sso-session");
        assert!(
            matches!(error, CredentialsError::InvalidConfiguration(_)),
            "{error:?}"
        );
    });
}

#[test]
fn a_profile_without_sso_is_not_loaded_so_a_provider_chain_goes_on() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = Home::new("sdk-chain", Some(&emu));
    home.write_config(&format!(
        "{}\n[profile plain-keys]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n",
        standard_config()
    ));
    runtime().block_on(async {
        for profile in ["nope", "plain-keys"] {
            let error = provider(&home.env)
                .profile_name(profile)
                .build()
                .provide_credentials()
                .await
                .expect_err("not an SSO profile");
            assert!(
                matches!(error, CredentialsError::CredentialsNotLoaded(_)),
                "{profile}: {error:?}"
            );
        }
        let chain = aws_config::meta::credentials::CredentialsProviderChain::first_try(
            "ssooidc",
            provider(&home.env).profile_name("nope").build(),
        )
        .or_else(
            "static",
            aws_credential_types::Credentials::new("AKIDSTATIC", "secret", None, None, "test"),
        );
        let credentials = chain
            .provide_credentials()
            .await
            .expect("the next provider's");
        assert_eq!(credentials.access_key_id(), "AKIDSTATIC");
    });
    assert!(emu.requests().is_empty(), "{:?}", emu.requests());
}

#[test]
fn an_expiring_token_is_refreshed_before_the_signed_call() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = logged_in("sdk-refresh", &emu);
    let before = read_token(&home);
    expire_in(&home, time::Duration::minutes(5));
    runtime().block_on(async {
        let config = sdk_config(emu.base_url(), provider(&home.env).build()).await;
        let out = caller_identity(&config).await.expect("a signed call");
        assert_dev_role(out.arn(), out.account());
    });
    assert_eq!(token_requests(&emu, "refresh_token").len(), 1);
    let after = read_token(&home);
    assert_ne!(after.access_token, before.access_token);
    assert_eq!(count(&emu, Target::GetCallerIdentity), 1);
}

/// `n` providers, each built on its own as separate parts of a program would, asking for
/// credentials at once on a runtime of two threads.
fn credentials_at_once(
    home: &Home,
    n: usize,
    login: Option<Arc<Mutex<Vec<LoginPrompt>>>>,
) -> Vec<Result<aws_credential_types::Credentials, CredentialsError>> {
    runtime().block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let mut builder = provider(&home.env);
                if let Some(prompts) = &login {
                    let prompts = Arc::clone(prompts);
                    builder = builder.login(move |p| prompts.lock().unwrap().push(p.clone()));
                }
                let provider = builder.build();
                tokio::spawn(async move { provider.provide_credentials().await })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("a task panicked"));
        }
        results
    })
}

#[test]
fn twenty_providers_at_once_start_one_login() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = Home::with_standard_config("sdk-twenty-login", &emu);
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let results = credentials_at_once(&home, 20, Some(Arc::clone(&prompts)));
    for result in &results {
        let credentials = result.as_ref().expect("credentials");
        assert_eq!(credentials.account_id().map(|a| a.as_str()), Some(ACCOUNT));
    }
    assert_eq!(prompts.lock().unwrap().len(), 1);
    assert_eq!(count(&emu, Target::StartDeviceAuthorization), 1);
    assert_eq!(count(&emu, Target::RegisterClient), 1);
}

#[test]
fn twenty_providers_at_once_refresh_once() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = logged_in("sdk-twenty-refresh", &emu);
    expire_in(&home, time::Duration::minutes(5));
    let results = credentials_at_once(&home, 20, None);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(token_requests(&emu, "refresh_token").len(), 1);
}

#[test]
fn a_denied_login_fails_every_provider_and_none_starts_another() {
    let emu = emulator(Approval::DenyAfterPolls(1));
    let home = Home::with_standard_config("sdk-denied", &emu);
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let results = credentials_at_once(&home, 5, Some(Arc::clone(&prompts)));
    for result in &results {
        let error = result.as_ref().expect_err("denied");
        assert!(
            matches!(error, CredentialsError::ProviderError(_)),
            "{error:?}"
        );
    }
    assert_eq!(prompts.lock().unwrap().len(), 1);
    assert_eq!(count(&emu, Target::StartDeviceAuthorization), 1);
    // The ones that waited say another login did not complete, and how to log in.
    let waited = results
        .iter()
        .map(|r| {
            format!(
                "{}",
                aws_sdk_sts::error::DisplayErrorContext(r.as_ref().unwrap_err())
            )
        })
        .filter(|m| m.contains("did not complete") && m.contains("aws sso login --profile dev"))
        .count();
    assert_eq!(waited, 4);
}

#[test]
fn the_token_provider_gives_the_sessions_bearer_token() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = logged_in("sdk-token", &emu);
    let cached = read_token(&home);
    let token = runtime()
        .block_on(provider(&home.env).build().provide_token())
        .expect("token");
    assert_eq!(token.token(), cached.access_token.expose());
    assert_eq!(
        token.expiration(),
        Some(SystemTime::from(cached.expires_at.get()))
    );
    assert!(emu.requests().is_empty(), "{:?}", emu.requests());
    // Named by its sso-session too.
    let token = runtime()
        .block_on(
            provider(&home.env)
                .sso_session("my-sso")
                .build()
                .provide_token(),
        )
        .expect("token");
    assert_eq!(token.token(), cached.access_token.expose());
}

/// A bearer-token service's client (`aws-sdk-codecatalyst`), given the provider as its token
/// provider as `aws_config` configures one, sends the session's token: the emulator's
/// `VerifySession` takes only tokens it issued. An expiring token is refreshed first.
#[test]
fn a_bearer_token_client_sends_the_sessions_token() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = logged_in("sdk-bearer", &emu);
    expire_in(&home, time::Duration::minutes(5));
    runtime().block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .token_provider(provider(&home.env).build())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(emu.base_url())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .load()
            .await;
        let out = aws_sdk_codecatalyst::Client::new(&config)
            .verify_session()
            .send()
            .await
            .expect("a call with the bearer token");
        assert_eq!(out.identity(), Some("emulator-user"));
    });
    assert_eq!(token_requests(&emu, "refresh_token").len(), 1);
    let sent = requests_to(&emu, Target::VerifySession);
    assert_eq!(sent.len(), 1);
    let bearer = format!("Bearer {}", read_token(&home).access_token.expose());
    assert_eq!(
        sent[0]
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some(bearer.as_str())
    );
}

#[test]
fn no_secret_is_shown_in_debug_output_or_errors() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = logged_in("sdk-secrets", &emu);
    let cached = read_token(&home);
    let provider = provider(&home.env).login(|_| {}).build();
    let credentials = runtime()
        .block_on(provider.provide_credentials())
        .expect("credentials");
    let shown = format!("{credentials:?} {provider:?}");
    assert!(!shown.contains(credentials.secret_access_key()), "{shown}");
    assert!(
        !shown.contains(credentials.session_token().expect("a session token")),
        "{shown}"
    );
    assert!(!shown.contains(cached.access_token.expose()), "{shown}");
    // A token that expired and cannot be refreshed: the error names the session, not the token.
    let mut token = read_token(&home);
    token.expires_at = (OffsetDateTime::now_utc() - time::Duration::minutes(1)).into();
    token.refresh_token = None;
    std::fs::write(home.cache_file(MY_SSO_TOKEN_KEY), token.to_json()).expect("write token");
    let error = runtime()
        .block_on(
            ssooidc_aws_sdk_tests::provider(&home.env)
                .build()
                .provide_token(),
        )
        .expect_err("expired");
    let shown = format!(
        "{error:?} {}",
        aws_sdk_sts::error::DisplayErrorContext(&error)
    );
    assert!(shown.contains("sso-session my-sso"), "{shown}");
    assert!(!shown.contains(cached.access_token.expose()), "{shown}");
}

/// A login slower than the SDK's identity-cache load timeout (here 300 ms; the SDK's default is
/// about 22 s, less than a person takes to approve): the call gives up, the login goes on in
/// its own task, and the next call uses its token without a second login.
#[test]
fn a_login_slower_than_the_sdks_load_timeout_goes_on_and_the_next_call_uses_it() {
    let emu = emulator(Approval::ApproveAfterDelay(std::time::Duration::from_secs(
        1,
    )));
    let home = Home::with_standard_config("sdk-slow-login", &emu);
    let (prompts, callback) = recording();
    runtime().block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .credentials_provider(provider(&home.env).login(callback).build())
            .identity_cache(
                aws_config::identity::IdentityCache::lazy()
                    .load_timeout(std::time::Duration::from_millis(300))
                    .build(),
            )
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(emu.base_url())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .load()
            .await;
        let error = caller_identity(&config)
            .await
            .expect_err("the load timed out");
        let shown = format!("{}", aws_sdk_sts::error::DisplayErrorContext(&error));
        assert!(shown.contains("timed out"), "{shown}");
        // The login goes on: its token arrives once the emulator approves.
        let token = home.cache_file(MY_SSO_TOKEN_KEY);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !token.exists() && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let out = caller_identity(&config).await.expect("the next call");
        assert_dev_role(out.arn(), out.account());
    });
    assert_eq!(prompts.lock().unwrap().len(), 1);
    assert_eq!(count(&emu, Target::StartDeviceAuthorization), 1);
}

/// Outside a tokio runtime (a program polling the future by hand), the provider answers with
/// an error at once instead of panicking in its first wait.
#[test]
fn outside_a_tokio_runtime_the_provider_is_an_error_not_a_panic() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = logged_in("sdk-no-runtime", &emu);
    let provider = provider(&home.env).build();
    let mut future = std::pin::pin!(provider.provide_credentials());
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match std::future::Future::poll(future.as_mut(), &mut context) {
        std::task::Poll::Ready(Err(e @ CredentialsError::InvalidConfiguration(_))) => {
            let shown = format!("{}", aws_sdk_sts::error::DisplayErrorContext(&e));
            assert!(shown.contains("tokio runtime"), "{shown}");
        }
        other => panic!("an error at once, not {other:?}"),
    }
}
