//! Outputs whose exact text is the contract, as inline snapshots (insta):
//! what a reader sees on the fixture store of `fixtures/store-2026-11`,
//! whose times and ids are fixed, and the one line each refusal prints.
//! Each snapshot was taken from the build before the code was reshaped
//! (`scripts/outputs.sh`), so a change of wording shows here as a diff.

use crate::compat::fixture_store;

#[test]
fn the_conflicts_listing() {
    let env = fixture_store();
    // Before entry 27 superseded the citation of 15 by the one of 17 (and
    // the survey's 485 was retracted), revision 2's 17 and the survey's 485
    // were conflicts.
    let run = env.ok(&["conflicts", "--as-of", "2026-11-30T06:06:31.430Z"]);
    insta::assert_snapshot!(run.stdout, @r###"
Khojaly resolutions · national parliaments (as of 2024-02-26): 2 values
  15  claim b4ae19b586ac
    source bcebc6f5ba6d  Khojaly, 26 February 1992: the figures behind an anniversary
    in revisions khojaly-article@1
  17  stated by khojaly-article@2 (source 1f03836624f8) where @1 was cited for 15; not cited: "parliaments of\n17 countries"
Khojaly, 26 February 1992 · civilians killed: 2 values
  485  claim 239498822931
    source e409ac61b27f  Survey of the winter offensive, 1993 edition
  613  claim 8ad4c079bd13
    source 1f03836624f8  Khojaly, 26 February 1992: the figures behind an anniversary
    in revisions khojaly-article@2
  cannot both hold: 485 / 613
"###);
    // Now the revision conflict is resolved: the later value is cited and
    // the earlier citation superseded.
    let run = env.ok(&["conflicts"]);
    insta::assert_snapshot!(run.stdout, @r###"
no conflicts: no subject and property has two supported values that cannot both hold
"###);
}

#[test]
fn a_documents_revision_log() {
    let env = fixture_store();
    let run = env.ok(&["log", "--doc", "khojaly-article"]);
    insta::assert_snapshot!(run.stdout, @r###"
khojaly-article@1  source bcebc6f5ba6d  710 bytes  published 2024-02-26  recorded 2026-11-30T06:06:31.40795644Z by desk
    first revision
khojaly-article@2  source 1f03836624f8  785 bytes  published 2024-02-26, updated 2024-05-15  recorded 2026-11-30T06:06:31.423075877Z by desk
    4 carried, 1 changed
    note: resolution count updated
"###);
}

#[test]
fn the_kept_checkpoints() {
    let env = fixture_store();
    let run = env.ok(&["checkpoints"]);
    insta::assert_snapshot!(run.stdout, @r###"
size       27  root WjYdPLRWF8j5/ABdWTkccIqenf8p0xRTVkjnuVodBkk=  taken 2026-11-30T06:06:31.518335518Z by desk (BLAKE3 tree, before SHA-256)
size       33  root tVI0Dk6IObb+vqSXdOoOldyAegyF7rqloUdGp966mWg=  taken 2026-11-30T06:06:38.823796667Z by desk (BLAKE3 tree, before SHA-256)
"###);
}

#[test]
fn reviews_with_what_their_markup_lacked() {
    let env = fixture_store();
    let run = env.ok(&["reviews"]);
    insta::assert_snapshot!(run.stdout, @r###"
review: "Sources differ" (2 on 1..5) by Desk One of "613 civilians were killed at Khojaly on 26 February 1992" on 2024-03-01T09:30:00+0400 <https://desk-one.example/khojaly-613>
  read from source fc416ea6b5b8 at /pages/0/@graph/1
review: "Mostly supported" (4 of 6) by A. Reviewer, B. Reviewer of "The town had about 7,000 residents" </relative/review>
  read from source fc416ea6b5b8 at /pages/1/0
  missing: reviewRating.worstRating is empty
  missing: no datePublished
  missing: url "/relative/review" is not an absolute address; kept as stated
review: "Unverified" by desk-two.example of "1,275 residents were taken captive" on 2024-03-02 10:15 <https://desk-two.example/captives>
  read from source fc416ea6b5b8 at /pages/2/claims/0/claimReview/0
  missing: publisher has no name
review: "Sources differ" (2 on 1..5) by A fact-check desk of claim 8ad4c079bd13 on 2024-03-01 <https://desk.example/review>
"###);
}

#[test]
fn a_claims_trace() {
    let env = fixture_store();
    let run = env.ok(&[
        "trace",
        "8ad4c079bd136b4b0abc9d262c69280bff6458761ac498f0b759d61d5ce82f17",
    ]);
    insta::assert_snapshot!(run.stdout, @r###"
claim 8ad4c079bd136b4b0abc9d262c69280bff6458761ac498f0b759d61d5ce82f17
  Khojaly, 26 February 1992 · civilians killed = 613
  recorded 2026-11-30T06:06:31.411354678Z by desk
2 citations (2 live)
  citation 17e0aae4563b  supports · live, history: superseded by 9a0fae00d94d (carried into khojaly-article@2 (exact_with_context))
    …embered for an assault in which, by this article's account, «613 civilians were killed». Among the dead the article counts 106 women, 70 elderly pe…
    source bcebc6f5ba6d3893b72260c14af228470b4a7393e038294f78b6861f754d7665  Khojaly, 26 February 1992: the figures behind an anniversary
    publisher provdb fixture newsroom · published 2024-02-26
    document khojaly-article, revision 1
    bytes 199..224 · source bytes hash to its id · quote holds · recorded 2026-11-30T06:06:31.411354678Z by desk
  citation 9a0fae00d94d  supports · live, preferred
    …embered for an assault in which, by this article's account, «613 civilians were killed». Among the dead the article counts 106 women, 70 elderly pe…
    source 1f03836624f8cf1957de205cc776c3cf88eaabb899d7d3b24771451470a33717  Khojaly, 26 February 1992: the figures behind an anniversary
    publisher provdb fixture newsroom · published 2024-02-26 · updated 2024-05-15
    document khojaly-article, revision 2
    carried from citation 17e0aae4563b into khojaly-article@2 (exact_with_context)
    bytes 199..224 · source bytes hash to its id · quote holds · recorded 2026-11-30T06:06:31.423075877Z by desk
other values for this subject and property:
  239498822931  Khojaly, 26 February 1992 · civilians killed = 485  (cannot both hold)
review: "Sources differ" (2 on 1..5) by A fact-check desk of claim 8ad4c079bd13 on 2024-03-01 <https://desk.example/review>
"###);
}

#[test]
fn a_documents_drift() {
    let env = fixture_store();
    let run = env.ok(&["drift", "--doc", "khojaly-article"]);
    insta::assert_snapshot!(run.stdout, @r###"
khojaly-article@2: 4 carried, 1 changed
  changed   citation e1f202f42c36  Khojaly resolutions · national parliaments = 15 (as of 2024-02-26)
            "parliaments of\n15 countries" → "parliaments of\n17 countries" (bytes 639..666, score 0.980)
            value changed: 15 → 17
"###);
}

#[test]
fn each_refusal_prints_one_line() {
    let env = fixture_store();
    // The first command builds the index and says so; the refusals follow.
    env.ok(&["sources"]);
    let run = env.run(&[
        "receipt",
        "--checkpoint",
        "33",
        "58aba47c14488b36ebd6f24e6819f9605030411aa7e55faff0be9a0615e4ff32",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr, @r###"
provdb: error: citation 58aba47c14488b36ebd6f24e6819f9605030411aa7e55faff0be9a0615e4ff32: was retracted (the survey's figure was misread, by desk at 2026-11-30T06:06:38.710228788Z); a receipt would prove only that it was recorded, not that it was withdrawn: pass --retracted to write one anyway
"###);
    let run = env.run(&["trace", "0000"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr, @r###"
provdb: error: no source, claim or citation has an id starting with "0000"; list them with `provdb sources` or `provdb claims`
"###);
    let run = env.run(&["show", "zz"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr, @r###"
provdb: error: "zz" is not an id: give 4 to 64 hex characters (0-9, a-f)
"###);
    let run = env.run(&["claims", "--as-of", "yesterday-ish"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr, @r###"
provdb: error: cannot read "yesterday-ish" as a time: it is not a date form provdb reads; write it as 2024-02-26, 2024-02, 2024, "Feb 26, 2024 10:50 AM" or RFC 3339
"###);
    let run = env.run(&["diff", "khojaly-article@1", "khojaly-article@9"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr, @r###"
provdb: error: "khojaly-article@9" names no revision: khojaly-article has revisions 1 to 2; there is no @9
"###);
    let run = env.run(&[
        "receipt",
        "--checkpoint",
        "999",
        "17e0aae4563b784fe8b044a909bceb50ac59809700d38f18b8eb8c90dead729c",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr, @r###"
provdb: error: --checkpoint no checkpoint of size 999 is kept; list them with `provdb checkpoints`
"###);
    let run = env.run(&[
        "cite",
        "0000",
        "--subject",
        "s",
        "--property",
        "p",
        "--value",
        "1",
        "--quote",
        "q",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr, @r###"
provdb: error: no source, claim or citation has an id starting with "0000"; list them with `provdb sources` or `provdb claims`
"###);
    let run = env.run(&[
        "cite",
        "bcebc6f5ba6d3893b72260c14af228470b4a7393e038294f78b6861f754d7665",
        "--subject",
        " ",
        "--property",
        "p",
        "--value",
        "1",
        "--quote",
        "q",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr, @r###"
provdb: error: --subject is empty; give a non-empty value
"###);
}
