//! `provdb sources`.

use crate::cli::{CliError, Ctx};
use crate::export::json as shapes;
use crate::model::SourceRecord;
use crate::spool::Spool;
use crate::store::StoreError;

use super::source_label;

/// List every source with its size, documents and citation count.
#[derive(Debug, clap::Args)]
pub struct SourcesArgs {}

/// Runs `sources`. The list is gathered under the store's lock into a
/// `Spool` and printed once the lock is released: a reader slow to take it
/// (a pipe into a loop that runs provdb again) never holds the store, and a
/// store of any size is listed in bounded memory.
pub fn run(_args: SourcesArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let json = ctx.json;
    let spool = ctx.with_store(|opened| {
        let mut spool = Spool::new("sources");
        opened.for_each_source(&mut |(record, revisions, citations)| {
            let line = if json {
                shapes::source(&record, &revisions, Some(citations)).to_string()
            } else {
                text_line(&record, &revisions, citations)
            };
            spool.push(line).map_err(super::spool_error)
        })?;
        spool.finish().map_err(super::spool_error)?;
        Ok::<_, StoreError>(spool)
    })?;
    super::print_spooled(
        ctx,
        &spool,
        "sources",
        "no sources yet; record one with `provdb add FILE`",
    )
}

/// Returns a source's line of the text list.
fn text_line(record: &SourceRecord, revisions: &[(String, u32)], citations: usize) -> String {
    let docs: Vec<String> = revisions
        .iter()
        .map(|(doc, number)| format!("{doc}@{number}"))
        .collect();
    let docs = if docs.is_empty() {
        String::new()
    } else {
        format!("  [{}]", docs.join(", "))
    };
    format!(
        "{}  {:>8} bytes  {} citation{}  {}{docs}",
        record.id.short(),
        record.size,
        citations,
        if citations == 1 { " " } else { "s" },
        source_label(record)
    )
}
