//! `provdb supersede OLD --by NEW --reason …`.

use serde_json::json;

use crate::cli::{CliError, Ctx};

/// Prefer a newer citation to an older one. The older stays on record as
/// history, with the reason, and `trace` shows both (as Wikidata's ranks do).
/// Carrying a citation into a new revision supersedes the old one by itself.
#[derive(Debug, clap::Args)]
pub struct SupersedeArgs {
    /// The citation superseded: its id or a unique prefix.
    pub citation: String,
    /// The citation to prefer from now on.
    #[arg(long, value_name = "CITATION")]
    pub by: String,
    /// Why the newer citation is preferred.
    #[arg(long)]
    pub reason: String,
}

/// Runs `supersede`.
pub fn run(args: SupersedeArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let (old, by) =
        ctx.with_store(|opened| opened.supersede(&args.citation, &args.by, &args.reason, &actor))?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({"citation": old.to_hex(), "superseded_by": by.to_hex()})
        )?;
    } else {
        writeln!(ctx.out, "citation {old} is history now; {by} is preferred")?;
    }
    Ok(())
}
