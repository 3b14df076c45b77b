//! `provdb export` and `provdb import`: the arguments, the atomic write of the
//! output file, and the outcome printed; the formats are built in `export/`.

use std::path::PathBuf;

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::store::{import_bundle, DEFAULT_DIR};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// The whole store in one deterministic tar file (schema/bundle.md).
    Bundle,
    /// Sources, claims and citations as JSON Lines, one record per line
    /// (schema/export-jsonl.schema.json).
    Jsonl,
    /// A flat table of claims with their citations and sources (schema/exports.md).
    Csv,
    /// Sources as CSL-JSON items for citation managers (schema/exports.md).
    CslJson,
    /// Citations as W3C Web Annotations in one AnnotationCollection (schema/exports.md).
    WebAnnotation,
    /// Sources, documents, claims, quotes, actors and journal entries as W3C
    /// PROV-JSON (schema/exports.md).
    ProvJson,
    /// Reviewed claims as schema.org ClaimReview, the rest as Claim, in one
    /// JSON-LD graph (schema/exports.md).
    Claimreview,
    /// Every web capture's requests and responses as WARC 1.1 records
    /// (schema/capture.md).
    Warc,
}

/// The import formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// A bundle written by `export --format bundle`, into a new store.
    Bundle,
    /// schema.org ClaimReview JSON-LD (or a Fact Check Tools API response),
    /// into an existing store: the markup becomes a source, each review a record.
    Claimreview,
    /// Web captures made by other tools (a WARC file, plain or gzip), into an
    /// existing store: each 2xx response a source with its original retrieval
    /// time, kept with its own WARC records (schema/capture.md). A WACZ
    /// given here is read as one.
    Warc,
    /// A WACZ package (Webrecorder's zipped web archive): its WARC files,
    /// once they match the SHA-256 hashes its datapackage.json states, are
    /// imported as with warc.
    Wacz,
}

/// Write the store in an interchange format.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// The file to write (replaced only once the new one is complete; a
    /// symbolic link's file is written), or - for standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
}

/// Read a file into a store. A bundle creates a store at --db (or
/// PROVDB_DIR, else ./.provdb), which must not exist yet or be an empty
/// directory; it is checked whole (paths, object hashes, journal chain,
/// index, checkpoints) before the store appears, and a bad bundle leaves
/// nothing behind. A bundle imported into an existing store is merged into
/// it: the entries it does not hold yet are appended after a `merge` entry
/// naming the bundle, each with where it was first recorded. ClaimReview
/// markup is read into an existing store.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file: a bundle, or ClaimReview JSON-LD.
    pub file: PathBuf,
    /// The file's format.
    #[arg(long, value_enum, default_value = "bundle")]
    pub format: ImportFormat,
}

/// Writes `output` through a temporary file beside it, renamed into place
/// once complete and synced.
fn write_atomically(
    output: &std::path::Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let temporary = crate::storage::files::partial_beside(output);
    crate::storage::files::replace(output, &temporary, write)
        .map_err(|error| CliError::Usage(format!("cannot write {}: {error}", output.display())))
}

/// Writes `value` as pretty JSON to `output`, atomically.
fn write_json(output: &std::path::Path, value: &impl serde::Serialize) -> Result<(), CliError> {
    write_atomically(output, |out| {
        serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::other)?;
        writeln!(out)
    })
}

/// Exports the record formats: JSON Lines, CSV, CSL-JSON, Web Annotations.
fn export_records(args: &ExportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    {
        let (records, hints) = ctx.with_store(|opened| {
            let records = crate::export::read_records(opened)?;
            // Only the Web Annotation export gives XPath hints, and finding
            // them parses every quoted page: not done for the others.
            let hints = if args.format == ExportFormat::WebAnnotation {
                crate::export::annotation::xpath_hints(opened, &records)?
            } else {
                std::collections::HashMap::new()
            };
            Ok::<_, crate::store::StoreError>((records, hints))
        })?;
        let (name, count) = match args.format {
            ExportFormat::Jsonl => {
                write_atomically(&args.output, |out| {
                    crate::export::jsonl::write(&records, out)
                })?;
                (
                    "jsonl",
                    records.sources.len()
                        + records.claims.len()
                        + records
                            .traces
                            .iter()
                            .map(|t| t.citations.len())
                            .sum::<usize>()
                        + records.reviews.len(),
                )
            }
            ExportFormat::Csv => {
                write_atomically(&args.output, |out| crate::export::csv::write(&records, out))?;
                (
                    "csv",
                    records.traces.iter().map(|t| t.citations.len()).sum(),
                )
            }
            ExportFormat::ProvJson => {
                let document = crate::export::prov::document(&records);
                write_json(&args.output, &document)?;
                (
                    "prov-json",
                    document["entity"]
                        .as_object()
                        .map_or(0, |entities| entities.len()),
                )
            }
            ExportFormat::Claimreview => {
                let document = crate::export::claimreview::document(&records);
                write_json(&args.output, &document)?;
                (
                    "claimreview",
                    document["@graph"].as_array().map_or(0, Vec::len),
                )
            }
            ExportFormat::WebAnnotation => {
                let collection = crate::export::annotation::collection(&records, &hints);
                crate::interchange::annotation::check_document(&collection).map_err(|why| {
                    CliError::Usage(format!(
                        "the Web Annotation export does not pass provdb's own check ({why}); nothing was written"
                    ))
                })?;
                write_json(&args.output, &collection)?;
                (
                    "web-annotation",
                    collection["total"].as_u64().unwrap_or(0) as usize,
                )
            }
            _ => {
                let items: Vec<_> = records
                    .sources
                    .iter()
                    .map(|(record, ..)| crate::export::csl::item(record))
                    .collect();
                write_json(&args.output, &items)?;
                ("csl-json", items.len())
            }
        };
        if ctx.json {
            writeln!(
                ctx.out,
                "{}",
                json!({"format": name, "file": args.output, "records": count})
            )?;
        } else {
            writeln!(
                ctx.out,
                "wrote {} ({count} records, {name})",
                args.output.display()
            )?;
        }
        Ok(())
    }
}

/// Runs `export`: to standard output with `-o -`, else to the file named
/// (through a symbolic link, to the file it names).
pub fn run_export(mut args: ExportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    if args.output.as_os_str() == "-" {
        return export_to_stdout(args, ctx);
    }
    if std::fs::symlink_metadata(&args.output).is_ok_and(|meta| meta.file_type().is_symlink()) {
        args.output = std::fs::canonicalize(&args.output).map_err(|error| {
            CliError::Usage(format!(
                "-o {} is a symbolic link that names no file ({error}); give the file itself",
                args.output.display()
            ))
        })?;
    }
    export_to_file(args, ctx)
}

/// `export -o -`: the export written to a private temporary file first (a
/// bundle's hash is read back from it, and nothing half-made reaches the
/// reader), then copied to standard output; what `export` says of it goes
/// to standard error.
fn export_to_stdout(mut args: ExportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let dir = crate::tempdir::PrivateDir::create("export").map_err(|error| {
        CliError::Usage(format!(
            "cannot make a temporary directory for -o - ({error}); give a file with -o FILE"
        ))
    })?;
    args.output = dir.path().join("export");
    let temporary = args.output.display().to_string();
    // What export says, said of standard output, on standard error.
    let mut said: Vec<u8> = Vec::new();
    export_to_file(
        args,
        &mut Ctx {
            db: ctx.db.clone(),
            json: ctx.json,
            actor: ctx.actor.clone(),
            lock_wait: ctx.lock_wait,
            out: &mut said,
            err: &mut *ctx.err,
            closing: None,
        },
    )?;
    let said = String::from_utf8_lossy(&said)
        .replace(&format!("\"{temporary}\""), "\"-\"")
        .replace(&temporary, "standard output");
    ctx.err.write_all(said.as_bytes())?;
    let mut file = std::fs::File::open(dir.path().join("export"))
        .map_err(|error| CliError::Usage(format!("cannot read the export back: {error}")))?;
    std::io::copy(&mut file, ctx.out)?;
    Ok(())
}

/// Runs `export` to a file.
fn export_to_file(args: ExportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let store = ctx.store_path()?;
    if crate::store::is_inside(&store, &args.output) {
        return Err(CliError::Usage(format!(
            "-o {} is inside the store {}; an export must never overwrite the store's own files: write it somewhere else",
            args.output.display(),
            store.display()
        )));
    }
    // An export replaces its output by renaming a finished file over it:
    // over a device or a FIFO (/dev/null as root) that would replace the
    // node itself, and a bundle's hash is read back from the file.
    if let Ok(meta) = std::fs::metadata(&args.output) {
        if !meta.is_file() {
            let kind = if meta.is_dir() {
                "a directory"
            } else {
                "not a regular file (a device or a FIFO)"
            };
            return Err(CliError::Usage(format!(
                "-o {} is {kind}; an export is written to a new file and renamed into place: give a file path",
                args.output.display()
            )));
        }
    }
    match args.format {
        ExportFormat::Bundle => {
            let objects = ctx.with_store(|opened| opened.export_bundle(&args.output))?;
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
        ExportFormat::Warc => {
            let captures = ctx.with_store(|opened| opened.export_warc(&args.output))?;
            if ctx.json {
                writeln!(
                    ctx.out,
                    "{}",
                    json!({"format": "warc", "file": args.output, "captures": captures})
                )?;
            } else {
                writeln!(
                    ctx.out,
                    "wrote {} ({captures} captures, their requests and responses as WARC records)",
                    args.output.display()
                )?;
            }
            Ok(())
        }
        ExportFormat::Jsonl
        | ExportFormat::Csv
        | ExportFormat::CslJson
        | ExportFormat::WebAnnotation
        | ExportFormat::ProvJson
        | ExportFormat::Claimreview => export_records(&args, ctx),
    }
}

/// Runs `import`.
pub fn run_import(args: ImportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    if args.format == ImportFormat::Claimreview {
        return import_claimreview(&args, ctx);
    }
    if matches!(args.format, ImportFormat::Warc | ImportFormat::Wacz) {
        return import_warc(&args, ctx);
    }
    let store = ctx
        .store_path()
        .ok()
        .filter(|path| path.join(crate::store::FORMAT_FILE).exists());
    if let Some(store) = store {
        return merge_bundle(&args, &store, ctx);
    }
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

/// Runs `import` of a bundle into an existing store: a merge.
fn merge_bundle(
    args: &ImportArgs,
    store: &std::path::Path,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let outcome = ctx.with_store(|opened| opened.merge_bundle(&args.file, &actor))?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "store": store,
                "merged_from": outcome.store,
                "bundle_blake3": outcome.bundle,
                "entries": outcome.size,
                "merged": outcome.merged,
                "already": outcome.already,
                "new_objects": outcome.new_objects,
                "merged_before": outcome.merged_before.as_ref().map(|(seq, time)| json!({"seq": seq, "time": time})),
            })
        )?;
    } else if let Some((seq, time)) = &outcome.merged_before {
        writeln!(
            ctx.out,
            "nothing to merge: bundle {} (store {}) was merged at entry {seq} on {time}",
            outcome.bundle, outcome.store
        )?;
    } else if outcome.merged == 0 {
        writeln!(
            ctx.out,
            "nothing to merge: all {} entries of store {} are here already (bundle BLAKE3 {})",
            outcome.already, outcome.store, outcome.bundle
        )?;
    } else {
        writeln!(
            ctx.out,
            "merged {} of {} entries of store {} into {} ({} here already, {} its own init and merge entries, which are never merged; {} new objects; bundle BLAKE3 {}); conflicting values show in `provdb conflicts`",
            outcome.merged,
            outcome.size,
            outcome.store,
            store.display(),
            outcome.already,
            outcome.size.saturating_sub(outcome.merged + outcome.already),
            outcome.new_objects,
            outcome.bundle
        )?;
    }
    Ok(())
}

/// Runs `import --format warc` and `--format wacz`.
fn import_warc(args: &ImportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let outcome = ctx.with_store(|opened| {
        opened.import_warc(&args.file, args.format == ImportFormat::Wacz, &actor)
    })?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "captures": outcome.captures.iter().map(|(added, capture)| json!({
                    "id": added.id.to_hex(),
                    "new_source": added.new_source,
                    "layer": added.layer.as_ref().map(|layer| layer.layer.to_hex()),
                    "capture": capture,
                })).collect::<Vec<_>>(),
                "skipped": outcome.skipped,
            })
        )?;
        return Ok(());
    }
    let new = outcome
        .captures
        .iter()
        .filter(|(added, _)| added.new_source)
        .count();
    writeln!(
        ctx.out,
        "imported {} captures from {} ({new} new sources)",
        outcome.captures.len(),
        args.file.display()
    )?;
    for (added, capture) in &outcome.captures {
        writeln!(
            ctx.out,
            "  {} retrieved {} from {}",
            added.id.short(),
            capture.retrieved,
            capture.url
        )?;
    }
    for skipped in &outcome.skipped {
        writeln!(ctx.out, "  skipped {skipped}")?;
    }
    Ok(())
}

fn import_claimreview(args: &ImportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let outcome = ctx.with_store(|opened| opened.import_claimreview(&args.file, &actor))?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "source": outcome.source.to_hex(),
                "new_source": outcome.new_source,
                "already": outcome.already,
                "reviews": outcome.recorded.iter().map(crate::export::json::review).collect::<Vec<_>>(),
            })
        )?;
        return Ok(());
    }
    let missing: usize = outcome
        .recorded
        .iter()
        .filter(|record| !record.review.missing.is_empty())
        .count();
    writeln!(
        ctx.out,
        "imported {} reviews from {} (source {}{}){}{}",
        outcome.recorded.len(),
        args.file.display(),
        outcome.source.short(),
        if outcome.new_source { ", new" } else { "" },
        if outcome.already > 0 {
            format!("; {} already recorded", outcome.already)
        } else {
            String::new()
        },
        if missing > 0 {
            format!("; {missing} with fields missing, listed below")
        } else {
            String::new()
        }
    )?;
    for record in &outcome.recorded {
        writeln!(ctx.out, "  {}", super::reviews::review_line(&record.review))?;
        for finding in &record.review.missing {
            writeln!(
                ctx.out,
                "    missing: {}",
                super::reviews::printable(finding)
            )?;
        }
    }
    Ok(())
}
