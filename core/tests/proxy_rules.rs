//! The proxy decision against botocore itself: every case of
//! `fixtures/botocore/proxy_rules.json`, an environment (its variables in order) and request
//! URLs, with the proxy botocore 1.44.8 sends each request through (`null`: directly). The
//! generator is `tests/reference/proxy_rules.py` (see `tests/reference/README.md`).
//!
//! Where this project deliberately decides otherwise, the case is listed in [`EXCEPTIONS`] with
//! the reason and the answers it gives instead; every other case must match.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use ssooidc_core::proxy::{ProxyEnvironment, ProxyUrl};

#[derive(Debug, Deserialize)]
struct Fixture {
    botocore: String,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    about: String,
    env: Vec<(String, String)>,
    expected: BTreeMap<String, Option<String>>,
}

/// Cases decided otherwise on purpose: why, and the URLs whose answer differs (they connect
/// directly; every other URL of the case still gets botocore's answer).
const EXCEPTIONS: &[(&str, &str, &[&str])] = &[
    (
        "no-proxy-cidr-v4",
        "a NO_PROXY entry in CIDR form covers the IP-literal hosts of its network, as curl, Go \
         and Python's requests read it; urllib (and so botocore, whose own comment says so) \
         ignores it and sends 127.0.0.1 through the proxy",
        &["http://127.0.0.1:4566", "http://127.9.9.9"],
    ),
    (
        "no-proxy-cidr-v6",
        "the same for IPv6 networks",
        &["https://[::1]:8443", "https://[fd12::1]"],
    ),
    (
        "no-proxy-ipv6-bare",
        "an IPv6 entry without brackets matches the bracketed host, as curl matches it; urllib \
         compares `::1` with `[::1]` as text",
        &["https://[::1]:8443"],
    ),
];

fn fixture() -> Fixture {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/botocore/proxy_rules.json");
    serde_json::from_str(&std::fs::read_to_string(&path).expect("proxy_rules.json"))
        .expect("proxy_rules.json parses")
}

fn decide(env: &ProxyEnvironment, url: &str) -> Option<String> {
    let uri: ssooidc_core::http::Uri = url.parse().expect("a case's URL parses");
    let netloc = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    env.proxy_for(uri.scheme_str().unwrap_or_default(), netloc)
}

#[test]
fn every_case_matches_botocore_or_is_a_listed_difference() {
    let fixture = fixture();
    assert_eq!(fixture.botocore, "1.44.8");
    assert!(fixture.cases.len() >= 30, "the fixture lost its cases");
    let mut failures = Vec::new();
    for case in &fixture.cases {
        let env = ProxyEnvironment::from_vars(&case.env);
        let exception = EXCEPTIONS.iter().find(|(name, ..)| *name == case.name);
        for (url, botocore) in &case.expected {
            let expected = match exception {
                Some((_, _, direct)) if direct.contains(&url.as_str()) => {
                    assert!(
                        botocore.is_some(),
                        "{}: {url} is listed as a difference but botocore connects directly too",
                        case.name
                    );
                    None
                }
                _ => botocore.clone(),
            };
            let got = decide(&env, url);
            if got != expected {
                failures.push(format!(
                    "{} ({}): {url}: expected {expected:?}, got {got:?}",
                    case.name, case.about
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for (name, ..) in EXCEPTIONS {
        assert!(
            fixture.cases.iter().any(|c| c.name == *name),
            "exception {name} names no case"
        );
    }
}

/// Every proxy botocore would use in the fixture is one the adapter can use, except one that
/// botocore made by putting `http://` before a scheme it does not know (`HTTP://`,
/// `socks5://`): that one is refused with its URL named, where botocore tries to connect to a
/// host named after the scheme.
#[test]
fn every_chosen_proxy_url_is_usable_unless_botocore_mangled_it() {
    let mut mangled = 0;
    for case in fixture().cases {
        for proxy in case.expected.values().flatten() {
            let parsed = ProxyUrl::parse(proxy);
            if proxy["http://".len()..].contains("://") {
                mangled += 1;
                assert!(parsed.is_err(), "{}: {proxy}: {parsed:?}", case.name);
            } else {
                assert!(parsed.is_ok(), "{}: {proxy}: {parsed:?}", case.name);
            }
        }
    }
    assert!(mangled > 0, "the fixture has a mangled proxy URL");
}
