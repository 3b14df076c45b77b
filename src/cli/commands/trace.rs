//! `provdb trace CLAIM`.

use std::io::{self, Write};

use crate::cli::{CliError, Ctx};
use crate::export::json;
use crate::store::{Rank, Trace, TracedCitation};
use crate::text::anchor::AnchorCheck;

use super::{claim_line, source_label};

/// Show a claim, every citation with its quote in context and its source, whether
/// each source still hashes to its id and each quote still sits at its range,
/// and other claims that give a different value.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// The claim: its id or a unique prefix.
    pub claim: String,
    /// Answer from what the store had recorded at this time (RFC 3339, or a
    /// date: the end of that day, UTC).
    #[arg(long, value_name = "WHEN")]
    pub as_of: Option<String>,
}

/// Runs `trace`.
pub fn run(args: TraceArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let as_of = super::parse_as_of(args.as_of.as_deref())?;
    let trace = ctx.with_store(|opened| {
        super::apply_as_of(opened, as_of.as_ref()).and_then(|()| opened.trace(&args.claim))
    })?;
    if ctx.json {
        writeln!(ctx.out, "{}", json::trace(&trace))?;
    } else {
        write_trace(ctx.out, &trace)?;
    }
    Ok(())
}

/// Writes one citation as `trace` and `show` print it.
pub fn write_citation(out: &mut dyn Write, item: &TracedCitation, indent: &str) -> io::Result<()> {
    let record = &item.record;
    let status = match &item.retraction {
        Some(retraction) => format!(
            "RETRACTED {} by {}: {}",
            retraction.time, retraction.actor, retraction.reason
        ),
        None => match &item.rank {
            Rank::Preferred => "live, preferred".to_string(),
            Rank::History(by) => format!(
                "live, history: superseded by {} ({})",
                by.by.short(),
                by.reason
            ),
        },
    };
    let flag = if record.citation.value_not_in_quote {
        ", value not in quote (declared)"
    } else {
        ""
    };
    writeln!(
        out,
        "{indent}citation {}  {} · {}{flag}",
        record.id.short(),
        record.citation.stance.name(),
        status
    )?;
    match &item.context {
        Some(context) => writeln!(out, "{indent}  {context}")?,
        None => writeln!(out, "{indent}  «{}»", record.citation.selector.exact)?,
    }
    let label = item
        .source
        .as_ref()
        .map(source_label)
        .unwrap_or_else(|| "unknown source".into());
    writeln!(out, "{indent}  source {}  {label}", record.citation.source)?;
    if let Some(source) = &item.source {
        let meta = &source.meta;
        let mut facts = Vec::new();
        if let Some(publisher) = &meta.publisher {
            facts.push(format!("publisher {publisher}"));
        }
        if !meta.authors.is_empty() {
            facts.push(format!("by {}", meta.authors.join(", ")));
        }
        if let Some(published) = &meta.published {
            facts.push(format!("published {published}"));
        }
        if let Some(updated) = &meta.updated {
            facts.push(format!("updated {updated}"));
        }
        if !facts.is_empty() {
            writeln!(out, "{indent}  {}", facts.join(" · "))?;
        }
    }
    for (doc, number) in &item.revisions {
        writeln!(out, "{indent}  document {doc}, revision {number}")?;
    }
    if let Some(carried) = &record.carried {
        writeln!(
            out,
            "{indent}  carried from citation {} into {}@{} ({})",
            carried.from.short(),
            carried.doc,
            carried.number,
            carried.method.name()
        )?;
    }
    for (doc, number, drift) in &item.drift {
        if drift.outcome.carries() {
            continue;
        }
        let detail = match (&drift.value_change, &drift.candidate) {
            (Some(change), _) => format!(
                ": value changed {} → {}",
                change.from,
                change.to.as_deref().unwrap_or("(none stated)")
            ),
            (None, Some(candidate)) => format!(": now {:?}", candidate.exact),
            (None, None) => String::new(),
        };
        writeln!(
            out,
            "{indent}  not carried into {doc}@{number}: {}{detail}",
            drift.outcome.name()
        )?;
    }
    let bytes = match item.source_intact {
        Some(true) => "source bytes hash to its id",
        Some(false) => "SOURCE BYTES NO LONGER HASH TO ITS ID",
        None => "SOURCE BYTES ARE MISSING",
    };
    let anchor = match item.anchor {
        AnchorCheck::Holds => "quote holds",
        AnchorCheck::QuoteChanged => "QUOTE NO LONGER AT ITS RANGE",
        AnchorCheck::ContextChanged => "QUOTE CONTEXT CHANGED",
        AnchorCheck::OutOfRange => "QUOTE RANGE OUTSIDE SOURCE",
    };
    let selector = &record.citation.selector;
    let place = match &record.citation.layer {
        Some(layer) => format!(
            "bytes {}..{} of its text layer {}{}{}",
            selector.start,
            selector.end,
            layer.object.short(),
            match (layer.pages.as_slice(), item.page_labels.as_slice()) {
                ([], _) => String::new(),
                ([page], [label]) if label != &page.to_string() => {
                    format!(", on page {page} (labelled {label})")
                }
                ([page], _) => format!(", on page {page}"),
                ([first, .., last], [first_label, .., last_label])
                    if *first_label != first.to_string() || *last_label != last.to_string() =>
                {
                    format!(", on pages {first}–{last} (labelled {first_label}–{last_label})")
                }
                ([first, .., last], _) => format!(", on pages {first}–{last}"),
            },
            if layer.original.is_empty() {
                String::new()
            } else {
                format!(
                    ", read from source bytes {}",
                    layer
                        .original
                        .iter()
                        .map(|[start, end]| format!("{start}..{end}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ),
        None => format!("bytes {}..{}", selector.start, selector.end),
    };
    writeln!(
        out,
        "{indent}  {place} · {bytes} · {anchor} · recorded {} by {}",
        record.recorded, record.actor
    )
}

/// Writes a whole trace.
pub fn write_trace(out: &mut dyn Write, trace: &Trace) -> io::Result<()> {
    writeln!(out, "claim {}", trace.claim.claim.id)?;
    writeln!(out, "  {}", claim_line(&trace.claim.claim))?;
    writeln!(
        out,
        "  recorded {} by {}",
        trace.claim.recorded, trace.claim.actor
    )?;
    let live = trace
        .citations
        .iter()
        .filter(|item| item.retraction.is_none())
        .count();
    writeln!(
        out,
        "{} citation{} ({live} live)",
        trace.citations.len(),
        if trace.citations.len() == 1 { "" } else { "s" }
    )?;
    for item in &trace.citations {
        write_citation(out, item, "  ")?;
    }
    if trace.others.is_empty() {
        writeln!(
            out,
            "no other values recorded for this subject and property"
        )?;
    } else {
        writeln!(out, "other values for this subject and property:")?;
        for other in &trace.others {
            use crate::text::extent::{relation, Relation};
            let how = if other.claim.qualifiers.as_of != trace.claim.claim.qualifiers.as_of {
                "a different as-of time"
            } else {
                match relation(&trace.claim.claim, &other.claim) {
                    Relation::Agree => "can both hold",
                    Relation::Conflict => "cannot both hold",
                    Relation::Incomparable => "not compared",
                }
            };
            writeln!(
                out,
                "  {}  {}  ({how})",
                other.claim.id.short(),
                claim_line(&other.claim)
            )?;
        }
    }
    for record in &trace.reviews {
        writeln!(out, "{}", super::reviews::review_line(&record.review))?;
    }
    Ok(())
}
