//! W3C PROV-JSON: sources, documents and revisions, claims, quotes, actors and journal entries as
//! entities, activities and agents with their relations (schema/exports.md).

use super::Records;
use serde_json::json;

/// A PROV qualified name's local part for an actor: letters, digits, `_`
/// and `-` kept, anything else as `_` plus the name's short hash.
pub(crate) fn agent_name(actor: &str) -> String {
    qualified_name("agent", actor)
}

/// A PROV qualified name `provdb:<kind>-<name>`: letters, digits and `-`
/// kept, anything else as `_` plus the name's short hash.
pub(crate) fn qualified_name(kind: &str, actor: &str) -> String {
    let clean: String = actor
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '-' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    if clean == actor && !actor.is_empty() {
        format!("provdb:{kind}-{clean}")
    } else {
        let hash = blake3::hash(actor.as_bytes()).to_hex();
        format!("provdb:{kind}-{clean}-{}", &hash[..12])
    }
}

pub(crate) fn qname(text: &str) -> serde_json::Value {
    json!({"$": text, "type": "xsd:QName"})
}

/// A PROV-JSON document being built: its record maps, and the relation ids
/// handed out so far.
#[derive(Default)]
pub(crate) struct Prov {
    entity: serde_json::Map<String, serde_json::Value>,
    activity: serde_json::Map<String, serde_json::Value>,
    agent: serde_json::Map<String, serde_json::Value>,
    generated: serde_json::Map<String, serde_json::Value>,
    derived: serde_json::Map<String, serde_json::Value>,
    specialized: serde_json::Map<String, serde_json::Value>,
    associated: serde_json::Map<String, serde_json::Value>,
    attributed: serde_json::Map<String, serde_json::Value>,
    used: serde_json::Map<String, serde_json::Value>,
    relations: usize,
}

impl Prov {
    /// A new relation id of a kind.
    fn id(&mut self, kind: &str) -> String {
        self.relations += 1;
        format!("provdb:{kind}-{}", self.relations)
    }

    /// The activity of journal entry `seq` (added with its agent the first
    /// time), which generated `entity`.
    fn generated_by(&mut self, entity: &str, seq: u64, time: &str, actor: &str) {
        let name = format!("provdb:entry-{seq}");
        if !self.activity.contains_key(&name) {
            self.activity.insert(
                name.clone(),
                json!({"prov:startTime": time, "prov:endTime": time, "prov:type": qname("provdb:JournalEntry"), "provdb:seq": seq}),
            );
            let who = agent_name(actor);
            self.agent
                .entry(who.clone())
                .or_insert_with(|| json!({"prov:type": qname("prov:Person"), "prov:label": actor}));
            let id = self.id("assoc");
            self.associated
                .insert(id, json!({"prov:activity": name, "prov:agent": who}));
        }
        let id = self.id("gen");
        self.generated
            .insert(id, json!({"prov:entity": entity, "prov:activity": name}));
    }

    /// `generated` was derived from `used`, with a PROV type if given.
    fn derived(&mut self, kind: &str, generated: &str, used: &str, prov_type: Option<&str>) {
        let mut relation = json!({"prov:generatedEntity": generated, "prov:usedEntity": used});
        if let Some(prov_type) = prov_type {
            relation["prov:type"] = qname(prov_type);
        }
        let id = self.id(kind);
        self.derived.insert(id, relation);
    }
}

/// The store as a W3C PROV-JSON document.
pub fn document(records: &Records) -> serde_json::Value {
    let mut prov = Prov::default();
    for (record, _, _) in &records.sources {
        let name = format!("blake3:{}", record.id.to_hex());
        prov.entity.insert(
            name.clone(),
            json!({
                "prov:type": qname("provdb:Source"),
                "prov:label": record.meta.title.clone().unwrap_or_else(|| record.id.to_hex()),
                "provdb:blake3": record.id.to_hex(),
                "provdb:size": record.size,
            }),
        );
        prov.generated_by(&name, record.seq, &record.recorded, &record.actor);
    }
    // Text layers: each an entity derived from its source by an extraction
    // (the journal entry that derived it), which used the source and was
    // done by the extractor as a software agent, on behalf of the recorder.
    for record in &records.layers {
        let layer = &record.layer;
        let name = format!("blake3:{}", layer.layer.to_hex());
        let source = format!("blake3:{}", layer.source.to_hex());
        prov.entity.insert(
            name.clone(),
            json!({
                "prov:type": qname("provdb:TextLayer"),
                "prov:label": format!("text layer of {}", layer.source.short()),
                "provdb:blake3": layer.layer.to_hex(),
                "provdb:size": layer.size,
                "provdb:params": serde_json::to_string(&layer.params).unwrap_or_default(),
            }),
        );
        prov.generated_by(&name, record.seq, &record.recorded, &record.actor);
        let activity = format!("provdb:entry-{}", record.seq);
        let id = prov.id("used");
        prov.used.insert(
            id,
            json!({"prov:activity": activity, "prov:entity": source}),
        );
        let software = format!("provdb:software-{}-{}", layer.extractor, layer.version);
        prov.agent.entry(software.clone()).or_insert_with(|| {
            json!({"prov:type": qname("prov:SoftwareAgent"), "prov:label": format!("{} {}", layer.extractor, layer.version)})
        });
        let id = prov.id("assoc");
        prov.associated.insert(
            id,
            json!({"prov:activity": activity, "prov:agent": software}),
        );
        let id = prov.id("extracted");
        prov.derived.insert(
            id,
            json!({"prov:generatedEntity": name, "prov:usedEntity": source, "prov:activity": activity}),
        );
    }
    for revisions in &records.revisions {
        let Some(first) = revisions.first() else {
            continue;
        };
        let doc = format!("provdb:doc-{}", first.revision.doc);
        prov.entity.insert(
            doc.clone(),
            json!({"prov:type": qname("provdb:Document"), "prov:label": first.revision.doc}),
        );
        let mut previous: Option<String> = None;
        for record in revisions {
            let source = format!("blake3:{}", record.revision.source.to_hex());
            let id = prov.id("spec");
            prov.specialized.insert(
                id,
                json!({"prov:specificEntity": source, "prov:generalEntity": doc, "provdb:revision": record.revision.number}),
            );
            if let Some(before) = previous.filter(|before| *before != source) {
                prov.derived("rev", &source, &before, Some("prov:Revision"));
            }
            previous = Some(source);
        }
    }
    for trace in &records.traces {
        let claim = &trace.claim;
        let claim_name = format!("provdb:claim-{}", claim.claim.id.to_hex());
        prov.entity.insert(
            claim_name.clone(),
            json!({
                "prov:type": qname("provdb:Claim"),
                "prov:label": claim.claim.line(),
                "prov:value": claim.claim.value.to_string(),
            }),
        );
        prov.generated_by(&claim_name, claim.seq, &claim.recorded, &claim.actor);
        for item in &trace.citations {
            let record = &item.record;
            let quote = format!("provdb:quote-{}", record.id.to_hex());
            let selector = &record.citation.selector;
            prov.entity.insert(
                quote.clone(),
                json!({
                    "prov:type": qname("provdb:Quote"),
                    "prov:value": selector.exact,
                    "provdb:start": selector.start,
                    "provdb:end": selector.end,
                    "provdb:stance": record.citation.stance.name(),
                    "provdb:retracted": item.retraction.is_some(),
                }),
            );
            // Quoted from the text layer when there is one (itself derived
            // from the source), else from the source's bytes.
            let source = format!("blake3:{}", record.citation.quoted_object().to_hex());
            prov.derived("quoted", &quote, &source, Some("prov:Quotation"));
            prov.derived("cites", &claim_name, &quote, None);
            prov.generated_by(&quote, record.seq, &record.recorded, &record.actor);
        }
    }
    // Reviews: who rated which claim how, attributed to the reviewer, and
    // for an imported review derived from the markup it was read from.
    for record in &records.reviews {
        let review = &record.review;
        let name = format!("provdb:review-{}", record.seq);
        let mut entity = json!({"prov:type": qname("provdb:Review")});
        if let Some(label) = &review.rating.label {
            entity["prov:label"] = json!(label);
        }
        if let Some(text) = review.claim_reviewed.first() {
            entity["provdb:claimReviewed"] = json!(text);
        }
        if let Some(claim) = &review.claim {
            entity["provdb:about"] = json!(format!("provdb:claim-{}", claim.to_hex()));
        }
        if let Some(url) = &review.url {
            entity["provdb:url"] = json!(url);
        }
        if let Some(date) = &review.date {
            entity["provdb:datePublished"] = json!(date.stated);
        }
        prov.entity.insert(name.clone(), entity);
        prov.generated_by(&name, record.seq, &record.recorded, &record.actor);
        if let Some(markup) = &review.markup {
            let source = format!("blake3:{}", markup.source.to_hex());
            prov.derived("read", &name, &source, None);
        }
        for author in &review.authors {
            let Some(label) = author.name.as_ref().or(author.url.as_ref()) else {
                continue;
            };
            let who = qualified_name("reviewer", label);
            let kind = if author.kind.as_deref() == Some("Person") {
                "prov:Person"
            } else {
                "prov:Organization"
            };
            prov.agent
                .entry(who.clone())
                .or_insert_with(|| json!({"prov:type": qname(kind), "prov:label": label}));
            let id = prov.id("attr");
            prov.attributed
                .insert(id, json!({"prov:entity": name, "prov:agent": who}));
        }
    }
    json!({
        "prefix": {
            "provdb": "urn:provdb:",
            "blake3": "urn:blake3:",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "entity": prov.entity,
        "activity": prov.activity,
        "agent": prov.agent,
        "wasGeneratedBy": prov.generated,
        "wasDerivedFrom": prov.derived,
        "specializationOf": prov.specialized,
        "wasAssociatedWith": prov.associated,
        "wasAttributedTo": prov.attributed,
        "used": prov.used,
    })
}
