//! The core's module graph, derived from its source, against the layer table of
//! `docs/architecture.md`.
//!
//! Every file under `core/src` is read; comments and literals are blanked; every `use` tree and
//! every `crate::`/`super::`/`self::` path is resolved to the module it names. A *unit* is one
//! module of a layer (`core/src/<layer>/<unit>`, a folder or a file); the facade (`lib.rs`) and
//! each layer's `mod.rs` only declare and re-export. The tests fail
//!
//! - on any loop between units (two units that import each other, directly or around a circle),
//! - on any import of a unit in a higher layer than the importer's,
//! - when the folder tree and the table disagree (a unit or a layer missing from either).
//!
//! Imports inside one unit are free (its own files are one piece of design); `#[cfg(test)]`
//! modules count like any other code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The layers, from the top down, and their units, as `docs/architecture.md` lists them in the
/// table that follows its heading "The layer table".
fn layer_table() -> Vec<(String, Vec<String>)> {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/architecture.md");
    let text = std::fs::read_to_string(&doc).expect("docs/architecture.md");
    let start = text
        .find("### The layer table")
        .expect("docs/architecture.md has a heading \"### The layer table\"");
    let mut layers = Vec::new();
    let mut in_table = false;
    for line in text[start..].lines().skip(1) {
        let line = line.trim();
        if !line.starts_with('|') {
            if in_table {
                break;
            }
            continue;
        }
        in_table = true;
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells.len() < 2 || cells[0] == "layer" || cells[0].starts_with("---") {
            continue;
        }
        let name = cells[0].trim_matches('`').to_owned();
        let units = cells[1]
            .split(',')
            .map(|u| u.trim().trim_matches('`').to_owned())
            .filter(|u| !u.is_empty())
            .collect();
        layers.push((name, units));
    }
    assert!(!layers.is_empty(), "no rows in the layer table");
    layers
}

/// `text` with comments, string literals and char literals replaced by spaces (lifetimes kept).
fn blank(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(if b[i] == b'\n' { b'\n' } else { b' ' });
                    i += 1;
                }
            }
        } else if c == b'r'
            && (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#'))
            && (i == 0 || !is_ident(b[i - 1]))
        {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == b'"'
                    && b[j + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&h| h == b'#')
                        .count()
                        == hashes
                {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &x in &b[i..j.min(b.len())] {
                out.push(if x == b'\n' { b'\n' } else { b' ' });
            }
            i = j;
        } else if c == b'"' {
            out.push(b' ');
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    out.push(b' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(if b[i] == b'\n' { b'\n' } else { b' ' });
                    i += 1;
                }
            }
            out.push(b' ');
            i += 1;
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            let close = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..]
                    .iter()
                    .position(|&x| x == b'\'')
                    .map(|p| i + 2 + p)
            } else if b.get(i + 2) == Some(&b'\'') {
                Some(i + 2)
            } else {
                // Multi-byte UTF-8 characters.
                let end = b[i + 1..].iter().take(5).position(|&x| x == b'\'');
                match end {
                    Some(p) if b[i + 1] >= 0x80 => Some(i + 1 + p),
                    _ => None,
                }
            };
            match close {
                Some(end) => {
                    out.extend(std::iter::repeat_n(b' ', end + 1 - i));
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Sep, // ::
    Punct(char),
}

fn tokens(code: &str) -> Vec<Token> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if is_ident(c) {
            let start = i;
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            out.push(Token::Ident(code[start..i].to_owned()));
        } else if c == b':' && b.get(i + 1) == Some(&b':') {
            out.push(Token::Sep);
            i += 2;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else {
            out.push(Token::Punct(c as char));
            i += 1;
        }
    }
    out
}

/// Expands the use tree starting at `toks[*i]` with `prefix`, up to a `;`, `,` or `}` that
/// closes it (not consumed).
fn use_tree(toks: &[Token], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        match toks.get(*i) {
            Some(Token::Ident(id)) if id == "as" => {
                *i += 2; // `as name`
            }
            Some(Token::Ident(id)) => {
                path.push(id.clone());
                *i += 1;
            }
            Some(Token::Sep) => *i += 1,
            Some(Token::Punct('*')) => *i += 1,
            Some(Token::Punct('{')) => {
                *i += 1;
                loop {
                    match toks.get(*i) {
                        Some(Token::Punct('}')) => {
                            *i += 1;
                            break;
                        }
                        Some(Token::Punct(',')) => *i += 1,
                        None => return,
                        _ => use_tree(toks, i, path.clone(), out),
                    }
                }
                return;
            }
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// Every path a file names that starts with `crate`, `super` or `self`, resolved to absolute
/// module segments (`crate::a::b` -> `[a, b]`), with the inline `mod x { ... }` blocks taken
/// into account for `super` and `self`.
fn references(module: &[String], code: &str) -> Vec<Vec<String>> {
    let toks = tokens(code);
    let mut found = Vec::new();
    // The module path at each brace depth.
    let mut stack: Vec<(usize, Vec<String>)> = vec![(0, module.to_vec())];
    let mut depth = 0usize;
    let mut pending_mod: Option<String> = None;
    let mut i = 0;
    while i < toks.len() {
        let here = stack.last().map(|(_, m)| m.clone()).unwrap_or_default();
        match &toks[i] {
            Token::Ident(id) if id == "mod" => {
                if let Some(Token::Ident(name)) = toks.get(i + 1) {
                    pending_mod = Some(name.clone());
                }
                i += 1;
            }
            Token::Punct('{') => {
                depth += 1;
                if let Some(name) = pending_mod.take() {
                    let mut inner = here.clone();
                    inner.push(name);
                    stack.push((depth, inner));
                }
                i += 1;
            }
            Token::Punct('}') => {
                if stack.last().is_some_and(|(d, _)| *d == depth) && stack.len() > 1 {
                    stack.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Token::Punct(';') => {
                pending_mod = None;
                i += 1;
            }
            Token::Ident(id) if id == "use" => {
                i += 1;
                let mut paths = Vec::new();
                use_tree(&toks, &mut i, Vec::new(), &mut paths);
                for p in paths {
                    if let Some(abs) = resolve(&here, &p) {
                        found.push(abs);
                    }
                }
            }
            Token::Ident(id)
                if (id == "crate" || id == "super" || id == "self")
                    && toks.get(i + 1) == Some(&Token::Sep)
                    && !(i > 0 && toks[i - 1] == Token::Sep) =>
            {
                let mut p = vec![id.clone()];
                let mut j = i + 1;
                while toks.get(j) == Some(&Token::Sep) {
                    match toks.get(j + 1) {
                        Some(Token::Ident(next)) => {
                            p.push(next.clone());
                            j += 2;
                        }
                        _ => break,
                    }
                }
                if let Some(abs) = resolve(&here, &p) {
                    found.push(abs);
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    found
}

fn resolve(here: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super") | Some("self") => here.to_vec(),
        _ => return None, // std, external crates, or a name in scope
    };
    let mut rest = &path[1..];
    if path[0] == "super" {
        base.pop();
    }
    while rest.first().map(String::as_str) == Some("super") {
        base.pop();
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The module a file defines: `a/b.rs` and `a/b/mod.rs` -> `[a, b]`; `lib.rs` -> `[]`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

struct Graph {
    /// unit -> layer index (0 = top)
    layer_of: BTreeMap<String, usize>,
    layers: Vec<(String, Vec<String>)>,
    /// (from unit, to unit) -> an example file and path
    edges: BTreeMap<(String, String), String>,
}

/// The names `lib.rs` re-exports (`pub use formats::endpoint;` makes `crate::endpoint` mean
/// `crate::formats::endpoint`), resolved to the paths they stand for. The facade's own inline
/// modules (`pub mod oauth { ... }`) are not among them: code inside the layers names the
/// layer's module, never the facade.
fn aliases() -> BTreeMap<String, Vec<String>> {
    let code = blank(&std::fs::read_to_string(src().join("lib.rs")).unwrap());
    let toks = tokens(&code);
    let mut found = BTreeMap::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => depth = depth.saturating_sub(1),
            Token::Ident(id) if id == "use" && depth == 0 => {
                i += 1;
                let mut paths = Vec::new();
                use_tree(&toks, &mut i, Vec::new(), &mut paths);
                for mut p in paths {
                    if p.first().map(String::as_str) == Some("crate") {
                        p.remove(0);
                    }
                    if p.len() > 1 {
                        found.insert(p.last().unwrap().clone(), p);
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// `path` with a re-exported name at its start replaced by what it stands for.
fn canonical(path: &[String], aliases: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let mut path = path.to_vec();
    for _ in 0..8 {
        match path.first().and_then(|first| aliases.get(first)) {
            Some(target) if target[0] != path[0] => {
                let mut next = target.clone();
                next.extend(path[1..].iter().cloned());
                path = next;
            }
            _ => break,
        }
    }
    path
}

/// The unit a module path belongs to, `layer::unit`, or `None` for the facade and a layer's
/// own `mod.rs`. A path that names no layer is its own unit, which the layer table does not
/// know (and the checks report).
fn unit_of(path: &[String], layers: &BTreeSet<String>) -> Option<String> {
    match path {
        [] => None,
        [layer] if layers.contains(layer) => None,
        [layer, unit, ..] if layers.contains(layer) => Some(format!("{layer}::{unit}")),
        [other, ..] => Some(other.clone()),
    }
}

fn graph() -> Graph {
    let layers = layer_table();
    let names: BTreeSet<String> = layers.iter().map(|(l, _)| l.clone()).collect();
    let mut layer_of = BTreeMap::new();
    for (i, (layer, units)) in layers.iter().enumerate() {
        for unit in units {
            let previous = layer_of.insert(format!("{layer}::{unit}"), i);
            assert!(
                previous.is_none(),
                "{layer}::{unit} twice in the layer table"
            );
        }
    }
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let aliases = aliases();
    let mut edges = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(&root).unwrap();
        let module = module_of(rel);
        let Some(from) = unit_of(&module, &names) else {
            continue;
        };
        let code = blank(&std::fs::read_to_string(file).unwrap());
        for path in references(&module, &code) {
            let path = canonical(&path, &aliases);
            let Some(to) = unit_of(&path, &names) else {
                continue;
            };
            if to != from {
                edges
                    .entry((from.clone(), to))
                    .or_insert_with(|| format!("{}: {}", rel.display(), path.join("::")));
            }
        }
    }
    Graph {
        layer_of,
        layers,
        edges,
    }
}

/// The units on disk: every `core/src/<layer>/<unit>(.rs|/)` and every top-level module that
/// is not a layer.
fn units_on_disk(layers: &BTreeSet<String>) -> BTreeSet<String> {
    let mut units = BTreeSet::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".rs").to_owned();
        if stem == "lib" {
            continue;
        }
        if layers.contains(&stem) && path.is_dir() {
            for inner in std::fs::read_dir(&path).unwrap() {
                let inner = inner.unwrap().path();
                let n = inner.file_name().unwrap().to_string_lossy().into_owned();
                let n = n.trim_end_matches(".rs");
                if n != "mod" {
                    units.insert(format!("{stem}::{n}"));
                }
            }
        } else if !layers.contains(&stem) {
            units.insert(stem);
        }
    }
    units
}

#[test]
fn the_layer_table_matches_the_folder_tree() {
    let g = graph();
    let names: BTreeSet<String> = g.layers.iter().map(|(l, _)| l.clone()).collect();
    let on_disk = units_on_disk(&names);
    let in_table: BTreeSet<String> = g.layer_of.keys().cloned().collect();
    let missing: Vec<_> = on_disk.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&on_disk).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "core/src and the layer table of docs/architecture.md disagree:\n  \
         on disk, not in the table: {missing:?}\n  in the table, not on disk: {stale:?}"
    );
}

#[test]
fn no_unit_imports_from_a_higher_layer() {
    let g = graph();
    let mut wrong = Vec::new();
    for ((from, to), example) in &g.edges {
        let (Some(&lf), Some(&lt)) = (g.layer_of.get(from), g.layer_of.get(to)) else {
            wrong.push(format!(
                "{from} -> {to}: a unit outside the layer table ({example})"
            ));
            continue;
        };
        // Layer 0 is the top: a unit may import its own layer and the ones below (higher index).
        if lt < lf {
            wrong.push(format!(
                "{from} ({}) -> {to} ({}): {example}",
                g.layers[lf].0, g.layers[lt].0
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n  {}",
        wrong.join("\n  ")
    );
}

/// Tarjan's strongly connected components of more than one unit.
fn loops(g: &Graph) -> Vec<Vec<String>> {
    let mut adjacency: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in g.edges.keys() {
        adjacency.entry(from).or_default().push(to);
        adjacency.entry(to).or_default();
    }
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(v: &'a str, adj: &BTreeMap<&'a str, Vec<&'a str>>, s: &mut State<'a>) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for &w in &adj[v] {
            if !s.index.contains_key(w) {
                visit(w, adj, s);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in adjacency.keys() {
        if !s.index.contains_key(v) {
            visit(v, &adjacency, &mut s);
        }
    }
    s.found
}

#[test]
fn no_two_units_import_each_other() {
    let g = graph();
    let found = loops(&g);
    let mut report = Vec::new();
    for component in &found {
        report.push(format!(
            "a loop of {} units: {}",
            component.len(),
            component.join(", ")
        ));
        for ((from, to), example) in &g.edges {
            if component.contains(from) && component.contains(to) {
                report.push(format!("    {from} -> {to}: {example}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", report.join("\n"));
}

/// Prints the graph (`cargo test -p ssooidc-core --test layers -- --ignored --nocapture`):
/// every edge, the units in loops, and counts.
#[test]
#[ignore = "a report, not a check"]
fn print_the_graph() {
    let g = graph();
    for ((from, to), example) in &g.edges {
        println!("{from} -> {to}    ({example})");
    }
    let found = loops(&g);
    let in_loops: usize = found.iter().map(Vec::len).sum();
    let mut units = BTreeSet::new();
    for (f, t) in g.edges.keys() {
        units.insert(f.clone());
        units.insert(t.clone());
    }
    println!(
        "{} units with imports, {} edges, {} loops, {} units in loops",
        units.len(),
        g.edges.len(),
        found.len(),
        in_loops
    );
    for component in found {
        println!("loop: {}", component.join(", "));
    }
}

#[test]
fn the_reader_sees_use_trees_paths_and_inline_modules() {
    let code = blank(
        r##"
        // use crate::commented::Out;
        use crate::{a::B, c::{d::E, F as G}};
        use super::sibling::*;
        mod tests {
            use super::*;
            use super::super::up::Thing;
            fn f() { let _ = "crate::in_a_string::X"; let _ = crate::expr::path(); let _ = '"'; }
        }
        fn g<'a>(x: &'a str) -> self::own::T { todo!() }
        "##,
    );
    let here = vec!["layer".to_owned(), "unit".to_owned()];
    let found: Vec<String> = references(&here, &code)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(
        found,
        [
            "a::B",
            "c::d::E",
            "c::F",
            "layer::sibling",
            "layer::unit",
            "layer::up::Thing",
            "expr::path",
            "layer::unit::own::T",
        ]
    );
}

#[test]
fn a_loop_and_a_path_through_the_facade_are_seen() {
    // A synthetic graph: a -> b -> c -> a is a loop; d alone is not.
    let mut edges = BTreeMap::new();
    for (from, to) in [
        ("x::a", "x::b"),
        ("x::b", "x::c"),
        ("x::c", "x::a"),
        ("x::d", "x::a"),
    ] {
        edges.insert((from.to_owned(), to.to_owned()), String::new());
    }
    let g = Graph {
        layer_of: BTreeMap::new(),
        layers: Vec::new(),
        edges,
    };
    assert_eq!(
        loops(&g),
        [["x::a", "x::b", "x::c"].map(String::from).to_vec()]
    );
    // The facade's re-exports resolve to the layer's module; a name through no re-export is
    // its own unit, outside every layer.
    let layers: BTreeSet<String> = ["formats".to_owned()].into();
    let aliases: BTreeMap<String, Vec<String>> = [(
        "endpoint".to_owned(),
        vec!["formats".to_owned(), "endpoint".to_owned()],
    )]
    .into();
    let path = |p: &str| p.split("::").map(String::from).collect::<Vec<_>>();
    assert_eq!(
        unit_of(&canonical(&path("endpoint::Endpoint"), &aliases), &layers).as_deref(),
        Some("formats::endpoint")
    );
    assert_eq!(
        unit_of(&canonical(&path("oauth::Tokens"), &aliases), &layers).as_deref(),
        Some("oauth")
    );
}
