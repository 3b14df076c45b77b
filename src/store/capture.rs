//! `add URL`: a page captured from the web, recorded as a source with its
//! text layer and a `capture` entry that keeps the exchange as WARC records.

use std::path::Path;

use crate::capture::{self, warc, FetchOptions};
use crate::model::{Capture, Change, Redirect, SourceMeta};

use super::add::{AddOutcome, Recording};
use super::{check_meta, check_slug, Store, StoreError};

/// A page taken from the web, before it is recorded.
#[derive(Debug)]
struct Taken {
    url: String,
    final_url: String,
    status: u16,
    content_type: Option<String>,
    redirects: Vec<Redirect>,
    retrieved: String,
    records: Vec<u8>,
}

/// What `import --format warc` did.
#[derive(Debug)]
pub struct WarcImport {
    /// Each capture recorded, with what `add` says of its source.
    pub captures: Vec<(AddOutcome, Capture)>,
    /// Responses left out, and why.
    pub skipped: Vec<String>,
}

/// Reads a WARC file, plain or gzip (one member per record, as tools write
/// them), or the WARC files of a WACZ package once they match the hashes it
/// states, up to 1 GiB of records. `wacz`: the file must be a WACZ.
fn read_warc_file(path: &Path, wacz: bool) -> Result<Vec<u8>, String> {
    use std::io::Read;
    const LIMIT: u64 = capture::wacz::LIMIT;
    let file = crate::storage::objects::open_regular(path).map_err(|error| {
        format!(
            "cannot be read ({error}); give a {} file",
            if wacz { "WACZ" } else { "WARC" }
        )
    })?;
    let mut head = [0u8; 4];
    let mut peek = file.try_clone().map_err(|error| error.to_string())?;
    let got = peek.read(&mut head).map_err(|error| error.to_string())?;
    let file = crate::storage::objects::open_regular(path).map_err(|error| error.to_string())?;
    if got == 4 && head == *b"PK\x03\x04" {
        return capture::wacz::warc_records(std::io::BufReader::new(file));
    }
    if wacz {
        return Err(
            "is not a WACZ (a WACZ is a zip file); for a WARC file use --format warc".into(),
        );
    }
    let mut bytes = Vec::new();
    let read = if got >= 2 && head[..2] == [0x1f, 0x8b] {
        flate2::read::MultiGzDecoder::new(file)
            .take(LIMIT + 1)
            .read_to_end(&mut bytes)
    } else {
        file.take(LIMIT + 1).read_to_end(&mut bytes)
    };
    read.map_err(|error| format!("does not read as a WARC file ({error})"))?;
    if bytes.len() as u64 > LIMIT {
        return Err("holds more than 1 GiB of WARC records; split it".into());
    }
    Ok(bytes)
}

impl Store {
    /// Fetches `url` and records the page as a source (with `doc`, a new
    /// revision), its text layer, and the capture.
    pub fn add_url(
        &mut self,
        url: &str,
        meta: SourceMeta,
        doc: Option<&str>,
        options: &FetchOptions,
        actor: &str,
    ) -> Result<(AddOutcome, Capture), StoreError> {
        self.writable()?;
        check_meta(&meta)?;
        if let Some(doc) = doc {
            check_slug(doc)?;
        }
        let fetched = capture::fetch(url, options).map_err(|error| StoreError::Input {
            path: url.to_string(),
            why: error.to_string(),
        })?;
        let last = fetched.last();
        let taken = Taken {
            url: url.to_string(),
            final_url: last.url.clone(),
            status: last.status,
            content_type: last.header("content-type").map(str::to_string),
            redirects: fetched.exchanges[..fetched.exchanges.len() - 1]
                .iter()
                .map(|exchange| Redirect {
                    url: exchange.url.clone(),
                    status: exchange.status,
                })
                .collect(),
            retrieved: fetched.retrieved.clone(),
            records: warc::capture_records(&fetched),
        };
        self.record_capture(taken, &fetched.body, meta, doc, actor)
    }

    /// Records a page taken from the web, fetched here or read from another
    /// tool's WARC file: the source, its layer, the WARC records and the
    /// capture entry.
    fn record_capture(
        &mut self,
        taken: Taken,
        body: &[u8],
        mut meta: SourceMeta,
        doc: Option<&str>,
        actor: &str,
    ) -> Result<(AddOutcome, Capture), StoreError> {
        let declared = taken
            .content_type
            .as_deref()
            .and_then(capture::charset)
            .and_then(|label| crate::text::encoding::for_label(&label));
        let stored = self.objects.put_reader(&mut &body[..])?;
        if stored.size == 0 {
            if stored.created {
                self.discard_created(&stored.id);
            }
            return Err(StoreError::Input {
                path: taken.url,
                why: "answered with an empty body; there is nothing to record".into(),
            });
        }
        let warc_object = self.objects.put_reader(&mut taken.records.as_slice())?;
        let capture = Capture {
            source: stored.id,
            warc: warc_object.id,
            size: warc_object.size,
            url: taken.url.clone(),
            final_url: taken.final_url.clone(),
            status: taken.status,
            redirects: taken.redirects,
            retrieved: taken.retrieved.clone(),
        };
        // A new source takes the address and the retrieval time; a page
        // captured again with the same bytes keeps its first ones, and the
        // new capture is recorded beside them.
        if !self.index.has_source(&stored.id)? {
            if meta.url.is_none() {
                meta.url = Some(taken.final_url.clone());
            }
            if meta.retrieved.is_none() {
                meta.retrieved = crate::text::dates::parse_when(&taken.retrieved).ok();
            }
            if meta.media_type.is_none() {
                meta.media_type = taken
                    .content_type
                    .as_deref()
                    .and_then(|value| value.split(';').next())
                    .map(|essence| essence.trim().to_ascii_lowercase())
                    .filter(|essence| !essence.is_empty() && essence.len() <= 255);
            }
        }
        // A capture whose page has the bytes of the document's latest
        // revision is recorded as a capture, with no new revision.
        let how = Recording {
            name: None,
            declared,
            extra: vec![Change::Capture(capture.clone())],
            again: false,
        };
        let (created, id) = (stored.created, stored.id);
        let warc_created = warc_object.created.then_some(warc_object.id);
        let result = self.record_source(stored, meta, doc, how, actor);
        match result {
            Ok(outcome) => Ok((outcome, capture)),
            Err(error) => {
                if created {
                    self.discard_created(&id);
                }
                if let Some(warc) = warc_created {
                    self.objects.remove_created(&warc);
                }
                Err(error)
            }
        }
    }

    /// Imports the captures of a WARC file written by another tool
    /// (Webrecorder, ArchiveBox, wget, a Wayback export; plain, gzip, or
    /// the WARC files of a WACZ package, required when `wacz`): every response of status 2xx becomes a source with its original
    /// retrieval time and a capture whose WARC records are the file's own
    /// request and response records. The whole file is read and checked
    /// before anything is recorded.
    pub fn import_warc(
        &mut self,
        path: &Path,
        wacz: bool,
        actor: &str,
    ) -> Result<WarcImport, StoreError> {
        self.writable()?;
        let shown = path.display().to_string();
        let input = |why: String| StoreError::Input {
            path: shown.clone(),
            why,
        };
        let bytes = read_warc_file(path, wacz).map_err(&input)?;
        let records = warc::records(&bytes).map_err(|error| input(error.to_string()))?;
        let mut taken = Vec::new();
        let mut skipped = Vec::new();
        for (number, record) in records.iter().enumerate() {
            if record.field("WARC-Type") != Some("response") {
                continue;
            }
            let target = record
                .field("WARC-Target-URI")
                .unwrap_or_default()
                .trim_matches(['<', '>'])
                .to_string();
            let place = format!("record {} ({target})", number + 1);
            if warc::digest_holds(record.field("WARC-Block-Digest"), &record.block) == Some(false) {
                return Err(input(format!("{place}: its block does not match its WARC-Block-Digest; the file was altered or damaged")));
            }
            let Some((status, headers, payload)) = warc::http_response(&record.block) else {
                skipped.push(format!("{place}: not an HTTP response"));
                continue;
            };
            if warc::digest_holds(record.field("WARC-Payload-Digest"), payload) == Some(false) {
                return Err(input(format!("{place}: its payload does not match its WARC-Payload-Digest; the file was altered or damaged")));
            }
            if !(200..300).contains(&status) {
                skipped.push(format!("{place}: status {status}"));
                continue;
            }
            if !capture::is_url(&target) {
                skipped.push(format!("{place}: not an http or https address"));
                continue;
            }
            let Some(body) = warc::page_body(&headers, payload, 256 << 20) else {
                return Err(input(format!(
                    "{place}: its body does not decode (chunks or gzip), or is over 256 MB"
                )));
            };
            if body.is_empty() {
                skipped.push(format!("{place}: an empty body"));
                continue;
            }
            let date = record.field("WARC-Date").unwrap_or_default().to_string();
            if crate::text::dates::parse_when(&date).is_err() {
                return Err(input(format!(
                    "{place}: its WARC-Date {date:?} is not a time"
                )));
            }
            // The request that asked for it, when the file has one.
            let id = record.field("WARC-Record-ID").unwrap_or_default();
            let request = records.iter().find(|other| {
                other.field("WARC-Type") == Some("request")
                    && (other.field("WARC-Concurrent-To") == Some(id)
                        || (other.field("WARC-Target-URI") == record.field("WARC-Target-URI")
                            && other.span.end <= record.span.start))
            });
            let mut kept = Vec::new();
            for part in request.into_iter().chain(std::iter::once(record)) {
                kept.extend_from_slice(&bytes[part.span.clone()]);
                kept.extend_from_slice(b"\r\n\r\n");
            }
            let content_type = headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                .map(|(_, value)| value.clone());
            taken.push((
                Taken {
                    url: target.clone(),
                    final_url: target,
                    status,
                    content_type,
                    redirects: Vec::new(),
                    retrieved: date,
                    records: kept,
                },
                body,
            ));
        }
        if taken.is_empty() {
            return Err(input(
                "holds no HTTP response of status 2xx to import".into(),
            ));
        }
        let mut outcome = WarcImport {
            captures: Vec::new(),
            skipped,
        };
        for (page, body) in taken {
            let warc_id = crate::identity::source_id(&page.records);
            let known = self
                .index
                .captures_of(&crate::identity::source_id(&body))?
                .iter()
                .any(|record| record.capture.warc == warc_id);
            if known {
                outcome
                    .skipped
                    .push(format!("{}: imported already", page.url));
                continue;
            }
            let url = page.url.clone();
            match self.record_capture(page, &body, SourceMeta::default(), None, actor) {
                Ok(recorded) => outcome.captures.push(recorded),
                // A page whose text cannot be read (a page over 32 MB, a
                // PDF pdftotext refuses) is left out, its objects removed,
                // and the rest imported: said, not recorded.
                Err(StoreError::Input { why, .. }) => outcome.skipped.push(format!("{url}: {why}")),
                Err(other) => return Err(other),
            }
        }
        Ok(outcome)
    }

    /// Every capture's WARC records, in the order they were recorded, as one
    /// WARC file; returns how many captures.
    pub fn export_warc(&self, out: &std::path::Path) -> Result<u64, StoreError> {
        let mut captures = self.index.captures()?;
        captures.sort_by_key(|record| record.seq);
        let mut bytes = Vec::new();
        for record in &captures {
            let records = self.objects.read(&record.capture.warc)?;
            if crate::identity::source_id(&records) != record.capture.warc {
                return Err(StoreError::ObjectDamaged {
                    refusing: "refusing to export damaged WARC records",
                    path: self.objects.path_for(&record.capture.warc),
                });
            }
            bytes.extend_from_slice(&records);
        }
        crate::storage::files::replace(
            out,
            &crate::storage::files::partial_beside(out),
            |writer| std::io::Write::write_all(writer, &bytes),
        )
        .map_err(super::io_error("writing", out))?;
        Ok(captures.len() as u64)
    }
}
