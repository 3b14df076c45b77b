//! Every --json output and every export is checked against its JSON Schema
//! in schema/ with the `jsonschema` crate, so a schema that drifts from the
//! code fails the build. The schemas close every object
//! (`additionalProperties: false`): a field added to an output without
//! being documented fails here too.

use crate::common;

use crate::common::{fixture, TestEnv};
use serde_json::Value;

fn schema_file(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("schema")).expect("schema is JSON")
}

/// A validator for one definition of a schema file.
fn validator(file: &str, definition: &str) -> jsonschema::Validator {
    let mut schema = schema_file(file);
    assert!(
        schema["$defs"].get(definition).is_some(),
        "{file} has no definition {definition:?}"
    );
    schema["$ref"] = Value::from(format!("#/$defs/{definition}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|error| panic!("{file}: {error}"))
}

fn errors(file: &str, definition: &str, instance: &Value) -> Vec<String> {
    validator(file, definition)
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

/// Checks an instance against a whole schema file.
fn assert_valid_file(file: &str, instance: &Value, what: &str) {
    let found: Vec<String> = jsonschema::validator_for(&schema_file(file))
        .unwrap_or_else(|error| panic!("{file}: {error}"))
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(found.is_empty(), "{what} does not match {file}: {found:#?}");
}

fn assert_valid(file: &str, definition: &str, instance: &Value, what: &str) {
    let found = errors(file, definition, instance);
    assert!(
        found.is_empty(),
        "{what} does not match {file}#/$defs/{definition}: {found:#?}\n{instance}"
    );
}

/// Runs a command with --json and checks its output against `definition`.
fn check(env: &TestEnv, definition: &str, args: &[&str]) -> Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let output = env.ok(&full).json();
    assert_valid(
        "cli-json.schema.json",
        definition,
        &output,
        &format!("provdb {args:?}"),
    );
    output
}

#[test]
fn every_json_output_matches_its_schema() {
    let env = TestEnv::empty();
    let store = env.store.to_str().expect("utf-8").to_string();
    check(&env, "demo", &["demo", &store]);
    let other = env.dir.path().join("other");
    check(&env, "init", &["init", other.to_str().expect("utf-8")]);
    let sample = fixture("claimreview-sample.json");
    let sample = sample.to_str().expect("utf-8");
    check(&env, "add", &["add", sample, "--title", "Sample markup"]);
    let dir = env.dir.path().join("files");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::write(dir.join("a.txt"), "A new file.\n").expect("write");
    std::fs::write(dir.join("empty.txt"), "").expect("write");
    check(
        &env,
        "add",
        &["add", dir.to_str().expect("utf-8"), "--skip-invalid"],
    );
    let revision = fixture("khojaly-article-2024-02.txt");
    let added = check(
        &env,
        "add",
        &[
            "add",
            revision.to_str().expect("utf-8"),
            "--doc",
            "khojaly-article",
        ],
    );
    assert!(
        added["drift"].is_object(),
        "a revision's carry report: {added}"
    );
    let claims = check(&env, "claims", &["claims"]);
    let sources = check(&env, "sources", &["sources"]);
    let claim = claims["claims"][0]["id"]
        .as_str()
        .expect("claim")
        .to_string();
    let source = sources["sources"][0]["id"]
        .as_str()
        .expect("source")
        .to_string();
    let cited = check(
        &env,
        "cite",
        &[
            "cite",
            &source,
            "--quote",
            "70 elderly",
            "--subject",
            "Khojaly, 26 February 1992",
            "--property",
            "elderly killed",
            "--value",
            "70",
        ],
    );
    let citation = cited["citation"].as_str().expect("citation").to_string();
    let batch = format!(
        "{{\"source\":\"{source}\",\"quote\":\"63 children\",\"subject\":\"Khojaly, 26 February 1992\",\"property\":\"children killed\",\"value\":\"63\"}}\n"
    );
    let run = env.run_stdin(&["--json", "cite", "--batch", "-"], batch.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_valid(
        "cli-json.schema.json",
        "cite_batch",
        &run.json(),
        "cite --batch",
    );
    let traced = check(&env, "trace", &["trace", &claim]);
    if let [first, second, ..] = traced["citations"]
        .as_array()
        .expect("citations")
        .as_slice()
    {
        let (old, new) = (
            first["id"].as_str().expect("id"),
            second["id"].as_str().expect("id"),
        );
        check(
            &env,
            "supersede",
            &["supersede", old, "--by", new, "--reason", "a schema test"],
        );
    } else {
        panic!("the demo's first claim has two citations: {traced}");
    }
    for id in [&claim, &source, &citation] {
        check(&env, "show", &["show", id]);
    }
    let listing = check(&env, "conflicts", &["conflicts"]);
    let disputed = listing["conflicts"][0]["sides"][0]["claim"]["id"]
        .as_str()
        .expect("the demo has a conflict")
        .to_string();
    check(
        &env,
        "mark_reviewed",
        &["mark-reviewed", &disputed, "--note", "a schema test"],
    );
    let listing = check(&env, "conflicts", &["conflicts"]);
    assert_eq!(listing["conflicts"][0]["review"]["current"], true);
    check(
        &env,
        "amend",
        &[
            "amend",
            &source,
            "--title",
            "A corrected title",
            "--reason",
            "a schema test",
        ],
    );
    check(&env, "log", &["log"]);
    check(&env, "log_doc", &["log", "--doc", "khojaly-article"]);
    check(
        &env,
        "diff",
        &["diff", "khojaly-article@1", "khojaly-article@2"],
    );
    check(
        &env,
        "drift",
        &["drift", "--doc", "khojaly-article", "--all"],
    );
    let first = check(&env, "checkpoint", &["checkpoint"]);
    let size = first["size"].as_u64().expect("size").to_string();
    check(
        &env,
        "retract",
        &["retract", &citation, "--reason", "a test retraction"],
    );
    check(&env, "checkpoint", &["checkpoint"]);
    check(&env, "checkpoints", &["checkpoints"]);
    let proof = check(&env, "prove", &["prove", &claim]);
    let consistency = check(&env, "prove", &["prove", "--consistency", &size, "latest"]);
    for (name, value) in [("p.json", &proof), ("c.json", &consistency)] {
        let path = env.dir.path().join(name);
        std::fs::write(&path, value.to_string()).expect("write");
        check(
            &env,
            "verify_proof",
            &["verify-proof", path.to_str().expect("utf-8")],
        );
    }
    let live = check(&env, "trace", &["trace", &claim])["citations"][0]["id"]
        .as_str()
        .expect("citation")
        .to_string();
    let receipt = env.ok(&["receipt", &live]).json();
    assert_valid_file("receipt.schema.json", &receipt, "receipt");
    let path = env.dir.path().join("r.json");
    std::fs::write(&path, receipt.to_string()).expect("write");
    check(
        &env,
        "verify_receipt",
        &["verify-receipt", path.to_str().expect("utf-8")],
    );
    check(
        &env,
        "review",
        &[
            "review",
            &claim,
            "--rating",
            "Sources differ",
            "--by",
            "Desk",
            "--url",
            "https://desk.example/r",
            "--rating-value",
            "2",
            "--best",
            "5",
            "--worst",
            "1",
        ],
    );
    check(
        &env,
        "import",
        &["import", "--format", "claimreview", sample],
    );
    check(&env, "reviews", &["reviews"]);
    check(&env, "manifest", &["manifest"]);
    check(
        &env,
        "check",
        &["check", revision.to_str().expect("utf-8"), sample],
    );
    let bundle = env.dir.path().join("store.tar");
    check(
        &env,
        "export",
        &[
            "export",
            "--format",
            "bundle",
            "-o",
            bundle.to_str().expect("utf-8"),
        ],
    );
    check(
        &env,
        "export",
        &[
            "export",
            "--format",
            "jsonl",
            "-o",
            env.dir.path().join("e.jsonl").to_str().expect("utf-8"),
        ],
    );
    let copy = env.dir.path().join("copy");
    check(
        &env,
        "import",
        &[
            "--db",
            copy.to_str().expect("utf-8"),
            "import",
            bundle.to_str().expect("utf-8"),
        ],
    );
    // A merge: the other (empty) store's bundle into this one.
    let other_bundle = env.dir.path().join("other.tar");
    check(
        &env,
        "export",
        &[
            "--db",
            other.to_str().expect("utf-8"),
            "export",
            "--format",
            "bundle",
            "-o",
            other_bundle.to_str().expect("utf-8"),
        ],
    );
    // A source this store does not hold, so the merge has something to add.
    let second = env.dir.path().join("other-note.txt");
    std::fs::write(&second, "A note only the other store holds.\n").expect("write");
    env.ok(&[
        "--db",
        other.to_str().expect("utf-8"),
        "add",
        second.to_str().expect("utf-8"),
    ]);
    env.ok(&[
        "--db",
        other.to_str().expect("utf-8"),
        "export",
        "--format",
        "bundle",
        "-o",
        other_bundle.to_str().expect("utf-8"),
    ]);
    check(
        &env,
        "import",
        &["import", other_bundle.to_str().expect("utf-8")],
    );
    let again = check(
        &env,
        "import",
        &["import", other_bundle.to_str().expect("utf-8")],
    );
    assert!(again["merged_before"].is_object(), "{again}");
    let may = fixture("khojaly-article-2024-05.txt");
    check(
        &env,
        "coverage",
        &[
            "coverage",
            may.to_str().expect("utf-8"),
            "--allow",
            "unbacked",
            "--allow",
            "contradicted",
        ],
    );
    check(&env, "search", &["search", "\"1,275 residents\""]);
    let site = env.dir.path().join("site");
    check(
        &env,
        "report",
        &["report", "-o", site.to_str().expect("utf-8")],
    );
    check(&env, "log", &["log"]);
    check(&env, "verify", &["verify"]);
    check(&env, "reindex", &["reindex"]);
    // A damaged store: a cited source's bytes gone. trace still answers,
    // with the anchor out of range and the source's state unknown.
    let objects = env.store.join("objects");
    let object = objects.join(&source[..2]).join(&source[2..]);
    std::fs::remove_file(&object).expect("remove the object");
    let damaged = check(&env, "trace", &["trace", &claim]);
    assert!(
        damaged["citations"]
            .as_array()
            .expect("citations")
            .iter()
            .any(|item| item["anchor"] == "out_of_range" && item["source_intact"].is_null()),
        "{damaged}"
    );
    let run = env.run(&["--json", "verify"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_valid(
        "cli-json.schema.json",
        "verify",
        &run.json(),
        "verify of a damaged store",
    );
}

/// Every command has its --json output described, under its own name.
#[test]
fn every_command_has_a_described_json_output() {
    use clap::CommandFactory;
    let schema = schema_file("cli-json.schema.json");
    // Described elsewhere or not JSON: the receipt has its own schema file,
    // `cat` writes the source's raw bytes, `completions` a shell script.
    let elsewhere = ["receipt", "cat", "completions"];
    for command in provdb::cli::Cli::command().get_subcommands() {
        let name = command.get_name().replace('-', "_");
        if elsewhere.contains(&command.get_name()) {
            continue;
        }
        assert!(
            schema["$defs"].get(&name).is_some(),
            "`provdb {}` has no definition {name:?} in schema/cli-json.schema.json",
            command.get_name()
        );
    }
}

#[test]
fn every_export_matches_its_schema() {
    let env = TestEnv::empty();
    env.ok(&["demo", env.store.to_str().expect("utf-8")]);
    let claim = env.ok(&["--json", "claims"]).json()["claims"][0]["id"]
        .as_str()
        .expect("claim")
        .to_string();
    env.ok(&[
        "review",
        &claim,
        "--rating",
        "Sources differ",
        "--by",
        "Desk",
        "--url",
        "https://desk.example/r",
    ]);
    let sample = fixture("claimreview-sample.json");
    env.ok(&[
        "import",
        "--format",
        "claimreview",
        sample.to_str().expect("utf-8"),
    ]);
    env.ok(&["checkpoint"]);
    let path = |name: &str| env.dir.path().join(name);
    let export = |format: &str, name: &str| {
        env.ok(&[
            "export",
            "--format",
            format,
            "-o",
            path(name).to_str().expect("utf-8"),
        ]);
        std::fs::read_to_string(path(name)).expect("export")
    };
    let read = |text: String| -> Value { serde_json::from_str(&text).expect("JSON") };
    for (format, definition) in [
        ("csl-json", "csl_json"),
        ("web-annotation", "web_annotation"),
        ("prov-json", "prov_json"),
        ("claimreview", "claimreview"),
    ] {
        let value = read(export(format, &format!("e.{format}")));
        assert_valid("exports.schema.json", definition, &value, format);
    }
    for line in export("jsonl", "e.jsonl").lines() {
        let value: Value = serde_json::from_str(line).expect("line");
        assert_valid_file("export-jsonl.schema.json", &value, line);
    }
    let rows = common::parse_csv(&export("csv", "e.csv"));
    let (header, rows) = rows.split_first().expect("header");
    assert!(!rows.is_empty());
    for row in rows {
        let record: serde_json::Map<String, Value> = header
            .iter()
            .cloned()
            .zip(row.iter().map(|field| Value::from(field.as_str())))
            .collect();
        assert_valid(
            "exports.schema.json",
            "csv_row",
            &Value::Object(record),
            "a CSV row",
        );
    }
    // A bundle holds journal lines and checkpoint lines, each described.
    env.ok(&[
        "export",
        "--format",
        "bundle",
        "-o",
        path("b.tar").to_str().expect("utf-8"),
    ]);
    let mut archive = tar::Archive::new(std::fs::File::open(path("b.tar")).expect("bundle"));
    let mut seen = 0;
    for entry in archive.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        let name = entry.path().expect("path").to_string_lossy().into_owned();
        let mut text = String::new();
        if name == "provdb-bundle/journal" || name == "provdb-bundle/checkpoints" {
            std::io::Read::read_to_string(&mut entry, &mut text).expect("read");
            for line in text.lines() {
                let value: Value = serde_json::from_str(line).expect("line");
                if name.ends_with("journal") {
                    assert_valid("cli-json.schema.json", "entry", &value, "a journal line");
                } else {
                    assert_valid(
                        "exports.schema.json",
                        "checkpoint_line",
                        &value,
                        "a checkpoint line",
                    );
                }
                seen += 1;
            }
        }
    }
    assert!(seen > 30, "{seen} lines checked");
}

/// The schemas can fail: an undocumented field, a wrong type and a missing
/// field are each refused.
#[test]
fn the_schemas_refuse_what_the_code_does_not_write() {
    let env = TestEnv::empty();
    env.ok(&["demo", env.store.to_str().expect("utf-8")]);
    let claims = env.ok(&["--json", "claims"]).json();
    assert_valid("cli-json.schema.json", "claims", &claims, "claims");
    let mut extra = claims.clone();
    extra["claims"][0]["confidence"] = Value::from(0.9);
    let mut wrong = claims.clone();
    wrong["claims"][0]["seq"] = Value::from("7");
    let mut missing = claims.clone();
    missing["claims"][0]
        .as_object_mut()
        .expect("object")
        .remove("subject");
    for (what, value) in [
        ("an extra field", extra),
        ("a wrong type", wrong),
        ("a missing field", missing),
    ] {
        assert!(
            !errors("cli-json.schema.json", "claims", &value).is_empty(),
            "{what} was accepted"
        );
    }
    let journal = std::fs::read_to_string(env.store.join("journal")).expect("journal");
    let mut entry: Value =
        serde_json::from_str(journal.lines().nth(1).expect("line")).expect("entry");
    entry["change"]["op"] = Value::from("delete_source");
    assert!(
        !errors("cli-json.schema.json", "entry", &entry).is_empty(),
        "an unknown op was accepted"
    );
}
