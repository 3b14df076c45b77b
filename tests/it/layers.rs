//! Text layers end to end: a web page and a file in another encoding added,
//! quoted as a reader sees them, traced, verified, receipted and carried.

use crate::common::{cite_args, fixture, TestEnv};

const PAGE: &str = "khojaly-article-2024-02.html";

/// The original bytes a citation records, read from the page and made text
/// by hand: the entities this page uses decoded, whitespace runs collapsed.
fn original_text(page: &[u8], ranges: &serde_json::Value) -> String {
    let mut joined = String::new();
    for range in ranges.as_array().expect("ranges") {
        let start = range[0].as_u64().expect("start") as usize;
        let end = range[1].as_u64().expect("end") as usize;
        let piece = std::str::from_utf8(&page[start..end]).expect("utf-8 range");
        assert!(!piece.contains('<'), "a range holds markup: {piece:?}");
        joined.push_str(piece);
    }
    let decoded = joined
        .replace("&nbsp;", "\u{a0}")
        .replace("&#8217;", "\u{2019}")
        .replace("&amp;", "&");
    let mut collapsed = String::new();
    for (index, word) in decoded
        .split([' ', '\n', '\t', '\r'])
        .filter(|word| !word.is_empty())
        .enumerate()
    {
        if index > 0 {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

#[test]
fn a_web_page_is_quoted_as_a_reader_sees_it() {
    let env = TestEnv::new();
    let added = env
        .ok(&["--json", "add", fixture(PAGE).to_str().expect("utf-8")])
        .json();
    let source = added["id"].as_str().expect("id").to_string();
    assert_eq!(added["cannot_quote"], serde_json::Value::Null);
    assert_eq!(added["layer"]["extractor"], "provdb-html");
    assert_eq!(added["layer"]["params"]["encoding"], "utf-8");
    assert_eq!(added["layer"]["params"]["found"], "meta");

    // The page's metadata fills what was not given.
    let shown = env.ok(&["--json", "show", &source[..12]]).json();
    let meta = &shown["meta"];
    assert_eq!(
        meta["title"],
        "Khojaly, 26 February 1992: the figures behind an anniversary"
    );
    assert_eq!(meta["authors"], serde_json::json!(["Desk Writer"]));
    assert_eq!(meta["publisher"], "Example News");
    assert_eq!(meta["url"], "https://news.example/2024/02/khojaly-figures");
    assert_eq!(meta["media_type"], "text/html");
    assert_eq!(meta["language"], "en");
    assert_eq!(meta["published"], "2024-02-26T09:00:00Z");

    // A quote across </strong>, with a straight apostrophe for &#8217;.
    let cited = env
        .ok(&cite_args(
            &source[..12],
            "article's account, 613 civilians were killed. Among",
            "civilians killed",
            "613",
        ))
        .json();
    assert_eq!(
        cited["selector"]["exact"],
        "article\u{2019}s account, 613 civilians were killed. Among"
    );
    let citation = cited["citation"].as_str().expect("id").to_string();
    // &amp; and a line break in the markup.
    env.ok(&cite_args(
        &source[..12],
        "15 countries & by the legislatures of 16 U.S. states",
        "U.S. states with resolutions",
        "16",
    ));
    // NBSP between the day, month and year.
    env.ok(&cite_args(
        &source[..12],
        "decision dated 22 April 2010",
        "ECHR decision",
        "2010-04-22",
    ));

    // What a reader never sees cannot be quoted.
    for (hidden, value) in [
        ("killed: 999", "999"),
        ("the count of 700", "700"),
        ("the figure 800", "800"),
        ("see 900 comments", "900"),
        ("About us", "1"),
        ("color: #666", "666"),
    ] {
        env.refused(
            &cite_args(&source[..12], hidden, "hidden", value)[1..],
            3,
            "the quote is not in the source",
        );
    }

    // The record keeps the original bytes; they are the quote's words.
    let page = std::fs::read(fixture(PAGE)).expect("page");
    let record = env.ok(&["--json", "show", &citation[..12]]).json();
    let layer = &record["layer"];
    assert_eq!(layer["object"], added["layer"]["id"]);
    assert_eq!(
        original_text(&page, &layer["original"]),
        "article\u{2019}s account, 613 civilians were killed. Among"
    );
    // "613 civilians" sits inside <strong>: the ranges skip the tags.
    assert!(layer["original"].as_array().expect("ranges").len() >= 2);

    // Trace shows the text around the quote, never markup.
    let trace = env.ok(&["trace", &cited["claim"].as_str().expect("claim")[..12]]);
    assert!(
        trace.stdout.contains(
            "by this \u{ab}article\u{2019}s account, 613 civilians were killed. Among\u{bb} the dead"
        ),
        "{}",
        trace.stdout
    );
    assert!(trace.stdout.contains("of its text layer"));
    assert!(!trace.stdout.contains("<strong>"), "{}", trace.stdout);

    let verified = env.ok(&["verify"]);
    assert!(
        verified
            .stdout
            .contains("1 text layer derived again from its source, identical"),
        "{}",
        verified.stdout
    );

    // A receipt proves the quote in the layer and the line that derived it.
    let receipt = env.ok(&["receipt", &citation[..12]]).stdout;
    let path = env.dir.path().join("receipt.json");
    std::fs::write(&path, &receipt).expect("write receipt");
    let checked = env.ok(&["verify-receipt", path.to_str().expect("utf-8")]);
    assert!(
        checked
            .stdout
            .contains("that, as log entry 3 states, provdb-html 1 derived from the document"),
        "{}",
        checked.stdout
    );
    assert!(
        checked
            .stdout
            .contains("which say these words (proved by a slice of the document)"),
        "{}",
        checked.stdout
    );
    let mut parsed: serde_json::Value = serde_json::from_str(&receipt).expect("json");
    assert_eq!(parsed["v"], 4);
    // A byte of the page's slice changed: the page's hash no longer holds.
    let mut altered = parsed.clone();
    let page_bytes = altered["layer"]["original_slice"]["bytes"]
        .as_str()
        .expect("bytes")
        .to_string();
    let flipped = if page_bytes.starts_with('A') {
        "B"
    } else {
        "A"
    };
    altered["layer"]["original_slice"]["bytes"] =
        serde_json::json!(format!("{flipped}{}", &page_bytes[1..]));
    std::fs::write(&path, altered.to_string()).expect("write receipt");
    let run = env.run(&["verify-receipt", path.to_str().expect("utf-8")]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("FAILED at the original link"),
        "{}",
        run.stdout
    );
    // Claiming other original bytes breaks the entry link.
    parsed["layer"]["original"][0][0] = serde_json::json!(0);
    std::fs::write(&path, parsed.to_string()).expect("write receipt");
    let run = env.run(&["verify-receipt", path.to_str().expect("utf-8")]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("FAILED at the entry link"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_changed_text_layer_is_damage_verify_names() {
    let env = TestEnv::new();
    let added = env
        .ok(&["--json", "add", fixture(PAGE).to_str().expect("utf-8")])
        .json();
    let source = added["id"].as_str().expect("id").to_string();
    env.ok(&cite_args(
        &source[..12],
        "1,275 residents",
        "captured",
        "1275",
    ));
    let layer = added["layer"]["id"].as_str().expect("layer").to_string();
    let path = env.object_path(&layer);
    let bytes = std::fs::read(&path).expect("layer object");

    // The layer's bytes edited: its hash and the quote no longer hold.
    let edited = String::from_utf8(bytes.clone())
        .expect("utf-8")
        .replace("1,275", "2,275");
    std::fs::write(&path, &edited).expect("write");
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("DAMAGED object {layer}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "its quote is no longer at its byte range in text layer {}",
            &layer[..12]
        )),
        "{}",
        run.stdout
    );
    std::fs::write(&path, &bytes).expect("restore");
    env.ok(&["verify"]);

    // A forged layer: other words stored under their own hash, and the
    // journal rewritten to name it (chain rebuilt; the citation, whose id
    // hashes the layer, left out). Every hash holds; the source's bytes,
    // derived again, do not give that text.
    let env = TestEnv::new();
    env.ok(&["add", fixture(PAGE).to_str().expect("utf-8")]);
    let forged_id = provdb::identity::source_id(edited.as_bytes())
        .to_hex()
        .to_string();
    let forged_path = env.object_path(&forged_id);
    std::fs::create_dir_all(forged_path.parent().expect("dir")).expect("mkdir");
    std::fs::write(&forged_path, &edited).expect("write forged");
    let journal = env.store.join("journal");
    let text = std::fs::read_to_string(&journal).expect("journal");
    std::fs::write(
        &journal,
        crate::common::rechain(&text.replace(&layer, &forged_id)),
    )
    .expect("write journal");
    env.ok(&["reindex"]);
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "DAMAGED text layer {forged_id}: provdb-html 1 derives other text from source {}",
            &source[..12]
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn text_in_other_encodings_is_read_through_a_layer() {
    let env = TestEnv::new();
    // FF FE inside ASCII: not UTF-8; the detector reads it as a legacy
    // single-byte encoding, and the ASCII words quote as they are.
    let invalid = env.add("bad/invalid-utf8.txt", &[]);
    env.ok(&cite_args(
        &invalid[..12],
        "The toll was 613",
        "civilians killed",
        "613",
    ));
    // UTF-16 with its byte order mark, written here: "613 civilians\n".
    let mut utf16 = vec![0xff, 0xfe];
    for unit in "Khojaly: 613 civilians \u{2014} 26 f\u{e9}vrier 1992\n".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let path = env.dir.path().join("utf16.txt");
    std::fs::write(&path, &utf16).expect("write");
    let added = env
        .ok(&["--json", "add", path.to_str().expect("utf-8")])
        .json();
    assert_eq!(added["layer"]["params"]["encoding"], "utf-16le");
    assert_eq!(added["layer"]["params"]["found"], "bom");
    let id = added["id"].as_str().expect("id").to_string();
    let cited = env
        .ok(&cite_args(
            &id[..12],
            "613 civilians - 26 février",
            "civilians killed",
            "613",
        ))
        .json();
    assert_eq!(
        cited["selector"]["exact"],
        "613 civilians \u{2014} 26 f\u{e9}vrier"
    );
    // Windows-1252 named by a page's meta charset: é is one byte, E9.
    let page = b"<html><head><meta charset=\"windows-1252\"></head><body><p>Le bilan: 613 victimes civiles, d\xe9clar\xe9 en 1992.</p></body></html>";
    let path = env.dir.path().join("latin.html");
    std::fs::write(&path, page).expect("write");
    let added = env
        .ok(&["--json", "add", path.to_str().expect("utf-8")])
        .json();
    assert_eq!(added["layer"]["params"]["encoding"], "windows-1252");
    let id = added["id"].as_str().expect("id").to_string();
    let cited = env
        .ok(&cite_args(
            &id[..12],
            "613 victimes civiles, déclaré",
            "civilians killed",
            "613",
        ))
        .json();
    let shown = env
        .ok(&[
            "--json",
            "show",
            &cited["citation"].as_str().expect("id")[..12],
        ])
        .json();
    // "613 victimes civiles, d\xe9clar\xe9": 3 + 1 + 8 + 1 + 8 + 1 + 7 = 29
    // bytes of the page, one per character (29 characters).
    let start = page
        .windows(3)
        .position(|window| window == b"613")
        .expect("613");
    assert_eq!(
        shown["layer"]["original"],
        serde_json::json!([[start, start + 29]])
    );
    env.ok(&["verify"]);
}

#[test]
fn a_new_revision_of_a_page_carries_quotes_in_its_layer() {
    let env = TestEnv::new();
    let first = env.add(PAGE, &["--doc", "khojaly"]);
    let cited = env
        .ok(&cite_args(
            &first[..12],
            "1,275 residents",
            "captured",
            "1275",
        ))
        .json();
    let page = std::fs::read_to_string(fixture(PAGE)).expect("page");
    let second = page.replace("15 countries", "17 countries");
    let path = env.dir.path().join("second.html");
    std::fs::write(&path, second).expect("write");
    let added = env
        .ok(&[
            "--json",
            "add",
            path.to_str().expect("utf-8"),
            "--doc",
            "khojaly",
        ])
        .json();
    assert_eq!(added["revision"], 2);
    assert_eq!(added["drift"]["counts"]["unchanged"], 1, "{added}");
    let trace = env
        .ok(&[
            "--json",
            "trace",
            &cited["claim"].as_str().expect("claim")[..12],
        ])
        .json();
    let carried = trace["citations"]
        .as_array()
        .expect("citations")
        .iter()
        .find(|item| item["carried_from"].is_object())
        .expect("a carried citation")
        .clone();
    assert_eq!(carried["layer"]["object"], added["layer"]["id"]);
    env.ok(&["verify"]);
}

#[test]
fn pages_too_large_are_refused_and_deep_ones_read() {
    let env = TestEnv::new();
    // Just over the 32 MB a page may be: refused with one line, nothing kept.
    let big = env.dir.path().join("big.html");
    let paragraph = "<p>613 killed in the town.</p>\n";
    let copies = (32 << 20) / paragraph.len() + 1;
    std::fs::write(&big, paragraph.repeat(copies)).expect("write");
    env.refused(
        &["add", big.to_str().expect("utf-8")],
        3,
        "over the 32 MB provdb reads as HTML; add it with --media-type text/plain",
    );
    // Nested 100,000 deep, closed and unclosed: read, and the words
    // quotable. Both pages have the same text layer: each source's quotes
    // are anchored in it, whichever was added first.
    let mut ids = Vec::new();
    for (name, page) in [
        (
            "deep.html",
            format!(
                "<html><body>{}613 killed{}</body></html>",
                "<div>".repeat(100_000),
                "</div>".repeat(100_000)
            ),
        ),
        (
            "unclosed.html",
            format!("<html><body>{}613 killed", "<b><i>".repeat(50_000)),
        ),
    ] {
        let path = env.dir.path().join(name);
        std::fs::write(&path, page).expect("write");
        let added = env
            .ok(&["--json", "add", path.to_str().expect("utf-8")])
            .json();
        assert_eq!(
            added["layer"]["size"], 10,
            "{name}: the layer is \"613 killed\""
        );
        ids.push(added["id"].as_str().expect("id").to_string());
    }
    for id in &ids {
        env.ok(&cite_args(
            &id[..12],
            "613 killed",
            "civilians killed",
            "613",
        ));
    }
    env.ok(&["verify"]);
}

/// A layer said to be made by a version of provdb's own extractor that
/// never existed (here "provdb-html 0", written into the journal with text
/// the page does not have, and a citation of that text) was not made by
/// provdb: verify says so, as damage. (Another version of an extractor that
/// is not provdb's, poppler's, is re-anchored instead: tests/it/pdfs.rs.)
#[test]
fn a_layer_of_an_own_extractor_version_that_never_existed_is_damage() {
    let env = TestEnv::new();
    let added = env
        .ok(&["--json", "add", fixture(PAGE).to_str().expect("utf-8")])
        .json();
    let source = added["id"].as_str().expect("id").to_string();
    env.ok(&cite_args(
        &source[..12],
        "1,275 residents",
        "captured",
        "1275",
    ));
    let layer = added["layer"]["id"].as_str().expect("layer").to_string();
    let text = std::fs::read_to_string(env.object_path(&layer)).expect("layer text");
    // The older version's text: the same, with a clause the page does not have.
    let older = text.replace(
        "1,275 residents were taken captive",
        "1,275 residents were taken captive, 999 of them in one night",
    );
    assert_ne!(older, text);
    let older_id = env.forge_older_layer(&older, "0", "999 of them in one night");

    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let expected = format!(
        "DAMAGED text layer {}: names provdb-html 0, a version of provdb's own extractor that never existed",
        older_id.to_hex()
    );
    assert!(
        run.stdout.contains(&expected),
        "{expected:?} not in {}",
        run.stdout
    );
}
