//! `verify`: re-hash every object, walk the journal's hash chain, recompute
//! every id, check every index record against the journal entry that wrote
//! it, and check every quote against its source's bytes.
//!
//! It errs on the side of failing: anything it cannot check is a problem, not
//! a pass. It changes nothing in the journal or the objects, and it does not
//! repair the index (that is `reindex`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::identity;
use crate::model::{Change, CitationId, ClaimId, Entry, EntryHash, SourceId};
use crate::storage::index::{AppliedMark, Index, TreeName};
use crate::storage::journal::{Journal, Lines};
use crate::storage::objects::Objects;
use crate::store::{OpenOptions, StoreError, FORMAT_FILE, FORMAT_TEXT};
use crate::text::anchor::{self, AnchorCheck};

/// One thing found wrong, with the damaged item named.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The damaged item, e.g. "object 6437b3ac38465133…" or "journal entry 7".
    pub item: String,
    /// What is wrong.
    pub what: String,
}

/// What `verify` checked and found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    /// Object files checked (rehashed, or skipped as verified recently).
    pub objects: u64,
    /// Of those, not rehashed: found sound within `--max-age`.
    pub skipped: u64,
    /// Journal entries whose chain link was checked.
    pub entries: u64,
    /// Sources recorded.
    pub sources: u64,
    /// Claims recorded.
    pub claims: u64,
    /// Citations whose quote was checked against the bytes.
    pub citations: u64,
    /// Index records compared with the journal.
    pub index_records: u64,
    /// Things that are not damage but worth knowing (a crash-torn tail, an unreferenced object).
    pub notices: Vec<String>,
    /// Damage found.
    pub problems: Vec<Problem>,
    /// Object files no journal entry records (left by interrupted adds):
    /// harmless, summarised in one notice, removed by `reindex`.
    #[serde(skip)]
    pub unrecorded: Vec<SourceId>,
}

impl Report {
    /// Returns true when nothing is wrong.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, item: impl Into<String>, what: impl Into<String>) {
        self.problems.push(Problem {
            item: item.into(),
            what: what.into(),
        });
    }
}

/// Checks one kept checkpoint against the journal's tree at its size.
fn check_checkpoint(
    checkpoint: &crate::audit::checkpoints::Checkpoint,
    tree: &crate::audit::merkle::Frontier,
    store_id: Option<&str>,
    report: &mut Report,
) {
    let item = format!(
        "checkpoint of size {} taken {}",
        checkpoint.size, checkpoint.time
    );
    if let Some(id) = store_id {
        if checkpoint.origin != format!("provdb/{id}") {
            report.problem(
                &item,
                format!(
                    "names the log {:?}, not this store (provdb/{id})",
                    checkpoint.origin
                ),
            );
        }
    }
    let root = tree.root(&crate::audit::merkle::Blake3);
    if checkpoint.root_bytes() != Some(root) {
        report.problem(
            &item,
            format!(
                "its root {} is not the root of the journal's first {} entries ({}): the journal was changed after the checkpoint was taken",
                checkpoint.root,
                checkpoint.size,
                crate::audit::checkpoints::encode_root(&root)
            ),
        );
    }
}

/// What `verify` remembers to check that carried citations, drift findings
/// and supersessions hold: each revision's source, and the citations anchored
/// in a revision's source (only those can be carried from).
#[derive(Debug, Default)]
struct Lineage {
    revisions: HashMap<(String, u32), SourceId>,
    /// Every citation recorded so far, whether or not its source was a
    /// revision when it was cited (a source may become one later, and its
    /// citations are then carried), kept compactly: 8 bytes of its id →
    /// 8 bytes of its claim id, 8 of its source id, and 8 of a hash of its
    /// words. A forged link would have to match a recorded one in 64 bits.
    citations: HashMap<u64, Compact>,
    retracted: HashSet<CitationId>,
}

/// A citation as `Lineage` keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Compact {
    claim: u64,
    source: u64,
    words: u64,
}

/// The first 8 bytes of a 32-byte id.
fn prefix64(bytes: &[u8; 32]) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(first)
}

/// 8 bytes of the BLAKE3 hash of a quote's words.
fn words64(exact: &str) -> u64 {
    prefix64(blake3::hash(exact.as_bytes()).as_bytes())
}

/// The merge whose entries are being checked: the other store's id, its
/// journal's lines as the merged source holds them, and how many merged
/// entries the merge entry announced and how many followed.
struct MergeCheck {
    item: String,
    store: String,
    /// The merged journal's bytes and where each of its lines starts.
    lines: Option<(Vec<u8>, Vec<usize>)>,
    announced: u64,
    seen: u64,
}

impl MergeCheck {
    /// Reads the merged journal from its object and checks its tree head.
    fn open(root: &Path, item: &str, change: &Change, report: &mut Report) -> Option<MergeCheck> {
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
    fn check(
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
    fn finish(self, report: &mut Report) {
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

fn id_prefix(id: &CitationId) -> u64 {
    prefix64(id.as_bytes())
}

impl Lineage {
    /// True when a citation with this id was recorded before (other
    /// citations are known by 8 bytes of their id: a forged id would have
    /// to match a recorded one in 64 bits).
    fn knows(&self, id: &CitationId) -> bool {
        self.citations.contains_key(&id_prefix(id))
    }

    /// The recorded citation with this id, compactly, if any.
    fn get(&self, id: &CitationId) -> Option<Compact> {
        self.citations.get(&id_prefix(id)).copied()
    }

    fn check(&mut self, entry: &Entry, item: &str, report: &mut Report) {
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
                self.citations.insert(
                    id_prefix(citation),
                    Compact {
                        claim: prefix64(body.claim.as_bytes()),
                        source: prefix64(body.source.as_bytes()),
                        words: words64(&body.selector.exact),
                    },
                );
            }
            Change::Retract { citation, .. } => {
                if !self.knows(citation) {
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
                match self.get(&drift.citation) {
                    Some(found) if Some(found.source) == source_of(before) => {}
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
                    match self.get(&to) {
                        Some(found) if Some(found.source) == source_of(after) => {}
                        _ => report.problem(item, format!("drift finding carries onto citation {}, which is not a citation of {}@{}", to.short(), drift.doc, drift.number)),
                    }
                }
            }
            Change::Supersede { citation, by, .. } => {
                for id in [citation, by] {
                    if !self.knows(id) {
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
            | Change::RecordClaim(_)
            | Change::Review(_)
            | Change::Merge { .. } => {}
        }
    }

    /// A carried citation's link to the one it came from: same claim, same
    /// quote, from the previous revision into this one, not retracted first.
    /// Every link checked in journal order makes the whole chain back to the
    /// citation a person made hold.
    fn check_carried(
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
        let Some(from) = self.get(&carried.from) else {
            report.problem(
                item,
                format!(
                    "carried from citation {}, which was not recorded before it",
                    carried.from.short()
                ),
            );
            return;
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

/// Verifies the store at `root` and returns what it found. Errors are only for
/// a store that cannot be examined at all (not a store, locked).
pub fn verify(root: &Path, options: &mut OpenOptions<'_>) -> Result<Report, StoreError> {
    verify_with_progress(root, options, None, &|_, _| {})
}

/// `verify`, rehashing only objects not verified within `max_age` (all when
/// None), and calling `progress(journal bytes walked, journal bytes)` every
/// 4,096 entries (for a progress bar; objects are hashed alongside). When
/// each object was last found sound is kept in the store's `verified` file.
pub fn verify_with_progress(
    root: &Path,
    options: &mut OpenOptions<'_>,
    max_age: Option<time::Duration>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Report, StoreError> {
    match std::fs::read_to_string(root.join(FORMAT_FILE)) {
        Ok(text) if text == FORMAT_TEXT => {}
        _ => {
            return Err(StoreError::NotAStore {
                path: root.to_path_buf(),
            })
        }
    }
    let _lock = crate::store::lock_for_verify(root, options)?;
    let mut report = Report::default();
    let objects = Objects::new(root.join("objects"));

    // The index: a damaged one is a problem, and the other checks go on.
    let (index, applied) = open_index_for_verify(root, &mut report);

    // Objects verified recently enough are not rehashed.
    let now = time::OffsetDateTime::now_utc();
    let mut last_verified = crate::storage::verified::read(root);
    let skip: HashSet<SourceId> = match max_age {
        None => HashSet::new(),
        Some(age) => last_verified
            .iter()
            .filter(|(_, when)| now - **when <= age)
            .map(|(id, _)| *id)
            .collect(),
    };
    // Objects are rehashed on every core while this thread walks the journal.
    let (sources, hashed) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| hash_objects(&objects, &skip));
        let sources = check_journal(root, index.as_ref(), applied, &mut report, progress);
        (sources, hashing.join())
    });
    match hashed {
        Ok(hashed) => {
            let sound = check_objects(hashed, &sources, index.as_ref(), &mut report);
            // Keep the times of objects still present; damaged ones lose theirs.
            last_verified.retain(|id, _| skip.contains(id));
            for id in sound {
                last_verified.insert(id, now);
            }
            if let Err(error) = crate::storage::verified::write(root, &last_verified) {
                report.notices.push(format!("could not record when objects were verified ({error}); the next `verify --max-age` rehashes them"));
            }
        }
        Err(_) => report.problem("objects", "hashing them failed unexpectedly"),
    }
    if let Some(index) = &index {
        check_quotes(index, &objects, &mut report);
    }
    Ok(report)
}

/// Returns why a journal line is not exactly the bytes provdb writes for
/// the entry it parses to, or None when it is. The format is closed: a line
/// with a field the format does not define (which the parser would skip),
/// or written in another form, is damage, not something to read past.
fn not_canonical(line: &[u8], entry: &Entry) -> Option<String> {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let written = serde_json::to_vec(entry).ok()?;
    if written == body {
        return None;
    }
    let found: serde_json::Value = serde_json::from_slice(body).ok()?;
    let expected: serde_json::Value = serde_json::from_slice(&written).ok()?;
    if let Some(path) = extra_field(&found, &expected, String::new()) {
        return Some(format!(
            "has the field {path}, which the journal format does not define"
        ));
    }
    Some("is not written as provdb writes entries (key order, spacing or escapes differ): the line was altered".into())
}

/// Returns the path of the first field in `found` that `expected` lacks.
fn extra_field(
    found: &serde_json::Value,
    expected: &serde_json::Value,
    at: String,
) -> Option<String> {
    match (found, expected) {
        (serde_json::Value::Object(found), serde_json::Value::Object(expected)) => {
            for (key, value) in found {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                match expected.get(key) {
                    None => return Some(path),
                    Some(other) => {
                        if let Some(deeper) = extra_field(value, other, path) {
                            return Some(deeper);
                        }
                    }
                }
            }
            None
        }
        (serde_json::Value::Array(found), serde_json::Value::Array(expected)) => found
            .iter()
            .zip(expected)
            .enumerate()
            .find_map(|(index, (value, other))| {
                extra_field(value, other, format!("{at}[{index}]"))
            }),
        _ => None,
    }
}

/// Opens the index `verify` checks: the store's own, a copy of it when the
/// store cannot be written (sled opens its files for writing), or, when it is
/// missing, one built from the journal outside the store. A missing index or
/// one a command was stopped while writing is not damage: it is derived, and
/// the next command rebuilds it; each gets a notice.
fn open_index_for_verify(root: &Path, report: &mut Report) -> (Option<Index>, Option<AppliedMark>) {
    let index_path = root.join("index");
    let opened = if !index_path.exists() {
        // A reindex stopped between removing the old index and renaming the
        // new one, or a person removed it.
        match crate::store::scratch_index(root, false) {
            Ok(index) => {
                report.notices.push("the index is missing; it is derived from the journal and the next command rebuilds it; verify checked the journal against one built from it outside the store".into());
                Ok(index)
            }
            Err(error) => {
                report.problem(
                    "index",
                    format!("is missing and cannot be built from the journal: {error}"),
                );
                return (None, None);
            }
        }
    } else if crate::store::is_read_only(root) {
        Index::open_scratch(root, true)
    } else {
        Index::open(&index_path)
    };
    match opened.and_then(|index| index.applied().map(|applied| (index, applied))) {
        Ok((index, applied)) => (Some(index), applied),
        Err(error) if crate::storage::index::writing_marker(&index_path).exists() => {
            match crate::store::scratch_index(root, false) {
                Ok(index) => {
                    report.notices.push(format!("a command was stopped while writing the index, which does not open ({error}); the index is derived and the next command rebuilds it; verify checked the journal against one built from it outside the store"));
                    let applied = index.applied().ok().flatten();
                    (Some(index), applied)
                }
                Err(rebuild) => {
                    report.problem("index", format!("does not open ({error}) and cannot be built from the journal: {rebuild}"));
                    (None, None)
                }
            }
        }
        Err(error) => {
            report.problem(
                "index",
                format!("cannot be opened: {error}; run `provdb reindex`"),
            );
            (None, None)
        }
    }
}

/// Walks the journal; checks the chain, ids, references, the index records
/// each entry wrote, and every checkpoint kept against the journal's tree.
fn check_journal(
    root: &Path,
    index: Option<&Index>,
    applied: Option<AppliedMark>,
    report: &mut Report,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> HashSet<SourceId> {
    let journal_path = root.join("journal");
    let path = journal_path.as_path();
    let kept = match crate::store::read_checkpoints(root) {
        Ok(kept) => kept,
        Err(error) => {
            report.problem("checkpoints", error.to_string());
            Vec::new()
        }
    };
    let mut checkpoint_at: BTreeMap<u64, Vec<&crate::audit::checkpoints::Checkpoint>> =
        BTreeMap::new();
    for checkpoint in &kept {
        checkpoint_at
            .entry(checkpoint.size)
            .or_default()
            .push(checkpoint);
    }
    let mut tree = crate::audit::merkle::Frontier::default();
    let mut store_id: Option<String> = None;
    let mut frontier_at_mark: Option<crate::audit::merkle::Frontier> = None;
    let mut sources = HashSet::new();
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(error) => {
            report.problem("journal", format!("cannot be opened: {error}"));
            return sources;
        }
    };
    let len = match file.metadata() {
        Ok(metadata) => metadata.len(),
        Err(error) => {
            report.problem("journal", format!("cannot be read: {error}"));
            return sources;
        }
    };
    let end = match Journal::committed_end(&mut file, len, path) {
        Ok((end, _, dropped)) => {
            if end < len {
                report.notices.push(format!(
                    "the journal ends with {} bytes ({dropped} complete entries) of an interrupted, never-acknowledged command; the next command cuts them back",
                    len - end
                ));
            }
            end
        }
        Err(error) => {
            report.problem("journal tail", error.to_string());
            len
        }
    };
    let lines = match Lines::open(path, 0, end) {
        Ok(lines) => lines,
        Err(error) => {
            report.problem("journal", error.to_string());
            return sources;
        }
    };
    let mut prev = EntryHash::genesis();
    let mut expected_seq = 1u64;
    let mut expected_counts: BTreeMap<TreeName, u64> = BTreeMap::new();
    let mut last_mark: Option<AppliedMark> = None;
    let mut chunker = crate::storage::index::Chunker::new();
    let index_limit = applied.map(|mark| mark.seq).unwrap_or(0);
    let mut lineage = Lineage::default();
    let mut claims: HashSet<ClaimId> = HashSet::new();
    let mut merge: Option<MergeCheck> = None;
    let mut last_time: Option<time::OffsetDateTime> = None;
    for line in lines {
        let line = match line {
            Ok(line) => line,
            Err(error) => {
                report.problem("journal", error.to_string());
                break;
            }
        };
        let item = format!("journal entry {expected_seq} (byte {})", line.start);
        let entry = match line.parse() {
            Ok(entry) => entry,
            Err(error) => {
                report.problem(item, format!("{error}"));
                // The chain cannot be followed past an unreadable line.
                break;
            }
        };
        report.entries += 1;
        if report.entries.is_multiple_of(4096) {
            progress(line.end(), end);
        }
        if let Some(why) = not_canonical(&line.bytes, &entry) {
            report.problem(&item, why);
        }
        if entry.seq != expected_seq {
            report.problem(
                &item,
                format!("has sequence number {}, expected {expected_seq}", entry.seq),
            );
        }
        if entry.prev != prev {
            report.problem(
                &item,
                "does not link to the entry before it (prev hash differs): the journal was altered",
            );
        }
        match (expected_seq, &entry.change) {
            (1, Change::Init { .. }) => {}
            (1, _) => report.problem(&item, "the first entry is not the store's init entry"),
            (_, Change::Init { store, .. }) => report.problem(
                &item,
                format!("is a second init entry (store {store}); a store is initialised once, by entry 1"),
            ),
            _ => {}
        }
        match time::OffsetDateTime::parse(
            &entry.time,
            &time::format_description::well_known::Rfc3339,
        ) {
            Err(_) => report.problem(&item, format!("time {:?} is not RFC 3339", entry.time)),
            Ok(time) => {
                if last_time.is_some_and(|last| time < last) {
                    report.notices.push(format!("{item} was recorded at {}, earlier than the entry before it (the clock went back); --as-of answers near that time may be off", entry.time));
                }
                last_time = Some(time);
            }
        }
        lineage.check(&entry, &item, report);
        match (&entry.origin, &mut merge) {
            (Some(origin), Some(open)) => open.check(&entry, origin, &item, report),
            (Some(origin), None) => report.problem(
                &item,
                format!(
                    "says it was merged from store {}, but no merge entry precedes it",
                    origin.store
                ),
            ),
            (None, _) => {
                if let Some(done) = merge.take() {
                    done.finish(report);
                }
                merge = MergeCheck::open(root, &item, &entry.change, report);
            }
        }
        match &entry.change {
            Change::AddSource { source, size, .. } => {
                report.sources += 1;
                sources.insert(*source);
                // The size an entry states is shown by `show` and `sources`:
                // it must be the object's. (A missing or unreadable object
                // is reported with the objects.)
                let path = Objects::new(root.join("objects")).path_for(source);
                if let Ok(meta) = std::fs::symlink_metadata(&path) {
                    if meta.is_file() && meta.len() != *size {
                        report.problem(
                            &item,
                            format!(
                                "states source {} is {size} bytes, but its object holds {}",
                                source.short(),
                                meta.len()
                            ),
                        );
                    }
                }
            }
            Change::AddRevision(revision) => {
                if !sources.contains(&revision.source) {
                    report.problem(
                        &item,
                        format!(
                            "revision points to source {} recorded nowhere before it",
                            revision.source.short()
                        ),
                    );
                }
            }
            Change::RecordClaim(claim) => {
                report.claims += 1;
                claims.insert(claim.id);
                let expected = identity::expected_claim_id(claim);
                if expected != claim.id {
                    report.problem(
                        &item,
                        format!(
                            "claim id {} does not match its content (should be {})",
                            claim.id.short(),
                            expected.short()
                        ),
                    );
                }
            }
            Change::Cite { citation, body, .. } => {
                let expected =
                    identity::citation_id(body, entry.recorded_by(), entry.recorded_at());
                if expected != *citation {
                    report.problem(
                        &item,
                        format!(
                            "citation id {} does not match its content (should be {})",
                            citation.short(),
                            expected.short()
                        ),
                    );
                }
                if !sources.contains(&body.source) {
                    report.problem(
                        &item,
                        format!(
                            "citation quotes source {} recorded nowhere before it",
                            body.source.short()
                        ),
                    );
                }
                if !claims.contains(&body.claim) {
                    report.problem(
                        &item,
                        format!(
                            "citation supports claim {}, recorded nowhere before it",
                            body.claim.short()
                        ),
                    );
                }
            }
            Change::Review(review) => {
                if let Some(claim) = &review.claim {
                    if !claims.contains(claim) {
                        report.problem(
                            &item,
                            format!(
                                "review rates claim {}, recorded nowhere before it",
                                claim.short()
                            ),
                        );
                    }
                }
                if let Some(markup) = &review.markup {
                    if !sources.contains(&markup.source) {
                        report.problem(
                            &item,
                            format!(
                                "review was read from source {}, recorded nowhere before it",
                                markup.source.short()
                            ),
                        );
                    }
                }
            }
            Change::Retract { .. }
            | Change::Merge { .. }
            | Change::Init { .. }
            | Change::Drift(_)
            | Change::Supersede { .. } => {}
        }
        let hash = line.hash();
        let place = crate::storage::index::LinePlace {
            start: line.start,
            end: line.end(),
            leaf: line.leaf(),
        };
        if let Change::Init { store, .. } = &entry.change {
            store_id.get_or_insert_with(|| store.clone());
        }
        tree.push(
            &crate::audit::merkle::Blake3,
            place.leaf,
            place.start,
            place.end,
        );
        for checkpoint in checkpoint_at.remove(&tree.size).unwrap_or_default() {
            check_checkpoint(checkpoint, &tree, store_id.as_deref(), report);
        }
        if let Some(index) = index {
            // Past the applied mark, a crash may have landed some records
            // before the mark; those are optional, but each present one must be right.
            let optional = entry.seq > index_limit;
            check_entry_records(
                index,
                &mut chunker,
                &entry,
                &item,
                place,
                &mut expected_counts,
                report,
                optional,
            );
            if entry.seq == index_limit {
                frontier_at_mark = Some(chunker.frontier().clone());
            }
            if !optional {
                last_mark = Some(AppliedMark {
                    seq: entry.seq,
                    hash,
                    start: line.start,
                    end: line.end(),
                });
            }
        }
        prev = hash;
        expected_seq += 1;
    }
    if let Some(done) = merge.take() {
        done.finish(report);
    }
    for (size, _) in checkpoint_at {
        report.problem(
            format!("checkpoint of size {size}"),
            format!(
                "the journal holds only {} entries: it was cut after the checkpoint was taken",
                tree.size
            ),
        );
    }
    if let Some(index) = index {
        match (index.frontier(), frontier_at_mark) {
            (Ok(Some(stored)), Some(computed)) if stored == computed => {}
            (Ok(None), None) => {}
            (Err(error), _) => report.problem("index meta", format!("the Merkle frontier does not read: {error}; run `provdb reindex`")),
            _ => report.problem("index meta", "the Merkle frontier differs from the journal's tree at the applied entry; run `provdb reindex`"),
        }
        match (applied, last_mark) {
            (Some(mark), Some(found)) if mark == found => {}
            (Some(mark), _) => report.problem(
                "index meta",
                format!("the index says it applied entry {} but that entry is not in the journal as recorded; run `provdb reindex`", mark.seq),
            ),
            (None, _) => report.problem("index meta", "the index records no applied entry; run `provdb reindex`"),
        }
        let behind = (expected_seq - 1).saturating_sub(index_limit);
        if behind > 0 {
            report.notices.push(format!("the index is {behind} entries behind the journal; the next command brings it up to date"));
        }
        for tree in TreeName::ALL {
            let expected = expected_counts.get(&tree).copied().unwrap_or(0);
            let found = index.tree_len(tree) as u64;
            if found != expected {
                report.problem(
                    format!("index tree {}", tree.name()),
                    format!("holds {found} records but the journal accounts for {expected}; run `provdb reindex`"),
                );
            }
        }
    }
    sources
}

#[allow(clippy::too_many_arguments)]
fn check_entry_records(
    index: &Index,
    chunker: &mut crate::storage::index::Chunker,
    entry: &crate::model::Entry,
    item: &str,
    place: crate::storage::index::LinePlace,
    counts: &mut BTreeMap<TreeName, u64>,
    report: &mut Report,
    optional: bool,
) {
    let records = match chunker.push(entry, place) {
        Ok((records, _)) => records,
        Err(error) => {
            report.problem(
                item,
                format!("cannot be turned into index records: {error}"),
            );
            return;
        }
    };
    for record in records {
        let found = index.get_raw(record.tree, &record.key);
        if optional && !matches!(found, Ok(Some(_))) {
            continue;
        }
        *counts.entry(record.tree).or_default() += 1;
        report.index_records += 1;
        match found {
            Ok(Some(value)) if value == record.value => {}
            Ok(Some(_)) => report.problem(
                format!(
                    "index tree {} record {}",
                    record.tree.name(),
                    key_label(&record.key)
                ),
                format!("differs from what {item} recorded; run `provdb reindex`"),
            ),
            Ok(None) => report.problem(
                format!(
                    "index tree {} record {}",
                    record.tree.name(),
                    key_label(&record.key)
                ),
                format!("is missing; {item} recorded it; run `provdb reindex`"),
            ),
            Err(error) => report.problem(
                format!("index tree {}", record.tree.name()),
                error.to_string(),
            ),
        }
    }
}

fn key_label(key: &[u8]) -> String {
    let hex: String = key
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    if key.len() > 8 {
        format!("{hex}…")
    } else {
        hex
    }
}

/// Every file under `objects/`, with the id its name gives and the hash of
/// its bytes (None: not rehashed, verified recently enough).
type Hashed = Result<Vec<(PathBuf, Option<SourceId>, Option<std::io::Result<SourceId>>)>, String>;

/// Lists and rehashes every object file on a pool of threads, in path order,
/// except those named in `skip`.
fn hash_objects(objects: &Objects, skip: &HashSet<SourceId>) -> Hashed {
    let listed = objects.list().map_err(|error| error.to_string())?;
    let threads = crate::storage::objects::worker_threads();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<std::io::Result<SourceId>>> =
        (0..listed.len()).map(|_| None).collect();
    let chunks: Vec<Vec<(usize, std::io::Result<SourceId>)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((path, named)) = listed.get(at) else {
                            break;
                        };
                        if named.is_some_and(|id| skip.contains(&id)) {
                            continue;
                        }
                        done.push((at, crate::storage::objects::hash_file(path)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap_or_default())
            .collect()
    });
    for (at, result) in chunks.into_iter().flatten() {
        results[at] = Some(result);
    }
    Ok(listed
        .into_iter()
        .zip(results)
        .map(|((path, named), result)| {
            let result = match result {
                Some(result) => Some(result),
                None if named.is_some_and(|id| skip.contains(&id)) => None,
                None => Some(Err(std::io::Error::other(
                    "not hashed: a hashing thread failed",
                ))),
            };
            (path, named, result)
        })
        .collect())
}

/// What a damaged source affects: its citations, their claims, and the
/// documents it is a revision of.
fn impact(index: Option<&Index>, id: &SourceId) -> String {
    let Some(index) = index else {
        return String::new();
    };
    let citations = index.citations_of_source(id).unwrap_or_default();
    let claims: HashSet<_> = citations
        .iter()
        .map(|record| record.citation.claim)
        .collect();
    let docs: HashSet<String> = index
        .revisions_of_source(id)
        .unwrap_or_default()
        .into_iter()
        .map(|(doc, _)| doc)
        .collect();
    let plural =
        |count: usize, word: &str| format!("{count} {word}{}", if count == 1 { "" } else { "s" });
    format!(
        "; {} of {} in {} affected",
        plural(citations.len(), "citation"),
        plural(claims.len(), "claim"),
        plural(docs.len(), "document")
    )
}

/// Checks the rehashed objects, and that every recorded source has one.
/// Returns the objects whose bytes were rehashed and found sound.
fn check_objects(
    hashed: Hashed,
    sources: &HashSet<SourceId>,
    index: Option<&Index>,
    report: &mut Report,
) -> Vec<SourceId> {
    let mut sound = Vec::new();
    let listed = match hashed {
        Ok(listed) => listed,
        Err(error) => {
            report.problem("objects", error);
            return sound;
        }
    };
    let mut present = HashSet::new();
    for (path, named, hashed) in listed {
        let Some(id) = named else {
            report.problem(
                format!("file {}", path.display()),
                "is not named by a BLAKE3 hash; objects/ holds nothing else",
            );
            continue;
        };
        report.objects += 1;
        match hashed {
            None => report.skipped += 1,
            Some(Ok(actual)) if actual == id => sound.push(id),
            Some(Ok(actual)) => report.problem(
                format!("object {id}"),
                format!(
                    "bytes hash to {actual}, not to their name: the object was altered{}",
                    impact(index, &id)
                ),
            ),
            Some(Err(error)) => report.problem(
                format!("object {id}"),
                format!("cannot be read: {error}{}", impact(index, &id)),
            ),
        }
        present.insert(id);
        if !sources.contains(&id) {
            report.unrecorded.push(id);
        }
    }
    if let Some(first) = report.unrecorded.first() {
        let count = report.unrecorded.len();
        report.notices.push(format!(
            "{count} object{} recorded by no journal entry (left by interrupted adds; harmless), the first {}; `provdb reindex` removes them",
            if count == 1 { " is" } else { "s are" },
            first.short()
        ));
    }
    for source in sources {
        if !present.contains(source) {
            report.problem(
                format!("object {source}"),
                format!(
                    "is missing: the journal records this source but its bytes are gone{}",
                    impact(index, source)
                ),
            );
        }
    }
    sound
}

/// Checks a stored anchor against an object file, reading only the quote and
/// its context (never the whole file).
fn check_anchor_in_file(
    file: &File,
    selector: &crate::model::Selector,
) -> std::io::Result<AnchorCheck> {
    use std::os::unix::fs::FileExt;
    let length = file.metadata()?.len();
    if selector.start > selector.end || selector.end > length {
        return Ok(AnchorCheck::OutOfRange);
    }
    let from = selector.start.saturating_sub(selector.prefix.len() as u64);
    let to = (selector.end + selector.suffix.len() as u64).min(length);
    let mut window = vec![0u8; (to - from) as usize];
    file.read_exact_at(&mut window, from)?;
    Ok(anchor::check_anchor(
        &window,
        &selector.exact,
        &selector.prefix,
        &selector.suffix,
        selector.start - from,
        selector.end - from,
    ))
}

/// Checks every citation's quote against its source's bytes, source by source.
fn check_quotes(index: &Index, objects: &Objects, report: &mut Report) {
    for source in index.sources() {
        let source = match source {
            Ok(source) => source,
            Err(error) => {
                report.problem("index tree sources", error.to_string());
                continue;
            }
        };
        let citations = match index.citations_of_source(&source.id) {
            Ok(citations) => citations,
            Err(error) => {
                report.problem("index tree links", error.to_string());
                continue;
            }
        };
        if citations.is_empty() {
            continue;
        }
        let Ok(file) = objects.open(&source.id) else {
            continue;
        }; // reported as missing above
        for record in citations {
            let id = record.id;
            if record.citation.source != source.id {
                report.problem(
                    format!("citation {id}"),
                    format!(
                        "is listed under source {} but quotes source {}; run `provdb reindex`",
                        source.id.short(),
                        record.citation.source.short()
                    ),
                );
                continue;
            }
            report.citations += 1;
            let selector = &record.citation.selector;
            let outcome = match check_anchor_in_file(&file, selector) {
                Ok(outcome) => outcome,
                Err(error) => {
                    report.problem(
                        format!("citation {id}"),
                        format!("source {} cannot be read: {error}", source.id.short()),
                    );
                    continue;
                }
            };
            let what = match outcome {
                AnchorCheck::Holds => continue,
                AnchorCheck::QuoteChanged => "its quote is no longer at its byte range",
                AnchorCheck::ContextChanged => {
                    "the text around its quote no longer matches its prefix/suffix"
                }
                AnchorCheck::OutOfRange => "its byte range lies outside the source",
            };
            report.problem(
                format!("citation {id}"),
                format!("{what} in source {}", source.id.short()),
            );
        }
    }
}
