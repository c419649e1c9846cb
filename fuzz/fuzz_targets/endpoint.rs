//! Endpoint resolution: `resolve` with arbitrary parameters, `Endpoint::parse` of arbitrary
//! URLs, and `configured_endpoint` with an arbitrary environment and config values.
//!
//! Every endpoint that comes out re-parses from its own URL to itself, builds the operations'
//! URIs under its base path, and answers `is_loopback`; a resolved regional endpoint is HTTPS.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ssooidc_core::endpoint::{
    configured_endpoint, resolve, ConfigEndpointValues, Endpoint, EndpointParams,
    GLOBAL_ENDPOINT_ENV, IGNORE_CONFIGURED_ENV, SERVICE_ENDPOINT_ENV,
};

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

    let config = ConfigEndpointValues {
        service_endpoint_url: input.config.0,
        endpoint_url: input.config.1,
        ignore_configured_endpoint_urls: input.config.2,
    };
    let env = |name: &str| match name {
        SERVICE_ENDPOINT_ENV => input.env_service.clone(),
        GLOBAL_ENDPOINT_ENV => input.env_global.clone(),
        IGNORE_CONFIGURED_ENV => input.env_ignore.clone(),
        other => panic!("looked up {other}"),
    };
    if let Some(found) = configured_endpoint(input.explicit.as_deref(), env, &config) {
        assert!(!found.url.is_empty());
        assert_eq!(found.url.trim(), found.url);
        if let Ok(endpoint) = resolve(&EndpointParams::default().endpoint(found.url.clone())) {
            check(&endpoint);
        }
    }
});
