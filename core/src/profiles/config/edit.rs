//! [`ConfigEditor`]: changes to `~/.aws/config` text that touch only what they must.
//!
//! Setting a key rewrites that key's lines (its continuation and nested lines with it) and
//! nothing else; a new key goes after the last setting of its section; a new section goes at
//! the end of the file; removing a section removes its header, its settings and the blank lines
//! after it. Every other byte — comments, blank lines, order, unknown keys and sections, odd
//! spacing, a BOM, CRLF line endings — stays as it was. New lines end as the file's first line
//! does (`\r\n` or `\n`).
//!
//! Sections are found by what botocore reads a header as (`[profile "my dev"]` is the profile
//! `my dev`); when two headers name the same section, botocore (and [`AwsConfig::parse`]) uses
//! the later one, and so does the editor. Names and values that could not be written so that
//! they read back the same (a line break, a control character, spaces around a value, an empty
//! name) are refused with an [`EditError`]. `[DEFAULT]` is left alone: its keys still reach
//! every section that does not set them, so a key removed from a profile may read back as the
//! default's.
//!
//! ```
//! use ssooidc_core::config::{AwsConfig, ConfigEditor, SectionRef};
//! let mut editor = ConfigEditor::new("# mine\r\n[profile dev]\r\nregion = us-east-1\r\n").unwrap();
//! editor.set(&SectionRef::Profile("dev"), "output", "json").unwrap();
//! editor.set(&SectionRef::SsoSession("my sso"), "sso_region", "eu-west-1").unwrap();
//! let text = editor.finish().unwrap();
//! assert_eq!(
//!     text,
//!     "# mine\r\n[profile dev]\r\nregion = us-east-1\r\noutput = json\r\n\r\n[sso-session \"my sso\"]\r\nsso_region = eu-west-1\r\n"
//! );
//! assert_eq!(AwsConfig::parse(&text).unwrap().sso_sessions["my sso"].get("sso_region"), Some("eu-west-1"));
//! ```

use super::{AwsConfig, ConfigError, Header};
use crate::formats::ini::{self, SectionSpan};

/// A section of the config file, by what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionRef<'a> {
    /// A profile: `[default]` or `[profile NAME]`.
    Profile(&'a str),
    /// `[sso-session NAME]`.
    SsoSession(&'a str),
}

impl SectionRef<'_> {
    /// Whether a header (as [`ini::parse`] keys it) names this section.
    fn is(&self, header: &str) -> bool {
        match (self, Header::of(header)) {
            (SectionRef::Profile(want), Header::Profile(name)) => name == *want,
            (SectionRef::SsoSession(want), Header::SsoSession(name)) => name == *want,
            _ => false,
        }
    }

    /// The header a new section gets (without the brackets): `default`, `profile NAME`,
    /// `sso-session NAME`, the name quoted as a shell quotes a word when it has a space, a quote
    /// or a backslash.
    fn header(&self) -> Result<String, EditError> {
        let (kind, name) = match self {
            SectionRef::Profile("default") => return Ok("default".to_owned()),
            SectionRef::Profile(name) => ("profile", *name),
            SectionRef::SsoSession(name) => ("sso-session", *name),
        };
        let bad = |why: &'static str| EditError::BadName {
            name: name.to_owned(),
            why,
        };
        if name.is_empty() {
            return Err(bad("it is empty"));
        }
        if name.chars().any(char::is_control) {
            return Err(bad("it has a control character"));
        }
        if name.trim() != name {
            return Err(bad("it starts or ends with a space"));
        }
        let header = if name.contains([' ', '"', '\'', '\\']) {
            let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
            format!("{kind} \"{escaped}\"")
        } else {
            format!("{kind} {name}")
        };
        // What is written reads back as this section (the brackets: `]` may be in the name,
        // the header ends at the line's last one).
        if !self.is(&header) || ini::header_name(&format!("[{header}]")) != Some(&header) {
            return Err(bad("botocore would not read it back as written"));
        }
        Ok(header)
    }
}

impl std::fmt::Display for SectionRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SectionRef::Profile(name) => write!(f, "profile {name}"),
            SectionRef::SsoSession(name) => write!(f, "sso-session {name}"),
        }
    }
}

/// An edit that cannot be made as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The text to edit is not a config file botocore reads (the editor changes nothing it
    /// cannot read whole).
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// A profile or sso-session name that cannot be written.
    #[error("the name {name:?} cannot be used: {why}")]
    BadName {
        /// The name.
        name: String,
        /// Why.
        why: &'static str,
    },
    /// A key that is not lower-case letters, digits and `_`.
    #[error("the key {0:?} cannot be used: keys are lower-case letters, digits and `_`")]
    BadKey(String),
    /// A value that would not read back as written.
    #[error("the value of `{key}` cannot be written: {why}")]
    BadValue {
        /// The key.
        key: String,
        /// Why.
        why: &'static str,
    },
}

/// Edits config text in place; see the module's documentation.
#[derive(Debug, Clone)]
pub struct ConfigEditor {
    /// The text's lines, each with its line ending (the last may have none).
    lines: Vec<String>,
    /// For each line, the index of the original line it is unchanged from (`None`: new or
    /// changed), for [`ConfigEditor::diff`]: lines are only ever removed or inserted, never
    /// moved, so these indices increase.
    origin: Vec<Option<usize>>,
    /// The lines of the text the editor started from.
    original: Vec<String>,
    /// The line ending of new lines.
    eol: &'static str,
    /// Where the sections are, when known (`None` after an edit that moved lines; appending to
    /// the last section or adding one keeps it, so that adding many profiles does not read
    /// the whole text again for each setting).
    spans: Option<Vec<SectionSpan>>,
}

/// Checks a key: lower-case ASCII letters, digits and `_`, not empty.
fn check_key(key: &str) -> Result<(), EditError> {
    let ok = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    ok.then_some(())
        .ok_or_else(|| EditError::BadKey(key.to_owned()))
}

/// Checks a value: one line that reads back the same (not empty, no control characters, no
/// spaces around it).
fn check_value(key: &str, value: &str) -> Result<(), EditError> {
    let bad = |why| {
        Err(EditError::BadValue {
            key: key.to_owned(),
            why,
        })
    };
    if value.is_empty() {
        return bad("it is empty");
    }
    if value.chars().any(char::is_control) {
        return bad("it has a line break or another control character");
    }
    if value.trim() != value {
        return bad("it starts or ends with a space");
    }
    Ok(())
}

impl ConfigEditor {
    /// An editor of `text`, which must be a config file [`AwsConfig::parse`] reads.
    pub fn new(text: &str) -> Result<Self, EditError> {
        AwsConfig::parse(text)?;
        let eol = match text.find('\n') {
            Some(i) if text[..i].ends_with('\r') => "\r\n",
            _ => "\n",
        };
        let lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
        Ok(ConfigEditor {
            origin: (0..lines.len()).map(Some).collect(),
            original: lines.clone(),
            lines,
            eol,
            spans: None,
        })
    }

    /// The text as it is now.
    pub fn text(&self) -> String {
        self.lines.concat()
    }

    /// The changes so far, line by line: every line of the text as it is now, with the lines of
    /// the original that are gone in their places.
    pub fn diff(&self) -> Vec<DiffLine> {
        let shown = |line: &str| {
            line.trim_end_matches('\n')
                .trim_end_matches('\r')
                .to_owned()
        };
        // Between two unchanged lines: what went, then what came.
        let mut out = Vec::new();
        let mut added = Vec::new();
        let mut next = 0;
        for (line, origin) in self.lines.iter().zip(&self.origin) {
            match origin {
                Some(i) => {
                    out.extend(
                        self.original[next..*i]
                            .iter()
                            .map(|l| DiffLine::Removed(shown(l))),
                    );
                    out.append(&mut added);
                    out.push(DiffLine::Same(shown(line)));
                    next = i + 1;
                }
                None => added.push(DiffLine::Added(shown(line))),
            }
        }
        out.extend(
            self.original[next..]
                .iter()
                .map(|l| DiffLine::Removed(shown(l))),
        );
        out.append(&mut added);
        out
    }

    /// Inserts new lines at `at`.
    fn insert(&mut self, at: usize, lines: &[String]) {
        self.spans = None;
        self.lines.splice(at..at, lines.iter().cloned());
        self.origin.splice(at..at, lines.iter().map(|_| None));
    }

    /// Removes lines.
    fn remove(&mut self, range: std::ops::Range<usize>) {
        self.spans = None;
        self.lines.drain(range.clone());
        self.origin.drain(range);
    }

    /// The text as it is now, checked once more to read as a config file.
    pub fn finish(self) -> Result<String, EditError> {
        let text = self.text();
        AwsConfig::parse(&text)?;
        Ok(text)
    }

    /// Where the sections are now (the text always parses: it did, and every edit keeps it so).
    fn spans(&mut self) -> &[SectionSpan] {
        if self.spans.is_none() {
            self.spans = Some(ini::spans(&self.text()).unwrap_or_default());
        }
        self.spans.as_deref().unwrap_or_default()
    }

    /// The span botocore reads for `section` (the last header that names it), and whether it
    /// is the file's last section.
    fn find(&mut self, section: &SectionRef<'_>) -> Option<(SectionSpan, bool)> {
        let spans = self.spans();
        let last = spans.len().checked_sub(1);
        spans
            .iter()
            .enumerate()
            .rev()
            .find(|(_, s)| section.is(&s.name))
            .map(|(i, s)| (s.clone(), Some(i) == last))
    }

    /// Whether the section exists.
    pub fn has_section(&mut self, section: &SectionRef<'_>) -> bool {
        self.find(section).is_some()
    }

    /// Ends line `i` with a line ending if it has none (the file's last line).
    fn terminate(&mut self, i: usize) {
        if let Some(line) = self.lines.get_mut(i) {
            if !line.ends_with('\n') {
                line.push_str(self.eol);
                self.origin[i] = None;
            }
        }
    }

    /// Sets `key` to `value` in `section`, adding the section at the end of the file when it is
    /// not there. A key already set to exactly `value` on one line is left as it is.
    pub fn set(
        &mut self,
        section: &SectionRef<'_>,
        key: &str,
        value: &str,
    ) -> Result<(), EditError> {
        check_key(key)?;
        check_value(key, value)?;
        let Some((span, is_last)) = self.find(section) else {
            let header = section.header()?;
            let known = self.spans.take();
            let last = self.lines.len().checked_sub(1);
            let mut new = Vec::new();
            if let Some(last) = last {
                self.terminate(last);
                if !self.lines[last].trim().is_empty() {
                    new.push(self.eol.to_owned());
                }
            }
            new.push(format!("[{header}]{}", self.eol));
            new.push(format!("{key} = {value}{}", self.eol));
            self.insert(self.lines.len(), &new);
            // Appended: every other section is where it was.
            if let Some(mut spans) = known {
                let at = self.lines.len() - 2;
                spans.push(SectionSpan {
                    name: header,
                    header: at,
                    keys: vec![(key.to_owned(), at + 1, at + 1)],
                });
                self.spans = Some(spans);
            }
            return Ok(());
        };
        if let Some((_, first, last)) = span.keys.iter().find(|(k, _, _)| k == key) {
            let (first, last) = (*first, *last);
            let line = &self.lines[first];
            // The key, its separator and the spaces after it stay as they were.
            let Some(split) = line.find(['=', ':']) else {
                return Ok(());
            };
            let rest = &line[split + 1..];
            let start = split + 1 + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
            let ending = match &self.lines[last] {
                l if l.ends_with("\r\n") => "\r\n",
                l if l.ends_with('\n') => "\n",
                _ => "",
            };
            let current = line[start..].trim_end();
            if first == last && current == value {
                return Ok(());
            }
            let new = format!("{}{value}{ending}", &line[..start]);
            if first == last {
                // One line for one: every section stays where it is.
                self.lines[first] = new;
                self.origin[first] = None;
            } else {
                self.remove(first..last + 1);
                self.insert(first, &[new]);
            }
            return Ok(());
        }
        let after = span.keys.last().map_or(span.header, |(_, _, last)| *last);
        self.terminate(after);
        let known = self.spans.take();
        let new = format!("{key} = {value}{}", self.eol);
        self.insert(after + 1, &[new]);
        // A key added to the last section: only the lines after it moved, and no section is
        // there.
        if let (Some(mut spans), true) = (known, is_last) {
            if let Some(last) = spans.last_mut() {
                last.keys.push((key.to_owned(), after + 1, after + 1));
                self.spans = Some(spans);
            }
        }
        Ok(())
    }

    /// Removes `key` from `section` (its continuation and nested lines with it); whether it was
    /// there.
    pub fn remove_key(&mut self, section: &SectionRef<'_>, key: &str) -> bool {
        let Some((span, _)) = self.find(section) else {
            return false;
        };
        let Some((_, first, last)) = span.keys.iter().find(|(k, _, _)| k == key) else {
            return false;
        };
        self.remove(*first..*last + 1);
        true
    }

    /// Removes every section that names `section` (when two headers name it, botocore reads
    /// the later; removing only that one would bring the other back): each header, its
    /// settings and the comments between them, and the blank lines after its last setting.
    /// Comments after its last setting stay (they usually introduce what follows). Returns
    /// whether there was one.
    pub fn remove_section(&mut self, section: &SectionRef<'_>) -> bool {
        let mut removed = false;
        while let Some((span, _)) = self.find(section) {
            let last = span.keys.last().map_or(span.header, |(_, _, last)| *last);
            let mut end = last + 1;
            while self.lines.get(end).is_some_and(|l| l.trim().is_empty()) {
                end += 1;
            }
            let mut start = span.header;
            if end == self.lines.len() {
                // The last section: the blank lines that separated it go with it.
                while start > 0 && self.lines[start - 1].trim().is_empty() {
                    start -= 1;
                }
            }
            self.remove(start..end);
            removed = true;
        }
        removed
    }
}

/// One line of [`ConfigEditor::diff`], without its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// In both texts.
    Same(String),
    /// Only in the text the editor started from.
    Removed(String),
    /// Only in the text as it is now.
    Added(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, f: impl FnOnce(&mut ConfigEditor)) -> String {
        let mut editor = ConfigEditor::new(text).unwrap();
        f(&mut editor);
        editor.finish().unwrap()
    }

    const DEV: SectionRef<'static> = SectionRef::Profile("dev");

    #[test]
    fn a_changed_value_keeps_its_key_spacing_and_line_ending() {
        let text = "[profile dev]\r\n  Region   =\t eu-west-1  \r\n# after\r\noutput: json\r\n";
        assert_eq!(
            edit(text, |e| e.set(&DEV, "region", "us-east-2").unwrap()),
            "[profile dev]\r\n  Region   =\t us-east-2\r\n# after\r\noutput: json\r\n"
        );
        assert_eq!(
            edit(text, |e| e.set(&DEV, "output", "text").unwrap()),
            "[profile dev]\r\n  Region   =\t eu-west-1  \r\n# after\r\noutput: text\r\n"
        );
        // The same value: not one byte changes (its trailing spaces included).
        assert_eq!(
            edit(text, |e| e.set(&DEV, "region", "eu-west-1").unwrap()),
            text
        );
    }

    #[test]
    fn multi_line_and_nested_values_are_replaced_whole() {
        let text = "[profile dev]\nk = one\n  two\n\n  three\n[services s]\nsso_oidc =\n  endpoint_url = x\nz = 1\n";
        assert_eq!(
            edit(text, |e| e.set(&DEV, "k", "v").unwrap()),
            "[profile dev]\nk = v\n[services s]\nsso_oidc =\n  endpoint_url = x\nz = 1\n"
        );
    }

    #[test]
    fn new_keys_go_after_the_last_setting_and_new_sections_at_the_end() {
        let text = "[profile dev]\nregion = x\n\n# next: work\n[profile work]";
        assert_eq!(
            edit(text, |e| {
                e.set(&DEV, "output", "json").unwrap();
                e.set(&SectionRef::Profile("work"), "region", "y").unwrap();
                e.set(&SectionRef::Profile("new"), "region", "z").unwrap();
            }),
            "[profile dev]\nregion = x\noutput = json\n\n# next: work\n[profile work]\nregion = y\n\n[profile new]\nregion = z\n"
        );
        assert_eq!(
            edit("", |e| e
                .set(&SectionRef::Profile("default"), "region", "z")
                .unwrap()),
            "[default]\nregion = z\n"
        );
    }

    #[test]
    fn sections_are_found_by_meaning_and_the_later_one_wins() {
        let text = "[profile dev]\nregion = a\n[profile \"dev\"]\nregion = b\n";
        assert_eq!(
            edit(text, |e| e.set(&DEV, "region", "c").unwrap()),
            "[profile dev]\nregion = a\n[profile \"dev\"]\nregion = c\n"
        );
        assert_eq!(edit(text, |e| assert!(e.remove_section(&DEV))), "");
        let text = "[default]\nregion = a\n[profile default]\nregion = b\n";
        let out = edit(text, |e| {
            e.set(&SectionRef::Profile("default"), "region", "c")
                .unwrap()
        });
        assert_eq!(
            out,
            "[default]\nregion = a\n[profile default]\nregion = c\n"
        );
        assert_eq!(
            AwsConfig::parse(&out).unwrap().profiles["default"].get("region"),
            Some("c")
        );
    }

    #[test]
    fn names_are_quoted_as_botocore_reads_them() {
        for name in ["my dev", "a\"b", "it's", "back\\slash", "a]b", "[x]"] {
            let out = edit("", |e| {
                e.set(&SectionRef::Profile(name), "region", "r").unwrap()
            });
            let config = AwsConfig::parse(&out).unwrap();
            assert_eq!(config.profiles[name].get("region"), Some("r"), "{out}");
            let out = edit("", |e| {
                e.set(&SectionRef::SsoSession(name), "sso_region", "r")
                    .unwrap()
            });
            assert!(
                AwsConfig::parse(&out)
                    .unwrap()
                    .sso_sessions
                    .contains_key(name),
                "{out}"
            );
        }
        let mut editor = ConfigEditor::new("").unwrap();
        for name in ["", " dev", "a\nb", "a\tb", "x\u{7f}"] {
            assert!(
                matches!(
                    editor.set(&SectionRef::Profile(name), "region", "r"),
                    Err(EditError::BadName { .. })
                ),
                "{name:?}"
            );
        }
        for (key, value) in [("Region", "x"), ("a b", "x"), ("", "x"), ("k=", "x")] {
            assert_eq!(
                editor.set(&DEV, key, value),
                Err(EditError::BadKey(key.into()))
            );
        }
        for value in ["", " x", "x ", "a\nb", "a\rb"] {
            assert!(matches!(
                editor.set(&DEV, "k", value),
                Err(EditError::BadValue { .. })
            ));
        }
        assert_eq!(editor.text(), "", "nothing was written by a refused edit");
    }

    #[test]
    fn removals_take_what_belongs_to_them() {
        let text = "# top\n[profile a]\nk = 1\n; inside\nj = 2\n  more\n\n# about b\n[profile b]\nk = 1\n\n[profile c]\nk = 1\n";
        assert_eq!(
            edit(text, |e| assert!(
                e.remove_section(&SectionRef::Profile("a"))
            )),
            "# top\n# about b\n[profile b]\nk = 1\n\n[profile c]\nk = 1\n"
        );
        assert_eq!(
            edit(text, |e| assert!(
                e.remove_section(&SectionRef::Profile("c"))
            )),
            "# top\n[profile a]\nk = 1\n; inside\nj = 2\n  more\n\n# about b\n[profile b]\nk = 1\n"
        );
        assert_eq!(
            edit(text, |e| assert!(e.remove_key(&SectionRef::Profile("a"), "j"))),
            "# top\n[profile a]\nk = 1\n; inside\n\n# about b\n[profile b]\nk = 1\n\n[profile c]\nk = 1\n"
        );
        assert_eq!(
            edit(text, |e| {
                assert!(!e.remove_section(&SectionRef::Profile("zz")));
                assert!(!e.remove_key(&SectionRef::Profile("a"), "zz"));
            }),
            text
        );
    }

    #[test]
    fn the_diff_shows_each_change_in_place() {
        let mut e =
            ConfigEditor::new("[profile a]\nk = 1\n\n[profile dev]\nregion = x\n# c\n").unwrap();
        e.set(&DEV, "region", "y").unwrap();
        assert!(e.remove_section(&SectionRef::Profile("a")));
        e.set(&SectionRef::Profile("b"), "k", "2").unwrap();
        use DiffLine::*;
        let s = |t: &str| t.to_owned();
        assert_eq!(
            e.diff(),
            [
                Removed(s("[profile a]")),
                Removed(s("k = 1")),
                Removed(s("")),
                Same(s("[profile dev]")),
                Removed(s("region = x")),
                Added(s("region = y")),
                Same(s("# c")),
                Added(s("")),
                Added(s("[profile b]")),
                Added(s("k = 2")),
            ]
        );
    }

    #[test]
    fn defaults_stay_and_still_apply() {
        let text = "[DEFAULT]\nregion = d\n[profile dev]\nregion = x\n";
        let out = edit(text, |e| {
            assert!(e.remove_key(&DEV, "region"));
            e.set(&SectionRef::Profile("new"), "output", "json")
                .unwrap();
        });
        assert_eq!(
            out,
            "[DEFAULT]\nregion = d\n[profile dev]\n\n[profile new]\noutput = json\n"
        );
        let config = AwsConfig::parse(&out).unwrap();
        assert_eq!(config.profiles["dev"].get("region"), Some("d"));
        assert_eq!(config.profiles["new"].get("region"), Some("d"));
    }

    #[test]
    fn a_file_that_does_not_parse_is_not_edited() {
        assert!(matches!(
            ConfigEditor::new("[a]\njunk\n"),
            Err(EditError::Config(ConfigError::Syntax(_)))
        ));
    }
}
