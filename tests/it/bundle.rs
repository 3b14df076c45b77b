//! Bundles: deterministic export, a lossless round trip into a new store,
//! and bad bundles refused whole with nothing left behind.

use crate::common;

use crate::common::TestEnv;

/// A store with sources, a document of two revisions (a carry), citations,
/// a conflict, a supersession and a checkpoint.
fn populated() -> TestEnv {
    let env = TestEnv::empty();
    env.ok(&["demo", env.store.to_str().expect("utf-8")]);
    env.ok(&["checkpoint"]);
    env
}

fn bundle_of(env: &TestEnv, name: &str) -> std::path::PathBuf {
    let path = env.dir.path().join(name);
    env.ok(&[
        "export",
        "--format",
        "bundle",
        "-o",
        path.to_str().expect("utf-8"),
    ]);
    path
}

fn import(env: &TestEnv, bundle: &std::path::Path, target: &std::path::Path) -> common::Run {
    env.run(&[
        "--db",
        target.to_str().expect("utf-8"),
        "import",
        bundle.to_str().expect("utf-8"),
    ])
}

#[test]
fn export_is_deterministic_and_import_round_trips() {
    let env = populated();
    let first = bundle_of(&env, "a.tar");
    let second = bundle_of(&env, "b.tar");
    assert!(std::fs::read(&first).expect("a") == std::fs::read(&second).expect("b"));
    let target = env.dir.path().join("copy");
    let run = import(&env, &first, &target);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The same journal, line for line.
    assert!(
        std::fs::read(env.store.join("journal")).expect("journal")
            == std::fs::read(target.join("journal")).expect("journal")
    );
    // The same answers.
    let copy = TestEnv {
        dir: tempfile::tempdir().expect("tempdir"),
        store: target.clone(),
    };
    for args in [
        vec!["--json", "claims"],
        vec!["--json", "conflicts"],
        vec!["--json", "sources"],
        vec!["--json", "log", "--doc", "khojaly-article"],
        vec!["--json", "checkpoints"],
        vec!["--json", "drift", "--doc", "khojaly-article"],
    ] {
        assert_eq!(env.ok(&args).stdout, copy.ok(&args).stdout, "{args:?}");
    }
    let claims = env.ok(&["--json", "claims"]).json();
    for claim in claims["claims"].as_array().expect("claims") {
        let id = claim["id"].as_str().expect("id");
        assert_eq!(
            env.ok(&["--json", "trace", id]).stdout,
            copy.ok(&["--json", "trace", id]).stdout
        );
    }
    copy.ok(&["verify"]);
    // Exporting the copy gives the same bundle, byte for byte.
    let again = bundle_of(&copy, "c.tar");
    assert!(std::fs::read(&first).expect("a") == std::fs::read(&again).expect("c"));
}

/// A raw ustar entry: any name, kind and claimed size, with `data` after it.
fn raw_entry(name: &[u8], kind: tar::EntryType, size: u64, data: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.as_mut_bytes()[..name.len()].copy_from_slice(name);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(kind);
    if kind == tar::EntryType::Symlink || kind == tar::EntryType::Link {
        header.set_link_name("/etc/passwd").expect("link");
    }
    header.set_cksum();
    let mut out = header.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn format_entry() -> Vec<u8> {
    let text = b"provdb bundle\nformat 1\n";
    raw_entry(
        b"provdb-bundle/FORMAT",
        tar::EntryType::Regular,
        text.len() as u64,
        text,
    )
}

fn finish(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.extend_from_slice(&[0u8; 1024]);
    bytes
}

#[test]
fn bad_bundles_are_refused_whole_and_leave_nothing() {
    let env = populated();
    let good = std::fs::read(bundle_of(&env, "good.tar")).expect("bundle");
    let journal = std::fs::read(env.store.join("journal")).expect("journal");
    // Where the first object's bytes start: FORMAT, journal, checkpoints
    // entries first (each a 512-byte header and padded data).
    let padded = |len: usize| 512 + len.div_ceil(512) * 512;
    let checkpoints = std::fs::read(env.store.join("checkpoints")).expect("checkpoints");
    let object_data = padded(23) + padded(journal.len()) + padded(checkpoints.len()) + 512;
    let journal_data = padded(23) + 512;

    let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();
    // An object no entry records, correctly named by its hash (a bundle
    // once carried 150,000 of them into a store).
    let junk = b"junk bytes no journal entry records\n";
    let junk_id = blake3::hash(junk).to_hex().to_string();
    let mut extra = good[..good.len() - 1024].to_vec();
    let name = format!("provdb-bundle/objects/{}/{}", &junk_id[..2], &junk_id[2..]);
    extra.extend(raw_entry(
        name.as_bytes(),
        tar::EntryType::Regular,
        junk.len() as u64,
        junk,
    ));
    cases.push((
        "an object no entry records",
        finish(extra),
        "holds 1 object(s) no journal entry records",
    ));
    let mut flipped = good.clone();
    flipped[object_data + 10] ^= 1;
    cases.push(("a changed object byte", flipped, "hash mismatch"));
    let mut broken = good.clone();
    let at = journal_data + journal.iter().position(|b| *b == b'\n').expect("line") + 30;
    broken[at] = if broken[at] == b'1' { b'2' } else { b'1' };
    cases.push(("a changed journal byte", broken, "refused"));
    cases.push((
        "a truncated bundle",
        good[..good.len() / 2].to_vec(),
        "refused",
    ));
    let mut escaping = format_entry();
    escaping.extend(raw_entry(
        b"provdb-bundle/../../evil",
        tar::EntryType::Regular,
        1,
        b"x",
    ));
    cases.push((
        "a path escaping with ..",
        finish(escaping),
        "escapes provdb-bundle/",
    ));
    let mut absolute = format_entry();
    absolute.extend(raw_entry(b"/tmp/evil", tar::EntryType::Regular, 1, b"x"));
    cases.push((
        "an absolute path",
        finish(absolute),
        "escapes provdb-bundle/",
    ));
    let mut symlink = format_entry();
    symlink.extend(raw_entry(
        b"provdb-bundle/journal",
        tar::EntryType::Symlink,
        0,
        b"",
    ));
    cases.push(("a symbolic link", finish(symlink), "only regular files"));
    let mut hardlink = format_entry();
    hardlink.extend(raw_entry(
        b"provdb-bundle/journal",
        tar::EntryType::Link,
        0,
        b"",
    ));
    cases.push(("a hard link", finish(hardlink), "only regular files"));
    let mut bomb = format_entry();
    bomb.extend(raw_entry(
        b"provdb-bundle/journal",
        tar::EntryType::Regular,
        1 << 40,
        b"{}",
    ));
    cases.push(("a size bomb", finish(bomb), "size bomb"));
    let mut duplicate = format_entry();
    duplicate.extend(format_entry());
    cases.push(("a duplicate entry", finish(duplicate), "appears twice"));
    let mut foreign = format_entry();
    foreign.extend(raw_entry(
        b"provdb-bundle/index/db",
        tar::EntryType::Regular,
        1,
        b"x",
    ));
    cases.push(("an unknown path", finish(foreign), "not part of a bundle"));
    let headless = raw_entry(b"provdb-bundle/journal", tar::EntryType::Regular, 2, b"{}");
    cases.push(("no FORMAT first", finish(headless), "first entry"));
    cases.push(("not a tar file", b"hello".to_vec(), "refused"));

    for (what, bytes, needle) in cases {
        let path = env.dir.path().join("bad.tar");
        std::fs::write(&path, &bytes).expect("write");
        let parent = tempfile::tempdir().expect("tempdir");
        let target = parent.path().join("store");
        let run = import(&env, &path, &target);
        assert_eq!(run.code, 3, "{what}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(needle), "{what}: {}", run.stderr);
        assert_eq!(
            run.stderr.trim_end().lines().count(),
            1,
            "{what}: {}",
            run.stderr
        );
        assert!(!target.exists(), "{what}: a store was left behind");
        assert_eq!(
            std::fs::read_dir(parent.path()).expect("dir").count(),
            0,
            "{what}: something was left beside the target"
        );
        // Merged into an existing store, it is refused the same way, and
        // the store and its directory are left as they were.
        let beside = || {
            let mut names: Vec<_> = std::fs::read_dir(env.dir.path())
                .expect("dir")
                .map(|entry| entry.expect("entry").file_name())
                .collect();
            names.sort();
            names
        };
        let before = beside();
        env.refused(&["import", path.to_str().expect("utf-8")], 3, needle);
        assert_eq!(
            beside(),
            before,
            "{what}: something was left beside the store"
        );
    }
    // A store's own bundle merged into it adds nothing and writes nothing.
    let before = env.snapshot();
    let run = env.ok(&[
        "--json",
        "import",
        env.dir.path().join("good.tar").to_str().expect("utf-8"),
    ]);
    assert_eq!(run.json()["merged"], 0);
    assert!(
        env.snapshot() == before,
        "a merge of nothing changed the store"
    );
}

/// A second store: the survey (also in the first store), the article as
/// revision 1 of the same document (same bytes), and two claims of its own,
/// one of which gives another value for a figure the first store cites.
fn second_store(env: &TestEnv) -> TestEnv {
    let other = TestEnv::new();
    let add = |args: &[&str]| -> String {
        let mut command = other.command();
        command.env("PROVDB_ACTOR", "bob").args(args);
        let output = command.output().expect("run");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let note = env.dir.path().join("note.txt");
    std::fs::write(
        &note,
        "A field note of 1994 gives the number of residents taken captive as 1,000.\n",
    )
    .expect("note");
    let id = |out: String| -> String {
        serde_json::from_str::<serde_json::Value>(&out).expect("json")["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let survey = common::fixture("regional-survey-1993.txt");
    add(&[
        "add",
        survey.to_str().expect("utf-8"),
        "--title",
        "A survey",
    ]);
    let note = id(add(&[
        "--json",
        "add",
        note.to_str().expect("utf-8"),
        "--title",
        "Field note",
    ]));
    let article = common::fixture("khojaly-article-2024-02.txt");
    let article = id(add(&[
        "--json",
        "add",
        article.to_str().expect("utf-8"),
        "--doc",
        "khojaly-article",
    ]));
    add(&[
        "cite",
        &note,
        "--quote",
        "1,000",
        "--subject",
        "Khojaly, 26 February 1992",
        "--property",
        "people taken captive",
        "--value",
        "1000",
    ]);
    add(&[
        "cite",
        &article,
        "--quote",
        "about 7,000",
        "--subject",
        "Khojaly",
        "--property",
        "population before the war",
        "--value",
        "7000",
    ]);
    other
}

#[test]
fn merging_a_bundle_adds_what_is_new_once_and_keeps_where_it_came_from() {
    let env = populated();
    let other = second_store(&env);
    // Three reviews too, read from the sample markup (a source of its own).
    let sample = common::fixture("claimreview-sample.json");
    let imported = other
        .command()
        .env("PROVDB_ACTOR", "bob")
        .args([
            "import",
            "--format",
            "claimreview",
            sample.to_str().expect("utf-8"),
        ])
        .output()
        .expect("run");
    assert!(imported.status.success(), "{imported:?}");
    let bundle = bundle_of(&other, "other.tar");
    let entries_before = std::fs::read_to_string(env.store.join("journal"))
        .expect("journal")
        .lines()
        .count();
    let objects_before = walk_files(&env.store.join("objects"));
    let run = env
        .ok(&["--json", "import", bundle.to_str().expect("utf-8")])
        .json();
    // The other journal: init, survey, note, article, revision 1, a claim
    // and a citation twice, the markup and its three reviews = 13 entries.
    // Here already: the survey and the article (same bytes), revision 1
    // (same source), and the population claim (the demo cites the same
    // "about 7,000", read as approximate 7000): 4. New: the note, one
    // claim, two citations, the markup, three reviews = 8.
    assert_eq!(run["entries"], 13);
    assert_eq!(run["already"], 4);
    assert_eq!(run["merged"], 8);
    assert_eq!(
        run["new_objects"], 2,
        "only the note's and the markup's bytes are new"
    );
    let bundle_hash = blake3::hash(&std::fs::read(&bundle).expect("bundle"))
        .to_hex()
        .to_string();
    assert_eq!(run["bundle_blake3"], bundle_hash.as_str());
    // Appended: the other journal as a source, the merge entry, 8 entries.
    let journal = std::fs::read_to_string(env.store.join("journal")).expect("journal");
    let lines: Vec<serde_json::Value> = journal
        .lines()
        .map(|line| serde_json::from_str(line).expect("entry"))
        .collect();
    assert_eq!(lines.len(), entries_before + 10);
    let merge = &lines[entries_before + 1];
    assert_eq!(merge["change"]["op"], "merge");
    assert_eq!(merge["change"]["bundle"], bundle_hash.as_str());
    // The merge names the other journal's tree head: its size, and the
    // BLAKE3 tree's root (a merge records the journal it merged by identity,
    // and identities are BLAKE3; schema/audit.md).
    let other_journal = std::fs::read(other.store.join("journal")).expect("journal");
    let other_lines: Vec<&[u8]> = other_journal
        .split_inclusive(|byte| *byte == b'\n')
        .collect();
    assert_eq!(merge["change"]["size"], other_lines.len());
    assert_eq!(
        merge["change"]["root"],
        crate::audit::b64(&crate::audit::mth_blake3(&other_lines))
    );
    assert_eq!(
        merge["change"]["journal"],
        blake3::hash(&other_journal).to_hex().as_str()
    );
    for line in &lines[entries_before + 2..] {
        assert_eq!(line["origin"]["actor"], "bob", "{line}");
    }
    // Objects stored once: new object files for the note, the markup and
    // the other journal.
    assert_eq!(
        walk_files(&env.store.join("objects")).len(),
        objects_before.len() + 3
    );
    // The reviews came along, once.
    let reviews = env.ok(&["--json", "reviews"]).json();
    assert_eq!(reviews.as_array().map(Vec::len), Some(3));
    // The conflicting count shows in conflicts; the merged citation keeps
    // who recorded it and when, so its id still verifies.
    let conflicts = env.ok(&["conflicts"]).stdout;
    assert!(
        conflicts.contains("1000") && conflicts.contains("1275"),
        "{conflicts}"
    );
    let claim = env.ok(&["--json", "claims", "--value", "1000"]).json()["claims"][0]["id"]
        .as_str()
        .expect("claim")
        .to_string();
    let trace = env.ok(&["--json", "trace", &claim]).json();
    assert_eq!(trace["citations"][0]["actor"], "bob");
    env.ok(&["verify"]);
    // Merging the same bundle again adds nothing.
    let again = env
        .ok(&["--json", "import", bundle.to_str().expect("utf-8")])
        .json();
    // Known by its hash: answered from the index, without reading it.
    let merge_seq = lines[entries_before + 1]["seq"].clone();
    assert_eq!(again["merged"], 0);
    assert_eq!(again["merged_before"]["seq"], merge_seq);
    let text = env.ok(&["import", bundle.to_str().expect("utf-8")]).stdout;
    assert!(text.contains("was merged at entry"), "{text}");

    // A third store merges the first one's bundle, merged entries and all:
    // their origins keep the first recorder, and everything verifies.
    // It imported the same markup itself first: identical reviews are
    // held once.
    let third = TestEnv::new();
    third.ok(&[
        "import",
        "--format",
        "claimreview",
        sample.to_str().expect("utf-8"),
    ]);
    let whole = bundle_of(&env, "whole.tar");
    third.ok(&["import", whole.to_str().expect("utf-8")]);
    third.ok(&["verify"]);
    let reviews = third.ok(&["--json", "reviews"]).json();
    assert_eq!(reviews.as_array().map(Vec::len), Some(3), "{reviews}");
    let trace = third.ok(&["--json", "trace", &claim]).json();
    assert_eq!(trace["citations"][0]["actor"], "bob");
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk_files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn merging_diverged_revisions_is_refused_whole() {
    let env = populated();
    // Another store whose khojaly-article@1 is other bytes.
    let other = TestEnv::new();
    let revision = common::fixture("regional-survey-1993.txt");
    other.ok(&[
        "add",
        revision.to_str().expect("utf-8"),
        "--doc",
        "khojaly-article",
    ]);
    let bundle = bundle_of(&other, "diverged.tar");
    env.refused(
        &["import", bundle.to_str().expect("utf-8")],
        3,
        "histories of \"khojaly-article\" diverge",
    );
}

#[test]
fn verify_catches_a_merged_entry_that_differs_from_its_origin() {
    let env = populated();
    let other = second_store(&env);
    let bundle = bundle_of(&other, "other.tar");
    env.ok(&["import", bundle.to_str().expect("utf-8")]);
    let path = env.store.join("journal");
    let journal = std::fs::read_to_string(&path).expect("journal");
    // Point the last merged entry at another line of the other journal.
    let last = journal.lines().last().expect("line");
    assert!(last.contains("\"origin\":{"), "{last}");
    let at = last.find("\"seq\":9,").expect("origin seq");
    let forged = format!("{}\"seq\":7,{}", &last[..at], &last[at + 8..]);
    let tampered = journal.replacen(last, &forged, 1);
    std::fs::write(&path, common::rechain(&tampered)).expect("tamper");
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("does not match entry 7 of store"),
        "{}",
        run.stdout
    );
}

#[test]
fn record_exports_hold_every_citation_and_source() {
    let env = populated();
    // The citations and sources, counted from the journal itself.
    let log = env.ok(&["--json", "log"]).json();
    let entries = log["entries"].as_array().expect("entries");
    let cites = entries
        .iter()
        .filter(|e| e["change"]["op"] == "cite")
        .count();
    let sources = entries
        .iter()
        .filter(|e| e["change"]["op"] == "add_source")
        .count();
    let dir = env.dir.path();
    let path = |name: &str| dir.join(name).to_str().expect("utf-8").to_string();
    env.ok(&["export", "--format", "csv", "-o", &path("e.csv")]);
    env.ok(&["export", "--format", "jsonl", "-o", &path("e.jsonl")]);
    env.ok(&["export", "--format", "csl-json", "-o", &path("e.json")]);
    let rows = common::parse_csv(&std::fs::read_to_string(path("e.csv")).expect("csv"));
    assert_eq!(rows[0].len(), 23);
    assert_eq!(rows[0][12], "quote");
    assert_eq!(rows.len() - 1, cites);
    // The court-decision quote spans a line break; CSV keeps it.
    assert!(rows
        .iter()
        .any(|row| row[12] == "a\ndecision dated 22 April 2010"));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(path("e.jsonl"))
        .expect("jsonl")
        .lines()
        .map(|line| serde_json::from_str(line).expect("json line"))
        .collect();
    let count = |kind: &str| lines.iter().filter(|line| line["type"] == kind).count();
    assert_eq!((count("source"), count("citation")), (sources, cites));
    let items: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("e.json")).expect("csl")).expect("json");
    assert_eq!(items.as_array().expect("items").len(), sources);
    let article = items
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["type"] == "article-newspaper")
        .expect("the article");
    assert_eq!(
        article["issued"]["date-parts"][0],
        serde_json::json!([2024, 2, 26])
    );
}

#[test]
fn citations_export_as_web_annotations_that_pass_the_model_check() {
    let env = populated();
    let out = env.dir.path().join("annotations.json");
    env.ok(&[
        "export",
        "--format",
        "web-annotation",
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    let collection: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    provdb::interchange::annotation::check_document(&collection).expect("a valid collection");
    let items = collection["first"]["items"].as_array().expect("items");
    let log = env.ok(&["--json", "log"]).json();
    let cites = log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["change"]["op"] == "cite")
        .count();
    assert_eq!(items.len(), cites);
    // The position selector counts characters: slicing the source's
    // characters there gives the quote (a quote in a page's text layer:
    // the layer's characters, the text a reader sees).
    for item in items {
        let source = item["target"]["source"].as_str().expect("source");
        let id = source.strip_prefix("urn:blake3:").expect("a BLAKE3 URN");
        let citation = item["id"]
            .as_str()
            .and_then(|id| id.strip_prefix("urn:provdb:citation:"))
            .expect("a citation URN");
        let shown = env.ok(&["--json", "show", citation]).json();
        let text = match shown["layer"]["object"].as_str() {
            Some(layer) => {
                std::fs::read_to_string(env.object_path(layer)).expect("the layer object")
            }
            None => env.ok(&["cat", id]).stdout,
        };
        let selectors = item["target"]["selector"].as_array().expect("selectors");
        let (start, end) = (
            selectors[1]["start"].as_u64().expect("start") as usize,
            selectors[1]["end"].as_u64().expect("end") as usize,
        );
        let quoted: String = text.chars().skip(start).take(end - start).collect();
        assert_eq!(quoted, selectors[0]["exact"].as_str().expect("exact"));
    }
}

#[test]
fn the_store_exports_as_prov_json() {
    let env = populated();
    let out = env.export("prov-json", "prov.json");
    let prov: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    let log = env.ok(&["--json", "log"]).json();
    let entries = log["entries"].as_array().expect("entries");
    let count = |op: &str| entries.iter().filter(|e| e["change"]["op"] == op).count();
    let derivations: Vec<&serde_json::Value> = prov["wasDerivedFrom"]
        .as_object()
        .expect("derivations")
        .values()
        .collect();
    let typed = |kind: &str| {
        derivations
            .iter()
            .filter(|d| d["prov:type"]["$"] == kind)
            .count()
    };
    // One quotation per citation; one revision (the article's @2 from @1).
    assert_eq!(typed("prov:Quotation"), count("cite"));
    assert_eq!(typed("prov:Revision"), 1);
    // Each source and claim is an entity; each revision a specialization of its document.
    let entities = prov["entity"].as_object().expect("entities");
    // Sources and text layers are both named by their BLAKE3.
    assert_eq!(
        entities.keys().filter(|k| k.starts_with("blake3:")).count(),
        count("add_source") + count("derive_text")
    );
    assert_eq!(
        entities
            .keys()
            .filter(|k| k.starts_with("provdb:claim-"))
            .count(),
        count("record_claim")
    );
    assert_eq!(
        prov["specializationOf"].as_object().expect("spec").len(),
        count("add_revision")
    );
    // Every relation names entities and activities that exist.
    for relation in prov["wasGeneratedBy"].as_object().expect("gen").values() {
        assert!(entities.contains_key(relation["prov:entity"].as_str().expect("entity")));
        assert!(prov["activity"][relation["prov:activity"].as_str().expect("act")].is_object());
    }
}

/// A bundle whose hash chain is sound but whose entries lie is refused by
/// `import` (as a new store and as a merge), and `verify` rejects a store
/// holding the same lies: a size that is not the object's, a second init
/// entry, a retraction of a citation that never existed, and a field the
/// format does not define. Each used to get through.
#[test]
fn a_bundle_whose_entries_lie_is_refused() {
    let env = TestEnv::new();
    let article = env.add("khojaly-article-2024-02.txt", &[]);
    env.ok(&[
        "cite",
        &article,
        "--quote",
        "1,275 residents",
        "--subject",
        "Khojaly",
        "--property",
        "captured",
        "--value",
        "1275",
    ]);
    let journal = std::fs::read_to_string(env.store.join("journal")).expect("journal");
    let last = journal.lines().last().expect("a line").to_string();
    let seq: u64 = journal.lines().count() as u64 + 1;
    let appended = |change: &str| {
        let entry = format!(
            "{{\"seq\":{seq},\"time\":\"2026-01-01T00:00:00Z\",\"actor\":\"forger\",\"prev\":\"{}\",\"commit\":true,\"change\":{change}}}",
            "0".repeat(64)
        );
        format!("{journal}{entry}\n")
    };
    let lies = [
        (
            journal.replacen("\"size\":710,", "\"size\":9999,", 1),
            "is 9999 bytes, but its object holds 710",
        ),
        (
            appended(
                "{\"op\":\"init\",\"store\":\"00000000000000000000000000000000\",\"format\":1}",
            ),
            "is a second init entry",
        ),
        (
            appended(&format!(
                "{{\"op\":\"retract\",\"citation\":\"{}\",\"reason\":\"never was\"}}",
                "ab".repeat(32)
            )),
            "retracts citation abababababab, recorded nowhere before it",
        ),
        (
            journal.replacen(
                "\"op\":\"add_source\",",
                "\"op\":\"add_source\",\"extra\":1,",
                1,
            ),
            "has the field change.extra, which the journal format does not define",
        ),
    ];
    assert!(last.contains("\"commit\":true"));
    for (number, (lying, needle)) in lies.iter().enumerate() {
        assert_ne!(lying, &journal, "lie {number} changed nothing");
        let copy = TestEnv::empty();
        let status = std::process::Command::new("cp")
            .arg("-r")
            .arg(&env.store)
            .arg(&copy.store)
            .status()
            .expect("cp");
        assert!(status.success());
        std::fs::write(copy.store.join("journal"), common::rechain(lying)).expect("lie");
        // The index is derived: rebuilt from the lying journal on next open.
        std::fs::remove_dir_all(copy.store.join("index")).expect("index");
        let verify = copy.run(&["verify"]);
        assert_eq!(
            verify.code, 1,
            "lie {number}: verify passed: {}",
            verify.stdout
        );
        assert!(
            verify.stdout.contains(needle),
            "lie {number}: {needle:?} not in {}",
            verify.stdout
        );
        // Its bundle: refused as a new store and as a merge, nothing left.
        let bundle = copy.dir.path().join("lie.tar");
        let bundle = bundle.to_str().expect("utf-8");
        copy.ok(&["export", "--format", "bundle", "-o", bundle]);
        let target = TestEnv::empty();
        let run = target.run(&["import", bundle]);
        assert_eq!(
            run.code, 3,
            "lie {number}: imported: {}{}",
            run.stdout, run.stderr
        );
        assert!(!target.store.exists(), "lie {number}: a store was left");
        let other = TestEnv::new();
        let before = other.snapshot();
        let run = other.run(&["import", bundle]);
        assert_eq!(
            run.code, 3,
            "lie {number}: merged: {}{}",
            run.stdout, run.stderr
        );
        assert!(
            other.snapshot() == before,
            "lie {number}: the merge changed the store"
        );
    }
}
