//! JSON shapes of records for `--json` output. Field names here are a stable
//! interface, documented in schema/cli-json.schema.json (checked by tests/it/schemas.rs).

use serde_json::{json, Value as Json};

use crate::model::{Retraction, SourceRecord};
use crate::storage::index::{ClaimRecord, ReviewRecord, RevisionRecord};
use crate::store::{ConflictSide, Rank, Trace, TracedCitation};
use crate::text::anchor::AnchorCheck;

/// Returns a source as JSON.
pub fn source(
    record: &SourceRecord,
    revisions: &[(String, u32)],
    citations: Option<usize>,
) -> Json {
    let mut value = json!({
        "id": record.id.to_hex(),
        "size": record.size,
        "meta": record.meta,
        "name": record.name,
        "recorded": record.recorded,
        "actor": record.actor,
        "seq": record.seq,
        "revisions": revisions.iter().map(|(doc, number)| json!({"doc": doc, "revision": number})).collect::<Vec<_>>(),
    });
    if let Some(citations) = citations {
        value["citations"] = json!(citations);
    }
    value
}

/// Returns a claim as JSON.
pub fn claim(record: &ClaimRecord) -> Json {
    let claim = &record.claim;
    json!({
        "id": claim.id.to_hex(),
        "subject": claim.subject,
        "property": claim.property,
        "value": claim.value,
        "display_value": claim.stated_value(),
        "qualifiers": claim.qualifiers,
        "recorded": record.recorded,
        "actor": record.actor,
        "seq": record.seq,
    })
}

/// Returns the name of an anchor check outcome.
pub fn anchor_name(check: AnchorCheck) -> &'static str {
    match check {
        AnchorCheck::Holds => "holds",
        AnchorCheck::QuoteChanged => "quote_changed",
        AnchorCheck::ContextChanged => "context_changed",
        AnchorCheck::OutOfRange => "out_of_range",
    }
}

fn retraction(retraction: &Option<Retraction>) -> Json {
    match retraction {
        None => Json::Null,
        Some(retraction) => json!({
            "reason": retraction.reason, "time": retraction.time, "actor": retraction.actor, "seq": retraction.seq,
        }),
    }
}

/// Returns a traced citation as JSON.
pub fn citation(traced: &TracedCitation) -> Json {
    let record = &traced.record;
    let body = &record.citation;
    json!({
        "id": record.id.to_hex(),
        "claim": body.claim.to_hex(),
        "source": body.source.to_hex(),
        "selector": body.selector,
        "stance": body.stance,
        "value_not_in_quote": body.value_not_in_quote,
        "layer": body.layer.as_ref().map(|layer| json!({
            "object": layer.object.to_hex(),
            "original": layer.original,
            "pages": layer.pages,
            "boxes": layer.boxes,
        })),
        "recorded": record.recorded,
        "actor": record.actor,
        "seq": record.seq,
        "retracted": retraction(&traced.retraction),
        "source_meta": traced.source.as_ref().map(|source| json!(source.meta)),
        "revisions": traced.revisions.iter().map(|(doc, number)| json!({"doc": doc, "revision": number})).collect::<Vec<_>>(),
        "source_intact": traced.source_intact,
        "anchor": anchor_name(traced.anchor),
        "context": traced.context,
        "page_labels": traced.page_labels,
        "rank": match &traced.rank {
            Rank::Preferred => json!("preferred"),
            Rank::History(_) => json!("history"),
        },
        "superseded": match &traced.rank {
            Rank::Preferred => Json::Null,
            Rank::History(item) => json!({
                "by": item.by.to_hex(), "reason": item.reason, "time": item.time, "actor": item.actor, "seq": item.seq,
            }),
        },
        "carried_from": traced.record.carried.as_ref().map(|carried| json!({
            "citation": carried.from.to_hex(),
            "doc": carried.doc,
            "revision": carried.number,
            "method": carried.method.name(),
        })),
        "drift": traced.drift.iter().map(|(doc, number, record)| json!({
            "doc": doc,
            "revision": number,
            "outcome": record.outcome.name(),
            "carried_to": record.carried_to.map(|id| id.to_hex()),
            "candidate": record.candidate,
            "value_change": record.value_change,
        })).collect::<Vec<_>>(),
    })
}

/// Returns a trace as JSON.
pub fn trace(trace: &Trace) -> Json {
    json!({
        "claim": claim(&trace.claim),
        "citations": trace.citations.iter().map(citation).collect::<Vec<_>>(),
        "other_values": trace.others.iter().map(claim).collect::<Vec<_>>(),
        "reviews": trace.reviews.iter().map(review).collect::<Vec<_>>(),
    })
}

/// Returns one side of a conflict as JSON.
pub fn side(side: &ConflictSide) -> Json {
    json!({
        "claim": claim(&side.claim),
        "sources": side.sources.iter().map(|source| json!({"id": source.id.to_hex(), "title": source.meta.title})).collect::<Vec<_>>(),
        "revisions": side.revisions.iter().map(|(doc, number)| json!({"doc": doc, "revision": number})).collect::<Vec<_>>(),
        "reported": side.reported.iter().map(|reported| json!({
            "value": reported.value,
            "doc": reported.doc,
            "revision": reported.number,
            "source": reported.source.to_hex(),
            "passage": reported.passage,
            "replaces_citation": reported.citation.to_hex(),
        })).collect::<Vec<_>>(),
    })
}

/// Returns a revision as JSON.
pub fn revision(record: &RevisionRecord) -> Json {
    json!({
        "doc": record.revision.doc,
        "revision": record.revision.number,
        "source": record.revision.source.to_hex(),
        "published": record.revision.published,
        "updated": record.revision.updated,
        "note": record.revision.note,
        "recorded": record.recorded,
        "actor": record.actor,
        "seq": record.seq,
    })
}

/// Returns a review as JSON: the review's fields, and its journal entry.
pub fn review(record: &ReviewRecord) -> Json {
    let mut value = json!(record.review);
    if let Some(claim) = &record.review.claim {
        value["claim"] = json!(claim.to_hex());
    }
    value["seq"] = json!(record.seq);
    value["recorded"] = json!(record.recorded);
    value["actor"] = json!(record.actor);
    value
}
