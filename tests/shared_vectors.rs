//! Tests against the shared third-party material in ../shared. They run from
//! .ci/run, which sets PROVDB_REQUIRE_SHARED=1 so that missing material fails
//! there; a plain `cargo test` on a fresh clone without ../shared skips them.

mod common;

use std::path::PathBuf;

fn shared(path: &str) -> Option<PathBuf> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join(path);
    if full.exists() {
        return Some(full);
    }
    assert!(
        std::env::var_os("PROVDB_REQUIRE_SHARED").is_none(),
        "../shared/{path} is missing and PROVDB_REQUIRE_SHARED is set"
    );
    None
}

fn read_json(path: &PathBuf) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

/// Every official BLAKE3 vector: provdb's source id is the first 32 bytes of `hash`.
#[test]
fn official_blake3_vectors() {
    let Some(path) = shared("vectors/blake3/test_vectors.json") else {
        return;
    };
    let vectors = read_json(&path);
    let cases = vectors["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 35);
    for case in cases {
        let length = case["input_len"].as_u64().expect("len") as usize;
        let input: Vec<u8> = (0..length).map(|i| (i % 251) as u8).collect();
        let expected = &case["hash"].as_str().expect("hash")[..64];
        assert_eq!(
            provdb::identity::source_id(&input).to_hex(),
            expected,
            "input length {length}"
        );
    }
}

/// `provdb add` prints, for each real news article, the hash the reference
/// b3sum 1.8.7 wrote in its manifest, and stores the bytes under that name.
#[test]
fn add_agrees_with_the_b3sum_manifest() {
    let Some(manifest) = shared("vectors/b3sum/06-news-articles.b3") else {
        return;
    };
    let Some(news) = shared("data/news") else {
        return;
    };
    let env = common::TestEnv::new();
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let mut checked = 0;
    for line in text.lines().filter(|line| !line.is_empty()) {
        let (hash, name) = line
            .split_once("  ")
            .expect("b3sum line: hash, two spaces, name");
        let path = news.join(name);
        let run = env.ok(&["--json", "add", path.to_str().expect("utf-8")]);
        assert_eq!(run.json()["id"], hash, "{name}");
        let object = env.store.join("objects").join(&hash[..2]).join(&hash[2..]);
        assert_eq!(
            std::fs::read(object).expect("object"),
            std::fs::read(&path).expect("news")
        );
        checked += 1;
    }
    assert_eq!(checked, 4);
}

/// The W3C/Apache Annotator TextQuoteSelector match cases (ASCII: char offsets are byte offsets).
#[test]
fn textquote_match_cases() {
    let Some(path) = shared("vectors/textquote/textquote_cases.json") else {
        return;
    };
    let cases = read_json(&path);
    for case in cases["match_cases"].as_array().expect("cases") {
        let text = case["text"].as_str().expect("text");
        let selector = &case["selector"];
        let found = provdb::anchor::match_quote(
            text,
            selector["exact"].as_str().expect("exact"),
            selector["prefix"].as_str().unwrap_or(""),
            selector["suffix"].as_str().unwrap_or(""),
        );
        let found: Vec<[u64; 2]> = found
            .into_iter()
            .map(|range| [range.start as u64, range.end as u64])
            .collect();
        let expected: Vec<[u64; 2]> =
            serde_json::from_value(case["expected"].clone()).expect("ranges");
        assert_eq!(found, expected, "match case {:?}", case["name"]);
    }
}

/// The describe cases: the context chosen to make a quote unique.
#[test]
fn textquote_describe_cases() {
    let Some(path) = shared("vectors/textquote/textquote_cases.json") else {
        return;
    };
    let cases = read_json(&path);
    let mut checked = 0;
    for case in cases["describe_cases"].as_array().expect("cases") {
        let text = case["text"].as_str().expect("text");
        let range = case["range"].as_array().expect("range");
        let range =
            range[0].as_u64().expect("start") as usize..range[1].as_u64().expect("end") as usize;
        let options = &case["options"];
        let defaults = provdb::anchor::DescribeOptions::default();
        let options = provdb::anchor::DescribeOptions {
            minimal_context: options["minimalContext"].as_bool().unwrap_or(false),
            minimum_quote_length: options["minimumQuoteLength"]
                .as_u64()
                .map(|n| n as usize)
                .unwrap_or(0),
            max_word_length: options["maxWordLength"]
                .as_u64()
                .map(|n| n as usize)
                .unwrap_or(defaults.max_word_length),
        };
        let (prefix, suffix) = provdb::anchor::describe(text, range.clone(), options);
        let expected = &case["expected"];
        assert_eq!(
            &text[range],
            expected["exact"].as_str().expect("exact"),
            "{:?}",
            case["name"]
        );
        assert_eq!(
            (prefix.as_str(), suffix.as_str()),
            (
                expected["prefix"].as_str().expect("prefix"),
                expected["suffix"].as_str().expect("suffix")
            ),
            "describe case {:?} / {:?}",
            case["group"],
            case["name"]
        );
        checked += 1;
    }
    assert!(checked >= 15);
}

/// Exact quotes from real news text anchor at the offsets the shared table gives.
#[test]
fn news_quotes_anchor_at_their_offsets() {
    let Some(table) = shared("data/news/example_quotes.tsv") else {
        return;
    };
    let text = std::fs::read_to_string(&table).expect("tsv");
    let mut lines = text.lines().filter(|line| !line.starts_with('#'));
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let column = |name: &str| header.iter().position(|field| *field == name);
    let (Some(file_col), Some(quote_col), Some(start_col), Some(end_col)) = (
        column("file"),
        column("quote"),
        column("start"),
        column("end"),
    ) else {
        panic!("unexpected columns in example_quotes.tsv: {header:?}");
    };
    let mut checked = 0;
    for line in lines.filter(|line| !line.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let path = table.parent().expect("dir").join(fields[file_col]);
        let document = std::fs::read_to_string(&path).expect("news file");
        // Offsets are into the body, after the first (# header) line.
        let body = &document[document.find('\n').expect("header line") + 1..];
        let quote = fields[quote_col];
        let start: usize = fields[start_col].parse().expect("start");
        let end: usize = fields[end_col].parse().expect("end");
        let body_chars: Vec<char> = body.chars().collect();
        let expected: String = body_chars[start..end].iter().collect();
        assert_eq!(expected, quote, "the table's own offsets");
        let matches = provdb::anchor::match_quote(body, quote, "", "");
        let byte_start = body
            .char_indices()
            .nth(start)
            .map(|(at, _)| at)
            .unwrap_or(body.len());
        assert!(
            matches.iter().any(|range| range.start == byte_start),
            "quote {quote:?} not found at char {start}"
        );
        checked += 1;
    }
    assert!(checked >= 1);
}
