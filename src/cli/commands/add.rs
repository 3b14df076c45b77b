//! `provdb add FILE|DIR|-...`.

use std::path::PathBuf;

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::model::SourceMeta;
use crate::store::{
    check_slug, collect_files, AddInput, AddOutcome, BulkAddOutcome, LayerSummary, Progress,
};
use crate::text::dates::parse_when;

/// Record sources' bytes, with metadata; with --doc, one file as the next revision of that document.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The files to record, directories to record every file under, - for
    /// standard input, or an http(s) address to capture.
    #[arg(required = true, value_name = "FILE|DIR|-|URL")]
    pub files: Vec<PathBuf>,
    /// With several files: record the good ones and list the bad (empty,
    /// unreadable, metadata differing) instead of refusing the whole add.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Log it as the next revision of this document (a slug: a-z, 0-9, '.', '_', '-').
    #[arg(long, value_name = "SLUG")]
    pub doc: Option<String>,
    /// With --doc: log a revision even when the document's latest revision
    /// has the same bytes (without it, nothing is logged and a warning says so).
    #[arg(long, requires = "doc")]
    pub force: bool,
    /// The source's metadata.
    #[command(flatten)]
    pub meta: MetaArgs,
    /// Capturing a URL: root certificates (PEM) to trust instead of the built-in ones.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Capturing a URL: the most seconds the fetch may take, redirects included.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// Capturing a URL: the most bytes of body read.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_size: u64,
}

/// A source's metadata as flags: `add` records them, `amend` corrects them.
#[derive(Debug, Clone, clap::Args)]
pub struct MetaArgs {
    /// The title.
    #[arg(long)]
    pub title: Option<String>,
    /// Where it was found.
    #[arg(long)]
    pub url: Option<String>,
    /// An author (repeat for several, in order; with amend, the list given
    /// replaces the recorded one).
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
    /// A note on the source; with add --doc, the editor's note on this revision.
    #[arg(long)]
    pub note: Option<String>,
}

impl MetaArgs {
    /// The metadata the flags give, times read; absent flags are None (and
    /// no --author is no authors).
    pub fn meta(self) -> Result<SourceMeta, CliError> {
        let when = |text: Option<String>| {
            text.as_deref()
                .map(parse_when)
                .transpose()
                .map_err(CliError::from)
        };
        Ok(SourceMeta {
            title: self.title,
            url: self.url,
            authors: self.authors,
            publisher: self.publisher,
            published: when(self.published)?,
            updated: when(self.updated)?,
            retrieved: when(self.retrieved)?,
            media_type: self.media_type,
            language: self.language,
            note: self.note,
        })
    }
}

/// Runs `add`.
pub fn run(args: AddArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let fetching = Fetching {
        ca_file: args.ca_file.clone(),
        timeout: args.timeout,
        max_size: args.max_size,
        doc: args.doc.clone(),
    };
    let meta = args.meta.meta()?;
    if let Some(doc) = &args.doc {
        check_slug(doc)?;
    }
    if let [one] = args.files.as_slice() {
        if let Some(url) = one.to_str().filter(|text| crate::capture::is_url(text)) {
            let url = url.to_string();
            if args.force {
                return Err(CliError::Usage(
                    "--force applies to files: a capture with the bytes of the latest revision is recorded as a capture, with no new revision".into(),
                ));
            }
            return run_capture(&url, &fetching, meta, ctx);
        }
    }
    if args
        .files
        .iter()
        .any(|file| file.to_str().is_some_and(crate::capture::is_url))
    {
        return Err(CliError::Usage(
            "an address to capture is added on its own: give one URL per add".into(),
        ));
    }
    let single =
        args.files.len() == 1 && (args.files[0].as_os_str() == "-" || !args.files[0].is_dir());
    if !single {
        return run_bulk(
            &args.files,
            args.doc.is_some(),
            args.skip_invalid,
            meta,
            ctx,
        );
    }
    let file = &args.files[0];
    let actor = ctx.actor()?;
    let outcome = ctx.with_store(|opened| {
        if file.as_os_str() == "-" {
            let stdin = std::io::stdin();
            let mut lock = stdin.lock();
            opened.add_source(
                AddInput::Reader(&mut lock, "standard input"),
                meta,
                args.doc.as_deref(),
                args.force,
                &actor,
            )
        } else {
            opened.add_source(
                AddInput::Path(file),
                meta,
                args.doc.as_deref(),
                args.force,
                &actor,
            )
        }
    })?;
    if let (Some((doc, number)), false) = (&outcome.same_as_latest, ctx.json) {
        writeln!(
            ctx.err,
            "provdb: warning: {doc}@{number}, the latest revision, has the same bytes; nothing was logged (give --force to log them again as revision {})",
            number + 1
        )?;
    }
    if ctx.json {
        writeln!(ctx.out, "{}", added_json(&outcome))?;
    } else {
        write_added(ctx.out, &outcome, "same bytes, same id")?;
        if let (Some(title), Some(from)) = (&outcome.title, outcome.title_from) {
            writeln!(ctx.out, "titled {title:?}, from {from}")?;
        }
        if let Some(why) = &outcome.cannot_quote {
            writeln!(
                ctx.out,
                "provdb cannot quote it: {why}; it is recorded, and `cite` will refuse it"
            )?;
        }
        if let Some(layer) = &outcome.layer {
            writeln!(ctx.out, "{}", layer_line(layer))?;
        }
        if let Some((doc, number)) = &outcome.revision {
            writeln!(ctx.out, "logged as revision {number} of {doc}")?;
        }
        if let Some(report) = &outcome.carry {
            super::drift::write_report(ctx.out, report, false)?;
        }
    }
    Ok(())
}

/// Runs `add` over several files or directories.
fn run_bulk(
    paths: &[PathBuf],
    with_doc: bool,
    skip_invalid: bool,
    meta: SourceMeta,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    for (flag, given) in [
        ("--doc", with_doc),
        ("--title", meta.title.is_some()),
        ("--url", meta.url.is_some()),
        ("--published", meta.published.is_some()),
        ("--updated", meta.updated.is_some()),
    ] {
        if given {
            return Err(CliError::Usage(format!(
                "{flag} describes one source; add that file on its own to give it"
            )));
        }
    }
    if paths.iter().any(|file| file.as_os_str() == "-") {
        return Err(CliError::Usage(
            "- (standard input) can only be added on its own".into(),
        ));
    }
    let actor = ctx.actor()?;
    let store = ctx.store_path()?;
    let (files, problems) = collect_files(paths, &store);
    let bar = crate::cli::progress_bar(ctx.json, files.iter().map(|file| file.size).sum());
    let progress = |step: Progress| {
        if let Some(bar) = &bar {
            bar.set_position(step.bytes_done);
            bar.set_message(format!("{}/{} files", step.files_done, step.files_total));
        }
    };
    let outcome = ctx.with_store(|opened| {
        let result = opened.add_files(files, problems, meta, skip_invalid, &actor, &progress);
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        result
    })?;
    print_bulk(&outcome, ctx)
}

fn print_bulk(outcome: &BulkAddOutcome, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    // The report of each file is read back from where the add kept it.
    let unread = |error: std::io::Error| {
        CliError::Store(crate::store::StoreError::Io {
            action: "the files are recorded, but their report could not be read back from",
            path: outcome.files.place().into(),
            source: error,
        })
    };
    let lines = outcome.files.lines().map_err(unread)?;
    if ctx.json {
        // The same document `json!` would print, keys in name order, written
        // one file at a time.
        write!(ctx.out, "{{\"bytes\":{},\"files\":[", outcome.bytes)?;
        for (at, line) in lines.enumerate() {
            let line = line.map_err(unread)?;
            if at > 0 {
                write!(ctx.out, ",")?;
            }
            write!(ctx.out, "{line}")?;
        }
        writeln!(
            ctx.out,
            "],\"new_sources\":{},\"skipped\":{}}}",
            outcome.new_sources,
            json!(outcome.skipped)
        )?;
        return Ok(());
    }
    let already = outcome.files.len() - outcome.new_sources;
    writeln!(
        ctx.out,
        "added {} new source(s) from {} file(s), {} bytes; {already} already stored",
        outcome.new_sources,
        outcome.files.len(),
        outcome.bytes
    )?;
    for skipped in &outcome.skipped {
        writeln!(ctx.out, "skipped {}: {}", skipped.path, skipped.why)?;
    }
    /// What the summary reads of a file's line.
    #[derive(serde::Deserialize)]
    struct Reported {
        path: String,
        title: Option<String>,
        title_from: Option<String>,
        cannot_quote: Option<String>,
        layer: Option<serde::de::IgnoredAny>,
    }
    let (mut titled, mut first_titled) = (0u64, None);
    let (mut layered, mut first_layered) = (0u64, None);
    for line in lines {
        let line = line.map_err(unread)?;
        let file: Reported = serde_json::from_str(&line).map_err(|error| unread(error.into()))?;
        if let Some(why) = &file.cannot_quote {
            writeln!(
                ctx.out,
                "recorded {}, but provdb cannot quote it: {why}",
                file.path
            )?;
        }
        if file.title_from.is_some() {
            titled += 1;
            if first_titled.is_none() {
                first_titled = Some((file.path.clone(), file.title.unwrap_or_default()));
            }
        }
        if file.layer.is_some() {
            layered += 1;
            if first_layered.is_none() {
                first_layered = Some(file.path);
            }
        }
    }
    if let Some((path, title)) = first_titled {
        writeln!(
            ctx.out,
            "{titled} new source(s) titled from their first heading or line, the first {path} {title:?}",
        )?;
    }
    if let Some(first) = first_layered {
        writeln!(
            ctx.out,
            "{layered} file(s) read through a text layer (web pages, other encodings), the first {first}; quotes in them are anchored in the text a reader sees",
        )?;
    }
    Ok(())
}

/// What `add` of one file or URL says in --json (add URL adds its capture).
fn added_json(outcome: &AddOutcome) -> serde_json::Value {
    json!({
        "id": outcome.id.to_hex(),
        "size": outcome.size,
        "new_source": outcome.new_source,
        "doc": outcome.revision.as_ref().map(|(doc, _)| doc),
        "revision": outcome.revision.as_ref().map(|(_, number)| number),
        "drift": outcome.carry.as_ref().map(super::drift::report_json),
        "cannot_quote": outcome.cannot_quote,
        "name": outcome.name,
        "title": outcome.title,
        "title_from": outcome.title_from,
        "layer": outcome.layer.as_ref().map(LayerSummary::from),
        "same_as_latest": outcome.same_as_latest.as_ref().map(|(doc, number)| json!({"doc": doc, "revision": number})),
    })
}

/// Says that a source was added, or was stored already and what that means.
fn write_added(
    out: &mut dyn std::io::Write,
    outcome: &AddOutcome,
    already: &str,
) -> std::io::Result<()> {
    if outcome.new_source {
        writeln!(out, "added source {} ({} bytes)", outcome.id, outcome.size)
    } else {
        writeln!(
            out,
            "source {} is already stored ({} bytes); {already}",
            outcome.id, outcome.size
        )
    }
}

/// Says what text layer `add` derived, and that quotes are anchored in it.
pub(super) fn layer_line(layer: &crate::model::TextLayer) -> String {
    let what = if layer.extractor == crate::text::html::NAME {
        "the text a reader sees"
    } else if layer.extractor == crate::extract::pdf::NAME {
        "the text of its pages"
    } else {
        "its text as UTF-8"
    };
    let encoding = layer
        .params
        .get("encoding")
        .map(|encoding| {
            let found = match layer.params.get("found").map(String::as_str) {
                Some("bom") => "its byte order mark",
                Some("declared") => "the charset given",
                Some("meta") => "the page's meta charset",
                Some("valid-utf-8") => "valid UTF-8",
                _ => "detection",
            };
            format!(", read as {encoding} (by {found})")
        })
        .unwrap_or_default();
    format!(
        "text layer {} ({} bytes): {what}, derived by {} {}{encoding}; quotes are anchored in it",
        layer.layer.short(),
        layer.size,
        layer.extractor,
        layer.version
    )
}

/// The flags of `add URL`.
struct Fetching {
    ca_file: Option<PathBuf>,
    timeout: u64,
    max_size: u64,
    doc: Option<String>,
}

/// Runs `add URL`: the page fetched, recorded with its text layer and its
/// capture.
fn run_capture(
    url: &str,
    args: &Fetching,
    meta: SourceMeta,
    ctx: &mut Ctx<'_>,
) -> Result<(), CliError> {
    if args.timeout == 0 || args.max_size == 0 {
        return Err(CliError::Usage(
            "--timeout and --max-size must be more than 0".into(),
        ));
    }
    let ca_file = match &args.ca_file {
        Some(path) => Some(std::fs::read(path).map_err(|error| {
            CliError::Usage(format!(
                "--ca-file {} cannot be read ({error}); give a PEM file of root certificates",
                path.display()
            ))
        })?),
        None => None,
    };
    let options = crate::capture::FetchOptions {
        max_size: args.max_size,
        timeout: std::time::Duration::from_secs(args.timeout),
        ca_file,
    };
    let actor = ctx.actor()?;
    let doc = args.doc.clone();
    let (outcome, capture) =
        ctx.with_store(|opened| opened.add_url(url, meta, doc.as_deref(), &options, &actor))?;
    if ctx.json {
        writeln!(ctx.out, "{}", {
            let mut value = added_json(&outcome);
            value["capture"] = json!(capture);
            value
        })?;
        return Ok(());
    }
    for redirect in &capture.redirects {
        writeln!(
            ctx.out,
            "{} answered {} (redirect)",
            redirect.url, redirect.status
        )?;
    }
    writeln!(
        ctx.out,
        "captured {} ({}) at {}; the exchange is kept as WARC records {} ({} bytes)",
        capture.final_url,
        capture.status,
        capture.retrieved,
        capture.warc.short(),
        capture.size
    )?;
    write_added(
        ctx.out,
        &outcome,
        "this capture is recorded beside the earlier ones",
    )?;
    if let Some(layer) = &outcome.layer {
        writeln!(ctx.out, "{}", layer_line(layer))?;
    }
    if let Some((doc, number)) = &outcome.revision {
        writeln!(ctx.out, "logged as revision {number} of {doc}")?;
    }
    Ok(())
}
