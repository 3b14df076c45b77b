//! `add URL`: a page captured from the web, recorded as a source with its
//! text layer and a `capture` entry that keeps the exchange as WARC records.

use crate::capture::{self, warc, FetchOptions};
use crate::model::{Capture, Change, Redirect, SourceMeta};

use super::add::{AddOutcome, Recording};
use super::{check_meta, check_slug, Store, StoreError};

impl Store {
    /// Fetches `url` and records the page as a source (with `doc`, a new
    /// revision), its text layer, and the capture.
    pub fn add_url(
        &mut self,
        url: &str,
        mut meta: SourceMeta,
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
        let content_type = last.header("content-type").map(str::to_string);
        let declared = content_type
            .as_deref()
            .and_then(capture::charset)
            .and_then(|label| crate::text::encoding::for_label(&label));
        let records = warc::capture_records(&fetched);
        let stored = self.objects.put_reader(&mut fetched.body.as_slice())?;
        if stored.size == 0 {
            if stored.created {
                self.discard_created(&stored.id);
            }
            return Err(StoreError::Input {
                path: url.to_string(),
                why: "answered with an empty body; there is nothing to record".into(),
            });
        }
        let warc_object = self.objects.put_reader(&mut records.as_slice())?;
        let capture = Capture {
            source: stored.id,
            warc: warc_object.id,
            size: warc_object.size,
            url: url.to_string(),
            final_url: last.url.clone(),
            status: last.status,
            redirects: fetched.exchanges[..fetched.exchanges.len() - 1]
                .iter()
                .map(|exchange| Redirect {
                    url: exchange.url.clone(),
                    status: exchange.status,
                })
                .collect(),
            retrieved: fetched.retrieved.clone(),
        };
        // A new source takes the address and the retrieval time; a page
        // captured again with the same bytes keeps its first ones, and the
        // new capture is recorded beside them.
        if self.index.source(&stored.id)?.is_none() {
            if meta.url.is_none() {
                meta.url = Some(last.url.clone());
            }
            if meta.retrieved.is_none() {
                meta.retrieved = crate::text::dates::parse_when(&fetched.retrieved).ok();
            }
            if meta.media_type.is_none() {
                meta.media_type = content_type
                    .as_deref()
                    .and_then(|value| value.split(';').next())
                    .map(|essence| essence.trim().to_ascii_lowercase())
                    .filter(|essence| !essence.is_empty() && essence.len() <= 255);
            }
        }
        let how = Recording {
            name: None,
            declared,
            extra: vec![Change::Capture(capture.clone())],
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
