//! `cite --batch`: many citations in one command, one journal append and one
//! durable sync, each line checked exactly as a single `cite` is.
//!
//! Lines are read and sorted by the source they name, checked in that order
//! (each source's text read about once), sorted back and written to the
//! journal in line order as a stream; the sorts go through temporary files
//! past a few MiB, so a batch of any size needs memory for a chunk of lines
//! and the sorts' buffers; which lines repeat an earlier one, and which
//! name a claim first, comes from a sort too. The index is brought up to
//! date from the journal only after the append is durable.

use std::collections::{HashMap, VecDeque};
use std::io::BufRead;
use std::sync::Arc;

use super::layers::{in_layer, quotable_in, rederive_in, Quotable};
use super::{
    catch_up, live_duplicate_in, now_rfc3339, prepare_citation, resolve_kind_in, CiteFields,
    CiteRequest, Field, PreparedCitation, Store, StoreError,
};
use crate::extract::Layer;
use crate::identity;
use crate::model::IdKind;
use crate::model::{Bound, Change, Citation, SourceId, Stance, ValueKind};
use crate::spool::{Merged, Runs, SpoolError, RUNS_HELD_BYTES};
use crate::storage::index::Index;
use crate::storage::journal::StreamError;
use crate::storage::objects::Objects;

/// One line of a batch: the fields of `provdb cite`, by the same names.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchLine {
    /// The source id or a unique prefix.
    pub source: String,
    /// The exact words of the source.
    pub quote: String,
    /// What the claim is about.
    pub subject: String,
    /// What is claimed of it.
    pub property: String,
    /// The value, as text or a JSON number.
    pub value: serde_json::Value,
    /// The kind of value; inferred when absent, as in `cite`.
    #[serde(default)]
    pub kind: Option<ValueKind>,
    /// The unit of a quantity, or what a count counts.
    #[serde(default)]
    pub unit: Option<String>,
    /// When the value holds.
    #[serde(default)]
    pub as_of: Option<String>,
    /// How the source bounds the value (exact, approximate, at_least, …);
    /// when absent, read from the value or else the quote, as in `cite`.
    #[serde(default)]
    pub bound: Option<Bound>,
    /// supports, disputes or mentions.
    #[serde(default)]
    pub stance: Option<Stance>,
    /// Which match, from 1.
    #[serde(default)]
    pub occurrence: Option<usize>,
    /// Context before the quote.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Context after the quote.
    #[serde(default)]
    pub suffix: Option<String>,
    /// Record although the quote does not state the value.
    #[serde(default)]
    pub value_not_in_quote: bool,
    /// The language whose number conventions the value and quote follow.
    #[serde(default)]
    pub locale: Option<String>,
}

/// Reads one batch line (without its newline) as the request a single `cite`
/// would make, or says what is wrong with it.
pub fn parse_batch_line(text: &str) -> Result<CiteRequest, String> {
    let line: BatchLine =
        serde_json::from_str(text).map_err(|error| format!("not a citation object ({error})"))?;
    request_for(line)
}

/// Turns a parsed line into the request a single `cite` would make, through
/// the same [`CiteFields::validate`]; a refused field is named by its key.
fn request_for(line: BatchLine) -> Result<CiteRequest, String> {
    let value = match line.value {
        serde_json::Value::String(text) => text,
        serde_json::Value::Number(number) => number.to_string(),
        other => return Err(format!("\"value\" must be text or a number, not {other}")),
    };
    CiteFields {
        source: line.source,
        quote: line.quote,
        subject: line.subject,
        property: line.property,
        value,
        kind: line.kind,
        unit: line.unit,
        as_of: line.as_of,
        bound: line.bound,
        stance: line.stance.unwrap_or_default(),
        occurrence: line.occurrence,
        prefix: line.prefix,
        suffix: line.suffix,
        value_not_in_quote: line.value_not_in_quote,
        locale: line.locale,
    }
    .validate()
    .map_err(|error| error.message(&key))
}

/// A field as a batch line names it: its JSON key, quoted.
fn key(field: Field) -> String {
    format!("\"{}\"", field.name())
}

/// A store error about one line, fields named by their keys.
fn line_message(error: &StoreError) -> String {
    error.message(&key)
}

/// A line left out with `--skip-invalid`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BadLine {
    /// The line number, from 1.
    pub line: u64,
    /// What is wrong.
    pub why: String,
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BatchOutcome {
    /// Lines read (blank lines not counted).
    pub lines: u64,
    /// Citations recorded.
    pub citations: u64,
    /// Claims recorded for the first time.
    pub new_claims: u64,
    /// Lines whose citation was already recorded, live (or earlier in the batch).
    pub already: u64,
    /// Lines left out with `--skip-invalid`.
    pub skipped: Vec<BadLine>,
    /// The first and last journal entries written, if any.
    pub entries: Option<(u64, u64)>,
}

/// Progress of a batch: which of its three passes it is in, and the lines
/// and bytes of input that pass has done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchProgress {
    /// The pass.
    pub stage: BatchStage,
    /// Lines done in this pass.
    pub lines: u64,
    /// Bytes of input done in this pass.
    pub bytes: u64,
}

/// The passes of a batch, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchStage {
    /// Reading every line and sorting it by the source it names.
    Reading,
    /// Checking the lines source by source.
    Checking,
    /// Recording the checked lines in line order.
    Recording,
}

impl BatchStage {
    /// Returns how a progress bar names it.
    pub fn name(self) -> &'static str {
        match self {
            BatchStage::Reading => "reading",
            BatchStage::Checking => "checking",
            BatchStage::Recording => "recording",
        }
    }
}

/// The texts of recently quoted sources, bounded in bytes.
struct TextCache {
    /// Each source's quotable text, its re-derived layer and its language.
    texts: HashMap<SourceId, Arc<CachedSource>>,
    bytes: usize,
    /// The source each way a line named one resolved to (an id, a prefix or
    /// a revision name), at most `NAMES_CACHED` of them.
    names: HashMap<String, SourceId>,
}

/// The most source names a checking thread keeps resolved.
const NAMES_CACHED: usize = 65_536;

/// What checking a line reads of its source: the text quoted, the layer
/// re-derived when the extractor is this build's, and the language as last
/// corrected (which reads the source's journal line).
type CachedSource = (Quotable, Option<Layer>, Option<String>);

/// The source texts kept per checking thread.
const TEXT_CACHE_BYTES: usize = 4 * 1024 * 1024;

/// Lines read, checked or recorded together.
const CHUNK_LINES: usize = 2048;

/// The bytes of entries (key, value and 8) gathered before they are handed
/// to a `Runs` as one sorted run: half of what it holds in memory, so that
/// a batch of a few MiB is sorted without a file.
const RUN_BYTES: usize = RUNS_HELD_BYTES / 2;

/// Failure of one line, or of the store while reading lines.
enum LineFailure {
    Bad(BadLine),
    Store(StoreError),
    /// A line that cannot even be read as one (too long, not UTF-8): the
    /// batch stops there, with or without --skip-invalid.
    Fatal(BatchError),
}

/// The most bytes one batch line may hold: a journal line's limit, since a
/// citation's entry holds the line's quote, context and note.
pub const MAX_BATCH_LINE: usize = crate::storage::journal::MAX_LINE;

/// The most bytes of lines read into one chunk before it is checked.
const CHUNK_BYTES: usize = 16 * 1024 * 1024;

/// Why a batch failed: a bad line (nothing recorded) or the store.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A line was refused, so the whole batch was.
    #[error("line {line}: {why}; nothing was recorded")]
    Line {
        /// The line number.
        line: u64,
        /// What is wrong.
        why: String,
    },
    /// A line could not be read as one (too long, not UTF-8), so the batch
    /// stopped there; --skip-invalid cannot skip it.
    #[error("line {line}: {why}; nothing was recorded")]
    Unreadable {
        /// The line number.
        line: u64,
        /// What is wrong.
        why: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Records every citation a JSON Lines reader holds, one object per line
    /// with the fields of `cite`. One journal append and one fsync; the index
    /// is caught up from the journal afterwards.
    pub fn cite_batch(
        &mut self,
        reader: &mut dyn BufRead,
        skip_invalid: bool,
        actor: &str,
        progress: &dyn Fn(BatchProgress),
    ) -> Result<BatchOutcome, BatchError> {
        self.writable()?;
        let time = now_rfc3339();
        let before_hash = self.journal.last_hash();
        let before_seq = self.journal.last_seq();
        let start = self.journal.len();
        let threads = crate::storage::objects::worker_threads();
        let mut run = BatchRun {
            readers: Readers {
                objects: &self.objects,
                index: &self.index,
            },
            reader,
            skip_invalid,
            time: time.clone(),
            actor,
            threads,
            // One source-text cache per checking thread.
            caches: (0..threads)
                .map(|_| TextCache {
                    texts: HashMap::new(),
                    bytes: 0,
                    names: HashMap::new(),
                })
                .collect(),
            queue: VecDeque::new(),
            line_number: 0,
            bytes_read: 0,
            input_done: false,
            unreadable: None,
            checked: None,
            marks: None,
            next_mark: None,
            failure: None,
            finished: false,
            outcome: BatchOutcome::default(),
        };
        let changes = std::iter::from_fn(|| run.next_change(progress));
        let appended = self.journal.append_stream(actor, &time, changes, |_, _| {});
        // The checked lines' temporary files go before the index catches up.
        run.checked = None;
        run.marks = None;
        let mut outcome = std::mem::take(&mut run.outcome);
        match appended {
            Ok(span) => {
                if let Some(span) = span {
                    outcome.entries = Some((span.first_seq, span.last_seq));
                    if let Err(error) = catch_up(
                        &self.journal,
                        &self.index,
                        start,
                        before_hash,
                        before_seq + 1,
                    ) {
                        self.notices.push(super::open::index_update_notice(&error));
                    }
                }
                Ok(outcome)
            }
            Err(StreamError::Journal(error)) => Err(StoreError::from(error).into()),
            Err(StreamError::Input(())) => match run.failure.take() {
                Some(LineFailure::Bad(bad)) => Err(BatchError::Line {
                    line: bad.line,
                    why: bad.why,
                }),
                Some(LineFailure::Store(error)) => Err(error.into()),
                Some(LineFailure::Fatal(error)) => Err(error),
                None => Err(BatchError::Line {
                    line: run.line_number,
                    why: "could not be recorded".into(),
                }),
            },
        }
    }
}

/// A batch in three passes. Every line is read and sorted by the source it
/// names, as written (`Runs`: past a few MiB, in a temporary file); the
/// lines are checked in that order on every core, so each source's text is
/// read about once however the batch interleaves its sources; and the
/// checked lines, sorted back by line number, are recorded in line order
/// as the journal asks for its next change. Memory holds a chunk of lines
/// and the sorts' buffers, not the batch.
struct BatchRun<'a> {
    readers: Readers<'a>,
    reader: &'a mut dyn BufRead,
    skip_invalid: bool,
    time: String,
    actor: &'a str,
    threads: usize,
    caches: Vec<TextCache>,
    /// Changes checked and waiting to be appended.
    queue: VecDeque<Change>,
    line_number: u64,
    bytes_read: u64,
    /// True once the input's end, or a line that cannot be read, is reached.
    input_done: bool,
    /// A line that could not be read: the batch ends there, once the lines
    /// before it have been recorded or refused.
    unreadable: Option<BatchError>,
    /// The checked lines in line order, once every line is read and checked.
    checked: Option<Merged<'static>>,
    /// What the check found of each line beside the others (`MARK_…`), in
    /// line order: which lines repeat an earlier one, and which name a
    /// claim first.
    marks: Option<Merged<'static>>,
    /// The next mark: its line and what it says.
    next_mark: Option<(u64, u8)>,
    /// Why the batch stopped, once it has.
    failure: Option<LineFailure>,
    finished: bool,
    outcome: BatchOutcome,
}

/// How a checked line is kept between the check and the record: a tag
/// byte, then the reason a bad line was refused (UTF-8) or the prepared
/// citation (`KeptCitation`, encoded as an index record is: ids as bytes,
/// about a third of its JSON for the benchmark's lines).
const CHECKED_BAD: u8 = 0;
const CHECKED_PREPARED: u8 = 1;

/// A mark of a checked line: the same citation (`sameness_key`) came on an
/// earlier line that was checked good.
const MARK_REPEATED: u8 = 0;
/// A mark of a checked line: no earlier line checked good names its claim.
const MARK_FIRST_OF_CLAIM: u8 = 1;

/// The tags of the keys by which the check sorts its good lines, to find
/// the marks: by what makes two citations the same, and by claim.
const BY_SAMENESS: u8 = b's';
const BY_CLAIM: u8 = b'c';

impl BatchRun<'_> {
    /// The next change to append: from the queue, else from the next chunk
    /// of checked lines (reading and checking the whole batch first). None
    /// at the end of the batch; `Err(())` when it stops, with the reason in
    /// `failure`.
    fn next_change(&mut self, progress: &dyn Fn(BatchProgress)) -> Option<Result<Change, ()>> {
        loop {
            if let Some(change) = self.queue.pop_front() {
                return Some(Ok(change));
            }
            if self.failure.is_some() || self.finished {
                return None;
            }
            let stepped = match self.checked.take() {
                None => self
                    .read_and_check(progress)
                    .map(|checked| self.checked = Some(checked)),
                Some(mut checked) => {
                    let recorded = self.record_next(&mut checked, progress);
                    self.checked = Some(checked);
                    recorded
                }
            };
            if let Err(failure) = stepped {
                self.failure = Some(failure);
                return Some(Err(()));
            }
        }
    }

    /// The first two passes: reads every line into runs sorted by the
    /// source it names, then checks them in that order, a chunk at a time
    /// on every core. Returns the checked lines, merged in line order, and
    /// puts their marks in `marks`.
    fn read_and_check(
        &mut self,
        progress: &dyn Fn(BatchProgress),
    ) -> Result<Merged<'static>, LineFailure> {
        let mut by_source = Runs::new("batch");
        let mut run = Vec::new();
        let mut run_bytes = 0;
        while !self.input_done {
            for (number, text) in self.read_chunk()? {
                let named = source_key(&text, number);
                let bad = named.is_none();
                let key = named.unwrap_or_else(|| unnamed_key(number));
                run_bytes += key.len() + text.len() + 8;
                run.push((key, text.into_bytes()));
                if run_bytes >= RUN_BYTES {
                    by_source
                        .push_run(std::mem::take(&mut run))
                        .map_err(sort_failure)?;
                    run_bytes = 0;
                }
                if bad && !self.skip_invalid {
                    // Not an object naming a source: a bad line, and no
                    // line after it can be the first, so reading stops.
                    self.input_done = true;
                    break;
                }
            }
            progress(BatchProgress {
                stage: BatchStage::Reading,
                lines: self.line_number,
                bytes: self.bytes_read,
            });
        }
        by_source.push_run(run).map_err(sort_failure)?;

        let mut lines = by_source.into_sorted().map_err(sort_failure)?;
        let mut checked = Runs::new("batch");
        let mut run = Vec::new();
        let mut run_bytes = 0;
        let mut firsts = Runs::new("batch");
        let mut firsts_run = Vec::new();
        let mut firsts_bytes = 0;
        let (mut lines_done, mut bytes_done) = (0u64, 0u64);
        loop {
            let mut chunk: Vec<(u64, String)> = Vec::with_capacity(CHUNK_LINES);
            let mut chunk_bytes = 0;
            while chunk.len() < CHUNK_LINES && chunk_bytes < CHUNK_BYTES {
                let Some(entry) = lines.next() else { break };
                let (key, text) = entry.map_err(sort_failure)?;
                let (number, text) = line_number_of(&key)
                    .zip(String::from_utf8(text).ok())
                    .ok_or_else(|| sort_failure(entry_damaged(&lines)))?;
                chunk_bytes += text.len();
                chunk.push((number, text));
            }
            if chunk.is_empty() {
                break;
            }
            for ((number, text), kept) in chunk.iter().zip(self.check_chunk(&chunk)) {
                let (kept, keys) = kept?;
                run_bytes += 16 + kept.len();
                run.push((number.to_be_bytes().to_vec(), kept));
                if run_bytes >= RUN_BYTES {
                    checked
                        .push_run(std::mem::take(&mut run))
                        .map_err(sort_failure)?;
                    run_bytes = 0;
                }
                if let Some((sameness, claim)) = keys {
                    for key in [
                        firsts_key(BY_SAMENESS, &sameness, *number),
                        firsts_key(BY_CLAIM, &claim, *number),
                    ] {
                        firsts_bytes += key.len() + 8;
                        firsts_run.push((key, Vec::new()));
                    }
                    if firsts_bytes >= RUN_BYTES {
                        firsts
                            .push_run(std::mem::take(&mut firsts_run))
                            .map_err(sort_failure)?;
                        firsts_bytes = 0;
                    }
                }
                lines_done += 1;
                bytes_done += text.len() as u64;
            }
            progress(BatchProgress {
                stage: BatchStage::Checking,
                lines: lines_done,
                bytes: bytes_done,
            });
        }
        drop(lines);
        checked.push_run(run).map_err(sort_failure)?;
        firsts.push_run(firsts_run).map_err(sort_failure)?;
        let mut marks = marks_of(firsts)?.into_sorted().map_err(sort_failure)?;
        self.next_mark = next_mark(&mut marks)?;
        self.marks = Some(marks);
        checked.into_sorted().map_err(sort_failure)
    }

    /// Reads up to a chunk of lines (by count and bytes), numbered, blank
    /// ones left out; `input_done` is set at the input's end, or at a line
    /// that cannot be read, kept in `unreadable` (the lines before it are
    /// returned). At most one byte more than a line may hold is read per
    /// line, so a batch with no newline (or /dev/zero) is refused at once.
    fn read_chunk(&mut self) -> Result<Vec<(u64, String)>, LineFailure> {
        let mut chunk: Vec<(u64, String)> = Vec::with_capacity(CHUNK_LINES);
        let mut chunk_bytes = 0usize;
        while chunk.len() < CHUNK_LINES && chunk_bytes < CHUNK_BYTES {
            let mut buffer = Vec::new();
            let read = std::io::Read::take(&mut *self.reader, MAX_BATCH_LINE as u64 + 1)
                .read_until(b'\n', &mut buffer);
            match read {
                Ok(0) => {
                    self.input_done = true;
                    break;
                }
                Ok(read) => {
                    self.line_number += 1;
                    self.bytes_read += read as u64;
                    let unfinished = buffer.last() != Some(&b'\n');
                    if read > MAX_BATCH_LINE || (unfinished && read == MAX_BATCH_LINE + 1) {
                        self.unreadable = Some(BatchError::Unreadable {
                            line: self.line_number,
                            why: format!("is longer than {MAX_BATCH_LINE} bytes, the most a line may hold; split the batch into lines of one citation each"),
                        });
                        self.input_done = true;
                        break;
                    }
                    let Ok(text) = String::from_utf8(buffer) else {
                        self.unreadable = Some(BatchError::Unreadable {
                            line: self.line_number,
                            why: "is not UTF-8 text; write the batch as UTF-8 JSON Lines".into(),
                        });
                        self.input_done = true;
                        break;
                    };
                    chunk_bytes += text.len();
                    if !text.trim().is_empty() {
                        chunk.push((self.line_number, text));
                    }
                }
                Err(error) => {
                    return Err(LineFailure::Store(StoreError::Input {
                        path: "the batch".into(),
                        why: format!("cannot be read ({error})"),
                    }));
                }
            }
        }
        Ok(chunk)
    }

    /// Checks a chunk's lines on every core, each thread with its own
    /// source-text cache; results in the chunk's order, each kept as the
    /// record pass reads it (`CHECKED_BAD`, `CHECKED_PREPARED`) with, for a
    /// good line, its sameness key and claim id; or the failure of the
    /// store.
    fn check_chunk(&mut self, chunk: &[(u64, String)]) -> Vec<Result<Kept, LineFailure>> {
        let share = chunk.len().div_ceil(self.threads).max(1);
        let readers = &self.readers;
        std::thread::scope(|scope| {
            let workers: Vec<_> = chunk
                .chunks(share)
                .zip(self.caches.iter_mut())
                .map(|(lines, cache)| {
                    scope.spawn(move || {
                        lines
                            .iter()
                            .map(|(_, text)| keep_checked(readers.check_line(text, cache)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| {
                    worker.join().unwrap_or_else(|_| {
                        vec![Err(LineFailure::Store(StoreError::Input {
                            path: "the batch".into(),
                            why: "a checking thread failed".into(),
                        }))]
                    })
                })
                .collect()
        })
    }

    /// The third pass, a chunk at a time: records checked lines in line
    /// order (duplicates counted, new claims and citations queued, bad
    /// lines skipped with --skip-invalid or ending the batch). At the end,
    /// a line that could not be read ends the batch.
    fn record_next(
        &mut self,
        checked: &mut Merged<'static>,
        progress: &dyn Fn(BatchProgress),
    ) -> Result<(), LineFailure> {
        let mut chunk = Vec::with_capacity(CHUNK_LINES);
        while chunk.len() < CHUNK_LINES {
            let Some(entry) = checked.next() else { break };
            let (key, kept) = entry.map_err(sort_failure)?;
            let number =
                line_number_of(&key).ok_or_else(|| sort_failure(entry_damaged(checked)))?;
            chunk.push((number, kept));
        }
        if chunk.is_empty() {
            if let Some(unreadable) = self.unreadable.take() {
                return Err(LineFailure::Fatal(unreadable));
            }
            self.finished = true;
            return Ok(());
        }
        for (number, kept) in chunk {
            self.outcome.lines += 1;
            let (mut repeated, mut first_of_claim) = (false, false);
            while let Some((line, mark)) = self.next_mark {
                if line > number {
                    break;
                }
                if line < number {
                    // Every mark is of a line checked good, and each such
                    // line comes through here.
                    return Err(sort_failure(entry_damaged(checked)));
                }
                match mark {
                    MARK_REPEATED => repeated = true,
                    _ => first_of_claim = true,
                }
                let marks = self
                    .marks
                    .as_mut()
                    .ok_or_else(|| sort_failure(entry_damaged(checked)))?;
                self.next_mark = next_mark(marks)?;
            }
            let result = match kept.split_first() {
                Some((&CHECKED_PREPARED, kept)) => {
                    crate::storage::codec::decode::<KeptCitation>(kept)
                        .map(PreparedCitation::from)
                        .map_err(|error| {
                            LineFailure::Store(StoreError::Input {
                                path: checked.place().to_string(),
                                why: format!("holds checked line {number}, which does not read back as it was kept ({error})"),
                            })
                        })
                }
                Some((&CHECKED_BAD, why)) => Err(LineFailure::Bad(BadLine {
                    line: number,
                    why: String::from_utf8_lossy(why).into_owned(),
                })),
                _ => Err(sort_failure(entry_damaged(checked))),
            };
            let result = result.and_then(|prepared| {
                self.readers
                    .record_line(prepared, &self.time, self.actor, repeated, first_of_claim)
            });
            match result {
                Ok(LineResult::Duplicate) => self.outcome.already += 1,
                Ok(LineResult::Changes { claim, cite }) => {
                    if let Some(claim) = claim {
                        self.outcome.new_claims += 1;
                        self.queue.push_back(*claim);
                    }
                    self.outcome.citations += 1;
                    self.queue.push_back(*cite);
                }
                Err(LineFailure::Bad(bad)) if self.skip_invalid => {
                    self.outcome.skipped.push(BadLine {
                        line: number,
                        why: bad.why,
                    });
                }
                Err(LineFailure::Bad(bad)) => {
                    return Err(LineFailure::Bad(BadLine {
                        line: number,
                        why: bad.why,
                    }));
                }
                Err(failed @ (LineFailure::Store(_) | LineFailure::Fatal(_))) => {
                    return Err(failed)
                }
            }
        }
        // Bytes in proportion to the lines: the record pass no longer
        // has each line's length.
        let share = self.outcome.lines as f64 / self.line_number.max(1) as f64;
        progress(BatchProgress {
            stage: BatchStage::Recording,
            lines: self.outcome.lines,
            bytes: (self.bytes_read as f64 * share.min(1.0)) as u64,
        });
        Ok(())
    }
}

/// Returns a line's sort key for the check: 16 bytes of the BLAKE3 hash of
/// the source it names, as written (lines naming one source the same way
/// are adjacent, and a key is 24 bytes however long the name), then its
/// number. None for a line that is not a JSON object naming a source: a
/// bad line, which the check refuses as `cite` would.
fn source_key(text: &str, number: u64) -> Option<Vec<u8>> {
    #[derive(serde::Deserialize)]
    struct Named<'a> {
        #[serde(borrow)]
        source: std::borrow::Cow<'a, str>,
    }
    let named = serde_json::from_str::<Named<'_>>(text).ok()?;
    Some(name_key(&named.source, number))
}

/// Returns the sort key of a line that names no source.
fn unnamed_key(number: u64) -> Vec<u8> {
    name_key("", number)
}

/// Returns the sort key of line `number` naming the source `name`.
fn name_key(name: &str, number: u64) -> Vec<u8> {
    let mut key = blake3::hash(name.as_bytes()).as_bytes()[..16].to_vec();
    key.extend(number.to_be_bytes());
    key
}

/// Returns the line number that ends a sort key, if the key is long enough.
fn line_number_of(key: &[u8]) -> Option<u64> {
    let at = key.len().checked_sub(8)?;
    Some(u64::from_be_bytes(key[at..].try_into().ok()?))
}

/// A prepared citation as a checked line keeps it (`storage::codec`): every
/// field written, where the model's JSON leaves some out when empty, which
/// a format without field names cannot read back. The conversions name every
/// field of the citation and its layer, so a field added to either breaks
/// the build here. The claim and the selector are carried as they are: the
/// claim has forms of its own for a format without field names (the index
/// keeps claims so), and the selector writes every field; a field one of
/// them left out would fail `a_kept_citation_reads_back_as_it_was_prepared`.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptCitation {
    claim: crate::model::Claim,
    cited: crate::model::ClaimId,
    source: SourceId,
    selector: crate::model::Selector,
    stance: Stance,
    value_not_in_quote: bool,
    layer: Option<KeptLayer>,
    hedge: Option<String>,
}

/// `InLayer`, every field written.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptLayer {
    object: SourceId,
    original: Vec<[u64; 2]>,
    pages: Vec<u32>,
    boxes: Vec<[u32; 5]>,
}

impl From<PreparedCitation> for KeptCitation {
    fn from(prepared: PreparedCitation) -> KeptCitation {
        let PreparedCitation { claim, body, hedge } = prepared;
        let Citation {
            claim: cited,
            source,
            selector,
            stance,
            value_not_in_quote,
            layer,
        } = body;
        KeptCitation {
            claim,
            cited,
            source,
            selector,
            stance,
            value_not_in_quote,
            layer: layer.map(|layer| {
                let crate::model::InLayer {
                    object,
                    original,
                    pages,
                    boxes,
                } = layer;
                KeptLayer {
                    object,
                    original,
                    pages,
                    boxes,
                }
            }),
            hedge,
        }
    }
}

impl From<KeptCitation> for PreparedCitation {
    fn from(kept: KeptCitation) -> PreparedCitation {
        let KeptCitation {
            claim,
            cited,
            source,
            selector,
            stance,
            value_not_in_quote,
            layer,
            hedge,
        } = kept;
        PreparedCitation {
            claim,
            body: Citation {
                claim: cited,
                source,
                selector,
                stance,
                value_not_in_quote,
                layer: layer.map(|layer| {
                    let KeptLayer {
                        object,
                        original,
                        pages,
                        boxes,
                    } = layer;
                    crate::model::InLayer {
                        object,
                        original,
                        pages,
                        boxes,
                    }
                }),
            },
            hedge,
        }
    }
}

/// A checked line as the record pass reads it, with, for a good line, the
/// keys that find its marks: its sameness key and its claim's id.
type Kept = (Vec<u8>, Option<([u8; 16], [u8; 32])>);

/// Returns how a checked line is kept for the record pass, or the store's
/// failure, which ends the batch.
fn keep_checked(checked: Result<PreparedCitation, LineFailure>) -> Result<Kept, LineFailure> {
    match checked {
        Ok(prepared) => {
            let mut kept = vec![CHECKED_PREPARED];
            let keys = (sameness_key(&prepared.body), prepared.claim.id.0);
            kept.extend(
                crate::storage::codec::encode(&KeptCitation::from(prepared)).map_err(|error| {
                    LineFailure::Store(StoreError::Input {
                        path: "the batch".into(),
                        why: format!("a checked line could not be kept ({error})"),
                    })
                })?,
            );
            Ok((kept, Some(keys)))
        }
        Err(LineFailure::Bad(bad)) => {
            let mut kept = vec![CHECKED_BAD];
            kept.extend(bad.why.as_bytes());
            Ok((kept, None))
        }
        Err(failed) => Err(failed),
    }
}

/// Returns the key under which the check sorts a good line to find its
/// marks: a tag (`BY_SAMENESS`, `BY_CLAIM`), the id, the line number.
fn firsts_key(tag: u8, id: &[u8], number: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + id.len() + 8);
    key.push(tag);
    key.extend_from_slice(id);
    key.extend(number.to_be_bytes());
    key
}

/// Returns the marks of the good lines, keyed by line number, from their
/// keys sorted by tag, id and line: of the lines with one sameness key,
/// each after the first is `MARK_REPEATED`; of the lines with one claim,
/// the first is `MARK_FIRST_OF_CLAIM`. The record pass then needs no set
/// of what the batch has recorded so far, whatever its size.
fn marks_of(mut firsts: Runs) -> Result<Runs, LineFailure> {
    let mut marks = Runs::new("batch");
    let mut run = Vec::new();
    let mut run_bytes = 0;
    let mut last: Option<Vec<u8>> = None;
    let mut sorted = firsts.sorted().map_err(sort_failure)?;
    while let Some(entry) = sorted.next() {
        let (key, _) = entry.map_err(sort_failure)?;
        let Some(at) = key.len().checked_sub(8).filter(|at| *at > 1) else {
            return Err(sort_failure(entry_damaged(&sorted)));
        };
        let (group, number) = key.split_at(at);
        let number = u64::from_be_bytes(
            number
                .try_into()
                .map_err(|_| sort_failure(entry_damaged(&sorted)))?,
        );
        let first = last.as_deref() != Some(group);
        let mark = match (group[0], first) {
            (BY_SAMENESS, false) => Some(MARK_REPEATED),
            (BY_CLAIM, true) => Some(MARK_FIRST_OF_CLAIM),
            (BY_SAMENESS | BY_CLAIM, _) => None,
            _ => return Err(sort_failure(entry_damaged(&sorted))),
        };
        if first {
            last = Some(group.to_vec());
        }
        if let Some(mark) = mark {
            run_bytes += 8 + 1 + 8;
            run.push((number.to_be_bytes().to_vec(), vec![mark]));
            if run_bytes >= RUN_BYTES {
                marks
                    .push_run(std::mem::take(&mut run))
                    .map_err(sort_failure)?;
                run_bytes = 0;
            }
        }
    }
    drop(sorted);
    marks.push_run(run).map_err(sort_failure)?;
    Ok(marks)
}

/// Returns the next mark of `marks`: its line and what it says.
fn next_mark(marks: &mut Merged<'static>) -> Result<Option<(u64, u8)>, LineFailure> {
    let Some(entry) = marks.next() else {
        return Ok(None);
    };
    let (key, value) = entry.map_err(sort_failure)?;
    match (line_number_of(&key), value.as_slice()) {
        (Some(number), [mark @ (MARK_REPEATED | MARK_FIRST_OF_CLAIM)]) if key.len() == 8 => {
            Ok(Some((number, *mark)))
        }
        _ => Err(sort_failure(entry_damaged(marks))),
    }
}

/// Returns the error of an entry of a sort's file that does not read back
/// as what was written.
fn entry_damaged(merged: &Merged<'_>) -> SpoolError {
    SpoolError {
        place: merged.place().to_string(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "an entry that is not as written",
        ),
    }
}

/// Returns the store failure of a sort of the batch's lines.
fn sort_failure(error: SpoolError) -> LineFailure {
    LineFailure::Store(StoreError::Io {
        action:
            "sorting the batch's lines (nothing was recorded; free space there, or set TMPDIR) in",
        path: error.place.into(),
        source: error.source,
    })
}

/// What checking a line reads: the objects and the index, never the journal.
struct Readers<'a> {
    objects: &'a Objects,
    index: &'a Index,
}

impl Readers<'_> {
    /// Checks one line as `cite` would: parsed, its source found and quotable,
    /// its quote anchored and stating the value. Lines are checked on every
    /// core; nothing here depends on other lines.
    fn check_line(
        &self,
        text: &str,
        cache: &mut TextCache,
    ) -> Result<PreparedCitation, LineFailure> {
        let bad = |why: String| LineFailure::Bad(BadLine { line: 0, why });
        let request = parse_batch_line(text.trim_end_matches(['\n', '\r'])).map_err(bad)?;
        let refused = |error: StoreError| match error {
            StoreError::Io { .. }
            | StoreError::Journal(_)
            | StoreError::Index(_)
            | StoreError::Objects(_) => LineFailure::Store(error),
            other => bad(line_message(&other)),
        };
        let source_id = match cache.names.get(request.source()) {
            Some(id) => *id,
            None => {
                let id = match super::revise::revision_named(self.index, request.source(), |_| true)
                    .map_err(refused)?
                {
                    Some(record) => record.revision.source,
                    None => resolve_kind_in(self.index, request.source(), IdKind::Source)
                        .map(SourceId)
                        .map_err(refused)?,
                };
                if cache.names.len() >= NAMES_CACHED {
                    cache.names.clear();
                }
                cache.names.insert(request.source().to_string(), id);
                id
            }
        };
        let text = match cache.texts.get(&source_id) {
            Some(text) => text.clone(),
            None => {
                let quotable = quotable_in(self.index, self.objects, source_id).map_err(refused)?;
                // A layer another extractor version made is quoted as
                // recorded, with no original ranges or pages.
                let derived = quotable
                    .layer
                    .as_ref()
                    .filter(|record| {
                        crate::extract::current_version(&record.layer.extractor).as_deref()
                            == Some(record.layer.version.as_str())
                    })
                    .map(|record| rederive_in(self.objects, &record.layer))
                    .transpose()
                    .map_err(refused)?;
                let size = quotable.text.len() * if derived.is_some() { 4 } else { 1 };
                if cache.bytes + size > TEXT_CACHE_BYTES {
                    cache.texts.clear();
                    cache.bytes = 0;
                }
                cache.bytes += size;
                let language =
                    super::cite::source_language(self.index, &source_id).map_err(refused)?;
                let text = Arc::new((quotable, derived, language));
                cache.texts.insert(source_id, text.clone());
                text
            }
        };
        let (quotable, derived, language) = &*text;
        let request = super::cite::localize(request, language.as_deref()).map_err(refused)?;
        let mut prepared = prepare_citation(request, source_id, &quotable.text).map_err(refused)?;
        let range = prepared.body.selector.start..prepared.body.selector.end;
        prepared.body.layer = in_layer(quotable, derived.as_ref(), range);
        Ok(prepared)
    }

    /// Decides, in line order, what a checked line records: nothing if the
    /// same citation is recorded or came earlier in the batch (`repeated`),
    /// else the citation and, if new, its claim. A claim an earlier good
    /// line names (not `first_of_claim`) is known: that line, or the first
    /// line it repeats, recorded it or found it recorded.
    fn record_line(
        &self,
        prepared: PreparedCitation,
        time: &str,
        actor: &str,
        repeated: bool,
        first_of_claim: bool,
    ) -> Result<LineResult, LineFailure> {
        let refused = |error: StoreError| LineFailure::Store(error);
        if repeated {
            return Ok(LineResult::Duplicate);
        }
        let claim_known = !first_of_claim
            || self
                .index
                .has_claim(&prepared.claim.id)
                .map_err(|error| refused(error.into()))?;
        if claim_known
            && live_duplicate_in(self.index, &prepared.body)
                .map_err(refused)?
                .is_some()
        {
            return Ok(LineResult::Duplicate);
        }
        let citation = identity::citation_id(&prepared.body, actor, time);
        Ok(LineResult::Changes {
            claim: (!claim_known).then(|| Box::new(Change::RecordClaim(prepared.claim))),
            cite: Box::new(Change::Cite {
                citation,
                carried: None,
                body: prepared.body,
            }),
        })
    }
}

/// What one line records.
enum LineResult {
    /// The same citation is already recorded, live, or came earlier in the batch.
    Duplicate,
    /// A citation, and its claim if new.
    Changes {
        claim: Option<Box<Change>>,
        cite: Box<Change>,
    },
}

/// 16 bytes of the BLAKE3 hash of what makes two citations the same evidence.
fn sameness_key(body: &Citation) -> [u8; 16] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(body.claim.as_bytes());
    hasher.update(body.source.as_bytes());
    hasher.update(body.quoted_object().as_bytes());
    hasher.update(&body.selector.start.to_le_bytes());
    hasher.update(&body.selector.end.to_le_bytes());
    hasher.update(body.stance.name().as_bytes());
    hasher.update(&[u8::from(body.value_not_in_quote)]);
    let mut key = [0u8; 16];
    key.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Claim, ClaimId, InLayer, Qualifiers, Selector, Value, When};

    /// Prepared citations with each kind of value and time, with every
    /// optional part set and with none, and layers with and without their
    /// ranges, pages and boxes.
    fn prepared() -> Vec<PreparedCitation> {
        let when = |text: &str| text.parse::<When>().expect("time");
        let cases = [
            (Value::Count { count: 613 }, Some(when("2024")), true),
            (
                Value::Text {
                    text: "unknown".into(),
                },
                None,
                false,
            ),
            (
                Value::Date {
                    date: when("2010-04-22"),
                },
                Some(when("2024-02-26T10:50:00+04:00")),
                true,
            ),
            (
                Value::Quantity {
                    amount: "1.5".into(),
                },
                Some(when("2024-02-26T10:50:00")),
                false,
            ),
        ];
        cases
            .into_iter()
            .enumerate()
            .map(|(at, (value, as_of, full))| PreparedCitation {
                claim: Claim {
                    id: ClaimId([7; 32]),
                    subject: "Khojaly, 26 February 1992".into(),
                    property: "civilians killed".into(),
                    value,
                    qualifiers: Qualifiers {
                        as_of,
                        unit: full.then(|| "civilians".to_string()),
                        bound: if full { Bound::Between } else { Bound::Exact },
                        upper: full.then(|| "700".to_string()),
                    },
                },
                body: Citation {
                    claim: ClaimId([7; 32]),
                    source: SourceId([9; 32]),
                    selector: Selector {
                        exact: "613 civilians".into(),
                        prefix: if full {
                            "killed ".into()
                        } else {
                            String::new()
                        },
                        suffix: String::new(),
                        start: 5,
                        end: 18,
                    },
                    stance: Stance::Disputes,
                    value_not_in_quote: full,
                    layer: (at < 3).then(|| InLayer {
                        object: SourceId([3; 32]),
                        original: if at == 1 {
                            Vec::new()
                        } else {
                            vec![[10, 20], [25, 40]]
                        },
                        pages: if at == 2 { vec![3, 4] } else { Vec::new() },
                        boxes: if at == 0 {
                            vec![[1, 100, 200, 300, 400]]
                        } else {
                            Vec::new()
                        },
                    }),
                },
                hedge: full.then(|| "some".to_string()),
            })
            .collect()
    }

    /// A checked line comes back from its kept form as it went in, whether
    /// the parts the model's JSON leaves out when empty are there or not
    /// (with them left out, bincode read the next field in their place).
    /// Compared through the JSON the journal would hold.
    #[test]
    fn a_kept_citation_reads_back_as_it_was_prepared() {
        for before in prepared() {
            let kept =
                crate::storage::codec::encode(&KeptCitation::from(before.clone())).expect("encode");
            let after = PreparedCitation::from(
                crate::storage::codec::decode::<KeptCitation>(&kept).expect("decode"),
            );
            assert_eq!(
                serde_json::to_value(&after).expect("json"),
                serde_json::to_value(&before).expect("json"),
            );
            let json = serde_json::to_vec(&before).expect("json");
            assert!(kept.len() * 2 < json.len(), "{} {}", kept.len(), json.len());
        }
    }
}
