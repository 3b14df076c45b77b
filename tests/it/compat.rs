//! A store written by an earlier provdb (fixtures/store-2026-11: the demo's
//! store, a ClaimReview import, a review, a retraction, two checkpoints)
//! must open, verify and answer the same in every later build. The journal
//! format is made of the model's serde derives, so this is the test that
//! catches a silent change of format. Every expectation is computed here
//! from the fixture's own files, or taken from schema/hashing.md's golden.

use crate::audit::{b64, journal_lines, mth_blake3};
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
    // Every kept checkpoint (taken before SHA-256) is the RFC 6962 root with
    // BLAKE3 of the journal's first SIZE lines, computed here.
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
        assert_eq!(
            checkpoint["root"].as_str().expect("root"),
            b64(&mth_blake3(&refs))
        );
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

/// The fixture's checkpoints were taken of the BLAKE3 tree, before the log
/// tree became SHA-256. They still verify, an auditor can still get proofs
/// and receipts against them (versions 1 and 2, BLAKE3), and those verify
/// with no store; a new checkpoint is of the SHA-256 tree (version 2
/// proofs), and no consistency proof joins the two trees.
#[test]
fn checkpoints_taken_before_sha256_still_prove_and_verify() {
    let env = fixture_store();
    let lines = journal_lines(&env);
    let trace = env.ok(&["--json", "trace", GOLDEN_CLAIM]).json();
    let citation = trace["citations"][0]["id"]
        .as_str()
        .expect("citation")
        .to_string();
    // A proof of the citation's entry against the old checkpoint of size 33.
    let proof = env.ok(&["prove", &citation, "--checkpoint", "33"]).stdout;
    let json: serde_json::Value = serde_json::from_str(&proof).expect("json");
    assert_eq!(json["v"], 1);
    assert!(json["checkpoint"].get("hash").is_none(), "{json}");
    let refs: Vec<&[u8]> = lines[..33].iter().map(Vec::as_slice).collect();
    assert_eq!(json["checkpoint"]["root"], b64(&mth_blake3(&refs)));
    let file = env.dir.path().join("old-proof.json");
    std::fs::write(&file, &proof).expect("write");
    env.ok(&["verify-proof", file.to_str().expect("utf-8")]);
    // Consistency between the two old checkpoints still holds.
    let consistency = env.ok(&["prove", "--consistency", "27", "33"]).stdout;
    let file = env.dir.path().join("old-consistency.json");
    std::fs::write(&file, &consistency).expect("write");
    env.ok(&["verify-proof", file.to_str().expect("utf-8")]);
    // A receipt against the old checkpoint is version 2, and verifies; as
    // version 1 (no claim line) it verifies too, naming only the claim's id.
    let receipt: serde_json::Value =
        serde_json::from_str(&env.ok(&["receipt", &citation, "--checkpoint", "33"]).stdout)
            .expect("json");
    assert_eq!(receipt["v"], 2);
    let run = crate::audit::verify_receipt(&env, &receipt);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let mut old = receipt.clone();
    old["v"] = 1.into();
    old.as_object_mut().expect("object").remove("claim_entry");
    let run = crate::audit::verify_receipt(&env, &old);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("proves the claim's identity, not its wording"),
        "{}",
        run.stdout
    );
    // A new checkpoint, after one more entry, is of the SHA-256 tree of all
    // the lines.
    env.add("relief-agency-note-1992.txt", &[]);
    let lines = journal_lines(&env);
    let new = env.ok(&["--json", "checkpoint"]).json();
    let refs: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
    assert_eq!(new["root"], b64(&crate::audit::mth(&refs)));
    assert_eq!(new["hash"], "sha256");
    let size = new["size"].as_u64().expect("size").to_string();
    env.refused(
        &["prove", "--consistency", "33", &size],
        2,
        "of the blake3 tree and the one of size",
    );
    env.ok(&["verify"]);
}
