//! The embedding tool of `src/lib.rs` against the emulator: a login, a cached token, and each
//! kind of failure sorted by matching on the library's error types.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use ssooidc_emulator::{Approval, Config, Emulator, RunningEmulator};
use ssooidc_outside_user::{cached_token, login, why, Why};
use ssooidc_ureq::{ErrorCode, TransportErrorKind};

const SECOND: Duration = Duration::from_millis(10);

struct Home(PathBuf);

impl Home {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("ssooidc-outside-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(
            dir.join(".aws/config"),
            "[sso-session work]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n",
        )
        .unwrap();
        Home(dir)
    }

    fn env(&self, endpoint: &str) -> HashMap<String, String> {
        HashMap::from([
            ("HOME".to_owned(), self.0.display().to_string()),
            ("AWS_ENDPOINT_URL_SSO_OIDC".to_owned(), endpoint.to_owned()),
        ])
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Device codes that live 60 000 protocol seconds, 10 real minutes: a login that should end in
/// a token (or a denial) must not have to finish within the service's 600 (6 real seconds here).
fn emulator(approval: Approval) -> RunningEmulator {
    Emulator::start(
        Config::default()
            .second(SECOND)
            .expires_in(60_000)
            .approval(approval),
    )
    .unwrap()
}

#[test]
fn a_login_then_a_cached_token() {
    let emu = emulator(Approval::ApproveAfterPolls(1));
    let home = Home::new("login");
    let env = home.env(emu.base_url());
    let token = login(&env, "work", SECOND).unwrap();
    assert_eq!(cached_token(&env, "work").unwrap(), token);
}

#[test]
fn every_kind_of_failure_is_told_apart() {
    // A home per case: each emulator knows only the clients it registered itself.
    let home = Home::new("denied");
    let denied = emulator(Approval::DenyAfterPolls(1));
    assert_eq!(
        why(&login(&home.env(denied.base_url()), "work", SECOND).unwrap_err()),
        Why::Denied {
            operation: "CreateToken"
        }
    );

    let home = Home::new("expired");
    let expired = Emulator::start(Config::default().second(SECOND).expires_in(3)).unwrap();
    assert!(matches!(
        why(&login(&home.env(expired.base_url()), "work", SECOND).unwrap_err()),
        Why::Expired { .. }
    ));

    let home = Home::new("offline");
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    assert_eq!(
        why(&login(&home.env(&refused), "work", SECOND).unwrap_err()),
        Why::Offline(TransportErrorKind::Connect)
    );

    let home = Home::new("service");
    let broken = Emulator::start(
        Config::default().second(SECOND).fault(
            "RegisterClient=InvalidClientMetadataException"
                .parse()
                .unwrap(),
        ),
    )
    .unwrap();
    assert_eq!(
        why(&login(&home.env(broken.base_url()), "work", SECOND).unwrap_err()),
        Why::Service {
            operation: "RegisterClient",
            code: Some(ErrorCode::InvalidClientMetadata),
            name: "InvalidClientMetadataException".to_owned(),
        }
    );
}
