//! `provdb verify`.

use crate::cli::{CliError, Ctx};
use crate::verify::{verify_with_progress, Report};

/// Re-hash every object, check every quote against its bytes, walk the journal's
/// hash chain, check the index and every kept checkpoint against the journal.
/// Shows progress on standard error when it is a terminal. Exits 0 only when
/// everything holds, 1 when anything is damaged.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Rehash only objects not found sound within this age (e.g. 30d, 12h,
    /// 90m, 2w); when each object was last verified is kept in the store.
    /// Everything else (journal, index, quotes, checkpoints) is always checked.
    #[arg(long, value_name = "AGE")]
    pub max_age: Option<String>,
    /// The time-stamping authority's certificate (PEM or DER): each kept
    /// checkpoint's RFC 3161 token must be signed by its key.
    #[arg(long, value_name = "FILE")]
    pub tsa_cert: Option<std::path::PathBuf>,
}

/// Reads an age: a whole number and a unit, s, m, h, d or w.
fn parse_age(text: &str) -> Result<time::Duration, CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--max-age {text:?} is not an age; write a whole number and a unit: 45s, 90m, 12h, 30d or 2w"
        ))
    };
    let unit = text.chars().last().ok_or_else(bad)?;
    let number: i64 = text[..text.len() - unit.len_utf8()]
        .parse()
        .map_err(|_| bad())?;
    if number < 0 {
        return Err(bad());
    }
    let seconds = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return Err(bad()),
    };
    number
        .checked_mul(seconds)
        .map(time::Duration::seconds)
        .ok_or_else(bad)
}

/// Reads a time-stamping authority's certificate (PEM or DER, at most
/// 64 KiB); returns its public key.
pub fn read_tsa_certificate(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(64 * 1024).read_to_end(&mut bytes))
        .map_err(|error| CliError::Refused(format!("--tsa-cert {}: {error}", path.display())))?;
    crate::audit::timestamp::certificate_key(&bytes).map_err(|error| {
        CliError::Refused(format!(
            "--tsa-cert {}: not an X.509 certificate ({error}); give the time-stamping authority's certificate, PEM or DER",
            path.display()
        ))
    })
}

/// Runs `verify`.
pub fn run(args: VerifyArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let max_age = args.max_age.as_deref().map(parse_age).transpose()?;
    let tsa_key = args
        .tsa_cert
        .as_deref()
        .map(read_tsa_certificate)
        .transpose()?;
    let path = ctx.store_path()?;
    let journal_len = std::fs::metadata(path.join("journal")).map_or(0, |meta| meta.len());
    let bar = crate::cli::progress_bar(ctx.json, journal_len);
    let on_progress = |done: u64, _total: u64| {
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    };
    let report = ctx.with_lock_options(|options| {
        verify_with_progress(&path, options, max_age, tsa_key.as_deref(), &on_progress)
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = report?;
    if ctx.json {
        let mut value = serde_json::to_value(&report).map_err(std::io::Error::other)?;
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
    let skipped = if report.skipped > 0 {
        format!(
            " ({} found sound within --max-age, not rehashed)",
            report.skipped
        )
    } else {
        String::new()
    };
    writeln!(
        out,
        "checked {} objects{skipped}, {} journal entries, {} index records, {} citation quotes ({} sources, {} claims){}",
        report.objects, report.entries, report.index_records, report.citations, report.sources, report.claims,
        match report.layers {
            0 => String::new(),
            1 => "; 1 text layer derived again from its source, identical".to_string(),
            n => format!("; {n} text layers derived again from their sources, identical"),
        }
    )?;
    if report.timestamps > 0 {
        if report.timestamps_verified == report.timestamps {
            writeln!(
                out,
                "{} time-stamp token{}: each stamps its signed checkpoint and is signed by the authority's certificate given",
                report.timestamps,
                if report.timestamps == 1 { "" } else { "s" }
            )?;
        } else {
            writeln!(
                out,
                "{} time-stamp token{}: each stamps its signed checkpoint; who signed {} was not checked: pass --tsa-cert FILE",
                report.timestamps,
                if report.timestamps == 1 { "" } else { "s" },
                if report.timestamps == 1 { "it" } else { "them" }
            )?;
        }
    }
    if report.signed_checkpoints > 0 {
        writeln!(
            out,
            "{} signed checkpoint{}: the log's signature verified with the key kept beside it (whose key it is, and which witnesses count, is for verify-proof --policy)",
            report.signed_checkpoints,
            if report.signed_checkpoints == 1 { "" } else { "s" }
        )?;
    }
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
