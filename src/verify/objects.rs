//! Objects rehashed on every core against their names; quotes checked against their sources' bytes;
//! what damage to an object affects.

use std::collections::HashSet;
use std::fs::File;
use std::path::PathBuf;

use crate::extract::{current_version, derive_now, rederive, versions_ever, Layer, LayerError};
use crate::model::SourceId;
use crate::storage::index::Index;
use crate::storage::objects::{Listed, Objects};
use crate::text::anchor::{self, AnchorCheck};

use super::journal::Recorded;
use super::shared::SharedIndex;
use super::Report;

/// The hash of an object's bytes, and how many there were.
type Rehashed = std::io::Result<(SourceId, u64)>;

/// Every file under `objects/`, with what rehashing it found (None: not
/// rehashed, verified recently enough).
pub(super) type Hashed = Result<Vec<(ListedFile, Option<Rehashed>)>, String>;

/// A file listed under `objects/`: only its id when its path is the one the
/// store gives that id, else its path and the id its name gives, if any.
/// 200,000 paths kept whole held about 25 MB.
#[derive(Debug)]
pub(super) enum ListedFile {
    Object(SourceId),
    Other(PathBuf, Option<SourceId>),
}

impl ListedFile {
    fn of(objects: &Objects, path: PathBuf, named: Option<SourceId>) -> ListedFile {
        match named {
            Some(id) if objects.path_for(&id) == path => ListedFile::Object(id),
            _ => ListedFile::Other(path, named),
        }
    }

    /// The id the file's name gives, if it gives one.
    fn named(&self) -> Option<SourceId> {
        match self {
            ListedFile::Object(id) => Some(*id),
            ListedFile::Other(_, named) => *named,
        }
    }

    fn path(&self, objects: &Objects) -> PathBuf {
        match self {
            ListedFile::Object(id) => objects.path_for(id),
            ListedFile::Other(path, _) => path.clone(),
        }
    }

    /// Path order: the order of ids between objects (their paths spell
    /// them, in lowercase hex under the same root), and of the paths' bytes
    /// when another file is compared.
    fn cmp_path(&self, other: &ListedFile, objects: &Objects) -> std::cmp::Ordering {
        use std::os::unix::ffi::OsStrExt;
        match (self, other) {
            (ListedFile::Object(a), ListedFile::Object(b)) => a.cmp(b),
            _ => self
                .path(objects)
                .as_os_str()
                .as_bytes()
                .cmp(other.path(objects).as_os_str().as_bytes()),
        }
    }
}

/// The files of one directory under `objects/` as `Objects::list_each`
/// lists them, kept as `ListedFile`s while they wait to be hashed (the
/// listing runs ahead of the hashing).
pub(super) struct ListedDir {
    dir: Option<std::sync::Arc<File>>,
    files: Vec<ListedFile>,
}

impl ListedDir {
    pub(super) fn of(objects: &Objects, listed: Listed) -> ListedDir {
        ListedDir {
            dir: listed.dir,
            files: listed
                .files
                .into_iter()
                .map(|(path, named)| ListedFile::of(objects, path, named))
                .collect(),
        }
    }
}

/// Rehashes the object files sent on `listing` on a pool of threads as
/// they come, except those named in `skip`, until the listing ends; returns
/// every file listed with what rehashing it found, in path order.
pub(super) fn hash_listed(
    objects: &Objects,
    listing: std::sync::mpsc::Receiver<ListedDir>,
    skip: &HashSet<SourceId>,
) -> Vec<(ListedFile, Option<Rehashed>)> {
    let listing = std::sync::Mutex::new(listing);
    let threads = crate::storage::objects::worker_threads();
    let mut hashed: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let next = match listing.lock() {
                            Ok(listing) => listing.recv(),
                            // Poisoned by a worker that panicked holding it: its
                            // join below fails the pool.
                            Err(_) => break,
                        };
                        let Ok(listed) = next else {
                            break; // the listing ended
                        };
                        let dir = listed.dir.as_deref();
                        for file in listed.files {
                            let result =
                                (!file.named().is_some_and(|id| skip.contains(&id))).then(|| {
                                    crate::storage::objects::hash_listed_file(
                                        dir,
                                        &file.path(objects),
                                    )
                                });
                            done.push((file, result));
                        }
                    }
                    done
                })
            })
            .collect();
        // A worker that failed takes its files with it: the pool fails
        // whole, and the caller reports the objects unchecked.
        workers
            .into_iter()
            .flat_map(|worker| match worker.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    hashed.sort_unstable_by(|(a, _), (b, _)| a.cmp_path(b, objects));
    hashed
}

/// What a damaged source affects: its citations, their claims, and the
/// documents it is a revision of.
pub(super) fn impact(index: Option<&SharedIndex>, id: &SourceId) -> String {
    index
        .and_then(|index| index.read(64, |index| impact_in(index, id)))
        .unwrap_or_default()
}

fn impact_in(index: &Index, id: &SourceId) -> String {
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

/// Checks the rehashed objects, that every object the journal records has
/// one, and that each holds the size its entries state. Returns the objects
/// whose bytes were rehashed and found sound.
pub(super) fn check_objects(
    objects: &Objects,
    hashed: Hashed,
    recorded: Recorded,
    index: Option<&SharedIndex>,
    report: &mut Report,
) -> Vec<SourceId> {
    let Recorded {
        objects: sources,
        mut stated,
    } = recorded;
    stated.sort_unstable_by_key(|stated| (stated.object, stated.seq));
    // The files come in the order of their paths, which spell their ids:
    // each id's sizes are looked for from where the last one's ended, and
    // searched for from the start only when an id comes out of that order.
    let mut next = 0;
    let mut sizes_of = |id: &SourceId| {
        if next > 0 && stated[next - 1].object >= *id {
            next = stated.partition_point(|stated| stated.object < *id);
        }
        let from = next
            + stated[next..]
                .iter()
                .take_while(|stated| stated.object < *id)
                .count();
        let to = from
            + stated[from..]
                .iter()
                .take_while(|stated| stated.object == *id)
                .count();
        next = to;
        from..to
    };
    let mut sound = Vec::new();
    let listed = match hashed {
        Ok(listed) => listed,
        Err(error) => {
            report.problem("objects", error);
            return sound;
        }
    };
    let mut present = Vec::with_capacity(listed.len());
    for (file, hashed) in listed {
        let named = file.named();
        // Listed under the lock, gone since: `reindex` removes objects no
        // entry records, and only those.
        if let (Some(id), Some(Err(error))) = (&named, &hashed) {
            if error.kind() == std::io::ErrorKind::NotFound && !sources.contains(&id.0) {
                continue;
            }
        }
        let Some(id) = named else {
            report.problem(
                format!("file {}", file.path(objects).display()),
                "is not named by a BLAKE3 hash; objects/ holds nothing else",
            );
            continue;
        };
        report.objects += 1;
        // The size an entry states is shown by `show` and `sources`: it
        // must be what the object holds.
        let held = match &hashed {
            Some(Ok((_, held))) => Some(*held),
            // Not rehashed, or not readable (it is reported so below):
            // its length as it is now.
            _ => std::fs::symlink_metadata(file.path(objects))
                .ok()
                .filter(|meta| meta.is_file())
                .map(|meta| meta.len()),
        };
        if let Some(held) = held {
            for (item, why) in stated[sizes_of(&id)]
                .iter()
                .filter_map(|stated| stated.differs(held))
            {
                report.problem(item, why);
            }
        }
        match hashed {
            None => report.skipped += 1,
            Some(Ok((actual, _))) if actual == id => sound.push(id),
            Some(Ok((actual, _))) => report.problem(
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
        present.push(id);
        if !sources.contains(&id.0) {
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
    // Both in id order: each recorded source is looked for from where the
    // last one was found.
    present.sort_unstable();
    let mut from = 0;
    for source in sources.into_sorted().into_iter().map(SourceId) {
        let source = &source;
        while present.get(from).is_some_and(|id| id < source) {
            from += 1;
        }
        if present.get(from) != Some(source) {
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

/// Checks a stored anchor against an object file of `length` bytes,
/// reading only the quote and its context (never the whole file).
pub(super) fn check_anchor_in_file(
    file: &File,
    length: u64,
    selector: &crate::model::Selector,
) -> std::io::Result<AnchorCheck> {
    use std::os::unix::fs::FileExt;
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

/// Checks every citation's quote against its source's bytes, source by
/// source, each a unit of the shared index.
pub(super) fn check_quotes(index: &SharedIndex, objects: &Objects, report: &mut Report) {
    for bucket in 0..=255u8 {
        // None: the index could not be opened again, which is reported once.
        let Some(sources) = index.read(64, |index| index.source_ids_in_bucket(bucket)) else {
            return;
        };
        let sources = match sources {
            Ok(sources) => sources,
            Err(error) => {
                report.problem("index tree sources", error.to_string());
                continue;
            }
        };
        for source in sources {
            // One record: a source's citations are read from its bucket's
            // postings, which the sources before it in the bucket read too.
            let checked = index.read(1, |index| {
                check_source_quotes(index, objects, source, report);
            });
            if checked.is_none() {
                return;
            }
        }
    }
}

/// Checks the quotes of the citations of one source.
fn check_source_quotes(index: &Index, objects: &Objects, source: SourceId, report: &mut Report) {
    let (layers, changed) = check_layers(index, objects, &source, report);
    let citations = match index.quotes_of_source(&source) {
        Ok(citations) => citations,
        Err(error) => {
            report.problem("index tree links", error.to_string());
            return;
        }
    };
    if citations.is_empty() {
        return;
    }
    if !changed.is_empty() {
        report_reanchored(index, objects, &citations, &changed, report);
    }
    // Each object quoted, opened once, with its length.
    let mut files: std::collections::HashMap<SourceId, (File, u64)> =
        std::collections::HashMap::new();
    for record in citations {
        let id = record.id;
        if record.citation.source != source {
            report.problem(
                format!("citation {id}"),
                format!(
                    "is listed under source {} but quotes source {}; run `provdb reindex`",
                    source.short(),
                    record.citation.source.short()
                ),
            );
            continue;
        }
        let quoted = record.citation.quoted_object();
        if let std::collections::hash_map::Entry::Vacant(slot) = files.entry(quoted) {
            let Ok(file) = objects.open(&quoted) else {
                continue; // reported as missing above
            };
            let length = match file.metadata() {
                Ok(metadata) => metadata.len(),
                Err(error) => {
                    report.problem(
                        format!("citation {id}"),
                        format!("source {} cannot be read: {error}", source.short()),
                    );
                    continue;
                }
            };
            slot.insert((file, length));
        }
        let Some((file, length)) = files.get(&quoted) else {
            continue;
        };
        if let (Some(in_layer), Some(derived)) = (
            &record.citation.layer,
            record
                .citation
                .layer
                .as_ref()
                .and_then(|in_layer| layers.get(&in_layer.object)),
        ) {
            let selector = &record.citation.selector;
            let expected: Vec<[u64; 2]> = derived
                .original_ranges(selector.start..selector.end)
                .unwrap_or_default()
                .into_iter()
                .map(|range| [range.start, range.end])
                .collect();
            let pages = derived.pages(selector.start..selector.end);
            if pages != in_layer.pages {
                report.problem(
                    format!("citation {id}"),
                    format!(
                        "records pages {:?}, but its text layer puts the quote on pages {:?}",
                        in_layer.pages, pages
                    ),
                );
            }
            // Boxes recorded are read again; a citation without them
            // (its PDF read without boxes) is not asked for them.
            if !in_layer.boxes.is_empty() && derived.words.is_none() {
                report.notices.push(format!(
                    "the word boxes of citation {} not read again: pdftotext -bbox-layout gave no words here",
                    id.short()
                ));
            } else if !in_layer.boxes.is_empty() {
                let boxes = derived.boxes(selector.start..selector.end);
                if boxes != in_layer.boxes {
                    report.problem(
                        format!("citation {id}"),
                        format!(
                            "records word boxes {:?}, but pdftotext now puts the quote's words at {:?}",
                            in_layer.boxes, boxes
                        ),
                    );
                }
            }
            if expected != in_layer.original {
                report.problem(
                    format!("citation {id}"),
                    format!(
                        "records original bytes {:?} of source {}, but its text layer puts the quote at {:?}",
                        in_layer.original,
                        source.short(),
                        expected
                    ),
                );
            }
        }
        report.citations += 1;
        let selector = &record.citation.selector;
        let outcome = match check_anchor_in_file(file, *length, selector) {
            Ok(outcome) => outcome,
            Err(error) => {
                report.problem(
                    format!("citation {id}"),
                    format!("source {} cannot be read: {error}", source.short()),
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
        let place = match &record.citation.layer {
            Some(layer) => format!(
                "in text layer {} of source {}",
                layer.object.short(),
                source.short()
            ),
            None => format!("in source {}", source.short()),
        };
        report.problem(format!("citation {id}"), format!("{what} {place}"));
    }
}

/// For the citations of layers that another version of their extractor
/// reads otherwise now: where each quote is in the text it gives, as a
/// revision's citations are followed (`text::carry::reanchor`). Said, never
/// written: the recorded layer stays the authority.
fn report_reanchored(
    index: &Index,
    objects: &Objects,
    citations: &[crate::storage::index::QuoteRecord],
    changed: &std::collections::HashMap<SourceId, (Layer, String)>,
    report: &mut Report,
) {
    use crate::model::Outcome;
    for (object, (now, label)) in changed {
        let Ok(old) = objects.read(object).map(String::from_utf8) else {
            continue; // reported with the objects
        };
        let Ok(old) = old else { continue };
        let mine: Vec<&crate::storage::index::QuoteRecord> = citations
            .iter()
            .filter(|record| {
                record
                    .citation
                    .layer
                    .as_ref()
                    .is_some_and(|layer| layer.object == *object)
            })
            .collect();
        let mut values = Vec::new();
        for record in &mine {
            match index.claim(&record.citation.claim) {
                Ok(Some(claim)) => values.push(claim.claim.value),
                _ => values.push(crate::model::Value::Text {
                    text: String::new(),
                }),
            }
        }
        let priors: Vec<crate::text::carry::Prior<'_>> = mine
            .iter()
            .zip(&values)
            .map(|(record, value)| crate::text::carry::Prior {
                citation: &record.citation,
                value,
            })
            .collect();
        let found = crate::text::carry::reanchor(&old, &now.text, &priors);
        let (mut kept, mut orphaned) = (0, 0);
        for (record, found) in mine.iter().zip(found) {
            let what = match (&found.outcome, &found.carry, &found.candidate) {
                (Outcome::Unchanged | Outcome::Moved, Some((_, anchor)), _) => {
                    kept += 1;
                    format!(
                        "re-anchored (score 1000) at bytes {}..{} of the text {label} derives now",
                        anchor.range.start, anchor.range.end
                    )
                }
                (Outcome::Changed, _, Some(candidate)) if candidate.score >= 800 => {
                    kept += 1;
                    format!(
                        "re-anchored (score {}) to {:?} at bytes {}..{} of the text {label} derives now",
                        candidate.score, candidate.exact, candidate.start, candidate.end
                    )
                }
                (Outcome::Ambiguous, _, _) => {
                    orphaned += 1;
                    format!(
                        "orphaned: its quote occurs {} times in the text {label} derives now, and its context singles none out",
                        found.occurrences
                    )
                }
                (_, _, Some(candidate)) => {
                    orphaned += 1;
                    format!(
                        "orphaned: its quote is not in the text {label} derives now; the closest passage is {:?} (score {})",
                        candidate.exact, candidate.score
                    )
                }
                _ => {
                    orphaned += 1;
                    format!("orphaned: nothing like its quote is in the text {label} derives now")
                }
            };
            // A quote the text derived now does not hold is a finding to act
            // on; one found again is said and passes.
            if what.starts_with("orphaned") {
                report.problem(format!("citation {}", record.id), what);
            } else {
                report
                    .notices
                    .push(format!("citation {}: {what}", record.id.short()));
            }
        }
        report.notices.push(format!(
            "text layer {}: {kept} citation(s) re-anchored, {orphaned} orphaned in the text {label} derives now",
            object.short()
        ));
    }
}

/// Derives each text layer of a source again with the extractor that made
/// it, and checks it is the layer recorded. Returns the layers derived, by
/// object, for checking where each quote maps in the original.
fn check_layers(
    index: &Index,
    objects: &Objects,
    source: &SourceId,
    report: &mut Report,
) -> (
    std::collections::HashMap<SourceId, Layer>,
    std::collections::HashMap<SourceId, (Layer, String)>,
) {
    let mut derived = std::collections::HashMap::new();
    let mut changed = std::collections::HashMap::new();
    let records = match index.layers_of(source) {
        Ok(records) => records,
        Err(error) => {
            report.problem("index tree layers", error.to_string());
            return (derived, changed);
        }
    };
    if records.is_empty() {
        return (derived, changed);
    }
    let Ok(bytes) = objects.read(source) else {
        return (derived, changed); // reported with the objects
    };
    for record in records {
        let layer = &record.layer;
        let item = format!("text layer {}", layer.layer);
        match rederive(&bytes, &layer.extractor, &layer.version, &layer.params) {
            Ok(again) => {
                let hash = crate::identity::source_id(again.text.as_bytes());
                if hash == layer.layer {
                    report.layers += 1;
                    derived.insert(layer.layer, again);
                    check_page_labels(&bytes, layer, report);
                } else {
                    report.problem(
                        item,
                        format!(
                            "{} {} derives other text from source {} now (BLAKE3 {}): the layer or the extractor changed",
                            layer.extractor,
                            layer.version,
                            source.short(),
                            hash.short()
                        ),
                    );
                }
            }
            Err(LayerError::Unknown { .. })
                if versions_ever(&layer.extractor)
                    .is_some_and(|versions| !versions.contains(&layer.version.as_str())) =>
            {
                report.problem(
                    item,
                    format!(
                        "names {} {}, a version of provdb's own extractor that never existed: provdb did not make this layer",
                        layer.extractor, layer.version
                    ),
                );
            }
            Err(error @ LayerError::Unknown { .. }) => {
                // Made by another version of an extractor this provdb has:
                // derived with this one, and compared.
                let now = current_version(&layer.extractor);
                match (now, derive_now(&bytes, &layer.extractor, &layer.params)) {
                    (Some(now), Ok(again)) => {
                        let same = crate::identity::source_id(again.text.as_bytes()) == layer.layer;
                        report.notices.push(format!(
                            "text layer {} of source {} was made by {} {}; {} {now} {}",
                            layer.layer.short(),
                            source.short(),
                            layer.extractor,
                            layer.version,
                            layer.extractor,
                            if same {
                                "derives the same text now"
                            } else {
                                "derives other text now: its citations are re-anchored in that text below (the recorded layer stays the authority)"
                            }
                        ));
                        if same {
                            // Ranges and pages recorded under another version
                            // are not compared with this one's.
                            report.layers += 1;
                        } else {
                            changed
                                .insert(layer.layer, (again, format!("{} {now}", layer.extractor)));
                        }
                    }
                    _ => report.notices.push(format!(
                        "text layer {} of source {} not derived again: {error}",
                        layer.layer.short(),
                        source.short()
                    )),
                }
            }
            Err(error) => report.problem(
                item,
                format!(
                    "cannot be derived again from source {}: {error}",
                    source.short()
                ),
            ),
        }
    }
    (derived, changed)
}

/// A PDF layer's page labels, read again from the PDF: the same ranges, or
/// a problem; a notice when qpdf is not installed here.
fn check_page_labels(bytes: &[u8], layer: &crate::model::TextLayer, report: &mut Report) {
    use crate::extract::labels;
    let Some(recorded) = layer.params.get(labels::PARAM) else {
        return;
    };
    match labels::read(bytes) {
        Ok(ranges) if labels::to_param(&ranges) == *recorded => {}
        Ok(ranges) => report.problem(
            format!("text layer {}", layer.layer),
            format!(
                "records page labels {recorded}, but the PDF's own are {}",
                labels::to_param(&ranges)
            ),
        ),
        // The PDF's bytes hash to its id: a qpdf that cannot read them here
        // (not installed, another version, no processes left) says nothing
        // of the store.
        Err(error) => report.notices.push(format!(
            "the page labels of text layer {} not read again: {error}",
            layer.layer.short()
        )),
    }
}

/// Checks every capture's WARC records: they read as WARC, each record's
/// block digest holds, each response's payload digest holds, and the final
/// response's body, content coding undone, is the source's bytes.
pub(super) fn check_captures(index: &SharedIndex, objects: &Objects, report: &mut Report) {
    use crate::capture::warc;
    // None: the index could not be opened again, which is reported once.
    let Some(captures) = index.read(64, Index::captures) else {
        return;
    };
    let captures = match captures {
        Ok(captures) => captures,
        Err(error) => {
            report.problem("index tree captures", error.to_string());
            return;
        }
    };
    for record in captures {
        let capture = &record.capture;
        let item = format!("capture of source {}", capture.source.short());
        let Ok(bytes) = objects.read(&capture.warc) else {
            continue; // reported with the objects
        };
        let records = match warc::records(&bytes) {
            Ok(records) => records,
            Err(error) => {
                report.problem(
                    item,
                    format!(
                        "its WARC records {} do not read: {error}",
                        capture.warc.short()
                    ),
                );
                continue;
            }
        };
        let mut broken = None;
        for warc_record in &records {
            if warc::digest_holds(warc_record.field("WARC-Block-Digest"), &warc_record.block)
                == Some(false)
            {
                broken = Some("a record's block does not match its WARC-Block-Digest".to_string());
            }
        }
        // The hops the capture states are the responses the records hold:
        // each redirect's address and status, then the final address and
        // the retrieval time.
        let responses: Vec<&warc::Record> = records
            .iter()
            .filter(|warc_record| warc_record.field("WARC-Type") == Some("response"))
            .collect();
        let target = |warc_record: &warc::Record| {
            warc_record
                .field("WARC-Target-URI")
                .map(|uri| uri.trim_matches(['<', '>']).to_string())
        };
        let hops_hold = responses.len() == capture.redirects.len() + 1
            && responses
                .iter()
                .zip(&capture.redirects)
                .all(|(warc_record, hop)| {
                    target(warc_record).as_deref() == Some(hop.url.as_str())
                        && warc::http_response(&warc_record.block)
                            .is_some_and(|(status, _, _)| status == hop.status)
                })
            && responses.last().is_some_and(|warc_record| {
                target(warc_record).as_deref() == Some(capture.final_url.as_str())
                    && warc_record.field("WARC-Date") == Some(capture.retrieved.as_str())
            });
        if !hops_hold {
            report.problem(
                item.clone(),
                format!(
                    "its addresses, redirects or retrieval time are not those its WARC records {} hold",
                    capture.warc.short()
                ),
            );
            continue;
        }
        let last = responses.last().copied();
        let body = last.and_then(|warc_record| {
            let (status, headers, payload) = warc::http_response(&warc_record.block)?;
            if warc::digest_holds(warc_record.field("WARC-Payload-Digest"), payload) == Some(false)
            {
                return None;
            }
            let body = warc::page_body(&headers, payload, u64::MAX)?;
            Some((status, body))
        });
        match (broken, body) {
            (Some(why), _) => report.problem(item, why),
            (None, None) => report.problem(
                item,
                format!(
                    "its WARC records {} hold no response whose payload matches its digest",
                    capture.warc.short()
                ),
            ),
            (None, Some((status, body))) => {
                if status != capture.status || crate::identity::source_id(&body) != capture.source {
                    report.problem(
                        item,
                        format!(
                            "the final response in its WARC records {} is not the source's bytes with status {}",
                            capture.warc.short(),
                            capture.status
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::journal::{Recorded, Stated, Stating};
    use super::*;

    fn id(byte: u8) -> SourceId {
        SourceId([byte; 32])
    }

    fn stated(object: u8, size: u64, seq: u64) -> Stated {
        Stated {
            object: id(object),
            size,
            seq,
            start: seq * 100,
            what: Stating::Source,
        }
    }

    /// Files listed by id alone sort among those listed by path as their
    /// paths' bytes do: checked against a plain sort of the paths written
    /// out, including a file directly under `objects/`, one beside an
    /// object in its directory, and a directory whose name sorts before the
    /// `/` that follows a two-letter one.
    #[test]
    fn files_listed_by_id_sort_in_path_order() {
        let objects = Objects::new(PathBuf::from("/s/objects"));
        let object = |byte: u8| ListedFile::Object(id(byte));
        let other = |path: &str| ListedFile::Other(PathBuf::from(path), None);
        let mut files = [
            object(0x10),
            other("/s/objects/10/zz"),
            object(0xab),
            other("/s/objects/0"),
            other("/s/objects/ab-/x"),
            object(0x02),
            other("/s/objects/ab"),
            other("/s/objects/10/00"),
        ];
        let mut expected: Vec<String> = files
            .iter()
            .map(|file| file.path(&objects).display().to_string())
            .collect();
        expected.sort();
        files.sort_unstable_by(|a, b| a.cmp_path(b, &objects));
        let sorted: Vec<String> = files
            .iter()
            .map(|file| file.path(&objects).display().to_string())
            .collect();
        assert_eq!(sorted, expected);
        // The objects are where the store puts them: 0x10's path is
        // /s/objects/10/1010…, after 10/00 and before 10/zz.
        assert_eq!(
            sorted[3],
            format!("/s/objects/10/{}", &id(0x10).to_string()[2..])
        );
    }

    /// The sizes entries state are matched to their objects, and recorded
    /// objects to the files listed, whatever the order of the listing. By
    /// hand: 0x01 holds 10 bytes and both its entries say so; 0x02 holds 20,
    /// its second entry says 21; 0x04 is out of the listing's order and
    /// holds 40, its entry says 44; 0x03 is recorded and missing; 0x05 is
    /// listed, holds 50 bytes as its entry says, and is recorded by none;
    /// 0x06 is listed and recorded by none, and no entry states its size.
    #[test]
    fn sizes_and_missing_objects_are_matched_in_any_listing_order() {
        // Listed by id, and for 0x05 by another path that names it.
        let listed: Vec<(ListedFile, Option<Rehashed>)> =
            [(1, 10), (2, 20), (5, 50), (4, 40), (6, 60)]
                .into_iter()
                .map(|(byte, size)| {
                    let object = id(byte);
                    let file = match byte {
                        5 => ListedFile::Other(
                            PathBuf::from(format!("objects/{object}")),
                            Some(object),
                        ),
                        _ => ListedFile::Object(object),
                    };
                    (file, Some(Ok((object, size))))
                })
                .collect();
        let mut objects = crate::idset::IdSet::default();
        for byte in [1, 2, 3, 4] {
            objects.insert(id(byte).0);
        }
        let recorded = Recorded {
            objects,
            stated: vec![
                stated(4, 44, 7),
                stated(2, 20, 2),
                stated(1, 10, 1),
                stated(2, 21, 5),
                stated(5, 50, 6),
                stated(1, 10, 3),
                stated(3, 30, 4),
            ],
        };
        let mut report = Report::default();
        let objects = Objects::new(PathBuf::from("objects"));
        let sound = check_objects(&objects, Ok(listed), recorded, None, &mut report);
        assert_eq!(sound, [1, 2, 5, 4, 6].map(id));
        assert_eq!(report.objects, 5);
        assert_eq!(report.unrecorded, [5, 6].map(id));
        let problems: Vec<(String, String)> = report
            .problems
            .into_iter()
            .map(|problem| (problem.item, problem.what))
            .collect();
        let short = |byte: u8| id(byte).short();
        assert_eq!(
            problems,
            [
                (
                    super::super::journal::entry_item(5, 500),
                    format!(
                        "states source {} is 21 bytes, but its object holds 20",
                        short(2)
                    )
                ),
                (
                    super::super::journal::entry_item(7, 700),
                    format!(
                        "states source {} is 44 bytes, but its object holds 40",
                        short(4)
                    )
                ),
                (
                    format!("object {}", id(3)),
                    "is missing: the journal records this source but its bytes are gone".into()
                ),
            ]
        );
    }
}
