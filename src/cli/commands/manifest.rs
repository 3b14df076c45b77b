//! `provdb manifest` and `provdb check`.

use std::path::PathBuf;

use serde_json::json;

use crate::cli::{CliError, Ctx};

/// Write a b3sum-format manifest of the stored objects (names relative to
/// the store directory: run `b3sum --check` there), or with --doc of a
/// document's revisions under readable names. The output is byte for byte
/// what `b3sum` prints over the same files.
#[derive(Debug, clap::Args)]
pub struct ManifestArgs {
    /// List this document's revisions instead of the objects.
    #[arg(long, value_name = "SLUG")]
    pub doc: Option<String>,
    /// With --doc: each revision's name; {doc} is the slug, {rev} the
    /// revision number (N in SLUG@N), {i} the number from 0.
    #[arg(
        long,
        value_name = "TEMPLATE",
        default_value = "{doc}/{rev}.txt",
        requires = "doc"
    )]
    pub name: String,
    /// With --doc: also write each revision's bytes there under its name, so
    /// that `b3sum --check` can be run in that directory.
    #[arg(long, value_name = "DIR", requires = "doc")]
    pub export: Option<PathBuf>,
}

/// Say, for each file, whether its bytes are a recorded source: its id, the
/// documents and revisions it is, and how many citations quote it. Exits 1
/// if any file is unknown or unreadable.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs `manifest`.
pub fn run(args: ManifestArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let lines = ctx.with_store(|opened| match &args.doc {
        Some(doc) => opened.manifest_doc(doc, &args.name, args.export.as_deref()),
        None => opened.manifest_objects(),
    })?;
    if ctx.json {
        let items: Vec<_> = lines
            .iter()
            .map(|(id, name)| json!({"id": id.to_hex(), "name": name}))
            .collect();
        writeln!(ctx.out, "{}", json!({"files": items}))?;
    } else {
        for (id, name) in &lines {
            write!(ctx.out, "{}", crate::interchange::manifest::line(id, name))?;
        }
    }
    Ok(())
}

/// Runs `check`.
pub fn run_check(args: CheckArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let found = ctx.with_store(|opened| opened.check_files(&args.files))?;
    let unknown = found.iter().filter(|item| item.known.is_none()).count();
    if ctx.json {
        let items: Vec<_> = found
            .iter()
            .map(|item| {
                json!({
                    "path": item.path,
                    "id": item.id.map(|id| id.to_hex()),
                    "error": item.error,
                    "known": item.known.is_some(),
                    "revisions": item.known.as_ref().map(|(revisions, _)| revisions.iter().map(|(doc, n)| json!({"doc": doc, "revision": n})).collect::<Vec<_>>()),
                    "citations": item.known.as_ref().map(|(_, count)| count),
                })
            })
            .collect();
        writeln!(ctx.out, "{}", json!({"files": items, "unknown": unknown}))?;
    } else {
        for item in &found {
            match (&item.error, item.id, &item.known) {
                (Some(error), ..) => writeln!(ctx.out, "UNREADABLE {}: {error}", item.path)?,
                (None, Some(id), Some((revisions, citations))) => {
                    let names: Vec<String> = revisions
                        .iter()
                        .map(|(doc, number)| format!("{doc}@{number}"))
                        .collect();
                    let docs = if names.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", names.join(", "))
                    };
                    writeln!(
                        ctx.out,
                        "known   {}: source {id}{docs}, {citations} citation{}",
                        item.path,
                        if *citations == 1 { "" } else { "s" }
                    )?;
                }
                (None, Some(id), None) => writeln!(
                    ctx.out,
                    "UNKNOWN {}: BLAKE3 {id} is not a recorded source",
                    item.path
                )?,
                (None, None, _) => {}
            }
        }
    }
    if unknown > 0 {
        return Err(CliError::NotHolding(format!(
            "{unknown} of {} file(s) are not recorded sources",
            found.len()
        )));
    }
    Ok(())
}
