//! W3C Web Annotations: turning citations into annotations, and checking
//! annotation documents against the rules of the Web Annotation Data Model
//! (an annotation, an annotation page or an annotation collection).
//!
//! The checker is provdb's own; the tests run it on the W3C test suite's
//! correct and incorrect samples, and `.ci/run` also validates provdb's
//! export against the suite's JSON Schemas with an independent validator.

use serde_json::{json, Value as Json};

/// The Web Annotation JSON-LD context.
pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";

type Check = Result<(), String>;

fn fail(why: impl Into<String>) -> Check {
    Err(why.into())
}

/// True for an absolute IRI: a scheme, a colon, and no whitespace.
pub fn is_iri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|ch| ch.is_ascii_alphanumeric() || "+-.".contains(ch))
        && !rest.is_empty()
        && !text.chars().any(char::is_whitespace)
}

fn types(value: &Json) -> Vec<&str> {
    match &value["type"] {
        Json::String(kind) => vec![kind.as_str()],
        Json::Array(items) => items.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

fn single_iri(value: &Json, key: &str) -> Check {
    match value.get(key) {
        None => Ok(()),
        Some(Json::String(text)) if is_iri(text) => Ok(()),
        Some(Json::String(text)) => fail(format!("{key} {text:?} is not an IRI")),
        Some(_) => fail(format!("{key} must be one IRI")),
    }
}

fn iris(value: &Json, key: &str) -> Check {
    match value.get(key) {
        None => Ok(()),
        Some(Json::Array(items)) if !items.is_empty() => {
            for item in items {
                match item.as_str() {
                    Some(text) if is_iri(text) => {}
                    _ => return fail(format!("every {key} must be an IRI")),
                }
            }
            Ok(())
        }
        Some(_) => single_iri(value, key),
    }
}

fn strings(value: &Json, key: &str) -> Check {
    match value.get(key) {
        None | Some(Json::String(_)) => Ok(()),
        Some(Json::Array(items)) if items.iter().all(Json::is_string) => Ok(()),
        Some(_) => fail(format!("{key} must be a string or strings")),
    }
}

fn single_string(value: &Json, key: &str) -> Check {
    match value.get(key) {
        None | Some(Json::String(_)) => Ok(()),
        Some(_) => fail(format!("{key} must be one string")),
    }
}

fn date_time(value: &Json, key: &str) -> Check {
    match value.get(key) {
        None => Ok(()),
        Some(Json::String(text))
            if time::OffsetDateTime::parse(
                text,
                &time::format_description::well_known::Rfc3339,
            )
            .is_ok() =>
        {
            Ok(())
        }
        Some(_) => fail(format!("{key} must be one xsd:dateTime with a zone")),
    }
}

fn agents(value: &Json, key: &str) -> Check {
    let agent = |item: &Json| match item {
        Json::String(text) if is_iri(text) => Ok(()),
        Json::Object(_) => single_iri(item, "id"),
        _ => fail(format!("{key} must be an IRI or an agent object")),
    };
    match value.get(key) {
        None => Ok(()),
        Some(Json::Array(items)) => items.iter().try_for_each(agent),
        Some(item) => agent(item),
    }
}

/// Properties any resource, annotation or agent may carry.
fn common(value: &Json) -> Check {
    agents(value, "creator")?;
    agents(value, "generator")?;
    for key in ["created", "modified", "generated"] {
        date_time(value, key)?;
    }
    iris(value, "rights")?;
    iris(value, "via")?;
    single_iri(value, "canonical")
}

fn selector(value: &Json) -> Check {
    let object = match value {
        Json::String(text) if is_iri(text) => return Ok(()),
        Json::Object(_) => value,
        _ => return fail("a selector must be an IRI or an object with a type"),
    };
    let kinds = types(object);
    let Some(kind) = kinds.first() else {
        return fail("a selector object needs a type");
    };
    match *kind {
        "FragmentSelector" | "CssSelector" | "XPathSelector" => match object.get("value") {
            Some(Json::String(_)) => {}
            _ => return fail(format!("a {kind} needs one value")),
        },
        "TextQuoteSelector" => {
            match object.get("exact") {
                Some(Json::String(_)) => {}
                _ => return fail("a TextQuoteSelector needs one exact"),
            }
            single_string(object, "prefix")?;
            single_string(object, "suffix")?;
        }
        "TextPositionSelector" | "DataPositionSelector" => {
            for key in ["start", "end"] {
                if !object.get(key).is_some_and(Json::is_u64) {
                    return fail(format!("a {kind} needs a non-negative integer {key}"));
                }
            }
        }
        "RangeSelector" => {
            for key in ["startSelector", "endSelector"] {
                selector(object.get(key).unwrap_or(&Json::Null))?;
            }
        }
        _ => {}
    }
    if let Some(refined) = object.get("refinedBy") {
        selector(refined)?;
    }
    Ok(())
}

const COMPOSITES: [&str; 4] = ["Choice", "List", "Composite", "Independents"];

fn resource(value: &Json, key: &str) -> Check {
    match value {
        Json::String(text) if is_iri(text) => return Ok(()),
        Json::String(text) => return fail(format!("{key} {text:?} is not an IRI")),
        Json::Object(_) => {}
        _ => return fail(format!("{key} must be an IRI or an object")),
    }
    single_iri(value, "id")?;
    let kinds = types(value);
    let composites = kinds
        .iter()
        .filter(|kind| COMPOSITES.contains(kind))
        .count();
    if composites > 1 {
        return fail(format!(
            "{key} has more than one of Choice, List, Composite, Independents"
        ));
    }
    match (composites, value.get("items")) {
        (1, Some(Json::Array(items))) if !items.is_empty() => {
            for item in items {
                resource(item, key)?;
            }
        }
        (1, _) => return fail(format!("a {} {key} needs items", kinds.join(", "))),
        (0, Some(_)) => {
            return fail(format!(
                "{key} has items but no Choice, List, Composite or Independents type"
            ))
        }
        _ => {}
    }
    if kinds.contains(&"TextualBody") && !value.get("value").is_some_and(Json::is_string) {
        return fail(format!("a TextualBody {key} needs one string value"));
    }
    if kinds.contains(&"SpecificResource") && value.get("source").is_none() {
        return fail(format!("a SpecificResource {key} needs a source"));
    }
    if let Some(source) = value.get("source") {
        resource(source, "source")?;
    }
    match value.get("selector") {
        None => {}
        Some(Json::Array(items)) if !items.is_empty() => items.iter().try_for_each(selector)?,
        Some(item) => selector(item)?,
    }
    strings(value, "format")?;
    strings(value, "language")?;
    single_string(value, "processingLanguage")?;
    match value.get("textDirection") {
        None => {}
        Some(Json::String(direction)) if ["ltr", "rtl", "auto"].contains(&direction.as_str()) => {}
        Some(_) => return fail(format!("{key} textDirection must be one of ltr, rtl, auto")),
    }
    common(value)
}

fn resources(value: &Json, key: &str) -> Check {
    match value {
        Json::Array(items) if !items.is_empty() => {
            items.iter().try_for_each(|item| resource(item, key))
        }
        Json::Array(_) => fail(format!("{key} is an empty list")),
        item => resource(item, key),
    }
}

fn context(value: &Json) -> Check {
    match value.get("@context") {
        Some(Json::String(text)) if text == CONTEXT => Ok(()),
        Some(Json::Array(items)) if items.iter().any(|item| item == CONTEXT) => Ok(()),
        Some(_) => fail(format!("@context does not name {CONTEXT}")),
        None => fail("@context is missing"),
    }
}

/// Checks one annotation (with `top`, also its @context).
pub fn check_annotation(value: &Json, top: bool) -> Check {
    if !value.is_object() {
        return fail("an annotation must be an object");
    }
    if top {
        context(value)?;
    }
    match value.get("id") {
        Some(Json::String(_)) => single_iri(value, "id")?,
        Some(_) => return fail("id must be one IRI"),
        None => return fail("id is missing"),
    }
    if !types(value).contains(&"Annotation") {
        return fail("type must include Annotation");
    }
    match value.get("target") {
        Some(target) => resources(target, "target")?,
        None => return fail("target is missing"),
    }
    if let Some(body) = value.get("body") {
        if value.get("bodyValue").is_some() {
            return fail("body and bodyValue cannot both be given");
        }
        resources(body, "body")?;
    }
    single_string(value, "bodyValue")?;
    strings(value, "motivation")?;
    common(value)
}

fn check_page(value: &Json, top: bool) -> Check {
    if top {
        context(value)?;
    }
    single_iri(value, "id")?;
    if !types(value).contains(&"AnnotationPage") {
        return fail("a page's type must include AnnotationPage");
    }
    match value.get("items") {
        Some(Json::Array(items)) => items
            .iter()
            .try_for_each(|item| check_annotation(item, false))?,
        _ => return fail("a page needs items"),
    }
    if value.get("startIndex").is_some_and(|index| !index.is_u64()) {
        return fail("startIndex must be a non-negative integer");
    }
    for key in ["next", "prev"] {
        single_iri(value, key)?;
    }
    Ok(())
}

/// Checks a document: an annotation, an annotation page or a collection.
pub fn check_document(value: &Json) -> Check {
    if !value.is_object() {
        return fail("the document must be a JSON object");
    }
    context(value)?;
    let kinds = types(value);
    if kinds.contains(&"Annotation") {
        return check_annotation(value, true);
    }
    if kinds.contains(&"AnnotationPage") {
        return check_page(value, true);
    }
    if !kinds.contains(&"AnnotationCollection") {
        return fail("type must be Annotation, AnnotationPage or AnnotationCollection");
    }
    single_iri(value, "id")?;
    if value.get("total").is_some_and(|total| !total.is_u64()) {
        return fail("total must be a non-negative integer");
    }
    for key in ["first", "last"] {
        match value.get(key) {
            None => {}
            Some(Json::String(text)) if is_iri(text) => {}
            Some(page @ Json::Object(_)) => check_page(page, false)?,
            Some(_) => return fail(format!("{key} must be an IRI or a page")),
        }
    }
    common(value)
}

/// One citation as an annotation: its claim as the body, and the source
/// (by its BLAKE3 URN) with a TextQuoteSelector and a TextPositionSelector
/// (in characters, as the model counts) as the target.
#[allow(clippy::too_many_arguments)]
pub fn citation_annotation(
    citation: &str,
    claim: &str,
    claim_text: &str,
    source: &str,
    selector: &crate::model::Selector,
    char_range: (u64, u64),
    layer: Option<&crate::model::InLayer>,
    xpath: Option<&str>,
    recorded: &str,
    actor: &str,
    stance: &str,
) -> Json {
    let mut selectors = vec![
        json!({
            "type": "TextQuoteSelector",
            "exact": selector.exact,
            "prefix": selector.prefix,
            "suffix": selector.suffix,
        }),
        json!({"type": "TextPositionSelector", "start": char_range.0, "end": char_range.1}),
    ];
    // A quote read from a page's text layer: where its words are in the
    // page's own bytes (from the first to one past the last), as a
    // DataPositionSelector counts them; and the element holding them, as an
    // XPathSelector refined by the quote.
    if let Some((first, last)) =
        layer.and_then(|layer| Some((layer.original.first()?, layer.original.last()?)))
    {
        selectors.push(json!({"type": "DataPositionSelector", "start": first[0], "end": last[1]}));
    }
    if let Some(xpath) = xpath {
        selectors.push(json!({
            "type": "XPathSelector",
            "value": xpath,
            "refinedBy": {
                "type": "TextQuoteSelector",
                "exact": selector.exact,
                "prefix": selector.prefix,
                "suffix": selector.suffix,
            },
        }));
    }
    // A quote in a PDF: the page it starts on, as RFC 3778's fragment
    // identifiers for application/pdf name pages (from 1), and with word
    // boxes, the rectangle holding its words on that page (`viewrect`:
    // left, top, width, height in points from the top left corner).
    if let Some((page, layer)) = layer.and_then(|layer| Some((layer.pages.first()?, layer))) {
        let on_page: Vec<&[u32; 5]> = layer
            .boxes
            .iter()
            .filter(|found| found[0] == *page)
            .collect();
        let mut value = format!("page={page}");
        if !on_page.is_empty() {
            let left = on_page.iter().map(|found| found[1]).min().unwrap_or(0);
            let top = on_page.iter().map(|found| found[2]).min().unwrap_or(0);
            let right = on_page.iter().map(|found| found[3]).max().unwrap_or(0);
            let bottom = on_page.iter().map(|found| found[4]).max().unwrap_or(0);
            let points = |hundredths: u32| format!("{}.{:02}", hundredths / 100, hundredths % 100);
            value.push_str(&format!(
                "&viewrect={},{},{},{}",
                points(left),
                points(top),
                points(right.saturating_sub(left)),
                points(bottom.saturating_sub(top))
            ));
        }
        selectors.push(json!({
            "type": "FragmentSelector",
            "conformsTo": "http://tools.ietf.org/rfc/rfc3778",
            "value": value,
        }));
    }
    json!({
        "@context": CONTEXT,
        "id": format!("urn:provdb:citation:{citation}"),
        "type": "Annotation",
        "motivation": if stance == "supports" { "describing" } else { "assessing" },
        "created": recorded,
        "creator": {"type": "Person", "name": actor},
        "body": {
            "type": "TextualBody",
            "value": claim_text,
            "format": "text/plain",
            "id": format!("urn:provdb:claim:{claim}"),
        },
        "target": {
            "type": "SpecificResource",
            "source": format!("urn:blake3:{source}"),
            "selector": selectors,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iris_and_not_iris() {
        assert!(is_iri("http://example.org/a"));
        assert!(is_iri("urn:blake3:ab"));
        assert!(!is_iri("this is not a uri"));
        assert!(!is_iri("fish"));
        assert!(!is_iri("1http:x"));
    }
}
