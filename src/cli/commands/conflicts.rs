//! `provdb conflicts`.

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::export::json as shapes;
use crate::store::{Conflict, Standing};

use super::source_label;

/// List the values of a subject and property that cannot both hold, from
/// live supporting citations (a superseded citation is history), with the
/// sources on each side; then the values that agree at different precision or
/// within a bound ("at least 600" and 613, 1992-02 and 1992-02-26), and those
/// that cannot be compared. Values with different --as-of qualifiers are
/// never compared.
///
/// Example: provdb conflicts --json | jq '.conflicts[].property'
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
    let found = ctx.with_store(|opened| {
        super::apply_as_of(opened, as_of.as_ref()).and_then(|()| opened.conflicts())
    })?;
    if ctx.json {
        let list = |standing: Standing| -> Vec<_> {
            found
                .iter()
                .filter(|item| item.standing == standing)
                .map(|item| {
                    json!({
                        "subject": item.subject,
                        "property": item.property,
                        "as_of": item.as_of,
                        "standing": item.standing.name(),
                        "sides": item.sides.iter().map(shapes::side).collect::<Vec<_>>(),
                        "cannot_both_hold": item.pairs.iter().map(|(a, b)| json!([a, b])).collect::<Vec<_>>(),
                        "review": item.review.as_ref().map(|mark| json!({
                            "note": mark.record.review.note,
                            "claims": mark.record.review.claims.iter().map(|id| id.to_hex()).collect::<Vec<_>>(),
                            "current": mark.current,
                            "recorded": mark.record.recorded,
                            "actor": mark.record.actor,
                            "seq": mark.record.seq,
                        })),
                    })
                })
                .collect()
        };
        writeln!(
            ctx.out,
            "{}",
            json!({
                "conflicts": list(Standing::Conflict),
                "agreements": list(Standing::Agree),
                "not_compared": list(Standing::NotCompared),
            })
        )?;
        return Ok(());
    }
    write_conflicts(ctx.out, &found)?;
    Ok(())
}

/// Writes conflicts, then agreements and values not compared, as `conflicts` prints them.
pub fn write_conflicts(out: &mut dyn std::io::Write, found: &[Conflict]) -> std::io::Result<()> {
    let of = |standing: Standing| -> Vec<&Conflict> {
        found
            .iter()
            .filter(|item| item.standing == standing)
            .collect()
    };
    let conflicts = of(Standing::Conflict);
    if conflicts.is_empty() {
        writeln!(
            out,
            "no conflicts: no subject and property has two supported values that cannot both hold"
        )?;
    }
    for item in &conflicts {
        write_group(out, item)?;
    }
    for (standing, heading) in [
        (
            Standing::Agree,
            "agreeing (values that can both hold: at different precision or within a bound)",
        ),
        (
            Standing::NotCompared,
            "not compared (different kinds of value, or different units)",
        ),
    ] {
        let items = of(standing);
        if items.is_empty() {
            continue;
        }
        writeln!(out, "{heading}:")?;
        for item in items {
            write_group(out, item)?;
        }
    }
    Ok(())
}

/// Writes one subject and property with its sides.
fn write_group(out: &mut dyn std::io::Write, item: &Conflict) -> std::io::Result<()> {
    let as_of = item
        .as_of
        .as_ref()
        .map(|when| format!(" (as of {when})"))
        .unwrap_or_default();
    let values = item.sides.len()
        + item
            .sides
            .iter()
            .map(|side| side.reported.len())
            .sum::<usize>();
    writeln!(
        out,
        "{} · {}{as_of}: {values} values",
        item.subject, item.property,
    )?;
    for side in &item.sides {
        let claim = &side.claim.claim;
        writeln!(
            out,
            "  {}  claim {}",
            claim.stated_value(),
            claim.id.short()
        )?;
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
    if !item.pairs.is_empty() {
        let pairs: Vec<String> = item
            .pairs
            .iter()
            .map(|(a, b)| {
                format!(
                    "{} / {}",
                    item.sides[*a].claim.claim.stated_value(),
                    item.sides[*b].claim.claim.stated_value()
                )
            })
            .collect();
        writeln!(out, "  cannot both hold: {}", pairs.join("; "))?;
    }
    if let Some(mark) = &item.review {
        let since = if mark.current {
            String::new()
        } else {
            " (values were added since; review again)".to_string()
        };
        writeln!(
            out,
            "  reviewed {} by {}{since}: {}",
            mark.record.recorded, mark.record.actor, mark.record.review.note
        )?;
    }
    Ok(())
}
