//! The INI dialect of `~/.aws/config` as botocore reads it (Python `configparser`, raw):
//! `[section]` headers, `key = value` or `key: value`, keys lower-cased, whole-line comments
//! starting with `#` or `;` (no inline comments), indented continuation lines, and nested
//! sub-sections for values that start on the next line (`sso_oidc =` + indented `key = value`).
//!
//! A header is configparser's: a line that starts with `[` and has a `]` after at least one
//! character; the section's name is everything between the `[` and the line's *last* `]`, kept
//! as it is (spaces and tabs included: `[ default ]` is the section ` default `), and anything
//! after that `]` is ignored (`[profile dev] # comment`). `[DEFAULT]` is configparser's own
//! section: not a section of its own, its keys are given to every section that lacks them.
//! What a header *means* (`[profile "my dev"]`) is the config file's business
//! (`profiles/config`).

use std::collections::BTreeMap;

/// A value in a section: a plain string, or a nested sub-section.
///
/// Deliberately exhaustive: these are the only two forms a value has in the dialect botocore
/// reads (configparser's raw value, and botocore's nested sub-section), a format this crate
/// imitates and does not extend; a reader of a section must handle both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IniValue {
    /// `key = value` (continuation lines joined with `\n`).
    Plain(String),
    /// `key =` followed by indented `subkey = value` lines.
    Nested(BTreeMap<String, String>),
}

/// One `[header]` section with its keys. Its `Debug` redacts the values of keys that hold
/// secrets (`aws_secret_access_key`, `aws_session_token`, anything named like a secret, token or
/// password): a config file may carry static credentials.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct IniSection {
    /// 1-based line of the header.
    pub line: usize,
    /// Key to value, keys lower-cased.
    pub values: BTreeMap<String, IniValue>,
}

impl IniSection {
    /// A plain value, trimmed; `None` when absent, nested or empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        match self.values.get(key)? {
            IniValue::Plain(v) if !v.is_empty() => Some(v),
            _ => None,
        }
    }
}

/// Whether a key's value is a secret.
fn is_sensitive_key(key: &str) -> bool {
    ["secret", "token", "password"]
        .iter()
        .any(|word| key.contains(word))
}

impl std::fmt::Debug for IniSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Redacted;
        impl std::fmt::Debug for Redacted {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("<redacted>")
            }
        }
        let mut map = f.debug_map();
        for (key, value) in &self.values {
            if is_sensitive_key(key) {
                map.entry(key, &Redacted);
            } else {
                map.entry(key, value);
            }
        }
        map.finish()?;
        write!(f, " (line {})", self.line)
    }
}

/// A syntax error in a config file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IniError {
    /// A `key = value` line before any `[section]`.
    #[error("line {line}: a setting outside any [section]")]
    NoSection {
        /// 1-based line.
        line: usize,
    },
    /// A line that is neither a header, a setting, a comment nor a continuation.
    #[error("line {line}: expected `[section]` or `key = value`")]
    BadLine {
        /// 1-based line.
        line: usize,
    },
    /// A line that opens a `[` header and does not close it: no `]`, or nothing before it
    /// (`[profile dev`, `[]`).
    #[error("line {line}: malformed section header")]
    BadHeader {
        /// 1-based line.
        line: usize,
    },
    /// The same section twice.
    #[error("line {line}: section [{name}] already appears on line {first}")]
    DuplicateSection {
        /// The section header.
        name: String,
        /// 1-based line of the repeat.
        line: usize,
        /// 1-based line of the first.
        first: usize,
    },
    /// The same key twice in one section.
    #[error("line {line}: `{key}` is set twice in this section")]
    DuplicateKey {
        /// The key.
        key: String,
        /// 1-based line of the repeat.
        line: usize,
    },
    /// A nested sub-section line that is not `key = value`.
    #[error("line {line}: expected an indented `key = value` in the nested section")]
    BadNested {
        /// 1-based line.
        line: usize,
    },
}

/// A setting being read: its key, its line, and its value's lines (with their line numbers).
type PendingValue = (String, usize, Vec<(usize, String)>);

/// How far a line is indented: its count of leading whitespace characters, as Python's
/// `configparser` measures it.
fn indent(line: &str) -> usize {
    line.chars().take_while(|c| c.is_whitespace()).count()
}

/// configparser's section of defaults: its keys go to every other section.
const DEFAULTS_SECTION: &str = "DEFAULT";

/// The name of a header line (already trimmed), as configparser's `\[(?P<header>.+)\]` finds
/// it at the start of the line: from after the `[` to the line's last `]`, at least one
/// character, untrimmed. `None` for a line that is not a header.
pub(crate) fn header_name(trimmed: &str) -> Option<&str> {
    let rest = trimmed.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// Parses config text into sections keyed by their header's name (between the `[` and the last
/// `]`, untrimmed: see the module's documentation), the keys of `[DEFAULT]` given to every
/// section that does not set them.
pub fn parse(text: &str) -> Result<BTreeMap<String, IniSection>, IniError> {
    let mut sections: BTreeMap<String, IniSection> = parse_sections(text)?;
    if let Some(defaults) = sections.remove(DEFAULTS_SECTION) {
        for section in sections.values_mut() {
            for (key, value) in &defaults.values {
                section
                    .values
                    .entry(key.clone())
                    .or_insert_with(|| value.clone());
            }
        }
    }
    Ok(sections)
}

/// Where one section of the text is, for an editor that changes it in place: 0-based line
/// indices (the lines of `str::lines`, a BOM on the first line kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SectionSpan {
    /// The header's name, as a key of [`parse`]'s map.
    pub(crate) name: String,
    /// The header line.
    pub(crate) header: usize,
    /// Each setting: its key, its first line and its last line (the last continuation or
    /// nested line; comments and blank lines between them included).
    pub(crate) keys: Vec<(String, usize, usize)>,
}

/// The sections of `text` in the order they appear, with where each setting is; the text's
/// syntax errors as [`parse`] finds them.
pub(crate) fn spans(text: &str) -> Result<Vec<SectionSpan>, IniError> {
    let mut spans = Vec::new();
    parse_sections_into(text, Some(&mut spans))?;
    Ok(spans)
}

/// The sections as written, `[DEFAULT]` among them (it may appear more than once, its keys
/// adding up; a key set twice in it is an error as in any section).
fn parse_sections(text: &str) -> Result<BTreeMap<String, IniSection>, IniError> {
    parse_sections_into(text, None)
}

/// [`parse_sections`], recording where each section and setting is in `layout` when given.
fn parse_sections_into(
    text: &str,
    mut layout: Option<&mut Vec<SectionSpan>>,
) -> Result<BTreeMap<String, IniSection>, IniError> {
    let mut sections: BTreeMap<String, IniSection> = BTreeMap::new();
    let mut current: Option<String> = None;
    // The key whose value continuation lines extend, with the lines gathered so far.
    let mut pending: Option<PendingValue> = None;
    // The indentation of the line that started the pending setting: only lines indented
    // deeper continue it (configparser), so `  a = 1` then ` b = 2` are two settings.
    let mut key_indent = 0;

    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let trimmed = raw.trim();
        let indented = indent(raw) > key_indent;
        if trimmed.starts_with(['#', ';']) {
            continue;
        }
        if indented && !trimmed.is_empty() {
            if let Some((_, _, lines)) = pending.as_mut() {
                lines.push((line_no, trimmed.to_owned()));
                continue;
            }
        }
        if trimmed.is_empty() {
            continue;
        }
        // Anything else ends a multi-line value.
        if let Some(done) = pending.take() {
            record(layout.as_deref_mut(), &done);
            store(&mut sections, current.as_deref(), done)?;
        }
        if trimmed.starts_with('[') {
            // Unlike configparser, which would take `[profile x: y` for a setting named
            // `[profile x`, a line that opens a header and does not close it is an error.
            let name = header_name(trimmed).ok_or(IniError::BadHeader { line: line_no })?;
            match sections.get(name) {
                Some(_) if name == DEFAULTS_SECTION => {}
                Some(first) => {
                    return Err(IniError::DuplicateSection {
                        name: name.to_owned(),
                        line: line_no,
                        first: first.line,
                    });
                }
                None => {
                    sections.insert(
                        name.to_owned(),
                        IniSection {
                            line: line_no,
                            values: BTreeMap::new(),
                        },
                    );
                }
            }
            if let Some(layout) = layout.as_deref_mut() {
                layout.push(SectionSpan {
                    name: name.to_owned(),
                    header: idx,
                    keys: Vec::new(),
                });
            }
            current = Some(name.to_owned());
            continue;
        }
        let split = trimmed
            .find(['=', ':'])
            .ok_or(IniError::BadLine { line: line_no })?;
        let key = trimmed[..split].trim().to_ascii_lowercase();
        if key.is_empty() {
            return Err(IniError::BadLine { line: line_no });
        }
        if current.is_none() {
            return Err(IniError::NoSection { line: line_no });
        }
        let value = trimmed[split + 1..].trim().to_owned();
        let mut lines = Vec::new();
        if !value.is_empty() {
            lines.push((line_no, value));
        }
        key_indent = indent(raw);
        pending = Some((key, line_no, lines));
    }
    if let Some(done) = pending.take() {
        record(layout, &done);
        store(&mut sections, current.as_deref(), done)?;
    }
    Ok(sections)
}

/// Notes where a finished setting is in the last section of `layout`.
fn record(layout: Option<&mut Vec<SectionSpan>>, (key, line, lines): &PendingValue) {
    if let Some(section) = layout.and_then(|l| l.last_mut()) {
        let last = lines.last().map_or(*line, |(l, _)| *l).max(*line);
        section.keys.push((key.clone(), line - 1, last - 1));
    }
}

fn store(
    sections: &mut BTreeMap<String, IniSection>,
    current: Option<&str>,
    (key, line, lines): PendingValue,
) -> Result<(), IniError> {
    let section = current
        .and_then(|name| sections.get_mut(name))
        .ok_or(IniError::NoSection { line })?;
    if section.values.contains_key(&key) {
        return Err(IniError::DuplicateKey { key, line });
    }
    // `key =` with the value on indented lines below is a nested sub-section when those lines
    // are `k = v` settings (botocore's `_parse_nested`).
    let first_is_on_key_line = lines.first().is_some_and(|(l, _)| *l == line);
    let value = if !first_is_on_key_line && !lines.is_empty() {
        let mut nested = BTreeMap::new();
        for (l, text) in &lines {
            let (k, v) = text
                .split_once('=')
                .ok_or(IniError::BadNested { line: *l })?;
            let k = k.trim().to_owned();
            if k.is_empty() {
                return Err(IniError::BadNested { line: *l });
            }
            nested.insert(k, v.trim().to_owned());
        }
        IniValue::Nested(nested)
    } else {
        IniValue::Plain(
            lines
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    section.values.insert(key, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keys_comments_and_nesting() {
        let text = "# top comment\n[profile dev]\nRegion = us-west-2\n; another\nsso_session: my-sso\nvalue = a # not a comment\n\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:4566\n  other = x\n";
        let s = parse(text).unwrap();
        let dev = &s["profile dev"];
        assert_eq!(dev.line, 2);
        assert_eq!(dev.get("region"), Some("us-west-2"));
        assert_eq!(dev.get("sso_session"), Some("my-sso"));
        assert_eq!(dev.get("value"), Some("a # not a comment"));
        match &s["services local"].values["sso_oidc"] {
            IniValue::Nested(m) => assert_eq!(m["endpoint_url"], "http://127.0.0.1:4566"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn continuation_lines_join() {
        let s = parse("[a]\nk = one\n  two\n").unwrap();
        assert_eq!(s["a"].get("k"), Some("one\ntwo"));
    }

    #[test]
    fn only_deeper_indentation_continues_a_value() {
        let s = parse("[a]\n   region   =   eu-west-1   \n\tmax_attempts\t=\t4\t\n").unwrap();
        assert_eq!(s["a"].get("region"), Some("eu-west-1"));
        assert_eq!(s["a"].get("max_attempts"), Some("4"));
        let s = parse("[a]\n  k = one\n    two\n").unwrap();
        assert_eq!(s["a"].get("k"), Some("one\ntwo"));
    }

    #[test]
    fn errors_carry_line_numbers() {
        assert_eq!(parse("k = v\n"), Err(IniError::NoSection { line: 1 }));
        assert_eq!(parse("[a]\n\njunk\n"), Err(IniError::BadLine { line: 3 }));
        assert_eq!(parse("[a\n"), Err(IniError::BadHeader { line: 1 }));
        assert_eq!(parse("[]\n"), Err(IniError::BadHeader { line: 1 }));
        assert_eq!(
            parse("[a]\n[b]\n[a]\n"),
            Err(IniError::DuplicateSection {
                name: "a".into(),
                line: 3,
                first: 1
            })
        );
        assert_eq!(
            parse("[a]\nk=1\nK=2\n"),
            Err(IniError::DuplicateKey {
                key: "k".into(),
                line: 3
            })
        );
        assert_eq!(
            parse("[a]\nn =\n  novalue\n"),
            Err(IniError::BadNested { line: 3 })
        );
        assert_eq!(parse("[a]\n= v\n"), Err(IniError::BadLine { line: 2 }));
    }

    #[test]
    fn debug_redacts_credentials() {
        let s = parse("[default]\naws_access_key_id = AKID\naws_secret_access_key = SECRETKEY\naws_session_token = SESSIONTOKEN\nregion = us-east-1\n").unwrap();
        let shown = format!("{:?}", s);
        assert!(
            !shown.contains("SECRETKEY") && !shown.contains("SESSIONTOKEN"),
            "{shown}"
        );
        assert!(
            shown.contains("AKID") && shown.contains("us-east-1"),
            "{shown}"
        );
    }

    #[test]
    fn headers_are_configparsers() {
        // Untrimmed names, text after the last `]` ignored, `[DEFAULT]` given to every section.
        let s =
            parse("[ a ]\nk = 1\n[b] # note\n[c]]\n[DEFAULT]\nk = 0\nd = 2\n[DEFAULT]\ne = 3\n")
                .unwrap();
        assert_eq!(s.keys().collect::<Vec<_>>(), [" a ", "b", "c]"]);
        assert_eq!(s[" a "].get("k"), Some("1"), "the section's own value wins");
        assert_eq!(s["b"].get("k"), Some("0"));
        assert_eq!((s["c]"].get("d"), s["c]"].get("e")), (Some("2"), Some("3")));
        assert_eq!(
            parse("[DEFAULT]\nk = 0\n[DEFAULT]\nk = 1\n"),
            Err(IniError::DuplicateKey {
                key: "k".into(),
                line: 4
            })
        );
        assert_eq!(parse("[a]\n[] = x\n"), Err(IniError::BadHeader { line: 2 }));
    }

    #[test]
    fn crlf_and_bom_are_fine() {
        let s = parse("\u{feff}[default]\r\nsso_region = us-east-1\r\n").unwrap();
        assert_eq!(s["default"].get("sso_region"), Some("us-east-1"));
    }
}
