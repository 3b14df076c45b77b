//! `provdb conflicts`.

use serde_json::json;

use crate::cli::{json as shapes, CliError, Ctx};
use crate::store::Conflict;

use super::source_label;

/// List every subject and property for which live supporting citations give more
/// than one value, with the sources on each side. Values with different --as-of
/// do not conflict.
#[derive(Debug, clap::Args)]
pub struct ConflictsArgs {}

/// Runs `conflicts`.
pub fn run(_args: ConflictsArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let opened = ctx.open()?;
    let result = opened.conflicts();
    let closed = ctx.close(opened);
    let conflicts = result?;
    closed?;
    if ctx.json {
        let items: Vec<_> = conflicts
            .iter()
            .map(|conflict| {
                json!({
                    "subject": conflict.subject,
                    "property": conflict.property,
                    "as_of": conflict.as_of,
                    "sides": conflict.sides.iter().map(shapes::side).collect::<Vec<_>>(),
                })
            })
            .collect();
        writeln!(ctx.out, "{}", json!({"conflicts": items}))?;
        return Ok(());
    }
    write_conflicts(ctx.out, &conflicts)?;
    Ok(())
}

/// Writes conflicts as `conflicts` prints them.
pub fn write_conflicts(
    out: &mut dyn std::io::Write,
    conflicts: &[Conflict],
) -> std::io::Result<()> {
    if conflicts.is_empty() {
        writeln!(
            out,
            "no conflicts: no subject and property has more than one supported value"
        )?;
    }
    for conflict in conflicts {
        let as_of = conflict
            .as_of
            .as_ref()
            .map(|when| format!(" (as of {when})"))
            .unwrap_or_default();
        writeln!(
            out,
            "{} · {}{as_of}: {} values",
            conflict.subject,
            conflict.property,
            conflict.sides.len()
        )?;
        for side in &conflict.sides {
            let claim = &side.claim.claim;
            writeln!(out, "  {}  claim {}", claim.value, claim.id.short())?;
            for source in &side.sources {
                writeln!(
                    out,
                    "    source {}  {}",
                    source.id.short(),
                    source_label(&source.meta)
                )?;
            }
        }
    }
    Ok(())
}
