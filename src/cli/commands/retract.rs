//! `provdb retract CITATION --reason …`.

use serde_json::json;

use crate::cli::{CliError, Ctx};

/// Retract a citation. Nothing is deleted: the retraction is a journal entry, and
/// `trace` shows the citation as retracted with its reason.
#[derive(Debug, clap::Args)]
pub struct RetractArgs {
    /// The citation: its id or a unique prefix.
    pub citation: String,
    /// Why it is retracted.
    #[arg(long)]
    pub reason: String,
}

/// Runs `retract`.
pub fn run(args: RetractArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let mut opened = ctx.open()?;
    let result = opened.retract(&args.citation, &args.reason, &actor);
    let closed = ctx.close(opened);
    let id = result?;
    closed?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({"citation": id.to_hex(), "retracted": true})
        )?;
    } else {
        writeln!(ctx.out, "retracted citation {id}")?;
    }
    Ok(())
}
