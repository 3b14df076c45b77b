//! The chunker, the postings and the applier against hand-built entries.
use super::*;
use crate::model::*;
use crate::model::{Selector, Stance};

/// A cite entry at `seq` of `claim` in `source`; `commit` ends its command.
fn cite(seq: u64, claim: u8, source: u8, commit: bool) -> Entry {
    // The citation id's first byte, its bucket, is the low byte of seq.
    let mut id = [0u8; 32];
    id[..8].copy_from_slice(&seq.to_le_bytes());
    Entry {
        seq,
        time: "2026-11-24T00:00:00Z".into(),
        actor: "test".into(),
        prev: EntryHash::genesis(),
        commit,
        origin: None,
        change: Change::Cite {
            carried: None,
            citation: CitationId(id),
            body: Citation {
                claim: ClaimId([claim; 32]),
                source: SourceId([source; 32]),
                selector: Selector {
                    exact: "613".into(),
                    prefix: String::new(),
                    suffix: String::new(),
                    start: 0,
                    end: 3,
                },
                stance: Stance::Supports,
                value_not_in_quote: false,
                layer: None,
            },
        },
    }
}

/// Line n (from 1) sits at byte 100·n and is 100 bytes long; its leaf
/// hash stands in for the line's.
fn place(seq: u64) -> LinePlace {
    LinePlace {
        start: seq * 100,
        end: seq * 100 + 100,
        leaf: crate::audit::merkle::TreeHasher::leaf(
            &crate::audit::merkle::LOG_TREE,
            &seq.to_be_bytes(),
        ),
    }
}

fn pointer(seq: u64) -> CitationPointer {
    CitationPointer {
        start: seq * 100,
        len: 100,
    }
}

#[test]
fn a_chunk_ends_at_commit_and_its_postings_find_every_citation() {
    // Entries 1–5: claims 0x10, 0x10, 0x20, 0x10, 0x30 in sources 0xaa,
    // 0xbb, 0xaa, 0xaa, 0xbb; only entry 5 commits.
    let claims = [0x10, 0x10, 0x20, 0x10, 0x30];
    let sources = [0xaa, 0xbb, 0xaa, 0xaa, 0xbb];
    let mut chunker = Chunker::new();
    let mut records = Vec::new();
    for seq in 1..=5u64 {
        let at = (seq - 1) as usize;
        let entry = cite(seq, claims[at], sources[at], seq == 5);
        let (mut out, ends) = chunker.push(&entry, place(seq)).expect("records");
        assert_eq!(ends, seq == 5, "only the commit ends the chunk");
        assert!(
            seq == 5 || out.is_empty(),
            "postings wait for the chunk's end"
        );
        records.append(&mut out);
    }
    let lookup = |family: Family, key: [u8; 32]| -> Vec<CitationPointer> {
        let mut prefix = family.prefix(key[0]);
        prefix.extend(1u64.to_be_bytes()); // the chunk starts at entry 1
        let record = records
            .iter()
            .find(|record| record.tree == family.tree() && record.key == prefix)
            .expect("the bucket's record");
        postings_for(family, &record.value, &key)
            .expect("well formed")
            .into_iter()
            .map(|(_, pointer)| pointer)
            .collect()
    };
    assert_eq!(
        lookup(Family::Claim, [0x10; 32]),
        vec![pointer(1), pointer(2), pointer(4)]
    );
    assert_eq!(lookup(Family::Claim, [0x20; 32]), vec![pointer(3)]);
    assert_eq!(
        lookup(Family::Source, [0xbb; 32]),
        vec![pointer(2), pointer(5)]
    );
    assert!(lookup(Family::Claim, [0x10; 32])
        .iter()
        .all(|found| !lookup(Family::Claim, [0x20; 32]).contains(found)));
    // Claims 0x10, 0x20, 0x30 fall in three buckets, sources in two, and
    // the five citation ids (first byte 1..5) in five: ten records.
    assert_eq!(records.len(), 3 + 2 + 5);
    let third = cite(3, 0, 0, false);
    let Change::Cite { citation, .. } = third.change else {
        unreachable!()
    };
    assert_eq!(
        lookup(Family::Citation, *citation.as_bytes()),
        vec![pointer(3)]
    );
}

#[test]
fn a_commands_sources_are_one_postings_record_per_bucket() {
    // 600 add_source entries in one command, the last committing. Source
    // ids are seq % 3 in the first byte and seq in the next eight, so the
    // chunk has 3 buckets of 200 postings: by hand, 3 records of
    // 1 + 200 × (32 + 8 + 4) = 8,801 bytes, and no record of its own per
    // source.
    let id = |seq: u64| {
        let mut id = [0u8; 32];
        id[0] = (seq % 3) as u8;
        id[1..9].copy_from_slice(&seq.to_be_bytes());
        id
    };
    let mut chunker = Chunker::new();
    let mut records = Vec::new();
    for seq in 1..=600u64 {
        let entry = Entry {
            seq,
            time: "2026-12-01T00:00:00Z".into(),
            actor: "test".into(),
            prev: EntryHash::genesis(),
            commit: seq == 600,
            origin: None,
            change: Change::AddSource {
                source: SourceId(id(seq)),
                size: seq,
                meta: SourceMeta::default(),
                name: None,
            },
        };
        let (out, _) = chunker.push(&entry, place(seq)).expect("records");
        records.extend(out.into_iter().filter(|r| r.tree != TreeName::Merkle));
    }
    assert_eq!(records.len(), 3);
    for (bucket, record) in records.iter().enumerate() {
        assert_eq!(record.tree, TreeName::Sources);
        let mut key = vec![bucket as u8];
        key.extend(1u64.to_be_bytes());
        assert_eq!(record.key, key);
        assert_eq!(record.value.len(), 8_801);
    }
    // Source 301 (bucket 1) is found at its line alone.
    let found = postings_for(Family::SourceEntry, &records[1].value, &id(301)).expect("postings");
    assert_eq!(found, vec![(id(301), pointer(301))]);
    assert!(
        postings_for(Family::SourceEntry, &records[0].value, &id(301))
            .expect("postings")
            .is_empty()
    );
}

#[test]
fn a_long_command_is_cut_every_chunk_entries() {
    // One command of CHUNK_ENTRIES + 2 cites of one claim: the first chunk
    // ends at entry CHUNK_ENTRIES, the second (entries CHUNK_ENTRIES + 1
    // and + 2) at the commit, keyed by its first entry.
    let total = CHUNK_ENTRIES + 2;
    let mut chunker = Chunker::new();
    let mut ends_at = Vec::new();
    let mut claim_records = Vec::new();
    for seq in 1..=total {
        let (records, ends) = chunker
            .push(&cite(seq, 0x10, 0xaa, seq == total), place(seq))
            .expect("records");
        if ends {
            ends_at.push(seq);
        }
        claim_records.extend(
            records
                .into_iter()
                .filter(|record| record.tree == TreeName::Links && record.key[0] == b'c'),
        );
    }
    assert_eq!(ends_at, vec![CHUNK_ENTRIES, total]);
    assert_eq!(claim_records.len(), 2);
    let mut second_key = vec![b'c', 0x10];
    second_key.extend((CHUNK_ENTRIES + 1).to_be_bytes());
    assert_eq!(claim_records[1].key, second_key);
    // 1 version byte and two postings of 28 bytes: the claim id's first
    // 16 bytes, the line's start (8) and length (4).
    assert_eq!(claim_records[1].value.len(), 1 + 2 * 28);
    assert_eq!(
        claim_records[0].value.len(),
        1 + CHUNK_ENTRIES as usize * 28
    );
}

#[test]
fn damaged_postings_are_refused() {
    let postings = [Posting {
        key: [7; 32],
        start: 1,
        len: 2,
    }];
    for family in [Family::Claim, Family::Source] {
        let value = encode_postings(family, &postings);
        assert!(postings_for(family, &value, &[7; 32]).is_ok());
        assert!(postings_for(family, &value[..value.len() - 1], &[7; 32]).is_err());
        let mut old = value.clone();
        old[0] = 2;
        assert!(postings_for(family, &old, &[7; 32]).is_err());
        assert!(postings_for(family, &[], &[7; 32]).is_err());
    }
    // A source's 44-byte posting read as a claim's 28-byte ones is 44 bytes,
    // not a whole number of postings.
    let source = encode_postings(Family::Source, &postings);
    assert!(postings_for(Family::Claim, &source, &[7; 32]).is_err());
}

#[test]
fn postings_keep_sixteen_bytes_of_a_citation_or_claim_id_and_all_of_a_source_id() {
    // Two ids that share their first 16 bytes and differ after, at lines
    // 100 and 200 (start 100, 200; length 50).
    let mut first = [0x42; 32];
    let mut second = [0x42; 32];
    first[20] = 1;
    second[20] = 2;
    let postings = [
        Posting {
            key: first,
            start: 100,
            len: 50,
        },
        Posting {
            key: second,
            start: 200,
            len: 50,
        },
    ];
    let at = |start| CitationPointer { start, len: 50 };
    for family in [Family::Citation, Family::Claim, Family::ClaimEntry] {
        let value = encode_postings(family, &postings);
        // 1 version byte, then 2 × (16 id bytes + 8 start + 4 length).
        assert_eq!(value.len(), 1 + 2 * 28);
        assert_eq!(&value[1..17], &first[..16]);
        assert_eq!(&value[17..25], &100u64.to_be_bytes());
        assert_eq!(&value[25..29], &50u32.to_be_bytes());
        // Either id finds both lines: the reader tells them apart by the
        // whole id each line states.
        let found: Vec<CitationPointer> = postings_for(family, &value, &second)
            .expect("well formed")
            .into_iter()
            .map(|(_, pointer)| pointer)
            .collect();
        assert_eq!(found, vec![at(100), at(200)]);
        assert_eq!(
            super::read::named(family, &first, &first),
            super::read::Named::Same
        );
        assert_eq!(
            super::read::named(family, &first, &second),
            super::read::Named::SharesPrefix
        );
        assert_eq!(
            super::read::named(family, &first, &[0x43; 32]),
            super::read::Named::Other
        );
    }
    // Searched by an absent id that sorts between postings, by a prefix of
    // 4 bytes, by the last id, and by nothing (the whole bucket).
    let mut three = postings.to_vec();
    three.push(Posting {
        key: [0x50; 32],
        start: 300,
        len: 50,
    });
    let value = encode_postings(Family::Citation, &three);
    let search = |key: &[u8]| -> Vec<CitationPointer> {
        postings_for(Family::Citation, &value, key)
            .expect("well formed")
            .into_iter()
            .map(|(_, pointer)| pointer)
            .collect()
    };
    assert!(search(&[0x45; 32]).is_empty());
    assert!(search(&[0x60; 32]).is_empty());
    assert_eq!(search(&[0x42; 4]), vec![at(100), at(200)]);
    assert_eq!(search(&[0x50; 32]), vec![at(300)]);
    assert_eq!(search(&[]), vec![at(100), at(200), at(300)]);
    for family in [Family::Source, Family::ClaimKey] {
        let value = encode_postings(family, &postings);
        // 1 version byte, then 2 × (32 + 8 + 4).
        assert_eq!(value.len(), 1 + 2 * 44);
        let found: Vec<CitationPointer> = postings_for(family, &value, &second)
            .expect("well formed")
            .into_iter()
            .map(|(_, pointer)| pointer)
            .collect();
        assert_eq!(found, vec![at(200)]);
        assert_eq!(
            super::read::named(family, &first, &second),
            super::read::Named::Other
        );
    }
    // A claim key hash is searched by its first 16 bytes (the subject's)
    // too: both postings.
    let value = encode_postings(Family::ClaimKey, &postings);
    assert_eq!(
        postings_for(Family::ClaimKey, &value, &first[..16])
            .expect("well formed")
            .len(),
        2
    );
}

#[test]
fn an_applier_stopped_mid_command_resumes_to_the_same_records() {
    // Apply CHUNK_ENTRIES + 3 entries of one command, but stop before its
    // last entry: the mark stands at the first chunk's end. Resuming from
    // there must give the same trees as applying everything at once.
    let total = CHUNK_ENTRIES + 3;
    let entries: Vec<Entry> = (1..=total)
        .map(|seq| cite(seq, (seq % 3) as u8, (seq % 5) as u8, seq == total))
        .collect();
    let mark = |entry: &Entry| AppliedMark {
        seq: entry.seq,
        hash: EntryHash([entry.seq as u8; 32]),
        start: place(entry.seq).start,
        end: place(entry.seq).end,
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = Index::open(&dir.path().join("whole")).expect("open");
    whole
        .apply(
            entries
                .iter()
                .map(|entry| (entry, mark(entry), place(entry.seq).leaf)),
        )
        .expect("apply");
    let parts = Index::open(&dir.path().join("parts")).expect("open");
    parts
        .apply(
            entries[..total as usize - 1]
                .iter()
                .map(|entry| (entry, mark(entry), place(entry.seq).leaf)),
        )
        .expect("apply");
    assert_eq!(
        parts.applied().expect("mark").map(|mark| mark.seq),
        Some(CHUNK_ENTRIES)
    );
    parts
        .apply(
            entries[CHUNK_ENTRIES as usize..]
                .iter()
                .map(|entry| (entry, mark(entry), place(entry.seq).leaf)),
        )
        .expect("resume");
    assert_eq!(
        parts.applied().expect("mark"),
        whole.applied().expect("mark")
    );
    for tree in TreeName::ALL {
        let all = |index: &Index| -> Vec<(Vec<u8>, Vec<u8>)> {
            index
                .tree(tree)
                .iter()
                .map(|item| item.expect("read"))
                .map(|(key, value)| (key.to_vec(), value.to_vec()))
                .collect()
        };
        assert_eq!(all(&parts), all(&whole), "tree {}", tree.name());
    }
    // Chunk 1 holds all three claims (seq mod 3) and five sources (seq
    // mod 5); chunk 2, entries 65,537–65,539, three of each: 6 + 8.
    assert_eq!(
        whole.tree_len(TreeName::Links).expect("count"),
        (3 + 5) + (3 + 3)
    );
}

/// Counts of citations by claim, from keys as two buckets' postings give
/// them: claim A (0x10…) cited three times, claims B and B' (0x20…, the same
/// first 16 bytes, so their postings cannot tell them apart) recorded and
/// cited once each, claim C (0x20…, another prefix) recorded and not cited.
#[test]
fn claims_counted_from_postings_give_up_where_two_share_the_kept_bytes() {
    let id = |first: u8, sixteenth: u8, last: u8| {
        let mut id = [first; 32];
        id[15] = sixteenth;
        id[31] = last;
        id
    };
    let (a, b, b2, c) = (
        id(0x10, 1, 0),
        id(0x20, 2, 1),
        id(0x20, 2, 2),
        id(0x20, 3, 0),
    );
    let mut counts = super::read::ClaimCitationCounts::default();
    counts.add_bucket(&[a, a, a], &[a]).expect("bucket 0x10");
    counts
        .add_bucket(&[b2, b], &[b, c, b2])
        .expect("bucket 0x20");
    assert_eq!(counts.of(&ClaimId(a)), Some(3));
    // B and B' share their kept bytes: only their lines tell.
    assert_eq!(counts.of(&ClaimId(b)), None);
    assert_eq!(counts.of(&ClaimId(b2)), None);
    assert_eq!(counts.of(&ClaimId(c)), Some(0));
    // An id that differs from A past the kept bytes is counted as A.
    assert_eq!(counts.of(&ClaimId(id(0x10, 1, 9))), Some(3));
    assert_eq!(counts.of(&ClaimId([0x30; 32])), Some(0));
    // A bucket whose keys sort before the last one's is damage, refused.
    assert!(counts.add_bucket(&[a], &[]).is_err());
}
