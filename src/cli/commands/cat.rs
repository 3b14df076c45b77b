//! `provdb cat SOURCE`.

use crate::cli::{CliError, Ctx};

/// Write a source's raw bytes to standard output, after checking they still hash to its id.
#[derive(Debug, clap::Args)]
pub struct CatArgs {
    /// The source: its id or a unique prefix.
    pub source: String,
}

/// Runs `cat`.
pub fn run(args: CatArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    ctx.with_store_writing(|opened, out| opened.cat(&args.source, out))?;
    Ok(())
}
