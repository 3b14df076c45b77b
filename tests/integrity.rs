//! Integrity under attack and accident: tampering, crashes, and rebuilding the index.

mod common;

use common::{fixture, TestEnv};

const ARTICLE: &str = "khojaly-article-2024-02.txt";

fn populated() -> (TestEnv, String, String, String) {
    let env = TestEnv::new();
    let source = env.add(ARTICLE, &["--doc", "khojaly", "--title", "The article"]);
    env.add("regional-survey-1993.txt", &[]);
    let cited = env
        .ok(&[
            "--json",
            "cite",
            &source,
            "--quote",
            "1,275 residents",
            "--subject",
            "Khojaly",
            "--property",
            "captured",
            "--value",
            "1275",
        ])
        .json();
    let claim = cited["claim"].as_str().expect("claim").to_string();
    let citation = cited["citation"].as_str().expect("citation").to_string();
    (env, source, claim, citation)
}

fn verify_fails_naming(env: &TestEnv, needle: &str) {
    let run = env.run(&["verify"]);
    assert_eq!(
        run.code, 1,
        "verify must exit 1: {}{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.contains("DAMAGED") && run.stdout.contains(needle),
        "expected {needle:?} named in: {}",
        run.stdout
    );
}

#[test]
fn verify_passes_on_a_sound_store() {
    let (env, ..) = populated();
    let run = env.ok(&["--json", "verify"]);
    let report = run.json();
    assert_eq!(report["ok"], true);
    assert_eq!(report["objects"], 2);
    assert_eq!(report["citations"], 1);
    // init, 2 sources, 1 revision, 1 claim, 1 citation.
    assert_eq!(report["entries"], 6);
}

#[test]
fn a_flipped_byte_in_an_object_is_caught() {
    let (env, source, ..) = populated();
    let path = env
        .store
        .join("objects")
        .join(&source[..2])
        .join(&source[2..]);
    let mut bytes = std::fs::read(&path).expect("object");
    bytes[0] ^= 0x01;
    std::fs::write(&path, bytes).expect("tamper");
    verify_fails_naming(&env, &format!("object {source}"));
    // The report says what the damage reaches: the article carries one
    // citation (of one claim) and is revision 1 of one document.
    verify_fails_naming(&env, "1 citation of 1 claim in 1 document affected");
    // The quote check sees it too: "Khojaly" → "Jhojaly" does not touch the quote, so only the hash fails.
    let cat = env.run(&["cat", &source]);
    assert_eq!(cat.code, 5, "cat refuses damaged bytes: {}", cat.stderr);
}

#[test]
fn a_flipped_byte_in_a_quoted_range_is_caught_as_both() {
    let (env, source, _, citation) = populated();
    let path = env
        .store
        .join("objects")
        .join(&source[..2])
        .join(&source[2..]);
    let mut bytes = std::fs::read(&path).expect("object");
    let at = String::from_utf8_lossy(&bytes)
        .find("1,275")
        .expect("quote in object");
    bytes[at] = b'7';
    std::fs::write(&path, bytes).expect("tamper");
    verify_fails_naming(&env, &format!("object {source}"));
    verify_fails_naming(&env, &format!("citation {citation}"));
}

#[test]
fn a_flipped_byte_in_a_journal_line_is_caught() {
    let (env, ..) = populated();
    let path = env.store.join("journal");
    let text = std::fs::read_to_string(&path).expect("journal");
    // Change the captured count in the claim entry (line 5) from 1275 to 1276.
    let tampered = text.replacen("\"count\":1275", "\"count\":1276", 1);
    assert_ne!(tampered, text);
    std::fs::write(&path, tampered).expect("tamper");
    verify_fails_naming(&env, "journal entry 6");
    verify_fails_naming(&env, "journal entry 5");
    // A writer checks the chain only from the entry the index last applied
    // (O(new entries), not O(journal)), so it may append after an altered old
    // line; the break stays where it was and verify still reports it.
    let run = env.run(&[
        "add",
        fixture("khojaly-article-2024-05.txt")
            .to_str()
            .expect("utf-8"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    verify_fails_naming(&env, "journal entry 6");
}

#[test]
fn an_altered_last_journal_line_refuses_writes() {
    let (env, ..) = populated();
    let path = env.store.join("journal");
    let text = std::fs::read_to_string(&path).expect("journal");
    // The last line is the citation of 1,275 captured; its stance is the last "supports".
    let at = text
        .rfind("\"stance\":\"supports\"")
        .expect("stance in last line");
    let mut tampered = text.clone();
    tampered.replace_range(
        at..at + "\"stance\":\"supports\"".len(),
        "\"stance\":\"disputes\"",
    );
    std::fs::write(&path, tampered).expect("tamper");
    // The index applied that line; its hash no longer matches, so writing is refused.
    let before = env.snapshot();
    let run = env.run(&[
        "add",
        fixture("khojaly-article-2024-05.txt")
            .to_str()
            .expect("utf-8"),
    ]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("is not the entry the index applied"),
        "{}",
        run.stderr
    );
    assert!(env.snapshot() == before);
}

#[test]
fn a_changed_index_record_is_caught_and_reindex_repairs_it() {
    let (env, _, claim, _) = populated();
    {
        let index = provdb::index::Index::open(&env.store.join("index")).expect("open index");
        let key = hex_bytes(&claim);
        let mut value = index
            .get_raw(provdb::index::TreeName::Claims, &key)
            .expect("get")
            .expect("present");
        let last = value.len() - 1;
        value[last] ^= 0x01;
        index
            .put_raw(provdb::index::TreeName::Claims, &key, &value)
            .expect("put");
        index.flush().expect("flush");
    }
    verify_fails_naming(&env, &format!("index tree claims record {}", &claim[..16]));
    env.ok(&["reindex"]);
    env.ok(&["verify"]);
}

#[test]
fn an_extra_index_record_is_caught() {
    let (env, ..) = populated();
    {
        let index = provdb::index::Index::open(&env.store.join("index")).expect("open index");
        index
            .put_raw(provdb::index::TreeName::Sources, &[7u8; 32], b"junk")
            .expect("put");
        index.flush().expect("flush");
    }
    verify_fails_naming(&env, "index tree sources");
}

#[test]
fn a_missing_object_is_caught() {
    let (env, source, ..) = populated();
    std::fs::remove_file(
        env.store
            .join("objects")
            .join(&source[..2])
            .join(&source[2..]),
    )
    .expect("remove");
    verify_fails_naming(&env, &format!("object {source}"));
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn reindex_gives_identical_query_output() {
    let (env, source, claim, citation) = populated();
    env.ok(&["retract", &citation, "--reason", "test"]);
    let queries: Vec<Vec<&str>> = vec![
        vec!["--json", "sources"],
        vec!["--json", "claims"],
        vec!["--json", "trace", &claim],
        vec!["--json", "conflicts"],
        vec!["--json", "show", &source],
        vec!["--json", "log", "--doc", "khojaly"],
    ];
    let before: Vec<String> = queries.iter().map(|args| env.ok(args).stdout).collect();
    env.ok(&["reindex"]);
    let after: Vec<String> = queries.iter().map(|args| env.ok(args).stdout).collect();
    assert_eq!(before, after);
    // A deleted index is rebuilt on open, with a notice.
    std::fs::remove_dir_all(env.store.join("index")).expect("remove index");
    let run = env.ok(&["--json", "sources"]);
    assert!(run.stderr.contains("rebuilding"), "{}", run.stderr);
    assert_eq!(run.stdout, before[0]);
}

/// Overwrites every file sled keeps with garbage, so that it cannot open.
fn wreck_index(env: &TestEnv) {
    fn walk(dir: &std::path::Path) {
        for entry in std::fs::read_dir(dir).expect("read index dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path);
            } else {
                let len = std::fs::metadata(&path).expect("meta").len().max(64);
                std::fs::write(&path, vec![0xa5; len as usize]).expect("wreck");
            }
        }
    }
    walk(&env.store.join("index"));
}

#[test]
fn an_index_a_crash_left_unreadable_is_rebuilt_and_verify_passes() {
    let (env, _, claim, _) = populated();
    let marker = env.store.join("index.writing");
    // A finished command leaves no marker behind.
    assert!(!marker.exists(), "a clean close removes index.writing");
    let before = env.ok(&["--json", "trace", &claim]).stdout;

    // As a kill -9 mid-write leaves it: sled unreadable, the marker present.
    wreck_index(&env);
    std::fs::write(&marker, b"").expect("marker");
    let verify = env.ok(&["verify"]);
    assert!(
        verify.stdout.contains("the next command rebuilds it"),
        "{}",
        verify.stdout
    );
    let run = env.ok(&["--json", "trace", &claim]);
    assert!(
        run.stderr.contains("rebuilding it from the journal"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, before);
    assert!(!marker.exists(), "the rebuilt index closed cleanly");
    env.ok(&["verify"]);

    // Without the marker, an unreadable index is damage, reported as such.
    wreck_index(&env);
    verify_fails_naming(&env, "index");
    let refused = env.run(&["trace", &claim]);
    assert_ne!(refused.code, 0, "{}", refused.stderr);
    env.ok(&["reindex"]);
    assert_eq!(env.ok(&["--json", "trace", &claim]).stdout, before);
}

#[test]
fn a_torn_journal_tail_is_cut_back_with_a_notice() {
    let (env, ..) = populated();
    let path = env.store.join("journal");
    let committed = std::fs::read(&path).expect("journal");
    let mut torn = committed.clone();
    torn.extend_from_slice(b"{\"seq\":7,\"time\":\"2026-");
    std::fs::write(&path, &torn).expect("tear");
    let report = env.ok(&["verify"]);
    assert!(
        report.stdout.contains("interrupted"),
        "a torn tail is a notice, not damage: {}",
        report.stdout
    );
    let run = env.ok(&["sources"]);
    assert!(run.stderr.contains("cut back"), "{}", run.stderr);
    assert_eq!(std::fs::read(&path).expect("journal"), committed);
}

/// A reproducible schedule of delays: xorshift64 from a fixed seed.
fn delays(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// Runs `script` with `sh` in its own process group against the store, lets
/// it write for `millis`, kills the whole group (the shell and whichever
/// provdb is mid-write) with SIGKILL, and returns what it printed.
fn run_then_kill(env: &TestEnv, script: &str, millis: u64) -> String {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PROVDB_ACTOR", "tester")
        .env("PROVDB_DIR", &env.store)
        .env("PROVDB", env!("CARGO_BIN_EXE_provdb"))
        .current_dir(env.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn writer");
    std::thread::sleep(std::time::Duration::from_millis(millis));
    let group = format!("-{}", child.id());
    let killed = Command::new("kill")
        .args(["-s", "KILL", "--", &group])
        .status()
        .expect("kill");
    assert!(killed.success());
    let output = child.wait_with_output().expect("wait");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Kills a loop of add/cite at random moments, 24 times; after every kill,
/// verify passes and every command that exited 0 is present.
#[test]
fn kill_nine_never_loses_an_acknowledged_change() {
    let env = TestEnv::new();
    let base = env.add(ARTICLE, &[]);
    let mut acknowledged: Vec<String> = Vec::new();
    let mut next = delays(0x9e37_79b9_7f4a_7c15);
    for round in 0..24 {
        // A writer: a shell loop adding fresh sources and citing, echoing what exited 0.
        let script = format!(
            "i=0; while true; do i=$((i+1)); printf 'round {round} doc %s\\n' $i > doc{round}; \
             out=$(\"$PROVDB\" --json add doc{round}) && echo \"$out\"; \
             \"$PROVDB\" cite {base} --quote '1,275 residents' --subject r{round}i$i --property captured --value 1275 >/dev/null && echo cited r{round}i$i; done"
        );
        let printed = run_then_kill(&env, &script, 40 + next() % 400);
        for line in printed.lines() {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(line) {
                acknowledged.push(json["id"].as_str().expect("id").to_string());
            } else if let Some(subject) = line.strip_prefix("cited ") {
                acknowledged.push(format!("subject:{subject}"));
            }
        }
        let verify = env.run(&["verify"]);
        assert_eq!(
            verify.code, 0,
            "round {round}: verify after kill -9 failed: {}{}",
            verify.stdout, verify.stderr
        );
        let sources = env.ok(&["--json", "sources"]).stdout;
        let claims = env.ok(&["--json", "claims"]).stdout;
        for item in &acknowledged {
            match item.strip_prefix("subject:") {
                Some(subject) => assert!(
                    claims.contains(&format!("\"{subject}\"")),
                    "round {round}: acknowledged claim {subject} lost"
                ),
                None => assert!(
                    sources.contains(item.as_str()),
                    "round {round}: acknowledged source {item} lost"
                ),
            }
        }
    }
    assert!(
        acknowledged.len() >= 10,
        "the loop must have acknowledged work to check: {}",
        acknowledged.len()
    );
}

#[test]
fn verify_max_age_rehashes_only_objects_not_verified_recently() {
    let (env, source, ..) = populated();
    // Never verified: everything is rehashed.
    let run = env.ok(&["--json", "verify", "--max-age", "30d"]);
    assert_eq!(run.json()["skipped"], 0);
    assert_eq!(run.json()["objects"], 2);
    // Just verified: both objects are skipped.
    let run = env.ok(&["--json", "verify", "--max-age", "30d"]);
    assert_eq!(run.json()["skipped"], 2);
    let path = env
        .store
        .join("objects")
        .join(&source[..2])
        .join(&source[2..]);
    let mut bytes = std::fs::read(&path).expect("object");
    bytes[0] ^= 0x01;
    std::fs::write(&path, bytes).expect("tamper");
    // Within the age the damage is not looked for (that is the trade); a
    // full verify finds it, and the damaged object loses its time, so the
    // next --max-age run rehashes it and finds it too.
    env.ok(&["verify", "--max-age", "30d"]);
    verify_fails_naming(&env, &format!("object {source}"));
    let run = env.run(&["verify", "--max-age", "30d"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("object {source}")),
        "{}",
        run.stdout
    );
    // 0s means: rehash everything.
    let run = env.run(&["--json", "verify", "--max-age", "0s"]);
    assert_eq!(run.json()["skipped"], 0);
}

/// Kills a loop of merges at random moments; after every kill, verify
/// passes, every merge that exited 0 is present, and no working directory
/// of a killed merge outlives the next merge.
#[test]
fn kill_nine_during_merges_never_loses_an_acknowledged_merge() {
    let env = TestEnv::new();
    env.add(ARTICLE, &[]);
    // Twelve bundles, each of a store with twenty notes of its own, one cited.
    let mut notes = Vec::new();
    for number in 0..12 {
        let other = TestEnv::new();
        let dir = other.dir.path().join("notes");
        std::fs::create_dir(&dir).expect("dir");
        for line in 0..20 {
            let text = format!("Bundle {number}, note {line}: 1,275 residents.\n");
            std::fs::write(dir.join(format!("note{line}.txt")), &text).expect("note");
            if line == 0 {
                notes.push(blake3::hash(text.as_bytes()).to_hex().to_string());
            }
        }
        other.ok(&["add", dir.to_str().expect("utf-8")]);
        other.ok(&[
            "cite",
            &notes[number],
            "--quote",
            "1,275 residents",
            "--subject",
            &format!("b{number}"),
            "--property",
            "captured",
            "--value",
            "1275",
        ]);
        let bundle = env.dir.path().join(format!("b{number}.tar"));
        other.ok(&[
            "export",
            "--format",
            "bundle",
            "-o",
            bundle.to_str().expect("utf-8"),
        ]);
    }
    let mut acknowledged: Vec<usize> = Vec::new();
    let mut next = delays(0x2545_f491_4f6c_dd1d);
    for round in 0..8 {
        let script = "for i in 0 1 2 3 4 5 6 7 8 9 10 11; do \"$PROVDB\" import b$i.tar >/dev/null && echo merged $i; done";
        let printed = run_then_kill(&env, script, 30 + next() % 300);
        for line in printed.lines() {
            if let Some(number) = line.strip_prefix("merged ") {
                acknowledged.push(number.parse().expect("number"));
            }
        }
        let verify = env.run(&["verify"]);
        assert_eq!(
            verify.code, 0,
            "round {round}: verify after kill -9 failed: {}{}",
            verify.stdout, verify.stderr
        );
        let sources = env.ok(&["--json", "sources"]).stdout;
        for number in &acknowledged {
            assert!(
                sources.contains(notes[*number].as_str()),
                "round {round}: the acknowledged merge of bundle {number} was lost"
            );
        }
    }
    // One more merge cleans up what killed ones left beside the store.
    env.ok(&[
        "import",
        env.dir.path().join("b0.tar").to_str().expect("utf-8"),
    ]);
    let left: Vec<String> = std::fs::read_dir(env.dir.path())
        .expect("dir")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".merge-"))
        .collect();
    assert!(left.is_empty(), "working directories left: {left:?}");
    assert!(
        !acknowledged.is_empty(),
        "the loop must have acknowledged a merge"
    );
}
