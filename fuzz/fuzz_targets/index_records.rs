//! The index as damaged bytes: arbitrary keys and values written into its
//! trees, then every query run. Each must answer or return an error naming
//! the damage; none may panic (a 2-byte drift key once ended the process).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use provdb::storage::index::{Index, TreeName};
use provdb::model::{CitationId, ClaimId, SourceId};

/// One index for the whole run: opening sled per input would dominate.
fn index() -> &'static Index {
    static INDEX: OnceLock<(tempfile::TempDir, Index)> = OnceLock::new();
    let (_, index) = INDEX.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let index = Index::open(&dir.path().join("index")).expect("index");
        (dir, index)
    });
    index
}

fuzz_target!(|input: &[u8]| {
    let index = index();
    // Records: tree byte, key length, value length, key, value; repeated.
    let mut written = Vec::new();
    let mut rest = input;
    while let [tree, key_len, value_len, tail @ ..] = rest {
        let tree = TreeName::ALL[*tree as usize % TreeName::ALL.len()];
        let (key_len, value_len) = (*key_len as usize, *value_len as usize);
        if tail.len() < key_len + value_len {
            break;
        }
        let (key, tail) = tail.split_at(key_len);
        let (value, tail) = tail.split_at(value_len);
        if index.put_raw(tree, key, value).is_ok() {
            written.push((tree, key.to_vec()));
        }
        rest = tail;
    }
    let id = [input.first().copied().unwrap_or(0); 32];
    let doc = "khojaly";
    let _ = index.applied();
    let _ = index.frontier();
    let _ = index.merkle_node(8, 0);
    let _ = index.source(&SourceId(id));
    let _ = index.has_source(&SourceId(id));
    let _ = index.source_ids().count();
    let _ = index.claim(&ClaimId(id));
    let _ = index.citation(&CitationId(id));
    let _ = index.retraction(&CitationId(id));
    let _ = index.drift(doc, None);
    let _ = index.drift(doc, Some(1));
    let _ = index.all_drift().count();
    let _ = index.drift_of(doc, 1, &CitationId(id));
    let _ = index.merge_of("ab");
    let _ = index.reviews();
    let _ = index.supersessions(&CitationId(id));
    let _ = index.revision(doc, 1);
    let _ = index.revisions(doc);
    let _ = index.last_revision(doc);
    let _ = index.revisions_of_source(&SourceId(id));
    let _ = index.sources().count();
    for bucket in 0..=255 {
        let _ = index.claims_in_bucket(bucket);
        if let Ok(places) = index.claim_places_in_bucket(bucket) {
            for (_, id, pointer) in places {
                let _ = index.claim_at(pointer, &id);
            }
        }
    }
    let _ = index
        .claim_citation_counts()
        .map(|counts| counts.of(&ClaimId(id)));
    let _ = index.claims_about("ward 7919", None);
    let _ = index.claims_about("ward 7919", Some("ballots counted"));
    let _ = index.citations_of_claim(&ClaimId(id));
    let _ = index.citations_of_source(&SourceId(id));
    let _ = index.count_citations_of_source(&SourceId(id));
    for prefix in ["", "0", "ab", "abc", "abcd0"] {
        let _ = index.ids_with_prefix(prefix, 10);
    }
    for tree in TreeName::ALL {
        let _ = index.keys(tree).count();
    }
    for (tree, key) in written {
        let _ = index.remove_raw(tree, &key);
    }
});
