//! Endpoint resolution: `resolve` with arbitrary parameters, `Endpoint::parse` of arbitrary
//! URLs, and the settings resolver's configured-endpoint precedence with an arbitrary
//! environment and profile values.
//!
//! Every endpoint that comes out re-parses from its own URL to itself, builds the operations'
//! URIs under its base path, and answers `is_loopback`; a resolved regional endpoint is HTTPS.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ssooidc_core::config::AwsConfig;
use ssooidc_core::endpoint::{resolve, Endpoint, EndpointParams};
use ssooidc_core::settings::{self, CredentialsFile, Explicit, Inputs};

#[derive(Debug, Arbitrary)]
enum Region {
    Known(u8),
    Any(String),
}

const REGIONS: [&str; 10] = [
    "us-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "eu-isoe-west-1",
    "us-iso-east-1",
    "us-isob-east-1",
    "us-isof-south-1",
    "eusc-de-east-1",
    "aws-global",
    "ap-southeast-7",
];

#[derive(Debug, Arbitrary)]
struct Input {
    region: Option<Region>,
    use_fips: bool,
    use_dual_stack: bool,
    endpoint: Option<String>,
    url: String,
    explicit: Option<String>,
    env_service: Option<String>,
    env_global: Option<String>,
    env_ignore: Option<String>,
    config: (Option<String>, Option<String>, Option<bool>),
}

fn check(endpoint: &Endpoint) {
    let url = endpoint.url();
    assert_eq!(Endpoint::parse(&url).as_ref(), Ok(endpoint), "{url}");
    assert!(!url.ends_with('/'), "{url}");
    for path in [
        "/client/register",
        "/device_authorization",
        "/token",
        "/token?aws_iam=t",
    ] {
        let uri = endpoint
            .uri(path)
            .unwrap_or_else(|e| panic!("{path} under {url}: {e}"));
        assert_eq!(uri.to_string(), format!("{url}{path}"));
    }
    let _ = (
        endpoint.is_loopback(),
        endpoint.authority(),
        format!("{endpoint:?}"),
    );
}

fuzz_target!(|input: Input| {
    let region = input.region.map(|r| match r {
        Region::Known(i) => REGIONS[usize::from(i) % REGIONS.len()].to_owned(),
        Region::Any(s) => s,
    });
    let params = EndpointParams {
        region: region.clone(),
        use_fips: input.use_fips,
        use_dual_stack: input.use_dual_stack,
        endpoint: input.endpoint.clone(),
    };
    match resolve(&params) {
        Ok(endpoint) => {
            check(&endpoint);
            if params.endpoint.is_none() {
                assert!(endpoint.is_https());
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    match Endpoint::parse(&input.url) {
        Ok(endpoint) => check(&endpoint),
        Err(e) => {
            let _ = e.to_string();
        }
    }

    // The same values as environment variables and as profile keys of a config file.
    let mut env = std::collections::HashMap::new();
    for (var, value) in [
        ("AWS_ENDPOINT_URL_SSO_OIDC", &input.env_service),
        ("AWS_ENDPOINT_URL", &input.env_global),
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", &input.env_ignore),
    ] {
        if let Some(v) = value {
            env.insert(var.to_owned(), v.clone());
        }
    }
    let one_line = |v: &Option<String>| v.as_deref().map(|v| v.replace(['\n', '\r'], ""));
    let mut text = String::from("[default]\nservices = s\n");
    if let Some(url) = one_line(&input.config.1) {
        text.push_str(&format!("endpoint_url = {url}\n"));
    }
    if let Some(ignore) = input.config.2 {
        text.push_str(&format!("ignore_configured_endpoint_urls = {ignore}\n"));
    }
    text.push_str("[services s]\nsso_oidc =\n");
    if let Some(url) = one_line(&input.config.0) {
        text.push_str(&format!("  endpoint_url = {url}\n"));
    }
    let Ok(config) = AwsConfig::parse(&text) else {
        return;
    };
    let mut explicit = Explicit::default();
    explicit.endpoint_url.clone_from(&input.explicit);
    let resolved = settings::resolve(&Inputs {
        explicit: &explicit,
        env: &env,
        config: &config,
        credentials: &CredentialsFile::default(),
    });
    if let Ok(found) = resolved.map(|s| s.endpoint_url) {
        if let Some(found) = found {
            assert!(!found.value.is_empty());
            assert_eq!(found.value.trim(), found.value);
            if let Ok(endpoint) = resolve(&EndpointParams::default().endpoint(found.value.clone()))
            {
                check(&endpoint);
            }
        }
    }
});
