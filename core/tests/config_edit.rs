//! `ConfigEditor` on generated config files (comments, blank lines, odd spacing, continuation
//! and nested values, quoted headers, sections that are not profiles, LF or CRLF) and on a
//! real-looking one: the text read back is what the edits asked for, and every section no edit
//! named is still there byte for byte, in its order.

use std::collections::BTreeMap;

use proptest::prelude::*;
use ssooidc_core::config::{AwsConfig, ConfigEditor, DiffLine, IniValue, SectionRef};

/// Profile names (a space, a quote: headers that must be quoted) and sso-session names.
const PROFILES: &[&str] = &["default", "dev", "my dev", "a\"b", "prod"];
const SESSIONS: &[&str] = &["corp", "corp sso"];

/// One section as generated: what it names (`None`: a section that is not a profile or an
/// sso-session) and its exact text.
#[derive(Debug, Clone)]
struct Block {
    names: Option<(bool, &'static str)>,
    text: String,
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A header for a profile (`true`) or sso-session (`false`) in one of the forms botocore reads.
fn header(profile: bool, name: &str, style: u8) -> String {
    let kind = if profile { "profile" } else { "sso-session" };
    let plain = !name.contains([' ', '"']);
    match style % 3 {
        _ if profile && name == "default" && style.is_multiple_of(2) => "[default]".to_owned(),
        0 if plain => format!("[{kind} {name}]"),
        1 if plain => format!("[{kind}  {name}] # a note"),
        _ => format!("[{kind} {}]", quoted(name)),
    }
}

/// The settings of a section: distinct keys, one indentation for all (a deeper one would make
/// a key the continuation of the one before), odd spacing, comments, blank lines, continuation
/// and nested values.
fn body(eol: &'static str) -> impl Strategy<Value = String> {
    let keys = prop::sample::subsequence(
        vec![
            "region",
            "output",
            "sso_session",
            "x_unknown",
            "Mixed_Case",
            "sso_oidc",
        ],
        0..5,
    );
    (
        keys,
        prop::sample::select(vec!["", "  ", "\t"]),
        prop::collection::vec((0u8..8, 0u8..4, 0u8..4), 6),
    )
        .prop_map(move |(keys, indent, shapes)| {
            let mut text = String::new();
            for (key, (shape, around, extra)) in keys.iter().zip(shapes) {
                let (before, sep, after) = [
                    (" ", "=", " "),
                    ("", "=", ""),
                    ("   ", ":", "\t"),
                    (" ", "=", "   "),
                ][around as usize];
                let value = ["us-east-1", "a b", "x=y", "json"][(shape % 4) as usize];
                if *key == "sso_oidc" {
                    text += &format!(
                        "{indent}{key} ={eol}{indent}  endpoint_url = http://127.0.0.1:1{eol}"
                    );
                } else {
                    text += &format!("{indent}{key}{before}{sep}{after}{value}{eol}");
                    if shape >= 6 {
                        text += &format!("{indent}    continued{eol}");
                    }
                }
                match extra {
                    0 => {}
                    1 => text += eol,
                    2 => text += &format!("# a comment{eol}"),
                    _ => text += &format!("   ; indented comment{eol}"),
                }
            }
            text
        })
}

fn block(eol: &'static str) -> impl Strategy<Value = Block> {
    let named = (
        any::<bool>(),
        0usize..PROFILES.len().max(SESSIONS.len()),
        any::<u8>(),
    );
    (prop::option::weighted(0.85, named), body(eol), 0u8..3).prop_map(
        move |(named, body, blanks)| {
            let (names, head) = match named {
                Some((profile, i, style)) => {
                    let name = if profile {
                        PROFILES[i % PROFILES.len()]
                    } else {
                        SESSIONS[i % SESSIONS.len()]
                    };
                    (Some((profile, name)), header(profile, name, style))
                }
                None => (None, "[plugins]".to_owned()),
            };
            let text = format!("{head}{eol}{body}{}", eol.repeat(blanks as usize));
            Block { names, text }
        },
    )
}

/// A whole file: a leading comment, blocks naming distinct sections, LF or CRLF.
fn file() -> impl Strategy<Value = (String, Vec<Block>)> {
    prop::sample::select(vec!["\n", "\r\n"]).prop_flat_map(|eol| {
        prop::collection::vec(block(eol), 0..7).prop_map(move |blocks| {
            let mut seen = std::collections::HashSet::new();
            let blocks: Vec<Block> = blocks
                .into_iter()
                .filter(|b| seen.insert(b.names.map(|(p, n)| (p, n.to_owned()))))
                .collect();
            let mut text = format!("# my config{eol}{eol}");
            for b in &blocks {
                text += &b.text;
            }
            (text, blocks)
        })
    })
}

#[derive(Debug, Clone)]
enum Op {
    Set(bool, &'static str, &'static str, &'static str),
    RemoveKey(bool, &'static str, &'static str),
    RemoveSection(bool, &'static str),
}

impl Op {
    fn target(&self) -> (bool, &'static str) {
        match self {
            Op::Set(p, n, _, _) | Op::RemoveKey(p, n, _) | Op::RemoveSection(p, n) => (*p, n),
        }
    }
}

fn section(profile: bool, name: &str) -> SectionRef<'_> {
    if profile {
        SectionRef::Profile(name)
    } else {
        SectionRef::SsoSession(name)
    }
}

fn op() -> impl Strategy<Value = Op> {
    let name = (any::<bool>(), any::<prop::sample::Index>()).prop_map(|(p, i)| {
        (
            p,
            if p {
                PROFILES[i.index(PROFILES.len())]
            } else {
                SESSIONS[i.index(SESSIONS.len())]
            },
        )
    });
    let key = prop::sample::select(vec![
        "region",
        "output",
        "sso_session",
        "sso_oidc",
        "new_key",
    ]);
    let value = prop::sample::select(vec!["eu-west-1", "json", "a b", "x=y:z", "#not-a-comment"]);
    prop_oneof![
        3 => (name.clone(), key.clone(), value).prop_map(|((p, n), k, v)| Op::Set(p, n, k, v)),
        1 => (name.clone(), key).prop_map(|((p, n), k)| Op::RemoveKey(p, n, k)),
        1 => name.prop_map(|(p, n)| Op::RemoveSection(p, n)),
    ]
}

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn edits_read_back_as_asked_and_the_rest_stays((text, blocks) in file(), ops in prop::collection::vec(op(), 0..8)) {
        let original = AwsConfig::parse(&text).expect("generated files parse");
        let mut expected = model(&original);
        let mut editor = ConfigEditor::new(&text).unwrap();
        for op in &ops {
            match *op {
                Op::Set(p, n, k, v) => {
                    editor.set(&section(p, n), k, v).unwrap();
                    expected.entry((p, n.to_owned())).or_default().insert(k.to_owned(), IniValue::Plain(v.to_owned()));
                }
                Op::RemoveKey(p, n, k) => {
                    let had = expected.get_mut(&(p, n.to_owned())).is_some_and(|s| s.remove(k).is_some());
                    prop_assert_eq!(editor.remove_key(&section(p, n), k), had);
                }
                Op::RemoveSection(p, n) => {
                    let had = expected.remove(&(p, n.to_owned())).is_some();
                    prop_assert_eq!(editor.remove_section(&section(p, n)), had);
                }
            }
        }
        // The diff is the two texts, line by line.
        let diff = editor.diff();
        let side = |keep: fn(&DiffLine) -> Option<&String>| diff.iter().filter_map(keep).cloned().collect::<Vec<_>>();
        let lines = |t: &str| t.lines().map(str::to_owned).collect::<Vec<_>>();
        prop_assert_eq!(side(|l| match l { DiffLine::Same(t) | DiffLine::Removed(t) => Some(t), _ => None }), lines(&text));
        prop_assert_eq!(side(|l| match l { DiffLine::Same(t) | DiffLine::Added(t) => Some(t), _ => None }), lines(&editor.text()));
        let out = editor.finish().unwrap();
        // parse(edit(x)) is the settings asked for.
        let parsed = AwsConfig::parse(&out).unwrap();
        prop_assert_eq!(model(&parsed), expected);
        prop_assert_eq!(&parsed.services, &original.services);
        // Every section no edit named is there byte for byte, in its order.
        let touched: Vec<(bool, &str)> = ops.iter().map(Op::target).collect();
        let mut at = 0;
        for b in &blocks {
            if b.names.is_some_and(|n| touched.contains(&n)) {
                continue;
            }
            // The blank lines at its end go when the section after it is the file's last and
            // is removed: compare the block without them.
            let kept = b.text.trim_end_matches(['\r', '\n']);
            let found = out[at..].find(kept);
            prop_assert!(found.is_some(), "lost or changed:\n{}\n--- in ---\n{}", kept, out);
            at += found.unwrap_or(0) + kept.len();
        }
        prop_assert!(out.starts_with("# my config"));
        // New lines end as the file's lines do.
        if text.contains("\r\n") {
            prop_assert!(!out.replace("\r\n", "").contains('\n'), "{:?}", out);
        } else {
            prop_assert!(!out.contains('\r'));
        }
    }

    #[test]
    fn adding_new_sections_only_appends((text, _blocks) in file(), n in 1usize..4) {
        let mut editor = ConfigEditor::new(&text).unwrap();
        for i in 0..n {
            editor.set(&SectionRef::Profile(&format!("generated {i}")), "region", "us-east-1").unwrap();
        }
        let out = editor.finish().unwrap();
        prop_assert!(out.starts_with(&text), "{:?}", out);
    }
}

/// A config file as people have them: comments, CRLF, a BOM, odd spacing, a nested services
/// section, credentials-style and plugin sections, many profiles.
fn real_looking() -> String {
    let mut text = String::from(
        "\u{feff}# ~/.aws/config — hand written\r\n\r\n[default]\r\nregion=eu-west-1\r\noutput = json\r\n\r\n; work\r\n[sso-session corp]\r\nsso_start_url = https://d-1234567890.awsapps.com/start\r\nsso_region = us-east-1\r\nsso_registration_scopes = sso:account:access\r\n\r\n[profile  legacy ]  # old style\r\nsso_start_url   :   https://old.awsapps.com/start\r\nsso_region = us-west-2\r\nsso_account_id = 111122223333\r\nsso_role_name = Admin\r\n\r\n[services local]\r\nsso_oidc =\r\n  endpoint_url = http://127.0.0.1:4566\r\n\r\n[plugins]\r\ncli_legacy_plugin_path = /opt/plugins\r\n",
    );
    for i in 0..40 {
        text += &format!(
            "\r\n[profile \"team {i}\"]\r\nsso_session = corp\r\nsso_account_id = {:012}\r\nsso_role_name = ReadOnly\r\nregion\t=  us-east-{}\r\n",
            100_000_000_000u64 + i,
            i % 2 + 1
        );
    }
    text
}

#[test]
fn a_real_looking_file_round_trips_and_changes_only_where_edited() {
    let text = real_looking();
    // No edit: the same bytes.
    assert_eq!(ConfigEditor::new(&text).unwrap().finish().unwrap(), text);
    let mut editor = ConfigEditor::new(&text).unwrap();
    editor
        .set(&SectionRef::Profile("team 7"), "region", "ap-south-1")
        .unwrap();
    assert!(editor.remove_section(&SectionRef::Profile("team 8")));
    editor
        .set(&SectionRef::Profile("new one"), "sso_session", "corp")
        .unwrap();
    let out = editor.finish().unwrap();
    let expected = text
        .replace("region\t=  us-east-2\r\n\r\n[profile \"team 8\"]", "region\t=  ap-south-1\r\n\r\n[profile \"team 8\"]")
        .replace(
            "[profile \"team 8\"]\r\nsso_session = corp\r\nsso_account_id = 100000000008\r\nsso_role_name = ReadOnly\r\nregion\t=  us-east-1\r\n\r\n",
            "",
        )
        + "\r\n[profile \"new one\"]\r\nsso_session = corp\r\n";
    assert_eq!(out, expected);
    let config = AwsConfig::parse(&out).unwrap();
    assert_eq!(config.profiles["team 7"].get("region"), Some("ap-south-1"));
    assert!(!config.profiles.contains_key("team 8"));
    assert_eq!(
        config.profiles["legacy"].get("sso_role_name"),
        Some("Admin")
    );
    assert_eq!(config.profiles.len(), 1 + 1 + 39 + 1);
}
