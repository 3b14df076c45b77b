//! `provdb reindex`.

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::store::reindex;

/// Rebuild the index from the journal. Queries answer the same afterwards.
#[derive(Debug, clap::Args)]
pub struct ReindexArgs {}

/// Runs `reindex`.
pub fn run(_args: ReindexArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let path = ctx.store_path()?;
    let applied = ctx.with_lock_options(|options| reindex(&path, options))?;
    if ctx.json {
        writeln!(ctx.out, "{}", json!({"entries": applied}))?;
    } else {
        writeln!(ctx.out, "rebuilt the index from {applied} journal entries")?;
    }
    Ok(())
}
