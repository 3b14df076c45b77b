//! `provdb report -o DIR`: the static sourcing site.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::export::report;

/// Write a static sourcing site a newsroom can publish beside an article:
/// a page per document (each claim, its quotes marked in their source's
/// text, the other values recorded and the conflicts, the reviews, the
/// revisions and what each changed), a page per source (its metadata, its
/// hash, its text with every cited passage marked), every citation's
/// receipt and the latest checkpoint. It needs no server and loads nothing
/// from outside itself; everything but the receipt check works without
/// JavaScript, and the check runs in the reader's browser. Receipts are for
/// the latest checkpoint kept (run `provdb checkpoint` first); the store is
/// not changed. The same store gives the same bytes.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The directory to write the site to: new or empty.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: PathBuf,
    /// Only this document, the sources it cites and their receipts.
    #[arg(long, value_name = "SLUG")]
    pub doc: Option<String>,
    /// Write into a directory that is not empty (files of the same name are replaced; others are left).
    #[arg(long)]
    pub force: bool,
}

/// Runs `report`.
pub fn run(args: ReportArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    check_output(&args.output, args.force)?;
    let actor = ctx.actor()?;
    let site = ctx.with_store(|opened| {
        if crate::store::is_inside(opened.root(), &args.output) {
            return Err(crate::store::StoreError::Input {
                path: args.output.display().to_string(),
                why: "is inside the store; write the site somewhere else".into(),
            });
        }
        report::build(opened, args.doc.as_deref(), &actor)
    })?;
    for (path, bytes) in &site.files {
        let full = args.output.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|error| {
                CliError::Refused(format!("cannot create {}: {error}", parent.display()))
            })?;
        }
        std::fs::write(&full, bytes).map_err(|error| {
            CliError::Refused(format!("cannot write {}: {error}", full.display()))
        })?;
    }
    let receipts = site
        .files
        .keys()
        .filter(|path| path.starts_with("receipts/"))
        .count();
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "output": args.output.display().to_string(),
                "files": site.files.len(),
                "receipts": receipts,
                "checkpoint": site.checkpoint.as_ref().map(|checkpoint| json!({
                    "origin": checkpoint.origin, "size": checkpoint.size, "root": checkpoint.root,
                })),
                "without_receipt": site.without_receipt.iter().map(|(id, why)| json!({"citation": id.to_hex(), "why": why})).collect::<Vec<_>>(),
                "damaged_sources": site.damaged.iter().map(|id| id.to_hex()).collect::<Vec<_>>(),
            })
        )?;
    } else {
        writeln!(
            ctx.out,
            "wrote {} files to {}: {} receipt(s){}",
            site.files.len(),
            args.output.display(),
            receipts,
            match &site.checkpoint {
                Some(checkpoint) => format!(
                    " for checkpoint {} size {}",
                    checkpoint.origin, checkpoint.size
                ),
                None => String::new(),
            }
        )?;
        if !site.without_receipt.is_empty() {
            writeln!(
                ctx.out,
                "{} citation(s) without a receipt; the first: {}",
                site.without_receipt.len(),
                site.without_receipt[0].1
            )?;
        }
        if !site.damaged.is_empty() {
            writeln!(
                ctx.out,
                "{} damaged source(s), marked on every page that shows them; run `provdb verify`",
                site.damaged.len()
            )?;
        }
        writeln!(ctx.out, "open {}", args.output.join("index.html").display())?;
    }
    Ok(())
}

/// Refuses an output that is a file, or a directory with files in it (without --force).
fn check_output(output: &Path, force: bool) -> Result<(), CliError> {
    match std::fs::symlink_metadata(output) {
        Err(_) => Ok(()),
        Ok(metadata) if !metadata.is_dir() => Err(CliError::Refused(format!(
            "{} exists and is not a directory; give a new or empty directory for the site",
            output.display()
        ))),
        Ok(_) => {
            let mut entries = std::fs::read_dir(output).map_err(|error| {
                CliError::Refused(format!("cannot read {}: {error}", output.display()))
            })?;
            if entries.next().is_some() && !force {
                return Err(CliError::Refused(format!(
                    "{} is not empty; give a new or empty directory, or pass --force to write over it",
                    output.display()
                )));
            }
            Ok(())
        }
    }
}
