//! Exports and the JSON shapes every front end shows: built from the
//! store's answers, written to any `Write`. The command line is one front
//! end; a server or the sourcing site can use the same functions. Each
//! format has its module; `Records` is what they all read, taken under one
//! lock.

pub mod annotation;
pub mod claimreview;
pub mod csl;
pub mod csv;
pub mod json;
pub mod jsonl;
pub mod prov;
pub mod report;

/// Everything the record exports need, read under the lock.
#[derive(Debug)]
pub struct Records {
    /// Every source with its revisions and citation count.
    pub sources: Vec<crate::store::SourceListing>,
    /// Every claim.
    pub claims: Vec<crate::store::ClaimSummary>,
    /// Each claim's trace, in the order of `claims`.
    pub traces: Vec<crate::store::Trace>,
    /// For each citation: its quote's range in characters.
    pub char_ranges: std::collections::HashMap<crate::model::CitationId, (u64, u64)>,
    /// The store's id, from its init entry.
    pub store_id: String,
    /// Every document's revisions, in order.
    pub revisions: Vec<Vec<crate::storage::index::RevisionRecord>>,
    /// Every review, in journal order.
    pub reviews: Vec<crate::storage::index::ReviewRecord>,
    /// Every text layer, by source in the order of `sources`.
    pub layers: Vec<crate::model::LayerRecord>,
}

/// Reads every record the exports need from `store`.
pub fn read_records(store: &crate::store::Store) -> Result<Records, crate::store::StoreError> {
    let sources = store.sources()?;
    let claims = store.claims(&crate::store::ClaimFilter::default())?;
    let mut traces = Vec::new();
    for claim in &claims {
        traces.push(store.trace(&claim.record.claim.id.to_hex())?);
    }
    // Character offsets, as the Web Annotation model counts positions.
    let mut char_ranges = std::collections::HashMap::new();
    let mut texts: std::collections::HashMap<crate::model::SourceId, Vec<u8>> =
        std::collections::HashMap::new();
    for trace in &traces {
        for item in &trace.citations {
            let citation = &item.record.citation;
            // Positions count characters of the text quoted: the text
            // layer's, or the source's own.
            let quoted = citation.quoted_object();
            if let std::collections::hash_map::Entry::Vacant(slot) = texts.entry(quoted) {
                slot.insert(store.source_bytes(&quoted)?);
            }
            let bytes = &texts[&quoted];
            let count = |end: u64| {
                String::from_utf8_lossy(&bytes[..(end as usize).min(bytes.len())])
                    .chars()
                    .count() as u64
            };
            char_ranges.insert(
                item.record.id,
                (count(citation.selector.start), count(citation.selector.end)),
            );
        }
    }
    let mut docs: Vec<String> = sources
        .iter()
        .flat_map(|(_, revisions, _)| revisions.iter().map(|(doc, _)| doc.clone()))
        .collect();
    docs.sort();
    docs.dedup();
    let mut revisions = Vec::new();
    for doc in docs {
        revisions.push(store.revisions(&doc)?);
    }
    let mut layers = Vec::new();
    for (source, _, _) in &sources {
        layers.extend(store.layers_of(&source.id)?);
    }
    Ok(Records {
        layers,
        sources,
        claims,
        traces,
        char_ranges,
        store_id: store.store_id()?,
        revisions,
        reviews: store.reviews(None)?,
    })
}
