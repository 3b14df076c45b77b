//! What carried, superseding and merged entries claim about earlier ones: each checked against the
//! entry it names (`Lineage`), and every merged entry against the line of the other journal it came
//! from (`MergeCheck`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::model::{Change, CitationId, Entry, SourceId};
use crate::storage::objects::Objects;

use super::shared::SharedIndex;
use super::Report;

/// What `verify` remembers to check that carried citations, drift findings
/// and supersessions hold: each revision's source, and where to find every
/// citation recorded so far (any may be carried from: a source may become a
/// revision after it was cited).
pub(super) struct Lineage<'a> {
    revisions: HashMap<(String, u32), SourceId>,
    /// The citations the index does not answer for (all of them when there
    /// is no index; else those past its applied mark), kept compactly: 8
    /// bytes of its id → 8 bytes of its claim id, 8 of its source id, and 8
    /// of a hash of its words. A forged link would have to match a recorded
    /// one in 64 bits.
    citations: HashMap<u64, Compact>,
    retracted: HashSet<CitationId>,
    /// The index answers for the citations of entries up to its applied
    /// mark, entry `index_limit`: each is read from the journal line its
    /// posting points to, whose content must hash to the id asked for and
    /// whose entry must come before the one being checked. So the walk
    /// holds nothing per citation. (An index that lacks a citation is also
    /// reported as missing its records.)
    index: Option<&'a SharedIndex>,
    index_limit: u64,
    /// The entry being checked.
    seq: u64,
}

/// A citation an entry names, looked up.
enum Named {
    Found(Compact),
    /// Recorded nowhere before the entry.
    Missing,
    /// The index failed to read it back (reported as such), or could not
    /// be opened again partway (reported once, at the end).
    Unreadable,
}

/// A citation as `Lineage` keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Compact {
    claim: u64,
    source: u64,
    words: u64,
}

/// The first 8 bytes of a 32-byte id.
pub(super) fn prefix64(bytes: &[u8; 32]) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(first)
}

/// 8 bytes of the BLAKE3 hash of a quote's words.
pub(super) fn words64(exact: &str) -> u64 {
    prefix64(blake3::hash(exact.as_bytes()).as_bytes())
}

/// The merge whose entries are being checked: the other store's id, its
/// journal's lines as the merged source holds them, and how many merged
/// entries the merge entry announced and how many followed.
pub(super) struct MergeCheck {
    item: String,
    store: String,
    /// The merged journal's bytes and where each of its lines starts.
    lines: Option<(Vec<u8>, Vec<usize>)>,
    announced: u64,
    seen: u64,
}

impl MergeCheck {
    /// Reads the merged journal from its object and checks its tree head.
    pub(super) fn open(
        root: &Path,
        item: &str,
        change: &Change,
        report: &mut Report,
    ) -> Option<MergeCheck> {
        let Change::Merge {
            store,
            journal,
            size,
            root: head,
            merged,
            ..
        } = change
        else {
            return None;
        };
        let lines = match Objects::new(root.join("objects")).read(journal) {
            Ok(bytes) => {
                let (found_size, found_root) = crate::audit::checkpoints::journal_head(&bytes);
                if (found_size, found_root.as_str()) != (*size, head.as_str()) {
                    report.problem(
                        item,
                        format!(
                            "the merged journal (source {}) has tree head {found_size} {found_root}, not {size} {head} as the merge states",
                            journal.short()
                        ),
                    );
                }
                let starts = std::iter::once(0)
                    .chain(
                        bytes
                            .iter()
                            .enumerate()
                            .filter(|(_, byte)| **byte == b'\n')
                            .map(|(at, _)| at + 1),
                    )
                    .filter(|start| *start < bytes.len())
                    .collect();
                Some((bytes, starts))
            }
            Err(error) => {
                report.problem(
                    item,
                    format!(
                        "the merged journal (source {}) cannot be read ({error}); its merged entries cannot be checked",
                        journal.short()
                    ),
                );
                None
            }
        };
        Some(MergeCheck {
            item: item.to_string(),
            store: store.clone(),
            lines,
            announced: *merged,
            seen: 0,
        })
    }

    /// Checks one merged entry against the line it came from.
    pub(super) fn check(
        &mut self,
        entry: &Entry,
        origin: &crate::model::Origin,
        item: &str,
        report: &mut Report,
    ) {
        self.seen += 1;
        if origin.store != self.store {
            report.problem(
                item,
                format!(
                    "is merged from store {}, but the merge before it is of store {}",
                    origin.store, self.store
                ),
            );
            return;
        }
        let Some((bytes, starts)) = &self.lines else {
            return;
        };
        let source = usize::try_from(origin.seq)
            .ok()
            .and_then(|seq| seq.checked_sub(1))
            .and_then(|at| {
                let start = *starts.get(at)?;
                let end = starts.get(at + 1).copied().unwrap_or(bytes.len());
                bytes.get(start..end)
            })
            .and_then(|line| crate::storage::journal::parse_entry(line).ok());
        let matches = source.is_some_and(|source| {
            source.seq == origin.seq
                && source.change == entry.change
                && source.recorded_by() == origin.actor
                && source.recorded_at() == origin.time
        });
        if !matches {
            report.problem(
                item,
                format!(
                    "does not match entry {} of store {}'s journal, which it says it was merged from",
                    origin.seq, origin.store
                ),
            );
        }
    }

    /// Checks that as many entries followed as the merge announced.
    pub(super) fn finish(self, report: &mut Report) {
        if self.seen != self.announced {
            report.problem(
                &self.item,
                format!(
                    "announces {} merged entries, but {} follow it",
                    self.announced, self.seen
                ),
            );
        }
    }
}

pub(super) fn id_prefix(id: &CitationId) -> u64 {
    prefix64(id.as_bytes())
}

impl Compact {
    fn of(citation: &crate::model::Citation) -> Compact {
        Compact {
            claim: prefix64(citation.claim.as_bytes()),
            source: prefix64(citation.source.as_bytes()),
            words: words64(&citation.selector.exact),
        }
    }
}

impl<'a> Lineage<'a> {
    /// A lineage that asks `index` about the citations of entries up to
    /// `index_limit` (its applied mark) and remembers the others.
    pub(super) fn new(index: Option<&'a SharedIndex>, index_limit: u64) -> Lineage<'a> {
        Lineage {
            revisions: HashMap::new(),
            citations: HashMap::new(),
            retracted: HashSet::new(),
            index,
            index_limit,
            seq: 0,
        }
    }

    /// The citation with this id recorded before the entry being checked:
    /// one remembered (known by 8 bytes of its id: a forged id would have
    /// to match a recorded one in 64 bits), or one the index reads back. An
    /// index that cannot read it back is reported here, as the index's
    /// damage, and the caller says nothing more of it.
    fn named(&self, id: &CitationId, item: &str, report: &mut Report) -> Named {
        if let Some(found) = self.citations.get(&id_prefix(id)) {
            return Named::Found(*found);
        }
        let Some(index) = self.index else {
            return Named::Missing;
        };
        // A citation's bucket of postings: a few dozen records at most.
        let Some(found) = index.read(64, |index| index.citation(id)) else {
            // The index could not be opened again, which is reported once.
            return Named::Unreadable;
        };
        match found {
            Ok(Some(record)) if record.seq < self.seq && record.seq <= self.index_limit => {
                Named::Found(Compact::of(&record.citation))
            }
            Ok(_) => Named::Missing,
            Err(error) => {
                report.problem(
                    item,
                    format!(
                        "names citation {}, which the index cannot read back from the journal ({error}); run `provdb reindex`, then verify again",
                        id.short()
                    ),
                );
                Named::Unreadable
            }
        }
    }

    /// Checks what the entry at place `seq` in the journal names.
    pub(super) fn check(&mut self, seq: u64, entry: &Entry, item: &str, report: &mut Report) {
        self.seq = seq;
        match &entry.change {
            Change::AddRevision(revision) => {
                self.revisions
                    .insert((revision.doc.clone(), revision.number), revision.source);
            }
            Change::Cite {
                citation,
                carried,
                body,
            } => {
                if let Some(carried) = carried {
                    self.check_carried(carried, body, item, report);
                }
                if self.index.is_none() || seq > self.index_limit {
                    self.citations
                        .insert(id_prefix(citation), Compact::of(body));
                }
            }
            Change::Retract { citation, .. } => {
                if let Named::Missing = self.named(citation, item, report) {
                    report.problem(
                        item,
                        format!(
                            "retracts citation {}, recorded nowhere before it",
                            citation.short()
                        ),
                    );
                }
                self.retracted.insert(*citation);
            }
            Change::Drift(drift) => {
                let before = drift
                    .number
                    .checked_sub(1)
                    .and_then(|number| self.revisions.get(&(drift.doc.clone(), number)));
                let after = self.revisions.get(&(drift.doc.clone(), drift.number));
                if before.is_none() || after.is_none() || drift.number < 2 {
                    report.problem(item, format!("drift finding for {}@{}, a revision not recorded before it (or without one before it)", drift.doc, drift.number));
                    return;
                }
                let source_of =
                    |source: Option<&SourceId>| source.map(|id| prefix64(id.as_bytes()));
                match self.named(&drift.citation, item, report) {
                    Named::Found(found) if Some(found.source) == source_of(before) => {}
                    Named::Unreadable => {}
                    _ => report.problem(
                        item,
                        format!(
                            "drift finding names citation {}, which is not a citation of {}@{}",
                            drift.citation.short(),
                            drift.doc,
                            drift.number - 1
                        ),
                    ),
                }
                if let Some(to) = drift.carried_to {
                    match self.named(&to, item, report) {
                        Named::Found(found) if Some(found.source) == source_of(after) => {}
                        Named::Unreadable => {}
                        _ => report.problem(item, format!("drift finding carries onto citation {}, which is not a citation of {}@{}", to.short(), drift.doc, drift.number)),
                    }
                }
            }
            Change::Supersede { citation, by, .. } => {
                for id in [citation, by] {
                    if let Named::Missing = self.named(id, item, report) {
                        report.problem(
                            item,
                            format!(
                                "supersession names citation {}, recorded nowhere before it",
                                id.short()
                            ),
                        );
                    }
                }
            }
            Change::Init { .. }
            | Change::AddSource { .. }
            | Change::DeriveText(_)
            | Change::Capture(_)
            | Change::RecordClaim(_)
            | Change::Review(_)
            | Change::Amend { .. }
            | Change::ReviewConflict(_)
            | Change::Merge { .. } => {}
        }
    }

    /// A carried citation's link to the one it came from: same claim, same
    /// quote, from the previous revision into this one, not retracted first.
    /// Every link checked in journal order makes the whole chain back to the
    /// citation a person made hold.
    pub(super) fn check_carried(
        &self,
        carried: &crate::model::Carried,
        body: &crate::model::Citation,
        item: &str,
        report: &mut Report,
    ) {
        let name = format!("{}@{}", carried.doc, carried.number);
        match self.revisions.get(&(carried.doc.clone(), carried.number)) {
            Some(source) if *source == body.source => {}
            Some(_) => report.problem(item, format!("carried citation is not in {name}'s source")),
            None => report.problem(
                item,
                format!("carried into {name}, a revision not recorded before it"),
            ),
        }
        let from = match self.named(&carried.from, item, report) {
            Named::Found(from) => from,
            Named::Unreadable => return,
            Named::Missing => {
                report.problem(
                    item,
                    format!(
                        "carried from citation {}, which was not recorded before it",
                        carried.from.short()
                    ),
                );
                return;
            }
        };
        let previous = carried
            .number
            .checked_sub(1)
            .and_then(|number| self.revisions.get(&(carried.doc.clone(), number)));
        if previous.map(|id| prefix64(id.as_bytes())) != Some(from.source) {
            report.problem(
                item,
                format!(
                    "carried from citation {}, which is not in {}@{}",
                    carried.from.short(),
                    carried.doc,
                    carried.number.saturating_sub(1)
                ),
            );
        }
        if from.claim != prefix64(body.claim.as_bytes()) {
            report.problem(
                item,
                format!(
                    "carried citation supports another claim than citation {} it came from",
                    carried.from.short()
                ),
            );
        }
        if from.words != words64(&body.selector.exact) {
            report.problem(
                item,
                format!(
                    "carried citation quotes other words than citation {} it came from",
                    carried.from.short()
                ),
            );
        }
        if self.retracted.contains(&carried.from) {
            report.problem(
                item,
                format!(
                    "carried from citation {}, which was retracted before",
                    carried.from.short()
                ),
            );
        }
    }
}
