//! The journal walked line by line: the hash chain, sequence numbers and times, each line byte for
//! byte canonical, ids recomputed, references recorded before use, the index records each entry
//! wrote, and every kept checkpoint against the journal's tree.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::ops::ControlFlow;
use std::path::Path;

use crate::audit::checkpoints::Checkpoint;
use crate::audit::merkle::Frontier;

use crate::identity;
use crate::idset::IdSet;
use crate::model::{Change, CitationId, ClaimId, Entry, EntryHash, SourceId};
use crate::storage::index::{AppliedMark, Chunker};
use crate::storage::journal::{Journal, JournalError, Line, Lines};

use super::records::ExpectedRecords;
use super::shared::SharedIndex;
use super::{Lineage, MergeCheck, Report};

/// Checks one kept checkpoint against the journal's tree at its size.
pub(super) fn check_checkpoint(
    checkpoint: &crate::audit::checkpoints::Checkpoint,
    root: crate::audit::merkle::Digest,
    store_id: Option<&str>,
    report: &mut Report,
) {
    let item = format!(
        "checkpoint of size {} taken {}",
        checkpoint.size, checkpoint.time
    );
    if checkpoint.note.is_some() || checkpoint.key.is_some() {
        check_signature(checkpoint, &item, report);
    } else if let Some(id) = store_id {
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

/// Checks a signed checkpoint: its note is a signed note whose text is the
/// checkpoint's body, its key's name is the origin, and every signature by
/// that key verifies. Whose key it is, and which witnesses count, is the
/// reader's policy (`verify-proof --policy`); this is the store's own
/// consistency.
fn check_signature(checkpoint: &Checkpoint, item: &str, report: &mut Report) {
    use crate::audit::note::{Note, VerifierKey};
    let (Some(note), Some(key)) = (&checkpoint.note, &checkpoint.key) else {
        report.problem(
            item,
            "has a signed note without its key, or a key without its note".to_string(),
        );
        return;
    };
    let checked = VerifierKey::parse(key)
        .map_err(|error| error.to_string())
        .and_then(|key| {
            if key.name != checkpoint.origin {
                return Err(format!(
                    "its key is named {:?}, not its origin {:?}",
                    key.name, checkpoint.origin
                ));
            }
            let parsed = Note::parse(note).map_err(|error| error.to_string())?;
            if parsed.text != checkpoint.text() {
                return Err(
                    "its signed note is not of this checkpoint's origin, size and root".into(),
                );
            }
            parsed
                .verify(std::slice::from_ref(&key))
                .map(|_| ())
                .map_err(|error| error.to_string())
        });
    match checked {
        Ok(()) => report.signed_checkpoints += 1,
        Err(why) => report.problem(item, format!("its signature does not hold: {why}")),
    }
}

/// Returns why a journal line is not exactly the bytes provdb writes for
/// the entry it parses to, or None when it is. The format is closed: a line
/// with a field the format does not define (which the parser would skip),
/// or written in another form, is damage, not something to read past.
pub(super) fn not_canonical(line: &[u8], entry: &Entry) -> Option<String> {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let written = match serde_json::to_vec(entry) {
        Ok(written) => written,
        Err(error) => {
            return Some(format!(
                "cannot be written again as provdb writes entries ({error})"
            ))
        }
    };
    if written == body {
        return None;
    }
    let found = serde_json::from_slice::<serde_json::Value>(body);
    let expected = serde_json::from_slice::<serde_json::Value>(&written);
    if let (Ok(found), Ok(expected)) = (found, expected) {
        if let Some(path) = extra_field(&found, &expected, String::new()) {
            return Some(format!(
                "has the field {path}, which the journal format does not define"
            ));
        }
    }
    Some("is not written as provdb writes entries (key order, spacing or escapes differ): the line was altered".into())
}

/// Returns the path of the first field in `found` that `expected` lacks.
pub(super) fn extra_field(
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

/// What the journal records of objects: every object it names (sources,
/// text layers, WARC records), and each size an entry states of one.
#[derive(Debug, Default)]
pub(super) struct Recorded {
    pub objects: IdSet<32>,
    pub stated: Vec<Stated>,
}

/// A size an entry states of an object. It is checked against the bytes
/// the object held when it was hashed, so the walk need not look at the
/// object itself.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stated {
    pub object: SourceId,
    pub size: u64,
    /// The entry's sequence number and where its line starts.
    pub seq: u64,
    pub start: u64,
    pub what: Stating,
}

/// What kind of object a `Stated` size is of.
#[derive(Debug, Clone, Copy)]
pub(super) enum Stating {
    Source,
    Layer,
    Capture,
}

impl Stated {
    /// Returns the problem when the object holds `held` bytes, not the
    /// size stated, as (the entry, what is wrong).
    pub(super) fn differs(&self, held: u64) -> Option<(String, String)> {
        if held == self.size {
            return None;
        }
        let (size, short) = (self.size, self.object.short());
        let why = match self.what {
            Stating::Source => {
                format!("states source {short} is {size} bytes, but its object holds {held}")
            }
            Stating::Layer => {
                format!("states text layer {short} is {size} bytes, but its object holds {held}")
            }
            Stating::Capture => {
                format!("states WARC records {short} are {size} bytes, but its object holds {held}")
            }
        };
        Some((entry_item(self.seq, self.start), why))
    }
}

/// Returns how a problem names a journal entry.
pub(super) fn entry_item(seq: u64, start: u64) -> String {
    format!("journal entry {seq} (byte {start})")
}

/// Walks the journal; checks the chain, ids, references, the index records
/// each entry wrote, and every checkpoint kept against the journal's tree.
/// Returns the objects the journal records, and the sizes it states.
pub(super) fn check_journal(
    root: &Path,
    end: u64,
    kept: Vec<Checkpoint>,
    index: Option<&SharedIndex>,
    applied: Option<AppliedMark>,
    report: &mut Report,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Recorded {
    let lines = match Lines::open(&root.join("journal"), 0, end) {
        Ok(lines) => lines,
        Err(error) => {
            report.problem("journal", error.to_string());
            return Recorded::default();
        }
    };
    let mut walk = JournalWalk::new(root, kept, index, applied);
    // Lines are read, parsed and hashed on a thread of their own, a block
    // at a time, a few blocks ahead of the walk, which takes them in order.
    // The walk hands each block back when it is done with it, and the
    // reading thread frees it: memory is then freed by the thread that
    // allocated it, which spares the allocator's locks (a free from another
    // thread takes its arena's lock).
    let (blocks, received) = std::sync::mpsc::sync_channel::<Vec<Result<Read, JournalError>>>(4);
    let (done, finished) = std::sync::mpsc::channel::<Vec<Result<Read, JournalError>>>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut block = Vec::with_capacity(READ_BLOCK);
            for line in lines {
                let failed = line.is_err();
                block.push(line.map(Read::of));
                if failed {
                    break;
                }
                if block.len() == READ_BLOCK {
                    let full = std::mem::replace(&mut block, Vec::with_capacity(READ_BLOCK));
                    if blocks.send(full).is_err() {
                        return; // the walk stopped
                    }
                    finished.try_iter().for_each(drop);
                }
            }
            let _ = blocks.send(block);
        });
        'walk: for block in received {
            for read in &block {
                let read = match read {
                    Ok(read) => read,
                    Err(error) => {
                        report.problem("journal", error.to_string());
                        break 'walk;
                    }
                };
                let at = read.line.end();
                if walk.line(read, report).is_break() {
                    // The chain cannot be followed past an unreadable line.
                    break 'walk;
                }
                if report.entries.is_multiple_of(4096) {
                    progress(at, end);
                }
            }
            // Once the reading thread has ended, the last blocks are freed here.
            let _ = done.send(block);
        }
    });
    walk.finish(report)
}

/// Lines in a block handed from the reading thread to the walk.
const READ_BLOCK: usize = 1024;

/// A journal line with all that can be worked out from it alone: computed
/// off the walk's thread.
struct Read {
    line: Line,
    entry: Result<Entry, JournalError>,
    /// Why the line is not as provdb writes its entry, if it is not.
    not_canonical: Option<String>,
    hash: EntryHash,
    leaf: crate::audit::merkle::Digest,
    /// The id a claim's or a citation's content gives.
    claim_id: Option<ClaimId>,
    citation_id: Option<CitationId>,
}

impl Read {
    fn of(line: Line) -> Read {
        let entry = line.parse();
        let (mut claim_id, mut citation_id, mut canonical) = (None, None, None);
        if let Ok(entry) = &entry {
            canonical = not_canonical(&line.bytes, entry);
            match &entry.change {
                Change::RecordClaim(claim) => claim_id = Some(identity::expected_claim_id(claim)),
                Change::Cite { body, .. } => {
                    citation_id = Some(identity::citation_id(
                        body,
                        entry.recorded_by(),
                        entry.recorded_at(),
                    ))
                }
                _ => {}
            }
        }
        Read {
            hash: line.hash(),
            leaf: line.leaf(),
            line,
            entry,
            not_canonical: canonical,
            claim_id,
            citation_id,
        }
    }
}

/// Where the journal's committed lines end now (read under the store's
/// lock: what `verify` checks ends there, whatever is appended later). An
/// interrupted command's tail is a notice, not damage: the next command
/// cuts it back.
pub(super) fn committed_end(root: &Path, report: &mut Report) -> Option<u64> {
    let path = root.join("journal");
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(error) => {
            report.problem("journal", format!("cannot be opened: {error}"));
            return None;
        }
    };
    let len = match file.metadata() {
        Ok(metadata) => metadata.len(),
        Err(error) => {
            report.problem("journal", format!("cannot be read: {error}"));
            return None;
        }
    };
    match Journal::committed_end(&mut file, len, &path) {
        Ok((end, _, dropped)) => {
            if end < len {
                report.notices.push(format!(
                    "the journal ends with {} bytes ({dropped} complete entries) of an interrupted, never-acknowledged command; the next command cuts them back",
                    len - end
                ));
            }
            Some(end)
        }
        Err(error) => {
            report.problem("journal tail", error.to_string());
            Some(len)
        }
    }
}

/// The checkpoints kept now (read under the store's lock, with the
/// journal's length).
pub(super) fn kept_checkpoints(root: &Path, report: &mut Report) -> Vec<Checkpoint> {
    match crate::audit::checkpoints::read(root) {
        Ok(kept) => kept,
        Err(error) => {
            let path = crate::audit::checkpoints::path(root);
            report.problem(
                "checkpoints",
                format!("reading {}: {error}", path.display()),
            );
            Vec::new()
        }
    }
}

/// What the walk has seen so far: one method per line, and a finish.
struct JournalWalk<'a> {
    root: &'a Path,
    index: Option<&'a SharedIndex>,
    /// The index's applied mark, and the last entry it covers (0: none).
    applied: Option<AppliedMark>,
    index_limit: u64,
    /// Kept checkpoints by size, each checked when the tree reaches it.
    checkpoint_at: BTreeMap<u64, Vec<Checkpoint>>,
    tree: Frontier,
    /// The BLAKE3 tree, kept only when a checkpoint taken before SHA-256
    /// is there to check.
    legacy: Option<Frontier>,
    store_id: Option<String>,
    frontier_at_mark: Option<Frontier>,
    sources: IdSet<32>,
    /// Each text layer's object with the source it was derived from (two
    /// sources may have the same layer).
    layers: HashSet<(SourceId, SourceId)>,
    /// The WARC records objects of captures.
    captures: HashSet<SourceId>,
    /// The sizes entries state of the objects they record.
    stated: Vec<Stated>,
    claims: IdSet<32>,
    prev: EntryHash,
    expected_seq: u64,
    last_time: Option<(String, time::OffsetDateTime)>,
    /// The records the entries wrote, checked against the index at the end.
    expected: ExpectedRecords,
    last_mark: Option<AppliedMark>,
    chunker: Chunker,
    lineage: Lineage<'a>,
    merge: Option<MergeCheck>,
}

impl<'a> JournalWalk<'a> {
    fn new(
        root: &'a Path,
        kept: Vec<Checkpoint>,
        index: Option<&'a SharedIndex>,
        applied: Option<AppliedMark>,
    ) -> JournalWalk<'a> {
        let mut checkpoint_at: BTreeMap<u64, Vec<Checkpoint>> = BTreeMap::new();
        let legacy = kept
            .iter()
            .any(|checkpoint| checkpoint.hash != crate::audit::merkle::LOG_TREE)
            .then(Frontier::default);
        for checkpoint in kept {
            checkpoint_at
                .entry(checkpoint.size)
                .or_default()
                .push(checkpoint);
        }
        let index_limit = applied.map_or(0, |mark| mark.seq);
        JournalWalk {
            root,
            index,
            applied,
            index_limit,
            checkpoint_at,
            tree: Frontier::default(),
            legacy,
            store_id: None,
            frontier_at_mark: None,
            sources: IdSet::default(),
            layers: HashSet::new(),
            captures: HashSet::new(),
            stated: Vec::new(),
            claims: IdSet::default(),
            prev: EntryHash::genesis(),
            expected_seq: 1,
            last_time: None,
            expected: ExpectedRecords::default(),
            last_mark: None,
            chunker: Chunker::new(),
            lineage: Lineage::new(index, index_limit),
            merge: None,
        }
    }

    /// Checks one line; breaks when the line does not parse.
    fn line(&mut self, read: &Read, report: &mut Report) -> ControlFlow<()> {
        let item = entry_item(self.expected_seq, read.line.start);
        let entry = match &read.entry {
            Ok(entry) => entry,
            Err(error) => {
                report.problem(item, format!("{error}"));
                return ControlFlow::Break(());
            }
        };
        report.entries += 1;
        if let Some(why) = &read.not_canonical {
            report.problem(&item, why);
        }
        self.check_place(entry, &item, report);
        self.lineage.check(self.expected_seq, entry, &item, report);
        self.check_origin(entry, &item, report);
        self.check_references(entry, read, &item, report);
        self.check_tree_and_index(entry, read, &item, report);
        self.prev = read.hash;
        self.expected_seq += 1;
        ControlFlow::Continue(())
    }

    /// The entry's place: its sequence number, its link to the entry
    /// before, init only first, and a readable time (one earlier than the
    /// entry before is a notice: the clock went back).
    fn check_place(&mut self, entry: &Entry, item: &str, report: &mut Report) {
        let expected_seq = self.expected_seq;
        if entry.seq != expected_seq {
            report.problem(
                item,
                format!("has sequence number {}, expected {expected_seq}", entry.seq),
            );
        }
        if entry.prev != self.prev {
            report.problem(
                item,
                "does not link to the entry before it (prev hash differs): the journal was altered",
            );
        }
        match (expected_seq, &entry.change) {
            (1, Change::Init { .. }) => {}
            (1, _) => report.problem(item, "the first entry is not the store's init entry"),
            (_, Change::Init { store, .. }) => report.problem(
                item,
                format!("is a second init entry (store {store}); a store is initialised once, by entry 1"),
            ),
            _ => {}
        }
        // The entries of one command share its time: read once.
        if self
            .last_time
            .as_ref()
            .is_some_and(|(text, _)| *text == entry.time)
        {
            return;
        }
        match time::OffsetDateTime::parse(
            &entry.time,
            &time::format_description::well_known::Rfc3339,
        ) {
            Err(_) => report.problem(item, format!("time {:?} is not RFC 3339", entry.time)),
            Ok(time) => {
                if self
                    .last_time
                    .as_ref()
                    .is_some_and(|(_, last)| time < *last)
                {
                    report.notices.push(format!("{item} was recorded at {}, earlier than the entry before it (the clock went back); --as-of answers near that time may be off", entry.time));
                }
                self.last_time = Some((entry.time.clone(), time));
            }
        }
    }

    /// A merged entry must follow a merge entry, and match the line it
    /// came from; any other entry ends the merge before it.
    fn check_origin(&mut self, entry: &Entry, item: &str, report: &mut Report) {
        match (&entry.origin, &mut self.merge) {
            (Some(origin), Some(open)) => open.check(entry, origin, item, report),
            (Some(origin), None) => report.problem(
                item,
                format!(
                    "says it was merged from store {}, but no merge entry precedes it",
                    origin.store
                ),
            ),
            (None, _) => {
                if let Some(done) = self.merge.take() {
                    done.finish(report);
                }
                self.merge = MergeCheck::open(self.root, item, &entry.change, report);
            }
        }
    }

    /// Ids recomputed from content, and every source and claim an entry
    /// refers to recorded before it.
    fn check_references(&mut self, entry: &Entry, read: &Read, item: &str, report: &mut Report) {
        let sources = &mut self.sources;
        let claims = &mut self.claims;
        match &entry.change {
            Change::AddSource { source, size, .. } => {
                report.sources += 1;
                // provdb records a source once; its record is read back from
                // the first line that records it, so a second would be
                // shown nowhere.
                if !sources.insert(source.0) {
                    report.problem(
                        item,
                        format!(
                            "records source {} again, though an earlier entry recorded it",
                            source.short()
                        ),
                    );
                }
                // The size an entry states is shown by `show` and `sources`:
                // it must be the object's, checked against the bytes hashed
                // (a missing or unreadable object is reported with the objects).
                self.stated.push(Stated {
                    object: *source,
                    size: *size,
                    seq: self.expected_seq,
                    start: read.line.start,
                    what: Stating::Source,
                });
            }
            Change::DeriveText(layer) => {
                if !sources.contains(&layer.source.0) {
                    report.problem(
                        item,
                        format!(
                            "derives a text layer from source {}, recorded nowhere before it",
                            layer.source.short()
                        ),
                    );
                }
                self.layers.insert((layer.layer, layer.source));
                self.stated.push(Stated {
                    object: layer.layer,
                    size: layer.size,
                    seq: self.expected_seq,
                    start: read.line.start,
                    what: Stating::Layer,
                });
            }
            Change::Capture(capture) => {
                if !sources.contains(&capture.source.0) {
                    report.problem(
                        item,
                        format!(
                            "records a capture of source {}, recorded nowhere before it",
                            capture.source.short()
                        ),
                    );
                }
                self.captures.insert(capture.warc);
                self.stated.push(Stated {
                    object: capture.warc,
                    size: capture.size,
                    seq: self.expected_seq,
                    start: read.line.start,
                    what: Stating::Capture,
                });
            }
            Change::AddRevision(revision) => {
                if !sources.contains(&revision.source.0) {
                    report.problem(
                        item,
                        format!(
                            "revision points to source {} recorded nowhere before it",
                            revision.source.short()
                        ),
                    );
                }
            }
            Change::RecordClaim(claim) => {
                report.claims += 1;
                claims.insert(claim.id.0);
                // A range names its upper end, of the value's kind and in
                // canonical form; nothing else names one.
                let qualifiers = &claim.qualifiers;
                let range_ok = match (qualifiers.bound, &qualifiers.upper) {
                    (crate::model::Bound::Between, Some(upper)) => {
                        crate::text::values::parse_value(
                            Some(claim.value.kind()),
                            upper,
                            Some("unit"),
                        )
                        .is_ok_and(|parsed| parsed.to_string() == *upper)
                    }
                    (crate::model::Bound::Between, None) => false,
                    (_, upper) => upper.is_none(),
                };
                if !range_ok {
                    report.problem(
                        item,
                        "claim's upper end is given without bound between, or between without a readable upper end in canonical form",
                    );
                }
                let expected = read
                    .claim_id
                    .unwrap_or_else(|| identity::expected_claim_id(claim));
                if expected != claim.id {
                    report.problem(
                        item,
                        format!(
                            "claim id {} does not match its content (should be {})",
                            claim.id.short(),
                            expected.short()
                        ),
                    );
                }
            }
            Change::Cite { citation, body, .. } => {
                let expected = read.citation_id.unwrap_or_else(|| {
                    identity::citation_id(body, entry.recorded_by(), entry.recorded_at())
                });
                if expected != *citation {
                    report.problem(
                        item,
                        format!(
                            "citation id {} does not match its content (should be {})",
                            citation.short(),
                            expected.short()
                        ),
                    );
                }
                if !sources.contains(&body.source.0) {
                    report.problem(
                        item,
                        format!(
                            "citation quotes source {} recorded nowhere before it",
                            body.source.short()
                        ),
                    );
                }
                if !claims.contains(&body.claim.0) {
                    report.problem(
                        item,
                        format!(
                            "citation supports claim {}, recorded nowhere before it",
                            body.claim.short()
                        ),
                    );
                }
                if let Some(layer) = &body.layer {
                    if !self.layers.contains(&(layer.object, body.source)) {
                        report.problem(
                            item,
                            format!(
                                "citation quotes text layer {}, derived from source {} by no entry before it",
                                layer.object.short(),
                                body.source.short()
                            ),
                        );
                    }
                }
            }
            Change::Review(review) => {
                if let Some(claim) = &review.claim {
                    if !claims.contains(&claim.0) {
                        report.problem(
                            item,
                            format!(
                                "review rates claim {}, recorded nowhere before it",
                                claim.short()
                            ),
                        );
                    }
                }
                if let Some(markup) = &review.markup {
                    if !sources.contains(&markup.source.0) {
                        report.problem(
                            item,
                            format!(
                                "review was read from source {}, recorded nowhere before it",
                                markup.source.short()
                            ),
                        );
                    }
                }
            }
            Change::Amend { source, .. } => {
                if !sources.contains(&source.0) {
                    report.problem(
                        item,
                        format!(
                            "corrects the metadata of source {}, recorded nowhere before it",
                            source.short()
                        ),
                    );
                }
            }
            Change::ReviewConflict(review) => {
                for claim in &review.claims {
                    if !claims.contains(&claim.0) {
                        report.problem(
                            item,
                            format!(
                                "marks reviewed a conflict of claim {}, recorded nowhere before it",
                                claim.short()
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
    }

    /// The line as a leaf of the journal's tree (checking each kept
    /// checkpoint when the tree reaches its size), and the index records
    /// the entry wrote.
    fn check_tree_and_index(
        &mut self,
        entry: &Entry,
        read: &Read,
        item: &str,
        report: &mut Report,
    ) {
        let line = &read.line;
        let place = crate::storage::index::LinePlace {
            start: line.start,
            end: line.end(),
            leaf: read.leaf,
        };
        if let Change::Init { store, .. } = &entry.change {
            self.store_id.get_or_insert_with(|| store.clone());
        }
        self.tree.push(
            &crate::audit::merkle::LOG_TREE,
            place.leaf,
            place.start,
            place.end,
        );
        if let Some(legacy) = &mut self.legacy {
            let hash = crate::audit::merkle::TreeHash::Blake3;
            legacy.push(&hash, line.leaf_in(hash), place.start, place.end);
        }
        for checkpoint in self
            .checkpoint_at
            .remove(&self.tree.size)
            .unwrap_or_default()
        {
            let root = match (&self.legacy, checkpoint.hash) {
                (Some(legacy), crate::audit::merkle::TreeHash::Blake3) => {
                    legacy.root(&checkpoint.hash)
                }
                _ => self.tree.root(&crate::audit::merkle::LOG_TREE),
            };
            check_checkpoint(&checkpoint, root, self.store_id.as_deref(), report);
        }
        if self.index.is_none() {
            return;
        }
        // Past the applied mark, a crash may have landed some records
        // before the mark; those are optional, but each present one must be
        // right. They are checked against the index at the end
        // (`verify/records.rs`).
        let optional = entry.seq > self.index_limit;
        match self.chunker.push(entry, place) {
            Ok((records, _)) => {
                for record in &records {
                    self.expected.push(record, entry.seq, place.start, optional);
                }
            }
            Err(error) => report.problem(
                item,
                format!("cannot be turned into index records: {error}"),
            ),
        }
        if entry.seq == self.index_limit {
            self.frontier_at_mark = Some(self.chunker.frontier().clone());
        }
        if !optional {
            self.last_mark = Some(AppliedMark {
                seq: entry.seq,
                hash: read.hash,
                start: line.start,
                end: line.end(),
            });
        }
    }

    /// What can only be judged at the end: an open merge, checkpoints
    /// larger than the journal, and the index's meta and record counts.
    fn finish(mut self, report: &mut Report) -> Recorded {
        if let Some(done) = self.merge.take() {
            done.finish(report);
        }
        for size in self.checkpoint_at.keys() {
            report.problem(
                format!("checkpoint of size {size}"),
                format!(
                    "the journal holds only {} entries: it was cut after the checkpoint was taken",
                    self.tree.size
                ),
            );
        }
        if let Some(index) = self.index {
            let expected = std::mem::take(&mut self.expected);
            self.finish_index(index, expected, report);
        }
        // Text layers are objects the journal records too.
        for (layer, _) in &self.layers {
            self.sources.insert(layer.0);
        }
        for capture in &self.captures {
            self.sources.insert(capture.0);
        }
        Recorded {
            objects: self.sources,
            stated: self.stated,
        }
    }

    fn finish_index(&self, index: &SharedIndex, expected: ExpectedRecords, report: &mut Report) {
        // None: the index could not be opened again, which is reported once
        // at the end.
        let Some(stored) = index.read(super::shared::LOOKUP, |index| index.frontier()) else {
            return;
        };
        match (stored, &self.frontier_at_mark) {
            (Ok(Some(stored)), Some(computed)) if stored == *computed => {}
            (Ok(None), None) => {}
            (Err(error), _) => report.problem("index meta", format!("the Merkle frontier does not read: {error}; run `provdb reindex`")),
            _ => report.problem("index meta", "the Merkle frontier differs from the journal's tree at the applied entry; run `provdb reindex`"),
        }
        match (self.applied, self.last_mark) {
            (Some(mark), Some(found)) if mark == found => {}
            (Some(mark), _) => report.problem(
                "index meta",
                format!("the index says it applied entry {} but that entry is not in the journal as recorded; run `provdb reindex`", mark.seq),
            ),
            (None, _) => report.problem("index meta", "the index records no applied entry; run `provdb reindex`"),
        }
        let behind = (self.expected_seq - 1).saturating_sub(self.index_limit);
        if behind > 0 {
            report.notices.push(format!("the index is {behind} entries behind the journal; the next command brings it up to date"));
        }
        expected.check(index, report);
    }
}

pub(super) fn key_label(key: &[u8]) -> String {
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
