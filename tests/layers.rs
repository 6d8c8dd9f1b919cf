//! The layers of `src/lib.rs` hold: no module imports a module of a higher layer, and the
//! top-level modules import each other in no circle. Read from the source text (`crate::x`
//! paths outside comments and test modules), so a new import that breaks the design fails here
//! with the file that made it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom first (as `src/lib.rs` describes them).
const LAYERS: &[&[&str]] = &[
    &["reading", "event", "timeline"],
    &["protocol", "physiology", "pipeline"],
    &["owner_only", "config", "source", "store", "interop", "ui"],
    &["error", "session", "history", "runner"],
    &["cli", "commands"],
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer: add it to LAYERS and lib.rs"))
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

/// The `crate::x` modules a file's code names, outside comments and `#[cfg(test)]` modules
/// (which sit at the end of a file here) and outside `tests` folders.
fn imports(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = BTreeSet::new();
    for line in code.lines() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for (i, _) in line.match_indices("crate::") {
            let rest = &line[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn no_module_imports_a_higher_layer_and_there_is_no_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut violations = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        if rel.components().any(|c| c.as_os_str() == "tests") {
            continue;
        }
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for dep in imports(&text) {
            if dep == module {
                continue;
            }
            if layer_of(&dep) > layer_of(&module) {
                violations.push(format!("{} imports crate::{dep}", rel.display()));
            }
            graph.entry(module.clone()).or_default().insert(dep);
        }
    }
    assert!(
        violations.is_empty(),
        "imports against the layers:\n{}",
        violations.join("\n")
    );
    for (a, deps) in &graph {
        for b in deps {
            assert!(
                !graph.get(b).is_some_and(|d| d.contains(a)),
                "{a} and {b} import each other"
            );
        }
    }
}
