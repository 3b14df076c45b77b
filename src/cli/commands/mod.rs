//! The commands, grouped by topic, one or more per file: each command's
//! arguments (whose doc comments are the --help text) and its `run`;
//! `dispatch` sends a parsed command to it.

pub mod add;
pub mod amend;
pub mod cat;
pub mod checkpoint;
pub mod cite;
pub mod claims;
pub mod conflicts;
pub mod coverage;
pub mod demo;
pub mod diff;
pub mod drift;
pub mod init;
pub mod interchange;
pub mod keys;
pub mod log;
pub mod manifest;
pub mod prove;
pub mod reindex;
pub mod report;
pub mod retract;
pub mod reviews;
pub mod search;
pub mod shell;
pub mod show;
pub mod sources;
pub mod supersede;
pub mod trace;
pub mod verify;

use crate::model::{Claim, When};
use crate::store::{Store, StoreError};

use super::{CliError, Command, Ctx};

/// Reads an `--as-of` argument (before the store is opened).
pub fn parse_as_of(text: Option<&str>) -> Result<Option<When>, CliError> {
    text.map(crate::text::dates::parse_when)
        .transpose()
        .map_err(CliError::from)
}

/// Limits an open store's queries to what it had recorded at `when`.
pub fn apply_as_of(store: &mut Store, when: Option<&When>) -> Result<(), StoreError> {
    if let Some(when) = when {
        store.set_as_of(when)?;
    }
    Ok(())
}

/// Runs one command.
pub fn dispatch(command: Command, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    match command {
        Command::Init(args) => init::run(args, ctx),
        Command::Add(args) => add::run(args, ctx),
        Command::Cite(args) => cite::run(args, ctx),
        Command::Claims(args) => claims::run(args, ctx),
        Command::Trace(args) => trace::run(args, ctx),
        Command::Conflicts(args) => conflicts::run(args, ctx),
        Command::Coverage(args) => coverage::run(args, ctx),
        Command::Search(args) => search::run(args, ctx),
        Command::Report(args) => report::run(args, ctx),
        Command::Show(args) => show::run(args, ctx),
        Command::Cat(args) => cat::run(args, ctx),
        Command::Sources(args) => sources::run(args, ctx),
        Command::Log(args) => log::run(args, ctx),
        Command::Retract(args) => retract::run(args, ctx),
        Command::Amend(args) => amend::run(args, ctx),
        Command::MarkReviewed(args) => amend::run_mark(args, ctx),
        Command::Verify(args) => verify::run(args, ctx),
        Command::Reindex(args) => reindex::run(args, ctx),
        Command::Demo(args) => demo::run(args, ctx),
        Command::Diff(args) => diff::run(args, ctx),
        Command::Drift(args) => drift::run(args, ctx),
        Command::Supersede(args) => supersede::run(args, ctx),
        Command::Checkpoint(args) => checkpoint::run(args, ctx),
        Command::Checkpoints(args) => checkpoint::run_list(args, ctx),
        Command::Key(args) => keys::run(args, ctx),
        Command::Witness(args) => keys::run_witness(args, ctx),
        Command::Prove(args) => prove::run(args, ctx),
        Command::Review(args) => reviews::run_review(args, ctx),
        Command::Reviews(args) => reviews::run_reviews(args, ctx),
        Command::Export(args) => interchange::run_export(args, ctx),
        Command::Import(args) => interchange::run_import(args, ctx),
        Command::Receipt(args) => prove::run_receipt(args, ctx),
        Command::VerifyReceipt(args) => prove::run_verify_receipt(args, ctx),
        Command::Manifest(args) => manifest::run(args, ctx),
        Command::Check(args) => manifest::run_check(args, ctx),
        Command::VerifyProof(args) => prove::run_verify(args, ctx),
        Command::Completions(args) => shell::run_completions(args, ctx),
        Command::Man(args) => shell::run_man(args, ctx),
    }
}

/// Prints a list a command gathered in a `Spool` under the store's lock,
/// once the lock is released: with `--json`, what `json!({key: items})`
/// prints, an item (a spooled line) at a time; else each line, or `empty`
/// (unless it is "") when there is none.
pub fn print_spooled(
    ctx: &mut Ctx<'_>,
    spool: &crate::spool::Spool,
    key: &str,
    empty: &str,
) -> Result<(), CliError> {
    let unread = |error: std::io::Error| {
        CliError::Store(StoreError::Io {
            action: "the list was gathered, but it could not be read back from",
            path: spool.place().into(),
            source: error,
        })
    };
    if ctx.json {
        write!(ctx.out, "{{{}:[", serde_json::Value::from(key))?;
        for (at, line) in spool.lines().enumerate() {
            if at > 0 {
                write!(ctx.out, ",")?;
            }
            write!(ctx.out, "{}", line.map_err(unread)?)?;
        }
        writeln!(ctx.out, "]}}")?;
        return Ok(());
    }
    if spool.is_empty() && !empty.is_empty() {
        writeln!(ctx.out, "{empty}")?;
    }
    for line in spool.lines() {
        writeln!(ctx.out, "{}", line.map_err(unread)?)?;
    }
    Ok(())
}

/// Returns the error for a list that could not be gathered in a `Spool`.
pub fn spool_error(error: crate::spool::SpoolError) -> StoreError {
    StoreError::Io {
        action:
            "gathering the list to print (nothing was changed; free space there, or set TMPDIR) in",
        path: error.place.into(),
        source: error.source,
    }
}

/// Returns a claim in one line: `subject · property = value (qualifiers)`.
pub fn claim_line(claim: &Claim) -> String {
    claim.line()
}

/// Returns a source's label: its title or "untitled", and its URL if any.
pub fn source_label(record: &crate::model::SourceRecord) -> String {
    let meta = &record.meta;
    let title = match (&meta.title, &record.name) {
        (Some(title), _) => title.clone(),
        (None, Some(name)) => format!("untitled, file {name}"),
        (None, None) => "untitled".into(),
    };
    match &meta.url {
        Some(url) => format!("{title} <{url}>"),
        None => title,
    }
}
