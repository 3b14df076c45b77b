//! One test environment for end-to-end tests: a temporary directory, a store
//! path inside it, and the real binary run with a clean environment.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary store and a way to run provdb on it.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub store: PathBuf,
}

/// What a run printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|error| {
            panic!("stdout is not one JSON document ({error}): {}", self.stdout)
        })
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

impl TestEnv {
    /// A new environment with an initialised store.
    pub fn new() -> TestEnv {
        let env = TestEnv::empty();
        let run = env.run(&["init", env.store.to_str().expect("utf-8 path")]);
        assert_eq!(run.code, 0, "init failed: {}", run.stderr);
        env
    }

    /// A new environment with no store yet.
    pub fn empty() -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("store");
        TestEnv { dir, store }
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_provdb"));
        command.env_clear();
        command.env("PATH", std::env::var("PATH").unwrap_or_default());
        command.env("PROVDB_ACTOR", "tester");
        command.env("PROVDB_DIR", &self.store);
        command.current_dir(self.dir.path());
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Self::finish(self.command().args(args).output().expect("run provdb"))
    }

    pub fn run_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write;
        let mut child = self
            .command()
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
        Self::finish(child.wait_with_output().expect("wait"))
    }

    pub fn finish(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs and insists on exit 0.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(
            run.code, 0,
            "provdb {args:?} failed: {}{}",
            run.stdout, run.stderr
        );
        run
    }

    /// Runs a command that must be refused, and checks the code, the
    /// one-line message, and that the store did not change by a single byte.
    pub fn refused(&self, args: &[&str], code: i32, needle: &str) {
        let before = self.snapshot();
        let run = self.run(args);
        assert_eq!(
            run.code, code,
            "provdb {args:?}: {}{}",
            run.stdout, run.stderr
        );
        assert!(
            run.stderr.contains(needle),
            "provdb {args:?}: expected {needle:?} in {:?}",
            run.stderr
        );
        assert_eq!(
            run.stderr.trim_end().lines().count(),
            1,
            "one-line error: {:?}",
            run.stderr
        );
        assert!(
            self.snapshot() == before,
            "provdb {args:?} changed the store"
        );
    }

    /// Exports the store in `format` to a file named `name` in the test
    /// directory; returns its path.
    pub fn export(&self, format: &str, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        self.ok(&[
            "export",
            "--format",
            format,
            "-o",
            path.to_str().expect("utf-8"),
        ]);
        path
    }

    /// Adds a fixture and returns its id.
    pub fn add(&self, name: &str, extra: &[&str]) -> String {
        let path = fixture(name);
        let mut args = vec!["--json", "add", path.to_str().expect("utf-8")];
        args.extend_from_slice(extra);
        self.ok(&args).json()["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    /// Returns where the store keeps the object with this hex id.
    pub fn object_path(&self, id: &str) -> PathBuf {
        self.store.join("objects").join(&id[..2]).join(&id[2..])
    }

    /// Cites "1,275 residents" in `source` (the article fixture) for
    /// SUBJECT · captured = 1275 and returns (claim id, citation id).
    pub fn cite_captured(&self, source: &str, subject: &str) -> (String, String) {
        let cited = self
            .ok(&[
                "--json",
                "cite",
                source,
                "--quote",
                "1,275 residents",
                "--subject",
                subject,
                "--property",
                "captured",
                "--value",
                "1275",
            ])
            .json();
        let id = |key: &str| cited[key].as_str().expect("id").to_string();
        (id("claim"), id("citation"))
    }

    /// Returns every file of the store with its bytes, except the lock file
    /// and sled's own files under `index/`: sled 0.34 rewrites parts of them
    /// on every open, even a read-only one, and on a larger index their
    /// bytes sometimes differ afterwards. What the index holds is checked by
    /// `verify` against the journal instead.
    pub fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![self.store.clone()];
        let index = self.store.join("index");
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read_dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    if path != index {
                        stack.push(path);
                    }
                } else if path.file_name().map(|name| name != "lock").unwrap_or(true) {
                    out.push((path.clone(), std::fs::read(&path).expect("read")));
                }
            }
        }
        out.sort();
        out
    }
}

/// The files that differ between two snapshots (added, removed or changed).
pub fn changed_files(before: &[(PathBuf, Vec<u8>)], after: &[(PathBuf, Vec<u8>)]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (path, bytes) in before {
        match after.iter().find(|(other, _)| other == path) {
            Some((_, now)) if now == bytes => {}
            _ => out.push(path.clone()),
        }
    }
    for (path, _) in after {
        if !before.iter().any(|(other, _)| other == path) {
            out.push(path.clone());
        }
    }
    out
}

/// Copies a directory tree (a store, its index, or a test directory holding one).
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Rebuilds a journal's hash chain after an edit: each line's `prev` becomes
/// the BLAKE3 of the line before (with its newline), as schema/store.md says,
/// so that only the edit itself is wrong.
pub fn rechain(journal: &str) -> String {
    let mut out = String::new();
    let mut prev = "0".repeat(64);
    for line in journal.lines() {
        let at = line.find("\"prev\":\"").expect("prev") + 8;
        let fixed = format!("{}{}{}", &line[..at], prev, &line[at + 64..]);
        prev = blake3::hash(format!("{fixed}\n").as_bytes())
            .to_hex()
            .to_string();
        out.push_str(&fixed);
        out.push('\n');
    }
    out
}

/// Splits RFC 4180 CSV text into rows of fields (written here, for the test).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, other) => field.push(other),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, other) => field.push(other),
        }
    }
    rows
}

impl TestEnv {
    /// Rewrites the journal as `forge` says (which must change it), rebuilds
    /// its chain and the index, and runs `verify`, which must find damage
    /// (exit 1); returns what it printed.
    pub fn verify_after_forging(&self, forge: impl FnOnce(&str) -> String) -> String {
        let journal = self.store.join("journal");
        let text = std::fs::read_to_string(&journal).expect("journal");
        let lied = forge(&text);
        assert_ne!(lied, text, "the forgery changed nothing");
        std::fs::write(&journal, rechain(&lied)).expect("write journal");
        self.ok(&["reindex"]);
        let run = self.run(&["verify"]);
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        run.stdout
    }

    /// Rewrites the store as if its one text layer had been made by another
    /// `version` of its extractor with the text `older`: the layer object
    /// stored, the `derive_text` line and the one citation moved onto it (its
    /// id recomputed), and a second citation added of `clause`, which only
    /// `older` holds; the chain rebuilt and the index rebuilt. Returns the
    /// older layer's id.
    pub fn forge_older_layer(
        &self,
        older: &str,
        version: &str,
        clause: &str,
    ) -> provdb::model::SourceId {
        use provdb::model::{Change, Entry};
        let older_id = provdb::identity::source_id(older.as_bytes());
        let older_path = self.object_path(&older_id.to_hex());
        std::fs::create_dir_all(older_path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&older_path, older).expect("write");
        let journal = self.store.join("journal");
        let mut entries: Vec<Entry> = std::fs::read_to_string(&journal)
            .expect("journal")
            .lines()
            .map(|line| serde_json::from_str(line).expect("entry"))
            .collect();
        let mut extra = None;
        for entry in &mut entries {
            let (actor, time) = (entry.actor.clone(), entry.time.clone());
            match &mut entry.change {
                Change::DeriveText(derived) => {
                    derived.layer = older_id;
                    derived.size = older.len() as u64;
                    derived.version = version.into();
                }
                Change::Cite { citation, body, .. } => {
                    body.layer.as_mut().expect("in the layer").object = older_id;
                    *citation = provdb::identity::citation_id(body, &actor, &time);
                    let mut other = body.clone();
                    let start = older.find(clause).expect("clause");
                    other.selector.exact = clause.into();
                    other.selector.prefix = String::new();
                    other.selector.suffix = String::new();
                    other.selector.start = start as u64;
                    other.selector.end = (start + clause.len()) as u64;
                    other.value_not_in_quote = true;
                    other.layer.as_mut().expect("layer").original = Vec::new();
                    extra = Some((other, actor, time));
                }
                _ => {}
            }
        }
        let (other, actor, time) = extra.expect("a cite entry");
        let last = entries.last().expect("entries").clone();
        entries.push(Entry {
            seq: last.seq + 1,
            time: time.clone(),
            actor: actor.clone(),
            prev: last.prev,
            commit: true,
            origin: None,
            change: Change::Cite {
                citation: provdb::identity::citation_id(&other, &actor, &time),
                carried: None,
                body: other,
            },
        });
        let lines: String = entries
            .iter()
            .map(|entry| serde_json::to_string(entry).expect("line") + "\n")
            .collect();
        std::fs::write(&journal, rechain(&lines)).expect("write journal");
        self.ok(&["reindex"]);
        older_id
    }
}

/// Returns the path of a file or folder of ../shared, failing the test when
/// it is missing.
pub fn shared(path: &str) -> PathBuf {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join(path);
    assert!(
        full.exists(),
        "../shared/{path} is missing: these tests need the shared material beside the project"
    );
    full
}

/// `--json cite SOURCE --quote QUOTE` for the fixture article's subject,
/// with a property and a value.
pub fn cite_args<'a>(
    source: &'a str,
    quote: &'a str,
    property: &'a str,
    value: &'a str,
) -> Vec<&'a str> {
    vec![
        "--json",
        "cite",
        source,
        "--quote",
        quote,
        "--subject",
        "Khojaly, 26 February 1992",
        "--property",
        property,
        "--value",
        value,
    ]
}
