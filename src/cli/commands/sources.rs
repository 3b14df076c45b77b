//! `provdb sources`.

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::export::json as shapes;

use super::source_label;

/// List every source with its size, documents and citation count.
#[derive(Debug, clap::Args)]
pub struct SourcesArgs {}

/// Runs `sources`.
pub fn run(_args: SourcesArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let sources = ctx.with_store(|opened| opened.sources())?;
    if ctx.json {
        let items: Vec<_> = sources
            .iter()
            .map(|(record, revisions, citations)| {
                shapes::source(record, revisions, Some(*citations))
            })
            .collect();
        writeln!(ctx.out, "{}", json!({"sources": items}))?;
        return Ok(());
    }
    if sources.is_empty() {
        writeln!(ctx.out, "no sources yet; record one with `provdb add FILE`")?;
    }
    for (record, revisions, citations) in &sources {
        let docs: Vec<String> = revisions
            .iter()
            .map(|(doc, number)| format!("{doc}@{number}"))
            .collect();
        let docs = if docs.is_empty() {
            String::new()
        } else {
            format!("  [{}]", docs.join(", "))
        };
        writeln!(
            ctx.out,
            "{}  {:>8} bytes  {} citation{}  {}{docs}",
            record.id.short(),
            record.size,
            citations,
            if *citations == 1 { " " } else { "s" },
            source_label(record)
        )?;
    }
    Ok(())
}
