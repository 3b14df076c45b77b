//! `provdb report`: a static sourcing site a newsroom can publish beside an
//! article. Every page is plain HTML that works without JavaScript and
//! loads nothing from outside the site; one small script (`verify.js`,
//! written from the BLAKE3, SHA-256 and receipt specifications) checks each
//! citation's receipt in the reader's browser. The site is built whole in
//! memory from what the store holds and written file by file: the same
//! store gives the same bytes. Building it writes nothing to the store:
//! receipts are made against the latest checkpoint kept, and a citation
//! recorded after it is shown without one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::audit::checkpoints::Checkpoint;
use crate::identity;
use crate::model::{CitationId, SourceId, SourceRecord, Stance};
use crate::store::{Rank, Store, StoreError, Trace, TracedCitation};
use crate::text::anchor::AnchorCheck;
use crate::text::carry::Run;

/// The script that checks receipts in the reader's browser.
const VERIFY_JS: &str = include_str!("../../assets/report/verify.js");

/// The site's style sheet.
const STYLE_CSS: &str = include_str!("../../assets/report/style.css");

/// A built site: each file's path under the output directory and its bytes.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// Files by relative path, in order.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Citations shown without a receipt, with why.
    pub without_receipt: Vec<(CitationId, String)>,
    /// Sources found damaged (bytes that no longer hash to their id, or missing).
    pub damaged: Vec<SourceId>,
    /// The checkpoint the receipts are for, if one is kept.
    pub checkpoint: Option<Checkpoint>,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The page of a source, relative to the site's root.
fn source_page(id: &SourceId) -> String {
    format!("source/{}.html", id.to_hex())
}

/// The page of a document.
fn doc_page(slug: &str) -> String {
    format!("doc/{slug}.html")
}

/// A page: the shell every page shares, with `depth` folders below the root.
fn page(title: &str, depth: usize, body: &str) -> String {
    let up = "../".repeat(depth);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<link rel=\"stylesheet\" href=\"{up}assets/style.css\">\n<script src=\"{up}assets/verify.js\" defer></script>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to the content</a>\n<header><p><a href=\"{up}index.html\">Sourcing site</a> · made by provdb from its journal</p></header>\n<main id=\"main\">\n{body}</main>\n</body>\n</html>\n",
        escape(title)
    )
}

/// What the site says of a source's integrity, checked when it was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Integrity {
    Sound,
    Damaged,
    Missing,
}

/// A source as the site shows it.
#[derive(Debug, Clone)]
struct SourceShown {
    record: SourceRecord,
    revisions: Vec<(String, u32)>,
    integrity: Integrity,
    /// The text quotes are anchored in, when it could be read and hashes right.
    text: Option<String>,
    /// The extractor of its text layer, if it has one.
    layer: Option<String>,
}

/// Builds the site: every document (or only `doc`), the sources they and
/// their claims cite, receipts against the latest checkpoint kept.
pub fn build(store: &mut Store, doc: Option<&str>, actor: &str) -> Result<Site, StoreError> {
    let records = super::read_records(store)?;
    let docs: Vec<Vec<crate::storage::index::RevisionRecord>> = match doc {
        Some(slug) => vec![store.revisions(slug)?],
        None => records.revisions.clone(),
    };
    let doc_sources: BTreeSet<SourceId> = docs
        .iter()
        .flatten()
        .map(|record| record.revision.source)
        .collect();
    // The claims the site shows: those cited in a document's revisions
    // (every claim when no document is chosen).
    let traces: Vec<&Trace> = records
        .traces
        .iter()
        .filter(|trace| {
            doc.is_none()
                || trace
                    .citations
                    .iter()
                    .any(|item| doc_sources.contains(&item.record.citation.source))
        })
        .collect();
    let mut shown_sources: BTreeSet<SourceId> = doc_sources.clone();
    for trace in &traces {
        for item in &trace.citations {
            shown_sources.insert(item.record.citation.source);
        }
    }
    if doc.is_none() {
        shown_sources.extend(records.sources.iter().map(|(record, _, _)| record.id));
    }
    let mut sources: BTreeMap<SourceId, SourceShown> = BTreeMap::new();
    for (record, revisions, _) in &records.sources {
        if !shown_sources.contains(&record.id) {
            continue;
        }
        let (integrity, text, layer) = read_source(store, &record.id)?;
        sources.insert(
            record.id,
            SourceShown {
                record: record.clone(),
                revisions: revisions.clone(),
                integrity,
                text,
                layer,
            },
        );
    }
    let checkpoint = store
        .checkpoints()?
        .into_iter()
        .rev()
        .find(|checkpoint| checkpoint.hash == crate::audit::merkle::LOG_TREE);
    let mut site = Site {
        checkpoint: checkpoint.clone(),
        damaged: sources
            .iter()
            .filter(|(_, source)| source.integrity != Integrity::Sound)
            .map(|(id, _)| *id)
            .collect(),
        ..Site::default()
    };
    // Receipts, each checked by provdb before it is written (receipt()).
    let mut receipts: BTreeMap<CitationId, String> = BTreeMap::new();
    for trace in &traces {
        for item in &trace.citations {
            let id = item.record.id;
            let why_not = if item.retraction.is_some() {
                Some("it was retracted".to_string())
            } else {
                match &checkpoint {
                    None => Some("no checkpoint is kept; run `provdb checkpoint`, then `provdb report` again".into()),
                    Some(checkpoint) if item.record.seq > checkpoint.size => Some(format!(
                        "it was recorded after the latest checkpoint (size {}); run `provdb checkpoint`, then `provdb report` again",
                        checkpoint.size
                    )),
                    Some(checkpoint) => match store.receipt(&id.to_hex(), Some(checkpoint.size), false, actor) {
                        Ok(receipt) => {
                            let json = serde_json::to_string_pretty(&receipt).map_err(|error| {
                                StoreError::Io {
                                    action: "writing a receipt for",
                                    path: std::path::PathBuf::from(id.to_hex()),
                                    source: std::io::Error::other(error),
                                }
                            })?;
                            receipts.insert(id, json);
                            None
                        }
                        Err(error) => Some(error.to_string()),
                    },
                }
            };
            if let Some(why) = why_not {
                site.without_receipt.push((id, why));
            }
        }
    }
    let store_id = records.store_id.clone();
    let without: BTreeMap<CitationId, String> = site.without_receipt.iter().cloned().collect();
    // The pages.
    let mut index = String::new();
    let _ = writeln!(
        index,
        "<h1>Sources behind the articles of store {}</h1>",
        escape(&store_id)
    );
    let _ = writeln!(
        index,
        "<p>Every claim these pages show links to the exact words of each source that states it. Each citation has a receipt: a small file that proves, with no server and no trust in this site, that the quoted words are in the source whose hash is given and that the citation was recorded in the log whose checkpoint is below. Your browser checks each receipt when a page opens (it needs JavaScript for that alone); <code>provdb verify-receipt</code> checks the same file.</p>"
    );
    index.push_str(&checkpoint_section(checkpoint.as_ref()));
    if !site.damaged.is_empty() {
        let _ = writeln!(
            index,
            "<p class=\"damage\" role=\"alert\"><strong>Damage:</strong> {} source(s) no longer match their recorded hash or are missing. Their text is not shown and their citations are not presented as verified.</p>",
            site.damaged.len()
        );
    }
    let _ = writeln!(index, "<h2>Documents</h2>\n<ul>");
    for revisions in &docs {
        let Some(first) = revisions.first() else {
            continue;
        };
        let slug = &first.revision.doc;
        let _ = writeln!(
            index,
            "<li><a href=\"{}\">{}</a>, {} revision(s)</li>",
            doc_page(slug),
            escape(slug),
            revisions.len()
        );
    }
    let _ = writeln!(index, "</ul>\n<h2>Sources</h2>\n<ul>");
    for (id, source) in &sources {
        let _ = writeln!(
            index,
            "<li><a href=\"{}\">{}</a> <code>{}</code>{}</li>",
            source_page(id),
            escape(&title_of(&source.record)),
            id.short(),
            integrity_note(source.integrity)
        );
    }
    index.push_str("</ul>\n");
    site.files.insert(
        "index.html".into(),
        page(&format!("Sourcing site of store {store_id}"), 0, &index).into_bytes(),
    );
    for revisions in &docs {
        let Some(first) = revisions.first() else {
            continue;
        };
        let slug = first.revision.doc.clone();
        let body = doc_body(
            store, &slug, revisions, &traces, &sources, &receipts, &without,
        )?;
        site.files.insert(
            doc_page(&slug),
            page(&format!("{slug}: claims and their sources"), 1, &body).into_bytes(),
        );
    }
    for (id, source) in &sources {
        let body = source_body(source, &traces);
        site.files.insert(
            source_page(id),
            page(&title_of(&source.record), 1, &body).into_bytes(),
        );
    }
    for (id, json) in &receipts {
        site.files.insert(
            format!("receipts/{}.json", id.to_hex()),
            format!("{json}\n").into_bytes(),
        );
    }
    if let Some(checkpoint) = &checkpoint {
        let mut text = checkpoint.text();
        if let Some(note) = &checkpoint.note {
            text = note.clone();
        }
        site.files
            .insert("checkpoint.txt".into(), text.into_bytes());
    }
    site.files
        .insert("assets/verify.js".into(), VERIFY_JS.as_bytes().to_vec());
    site.files
        .insert("assets/style.css".into(), STYLE_CSS.as_bytes().to_vec());
    Ok(site)
}

/// A source's integrity, its quotable text when sound, and its layer's extractor.
fn read_source(
    store: &Store,
    id: &SourceId,
) -> Result<(Integrity, Option<String>, Option<String>), StoreError> {
    let bytes = match store.source_bytes(id) {
        Ok(bytes) => bytes,
        Err(StoreError::Objects(_)) => return Ok((Integrity::Missing, None, None)),
        Err(error) => return Err(error),
    };
    if identity::source_id(&bytes) != *id {
        return Ok((Integrity::Damaged, None, None));
    }
    match store.quotable(*id) {
        Ok(quotable) => {
            let layer = quotable
                .layer
                .as_ref()
                .map(|record| format!("{} {}", record.layer.extractor, record.layer.version));
            if quotable.layer.is_some()
                && identity::source_id(quotable.text.as_bytes()) != quotable.object
            {
                return Ok((Integrity::Damaged, None, layer));
            }
            Ok((Integrity::Sound, Some(quotable.text), layer))
        }
        Err(StoreError::NotText { .. }) => Ok((Integrity::Sound, None, None)),
        Err(StoreError::ObjectDamaged { .. }) | Err(StoreError::Objects(_)) => {
            Ok((Integrity::Damaged, None, None))
        }
        Err(error) => Err(error),
    }
}

fn title_of(record: &SourceRecord) -> String {
    record
        .meta
        .title
        .clone()
        .or_else(|| record.name.clone())
        .unwrap_or_else(|| format!("Source {}", record.id.short()))
}

fn integrity_note(integrity: Integrity) -> &'static str {
    match integrity {
        Integrity::Sound => "",
        Integrity::Damaged => {
            " <strong class=\"damage\">damaged: its bytes no longer match its hash</strong>"
        }
        Integrity::Missing => " <strong class=\"damage\">missing from the store</strong>",
    }
}

fn checkpoint_section(checkpoint: Option<&Checkpoint>) -> String {
    match checkpoint {
        None => "<h2>Checkpoint</h2>\n<p>No checkpoint of the log is kept, so no citation has a receipt yet.</p>\n".into(),
        Some(checkpoint) => format!(
            "<h2>Checkpoint</h2>\n<p>The receipts are for this checkpoint of the log (<a href=\"checkpoint.txt\" download>checkpoint.txt</a>){}. Compare it with the one the newsroom publishes elsewhere.</p>\n<dl class=\"checkpoint\"><dt>Origin</dt><dd><code>{}</code></dd><dt>Size</dt><dd>{} entries</dd><dt>Root (SHA-256, base64)</dt><dd><code>{}</code></dd></dl>\n",
            if checkpoint.note.is_some() { ", signed" } else { "" },
            escape(&checkpoint.origin),
            checkpoint.size,
            escape(&checkpoint.root)
        ),
    }
}

/// Up to `width` bytes of `text` before `start` and after `end`, on
/// character boundaries.
fn around(text: &str, start: usize, end: usize, width: usize) -> (usize, usize) {
    let mut from = start.saturating_sub(width);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + width).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    (from, to)
}

/// The quote of a citation in its source's text, marked, with some context.
fn quote_in_context(item: &TracedCitation, source: Option<&SourceShown>) -> String {
    let selector = &item.record.citation.selector;
    let exact = escape(&selector.exact);
    let Some(text) = source.and_then(|source| source.text.as_deref()) else {
        return format!("<blockquote><p><mark>{exact}</mark></p></blockquote>");
    };
    let (start, end) = (selector.start as usize, selector.end as usize);
    if end > text.len()
        || !text.is_char_boundary(start)
        || !text.is_char_boundary(end)
        || text[start..end] != selector.exact
    {
        return format!("<blockquote><p><mark>{exact}</mark></p></blockquote>");
    }
    let (from, to) = around(text, start, end, 160);
    format!(
        "<blockquote><p>{}{}<mark>{}</mark>{}{}</p></blockquote>",
        if from > 0 { "… " } else { "" },
        escape(&text[from..start]),
        escape(&text[start..end]),
        escape(&text[end..to]),
        if to < text.len() { " …" } else { "" }
    )
}

#[allow(clippy::too_many_arguments)]
fn doc_body(
    store: &Store,
    slug: &str,
    revisions: &[crate::storage::index::RevisionRecord],
    traces: &[&Trace],
    sources: &BTreeMap<SourceId, SourceShown>,
    receipts: &BTreeMap<CitationId, String>,
    without: &BTreeMap<CitationId, String>,
) -> Result<String, StoreError> {
    let mut out = String::new();
    let _ = writeln!(out, "<h1>{}: claims and their sources</h1>", escape(slug));
    let _ = writeln!(out, "<h2>Revisions</h2>\n<table>\n<caption>Each revision of {} as logged</caption>\n<thead><tr><th scope=\"col\">Revision</th><th scope=\"col\">Source</th><th scope=\"col\">Published</th><th scope=\"col\">Updated</th><th scope=\"col\">Note</th></tr></thead>\n<tbody>", escape(slug));
    for record in revisions {
        let revision = &record.revision;
        let source = sources.get(&revision.source);
        let meta = source.map(|source| &source.record.meta);
        let when = |value: Option<&crate::model::When>| {
            value
                .map(|when| escape(&when.to_string()))
                .unwrap_or_else(|| "—".into())
        };
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}@{}</th><td><a href=\"../{}\"><code>{}</code></a>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(slug),
            revision.number,
            source_page(&revision.source),
            revision.source.short(),
            source.map_or("", |source| integrity_note(source.integrity)),
            when(meta.and_then(|meta| meta.published.as_ref())),
            when(meta.and_then(|meta| meta.updated.as_ref())),
            escape(revision.note.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody>\n</table>\n");
    for pair in revisions.windows(2) {
        let (a, b) = (&pair[0].revision, &pair[1].revision);
        let a_name = format!("{slug}@{}", a.number);
        let b_name = format!("{slug}@{}", b.number);
        let _ = writeln!(
            out,
            "<h3>What {} changed from {}</h3>",
            escape(&b_name),
            escape(&a_name)
        );
        let sound = |id: &SourceId| {
            sources
                .get(id)
                .is_some_and(|source| source.integrity == Integrity::Sound)
        };
        if !sound(&a.source) || !sound(&b.source) {
            out.push_str(
                "<p class=\"damage\">Not shown: a revision's source is damaged or missing.</p>\n",
            );
            continue;
        }
        match store.diff(&a.source.to_hex(), &b.source.to_hex()) {
            Ok(diff) => {
                out.push_str("<pre class=\"diff\">");
                for run in &diff.runs {
                    match run {
                        Run::Same(old, _) => out.push_str(&escape(&diff.old[old.clone()])),
                        Run::Edit(old, new) => {
                            if !old.is_empty() {
                                let _ =
                                    write!(out, "<del>{}</del>", escape(&diff.old[old.clone()]));
                            }
                            if !new.is_empty() {
                                let _ =
                                    write!(out, "<ins>{}</ins>", escape(&diff.new[new.clone()]));
                            }
                        }
                    }
                }
                out.push_str("</pre>\n<p class=\"legend\">Removed words are struck through (<del>like this</del>); added words are underlined (<ins>like this</ins>).</p>\n");
            }
            Err(error) => {
                let _ = writeln!(out, "<p>No diff: {}</p>", escape(&error.to_string()));
            }
        }
    }
    let doc_sources: BTreeSet<SourceId> = revisions
        .iter()
        .map(|record| record.revision.source)
        .collect();
    let _ = writeln!(out, "<h2>Claims</h2>");
    let mut any = false;
    for trace in traces {
        if !trace
            .citations
            .iter()
            .any(|item| doc_sources.contains(&item.record.citation.source))
        {
            continue;
        }
        any = true;
        let claim = &trace.claim.claim;
        let _ = writeln!(
            out,
            "<section class=\"claim\" id=\"claim-{}\" aria-labelledby=\"claim-{}-h\">\n<h3 id=\"claim-{}-h\">{}</h3>\n<p class=\"id\">Claim <code>{}</code></p>",
            claim.id.short(),
            claim.id.short(),
            claim.id.short(),
            escape(&claim.line()),
            claim.id.to_hex()
        );
        let _ = writeln!(
            out,
            "<h4>Sources that state it</h4>\n<ol class=\"citations\">"
        );
        for item in &trace.citations {
            let source = sources.get(&item.record.citation.source);
            out.push_str(&citation_item(item, source, receipts, without));
        }
        out.push_str("</ol>\n");
        if !trace.others.is_empty() {
            let _ = writeln!(
                out,
                "<h4>Other values recorded for {} · {}</h4>\n<ul>",
                escape(&claim.subject),
                escape(&claim.property)
            );
            for other in &trace.others {
                let relation = match crate::text::extent::relation(claim, &other.claim) {
                    crate::text::extent::Relation::Agree => "can hold beside it",
                    crate::text::extent::Relation::Conflict => {
                        "conflicts with it: both cannot hold"
                    }
                    crate::text::extent::Relation::Incomparable => "cannot be compared with it",
                };
                let _ = writeln!(
                    out,
                    "<li>{} ({relation}; claim <code>{}</code>)</li>",
                    escape(&other.claim.stated_value()),
                    other.claim.id.short()
                );
            }
            out.push_str("</ul>\n");
        }
        if !trace.reviews.is_empty() {
            let _ = writeln!(out, "<h4>Reviews</h4>\n<ul>");
            for review in &trace.reviews {
                let review = &review.review;
                let by: Vec<String> = review
                    .authors
                    .iter()
                    .filter_map(|agent| agent.name.clone())
                    .collect();
                let _ = writeln!(
                    out,
                    "<li>Rated <strong>{}</strong>{}{}</li>",
                    escape(review.rating.label.as_deref().unwrap_or("without a label")),
                    if by.is_empty() {
                        String::new()
                    } else {
                        format!(" by {}", escape(&by.join(", ")))
                    },
                    review
                        .url
                        .as_ref()
                        .map(|url| format!(" (<span class=\"url\">{}</span>)", escape(url)))
                        .unwrap_or_default()
                );
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</section>\n");
    }
    if !any {
        out.push_str("<p>No claim is cited in this document's revisions.</p>\n");
    }
    Ok(out)
}

fn citation_item(
    item: &TracedCitation,
    source: Option<&SourceShown>,
    receipts: &BTreeMap<CitationId, String>,
    without: &BTreeMap<CitationId, String>,
) -> String {
    let citation = &item.record.citation;
    let id = item.record.id;
    let mut out = String::new();
    let title = source
        .map(|source| title_of(&source.record))
        .unwrap_or_else(|| format!("Source {}", citation.source.short()));
    let places: Vec<String> = item
        .revisions
        .iter()
        .map(|(doc, number)| format!("{doc}@{number}"))
        .collect();
    let stance = match citation.stance {
        Stance::Supports => "supports it",
        Stance::Disputes => "disputes it",
        Stance::Mentions => "mentions it",
    };
    let _ = writeln!(
        out,
        "<li id=\"citation-{}\">\n<p><a href=\"../{}#c-{}\">{}</a>{} {stance}:</p>",
        id.short(),
        source_page(&citation.source),
        id.short(),
        escape(&title),
        if places.is_empty() {
            String::new()
        } else {
            format!(" ({})", escape(&places.join(", ")))
        }
    );
    out.push_str(&quote_in_context(item, source));
    let damaged = source.is_none_or(|source| source.integrity != Integrity::Sound)
        || item.anchor != AnchorCheck::Holds;
    if damaged {
        out.push_str("<p class=\"damage\" role=\"alert\">Damage: this quote's source no longer matches its recorded hash or the quote is not at its place; it is not presented as verified. Run <code>provdb verify</code>.</p>\n");
    }
    if let Some(retraction) = &item.retraction {
        let _ = writeln!(
            out,
            "<p class=\"retracted\">Retracted: {}</p>",
            escape(&retraction.reason)
        );
    }
    if let Rank::History(supersession) = &item.rank {
        let _ = writeln!(
            out,
            "<p class=\"history\">Kept as history: superseded by citation <code>{}</code> ({}).</p>",
            supersession.by.short(),
            escape(&supersession.reason)
        );
    }
    match receipts.get(&id) {
        Some(json) if !damaged => {
            let script_id = format!("receipt-{}", id.to_hex());
            let _ = writeln!(
                out,
                "<div class=\"receipt\" data-receipt=\"{script_id}\">\n<p>Receipt: <a href=\"../receipts/{}.json\" download>download</a> · checked in this browser: <span data-receipt-status role=\"status\" aria-live=\"polite\">not checked (needs JavaScript)</span> <span class=\"why\" data-receipt-why></span></p>\n<script type=\"application/json\" id=\"{script_id}\">{}</script>\n</div>",
                id.to_hex(),
                json.replace("</", "<\\/")
            );
        }
        _ => {
            let why = without
                .get(&id)
                .cloned()
                .unwrap_or_else(|| "its source is damaged".into());
            let _ = writeln!(out, "<p class=\"receipt\">No receipt: {}</p>", escape(&why));
        }
    }
    out.push_str("</li>\n");
    out
}

fn source_body(source: &SourceShown, traces: &[&Trace]) -> String {
    let record = &source.record;
    let meta = &record.meta;
    let mut out = String::new();
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title_of(record)));
    let mut rows: Vec<(&str, String)> = vec![
        (
            "BLAKE3 hash",
            format!("<code>{}</code>", record.id.to_hex()),
        ),
        ("Size", format!("{} bytes", record.size)),
    ];
    if let Some(url) = &meta.url {
        rows.push((
            "Address",
            format!("<span class=\"url\">{}</span>", escape(url)),
        ));
    }
    if !meta.authors.is_empty() {
        rows.push(("Authors", escape(&meta.authors.join(", "))));
    }
    for (name, value) in [
        ("Publisher", meta.publisher.clone()),
        (
            "Published",
            meta.published.as_ref().map(ToString::to_string),
        ),
        ("Updated", meta.updated.as_ref().map(ToString::to_string)),
        (
            "Retrieved",
            meta.retrieved.as_ref().map(ToString::to_string),
        ),
        ("Language", meta.language.clone()),
        ("Text layer", source.layer.clone()),
    ] {
        if let Some(value) = value {
            rows.push((name, escape(&value)));
        }
    }
    if !source.revisions.is_empty() {
        let places: Vec<String> = source
            .revisions
            .iter()
            .map(|(doc, number)| {
                format!(
                    "<a href=\"../{}\">{}@{}</a>",
                    doc_page(doc),
                    escape(doc),
                    number
                )
            })
            .collect();
        rows.push(("Revision of", places.join(", ")));
    }
    rows.push((
        "Integrity",
        match source.integrity {
            Integrity::Sound => "its bytes hash to the id above (checked when this site was built)".into(),
            Integrity::Damaged => "<strong class=\"damage\">damaged: its bytes no longer hash to the id above; its text is not shown</strong>".into(),
            Integrity::Missing => "<strong class=\"damage\">missing from the store; its text is not shown</strong>".into(),
        },
    ));
    out.push_str("<dl class=\"meta\">\n");
    for (name, value) in rows {
        let _ = writeln!(out, "<dt>{name}</dt><dd>{value}</dd>");
    }
    out.push_str("</dl>\n");
    // The citations of this source, each passage marked in its text.
    let mut cited: Vec<&TracedCitation> = traces
        .iter()
        .flat_map(|trace| trace.citations.iter())
        .filter(|item| item.record.citation.source == record.id)
        .collect();
    cited.sort_by_key(|item| (item.record.citation.selector.start, item.record.id));
    cited.dedup_by_key(|item| item.record.id);
    if !cited.is_empty() {
        let _ = writeln!(out, "<h2>Cited passages</h2>\n<ul>");
        for item in &cited {
            let claim_line = traces
                .iter()
                .find(|trace| trace.claim.claim.id == item.record.citation.claim)
                .map(|trace| trace.claim.claim.line())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<li><a href=\"#c-{}\">«{}»</a> for {}</li>",
                item.record.id.short(),
                escape(&item.record.citation.selector.exact),
                escape(&claim_line)
            );
        }
        out.push_str("</ul>\n");
    }
    let Some(text) = &source.text else {
        if source.integrity == Integrity::Sound {
            out.push_str("<p>This source has no text provdb can show.</p>\n");
        }
        return out;
    };
    let _ = writeln!(
        out,
        "<h2>Its text</h2>\n<p>As provdb quotes it{}, each cited passage marked.</p>",
        if source.layer.is_some() {
            " (its text layer: what a reader sees of it)"
        } else {
            ""
        }
    );
    // Segment boundaries: every cited range's ends.
    let ranges: Vec<(usize, usize, CitationId)> = cited
        .iter()
        .filter(|item| item.anchor == AnchorCheck::Holds)
        .map(|item| {
            let selector = &item.record.citation.selector;
            (
                selector.start as usize,
                selector.end as usize,
                item.record.id,
            )
        })
        .filter(|(start, end, _)| {
            *end <= text.len()
                && text.is_char_boundary(*start)
                && text.is_char_boundary(*end)
                && start < end
        })
        .collect();
    let mut cuts: BTreeSet<usize> = BTreeSet::from([0, text.len()]);
    for (start, end, _) in &ranges {
        cuts.insert(*start);
        cuts.insert(*end);
    }
    let cuts: Vec<usize> = cuts.into_iter().collect();
    out.push_str("<pre class=\"text\">");
    for window in cuts.windows(2) {
        let (from, to) = (window[0], window[1]);
        for (start, _, id) in &ranges {
            if *start == from {
                let _ = write!(out, "<span id=\"c-{}\"></span>", id.short());
            }
        }
        let covered = ranges
            .iter()
            .any(|(start, end, _)| *start <= from && to <= *end);
        if covered {
            let _ = write!(out, "<mark>{}</mark>", escape(&text[from..to]));
        } else {
            out.push_str(&escape(&text[from..to]));
        }
    }
    out.push_str("</pre>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
