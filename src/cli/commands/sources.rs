//! `provdb sources`.

use crate::cli::{CliError, Ctx};
use crate::export::json as shapes;
use crate::model::SourceRecord;
use crate::spool::{Spool, SpoolError};
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
            spool.push(line).map_err(spool_error)
        })?;
        spool.finish().map_err(spool_error)?;
        Ok::<_, StoreError>(spool)
    })?;
    let unread = |error: std::io::Error| {
        CliError::Store(StoreError::Io {
            action: "the sources were listed, but the list could not be read back from",
            path: spool.place().into(),
            source: error,
        })
    };
    if json {
        // What `json!({"sources": items})` prints, an item at a time.
        write!(ctx.out, "{{\"sources\":[")?;
        for (at, line) in spool.lines().enumerate() {
            if at > 0 {
                write!(ctx.out, ",")?;
            }
            write!(ctx.out, "{}", line.map_err(unread)?)?;
        }
        writeln!(ctx.out, "]}}")?;
        return Ok(());
    }
    if spool.is_empty() {
        writeln!(ctx.out, "no sources yet; record one with `provdb add FILE`")?;
    }
    for line in spool.lines() {
        writeln!(ctx.out, "{}", line.map_err(unread)?)?;
    }
    Ok(())
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

fn spool_error(error: SpoolError) -> StoreError {
    StoreError::Io {
        action: "gathering the list of sources (nothing was changed; free space there, or set TMPDIR) in",
        path: error.place.into(),
        source: error.source,
    }
}
