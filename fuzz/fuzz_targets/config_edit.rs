//! `config::ConfigEditor` on arbitrary text with arbitrary edits. The input is the config text,
//! a NUL byte, then the edits, three bytes each: what (set, remove a key, remove a section),
//! which section (a table of profile and sso-session names, odd ones among them), and which key
//! and value (tables too, with values and names the editor must refuse).
//!
//! Checks: text that parses is always editable and every edit ends in text that parses; a
//! refused edit changes nothing; what is read back is what was asked (the set value, the key
//! or section gone), and every section no edit named reads back with the same settings.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use ssooidc_core::config::{AwsConfig, ConfigEditor, IniValue, SectionRef};

const NAMES: &[&str] = &[
    "default", "dev", "my dev", "a\"b", "it's", "x]y", "[z]", "back\\slash", "", " pad", "a\nb",
];
const KEYS: &[&str] = &["region", "sso_session", "output", "sso_oidc", "Bad Key", ""];
const VALUES: &[&str] = &["us-east-1", "a b", "#x", "k = v", "", " pad", "two\nlines", "x\r"];

type Model = BTreeMap<(bool, String), BTreeMap<String, IniValue>>;

fn model(config: &AwsConfig) -> Model {
    let mut model = Model::new();
    for (name, s) in &config.profiles {
        model.insert((true, name.clone()), s.values.clone());
    }
    for (name, s) in &config.sso_sessions {
        model.insert((false, name.clone()), s.values.clone());
    }
    model
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let text = String::from_utf8_lossy(&data[..split]);
    // `[DEFAULT]` gives its keys to every section, new ones included: the model below does not
    // follow that (the editor's tests do).
    if text.contains("DEFAULT") {
        return;
    }
    let Ok(original) = AwsConfig::parse(&text) else {
        assert!(ConfigEditor::new(&text).is_err());
        return;
    };
    let mut editor = ConfigEditor::new(&text).expect("text that parses is editable");
    assert_eq!(editor.text(), text, "no edit, the same text");
    let mut expected = model(&original);
    for op in data.get(split + 1..).unwrap_or_default().chunks_exact(3) {
        let profile = op[1] & 0x80 != 0;
        let name = NAMES[(op[1] & 0x7f) as usize % NAMES.len()];
        let section = if profile {
            SectionRef::Profile(name)
        } else {
            SectionRef::SsoSession(name)
        };
        let key = KEYS[(op[2] >> 4) as usize % KEYS.len()];
        let value = VALUES[(op[2] & 0x0f) as usize % VALUES.len()];
        let entry = (profile, name.to_owned());
        let before = editor.text();
        match op[0] % 3 {
            0 => match editor.set(&section, key, value) {
                Ok(()) => {
                    expected
                        .entry(entry)
                        .or_default()
                        .insert(key.to_owned(), IniValue::Plain(value.to_owned()));
                }
                Err(e) => {
                    let _ = e.to_string();
                    assert_eq!(editor.text(), before, "a refused edit changes nothing");
                }
            },
            1 => {
                let had = expected
                    .get_mut(&entry)
                    .is_some_and(|s| s.remove(key).is_some());
                assert_eq!(editor.remove_key(&section, key), had);
            }
            _ => {
                let had = expected.remove(&entry).is_some();
                assert_eq!(editor.remove_section(&section), had);
            }
        }
        let now = AwsConfig::parse(&editor.text()).expect("every edit keeps the text readable");
        assert_eq!(model(&now), expected);
    }
    let out = editor.finish().expect("the edited text reads back");
    let parsed = AwsConfig::parse(&out).expect("checked by finish");
    assert_eq!(model(&parsed), expected);
});
