//! `conflicts` tells values that cannot both hold from values that agree at
//! different precision or within a bound; values are read as people write
//! them (hedges, ranges, what a count counts), and hedges from the quote.

use crate::common::{cite_args, TestEnv};

/// Cites `quote` in `source` for the fixture article's subject ·
/// `property` = `value` with any
/// extra flags; returns the --json outcome.
fn cite(
    env: &TestEnv,
    source: &str,
    quote: &str,
    property: &str,
    value: &str,
    extra: &[&str],
) -> serde_json::Value {
    let mut args = cite_args(source, quote, property, value);
    args.extend_from_slice(extra);
    env.ok(&args).json()
}

/// The same citation, which must be refused with `code` and `needle` and
/// leave the store as it was.
fn refuse_cite(
    env: &TestEnv,
    (source, quote, property, value): (&str, &str, &str, &str),
    extra: &[&str],
    code: i32,
    needle: &str,
) {
    // Without --json: the refusal is read as the one line a person sees.
    let mut args = cite_args(source, quote, property, value)[1..].to_vec();
    args.extend_from_slice(extra);
    env.refused(&args, code, needle);
}

/// The claim a `cite --json` outcome names, as `show --json` gives it.
fn claim_of(env: &TestEnv, cited: &serde_json::Value) -> serde_json::Value {
    let id = cited["claim"].as_str().expect("claim id");
    env.ok(&["--json", "show", id]).json()["claim"].clone()
}

/// Adds a text file written in the test and returns its id.
fn add_text(env: &TestEnv, name: &str, text: &str) -> String {
    let path = env.dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    env.ok(&["--json", "add", path.to_str().expect("utf-8")])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// The store of the issue's report: the article, the 1993 survey, and a
/// note in the project's own words with a bound, a plain population and a month.
fn disputed_store() -> (TestEnv, String, String, String) {
    let env = TestEnv::new();
    let article = env.add("khojaly-article-2024-02.txt", &[]);
    let survey = env.add("regional-survey-1993.txt", &[]);
    let note = add_text(
        &env,
        "note.txt",
        "A relief agency wrote that at least 600 civilians died in February 1992,\n\
         in a town of 7,000 people.\n",
    );
    (env, article, survey, note)
}

#[test]
fn conflicts_tell_agreement_from_conflict() {
    let (env, article, survey, note) = disputed_store();
    let killed = "civilians killed";
    // The same figure twice from one source, once with its noun: 613 and
    // "613 civilians" are one number, so they agree.
    let plain = cite(&env, &article, "613 civilians", killed, "613", &[]);
    let with_noun = cite(
        &env,
        &article,
        "613 civilians",
        killed,
        "613 civilians",
        &[],
    );
    assert_ne!(plain["claim"], with_noun["claim"], "the noun is recorded");
    let shown = claim_of(&env, &with_noun);
    assert_eq!(shown["qualifiers"]["unit"], "civilians");
    // A bound read from the value: "at least 600".
    let bound = cite(
        &env,
        &note,
        "at least 600 civilians died",
        killed,
        "at least 600",
        &[],
    );
    let shown = claim_of(&env, &bound);
    assert_eq!(shown["value"]["count"], 600);
    assert_eq!(shown["qualifiers"]["bound"], "at_least");
    // The survey's 485 is below 600 and is not 613: the one real conflict.
    cite(&env, &survey, "civilians killed at 485", killed, "485", &[]);

    // A hedge read from the quote: "about 7,000" cited as plain 7000.
    let about = cite(
        &env,
        &article,
        "a population of about 7,000",
        "population",
        "7000",
        &[],
    );
    assert_eq!(about["hedge"], "about");
    let shown = claim_of(&env, &about);
    assert_eq!(shown["qualifiers"]["bound"], "approximate");
    cite(
        &env,
        &note,
        "a town of 7,000 people",
        "population",
        "7,000 people",
        &[],
    );
    // A day and its month.
    cite(
        &env,
        &article,
        "the night of Feb. 26, 1992",
        "date",
        "1992-02-26",
        &[],
    );
    cite(
        &env,
        &note,
        "in February 1992",
        "date",
        "February 1992",
        &[],
    );

    // trace names every other value, also one with the same number.
    let traced = env
        .ok(&["--json", "trace", plain["claim"].as_str().expect("claim")])
        .json();
    let mut others: Vec<&str> = traced["other_values"]
        .as_array()
        .expect("others")
        .iter()
        .map(|other| other["display_value"].as_str().expect("display"))
        .collect();
    others.sort();
    assert_eq!(others, ["485", "613 civilians", "at least 600"], "{traced}");
    let text = env
        .ok(&["trace", bound["claim"].as_str().expect("claim")])
        .stdout;
    assert!(text.contains("= 613  (can both hold)"), "{text}");
    assert!(text.contains("= 485  (cannot both hold)"), "{text}");

    let listing = env.ok(&["--json", "conflicts"]).json();
    let conflicts = listing["conflicts"].as_array().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{listing}");
    let conflict = &conflicts[0];
    assert_eq!(conflict["property"], killed);
    assert_eq!(conflict["standing"], "conflict");
    let sides = conflict["sides"].as_array().expect("sides");
    assert_eq!(sides.len(), 4);
    let value_of = |index: u64| -> String {
        let claim = &sides[index as usize]["claim"];
        claim["display_value"]
            .as_str()
            .expect("display")
            .to_string()
    };
    // Worked by hand: 485 is neither 613 nor >= 600; 613 and "at least
    // 600" and "613 civilians" all meet. So exactly three pairs, each with 485.
    let mut pairs: Vec<String> = conflict["cannot_both_hold"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|pair| {
            let mut both = [
                value_of(pair[0].as_u64().expect("index")),
                value_of(pair[1].as_u64().expect("index")),
            ];
            both.sort();
            both.join(" / ")
        })
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        ["485 / 613", "485 / 613 civilians", "485 / at least 600",]
    );
    let agreements = listing["agreements"].as_array().expect("agreements");
    let mut agreeing: Vec<&str> = agreements
        .iter()
        .map(|item| item["property"].as_str().expect("property"))
        .collect();
    agreeing.sort();
    assert_eq!(agreeing, ["date", "population"]);
    assert_eq!(listing["not_compared"], serde_json::json!([]));

    let text = env.ok(&["conflicts"]).stdout;
    assert!(text.contains("cannot both hold: "), "{text}");
    assert!(text.contains("  at least 600  claim"), "{text}");
    assert!(text.contains("  613 civilians  claim"), "{text}");
    assert!(
        text.contains("agreeing (values that can both hold"),
        "{text}"
    );
    assert!(text.contains("  about 7000  claim"), "{text}");
    let agreeing_at = text.find("agreeing").expect("heading");
    assert!(
        text.find("civilians killed").expect("conflict") < agreeing_at
            && text.find("population").expect("agreement") > agreeing_at,
        "{text}"
    );
}

#[test]
fn values_are_read_as_written_and_bad_ones_refused() {
    let (env, article, _, note) = disputed_store();
    // A range must be stated whole by the quote.
    let range = add_text(
        &env,
        "range.txt",
        "Estimates ran between 600 and 700 dead; one list gave 600.\n",
    );
    let cited = cite(
        &env,
        &range,
        "between 600 and 700 dead",
        "civilians killed",
        "between 600 and 700",
        &[],
    );
    let shown = claim_of(&env, &cited);
    assert_eq!(shown["qualifiers"]["bound"], "between");
    assert_eq!(shown["qualifiers"]["upper"], "700");
    let killed = "civilians killed";
    refuse_cite(
        &env,
        (&range, "one list gave 600", killed, "600-700"),
        &[],
        3,
        "does not state the value 700",
    );
    refuse_cite(
        &env,
        (&range, "between 600 and 700 dead", killed, "700-600"),
        &[],
        2,
        "second end must be above its first; write it as 600-700, or give --kind text to record it as text",
    );
    refuse_cite(
        &env,
        (&note, "at least 600 civilians died", killed, "at least 600"),
        &["--bound", "exact"],
        2,
        "--bound says exact but the value says at_least",
    );
    refuse_cite(
        &env,
        (&article, "613 civilians", killed, "613 civilians"),
        &["--unit", "people"],
        2,
        "--unit says \"people\" but the value names \"civilians\"",
    );
    refuse_cite(
        &env,
        (&range, "one list gave 600", killed, "600"),
        &["--bound", "between"],
        2,
        "between needs a range as the value",
    );
    // --bound exact keeps a hedged quote's value exact, and says nothing of a hedge.
    let exact = cite(
        &env,
        &article,
        "a population of about 7,000",
        "population",
        "7000",
        &["--bound", "exact"],
    );
    assert_eq!(exact["hedge"], serde_json::Value::Null);
    let text = env
        .ok(&[
            "cite",
            &article,
            "--quote",
            "a population of about 7,000",
            "--subject",
            "Khojaly",
            "--property",
            "population",
            "--value",
            "7,000",
        ])
        .stdout;
    assert!(
        text.contains("the quote hedges the value («about»)"),
        "{text}"
    );
    // A batch line reads hedges the same way.
    let batch = env.dir.path().join("batch.jsonl");
    std::fs::write(
        &batch,
        format!(
            "{{\"source\":\"{note}\",\"quote\":\"at least 600 civilians\",\"subject\":\"s\",\"property\":\"p\",\"value\":\"at least 600\"}}\n"
        ),
    )
    .expect("write");
    env.ok(&["cite", "--batch", batch.to_str().expect("utf-8")]);
    let claims = env.ok(&["--json", "claims", "--subject", "s"]).json();
    assert_eq!(
        claims["claims"][0]["qualifiers"]["bound"], "at_least",
        "{claims}"
    );
}

/// The recorded time of the store's last journal entry.
fn last_entry_time(env: &TestEnv) -> String {
    let log = env.ok(&["--json", "log"]).json();
    let entries = log["entries"].as_array().expect("entries");
    entries.last().expect("an entry")["time"]
        .as_str()
        .expect("time")
        .to_string()
}

#[test]
fn a_conflict_is_marked_reviewed_as_a_journaled_change() {
    let (env, article, survey, note) = disputed_store();
    let toll = cite(
        &env,
        &article,
        "613 civilians",
        "civilians killed",
        "613",
        &[],
    );
    cite(
        &env,
        &survey,
        "civilians killed at 485",
        "civilians killed",
        "485",
        &[],
    );
    let population = cite(
        &env,
        &article,
        "a population of about 7,000",
        "population",
        "7000",
        &[],
    );
    let before_mark = last_entry_time(&env);
    let claim = toll["claim"].as_str().expect("claim");
    // Only a listed conflict can be marked; a note is needed.
    env.refused(
        &[
            "mark-reviewed",
            population["claim"].as_str().expect("claim"),
            "--note",
            "checked",
        ],
        3,
        "is in no conflict",
    );
    env.refused(
        &["mark-reviewed", claim, "--note", "  "],
        2,
        "--note is empty",
    );
    let marked = env
        .ok(&[
            "--json",
            "mark-reviewed",
            claim,
            "--note",
            "the 1993 survey counted the burials known then",
        ])
        .json();
    assert_eq!(
        marked["reviewed"]["claims"]
            .as_array()
            .expect("claims")
            .len(),
        2
    );
    let text = env.ok(&["conflicts"]).stdout;
    assert!(
        text.contains("  reviewed 20")
            && text.contains("by tester: the 1993 survey counted the burials known then"),
        "{text}"
    );
    let listing = env.ok(&["--json", "conflicts"]).json();
    assert_eq!(listing["conflicts"][0]["review"]["current"], true);
    // Answerable --as-of: before the mark, no mark.
    let earlier = env
        .ok(&["--json", "conflicts", "--as-of", &before_mark])
        .json();
    assert_eq!(earlier["conflicts"][0]["review"], serde_json::Value::Null);
    // A value listed after the mark: the mark is shown as older than it.
    cite(
        &env,
        &note,
        "at least 600 civilians died",
        "civilians killed",
        "at least 600",
        &[],
    );
    let listing = env.ok(&["--json", "conflicts"]).json();
    assert_eq!(listing["conflicts"][0]["review"]["current"], false);
    assert!(env
        .ok(&["conflicts"])
        .stdout
        .contains("(values were added since; review again)"));
    assert!(env.ok(&["log"]).stdout.contains("conflict reviewed: "));
    env.ok(&["verify"]);
}

#[test]
fn amend_corrects_metadata_as_a_journaled_change() {
    let (env, _, survey, _) = disputed_store();
    cite(
        &env,
        &survey,
        "civilians killed at 485",
        "civilians killed",
        "485",
        &[],
    );
    let before = last_entry_time(&env);
    // Bad corrections are refused, the store unchanged.
    env.refused(
        &["amend", &survey, "--reason", "nothing"],
        3,
        "nothing to amend",
    );
    env.refused(
        &["amend", &survey, "--title", "T", "--reason", ""],
        2,
        "--reason is empty",
    );
    env.refused(
        &["amend", &survey, "--url", "not a url", "--reason", "r"],
        2,
        "--url",
    );
    env.refused(
        &["amend", &survey, "--title", "   ", "--reason", "r"],
        2,
        "--title is empty; give the corrected value",
    );
    env.refused(
        &["amend", "ffffffff", "--title", "T", "--reason", "r"],
        3,
        "ffffffff",
    );
    let amended = env
        .ok(&[
            "--json",
            "amend",
            &survey,
            "--title",
            "Regional survey, 1993",
            "--author",
            "Survey team",
            "--published",
            "1993-06",
            "--reason",
            "the title page as printed",
        ])
        .json();
    assert_eq!(
        amended["changed"],
        serde_json::json!(["title", "authors", "published"])
    );
    assert_eq!(
        amended["before"]["title"],
        "Survey of the winter offensive, 1993 edition"
    );
    // Listings, traces and exports use the corrected values...
    assert!(env
        .ok(&["sources"])
        .stdout
        .contains("Regional survey, 1993"));
    let shown = env.ok(&["--json", "show", &survey]).json();
    assert_eq!(shown["meta"]["title"], "Regional survey, 1993", "{shown}");
    assert_eq!(shown["meta"]["authors"][0], "Survey team");
    assert_eq!(
        shown["amendments"][0]["reason"],
        "the title page as printed"
    );
    assert!(env
        .ok(&["show", &survey])
        .stdout
        .contains("by tester: the title page as printed"));
    let csv = std::fs::read_to_string(env.export("csv", "out.csv")).expect("csv");
    assert!(csv.contains("Regional survey, 1993"), "{csv}");
    assert!(!csv.contains("winter offensive"), "{csv}");
    // ...and --as-of an earlier time the values of that time.
    let then = env
        .ok(&["--json", "show", &survey, "--as-of", &before])
        .json();
    assert_eq!(
        then["meta"]["title"],
        "Survey of the winter offensive, 1993 edition"
    );
    assert_eq!(then["amendments"], serde_json::json!([]));
    let log = env.ok(&["log"]).stdout;
    assert!(
        log.contains("amend source ") && log.contains("the title page as printed"),
        "{log}"
    );
    // Adding the same bytes again is checked against the corrected metadata.
    let survey_file = crate::common::fixture("regional-survey-1993.txt");
    let survey_file = survey_file.to_str().expect("utf-8");
    env.ok(&["add", survey_file, "--title", "Regional survey, 1993"]);
    env.refused(
        &[
            "add",
            survey_file,
            "--title",
            "Survey of the winter offensive, 1993 edition",
        ],
        3,
        "already recorded with title \"Regional survey, 1993\"",
    );
    // The bytes and id are unchanged, and the journal still verifies.
    env.ok(&["verify"]);
    let bytes = env.ok(&["cat", &survey]).stdout;
    assert!(bytes.starts_with("Survey of the winter offensive"));
}

#[test]
fn decimal_commas_are_read_by_the_sources_language_or_locale() {
    let env = TestEnv::new();
    let german = env.dir.path().join("bericht.txt");
    std::fs::write(
        &german,
        "Die Stadt hatte 7.000 Einwohner; 1.275 wurden gefangen genommen, auf 12,5 km.\n",
    )
    .expect("write");
    let german = env
        .ok(&[
            "--json",
            "add",
            german.to_str().expect("utf-8"),
            "--language",
            "de",
        ])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let english = add_text(&env, "plain.txt", "A count of 1.275 appears here.\n");
    // The source's language says "1.275" is 1275 and "12,5" is 12.5.
    let captured = cite(&env, &german, "1.275 wurden", "captured", "1275", &[]);
    assert_eq!(captured["new_claim"], true);
    let shown = claim_of(&env, &captured);
    assert_eq!(shown["value"]["count"], 1275);
    let population = cite(&env, &german, "7.000 Einwohner", "population", "7.000", &[]);
    let shown = claim_of(&env, &population);
    assert_eq!(shown["value"]["count"], 7000);
    let area = cite(&env, &german, "12,5 km", "area", "12,5 km", &[]);
    let shown = claim_of(&env, &area);
    assert_eq!(shown["value"]["amount"], "12.5");
    // With --kind the value waits for the source's language to be read.
    let kinded = cite(
        &env,
        &german,
        "1.275 wurden",
        "captured",
        "1.275",
        &["--kind", "count"],
    );
    assert_eq!(kinded["claim"], captured["claim"]);
    refuse_cite(
        &env,
        (&english, "1.275", "p", "1.275"),
        &["--kind", "count"],
        2,
        "if the source writes decimal commas (1.275 for 1275), give its locale, e.g. de",
    );
    // In an English source "1.275" is a decimal, so it does not state 1275...
    refuse_cite(
        &env,
        (&english, "1.275", "p", "1275"),
        &[],
        3,
        "does not state the value 1275",
    );
    // ...unless --locale says it is written with decimal commas.
    cite(&env, &english, "1.275", "p", "1275", &["--locale", "de-AT"]);
    refuse_cite(
        &env,
        (&english, "1.275", "p", "1275"),
        &["--locale", "not a tag"],
        2,
        "--locale \"not a tag\" is not a language tag",
    );
}
