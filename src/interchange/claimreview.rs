//! schema.org ClaimReview: reading fact-checkers' markup into reviews, and
//! writing reviews and claims back out as ClaimReview and Claim nodes.
//!
//! Reading takes the markup as publishers write it, not as the vocabulary
//! says it should be: a single object, an array, an `@graph`, a DataFeed
//! item, `@type` as a string or a list, numbers as numbers or as text, dates
//! in any of the shapes publishers use, and the Fact Check Tools API's own
//! shape (`claimReview` items under a claim's `text`). Every field is kept as
//! stated; what a review leaves out is listed in its `missing` findings and
//! never filled in. Nothing here touches a store.

use serde_json::{json, Map, Value};

use crate::model::{Agent, Rating, Review, StatedDate};

/// The largest markup file read, in bytes.
pub const MAX_MARKUP: u64 = 16 * 1024 * 1024;

/// The most reviews one import records: with the markup's size limit, this
/// keeps an import's memory bounded (each review is held as a record and as
/// its journal entry until the one append).
pub const MAX_REVIEWS: usize = 20_000;

/// Why markup could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkupError {
    /// The bytes are not JSON.
    #[error("is not JSON ({0}); give the JSON-LD of the fact-check page or a Fact Check Tools API response")]
    NotJson(String),
    /// No review was found in it.
    #[error("holds no ClaimReview object (no \"@type\": \"ClaimReview\" and no Fact Check Tools \"claimReview\" list); give ClaimReview JSON-LD")]
    NoReview,
}

/// A review read from markup, with where in the markup it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The JSON Pointer (RFC 6901) of the review object.
    pub pointer: String,
    /// The review, without its `markup` link, which the store fills in.
    pub review: Review,
}

/// Reads every ClaimReview in a markup file, in document order.
pub fn read_markup(bytes: &[u8]) -> Result<Vec<Found>, MarkupError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|error| MarkupError::NotJson(error.to_string()))?;
    let mut found = Vec::new();
    walk(&value, String::new(), &mut found);
    if found.is_empty() {
        return Err(MarkupError::NoReview);
    }
    Ok(found)
}

/// Escapes one JSON Pointer reference token (RFC 6901 §3).
fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn has_type(object: &Map<String, Value>, wanted: &str) -> bool {
    match object.get("@type") {
        Some(Value::String(kind)) => type_is(kind, wanted),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .any(|kind| kind.as_str().is_some_and(|kind| type_is(kind, wanted))),
        _ => false,
    }
}

/// True when a stated type names `wanted`: bare, or as a schema.org IRI.
fn type_is(kind: &str, wanted: &str) -> bool {
    let bare = kind
        .strip_prefix("http://schema.org/")
        .or_else(|| kind.strip_prefix("https://schema.org/"))
        .or_else(|| kind.strip_prefix("schema:"))
        .unwrap_or(kind);
    bare == wanted
}

fn walk(value: &Value, pointer: String, found: &mut Vec<Found>) {
    match value {
        Value::Array(items) => {
            for (position, item) in items.iter().enumerate() {
                walk(item, format!("{pointer}/{position}"), found);
            }
        }
        Value::Object(object) => {
            if has_type(object, "ClaimReview") {
                found.push(Found {
                    review: read_review(object),
                    pointer,
                });
                return;
            }
            if let Some(Value::Array(items)) = object.get("claimReview") {
                if object.contains_key("text") || object.contains_key("claimant") {
                    for (position, item) in items.iter().enumerate() {
                        if let Value::Object(item) = item {
                            found.push(Found {
                                review: read_api_review(object, item),
                                pointer: format!("{pointer}/claimReview/{position}"),
                            });
                        }
                    }
                    return;
                }
            }
            for (key, item) in object {
                walk(item, format!("{pointer}/{}", pointer_token(key)), found);
            }
        }
        _ => {}
    }
}

/// A stated number or text as text; `None` for absent, null or empty.
fn scalar(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if text.trim().is_empty() => None,
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Notes a field that is present but empty, as distinct from absent.
fn note_empty(object: &Map<String, Value>, key: &str, path: &str, missing: &mut Vec<String>) {
    match object.get(key) {
        None => {}
        Some(Value::String(text)) if text.trim().is_empty() => {
            missing.push(format!("{path} is empty"));
        }
        Some(Value::Null) => missing.push(format!("{path} is null")),
        _ => {}
    }
}

fn agent(value: &Value) -> Option<Agent> {
    match value {
        Value::String(name) if !name.trim().is_empty() => Some(Agent {
            kind: None,
            name: Some(name.clone()),
            url: None,
        }),
        Value::Object(object) => {
            let kind = match object.get("@type") {
                Some(Value::String(kind)) => Some(kind.clone()),
                Some(Value::Array(kinds)) => kinds.first().and_then(Value::as_str).map(Into::into),
                _ => None,
            };
            let found = Agent {
                kind,
                name: scalar(object.get("name")),
                url: scalar(object.get("url")),
            };
            (found.name.is_some() || found.url.is_some()).then_some(found)
        }
        _ => None,
    }
}

fn agents(value: Option<&Value>) -> Vec<Agent> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(agent).collect(),
        Some(value) => agent(value).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Reads a date as stated; notes one provdb cannot read.
fn stated_date(value: Option<&Value>, path: &str, missing: &mut Vec<String>) -> Option<StatedDate> {
    let stated = scalar(value)?;
    let when = crate::text::dates::parse_when(&stated).ok();
    if when.is_none() {
        missing.push(format!(
            "{path} {stated:?} is not a date provdb reads; kept as stated"
        ));
    }
    Some(StatedDate { stated, when })
}

/// The addresses of one or many CreativeWorks, or of plain URL strings.
fn urls(value: Option<&Value>) -> Vec<String> {
    let one = |value: &Value| match value {
        Value::String(url) if !url.trim().is_empty() => Some(url.clone()),
        Value::Object(object) => scalar(object.get("url")).or_else(|| scalar(object.get("@id"))),
        _ => None,
    };
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(value) => one(value).into_iter().collect(),
        None => Vec::new(),
    }
}

fn texts(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(text)) if !text.trim().is_empty() => vec![text.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .filter(|text| !text.trim().is_empty())
            .map(Into::into)
            .collect(),
        _ => Vec::new(),
    }
}

fn read_review(object: &Map<String, Value>) -> Review {
    let mut missing = Vec::new();
    let claim_reviewed = texts(object.get("claimReviewed"));
    if claim_reviewed.is_empty() {
        missing.push("no claimReviewed".to_string());
    }
    let rating = match object.get("reviewRating") {
        Some(Value::Object(rating)) => {
            for (key, path) in [
                ("ratingValue", "reviewRating.ratingValue"),
                ("bestRating", "reviewRating.bestRating"),
                ("worstRating", "reviewRating.worstRating"),
                ("alternateName", "reviewRating.alternateName"),
            ] {
                note_empty(rating, key, path, &mut missing);
            }
            let found = Rating {
                label: scalar(rating.get("alternateName")).or_else(|| scalar(rating.get("name"))),
                value: scalar(rating.get("ratingValue")),
                best: scalar(rating.get("bestRating")),
                worst: scalar(rating.get("worstRating")),
            };
            if found.label.is_none() {
                missing.push("no reviewRating.alternateName (the verdict in words)".into());
            }
            if found.value.is_none() && !rating.contains_key("ratingValue") {
                missing.push("no reviewRating.ratingValue".into());
            }
            found
        }
        _ => {
            missing.push("no reviewRating".into());
            Rating::default()
        }
    };
    let authors = agents(object.get("author"));
    if authors.is_empty() {
        missing.push("no author".into());
    }
    let date = stated_date(object.get("datePublished"), "datePublished", &mut missing);
    if date.is_none() {
        missing.push("no datePublished".into());
    }
    let url = scalar(object.get("url"));
    match &url {
        None => missing.push("no url".into()),
        Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => {
            missing.push(format!(
                "url {url:?} is not an absolute address; kept as stated"
            ));
        }
        Some(_) => {}
    }
    let mut claimants = Vec::new();
    let mut claim_date = None;
    let mut appearances = Vec::new();
    let mut first_appearance = None;
    if let Some(Value::Object(item)) = object.get("itemReviewed") {
        claimants = agents(item.get("author"));
        claim_date = stated_date(
            item.get("datePublished"),
            "itemReviewed.datePublished",
            &mut missing,
        );
        appearances = urls(item.get("url"));
        for url in urls(item.get("appearance")) {
            if !appearances.contains(&url) {
                appearances.push(url);
            }
        }
        first_appearance = urls(item.get("firstAppearance")).into_iter().next();
    }
    Review {
        claim: None,
        claim_reviewed,
        rating,
        authors,
        date,
        url,
        title: scalar(object.get("headline")).or_else(|| scalar(object.get("name"))),
        language: scalar(object.get("inLanguage")),
        claimants,
        claim_date,
        appearances,
        first_appearance,
        markup: None,
        missing,
    }
}

/// A review in the Fact Check Tools API's shape: the claim's `text`,
/// `claimant` and `claimDate`, and one `claimReview` item.
fn read_api_review(claim: &Map<String, Value>, item: &Map<String, Value>) -> Review {
    let mut missing = Vec::new();
    let claim_reviewed = texts(claim.get("text"));
    if claim_reviewed.is_empty() {
        missing.push("no text (the claim reviewed)".into());
    }
    let label = scalar(item.get("textualRating"));
    if label.is_none() {
        missing.push("no textualRating".into());
    }
    let authors: Vec<Agent> = match item.get("publisher") {
        Some(Value::Object(publisher)) => {
            let found = Agent {
                kind: Some("Organization".into()),
                name: scalar(publisher.get("name")),
                url: scalar(publisher.get("site")),
            };
            if found.name.is_none() {
                missing.push("publisher has no name".into());
            }
            (found.name.is_some() || found.url.is_some())
                .then_some(found)
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    };
    if authors.is_empty() {
        missing.push("no publisher".into());
    }
    let date = stated_date(item.get("reviewDate"), "reviewDate", &mut missing);
    if date.is_none() {
        missing.push("no reviewDate".into());
    }
    let url = scalar(item.get("url"));
    if url.is_none() {
        missing.push("no url".into());
    }
    let claimants: Vec<Agent> = scalar(claim.get("claimant"))
        .map(|name| Agent {
            kind: None,
            name: Some(name),
            url: None,
        })
        .into_iter()
        .collect();
    Review {
        claim: None,
        claim_reviewed,
        rating: Rating {
            label,
            value: None,
            best: None,
            worst: None,
        },
        authors,
        date,
        url,
        title: scalar(item.get("title")),
        language: scalar(item.get("languageCode")),
        claimants,
        claim_date: stated_date(claim.get("claimDate"), "claimDate", &mut missing),
        appearances: Vec::new(),
        first_appearance: None,
        markup: None,
        missing,
    }
}

/// A stated rating number as JSON: a number when it reads as one.
fn rating_number(text: &str) -> Value {
    serde_json::from_str::<serde_json::Number>(text.trim())
        .map(Value::Number)
        .unwrap_or_else(|_| json!(text))
}

/// A stated date as JSON-LD: the time read from it, else the text as stated.
fn date_value(date: &StatedDate) -> Value {
    match &date.when {
        Some(when) => json!(when.to_string()),
        None => json!(date.stated),
    }
}

fn agent_node(agent: &Agent, default_kind: &str) -> Value {
    let mut node = json!({"@type": agent.kind.clone().unwrap_or_else(|| default_kind.into())});
    if let Some(name) = &agent.name {
        node["name"] = json!(name);
    }
    if let Some(url) = &agent.url {
        node["url"] = json!(url);
    }
    node
}

/// One or many nodes: a single node stays a node, several become a list.
fn one_or_many(mut nodes: Vec<Value>) -> Option<Value> {
    match nodes.len() {
        0 => None,
        1 => nodes.pop(),
        _ => Some(Value::Array(nodes)),
    }
}

/// A review as a ClaimReview node whose `itemReviewed` is `claim`: a Claim
/// node of this store, or `None` for a review imported without one, whose
/// Claim node is built from what the review states.
pub fn review_node(review: &Review, claim: Option<Value>) -> Value {
    let mut node = json!({"@type": "ClaimReview"});
    match review.claim_reviewed.len() {
        0 => {}
        1 => node["claimReviewed"] = json!(review.claim_reviewed[0]),
        _ => node["claimReviewed"] = json!(review.claim_reviewed),
    }
    let rating = &review.rating;
    let mut rating_node = json!({"@type": "Rating"});
    if let Some(label) = &rating.label {
        rating_node["alternateName"] = json!(label);
    }
    for (key, value) in [
        ("ratingValue", &rating.value),
        ("bestRating", &rating.best),
        ("worstRating", &rating.worst),
    ] {
        if let Some(value) = value {
            rating_node[key] = rating_number(value);
        }
    }
    node["reviewRating"] = rating_node;
    if let Some(authors) = one_or_many(
        review
            .authors
            .iter()
            .map(|agent| agent_node(agent, "Organization"))
            .collect(),
    ) {
        node["author"] = authors;
    }
    if let Some(date) = &review.date {
        node["datePublished"] = date_value(date);
    }
    if let Some(url) = &review.url {
        node["url"] = json!(url);
    }
    if let Some(title) = &review.title {
        node["headline"] = json!(title);
    }
    if let Some(language) = &review.language {
        node["inLanguage"] = json!(language);
    }
    let claim = claim.unwrap_or_else(|| {
        let mut claim = json!({"@type": "Claim"});
        if let Some(authors) = one_or_many(
            review
                .claimants
                .iter()
                .map(|agent| agent_node(agent, "Thing"))
                .collect(),
        ) {
            claim["author"] = authors;
        }
        if let Some(date) = &review.claim_date {
            claim["datePublished"] = date_value(date);
        }
        if let Some(appearances) = one_or_many(
            review
                .appearances
                .iter()
                .map(|url| json!({"@type": "CreativeWork", "url": url}))
                .collect(),
        ) {
            claim["appearance"] = appearances;
        }
        if let Some(url) = &review.first_appearance {
            claim["firstAppearance"] = json!({"@type": "CreativeWork", "url": url});
        }
        claim
    });
    node["itemReviewed"] = claim;
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_graph_arrays_and_type_lists() {
        // Three reviews: one in an @graph, one in a top-level array with
        // "@type" as a list, one as a Fact Check Tools API item.
        let markup = br#"{"a": {"@context": "https://schema.org", "@graph": [
            {"@type": "WebPage"},
            {"@type": "ClaimReview", "claimReviewed": "x", "url": "https://e.org/1",
             "author": {"@type": "Organization", "name": "E"},
             "datePublished": "2020-03-27T10:46:13+0200",
             "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": "5",
                              "worstRating": "", "alternateName": "False"}}]},
          "b": [{"@type": ["Review", "ClaimReview"], "claimReviewed": ["y", "z"]}],
          "c": {"claims": [{"text": "w", "claimant": "someone", "claimReview": [
             {"publisher": {"site": "e.org"}, "url": "https://e.org/2",
              "reviewDate": "2019-06-20T12:12:40Z", "textualRating": "False"}]}]}}"#;
        let found = read_markup(markup).expect("reads");
        let pointers: Vec<&str> = found.iter().map(|item| item.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/a/@graph/1", "/b/0", "/c/claims/0/claimReview/0"]
        );
        let first = &found[0].review;
        assert_eq!(first.rating.value.as_deref(), Some("1"));
        assert_eq!(first.rating.worst, None);
        assert!(first
            .missing
            .contains(&"reviewRating.worstRating is empty".to_string()));
        // +0200 read as the same instant, written with the colon.
        assert_eq!(
            first
                .date
                .as_ref()
                .and_then(|d| d.when.as_ref())
                .map(ToString::to_string),
            Some("2020-03-27T10:46:13+02:00".to_string())
        );
        let second = &found[1].review;
        assert_eq!(second.claim_reviewed, ["y", "z"]);
        for finding in ["no reviewRating", "no author", "no datePublished", "no url"] {
            assert!(second.missing.contains(&finding.to_string()), "{finding}");
        }
        let third = &found[2].review;
        assert_eq!(third.claim_reviewed, ["w"]);
        assert_eq!(third.rating.label.as_deref(), Some("False"));
        assert_eq!(third.authors[0].url.as_deref(), Some("e.org"));
        assert!(third.missing.contains(&"publisher has no name".to_string()));
    }

    #[test]
    fn refuses_what_is_not_markup() {
        assert!(matches!(read_markup(b"{"), Err(MarkupError::NotJson(_))));
        assert_eq!(
            read_markup(br#"{"@type": "Article"}"#),
            Err(MarkupError::NoReview)
        );
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        let found = read_markup(br#"{"a/b~c": {"@type": "ClaimReview"}}"#).expect("reads");
        assert_eq!(found[0].pointer, "/a~1b~0c");
    }

    #[test]
    fn review_node_keeps_numbers_and_text() {
        let markup = br#"{"@type": "ClaimReview", "claimReviewed": "x",
            "reviewRating": {"ratingValue": "1", "bestRating": "n/a", "alternateName": "F"}}"#;
        let found = read_markup(markup).expect("reads");
        let node = review_node(&found[0].review, None);
        assert_eq!(node["reviewRating"]["ratingValue"], json!(1));
        assert_eq!(node["reviewRating"]["bestRating"], json!("n/a"));
        assert_eq!(node["claimReviewed"], json!("x"));
        assert_eq!(node["itemReviewed"]["@type"], json!("Claim"));
    }
}
