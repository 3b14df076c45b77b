//! `provdb conflicts`.

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::export::json as shapes;
use crate::store::Conflict;

use super::source_label;

/// List every subject and property for which live supporting citations give more
/// than one value, with the sources on each side. Values with different --as-of
/// do not conflict.
#[derive(Debug, clap::Args)]
pub struct ConflictsArgs {
    /// Answer from what the store had recorded at this time (RFC 3339, or a
    /// date: the end of that day, UTC).
    #[arg(long, value_name = "WHEN")]
    pub as_of: Option<String>,
}

/// Runs `conflicts`.
pub fn run(args: ConflictsArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let as_of = super::parse_as_of(args.as_of.as_deref())?;
    let conflicts = ctx.with_store(|opened| {
        super::apply_as_of(opened, as_of.as_ref()).and_then(|()| opened.conflicts())
    })?;
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
        let values = conflict.sides.len()
            + conflict
                .sides
                .iter()
                .map(|side| side.reported.len())
                .sum::<usize>();
        writeln!(
            out,
            "{} · {}{as_of}: {values} values",
            conflict.subject, conflict.property,
        )?;
        for side in &conflict.sides {
            let claim = &side.claim.claim;
            writeln!(out, "  {}  claim {}", claim.value, claim.id.short())?;
            for source in &side.sources {
                writeln!(
                    out,
                    "    source {}  {}",
                    source.id.short(),
                    source_label(source)
                )?;
            }
            if !side.revisions.is_empty() {
                let names: Vec<String> = side
                    .revisions
                    .iter()
                    .map(|(doc, number)| format!("{doc}@{number}"))
                    .collect();
                writeln!(out, "    in revisions {}", names.join(", "))?;
            }
            for reported in &side.reported {
                writeln!(
                    out,
                    "  {}  stated by {}@{} (source {}) where @{} was cited for {}; not cited: {:?}",
                    reported.value,
                    reported.doc,
                    reported.number,
                    reported.source.short(),
                    reported.number - 1,
                    claim.value,
                    reported.passage
                )?;
            }
        }
    }
    Ok(())
}
