//! Integrity under attack and accident: tampering, crashes, and rebuilding the index.

use crate::common::{fixture, TestEnv};

const ARTICLE: &str = "khojaly-article-2024-02.txt";

fn populated() -> (TestEnv, String, String, String) {
    let env = TestEnv::new();
    let source = env.add(ARTICLE, &["--doc", "khojaly", "--title", "The article"]);
    env.add("regional-survey-1993.txt", &[]);
    let (claim, citation) = env.cite_captured(&source, "Khojaly");
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
    let path = env.object_path(&source);
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
    let path = env.object_path(&source);
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

/// Returns `id` (64 hex) with its first 32 hex characters, the 16 bytes an
/// index posting keeps, and the rest changed.
fn sharing_postings_bytes(id: &str) -> String {
    let tail: String = id[32..]
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    format!("{}{tail}", &id[..32])
}

/// Postings keep a claim's or citation's first 16 bytes: a reader confirms
/// the whole id from the line, so an id that shares those bytes with a
/// recorded one is not found as it, and a prefix longer than 16 bytes is
/// checked in full.
#[test]
fn an_id_sharing_a_recorded_ids_first_sixteen_bytes_is_not_that_record() {
    let (env, _, claim, citation) = populated();
    let unknown = "no source, claim or citation";
    for id in [&claim, &citation] {
        let other = sharing_postings_bytes(id);
        let shown = env.run(&["show", &other]);
        assert_ne!(shown.code, 0, "{}", shown.stdout);
        assert!(shown.stderr.contains(unknown), "{}", shown.stderr);
        // 40 and 41 hex characters: past the 32 the postings keep, the
        // second with an odd last character.
        for length in [40, 41] {
            let longer = env.run(&["show", &other[..length]]);
            assert_ne!(longer.code, 0, "{}", longer.stdout);
            assert!(longer.stderr.contains(unknown), "{}", longer.stderr);
            let found = env.ok(&["--json", "show", &id[..length]]);
            assert!(found.stdout.contains(id.as_str()), "{}", found.stdout);
        }
    }
    let traced = env.run(&["trace", &sharing_postings_bytes(&claim)]);
    assert_ne!(traced.code, 0, "{}", traced.stdout);
    assert!(traced.stderr.contains(unknown), "{}", traced.stderr);
    env.ok(&["verify"]);

    // The index's own readers: the recorded ids are found, the ids that
    // share their first 16 bytes are not, and a claim sharing them has no
    // citations.
    let index = provdb::storage::index::Index::open(&env.store.join("index")).expect("open index");
    let bytes = |hex: &str| -> [u8; 32] { hex_bytes(hex).try_into().expect("32 bytes") };
    let claim_id = provdb::model::ClaimId(bytes(&claim));
    let other_claim = provdb::model::ClaimId(bytes(&sharing_postings_bytes(&claim)));
    let citation_id = provdb::model::CitationId(bytes(&citation));
    let other_citation = provdb::model::CitationId(bytes(&sharing_postings_bytes(&citation)));
    assert!(index.claim(&claim_id).expect("read").is_some());
    assert!(index.has_claim(&claim_id).expect("read"));
    assert!(index.claim(&other_claim).expect("read").is_none());
    assert!(!index.has_claim(&other_claim).expect("read"));
    assert_eq!(index.citations_of_claim(&claim_id).expect("read").len(), 1);
    assert!(index
        .citations_of_claim(&other_claim)
        .expect("read")
        .is_empty());
    assert!(index.citation(&citation_id).expect("read").is_some());
    assert!(index.citation(&other_citation).expect("read").is_none());

    // A posting whose 16 bytes are an id's but whose line records a
    // citation that does not share them is damage, not a miss: a record
    // for a chunk no entry starts (seq u64::MAX) in the citations tree,
    // pointing at the citation's own line, under an id of 16 bytes 0xee.
    let citations = provdb::storage::index::TreeName::Citations;
    let key = index
        .keys(citations)
        .map(|key| key.expect("key"))
        .find(|key| key[0] == citation_id.as_bytes()[0])
        .expect("the citation's bucket");
    let value = index
        .get_raw(citations, &key)
        .expect("get")
        .expect("present");
    // The version byte, then one 28-byte posting: 16 id bytes, start, length.
    assert_eq!(value.len(), 1 + 28);
    assert_eq!(&value[1..17], &citation_id.as_bytes()[..16]);
    let mut forged = value.clone();
    forged[1..17].copy_from_slice(&[0xee; 16]);
    let mut forged_key = vec![0xee];
    forged_key.extend(u64::MAX.to_be_bytes());
    index.put_raw(citations, &forged_key, &forged).expect("put");
    let damaged = index
        .citation(&provdb::model::CitationId([0xee; 32]))
        .expect_err("a posting naming another citation's line is damage");
    assert!(
        damaged.to_string().contains("does not record it"),
        "{damaged}"
    );
}

/// Flips a bit of the index's postings record of `claim`: its bucket (the
/// claim id's first byte) in the chunk that recorded it, the only one in a
/// small store.
fn flip_claims_record(env: &TestEnv, claim: &str) {
    let index = provdb::storage::index::Index::open(&env.store.join("index")).expect("open index");
    let bucket = hex_bytes(claim)[0];
    let key = index
        .keys(provdb::storage::index::TreeName::Claims)
        .map(|key| key.expect("key"))
        .find(|key| key[0] == bucket)
        .expect("the claim's bucket");
    let mut value = index
        .get_raw(provdb::storage::index::TreeName::Claims, &key)
        .expect("get")
        .expect("present");
    let last = value.len() - 1;
    value[last] ^= 0x01;
    index
        .put_raw(provdb::storage::index::TreeName::Claims, &key, &value)
        .expect("put");
    index.flush().expect("flush");
}

#[test]
fn a_changed_index_record_is_caught_and_reindex_repairs_it() {
    let (env, _, claim, _) = populated();
    flip_claims_record(&env, &claim);
    verify_fails_naming(&env, &format!("index tree claims record {}", &claim[..2]));
    env.ok(&["reindex"]);
    env.ok(&["verify"]);
}

#[test]
fn an_extra_index_record_is_caught() {
    let (env, ..) = populated();
    {
        let index =
            provdb::storage::index::Index::open(&env.store.join("index")).expect("open index");
        index
            .put_raw(
                provdb::storage::index::TreeName::Sources,
                // A bucket and chunk no entry wrote, holding one well-formed
                // posting.
                &[&[7u8][..], &999u64.to_be_bytes()].concat(),
                &[
                    &[provdb::storage::codec::RECORD_VERSION][..],
                    &[7u8; 32],
                    &[0u8; 12],
                ]
                .concat(),
            )
            .expect("put");
        index.flush().expect("flush");
    }
    verify_fails_naming(&env, "index tree sources");
    verify_fails_naming(&env, "was written by no journal entry");
}

/// An index record removed is named missing, with the entry that wrote it.
#[test]
fn a_removed_index_record_is_named_missing_with_its_entry() {
    let (env, _, claim, _) = populated();
    {
        let index =
            provdb::storage::index::Index::open(&env.store.join("index")).expect("open index");
        let bucket = hex_bytes(&claim)[0];
        let key = index
            .keys(provdb::storage::index::TreeName::Claims)
            .map(|key| key.expect("key"))
            .find(|key| key[0] == bucket)
            .expect("the claim's bucket");
        index
            .remove_raw(provdb::storage::index::TreeName::Claims, &key)
            .expect("remove");
        index.flush().expect("flush");
    }
    verify_fails_naming(&env, &format!("index tree claims record {}", &claim[..2]));
    verify_fails_naming(&env, "is missing; journal entry");
    verify_fails_naming(&env, "holds 0 records but the journal accounts for 1");
}

/// Runs `verify` with its index closed and opened again after every read
/// (a debug build's `PROVDB_INDEX_REOPEN_EVERY`), checks that it was, and
/// returns the run with that notice taken out.
fn verify_reopening_every_read(env: &TestEnv) -> crate::common::Run {
    let mut run = TestEnv::finish(
        env.command()
            .env("PROVDB_INDEX_REOPEN_EVERY", "1")
            .arg("verify")
            .output()
            .expect("run provdb"),
    );
    let notice = run
        .stdout
        .lines()
        .find(|line| line.contains("(PROVDB_INDEX_REOPEN_EVERY)"))
        .unwrap_or_else(|| panic!("no reopen notice in: {}", run.stdout))
        .to_string();
    let reopens: u64 = notice
        .split("opened again ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no count in {notice:?}"));
    // Every read but the first is preceded by a reopen: the walk checks
    // dozens of index records and the quotes of two sources.
    assert!(reopens >= 20, "reopened only {reopens} times: {notice}");
    run.stdout = run
        .stdout
        .lines()
        .filter(|line| *line != notice)
        .map(|line| format!("{line}\n"))
        .collect();
    run
}

/// `verify` closes and reopens its index as it reads (sled lets go of the
/// pages it has read only when closed), from two threads at once. Reopened
/// after every read, it finds exactly what it finds without a reopen, on a
/// sound store with a batch, a revision with carried citations and a
/// retraction (whose citations the walk reads back through the index), and
/// on the same store with an index record changed.
#[test]
fn verify_finds_the_same_with_its_index_reopened_after_every_read() {
    let (env, source, claim, citation) = populated();
    let batch: String = (0..40)
        .map(|number| {
            format!(
                "{{\"source\":\"{source}\",\"quote\":\"1,275 residents\",\"subject\":\"Place {number}\",\"property\":\"captured\",\"value\":\"1275\"}}\n"
            )
        })
        .collect();
    let run = env.run_stdin(&["cite", "--batch", "-"], batch.as_bytes());
    assert_eq!(run.code, 0, "batch: {}{}", run.stdout, run.stderr);
    std::fs::copy(
        fixture("khojaly-article-2024-05.txt"),
        env.dir.path().join("rev2.txt"),
    )
    .expect("rev2");
    env.ok(&["add", "rev2.txt", "--doc", "khojaly"]);
    env.ok(&["retract", &citation, "--reason", "reopen test"]);

    let plain = env.ok(&["verify"]);
    let reopened = verify_reopening_every_read(&env);
    assert_eq!(reopened.code, 0, "{}{}", reopened.stdout, reopened.stderr);
    assert_eq!(reopened.stdout, plain.stdout);

    flip_claims_record(&env, &claim);
    verify_fails_naming(&env, &format!("index tree claims record {}", &claim[..2]));
    let plain = env.run(&["verify"]);
    let reopened = verify_reopening_every_read(&env);
    assert_eq!((reopened.code, &reopened.stdout), (1, &plain.stdout));
}

/// provdb records a source once, and the index reads a source's record
/// from the line that recorded it: a journal whose second source line is
/// rewritten to record the first source again is damage that `verify`
/// names, though every line still chains and every posting matches its line.
#[test]
fn a_source_recorded_twice_is_caught() {
    let env = TestEnv::new();
    let first = env.add(ARTICLE, &[]);
    let second = env.add("regional-survey-1993.txt", &[]);
    let said = env.verify_after_forging(|text| {
        text.lines()
            .map(|line| {
                if line.contains("\"op\":\"add_source\"") {
                    format!("{}\n", line.replace(&second, &first))
                } else {
                    format!("{line}\n")
                }
            })
            .collect()
    });
    assert!(
        said.contains(&format!("records source {} again", &first[..12])),
        "{said}"
    );
    // Every reader shows the source as its first line recorded it.
    let shown = env.ok(&["--json", "show", &first]).json();
    assert_eq!(shown["name"], ARTICLE, "{shown}");
    assert_eq!(shown["seq"], 2, "{shown}");
}

#[test]
fn a_missing_object_is_caught() {
    let (env, source, ..) = populated();
    std::fs::remove_file(env.object_path(&source)).expect("remove");
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

/// Runs `script` with `sh` in its own process group against the store,
/// waits for its first line of output (its first acknowledged change, so a
/// slow machine cannot make a round kill before anything was acknowledged),
/// lets it go on for `millis`, kills the whole group (the shell and whichever
/// provdb is mid-write) with SIGKILL, and returns everything it printed.
fn run_then_kill(env: &TestEnv, script: &str, millis: u64) -> String {
    use std::io::{BufRead, Read};
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let mut child = Command::new("sh")
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
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut printed = String::new();
    stdout
        .read_line(&mut printed)
        .expect("reading the writer's output");
    // The loop is bounded, so a writer that never succeeds ends here
    // instead of hanging the suite.
    assert!(
        !printed.is_empty(),
        "the writer never acknowledged a change"
    );
    std::thread::sleep(std::time::Duration::from_millis(millis));
    let group = format!("-{}", child.id());
    let killed = Command::new("kill")
        .args(["-s", "KILL", "--", &group])
        .status()
        .expect("kill");
    assert!(killed.success());
    stdout.read_to_string(&mut printed).expect("the rest");
    child.wait().expect("wait");
    printed
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
            "i=0; while [ $i -lt 500 ]; do i=$((i+1)); printf 'round {round} doc %s\\n' $i > doc{round}; \
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

/// The size an entry states of an object is what `show` and `sources`
/// print, so `verify` checks it against what the object holds: the bytes
/// it hashed, or, for an object `--max-age` does not rehash, its length
/// now. A page's text layer is checked as its source is. The lie is the
/// layer's size plus 7, in a journal whose chain is made whole again.
#[test]
fn a_stated_size_that_is_not_the_objects_is_caught_rehashed_or_not() {
    let env = TestEnv::new();
    env.add("khojaly-article-2024-02.html", &[]);
    // Verified now: a --max-age run within the day rehashes nothing.
    env.ok(&["verify"]);
    let journal = std::fs::read_to_string(env.store.join("journal")).expect("journal");
    let (at, line) = journal
        .lines()
        .enumerate()
        .find(|(_, line)| line.contains("\"op\":\"derive_text\""))
        .expect("the page's text layer is recorded");
    let entry: serde_json::Value = serde_json::from_str(line).expect("entry");
    let layer = entry["change"]["layer"]
        .as_str()
        .expect("layer id")
        .to_string();
    let size = entry["change"]["size"].as_u64().expect("size");
    assert_eq!(
        std::fs::metadata(env.object_path(&layer))
            .expect("layer object")
            .len(),
        size,
        "the layer's object holds the size its entry states"
    );
    let lying: String = journal
        .lines()
        .enumerate()
        .map(|(number, text)| {
            let text = if number == at {
                text.replacen(
                    &format!("\"size\":{size},"),
                    &format!("\"size\":{},", size + 7),
                    1,
                )
            } else {
                text.to_string()
            };
            text + "\n"
        })
        .collect();
    assert_ne!(lying, journal, "the lie changed the journal");
    std::fs::write(env.store.join("journal"), crate::common::rechain(&lying)).expect("lie");
    std::fs::remove_dir_all(env.store.join("index")).expect("index");
    let needle = format!(
        "states text layer {} is {} bytes, but its object holds {size}",
        &layer[..12],
        size + 7
    );
    let skipped = env.run(&["--json", "verify", "--max-age", "1d"]);
    assert_eq!(skipped.code, 1, "{}", skipped.stdout);
    assert_eq!(skipped.json()["skipped"], 2, "neither object was rehashed");
    assert!(skipped.stdout.contains(&needle), "{}", skipped.stdout);
    verify_fails_naming(&env, &needle);
}

/// An entry recorded earlier than the one before it is a notice (the
/// clock went back), given once for the entries of one command that share
/// the time; a time that is not RFC 3339 is damage, named on every entry
/// that has it.
#[test]
fn times_going_back_are_noticed_once_and_unreadable_times_named_each_time() {
    let env = TestEnv::new();
    env.add("khojaly-article-2024-02.html", &[]);
    let journal = std::fs::read_to_string(env.store.join("journal")).expect("journal");
    let lines: Vec<&str> = journal.lines().collect();
    let time_of = |line: &str| {
        let entry: serde_json::Value = serde_json::from_str(line).expect("entry");
        entry["time"].as_str().expect("time").to_string()
    };
    let last = lines.len() - 1;
    assert!(last >= 2, "init, then the add's entries");
    assert_eq!(
        time_of(lines[last - 1]),
        time_of(lines[last]),
        "the add's last two entries share its time"
    );
    let with_time = |time: &str| -> String {
        lines
            .iter()
            .enumerate()
            .map(|(number, line)| {
                let line = if number + 1 >= last {
                    line.replacen(&time_of(line), time, 1)
                } else {
                    line.to_string()
                };
                line + "\n"
            })
            .collect()
    };
    // Seq numbers are 1-based: the last two entries are these.
    let (first, second) = (last, last + 1);

    let earlier = with_time("2000-01-01T00:00:00Z");
    std::fs::write(env.store.join("journal"), crate::common::rechain(&earlier)).expect("write");
    std::fs::remove_dir_all(env.store.join("index")).expect("index");
    let run = env.run(&["--json", "verify"]);
    assert_eq!(
        run.code, 0,
        "a clock going back is not damage: {}",
        run.stdout
    );
    let notices: Vec<String> = run.json()["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter_map(|notice| notice.as_str())
        .filter(|notice| notice.contains("earlier than the entry before it"))
        .map(str::to_string)
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].starts_with(&format!("journal entry {first} "))
            && notices[0].contains("recorded at 2000-01-01T00:00:00Z"),
        "{notices:?}"
    );

    let unreadable = with_time("the day before");
    std::fs::write(
        env.store.join("journal"),
        crate::common::rechain(&unreadable),
    )
    .expect("write");
    std::fs::remove_dir_all(env.store.join("index")).ok();
    let run = env.run(&["--json", "verify"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let named: Vec<String> = run.json()["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|problem| {
            problem["what"]
                .as_str()
                .is_some_and(|what| what.contains("\"the day before\" is not RFC 3339"))
        })
        .map(|problem| problem["item"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(named.len(), 2, "{named:?}");
    assert!(
        named[0].starts_with(&format!("journal entry {first} ")),
        "{named:?}"
    );
    assert!(
        named[1].starts_with(&format!("journal entry {second} ")),
        "{named:?}"
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
    let path = env.object_path(&source);
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

/// The committed journal entries of a store as (op, whole change) pairs,
/// read from the file itself (entries after the last `commit` are not
/// acknowledged and are left out, as opening the store would cut them).
fn committed_changes(store: &std::path::Path) -> Vec<(String, serde_json::Value)> {
    let text = std::fs::read(store.join("journal")).unwrap_or_default();
    let mut out = Vec::new();
    let mut pending = Vec::new();
    for line in text.split_inclusive(|byte| *byte == b'\n') {
        if line.last() != Some(&b'\n') {
            break;
        }
        let Ok(entry) = serde_json::from_slice::<serde_json::Value>(line) else {
            break;
        };
        let change = entry["change"].clone();
        pending.push((change["op"].as_str().unwrap_or("?").to_string(), change));
        if entry["commit"] == true {
            out.append(&mut pending);
        }
    }
    // Kept checkpoints count as changes too (a torn last line is not one).
    let checkpoints = std::fs::read(store.join("checkpoints")).unwrap_or_default();
    for line in checkpoints.split_inclusive(|byte| *byte == b'\n') {
        if line.last() == Some(&b'\n') {
            out.push(("checkpoint".into(), serde_json::Value::Null));
        }
    }
    out
}

/// Working files a command leaves only while it runs: beside the store
/// (a new store or a merge being built), in it (an index being rebuilt, the
/// verified times being replaced, the index's writing marker) and in
/// `objects/tmp/`.
fn leftovers(dir: &std::path::Path, store: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let names = |path: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(path)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    for name in names(dir) {
        if name.starts_with('.') && name.contains('-') {
            out.push(name);
        }
    }
    for name in names(store) {
        if ["index.new", "index.old", "verified.tmp", "index.writing"].contains(&name.as_str()) {
            out.push(name);
        }
    }
    for name in names(&store.join("objects").join("tmp")) {
        out.push(format!("objects/tmp/{name}"));
    }
    out
}

/// One command to crash at every point.
struct Crash<'a> {
    /// The command, run in the test directory (args may name files there).
    args: Vec<String>,
    /// Standard input for it.
    stdin: &'a [u8],
    /// The store it changes, relative to the test directory (the test
    /// environment's own store unless the command makes another).
    store: &'a str,
    /// A probe: a command whose standard output says whether the change is
    /// there, and what it prints when it is.
    probe: Vec<String>,
    needle: &'a str,
}

/// Sweeps a crash over every point of a command: for N = 1, 2, … runs it on
/// a fresh copy of `template` with `PROVDB_CRASH_AT=N` until it finishes on
/// its own; with `torn`, only at the points that are writes (from the plain
/// sweep), each torn in half. After each abort: `verify` passes before anything
/// else touches the store; the committed journal is exactly the one before
/// or exactly the one a complete run leaves (the same changes, op for op);
/// the probe agrees; and running the command again completes and verifies.
/// Returns the numbers of the points that are writes, and how many points
/// the command passed.
fn sweep(template: &TestEnv, crash: &Crash<'_>, torn: Option<&[u64]>) -> (Vec<u64>, u64) {
    let run_in = |dir: &std::path::Path, args: &[String], stdin: &[u8], at: Option<u64>| {
        use std::io::Write;
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_provdb"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PROVDB_ACTOR", "tester")
            .env("PROVDB_DIR", dir.join(crash.store))
            .current_dir(dir)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(at) = at {
            command.env("PROVDB_CRASH_AT", at.to_string());
            if torn.is_some() {
                command.env("PROVDB_CRASH_TORN", "1");
            }
        }
        let mut child = command.spawn().expect("spawn");
        let _ = child.stdin.take().expect("stdin").write_all(stdin);
        child.wait_with_output().expect("wait")
    };
    let fresh = |name: &str| {
        let dir = template.dir.path().with_file_name(format!(
            "{}-{name}",
            template
                .dir
                .path()
                .file_name()
                .expect("name")
                .to_string_lossy()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        crate::common::copy_tree(template.dir.path(), &dir);
        dir
    };
    let before = committed_changes(&template.dir.path().join(crash.store));
    // A complete run gives the changes a whole command appends.
    let reference = fresh("reference");
    let output = run_in(&reference, &crash.args, crash.stdin, None);
    assert!(
        output.status.success(),
        "{:?}: {}",
        crash.args,
        String::from_utf8_lossy(&output.stderr)
    );
    let after = committed_changes(&reference.join(crash.store));
    // reindex changes no record: it only has to survive its crashes.
    let changes = after.len() > before.len();
    assert!(
        changes || crash.args[0] == "reindex",
        "{:?} recorded nothing",
        crash.args
    );
    let ops = |changes: &[(String, serde_json::Value)]| -> Vec<String> {
        changes.iter().map(|(op, _)| op.clone()).collect()
    };
    let _ = std::fs::remove_dir_all(&reference);
    let mut at = 0;
    let mut writes = Vec::new();
    loop {
        at += 1;
        assert!(at < 2_000, "{:?} never finished", crash.args);
        if let Some(points) = torn {
            if at > points.iter().copied().max().unwrap_or(0) {
                break;
            }
            if !points.contains(&at) {
                continue;
            }
        }
        let dir = fresh(&format!("crash{at}"));
        let output = run_in(&dir, &crash.args, crash.stdin, Some(at));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if output.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            break;
        }
        let what = format!(
            "{:?} crashed at point {at} (torn {})",
            crash.args,
            torn.is_some()
        );
        assert!(
            output.status.code().is_none() && stderr.contains(&format!("crash point {at} ")),
            "{what}: expected an abort at the crash point, got {:?}: {stderr}",
            output.status
        );
        if stderr.contains(&format!("crash point {at} (Write ")) {
            writes.push(at);
        }
        let store = dir.join(crash.store);
        let verify = run_in(&dir, &["verify".to_string()], b"", None);
        let now = committed_changes(&store);
        // A new store that was never moved into place is simply absent.
        if store.join("journal").exists() || crash.store == "store" {
            assert!(
                verify.status.success(),
                "{what}: verify failed: {}{}",
                String::from_utf8_lossy(&verify.stdout),
                String::from_utf8_lossy(&verify.stderr)
            );
        }
        let present = if now.len() == after.len() {
            assert_eq!(ops(&now), ops(&after), "{what}: not the whole command");
            true
        } else {
            assert_eq!(now, before, "{what}: neither the store before nor after");
            false
        };
        if store.join("journal").exists() {
            let probe = run_in(&dir, &crash.probe, b"", None);
            assert!(
                probe.status.success(),
                "{what}: probe failed: {}",
                String::from_utf8_lossy(&probe.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&probe.stdout).contains(crash.needle),
                present || !changes,
                "{what}: the probe disagrees with the journal (present {present})"
            );
        }
        if (!present || !changes) && torn.is_none() {
            // The command, run again, completes over whatever the crash left.
            let again = run_in(&dir, &crash.args, crash.stdin, None);
            assert!(
                again.status.success(),
                "{what}: the command again: {}",
                String::from_utf8_lossy(&again.stderr)
            );
            let verify = run_in(&dir, &["verify".to_string()], b"", None);
            assert!(
                verify.status.success(),
                "{what}: verify after the rerun: {}",
                String::from_utf8_lossy(&verify.stdout)
            );
            assert_eq!(
                ops(&committed_changes(&store)),
                ops(&after),
                "{what}: the rerun"
            );
            let left = leftovers(&dir, &store);
            assert!(left.is_empty(), "{what}: the rerun left {left:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    (writes, at - 1)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| item.to_string()).collect()
}

/// What the crash sweeps start from: a store with the article as revision 1
/// of `khojaly`, one citation of it, and in the test directory a note, a
/// directory of three notes, the article's second revision, a batch of two
/// citations, and a bundle of another store.
struct CrashTemplate {
    env: TestEnv,
    article: String,
    citation: String,
    last_note: String,
    batch: String,
    _other: TestEnv,
}

fn crash_template() -> CrashTemplate {
    let env = TestEnv::new();
    let article = env.add(ARTICLE, &["--doc", "khojaly"]);
    let (_, citation) = env.cite_captured(&article, "Khojaly");
    let dir = env.dir.path();
    std::fs::write(dir.join("note.txt"), "A note: 613 civilians were killed.\n").expect("note");
    std::fs::create_dir(dir.join("notes")).expect("dir");
    let mut last_note = String::new();
    for number in 0..3 {
        let text = format!("Note {number}: 1,275 residents were captured.\n");
        std::fs::write(dir.join("notes").join(format!("n{number}.txt")), &text).expect("note");
        last_note = blake3::hash(text.as_bytes()).to_hex().to_string();
    }
    std::fs::copy(fixture("khojaly-article-2024-05.txt"), dir.join("rev2.txt")).expect("rev2");
    let batch = format!(
        "{{\"source\":\"{article}\",\"quote\":\"1,275 residents\",\"subject\":\"Batch one\",\"property\":\"captured\",\"value\":\"1275\"}}\n\
         {{\"source\":\"{article}\",\"quote\":\"1,275 residents\",\"subject\":\"Batch two\",\"property\":\"captured\",\"value\":\"1275\"}}\n"
    );
    let other = TestEnv::new();
    other.add("regional-survey-1993.txt", &["--title", "Other survey"]);
    let bundle = dir.join("other.tar");
    other.ok(&[
        "export",
        "--format",
        "bundle",
        "-o",
        bundle.to_str().expect("utf-8"),
    ]);
    CrashTemplate {
        env,
        article,
        citation,
        last_note,
        batch,
        _other: other,
    }
}

/// Crashes `args` at each of its write, fsync, rename, removal, truncation
/// and index-batch points in turn, then at each write torn in half: the
/// change is wholly there or wholly absent, `verify` passes, and the command
/// completes when run again. No wall clock is involved.
fn crash_everywhere(
    template: &CrashTemplate,
    args: &[&str],
    stdin: &[u8],
    store: &str,
    probe: &[&str],
    needle: &str,
) {
    let case = Crash {
        args: strings(args),
        stdin,
        store,
        probe: strings(probe),
        needle,
    };
    let (writes, points) = sweep(&template.env, &case, None);
    assert!(points >= 3, "{args:?} passed only {points} crash points");
    assert!(
        !writes.is_empty() || args[0] == "reindex",
        "{args:?} has no write point"
    );
    sweep(&template.env, &case, Some(&writes));
}

#[test]
fn a_crash_anywhere_in_add_leaves_it_whole_or_absent() {
    let t = crash_template();
    crash_everywhere(
        &t,
        &["add", "note.txt", "--title", "Crash note"],
        b"",
        "store",
        &["sources"],
        "Crash note",
    );
}

#[test]
fn a_crash_anywhere_in_add_dir_leaves_it_whole_or_absent() {
    let t = crash_template();
    crash_everywhere(
        &t,
        &["add", "notes"],
        b"",
        "store",
        &["sources"],
        &t.last_note[..12],
    );
}

#[test]
fn a_crash_anywhere_in_cite_leaves_it_whole_or_absent() {
    let t = crash_template();
    let args = [
        "cite",
        &t.article,
        "--quote",
        "1,275 residents",
        "--subject",
        "Crash",
        "--property",
        "captured",
        "--value",
        "1275",
    ];
    crash_everywhere(&t, &args, b"", "store", &["claims"], "Crash");
}

#[test]
fn a_crash_anywhere_in_cite_batch_leaves_it_whole_or_absent() {
    let t = crash_template();
    crash_everywhere(
        &t,
        &["cite", "--batch", "-"],
        t.batch.as_bytes(),
        "store",
        &["claims"],
        "Batch two",
    );
}

#[test]
fn a_crash_anywhere_in_a_revision_with_carried_citations_leaves_it_whole_or_absent() {
    let t = crash_template();
    crash_everywhere(
        &t,
        &["add", "rev2.txt", "--doc", "khojaly"],
        b"",
        "store",
        &["log", "--doc", "khojaly"],
        "carried",
    );
}

#[test]
fn a_crash_anywhere_in_retract_leaves_it_whole_or_absent() {
    let t = crash_template();
    crash_everywhere(
        &t,
        &["retract", &t.citation, "--reason", "crash test"],
        b"",
        "store",
        &["show", &t.citation],
        "RETRACTED",
    );
}

#[test]
fn a_crash_anywhere_in_a_merge_leaves_it_whole_or_absent() {
    let t = crash_template();
    crash_everywhere(
        &t,
        &["import", "other.tar"],
        b"",
        "store",
        &["sources"],
        "Other survey",
    );
}

#[test]
fn a_crash_anywhere_in_an_import_into_a_new_store_leaves_it_whole_or_absent() {
    let t = crash_template();
    crash_everywhere(
        &t,
        &["--db", "copy", "import", "other.tar"],
        b"",
        "copy",
        &["sources"],
        "Other survey",
    );
}

#[test]
fn a_crash_anywhere_in_checkpoint_or_reindex_leaves_the_store_sound() {
    let t = crash_template();
    crash_everywhere(&t, &["checkpoint"], b"", "store", &["checkpoints"], "root");
    crash_everywhere(&t, &["reindex"], b"", "store", &["sources"], "");
}

/// An object file replaced by a link to `/dev/zero` or by a FIFO is damage,
/// reported at once: `verify`, `cat` and `export` used to hang on it.
#[test]
fn an_object_that_is_a_link_or_a_fifo_is_damage_not_a_hang() {
    let (env, source, ..) = populated();
    let path = env.object_path(&source);
    let bundle = env.dir.path().join("out.tar");
    let bundle_arg = bundle.to_str().expect("utf-8").to_string();
    for (kind, make) in [("symbolic link", "ln -s /dev/zero"), ("FIFO", "mkfifo")] {
        std::fs::remove_file(&path).expect("remove object");
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{make} \"$0\"",))
            .arg(&path)
            .status()
            .expect("make");
        assert!(status.success());
        verify_fails_naming(&env, &format!("{kind}, not a regular file"));
        let run = env.run(&["cat", &source]);
        assert_eq!(run.code, 5, "cat of a {kind}: {}", run.stderr);
        assert!(run.stderr.contains(kind), "{}", run.stderr);
        let run = env.run(&["export", "--format", "bundle", "-o", &bundle_arg]);
        assert_ne!(run.code, 0, "export of a {kind}: {}", run.stdout);
        assert!(!bundle.exists(), "a bundle was written");
        // The right bytes, added again, put a regular file back.
        env.ok(&["add", fixture(ARTICLE).to_str().expect("utf-8")]);
        env.ok(&["verify"]);
    }
}

/// A damaged object is never exported, and adding its right bytes again
/// repairs it (it used to answer "already stored" and leave it damaged).
#[test]
fn a_damaged_object_is_not_exported_and_adding_its_bytes_repairs_it() {
    let (env, source, ..) = populated();
    let path = env.object_path(&source);
    let mut bytes = std::fs::read(&path).expect("object");
    bytes[3] ^= 0x20;
    std::fs::write(&path, &bytes).expect("tamper");
    let bundle = env.dir.path().join("out.tar");
    let run = env.run(&[
        "export",
        "--format",
        "bundle",
        "-o",
        bundle.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!("object {source} is damaged")),
        "{}",
        run.stderr
    );
    assert!(!bundle.exists());
    verify_fails_naming(&env, &format!("object {source}"));
    let run = env.ok(&["add", fixture(ARTICLE).to_str().expect("utf-8")]);
    assert!(run.stderr.contains("was damaged"), "{}", run.stderr);
    assert_eq!(
        blake3::hash(&std::fs::read(&path).expect("object"))
            .to_hex()
            .to_string(),
        source
    );
    env.ok(&["verify"]);
    env.ok(&[
        "export",
        "--format",
        "bundle",
        "-o",
        bundle.to_str().expect("utf-8"),
    ]);
}

/// A read-only view of a store: a read-only bind mount as root, else the
/// store with every write permission removed. Undone on drop.
struct ReadOnlyView {
    path: std::path::PathBuf,
    mounted: bool,
}

impl ReadOnlyView {
    fn of(env: &TestEnv) -> ReadOnlyView {
        let view = env.dir.path().join("archived");
        let root = std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"));
        if root {
            std::fs::create_dir(&view).expect("mount point");
            let sh = |script: &str| {
                std::process::Command::new("sh")
                    .arg("-c")
                    .arg(script)
                    .arg(&env.store)
                    .arg(&view)
                    .status()
                    .expect("sh")
                    .success()
            };
            assert!(
                sh("mount --bind \"$0\" \"$1\" && mount -o remount,ro,bind \"$1\""),
                "as root, a read-only bind mount must be possible"
            );
            ReadOnlyView {
                path: view,
                mounted: true,
            }
        } else {
            let status = std::process::Command::new("chmod")
                .args(["-R", "a-w"])
                .arg(&env.store)
                .status()
                .expect("chmod");
            assert!(status.success());
            ReadOnlyView {
                path: env.store.clone(),
                mounted: false,
            }
        }
    }
}

impl Drop for ReadOnlyView {
    fn drop(&mut self) {
        if self.mounted {
            let _ = std::process::Command::new("umount")
                .arg(&self.path)
                .status();
        } else {
            let _ = std::process::Command::new("chmod")
                .args(["-R", "u+w"])
                .arg(&self.path)
                .status();
        }
    }
}

/// An auditor reads archived copies: every command that only reads works on
/// a store that cannot be written (each used to fail opening its lock file
/// for writing), says the same as on the writable store, and changes
/// nothing; every command that would record is refused with one line.
#[test]
fn every_reader_works_on_a_read_only_store() {
    let (env, source, claim, citation) = populated();
    env.ok(&["checkpoint"]);
    let outside = |name: &str| {
        env.dir
            .path()
            .join(name)
            .to_str()
            .expect("utf-8")
            .to_string()
    };
    let readers: Vec<Vec<String>> = vec![
        vec!["verify".into()],
        vec!["sources".into()],
        vec!["claims".into()],
        vec!["trace".into(), claim.clone()],
        vec!["show".into(), citation.clone()],
        vec!["cat".into(), source.clone()],
        vec!["log".into()],
        vec!["log".into(), "--doc".into(), "khojaly".into()],
        vec!["conflicts".into()],
        vec!["checkpoints".into()],
        vec!["manifest".into()],
        vec!["prove".into(), citation.clone()],
        vec!["receipt".into(), citation.clone()],
        vec!["--json".into(), "reviews".into()],
        vec!["search".into(), "1,275 residents".into()],
        vec![
            "coverage".into(),
            crate::common::fixture("khojaly-article-2024-05.txt")
                .to_str()
                .expect("utf-8")
                .into(),
            "--allow".into(),
            "unbacked".into(),
            "--allow".into(),
            "contradicted".into(),
        ],
    ];
    let writable: Vec<String> = readers
        .iter()
        .map(|args| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            env.ok(&args).stdout
        })
        .collect();
    let before = env.snapshot();
    let view = ReadOnlyView::of(&env);
    let on_view = |args: &[&str]| {
        let mut command = env.command();
        command.env("PROVDB_DIR", &view.path).args(args);
        let output = command.output().expect("run");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    for (args, expected) in readers.iter().zip(&writable) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = on_view(&args);
        assert_eq!(code, 0, "{args:?} on a read-only store: {stderr}");
        if !["verify", "receipt"].contains(&args[0]) {
            assert_eq!(&stdout, expected, "{args:?} says something else read-only");
        }
    }
    for format in ["bundle", "jsonl", "prov-json"] {
        let (code, _, stderr) = on_view(&["export", "--format", format, "-o", &outside(format)]);
        assert_eq!(code, 0, "export {format}: {stderr}");
    }
    let note = outside("note.txt");
    std::fs::write(&note, "A note.\n").expect("note");
    for args in [
        vec!["add", note.as_str()],
        vec![
            "cite",
            &source,
            "--quote",
            "1,275 residents",
            "--subject",
            "New",
            "--property",
            "captured",
            "--value",
            "1275",
        ],
        vec!["retract", &citation, "--reason", "read-only"],
        vec!["reindex"],
    ] {
        let (code, _, stderr) = on_view(&args);
        assert_eq!(code, 3, "{args:?}: {stderr}");
        assert!(stderr.contains("cannot be written"), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
    drop(view);
    assert!(
        env.snapshot() == before,
        "reading a read-only store changed it"
    );
    env.ok(&["verify"]);
}

/// When the index cannot be written after a command's journal append (a
/// full disk, simulated by a debug build's test switch), the change is
/// recorded: the command exits 0 with a notice (a batch used to exit 5),
/// and the next command catches the index up.
#[test]
fn a_change_recorded_before_the_index_failed_exits_zero_with_a_notice() {
    let env = TestEnv::new();
    let source = env.add(ARTICLE, &[]);
    let line = format!(
        "{{\"source\":\"{source}\",\"quote\":\"1,275 residents\",\"subject\":\"Batch\",\"property\":\"captured\",\"value\":\"1275\"}}\n"
    );
    let mut command = env.command();
    let output = command
        .env("PROVDB_FAIL_INDEX", "1")
        .args(["cite", "--batch", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(line.as_bytes())?;
            child.wait_with_output()
        })
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("notice:") && stderr.contains("No space left"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("recorded 1 citation"));
    let claims = env.ok(&["claims"]).stdout;
    assert!(claims.contains("Batch"), "{claims}");
    env.ok(&["verify"]);
}

/// An `add` of a directory streams its entries to the journal and then
/// reads them back into the index. When that index write fails (the debug
/// build's switch), the sources are recorded all the same: exit 0 with a
/// notice, and the next command's index holds every one of them.
#[test]
fn an_add_of_a_directory_recorded_before_the_index_failed_exits_zero_with_a_notice() {
    let env = TestEnv::new();
    let dir = env.dir.path().join("bulletins");
    std::fs::create_dir(&dir).expect("mkdir");
    let mut ids = Vec::new();
    for number in 0..5 {
        let text = format!("Bulletin {number}: 150 residents were unaccounted for.\n");
        std::fs::write(dir.join(format!("b{number}.txt")), &text).expect("write");
        ids.push(blake3::hash(text.as_bytes()).to_hex().to_string());
    }
    let output = env
        .command()
        .env("PROVDB_FAIL_INDEX", "1")
        .args(["add", dir.to_str().expect("utf-8")])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    // The add's own notice, not only the one closing the index gives.
    assert!(
        stderr.contains("notice: recorded in the journal, but the index update failed")
            && stderr.contains("No space left")
            && stderr.contains("it catches up on the next command")
            && !stderr.contains("provdb reindex"),
        "{stderr}"
    );
    let sources = env.ok(&["sources"]).stdout;
    for id in &ids {
        assert!(sources.contains(&id[..12]), "{id} missing from:\n{sources}");
    }
    env.ok(&["verify"]);
}

/// Damaged index keys are reported, never a panic: a 2-byte key in the
/// drift tree made `log --doc` and `drift` exit 101.
#[test]
fn damaged_index_keys_are_errors_not_panics() {
    use provdb::storage::index::{Index, TreeName};
    let (env, _, claim, _) = populated();
    let revised = fixture("khojaly-article-2024-05.txt");
    env.ok(&["add", revised.to_str().expect("utf-8"), "--doc", "khojaly"]);
    for (tree, key) in [
        (TreeName::Drift, b"ab".to_vec()),
        (TreeName::Drift, b"khojaly\x00\x00\x01".to_vec()),
        (TreeName::Revisions, b"khojaly\x00\x07".to_vec()),
        (TreeName::SourceRevisions, vec![0xbc; 3]),
        (TreeName::ClaimsByKey, b"k".to_vec()),
        (TreeName::Sources, vec![0xbc, 0xeb]),
    ] {
        let copy = TestEnv::empty();
        crate::common::copy_tree(&env.store, &copy.store);
        let index = Index::open(&copy.store.join("index")).expect("index");
        index.put_raw(tree, &key, b"").expect("put");
        index.close(&copy.store.join("index")).expect("close");
        for args in [
            vec!["log", "--doc", "khojaly"],
            vec!["drift", "--doc", "khojaly"],
            vec!["drift", "--doc", "khojaly", "--all"],
            vec!["claims"],
            vec!["sources"],
            vec!["conflicts"],
            vec!["show", "bceb"],
            vec!["trace", &claim],
            vec!["export", "--format", "jsonl", "-o", "out.jsonl"],
        ] {
            let run = copy.run(&args);
            assert_ne!(
                run.code, 101,
                "{tree:?} {key:?}: {args:?} panicked: {}",
                run.stderr
            );
            if run.code != 0 {
                assert!(
                    run.stderr.contains("is damaged") && run.stderr.trim_end().lines().count() == 1,
                    "{tree:?}: {args:?}: {}",
                    run.stderr
                );
            }
        }
        let verify = copy.run(&["verify"]);
        assert_eq!(
            verify.code, 1,
            "{tree:?} {key:?}: verify must find the extra key"
        );
        copy.ok(&["reindex"]);
        copy.ok(&["verify"]);
    }
}

/// Objects an interrupted add stored but never recorded are summed up in one
/// notice (a store once printed 15,043 lines of them) and `reindex` removes
/// them, with their shard directories when they empty.
#[test]
fn unrecorded_objects_are_summarised_and_reindex_removes_them() {
    let (env, source, ..) = populated();
    let mut junk = Vec::new();
    for number in 0..3 {
        let bytes = format!("interrupted add {number}\n");
        let id = blake3::hash(bytes.as_bytes()).to_hex().to_string();
        let shard = env.store.join("objects").join(&id[..2]);
        std::fs::create_dir_all(&shard).expect("shard");
        std::fs::write(shard.join(&id[2..]), bytes).expect("object");
        junk.push(id);
    }
    let run = env.ok(&["verify"]);
    let notices: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.contains("recorded by no journal entry"))
        .collect();
    assert_eq!(notices.len(), 1, "{}", run.stdout);
    assert!(
        notices[0].contains("3 objects are recorded by no journal entry"),
        "{}",
        notices[0]
    );
    let run = env.ok(&["--json", "reindex"]);
    assert_eq!(run.json()["removed_objects"], 3);
    for id in &junk {
        assert!(!env.object_path(id).exists());
    }
    assert!(env.object_path(&source).exists());
    let run = env.ok(&["verify"]);
    assert!(
        !run.stdout.contains("recorded by no journal entry"),
        "{}",
        run.stdout
    );
    assert_eq!(env.ok(&["--json", "reindex"]).json()["removed_objects"], 0);
}

/// An index that is missing (a reindex stopped between removing the old one
/// and renaming the new) is not damage: `verify` checks the journal against
/// one built outside the store and passes with a notice. `reindex` replaces
/// an `index` that is a regular file, and leaves no `index.new` behind.
#[test]
fn a_missing_index_is_not_damage_and_reindex_replaces_any_index() {
    let (env, ..) = populated();
    let index = env.store.join("index");
    std::fs::remove_dir_all(&index).expect("remove index");
    let run = env.ok(&["verify"]);
    assert!(
        run.stdout.contains("the index is missing"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("1 citation quotes"),
        "quotes were checked: {}",
        run.stdout
    );
    assert!(!index.exists(), "verify must not write the store");
    std::fs::write(&index, b"not a directory").expect("index file");
    env.ok(&["reindex"]);
    assert!(index.is_dir());
    assert!(!env.store.join("index.new").exists());
    env.ok(&["verify"]);
}

/// A reindex that fails (its index writes fail, as on a full disk) leaves
/// the index it would have replaced, and no `index.new`.
#[test]
fn a_failed_reindex_leaves_the_old_index_and_no_working_copy() {
    let (env, ..) = populated();
    let output = env
        .command()
        .env("PROVDB_FAIL_INDEX", "1")
        .arg("reindex")
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !env.store.join("index.new").exists(),
        "index.new left behind"
    );
    env.ok(&["verify"]);
    env.ok(&["claims"]);
}
