//! W3C Web Annotations: every citation as an annotation on its source, in one AnnotationCollection
//! (schema/exports.md).

use super::Records;
use serde_json::json;

/// Every citation as a Web Annotation, in one collection with one page.
pub fn collection(records: &Records) -> serde_json::Value {
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
                record.citation.layer.as_ref().and_then(|layer| {
                    Some((layer.original.first()?[0], layer.original.last()?[1]))
                }),
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
