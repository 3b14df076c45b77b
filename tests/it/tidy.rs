//! Tidy: the map in ARCHITECTURE.md is checked against the code, and the
//! boundaries it draws are checked against the imports. Each rule lists the
//! violations known today (issue 14 removes them); the test fails on a new
//! one, and also when a listed one is gone, so the lists only shrink.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `src/`, as a path relative to `src/` with `/`.
fn source_files() -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path.strip_prefix(base).expect("under src");
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let src = root().join("src");
    let mut out = Vec::new();
    walk(&src, &src, &mut out);
    out.sort();
    out
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join("src").join(relative)).expect("read source")
}

/// The paths the code map names: the first cell of each row of the table
/// under "## Code map", each in backticks (`store.rs`, `model/`).
fn mapped() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let map = text
        .split("## Code map")
        .nth(1)
        .expect("ARCHITECTURE.md has a code map")
        .split("\n## ")
        .next()
        .expect("the section");
    map.lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_string)
        .collect()
}

/// Compares what a rule finds with what it is known to find, both ways.
fn ratchet(rule: &str, found: Vec<String>, known: &[&str]) {
    let new: Vec<&String> = found
        .iter()
        .filter(|file| !known.contains(&file.as_str()))
        .collect();
    let gone: Vec<&&str> = known
        .iter()
        .filter(|file| !found.iter().any(|found| found == *file))
        .collect();
    assert!(new.is_empty(), "{rule}: broken by {new:?}");
    assert!(
        gone.is_empty(),
        "{rule}: {gone:?} no longer break it; remove them from the known list"
    );
}

#[test]
fn every_source_file_is_on_the_code_map() {
    let map = mapped();
    assert!(map.len() > 20, "the code map was not found: {map:?}");
    let missing: Vec<String> = source_files()
        .into_iter()
        .filter(|file| {
            !map.iter().any(|entry| {
                entry == file || (entry.ends_with('/') && file.starts_with(entry.as_str()))
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files missing from ARCHITECTURE.md's code map: {missing:?}"
    );
    // And the map names nothing that is not there.
    let files = source_files();
    let stale: Vec<&String> = map
        .iter()
        .filter(|entry| {
            !files
                .iter()
                .any(|file| file == *entry || file.starts_with(entry.as_str()))
        })
        .collect();
    assert!(
        stale.is_empty(),
        "the code map names what does not exist: {stale:?}"
    );
}

#[test]
fn only_cli_knows_clap_and_the_cli() {
    let found = source_files()
        .into_iter()
        .filter(|file| !file.starts_with("cli/") && file != "main.rs" && file != "lib.rs")
        .filter(|file| {
            let text = read(file);
            text.contains("clap::") || text.contains("crate::cli")
        })
        .collect();
    ratchet("only cli/ knows clap and the cli", found, &[]);
}

#[test]
fn the_store_does_not_import_verify() {
    let found = source_files()
        .into_iter()
        .filter(|file| file == "store.rs" || file.starts_with("store/"))
        .filter(|file| read(file).contains("crate::verify"))
        .collect();
    ratchet(
        "store/ does not import verify",
        found,
        &["store/interchange.rs"],
    );
}

#[test]
fn only_the_journal_module_writes_the_journal() {
    // A write of a file named `journal`: creating, writing or opening it to append.
    let found = source_files()
        .into_iter()
        .filter(|file| file != "journal.rs")
        .filter(|file| {
            read(file).lines().any(|line| {
                line.contains("join(\"journal\")")
                    && ["write_file(", "fs::write(", "File::create(", "append(true)"]
                        .iter()
                        .any(|write| line.contains(write))
            })
        })
        .collect();
    ratchet(
        "only journal.rs writes the journal",
        found,
        &["store/interchange.rs"],
    );
}
