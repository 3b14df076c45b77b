//! `provdb show ID`.

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::export::json as shapes;
use crate::store::Shown;

use super::{claim_line, source_label, trace};

/// Show any source, claim or citation by id or unique prefix.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The id, a unique prefix of 4 or more hex characters, or a revision
    /// name (SLUG@N, SLUG@latest, SLUG@-K, SLUG@DATE).
    pub id: String,
    /// Answer from what the store had recorded at this time (RFC 3339, or a
    /// date: the end of that day, UTC).
    #[arg(long, value_name = "WHEN")]
    pub as_of: Option<String>,
}

/// Runs `show`.
pub fn run(args: ShowArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let as_of = super::parse_as_of(args.as_of.as_deref())?;
    let (shown, amendments) = ctx.with_store(|opened| {
        super::apply_as_of(opened, as_of.as_ref())?;
        let shown = opened.show(&args.id)?;
        let amendments = match &shown {
            Shown::Source(record, ..) => opened.amendments(&record.id)?,
            _ => Vec::new(),
        };
        Ok::<_, crate::store::StoreError>((shown, amendments))
    })?;
    match shown {
        Shown::Source(record, revisions, citations) => {
            if ctx.json {
                let mut value = shapes::source(&record, &revisions, Some(citations));
                value["kind"] = json!("source");
                value["amendments"] = amendments
                    .iter()
                    .map(|item| {
                        json!({
                            "meta": item.meta,
                            "reason": item.reason,
                            "recorded": item.recorded,
                            "actor": item.actor,
                            "seq": item.seq,
                        })
                    })
                    .collect();
                writeln!(ctx.out, "{value}")?;
            } else {
                writeln!(ctx.out, "source {}", record.id)?;
                writeln!(ctx.out, "  {}", source_label(&record))?;
                writeln!(
                    ctx.out,
                    "  {} bytes · recorded {} by {}",
                    record.size, record.recorded, record.actor
                )?;
                if let Some(name) = &record.name {
                    writeln!(ctx.out, "  file: {name}")?;
                }
                for item in &amendments {
                    writeln!(
                        ctx.out,
                        "  metadata amended {} by {}: {}",
                        item.recorded, item.actor, item.reason
                    )?;
                }
                let meta = serde_json::to_value(&record.meta).map_err(std::io::Error::other)?;
                if let Some(fields) = meta.as_object() {
                    for (field, value) in fields {
                        if field != "title" && field != "url" {
                            writeln!(
                                ctx.out,
                                "  {field}: {}",
                                value
                                    .as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| value.to_string())
                            )?;
                        }
                    }
                }
                for (doc, number) in &revisions {
                    writeln!(ctx.out, "  document {doc}, revision {number}")?;
                }
                writeln!(
                    ctx.out,
                    "  {citations} citation{}",
                    if citations == 1 { "" } else { "s" }
                )?;
            }
        }
        Shown::Claim(traced) => {
            if ctx.json {
                let mut value = shapes::trace(&traced);
                value["kind"] = json!("claim");
                writeln!(ctx.out, "{value}")?;
            } else {
                trace::write_trace(ctx.out, &traced)?;
            }
        }
        Shown::Citation(item, claim) => {
            if ctx.json {
                let mut value = shapes::citation(&item);
                value["kind"] = json!("citation");
                value["claim_record"] = claim.as_ref().map(shapes::claim).unwrap_or_default();
                writeln!(ctx.out, "{value}")?;
            } else {
                if let Some(claim) = &claim {
                    writeln!(
                        ctx.out,
                        "claim {}  {}",
                        claim.claim.id.short(),
                        claim_line(&claim.claim)
                    )?;
                }
                trace::write_citation(ctx.out, &item, "")?;
            }
        }
    }
    Ok(())
}
