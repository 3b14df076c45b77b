//! Reviews: `review`, `reviews`, `import --format claimreview` and
//! `export --format claimreview`, on the fixtures. The real publishers'
//! markup in ../shared is read in tests/it/shared_vectors.rs.

use crate::common;

use crate::common::{fixture, TestEnv};
use serde_json::Value;

const ARTICLE: &str = "khojaly-article-2024-02.txt";

/// A store with the article and one claim cited in it; returns the claim id.
fn store_with_claim(env: &TestEnv) -> String {
    let article = env.add(
        ARTICLE,
        &[
            "--title",
            "The article",
            "--url",
            "https://news.example/khojaly",
            "--published",
            "2024-02-26",
        ],
    );
    let run = env.ok(&[
        "--json",
        "cite",
        &article,
        "--quote",
        "613 civilians",
        "--subject",
        "Khojaly, 26 February 1992",
        "--property",
        "civilians killed",
        "--value",
        "613",
    ]);
    run.json()["claim"].as_str().expect("claim").to_string()
}

/// Records Desk One's verdict "Sources differ" on a claim; returns the review's JSON.
fn review_by_desk_one(env: &TestEnv, claim: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "--json",
        "review",
        claim,
        "--rating",
        "Sources differ",
        "--by",
        "Desk One",
        "--url",
        "https://desk-one.example/r",
    ];
    args.extend_from_slice(extra);
    env.ok(&args).json()
}

#[test]
fn review_records_a_verdict_and_lists_it() {
    let env = TestEnv::new();
    let claim = store_with_claim(&env);
    let run = env.ok(&[
        "--json",
        "review",
        &claim[..12],
        "--rating",
        "Sources differ",
        "--rating-value",
        "2",
        "--best",
        "5",
        "--worst",
        "1",
        "--by",
        "Desk One",
        "--by-url",
        "https://desk-one.example/",
        "--url",
        "https://desk-one.example/khojaly-613",
        "--date",
        "2024-03-01",
    ]);
    let review = run.json();
    assert_eq!(review["claim"], claim.as_str());
    assert_eq!(review["rating"]["label"], "Sources differ");
    assert_eq!(review["rating"]["value"], "2");
    assert_eq!(review["authors"][0]["name"], "Desk One");
    assert_eq!(review["date"]["when"], "2024-03-01");
    assert_eq!(
        review["claim_reviewed"][0],
        "Khojaly, 26 February 1992 · civilians killed = 613"
    );
    let listed = env.ok(&["--json", "reviews", &claim]).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let text = env.ok(&["reviews"]).stdout;
    assert!(
        text.contains("\"Sources differ\" (2 on 1..5) by Desk One of claim"),
        "{text}"
    );
    // trace shows it under the claim.
    let trace = env.ok(&["trace", &claim]).stdout;
    assert!(
        trace.contains("review: \"Sources differ\" (2 on 1..5) by Desk One"),
        "{trace}"
    );
    assert_eq!(
        env.ok(&["--json", "trace", &claim]).json()["reviews"][0]["rating"]["label"],
        "Sources differ"
    );
    // The journal says it, and verify holds.
    assert!(env
        .ok(&["log"])
        .stdout
        .contains("review: \"Sources differ\""));
    env.ok(&["verify"]);
    // Recorded before the review: --as-of sees none.
    let first = env.ok(&["--json", "claims"]).json()["claims"][0]["recorded"]
        .as_str()
        .expect("recorded")
        .to_string();
    let before = env.ok(&["--json", "reviews", "--as-of", &first]).json();
    assert_eq!(before.as_array().map(Vec::len), Some(0));
}

#[test]
fn bad_reviews_are_refused_with_one_line_and_no_change() {
    let env = TestEnv::new();
    let claim = store_with_claim(&env);
    let review = |extra: &[&str]| -> Vec<String> {
        let url = if extra.contains(&"--url") {
            [].as_slice()
        } else {
            ["--url", "https://d.example/r"].as_slice()
        };
        let mut args: Vec<String> = ["review", claim.as_str(), "--by", "Desk"]
            .iter()
            .chain(url)
            .map(ToString::to_string)
            .collect();
        args.extend(extra.iter().map(ToString::to_string));
        args
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            review(&["--rating", " "]),
            "--rating is empty; give the verdict in words, e.g. --rating False",
        ),
        (
            review(&["--rating", "F", "--url", "d.example/r"]),
            "not an absolute http(s) address",
        ),
        (
            review(&["--rating", "F", "--rating-value", "x"]),
            "\"x\" is not a number",
        ),
        (
            review(&[
                "--rating",
                "F",
                "--rating-value",
                "9",
                "--best",
                "5",
                "--worst",
                "1",
            ]),
            "--rating-value 9 is outside the scale from --worst 1 to --best 5; fix the value or the scale",
        ),
        (
            review(&["--rating", "F", "--best", "5", "--worst", "5"]),
            "--best equals --worst (5); a scale needs two ends",
        ),
        (
            review(&["--rating", "F", "--rating-value", "2", "--best", "5"]),
            "--rating-value has only one end of its scale; give both --best and --worst, or neither",
        ),
        (review(&["--rating", "F", "--date", "2024-02-30"]), "--date"),
    ];
    for (args, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        env.refused(&args, 2, needle);
    }
    env.refused(
        &[
            "review",
            "ffff",
            "--rating",
            "F",
            "--by",
            "D",
            "--url",
            "https://d.example/",
        ],
        3,
        "no source, claim or citation",
    );
    // The same verdict at the same address twice is refused too.
    let args = review(&["--rating", "F"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.ok(&args);
    env.refused(&args, 2, "already recorded");
}

#[test]
fn imports_markup_in_every_shape_and_keeps_what_it_states() {
    let env = TestEnv::new();
    let sample = fixture("claimreview-sample.json");
    let sample = sample.to_str().expect("utf-8");
    let run = env
        .ok(&["--json", "import", "--format", "claimreview", sample])
        .json();
    assert_eq!(run["new_source"], true);
    let reviews = run["reviews"].as_array().expect("reviews");
    // Read by hand from the fixture: three reviews, in document order.
    let pointers: Vec<&str> = reviews
        .iter()
        .map(|review| review["markup"]["pointer"].as_str().expect("pointer"))
        .collect();
    assert_eq!(
        pointers,
        [
            "/pages/0/@graph/1",
            "/pages/1/0",
            "/pages/2/claims/0/claimReview/0"
        ]
    );
    let first = &reviews[0];
    assert_eq!(
        first["claim_reviewed"][0],
        "613 civilians were killed at Khojaly on 26 February 1992"
    );
    assert_eq!(
        first["rating"],
        serde_json::json!({"label": "Sources differ", "value": "2", "best": "5", "worst": "1"})
    );
    assert_eq!(first["date"]["stated"], "2024-03-01T09:30:00+0400");
    assert_eq!(first["date"]["when"], "2024-03-01T09:30:00+04:00");
    assert_eq!(first["claimants"][0]["name"], "A news site");
    assert_eq!(first["appearances"][0], "https://news.example/khojaly");
    assert_eq!(first["missing"], serde_json::json!([]));
    let second = &reviews[1];
    assert_eq!(
        second["claim_reviewed"],
        serde_json::json!(["The town had about 7,000 residents", "before the war"])
    );
    assert_eq!(second["rating"]["value"], "4");
    assert_eq!(second["rating"]["worst"], Value::Null);
    assert_eq!(second["authors"].as_array().map(Vec::len), Some(2));
    assert_eq!(second["url"], "/relative/review");
    for finding in [
        "reviewRating.worstRating is empty",
        "no datePublished",
        "url \"/relative/review\" is not an absolute address; kept as stated",
    ] {
        assert!(
            second["missing"]
                .as_array()
                .expect("missing")
                .contains(&Value::from(finding)),
            "{finding} in {}",
            second["missing"]
        );
    }
    assert_eq!(
        second["date"],
        Value::Null,
        "a missing date is never invented"
    );
    let third = &reviews[2];
    assert_eq!(
        third["claim_reviewed"][0],
        "1,275 residents were taken captive"
    );
    assert_eq!(third["rating"]["label"], "Unverified");
    assert_eq!(third["date"]["when"], "2024-03-02T10:15:00");
    assert_eq!(third["claim_date"]["when"], "2024-02-27T08:00:00Z");
    assert_eq!(third["claimants"][0]["name"], "A social media post");
    assert_eq!(third["language"], "en");
    assert!(third["missing"]
        .as_array()
        .expect("missing")
        .contains(&Value::from("publisher has no name")));
    // The markup is a source, byte for byte.
    let source = run["source"].as_str().expect("source");
    let bytes = std::fs::read(fixture("claimreview-sample.json")).expect("fixture");
    assert_eq!(source, blake3::hash(&bytes).to_hex().as_str());
    // A second import records nothing new.
    let again = env
        .ok(&["--json", "import", "--format", "claimreview", sample])
        .json();
    assert_eq!(again["already"], 3);
    assert_eq!(again["reviews"].as_array().map(Vec::len), Some(0));
    env.ok(&["verify"]);
}

#[test]
fn bad_markup_is_refused_with_one_line_and_no_change() {
    let env = TestEnv::new();
    store_with_claim(&env);
    let dir = env.dir.path();
    let not_json = dir.join("not.json");
    std::fs::write(&not_json, b"{\"@type\": \"ClaimReview\"").expect("write");
    let no_review = dir.join("none.json");
    std::fs::write(
        &no_review,
        br#"{"@context": "https://schema.org", "@type": "NewsArticle"}"#,
    )
    .expect("write");
    let empty = dir.join("empty.json");
    std::fs::write(&empty, b"").expect("write");
    for (path, needle) in [
        (not_json, "is not JSON"),
        (no_review, "holds no ClaimReview object"),
        (empty, "is empty"),
        (dir.join("missing.json"), "no such file"),
        (dir.to_path_buf(), "is a directory"),
    ] {
        env.refused(
            &[
                "import",
                "--format",
                "claimreview",
                path.to_str().expect("utf-8"),
            ],
            3,
            needle,
        );
    }
}

/// The export: one Claim node per claim (reviewed claims inside their
/// ClaimReview), appearances by BLAKE3 URN with the source's address.
#[test]
fn export_writes_claimreview_and_claim_nodes() {
    let env = TestEnv::new();
    let claim = store_with_claim(&env);
    let survey = env.add(
        "regional-survey-1993.txt",
        &["--title", "A survey", "--published", "1993-05-01"],
    );
    // A second claim, not reviewed: its source is the survey.
    let run = env.ok(&[
        "--json",
        "cite",
        &survey,
        "--quote",
        "485",
        "--subject",
        "Khojaly, 26 February 1992",
        "--property",
        "civilians killed",
        "--value",
        "485",
    ]);
    let other = run.json()["claim"].as_str().expect("claim").to_string();
    review_by_desk_one(&env, &claim, &["--date", "2024-03-01"]);
    let out = env.dir.path().join("cr.json");
    env.ok(&[
        "export",
        "--format",
        "claimreview",
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    let document: Value =
        serde_json::from_slice(&std::fs::read(&out).expect("read")).expect("json");
    assert_eq!(document["@context"], "https://schema.org");
    let graph = document["@graph"].as_array().expect("graph");
    assert_eq!(graph.len(), 2, "one review and one unreviewed claim");
    let review = &graph[0];
    assert_eq!(review["@type"], "ClaimReview");
    assert_eq!(review["reviewRating"]["alternateName"], "Sources differ");
    assert_eq!(review["datePublished"], "2024-03-01");
    let item = &review["itemReviewed"];
    assert_eq!(item["@id"], format!("urn:provdb:claim:{claim}"));
    let article = blake3::hash(&std::fs::read(fixture(ARTICLE)).expect("fixture"))
        .to_hex()
        .to_string();
    assert_eq!(
        item["appearance"][0]["@id"],
        format!("urn:blake3:{article}")
    );
    assert_eq!(item["appearance"][0]["url"], "https://news.example/khojaly");
    assert_eq!(
        item["firstAppearance"]["@id"],
        format!("urn:blake3:{article}")
    );
    let unreviewed = &graph[1];
    assert_eq!(unreviewed["@type"], "Claim");
    assert_eq!(unreviewed["@id"], format!("urn:provdb:claim:{other}"));
    assert_eq!(unreviewed["firstAppearance"]["datePublished"], "1993-05-01");
}

/// A review naming a claim the journal never recorded is caught by verify,
/// even with the hash chain rebuilt around the edit.
#[test]
fn verify_catches_a_review_of_an_unrecorded_claim() {
    let env = TestEnv::new();
    let claim = store_with_claim(&env);
    env.ok(&[
        "review",
        &claim,
        "--rating",
        "F",
        "--by",
        "Desk",
        "--url",
        "https://d.example/r",
    ]);
    let path = env.store.join("journal");
    let journal = std::fs::read_to_string(&path).expect("journal");
    let line = journal.lines().last().expect("line");
    assert!(line.contains("\"op\":\"review\""), "{line}");
    let forged = "ab".repeat(32);
    let tampered = journal.replacen(
        &format!("\"claim\":\"{claim}\",\"claim_reviewed\""),
        &format!("\"claim\":\"{forged}\",\"claim_reviewed\""),
        1,
    );
    assert_ne!(tampered, journal);
    std::fs::write(&path, common::rechain(&tampered)).expect("tamper");
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("review rates claim abababababab, recorded nowhere before it"),
        "{}",
        run.stdout
    );
}

/// PROV-JSON carries reviews: the review entity names the claim it rates
/// and is attributed to its reviewer; an imported one derives from its markup.
#[test]
fn prov_json_carries_reviews() {
    let env = TestEnv::new();
    let claim = store_with_claim(&env);
    let seq = review_by_desk_one(&env, &claim, &[])["seq"]
        .as_u64()
        .expect("seq");
    let sample = fixture("claimreview-sample.json");
    let imported = env
        .ok(&[
            "--json",
            "import",
            "--format",
            "claimreview",
            sample.to_str().expect("utf-8"),
        ])
        .json();
    let markup = imported["source"].as_str().expect("source").to_string();
    let first_imported = imported["reviews"][0]["seq"].as_u64().expect("seq");
    let out = env.export("prov-json", "prov.json");
    let prov: Value = serde_json::from_slice(&std::fs::read(&out).expect("read")).expect("json");
    let review = &prov["entity"][format!("provdb:review-{seq}")];
    assert_eq!(review["prov:label"], "Sources differ");
    assert_eq!(review["provdb:about"], format!("provdb:claim-{claim}"));
    let attributed: Vec<&Value> = prov["wasAttributedTo"]
        .as_object()
        .expect("attributions")
        .values()
        .filter(|relation| relation["prov:entity"] == format!("provdb:review-{seq}"))
        .collect();
    assert_eq!(attributed.len(), 1);
    let agent = attributed[0]["prov:agent"].as_str().expect("agent");
    assert_eq!(prov["agent"][agent]["prov:label"], "Desk One");
    assert_eq!(prov["agent"][agent]["prov:type"]["$"], "prov:Organization");
    let derived = prov["wasDerivedFrom"]
        .as_object()
        .expect("derivations")
        .values()
        .any(|relation| {
            relation["prov:generatedEntity"] == format!("provdb:review-{first_imported}")
                && relation["prov:usedEntity"] == format!("blake3:{markup}")
        });
    assert!(derived, "the imported review derives from its markup");
}
