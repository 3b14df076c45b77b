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

use std::collections::{BTreeMap, HashMap};

use crate::storage::index::{Record, TreeName};

use super::journal::{entry_item, key_label};
use super::shared::SharedIndex;
use super::Report;

/// A record an entry wrote, as the check keeps it: 64 bytes and its key.
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
        });
        self.keys.extend_from_slice(&record.key);
    }

    fn key(&self, record: &Expected) -> &[u8] {
        &self.keys[record.key_at..record.key_at + record.key_len as usize]
    }

    /// Reads every tree of the index and checks that it holds exactly the
    /// records expected (those past the applied mark if present), naming
    /// each record that differs, is missing or was written by no entry, and
    /// each tree whose count differs. Stops if the index could not be
    /// opened again partway (`SharedIndex::failure`, reported once).
    pub(super) fn check(mut self, index: &SharedIndex, report: &mut Report) {
        self.records.sort_unstable_by_key(|record| record.hash);
        // Records the index holds that no entry wrote as they are.
        let mut unknown: Vec<(u8, Vec<u8>)> = Vec::new();
        let mut held: BTreeMap<u8, u64> = BTreeMap::new();
        for tree in TreeName::ALL {
            let number = tree_number(tree);
            let mut after: Option<Vec<u8>> = None;
            loop {
                let records = &mut self.records;
                let read = index.read(PART as u64, |index| {
                    index.visit_records_after(tree, after.as_deref(), PART, &mut |key, value| {
                        *held.entry(number).or_default() += 1;
                        let hash = record_hash(number, key, value);
                        let at = records.partition_point(|record| record.hash < hash);
                        let same = records[at..]
                            .iter_mut()
                            .take_while(|record| record.hash == hash);
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
                        break;
                    }
                }
            }
        }
        // The records not found by their hash, by tree and key, to tell a
        // record that differs from one that is missing.
        let mut not_found: HashMap<(u8, &[u8]), Vec<&Expected>> = HashMap::new();
        for record in self.records.iter().filter(|record| !record.found) {
            not_found
                .entry((record.tree, self.key(record)))
                .or_default()
                .push(record);
        }
        let tree_name = |number: u8| TreeName::ALL[usize::from(number)].name();
        let label = |number: u8, key: &[u8]| {
            format!("index tree {} record {}", tree_name(number), key_label(key))
        };
        // What the journal accounts for: every record up to the applied
        // mark, and those past it that are there.
        let mut accounted: BTreeMap<u8, u64> = BTreeMap::new();
        for record in self.records.iter().filter(|record| record.found) {
            *accounted.entry(record.tree).or_default() += 1;
            report.index_records += 1;
        }
        unknown.sort();
        for (number, key) in &unknown {
            match not_found.remove(&(*number, key.as_slice())) {
                Some(written) => {
                    for record in written {
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
                }
                None => report.problem(
                    label(*number, key),
                    "was written by no journal entry; run `provdb reindex`",
                ),
            }
        }
        let mut missing: Vec<&Expected> = not_found
            .into_values()
            .flatten()
            .filter(|record| !record.optional)
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
