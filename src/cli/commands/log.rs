//! `provdb log`.

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::export::json as shapes;
use crate::model::{Change, Entry};
use crate::spool::Spool;
use crate::store::RevisionEntry;
use crate::store::StoreError;

/// List the journal's entries, or with --doc a document's revisions: number,
/// source, size, stated and recorded times, note, and what each revision did
/// to the citations of the one before ("3 carried, 1 changed, 1 lost").
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// List this document's revisions instead.
    #[arg(long, value_name = "SLUG")]
    pub doc: Option<String>,
}

/// Returns what a revision did, in one line.
fn revision_summary(entry: &RevisionEntry) -> String {
    let number = entry.record.revision.number;
    let mut text = if number == 1 {
        "first revision".to_string()
    } else if entry.same_bytes {
        format!("same bytes as @{}; every citation stands", number - 1)
    } else {
        entry.counts.summary_line()
    };
    if let Some(earlier) = entry.same_as.filter(|_| !entry.same_bytes) {
        text.push_str(&format!("; a revert: same bytes as @{earlier}"));
    }
    text
}

/// Returns a one-line summary of a change.
fn summary(change: &Change) -> String {
    match change {
        Change::Init { store, format } => format!("init store {store} (format {format})"),
        Change::AddSource {
            source,
            size,
            meta,
            name,
        } => {
            format!(
                "add source {} ({size} bytes){}{}",
                source.short(),
                meta.title
                    .as_ref()
                    .map(|t| format!(" {t:?}"))
                    .unwrap_or_default(),
                name.as_ref()
                    .map(|name| format!(" from file {name:?}"))
                    .unwrap_or_default()
            )
        }
        Change::DeriveText(layer) => format!(
            "text layer {} of source {} ({} bytes, by {} {})",
            layer.layer.short(),
            layer.source.short(),
            layer.size,
            layer.extractor,
            layer.version
        ),
        Change::Capture(capture) => format!(
            "captured source {} from {} ({}{}), WARC records {}",
            capture.source.short(),
            capture.final_url,
            capture.status,
            match capture.redirects.len() {
                0 => String::new(),
                n => format!(", after {n} redirect(s) from {}", capture.url),
            },
            capture.warc.short()
        ),
        Change::AddRevision(revision) => {
            format!(
                "revision {} of {} is source {}",
                revision.number,
                revision.doc,
                revision.source.short()
            )
        }
        Change::RecordClaim(claim) => {
            format!("claim {}: {}", claim.id.short(), super::claim_line(claim))
        }
        Change::Review(review) => super::reviews::review_line(review),
        Change::Merge {
            bundle,
            store,
            size,
            merged,
            ..
        } => format!(
            "merge {merged} of {size} entries of store {store} from bundle {}",
            &bundle[..bundle.len().min(12)]
        ),
        Change::Cite {
            citation,
            carried,
            body,
        } => format!(
            "cite {}: claim {} in source {} bytes {}..{} ({}){}",
            citation.short(),
            body.claim.short(),
            body.source.short(),
            body.selector.start,
            body.selector.end,
            body.stance.name(),
            carried
                .as_ref()
                .map(|carried| format!(
                    ", carried from {} into {}@{} ({})",
                    carried.from.short(),
                    carried.doc,
                    carried.number,
                    carried.method.name()
                ))
                .unwrap_or_default()
        ),
        Change::Drift(drift) => format!(
            "drift {}@{}: citation {} {}",
            drift.doc,
            drift.number,
            drift.citation.short(),
            drift.outcome.name()
        ),
        Change::Supersede {
            citation,
            by,
            reason,
        } => format!("supersede {} by {}: {reason}", citation.short(), by.short()),
        Change::Retract { citation, reason } => format!("retract {}: {reason}", citation.short()),
        Change::Amend { source, reason, .. } => {
            format!("amend source {}: {reason}", source.short())
        }
        Change::ReviewConflict(review) => format!(
            "conflict reviewed: {} · {} ({} values): {}",
            review.subject,
            review.property,
            review.claims.len(),
            review.note
        ),
    }
}

/// Runs `log`.
pub fn run(args: LogArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    if let Some(doc) = &args.doc {
        let entries = ctx.with_store(|opened| opened.revision_log(doc))?;
        if ctx.json {
            let items: Vec<_> = entries
                .iter()
                .map(|entry| {
                    let mut value = shapes::revision(&entry.record);
                    value["size"] = json!(entry.size);
                    value["same_bytes_as_previous"] = json!(entry.same_bytes);
                    value["same_bytes_as"] = json!(entry.same_as);
                    value["summary"] = json!(revision_summary(entry));
                    value["counts"] = super::drift::counts_json(entry.counts);
                    value
                })
                .collect();
            writeln!(ctx.out, "{}", json!({"doc": doc, "revisions": items}))?;
        } else {
            for entry in &entries {
                let record = &entry.record;
                let revision = &record.revision;
                let mut stated = Vec::new();
                if let Some(published) = &revision.published {
                    stated.push(format!("published {published}"));
                }
                if let Some(updated) = &revision.updated {
                    stated.push(format!("updated {updated}"));
                }
                let stated = if stated.is_empty() {
                    "no stated time".to_string()
                } else {
                    stated.join(", ")
                };
                let size = entry
                    .size
                    .map(|size| format!("{size} bytes"))
                    .unwrap_or_else(|| "size unknown".into());
                writeln!(
                    ctx.out,
                    "{doc}@{}  source {}  {size}  {stated}  recorded {} by {}",
                    revision.number,
                    revision.source.short(),
                    record.recorded,
                    record.actor
                )?;
                writeln!(ctx.out, "    {}", revision_summary(entry))?;
                if let Some(note) = &revision.note {
                    writeln!(ctx.out, "    note: {note}")?;
                }
            }
        }
        return Ok(());
    }
    // Gathered under the store's lock into a `Spool` and printed once it
    // is released, as `sources` and `claims` are: a journal of any length in
    // bounded memory, and a reader slow to take it never holds the store.
    let json_mode = ctx.json;
    let spool = ctx.with_store(|opened| {
        let mut spool = Spool::new("log");
        let mut failed = None;
        let walked = opened.for_each_entry(&mut |entry: &Entry| {
            let line = if json_mode {
                serde_json::to_value(entry)
                    .map_err(std::io::Error::other)?
                    .to_string()
            } else {
                text_line(entry)
            };
            spool.push(line).map_err(|error| {
                let io = std::io::Error::other(error.to_string());
                failed = Some(error);
                io
            })
        });
        if let Some(error) = failed {
            return Err(super::spool_error(error));
        }
        walked?;
        spool.finish().map_err(super::spool_error)?;
        Ok::<_, StoreError>(spool)
    })?;
    super::print_spooled(ctx, &spool, "entries", "")
}

/// Returns an entry's line of the text log.
fn text_line(entry: &Entry) -> String {
    let origin = entry
        .origin
        .as_ref()
        .map(|origin| {
            format!(
                "  [merged: entry {} of store {}, by {} at {}]",
                origin.seq,
                &origin.store[..origin.store.len().min(12)],
                origin.actor,
                origin.time
            )
        })
        .unwrap_or_default();
    format!(
        "{:>6}  {}  {:<12}  {}{origin}",
        entry.seq,
        entry.time,
        entry.actor,
        summary(&entry.change)
    )
}
