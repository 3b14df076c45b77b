//! `provdb drift --doc SLUG`: what each revision did to the citations of the one before.

use std::io::{self, Write};

use serde_json::{json, Value as Json};

use crate::cli::{CliError, Ctx};
use crate::model::Outcome;
use crate::store::{CarryReport, Followed, OutcomeCounts};

use super::claim_line;

/// Show, for each revision of a document, what it did to the citations of the
/// revision before: carried (unchanged or moved), ambiguous, changed (with the
/// closest passage and whether the value changed) or lost. This is the report
/// `add --doc` printed, read back from the journal.
#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// The document.
    #[arg(long, value_name = "SLUG")]
    pub doc: String,
    /// Only this revision (what it did to the one before it).
    #[arg(long, value_name = "N")]
    pub revision: Option<u32>,
    /// List carried citations too, not only those that were not carried.
    #[arg(long)]
    pub all: bool,
    /// Read the store as it stood at this time (RFC 3339 or a date).
    #[arg(long, value_name = "WHEN")]
    pub as_of: Option<String>,
}

/// Runs `drift`.
pub fn run(args: DriftArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let as_of = super::parse_as_of(args.as_of.as_deref())?;
    let reports = ctx.with_store(|opened| {
        super::apply_as_of(opened, as_of.as_ref())
            .and_then(|()| opened.drift_reports(&args.doc, args.revision))
    })?;
    if ctx.json {
        let items: Vec<Json> = reports.iter().map(report_json).collect();
        writeln!(ctx.out, "{}", json!({"doc": args.doc, "revisions": items}))?;
    } else if reports.is_empty() {
        writeln!(
            ctx.out,
            "{} has one revision; drift is what a later revision does to its citations",
            args.doc
        )?;
    } else {
        for report in &reports {
            write_report(ctx.out, report, args.all)?;
        }
    }
    Ok(())
}

/// Returns one followed citation as JSON.
pub fn followed_json(item: &Followed) -> Json {
    json!({
        "citation": item.from.id.to_hex(),
        "claim": item.from.citation.claim.to_hex(),
        "claim_text": item.claim.as_ref().map(|claim| claim_line(&claim.claim)),
        "quote": item.from.citation.selector.exact,
        "outcome": item.outcome.name(),
        "carried": item.outcome.carries(),
        "carried_to": item.to.map(|id| id.to_hex()),
        "occurrences": item.occurrences,
        "range": item.range.map(|(start, end)| json!({"start": start, "end": end})),
        "candidate": item.candidate.as_ref().map(|candidate| json!({
            "exact": candidate.exact,
            "start": candidate.start,
            "end": candidate.end,
            "score": f64::from(candidate.score) / 1000.0,
        })),
        "value_changed": item.value_change.is_some(),
        "value_change": item.value_change,
    })
}

/// Returns counts by outcome as a JSON object keyed by outcome name.
pub fn counts_json(counts: OutcomeCounts) -> Json {
    counts
        .by_outcome()
        .map(|(outcome, count)| (outcome.name().to_string(), json!(count)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Returns a report as JSON.
pub fn report_json(report: &CarryReport) -> Json {
    let counts = report.counts();
    json!({
        "doc": report.doc,
        "revision": report.number,
        "previous_source": report.previous.map(|id| id.to_hex()),
        "same_bytes": report.same_bytes,
        "skipped": report.skipped,
        "summary": counts.summary_line(),
        "counts": counts_json(counts),
        "citations": report.items.iter().map(followed_json).collect::<Vec<_>>(),
    })
}

/// Writes one followed citation.
pub fn write_followed(out: &mut dyn Write, item: &Followed) -> io::Result<()> {
    let claim = item
        .claim
        .as_ref()
        .map(|claim| claim_line(&claim.claim))
        .unwrap_or_else(|| "unknown claim".into());
    writeln!(
        out,
        "  {:<9} citation {}  {claim}",
        item.outcome.name(),
        item.from.id.short()
    )?;
    let quote = &item.from.citation.selector.exact;
    match (item.outcome, &item.candidate, item.range) {
        (Outcome::Changed, Some(candidate), _) => writeln!(
            out,
            "            {quote:?} → {:?} (bytes {}..{}, score {:.3})",
            candidate.exact,
            candidate.start,
            candidate.end,
            f64::from(candidate.score) / 1000.0
        )?,
        (Outcome::Ambiguous, ..) => writeln!(
            out,
            "            {quote:?} occurs {} times and its context singles none out; cite the right one with `provdb cite`",
            item.occurrences
        )?,
        (Outcome::Lost, ..) => writeln!(out, "            {quote:?} is nowhere in the new text")?,
        (_, _, Some((start, end))) => writeln!(
            out,
            "            {quote:?} at bytes {start}..{end}{}",
            item.to
                .map(|to| format!(", now citation {}", to.short()))
                .unwrap_or_default()
        )?,
        _ => writeln!(out, "            {quote:?}")?,
    }
    if let Some(change) = &item.value_change {
        match &change.to {
            Some(to) => writeln!(out, "            value changed: {} → {to}", change.from)?,
            None => writeln!(
                out,
                "            value changed: the passage no longer states {}",
                change.from
            )?,
        }
    }
    Ok(())
}

/// Writes a report: its summary, and the citations not carried (all with `all`).
pub fn write_report(out: &mut dyn Write, report: &CarryReport, all: bool) -> io::Result<()> {
    let head = format!("{}@{}", report.doc, report.number);
    if report.same_bytes {
        return writeln!(
            out,
            "{head}: same bytes as @{}; every citation stands as it is",
            report.number - 1
        );
    }
    if let Some(why) = &report.skipped {
        writeln!(out, "{head}: {why}")?;
    }
    writeln!(out, "{head}: {}", report.counts().summary_line())?;
    for item in &report.items {
        if all || !item.outcome.carries() {
            write_followed(out, item)?;
        }
    }
    Ok(())
}
