//! `add`: a source's bytes stored as an object and its metadata recorded.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use crate::model::{Change, Revision, SourceId, SourceMeta, SourceRecord, When};
use crate::storage::objects;

use super::layers::Derived;
use super::{check_meta, check_slug, now_rfc3339, CarryReport, Store, StoreError};

/// What `add` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AddOutcome {
    /// The source id.
    pub id: SourceId,
    /// Its size in bytes.
    pub size: u64,
    /// False when identical bytes were already recorded.
    pub new_source: bool,
    /// Why provdb cannot quote the source (binary, not UTF-8), or None:
    /// it is stored and recorded all the same.
    pub cannot_quote: Option<String>,
    /// The text layer this command derived, when an extractor applied.
    pub layer: Option<crate::model::TextLayer>,
    /// The document and revision logged, with `--doc`.
    pub revision: Option<(String, u32)>,
    /// Where the title of a new source came from when it was taken from its
    /// own text ("its first heading" or "its first line").
    pub title_from: Option<&'static str>,
    /// The title recorded with a new source, however it came.
    pub title: Option<String>,
    /// The file name recorded with a new source.
    pub name: Option<String>,
    /// With `--doc`: the document's latest revision, when it already has
    /// these bytes and nothing was logged (no `--force`).
    pub same_as_latest: Option<(String, u32)>,
    /// What the new revision did to the previous revision's citations.
    #[serde(skip)]
    pub carry: Option<CarryReport>,
}

/// Where `add` reads from.
pub enum AddInput<'a> {
    /// A file path.
    Path(&'a Path),
    /// A reader (standard input), with a label for messages.
    Reader(&'a mut dyn Read, &'a str),
}

impl std::fmt::Debug for AddInput<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddInput::Path(path) => write!(formatter, "AddInput::Path({})", path.display()),
            AddInput::Reader(_, label) => write!(formatter, "AddInput::Reader({label})"),
        }
    }
}

/// How a source's bytes came, beyond its metadata: the file's name (for
/// choosing an extractor), a charset a server declared, and journal changes
/// recorded with it (a web capture).
#[derive(Debug, Default)]
pub(super) struct Recording<'a> {
    /// The file name given.
    pub name: Option<&'a str>,
    /// The charset the server declared.
    pub declared: Option<&'static encoding_rs::Encoding>,
    /// Changes recorded after the source and its layer.
    pub extra: Vec<Change>,
    /// Log a revision even when the document's latest revision has the
    /// same bytes (`add --force`).
    pub again: bool,
}

/// Returns the first metadata field given that differs from what is stored.
pub(super) fn meta_conflict(
    stored: &SourceMeta,
    given: &SourceMeta,
    with_doc: bool,
) -> Option<(&'static str, String, String)> {
    let show = |value: &Option<String>| value.clone().unwrap_or_default();
    let show_when =
        |value: &Option<When>| value.as_ref().map(ToString::to_string).unwrap_or_default();
    let text_fields = [
        ("title", &stored.title, &given.title),
        ("url", &stored.url, &given.url),
        ("publisher", &stored.publisher, &given.publisher),
        ("media type", &stored.media_type, &given.media_type),
        ("language", &stored.language, &given.language),
    ];
    for (field, stored_value, given_value) in text_fields {
        if given_value.is_some() && given_value != stored_value {
            return Some((field, show(stored_value), show(given_value)));
        }
    }
    if !given.authors.is_empty() && given.authors != stored.authors {
        return Some((
            "authors",
            stored.authors.join("; "),
            given.authors.join("; "),
        ));
    }
    if given.retrieved.is_some() && given.retrieved != stored.retrieved {
        return Some((
            "retrieval time",
            show_when(&stored.retrieved),
            show_when(&given.retrieved),
        ));
    }
    if !with_doc {
        // With --doc these belong to the new revision instead.
        for (field, stored_value, given_value) in [
            ("publication time", &stored.published, &given.published),
            ("update time", &stored.updated, &given.updated),
        ] {
            if given_value.is_some() && given_value != stored_value {
                return Some((field, show_when(stored_value), show_when(given_value)));
            }
        }
        if given.note.is_some() && given.note != stored.note {
            return Some(("note", show(&stored.note), show(&given.note)));
        }
    }
    None
}

/// Fills what the user did not give from what a page states about itself:
/// title, authors, publisher, publication and update times, canonical URL,
/// language, and the media type. What the user gave is never replaced.
pub(super) fn page_defaults(meta: &mut SourceMeta, layer: &crate::extract::Layer) {
    let page = &layer.meta;
    let bounded = |text: &Option<String>| {
        text.as_ref()
            .filter(|text| {
                !text.is_empty() && text.len() <= 4096 && !text.chars().any(char::is_control)
            })
            .cloned()
    };
    if meta.title.is_none() {
        meta.title = bounded(&page.title);
    }
    if meta.authors.is_empty() {
        meta.authors = page
            .authors
            .iter()
            .filter(|author| {
                !author.is_empty() && author.len() <= 1024 && !author.chars().any(char::is_control)
            })
            .take(64)
            .cloned()
            .collect();
    }
    if meta.publisher.is_none() {
        meta.publisher = bounded(&page.publisher);
    }
    if meta.url.is_none() {
        meta.url = bounded(&page.canonical)
            .filter(|url| url.starts_with("http://") || url.starts_with("https://"));
    }
    if meta.language.is_none() {
        meta.language = bounded(&page.language);
    }
    let when = |text: &Option<String>| {
        text.as_deref()
            .and_then(|text| crate::text::dates::parse_when(text).ok())
    };
    if meta.published.is_none() {
        meta.published = when(&page.published);
    }
    if meta.updated.is_none() {
        meta.updated = when(&page.modified);
    }
    if meta.media_type.is_none() {
        if layer.extractor == crate::text::html::NAME {
            meta.media_type = Some("text/html".into());
        } else if layer.extractor == crate::extract::pdf::NAME {
            meta.media_type = Some("application/pdf".into());
        }
    }
    // What a page states passes the checks the same fields pass when a
    // person gives them; a value that does not is left out, field by field.
    if super::check_url(
        super::Field::Url,
        meta.url.as_deref().unwrap_or("https://x"),
    )
    .is_err()
    {
        meta.url = None;
    }
    for (field, value) in [
        (super::Field::Title, &mut meta.title),
        (super::Field::Publisher, &mut meta.publisher),
        (super::Field::Language, &mut meta.language),
    ] {
        if value
            .as_deref()
            .is_some_and(|text| super::checks::check_line(field, text, 4096).is_err())
        {
            *value = None;
        }
    }
    meta.authors
        .retain(|author| super::checks::check_line(super::Field::Author, author, 1000).is_ok());
}

/// Fills a new revision's title, authors, publisher and language from the
/// previous revision's, where they were not given; a page's own statement
/// of a field (its `<title>`, its authors) is newer than the previous
/// revision's and wins.
fn inherit(meta: &mut SourceMeta, before: &SourceMeta, page: Option<&crate::extract::Layer>) {
    let stated = page.map(|layer| &layer.meta);
    if meta.title.is_none() && stated.is_none_or(|page| page.title.is_none()) {
        meta.title.clone_from(&before.title);
    }
    if meta.authors.is_empty() && stated.is_none_or(|page| page.authors.is_empty()) {
        meta.authors.clone_from(&before.authors);
    }
    if meta.publisher.is_none() && stated.is_none_or(|page| page.publisher.is_none()) {
        meta.publisher.clone_from(&before.publisher);
    }
    if meta.language.is_none() && stated.is_none_or(|page| page.language.is_none()) {
        meta.language.clone_from(&before.language);
    }
}

/// Where a title taken from a source's own text came from.
pub const FIRST_HEADING: &str = "its first heading";
/// See [`FIRST_HEADING`].
pub const FIRST_LINE: &str = "its first line";

/// The title a text suggests for itself: its first Markdown heading (`#` to
/// `######` at the start of a line) among its first 40 lines that are not
/// blank, else its first line that is not blank. None when that line is
/// over 200 characters, has no letter, or is not a line `--title` would
/// accept.
pub fn title_from_text(text: &str) -> Option<(String, &'static str)> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take(40)
        .collect();
    let heading = lines.iter().find_map(|line| {
        let marks = line.chars().take_while(|c| *c == '#').count();
        let rest = &line[marks..];
        ((1..=6).contains(&marks) && rest.starts_with([' ', '\t']))
            .then(|| closing_hashes_off(rest.trim()))
    });
    let (line, from) = match heading {
        Some(heading) => (heading, FIRST_HEADING),
        None => (*lines.first()?, FIRST_LINE),
    };
    let title = line.split_whitespace().collect::<Vec<_>>().join(" ");
    (title.chars().count() <= 200
        && title.chars().any(char::is_alphabetic)
        && super::checks::check_line(super::Field::Title, &title, 4096).is_ok())
    .then_some((title, from))
}

/// A heading's text without its closing run of `#`, which CommonMark counts
/// only after a space ("# Learn C#" keeps its `#`).
fn closing_hashes_off(text: &str) -> &str {
    let kept = text.trim_end_matches('#');
    if kept.is_empty() || kept.ends_with([' ', '\t']) {
        kept.trim_end()
    } else {
        text
    }
}

/// File names whose first line is a header or markup, not a title.
fn names_data(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".xml", ".yaml", ".yml", ".toml", ".ini",
    ]
    .iter()
    .any(|suffix| lower.ends_with(suffix))
}

/// The title a new source's own text suggests, when it has none: from
/// its text layer, or from the first 64 KiB of its bytes when they are
/// text themselves. Data files (CSV, JSON and the like) suggest none.
pub(super) fn suggested_title(
    objects: &objects::Objects,
    id: &SourceId,
    meta: &SourceMeta,
    name: Option<&str>,
    layer: Option<&crate::extract::Layer>,
    is_text: bool,
) -> Option<(String, &'static str)> {
    if meta.title.is_some()
        || name.is_some_and(names_data)
        || meta
            .media_type
            .as_deref()
            .is_some_and(|media| !media.starts_with("text/") && layer.is_none())
    {
        return None;
    }
    if let Some(layer) = layer {
        // A PDF's lines are its pages' wrapped lines and running heads,
        // not a line its author wrote as one.
        if layer.extractor == crate::extract::pdf::NAME {
            return None;
        }
        return title_from_text(&layer.text);
    }
    if !is_text {
        return None;
    }
    let mut head = Vec::new();
    let file = objects.open(id).ok()?;
    Read::take(file, 64 << 10).read_to_end(&mut head).ok()?;
    let text = match std::str::from_utf8(&head) {
        Ok(text) => text,
        // Cut inside a character at the end of the 64 KiB.
        Err(error) => std::str::from_utf8(&head[..error.valid_up_to()]).ok()?,
    };
    title_from_text(text)
}

/// Returns the text of a source, or why it cannot be quoted.
pub(super) fn source_text(id: SourceId, bytes: &[u8]) -> Result<&str, StoreError> {
    if bytes.contains(&0) {
        return Err(StoreError::NotText {
            source_id: id,
            why: "it is binary (it contains NUL bytes)".into(),
        });
    }
    std::str::from_utf8(bytes).map_err(|error| StoreError::NotText {
        source_id: id,
        why: format!(
            "it is not valid UTF-8 (bad byte at offset {})",
            error.valid_up_to()
        ),
    })
}

impl Store {
    /// Removes an object this command wrote when the command fails before
    /// recording it, unless the store already records it (then the command
    /// replaced a damaged copy, and the repair stays).
    pub(super) fn discard_created(&self, id: &SourceId) {
        // Only when the index answers that it is not recorded: an index
        // that cannot answer must not cost a recorded object.
        if matches!(self.index.has_source(id), Ok(false)) {
            self.objects.remove_created(id);
        }
    }

    /// Records a source's bytes and metadata, and with `doc` a new revision
    /// of that document, unless its latest revision has the same bytes and
    /// `again` is false: then nothing is logged and the outcome says so.
    pub fn add_source(
        &mut self,
        input: AddInput<'_>,
        meta: SourceMeta,
        doc: Option<&str>,
        again: bool,
        actor: &str,
    ) -> Result<AddOutcome, StoreError> {
        self.writable()?;
        check_meta(&meta)?;
        if let Some(doc) = doc {
            check_slug(doc)?;
        }
        let name = match &input {
            AddInput::Path(path) => Some(path.to_string_lossy().into_owned()),
            AddInput::Reader(..) => None,
        };
        let stored = match input {
            AddInput::Path(path) => {
                let shown = path.display().to_string();
                let metadata = fs::metadata(path).map_err(|error| StoreError::Input {
                    path: shown.clone(),
                    why: match error.kind() {
                        io::ErrorKind::NotFound => "no such file; check the path".into(),
                        io::ErrorKind::PermissionDenied => {
                            "permission denied; make the file readable".into()
                        }
                        _ => format!("cannot read it ({error})"),
                    },
                })?;
                if metadata.is_dir() {
                    return Err(StoreError::Input {
                        path: shown,
                        why: "is a directory; give a file".into(),
                    });
                }
                if metadata.len() == 0 {
                    return Err(StoreError::Input {
                        path: shown,
                        why: "is empty; there is nothing to record".into(),
                    });
                }
                let mut file = File::open(path).map_err(|error| StoreError::Input {
                    path: shown.clone(),
                    why: format!("cannot open it ({error}); make the file readable"),
                })?;
                self.objects.put_reader(&mut file)?
            }
            AddInput::Reader(reader, label) => {
                let stored = self.objects.put_reader(reader)?;
                if stored.size == 0 {
                    if stored.created {
                        self.discard_created(&stored.id);
                    }
                    return Err(StoreError::Input {
                        path: label.to_string(),
                        why: "is empty; there is nothing to record".into(),
                    });
                }
                stored
            }
        };
        let recorded = self.index.has_source(&stored.id)?;
        if recorded && stored.created {
            // The store's copy did not hash to its id (or was not a regular
            // file); these bytes do, and replaced it.
            self.notices.push(format!("the stored copy of source {} was damaged; the bytes given hash to its id and have replaced it", stored.id));
        }
        let (created, id) = (stored.created, stored.id);
        let how = Recording {
            name: name.as_deref(),
            again,
            ..Recording::default()
        };
        let result = self.record_source(stored, meta, doc, how, actor);
        if result.is_err() && created {
            self.discard_created(&id);
        }
        result
    }

    pub(super) fn record_source(
        &mut self,
        stored: objects::Stored,
        meta: SourceMeta,
        doc: Option<&str>,
        how: Recording<'_>,
        actor: &str,
    ) -> Result<AddOutcome, StoreError> {
        let derived = super::layers::derive_layer(
            (&self.objects, &self.index),
            stored.id,
            stored.size,
            meta.media_type.as_deref(),
            how.name,
            stored.not_text.is_none(),
            how.declared,
        )?;
        let result = self.record_with_layer(
            stored,
            meta,
            doc,
            derived.as_ref(),
            Recording {
                name: how.name,
                extra: how.extra,
                again: how.again,
                ..Recording::default()
            },
            actor,
        );
        if result.is_err() {
            if let Some(created) = derived.as_ref().and_then(|derived| derived.created) {
                self.objects.remove_created(&created);
            }
        }
        result
    }

    fn record_with_layer(
        &mut self,
        stored: objects::Stored,
        mut meta: SourceMeta,
        doc: Option<&str>,
        derived: Option<&Derived>,
        how: Recording<'_>,
        actor: &str,
    ) -> Result<AddOutcome, StoreError> {
        // As last corrected: a correction stands for the metadata given now.
        let existing: Option<SourceRecord> = self.source_record(&stored.id)?;
        // Read before the commit: nothing that can fail comes after it.
        let had_layer = self.index.layer_of(&stored.id)?.is_some();
        if let Some(existing) = &existing {
            if let Some((field, stored_value, given)) =
                meta_conflict(&existing.meta, &meta, doc.is_some())
            {
                return Err(StoreError::MetadataDiffers {
                    source_id: stored.id,
                    field,
                    stored: stored_value,
                    given,
                });
            }
        }
        let mut changes = Vec::new();
        let mut revision = match doc {
            Some(doc) => Some((doc.to_string(), self.index.last_revision(doc)? + 1)),
            None => None,
        };
        // The same bytes as the document's latest revision: a second
        // revision would say the document changed when it did not.
        let mut same_as_latest = None;
        if let (Some((doc, number)), false) = (&revision, how.again) {
            if *number > 1
                && self
                    .index
                    .revision(doc, number - 1)?
                    .is_some_and(|latest| latest.revision.source == stored.id)
            {
                same_as_latest = Some((doc.clone(), number - 1));
                revision = None;
            }
        }
        let mut title_from = None;
        let name = how.name.map(|name| {
            super::bulk::clean_name(
                &Path::new(name)
                    .file_name()
                    .unwrap_or(name.as_ref())
                    .to_string_lossy(),
            )
        });
        if existing.is_none() {
            // A new revision of a document is the same work: what the
            // previous revision's source says of title, authors, publisher
            // and language holds unless given now (or stated by the page).
            if let Some((doc, number)) = &revision {
                if *number > 1 {
                    if let Some(previous) = self.index.revision(doc, number - 1)? {
                        if let Some(before) = self.source_record(&previous.revision.source)? {
                            inherit(&mut meta, &before.meta, derived.map(|d| &d.layer));
                        }
                    }
                }
            }
            if let Some(derived) = derived {
                page_defaults(&mut meta, &derived.layer);
            }
            if let Some((title, from)) = suggested_title(
                &self.objects,
                &stored.id,
                &meta,
                name.as_deref(),
                derived.map(|derived| &derived.layer),
                stored.not_text.is_none(),
            ) {
                meta.title = Some(title);
                title_from = Some(from);
            }
            changes.push(Change::AddSource {
                source: stored.id,
                size: stored.size,
                meta: meta.clone(),
                name: name.clone(),
            });
        }
        if let Some(derived) = derived {
            changes.push(Change::DeriveText(derived.record.clone()));
        }
        changes.extend(how.extra);
        let time = now_rfc3339();
        let mut carry = None;
        if let Some((doc, number)) = &revision {
            changes.push(Change::AddRevision(Revision {
                doc: doc.clone(),
                number: *number,
                source: stored.id,
                published: meta.published.clone(),
                updated: meta.updated.clone(),
                note: meta.note.clone(),
            }));
            let (carried, report) =
                self.carry_changes(doc, *number, stored.id, derived, actor, &time)?;
            changes.extend(carried);
            carry = report;
        }
        if !changes.is_empty() {
            self.commit(actor, &time, changes)?;
        }
        Ok(AddOutcome {
            id: stored.id,
            size: stored.size,
            // A text layer makes the source quotable.
            cannot_quote: if derived.is_some() || had_layer {
                None
            } else {
                stored.not_text
            },
            new_source: existing.is_none(),
            layer: derived.map(|derived| derived.record.clone()),
            revision,
            title_from,
            title: existing.is_none().then_some(meta.title).flatten(),
            name: existing.is_none().then_some(name).flatten(),
            same_as_latest,
            carry,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_headings_and_first_lines() {
        // CommonMark ATX headings: the closing run of # only after a space.
        assert_eq!(
            title_from_text("# Learn C#\n"),
            Some(("Learn C#".into(), FIRST_HEADING))
        );
        assert_eq!(
            title_from_text("intro\n## Figures, 1992 ##\n"),
            Some(("Figures, 1992".into(), FIRST_HEADING))
        );
        // No space after the marks: not a heading, so the first line.
        assert_eq!(
            title_from_text("#hashtag line\nbody\n"),
            Some(("#hashtag line".into(), FIRST_LINE))
        );
        // No letter, or over 200 characters: no title.
        assert_eq!(title_from_text("\n1,275 / 613\n"), None);
        assert_eq!(title_from_text(&"long ".repeat(41)), None);
        assert_eq!(title_from_text(""), None);
    }
}
