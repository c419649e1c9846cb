//! `ssooidc-core` stays sans-I/O: no transport, TLS, runtime or filesystem dependency, and no
//! clock, environment, file system, network or sleeping in its source.

use std::path::Path;

const ALLOWED_DEPENDENCIES: &[&str] = &[
    "serde",
    "serde_json",
    "http",
    "thiserror",
    "time",
    "sha1",
    "sha2",
    "base64",
    "httparse",
];

#[test]
fn core_depends_only_on_the_design_cards_packages() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut found = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && !line.is_empty() && !line.starts_with('#') {
            let name = line
                .split(['=', '.', ' '])
                .next()
                .unwrap()
                .trim()
                .to_owned();
            found.push(name);
        }
    }
    assert!(!found.is_empty(), "no [dependencies] parsed");
    for name in &found {
        assert!(
            ALLOWED_DEPENDENCIES.contains(&name.as_str()),
            "ssooidc-core must not depend on {name}"
        );
    }
}

/// Strings whose presence in non-comment source lines would mean I/O, a clock or the environment.
const FORBIDDEN: &[&str] = &[
    "std::net",
    "std::fs",
    "std::env",
    "std::process",
    "thread::sleep",
    "Instant::now",
    "SystemTime::now",
    "OffsetDateTime::now",
    "now_utc",
    "now_local",
    "UNIX_EPOCH.elapsed",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_source_does_no_io_and_reads_no_clock() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 5);
    let mut offences = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            // Unit tests (the `#[cfg(test)]` module at the end of a file) are test code: they
            // may start a virtual clock from `Instant::now()`.
            if line.trim() == "#[cfg(test)]" {
                break;
            }
            // Doc examples show what a *caller* does; comments are not code the crate runs.
            if line.trim_start().starts_with("//") {
                continue;
            }
            for bad in FORBIDDEN {
                if line.contains(bad) {
                    offences.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "forbidden I/O or clock use in core:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_scanner_would_see_an_offence() {
    // Guards against the scan above silently matching nothing.
    let line = "let t = std::time::Instant::now();";
    assert!(FORBIDDEN.iter().any(|bad| line.contains(bad)));
}
