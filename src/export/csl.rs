//! CSL-JSON: each source as an item for citation managers (schema/exports.md).

use serde_json::json;

/// A CSL date from a stated time: its year, month and day as far as stated.
pub(crate) fn csl_date(when: &crate::model::When) -> serde_json::Value {
    let mut parts = vec![json!(when.year())];
    if let Some(month) = when.month() {
        parts.push(json!(u8::from(month)));
    }
    if let Some(date) = when.date() {
        parts.push(json!(date.day()));
    }
    json!({"date-parts": [parts]})
}

/// A source as a CSL-JSON item.
pub fn item(record: &crate::model::SourceRecord) -> serde_json::Value {
    let meta = &record.meta;
    let kind = match (&meta.publisher, &meta.url, meta.media_type.as_deref()) {
        (_, _, Some("text/html")) => "webpage",
        (Some(_), _, _) => "article-newspaper",
        (None, Some(_), _) => "webpage",
        _ => "document",
    };
    let mut item = json!({
        "id": record.id.to_hex(),
        "type": kind,
        "note": format!("BLAKE3 {}", record.id.to_hex()),
    });
    if let Some(title) = &meta.title {
        item["title"] = json!(title);
    }
    if let Some(url) = &meta.url {
        item["URL"] = json!(url);
    }
    if let Some(publisher) = &meta.publisher {
        item["publisher"] = json!(publisher);
        if kind == "article-newspaper" {
            item["container-title"] = json!(publisher);
        }
    }
    if let Some(language) = &meta.language {
        item["language"] = json!(language);
    }
    if !meta.authors.is_empty() {
        item["author"] = json!(meta
            .authors
            .iter()
            .map(|name| json!({"literal": name}))
            .collect::<Vec<_>>());
    }
    if let Some(published) = &meta.published {
        item["issued"] = csl_date(published);
    }
    if let Some(retrieved) = &meta.retrieved {
        item["accessed"] = csl_date(retrieved);
    }
    item
}
