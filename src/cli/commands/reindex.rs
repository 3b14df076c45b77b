//! `provdb reindex`.

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::store::reindex;

/// Rebuild the index from the journal. Queries answer the same afterwards.
/// Object files no journal entry records (left by interrupted adds) are removed.
#[derive(Debug, clap::Args)]
pub struct ReindexArgs {}

/// Runs `reindex`.
pub fn run(_args: ReindexArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let path = ctx.store_path()?;
    let (applied, removed) = ctx.with_lock_options(|options| reindex(&path, options))?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({"entries": applied, "removed_objects": removed})
        )?;
    } else {
        writeln!(ctx.out, "rebuilt the index from {applied} journal entries")?;
        if removed > 0 {
            writeln!(
                ctx.out,
                "removed {removed} object file(s) no journal entry recorded (left by interrupted adds)"
            )?;
        }
    }
    Ok(())
}
