//! `provdb verify`.

use crate::cli::{CliError, Ctx};
use crate::verify::{verify_with_progress, Report};

/// Re-hash every object, check every quote against its bytes, walk the journal's
/// hash chain, check the index and every kept checkpoint against the journal.
/// Shows progress on standard error when it is a terminal. Exits 0 only when
/// everything holds, 1 when anything is damaged.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {}

/// Runs `verify`.
pub fn run(_args: VerifyArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let path = ctx.store_path()?;
    let journal_len = std::fs::metadata(path.join("journal")).map_or(0, |meta| meta.len());
    let bar = crate::cli::progress_bar(ctx.json, journal_len);
    let on_progress = |done: u64, _total: u64| {
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    };
    let report =
        ctx.with_lock_options(|options| verify_with_progress(&path, options, &on_progress));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = report?;
    if ctx.json {
        let mut value = serde_json::to_value(&report).unwrap_or_default();
        value["ok"] = serde_json::json!(report.ok());
        writeln!(ctx.out, "{value}")?;
    } else {
        write_report(ctx.out, &report)?;
    }
    if report.ok() {
        Ok(())
    } else {
        Err(CliError::Damage(report.problems.len()))
    }
}

/// Writes a verification report as `verify` prints it.
pub fn write_report(out: &mut dyn std::io::Write, report: &Report) -> std::io::Result<()> {
    writeln!(
        out,
        "checked {} objects, {} journal entries, {} index records, {} citation quotes ({} sources, {} claims)",
        report.objects, report.entries, report.index_records, report.citations, report.sources, report.claims
    )?;
    for notice in &report.notices {
        writeln!(out, "notice: {notice}")?;
    }
    for problem in &report.problems {
        writeln!(out, "DAMAGED {}: {}", problem.item, problem.what)?;
    }
    if report.ok() {
        writeln!(
            out,
            "ok: every object, journal entry, quote and index record holds"
        )?;
    }
    Ok(())
}
