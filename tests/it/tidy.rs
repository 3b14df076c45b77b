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

/// The modules a file may name with `crate::`, by the part of `src/` it is
/// in: the layers of ARCHITECTURE.md, lowest first. `verify/` sits below
/// `store/`: the checker reads the files itself and never runs the code
/// that wrote them.
const LAYERS: &[(&str, &[&str])] = &[
    ("tempdir.rs", &[]),
    // spool.rs keeps lines in a temporary file: it knows no store.
    ("spool.rs", &["tempdir"]),
    // idset.rs is a compact set of hashes: it knows nothing else.
    ("idset.rs", &[]),
    ("model/", &["model"]),
    ("text/", &["model", "text"]),
    ("identity.rs", &["model", "text"]),
    // extract/ runs extractors (a child process for PDFs): text/ stays pure.
    ("extract/", &["model", "text", "extract", "tempdir"]),
    // capture/ fetches pages and writes WARC records; it knows no store.
    ("capture/", &["model", "text", "capture"]),
    // storage/ uses one piece of audit/: the Merkle tree, which has no I/O.
    (
        "storage/",
        &[
            "model",
            "text",
            "identity",
            "storage",
            "audit::merkle",
            "tempdir",
        ],
    ),
    ("audit/", &["model", "text", "identity", "storage", "audit"]),
    // search/ is the full-text index (tantivy): it knows no store.
    // It replaces its commit record through storage/files.rs.
    (
        "search/",
        &["model", "text", "storage::files", "search", "tempdir"],
    ),
    // witness/ is a witness server and its client: it knows no store.
    ("witness/", &["storage", "audit", "witness"]),
    (
        "interchange/",
        &[
            "model",
            "text",
            "identity",
            "storage",
            "audit",
            "interchange",
        ],
    ),
    (
        "verify/",
        &[
            "model", "text", "extract", "capture", "identity", "storage", "audit", "verify",
            "idset",
        ],
    ),
    (
        "store/",
        &[
            "model",
            "text",
            "extract",
            "capture",
            "identity",
            "storage",
            "audit",
            "interchange",
            "verify",
            "witness",
            "search",
            "tempdir",
            "spool",
            "idset",
            "store",
        ],
    ),
    (
        "export/",
        &[
            "model",
            "text",
            "extract",
            "capture",
            "identity",
            "storage",
            "audit",
            "interchange",
            "verify",
            "store",
            "export",
        ],
    ),
];

/// The `crate::` paths a file names, as written (`crate::storage::index`).
fn crate_paths(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let path: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        found.push(path.trim_end_matches(':').to_string());
        rest = after;
    }
    // `use super::...` inside a group stays in the group; `crate::` is the
    // only way across.
    found
}

#[test]
fn each_layer_names_only_the_layers_below_it() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in source_files() {
        let Some((_, allowed)) = LAYERS
            .iter()
            .find(|(layer, _)| file == *layer || file.starts_with(layer))
        else {
            continue;
        };
        checked += 1;
        for path in crate_paths(&read(&file)) {
            let ok = allowed
                .iter()
                .any(|module| path == *module || path.starts_with(&format!("{module}::")));
            if !ok {
                broken.push(format!("{file} names crate::{path}"));
            }
        }
    }
    assert!(checked > 40, "the layers matched only {checked} files");
    broken.sort();
    broken.dedup();
    assert!(broken.is_empty(), "imports across the layers: {broken:#?}");
}

#[test]
fn the_layer_rule_catches_what_it_should() {
    // The rule's own check, on text: a storage file naming the store, and
    // one naming audit beyond the Merkle tree, are both caught.
    let storage = LAYERS
        .iter()
        .find(|(layer, _)| *layer == "storage/")
        .expect("storage layer")
        .1;
    for (text, ok) in [
        ("use crate::store::Store;", false),
        ("use crate::audit::receipt::Receipt;", false),
        (
            "let tree = crate::audit::merkle::Frontier::default();",
            true,
        ),
        ("use crate::storage::crash::{self, Op};", true),
    ] {
        let paths = crate_paths(text);
        let allowed = paths.iter().all(|path| {
            storage
                .iter()
                .any(|module| path == *module || path.starts_with(&format!("{module}::")))
        });
        assert_eq!(allowed, ok, "{text}: {paths:?}");
    }
}

/// True when `line` names one of `names` (a path to the file) and writes
/// it: creating, writing, appending or replacing.
fn writes_one_of(line: &str, names: &[&str]) -> bool {
    let writes = [
        "write_file(",
        "fs::write(",
        "File::create(",
        "append(true)",
        "write_new(",
        "replace(",
    ];
    names.iter().any(|name| line.contains(name)) && writes.iter().any(|write| line.contains(write))
}

/// Files other than `owner` with a line that writes one of `names`.
fn writers_of(owner: &str, names: &[&str]) -> Vec<String> {
    source_files()
        .into_iter()
        .filter(|file| file != owner)
        .filter(|file| read(file).lines().any(|line| writes_one_of(line, names)))
        .collect()
}

#[test]
fn only_the_journal_module_writes_the_journal() {
    ratchet(
        "only storage/journal.rs writes the journal",
        writers_of("storage/journal.rs", &["join(\"journal\")"]),
        &[],
    );
}

#[test]
fn only_the_checkpoints_module_writes_checkpoints() {
    ratchet(
        "only audit/checkpoints.rs writes the checkpoints file",
        writers_of(
            "audit/checkpoints.rs",
            &["checkpoints::FILE", "checkpoints::path("],
        ),
        &[],
    );
}

#[test]
fn the_writer_rules_catch_what_they_should() {
    // The rules read lines; these are lines they must and must not flag.
    let flagged = writes_one_of;
    let checkpoints = ["checkpoints::FILE", "checkpoints::path("];
    assert!(flagged(
        "std::fs::write(checkpoints::path(root), bytes)?;",
        &checkpoints
    ));
    assert!(flagged(
        "File::create(root.join(checkpoints::FILE))?;",
        &checkpoints
    ));
    assert!(!flagged(
        "let kept = checkpoints::read(root)?;",
        &checkpoints
    ));
}

#[test]
fn one_routine_replaces_files() {
    // A rename into place is the atomic replace of storage/files.rs. The
    // other renames move what no reader has seen yet, each named here by
    // its call: an object into its name, a built store directory into
    // place (init, import), the rebuilt index over the old one (reindex),
    // a scratch directory's lock file into its name once locked (tempdir).
    let allowed = [
        ("storage/objects.rs", "fs::rename(tmp_path"),
        ("store/open.rs", "fs::rename(&building, path)"),
        ("store/interchange.rs", "fs::rename(&building, target)"),
        ("store/reindex.rs", "fs::rename(&live, &old)"),
        ("store/reindex.rs", "fs::rename(&building, &live)"),
        ("tempdir.rs", "fs::rename(&making, dir.join(HELD))"),
    ];
    let mut found = Vec::new();
    for file in source_files() {
        if file == "storage/files.rs" {
            continue;
        }
        let text = read(&file);
        for (at, _) in text.match_indices("fs::rename(") {
            let call = &text[at..];
            if !allowed
                .iter()
                .any(|(where_, prefix)| *where_ == file && call.starts_with(prefix))
            {
                let line = text[..at].lines().count();
                found.push(format!("{file}:{line}"));
            }
        }
    }
    ratchet("only storage/files.rs renames files into place", found, &[]);
}
