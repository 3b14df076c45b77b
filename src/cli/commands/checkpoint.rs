//! `provdb checkpoint` and `provdb checkpoints`.

use serde_json::json;

use crate::audit::checkpoints::Checkpoint;
use crate::cli::{CliError, Ctx};

/// Print the journal's tree head as a checkpoint (origin, tree size, base64
/// root: the body of a C2SP tlog-checkpoint) and keep it. Publish it anywhere
/// to commit to the log as it stands; `verify` checks every kept checkpoint
/// against the journal.
#[derive(Debug, clap::Args)]
pub struct CheckpointArgs {}

/// List the checkpoints kept, oldest first.
#[derive(Debug, clap::Args)]
pub struct CheckpointsArgs {}

fn checkpoint_json(checkpoint: &Checkpoint) -> serde_json::Value {
    json!({
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": checkpoint.root,
        "time": checkpoint.time,
        "actor": checkpoint.actor,
        "hash": checkpoint.hash.name(),
        "text": checkpoint.text(),
    })
}

/// Runs `checkpoint`.
pub fn run(_args: CheckpointArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let checkpoint = ctx.with_store(|opened| opened.checkpoint(&actor))?;
    if ctx.json {
        writeln!(ctx.out, "{}", checkpoint_json(&checkpoint))?;
    } else {
        write!(ctx.out, "{}", checkpoint.text())?;
    }
    Ok(())
}

/// Runs `checkpoints`.
pub fn run_list(_args: CheckpointsArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let kept = ctx.with_store(|opened| opened.checkpoints())?;
    if ctx.json {
        let items: Vec<_> = kept.iter().map(checkpoint_json).collect();
        writeln!(ctx.out, "{}", json!({"checkpoints": items}))?;
    } else if kept.is_empty() {
        writeln!(
            ctx.out,
            "no checkpoints yet; take one with `provdb checkpoint`"
        )?;
    } else {
        for checkpoint in &kept {
            writeln!(
                ctx.out,
                "size {:>8}  root {}  taken {} by {}{}",
                checkpoint.size,
                checkpoint.root,
                checkpoint.time,
                checkpoint.actor,
                if checkpoint.hash.is_blake3() {
                    " (BLAKE3 tree, before SHA-256)"
                } else {
                    ""
                }
            )?;
        }
    }
    Ok(())
}
