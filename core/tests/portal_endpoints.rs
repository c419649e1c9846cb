//! The SSO portal's endpoints (`docs/protocol/portal.md#endpoints`): the `sso` service's own
//! endpoint tests (the Smithy model's cases), the cases computed from the rule set and the
//! current partition data, and the configured portal endpoint of the settings.

use std::collections::HashMap;

use ssooidc_core::config::AwsConfig;
use ssooidc_core::endpoint::{resolve_for, EndpointError, EndpointParams};
use ssooidc_core::settings::{resolve, CredentialsFile, Explicit, Inputs, Service};
use ssooidc_core::ConfigError;

#[test]
fn the_sso_models_endpoint_tests() {
    let cases: &[(&str, bool, bool, &str)] = &[
        (
            "ap-east-1",
            false,
            false,
            "https://portal.sso.ap-east-1.amazonaws.com",
        ),
        (
            "ap-northeast-1",
            false,
            false,
            "https://portal.sso.ap-northeast-1.amazonaws.com",
        ),
        (
            "ap-northeast-2",
            false,
            false,
            "https://portal.sso.ap-northeast-2.amazonaws.com",
        ),
        (
            "ap-northeast-3",
            false,
            false,
            "https://portal.sso.ap-northeast-3.amazonaws.com",
        ),
        (
            "ap-south-1",
            false,
            false,
            "https://portal.sso.ap-south-1.amazonaws.com",
        ),
        (
            "ap-southeast-1",
            false,
            false,
            "https://portal.sso.ap-southeast-1.amazonaws.com",
        ),
        (
            "ap-southeast-2",
            false,
            false,
            "https://portal.sso.ap-southeast-2.amazonaws.com",
        ),
        (
            "ca-central-1",
            false,
            false,
            "https://portal.sso.ca-central-1.amazonaws.com",
        ),
        (
            "eu-central-1",
            false,
            false,
            "https://portal.sso.eu-central-1.amazonaws.com",
        ),
        (
            "eu-north-1",
            false,
            false,
            "https://portal.sso.eu-north-1.amazonaws.com",
        ),
        (
            "eu-south-1",
            false,
            false,
            "https://portal.sso.eu-south-1.amazonaws.com",
        ),
        (
            "eu-west-1",
            false,
            false,
            "https://portal.sso.eu-west-1.amazonaws.com",
        ),
        (
            "eu-west-2",
            false,
            false,
            "https://portal.sso.eu-west-2.amazonaws.com",
        ),
        (
            "eu-west-3",
            false,
            false,
            "https://portal.sso.eu-west-3.amazonaws.com",
        ),
        (
            "me-south-1",
            false,
            false,
            "https://portal.sso.me-south-1.amazonaws.com",
        ),
        (
            "sa-east-1",
            false,
            false,
            "https://portal.sso.sa-east-1.amazonaws.com",
        ),
        (
            "us-east-1",
            false,
            false,
            "https://portal.sso.us-east-1.amazonaws.com",
        ),
        (
            "us-east-2",
            false,
            false,
            "https://portal.sso.us-east-2.amazonaws.com",
        ),
        (
            "us-west-2",
            false,
            false,
            "https://portal.sso.us-west-2.amazonaws.com",
        ),
        (
            "us-east-1",
            true,
            true,
            "https://portal.sso-fips.us-east-1.api.aws",
        ),
        (
            "us-east-1",
            true,
            false,
            "https://portal.sso-fips.us-east-1.amazonaws.com",
        ),
        (
            "us-east-1",
            false,
            true,
            "https://portal.sso.us-east-1.api.aws",
        ),
        (
            "cn-north-1",
            true,
            true,
            "https://portal.sso-fips.cn-north-1.api.amazonwebservices.com.cn",
        ),
        (
            "cn-north-1",
            true,
            false,
            "https://portal.sso-fips.cn-north-1.amazonaws.com.cn",
        ),
        (
            "cn-north-1",
            false,
            true,
            "https://portal.sso.cn-north-1.api.amazonwebservices.com.cn",
        ),
        (
            "cn-north-1",
            false,
            false,
            "https://portal.sso.cn-north-1.amazonaws.com.cn",
        ),
        (
            "us-gov-east-1",
            false,
            false,
            "https://portal.sso.us-gov-east-1.amazonaws.com",
        ),
        (
            "us-gov-west-1",
            false,
            false,
            "https://portal.sso.us-gov-west-1.amazonaws.com",
        ),
        (
            "us-gov-east-1",
            true,
            true,
            "https://portal.sso-fips.us-gov-east-1.api.aws",
        ),
        // GovCloud: FIPS alone keeps the ordinary host, without `-fips`.
        (
            "us-gov-east-1",
            true,
            false,
            "https://portal.sso.us-gov-east-1.amazonaws.com",
        ),
        (
            "us-gov-east-1",
            false,
            true,
            "https://portal.sso.us-gov-east-1.api.aws",
        ),
        (
            "us-iso-east-1",
            true,
            false,
            "https://portal.sso-fips.us-iso-east-1.c2s.ic.gov",
        ),
        (
            "us-iso-east-1",
            false,
            false,
            "https://portal.sso.us-iso-east-1.c2s.ic.gov",
        ),
        (
            "us-isob-east-1",
            true,
            false,
            "https://portal.sso-fips.us-isob-east-1.sc2s.sgov.gov",
        ),
        (
            "us-isob-east-1",
            false,
            false,
            "https://portal.sso.us-isob-east-1.sc2s.sgov.gov",
        ),
        // Computed from the rule set and the botocore 1.44.8 partitions, where the ISO
        // partitions have dual-stack (the model's older cases expect an error there).
        (
            "us-iso-east-1",
            false,
            true,
            "https://portal.sso.us-iso-east-1.api.aws.ic.gov",
        ),
        (
            "us-isob-east-1",
            true,
            true,
            "https://portal.sso-fips.us-isob-east-1.api.aws.scloud",
        ),
        (
            "eusc-de-east-1",
            false,
            false,
            "https://portal.sso.eusc-de-east-1.amazonaws.eu",
        ),
        (
            "us-isof-south-1",
            true,
            false,
            "https://portal.sso-fips.us-isof-south-1.csp.hci.ic.gov",
        ),
        (
            "xx-fake-1",
            false,
            false,
            "https://portal.sso.xx-fake-1.amazonaws.com",
        ),
    ];
    for &(region, fips, dual, expected) in cases {
        let params = EndpointParams::region(region).fips(fips).dual_stack(dual);
        let got = resolve_for(Service::Sso, &params)
            .unwrap_or_else(|e| panic!("{region} fips={fips} dual={dual}: {e}"));
        assert_eq!(got.url(), expected, "{region} fips={fips} dual={dual}");
    }
}

#[test]
fn the_models_custom_endpoint_and_error_cases() {
    let sso = |p: EndpointParams| resolve_for(Service::Sso, &p);
    let custom = "https://example.com";
    let in_us_east_1 = || EndpointParams::region("us-east-1");
    assert_eq!(sso(in_us_east_1().endpoint(custom)).unwrap().url(), custom);
    assert_eq!(
        sso(EndpointParams::default().endpoint(custom))
            .unwrap()
            .url(),
        custom
    );
    assert_eq!(
        sso(in_us_east_1().fips(true).endpoint(custom)),
        Err(EndpointError::FipsWithCustomEndpoint)
    );
    assert_eq!(
        sso(in_us_east_1().dual_stack(true).endpoint(custom)),
        Err(EndpointError::DualStackWithCustomEndpoint)
    );
    assert_eq!(
        sso(EndpointParams::default()),
        Err(EndpointError::MissingRegion)
    );
    assert_eq!(
        sso(EndpointParams::region("a.b")),
        Err(EndpointError::InvalidRegion("a.b".to_owned()))
    );
}

fn settings(env: &[(&str, &str)], config: &str) -> ssooidc_core::settings::Settings {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    resolve(&Inputs {
        explicit: &Explicit::default(),
        env: &env,
        config: &AwsConfig::parse(config).unwrap(),
        credentials: &CredentialsFile::default(),
    })
    .unwrap()
}

#[test]
fn the_portal_endpoint_follows_the_sso_service_key_and_the_sso_region() {
    // Nothing configured: the sso_region's portal, FIPS from the environment.
    let s = settings(&[("AWS_USE_FIPS_ENDPOINT", "true")], "");
    assert_eq!(
        s.resolve_portal_endpoint("eu-west-1").unwrap().url(),
        "https://portal.sso-fips.eu-west-1.amazonaws.com"
    );
    // AWS_ENDPOINT_URL_SSO is the portal's; AWS_ENDPOINT_URL_SSO_OIDC is not.
    let s = settings(
        &[
            ("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:4567"),
            ("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:4566"),
        ],
        "",
    );
    assert_eq!(
        s.resolve_portal_endpoint("us-east-1").unwrap().url(),
        "http://127.0.0.1:4567"
    );
    assert_eq!(
        s.resolve_endpoint(&s.endpoint_params_for_region("us-east-1"))
            .unwrap()
            .url(),
        "http://127.0.0.1:4566"
    );
    // The `sso` key of the profile's services section.
    let s = settings(
        &[("AWS_PROFILE", "dev")],
        "[profile dev]\nservices = local\n\n[services local]\nsso =\n  endpoint_url = http://127.0.0.1:9\n",
    );
    assert_eq!(
        s.resolve_portal_endpoint("us-east-1").unwrap().url(),
        "http://127.0.0.1:9"
    );
    // A configured plain-http portal off loopback is refused like an OIDC one.
    let s = settings(&[("AWS_ENDPOINT_URL_SSO", "http://portal.example.com")], "");
    assert!(matches!(
        s.resolve_portal_endpoint("us-east-1"),
        Err(ConfigError::InsecureEndpoint(_))
    ));
}
