//! The index records the journal accounts for, checked against the index
//! by reading each tree in key order, with no lookup by key.
//!
//! The walk keeps, for every record an entry wrote, the BLAKE3 hash of its
//! tree, key and value, and the entry's place; the records are then sorted
//! by that hash, and every tree of the index is read in key order, in parts
//! (the index is reopened between them, `verify/shared.rs`), each record
//! found by its hash. A lookup by key pulls one of sled's leaves into
//! memory for one record, and sled 0.34.7 holds it until it is closed; a
//! read in key order uses each leaf whole.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::storage::index::{Record, TreeName};

use super::journal::{entry_item, key_label};
use super::shared::SharedIndex;
use super::Report;

/// A record an entry wrote, as the check keeps it: 72 bytes and its key.
struct Expected {
    hash: [u8; 32],
    seq: u64,
    start: u64,
    /// Where its key is in `ExpectedRecords::keys`.
    key_at: usize,
    key_len: u32,
    tree: u8,
    /// Written by an entry past the index's applied mark: a crash may have
    /// landed it or not, but if it is there it must be right.
    optional: bool,
    found: bool,
    /// Another entry wrote a record with the same tree and key.
    shared: bool,
    /// A later entry, not optional, wrote the same tree and key: applying
    /// the journal overwrites this record, so the index must not hold it.
    overwritten: bool,
}

/// Every record the journal's entries wrote, in the order they wrote them.
#[derive(Default)]
pub(super) struct ExpectedRecords {
    records: Vec<Expected>,
    keys: Vec<u8>,
}

/// The hash a record is known by: its tree's place in `TreeName::ALL`, its
/// key's length, its key and its value.
fn record_hash(tree: u8, key: &[u8], value: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&[tree]);
    hasher.update(&(key.len() as u64).to_le_bytes());
    hasher.update(key);
    hasher.update(value);
    *hasher.finalize().as_bytes()
}

fn tree_number(tree: TreeName) -> u8 {
    TreeName::ALL
        .iter()
        .position(|each| *each == tree)
        .expect("every TreeName is in ALL") as u8
}

/// The records of a tree read in one unit of the shared index.
const PART: usize = super::shared::PART * super::shared::RECORDS_A_LEAF;

/// What a part counts toward the index's reopen: four times its records,
/// so the index is reopened every 1,000 records or so read here, where the
/// walk reopens it every 500 lookups. This read comes last, when the walk's
/// sets are whole, so the pages sled holds come on top of them: at
/// 1,000,000 citations (20,000 sources) `verify` peaked at 85–92 MB with
/// parts counted as their records and at 70–78 MB counted four times, in
/// the same time (BENCHMARKS.md).
const PART_COUNTS: u64 = 4 * PART as u64;

impl ExpectedRecords {
    /// Keeps a record that the entry at `seq`, starting at byte `start` of
    /// the journal, wrote.
    pub(super) fn push(&mut self, record: &Record, seq: u64, start: u64, optional: bool) {
        let tree = tree_number(record.tree);
        self.records.push(Expected {
            hash: record_hash(tree, &record.key, &record.value),
            seq,
            start,
            key_at: self.keys.len(),
            key_len: record.key.len() as u32,
            tree,
            optional,
            found: false,
            shared: false,
            overwritten: false,
        });
        self.keys.extend_from_slice(&record.key);
    }

    fn key(&self, record: &Expected) -> &[u8] {
        &self.keys[record.key_at..record.key_at + record.key_len as usize]
    }

    /// Marks the records whose tree and key another entry also wrote: the
    /// index holds what the last of them wrote, as applying the journal in
    /// order leaves it, or, where later ones are optional, what any one of
    /// the last non-optional and those after it wrote. The commands refuse
    /// to write most such pairs (a citation retracted twice), but a journal
    /// may hold them, and the check follows what replaying it does.
    fn mark_shared_keys(&mut self) {
        let mut order: Vec<usize> = (0..self.records.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            let (first, second) = (&self.records[a], &self.records[b]);
            (first.tree, self.key(first), a).cmp(&(second.tree, self.key(second), b))
        });
        let same = |a: usize, b: usize| {
            let (first, second) = (&self.records[a], &self.records[b]);
            first.tree == second.tree && self.key(first) == self.key(second)
        };
        let mut groups = Vec::new();
        let mut from = 0;
        while from < order.len() {
            let mut to = from + 1;
            while to < order.len() && same(order[from], order[to]) {
                to += 1;
            }
            if to - from > 1 {
                groups.push(from..to);
            }
            from = to;
        }
        for group in groups {
            // In the order the entries wrote them.
            let members = &order[group];
            let last_required = members.iter().rposition(|&at| !self.records[at].optional);
            for (place, &at) in members.iter().enumerate() {
                let record = &mut self.records[at];
                record.shared = true;
                record.overwritten = last_required.is_some_and(|last| place < last);
            }
        }
    }

    /// Reads every tree of the index and checks that it holds exactly the
    /// records expected (those past the applied mark if present), naming
    /// each record that differs, is missing or was written by no entry, and
    /// each tree whose count differs. Stops if the index could not be
    /// opened again partway (`SharedIndex::failure`, reported once).
    pub(super) fn check(mut self, index: &SharedIndex, report: &mut Report) {
        self.mark_shared_keys();
        self.records.sort_unstable_by_key(|record| record.hash);
        // Records the index holds that no entry wrote as they are.
        let mut unknown: Vec<(u8, Vec<u8>)> = Vec::new();
        let mut held: BTreeMap<u8, u64> = BTreeMap::new();
        // Trees that could not be read to their end, with the last key read
        // before the error: what they hold past it is unknown, so none of
        // their records past it is called missing, and their counts are not
        // compared.
        let mut unread: BTreeMap<u8, Option<Vec<u8>>> = BTreeMap::new();
        for tree in TreeName::ALL {
            let number = tree_number(tree);
            let mut after: Option<Vec<u8>> = None;
            loop {
                let records = &mut self.records;
                let read = index.read(PART_COUNTS, |index| {
                    index.visit_records_after(tree, after.as_deref(), PART, &mut |key, value| {
                        *held.entry(number).or_default() += 1;
                        let hash = record_hash(number, key, value);
                        let at = records.partition_point(|record| record.hash < hash);
                        let same = records[at..]
                            .iter_mut()
                            .take_while(|record| record.hash == hash)
                            .filter(|record| !record.overwritten);
                        let mut any = false;
                        for record in same {
                            record.found = true;
                            any = true;
                        }
                        if !any {
                            unknown.push((number, key.to_vec()));
                        }
                    })
                });
                match read {
                    None => return,
                    Some(Ok(Some(last))) => after = Some(last),
                    Some(Ok(None)) => break,
                    Some(Err(error)) => {
                        report.problem(format!("index tree {}", tree.name()), error.to_string());
                        unread.insert(number, after.take());
                        break;
                    }
                }
            }
        }
        let live = |record: &&Expected| !record.overwritten;
        // What the journal accounts for: every record up to the applied
        // mark, and those past it that are there; a key written more than
        // once counts once.
        let mut accounted: BTreeMap<u8, u64> = BTreeMap::new();
        let mut found_shared: HashSet<(u8, &[u8])> = HashSet::new();
        for record in self
            .records
            .iter()
            .filter(live)
            .filter(|record| record.found)
        {
            if !record.shared || found_shared.insert((record.tree, self.key(record))) {
                *accounted.entry(record.tree).or_default() += 1;
                report.index_records += 1;
            }
        }
        // The records not found by their hash, by tree and key, to tell a
        // record that differs from one that is missing; a key the index
        // holds as one of its writers left it is settled.
        let mut not_found: HashMap<(u8, &[u8]), Vec<&Expected>> = HashMap::new();
        for record in self
            .records
            .iter()
            .filter(live)
            .filter(|record| !record.found)
        {
            let key = (record.tree, self.key(record));
            if !found_shared.contains(&key) {
                not_found.entry(key).or_default().push(record);
            }
        }
        let tree_name = |number: u8| TreeName::ALL[usize::from(number)].name();
        let label = |number: u8, key: &[u8]| {
            format!("index tree {} record {}", tree_name(number), key_label(key))
        };
        unknown.sort();
        for (number, key) in &unknown {
            let newest = not_found
                .remove(&(*number, key.as_slice()))
                .and_then(|written| written.into_iter().max_by_key(|record| record.seq));
            match newest {
                Some(record) => {
                    *accounted.entry(record.tree).or_default() += 1;
                    report.index_records += 1;
                    report.problem(
                        label(*number, key),
                        format!(
                            "differs from what {} recorded; run `provdb reindex`",
                            entry_item(record.seq, record.start)
                        ),
                    );
                }
                None => report.problem(
                    label(*number, key),
                    "was written by no journal entry; run `provdb reindex`",
                ),
            }
        }
        // At most one record of a key is not optional: the last writer's.
        let mut missing: Vec<&Expected> = not_found
            .into_values()
            .flatten()
            .filter(|record| {
                let read = match unread.get(&record.tree) {
                    None => true,
                    Some(last) => last.as_deref().is_some_and(|last| self.key(record) <= last),
                };
                !record.optional && read
            })
            .collect();
        missing.sort_by_key(|record| (record.seq, record.tree));
        for record in missing {
            *accounted.entry(record.tree).or_default() += 1;
            report.index_records += 1;
            report.problem(
                label(record.tree, self.key(record)),
                format!(
                    "is missing; {} recorded it; run `provdb reindex`",
                    entry_item(record.seq, record.start)
                ),
            );
        }
        for tree in TreeName::ALL {
            let number = tree_number(tree);
            if unread.contains_key(&number) {
                continue;
            }
            let found = held.get(&number).copied().unwrap_or(0);
            let expected = accounted.get(&number).copied().unwrap_or(0);
            if found != expected {
                report.problem(
                    format!("index tree {}", tree.name()),
                    format!("holds {found} records but the journal accounts for {expected}; run `provdb reindex`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::index::Index;

    // `key_label` of b"citation": its 8 bytes in hex, 63 69 74 61 74 69 6f 6e.
    const TREE: TreeName = TreeName::Retractions;

    fn record(value: &[u8]) -> Record {
        Record {
            tree: TREE,
            key: b"citation".to_vec(),
            value: value.to_vec(),
        }
    }

    /// Checks an index holding `held` under the key against the records
    /// written by entries (seq, value, optional) in order; returns the
    /// problems as "item: what", and the records counted.
    fn check(held: Option<&[u8]>, written: &[(u64, &[u8], bool)]) -> (Vec<String>, u64) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let index = Index::open(&dir.path().join("index")).expect("a new index opens");
        if let Some(value) = held {
            index
                .put_raw(TREE, b"citation", value)
                .expect("a record is written");
        }
        let mut expected = ExpectedRecords::default();
        for (seq, value, optional) in written {
            expected.push(&record(value), *seq, seq * 100, *optional);
        }
        let mut report = Report::default();
        expected.check(&SharedIndex::new(index, u64::MAX), &mut report);
        let problems = report
            .problems
            .iter()
            .map(|problem| format!("{}: {}", problem.item, problem.what))
            .collect();
        (problems, report.index_records)
    }

    #[test]
    fn a_key_written_twice_is_held_as_the_last_entry_wrote_it() {
        // Applying entries 1 and 2 in order leaves entry 2's value.
        let written = [(1, &b"first"[..], false), (2, &b"second"[..], false)];
        assert_eq!(check(Some(b"second"), &written), (vec![], 1));
        // The first value, overwritten by replay, is stale: it differs from
        // what the last writer recorded. Counted once, so the tree's count
        // (1 held, 1 accounted for) agrees.
        let (problems, counted) = check(Some(b"first"), &written);
        assert_eq!(
            problems,
            vec!["index tree retractions record 6369746174696f6e: differs from what journal entry 2 (byte 200) recorded; run `provdb reindex`".to_string()]
        );
        assert_eq!(counted, 1);
        let (problems, _) = check(None, &written);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("is missing; journal entry 2 (byte 200) recorded it"),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("holds 0 records but the journal accounts for 1"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_key_rewritten_past_the_applied_mark_may_hold_either_value() {
        // Entry 2 is past the mark: a crash may have landed it or not.
        let written = [(1, &b"first"[..], false), (2, &b"second"[..], true)];
        assert_eq!(check(Some(b"first"), &written), (vec![], 1));
        assert_eq!(check(Some(b"second"), &written), (vec![], 1));
        let (problems, _) = check(Some(b"other"), &written);
        assert!(
            problems[0].contains("differs from what journal entry 2"),
            "{problems:?}"
        );
        // Entry 1's record is not optional: it must be there.
        let (problems, _) = check(None, &written);
        assert!(
            problems[0].contains("is missing; journal entry 1 (byte 100)"),
            "{problems:?}"
        );
    }
}
