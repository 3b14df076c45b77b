//! W3C Web Annotations: every citation as an annotation on its source, in one AnnotationCollection
//! (schema/exports.md).

use std::collections::HashMap;

use super::Records;
use crate::model::{CitationId, SourceId};
use serde_json::json;

/// For every citation of a web page: the XPath of the smallest element of
/// the page that holds its quote, where the page's tree gives one
/// (`text::xpath`). Citations are taken page by page, so each quoted page
/// is read and parsed once and its tree dropped before the next.
pub fn xpath_hints(
    store: &crate::store::Store,
    records: &Records,
) -> Result<HashMap<CitationId, String>, crate::store::StoreError> {
    let layers: HashMap<SourceId, &crate::model::LayerRecord> = records
        .layers
        .iter()
        .map(|record| (record.layer.layer, record))
        .collect();
    // Per page: its encoding, and each citation's first and last original
    // byte and quote.
    type Quotes<'a> = (&'a str, Vec<(CitationId, usize, usize, &'a str)>);
    let mut pages: std::collections::BTreeMap<SourceId, Quotes<'_>> = Default::default();
    for trace in &records.traces {
        for item in &trace.citations {
            let citation = &item.record.citation;
            let Some(layer) = &citation.layer else {
                continue;
            };
            let (Some(first), Some(last)) = (layer.original.first(), layer.original.last()) else {
                continue;
            };
            let Some(record) = layers.get(&layer.object) else {
                continue;
            };
            let Some(encoding) = record.layer.params.get("encoding") else {
                continue;
            };
            if record.layer.extractor != crate::text::html::NAME {
                continue;
            }
            pages
                .entry(citation.source)
                .or_insert_with(|| (encoding.as_str(), Vec::new()))
                .1
                .push((
                    item.record.id,
                    first[0] as usize,
                    last[1] as usize,
                    citation.selector.exact.as_str(),
                ));
        }
    }
    let mut hints = HashMap::new();
    for (source, (label, quotes)) in pages {
        let Some(encoding) = encoding_rs::Encoding::for_label(label.as_bytes()) else {
            continue;
        };
        let tree = crate::text::xpath::PageTree::new(store.source_bytes(&source)?, encoding);
        for (citation, start, end, exact) in quotes {
            if let Some(hint) = tree.xpath(start, end, exact) {
                hints.insert(citation, hint);
            }
        }
    }
    Ok(hints)
}

/// Every citation as a Web Annotation, in one collection with one page;
/// `hints` are the XPath hints of citations of web pages.
pub fn collection(records: &Records, hints: &HashMap<CitationId, String>) -> serde_json::Value {
    let mut items = Vec::new();
    for trace in &records.traces {
        let claim = &trace.claim.claim;
        for item in &trace.citations {
            let record = &item.record;
            let range = records
                .char_ranges
                .get(&record.id)
                .copied()
                .unwrap_or((0, 0));
            let mut annotation = crate::interchange::annotation::citation_annotation(
                &record.id.to_hex(),
                &claim.id.to_hex(),
                &claim.line(),
                &record.citation.source.to_hex(),
                &record.citation.selector,
                range,
                record.citation.layer.as_ref(),
                hints.get(&record.id).map(String::as_str),
                &record.recorded,
                &record.actor,
                record.citation.stance.name(),
            );
            // Embedded in a page, annotations take the collection's context.
            if let Some(object) = annotation.as_object_mut() {
                object.remove("@context");
            }
            items.push(annotation);
        }
    }
    let id = format!("urn:provdb:store:{}:citations", records.store_id);
    json!({
        "@context": crate::interchange::annotation::CONTEXT,
        "id": id,
        "type": "AnnotationCollection",
        "label": "provdb citations",
        "total": items.len(),
        "first": {
            "id": format!("{id}:page1"),
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    })
}
