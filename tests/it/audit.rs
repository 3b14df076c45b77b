//! Audit: checkpoints of the journal's Merkle tree, checked against a tree
//! computed here from the journal's lines with the plain RFC 6962 recursion
//! (and BLAKE3), and `verify` catching a journal changed after a checkpoint.

use crate::common;

use crate::common::TestEnv;

/// MTH of RFC 6962 §2.1, written out plainly: the independent reference.
/// The RFC 6962 §2.1 Merkle tree hash of `lines`, written out from the RFC
/// with `hash` (the sha2 and blake3 crates, not provdb's tree code).
fn mth_with(lines: &[&[u8]], hash: &dyn Fn(&[u8]) -> [u8; 32]) -> [u8; 32] {
    match lines.len() {
        0 => hash(b""),
        1 => {
            let mut data = vec![0u8];
            data.extend_from_slice(lines[0]);
            hash(&data)
        }
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            let mut data = vec![1u8];
            data.extend_from_slice(&mth_with(&lines[..k], hash));
            data.extend_from_slice(&mth_with(&lines[k..], hash));
            hash(&data)
        }
    }
}

/// MTH with SHA-256: the tree of checkpoints taken now.
pub(crate) fn mth(lines: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest;
    mth_with(lines, &|data| sha2::Sha256::digest(data).into())
}

/// MTH with BLAKE3: the tree of checkpoints taken before SHA-256.
pub(crate) fn mth_blake3(lines: &[&[u8]]) -> [u8; 32] {
    mth_with(lines, &|data| *blake3::hash(data).as_bytes())
}

pub(crate) fn journal_lines(env: &TestEnv) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(env.store.join("journal")).expect("journal");
    bytes
        .split_inclusive(|byte| *byte == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A store with more than two blocks (512 lines) of journal: one source of
/// 600 sentences and a batch citing each.
fn big_store() -> TestEnv {
    let env = TestEnv::new();
    let text: String = (0..600)
        .map(|i| format!("Entry {i} counts {} people.\n", 1000 + i))
        .collect();
    let path = env.dir.path().join("register.txt");
    std::fs::write(&path, &text).expect("write");
    let id = env
        .ok(&["--json", "add", path.to_str().expect("utf-8")])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let batch: String = (0..600)
        .map(|i| {
            format!(
                "{{\"source\":\"{id}\",\"quote\":\"Entry {i} counts {} people\",\"subject\":\"entry {i}\",\"property\":\"people\",\"value\":{}}}\n",
                1000 + i,
                1000 + i
            )
        })
        .collect();
    let batch_path = env.dir.path().join("batch.jsonl");
    std::fs::write(&batch_path, batch).expect("write");
    env.ok(&["cite", "--batch", batch_path.to_str().expect("utf-8")]);
    env
}

#[test]
fn checkpoints_match_the_rfc6962_root_of_the_journal_lines() {
    // A fresh store: one entry, its init.
    let fresh = TestEnv::new();
    let first = fresh.ok(&["--json", "checkpoint"]).json();
    let lines = journal_lines(&fresh);
    assert_eq!(first["size"], 1);
    assert_eq!(first["root"], b64(&mth(&[lines[0].as_slice()])));
    let env = big_store();
    let mut sizes = Vec::new();
    for step in 0..3 {
        match step {
            1 => {
                env.add("khojaly-article-2024-02.txt", &[]);
            }
            2 => {
                env.add("khojaly-article-2024-05.txt", &[]);
            }
            _ => {}
        }
        let checkpoint = env.ok(&["--json", "checkpoint"]).json();
        let size = checkpoint["size"].as_u64().expect("size");
        let lines = journal_lines(&env);
        assert_eq!(size as usize, lines.len());
        let refs: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
        assert_eq!(checkpoint["root"], b64(&mth(&refs)), "size {size}");
        let text = checkpoint["text"].as_str().expect("text");
        let mut parts = text.lines();
        assert!(parts.next().expect("origin").starts_with("provdb/"));
        assert_eq!(parts.next(), Some(size.to_string().as_str()));
        assert_eq!(parts.next(), checkpoint["root"].as_str());
        sizes.push(size);
    }
    assert!(sizes[0] > 512, "{sizes:?}");
    // The plain text is the same three lines.
    let plain = env.ok(&["checkpoint"]).stdout;
    assert_eq!(plain.lines().count(), 3);
    let listed = env.ok(&["--json", "checkpoints"]).json();
    // Three kept (taking one of an unchanged log keeps nothing new).
    assert_eq!(listed["checkpoints"].as_array().expect("list").len(), 3);
    env.ok(&["verify"]);
    // Rebuilding the index gives the same tree head.
    let before = env.ok(&["--json", "checkpoint"]).json()["root"].clone();
    std::fs::remove_dir_all(env.store.join("index")).expect("remove index");
    env.ok(&["reindex"]);
    assert_eq!(env.ok(&["--json", "checkpoint"]).json()["root"], before);
    env.ok(&["verify"]);
}

#[test]
fn verify_catches_a_journal_rewritten_after_a_checkpoint_even_with_its_chain_rebuilt() {
    let env = big_store();
    env.ok(&["checkpoint"]);
    let path = env.store.join("journal");
    let text = std::fs::read_to_string(&path).expect("journal");
    // Change one figure in an early citation line, then rebuild every prev hash.
    let tampered = text.replacen("\"count\":1007", "\"count\":1008", 1);
    assert_ne!(tampered, text);
    std::fs::write(&path, common::rechain(&tampered)).expect("tamper");
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("the journal was changed after the checkpoint was taken"),
        "{}",
        run.stdout
    );
}

#[test]
fn verify_catches_a_journal_cut_after_a_checkpoint() {
    let env = TestEnv::new();
    env.add("khojaly-article-2024-02.txt", &[]);
    env.ok(&["checkpoint"]);
    let path = env.store.join("journal");
    let text = std::fs::read_to_string(&path).expect("journal");
    let first_line_end = text.find('\n').expect("line") + 1;
    std::fs::write(&path, &text[..first_line_end]).expect("cut");
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("it was cut after the checkpoint was taken"),
        "{}",
        run.stdout
    );
}

fn write(env: &TestEnv, name: &str, text: &str) -> String {
    let path = env.dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn inclusion_proofs_verify_without_a_store_and_any_change_breaks_them() {
    let env = big_store();
    let lines = journal_lines(&env);
    // Entries in the first block, a later block, and the last partial block.
    let log = env.ok(&["--json", "log"]).json();
    let entries = log["entries"].as_array().expect("entries");
    let mut ids = Vec::new();
    for seq in [2usize, 300, entries.len()] {
        let change = &entries[seq - 1]["change"];
        let id = change["citation"]
            .as_str()
            .or(change["source"].as_str())
            .or(change["id"].as_str())
            .expect("an id")
            .to_string();
        ids.push((seq, id));
    }
    for (seq, id) in ids {
        let proof = env.ok(&["prove", &id]).stdout;
        let json: serde_json::Value = serde_json::from_str(&proof).expect("json");
        assert_eq!(json["leaf_index"], (seq - 1) as u64);
        // The line is the journal's line, and the root is the plain RFC 6962
        // root of all the journal's lines.
        assert_eq!(
            format!("{}\n", json["line"].as_str().expect("line")).as_bytes(),
            lines[seq - 1].as_slice()
        );
        let refs: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
        assert_eq!(json["checkpoint"]["root"], b64(&mth(&refs)));
        let file = write(&env, "proof.json", &proof);
        let run = env.run(&["verify-proof", &file]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.starts_with("ok: journal entry"),
            "{}",
            run.stdout
        );
        // Changing any field breaks it.
        let mut tampered: Vec<serde_json::Value> = Vec::new();
        let mut changed = json.clone();
        changed["line"] = serde_json::json!(json["line"].as_str().expect("line").replacen(
            "\"seq\":",
            "\"seq\": ",
            1
        ));
        tampered.push(changed);
        let mut changed = json.clone();
        changed["leaf_index"] = serde_json::json!(seq);
        tampered.push(changed);
        // (The tree size alone is not bound by RFC 6962 inclusion proofs:
        // sizes whose paths have the same shape verify alike. The checkpoint
        // as a whole is what a reader compares with the published one.)
        let mut changed = json.clone();
        changed["checkpoint"]["root"] = serde_json::json!(b64(&[0u8; 32]));
        tampered.push(changed);
        if !json["proof"].as_array().expect("proof").is_empty() {
            let mut changed = json.clone();
            changed["proof"][0] = serde_json::json!(b64(&[1u8; 32]));
            tampered.push(changed);
        }
        for changed in tampered {
            let file = write(&env, "tampered.json", &changed.to_string());
            let run = env.run(&["verify-proof", &file]);
            assert_eq!(run.code, 1, "{changed}: {}{}", run.stdout, run.stderr);
            assert!(run.stdout.starts_with("FAILED:"), "{}", run.stdout);
        }
    }
    let file = write(&env, "junk.json", "{\"type\":\"provdb.inclusion\"}");
    let run = env.run(&["verify-proof", &file]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is not a provdb proof"),
        "{}",
        run.stderr
    );
}

#[test]
fn consistency_proofs_join_checkpoints_and_bad_requests_change_nothing() {
    let env = big_store();
    let old = env.ok(&["--json", "checkpoint"]).json();
    env.add("khojaly-article-2024-02.txt", &[]);
    let new = env.ok(&["--json", "checkpoint"]).json();
    let (old_size, new_size) = (
        old["size"].as_u64().expect("size"),
        new["size"].as_u64().expect("size"),
    );
    let proof = env
        .ok(&[
            "prove",
            "--consistency",
            &old_size.to_string(),
            &new_size.to_string(),
        ])
        .stdout;
    let json: serde_json::Value = serde_json::from_str(&proof).expect("json");
    assert_eq!(json["old"]["root"], old["root"]);
    assert_eq!(json["new"]["root"], new["root"]);
    let file = write(&env, "consistency.json", &proof);
    let run = env.run(&["verify-proof", &file]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("nothing recorded before was changed"),
        "{}",
        run.stdout
    );
    let mut changed = json.clone();
    changed["old"]["root"] = serde_json::json!(b64(&[2u8; 32]));
    let file = write(&env, "tampered.json", &changed.to_string());
    assert_eq!(env.run(&["verify-proof", &file]).code, 1);

    for (args, code, needle) in [
        (vec!["prove", "ffffffff"], 3, "ffffffff"),
        (
            vec!["prove", "--consistency", "5", "latest"],
            2,
            "no checkpoint of size 5",
        ),
        (
            vec![
                "prove",
                "--consistency",
                &new_size.to_string(),
                &old_size.to_string(),
            ],
            2,
            "give the older first",
        ),
        (
            vec!["prove", "--consistency", "latest", "latest"],
            2,
            "must be a kept size",
        ),
        (
            vec!["prove", "--consistency", "x", "latest"],
            2,
            "not \"x\"",
        ),
    ]
    .iter()
    .map(|(a, c, n)| (a.iter().map(|s| s.to_string()).collect::<Vec<_>>(), *c, *n))
    {
        let before = env.snapshot();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = env.run(&args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
        let after = env.snapshot();
        assert!(
            after == before,
            "{args:?} changed the store: {:?}",
            common::changed_files(&before, &after)
        );
    }
    // The index's records are still exactly what the journal says.
    env.ok(&["verify"]);
}

#[test]
fn check_says_which_files_are_sources_and_manifest_refuses_bad_names() {
    let env = TestEnv::new();
    let article = common::fixture("khojaly-article-2024-02.txt");
    let survey = common::fixture("regional-survey-1993.txt");
    env.ok(&["add", article.to_str().expect("utf-8"), "--doc", "khojaly"]);
    let run = env.ok(&["--json", "check", article.to_str().expect("utf-8")]);
    let json = run.json();
    assert_eq!(json["unknown"], 0);
    // The id is the file's BLAKE3, computed here.
    let bytes = std::fs::read(&article).expect("read");
    assert_eq!(
        json["files"][0]["id"],
        blake3::hash(&bytes).to_hex().as_str()
    );
    assert_eq!(json["files"][0]["revisions"][0]["doc"], "khojaly");
    let run = env.run(&[
        "check",
        article.to_str().expect("utf-8"),
        survey.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("UNKNOWN"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("1 of 2 file(s) are not recorded sources"),
        "{}",
        run.stderr
    );

    let export = env.dir.path().join("export");
    let export = export.to_str().expect("utf-8");
    let inside = env.store.join("x");
    for (args, code, needle) in [
        (
            vec!["manifest", "--doc", "khojaly", "--name", "../{n}.txt"],
            2,
            "not a plain relative path",
        ),
        (
            vec!["manifest", "--doc", "khojaly", "--name", "/tmp/{n}"],
            2,
            "not a plain relative path",
        ),
        (vec!["manifest", "--doc", "nosuch"], 3, "no document"),
        (
            vec![
                "manifest",
                "--doc",
                "khojaly",
                "--export",
                inside.to_str().expect("utf-8"),
            ],
            2,
            "inside the store",
        ),
        (vec!["manifest", "--name", "{n}"], 2, "--doc"),
    ] {
        let before = env.snapshot();
        let run = env.run(&args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert!(env.snapshot() == before);
    }
    env.ok(&["manifest", "--doc", "khojaly", "--export", export]);
    assert_eq!(
        std::fs::read(std::path::Path::new(export).join("khojaly/1.txt")).expect("exported"),
        bytes
    );
    let run = env.run(&["manifest", "--doc", "khojaly", "--export", export]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
}

/// Changes one byte of a JSON leaf, keeping its type where it can: a hex id
/// gets another hex digit, base64 another base64 letter, text another
/// letter, a number +1, a boolean its opposite.
fn mutated(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Bool(flag) => Value::Bool(!flag),
        Value::Number(number) => serde_json::json!(number.as_u64().map_or(1, |n| n + 1)),
        Value::String(text) if text.is_empty() => Value::String("x".into()),
        Value::String(text) => {
            let mut chars: Vec<char> = text.chars().collect();
            let at = chars.len() / 2;
            chars[at] = match chars[at] {
                '0' => '1',
                'A' => 'B',
                'a' => 'b',
                _ => '0',
            };
            Value::String(chars.into_iter().collect())
        }
        Value::Null => Value::String("x".into()),
        other => other.clone(),
    }
}

/// Every path to a leaf of a JSON document.
fn leaves(value: &serde_json::Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let mut next = path.clone();
                next.push(key.clone());
                leaves(item, next, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (at, item) in items.iter().enumerate() {
                let mut next = path.clone();
                next.push(at.to_string());
                leaves(item, next, out);
            }
        }
        _ => out.push(path),
    }
}

fn leaf_mut<'a>(value: &'a mut serde_json::Value, path: &[String]) -> &'a mut serde_json::Value {
    path.iter().fold(value, |value, key| match value {
        serde_json::Value::Array(items) => &mut items[key.parse::<usize>().expect("index")],
        other => &mut other[key.as_str()],
    })
}

#[test]
fn a_receipt_verifies_alone_and_any_changed_field_breaks_a_named_link() {
    let env = big_store();
    // A citation deep in the 17 KB register: several chunks, so the slice
    // carries chaining values on both sides.
    let log = env.ok(&["--json", "log"]).json();
    let citation = log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|entry| entry["change"]["citation"].as_str())
        .nth(400)
        .expect("a citation")
        .to_string();
    let text = env.ok(&["receipt", &citation]).stdout;
    assert!(text.len() < 8_000, "{} bytes", text.len());
    let receipt: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert!(!receipt["slice"]["cvs"].as_array().expect("cvs").is_empty());
    // Moved away from the store, it verifies with nothing else.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let file = elsewhere.path().join("receipt.json");
    std::fs::write(&file, &text).expect("write");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_provdb"))
        .env_clear()
        .current_dir(elsewhere.path())
        .args(["verify-receipt", file.to_str().expect("utf-8")])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    let exact = receipt["citation"]["exact"].as_str().expect("exact");
    assert!(
        stdout.contains(&format!("the words {exact:?} appear at bytes")),
        "{stdout}"
    );
    assert!(
        stdout.contains(receipt["source"]["id"].as_str().expect("id")),
        "{stdout}"
    );
    // Every field, changed by one byte, breaks the receipt.
    let mut paths = Vec::new();
    leaves(&receipt, Vec::new(), &mut paths);
    assert!(paths.len() > 40, "{} fields", paths.len());
    let mut named = 0;
    for path in &paths {
        let mut changed = receipt.clone();
        let leaf = leaf_mut(&mut changed, path);
        *leaf = mutated(leaf);
        std::fs::write(&file, changed.to_string()).expect("write");
        let run = env.run(&["verify-receipt", file.to_str().expect("utf-8")]);
        assert_ne!(run.code, 0, "changing {path:?} went unnoticed");
        if run.code == 1 {
            assert!(
                run.stdout.starts_with("FAILED at the "),
                "{path:?}: {}",
                run.stdout
            );
            named += 1;
        } else {
            // Not a receipt any more (a field of the wrong kind): refused whole.
            assert_eq!(run.code, 2, "{path:?}: {}", run.stderr);
        }
    }
    // Nearly every change is well-formed and names its link.
    assert!(named * 10 >= paths.len() * 8, "{named} of {}", paths.len());
}

/// Writes `value` as a receipt file and runs `verify-receipt` on it.
pub(crate) fn verify_receipt(env: &TestEnv, value: &serde_json::Value) -> common::Run {
    let file = env.dir.path().join("checked-receipt.json");
    std::fs::write(&file, value.to_string()).expect("receipt");
    env.run(&["verify-receipt", file.to_str().expect("utf-8")])
}

/// Every word `verify-receipt` prints is bound by a hash it checked: the
/// claim's wording by the claim's own journal line (receipt version 2), so
/// a subject that differs only in case, or ß for ss, no longer passes; the
/// stance and a value not in the quote are said; relabelling it as an older
/// version is refused; and the output says what no receipt can show (what
/// came after it).
#[test]
fn a_receipt_proves_every_word_it_prints() {
    let env = TestEnv::new();
    let source = env.add("khojaly-article-2024-02.txt", &[]);
    let cited = env
        .ok(&[
            "--json",
            "cite",
            &source,
            "--quote",
            "1,275 residents",
            "--subject",
            "Strasse of Khojaly",
            "--property",
            "captured",
            "--value",
            "1275",
            "--stance",
            "disputes",
        ])
        .json();
    let citation = cited["citation"].as_str().expect("citation").to_string();
    let receipt: serde_json::Value =
        serde_json::from_str(&env.ok(&["receipt", &citation]).stdout).expect("json");
    assert_eq!(receipt["v"], 4);
    assert_eq!(receipt["checkpoint"]["hash"], "sha256");
    let run = verify_receipt(&env, &receipt);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("cited as disputing the claim Strasse of Khojaly · captured = 1275"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("a later retraction or supersession does not appear in it"),
        "{}",
        run.stdout
    );
    // Same identity key, other words: caught by the claim's line.
    for subject in [
        "strasse of khojaly",
        "STRASSE OF KHOJALY",
        "Straße of Khojaly",
    ] {
        let mut changed = receipt.clone();
        changed["claim"]["subject"] = subject.into();
        let run = verify_receipt(&env, &changed);
        assert_eq!(run.code, 1, "{subject}: {}", run.stdout);
        assert!(
            run.stdout.contains("claim entry"),
            "{subject}: {}",
            run.stdout
        );
    }
    // Relabelled as an older version, its SHA-256 tree is refused: versions
    // 1–3 are BLAKE3 trees (compat.rs verifies real ones).
    let mut old = receipt.clone();
    old["v"] = 1.into();
    old.as_object_mut().expect("object").remove("claim_entry");
    let run = verify_receipt(&env, &old);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("checkpoint link"), "{}", run.stdout);
    // Version 4 without its claim line is refused.
    let mut stripped = receipt.clone();
    stripped
        .as_object_mut()
        .expect("object")
        .remove("claim_entry");
    assert_eq!(verify_receipt(&env, &stripped).code, 1);
}

/// A retracted citation gets no receipt unless asked for one explicitly (it
/// used to get one, and `verify-receipt` said "ok").
#[test]
fn a_retracted_citation_gets_a_receipt_only_when_asked() {
    let env = TestEnv::new();
    let source = env.add("khojaly-article-2024-02.txt", &[]);
    let (_, citation) = env.cite_captured(&source, "Khojaly");
    env.ok(&["retract", &citation, "--reason", "misread"]);
    env.refused(&["receipt", &citation], 3, "was retracted (misread");
    let receipt: serde_json::Value =
        serde_json::from_str(&env.ok(&["receipt", &citation, "--retracted"]).stdout).expect("json");
    let run = verify_receipt(&env, &receipt);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("not what came after it"),
        "{}",
        run.stdout
    );
}

/// Readers check what they show: an old citation line whose recorder and
/// time were rewritten (same length, chain rebuilt) is refused by `trace`,
/// `show`, `receipt` and the exports instead of printed; `verify` names it.
#[test]
fn a_rewritten_citation_line_is_refused_not_shown() {
    let env = TestEnv::new();
    let source = env.add("khojaly-article-2024-02.txt", &[]);
    let (claim, citation) = env.cite_captured(&source, "Khojaly");
    env.add("regional-survey-1993.txt", &[]);
    let path = env.store.join("journal");
    let journal = std::fs::read_to_string(&path).expect("journal");
    let forged: String = journal
        .lines()
        .map(|line| {
            if line.contains("\"op\":\"cite\"") {
                format!(
                    "{}\n",
                    line.replacen("\"actor\":\"tester\"", "\"actor\":\"forger\"", 1)
                )
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    assert_ne!(forged, journal);
    std::fs::write(&path, common::rechain(&forged)).expect("forge");
    std::fs::remove_dir_all(env.store.join("index")).expect("index");
    for args in [
        vec!["trace", claim.as_str()],
        vec!["show", citation.as_str()],
        vec!["receipt", citation.as_str()],
    ] {
        let run = env.run(&args);
        assert_eq!(run.code, 5, "{args:?} showed a forged line: {}", run.stdout);
        assert!(
            run.stderr.contains("was altered"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("forger"), "{args:?}: {}", run.stdout);
    }
    let out = env.dir.path().join("out.jsonl");
    let run = env.run(&[
        "export",
        "--format",
        "jsonl",
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("does not match its content"),
        "{}",
        run.stdout
    );
}

/// A proof does not bind its tree sizes or its log's name (edited sizes can
/// still verify): `--checkpoint FILE` binds them to the published checkpoint
/// text, every edit is then refused, and without it the output says exactly
/// what is not bound.
#[test]
fn checkpoints_bind_what_a_proof_cannot() {
    let env = big_store();
    let old_text = env.ok(&["checkpoint"]).stdout;
    let old_size: u64 = old_text
        .lines()
        .nth(1)
        .expect("size")
        .parse()
        .expect("size");
    env.add("regional-survey-1993.txt", &[]);
    let new_text = env.ok(&["checkpoint"]).stdout;
    let old_file = write(&env, "old.checkpoint", &old_text);
    let new_file = write(&env, "new.checkpoint", &new_text);
    let consistency = env
        .ok(&["prove", "--consistency", &old_size.to_string(), "latest"])
        .stdout;
    let source = env.ok(&["--json", "sources"]).json()["sources"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let inclusion = env.ok(&["prove", &source]).stdout;
    let consistency: serde_json::Value = serde_json::from_str(&consistency).expect("json");
    let inclusion: serde_json::Value = serde_json::from_str(&inclusion).expect("json");
    let check = |proof: &serde_json::Value, checkpoints: &[&str]| {
        let file = write(&env, "proof.json", &proof.to_string());
        let mut args = vec!["verify-proof", file.as_str()];
        for checkpoint in checkpoints {
            args.extend(["--checkpoint", checkpoint]);
        }
        env.run(&args)
    };
    // Unedited: bound to both checkpoints; unbound without them, and said so.
    let run = check(&consistency, &[&old_file, &new_file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("Bound to the checkpoints"),
        "{}",
        run.stdout
    );
    let run = check(&consistency, &[]);
    assert!(
        run.stdout
            .contains("Not bound: the log's name and tree sizes"),
        "{}",
        run.stdout
    );
    let run = check(&inclusion, &[&new_file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // The same checkpoint twice binds it once: the other stays unbound.
    let run = check(&consistency, &[&new_file, &new_file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("the other checkpoint's name and size are as the file states them"),
        "{}",
        run.stdout
    );
    // Every edit of a size or of both origins is refused once bound.
    let mut edits: Vec<(serde_json::Value, &str)> = Vec::new();
    for (path, delta) in [("new", 1i64), ("new", -1), ("old", 1), ("old", -1)] {
        let mut edited = consistency.clone();
        let size = edited[path]["size"].as_i64().expect("size") + delta;
        edited[path]["size"] = size.into();
        edits.push((edited, "consistency size"));
    }
    let mut renamed = consistency.clone();
    renamed["old"]["origin"] = "provdb/elsewhere".into();
    renamed["new"]["origin"] = "provdb/elsewhere".into();
    edits.push((renamed, "both origins"));
    for delta in [1i64, -1] {
        let mut edited = inclusion.clone();
        let size = edited["checkpoint"]["size"].as_i64().expect("size") + delta;
        edited["checkpoint"]["size"] = size.into();
        edits.push((edited, "inclusion size"));
    }
    for (edited, what) in &edits {
        let bound = check(edited, &[&old_file, &new_file]);
        assert_eq!(
            bound.code, 1,
            "{what}: accepted when bound: {}",
            bound.stdout
        );
        let unbound = check(edited, &[]);
        if unbound.code == 0 {
            assert!(
                unbound.stdout.contains("Not bound"),
                "{what}: {}",
                unbound.stdout
            );
        }
    }
}
