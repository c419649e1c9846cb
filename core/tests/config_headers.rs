//! The config parser against botocore itself on section headers: every case of
//! `fixtures/botocore/config_headers.json`, a config text with odd headers (quotes, spaces,
//! tabs, trailing text, duplicates, headers with no name, configparser's `[DEFAULT]`) and what
//! botocore 1.44.8 read from it: the sections (a credentials file's profile names) and the
//! profiles, sso-sessions and services sections with their keys and values, or an error. The
//! generator is `tests/reference/config_headers.py` (see `tests/reference/README.md`).
//!
//! Where this project deliberately reads a header otherwise, the case is listed in
//! [`EXCEPTIONS`] with the reason, and its own expectation is checked instead; every other
//! case must match.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use ssooidc_core::config::{AwsConfig, ConfigError, IniError, IniSection, IniValue};
use ssooidc_core::settings::CredentialsFile;

#[derive(Debug, Deserialize)]
struct Fixture {
    botocore: String,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    about: String,
    text: String,
    expected: Expected,
}

/// Sections by name, each key to its value (a string, or an object for a nested value).
type Sections = BTreeMap<String, BTreeMap<String, Value>>;

#[derive(Debug, Deserialize)]
struct Expected {
    sections: Option<Vec<String>>,
    profiles: Option<Sections>,
    sso_sessions: Option<Sections>,
    services: Option<Sections>,
    error: Option<Failure>,
}

#[derive(Debug, Deserialize)]
struct Failure {
    kind: String,
}

/// Cases where the project reads the text otherwise on purpose, and why.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "bom-before-first-header",
        "a byte-order mark (which Windows editors write) is skipped: botocore reads the file in \
         the locale's encoding without skipping it, so the first header is not a header there \
         and the whole file is an error",
    ),
    (
        "unclosed-header-as-setting",
        "a line that opens a header without closing it is an error naming its line: botocore \
         takes `[profile x: y` and `[] = z` for settings of the section above (keys \
         `[profile x` and `[]`), which only hides a broken header",
    ),
];

/// What core makes of a text, in botocore's terms.
#[derive(Debug, PartialEq)]
struct Seen {
    sections: BTreeSet<String>,
    profiles: Sections,
    sso_sessions: Sections,
    services: Sections,
}

fn values(sections: &BTreeMap<String, IniSection>) -> Sections {
    sections
        .iter()
        .map(|(name, section)| {
            let keys = section
                .values
                .iter()
                .map(|(key, value)| {
                    let value = match value {
                        IniValue::Plain(s) => Value::String(s.clone()),
                        IniValue::Nested(map) => Value::Object(
                            map.iter()
                                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                                .collect(),
                        ),
                    };
                    (key.clone(), value)
                })
                .collect();
            (name.clone(), keys)
        })
        .collect()
}

/// Core's reading of `text`: the config file's profiles, sso-sessions and services, and the
/// section names the same text has as a credentials file.
fn ours(text: &str) -> Result<Seen, ConfigError> {
    let config = AwsConfig::parse(text)?;
    let credentials = CredentialsFile::parse(text)?;
    Ok(Seen {
        sections: credentials.profiles.keys().cloned().collect(),
        profiles: values(&config.profiles),
        sso_sessions: values(&config.sso_sessions),
        services: values(&config.services),
    })
}

/// How core's reading of a case differs from botocore's (empty when it does not).
fn differences(case: &Case) -> Vec<String> {
    let e = &case.expected;
    match (&e.error, ours(&case.text)) {
        (Some(failure), Err(ConfigError::Syntax(_))) if failure.kind == "ConfigParseError" => {
            Vec::new()
        }
        (Some(failure), ours) => vec![format!("botocore: {}; ssooidc: {ours:?}", failure.kind)],
        (None, Err(ours)) => vec![format!("botocore reads it; ssooidc: {ours}")],
        (None, Ok(seen)) => {
            let botocore = Seen {
                sections: e.sections.iter().flatten().cloned().collect(),
                profiles: e.profiles.clone().unwrap_or_default(),
                sso_sessions: e.sso_sessions.clone().unwrap_or_default(),
                services: e.services.clone().unwrap_or_default(),
            };
            let mut diffs = Vec::new();
            let mut differ = |what: &str, theirs: String, ours: String| {
                if theirs != ours {
                    diffs.push(format!("{what}: botocore {theirs}, ssooidc {ours}"));
                }
            };
            differ(
                "sections",
                format!("{:?}", botocore.sections),
                format!("{:?}", seen.sections),
            );
            differ(
                "profiles",
                format!("{:?}", botocore.profiles),
                format!("{:?}", seen.profiles),
            );
            differ(
                "sso-sessions",
                format!("{:?}", botocore.sso_sessions),
                format!("{:?}", seen.sso_sessions),
            );
            differ(
                "services",
                format!("{:?}", botocore.services),
                format!("{:?}", seen.services),
            );
            diffs
        }
    }
}

fn fixture() -> Fixture {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/botocore/config_headers.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn case<'a>(fixture: &'a Fixture, name: &str) -> &'a Case {
    fixture
        .cases
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

#[test]
fn every_header_is_read_as_botocore_reads_it() {
    let fixture = fixture();
    assert_eq!(fixture.botocore, "1.44.8");
    assert!(fixture.cases.len() >= 50, "{} cases", fixture.cases.len());
    let mut failures = Vec::new();
    for case in &fixture.cases {
        if EXCEPTIONS.iter().any(|(name, _)| *name == case.name) {
            continue;
        }
        let diffs = differences(case);
        if !diffs.is_empty() {
            failures.push(format!(
                "{} ({}):\n  {}",
                case.name,
                case.about,
                diffs.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        fixture.cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_exceptions_hold_and_still_differ_from_botocore() {
    let fixture = fixture();
    for (name, _) in EXCEPTIONS {
        assert!(
            !differences(case(&fixture, name)).is_empty(),
            "{name} no longer differs from botocore: remove the exception"
        );
    }
    let seen = ours(&case(&fixture, "bom-before-first-header").text).unwrap();
    assert_eq!(
        seen.profiles["dev"]["region"], "eu-west-1",
        "the byte-order mark is skipped"
    );
    assert_eq!(
        ours(&case(&fixture, "unclosed-header-as-setting").text),
        Err(ConfigError::Syntax(IniError::BadHeader { line: 3 })),
        "the broken header is named by its line"
    );
}

/// The example, end to end: a quoted sso-session name with a space is found, and the
/// profile that names it resolves to it.
#[test]
fn a_quoted_sso_session_name_is_found_by_its_profile() {
    let fixture = fixture();
    let config = AwsConfig::parse(&case(&fixture, "quoted-sso-session-with-space").text).unwrap();
    let profile = config.sso_profile("dev").unwrap();
    assert_eq!(profile.session.unwrap().name, "my prod");
    let config = AwsConfig::parse(&case(&fixture, "quoted-profile").text).unwrap();
    assert!(config.profiles.contains_key("dev"), "{config:?}");
}
