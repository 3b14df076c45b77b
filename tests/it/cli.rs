//! End-to-end tests of every command and every bad input, on the real binary.

use crate::common;

use crate::common::{fixture, TestEnv};

const ARTICLE: &str = "khojaly-article-2024-02.txt";
const SURVEY: &str = "regional-survey-1993.txt";

fn article_text() -> String {
    std::fs::read_to_string(fixture(ARTICLE)).expect("fixture")
}

/// Cites the toll in the article and returns (claim, citation).
fn cite_toll(env: &TestEnv, source: &str) -> (String, String) {
    let run = env.ok(&[
        "--json",
        "cite",
        &source[..8],
        "--quote",
        "613 civilians\nwere killed",
        "--subject",
        "Khojaly, 26 February 1992",
        "--property",
        "civilians killed",
        "--value",
        "613",
    ]);
    let json = run.json();
    (
        json["claim"].as_str().expect("claim").into(),
        json["citation"].as_str().expect("citation").into(),
    )
}

#[test]
fn add_prints_the_standard_blake3_id_and_dedupes() {
    let env = TestEnv::new();
    let bytes = std::fs::read(fixture(ARTICLE)).expect("fixture");
    // The reference BLAKE3 implementation, not provdb's code, gives the expected id.
    let expected = blake3::hash(&bytes).to_hex().to_string();
    let first = env
        .ok(&[
            "--json",
            "add",
            fixture(ARTICLE).to_str().expect("path"),
            "--doc",
            "khojaly",
            "--title",
            "T",
        ])
        .json();
    assert_eq!(first["id"], expected);
    assert_eq!(first["new_source"], true);
    assert_eq!(first["revision"], 1);
    assert_eq!(first["size"], bytes.len());
    let again = env.ok(&["add", fixture(ARTICLE).to_str().expect("path")]);
    assert!(again.stdout.contains("already stored"), "{}", again.stdout);
    assert!(again.stdout.contains(&expected));
    // The object is a plain file named by its hash, checkable without provdb.
    let object = env.object_path(&expected);
    assert_eq!(std::fs::read(object).expect("object"), bytes);
    // The latest revision's bytes again: nothing is logged (a revert to
    // an older revision is; tests/it/revisions.rs) unless --force.
    let again = env
        .ok(&[
            "--json",
            "add",
            fixture(ARTICLE).to_str().expect("path"),
            "--doc",
            "khojaly",
        ])
        .json();
    assert_eq!(again["revision"], serde_json::Value::Null);
    assert_eq!(again["same_as_latest"]["revision"], 1);
    assert_eq!(again["new_source"], false);
    let log = env.ok(&["--json", "log", "--doc", "khojaly"]).json();
    assert_eq!(log["revisions"].as_array().expect("array").len(), 1);
}

#[test]
fn add_reads_standard_input_and_metadata() {
    let env = TestEnv::new();
    let run = env.run_stdin(
        &[
            "--json",
            "add",
            "-",
            "--title",
            "Piped",
            "--author",
            "A. One",
            "--author",
            "B. Two",
            "--published",
            "Feb 26, 2024 10:50 AM",
            "--retrieved",
            "2024-03",
        ],
        b"piped text 613\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let id = run.json()["id"].as_str().expect("id").to_string();
    assert_eq!(id, blake3::hash(b"piped text 613\n").to_hex().to_string());
    let shown = env.ok(&["--json", "show", &id[..6]]).json();
    assert_eq!(shown["kind"], "source");
    assert_eq!(
        shown["meta"]["authors"],
        serde_json::json!(["A. One", "B. Two"])
    );
    // A time without a zone is kept as stated: no offset means zone unknown.
    assert_eq!(shown["meta"]["published"], "2024-02-26T10:50:00");
    assert_eq!(shown["meta"]["retrieved"], "2024-03");
    let cat = env.command().args(["cat", &id[..6]]).output().expect("cat");
    assert_eq!(cat.stdout, b"piped text 613\n");
}

#[test]
fn cite_anchors_the_quote_and_trace_shows_it() {
    let env = TestEnv::new();
    let source = env.add(ARTICLE, &["--doc", "khojaly", "--title", "The article"]);
    let (claim, citation) = cite_toll(&env, &source);
    let text = article_text();
    let start = text.find("613 civilians").expect("in fixture");
    let trace = env.ok(&["--json", "trace", &claim[..10]]).json();
    assert_eq!(trace["claim"]["id"], claim);
    assert_eq!(
        trace["claim"]["value"],
        serde_json::json!({"kind": "count", "count": 613})
    );
    let cited = &trace["citations"][0];
    assert_eq!(cited["id"], citation);
    assert_eq!(cited["selector"]["start"], start);
    assert_eq!(
        cited["selector"]["end"],
        start + "613 civilians\nwere killed".len()
    );
    assert_eq!(cited["selector"]["exact"], "613 civilians\nwere killed");
    assert_eq!(cited["source_intact"], true);
    assert_eq!(cited["anchor"], "holds");
    assert_eq!(cited["revisions"][0]["doc"], "khojaly");
    assert_eq!(cited["retracted"], serde_json::Value::Null);
    let human = env.ok(&["trace", &claim[..10]]);
    assert!(
        human.stdout.contains("«613 civilians were killed»"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("quote holds"));
}

#[test]
fn same_claim_from_two_sources_has_one_id_and_conflicts_show_rivals() {
    let env = TestEnv::new();
    let article = env.add(ARTICLE, &[]);
    let survey = env.add(SURVEY, &[]);
    let cite = |source: &str, quote: &str, value: &str, subject: &str| {
        env.ok(&[
            "--json",
            "cite",
            source,
            "--quote",
            quote,
            "--subject",
            subject,
            "--property",
            "civilians killed",
            "--value",
            value,
        ])
        .json()
    };
    let toll = cite(
        &article,
        "613 civilians",
        "613",
        "Khojaly, 26 February 1992",
    );
    let rival = cite(
        &survey,
        "civilians killed at 485",
        "485",
        "Khojaly, 26 February 1992",
    );
    // Identity ignores case and spacing of subject and property.
    let date_a = env
        .ok(&[
            "--json",
            "cite",
            &article,
            "--quote",
            "Feb. 26, 1992",
            "--subject",
            "KHOJALY  assault",
            "--property",
            "Date",
            "--value",
            "1992-02-26",
        ])
        .json();
    let date_b = env
        .ok(&[
            "--json",
            "cite",
            &survey,
            "--quote",
            "26 February 1992",
            "--subject",
            "Khojaly assault",
            "--property",
            "date",
            "--value",
            "26 February 1992",
        ])
        .json();
    assert_eq!(date_a["claim"], date_b["claim"]);
    assert_eq!(date_b["new_claim"], false);
    assert_ne!(toll["claim"], rival["claim"]);

    let conflicts = env.ok(&["--json", "conflicts"]).json();
    let list = conflicts["conflicts"].as_array().expect("array");
    assert_eq!(list.len(), 1, "{conflicts}");
    let values: Vec<&str> = list[0]["sides"]
        .as_array()
        .expect("sides")
        .iter()
        .map(|side| side["claim"]["display_value"].as_str().expect("v"))
        .collect();
    assert_eq!(values.len(), 2);
    assert!(values.contains(&"613") && values.contains(&"485"));

    let trace = env
        .ok(&["--json", "trace", toll["claim"].as_str().expect("id")])
        .json();
    assert_eq!(trace["other_values"][0]["display_value"], "485");

    // Different as_of values do not conflict.
    env.ok(&[
        "cite",
        &article,
        "--quote",
        "parliaments of\n15 countries",
        "--subject",
        "resolutions",
        "--property",
        "countries",
        "--value",
        "15",
        "--as-of",
        "2024-02",
    ]);
    env.ok(&[
        "cite",
        &survey,
        "--quote",
        "485",
        "--subject",
        "resolutions",
        "--property",
        "countries",
        "--value",
        "485",
        "--as-of",
        "2024-05",
        "--value-not-in-quote",
    ]);
    let conflicts = env.ok(&["--json", "conflicts"]).json();
    assert_eq!(conflicts["conflicts"].as_array().expect("array").len(), 1);
}

#[test]
fn retract_keeps_the_citation_as_retracted() {
    let env = TestEnv::new();
    let source = env.add(ARTICLE, &[]);
    let (claim, citation) = cite_toll(&env, &source);
    env.ok(&[
        "retract",
        &citation[..8],
        "--reason",
        "quoted the wrong paragraph",
    ]);
    let trace = env.ok(&["--json", "trace", &claim]).json();
    assert_eq!(
        trace["citations"][0]["retracted"]["reason"],
        "quoted the wrong paragraph"
    );
    let human = env.ok(&["trace", &claim]);
    assert!(human.stdout.contains("RETRACTED"), "{}", human.stdout);
    let again = env.run(&["retract", &citation[..8], "--reason", "twice"]);
    assert_eq!(again.code, 3);
    assert!(
        again.stderr.contains("already retracted"),
        "{}",
        again.stderr
    );
    // Citing the same quote again after a retraction is a new citation.
    let (_, recited) = cite_toll(&env, &source);
    assert_ne!(recited, citation);
    let claims = env.ok(&["--json", "claims"]).json();
    assert_eq!(claims["claims"][0]["citations"], 1);
    assert_eq!(claims["claims"][0]["retracted_citations"], 1);
    // The whole list counts from the postings and the retractions; a list
    // by subject reads each citation: both say the same.
    let subject = claims["claims"][0]["subject"].as_str().expect("subject");
    let by_subject = env.ok(&["--json", "claims", "--subject", subject]).json();
    assert_eq!(by_subject["claims"], claims["claims"]);
}

#[test]
fn recording_the_same_citation_twice_is_idempotent() {
    let env = TestEnv::new();
    let source = env.add(ARTICLE, &[]);
    let (_, first) = cite_toll(&env, &source);
    let journal_before = std::fs::read(env.store.join("journal")).expect("journal");
    let (_, second) = cite_toll(&env, &source);
    assert_eq!(first, second);
    assert_eq!(
        std::fs::read(env.store.join("journal")).expect("journal"),
        journal_before
    );
}

/// Claims are found by a hash of their subject and property keys: a subject
/// whose key is a prefix of another's ("ward 7", "ward 70", "ward 79") finds
/// only its own claims, one key written two ways ("Ward 7") finds both, and
/// the full list is in key order (subject key, then property key, worked by
/// hand: "ward 7" < "ward 70" < "ward 79" < "ward 8", since the key ends in
/// 0x00; "ballots" < "ballots recounted").
#[test]
fn claims_are_found_by_their_own_subject_and_listed_in_key_order() {
    let env = TestEnv::new();
    let text = "Ward 7 counted 100 ballots. Ward 79 counted 200 ballots. \
                Ward 70 counted 300 ballots. Ward 8 counted 400 ballots. \
                In ward 7 the recount found 101 ballots.\n";
    let path = env.dir.path().join("wards.txt");
    std::fs::write(&path, text).expect("write");
    let source = env
        .ok(&["--json", "add", path.to_str().expect("utf-8")])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    for (quote, subject, property, value) in [
        ("Ward 8 counted 400", "ward 8", "ballots", "400"),
        ("Ward 79 counted 200", "ward 79", "ballots", "200"),
        ("Ward 7 counted 100", "ward 7", "ballots", "100"),
        ("found 101 ballots", "Ward 7", "ballots recounted", "101"),
        ("found 101", "WARD 7", "ballots", "101"),
        ("Ward 70 counted 300", "ward 70", "ballots", "300"),
    ] {
        env.ok(&[
            "cite",
            &source,
            "--quote",
            quote,
            "--subject",
            subject,
            "--property",
            property,
            "--value",
            value,
        ]);
    }
    let listed = |args: &[&str]| -> Vec<(String, String, String)> {
        let mut full = vec!["--json", "claims"];
        full.extend_from_slice(args);
        env.ok(&full).json()["claims"]
            .as_array()
            .expect("array")
            .iter()
            .map(|claim| {
                (
                    claim["subject"].as_str().expect("subject").to_lowercase(),
                    claim["property"].as_str().expect("property").to_string(),
                    claim["value"]["count"].to_string(),
                )
            })
            .collect()
    };
    let mut ward7 = listed(&["--subject", "ward 7"]);
    ward7.sort();
    assert_eq!(
        ward7,
        [
            ("ward 7".into(), "ballots".into(), "100".into()),
            ("ward 7".into(), "ballots".into(), "101".into()),
            ("ward 7".into(), "ballots recounted".into(), "101".into()),
        ]
    );
    assert_eq!(
        listed(&["--subject", "WARD 7", "--property", "Ballots"]).len(),
        2
    );
    assert_eq!(listed(&["--subject", "ward 70"]).len(), 1);
    assert!(listed(&["--subject", "ward"]).is_empty());
    let order: Vec<(String, String)> = listed(&[])
        .into_iter()
        .map(|(subject, property, _)| (subject, property))
        .collect();
    let expected: Vec<(String, String)> = [
        ("ward 7", "ballots"),
        ("ward 7", "ballots"),
        ("ward 7", "ballots recounted"),
        ("ward 70", "ballots"),
        ("ward 79", "ballots"),
        ("ward 8", "ballots"),
    ]
    .iter()
    .map(|(subject, property)| (subject.to_string(), property.to_string()))
    .collect();
    assert_eq!(order, expected);
    // 100 and 101 ballots in ward 7 cannot both hold: the one conflict.
    let conflicts = env.ok(&["--json", "conflicts"]).json();
    let conflicts = conflicts["conflicts"].as_array().expect("array");
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0]["property"], "ballots");
}

#[test]
fn claims_filters() {
    let env = TestEnv::new();
    let article = env.add(ARTICLE, &[]);
    let survey = env.add(SURVEY, &[]);
    cite_toll(&env, &article);
    env.ok(&[
        "cite",
        &article,
        "--quote",
        "1,275 residents",
        "--subject",
        "Khojaly, 26 February 1992",
        "--property",
        "taken captive",
        "--value",
        "1 275",
    ]);
    env.ok(&[
        "cite",
        &survey,
        "--quote",
        "killed at 485",
        "--subject",
        "Khojaly, 26 February 1992",
        "--property",
        "civilians killed",
        "--value",
        "485",
    ]);
    let count = |args: &[&str]| {
        let mut full = vec!["--json", "claims"];
        full.extend_from_slice(args);
        env.ok(&full).json()["claims"]
            .as_array()
            .expect("array")
            .len()
    };
    assert_eq!(count(&[]), 3);
    assert_eq!(count(&["--subject", "khojaly, 26 february 1992"]), 3);
    assert_eq!(
        count(&[
            "--subject",
            "Khojaly, 26 February 1992",
            "--property",
            "civilians killed"
        ]),
        2
    );
    assert_eq!(count(&["--property", "TAKEN captive"]), 1);
    assert_eq!(count(&["--source", &survey[..8]]), 1);
    assert_eq!(count(&["--value", "1,275"]), 1);
    assert_eq!(count(&["--subject", "nothing"]), 0);
}

#[test]
fn sources_log_show_and_cat() {
    let env = TestEnv::new();
    let article = env.add(
        ARTICLE,
        &[
            "--doc",
            "khojaly",
            "--title",
            "The article",
            "--url",
            "https://example.org/a",
        ],
    );
    let (claim, citation) = cite_toll(&env, &article);
    let sources = env.ok(&["--json", "sources"]).json();
    assert_eq!(sources["sources"][0]["id"], article);
    assert_eq!(sources["sources"][0]["citations"], 1);
    let human = env.ok(&["sources"]);
    assert!(
        human.stdout.starts_with(&article[..12]),
        "lists show 12 characters: {}",
        human.stdout
    );
    let log = env.ok(&["--json", "log"]).json();
    let ops: Vec<&str> = log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["change"]["op"].as_str().expect("op"))
        .collect();
    assert_eq!(
        ops,
        ["init", "add_source", "add_revision", "record_claim", "cite"]
    );
    assert_eq!(
        env.ok(&["--json", "show", &claim[..6]]).json()["kind"],
        "claim"
    );
    assert_eq!(
        env.ok(&["--json", "show", &citation[..6]]).json()["kind"],
        "citation"
    );
    let cat = env
        .command()
        .args(["cat", &article[..6]])
        .output()
        .expect("cat");
    assert_eq!(
        cat.stdout,
        std::fs::read(fixture(ARTICLE)).expect("fixture")
    );
}

#[test]
fn json_mode_prints_exactly_one_document() {
    let env = TestEnv::new();
    let article = env.add(ARTICLE, &["--doc", "khojaly"]);
    let (claim, _) = cite_toll(&env, &article);
    for args in [
        vec!["--json", "sources"],
        vec!["--json", "claims"],
        vec!["--json", "conflicts"],
        vec!["--json", "log"],
        vec!["--json", "log", "--doc", "khojaly"],
        vec!["--json", "trace", &claim],
        vec!["--json", "verify"],
        vec!["--json", "reindex"],
    ] {
        let run = env.ok(&args);
        let mut stream =
            serde_json::Deserializer::from_str(&run.stdout).into_iter::<serde_json::Value>();
        assert!(stream.next().expect("one document").is_ok(), "{args:?}");
        assert!(
            stream.next().is_none(),
            "{args:?} printed more than one document"
        );
    }
}

fn refused(env: &TestEnv, args: &[&str], code: i32, needle: &str) {
    env.refused(args, code, needle);
}

#[test]
fn bad_inputs_are_refused_with_one_line_and_no_change() {
    let env = TestEnv::new();
    let article = env.add(ARTICLE, &["--title", "The article"]);
    let binary = env.add("bad/binary.png", &[]);
    let missing = env.dir.path().join("missing.txt");
    let dir = env.dir.path().to_str().expect("utf-8").to_string();
    let cite = |source: &str, quote: &str, value: &str| -> Vec<String> {
        [
            "cite",
            source,
            "--quote",
            quote,
            "--subject",
            "s",
            "--property",
            "p",
            "--value",
            value,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let refuse_cite = |args: Vec<String>, code: i32, needle: &str| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&env, &args, code, needle);
    };
    refused(
        &env,
        &["add", missing.to_str().expect("utf-8")],
        3,
        "no such file",
    );
    // The test directory holds only the store, which an add never walks into.
    refused(&env, &["add", &dir], 3, "no file to record");
    refused(
        &env,
        &["add", fixture("bad/empty.txt").to_str().expect("utf-8")],
        3,
        "is empty",
    );
    refused(
        &env,
        &[
            "add",
            fixture(ARTICLE).to_str().expect("utf-8"),
            "--published",
            "yesterday",
        ],
        2,
        "cannot read \"yesterday\"",
    );
    refused(
        &env,
        &[
            "add",
            fixture(ARTICLE).to_str().expect("utf-8"),
            "--doc",
            "Bad Slug",
        ],
        2,
        "not a slug",
    );
    refused(
        &env,
        &[
            "add",
            fixture(ARTICLE).to_str().expect("utf-8"),
            "--title",
            "Another title",
        ],
        3,
        "already recorded with title",
    );
    refuse_cite(cite(&binary, "PNG", "1"), 3, "binary");
    refuse_cite(cite(&article, "   ", "1"), 3, "quote is empty");
    refuse_cite(
        cite(&article, "613 civilians were slain", "613"),
        3,
        "closest passage is \"613 civilians were killed\"",
    );
    refuse_cite(cite(&article, "Khojaly", "Khojaly"), 3, "occurs 2 times");
    refuse_cite(
        cite(&article, "613 civilians", "631"),
        3,
        "does not state the value 631",
    );
    refuse_cite(
        cite(&article, "613 civilians", "6,13"),
        3,
        "does not state the value",
    );
    refused(
        &env,
        &[
            "cite",
            &article,
            "--quote",
            "613",
            "--subject",
            "s",
            "--property",
            "p",
            "--value",
            "1,27",
            "--kind",
            "count",
        ],
        2,
        "cannot read \"1,27\" as a count",
    );
    refused(
        &env,
        &[
            "cite",
            &article,
            "--quote",
            "22 April 2010",
            "--subject",
            "s",
            "--property",
            "p",
            "--value",
            "2010-02-30",
            "--kind",
            "date",
        ],
        2,
        "not a valid calendar date",
    );
    refuse_cite(
        cite("ffffffff", "613", "613"),
        3,
        "no source, claim or citation",
    );
    refuse_cite(cite("xyz!", "613", "613"), 2, "is not an id");
    refuse_cite(cite(&article[..3], "613", "613"), 2, "is not an id");
    refused(
        &env,
        &["retract", &article[..8], "--reason", "r"],
        3,
        "is a source, not a citation",
    );
    refused(&env, &["trace", "0000"], 3, "no source, claim or citation");
    refused(&env, &["log", "--doc", "nothing"], 3, "no document");
    refused(
        &env,
        &["init", env.store.to_str().expect("utf-8")],
        3,
        "already a provdb store",
    );
    // Usage errors from clap exit 2 as well.
    let run = env.run(&["cite"]);
    assert_eq!(run.code, 2);
}

#[test]
fn an_ambiguous_prefix_lists_the_candidates() {
    let env = TestEnv::new();
    // Add sources until two ids share their first 4 hex characters' first character pair.
    let mut ids: Vec<String> = Vec::new();
    let mut clash = None;
    for index in 0..400 {
        let id = blake3::hash(format!("doc {index}\n").as_bytes())
            .to_hex()
            .to_string();
        if let Some(other) = ids.iter().find(|other| other[..4] == id[..4]) {
            clash = Some((other.clone(), index, id.clone()));
            break;
        }
        ids.push(id);
    }
    let (first, index, second) =
        clash.expect("400 random ids share a 4-hex prefix with near certainty (birthday bound)");
    let first_index = (0..400)
        .find(|i| {
            blake3::hash(format!("doc {i}\n").as_bytes())
                .to_hex()
                .to_string()
                == first
        })
        .expect("index");
    for i in [first_index, index] {
        env.run_stdin(&["add", "-"], format!("doc {i}\n").as_bytes());
    }
    let run = env.run(&["show", &first[..4]]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("ambiguous"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&first[..16]) && run.stderr.contains(&second[..16]),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.ok(&["--json", "show", &first[..12]]).json()["id"],
        first
    );
}

#[test]
fn no_store_and_not_a_store_are_clear() {
    let env = TestEnv::empty();
    let run = env.run(&["sources"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("is not a provdb store"),
        "{}",
        run.stderr
    );
    let mut command = env.command();
    command.env_remove("PROVDB_DIR");
    let output = command.arg("sources").output().expect("run");
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no provdb store found"));
}

#[test]
fn nearest_store_is_found_from_a_subdirectory() {
    let env = TestEnv::empty();
    let root = env.dir.path().join(".provdb");
    env.ok(&["init", root.to_str().expect("utf-8")]);
    let nested = env.dir.path().join("a").join("b");
    std::fs::create_dir_all(&nested).expect("mkdir");
    let mut command = env.command();
    command.env_remove("PROVDB_DIR").current_dir(&nested);
    let output = command.args(["--json", "sources"]).output().expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_locked_store_waits_then_fails_clearly() {
    let env = TestEnv::new();
    // The lock is a flock on the store directory, as another provdb takes it.
    let lock = std::fs::File::open(&env.store).expect("store directory");
    lock.lock().expect("take the lock as another process would");
    let run = env.run(&["--lock-wait", "0.3", "sources"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("waiting up to 0.3 s"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("is locked by another provdb process; waited 0.3 s"),
        "{}",
        run.stderr
    );
    // The variable sets the wait too; a bad wait is a usage error.
    let mut command = env.command();
    let output = command
        .env("PROVDB_LOCK_WAIT", "0")
        .arg("sources")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(4));
    let run = env.run(&["--lock-wait", "soon", "sources"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is not a wait in seconds"),
        "{}",
        run.stderr
    );
    drop(lock);
    env.ok(&["sources"]);
}

/// A writer holds the lock while it runs; deleting a file in the store must
/// not let a second command in. (With a lock file, `rm STORE/lock` let a
/// second command lock a fresh file, "recover" the batch still being
/// written, and both went on to corrupt the journal.)
/// Starts `cite --batch -` with one line and leaves it waiting for more,
/// holding the store's lock; returns once a command with no wait is refused
/// as locked (polling commands, no clock). Closing the input lets it finish.
fn hold_the_store(env: &TestEnv, source: &str) -> (std::process::Child, std::process::ChildStdin) {
    use std::io::Write;
    let mut batch = env
        .command()
        .args(["cite", "--batch", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn batch");
    let mut input = batch.stdin.take().expect("stdin");
    writeln!(
        input,
        "{{\"source\":\"{source}\",\"quote\":\"1,275 residents\",\"subject\":\"Held\",\"property\":\"captured\",\"value\":\"1275\"}}"
    )
    .expect("line");
    input.flush().expect("flush");
    let locked = (0..10_000).any(|_| env.run(&["--lock-wait", "0", "sources"]).code == 4);
    assert!(locked, "the batch never took the lock");
    (batch, input)
}

#[test]
fn deleting_the_lock_file_does_not_let_a_second_command_in() {
    let env = TestEnv::new();
    let source = env.add(ARTICLE, &[]);
    // An old store's lock file, which a person might delete.
    std::fs::write(env.store.join("lock"), b"").expect("lock file");
    let (batch, input) = hold_the_store(&env, &source);
    std::fs::remove_file(env.store.join("lock")).expect("delete the lock file");
    let run = env.run(&["--lock-wait", "0", "sources"]);
    assert_eq!(
        run.code, 4,
        "a second command ran beside the writer: {}",
        run.stderr
    );
    let run = env.run(&[
        "--lock-wait",
        "0",
        "cite",
        &source,
        "--quote",
        "1,275 residents",
        "--subject",
        "Second",
        "--property",
        "captured",
        "--value",
        "1275",
    ]);
    assert_eq!(
        run.code, 4,
        "a second writer ran beside the first: {}",
        run.stderr
    );
    drop(input);
    let output = batch.wait_with_output().expect("batch");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    env.ok(&["verify"]);
    let claims = env.ok(&["claims"]).stdout;
    assert!(
        claims.contains("Held") && !claims.contains("Second"),
        "{claims}"
    );
}

/// An export's output inside the store is refused, however it is spelt,
/// and leaves the store as it was (it used to overwrite the journal).
#[test]
fn an_export_into_the_store_is_refused() {
    let env = TestEnv::new();
    env.add(ARTICLE, &[]);
    let store = env.store.to_str().expect("utf-8").to_string();
    let link = env.dir.path().join("link");
    std::os::unix::fs::symlink(&env.store, &link).expect("symlink");
    for output in [
        format!("{store}/journal"),
        format!("{store}/FORMAT"),
        format!("{store}/objects/.."),
        format!("{store}/objects/new.tar"),
        format!("{store}/index/../journal"),
        format!("{}/journal", link.display()),
        store.clone(),
    ] {
        for format in ["bundle", "jsonl", "csv", "prov-json"] {
            refused(
                &env,
                &["export", "--format", format, "-o", &output],
                2,
                "is inside the store",
            );
        }
    }
    // Nor over a FIFO or a directory: an export renames a new file into
    // place, which would replace the node itself (as root, `-o /dev/null`
    // once replaced the device with a regular file).
    let fifo = env.dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let fifo = fifo.to_str().expect("utf-8").to_string();
    let dir = env.dir.path().to_str().expect("utf-8").to_string();
    for output in [&fifo, &dir] {
        for format in ["bundle", "jsonl"] {
            refused(
                &env,
                &["export", "--format", format, "-o", output],
                2,
                "give a file path",
            );
        }
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo)
        .expect("fifo")
        .file_type()
        .is_fifo());
    // Beside the store is fine.
    let beside = format!("{}/store.tar", env.dir.path().display());
    env.ok(&["export", "--format", "bundle", "-o", &beside]);
    env.ok(&["verify"]);
}

/// One-line metadata refuses line breaks (a title with one forged a row of
/// `sources`), and `add --url` is checked as `review --url` is.
#[test]
fn one_line_metadata_refuses_line_breaks_and_bad_addresses() {
    let env = TestEnv::new();
    let article = fixture(ARTICLE);
    let path = article.to_str().expect("utf-8");
    for (flag, value) in [
        (
            "--title",
            "Real\n0123456789ab  1 bytes  0 citations  forged",
        ),
        ("--publisher", "A\rB"),
        ("--author", "A\nB"),
        ("--language", "en\n"),
        ("--media-type", "text/plain\n"),
        ("--url", "https://example.org/a\nb"),
    ] {
        refused(&env, &["add", path, flag, value], 2, "");
    }
    for url in [
        "example.org/page",
        "ftp://example.org/x",
        "https://",
        "https://exa mple.org/",
    ] {
        refused(
            &env,
            &["add", path, "--url", url],
            2,
            "is not an absolute http(s) address",
        );
    }
    env.ok(&[
        "add",
        path,
        "--url",
        "https://example.org/khojaly",
        "--title",
        "One line",
    ]);
    let listed = env.ok(&["sources"]).stdout;
    assert_eq!(listed.lines().count(), 1, "{listed}");
}

#[test]
fn broken_pipe_exits_quietly() {
    let env = TestEnv::new();
    env.add(ARTICLE, &[]);
    // Enough entries that the output passes the output buffer: the write
    // that finds the reader gone is inside the command, not the last flush.
    let folder = env.dir.path().join("many");
    std::fs::create_dir_all(&folder).expect("folder");
    for number in 0..600 {
        std::fs::write(
            folder.join(format!("{number}.txt")),
            format!("Line {number}.\n"),
        )
        .expect("write");
    }
    env.ok(&["add", folder.to_str().expect("utf-8")]);
    for args in [
        &["log"][..],
        &["--json", "log"][..],
        &["sources"][..],
        &["export", "--format", "jsonl", "-o", "-"][..],
    ] {
        let mut child = env
            .command()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("wait");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&output.stderr).contains("Broken pipe"),
            "{args:?}"
        );
    }
}

#[test]
fn demo_runs_and_verifies() {
    let env = TestEnv::empty();
    let dir = env.dir.path().join("demo");
    let run = env.ok(&["demo", dir.to_str().expect("utf-8")]);
    assert!(
        run.stdout.contains("2 citations (2 live)"),
        "{}",
        run.stdout
    );
    // 485 conflicts with 613 and with "at least 600"; those two agree, and
    // so do February 1992 and 26 February 1992.
    for shown in [
        "civilians killed: 3 values",
        "cannot both hold: 485 / at least 600; 485 / 613",
        "agreeing (values that can both hold",
        "Khojaly assault · date: 2 values",
        "marked reviewed: Khojaly, 26 February 1992 · civilians killed (3 values)",
        "the quote hedges the value («about»)",
        "ok: every object",
    ] {
        assert!(run.stdout.contains(shown), "{shown}: {}", run.stdout);
    }
    // The closing hint works as printed: run in a shell, it lists the sources.
    let hint = run
        .stdout
        .lines()
        .find(|line| line.starts_with("The store is in "))
        .expect("a closing hint");
    let command = hint
        .split('`')
        .nth(1)
        .expect("the hint's command between backquotes");
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("sh");
    assert!(output.status.success(), "{command}: {output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Relief agency field note, March 1992")
    );
}

/// Runs provdb under a 600 MB address-space limit: a reader that grows
/// without bound fails to allocate and aborts instead of being refused.
fn run_bounded(env: &TestEnv, args: &str) -> common::Run {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v 600000; exec \"$PROVDB\" {args}"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PROVDB", env!("CARGO_BIN_EXE_provdb"))
        .env("PROVDB_ACTOR", "tester")
        .env("PROVDB_DIR", &env.store)
        .current_dir(env.dir.path())
        .output()
        .expect("run");
    common::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Outside input is read within a bound: a batch with no newline, or that
/// is /dev/zero, is refused at its first line (it used to grow at 400 MB/s
/// until the machine ran out of memory); a FIFO or a device is not a
/// bundle or markup file, and nothing waits on one.
#[test]
fn outside_input_is_read_within_bounds() {
    let env = TestEnv::new();
    let source = env.add(ARTICLE, &[]);
    let before = env.snapshot();
    let run = run_bounded(&env, "cite --batch /dev/zero");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("line 1: is longer than 1048576 bytes"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.trim_end().lines().count(), 1);
    // Two good lines, then one of 2 MiB: refused at line 3, nothing recorded.
    let good = format!(
        "{{\"source\":\"{source}\",\"quote\":\"1,275 residents\",\"subject\":\"S\",\"property\":\"captured\",\"value\":\"1275\"}}\n"
    );
    let mut batch = format!("{good}{good}").into_bytes();
    batch.extend(std::iter::repeat_n(b'a', 2 << 20));
    let batch_path = env.dir.path().join("long.jsonl");
    std::fs::write(&batch_path, &batch).expect("batch");
    for skip in ["", "--skip-invalid"] {
        let run = run_bounded(&env, &format!("cite --batch long.jsonl {skip}"));
        assert_eq!(run.code, 3, "{}", run.stderr);
        assert!(
            run.stderr.contains("line 3: is longer than"),
            "{}",
            run.stderr
        );
    }
    // A line that is not UTF-8 is named too.
    std::fs::write(&batch_path, [good.as_bytes(), b"\xff\xfe\n"].concat()).expect("batch");
    let run = env.run(&["cite", "--batch", "long.jsonl"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("line 2: is not UTF-8"),
        "{}",
        run.stderr
    );
    let fifo = env.dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    for args in [
        vec!["import", "/dev/zero"],
        vec!["import", "fifo"],
        vec!["import", "--format", "claimreview", "/dev/zero"],
        vec!["import", "--format", "claimreview", "fifo"],
    ] {
        let run = env.run(&args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("is not a regular file"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // Markup over 16 MiB is refused before it is parsed.
    let markup = env.dir.path().join("big.json");
    let mut padded = vec![b' '; 17 << 20];
    padded.extend_from_slice(b"[]");
    std::fs::write(&markup, padded).expect("markup");
    let run = run_bounded(&env, "import --format claimreview big.json");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("over the 16777216-byte limit"),
        "{}",
        run.stderr
    );
    assert!(env.snapshot() == before, "a refused read changed the store");
}

/// A quote typed as people type it (straight quotes, a hyphen, spaces)
/// finds the source's typographic text, and what is recorded is the
/// source's own bytes: the byte range holds them, `verify` checks them, and
/// the receipt proves them. A wrong context is reported as the context's
/// failure, not the quote's. (schema/quotes.md)
#[test]
fn a_quote_typed_plainly_finds_the_typographic_source() {
    let env = TestEnv::new();
    // A decomposed é (e + U+0301), curly quotes, an en dash, a no-break space.
    let text = "The re\u{301}sume\u{301} of events: \u{201C}613\u{A0}civilians were killed\u{201D} \u{2013} \
                by the paper\u{2019}s count.\n";
    let path = env.dir.path().join("typographic.txt");
    std::fs::write(&path, text).expect("source");
    let source = env
        .ok(&["--json", "add", path.to_str().expect("utf-8")])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let cited = env
        .ok(&[
            "--json",
            "cite",
            &source,
            "--quote",
            "\"613 civilians were killed\" - by the paper's count",
            "--subject",
            "Khojaly",
            "--property",
            "civilians killed",
            "--value",
            "613",
        ])
        .json();
    let selector = &cited["selector"];
    let (start, end) = (
        selector["start"].as_u64().expect("start") as usize,
        selector["end"].as_u64().expect("end") as usize,
    );
    // The stored quote is the source's bytes at the range, typographic.
    let stored =
        "\u{201C}613\u{A0}civilians were killed\u{201D} \u{2013} by the paper\u{2019}s count";
    assert_eq!(selector["exact"], stored);
    assert_eq!(&text.as_bytes()[start..end], stored.as_bytes());
    // The composed é finds the decomposed one.
    env.ok(&[
        "cite",
        &source,
        "--quote",
        "r\u{E9}sum\u{E9}",
        "--subject",
        "report",
        "--property",
        "title word",
        "--value",
        "r\u{E9}sum\u{E9}",
        "--kind",
        "text",
        "--value-not-in-quote",
    ]);
    env.ok(&["verify"]);
    // The context is there to pick a place; when only it fails, it says so.
    let run = env.run(&[
        "cite",
        &source,
        "--quote",
        "613 civilians",
        "--prefix",
        "a toll of",
        "--subject",
        "Khojaly",
        "--property",
        "civilians killed",
        "--value",
        "613",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the quote occurs 1 time(s), but none with that --prefix/--suffix context"),
        "{}",
        run.stderr
    );
}

/// A file provdb cannot quote is recorded, and `add` says so instead of
/// leaving `cite` to find out: a PNG (binary), alone and in a folder; a
/// UTF-8 text says nothing; Windows-1252 text is read through a text layer,
/// and `add` says that instead.
#[test]
fn add_says_which_files_it_cannot_quote() {
    let env = TestEnv::new();
    let png = fixture("bad/binary.png");
    let added = env
        .ok(&["--json", "add", png.to_str().expect("utf-8")])
        .json();
    assert_eq!(
        added["cannot_quote"],
        "it is binary (it contains NUL bytes)"
    );
    let folder = env.dir.path().join("folder");
    std::fs::create_dir_all(&folder).expect("folder");
    // "caf" then 0xE9, Windows-1252's é: the 4th byte (offset 3) is not UTF-8.
    std::fs::write(folder.join("cp1252.txt"), b"caf\xe9 au lait\n").expect("cp1252");
    std::fs::write(folder.join("utf8.txt"), "caf\u{e9} au lait\n").expect("utf8");
    std::fs::copy(&png, folder.join("binary.png")).expect("png");
    let run = env.ok(&["add", folder.to_str().expect("utf-8")]);
    assert!(
        run.stdout.contains(
            "/folder/binary.png, but provdb cannot quote it: it is binary (it contains NUL bytes)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "1 file(s) read through a text layer (web pages, other encodings), the first "
        ) && run.stdout.contains("/folder/cp1252.txt;"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("cp1252.txt, but"), "{}", run.stdout);
    assert!(!run.stdout.contains("utf8.txt, but"), "{}", run.stdout);
    let text = env.ok(&[
        "add",
        fixture("regional-survey-1993.txt").to_str().expect("utf-8"),
    ]);
    assert!(!text.stdout.contains("cannot quote"), "{}", text.stdout);
    let single = env.ok(&["add", png.to_str().expect("utf-8")]);
    assert!(
        single.stdout.contains(
            "provdb cannot quote it: it is binary (it contains NUL bytes); it is recorded, and `cite` will refuse it"
        ),
        "{}",
        single.stdout
    );
}

/// `add DIR` records each file's path under the folder given as its name,
/// and a file without a title gets one from its first heading or line;
/// data files and lines that are no title get none.
#[test]
fn add_records_file_names_and_titles_from_the_text() {
    let env = TestEnv::new();
    let folder = env.dir.path().join("archive");
    std::fs::create_dir_all(folder.join("2024/may")).expect("folders");
    std::fs::write(
        folder.join("2024/may/update.md"),
        "---\ndraft: false\n---\n\n# Khojaly: the figures, revisited ##\n\n1,275 residents were taken captive.\n",
    )
    .expect("md");
    std::fs::write(
        folder.join("notes.txt"),
        "\n\n  Survey   notes, 1993  \nThe town had about 7,000 residents.\n",
    )
    .expect("txt");
    std::fs::write(folder.join("counts.csv"), "date,killed\n1992-02-26,613\n").expect("csv");
    std::fs::write(folder.join("numbers.txt"), "613 106 70 63\n").expect("numbers");
    std::fs::write(folder.join("long.txt"), format!("{}\n", "word ".repeat(60))).expect("long");
    std::fs::copy(
        fixture("khojaly-article-2024-02.html"),
        folder.join("page.html"),
    )
    .expect("page");
    let run = env.ok(&["--json", "add", folder.to_str().expect("utf-8")]);
    let added = run.json();
    // Written a file at a time, each with its layer: still exactly the
    // compact form, keys in name order, that serde_json gives the value.
    assert_eq!(run.stdout.trim_end(), added.to_string());
    let files = added["files"].as_array().expect("files");
    let by_name = |name: &str| {
        files
            .iter()
            .find(|file| file["name"] == name)
            .unwrap_or_else(|| panic!("no file named {name} in {added}"))
    };
    // Names are paths under the folder given, with / between parts.
    let update = by_name("2024/may/update.md");
    assert_eq!(update["title"], "Khojaly: the figures, revisited");
    assert_eq!(update["title_from"], "its first heading");
    let notes = by_name("notes.txt");
    // White space inside the line collapsed, around it trimmed.
    assert_eq!(notes["title"], "Survey notes, 1993");
    assert_eq!(notes["title_from"], "its first line");
    for untitled in ["counts.csv", "numbers.txt", "long.txt"] {
        assert_eq!(
            by_name(untitled)["title"],
            serde_json::Value::Null,
            "{untitled}"
        );
        assert_eq!(
            by_name(untitled)["title_from"],
            serde_json::Value::Null,
            "{untitled}"
        );
    }
    // A page's own <title> is its title; its text is not asked.
    let page = by_name("page.html");
    assert_eq!(
        page["title"],
        "Khojaly, 26 February 1992: the figures behind an anniversary"
    );
    assert_eq!(page["title_from"], serde_json::Value::Null);
    // What is shown is what the journal holds: the name is in its line.
    let id = update["id"].as_str().expect("id");
    let shown = env.ok(&["--json", "show", id]).json();
    assert_eq!(shown["name"], "2024/may/update.md");
    assert_eq!(shown["meta"]["title"], "Khojaly: the figures, revisited");
    let journal = std::fs::read_to_string(env.store.join("journal")).expect("journal");
    assert!(
        journal.contains(&format!(
            "\"source\":\"{id}\",\"size\":{},\"meta\":{{\"title\":\"Khojaly: the figures, revisited\"",
            update["size"]
        )) && journal.contains("\"name\":\"2024/may/update.md\"}"),
        "{journal}"
    );
    let listed = env.ok(&["sources"]);
    assert!(
        listed.stdout.contains("untitled, file counts.csv"),
        "{}",
        listed.stdout
    );

    // One file by name: its file name; the same bytes again under another
    // name keep the first.
    let survey = fixture(SURVEY);
    let single = env
        .ok(&["--json", "add", survey.to_str().expect("utf-8")])
        .json();
    assert_eq!(single["name"], SURVEY);
    assert_eq!(
        single["title"],
        "Survey of the winter offensive, 1993 edition"
    );
    assert_eq!(single["title_from"], "its first line");
    let copy = env.dir.path().join("copy.txt");
    std::fs::copy(&survey, &copy).expect("copy");
    let again = env
        .ok(&["--json", "add", copy.to_str().expect("utf-8")])
        .json();
    assert_eq!(again["new_source"], false);
    assert_eq!(again["name"], serde_json::Value::Null);
    let shown = env
        .ok(&["--json", "show", single["id"].as_str().expect("id")])
        .json();
    assert_eq!(shown["name"], SURVEY);
    // A title given is the title; the text is not asked.
    let given = env.dir.path().join("given.txt");
    std::fs::write(&given, "A first line\n").expect("given");
    let titled = env
        .ok(&[
            "--json",
            "add",
            given.to_str().expect("utf-8"),
            "--title",
            "Given",
        ])
        .json();
    assert_eq!(titled["title"], "Given");
    assert_eq!(titled["title_from"], serde_json::Value::Null);
    // A file name with a terminal escape in it is recorded without it.
    let hostile = env.dir.path().join("red\u{1b}[31m.txt");
    std::fs::write(&hostile, "Red text\n").expect("hostile");
    let red = env
        .ok(&["--json", "add", hostile.to_str().expect("utf-8")])
        .json();
    assert_eq!(red["name"], "red\u{fffd}[31m.txt");
    let text = env.dir.path().join("plain.txt");
    std::fs::write(&text, "Plain heading\nbody\n").expect("plain");
    let run = env.ok(&["add", text.to_str().expect("utf-8")]);
    assert!(
        run.stdout
            .contains("titled \"Plain heading\", from its first line"),
        "{}",
        run.stdout
    );
    env.ok(&["verify"]);
}

/// An index written by an earlier provdb (an older record format) is not
/// damage: verify says so as a notice, and the next command rebuilds it.
#[test]
fn an_index_of_an_earlier_format_is_rebuilt_not_damage() {
    let env = TestEnv::new();
    env.add(ARTICLE, &[]);
    // Make the index look as an earlier build wrote it: the applied mark's
    // format byte, the first of every record, set one lower.
    {
        let db = sled::open(env.store.join("index")).expect("sled");
        let meta = db.open_tree("meta").expect("meta");
        let mut applied = meta
            .get(b"applied")
            .expect("read")
            .expect("applied")
            .to_vec();
        applied[0] -= 1;
        meta.insert(b"applied", applied).expect("write");
        db.flush().expect("flush");
    }
    let verified = env.ok(&["verify"]);
    assert!(
        verified
            .stdout
            .contains("the index was written by an earlier provdb (record format"),
        "{}",
        verified.stdout
    );
    assert!(!verified.stdout.contains("DAMAGED"), "{}", verified.stdout);
    let listed = env.ok(&["sources"]);
    assert!(
        listed.stderr.contains("rebuilding it from the journal"),
        "{}",
        listed.stderr
    );
    assert!(
        listed.stdout.contains("Khojaly, 26 February 1992"),
        "{}",
        listed.stdout
    );
    let again = env.ok(&["verify"]);
    assert!(!again.stdout.contains("earlier provdb"), "{}", again.stdout);
}

/// `add DIR --skip-invalid` keeps nothing of a file it leaves out: a PDF
/// that does not read (or cannot be read here) is skipped, and so is a copy
/// of its bytes under another name; its object is not left in the store.
#[test]
fn files_left_out_leave_no_object_behind() {
    let env = TestEnv::new();
    let folder = env.dir.path().join("folder");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::write(
        folder.join("good.txt"),
        "The town had about 7,000 residents.\n",
    )
    .expect("good");
    // A PDF header and nothing a reader can use: refused by pdftotext as
    // damaged, or, without it, as needing it.
    let broken = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
    std::fs::write(folder.join("a-broken.pdf"), broken).expect("pdf");
    std::fs::write(folder.join("b-copy.pdf"), broken).expect("copy");
    let added = env
        .ok(&[
            "--json",
            "add",
            folder.to_str().expect("utf-8"),
            "--skip-invalid",
        ])
        .json();
    assert_eq!(added["new_sources"], 1, "{added}");
    assert_eq!(
        added["files"].as_array().expect("files").len(),
        1,
        "{added}"
    );
    let skipped = added["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 2, "{added}");
    assert!(skipped[1]["path"]
        .as_str()
        .expect("path")
        .ends_with("b-copy.pdf"));
    assert_eq!(skipped[0]["why"], skipped[1]["why"]);
    let pdf_object = env.object_path(&provdb::identity::source_id(broken).to_hex());
    assert!(
        !pdf_object.exists(),
        "{} was left behind",
        pdf_object.display()
    );
    env.ok(&["verify"]);
}

/// A file left out for its metadata does not take with it a text-layer
/// object another file of the same add records: two pages with the same
/// text have one layer object.
#[test]
fn a_left_out_file_keeps_the_layer_another_file_records() {
    let env = TestEnv::new();
    let folder = env.dir.path().join("pages");
    std::fs::create_dir_all(&folder).expect("folder");
    let a = "<html><body><p>The town had about 7,000 residents.</p></body></html>";
    let b = "<html><body><p>The town had about <b>7,000</b> residents.</p></body></html>";
    std::fs::write(folder.join("a.html"), a).expect("a");
    std::fs::write(folder.join("b.html"), b).expect("b");
    // a.html recorded before as plain text (no layer), with a publisher.
    env.ok(&[
        "add",
        folder.join("a.html").to_str().expect("utf-8"),
        "--media-type",
        "text/plain",
        "--publisher",
        "First desk",
    ]);
    let added = env
        .ok(&[
            "--json",
            "add",
            folder.to_str().expect("utf-8"),
            "--publisher",
            "Second desk",
            "--skip-invalid",
        ])
        .json();
    // a.html is left out (its publisher differs); b.html is recorded with
    // the layer a.html's reading made first.
    assert_eq!(
        added["skipped"].as_array().expect("skipped").len(),
        1,
        "{added}"
    );
    let layer = added["files"][0]["layer"]["id"]
        .as_str()
        .expect("b's layer")
        .to_string();
    assert!(
        env.object_path(&layer).exists(),
        "layer {layer} was removed"
    );
    env.ok(&["verify"]);
}

/// The conventions of a command-line tool: `export -o -` writes to standard
/// output the very bytes an export to a file has; a symbolic link is
/// written through; a negative value is a value, not a flag.
#[test]
fn export_to_standard_output_links_and_negative_values() {
    let env = TestEnv::new();
    let source = env.add(ARTICLE, &[]);
    let (claim, _) = cite_toll(&env, &source);
    for format in ["jsonl", "csv", "bundle", "web-annotation"] {
        let file = env.export(format, &format!("out.{format}"));
        let piped = env
            .command()
            .args(["export", "--format", format, "-o", "-"])
            .output()
            .expect("run");
        assert!(
            piped.status.success(),
            "{}",
            String::from_utf8_lossy(&piped.stderr)
        );
        let written = std::fs::read(&file).expect("read");
        // A bundle and JSON Lines are deterministic; a Web Annotation
        // collection and CSV too (no time of export in them).
        assert_eq!(piped.stdout, written, "{format}");
        // What export says goes to standard error.
        assert!(
            String::from_utf8_lossy(&piped.stderr).starts_with("wrote standard output"),
            "{format}"
        );
        assert!(!env.dir.path().join("-").exists());
    }
    // Through a symbolic link: the file it names is written, the link stays.
    let target = env.dir.path().join("target.jsonl");
    std::fs::write(&target, "old").expect("target");
    let link = env.dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    env.ok(&[
        "export",
        "--format",
        "jsonl",
        "-o",
        link.to_str().expect("utf-8"),
    ]);
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    assert_ne!(std::fs::read(&target).expect("target"), b"old");
    let dangling = env.dir.path().join("dangling.jsonl");
    std::os::unix::fs::symlink(env.dir.path().join("nowhere/x"), &dangling).expect("symlink");
    env.refused(
        &[
            "export",
            "--format",
            "jsonl",
            "-o",
            dangling.to_str().expect("utf-8"),
        ],
        2,
        "is a symbolic link that names no file",
    );
    // A negative quantity.
    let cold = env.dir.path().join("cold.txt");
    std::fs::write(&cold, "That night the temperature fell to -12.5 degrees.\n").expect("cold");
    let added = env
        .ok(&["--json", "add", cold.to_str().expect("utf-8")])
        .json();
    let cited = env
        .ok(&[
            "--json",
            "cite",
            &added["id"].as_str().expect("id")[..12],
            "--quote",
            "fell to -12.5 degrees",
            "--subject",
            "Khojaly, 26 February 1992",
            "--property",
            "temperature",
            "--value",
            "-12.5",
            "--unit",
            "degrees",
        ])
        .json();
    let listed = env.ok(&["--json", "claims", "--value", "-12.5"]).json();
    assert_eq!(listed["claims"][0]["id"], cited["claim"], "{listed}");
    assert_eq!(listed["claims"][0]["display_value"], "-12.5 degrees");
    assert_eq!(listed["claims"][0]["value"]["amount"], "-12.5");
    let _ = claim;
}

/// Usage errors are one line, like every other error; with --json an error
/// is one JSON object on standard error with its message, exit code and
/// hint. Completions and man pages come from the same command line.
#[test]
fn errors_are_one_line_or_one_json_object_and_the_shell_gets_completions_and_man_pages() {
    let env = TestEnv::new();
    for (args, needle) in [
        (
            &["expor"][..],
            "unrecognized subcommand 'expor'; some similar subcommands exist",
        ),
        (
            &["cite", "--valu", "3"][..],
            "a similar argument exists: '--value'",
        ),
        (
            &["cite", "abcd"][..],
            "the following required arguments were not provided: --quote <QUOTE>",
        ),
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {:?}", run.stderr);
        assert!(
            run.stderr.starts_with("provdb: error: "),
            "{:?}",
            run.stderr
        );
        assert!(run.stderr.contains(needle), "{:?}", run.stderr);
        assert!(run.stderr.contains("(see provdb help"), "{:?}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    let run = env.run(&[
        "--json",
        "cite",
        "zz",
        "--quote",
        "q",
        "--subject",
        "s",
        "--property",
        "p",
        "--value",
        "1",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1);
    let error: serde_json::Value = serde_json::from_str(&run.stderr).expect("one JSON object");
    assert_eq!(error["error"]["exit_code"], 2);
    assert!(error["error"]["message"]
        .as_str()
        .expect("message")
        .contains("\"zz\" is not an id"));
    let run = env.run(&["--json", "show", "abcdef0123"]);
    let error: serde_json::Value = serde_json::from_str(&run.stderr).expect("one JSON object");
    assert_eq!(error["error"]["exit_code"], run.code);
    let run = env.run(&["--json", "expor"]);
    let error: serde_json::Value = serde_json::from_str(&run.stderr).expect("one JSON object");
    assert_eq!(error["error"]["exit_code"], 2);
    assert!(error["error"]["hint"]
        .as_str()
        .expect("hint")
        .contains("similar subcommands"));
    // Help is still help, on standard output, exit 0.
    let help = env.ok(&["help", "cite"]);
    assert!(help.stdout.contains("--quote"));

    // A bash completion script bash itself accepts, naming the commands.
    let script = env.ok(&["completions", "bash"]).stdout;
    assert!(
        script.contains("provdb__cite") || script.contains("cite"),
        "{script}"
    );
    let path = env.dir.path().join("provdb.bash");
    std::fs::write(&path, &script).expect("write");
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash");
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    for shell in ["zsh", "fish", "powershell"] {
        assert!(
            !env.ok(&["completions", shell]).stdout.is_empty(),
            "{shell}"
        );
    }
    env.refused(&["completions", "tcsh"], 2, "invalid value 'tcsh'");
    // Man pages in roff: the main one, and one per command with --dir.
    let page = env.ok(&["man"]).stdout;
    assert!(page.contains(".TH provdb 1"), "{page}");
    let dir = env.dir.path().join("man1");
    env.ok(&["man", "--dir", dir.to_str().expect("utf-8")]);
    let cite = std::fs::read_to_string(dir.join("provdb-cite.1")).expect("provdb-cite.1");
    assert!(
        cite.contains(".TH provdb-cite 1") && cite.contains("\\-\\-quote"),
        "{cite}"
    );
    assert!(dir.join("provdb.1").exists() && dir.join("provdb-export.1").exists());
}

/// A new revision of a document inherits the previous revision's title,
/// authors, publisher and language unless they are given.
#[test]
fn revisions_inherit_what_describes_the_work() {
    let env = TestEnv::new();
    let first = env
        .ok(&[
            "--json",
            "add",
            fixture(ARTICLE).to_str().expect("utf-8"),
            "--doc",
            "khojaly",
            "--title",
            "Khojaly: the figures",
            "--author",
            "A. Writer",
            "--publisher",
            "Desk",
            "--language",
            "en",
        ])
        .json();
    let second = env
        .ok(&[
            "--json",
            "add",
            fixture("khojaly-article-2024-05.txt")
                .to_str()
                .expect("utf-8"),
            "--doc",
            "khojaly",
        ])
        .json();
    assert_ne!(first["id"], second["id"]);
    let shown = env
        .ok(&["--json", "show", second["id"].as_str().expect("id")])
        .json();
    assert_eq!(shown["meta"]["title"], "Khojaly: the figures");
    assert_eq!(shown["meta"]["authors"], serde_json::json!(["A. Writer"]));
    assert_eq!(shown["meta"]["publisher"], "Desk");
    assert_eq!(shown["meta"]["language"], "en");
    // Given now, it is what is recorded; the rest still inherited.
    let third_file = env.dir.path().join("third.txt");
    std::fs::write(
        &third_file,
        "Khojaly, third revision: 613 civilians were killed.\n",
    )
    .expect("write");
    let third = env
        .ok(&[
            "--json",
            "add",
            third_file.to_str().expect("utf-8"),
            "--doc",
            "khojaly",
            "--title",
            "Revised",
        ])
        .json();
    let shown = env
        .ok(&["--json", "show", third["id"].as_str().expect("id")])
        .json();
    assert_eq!(shown["meta"]["title"], "Revised");
    assert_eq!(shown["meta"]["publisher"], "Desk");
    assert_eq!(third["title_from"], serde_json::Value::Null);
    let listed = env.ok(&["sources"]);
    assert!(!listed.stdout.contains("untitled"), "{}", listed.stdout);
}

/// A bare slug names its document's latest revision wherever a source is
/// taken; a slug near a document's suggests it; the path of a file already
/// added names its source.
#[test]
fn slugs_and_files_name_sources() {
    let env = TestEnv::new();
    env.ok(&[
        "add",
        fixture(ARTICLE).to_str().expect("utf-8"),
        "--doc",
        "khojaly",
    ]);
    let second = env
        .ok(&[
            "--json",
            "add",
            fixture("khojaly-article-2024-05.txt")
                .to_str()
                .expect("utf-8"),
            "--doc",
            "khojaly",
        ])
        .json();
    let shown = env.ok(&["--json", "show", "khojaly"]).json();
    assert_eq!(shown["id"], second["id"]);
    env.refused(
        &["show", "khojly"],
        3,
        "no document \"khojly\"; did you mean khojaly?",
    );
    env.refused(&["log", "--doc", "khojaly2"], 3, "did you mean khojaly?");
    // Far from any document: read as an id, as before.
    env.refused(&["show", "report"], 2, "\"report\" is not an id");
    // A file's path: the source its bytes are.
    let cited = env
        .ok(&common::cite_args(
            fixture(ARTICLE).to_str().expect("utf-8"),
            "613 civilians were killed",
            "civilians killed",
            "613",
        ))
        .json();
    let citation = env
        .ok(&[
            "--json",
            "show",
            &cited["citation"].as_str().expect("citation")[..12],
        ])
        .json();
    assert_eq!(
        citation["source"],
        provdb::identity::source_id(&std::fs::read(fixture(ARTICLE)).expect("read"))
            .to_hex()
            .as_str()
    );
    let survey = fixture(SURVEY);
    env.refused(
        &[
            "cite",
            survey.to_str().expect("utf-8"),
            "--quote",
            "x",
            "--subject",
            "s",
            "--property",
            "p",
            "--value",
            "1",
        ],
        3,
        "is not a recorded source (BLAKE3 e409ac61b27f); add it first",
    );
}

/// Splits a shell line into words the way `sh` would for the examples:
/// double quotes group words; `|` and `>` end the provdb command.
fn example_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            '|' | '>' if !quoted => break,
            ' ' if !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            _ => {
                word.push(ch);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}

/// Every command's help ends with examples, and each example is a command
/// line provdb's own parser accepts.
#[test]
fn every_command_has_examples_that_parse() {
    use clap::CommandFactory;
    use clap::Parser;
    let mut checked = 0;
    for command in provdb::cli::Cli::command().get_subcommands() {
        let name = command.get_name();
        if name == "help" {
            continue;
        }
        let help = command
            .get_after_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        let examples: Vec<&str> = help
            .strip_prefix("Examples:\n")
            .unwrap_or_else(|| panic!("provdb {name} has no examples: {help:?}"))
            .lines()
            .map(str::trim)
            .collect();
        assert!(!examples.is_empty(), "{name}");
        for example in examples {
            let words = example_words(example);
            assert_eq!(words[0], "provdb", "{example}");
            assert!(words.contains(&name.to_string()), "{name}: {example}");
            if let Err(error) = provdb::cli::Cli::try_parse_from(&words) {
                panic!("provdb {name}: example {example:?} does not parse: {error}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked} examples");
    // The rendered help shows them, and the manifest template's placeholders.
    let env = TestEnv::empty();
    let help = env.ok(&["help", "retract"]).stdout;
    assert!(
        help.contains(
            "Examples:\n  provdb retract 5f24102a --reason \"quoted the wrong paragraph\""
        ),
        "{help}"
    );
    let help = env.ok(&["help", "manifest"]).stdout;
    assert!(
        help.contains("{doc} is the slug, {rev} the revision number")
            && help.contains("[default: {doc}/{rev}.txt]"),
        "{help}"
    );
}

/// `verify` holds the lock only for its snapshot: stopped at its pause
/// point (after the snapshot, before the checks), a writer with no wait
/// gets in, and verify then checks the snapshot, not the writer's entries.
/// The pause is two FIFOs: each side blocks until the other opens its end,
/// so nothing here waits for a length of time.
#[test]
#[cfg(debug_assertions)]
fn verify_lets_writers_in_after_its_snapshot() {
    use std::io::{BufRead, Write};
    let env = TestEnv::new();
    let source = env.add(ARTICLE, &[]);
    env.ok(&[
        "cite",
        &source,
        "--quote",
        "613 civilians",
        "--subject",
        "S",
        "--property",
        "killed",
        "--value",
        "613",
    ]);
    let entries_before = std::fs::read_to_string(env.store.join("journal"))
        .expect("journal")
        .lines()
        .count();
    let pause = env.dir.path().join("pause");
    std::fs::create_dir(&pause).expect("pause dir");
    for fifo in ["reached", "resume"] {
        let made = std::process::Command::new("mkfifo")
            .arg(pause.join(fifo))
            .status()
            .expect("mkfifo");
        assert!(made.success());
    }
    let verify = env
        .command()
        .args(["--json", "verify"])
        .env("PROVDB_PAUSE_DIR", &pause)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn verify");
    // Blocks until verify has taken its snapshot and released the lock.
    let mut reached = String::new();
    std::io::BufReader::new(std::fs::File::open(pause.join("reached")).expect("reached"))
        .read_line(&mut reached)
        .expect("read");
    assert_eq!(reached.trim(), "verify: snapshot taken, lock released");
    // A writer and a reader get in at once, with no wait allowed.
    let cited = env.run(&[
        "--lock-wait",
        "0",
        "cite",
        &source,
        "--quote",
        "1,275 residents",
        "--subject",
        "S",
        "--property",
        "captured",
        "--value",
        "1275",
    ]);
    assert_eq!(cited.code, 0, "{}", cited.stderr);
    env.ok(&[
        "--lock-wait",
        "0",
        "add",
        fixture(SURVEY).to_str().expect("utf-8"),
    ]);
    writeln!(
        std::fs::OpenOptions::new()
            .write(true)
            .open(pause.join("resume"))
            .expect("resume"),
        "go"
    )
    .expect("write");
    let output = verify.wait_with_output().expect("verify");
    assert!(output.status.success(), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    // The snapshot's entries only, and no problem from what came after.
    assert_eq!(report["entries"], entries_before as u64, "{report}");
    assert_eq!(report["problems"], serde_json::json!([]), "{report}");
    let after = env.ok(&["--json", "verify"]).json();
    assert!(after["entries"].as_u64().expect("entries") > entries_before as u64);
}

/// A command killed while it holds a scratch index (here `verify`'s
/// private copy, stopped at its pause point) leaves the directory in
/// $TMPDIR; the next command that makes one removes it, and leaves none of
/// its own. Directories in use are never removed: the one a paused `verify`
/// holds survives another command's sweep.
#[test]
#[cfg(debug_assertions)]
fn a_killed_commands_scratch_directory_is_removed_by_the_next() {
    use std::io::{BufRead, Write};
    let env = TestEnv::new();
    env.add(ARTICLE, &[]);
    let tmp = env.dir.path().join("tmp");
    std::fs::create_dir(&tmp).expect("tmp");
    let pause = env.dir.path().join("pause");
    std::fs::create_dir(&pause).expect("pause dir");
    for fifo in ["reached", "resume"] {
        let made = std::process::Command::new("mkfifo")
            .arg(pause.join(fifo))
            .status()
            .expect("mkfifo");
        assert!(made.success());
    }
    let scratch = || -> Vec<std::path::PathBuf> {
        let mut found: Vec<_> = std::fs::read_dir(&tmp)
            .expect("tmp")
            .map(|entry| entry.expect("entry").path())
            .collect();
        found.sort();
        found
    };
    let paused_verify = || {
        let verify = env
            .command()
            .args(["verify"])
            .env("TMPDIR", &tmp)
            .env("PROVDB_PAUSE_DIR", &pause)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn verify");
        let mut reached = String::new();
        std::io::BufReader::new(std::fs::File::open(pause.join("reached")).expect("reached"))
            .read_line(&mut reached)
            .expect("read");
        assert_eq!(reached.trim(), "verify: snapshot taken, lock released");
        verify
    };
    let mut killed = paused_verify();
    let left = scratch();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0]
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("provdb-index-")));
    killed.kill().expect("kill -9");
    killed.wait().expect("reap");
    assert_eq!(scratch(), left, "the killed command's copy is gone already");

    // A second verify, paused: its own copy is made, the left one swept.
    let paused = paused_verify();
    let now = scratch();
    assert_eq!(now.len(), 1, "{now:?}");
    assert_ne!(now, left);
    // A third command's sweep leaves the paused one's copy alone.
    let run = env
        .command()
        .args(["verify"])
        .env("TMPDIR", &tmp)
        .output()
        .expect("verify");
    assert!(run.status.success(), "{run:?}");
    assert_eq!(scratch(), now);
    writeln!(
        std::fs::OpenOptions::new()
            .write(true)
            .open(pause.join("resume"))
            .expect("resume"),
        "go"
    )
    .expect("write");
    let output = paused.wait_with_output().expect("verify");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(scratch(), Vec::<std::path::PathBuf>::new());
}

/// A command waiting for the lock gets it when the holder ends: the wait is
/// a blocking flock, and its outcome does not depend on the machine's speed
/// (the holder ends only when the test closes its input).
#[test]
fn a_waiting_command_gets_the_lock_when_it_is_released() {
    let env = TestEnv::new();
    let source = env.add(ARTICLE, &[]);
    let (batch, input) = hold_the_store(&env, &source);
    // A wait that runs out while the holder still holds: refused, exit 4.
    let refused = env.run(&["--lock-wait", "0.05", "sources"]);
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert!(refused
        .stderr
        .contains("is locked by another provdb process"));
    let mut waiting = env
        .command()
        .args([
            "--lock-wait",
            "3600",
            "--json",
            "claims",
            "--subject",
            "Held",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn the waiting reader");
    // It says it waits before it blocks; only then does the holder end.
    let mut said = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(waiting.stderr.take().expect("stderr")),
        &mut said,
    )
    .expect("read");
    assert!(
        said.contains("is locked by another provdb process; waiting up to 3600 s"),
        "{said}"
    );
    drop(input);
    let held = batch.wait_with_output().expect("batch");
    assert!(held.status.success(), "{held:?}");
    let output = waiting.wait_with_output().expect("reader");
    assert!(output.status.success(), "{output:?}");
    let claims: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(
        claims["claims"].as_array().expect("claims").len(),
        1,
        "{claims}"
    );
}

/// A command that only read the store releases its lock once the store is
/// closed, not when its output has been read: `provdb sources | while read
/// id; do provdb show "$id"; done` must not leave each `show` waiting on the
/// `sources` still writing to the pipe. The list (1,200 sources, about 100
/// KB) is more than a pipe holds, and nobody reads it until `show` is done.
#[test]
fn a_reader_blocked_on_its_output_does_not_hold_the_store() {
    let env = TestEnv::new();
    let dir = env.dir.path().join("many");
    std::fs::create_dir(&dir).expect("mkdir");
    for n in 0..1200 {
        std::fs::write(
            dir.join(format!("note-{n:04}.txt")),
            format!("Note {n}: the population was given as 7,000 in one account.\n"),
        )
        .expect("write");
    }
    env.ok(&["add", dir.to_str().expect("utf-8 path")]);
    let mut lister = env
        .command()
        .arg("sources")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn sources");
    let mut first = String::new();
    let mut stdout = std::io::BufReader::new(lister.stdout.take().expect("stdout"));
    std::io::BufRead::read_line(&mut stdout, &mut first).expect("read the first line");
    let id = first.split_whitespace().next().expect("an id").to_string();
    // The lister is now blocked on its output (or done); the wait is a
    // bound for a broken build, not a time this one needs.
    let shown = env.run(&["--lock-wait", "120", "show", &id]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(shown.stdout.contains(&id), "{}", shown.stdout);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("read the rest");
    let listed = lister.wait_with_output().expect("sources");
    assert!(listed.status.success(), "{listed:?}");
    assert_eq!(1 + rest.lines().count(), 1200, "every source listed");
}
