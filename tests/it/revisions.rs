//! Revisions end to end: carrying citations forward, drift, diffs, revision
//! names, reverts, ranks and --as-of, on the two revisions of the article
//! fixture (revision 2 changes "15 countries" to "17 countries" and adds a line).

use crate::common;

use crate::common::{fixture, TestEnv};

const REV1: &str = "khojaly-article-2024-02.txt";
const REV2: &str = "khojaly-article-2024-05.txt";

fn path(name: &str) -> String {
    fixture(name).to_str().expect("utf-8").to_string()
}

fn cite(env: &TestEnv, source: &str, quote: &str, property: &str, value: &str) -> String {
    let run = env.ok(&[
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
    ]);
    run.json()["citation"]
        .as_str()
        .expect("citation")
        .to_string()
}

/// Cites the toll in revision 1 of the article.
fn cite_toll(env: &TestEnv) -> String {
    cite(
        env,
        "khojaly@1",
        "613 civilians were killed",
        "civilians killed",
        "613",
    )
}

/// Revision 1 with three citations: the toll, the court date and the count of parliaments.
fn article_with_citations() -> (TestEnv, [String; 3]) {
    let env = TestEnv::new();
    env.ok(&[
        "add",
        &path(REV1),
        "--doc",
        "khojaly",
        "--published",
        "2024-02-26",
    ]);
    let toll = cite_toll(&env);
    let court = cite(
        &env,
        "khojaly@latest",
        "a decision dated 22 April 2010",
        "ECHR decision date",
        "2010-04-22",
    );
    let parliaments = cite(
        &env,
        "khojaly@1",
        "parliaments of 15 countries",
        "parliaments adopting resolutions",
        "15",
    );
    (env, [toll, court, parliaments])
}

fn add_rev2(env: &TestEnv) -> serde_json::Value {
    env.ok(&[
        "--json",
        "add",
        &path(REV2),
        "--doc",
        "khojaly",
        "--updated",
        "2024-05-10",
        "--note",
        "resolution count updated",
    ])
    .json()
}

#[test]
fn a_new_revision_carries_unchanged_quotes_and_reports_the_changed_value() {
    let (env, [toll, court, parliaments]) = article_with_citations();
    let added = add_rev2(&env);
    let drift = &added["drift"];
    assert_eq!(drift["revision"], 2);
    // Hand count: the toll and the court date are untouched (same words, same
    // context); "15 countries" became "17 countries".
    assert_eq!(drift["summary"], "2 carried, 1 changed");
    assert_eq!(drift["counts"]["unchanged"], 2);
    assert_eq!(drift["counts"]["changed"], 1);
    let items = drift["citations"].as_array().expect("citations");
    let by_id = |id: &str| {
        items
            .iter()
            .find(|item| item["citation"] == id)
            .unwrap_or_else(|| panic!("{id} in report"))
    };
    assert_eq!(by_id(&toll)["outcome"], "unchanged");
    assert_eq!(by_id(&court)["outcome"], "unchanged");
    let changed = by_id(&parliaments);
    assert_eq!(changed["outcome"], "changed");
    assert_eq!(changed["carried"], false);
    assert_eq!(
        changed["candidate"]["exact"],
        "parliaments of\n17 countries"
    );
    assert_eq!(changed["value_change"]["from"], "15");
    assert_eq!(changed["value_change"]["to"], "17");
    // The carried toll is a new citation of the same claim in revision 2,
    // at the same bytes (the text before it did not change).
    let carried_to = by_id(&toll)["carried_to"]
        .as_str()
        .expect("carried")
        .to_string();
    let shown = env.ok(&["--json", "show", &carried_to]).json();
    assert_eq!(shown["carried_from"]["citation"], toll.as_str());
    assert_eq!(shown["carried_from"]["method"], "exact_with_context");
    assert_eq!(shown["rank"], "preferred");
    let old = env.ok(&["--json", "show", &toll]).json();
    assert_eq!(old["rank"], "history");
    assert_eq!(old["superseded"]["by"], carried_to.as_str());
    assert_eq!(old["selector"]["start"], shown["selector"]["start"]);
    // The text output says the same in words.
    let text = env.ok(&["drift", "--doc", "khojaly"]).stdout;
    assert!(text.contains("khojaly@2: 2 carried, 1 changed"), "{text}");
    assert!(text.contains("value changed: 15 → 17"), "{text}");
    env.ok(&["verify"]);
}

#[test]
fn log_diff_and_conflicts_name_the_change() {
    let (env, _) = article_with_citations();
    add_rev2(&env);
    let log = env.ok(&["--json", "log", "--doc", "khojaly"]).json();
    let revisions = log["revisions"].as_array().expect("revisions");
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0]["summary"], "first revision");
    assert_eq!(revisions[1]["summary"], "2 carried, 1 changed");
    assert_eq!(revisions[1]["note"], "resolution count updated");
    assert_eq!(
        revisions[1]["size"],
        std::fs::metadata(fixture(REV2)).expect("size").len()
    );
    let text = env.ok(&["log", "--doc", "khojaly"]).stdout;
    assert!(text.contains("2 carried, 1 changed"), "{text}");

    let diff = env
        .ok(&["--json", "diff", "khojaly@-1", "khojaly@latest"])
        .json();
    let changes = diff["changes"].as_array().expect("changes");
    // Two edits: 15 → 17, and the added update line at the end.
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0]["old"]["text"], "15");
    assert_eq!(changes[0]["new"]["text"], "17");
    assert!(changes[1]["new"]["text"]
        .as_str()
        .expect("text")
        .contains("Updated in May 2024"));
    assert_eq!(diff["summary"], "2 carried, 1 changed");
    let words = env.ok(&["diff", "khojaly@1", "khojaly@2"]).stdout;
    assert!(words.contains("[-15-]{+17+}"), "{words}");
    assert!(words.contains("changed"), "{words}");

    let conflicts = env.ok(&["--json", "conflicts"]).json();
    let conflict = &conflicts["conflicts"][0];
    assert_eq!(conflict["property"], "parliaments adopting resolutions");
    let side = &conflict["sides"][0];
    assert_eq!(side["claim"]["display_value"], "15");
    assert_eq!(side["revisions"][0]["revision"], 1);
    assert_eq!(side["reported"][0]["value"], "17");
    assert_eq!(side["reported"][0]["revision"], 2);
}

#[test]
fn revision_names_resolve_by_number_offset_and_stated_date() {
    let (env, _) = article_with_citations();
    add_rev2(&env);
    let id = |name: &str| env.ok(&["--json", "show", name]).json()["id"].clone();
    let first = id("khojaly@1");
    let second = id("khojaly@2");
    assert_ne!(first, second);
    assert_eq!(id("khojaly@latest"), second);
    assert_eq!(id("khojaly@-1"), first);
    assert_eq!(id("khojaly@-0"), second);
    // Stated times: published 2024-02-26, updated 2024-05-10.
    assert_eq!(id("khojaly@2024-03-01"), first);
    assert_eq!(id("khojaly@2024-02-26"), first);
    assert_eq!(id("khojaly@2024-05-10"), second);
    // All digits is a revision number, never a year.
    let run = env.run(&["show", "khojaly@2024"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("2024-12-31"), "{}", run.stderr);
    assert_eq!(
        env.ok(&["cat", "khojaly@1"]).stdout,
        std::fs::read_to_string(fixture(REV1)).expect("read")
    );
}

#[test]
fn a_revert_is_logged_stores_nothing_new_and_lands_on_the_old_citations() {
    let (env, [toll, ..]) = article_with_citations();
    add_rev2(&env);
    let objects = |env: &TestEnv| {
        walk(&env.store.join("objects"))
            .into_iter()
            .filter(|path| !path.to_string_lossy().contains("/tmp"))
            .count()
    };
    let before = objects(&env);
    let added = env
        .ok(&["--json", "add", &path(REV1), "--doc", "khojaly"])
        .json();
    assert_eq!(added["new_source"], false);
    assert_eq!(added["revision"], 3);
    assert_eq!(objects(&env), before);
    let log = env.ok(&["--json", "log", "--doc", "khojaly"]).json();
    assert_eq!(log["revisions"][2]["same_bytes_as"], 1);
    assert_eq!(log["revisions"][2]["source"], log["revisions"][0]["source"]);
    // The two carried citations of @2 land on the citations already in @1's bytes.
    let items = added["drift"]["citations"].as_array().expect("items");
    let landed: Vec<&str> = items
        .iter()
        .filter_map(|item| item["carried_to"].as_str())
        .collect();
    assert!(landed.contains(&toll.as_str()), "{items:?}");
    // And the toll citation of @1 is preferred again.
    assert_eq!(
        env.ok(&["--json", "show", &toll]).json()["rank"],
        "preferred"
    );
    env.ok(&["verify"]);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn as_of_answers_from_the_journal_as_it_stood() {
    let (env, [toll, ..]) = article_with_citations();
    let claim = env.ok(&["--json", "show", &toll]).json()["claim"]
        .as_str()
        .expect("claim")
        .to_string();
    // A moment between revision 1's citations and revision 2.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let log = env.ok(&["--json", "log"]).json();
    let between = log["entries"]
        .as_array()
        .expect("entries")
        .last()
        .expect("last")["time"]
        .as_str()
        .expect("time")
        .to_string();
    std::thread::sleep(std::time::Duration::from_millis(20));
    add_rev2(&env);
    let now = env.ok(&["--json", "trace", &claim]).json();
    assert_eq!(now["citations"].as_array().expect("c").len(), 2);
    let then = env
        .ok(&["--json", "trace", &claim, "--as-of", &between])
        .json();
    let citations = then["citations"].as_array().expect("c");
    assert_eq!(citations.len(), 1);
    assert_eq!(citations[0]["rank"], "preferred");
    // Conflicts: the changed value was not known yet.
    let conflicts = env.ok(&["--json", "conflicts", "--as-of", &between]).json();
    assert_eq!(conflicts["conflicts"].as_array().expect("c").len(), 0);
    assert_eq!(
        env.ok(&["--json", "conflicts"]).json()["conflicts"]
            .as_array()
            .expect("c")
            .len(),
        1
    );
    // Revision names see only what was recorded then.
    let run = env.run(&["show", "khojaly@2", "--as-of", &between]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("there is no @2"), "{}", run.stderr);
    // Before the store existed, nothing was recorded.
    let run = env.run(&["trace", &claim, "--as-of", "2000-01-01"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("after the --as-of time"),
        "{}",
        run.stderr
    );
    let claims = env
        .ok(&["--json", "claims", "--as-of", "2000-01-01"])
        .json();
    assert_eq!(claims["claims"].as_array().expect("claims").len(), 0);
}

#[test]
fn a_person_supersedes_a_citation_and_trace_shows_both() {
    let env = TestEnv::new();
    let article = env.add(REV1, &[]);
    let survey = env.add("regional-survey-1993.txt", &[]);
    let old = cite(
        &env,
        &article[..8],
        "613 civilians were killed",
        "civilians killed",
        "613",
    );
    let newer = cite(
        &env,
        &article[..8],
        "by this article's account, 613 civilians",
        "civilians killed",
        "613",
    );
    let run = env.ok(&[
        "supersede",
        &old,
        "--by",
        &newer,
        "--reason",
        "the longer quote names who counts",
    ]);
    assert!(run.stdout.contains("is history now"), "{}", run.stdout);
    let claim = env.ok(&["--json", "show", &old]).json()["claim"]
        .as_str()
        .expect("claim")
        .to_string();
    let trace = env.ok(&["--json", "trace", &claim]).json();
    let citations = trace["citations"].as_array().expect("c");
    assert_eq!(citations.len(), 2);
    assert_eq!(citations[0]["rank"], "history");
    assert_eq!(
        citations[0]["superseded"]["reason"],
        "the longer quote names who counts"
    );
    assert_eq!(citations[1]["rank"], "preferred");
    let text = env.ok(&["trace", &claim]).stdout;
    assert!(text.contains("history: superseded by"), "{text}");
    let _ = survey;
    env.ok(&["verify"]);
}

#[test]
fn bad_revision_inputs_are_refused_with_one_line_and_no_change() {
    let (env, [toll, court, _]) = article_with_citations();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["diff", "khojaly@1", "khojaly@9"], 2, "there is no @9"),
        (vec!["diff", "khojaly@1", "nosuch@1"], 3, "no document"),
        (
            vec!["diff", "khojaly@1", "khojaly@-3"],
            2,
            "before the first",
        ),
        (vec!["diff", "khojaly@1", "khojaly@soon"], 2, "after @ give"),
        (
            vec!["diff", "khojaly@1", "khojaly@1999-12"],
            2,
            "published by 1999-12",
        ),
        (vec!["drift", "--doc", "nosuch"], 3, "no document"),
        (
            vec!["drift", "--doc", "khojaly", "--revision", "4"],
            2,
            "khojaly@4",
        ),
        (
            vec!["trace", "abcd", "--as-of", "yesterday-ish"],
            2,
            "yesterday-ish",
        ),
        (
            vec!["supersede", &toll, "--by", &toll, "--reason", "x"],
            2,
            "names the citation being superseded",
        ),
        (
            vec!["supersede", &toll, "--by", &court, "--reason", " "],
            2,
            "--reason is empty",
        ),
        (
            vec!["supersede", &toll, "--by", "ffffffff", "--reason", "x"],
            3,
            "ffffffff",
        ),
    ];
    for (args, code, needle) in cases {
        let before = env.snapshot();
        let run = env.run(&args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
        assert!(env.snapshot() == before, "{args:?} changed the store");
    }
}

#[test]
fn verify_catches_a_carried_citation_whose_link_was_rewritten() {
    let (env, [toll, court, _]) = article_with_citations();
    add_rev2(&env);
    env.ok(&["verify"]);
    // Point the carried toll citation at the court citation instead, then
    // rebuild the whole hash chain so that only the lineage is wrong.
    let path = env.store.join("journal");
    let text = std::fs::read_to_string(&path).expect("journal");
    let from = format!("\"from\":\"{toll}\"");
    assert!(text.contains(&from));
    let tampered = text.replacen(&from, &format!("\"from\":\"{court}\""), 1);
    std::fs::write(&path, common::rechain(&tampered)).expect("tamper");
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("supports another claim than citation"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_revision_that_is_not_text_loses_every_citation_and_says_why() {
    let (env, _) = article_with_citations();
    let run = env.ok(&["add", &path("bad/binary.png"), "--doc", "khojaly"]);
    assert!(run.stdout.contains("cannot be quoted"), "{}", run.stdout);
    assert!(
        run.stdout.contains("khojaly@2: 0 carried, 3 lost"),
        "{}",
        run.stdout
    );
    let log = env.ok(&["--json", "log", "--doc", "khojaly"]).json();
    assert_eq!(log["revisions"][1]["counts"]["lost"], 3);
    env.ok(&["verify"]);
}

#[test]
fn a_batch_line_names_its_source_by_revision() {
    let (env, _) = article_with_citations();
    add_rev2(&env);
    let line = r#"{"source":"khojaly@latest","quote":"parliaments of 17 countries","subject":"Khojaly, 26 February 1992","property":"parliaments adopting resolutions","value":17}"#;
    let run = env.run_stdin(&["--json", "cite", "--batch", "-"], line.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let claims = env
        .ok(&["--json", "claims", "--source", "khojaly@2", "--value", "17"])
        .json();
    assert_eq!(
        claims["claims"].as_array().expect("claims").len(),
        1,
        "{claims}"
    );
    let bad = r#"{"source":"khojaly@7","quote":"x","subject":"s","property":"p","value":1}"#;
    let run = env.run_stdin(&["cite", "--batch", "-"], bad.as_bytes());
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("there is no @7"), "{}", run.stderr);
}

/// How many citations an `add --doc` reported carrying.
fn carried_count(added: &serde_json::Value) -> u64 {
    added["drift"]["citations"].as_array().map_or(0, |items| {
        items.iter().filter(|item| item["carried"] == true).count() as u64
    })
}

/// The number of citations `add --doc` reported carrying, and `verify` agrees
/// with the writer, for one order of add, cite and add --doc.
fn run_order(steps: &[&str]) -> (TestEnv, u64) {
    let env = TestEnv::new();
    let v1 = fixture(REV1);
    let v1 = v1.to_str().expect("utf-8");
    let v2 = fixture(REV2);
    let v2 = v2.to_str().expect("utf-8");
    let id = |file: &str| -> String {
        blake3::hash(&std::fs::read(file).expect("read"))
            .to_hex()
            .to_string()
    };
    let mut carried = 0;
    for step in steps {
        match *step {
            "add v1" => drop(env.ok(&["add", v1])),
            "add v2" => drop(env.ok(&["add", v2])),
            "doc v1" | "doc v2" => {
                let file = if *step == "doc v1" { v1 } else { v2 };
                let run = env.ok(&["--json", "add", file, "--doc", "d"]);
                carried += carried_count(&run.json());
            }
            "cite v1" | "cite v2" => {
                let source = id(if *step == "cite v1" { v1 } else { v2 });
                cite(
                    &env,
                    &source,
                    "1,275 residents",
                    &format!("captured {step}"),
                    "1275",
                );
            }
            other => panic!("no step {other}"),
        }
        let verify = env.run(&["verify"]);
        assert_eq!(verify.code, 0, "{steps:?} after {step}: {}", verify.stdout);
    }
    (env, carried)
}

/// Writer and verifier agree on every order of add, cite and add --doc (a
/// citation made before its source became revision 1 was carried, and then
/// `verify` called the carry damage).
#[test]
fn every_order_of_add_cite_and_revision_verifies() {
    for (steps, expected) in [
        (&["add v1", "cite v1", "doc v1", "doc v2"][..], 1),
        (&["doc v1", "cite v1", "doc v2"][..], 1),
        (&["doc v1", "doc v2"][..], 0),
        (&["add v2", "doc v1", "cite v1", "doc v2"][..], 1),
        (
            &["add v1", "add v2", "cite v1", "cite v2", "doc v1", "doc v2"][..],
            1,
        ),
        (&["add v1", "cite v1", "doc v1", "cite v1", "doc v2"][..], 1),
        (&["doc v1", "add v2", "cite v2", "doc v2"][..], 0),
    ] {
        let (env, carried) = run_order(steps);
        assert_eq!(carried, expected, "{steps:?}");
        // What the writer reported is what the log says afterwards.
        let log = env.ok(&["--json", "log", "--doc", "d"]).json();
        let revisions = log["revisions"].as_array().expect("revisions");
        assert_eq!(revisions.len(), 2, "{steps:?}");
    }
}

/// A retraction reaches the copies carried from the citation into later
/// revisions, in the same command; the next revision carries none of them;
/// `--as-of` before the retraction still shows them live.
#[test]
fn a_retraction_reaches_every_carried_copy() {
    let env = TestEnv::new();
    let first = env.ok(&["--json", "add", &path(REV1), "--doc", "d"]).json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let original = cite(&env, &first, "1,275 residents", "captured", "1275");
    env.ok(&["add", &path(REV2), "--doc", "d"]);
    // A third revision: the second with a line added, so the quote is carried again.
    let third = env.dir.path().join("rev3.txt");
    let mut text = std::fs::read_to_string(fixture(REV2)).expect("rev2");
    text.push_str("A line added in the third revision.\n");
    std::fs::write(&third, text).expect("rev3");
    env.ok(&["add", third.to_str().expect("utf-8"), "--doc", "d"]);
    let time = env.ok(&["--json", "log"]).json()["entries"]
        .as_array()
        .expect("entries")
        .last()
        .expect("entry")["time"]
        .as_str()
        .expect("time")
        .to_string();
    let run = env
        .ok(&["--json", "retract", &original, "--reason", "misread"])
        .json();
    let carried = run["carried"].as_array().expect("carried");
    assert_eq!(carried.len(), 2, "both carried copies: {run}");
    for copy in carried {
        let shown = env
            .ok(&["--json", "show", copy.as_str().expect("id")])
            .json();
        assert!(shown["retracted"].is_object(), "{shown}");
        // Before the retraction, the copy was live.
        let past = env
            .ok(&[
                "--json",
                "show",
                copy.as_str().expect("id"),
                "--as-of",
                &time,
            ])
            .json();
        assert!(past["retracted"].is_null(), "{past}");
    }
    // A fourth revision carries nothing of it.
    let fourth = env.dir.path().join("rev4.txt");
    let mut text = std::fs::read_to_string(&third).expect("rev3");
    text.push_str("And a fourth.\n");
    std::fs::write(&fourth, text).expect("rev4");
    let run = env
        .ok(&[
            "--json",
            "add",
            fourth.to_str().expect("utf-8"),
            "--doc",
            "d",
        ])
        .json();
    assert_eq!(carried_count(&run), 0, "{run}");
    env.ok(&["verify"]);
}

#[test]
fn the_same_bytes_again_log_no_revision_unless_forced() {
    let (env, _) = article_with_citations();
    add_rev2(&env);
    let journal = || std::fs::read(env.store.join("journal")).expect("journal");
    let before = journal();
    // Text: a warning on standard error, exit 0, nothing logged.
    let run = env.run(&["add", &path(REV2), "--doc", "khojaly"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        "provdb: warning: khojaly@2, the latest revision, has the same bytes; nothing was logged (give --force to log them again as revision 3)"
    );
    assert!(!run.stdout.contains("logged as revision"), "{}", run.stdout);
    // JSON: the same, said in the output.
    let added = env
        .ok(&["--json", "add", &path(REV2), "--doc", "khojaly"])
        .json();
    assert_eq!(added["revision"], serde_json::Value::Null);
    assert_eq!(
        added["same_as_latest"],
        serde_json::json!({"doc": "khojaly", "revision": 2})
    );
    assert_eq!(journal(), before, "nothing was recorded");
    // --force logs it, as a revision that changed nothing.
    let forced = env
        .ok(&["--json", "add", &path(REV2), "--doc", "khojaly", "--force"])
        .json();
    assert_eq!(forced["revision"], 3);
    assert_eq!(forced["same_as_latest"], serde_json::Value::Null);
    let log = env.ok(&["--json", "log", "--doc", "khojaly"]).json();
    assert_eq!(log["revisions"].as_array().expect("revisions").len(), 3);
    // --force needs --doc.
    env.refused(&["add", &path(REV2), "--force"], 2, "--doc");
}

/// `verify` checks each carried citation against the citation it names:
/// one the index holds is read back through it (the walk keeps no set of
/// every citation), one past the index's applied mark is remembered. A
/// carried line that names a citation never recorded, or one recorded only
/// after the line, is damage either way: here with the index up to date,
/// and with the index put back to before the citations (as a command
/// stopped before its index update leaves it).
#[test]
fn verify_finds_a_carried_citation_whose_origin_is_unrecorded_or_later() {
    for behind in [false, true] {
        let env = TestEnv::new();
        env.ok(&["add", &path(REV1), "--doc", "khojaly"]);
        let saved = env.dir.path().join("index-before-the-citations");
        if behind {
            common::copy_tree(&env.store.join("index"), &saved);
        }
        let toll = cite_toll(&env);
        add_rev2(&env);
        let later = cite(
            &env,
            "khojaly@2",
            "parliaments of 17 countries",
            "parliaments adopting resolutions",
            "17",
        );
        if behind {
            std::fs::remove_dir_all(env.store.join("index")).expect("remove index");
            common::copy_tree(&saved, &env.store.join("index"));
        }
        let verified = env.ok(&["verify"]);
        assert_eq!(
            verified.stdout.contains("entries behind the journal"),
            behind,
            "{}",
            verified.stdout
        );
        let journal_path = env.store.join("journal");
        let journal = std::fs::read_to_string(&journal_path).expect("journal");
        let carried_from_toll = format!("\"from\":\"{toll}\"");
        assert_eq!(
            journal.matches(&carried_from_toll).count(),
            1,
            "the toll citation was carried into @2 once: {journal}"
        );
        for from in ["ab".repeat(32), later] {
            let forged = journal.replace(&carried_from_toll, &format!("\"from\":\"{from}\""));
            std::fs::write(&journal_path, common::rechain(&forged)).expect("forge");
            let run = env.run(&["--json", "verify"]);
            assert_ne!(run.code, 0, "{}", run.stdout);
            let expected = format!(
                "carried from citation {}, which was not recorded before it",
                &from[..12]
            );
            let problems: Vec<String> = run.json()["problems"]
                .as_array()
                .expect("problems")
                .iter()
                .map(|problem| problem["what"].as_str().unwrap_or_default().to_string())
                .collect();
            assert!(
                problems.iter().any(|what| what == &expected),
                "behind {behind}: expected {expected:?} among {problems:#?}"
            );
            std::fs::write(&journal_path, &journal).expect("restore");
        }
        env.ok(&["verify"]);
    }
}
