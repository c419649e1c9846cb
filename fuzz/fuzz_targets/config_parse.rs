//! `config::AwsConfig::parse` on arbitrary text, then every profile and sso-session found is
//! resolved (`sso_profile`, `sso_session`, `endpoint_values`), its configured endpoint picked
//! (`configured_endpoint`) and resolved, and its region resolved to an endpoint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssooidc_core::config::AwsConfig;
use ssooidc_core::endpoint::{configured_endpoint, resolve, EndpointParams};

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
        let values = config.endpoint_values(name);
        if let Some(found) = configured_endpoint(None, |_| None, &values) {
            assert!(!found.url.is_empty());
            assert_eq!(found.url.trim(), found.url);
            let _ = resolve(&EndpointParams::default().endpoint(found.url.clone()));
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
