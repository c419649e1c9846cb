//! Spec 4.5: every endpoint test vector (the Smithy model's own cases and the computed ones).

use ssooidc_core::endpoint::{resolve, EndpointError, EndpointParams};

fn params(region: Option<&str>, fips: bool, dual: bool, endpoint: Option<&str>) -> EndpointParams {
    EndpointParams {
        region: region.map(str::to_owned),
        use_fips: fips,
        use_dual_stack: dual,
        endpoint: endpoint.map(str::to_owned),
    }
}

#[test]
fn smithy_model_endpoint_tests() {
    let cases: &[(&str, bool, bool, &str)] = &[
        (
            "us-east-1",
            false,
            false,
            "https://oidc.us-east-1.amazonaws.com",
        ),
        (
            "us-east-1",
            true,
            false,
            "https://oidc-fips.us-east-1.amazonaws.com",
        ),
        ("us-east-1", false, true, "https://oidc.us-east-1.api.aws"),
        (
            "us-east-1",
            true,
            true,
            "https://oidc-fips.us-east-1.api.aws",
        ),
        (
            "eu-west-1",
            false,
            false,
            "https://oidc.eu-west-1.amazonaws.com",
        ),
        (
            "ap-northeast-3",
            false,
            false,
            "https://oidc.ap-northeast-3.amazonaws.com",
        ),
        (
            "cn-north-1",
            false,
            false,
            "https://oidc.cn-north-1.amazonaws.com.cn",
        ),
        (
            "cn-north-1",
            true,
            false,
            "https://oidc-fips.cn-north-1.amazonaws.com.cn",
        ),
        (
            "cn-north-1",
            false,
            true,
            "https://oidc.cn-north-1.api.amazonwebservices.com.cn",
        ),
        (
            "cn-north-1",
            true,
            true,
            "https://oidc-fips.cn-north-1.api.amazonwebservices.com.cn",
        ),
        (
            "us-gov-west-1",
            false,
            false,
            "https://oidc.us-gov-west-1.amazonaws.com",
        ),
        (
            "us-gov-east-1",
            true,
            false,
            "https://oidc.us-gov-east-1.amazonaws.com",
        ),
        (
            "us-gov-east-1",
            false,
            true,
            "https://oidc.us-gov-east-1.api.aws",
        ),
        (
            "us-gov-east-1",
            true,
            true,
            "https://oidc-fips.us-gov-east-1.api.aws",
        ),
        (
            "us-iso-east-1",
            false,
            false,
            "https://oidc.us-iso-east-1.c2s.ic.gov",
        ),
        (
            "us-iso-east-1",
            true,
            false,
            "https://oidc-fips.us-iso-east-1.c2s.ic.gov",
        ),
        (
            "us-isob-east-1",
            false,
            false,
            "https://oidc.us-isob-east-1.sc2s.sgov.gov",
        ),
        (
            "us-isob-east-1",
            true,
            false,
            "https://oidc-fips.us-isob-east-1.sc2s.sgov.gov",
        ),
        // Computed from the rule set and the 1.44.8 partition data.
        (
            "eusc-de-east-1",
            false,
            false,
            "https://oidc.eusc-de-east-1.amazonaws.eu",
        ),
        (
            "eusc-de-east-1",
            true,
            true,
            "https://oidc-fips.eusc-de-east-1.api.amazonwebservices.eu",
        ),
        (
            "eu-isoe-west-1",
            false,
            false,
            "https://oidc.eu-isoe-west-1.cloud.adc-e.uk",
        ),
        (
            "eu-isoe-west-1",
            false,
            true,
            "https://oidc.eu-isoe-west-1.api.cloud-aws.adc-e.uk",
        ),
        (
            "us-isof-south-1",
            true,
            false,
            "https://oidc-fips.us-isof-south-1.csp.hci.ic.gov",
        ),
        (
            "us-iso-east-1",
            false,
            true,
            "https://oidc.us-iso-east-1.api.aws.ic.gov",
        ),
        (
            "xx-fake-1",
            false,
            false,
            "https://oidc.xx-fake-1.amazonaws.com",
        ),
    ];
    for &(region, fips, dual, expected) in cases {
        let got = resolve(&params(Some(region), fips, dual, None))
            .unwrap_or_else(|e| panic!("{region} fips={fips} dual={dual}: {e}"));
        assert_eq!(got.url(), expected, "{region} fips={fips} dual={dual}");
    }
}

#[test]
fn explicit_endpoint_cases() {
    let ok = resolve(&params(
        Some("us-east-1"),
        false,
        false,
        Some("https://example.com"),
    ))
    .unwrap();
    assert_eq!(ok.url(), "https://example.com");
    let no_region = resolve(&params(None, false, false, Some("https://example.com"))).unwrap();
    assert_eq!(no_region.url(), "https://example.com");

    let fips = resolve(&params(
        Some("us-east-1"),
        true,
        false,
        Some("https://example.com"),
    ))
    .unwrap_err();
    assert_eq!(fips, EndpointError::FipsWithCustomEndpoint);
    assert_eq!(
        fips.to_string(),
        "Invalid Configuration: FIPS and custom endpoint are not supported"
    );

    let dual = resolve(&params(
        Some("us-east-1"),
        false,
        true,
        Some("https://example.com"),
    ))
    .unwrap_err();
    assert_eq!(dual, EndpointError::DualStackWithCustomEndpoint);
    assert_eq!(
        dual.to_string(),
        "Invalid Configuration: Dualstack and custom endpoint are not supported"
    );

    let missing = resolve(&params(None, false, false, None)).unwrap_err();
    assert_eq!(missing, EndpointError::MissingRegion);
    assert_eq!(missing.to_string(), "Invalid Configuration: Missing Region");
}

#[test]
fn explicit_endpoint_is_validated() {
    let err = resolve(&params(None, false, false, Some("not a url"))).unwrap_err();
    assert!(matches!(err, EndpointError::InvalidUrl { .. }), "{err:?}");
}
