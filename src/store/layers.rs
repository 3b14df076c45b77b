//! Text layers in the store: deriving one when a source is added, and the
//! text a quote in a source is anchored in (its layer, or its own bytes).

use std::ops::Range;

use crate::extract::{self as layer, Kind, Layer, LayerError};
use crate::model::{InLayer, LayerRecord, SourceId, TextLayer};
use crate::storage::index::Index;
use crate::storage::objects::{self, Objects};

use super::{source_text, Store, StoreError};

/// The text quotes in a source are anchored in.
#[derive(Debug, Clone)]
pub struct Quotable {
    /// The object whose bytes the text is: the layer's, or the source's.
    pub object: SourceId,
    /// The text.
    pub text: String,
    /// The layer, when the source has one.
    pub layer: Option<LayerRecord>,
}

/// What `add` says of a text layer it derived. Its fields are in name
/// order, the order of their keys in the JSON `add DIR` writes a file at a
/// time (`AddedFile`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerSummary {
    /// The extractor.
    pub extractor: String,
    /// The layer's object.
    pub id: SourceId,
    /// Its parameters.
    pub params: std::collections::BTreeMap<String, String>,
    /// Its size in bytes.
    pub size: u64,
    /// Its version.
    pub version: String,
}

impl From<&TextLayer> for LayerSummary {
    fn from(layer: &TextLayer) -> Self {
        LayerSummary {
            id: layer.layer,
            size: layer.size,
            extractor: layer.extractor.clone(),
            version: layer.version.clone(),
            params: layer.params.clone(),
        }
    }
}

/// A layer derived while adding, ready to record.
#[derive(Debug)]
pub(super) struct Derived {
    /// What the journal records of it.
    pub record: TextLayer,
    /// The layer itself.
    pub layer: Layer,
    /// The layer's object, when this command created it.
    pub created: Option<SourceId>,
}

impl Derived {
    /// The text a new revision's quotes are anchored in, before the layer
    /// is recorded.
    pub(super) fn quotable(&self, actor: &str, time: &str) -> Quotable {
        Quotable {
            object: self.record.layer,
            text: self.layer.text.clone(),
            layer: Some(LayerRecord {
                layer: self.record.clone(),
                seq: 0,
                recorded: time.to_string(),
                actor: actor.to_string(),
            }),
        }
    }
}

/// Returns the text quotes in `source` are anchored in.
pub(super) fn quotable_in(
    index: &Index,
    objects: &Objects,
    source: SourceId,
) -> Result<Quotable, StoreError> {
    match index.layer_of(&source)? {
        Some(record) => {
            let bytes = objects.read(&record.layer.layer)?;
            let text = String::from_utf8(bytes).map_err(|_| StoreError::ObjectDamaged {
                refusing: "refusing to quote a damaged text layer",
                path: objects.path_for(&record.layer.layer),
            })?;
            Ok(Quotable {
                object: record.layer.layer,
                text,
                layer: Some(record),
            })
        }
        None => {
            let bytes = objects.read(&source)?;
            source_text(source, &bytes)?;
            let text =
                String::from_utf8(bytes).expect("valid UTF-8 because source_text checked it");
            Ok(Quotable {
                object: source,
                text,
                layer: None,
            })
        }
    }
}

/// Derives a layer again from its source's bytes, as it was recorded, and
/// checks that it is the layer recorded.
pub(super) fn rederive_in(objects: &Objects, record: &TextLayer) -> Result<Layer, StoreError> {
    let bytes = objects.read(&record.source)?;
    let layer = layer::rederive(&bytes, &record.extractor, &record.version, &record.params)
        .map_err(|error| StoreError::NotText {
            source_id: record.source,
            why: error.to_string(),
        })?;
    if crate::identity::source_id(layer.text.as_bytes()) != record.layer {
        return Err(StoreError::Damaged {
            what: format!(
                "the text layer {} of source {} is not what {} {} derives from the source's bytes now; run `provdb verify`",
                record.layer.short(),
                record.source.short(),
                record.extractor,
                record.version
            ),
        });
    }
    Ok(layer)
}

/// Where a quote at `range` of a source's text is: in its layer, with the
/// original bytes it was read from (`derived` is the layer derived again);
/// None for a source quoted as it is.
pub(super) fn in_layer(
    quotable: &Quotable,
    derived: Option<&Layer>,
    range: Range<u64>,
) -> Option<InLayer> {
    let record = quotable.layer.as_ref()?;
    Some(InLayer {
        object: record.layer.layer,
        original: derived
            .and_then(|derived| derived.original_ranges(range.clone()))
            .unwrap_or_default()
            .into_iter()
            .map(|range| [range.start, range.end])
            .collect(),
        pages: derived
            .map(|derived| derived.pages(range.clone()))
            .unwrap_or_default(),
        boxes: derived
            .map(|derived| derived.boxes(range))
            .unwrap_or_default(),
    })
}

impl Store {
    /// Returns the text layers derived from a source, oldest first.
    pub fn layers_of(&self, source: &SourceId) -> Result<Vec<LayerRecord>, StoreError> {
        Ok(self.index.layers_of(source)?)
    }

    /// Returns the text quotes in `source` are anchored in.
    pub fn quotable(&self, source: SourceId) -> Result<Quotable, StoreError> {
        quotable_in(&self.index, &self.objects, source)
    }

    /// Derives a source's layer again (None for a source quoted as it is,
    /// and for a layer this provdb's extractors do not make, such as one read
    /// by another poppler: its recorded text stays what is quoted, with no
    /// original ranges or pages).
    pub(super) fn rederive(&self, quotable: &Quotable) -> Result<Option<Layer>, StoreError> {
        let Some(record) = &quotable.layer else {
            return Ok(None);
        };
        if crate::extract::current_version(&record.layer.extractor).as_deref()
            != Some(record.layer.version.as_str())
        {
            return Ok(None);
        }
        rederive_in(&self.objects, &record.layer).map(Some)
    }
}

/// Derives the text layer of a source being added, when an extractor
/// applies and the source has none yet, and stores its object. Returns
/// None for UTF-8 plain text (`plain`: known so as it was stored) and
/// for a source with a layer already. It reads the store's objects and
/// index only (given as a pair), so a bulk add derives layers while its
/// journal is written.
pub(super) fn derive_layer(
    (objects, index): (&Objects, &Index),
    source: SourceId,
    size: u64,
    media_type: Option<&str>,
    name: Option<&str>,
    plain: bool,
    declared: Option<&'static encoding_rs::Encoding>,
) -> Result<Option<Derived>, StoreError> {
    if index.layer_of(&source)?.is_some() {
        return Ok(None);
    }
    let mut head = Vec::with_capacity(1024);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(objects.open(&source)?, 1024),
        &mut head,
    )
    .map_err(|error| StoreError::Damaged {
        what: format!("source {} cannot be read: {error}", source.short()),
    })?;
    let kind = layer::kind(&head, media_type, name);
    // UTF-8 text (checked as it was stored) with no byte order mark
    // needs no layer, and is not read again.
    if kind == Kind::Text
        && plain
        && declared.is_none()
        && encoding_rs::Encoding::for_bom(&head).is_none()
    {
        return Ok(None);
    }
    if kind == Kind::Text && size > 256 << 20 {
        // Large plain text is checked as it is stored; it is not re-read.
        return Ok(None);
    }
    if kind == Kind::Html && size > layer::MAX_HTML {
        return Err(StoreError::Input {
            path: name.unwrap_or("standard input").to_string(),
            why: format!(
                "{}; add it with --media-type text/plain to keep it as plain text",
                LayerError::TooLarge { size }
            ),
        });
    }
    let keep_hint =
        "; to keep the file without quoting it, add it with --media-type application/octet-stream";
    if kind == Kind::Pdf && size > layer::MAX_PDF {
        return Err(StoreError::Input {
            path: name.unwrap_or("standard input").to_string(),
            why: format!(
                "is a PDF of {size} bytes, over the {} MB provdb reads{keep_hint}",
                layer::MAX_PDF >> 20
            ),
        });
    }
    let bytes = objects.read(&source)?;
    let derived = match layer::derive(&bytes, kind, declared) {
        Ok(Some(derived)) => derived,
        Ok(None) => return Ok(None),
        Err(LayerError::NotText(_)) => return Ok(None),
        // A PDF provdb cannot read is refused, with how to keep it anyway.
        Err(LayerError::Pdf(error)) => {
            return Err(StoreError::Input {
                path: name.unwrap_or("standard input").to_string(),
                why: format!("{error}{keep_hint}"),
            })
        }
        Err(error) => {
            return Err(StoreError::NotText {
                source_id: source,
                why: error.to_string(),
            })
        }
    };
    let stored: objects::Stored = objects.put_reader(&mut derived.text.as_bytes())?;
    Ok(Some(Derived {
        record: TextLayer {
            source,
            layer: stored.id,
            size: stored.size,
            extractor: derived.extractor.to_string(),
            version: derived.version.to_string(),
            params: derived.params.clone(),
        },
        layer: derived,
        created: stored.created.then_some(stored.id),
    }))
}
