//! `provdb export` and `provdb import`.

use std::path::PathBuf;

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::store::{import_bundle, DEFAULT_DIR};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// The whole store in one deterministic tar file (schema/bundle.md).
    Bundle,
}

/// Write the store in an interchange format.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// The file to write (replaced only once the new one is complete).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
}

/// Create a store from a bundle: at --db (or PROVDB_DIR, else ./.provdb),
/// which must not exist yet or be an empty directory. The bundle is checked
/// whole (paths, object hashes, journal chain, index, checkpoints) before
/// the store appears; a bad bundle leaves nothing behind.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The bundle file.
    pub file: PathBuf,
}

/// Runs `export`.
pub fn run_export(args: ExportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    match args.format {
        ExportFormat::Bundle => {
            let opened = ctx.open()?;
            let result = opened.export_bundle(&args.output);
            let closed = ctx.close(opened);
            let objects = result?;
            closed?;
            let bytes =
                std::fs::read(&args.output).map(|bytes| blake3::hash(&bytes).to_hex().to_string());
            let hash = bytes.map_err(|error| {
                CliError::Usage(format!(
                    "cannot read back {}: {error}",
                    args.output.display()
                ))
            })?;
            if ctx.json {
                writeln!(
                    ctx.out,
                    "{}",
                    json!({"format": "bundle", "file": args.output, "objects": objects, "blake3": hash})
                )?;
            } else {
                writeln!(
                    ctx.out,
                    "wrote {} ({objects} objects); BLAKE3 {hash}",
                    args.output.display()
                )?;
            }
            Ok(())
        }
    }
}

/// Runs `import`.
pub fn run_import(args: ImportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let target = ctx.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
    let outcome = import_bundle(&target, &args.file)?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "store": outcome.store,
                "entries": outcome.entries,
                "objects": outcome.objects,
                "checkpoints": outcome.checkpoints,
                "bundle_blake3": outcome.bundle,
            })
        )?;
    } else {
        writeln!(
            ctx.out,
            "imported {} journal entries, {} objects and {} checkpoints into {}; verify passed (bundle BLAKE3 {})",
            outcome.entries,
            outcome.objects,
            outcome.checkpoints,
            outcome.store.display(),
            outcome.bundle
        )?;
    }
    Ok(())
}
