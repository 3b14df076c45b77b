//! Exporting a store as a bundle; importing a bundle as a new store, built
//! beside the target and checked with `verify` before it appears; merging a
//! bundle into a store.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::{io_error, sync_index, Store, StoreError, FORMAT_FILE};
use crate::interchange::bundle::{self, BundleError};
use crate::model::{Change, Origin, SourceId, SourceMeta};
use crate::storage::index::Index;
use crate::storage::journal::Journal;
use crate::storage::objects::{self, Objects};

/// What `import` did.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    /// The new store.
    pub store: PathBuf,
    /// Its journal entries.
    pub entries: u64,
    /// Its objects.
    pub objects: u64,
    /// Its checkpoints.
    pub checkpoints: usize,
    /// The BLAKE3 hash of the bundle file.
    pub bundle: String,
}

impl From<BundleError> for StoreError {
    fn from(error: BundleError) -> Self {
        StoreError::BundleRefused {
            why: error.to_string(),
        }
    }
}

impl Store {
    /// Writes the store as a bundle to `out` (through a temporary file beside
    /// it, renamed into place once complete and synced).
    pub fn export_bundle(&self, out: &Path) -> Result<u64, StoreError> {
        let journal =
            fs::read(self.journal.path()).map_err(io_error("reading", self.journal.path()))?;
        let journal = &journal[..self.journal.len() as usize];
        let checkpoints = match fs::read(self.root.join(crate::audit::checkpoints::FILE)) {
            Ok(bytes) => {
                let complete = bytes
                    .iter()
                    .rposition(|byte| *byte == b'\n')
                    .map_or(0, |at| at + 1);
                Some(bytes[..complete].to_vec())
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => {
                return Err(io_error(
                    "reading",
                    &self.root.join(crate::audit::checkpoints::FILE),
                )(error))
            }
        };
        let mut objects = Vec::new();
        for id in self.index.source_ids() {
            let id = id?;
            objects.push((id, self.objects.path_for(&id)));
        }
        // Text layers and captures' WARC records are recorded objects too:
        // the bundle carries them, so the store it makes quotes as this one does.
        let warcs: Vec<crate::model::SourceId> = self
            .index
            .captures()?
            .into_iter()
            .map(|record| record.capture.warc)
            .collect();
        for layer in self.index.layer_objects()?.into_iter().chain(warcs) {
            if !objects.iter().any(|(id, _)| *id == layer) {
                objects.push((layer, self.objects.path_for(&layer)));
            }
        }
        let count = objects.len() as u64;
        let mut contents = bundle::Contents {
            journal,
            checkpoints: checkpoints.as_deref().filter(|bytes| !bytes.is_empty()),
            objects,
        };
        // A bundle's own refusal (an object that cannot be read) is kept
        // apart from the file's I/O errors, to be reported as itself.
        let mut refused = None;
        let written = crate::storage::files::replace(
            out,
            &crate::storage::files::partial_beside(out),
            |writer| {
                bundle::write(&mut contents, writer).map_err(|error| {
                    let io = std::io::Error::other(error.to_string());
                    refused = Some(error);
                    io
                })
            },
        );
        match (written, refused) {
            (Ok(()), _) => Ok(count),
            (Err(_), Some(error)) => Err(error.into()),
            (Err(error), None) => Err(io_error("writing", out)(error)),
        }
    }
}

/// Returns a bundle file's size and BLAKE3 hash (hex).
fn measure_bundle(bundle_path: &Path) -> Result<(u64, String), StoreError> {
    let input = |error: std::io::Error| StoreError::Input {
        path: bundle_path.display().to_string(),
        why: format!("cannot be read ({error})"),
    };
    // A regular file, read and not mapped: a mapped bundle that shrinks
    // while it is read kills the process with SIGBUS.
    // Looked at before it is opened: opening a FIFO would wait for a writer.
    let metadata = fs::metadata(bundle_path).map_err(input)?;
    if !metadata.is_file() {
        return Err(StoreError::Input {
            path: bundle_path.display().to_string(),
            why: "is not a regular file (a directory, FIFO or device); give the bundle file".into(),
        });
    }
    let file = objects::open_regular(bundle_path).map_err(input)?;
    let hash = objects::hash_open_file(file).map_err(input)?;
    Ok((metadata.len(), hash.to_hex()))
}

/// Returns the directory holding `store` and a working directory beside it
/// (`.<name>.<purpose>-<pid>`), where a bundle is built and checked.
fn beside(store: &Path, purpose: &str) -> (PathBuf, PathBuf) {
    let parent = match store.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = store
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    let building = parent.join(format!(".{name}.{purpose}-{}", std::process::id()));
    (parent, building)
}

/// Removes the working directories beside a store that share `building`'s
/// name but for the process id: those a killed merge, import or init left
/// behind. A directory whose process is still running is left alone (two
/// imports into new stores take no common lock).
pub(super) fn remove_stale(parent: &Path, building: &Path) {
    let Some(name) = building
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
    else {
        return;
    };
    let Some(stem) = name.rsplit_once('-').map(|(stem, _)| format!("{stem}-")) else {
        return;
    };
    if let Ok(entries) = fs::read_dir(parent) {
        for entry in entries.flatten() {
            let found = entry.file_name().to_string_lossy().into_owned();
            let pid = found.strip_prefix(&stem);
            let Some(pid) =
                pid.filter(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
            else {
                continue;
            };
            let running =
                pid != std::process::id().to_string() && Path::new("/proc").join(pid).exists();
            if !running && entry.path() != building {
                crate::storage::crash::point(
                    crate::storage::crash::Op::Remove,
                    "a working directory left by a killed command",
                );
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// Imports a bundle as a new store at `target` (which must not exist or be
/// an empty directory). Everything is checked in a directory beside the
/// target — paths, object hashes, the journal chain, the index, the
/// checkpoints, with `verify` — before it is renamed into place.
pub fn import_bundle(target: &Path, bundle_path: &Path) -> Result<ImportOutcome, StoreError> {
    if target.join(FORMAT_FILE).exists() {
        return Err(StoreError::Input {
            path: target.display().to_string(),
            why: "is already a store; merge the bundle into it with Store::merge_bundle (`provdb import` does)".into(),
        });
    }
    if target.exists()
        && fs::read_dir(target)
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(true)
    {
        return Err(StoreError::NotEmpty {
            path: target.to_path_buf(),
        });
    }
    let (bundle_bytes, bundle_hash) = measure_bundle(bundle_path)?;
    let (parent, building) = beside(target, "import");
    fs::create_dir_all(&parent).map_err(io_error("creating", &parent))?;
    remove_stale(&parent, &building);
    let _ = fs::remove_dir_all(&building);
    let result = build_from_bundle(&building, bundle_path, bundle_bytes).and_then(|outcome| {
        if target.exists() {
            fs::remove_dir(target).map_err(io_error("replacing the empty directory", target))?;
        }
        fs::rename(&building, target)
            .map_err(io_error("moving the imported store into", target))?;
        objects::sync_dir(&parent)?;
        Ok(outcome)
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&building);
    }
    let (entries, objects, checkpoints) = result?;
    Ok(ImportOutcome {
        store: target.to_path_buf(),
        entries,
        objects,
        checkpoints,
        bundle: bundle_hash,
    })
}

fn build_from_bundle(
    root: &Path,
    bundle_path: &Path,
    limit: u64,
) -> Result<(u64, u64, usize), StoreError> {
    fs::create_dir_all(root.join("objects").join("tmp")).map_err(io_error("creating", root))?;
    let store_objects = Objects::new(root.join("objects"));
    let mut file = File::open(bundle_path).map_err(|error| StoreError::Input {
        path: bundle_path.display().to_string(),
        why: format!("cannot be read ({error})"),
    })?;
    let mut count = 0u64;
    let mut put = |id: crate::model::SourceId,
                   reader: &mut dyn std::io::Read,
                   _size: u64|
     -> Result<(), BundleError> {
        let stored = store_objects.put_reader(reader).map_err(|error| {
            BundleError::Refused(format!("an object could not be stored ({error})"))
        })?;
        if stored.id != id {
            return Err(BundleError::Refused(format!(
                "the object named {} holds bytes that hash to {} (a hash mismatch)",
                id, stored.id
            )));
        }
        count += 1;
        Ok(())
    };
    let (journal, checkpoints) = bundle::read(&mut file, limit, &mut put)?;
    Journal::write_imported(&root.join("journal"), &journal)?;
    let kept = match &checkpoints {
        Some(bytes) if !bytes.is_empty() => {
            crate::audit::checkpoints::write_imported(root, bytes)
                .map_err(io_error("writing", &crate::audit::checkpoints::path(root)))?;
            crate::audit::checkpoints::read(root)
                .map_err(|error| StoreError::BundleRefused {
                    why: format!("the bundle is refused: its checkpoints do not read ({error})"),
                })?
                .len()
        }
        _ => 0,
    };
    // The journal must be whole: a bundle carries committed entries only.
    let (journal, recovery) =
        Journal::open(&root.join("journal")).map_err(|error| StoreError::BundleRefused {
            why: format!("the bundle is refused: its journal does not read ({error})"),
        })?;
    if recovery.repaired() {
        return Err(StoreError::BundleRefused {
            why:
                "the bundle is refused: its journal ends with an unfinished command or a torn line"
                    .into(),
        });
    }
    let index = Index::open(&root.join("index"))?;
    sync_index(&journal, &index).map_err(|error| StoreError::BundleRefused {
        why: format!("the bundle is refused: its journal does not replay ({error})"),
    })?;
    index.close(&root.join("index"))?;
    crate::storage::format::write(root).map_err(io_error("writing", &root.join(FORMAT_FILE)))?;
    store_objects.sync_filesystem()?;
    objects::sync_dir(root)?;
    // The whole store, checked as `verify` checks any store.
    let report = crate::verify::verify(root, &mut super::OpenOptions::default())?;
    if let Some(problem) = report.problems.first() {
        return Err(StoreError::BundleRefused {
            why: format!(
                "the bundle is refused: {} problem(s), the first: {}: {}",
                report.problems.len(),
                problem.item,
                problem.what
            ),
        });
    }
    // A bundle carries the objects its journal records, and nothing else.
    if let Some(first) = report.unrecorded.first() {
        return Err(StoreError::BundleRefused {
            why: format!(
                "the bundle is refused: it holds {} object(s) no journal entry records (the first {first}); a bundle carries recorded sources only",
                report.unrecorded.len()
            ),
        });
    }
    // verify records when each object was found sound; a fresh import keeps that.
    Ok((journal.last_seq(), count, kept))
}

/// What merging a bundle into a store did.
#[derive(Debug, Clone)]
pub struct MergeOutcome {
    /// The BLAKE3 hash of the bundle file.
    pub bundle: String,
    /// The other store's id.
    pub store: String,
    /// Entries in the other store's journal.
    pub size: u64,
    /// Entries merged now.
    pub merged: u64,
    /// Entries this store already held (its own, or merged before).
    pub already: u64,
    /// Objects stored now; the rest were stored already.
    pub new_objects: u64,
    /// When this very bundle was merged before: that merge's entry and
    /// time. Then nothing was read and `already` is not counted.
    pub merged_before: Option<(u64, String)>,
}

/// The lines of another store's journal, each with its newline, read one at a time.
struct OtherLines {
    path: PathBuf,
    reader: std::io::BufReader<File>,
}

impl OtherLines {
    fn open(path: &Path) -> Result<OtherLines, StoreError> {
        let file = File::open(path).map_err(io_error("reading", path))?;
        Ok(OtherLines {
            path: path.to_path_buf(),
            reader: std::io::BufReader::with_capacity(1 << 20, file),
        })
    }
}

impl Iterator for OtherLines {
    type Item = Result<Vec<u8>, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Vec::new();
        match std::io::BufRead::read_until(&mut self.reader, b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) => Some(Ok(line)),
            Err(error) => Some(Err(io_error("reading", &self.path)(error))),
        }
    }
}

/// Parses a line of the other journal.
fn parse_other(line: &[u8]) -> Result<crate::model::Entry, StoreError> {
    crate::storage::journal::parse_entry(line).map_err(|why| StoreError::BundleRefused {
        why: format!("the bundle is refused: {why}"),
    })
}

/// What this store already holds, and what the merge has planned so far.
#[derive(Default)]
struct Planned {
    layers: std::collections::HashSet<(crate::model::SourceId, crate::model::SourceId)>,
    captures: std::collections::HashSet<crate::model::SourceId>,
    sources: std::collections::HashSet<crate::model::SourceId>,
    claims: std::collections::HashSet<crate::model::ClaimId>,
    citations: std::collections::HashSet<crate::model::CitationId>,
    retracted: std::collections::HashSet<crate::model::CitationId>,
    superseded: std::collections::HashSet<(crate::model::CitationId, crate::model::CitationId)>,
    drift: std::collections::HashSet<(String, u32, crate::model::CitationId)>,
    revisions: std::collections::HashMap<(String, u32), crate::model::SourceId>,
    last_revision: std::collections::HashMap<String, u32>,
    /// This store's reviews and the merge's, once the first review is met.
    reviews: Option<Vec<crate::model::Review>>,
    /// The merge's corrections of metadata so far (reason, time and actor joined).
    amendments: Vec<(crate::model::SourceId, crate::model::SourceMeta, String)>,
    /// The merge's conflict marks so far, with who made them when.
    conflict_reviews: Vec<(crate::model::ConflictReview, String)>,
}

/// What pass 1 of a merge found in the other journal.
#[derive(Default)]
struct MergePlan {
    /// The other store's id.
    store: String,
    /// Its journal's size and tree root (checkpoint encoding).
    size: u64,
    root: String,
    /// What this store holds and what the merge adds, as planned.
    planned: Planned,
    /// The sequence numbers of the entries to merge, in order.
    selected: Vec<u64>,
    /// Objects to copy from the other store.
    copy_objects: Vec<SourceId>,
    /// Entries this store already holds.
    already: u64,
}

/// The selected entries of the other journal, read again one line at a
/// time, each with its origin.
fn selected_entries(
    journal_path: &Path,
    plan: &MergePlan,
) -> Result<impl Iterator<Item = Result<(Change, Option<Origin>), StoreError>>, StoreError> {
    let mut wanted = plan.selected.clone().into_iter().peekable();
    let mut lines = OtherLines::open(journal_path)?;
    let store = plan.store.clone();
    Ok(std::iter::from_fn(move || loop {
        let want = wanted.peek().copied()?;
        let line = match lines.next() {
            Some(Ok(line)) => line,
            Some(Err(error)) => return Some(Err(error)),
            None => {
                return Some(Err(StoreError::BundleRefused {
                    why: format!("the bundle is refused: its journal ended before entry {want}"),
                }))
            }
        };
        let entry = match parse_other(&line) {
            Ok(entry) => entry,
            Err(error) => return Some(Err(error)),
        };
        if entry.seq != want {
            continue;
        }
        wanted.next();
        let origin = Origin {
            store: store.clone(),
            seq: entry.seq,
            time: entry.recorded_at().to_string(),
            actor: entry.recorded_by().to_string(),
        };
        return Some(Ok((entry.change, Some(origin))));
    }))
}

impl Store {
    /// Merges a bundle into this store. The bundle is first built and
    /// checked whole in a directory beside the store, as a new import is;
    /// then every entry of its journal this store does not hold yet is
    /// appended in one command, after a `merge` entry naming the bundle's
    /// hash and the other journal's tree head, each with its `origin`. The
    /// other journal itself is stored as a source, so `verify` can check
    /// every merged entry against the line it came from. Objects are stored
    /// once. Conflicting values are not an error: they show in `conflicts`.
    pub fn merge_bundle(
        &mut self,
        bundle_path: &Path,
        actor: &str,
    ) -> Result<MergeOutcome, StoreError> {
        self.writable()?;
        let (parent, building) = beside(&self.root, "merge");
        // Under the store's lock no other merge into it runs: a working
        // directory of an earlier one is what a killed merge left behind,
        // with this process's id too when ids are reused (a container's
        // PID 1), and the store is built into an empty one.
        remove_stale(&parent, &building);
        let _ = fs::remove_dir_all(&building);
        let (bundle_bytes, bundle_hash) = measure_bundle(bundle_path)?;
        // Entries are never removed, so a bundle merged once has nothing new.
        if let Some(before) = self.index.merge_of(&bundle_hash)? {
            return Ok(MergeOutcome {
                bundle: bundle_hash,
                store: before.store,
                size: before.size,
                merged: 0,
                already: 0,
                new_objects: 0,
                merged_before: Some((before.seq, before.recorded)),
            });
        }
        let result = build_from_bundle(&building, bundle_path, bundle_bytes)
            .and_then(|_| self.merge_built(&building, bundle_hash, actor));
        let _ = fs::remove_dir_all(&building);
        result
    }

    fn merge_built(
        &mut self,
        other: &Path,
        bundle: String,
        actor: &str,
    ) -> Result<MergeOutcome, StoreError> {
        let journal_path = other.join("journal");
        let plan = self.plan_merge(&journal_path)?;
        let mut outcome = MergeOutcome {
            bundle: bundle.clone(),
            store: plan.store.clone(),
            size: plan.size,
            merged: plan.selected.len() as u64,
            already: plan.already,
            new_objects: 0,
            merged_before: None,
        };
        if plan.selected.is_empty() {
            return Ok(outcome);
        }
        let mut created = Vec::new();
        let result = self
            .copy_merged_objects(other, &plan, &mut created, &mut outcome)
            .and_then(|(journal_id, journal_size)| {
                let header = self.merge_header(&plan, &bundle, journal_id, journal_size)?;
                let entries = selected_entries(&journal_path, &plan)?;
                self.append_merged(actor, header, entries)
            });
        if let Err(error) = result {
            for id in &created {
                self.discard_created(id);
            }
            return Err(error);
        }
        Ok(outcome)
    }

    /// Pass 1: decides which entries of the other journal are new here, and
    /// computes its tree head, reading one line at a time.
    fn plan_merge(&self, journal_path: &Path) -> Result<MergePlan, StoreError> {
        let mut tree = crate::audit::merkle::Frontier::default();
        let mut offset = 0u64;
        let mut plan = MergePlan::default();
        for line in OtherLines::open(journal_path)? {
            let line = line?;
            let leaf = crate::audit::merkle::TreeHasher::leaf(&crate::audit::merkle::Blake3, &line);
            tree.push(
                &crate::audit::merkle::Blake3,
                leaf,
                offset,
                offset + line.len() as u64,
            );
            offset += line.len() as u64;
            let entry = parse_other(&line)?;
            if let Change::Init { store, .. } = &entry.change {
                plan.store.clone_from(store);
            }
            if matches!(entry.change, Change::Init { .. } | Change::Merge { .. }) {
                continue;
            }
            if self.plan_entry(&entry, &mut plan.planned, &mut plan.copy_objects)? {
                plan.selected.push(entry.seq);
            } else {
                plan.already += 1;
            }
        }
        plan.size = tree.size;
        plan.root =
            crate::audit::checkpoints::encode_root(&tree.root(&crate::audit::merkle::Blake3));
        Ok(plan)
    }

    /// Stores the other journal itself (what `verify` checks merged entries
    /// against) and the objects the merged entries record; returns the
    /// journal's id and size. Objects stored now are listed in `created`.
    fn copy_merged_objects(
        &mut self,
        other: &Path,
        plan: &MergePlan,
        created: &mut Vec<SourceId>,
        outcome: &mut MergeOutcome,
    ) -> Result<(SourceId, u64), StoreError> {
        let journal_path = other.join("journal");
        let mut file = File::open(&journal_path).map_err(io_error("reading", &journal_path))?;
        let stored = self.objects.put_reader(&mut file)?;
        if stored.created {
            created.push(stored.id);
        }
        let other_objects = Objects::new(other.join("objects"));
        for id in &plan.copy_objects {
            let path = other_objects.path_for(id);
            let mut file = File::open(&path).map_err(io_error("reading", &path))?;
            let copied = self.objects.put_reader(&mut file)?;
            if copied.id != *id {
                return Err(StoreError::BundleRefused {
                    why: format!("the bundle is refused: object {id} changed while merging"),
                });
            }
            if copied.created {
                created.push(copied.id);
                outcome.new_objects += 1;
            }
        }
        self.objects.sync_filesystem()?;
        Ok((stored.id, stored.size))
    }

    /// The entries that open a merge: the other journal as a source (unless
    /// held already), then the `merge` entry naming the bundle and the other
    /// journal's tree head.
    fn merge_header(
        &self,
        plan: &MergePlan,
        bundle: &str,
        journal_id: SourceId,
        journal_size: u64,
    ) -> Result<Vec<(Change, Option<Origin>)>, StoreError> {
        let mut header = Vec::new();
        if !plan.planned.sources.contains(&journal_id) && !self.index.has_source(&journal_id)? {
            header.push((
                Change::AddSource {
                    source: journal_id,
                    size: journal_size,
                    meta: SourceMeta {
                        title: Some(format!("journal of store {}", plan.store)),
                        media_type: Some("application/jsonl".into()),
                        note: Some(format!("merged from bundle {bundle}")),
                        ..SourceMeta::default()
                    },
                    name: None,
                },
                None,
            ));
        }
        header.push((
            Change::Merge {
                bundle: bundle.to_string(),
                store: plan.store.clone(),
                journal: journal_id,
                size: plan.size,
                root: plan.root.clone(),
                merged: plan.selected.len() as u64,
            },
            None,
        ));
        Ok(header)
    }

    /// Pass 2: appends the header and the selected entries, each with its
    /// origin, as one command, then brings the index up to date.
    fn append_merged(
        &mut self,
        actor: &str,
        header: Vec<(Change, Option<Origin>)>,
        entries: impl Iterator<Item = Result<(Change, Option<Origin>), StoreError>>,
    ) -> Result<(), StoreError> {
        let time = super::now_rfc3339();
        self.commit_streamed(actor, &time, header.into_iter().map(Ok).chain(entries))
    }

    /// Decides whether one entry of the other journal is new here; records
    /// what it adds so later entries see it. Refuses a revision history that
    /// diverges from this store's.
    fn plan_entry(
        &self,
        entry: &crate::model::Entry,
        planned: &mut Planned,
        copy_objects: &mut Vec<crate::model::SourceId>,
    ) -> Result<bool, StoreError> {
        use crate::model::Change;
        Ok(match &entry.change {
            Change::Init { .. } | Change::Merge { .. } => false,
            Change::AddSource { source, .. } => {
                if planned.sources.contains(source) || self.index.has_source(source)? {
                    false
                } else {
                    planned.sources.insert(*source);
                    copy_objects.push(*source);
                    true
                }
            }
            Change::AddRevision(revision) => {
                let key = (revision.doc.clone(), revision.number);
                let here = match planned.revisions.get(&key) {
                    Some(source) => Some(*source),
                    None => self
                        .index
                        .revision(&revision.doc, revision.number)?
                        .map(|record| record.revision.source),
                };
                match here {
                    Some(source) if source == revision.source => false,
                    Some(source) => {
                        return Err(StoreError::BundleRefused {
            why: format!(
                                "the bundle is refused: revision {}@{} is source {} here but {} in the bundle; the two stores' histories of {:?} diverge, and merging diverged revisions is not supported",
                                revision.doc,
                                revision.number,
                                source.short(),
                                revision.source.short(),
                                revision.doc
                            ),
                        })
                    }
                    None => {
                        let last = match planned.last_revision.get(&revision.doc) {
                            Some(last) => *last,
                            None => self.index.last_revision(&revision.doc)?,
                        };
                        if last + 1 != revision.number {
                            return Err(StoreError::BundleRefused {
            why: format!(
                                    "the bundle is refused: its revision {}@{} would follow revision {last} here, not {}",
                                    revision.doc,
                                    revision.number,
                                    revision.number - 1
                                ),
                            });
                        }
                        planned.revisions.insert(key, revision.source);
                        planned
                            .last_revision
                            .insert(revision.doc.clone(), revision.number);
                        true
                    }
                }
            }
            Change::DeriveText(layer) => {
                let known = planned.layers.contains(&(layer.layer, layer.source))
                    || self
                        .index
                        .layers_of(&layer.source)?
                        .iter()
                        .any(|known| known.layer.layer == layer.layer);
                if known {
                    false
                } else {
                    planned.layers.insert((layer.layer, layer.source));
                    copy_objects.push(layer.layer);
                    true
                }
            }
            Change::Capture(capture) => {
                let known = planned.captures.contains(&capture.warc)
                    || self
                        .index
                        .captures_of(&capture.source)?
                        .iter()
                        .any(|known| known.capture == *capture);
                if known {
                    false
                } else {
                    planned.captures.insert(capture.warc);
                    copy_objects.push(capture.warc);
                    true
                }
            }
            Change::RecordClaim(claim) => {
                planned.claims.insert(claim.id) && !self.index.has_claim(&claim.id)?
            }
            Change::Cite { citation, .. } => {
                planned.citations.insert(*citation) && self.index.citation(citation)?.is_none()
            }
            Change::Retract { citation, .. } => {
                planned.retracted.insert(*citation) && self.index.retraction(citation)?.is_none()
            }
            Change::Supersede { citation, by, .. } => {
                planned.superseded.insert((*citation, *by))
                    && !self
                        .index
                        .supersessions(citation)?
                        .iter()
                        .any(|known| known.citation == *citation && known.by == *by)
            }
            Change::Drift(drift) => {
                planned
                    .drift
                    .insert((drift.doc.clone(), drift.number, drift.citation))
                    && self
                        .index
                        .drift_of(&drift.doc, drift.number, &drift.citation)?
                        .is_none()
            }
            Change::Amend {
                source,
                meta,
                reason,
            } => {
                // The same correction is the same entry: who made it and
                // when, not only what it says (a title put back and then
                // corrected again says the same twice).
                let (time, actor) = (entry.recorded_at(), entry.recorded_by());
                let item = (
                    *source,
                    meta.clone(),
                    format!("{reason}\u{0}{time}\u{0}{actor}"),
                );
                let here = self.index.amendments_of(source)?.into_iter().any(|known| {
                    known.meta == *meta
                        && known.reason == *reason
                        && known.recorded == time
                        && known.actor == actor
                });
                if here || planned.amendments.contains(&item) {
                    false
                } else {
                    planned.amendments.push(item);
                    true
                }
            }
            Change::ReviewConflict(review) => {
                let (time, actor) = (entry.recorded_at(), entry.recorded_by());
                let here = self.index.conflict_reviews()?.into_iter().any(|known| {
                    known.review == *review && known.recorded == time && known.actor == actor
                });
                let item = (review.clone(), format!("{time}\u{0}{actor}"));
                if here || planned.conflict_reviews.contains(&item) {
                    false
                } else {
                    planned.conflict_reviews.push(item);
                    true
                }
            }
            Change::Review(review) => {
                // This store's reviews, read once: reviews have no id, so a
                // review is here already when an identical one is.
                if planned.reviews.is_none() {
                    let known = self
                        .index
                        .reviews()?
                        .into_iter()
                        .map(|record| record.review);
                    planned.reviews = Some(known.collect());
                }
                let reviews = planned.reviews.get_or_insert_with(Vec::new);
                if reviews.contains(review) {
                    false
                } else {
                    reviews.push((**review).clone());
                    true
                }
            }
        })
    }
}
