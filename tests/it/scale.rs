//! The bulk paths and their robustness: `add DIR`, `cite --batch`, four
//! writers at once, kill -9 in the middle of a bulk command, and a full disk.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;

/// Writes `count` small documents under `dir/sub{n}/`, each holding numbered
/// notes that batch lines can quote, and returns their paths by document number.
fn write_corpus(dir: &Path, tag: &str, count: usize) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for index in 0..count {
        let folder = dir.join(format!("sub{}", index % 3));
        std::fs::create_dir_all(&folder).expect("mkdir");
        let path = folder.join(format!("doc-{index:04}.txt"));
        let mut text = format!("Bulletin {tag} {index}\n");
        for note in 1..=5 {
            text.push_str(&format!(
                "Some filler words here. Note {note}: {} ballots in ward {index}.\n",
                1000 + index * 10 + note
            ));
        }
        std::fs::write(&path, text).expect("write");
        paths.push(path);
    }
    paths
}

/// The BLAKE3 hex of a file, with the official crate (not provdb's code path).
fn b3(path: &Path) -> String {
    blake3::hash(&std::fs::read(path).expect("read"))
        .to_hex()
        .to_string()
}

/// One batch line quoting note `note` of document `index` of a corpus.
fn batch_line(source: &str, index: usize, note: usize, property: &str) -> String {
    serde_json::json!({
        "source": source,
        "quote": format!("Note {note}: {} ballots", 1000 + index * 10 + note),
        "subject": format!("ward {index}"),
        "property": property,
        "value": 1000 + index * 10 + note,
    })
    .to_string()
}

#[test]
fn add_dir_records_every_file_once_under_its_blake3_name() {
    let env = TestEnv::new();
    let corpus = env.dir.path().join("corpus");
    let paths = write_corpus(&corpus, "a", 12);
    // A duplicate of the first file, and the three bytes "abc", whose BLAKE3 is
    // the official test value 6437b3ac… (BLAKE3 reference README).
    std::fs::write(
        corpus.join("sub0/zz-copy.txt"),
        std::fs::read(&paths[0]).expect("read"),
    )
    .expect("copy");
    std::fs::write(corpus.join("abc.txt"), b"abc").expect("abc");
    let run = env.ok(&["--json", "add", corpus.to_str().expect("utf-8")]);
    let json = run.json();
    // The document is written a file at a time from where the add kept its
    // report; it must be exactly the compact form, keys in name order, that
    // serde_json gives the same value.
    assert_eq!(run.stdout.trim_end(), json.to_string());
    assert!(run.stdout.starts_with("{\"bytes\":"), "{}", run.stdout);
    assert_eq!(json["files"].as_array().expect("files").len(), 14);
    assert_eq!(json["new_sources"], 13, "the copy is stored once");
    let ids: Vec<&str> = json["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|file| file["id"].as_str().expect("id"))
        .collect();
    assert!(ids.contains(&"6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"));
    for path in &paths {
        let hex = b3(path);
        assert!(ids.contains(&hex.as_str()));
        let object = env.object_path(&hex);
        assert_eq!(
            std::fs::read(object).expect("object"),
            std::fs::read(path).expect("file")
        );
    }
    // Again: nothing new, nothing appended.
    let journal = std::fs::read(env.store.join("journal")).expect("journal");
    let again = env
        .ok(&["--json", "add", corpus.to_str().expect("utf-8")])
        .json();
    assert_eq!(again["new_sources"], 0);
    assert_eq!(
        std::fs::read(env.store.join("journal")).expect("journal"),
        journal
    );
    env.ok(&["verify"]);
    assert_eq!(
        std::fs::read_dir(env.store.join("objects/tmp"))
            .expect("tmp")
            .count(),
        0,
        "no temporary file left"
    );
}

#[test]
fn a_bad_file_refuses_the_whole_add_unless_skip_invalid() {
    let env = TestEnv::new();
    let corpus = env.dir.path().join("corpus");
    write_corpus(&corpus, "b", 5);
    std::fs::write(corpus.join("sub1/empty.txt"), b"").expect("empty");
    let before = env.snapshot();
    let run = env.run(&["add", corpus.to_str().expect("utf-8")]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("empty.txt") && run.stderr.contains("--skip-invalid"));
    assert!(
        env.snapshot() == before,
        "a refused add leaves the store as it was"
    );

    let run = env.ok(&[
        "--json",
        "add",
        corpus.to_str().expect("utf-8"),
        "--skip-invalid",
    ]);
    let json = run.json();
    assert_eq!(json["new_sources"], 5);
    assert_eq!(json["skipped"].as_array().expect("skipped").len(), 1);
    assert!(json["skipped"][0]["path"]
        .as_str()
        .expect("path")
        .ends_with("empty.txt"));

    // Per-source metadata cannot be shared by several files.
    let run = env.run(&[
        "add",
        corpus.to_str().expect("utf-8"),
        "--title",
        "One title",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--title"), "{}", run.stderr);
    let missing = env.run(&["add", "no-such-dir", corpus.to_str().expect("utf-8")]);
    assert_eq!(missing.code, 3);
    assert!(missing.stderr.contains("no-such-dir"), "{}", missing.stderr);
}

/// Adds a corpus and returns the source ids in the order of `paths`.
fn add_corpus(env: &TestEnv, dir: &Path, paths: &[PathBuf]) -> Vec<String> {
    env.ok(&["add", dir.to_str().expect("utf-8")]);
    paths.iter().map(|path| b3(path)).collect()
}

/// Returns the numbers of the lines a batch's `--json` output says it skipped.
fn skipped_lines(json: &serde_json::Value) -> Vec<u64> {
    json["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|bad| bad["line"].as_u64().expect("line"))
        .collect()
}

#[test]
fn a_batch_records_what_single_cites_would() {
    let env = TestEnv::new();
    let corpus = env.dir.path().join("corpus");
    let paths = write_corpus(&corpus, "c", 4);
    let ids = add_corpus(&env, &corpus, &paths);
    let mut lines = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        for note in 1..=5 {
            lines.push(batch_line(id, index, note, "ballots counted"));
        }
    }
    // The first line again, with a short id prefix and the value as text: the same citation.
    lines.push(
        serde_json::json!({"source": &ids[0][..10], "quote": "Note 1: 1001 ballots",
            "subject": "Ward 0", "property": "Ballots  counted", "value": "1,001"})
        .to_string(),
    );
    let batch = env.dir.path().join("batch.jsonl");
    std::fs::write(&batch, lines.join("\n") + "\n\n").expect("batch");
    let json = env
        .ok(&["--json", "cite", "--batch", batch.to_str().expect("utf-8")])
        .json();
    assert_eq!(json["lines"], 21);
    assert_eq!(json["citations"], 20);
    assert_eq!(json["already"], 1);
    assert_eq!(json["new_claims"], 20);

    // A single cite of the same evidence finds it already recorded, with the same claim id.
    let single = env
        .ok(&[
            "--json",
            "cite",
            &ids[2],
            "--quote",
            "Note 3: 1023 ballots",
            "--subject",
            "ward 2",
            "--property",
            "ballots counted",
            "--value",
            "1023",
        ])
        .json();
    assert_eq!(single["new_citation"], false);
    let claims = env.ok(&["--json", "claims", "--subject", "ward 2"]).json();
    let listed = claims.to_string();
    assert!(
        listed.contains(single["claim"].as_str().expect("claim")),
        "{listed}"
    );
    env.ok(&["verify"]);
}

#[test]
fn a_bad_line_refuses_the_batch_with_its_number() {
    let env = TestEnv::new();
    let corpus = env.dir.path().join("corpus");
    let paths = write_corpus(&corpus, "d", 2);
    let ids = add_corpus(&env, &corpus, &paths);
    let good = batch_line(&ids[0], 0, 1, "ballots counted");
    // A refused field is named as the line names it ("subject"), never by
    // a flag the batch's author did not type.
    let cases: [(&str, String); 7] = [
        ("not a citation object", "{not json".to_string()),
        (
            "unknown field",
            good.replace("\"property\"", "\"propertee\""),
        ),
        (
            "not in the source",
            batch_line(&ids[0], 1, 1, "ballots counted"),
        ),
        (
            "does not state the value 1002; fix the value or the quote, or pass \"value_not_in_quote\" to record it anyway",
            good.replace("\"value\":1001", "\"value\":1002"),
        ),
        ("no source", batch_line("abcdef12", 0, 1, "ballots counted")),
        (
            "\"subject\" is empty",
            good.replace("\"ward 0\"", "\"   \""),
        ),
        (
            "\"occurrence\" counts from 1",
            good.replace("\"source\"", "\"occurrence\":0,\"source\""),
        ),
    ];
    for (needle, bad) in cases {
        let batch = env.dir.path().join("bad.jsonl");
        std::fs::write(&batch, format!("{good}\n{good}\n{bad}\n")).expect("batch");
        let before = env.snapshot();
        let run = env.run(&["cite", "--batch", batch.to_str().expect("utf-8")]);
        assert_eq!(run.code, 3, "{needle}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains("line 3"), "{needle}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
        // What is said of the line names no flag (the command's own hint
        // after it may: --skip-invalid is typed on the command line).
        let about_line = run
            .stderr
            .split("line 3: ")
            .nth(1)
            .and_then(|rest| rest.split("; nothing was recorded").next())
            .expect("the line's message");
        assert!(!about_line.contains("--"), "{needle}: {}", run.stderr);
        assert!(env.snapshot() == before, "{needle}: the store changed");
    }
    // --skip-invalid records the good line and names the bad ones.
    let batch = env.dir.path().join("mixed.jsonl");
    let bad = batch_line(&ids[0], 1, 1, "ballots counted");
    std::fs::write(&batch, format!("{bad}\n{good}\n{bad}\n")).expect("batch");
    let json = env
        .ok(&[
            "--json",
            "cite",
            "--batch",
            batch.to_str().expect("utf-8"),
            "--skip-invalid",
        ])
        .json();
    assert_eq!(json["citations"], 1);
    let skipped = skipped_lines(&json);
    assert_eq!(skipped, vec![1, 3]);
    env.ok(&["verify"]);
}

/// Which lines of a batch record a citation, and which a new claim, found
/// against a model of the rules (schema/batch.md): a line repeats a
/// citation when the same source, note and stance is live in the store or
/// came on an earlier good line; a claim is new when neither the store nor
/// an earlier recorded line holds it. Four sources state the same four
/// notes, so one claim is cited from every source with either stance; the
/// lines name their source by full id or by a prefix (so one citation
/// reaches the check under two names), and every seventh line is bad.
#[test]
fn a_batch_records_each_citation_and_claim_once_in_line_order() {
    let env = TestEnv::new();
    let corpus = env.dir.path().join("same");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    let notes = |doc: usize| {
        let mut text = format!("Bulletin {doc}\n");
        for note in 1..=4 {
            text.push_str(&format!("Filler. Note {note}: {} ballots.\n", 2000 + note));
        }
        text
    };
    let mut ids = Vec::new();
    for doc in 0..4 {
        let path = corpus.join(format!("doc-{doc}.txt"));
        std::fs::write(&path, notes(doc)).expect("write");
        ids.push(b3(&path));
    }
    env.ok(&["add", corpus.to_str().expect("utf-8")]);
    let line = |doc: usize, note: usize, stance: &str, short: bool| {
        let source = if short {
            &ids[doc][..12]
        } else {
            &ids[doc][..]
        };
        serde_json::json!({
            "source": source,
            "quote": format!("Note {note}: {} ballots", 2000 + note),
            "subject": format!("ward {note}"),
            "property": "ballots counted",
            "value": 2000 + note,
            "stance": stance,
        })
        .to_string()
    };
    let cite = |doc: usize, note: usize| {
        let json = env
            .ok(&[
                "--json",
                "cite",
                &ids[doc],
                "--quote",
                &format!("Note {note}: {} ballots", 2000 + note),
                "--subject",
                &format!("ward {note}"),
                "--property",
                "ballots counted",
                "--value",
                &(2000 + note).to_string(),
            ])
            .json();
        json["citation"].as_str().expect("citation").to_string()
    };
    // Before the batch: source 0's note 1 is cited, live; source 1's note 2
    // was cited and retracted. Claims of notes 1 and 2 are recorded.
    cite(0, 1);
    let retracted = cite(1, 2);
    env.ok(&["retract", &retracted, "--reason", "misread"]);
    let journal = env.store.join("journal");
    let entries_before = std::fs::read_to_string(&journal)
        .expect("journal")
        .lines()
        .count();

    // Forty lines from a fixed linear congruential sequence.
    let mut state: u64 = 12_345;
    let mut next = |below: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) % below) as usize
    };
    let mut lines = Vec::new();
    let mut expected = Vec::new();
    let mut live: std::collections::BTreeSet<(usize, usize, &str)> = [(0, 1, "supports")].into();
    let mut claims: std::collections::BTreeSet<usize> = [1, 2].into();
    let (mut already, mut skipped) = (0, Vec::new());
    for number in 1..=40u64 {
        let (doc, note) = (next(4), 1 + next(4));
        let stance = ["supports", "disputes"][next(2)];
        let short = next(2) == 0;
        if number % 7 == 0 {
            lines.push(line(doc, note, stance, short).replace("ballots\"", "votes\""));
            skipped.push(number);
            continue;
        }
        lines.push(line(doc, note, stance, short));
        if !live.insert((doc, note, stance)) {
            already += 1;
            continue;
        }
        if claims.insert(note) {
            expected.push(format!("claim ward {note}"));
        }
        expected.push(format!("cite {doc} {note} {stance}"));
    }
    let batch = env.dir.path().join("batch.jsonl");
    std::fs::write(&batch, lines.join("\n") + "\n").expect("batch");
    let json = env
        .ok(&[
            "--json",
            "cite",
            "--batch",
            batch.to_str().expect("utf-8"),
            "--skip-invalid",
        ])
        .json();
    assert_eq!(skipped_lines(&json), skipped);
    assert_eq!(json["already"], already);
    let recorded: Vec<String> = std::fs::read_to_string(&journal)
        .expect("journal")
        .lines()
        .skip(entries_before)
        .map(|entry| {
            let change =
                &serde_json::from_str::<serde_json::Value>(entry).expect("entry")["change"];
            match change["op"].as_str().expect("op") {
                "record_claim" => format!("claim {}", change["subject"].as_str().expect("subject")),
                "cite" => {
                    let doc = ids
                        .iter()
                        .position(|id| change["source"] == id.as_str())
                        .expect("source");
                    let quote = change["selector"]["exact"].as_str().expect("quote");
                    let note = &quote["Note ".len().."Note ".len() + 1];
                    format!(
                        "cite {doc} {note} {}",
                        change["stance"].as_str().expect("stance")
                    )
                }
                other => panic!("the batch recorded {other}"),
            }
        })
        .collect();
    assert_eq!(recorded, expected);
    // Some of each kind, so the comparison above tells something.
    assert!(
        already >= 5 && expected.len() >= 10,
        "{already} {expected:?}"
    );
    assert!(expected.iter().any(|entry| entry.starts_with("claim")));
    env.ok(&["verify"]);
}

/// A batch is checked source by source and recorded in line order. This
/// one is larger than the sorts keep in memory (4 MiB: 90 lines quoting
/// 60,000 bytes each, 5.4 MB), so its lines and their checked forms both go
/// through temporary files (with a $TMPDIR that does not exist, it is
/// refused as the first sort makes its file); its lines take their three sources in turn,
/// and its bad lines are checked in the other order than they are
/// numbered (line 10 names the source whose id sorts last, line 30 the
/// first). Yet the first bad line by number is the one refused, and with
/// --skip-invalid the journal holds each good line's claim and citation in
/// line order.
#[test]
fn a_batch_larger_than_memory_is_recorded_in_line_order() {
    let env = TestEnv::new();
    let corpus = env.dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("corpus");
    // Document d's note n: 60,000 bytes of words no other note has, then
    // the figure 1000 + 10d + n.
    let quote = |doc: usize, note: usize| {
        let word = format!(
            "w{}{} ",
            (b'a' + doc as u8) as char,
            (b'a' + note as u8) as char
        );
        let filler = word.repeat(60_000 / word.len());
        format!("{filler}Note {note}: {} ballots", 1000 + doc * 10 + note)
    };
    let mut paths = Vec::new();
    for doc in 0..3 {
        let text: String = (1..=5).map(|note| quote(doc, note) + ".\n").collect();
        let path = corpus.join(format!("doc-{doc}.txt"));
        std::fs::write(&path, text).expect("document");
        paths.push(path);
    }
    let ids = add_corpus(&env, &corpus, &paths);
    let mut by_id: Vec<usize> = (0..3).collect();
    by_id.sort_by_key(|&doc| ids[doc].clone());
    let (first, last) = (by_id[0], by_id[2]);
    let (doc_of, note_of) = (|line: usize| line % 3, |line: usize| line % 5 + 1);
    let mut lines = Vec::new();
    for line in 1..=90 {
        let (doc, note) = (doc_of(line), note_of(line));
        let mut text = serde_json::json!({
            "source": ids[doc],
            "quote": quote(doc, note),
            "subject": format!("ward {line}"),
            "property": "ballots counted",
            "value": 1000 + doc * 10 + note,
        });
        // Quotes no document holds.
        if line == 10 || line == 30 {
            text["source"] = serde_json::json!(ids[if line == 10 { last } else { first }]);
            text["quote"] = serde_json::json!("Note 9: 1 ballots");
            text["value"] = serde_json::json!(1);
        }
        lines.push(text.to_string());
    }
    let batch = env.dir.path().join("large.jsonl");
    std::fs::write(&batch, lines.join("\n") + "\n").expect("batch");
    assert!(std::fs::metadata(&batch).expect("size").len() > 5 << 20);

    let before = env.snapshot();
    let missing = env.dir.path().join("no-such-dir");
    let refused = TestEnv::finish(
        env.command()
            .env("TMPDIR", &missing)
            .args(["cite", "--batch", batch.to_str().expect("utf-8")])
            .output()
            .expect("run provdb"),
    );
    assert_ne!(refused.code, 0, "{}", refused.stderr);
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("sorting the batch's lines")
            && refused.stderr.contains("set TMPDIR")
            && refused.stderr.contains("no-such-dir"),
        "{}",
        refused.stderr
    );
    assert!(env.snapshot() == before, "the store changed");
    let run = env.run(&["cite", "--batch", batch.to_str().expect("utf-8")]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("line 10: "), "{}", run.stderr);
    assert!(run.stderr.contains("not in the source"), "{}", run.stderr);
    assert!(env.snapshot() == before, "the store changed");

    let json = env
        .ok(&[
            "--json",
            "cite",
            "--batch",
            batch.to_str().expect("utf-8"),
            "--skip-invalid",
        ])
        .json();
    assert_eq!(json["citations"], 88);
    assert_eq!(json["new_claims"], 88);
    let skipped = skipped_lines(&json);
    assert_eq!(skipped, vec![10, 30]);
    // Each claim recorded, then its citation, line after line.
    let journal = std::fs::read_to_string(env.store.join("journal")).expect("journal");
    let recorded: Vec<(String, String)> = journal
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("entry"))
        .filter_map(|entry| {
            let change = &entry["change"];
            match change["op"].as_str() {
                Some("record_claim") => Some(("claim".into(), change["subject"].as_str()?.into())),
                Some("cite") => Some(("cite".into(), change["selector"]["exact"].as_str()?.into())),
                _ => None,
            }
        })
        .collect();
    let expected: Vec<(String, String)> = (1..=90usize)
        .filter(|line| *line != 10 && *line != 30)
        .flat_map(|line| {
            [
                ("claim".to_string(), format!("ward {line}")),
                ("cite".to_string(), quote(doc_of(line), note_of(line))),
            ]
        })
        .collect();
    assert!(recorded == expected, "the journal is not in line order");
    env.ok(&["verify"]);
}

/// A line that cannot be read ends the batch, but a bad line before it is
/// the one refused; with --skip-invalid, the unreadable line is.
#[test]
fn an_unreadable_line_ends_the_batch_after_the_lines_before_it() {
    let env = TestEnv::new();
    let corpus = env.dir.path().join("corpus");
    let paths = write_corpus(&corpus, "u", 2);
    let ids = add_corpus(&env, &corpus, &paths);
    let good = batch_line(&ids[0], 0, 1, "ballots counted");
    let bad = batch_line(&ids[1], 0, 1, "ballots counted");
    let mut bytes = format!("{good}\n{good}\n{bad}\n{good}\n").into_bytes();
    bytes.extend(b"{\"source\":\"\xff\"}\n");
    bytes.extend(format!("{good}\n").as_bytes());
    let batch = env.dir.path().join("unreadable.jsonl");
    std::fs::write(&batch, bytes).expect("batch");
    let before = env.snapshot();
    let run = env.run(&["cite", "--batch", batch.to_str().expect("utf-8")]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("line 3: "), "{}", run.stderr);
    assert!(env.snapshot() == before, "the store changed");
    let run = env.run(&[
        "cite",
        "--batch",
        batch.to_str().expect("utf-8"),
        "--skip-invalid",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("line 5: is not UTF-8"),
        "{}",
        run.stderr
    );
    assert!(env.snapshot() == before, "the store changed");
}

#[test]
fn four_writers_at_once_lose_and_duplicate_nothing() {
    let env = TestEnv::new();
    let corpus = env.dir.path().join("corpus");
    let paths = write_corpus(&corpus, "e", 200);
    let ids = add_corpus(&env, &corpus, &paths);
    // Four batches of 1,000 citations each (200 documents × 5 notes), one property per writer.
    let mut children = Vec::new();
    for writer in 0..4 {
        let mut lines = String::new();
        for (index, id) in ids.iter().enumerate() {
            for note in 1..=5 {
                lines.push_str(&batch_line(
                    id,
                    index,
                    note,
                    &format!("counted by writer {writer}"),
                ));
                lines.push('\n');
            }
        }
        let batch = env.dir.path().join(format!("writer{writer}.jsonl"));
        std::fs::write(&batch, lines).expect("batch");
        children.push(
            env.command()
                .args(["--json", "cite", "--batch", batch.to_str().expect("utf-8")])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn"),
        );
    }
    let mut recorded = 0;
    for (writer, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) => {
                let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
                assert_eq!(json["citations"], 1000, "writer {writer}");
                recorded += 1;
            }
            // Waiting longer than the bound is allowed, with the lock message.
            Some(4) => assert!(
                stderr.contains("is locked by another provdb process"),
                "{stderr}"
            ),
            other => panic!("writer {writer} exited {other:?}: {stderr}"),
        }
    }
    assert!(recorded >= 1);
    let claims = env.ok(&["--json", "claims"]).json();
    let count = claims
        .as_array()
        .map(Vec::len)
        .unwrap_or_else(|| claims["claims"].as_array().map(Vec::len).unwrap_or(0));
    assert_eq!(
        count,
        1000 * recorded,
        "every citation of every writer that succeeded, once"
    );
    env.ok(&["verify"]);
}

/// A mounted tmpfs of a given size, unmounted on drop.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs at `path`; None when this process may not mount (not root).
    fn mount(path: &Path, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(path).expect("mkdir");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status.success().then(|| SmallDisk {
            path: path.to_path_buf(),
        })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(&self.path)
            .status();
    }
}

#[test]
#[ignore = "needs root (mounts a small tmpfs); .ci/run runs it"]
fn a_full_disk_fails_cleanly_and_a_later_add_completes() {
    let env = TestEnv::empty();
    let mount = env.dir.path().join("small");
    let _disk = SmallDisk::mount(&mount, "6m")
        .expect("a tmpfs cannot be mounted here: this test needs root");
    let store = mount.join("store");
    let provdb = |args: &[&str]| {
        let output = env
            .command()
            .env("PROVDB_DIR", &store)
            .args(args)
            .output()
            .expect("run");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, _, stderr) = provdb(&["init", store.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
    let corpus = env.dir.path().join("corpus");
    let paths = write_corpus(&corpus, "f", 30);
    let (code, _, stderr) = provdb(&["add", corpus.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
    let journal_before = std::fs::read(store.join("journal")).expect("journal");

    // Too big for what is left: 8 MiB of text, in four files.
    let big = env.dir.path().join("big");
    std::fs::create_dir_all(&big).expect("mkdir");
    for part in 0..4 {
        let text = format!("part {part} ").repeat(2 * 1024 * 1024 / 7);
        std::fs::write(big.join(format!("part{part}.txt")), text).expect("big");
    }
    let (code, _, stderr) = provdb(&["add", big.to_str().expect("utf-8")]);
    assert_ne!(code, 0, "an add that cannot fit must fail");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(
        std::fs::read(store.join("journal")).expect("journal"),
        journal_before
    );
    assert_eq!(
        std::fs::read_dir(store.join("objects/tmp"))
            .expect("tmp")
            .count(),
        0,
        "no half-written object left behind"
    );
    // Nor an empty shard directory the refused add made.
    for shard in std::fs::read_dir(store.join("objects"))
        .expect("objects")
        .flatten()
    {
        if shard.file_name() != "tmp" {
            let held = std::fs::read_dir(shard.path()).expect("shard").count();
            assert!(held > 0, "empty shard {:?} left behind", shard.file_name());
        }
    }
    let (code, stdout, stderr) = provdb(&["verify"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        !store.join("verified.tmp").exists(),
        "verify left verified.tmp"
    );

    // A batch whose journal lines cannot fit: the journal is cut back whole.
    let ids: Vec<String> = paths.iter().map(|path| b3(path)).collect();
    let mut lines = String::new();
    for round in 0..400 {
        for (index, id) in ids.iter().enumerate() {
            lines.push_str(&batch_line(
                id,
                index,
                1 + round % 5,
                &format!("round {round}"),
            ));
            lines.push('\n');
        }
    }
    // Fill most of what is left so that the batch's 12,000 entries cannot fit.
    let filler = mount.join("filler");
    let _ = std::fs::write(&filler, vec![b'x'; 5 * 1024 * 1024]);
    let batch = env.dir.path().join("batch.jsonl");
    std::fs::write(&batch, lines).expect("batch");
    let (code, _, stderr) = provdb(&["cite", "--batch", batch.to_str().expect("utf-8")]);
    assert_ne!(code, 0, "a batch that cannot fit must fail");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(
        std::fs::read(store.join("journal")).expect("journal"),
        journal_before
    );
    let (code, stdout, stderr) = provdb(&["verify"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        !store.join("verified.tmp").exists(),
        "verify left verified.tmp"
    );
    // A reindex that cannot finish on the full disk leaves no index.new.
    let (code, _, _) = provdb(&["reindex"]);
    if code != 0 {
        assert!(
            !store.join("index.new").exists(),
            "a failed reindex left index.new"
        );
    }

    // With room again, the same add completes.
    std::fs::remove_file(&filler).expect("rm filler");
    std::fs::remove_dir_all(&big).expect("rm big");
    let small = env.dir.path().join("small-one");
    std::fs::create_dir_all(&small).expect("mkdir");
    std::fs::write(small.join("one.txt"), b"one more document").expect("write");
    let (code, _, stderr) = provdb(&[
        "add",
        small.to_str().expect("utf-8"),
        corpus.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = provdb(&["verify"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn a_damaged_unrecorded_object_is_replaced_not_trusted() {
    // A crash before syncfs can leave an object file under its final name with
    // wrong bytes and no journal entry. A later add must rewrite it.
    let env = TestEnv::new();
    let corpus = env.dir.path().join("corpus");
    let paths = write_corpus(&corpus, "g", 3);
    let hex = b3(&paths[1]);
    let planted = env.object_path(&hex);
    std::fs::create_dir_all(planted.parent().expect("shard")).expect("mkdir");
    std::fs::write(&planted, b"torn by a crash").expect("plant");
    env.ok(&["add", corpus.to_str().expect("utf-8")]);
    assert_eq!(
        std::fs::read(&planted).expect("object"),
        std::fs::read(&paths[1]).expect("file")
    );
    env.ok(&["verify"]);
}

/// An add of more files than it keeps the report of in memory (4,096):
/// the rest wait in a private temporary file, and what is printed is what
/// holding them all would print: the summary counts every file, and the
/// JSON document lists each once, in the order found (folders and names
/// sorted), as canonical JSON. The temporary file is gone afterwards. So
/// is the list of sources, which is as long.
#[test]
fn an_add_of_more_files_than_it_holds_reports_every_one() {
    let env = TestEnv::new();
    let corpus = env.dir.path().join("many");
    let count = 4100;
    let mut expected = Vec::new();
    for index in 0..count {
        let name = format!("sub{}/f-{index:05}.txt", index % 3);
        let path = corpus.join(&name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, format!("Item {index}\nIn folder {}.\n", index % 3)).expect("write");
        expected.push((name, path));
    }
    expected.sort();
    let tmp = env.dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp");
    let run = |args: &[&str]| {
        let output = env
            .command()
            .env("TMPDIR", &tmp)
            .args(args)
            .output()
            .expect("run");
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            std::fs::read_dir(&tmp).expect("tmp").count(),
            0,
            "the temporary file is removed"
        );
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let corpus_arg = corpus.to_str().expect("utf-8");
    let summary = run(&["add", corpus_arg]);
    assert!(
        summary.starts_with(&format!("added {count} new source(s) from {count} file(s)")),
        "{summary}"
    );
    // The first file found is sub0/f-00000.txt, titled from its first line.
    assert!(
        summary.contains(&format!(
            "{count} new source(s) titled from their first heading or line, the first {} \"Item 0\"",
            expected[0].1.display()
        )),
        "{summary}"
    );
    let printed = run(&["--json", "add", corpus_arg]);
    let json: serde_json::Value = serde_json::from_str(&printed).expect("one JSON document");
    assert_eq!(printed.trim_end(), json.to_string());
    assert_eq!(json["new_sources"], 0, "all recorded by the first add");
    let files = json["files"].as_array().expect("files");
    assert_eq!(files.len(), count);
    for (file, (name, path)) in files.iter().zip(&expected) {
        assert_eq!(file["name"], name.as_str());
        assert_eq!(file["id"], b3(path).as_str());
    }

    // The list of sources is longer than it holds in memory too: every
    // source once, in the order recorded (the order found), each with its
    // citations, two in the 4,001st file found.
    let (name, path) = &expected[4000];
    let number: usize = name[7..12].parse().expect("its number");
    let cited = b3(path);
    let (item, folder) = (
        format!("Item {number}"),
        format!("In folder {}", number % 3),
    );
    let values = (number.to_string(), (number % 3).to_string());
    for (quote, property, value) in [(&item, "item", &values.0), (&folder, "folder", &values.1)] {
        run(&[
            "cite",
            &cited,
            "--quote",
            quote,
            "--subject",
            "the list",
            "--property",
            property,
            "--value",
            value,
        ]);
    }
    let text = run(&["sources"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        count,
        "{}",
        lines.first().copied().unwrap_or("")
    );
    for (line, (name, path)) in lines.iter().zip(&expected) {
        let id = b3(path);
        assert!(line.starts_with(&id[..12]), "{line} is not {name}");
        let citations = if id == cited {
            "2 citations"
        } else {
            "0 citations"
        };
        assert!(line.contains(citations), "{line}: {citations}");
    }
    let printed = run(&["--json", "sources"]);
    let json: serde_json::Value = serde_json::from_str(&printed).expect("one JSON document");
    assert_eq!(printed.trim_end(), json.to_string());
    let sources = json["sources"].as_array().expect("sources");
    assert_eq!(sources.len(), count);
    for (at, (source, (_, path))) in sources.iter().zip(&expected).enumerate() {
        let id = b3(path);
        assert_eq!(source["id"], id.as_str());
        assert_eq!(source["citations"], if id == cited { 2 } else { 0 });
        if at > 0 {
            assert!(source["seq"].as_u64() > sources[at - 1]["seq"].as_u64());
        }
    }
}

/// An add refused at a bad file leaves the store exactly as it was: the
/// objects stored for the files before it go, and so does the text layer
/// derived from a page among them, which no line records either.
#[test]
fn a_refused_add_leaves_no_text_layer_behind() {
    let env = TestEnv::new();
    let dir = env.dir.path().join("in");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(
        crate::common::fixture("khojaly-article-2024-02.html"),
        dir.join("a-page.html"),
    )
    .expect("page");
    std::fs::write(dir.join("b-note.txt"), "A note on 613 names.\n").expect("note");
    std::fs::write(dir.join("c-empty.txt"), "").expect("empty");
    env.refused(&["add", dir.to_str().expect("utf-8")], 3, "is empty");
    // The same page alone is recorded with its layer: the layer was made.
    env.ok(&["add", dir.join("a-page.html").to_str().expect("utf-8")]);
    let objects = std::fs::read_dir(env.store.join("objects"))
        .expect("objects")
        .filter_map(|shard| shard.ok())
        .filter(|shard| shard.file_name() != "tmp")
        .map(|shard| std::fs::read_dir(shard.path()).expect("shard").count())
        .sum::<usize>();
    assert_eq!(objects, 2, "the page and its text layer");
}
