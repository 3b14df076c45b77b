//! `provdb retract CITATION --reason …`.

use serde_json::json;

use crate::cli::{CliError, Ctx};

/// Retract a citation. Nothing is deleted: the retraction is a journal entry, and
/// `trace` shows the citation as retracted with its reason. Copies carried
/// from it into later revisions of a document are retracted with it.
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
    let retracted =
        ctx.with_store(|opened| opened.retract(&args.citation, &args.reason, &actor))?;
    if ctx.json {
        let carried: Vec<String> = retracted.carried.iter().map(|id| id.to_hex()).collect();
        writeln!(
            ctx.out,
            "{}",
            json!({"citation": retracted.citation.to_hex(), "retracted": true, "carried": carried})
        )?;
    } else {
        writeln!(ctx.out, "retracted citation {}", retracted.citation)?;
        for copy in &retracted.carried {
            writeln!(
                ctx.out,
                "retracted citation {copy} with it (carried from it into a later revision)"
            )?;
        }
    }
    Ok(())
}
