//! `provdb search`: figures and phrases found in sources, quotes, claims and
//! reviews; the index caught up, rebuilt when it cannot be trusted, and
//! never showing the text of a damaged source.

use crate::common::{cite_args, fixture, TestEnv};
use serde_json::Value;

/// The store of the README: the February article as khojaly@1, the survey,
/// and two citations.
fn store() -> (TestEnv, String, String) {
    let env = TestEnv::new();
    let article = env.add(
        "khojaly-article-2024-02.txt",
        &["--doc", "khojaly", "--published", "2024-02-26"],
    );
    env.add(
        "regional-survey-1993.txt",
        &["--title", "A regional survey", "--published", "1993"],
    );
    let cited = env
        .ok(&cite_args(
            "khojaly@1",
            "1,275 residents were taken captive",
            "residents taken captive",
            "1275",
        ))
        .json();
    env.ok(&cite_args(
        "khojaly@1",
        "613 civilians",
        "civilians killed",
        "613",
    ));
    (
        env,
        article,
        cited["citation"].as_str().expect("citation").to_string(),
    )
}

/// The (kind, id) of every hit, in order.
fn hits(output: &Value) -> Vec<(String, String)> {
    output["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|hit| {
            (
                hit["kind"].as_str().expect("kind").to_string(),
                hit["id"].as_str().expect("id").to_string(),
            )
        })
        .collect()
}

fn kinds(output: &Value) -> Vec<String> {
    let mut kinds: Vec<String> = hits(output).into_iter().map(|(kind, _)| kind).collect();
    kinds.sort();
    kinds
}

#[test]
fn figures_match_however_their_thousands_are_grouped() {
    let (env, article, citation) = store();
    // The article writes "1,275"; the claim's value is 1275: the quote, the
    // claim and the article's text all match, written either way.
    for query in ["1,275", "1275", "1\u{a0}275"] {
        let output = env.ok(&["--json", "search", query]).json();
        assert_eq!(
            kinds(&output),
            vec!["claim", "quote", "source"],
            "{query}: {output}"
        );
        assert_eq!(output["total"], 3);
    }
    let output = env.ok(&["--json", "search", "\"1,275 residents\""]).json();
    let found = hits(&output);
    assert!(
        found.contains(&("quote".into(), citation.clone())),
        "{output}"
    );
    assert!(
        found.contains(&("source".into(), article.clone())),
        "{output}"
    );
    // The passage shown is the source's own text, the matched words marked.
    let source_hit = output["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .find(|hit| hit["kind"] == "source")
        .expect("source hit");
    let snippet = &source_hit["snippet"];
    let text = snippet["text"].as_str().expect("text");
    let marked: Vec<&str> = snippet["highlights"]
        .as_array()
        .expect("highlights")
        .iter()
        .map(|range| {
            &text[range[0].as_u64().expect("s") as usize..range[1].as_u64().expect("e") as usize]
        })
        .collect();
    assert_eq!(marked, vec!["1,275", "residents"]);
    assert_eq!(source_hit["intact"], true);
    assert_eq!(source_hit["revisions"][0], "khojaly@1");
    // A word that is not there, and one left out.
    let output = env.ok(&["--json", "search", "zeppelin"]).json();
    assert_eq!(output["total"], 0);
    // "residents" without "captive": the survey (fixtures/regional-survey-1993.txt
    // speaks of residents who fled), not the article or its quote.
    let output = env.ok(&["--json", "search", "residents -captive"]).json();
    assert_eq!(output["total"], 1, "{output}");
    assert_eq!(output["hits"][0]["title"], "A regional survey");
    // The text output marks the words matched.
    let run = env.ok(&["search", "1,275"]);
    assert!(
        run.stdout.starts_with("3 of 3 match(es) for \"1,275\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("«1,275» residents were taken captive"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_index_follows_the_journal_and_the_as_of_cut() {
    let (env, _, citation) = store();
    let first = env.ok(&["--json", "search", "survey"]).json();
    assert_eq!(first["rebuilt"], true);
    assert!(first["indexed_entries"].as_u64().expect("n") > 0);
    let again = env.ok(&["--json", "search", "survey"]).json();
    assert_eq!(
        (again["rebuilt"].clone(), again["indexed_entries"].clone()),
        (false.into(), 0.into())
    );
    let time = env.ok(&["--json", "show", &citation]).json()["recorded"]
        .as_str()
        .expect("recorded")
        .to_string();
    // A note added later is found after one more entry is read.
    let note = env.dir.path().join("note.txt");
    std::fs::write(&note, "A zeppelin was seen over the valley.\n").expect("write");
    env.ok(&["add", note.to_str().expect("utf-8")]);
    let later = env.ok(&["--json", "search", "zeppelin"]).json();
    assert_eq!(later["total"], 1);
    assert_eq!(later["rebuilt"], false);
    assert!(later["indexed_entries"].as_u64().expect("n") >= 1);
    // Not as the store stood when the citation was recorded.
    let then = env
        .ok(&["--json", "search", "zeppelin", "--as-of", &time])
        .json();
    assert_eq!(then["total"], 0, "{then}");
    // A retracted citation is still found, and says so.
    env.ok(&["retract", &citation, "--reason", "the wrong sentence"]);
    let output = env.ok(&["--json", "search", "\"taken captive\""]).json();
    let quote = output["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .find(|hit| hit["kind"] == "quote")
        .expect("quote");
    assert_eq!(quote["quote"]["retracted"], true);
}

#[test]
fn an_index_that_cannot_be_trusted_is_rebuilt() {
    let (env, _, _) = store();
    env.ok(&["search", "1,275"]);
    let dir = env.store.join("search");
    // Garbage for its commit record: rebuilt, same answers.
    std::fs::write(dir.join("meta.json"), b"{not json").expect("write");
    let output = env.ok(&["--json", "search", "1,275"]).json();
    assert_eq!(
        (output["rebuilt"].clone(), output["total"].clone()),
        (true.into(), 3.into())
    );
    // Every index file cut short.
    for entry in std::fs::read_dir(&dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|name| name != "meta.json") {
            std::fs::write(&path, b"").expect("truncate");
        }
    }
    let run = env.run(&["--json", "search", "1,275"]);
    // Opening reads the segments' footers: a cut file is found then, and the
    // index rebuilt; never a crash or a wrong answer.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["total"], 3);
    // Another store's index, copied in: its mark names a line this journal
    // does not hold, so it is rebuilt.
    let other = TestEnv::new();
    other.add("relief-agency-note-1992.txt", &[]);
    other.ok(&["search", "relief"]);
    std::fs::remove_dir_all(&dir).expect("remove");
    crate::common::copy_tree(&other.store.join("search"), &dir);
    let output = env.ok(&["--json", "search", "1,275"]).json();
    assert_eq!(
        (output["rebuilt"].clone(), output["total"].clone()),
        (true.into(), 3.into())
    );
    // reindex drops it; the next search builds it again.
    env.ok(&["reindex"]);
    assert!(!dir.exists());
    assert_eq!(
        env.ok(&["--json", "search", "1,275"]).json()["rebuilt"],
        true
    );
    env.ok(&["verify"]);
}

#[test]
fn a_damaged_source_is_found_but_its_text_not_shown() {
    let (env, article, _) = store();
    env.ok(&["search", "captive"]);
    let object = env.object_path(&article);
    let mut bytes = std::fs::read(&object).expect("object");
    let at = bytes.len() - 3;
    bytes[at] ^= 0x01;
    std::fs::write(&object, bytes).expect("write");
    let output = env.ok(&["--json", "search", "captive"]).json();
    let source = output["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .find(|hit| hit["kind"] == "source")
        .expect("source hit");
    assert_eq!(source["intact"], false);
    assert!(source["snippet"].is_null(), "{source}");
    let run = env.ok(&["search", "captive"]);
    assert!(
        run.stdout.contains("no longer hash to its id"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_queries_are_refused_in_one_line() {
    let (env, _, _) = store();
    env.ok(&["search", "1,275"]);
    env.refused(&["search", "\"unclosed"], 2, "cannot read the query");
    env.refused(&["search", "   "], 2, "the query is empty");
    let long = "word ".repeat(300);
    env.refused(&["search", &long], 2, "over the 1000 a query may be");
    env.refused(&["search", "x", "--limit", "0"], 2, "--limit");
    env.refused(
        &["search", "x", "--as-of", "yesterday-ish"],
        2,
        "yesterday-ish",
    );
    // A bad query on a store with no index yet builds none.
    let fresh = TestEnv::new();
    fresh.refused(&["search", "\"unclosed"], 2, "cannot read the query");
    assert!(!fresh.store.join("search").exists());
    let _ = fixture("khojaly-article-2024-02.txt");
}

#[test]
fn the_index_outlives_a_killed_search_and_an_as_of_search() {
    let (env, article, _) = store();
    env.ok(&["search", "captive"]);
    let dir = env.store.join("search");
    // No lock file is left to refuse the next writer: the store's lock
    // serialises searches; one left by a killed process changes nothing.
    for entry in std::fs::read_dir(&dir).expect("dir") {
        let name = entry.expect("entry").file_name();
        assert!(!name.to_string_lossy().ends_with(".lock"), "{name:?}");
    }
    std::fs::write(dir.join(".tantivy-writer.lock"), b"").expect("stale lock");
    let note = env.dir.path().join("note.txt");
    std::fs::write(&note, "A zeppelin was seen.\n").expect("write");
    env.ok(&["add", note.to_str().expect("utf-8")]);
    assert_eq!(env.ok(&["--json", "search", "zeppelin"]).json()["total"], 1);
    // A search as of an earlier time leaves the index as the store stands:
    // a title given later is still found, and shown as it is now.
    let before = env.ok(&["--json", "show", &article]).json()["recorded"]
        .as_str()
        .expect("recorded")
        .to_string();
    // "Retold" is in no text of the store but the new title.
    env.ok(&[
        "amend",
        &article,
        "--title",
        "The assault retold",
        "--reason",
        "retitled",
    ]);
    env.ok(&["search", "captive", "--as-of", &before]);
    let output = env.ok(&["--json", "search", "retold"]).json();
    assert_eq!(output["total"], 1, "{output}");
    assert_eq!(output["hits"][0]["title"], "The assault retold");
}

#[test]
fn a_query_may_start_with_a_minus() {
    let (env, _, _) = store();
    // "-captive residents": a query, not a flag.
    let output = env.ok(&["--json", "search", "-captive residents"]).json();
    assert_eq!(output["total"], 1, "{output}");
}
