//! The SSO portal through the async adapter (reqwest + tokio) against the emulator: the same
//! operations, machines and errors as the blocking adapter's, through its seams (`HttpSend`,
//! `Timer`) and its one driver loop.

use std::time::Duration;

use ssooidc_async::{device_login, CallError, Client, LoginOptions, TokioTimer};
use ssooidc_core::device::{DeviceFlowConfig, DeviceFlowInput};
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::portal::{GetRoleCredentials, ListAccountRoles, ListAccounts, Logout};
use ssooidc_core::settings::Settings;
use ssooidc_core::{ErrorCode, ServiceError};
use ssooidc_emulator::{Approval, Config, Emulator, PortalAccount, RunningEmulator, Target};

const SECOND: Duration = Duration::from_millis(10);

type AsyncClient = Client<reqwest::Client, TokioTimer>;

fn http() -> reqwest::Client {
    ssooidc_async::reqwest_client_builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn emulator(config: Config) -> RunningEmulator {
    Emulator::start(
        config
            .second(SECOND)
            .approval(Approval::ApproveAfterPolls(0)),
    )
    .expect("emulator starts")
}

/// Logs in through the async device flow: the access token.
async fn access_token(emu: &RunningEmulator) -> String {
    let endpoint = Endpoint::parse(emu.base_url()).unwrap();
    let oidc: AsyncClient = Client::new(http(), TokioTimer, endpoint.clone());
    let input = DeviceFlowInput::new(endpoint, "https://d-1234567890.awsapps.com/start", "t")
        .scopes(vec!["sso:account:access".to_owned()]);
    let options = LoginOptions::default().flow(DeviceFlowConfig::default().second(SECOND));
    let token = device_login(&oidc, input, options, |_| {}).await.unwrap();
    token.access_token.expose().to_owned()
}

/// A portal client from settings whose portal endpoint is the emulator.
fn portal(emu: &RunningEmulator) -> AsyncClient {
    let mut settings = Settings::default();
    settings.portal_endpoint_url = Some(ssooidc_core::settings::Setting::new(
        emu.base_url().to_owned(),
        ssooidc_core::settings::Source::Explicit,
    ));
    Client::portal_from_settings(http(), TokioTimer, &settings, "us-east-1").unwrap()
}

#[tokio::test]
async fn role_credentials_lists_and_logout() {
    let accounts = (1..=3)
        .map(|i| PortalAccount::new(format!("00000000000{i}"), format!("A{i}"), ["R1", "R2"]))
        .collect();
    let emu = emulator(Config::default().accounts(accounts).page_size(1));
    let token = access_token(&emu).await;
    let portal = portal(&emu);
    assert_eq!(portal.endpoint().url(), emu.base_url());

    let creds = portal
        .get_role_credentials(&GetRoleCredentials::new(
            "R2",
            "000000000002",
            token.as_str(),
        ))
        .await
        .unwrap()
        .role_credentials;
    assert!(creds.access_key_id.starts_with("ASIA"));

    let accounts = portal
        .list_accounts(&ListAccounts::new(token.as_str()))
        .await
        .unwrap();
    assert_eq!(accounts.len(), 3, "every page");
    let listed = emu
        .requests()
        .into_iter()
        .filter(|r| r.target == Target::ListAccounts)
        .count();
    assert_eq!(listed, 3, "one request per page");
    let roles = portal
        .list_account_roles(&ListAccountRoles::new(token.as_str(), "000000000001"))
        .await
        .unwrap();
    assert_eq!(roles.len(), 2);

    portal.logout(&Logout::new(token.as_str())).await.unwrap();
    let err = portal
        .list_accounts(&ListAccounts::new(token.as_str()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CallError::Service {
                operation: "ListAccounts",
                error: ServiceError::Unauthorized { .. },
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_throttled_page_is_retried_with_the_timer() {
    let emu = emulator(Config::default().page_size(1));
    let token = access_token(&emu).await;
    emu.inject(
        format!("ListAccounts#2={}", ErrorCode::TooManyRequests.shape_name())
            .parse()
            .unwrap(),
    );
    let accounts = portal(&emu)
        .list_accounts(&ListAccounts::new(token.as_str()))
        .await
        .unwrap();
    assert_eq!(accounts.len(), 2);
    let listed = emu
        .requests()
        .into_iter()
        .filter(|r| r.target == Target::ListAccounts)
        .count();
    assert_eq!(listed, 3, "page 2 was sent twice");
}
