//! Discovery documents (RFC 8414, OpenID Connect Discovery) on arbitrary responses, against an
//! arbitrary configured issuer. Input: `[issuer length][issuer bytes]` then a response in the
//! framing of `ssooidc_fuzz`'s docs. Checks: no panic; a provider only when the document's
//! `issuer` is exactly the configured one, with usable endpoints.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssooidc_core::oauth::{validate, Issuer, ProviderUrl};

fuzz_target!(|data: &[u8]| {
    let mut reader = ssooidc_fuzz::Reader::new(data);
    let len = usize::from(reader.byte());
    let raw = String::from_utf8_lossy(reader.bytes(len)).into_owned();
    let issuer =
        Issuer::parse(&raw).unwrap_or_else(|_| Issuer::parse("https://idp.example.com").unwrap());
    let _ = (
        issuer.openid_configuration_url(),
        issuer.oauth_metadata_url(),
    );
    let response = ssooidc_fuzz::framed_response(reader.rest());
    match validate(&issuer, &response) {
        Ok(provider) => {
            assert!(response.status().is_success());
            assert_eq!(provider.issuer(), Some(&issuer));
            let document: serde_json::Value =
                serde_json::from_slice(response.body()).expect("a validated document is JSON");
            assert_eq!(document["issuer"].as_str(), Some(issuer.as_str()));
            for url in [
                provider.device_authorization_endpoint(),
                provider.token_endpoint(),
            ] {
                // Endpoints re-parse to themselves, and are https or loopback.
                assert_eq!(ProviderUrl::parse(url.as_str()).as_ref(), Ok(url));
                assert!(
                    url.as_str().to_ascii_lowercase().starts_with("https://") || url.is_loopback()
                );
            }
            let _ = (provider.default_auth(true), provider.id());
        }
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
});
