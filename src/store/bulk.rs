//! Bulk ingest: many files in one command, hashed in parallel, made durable
//! with one filesystem sync, and recorded in one journal append.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use super::add::{page_defaults, suggested_title};
use super::layers::derive_layer;
use super::{meta_conflict, now_rfc3339, Store, StoreError};
use crate::model::{Change, Origin, SourceId, SourceMeta};
use crate::spool::{Spool, SpoolError};
use crate::storage::index::Index;
use crate::storage::objects::{Objects, PutError, Stored};

/// A file found for a bulk add, with the size the directory listing gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Its path.
    pub path: PathBuf,
    /// The name recorded with it: its path under the directory given, or
    /// for a file given by name, the file's name.
    pub name: String,
    /// Its size when listed.
    pub size: u64,
}

/// A file left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// The path as given or found.
    pub path: String,
    /// What is wrong, and the fix.
    pub why: String,
}

/// Every regular file named by `paths`, directories walked recursively in name
/// order, and every path that names no usable file. The store directory
/// `store` is never walked into: a store does not record its own files.
pub fn collect_files(paths: &[PathBuf], store: &Path) -> (Vec<FoundFile>, Vec<Skipped>) {
    let mut walker = Walker {
        found: Vec::new(),
        problems: Vec::new(),
        store: fs::canonicalize(store).ok(),
    };
    for path in paths {
        walker.walk(path, None);
    }
    (walker.found, walker.problems)
}

struct Walker {
    found: Vec<FoundFile>,
    problems: Vec<Skipped>,
    store: Option<PathBuf>,
}

impl Walker {
    /// Walks `path`: a path given (`root` None) or one found under the
    /// directory `root` given.
    fn walk(&mut self, path: &Path, root: Option<&Path>) {
        let named = root.is_none();
        let name = recorded_name(path, root);
        let (found, problems) = (&mut self.found, &mut self.problems);
        let problem = |why: &str| Skipped {
            path: path.display().to_string(),
            why: why.to_string(),
        };
        let metadata = match fs::symlink_metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                problems.push(problem(&crate::storage::objects::describe_open_error(
                    &error,
                )));
                return;
            }
        };
        let file_type = metadata.file_type();
        if file_type.is_symlink() {
            match fs::metadata(path) {
                Ok(target) if target.is_file() => found.push(FoundFile {
                    path: path.to_path_buf(),
                    name,
                    size: target.len(),
                }),
                // A named link to a directory is walked; links met inside a walk
                // are not followed into directories, so no walk can loop.
                Ok(target) if target.is_dir() && named => {
                    self.walk_dir(path, path);
                }
                Ok(target) if target.is_dir() => problems.push(problem(
                    "is a symbolic link to a directory, not followed; name that directory itself",
                )),
                Ok(_) => problems.push(problem("is a link to something that is not a file")),
                Err(_) => problems.push(problem("is a broken symbolic link; fix or remove it")),
            }
        } else if file_type.is_dir() {
            self.walk_dir(path, root.unwrap_or(path));
        } else if file_type.is_file() {
            found.push(FoundFile {
                path: path.to_path_buf(),
                name,
                size: metadata.len(),
            });
        } else {
            problems.push(problem("is not a regular file (a device, socket or pipe)"));
        }
    }

    fn walk_dir(&mut self, path: &Path, root: &Path) {
        if self.store.is_some() && fs::canonicalize(path).ok() == self.store {
            return;
        }
        let problems = &mut self.problems;
        let entries = match fs::read_dir(path) {
            Ok(entries) => entries,
            Err(error) => {
                problems.push(Skipped {
                    path: path.display().to_string(),
                    why: format!("cannot list the directory ({error})"),
                });
                return;
            }
        };
        let mut children: Vec<PathBuf> = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => children.push(entry.path()),
                Err(error) => problems.push(Skipped {
                    path: path.display().to_string(),
                    why: format!("cannot list the directory ({error})"),
                }),
            }
        }
        children.sort();
        for child in children {
            self.walk(&child, Some(root));
        }
    }
}

/// A file name as it is recorded and shown: control characters (which a
/// terminal would act on) as U+FFFD, at most 1,024 bytes.
pub(super) fn clean_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = if c.is_control() { '\u{fffd}' } else { c };
        if out.len() + c.len_utf8() > 1024 {
            break;
        }
        out.push(c);
    }
    out
}

/// The name recorded for a file: its path under `root`, the directory given,
/// with `/` between its parts; or, for a file given by name, its own name.
/// Parts that are not UTF-8, and control characters, are shown with U+FFFD.
fn recorded_name(path: &Path, root: Option<&Path>) -> String {
    let under = root.and_then(|root| path.strip_prefix(root).ok());
    let name = match under {
        Some(relative) => relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        None => path
            .file_name()
            .unwrap_or(path.as_os_str())
            .to_string_lossy()
            .into_owned(),
    };
    clean_name(&name)
}

/// Progress of a bulk add, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Files stored so far.
    pub files_done: u64,
    /// Files in all.
    pub files_total: u64,
    /// Bytes stored so far.
    pub bytes_done: u64,
    /// Bytes in all, as listed.
    pub bytes_total: u64,
}

/// One file of a bulk add, stored. Its fields are in name order, which is
/// the order of their keys in the JSON `add` prints, as in every other JSON
/// document provdb prints.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AddedFile {
    /// Why provdb cannot quote it (binary, not UTF-8), or None.
    pub cannot_quote: Option<String>,
    /// The source id.
    pub id: SourceId,
    /// The text layer derived from it (a web page, text in another
    /// encoding), or None.
    pub layer: Option<super::LayerSummary>,
    /// The name recorded with a new source: its path under the directory
    /// given, or the file's name.
    pub name: String,
    /// False when identical bytes were already recorded (or came earlier in this add).
    pub new_source: bool,
    /// The path.
    pub path: String,
    /// Its size.
    pub size: u64,
    /// The title a new source was given from its own text, when the file
    /// is text and no title came from elsewhere; see `title_from`.
    pub title: Option<String>,
    /// Where that title came from: "its first heading" or "its first line".
    pub title_from: Option<&'static str>,
}

/// The files a bulk add reports, each as one line of JSON (an `AddedFile`),
/// in the order found: a `Spool`, so that an add of any number of files
/// holds at most `spool::HELD` lines of its report in memory, and a killed
/// add leaves no file of it behind.
#[derive(Debug)]
pub struct FileReport {
    spool: Spool,
}

impl Default for FileReport {
    fn default() -> FileReport {
        FileReport {
            spool: Spool::new("add"),
        }
    }
}

impl FileReport {
    fn push(&mut self, file: &AddedFile) -> Result<(), StoreError> {
        // Its fields, and a layer's, are declared in name order: the line
        // is what serde_json gives the value, keys sorted.
        let line = serde_json::to_string(file).map_err(|error| StoreError::Damaged {
            what: format!("the report of {} cannot be written: {error}", file.path),
        })?;
        self.spool.push(line).map_err(report_error)
    }

    fn finish(&mut self) -> Result<(), StoreError> {
        self.spool.finish().map_err(report_error)
    }

    /// Returns how many files it reports.
    pub fn len(&self) -> u64 {
        self.spool.len()
    }

    /// Returns true when it reports no file.
    pub fn is_empty(&self) -> bool {
        self.spool.is_empty()
    }

    /// Returns each file's line of JSON, in the order found.
    pub fn lines(&self) -> io::Result<Box<dyn Iterator<Item = io::Result<String>> + '_>> {
        Ok(self.spool.lines())
    }

    /// Returns where its lines are: a temporary file, or this process's
    /// memory.
    pub fn place(&self) -> String {
        self.spool.place()
    }
}

fn report_error(error: SpoolError) -> StoreError {
    StoreError::Io {
        action: "writing the report of this add (nothing was recorded; free space there, or set TMPDIR) to",
        path: PathBuf::from(error.place),
        source: error.source,
    }
}

/// What a bulk add did.
#[derive(Debug)]
pub struct BulkAddOutcome {
    /// Every file stored, in the order found.
    pub files: FileReport,
    /// Files left out with `--skip-invalid`.
    pub skipped: Vec<Skipped>,
    /// Sources recorded for the first time.
    pub new_sources: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Layer objects this add created for files it then left out with
    /// `--skip-invalid`: removed once the rest is committed, unless recorded.
    unrecorded: Vec<SourceId>,
    /// With `--skip-invalid`, the objects the lines of this add name
    /// (sources and layers). Without it, nothing is left out of an add
    /// that succeeds, so no object it created is a candidate for removal.
    named: HashSet<SourceId>,
}

impl Store {
    /// Stores many files as sources with shared metadata. Files are hashed and
    /// written on every core without per-file fsync; one syncfs then makes
    /// every object durable before one journal append records them all.
    ///
    /// A bad file (unreadable, empty, metadata differing from what is stored)
    /// refuses the whole add and leaves the store as it was, unless
    /// `skip_invalid`, which records the good files and lists the bad ones.
    /// A failure writing into the store always refuses the whole add.
    pub fn add_files(
        &mut self,
        files: Vec<FoundFile>,
        mut skipped: Vec<Skipped>,
        meta: SourceMeta,
        skip_invalid: bool,
        actor: &str,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<BulkAddOutcome, StoreError> {
        self.writable()?;
        super::check_meta(&meta)?;
        if let (false, Some(first)) = (skip_invalid, skipped.first()) {
            return Err(StoreError::UnusableFile {
                path: first.path.clone(),
                why: first.why.clone(),
            });
        }
        if files.is_empty() {
            return Err(StoreError::Input {
                path: skipped
                    .first()
                    .map(|skip| skip.path.clone())
                    .unwrap_or_else(|| "the paths given".into()),
                why: "hold no file to record; give files or directories with files in them".into(),
            });
        }
        let results = self.store_parallel(&files, skip_invalid, progress);
        let mut created: Vec<SourceId> = results
            .iter()
            .filter_map(|result| match result {
                Some(Ok(stored)) if stored.created => Some(stored.id),
                _ => None,
            })
            .collect();
        let outcome = self.record_bulk(&files, results, &mut skipped, meta, skip_invalid, actor);
        if outcome.is_err() {
            created.sort();
            created.dedup();
            for id in &created {
                self.discard_created(id);
            }
        }
        let mut outcome = outcome?;
        outcome.skipped = skipped;
        // Objects this add created for files it left out are not kept: the
        // store holds what its journal records. An object goes only when no
        // line of this add names it (a layer's text can be another file's
        // too) and the index records no source or layer of that id. Only
        // `--skip-invalid` leaves files out of an add that succeeds.
        if skip_invalid {
            let mut candidates = std::mem::take(&mut outcome.unrecorded);
            candidates.extend(created);
            candidates.sort();
            candidates.dedup();
            candidates.retain(|id| !outcome.named.contains(id));
            if !candidates.is_empty() {
                let layers = self.index.layer_objects()?;
                for id in candidates {
                    if !layers.contains(&id) && matches!(self.index.has_source(&id), Ok(false)) {
                        self.objects.remove_created(&id);
                    }
                }
            }
        }
        Ok(outcome)
    }

    /// Stores every file on a pool of threads. A slot stays None when the
    /// work stopped early at a bad file.
    fn store_parallel(
        &self,
        files: &[FoundFile],
        skip_invalid: bool,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Vec<Option<Result<Stored, PutError>>> {
        let threads = crate::storage::objects::worker_threads();
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let files_done = AtomicU64::new(0);
        let bytes_done = AtomicU64::new(0);
        let bytes_total: u64 = files.iter().map(|file| file.size).sum();
        let results: Mutex<Vec<Option<Result<Stored, PutError>>>> =
            Mutex::new((0..files.len()).map(|_| None).collect());
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    let mut local = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(at) else { break };
                        let result = self.objects.put_file_unsynced(&file.path);
                        let fatal = match &result {
                            Err(PutError::Object(_)) => true,
                            Err(PutError::Input { .. }) => !skip_invalid,
                            Ok(_) => false,
                        };
                        if fatal {
                            stop.store(true, Ordering::Relaxed);
                        }
                        let size = result.as_ref().map(|stored| stored.size).unwrap_or(0);
                        local.push((at, result));
                        progress(Progress {
                            files_done: files_done.fetch_add(1, Ordering::Relaxed) + 1,
                            files_total: files.len() as u64,
                            bytes_done: bytes_done.fetch_add(size, Ordering::Relaxed) + size,
                            bytes_total,
                        });
                    }
                    let mut results = results.lock().unwrap_or_else(|poison| poison.into_inner());
                    for (at, result) in local {
                        results[at] = Some(result);
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Records the stored files, streaming the changes that record each to
    /// the journal as they are made: no list of changes is held, and the
    /// report of each file beyond the first 4,096 goes to a temporary file.
    fn record_bulk(
        &mut self,
        files: &[FoundFile],
        mut results: Vec<Option<Result<Stored, PutError>>>,
        skipped: &mut Vec<Skipped>,
        meta: SourceMeta,
        skip_invalid: bool,
        actor: &str,
    ) -> Result<BulkAddOutcome, StoreError> {
        // A store failure outranks an input problem: it is reported whatever the flags.
        let failed = results
            .iter()
            .position(|result| matches!(result, Some(Err(PutError::Object(_)))));
        if let Some(at) = failed {
            if let Some(Err(PutError::Object(error))) = results.swap_remove(at) {
                return Err(StoreError::from(error));
            }
        }
        let mut outcome = BulkAddOutcome {
            files: FileReport::default(),
            skipped: Vec::new(),
            new_sources: 0,
            bytes: 0,
            unrecorded: Vec::new(),
            named: HashSet::new(),
        };
        let mut planner = Planner {
            objects: &self.objects,
            index: &self.index,
            items: files.iter().zip(results),
            meta: &meta,
            skip_invalid,
            skipped,
            outcome: &mut outcome,
            notices: Vec::new(),
            seen: HashSet::new(),
            failed: HashMap::new(),
            wrote: false,
            any_change: false,
            queued: VecDeque::new(),
            layers: Vec::new(),
            done: false,
        };
        let time = now_rfc3339();
        let mut lagging = Vec::new();
        let streamed = super::open::stream_changes(
            &mut self.journal,
            &self.index,
            &mut lagging,
            (actor, &time),
            std::iter::from_fn(|| planner.next_change()),
        );
        // In the order they arose: the files' notices, then the index's.
        let notices = std::mem::take(&mut planner.notices);
        let layers = std::mem::take(&mut planner.layers);
        self.notices.extend(notices);
        self.notices.extend(lagging);
        if let Err(error) = streamed {
            // Nothing was recorded: the text layers this add stored go too,
            // unless recorded already (the source objects go in `add_files`).
            // An index that cannot answer keeps them: it must not cost a
            // recorded object, nor hide why the add failed.
            if !layers.is_empty() {
                if let Ok(recorded) = self.index.layer_objects() {
                    for id in layers.iter().filter(|id| !recorded.contains(id)) {
                        self.discard_created(id);
                    }
                }
            }
            return Err(error);
        }
        Ok(outcome)
    }
}

/// The changes of a bulk add, made one file at a time as the journal asks
/// for them. When the files run out, the report is flushed and every object
/// written is made durable, before the journal writes the line that commits
/// the command: a crash before that line leaves an uncommitted tail, which
/// the next open cuts away.
struct Planner<'a, I> {
    objects: &'a Objects,
    index: &'a Index,
    items: I,
    meta: &'a SourceMeta,
    skip_invalid: bool,
    skipped: &'a mut Vec<Skipped>,
    outcome: &'a mut BulkAddOutcome,
    notices: Vec<String>,
    /// The ids recorded so far by this add.
    seen: HashSet<SourceId>,
    /// Bytes left out, and why: the same bytes under another name are too.
    failed: HashMap<SourceId, String>,
    /// Objects written now: new ones, or right bytes that replaced a damaged
    /// copy of a recorded source (a repair, made durable too).
    wrote: bool,
    any_change: bool,
    /// The changes of the file last planned, not yet given to the journal.
    queued: VecDeque<Change>,
    /// The text layer objects this add created, to remove if it fails.
    layers: Vec<SourceId>,
    done: bool,
}

impl<'a, I> Planner<'a, I>
where
    I: Iterator<Item = (&'a FoundFile, Option<Result<Stored, PutError>>)>,
{
    fn next_change(&mut self) -> Option<Result<(Change, Option<Origin>), StoreError>> {
        loop {
            if let Some(change) = self.queued.pop_front() {
                self.any_change = true;
                return Some(Ok((change, None)));
            }
            if self.done {
                return None;
            }
            let step = match self.items.next() {
                Some((file, result)) => self.plan(file, result),
                None => {
                    self.done = true;
                    self.finish()
                }
            };
            if let Err(error) = step {
                // Nothing after an error reaches the journal.
                self.done = true;
                self.queued.clear();
                return Some(Err(error));
            }
        }
    }

    /// Flushes the report and makes the objects durable: objects first,
    /// durable together; only then the line that commits the journal.
    fn finish(&mut self) -> Result<(), StoreError> {
        self.outcome.files.finish()?;
        if self.any_change || self.wrote {
            self.objects.sync_filesystem()?;
        }
        Ok(())
    }

    /// Queues the changes that record one stored file, and reports it.
    fn plan(
        &mut self,
        file: &FoundFile,
        result: Option<Result<Stored, PutError>>,
    ) -> Result<(), StoreError> {
        let shown = file.path.display().to_string();
        let stored = match result {
            None | Some(Err(PutError::Object(_))) => return Ok(()),
            Some(Ok(stored)) => stored,
            Some(Err(PutError::Input { why, .. })) => {
                if !self.skip_invalid {
                    return Err(StoreError::UnusableFile { path: shown, why });
                }
                self.skipped.push(Skipped { path: shown, why });
                return Ok(());
            }
        };
        if let Some(why) = self.failed.get(&stored.id) {
            self.skipped.push(Skipped {
                path: shown,
                why: why.clone(),
            });
            return Ok(());
        }
        self.outcome.bytes += stored.size;
        self.wrote |= stored.created;
        let mut new_source = false;
        let mut layer = None;
        let (mut title, mut title_from) = (None, None);
        if !self.seen.contains(&stored.id) {
            // A page, or text in another encoding: its text layer,
            // derived and stored now, recorded with the source.
            let derived = match derive_layer(
                (self.objects, self.index),
                stored.id,
                stored.size,
                self.meta.media_type.as_deref(),
                Some(&shown),
                stored.not_text.is_none(),
                None,
            ) {
                Ok(derived) => derived,
                Err(StoreError::NotText { why, .. } | StoreError::Input { why, .. }) => {
                    if !self.skip_invalid {
                        return Err(StoreError::UnusableFile { path: shown, why });
                    }
                    self.failed.insert(stored.id, why.clone());
                    self.skipped.push(Skipped { path: shown, why });
                    return Ok(());
                }
                Err(other) => return Err(other),
            };
            if let Some(created) = derived.as_ref().and_then(|derived| derived.created) {
                self.layers.push(created);
            }
            match self.index.source(&stored.id)? {
                Some(existing) => {
                    if stored.created {
                        self.notices.push(format!("the stored copy of source {} was damaged; the bytes of {shown} hash to its id and have replaced it", stored.id));
                    }
                    if let Some((field, stored_value, given)) =
                        meta_conflict(&existing.meta, self.meta, false)
                    {
                        let error = StoreError::MetadataDiffers {
                            source_id: stored.id,
                            field,
                            stored: stored_value,
                            given,
                        };
                        if !self.skip_invalid {
                            return Err(error);
                        }
                        if let Some(created) = derived.as_ref().and_then(|d| d.created) {
                            self.outcome.unrecorded.push(created);
                        }
                        self.failed.insert(stored.id, error.to_string());
                        self.skipped.push(Skipped {
                            path: shown,
                            why: error.to_string(),
                        });
                        return Ok(());
                    }
                }
                None => {
                    new_source = true;
                    let mut meta = self.meta.clone();
                    if let Some(derived) = &derived {
                        page_defaults(&mut meta, &derived.layer);
                    }
                    if let Some((suggested, from)) = suggested_title(
                        self.objects,
                        &stored.id,
                        &meta,
                        Some(&file.name),
                        derived.as_ref().map(|derived| &derived.layer),
                        stored.not_text.is_none(),
                    ) {
                        meta.title = Some(suggested);
                        title_from = Some(from);
                    }
                    title.clone_from(&meta.title);
                    self.name(stored.id);
                    self.queued.push_back(Change::AddSource {
                        source: stored.id,
                        size: stored.size,
                        meta,
                        name: Some(file.name.clone()),
                    });
                }
            }
            self.seen.insert(stored.id);
            if let Some(derived) = derived {
                layer = Some(super::LayerSummary::from(&derived.record));
                self.name(derived.record.layer);
                self.queued.push_back(Change::DeriveText(derived.record));
            }
        }
        self.outcome.new_sources += u64::from(new_source);
        self.outcome.files.push(&AddedFile {
            path: shown,
            name: file.name.clone(),
            title,
            title_from,
            id: stored.id,
            size: stored.size,
            new_source,
            cannot_quote: if layer.is_some() {
                None
            } else {
                stored.not_text
            },
            layer,
        })
    }

    /// Notes an object a line of this add names, when that is needed.
    fn name(&mut self, id: SourceId) {
        if self.skip_invalid {
            self.outcome.named.insert(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spool::HELD;

    /// A file's report: every third with a title, every fifth binary, every
    /// seventh with a text layer.
    fn added(at: usize) -> AddedFile {
        AddedFile {
            cannot_quote: at.is_multiple_of(5).then(|| "it is binary".to_string()),
            id: SourceId([at as u8; 32]),
            layer: at.is_multiple_of(7).then(|| super::super::LayerSummary {
                extractor: "html".into(),
                id: SourceId([0xab; 32]),
                params: [("b", "2"), ("a", "1")]
                    .into_iter()
                    .map(|(key, value)| (key.to_string(), value.to_string()))
                    .collect(),
                size: 10,
                version: "1".into(),
            }),
            name: format!("d/f-{at}.txt"),
            new_source: at.is_multiple_of(2),
            path: format!("/x/d/f-{at}.txt"),
            size: at as u64,
            title: at.is_multiple_of(3).then(|| format!("Title {at}")),
            title_from: at.is_multiple_of(3).then_some("its first line"),
        }
    }

    /// More lines than a report holds in memory: all of them move to its
    /// temporary file (a `Spool`), in order, and come back as written. Each line is the file's JSON with its keys, and its
    /// layer's, in name order, as written out here by hand for the first.
    #[test]
    fn a_report_past_what_it_holds_keeps_every_line_in_order() {
        let mut report = FileReport::default();
        let files: Vec<AddedFile> = (0..HELD + 10).map(added).collect();
        for (at, file) in files.iter().enumerate() {
            report.push(file).expect("push");
            if at + 1 == HELD {
                assert_eq!(report.place(), "memory", "the first {HELD} are held");
            }
        }
        report.finish().expect("finish");
        assert!(report.spool.made_in().is_some(), "spilled");
        let lines: Vec<String> = report
            .lines()
            .expect("lines")
            .collect::<io::Result<_>>()
            .expect("read back");
        assert_eq!(report.len(), files.len() as u64);
        assert_eq!(lines.len(), files.len());
        assert_eq!(
            lines[0],
            format!(
                "{{\"cannot_quote\":\"it is binary\",\"id\":\"{}\",\"layer\":{{\"extractor\":\"html\",\"id\":\"{}\",\"params\":{{\"a\":\"1\",\"b\":\"2\"}},\"size\":10,\"version\":\"1\"}},\"name\":\"d/f-0.txt\",\"new_source\":true,\"path\":\"/x/d/f-0.txt\",\"size\":0,\"title\":\"Title 0\",\"title_from\":\"its first line\"}}",
                "00".repeat(32),
                "ab".repeat(32)
            )
        );
        for (line, file) in lines.iter().zip(&files) {
            let back: serde_json::Value = serde_json::from_str(line).expect("json");
            assert_eq!(back["path"], file.path.as_str());
            assert_eq!(back["size"], file.size);
            assert_eq!(back["title"].as_str(), file.title.as_deref());
            assert_eq!(back["layer"].is_null(), file.layer.is_none());
        }
    }
}
