//! The client-wide retry quota of the standard mode, against a service that keeps failing: each
//! retry takes capacity from one bucket shared by the client and its clones, and once it is
//! spent calls stop retrying (one attempt each) instead of multiplying the load.

use ssooidc_core::operations::RegisterClient;
use ssooidc_core::retry::{INITIAL_RETRY_QUOTA, RETRY_COST};
use ssooidc_emulator::{FaultRule, Target};
use ssooidc_tests::{config_for, emulator_config, requests_to, start};
use ssooidc_ureq::{CallError, Client};

#[test]
fn the_quota_runs_dry_and_then_calls_are_not_retried() {
    let emu = start(emulator_config().fault("RegisterClient=503".parse::<FaultRule>().unwrap()));
    let client = Client::new(config_for(&emu)).unwrap();
    let clone = client.clone();
    let retries_before_dry = INITIAL_RETRY_QUOTA / RETRY_COST;
    let mut attempts_per_call = Vec::new();
    for i in 0..(retries_before_dry / 2 + 3) {
        let before = requests_to(&emu, Target::RegisterClient).len();
        // Half of the calls through a clone: the quota is the client's, shared.
        let caller = if i % 2 == 0 { &client } else { &clone };
        let error = caller
            .register_client(&RegisterClient::new("quota"))
            .unwrap_err();
        assert!(matches!(error, CallError::Service { .. }), "{error:?}");
        attempts_per_call.push(requests_to(&emu, Target::RegisterClient).len() - before);
    }
    // 35 retries fit in the quota: 17 calls retry twice, the 18th once, then none do.
    let full = retries_before_dry as usize / 2;
    assert!(
        attempts_per_call[..full].iter().all(|&n| n == 3),
        "{attempts_per_call:?}"
    );
    assert_eq!(attempts_per_call[full], 2, "{attempts_per_call:?}");
    assert!(
        attempts_per_call[full + 1..].iter().all(|&n| n == 1),
        "{attempts_per_call:?}"
    );
    assert!(client.retry_policy().quota().available() < RETRY_COST);
    // A new client has a quota of its own.
    let fresh = Client::new(config_for(&emu)).unwrap();
    let before = requests_to(&emu, Target::RegisterClient).len();
    let _ = fresh.register_client(&RegisterClient::new("quota"));
    assert_eq!(requests_to(&emu, Target::RegisterClient).len() - before, 3);
}
