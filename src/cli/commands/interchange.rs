//! `provdb export` and `provdb import`.

use std::path::PathBuf;

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::store::{import_bundle, DEFAULT_DIR};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// The whole store in one deterministic tar file (schema/bundle.md).
    Bundle,
    /// Sources, claims and citations as JSON Lines, one record per line
    /// (schema/export-jsonl.schema.json).
    Jsonl,
    /// A flat table of claims with their citations and sources (schema/exports.md).
    Csv,
    /// Sources as CSL-JSON items for citation managers (schema/exports.md).
    CslJson,
    /// Citations as W3C Web Annotations in one AnnotationCollection (schema/exports.md).
    WebAnnotation,
    /// Sources, documents, claims, quotes, actors and journal entries as W3C
    /// PROV-JSON (schema/exports.md).
    ProvJson,
    /// Reviewed claims as schema.org ClaimReview, the rest as Claim, in one
    /// JSON-LD graph (schema/exports.md).
    Claimreview,
}

/// The import formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// A bundle written by `export --format bundle`, into a new store.
    Bundle,
    /// schema.org ClaimReview JSON-LD (or a Fact Check Tools API response),
    /// into an existing store: the markup becomes a source, each review a record.
    Claimreview,
}

/// Write the store in an interchange format.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// The file to write (replaced only once the new one is complete).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
}

/// Read a file into a store. A bundle creates a store at --db (or
/// PROVDB_DIR, else ./.provdb), which must not exist yet or be an empty
/// directory; it is checked whole (paths, object hashes, journal chain,
/// index, checkpoints) before the store appears, and a bad bundle leaves
/// nothing behind. A bundle imported into an existing store is merged into
/// it: the entries it does not hold yet are appended after a `merge` entry
/// naming the bundle, each with where it was first recorded. ClaimReview
/// markup is read into an existing store.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file: a bundle, or ClaimReview JSON-LD.
    pub file: PathBuf,
    /// The file's format.
    #[arg(long, value_enum, default_value = "bundle")]
    pub format: ImportFormat,
}

/// Writes `output` through a temporary file beside it, renamed into place
/// once complete and synced.
fn write_atomically(
    output: &std::path::Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let name = output
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let temporary = output.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let file = std::fs::File::create(&temporary)?;
        let mut writer = std::io::BufWriter::new(file);
        write(&mut writer)?;
        let file = writer.into_inner().map_err(|error| error.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temporary, output)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(|error| CliError::Usage(format!("cannot write {}: {error}", output.display())))
}

/// Writes `value` as pretty JSON to `output`, atomically.
fn write_json(output: &std::path::Path, value: &impl serde::Serialize) -> Result<(), CliError> {
    write_atomically(output, |out| {
        serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::other)?;
        writeln!(out)
    })
}

/// Everything the record exports need, read under the lock.
struct Records {
    sources: Vec<crate::store::SourceListing>,
    claims: Vec<crate::store::ClaimSummary>,
    traces: Vec<crate::store::Trace>,
    /// For each citation: its quote's range in characters.
    char_ranges: std::collections::HashMap<crate::model::CitationId, (u64, u64)>,
    store_id: String,
    /// Every document's revisions, in order.
    revisions: Vec<Vec<crate::storage::index::RevisionRecord>>,
    /// Every review, in journal order.
    reviews: Vec<crate::storage::index::ReviewRecord>,
}

fn read_records(store: &crate::store::Store) -> Result<Records, crate::store::StoreError> {
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
            if let std::collections::hash_map::Entry::Vacant(slot) = texts.entry(citation.source) {
                slot.insert(store.source_bytes(&citation.source)?);
            }
            let bytes = &texts[&citation.source];
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
    Ok(Records {
        sources,
        claims,
        traces,
        char_ranges,
        store_id: store.store_id()?,
        revisions,
        reviews: store.reviews(None)?,
    })
}

fn write_jsonl(records: &Records, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use crate::cli::json as shapes;
    for (record, revisions, citations) in &records.sources {
        let mut value = shapes::source(record, revisions, Some(*citations));
        value["type"] = json!("source");
        writeln!(out, "{value}")?;
    }
    for summary in &records.claims {
        let mut value = shapes::claim(&summary.record);
        value["type"] = json!("claim");
        value["live"] = json!(summary.live);
        value["retracted"] = json!(summary.retracted);
        writeln!(out, "{value}")?;
    }
    for trace in &records.traces {
        for item in &trace.citations {
            let mut value = shapes::citation(item);
            value["type"] = json!("citation");
            writeln!(out, "{value}")?;
        }
    }
    for record in &records.reviews {
        let mut value = shapes::review(record);
        value["type"] = json!("review");
        writeln!(out, "{value}")?;
    }
    Ok(())
}

/// One CSV field, quoted as RFC 4180 says when it must be.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The CSV table's columns, in order.
pub const CSV_COLUMNS: [&str; 22] = [
    "claim_id",
    "subject",
    "property",
    "value",
    "unit",
    "as_of",
    "bound",
    "citation_id",
    "stance",
    "status",
    "rank",
    "quote",
    "start",
    "end",
    "source_id",
    "source_title",
    "source_url",
    "publisher",
    "published",
    "revisions",
    "recorded",
    "actor",
];

fn write_csv(records: &Records, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    write!(out, "{}\r\n", CSV_COLUMNS.join(","))?;
    for trace in &records.traces {
        let claim = &trace.claim.claim;
        for item in &trace.citations {
            let record = &item.record;
            let meta = item.source.as_ref().map(|source| &source.meta);
            let text = |value: Option<&String>| value.cloned().unwrap_or_default();
            let fields = [
                claim.id.to_hex(),
                claim.subject.clone(),
                claim.property.clone(),
                claim.value.to_string(),
                text(claim.qualifiers.unit.as_ref()),
                claim
                    .qualifiers
                    .as_of
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                claim.qualifiers.bound.name().to_string(),
                record.id.to_hex(),
                record.citation.stance.name().to_string(),
                if item.retraction.is_some() {
                    "retracted"
                } else {
                    "live"
                }
                .to_string(),
                match item.rank {
                    crate::store::Rank::Preferred => "preferred",
                    crate::store::Rank::History(_) => "history",
                }
                .to_string(),
                record.citation.selector.exact.clone(),
                record.citation.selector.start.to_string(),
                record.citation.selector.end.to_string(),
                record.citation.source.to_hex(),
                text(meta.and_then(|meta| meta.title.as_ref())),
                text(meta.and_then(|meta| meta.url.as_ref())),
                text(meta.and_then(|meta| meta.publisher.as_ref())),
                meta.and_then(|meta| meta.published.as_ref())
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                item.revisions
                    .iter()
                    .map(|(doc, number)| format!("{doc}@{number}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                record.recorded.clone(),
                record.actor.clone(),
            ];
            let row: Vec<String> = fields.iter().map(|field| csv_field(field)).collect();
            write!(out, "{}\r\n", row.join(","))?;
        }
    }
    Ok(())
}

/// A CSL date from a stated time: its year, month and day as far as stated.
fn csl_date(when: &crate::model::When) -> serde_json::Value {
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
fn csl_item(record: &crate::model::SourceRecord) -> serde_json::Value {
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

/// A PROV qualified name's local part for an actor: letters, digits, `_`
/// and `-` kept, anything else as `_` plus the name's short hash.
fn agent_name(actor: &str) -> String {
    qualified_name("agent", actor)
}

/// A PROV qualified name `provdb:<kind>-<name>`: letters, digits and `-`
/// kept, anything else as `_` plus the name's short hash.
fn qualified_name(kind: &str, actor: &str) -> String {
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

fn qname(text: &str) -> serde_json::Value {
    json!({"$": text, "type": "xsd:QName"})
}

/// A PROV-JSON document being built: its record maps, and the relation ids
/// handed out so far.
#[derive(Default)]
struct Prov {
    entity: serde_json::Map<String, serde_json::Value>,
    activity: serde_json::Map<String, serde_json::Value>,
    agent: serde_json::Map<String, serde_json::Value>,
    generated: serde_json::Map<String, serde_json::Value>,
    derived: serde_json::Map<String, serde_json::Value>,
    specialized: serde_json::Map<String, serde_json::Value>,
    associated: serde_json::Map<String, serde_json::Value>,
    attributed: serde_json::Map<String, serde_json::Value>,
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
fn prov_document(records: &Records) -> serde_json::Value {
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
                "prov:label": super::claim_line(&claim.claim),
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
            let source = format!("blake3:{}", record.citation.source.to_hex());
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
    })
}

/// Every citation as a Web Annotation, in one collection with one page.
fn web_annotations(records: &Records) -> serde_json::Value {
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
                &super::claim_line(claim),
                &record.citation.source.to_hex(),
                &record.citation.selector,
                range,
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

/// A claim of this store as a schema.org Claim node: where it appeared (the
/// sources of its citations not retracted, by BLAKE3 URN, with their
/// addresses) and where first (the earliest publication date stated, else
/// the first recorded).
fn claim_node(trace: &crate::store::Trace) -> serde_json::Value {
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
fn claimreview_document(records: &Records) -> serde_json::Value {
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

/// Exports the record formats: JSON Lines, CSV, CSL-JSON, Web Annotations.
fn export_records(args: &ExportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    {
        let opened = ctx.open()?;
        let result = read_records(&opened);
        let closed = ctx.close(opened);
        let records = result?;
        closed?;
        let (name, count) = match args.format {
            ExportFormat::Jsonl => {
                write_atomically(&args.output, |out| write_jsonl(&records, out))?;
                (
                    "jsonl",
                    records.sources.len()
                        + records.claims.len()
                        + records
                            .traces
                            .iter()
                            .map(|t| t.citations.len())
                            .sum::<usize>()
                        + records.reviews.len(),
                )
            }
            ExportFormat::Csv => {
                write_atomically(&args.output, |out| write_csv(&records, out))?;
                (
                    "csv",
                    records.traces.iter().map(|t| t.citations.len()).sum(),
                )
            }
            ExportFormat::ProvJson => {
                let document = prov_document(&records);
                write_json(&args.output, &document)?;
                (
                    "prov-json",
                    document["entity"]
                        .as_object()
                        .map_or(0, |entities| entities.len()),
                )
            }
            ExportFormat::Claimreview => {
                let document = claimreview_document(&records);
                write_json(&args.output, &document)?;
                (
                    "claimreview",
                    document["@graph"].as_array().map_or(0, Vec::len),
                )
            }
            ExportFormat::WebAnnotation => {
                let collection = web_annotations(&records);
                crate::interchange::annotation::check_document(&collection).map_err(|why| {
                    CliError::Usage(format!(
                        "the Web Annotation export does not pass provdb's own check ({why}); nothing was written"
                    ))
                })?;
                write_json(&args.output, &collection)?;
                (
                    "web-annotation",
                    collection["total"].as_u64().unwrap_or(0) as usize,
                )
            }
            _ => {
                let items: Vec<_> = records
                    .sources
                    .iter()
                    .map(|(record, ..)| csl_item(record))
                    .collect();
                write_json(&args.output, &items)?;
                ("csl-json", items.len())
            }
        };
        if ctx.json {
            writeln!(
                ctx.out,
                "{}",
                json!({"format": name, "file": args.output, "records": count})
            )?;
        } else {
            writeln!(
                ctx.out,
                "wrote {} ({count} records, {name})",
                args.output.display()
            )?;
        }
        Ok(())
    }
}

/// Runs `export`.
pub fn run_export(args: ExportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let store = ctx.store_path()?;
    if crate::store::is_inside(&store, &args.output) {
        return Err(CliError::Usage(format!(
            "-o {} is inside the store {}; an export must never overwrite the store's own files: write it somewhere else",
            args.output.display(),
            store.display()
        )));
    }
    // An export replaces its output by renaming a finished file over it:
    // over a device or a FIFO (/dev/null as root) that would replace the
    // node itself, and a bundle's hash is read back from the file.
    if let Ok(meta) = std::fs::metadata(&args.output) {
        if !meta.is_file() {
            let kind = if meta.is_dir() {
                "a directory"
            } else {
                "not a regular file (a device or a FIFO)"
            };
            return Err(CliError::Usage(format!(
                "-o {} is {kind}; an export is written to a new file and renamed into place: give a file path",
                args.output.display()
            )));
        }
    }
    match args.format {
        ExportFormat::Bundle => {
            let opened = ctx.open()?;
            let result = opened.export_bundle(&args.output);
            let closed = ctx.close(opened);
            let objects = result?;
            closed?;
            let bytes =
                std::fs::read(&args.output).map(|bytes| blake3::hash(&bytes).to_hex().to_string());
            let hash = bytes.map_err(|error| {
                CliError::Usage(format!(
                    "cannot read back {}: {error}",
                    args.output.display()
                ))
            })?;
            if ctx.json {
                writeln!(
                    ctx.out,
                    "{}",
                    json!({"format": "bundle", "file": args.output, "objects": objects, "blake3": hash})
                )?;
            } else {
                writeln!(
                    ctx.out,
                    "wrote {} ({objects} objects); BLAKE3 {hash}",
                    args.output.display()
                )?;
            }
            Ok(())
        }
        ExportFormat::Jsonl
        | ExportFormat::Csv
        | ExportFormat::CslJson
        | ExportFormat::WebAnnotation
        | ExportFormat::ProvJson
        | ExportFormat::Claimreview => export_records(&args, ctx),
    }
}

/// Runs `import`.
pub fn run_import(args: ImportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    if args.format == ImportFormat::Claimreview {
        return import_claimreview(&args, ctx);
    }
    let store = ctx
        .store_path()
        .ok()
        .filter(|path| path.join(crate::store::FORMAT_FILE).exists());
    if let Some(store) = store {
        return merge_bundle(&args, &store, ctx);
    }
    let target = ctx.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
    let outcome = import_bundle(&target, &args.file)?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "store": outcome.store,
                "entries": outcome.entries,
                "objects": outcome.objects,
                "checkpoints": outcome.checkpoints,
                "bundle_blake3": outcome.bundle,
            })
        )?;
    } else {
        writeln!(
            ctx.out,
            "imported {} journal entries, {} objects and {} checkpoints into {}; verify passed (bundle BLAKE3 {})",
            outcome.entries,
            outcome.objects,
            outcome.checkpoints,
            outcome.store.display(),
            outcome.bundle
        )?;
    }
    Ok(())
}

/// Runs `import` of a bundle into an existing store: a merge.
fn merge_bundle(
    args: &ImportArgs,
    store: &std::path::Path,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let mut opened = ctx.open()?;
    let result = opened.merge_bundle(&args.file, &actor);
    let closed = ctx.close(opened);
    let outcome = result?;
    closed?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "store": store,
                "merged_from": outcome.store,
                "bundle_blake3": outcome.bundle,
                "entries": outcome.size,
                "merged": outcome.merged,
                "already": outcome.already,
                "new_objects": outcome.new_objects,
                "merged_before": outcome.merged_before.as_ref().map(|(seq, time)| json!({"seq": seq, "time": time})),
            })
        )?;
    } else if let Some((seq, time)) = &outcome.merged_before {
        writeln!(
            ctx.out,
            "nothing to merge: bundle {} (store {}) was merged at entry {seq} on {time}",
            outcome.bundle, outcome.store
        )?;
    } else if outcome.merged == 0 {
        writeln!(
            ctx.out,
            "nothing to merge: all {} entries of store {} are here already (bundle BLAKE3 {})",
            outcome.already, outcome.store, outcome.bundle
        )?;
    } else {
        writeln!(
            ctx.out,
            "merged {} of {} entries of store {} into {} ({} here already, {} its own init and merge entries, which are never merged; {} new objects; bundle BLAKE3 {}); conflicting values show in `provdb conflicts`",
            outcome.merged,
            outcome.size,
            outcome.store,
            store.display(),
            outcome.already,
            outcome.size.saturating_sub(outcome.merged + outcome.already),
            outcome.new_objects,
            outcome.bundle
        )?;
    }
    Ok(())
}

/// Runs `import --format claimreview`.
fn import_claimreview(args: &ImportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let mut opened = ctx.open()?;
    let result = opened.import_claimreview(&args.file, &actor);
    let closed = ctx.close(opened);
    let outcome = result?;
    closed?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "source": outcome.source.to_hex(),
                "new_source": outcome.new_source,
                "already": outcome.already,
                "reviews": outcome.recorded.iter().map(crate::cli::json::review).collect::<Vec<_>>(),
            })
        )?;
        return Ok(());
    }
    let missing: usize = outcome
        .recorded
        .iter()
        .filter(|record| !record.review.missing.is_empty())
        .count();
    writeln!(
        ctx.out,
        "imported {} reviews from {} (source {}{}){}{}",
        outcome.recorded.len(),
        args.file.display(),
        outcome.source.short(),
        if outcome.new_source { ", new" } else { "" },
        if outcome.already > 0 {
            format!("; {} already recorded", outcome.already)
        } else {
            String::new()
        },
        if missing > 0 {
            format!("; {missing} with fields missing, listed below")
        } else {
            String::new()
        }
    )?;
    for record in &outcome.recorded {
        writeln!(ctx.out, "  {}", super::reviews::review_line(&record.review))?;
        for finding in &record.review.missing {
            writeln!(
                ctx.out,
                "    missing: {}",
                super::reviews::printable(finding)
            )?;
        }
    }
    Ok(())
}
