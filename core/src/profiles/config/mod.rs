//! `~/.aws/config` (spec 6.1): parsing from text, `[sso-session]` and profile resolution
//! with botocore's merge rule, and editing that keeps every other byte ([`ConfigEditor`]).
//!
//! ```
//! use ssooidc_core::config::{AwsConfig, SsoProfile};
//! let config = AwsConfig::parse("
//! [profile dev]
//! sso_session = my-sso
//! sso_account_id = 111122223333
//! sso_role_name = ReadOnly
//!
//! [sso-session my-sso]
//! sso_start_url = https://d-1234567890.awsapps.com/start
//! sso_region = us-east-1
//! sso_registration_scopes = sso:account:access
//! ").unwrap();
//! let profile = config.sso_profile("dev").unwrap();
//! let session = profile.session.as_ref().unwrap();
//! assert_eq!(session.name, "my-sso");
//! assert_eq!(profile.start_url, "https://d-1234567890.awsapps.com/start");
//! assert_eq!(profile.registration_scopes, ["sso:account:access"]);
//! ```

mod edit;
mod error;
pub use crate::formats::ini;

use std::borrow::Cow;
use std::collections::BTreeMap;

pub use edit::{ConfigEditor, DiffLine, EditError, SectionRef};
pub use error::{ConfigError, FileProblem, ProcessProblem};
pub use ini::{IniError, IniSection, IniValue};

/// A parsed `~/.aws/config`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AwsConfig {
    /// Profiles by name (`[default]` and `[profile default]` are both `default`).
    pub profiles: BTreeMap<String, IniSection>,
    /// `[sso-session NAME]` sections by name.
    pub sso_sessions: BTreeMap<String, IniSection>,
    /// `[services NAME]` sections by name.
    pub services: BTreeMap<String, IniSection>,
}

/// Keeps the section that comes later in the file under `name`.
fn insert_later(map: &mut BTreeMap<String, IniSection>, name: &str, section: IniSection) {
    match map.get(name) {
        Some(existing) if existing.line > section.line => {}
        _ => {
            map.insert(name.to_owned(), section);
        }
    }
}

/// What a section header names, as botocore's `build_profile_map` decides it.
#[derive(Debug, PartialEq, Eq)]
enum Header<'a> {
    /// `[default]`, `[profile NAME]`.
    Profile(Cow<'a, str>),
    /// `[sso-session NAME]`.
    SsoSession(Cow<'a, str>),
    /// `[services NAME]`.
    Services(Cow<'a, str>),
    /// Anything else (`[plugins]`, `[profile]`, `[profile a b]`, `[ profile a]`).
    Other,
}

impl<'a> Header<'a> {
    /// `[default]` exactly is the default profile. A header that starts with `profile`,
    /// `sso-session` or `services` (botocore checks the first word by prefix only, so
    /// `[profiles dev]` is a profile too) is split into words as a shell splits them
    /// ([`shell_words`], Python's `shlex.split`), and names a section only when it has exactly
    /// two words: `[profile "my dev"]` is the profile `my dev`, `[profile my dev]` nothing.
    fn of(header: &'a str) -> Header<'a> {
        let kind: fn(Cow<'a, str>) -> Header<'a> = if header.starts_with("profile") {
            Header::Profile
        } else if header.starts_with("sso-session") {
            Header::SsoSession
        } else if header.starts_with("services") {
            Header::Services
        } else if header == "default" {
            return Header::Profile(Cow::Borrowed("default"));
        } else {
            return Header::Other;
        };
        // Without quotes or backslashes, shlex's words are the runs between its separators:
        // split in place (the usual header, read on every command) rather than word by word.
        if !header.contains(['\'', '"', '\\']) {
            let mut words = header
                .split([' ', '\t', '\r', '\n'])
                .filter(|word| !word.is_empty());
            return match (words.next(), words.next(), words.next()) {
                (Some(_), Some(name), None) => kind(Cow::Borrowed(name)),
                _ => Header::Other,
            };
        }
        match shell_words(header).as_deref() {
            Some([_, name]) => kind(Cow::Owned(name.clone())),
            _ => Header::Other,
        }
    }
}

/// `text` split into words as Python's `shlex.split` splits it (POSIX mode, no comments),
/// which botocore applies to section headers: words are separated by spaces, tabs, carriage
/// returns and newlines (nothing else); `'...'` quotes everything literally; `"..."` quotes
/// everything but `\"` and `\\`; outside quotes a backslash makes the next character literal;
/// quoted parts join the word around them, and `""` is an empty word. `None` where shlex
/// raises: a quote not closed, a backslash at the end.
fn shell_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    // The word being read, `None` between words (an empty word is `Some("")` once quoted).
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => words.extend(word.take()),
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            '\'' => {
                let word = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => word.push(c),
                    }
                }
            }
            '"' => {
                let word = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\') => word.push(c),
                            c => {
                                word.push('\\');
                                word.push(c);
                            }
                        },
                        c => word.push(c),
                    }
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

impl AwsConfig {
    /// Parses config text. Errors carry line numbers.
    ///
    /// Section headers name what botocore's do (a test of this crate holds this against
    /// botocore): `[profile "my dev"]` is the profile `my dev`, `[profile dev] # note`
    /// the profile `dev`, `[ profile dev ]` and `[profile my dev]` nothing. When two headers
    /// name the same section (`[default]` and `[profile default]`, `[profile dev]` and
    /// `[profile "dev"]`) the later one in the file replaces the earlier one whole.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let mut config = AwsConfig::default();
        for (header, section) in ini::parse(text)? {
            let (map, name) = match Header::of(&header) {
                Header::Profile(name) => (&mut config.profiles, name),
                Header::SsoSession(name) => (&mut config.sso_sessions, name),
                Header::Services(name) => (&mut config.services, name),
                // Other sections (`[plugins]`, credentials-style `[name]`) are not ours.
                Header::Other => continue,
            };
            insert_later(map, &name, section);
        }
        Ok(config)
    }

    /// The `[sso-session NAME]` settings.
    pub fn sso_session(&self, name: &str) -> Result<SsoSession, ConfigError> {
        let section = self
            .sso_sessions
            .get(name)
            .ok_or_else(|| ConfigError::SessionNotFound(name.to_owned()))?;
        let label = format!("sso-session {name}");
        let need = |key: &'static str| {
            section
                .get(key)
                .map(str::to_owned)
                .ok_or_else(|| ConfigError::MissingKey {
                    section: label.clone(),
                    key,
                })
        };
        Ok(SsoSession {
            name: name.to_owned(),
            start_url: need("sso_start_url")?,
            region: need("sso_region")?,
            registration_scopes: section
                .get("sso_registration_scopes")
                .map(split_scopes)
                .unwrap_or_default(),
        })
    }

    /// The SSO settings of profile `name`: the sso-session form (the session's keys laid over
    /// the profile's, an error when one key differs) or the legacy form.
    pub fn sso_profile(&self, name: &str) -> Result<SsoProfile, ConfigError> {
        let profile = self
            .profiles
            .get(name)
            .ok_or_else(|| ConfigError::ProfileNotFound(name.to_owned()))?;
        let label = format!("profile {name}");
        let account_id = profile.get("sso_account_id").map(str::to_owned);
        let role_name = profile.get("sso_role_name").map(str::to_owned);
        if let Some(session_name) = profile.get("sso_session") {
            let session_section = self
                .sso_sessions
                .get(session_name)
                .ok_or_else(|| ConfigError::SessionNotFound(session_name.to_owned()))?;
            for (key, value) in &session_section.values {
                let (IniValue::Plain(session_value), Some(profile_value)) =
                    (value, profile.get(key))
                else {
                    continue;
                };
                if profile_value != session_value {
                    return Err(ConfigError::Inconsistent {
                        key: key.clone(),
                        profile: name.to_owned(),
                        session: session_name.to_owned(),
                        profile_value: profile_value.to_owned(),
                        session_value: session_value.clone(),
                    });
                }
            }
            let session = self.sso_session(session_name)?;
            return Ok(SsoProfile {
                profile: name.to_owned(),
                start_url: session.start_url.clone(),
                region: session.region.clone(),
                registration_scopes: session.registration_scopes.clone(),
                account_id,
                role_name,
                session: Some(session),
            });
        }
        let start_url = profile.get("sso_start_url");
        if start_url.is_none() && account_id.is_none() && role_name.is_none() {
            return Err(ConfigError::NotSso(name.to_owned()));
        }
        let need = |key: &'static str| {
            profile
                .get(key)
                .map(str::to_owned)
                .ok_or_else(|| ConfigError::MissingKey {
                    section: label.clone(),
                    key,
                })
        };
        Ok(SsoProfile {
            profile: name.to_owned(),
            start_url: need("sso_start_url")?,
            region: need("sso_region")?,
            registration_scopes: Vec::new(),
            account_id,
            role_name,
            session: None,
        })
    }
}

/// `sso_registration_scopes`: split on `,`, trim each part, drop empty parts, keep the order.
pub fn split_scopes(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An `[sso-session NAME]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoSession {
    /// The session name.
    pub name: String,
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region`.
    pub region: String,
    /// `sso_registration_scopes`, split.
    pub registration_scopes: Vec<String>,
}

/// A profile's SSO settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoProfile {
    /// The profile name.
    pub profile: String,
    /// The start URL (from the session when there is one).
    pub start_url: String,
    /// The SSO region (from the session when there is one).
    pub region: String,
    /// Registration scopes (only sessions have them).
    pub registration_scopes: Vec<String>,
    /// `sso_account_id`.
    pub account_id: Option<String>,
    /// `sso_role_name`.
    pub role_name: Option<String>,
    /// The sso-session, for the refreshable form; `None` for a legacy profile.
    pub session: Option<SsoSession>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_CONFIG: &str = "# Comments go on their own lines.
[profile dev]
# sso-session (token provider) form:
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = us-west-2

[sso-session my-sso]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = ReadOnly

[default]
sso_session = my-sso

[profile local]
sso_session = my-sso
services = local-oidc

[services local-oidc]
sso_oidc =
  endpoint_url = http://127.0.0.1:4566
";

    #[test]
    fn spec_6_1_example() {
        let c = AwsConfig::parse(SPEC_CONFIG).unwrap();
        let dev = c.sso_profile("dev").unwrap();
        assert_eq!(dev.region, "us-east-1", "sso_region, not region");
        assert_eq!(dev.account_id.as_deref(), Some("111122223333"));
        assert_eq!(dev.session.as_ref().unwrap().name, "my-sso");
        let legacy = c.sso_profile("legacy").unwrap();
        assert!(legacy.session.is_none());
        assert_eq!(legacy.start_url, "https://d-1234567890.awsapps.com/start");
        assert!(legacy.registration_scopes.is_empty());
        assert_eq!(c.sso_profile("default").unwrap().start_url, dev.start_url);
    }

    #[test]
    fn the_unquoted_fast_path_splits_as_shlex_does() {
        // Every header without quotes or backslashes goes the fast way; it must name what the
        // shlex split names.
        let parts = [
            "profile",
            "sso-session",
            "services",
            "dev",
            "a",
            " ",
            "\t",
            "\r",
            "\n",
            "  \t",
        ];
        let mut headers = Vec::new();
        for a in parts {
            for b in parts {
                for c in parts {
                    headers.push(format!("{a}{b}{c}"));
                    headers.push(format!("{a} {b}\t{c} "));
                }
            }
        }
        for header in headers {
            let slow = match shell_words(&header).as_deref() {
                Some([_, name]) => Some(name.clone()),
                _ => None,
            };
            let fast = match Header::of(&header) {
                Header::Profile(n) | Header::SsoSession(n) | Header::Services(n) => Some(n),
                Header::Other => None,
            };
            let known = ["profile", "sso-session", "services"]
                .iter()
                .any(|k| header.starts_with(k));
            if header == "default" {
                continue;
            }
            assert_eq!(
                fast.as_deref(),
                slow.filter(|_| known).as_deref(),
                "{header:?}"
            );
        }
    }

    #[test]
    fn headers_split_as_a_shell_splits_them() {
        let words = |t: &str| shell_words(t).map(|w| w.join("|"));
        assert_eq!(words("profile  \t dev "), Some("profile|dev".into()));
        assert_eq!(
            words(r#"a "b c"d 'e\f' "g\"h\\i\j" k\ l"#),
            Some(r#"a|b cd|e\f|g"h\i\j|k l"#.into())
        );
        assert_eq!(words(r#"profile """#), Some("profile|".into()));
        assert_eq!(words("profile\u{a0}dev"), Some("profile\u{a0}dev".into()));
        assert_eq!(words(r#"profile "dev"#), None);
        assert_eq!(words(r"profile dev\"), None);
        assert_eq!(
            Header::of("profile 'my dev'"),
            Header::Profile("my dev".into())
        );
        assert_eq!(Header::of("profiles dev"), Header::Profile("dev".into()));
        assert_eq!(
            Header::of("sso-session \"s\""),
            Header::SsoSession("s".into())
        );
        assert_eq!(Header::of("default"), Header::Profile("default".into()));
        for other in [
            "profile",
            "profile a b",
            " profile a",
            "default ",
            "plugins",
            "Profile a",
        ] {
            assert_eq!(Header::of(other), Header::Other, "{other:?}");
        }
    }

    #[test]
    fn scopes_split_trim_and_drop_empty() {
        assert_eq!(split_scopes(" a , b,,c ,"), ["a", "b", "c"]);
        assert!(split_scopes(" , ").is_empty());
    }

    #[test]
    fn inconsistent_profile_and_session_is_an_error() {
        let c = AwsConfig::parse(
            "[profile p]\nsso_session = s\nsso_region = us-west-2\n[sso-session s]\nsso_start_url = https://x\nsso_region = us-east-1\n",
        )
        .unwrap();
        match c.sso_profile("p") {
            Err(ConfigError::Inconsistent { key, .. }) => assert_eq!(key, "sso_region"),
            other => panic!("{other:?}"),
        }
        // The same value in both is fine.
        let c = AwsConfig::parse(
            "[profile p]\nsso_session = s\nsso_region = us-east-1\n[sso-session s]\nsso_start_url = https://x\nsso_region = us-east-1\n",
        )
        .unwrap();
        assert!(c.sso_profile("p").is_ok());
    }

    #[test]
    fn missing_pieces_are_clear_errors() {
        let c = AwsConfig::parse("[profile p]\nsso_session = nope\n[profile q]\nregion = x\n[profile r]\nsso_start_url = https://x\n[sso-session s]\nsso_region = us-east-1\n").unwrap();
        assert_eq!(
            c.sso_profile("p"),
            Err(ConfigError::SessionNotFound("nope".into()))
        );
        assert_eq!(c.sso_profile("q"), Err(ConfigError::NotSso("q".into())));
        assert_eq!(
            c.sso_profile("zzz"),
            Err(ConfigError::ProfileNotFound("zzz".into()))
        );
        assert_eq!(
            c.sso_profile("r"),
            Err(ConfigError::MissingKey {
                section: "profile r".into(),
                key: "sso_region"
            })
        );
        assert_eq!(
            c.sso_session("s"),
            Err(ConfigError::MissingKey {
                section: "sso-session s".into(),
                key: "sso_start_url"
            })
        );
    }

    #[test]
    fn syntax_errors_have_line_numbers() {
        let e = AwsConfig::parse("[profile a]\nsso_region = x\nnot a setting\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "config file: line 3: expected `[section]` or `key = value`"
        );
    }
}
