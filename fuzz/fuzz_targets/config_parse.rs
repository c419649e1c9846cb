//! `config::AwsConfig::parse` on arbitrary text, then every profile and sso-session found is
//! resolved (`sso_profile`, `sso_session`), and the settings resolver runs for every profile
//! with the same text as the credentials file (its configured endpoint resolved too).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssooidc_core::config::AwsConfig;
use ssooidc_core::endpoint::{resolve, EndpointParams};
use ssooidc_core::settings::{self, CredentialsFile, Explicit, Inputs};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let config = match AwsConfig::parse(&text) {
        Ok(config) => config,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    for name in config.profiles.keys() {
        match config.sso_profile(name) {
            Ok(profile) => {
                assert_eq!(&profile.profile, name);
                assert!(!profile.start_url.is_empty() && !profile.region.is_empty());
                if let Some(session) = &profile.session {
                    assert_eq!(profile.start_url, session.start_url);
                    assert_eq!(profile.region, session.region);
                    assert!(config.sso_sessions.contains_key(&session.name));
                }
                assert!(profile.registration_scopes.iter().all(|s| !s.is_empty()));
                if let Ok(endpoint) = resolve(&EndpointParams::region(profile.region.clone())) {
                    assert!(endpoint.is_https());
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        let credentials = CredentialsFile::parse(&text).unwrap_or_default();
        let explicit = Explicit::default().profile(name.clone());
        let env = Default::default();
        let inputs = Inputs {
            explicit: &explicit,
            env: &env,
            config: &config,
            credentials: &credentials,
        };
        match settings::resolve(&inputs) {
            Ok(resolved) => {
                // A profile named by nothing but spaces (`[profile ""]`, `[profile " "]`, which
                // botocore reads too) cannot be selected: an empty selection is the default.
                if !name.trim().is_empty() {
                    assert_eq!(&resolved.profile.value, name.trim());
                }
                if let Some(found) = &resolved.endpoint_url {
                    assert!(!found.value.is_empty());
                    assert_eq!(found.value.trim(), found.value);
                }
                let _ = resolved.resolve_endpoint(&resolved.endpoint_params());
                let _ = format!("{resolved:?}");
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    for name in config.sso_sessions.keys() {
        match config.sso_session(name) {
            Ok(session) => {
                assert_eq!(&session.name, name);
                let _ = resolve(&EndpointParams::region(session.region.clone()));
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    // Parsing is deterministic.
    assert_eq!(AwsConfig::parse(&text).as_ref(), Ok(&config));
});
