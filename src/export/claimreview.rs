//! schema.org ClaimReview: reviewed claims with their reviews, the rest as Claim nodes, in one
//! JSON-LD graph (schema/exports.md).

use super::Records;
use serde_json::json;

/// A claim of this store as a schema.org Claim node: where it appeared (the
/// sources of its citations not retracted, by BLAKE3 URN, with their
/// addresses) and where first (the earliest publication date stated, else
/// the first recorded).
pub(crate) fn claim_node(trace: &crate::store::Trace) -> serde_json::Value {
    let claim = &trace.claim.claim;
    let mut node = json!({
        "@type": "Claim",
        "@id": format!("urn:provdb:claim:{}", claim.id.to_hex()),
        "name": claim.line(),
    });
    let mut seen = std::collections::HashSet::new();
    let mut appearances = Vec::new();
    for item in &trace.citations {
        if item.retraction.is_some() || !seen.insert(item.record.citation.source) {
            continue;
        }
        let mut work = json!({
            "@type": "CreativeWork",
            "@id": format!("urn:blake3:{}", item.record.citation.source.to_hex()),
        });
        let mut order = (
            time::OffsetDateTime::UNIX_EPOCH.replace_year(9999).ok(),
            item.record.seq,
        );
        if let Some(source) = &item.source {
            let meta = &source.meta;
            if let Some(url) = &meta.url {
                work["url"] = json!(url);
            }
            if let Some(title) = &meta.title {
                work["name"] = json!(title);
            }
            if let Some(published) = &meta.published {
                work["datePublished"] = json!(published.to_string());
                order.0 = Some(published.earliest_instant());
            }
        }
        appearances.push((order, work));
    }
    if let Some((_, first)) = appearances.iter().min_by_key(|(order, _)| *order) {
        node["firstAppearance"] = first.clone();
    }
    if !appearances.is_empty() {
        node["appearance"] = json!(appearances
            .into_iter()
            .map(|(_, work)| work)
            .collect::<Vec<_>>());
    }
    node
}

/// The ClaimReview export: each review as a ClaimReview node (about a Claim
/// node of this store, or the claim its markup describes), and each claim
/// no review rates as a Claim node, in one JSON-LD graph.
pub fn document(records: &Records) -> serde_json::Value {
    let nodes: std::collections::HashMap<crate::model::ClaimId, serde_json::Value> = records
        .traces
        .iter()
        .map(|trace| (trace.claim.claim.id, claim_node(trace)))
        .collect();
    let mut graph = Vec::new();
    let mut reviewed = std::collections::HashSet::new();
    for record in &records.reviews {
        let claim = record.review.claim.and_then(|id| {
            reviewed.insert(id);
            nodes.get(&id).cloned()
        });
        graph.push(crate::interchange::claimreview::review_node(
            &record.review,
            claim,
        ));
    }
    for trace in &records.traces {
        if !reviewed.contains(&trace.claim.claim.id) {
            graph.push(nodes[&trace.claim.claim.id].clone());
        }
    }
    json!({"@context": "https://schema.org", "@graph": graph})
}
