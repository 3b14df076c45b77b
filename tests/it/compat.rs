//! A store written by an earlier provdb (fixtures/store-2026-11: the demo's
//! store, a ClaimReview import, a review, a retraction, two checkpoints)
//! must open, verify and answer the same in every later build. The journal
//! format is made of the model's serde derives, so this is the test that
//! catches a silent change of format. Every expectation is computed here
//! from the fixture's own files, or taken from schema/hashing.md's golden.

use crate::audit::{b64, journal_lines, mth};
use crate::common::TestEnv;

/// The golden claim id of schema/hashing.md (computed with Python's blake3):
/// Khojaly, 26 February 1992 · civilians killed = 613.
const GOLDEN_CLAIM: &str = "8ad4c079bd136b4b0abc9d262c69280bff6458761ac498f0b759d61d5ce82f17";

pub(crate) fn fixture_store() -> TestEnv {
    let env = TestEnv::empty();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/store-2026-11"))
        .arg(&env.store)
        .status()
        .expect("cp");
    assert!(status.success());
    env
}

#[test]
fn a_store_written_by_an_earlier_build_opens_verifies_and_answers_the_same() {
    let env = fixture_store();
    // The index is derived and not kept in the fixture: verify checks the
    // journal against one built outside the store, the next command builds it.
    let run = env.ok(&["verify"]);
    assert!(
        run.stdout.contains("the index is missing"),
        "{}",
        run.stdout
    );
    // Objects: each file's BLAKE3 is its name, and `sources` lists exactly them.
    let mut objects = Vec::new();
    for shard in std::fs::read_dir(env.store.join("objects"))
        .expect("objects")
        .flatten()
    {
        for file in std::fs::read_dir(shard.path()).expect("shard").flatten() {
            let name = format!(
                "{}{}",
                shard.file_name().to_string_lossy(),
                file.file_name().to_string_lossy()
            );
            let bytes = std::fs::read(file.path()).expect("object");
            assert_eq!(blake3::hash(&bytes).to_hex().to_string(), name);
            objects.push(name);
        }
    }
    objects.sort();
    let sources = env.ok(&["--json", "sources"]).json();
    let mut listed: Vec<String> = sources["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|source| source["id"].as_str().expect("id").to_string())
        .collect();
    listed.sort();
    assert_eq!(listed, objects);
    // The golden claim is there, with every quote at its byte range.
    let trace = env.ok(&["--json", "trace", GOLDEN_CLAIM]).json();
    let citations = trace["citations"].as_array().expect("citations");
    assert_eq!(citations.len(), 2, "{trace}");
    for citation in citations {
        let source = citation["source"].as_str().expect("source");
        let bytes = std::fs::read(env.object_path(source)).expect("object");
        let selector = &citation["selector"];
        let (start, end) = (
            selector["start"].as_u64().expect("start") as usize,
            selector["end"].as_u64().expect("end") as usize,
        );
        assert_eq!(
            &bytes[start..end],
            selector["exact"].as_str().expect("exact").as_bytes()
        );
    }
    // Every kept checkpoint is the RFC 6962 root (BLAKE3) of the journal's
    // first SIZE lines, computed here.
    let lines = journal_lines(&env);
    let log = env.ok(&["--json", "log"]).json();
    assert_eq!(
        log["entries"].as_array().expect("entries").len(),
        lines.len()
    );
    let kept = std::fs::read_to_string(env.store.join("checkpoints")).expect("checkpoints");
    assert_eq!(kept.lines().count(), 2);
    for line in kept.lines() {
        let checkpoint: serde_json::Value = serde_json::from_str(line).expect("checkpoint");
        let size = checkpoint["size"].as_u64().expect("size") as usize;
        let refs: Vec<&[u8]> = lines[..size].iter().map(Vec::as_slice).collect();
        assert_eq!(checkpoint["root"].as_str().expect("root"), b64(&mth(&refs)));
    }
    // The retraction and the reviews read back.
    let retracted = lines
        .iter()
        .filter(|line| String::from_utf8_lossy(line).contains("\"op\":\"retract\""))
        .count();
    assert_eq!(retracted, 1);
    let reviews = env.ok(&["--json", "reviews"]).json();
    assert_eq!(reviews.as_array().expect("reviews").len(), 4);
    // Rebuilt from scratch, the index answers the same.
    let claims = env.ok(&["--json", "claims"]).stdout;
    env.ok(&["reindex"]);
    assert_eq!(env.ok(&["--json", "claims"]).stdout, claims);
    env.ok(&["verify"]);
}
