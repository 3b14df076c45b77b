//! `provdb add FILE|-`.

use std::path::PathBuf;

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::dates::parse_when;
use crate::model::{SourceMeta, When};
use crate::store::{check_slug, AddInput};

/// Record a source's bytes, with metadata; with --doc, as the next revision of that document.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The file to record, or - for standard input.
    pub file: PathBuf,
    /// Log it as the next revision of this document (a slug: a-z, 0-9, '.', '_', '-').
    #[arg(long, value_name = "SLUG")]
    pub doc: Option<String>,
    /// The title.
    #[arg(long)]
    pub title: Option<String>,
    /// Where it was found.
    #[arg(long)]
    pub url: Option<String>,
    /// An author (repeat for several, in order).
    #[arg(long = "author", value_name = "NAME")]
    pub authors: Vec<String>,
    /// The publisher.
    #[arg(long)]
    pub publisher: Option<String>,
    /// When the publisher says it was published: RFC 3339, 2024-02-26, "Feb 26, 2024 10:50 AM", 2024-02 or 2024.
    #[arg(long, value_name = "WHEN")]
    pub published: Option<String>,
    /// When the publisher says it was updated (same forms as --published).
    #[arg(long, value_name = "WHEN")]
    pub updated: Option<String>,
    /// When it was retrieved (same forms as --published).
    #[arg(long, value_name = "WHEN")]
    pub retrieved: Option<String>,
    /// The media type, e.g. text/plain.
    #[arg(long, value_name = "TYPE")]
    pub media_type: Option<String>,
    /// The language, e.g. en.
    #[arg(long)]
    pub language: Option<String>,
    /// A note; with --doc, the editor's note on this revision.
    #[arg(long)]
    pub note: Option<String>,
}

fn when(text: &Option<String>) -> Result<Option<When>, CliError> {
    text.as_deref()
        .map(parse_when)
        .transpose()
        .map_err(CliError::from)
}

/// Runs `add`.
pub fn run(args: AddArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let meta = SourceMeta {
        title: args.title,
        url: args.url,
        authors: args.authors,
        publisher: args.publisher,
        published: when(&args.published)?,
        updated: when(&args.updated)?,
        retrieved: when(&args.retrieved)?,
        media_type: args.media_type,
        language: args.language,
        note: args.note,
    };
    if let Some(doc) = &args.doc {
        check_slug(doc)?;
    }
    let actor = ctx.actor()?;
    let mut opened = ctx.open()?;
    let result = if args.file.as_os_str() == "-" {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        opened.add_source(
            AddInput::Reader(&mut lock, "standard input"),
            meta,
            args.doc.as_deref(),
            &actor,
        )
    } else {
        opened.add_source(
            AddInput::Path(&args.file),
            meta,
            args.doc.as_deref(),
            &actor,
        )
    };
    let closed = ctx.close(opened);
    let outcome = result?;
    closed?;
    if ctx.json {
        let (doc, revision) = match &outcome.revision {
            Some((doc, number)) => (json!(doc), json!(number)),
            None => (json!(null), json!(null)),
        };
        writeln!(
            ctx.out,
            "{}",
            json!({"id": outcome.id.to_hex(), "size": outcome.size, "new_source": outcome.new_source, "doc": doc, "revision": revision})
        )?;
    } else {
        if outcome.new_source {
            writeln!(
                ctx.out,
                "added source {} ({} bytes)",
                outcome.id, outcome.size
            )?;
        } else {
            writeln!(
                ctx.out,
                "source {} is already stored ({} bytes); same bytes, same id",
                outcome.id, outcome.size
            )?;
        }
        if let Some((doc, number)) = &outcome.revision {
            writeln!(ctx.out, "logged as revision {number} of {doc}")?;
        }
    }
    Ok(())
}
