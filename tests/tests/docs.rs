//! The documentation keeps up with the code: every public error type is in the error table of
//! `docs/architecture.md` (and every row of it names a type that exists), and every test that
//! `docs/hostile-input.md` cites as holding a guarantee exists. A renamed or removed test, or a
//! new error type nobody documented, fails here instead of leaving a page that says what the
//! code no longer backs. The published rustdoc names no source file its readers cannot see,
//! and the on-disk protocol page (`docs/protocol/sharing.md`) states the store's record and
//! waits.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Every `.rs` file under `dir`, skipping build output and installed packages.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !matches!(name.as_ref(), "target" | "node_modules" | ".git" | "corpus") {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn sources(dirs: &[&str]) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for dir in dirs {
        rust_files(&root().join(dir), &mut files);
    }
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, text)
        })
        .collect()
}

/// The identifier that follows `keyword ` at each occurrence in `text`.
fn names_after<'a>(text: &'a str, keyword: &str) -> Vec<&'a str> {
    text.match_indices(keyword)
        .filter(|(at, _)| {
            // Only a whole word: `fn` but not `afn`.
            *at == 0 || !text.as_bytes()[at - 1].is_ascii_alphanumeric()
        })
        .map(|(at, _)| {
            let rest = &text[at + keyword.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// `*`-globs over identifiers.
fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || !name[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The backticked names in the first column of the table under `## Errors`.
fn documented_error_types() -> BTreeSet<String> {
    let page = fs::read_to_string(root().join("docs/architecture.md")).expect("architecture.md");
    let section = page
        .split("\n## Errors")
        .nth(1)
        .expect("docs/architecture.md has an `## Errors` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut names = BTreeSet::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let first = line.trim_start_matches('|').split('|').next().unwrap_or("");
        for (i, part) in first.split('`').enumerate() {
            if i % 2 == 1 {
                names.insert(part.to_string());
            }
        }
    }
    names
}

#[test]
fn every_public_error_type_is_in_the_error_table() {
    let documented = documented_error_types();
    let mut public = BTreeSet::new();
    let dirs = [
        "core/src",
        "adapters/files/src",
        "adapters/ureq/src",
        "adapters/async/src",
        "adapters/cli/src",
        "emulator/src",
    ];
    for (path, text) in sources(&dirs) {
        for keyword in ["pub enum ", "pub struct "] {
            for name in names_after(&text, keyword) {
                if name.ends_with("Error") || name.ends_with("Failure") {
                    public.insert((name.to_string(), path.clone()));
                }
            }
        }
    }
    assert!(
        public.len() > 20,
        "the scan found too few error types: {public:?}"
    );
    let missing: Vec<String> = public
        .iter()
        .filter(|(name, _)| !documented.contains(name))
        .map(|(name, path)| format!("{name} ({})", path.display()))
        .collect();
    assert!(
        missing.is_empty(),
        "public error types missing from the table in docs/architecture.md: {missing:?}"
    );
    let names: BTreeSet<&String> = public.iter().map(|(name, _)| name).collect();
    let stale: Vec<&String> = documented.iter().filter(|d| !names.contains(d)).collect();
    assert!(
        stale.is_empty(),
        "docs/architecture.md's error table names types that do not exist: {stale:?}"
    );
}

#[test]
fn every_test_the_hostile_input_page_cites_exists() {
    let page = fs::read_to_string(root().join("docs/hostile-input.md")).expect("hostile-input.md");
    let files = sources(&["core", "adapters", "emulator", "tests", "fuzz/fuzz_targets"]);
    let mut cited = 0;
    let mut missing = Vec::new();
    for line in page.lines() {
        if !line.starts_with('|') || line.starts_with("|---") || line.starts_with("| Guarantee") {
            continue;
        }
        let held_by = line
            .trim()
            .trim_end_matches('|')
            .rsplit('|')
            .next()
            .unwrap_or("");
        for (i, token) in held_by.split('`').enumerate() {
            if i % 2 == 0 {
                continue;
            }
            cited += 1;
            let found = if token.ends_with(".rs") {
                root().join(token).is_file()
            } else if let Some((module, rest)) = token.split_once("::") {
                let function = rest.rsplit("::").next().unwrap_or(rest);
                let module_file = format!("{module}.rs");
                files.iter().any(|(path, text)| {
                    path.components().any(|c| {
                        let c = c.as_os_str().to_string_lossy();
                        c == module || c == module_file
                    }) && names_after(text, "fn ")
                        .iter()
                        .any(|name| glob_match(function, name))
                })
            } else {
                // A fuzz target.
                root()
                    .join("fuzz/fuzz_targets")
                    .join(format!("{token}.rs"))
                    .is_file()
            };
            if !found {
                missing.push(token.to_string());
            }
        }
    }
    assert!(
        cited > 30,
        "the page's tables were not read: {cited} citations"
    );
    assert!(
        missing.is_empty(),
        "docs/hostile-input.md cites tests that do not exist: {missing:?}"
    );
}

/// The published crates, whose rustdoc readers see on docs.rs without the source tree.
const PUBLISHED_SOURCES: [&str; 5] = [
    "core/src",
    "adapters/ureq/src",
    "adapters/async/src",
    "adapters/cli/src",
    "emulator/src",
];

/// The Rust source files a line of documentation names (`token.rs`, `session/locked.rs`...),
/// except inside a URL and the site docs.rs.
fn rust_files_named(line: &str) -> Vec<&str> {
    line.split(|c: char| c.is_whitespace() || "`()[],;\"'<>*".contains(c))
        .filter(|word| !word.contains("://"))
        .map(|word| word.trim_end_matches(['.', ':', '!', '?']))
        .filter(|word| {
            word.strip_suffix(".rs").is_some_and(|stem| {
                !stem.is_empty()
                    && stem != "docs"
                    && stem
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_-/.".contains(c))
            })
        })
        .collect()
}

/// A reader of the published documentation sees the public items, not the source tree: a doc
/// comment that says "in `token.rs`" or "(`session/locked.rs`)" sends them to a file they
/// cannot see, and which moves with the next refactoring. Doc comments name items and
/// modules instead (`[`Sessions::token`]`, "the `driver` module"); a file of the repository
/// that a reader should open is linked by its URL.
#[test]
fn rustdoc_names_no_source_file() {
    let mut named = Vec::new();
    let mut doc_lines = 0;
    for (path, text) in sources(&PUBLISHED_SOURCES) {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_start();
            let doc = line.starts_with("///")
                || line.starts_with("//!")
                || line.starts_with("#[doc")
                || line.starts_with("#![doc")
                || line.starts_with("doc = ");
            if !doc {
                continue;
            }
            doc_lines += 1;
            for file in rust_files_named(line) {
                let path = path.strip_prefix(root()).unwrap_or(&path);
                named.push(format!("{}:{}: {file}", path.display(), n + 1));
            }
        }
    }
    assert!(
        doc_lines > 5_000,
        "the scan found too few doc lines: {doc_lines}"
    );
    assert!(
        named.is_empty(),
        "rustdoc names source files its readers cannot see:\n{}",
        named.join("\n")
    );
}

#[test]
fn the_file_name_scan_finds_file_names_and_nothing_else() {
    assert_eq!(
        rust_files_named("//! (in `token.rs`), session/locked.rs: driver.rs."),
        ["token.rs", "session/locked.rs", "driver.rs"]
    );
    assert!(rust_files_named("/// [ureq](https://docs.rs/ureq) on docs.rs.").is_empty());
    assert!(rust_files_named(
        "/// [x](https://github.com/ssooidc/ssooidc/blob/main/core/examples/custom_transport.rs)"
    )
    .is_empty());
    assert!(rust_files_named("/// the crate's rs files, .rs alone").is_empty());
}

/// `docs/protocol/sharing.md` specifies, for other programs, what the store does: the attempt
/// record it writes (byte for byte), how each lock-file content it lists reads, and how long the
/// store waits for a lock.
#[test]
fn the_sharing_page_states_what_the_store_does() {
    use ssooidc_core::cache::{lock_record, parse_lock_record};
    use ssooidc_ureq::session::{LOGIN_LOCK_WAIT, REFRESH_LOCK_WAIT};

    let page = fs::read_to_string(root().join("docs/protocol/sharing.md")).expect("sharing.md");
    let record = lock_record(1_700_000_000);
    assert!(
        page.contains(&format!("\n{record}\n")),
        "the page shows the record as written: {record}"
    );
    let table = page
        .split("| Lock file content | Last attempt |")
        .nth(1)
        .expect("the page has a table of lock-file contents");
    let mut rows = 0;
    for line in table.lines().skip(2).take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').collect();
        let want = cells[1].trim();
        let want = (want != "none").then(|| want.parse::<i64>().expect("a number or none"));
        for (i, content) in cells[0].split('`').enumerate() {
            if i % 2 == 1 {
                rows += 1;
                assert_eq!(parse_lock_record(content), want, "{content}");
            }
        }
    }
    assert!(rows >= 5, "the table was not read: {rows} contents");
    assert!(page.contains(&format!("**{} minutes**", LOGIN_LOCK_WAIT.as_secs() / 60)));
    assert!(page.contains(&format!("**{} s**", REFRESH_LOCK_WAIT.as_secs())));
}

#[test]
fn globs_match_as_documented() {
    assert!(glob_match(
        "*registration*",
        "a_rejected_registration_is_replaced"
    ));
    assert!(glob_match("*", "anything"));
    assert!(glob_match("a*c", "abc"));
    assert!(!glob_match("a*c", "abd"));
    assert!(!glob_match("exact", "exactly"));
    assert_eq!(
        names_after("pub fn one() {} fn two_2(", "fn "),
        ["one", "two_2"]
    );
}

/// The AWS SDK adapter's README shows its example program as it is: the code block is
/// `adapters/aws-sdk/examples/whoami.rs` without its first line (the comment that says how to
/// run it) and with a private `main` (the file's is `pub(crate)` so that the SDK tests' probe
/// can run it).
#[test]
fn the_aws_sdk_readme_shows_its_example_as_it_is() {
    let readme = fs::read_to_string(root().join("adapters/aws-sdk/README.md")).expect("README");
    let example =
        fs::read_to_string(root().join("adapters/aws-sdk/examples/whoami.rs")).expect("whoami.rs");
    let block = readme
        .split("```rust,no_run\n")
        .nth(1)
        .and_then(|rest| rest.split("```\n").next())
        .expect("a rust code block");
    let (first, body) = example.split_once('\n').expect("lines");
    assert!(first.starts_with("//!"), "{first}");
    assert_eq!(
        block,
        body.replace("pub(crate) async fn main", "async fn main")
    );
}
