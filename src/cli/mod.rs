//! The command line: arguments, output and exit codes. The only module that
//! knows clap, the terminal and the process's exit status.
//!
//! Every command parses and checks its arguments before the store is opened,
//! writes through the `Out` it is given, and returns a `CliError` that
//! `exit_code_for` maps to a code and one line of message, in one place.

mod commands;
mod error;

pub use error::{exit, CliError};
use error::{exit_code_for, message};

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::store::{self, OpenOptions, Store};

/// provdb records who says what, where and when: sources by their BLAKE3 hash,
/// claims anchored to exact quotes, every change in a hash-chained journal.
#[derive(Debug, Parser)]
#[command(name = "provdb", version, about, max_term_width = 100)]
pub struct Cli {
    /// The store directory [default: the nearest .provdb from here upward].
    #[arg(long, global = true, env = "PROVDB_DIR", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Print exactly one JSON document on standard output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Who is recording [default: the OS user].
    #[arg(long, global = true, env = "PROVDB_ACTOR", value_name = "NAME")]
    pub actor: Option<String>,
    /// How long to wait for another provdb process's lock on the store, in seconds.
    #[arg(long, global = true, env = "PROVDB_LOCK_WAIT", value_name = "SECONDS", default_value = "10", value_parser = parse_lock_wait)]
    pub lock_wait: std::time::Duration,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new store (default: ./.provdb).
    #[command(after_help = "Examples:\n  provdb init\n  provdb init ~/stores/khojaly")]
    Init(commands::init::InitArgs),
    /// Record a source's bytes and metadata, optionally as a revision of a document.
    #[command(
        after_help = "Examples:\n  provdb add article.txt --doc khojaly --title \"Khojaly, 26 February 1992\" --published 2024-02-26\n  provdb add article-may.txt --doc khojaly --updated 2024-05-15 --note \"count updated\"\n  provdb add https://example.org/report.html\n  provdb add archive/ more/*.txt"
    )]
    Add(commands::add::AddArgs),
    /// Anchor a quote in a source as evidence for a claim.
    #[command(
        after_help = "Examples:\n  provdb cite khojaly --quote \"613 civilians were killed\" --subject \"Khojaly, 26 February 1992\" --property \"civilians killed\" --value 613\n  provdb cite 3b14f761 --quote \"at least 600 civilians\" --subject \"Khojaly, 26 February 1992\" --property \"civilians killed\" --value \"at least 600\"\n  provdb cite --batch citations.jsonl"
    )]
    Cite(commands::cite::CiteArgs),
    /// List claims, filtered by subject, property, source or value.
    #[command(
        after_help = "Examples:\n  provdb claims --subject \"Khojaly, 26 February 1992\"\n  provdb claims --property \"civilians killed\" --value 613"
    )]
    Claims(commands::claims::ClaimsArgs),
    /// Show a claim, every citation with its quote in context, and rival values.
    #[command(
        after_help = "Examples:\n  provdb trace 8ad4c079\n  provdb trace 8ad4c079 --as-of 2024-03-01"
    )]
    Trace(commands::trace::TraceArgs),
    /// List values that cannot both hold, then values that agree at different precision.
    #[command(
        after_help = "Examples:\n  provdb conflicts\n  provdb conflicts --json | jq '.conflicts[].property'"
    )]
    Conflicts(commands::conflicts::ConflictsArgs),
    /// Check a draft's figures against the cited claims: backed, contradicted or unbacked.
    #[command(
        after_help = "Examples:\n  provdb coverage draft.txt --doc khojaly\n  provdb coverage draft.html --allow unbacked\n  provdb coverage draft.pdf --json | jq '.figures[] | select(.verdict != \"backed\")'"
    )]
    Coverage(commands::coverage::CoverageArgs),
    /// Search sources' text, quotes, claims and reviews: words, "phrases", figures.
    #[command(
        after_help = "Examples:\n  provdb search \"1,275 residents\"\n  provdb search ECHR --as-of 2024-03-01\n  provdb search \"parliaments -states\" --json | jq '.hits[].id'"
    )]
    Search(commands::search::SearchArgs),
    /// Write a static sourcing site: claims, quotes in their sources, receipts checked in the browser.
    #[command(
        after_help = "Examples:\n  provdb report -o site/\n  provdb report -o site/ --doc khojaly\n  provdb report -o site/ --force --json"
    )]
    Report(commands::report::ReportArgs),
    /// Show any source, claim or citation by id or unique prefix.
    #[command(after_help = "Examples:\n  provdb show khojaly@2\n  provdb show 8ad4c079")]
    Show(commands::show::ShowArgs),
    /// Write a source's raw bytes to standard output.
    #[command(after_help = "Examples:\n  provdb cat khojaly@1 > article.txt")]
    Cat(commands::cat::CatArgs),
    /// List sources.
    #[command(after_help = "Examples:\n  provdb sources")]
    Sources(commands::sources::SourcesArgs),
    /// List journal entries, or with --doc a document's revisions.
    #[command(after_help = "Examples:\n  provdb log | tail -5\n  provdb log --doc khojaly")]
    Log(commands::log::LogArgs),
    /// Retract a citation with a reason; it stays on record as retracted.
    #[command(
        after_help = "Examples:\n  provdb retract 5f24102a --reason \"quoted the wrong paragraph\""
    )]
    Retract(commands::retract::RetractArgs),
    /// Correct a source's metadata, with a reason, as a journaled change.
    #[command(
        after_help = "Examples:\n  provdb amend e409ac61 --title \"Regional survey, 1993\" --author \"Survey team\" --reason \"the title page as printed\""
    )]
    Amend(commands::amend::AmendArgs),
    /// Mark a conflict reviewed, with a note, as a journaled change.
    #[command(
        after_help = "Examples:\n  provdb mark-reviewed 23949882 --note \"the 1993 survey counted the burials known then\""
    )]
    MarkReviewed(commands::amend::MarkReviewedArgs),
    /// Check objects, journal chain, quotes and index; exit 1 on any damage.
    #[command(after_help = "Examples:\n  provdb verify\n  provdb verify --max-age 30d")]
    Verify(commands::verify::VerifyArgs),
    /// Rebuild the index from the journal.
    #[command(after_help = "Examples:\n  provdb reindex")]
    Reindex(commands::reindex::ReindexArgs),
    /// Build a demonstration store from the built-in fixtures and walk through it.
    #[command(after_help = "Examples:\n  provdb demo\n  provdb demo /tmp/provdb-demo")]
    Demo(commands::demo::DemoArgs),
    /// Compare two revisions word by word and say what became of each citation.
    #[command(after_help = "Examples:\n  provdb diff khojaly@1 khojaly@latest")]
    Diff(commands::diff::DiffArgs),
    /// Show what each revision of a document did to the citations of the one before.
    #[command(after_help = "Examples:\n  provdb drift --doc khojaly")]
    Drift(commands::drift::DriftArgs),
    /// Prefer a newer citation to an older one, keeping the older as history.
    #[command(
        after_help = "Examples:\n  provdb supersede 720a8beb --by b63083aa --reason \"revision 2 gives the current count\""
    )]
    Supersede(commands::supersede::SupersedeArgs),
    /// Print the journal's Merkle tree head as a checkpoint, and keep it; sign it and have witnesses cosign it.
    #[command(
        after_help = "Examples:\n  provdb checkpoint > checkpoint.txt\n  provdb checkpoint --sign log.key > checkpoint.txt\n  provdb checkpoint --sign log.key --policy newsroom.policy"
    )]
    Checkpoint(commands::checkpoint::CheckpointArgs),
    /// List the checkpoints kept.
    #[command(after_help = "Examples:\n  provdb checkpoints")]
    Checkpoints(commands::checkpoint::CheckpointsArgs),
    /// Make a signing key for checkpoints, or a witness's key; print a verifier key.
    #[command(
        after_help = "Examples:\n  provdb key generate newsroom.example/provdb -o log.key > log.vkey\n  provdb key public log.key"
    )]
    Key(commands::keys::KeyArgs),
    /// Run a witness that cosigns logs' checkpoints (C2SP tlog-witness).
    #[command(
        after_help = "Examples:\n  provdb witness serve --addr 127.0.0.1:7380 --key w1.key --log log.vkey --state w1-state"
    )]
    Witness(commands::keys::WitnessArgs),
    /// Write an inclusion or consistency proof as JSON.
    #[command(
        after_help = "Examples:\n  provdb prove 8ad4c079 > p.json\n  provdb prove --consistency 120 latest > c.json"
    )]
    Prove(commands::prove::ProveArgs),
    /// Check a proof file with no store.
    #[command(after_help = "Examples:\n  provdb verify-proof p.json")]
    VerifyProof(commands::prove::VerifyProofArgs),
    /// Write a citation's self-contained receipt as JSON.
    #[command(after_help = "Examples:\n  provdb receipt 5f24102a > r.json")]
    Receipt(commands::prove::ReceiptArgs),
    /// Check a receipt with no store and no document.
    #[command(after_help = "Examples:\n  provdb verify-receipt r.json")]
    VerifyReceipt(commands::prove::VerifyReceiptArgs),
    /// Record a fact-checker's verdict on a claim (schema.org ClaimReview).
    #[command(
        after_help = "Examples:\n  provdb review 8ad4c079 --rating Misleading --rating-value 2 --best 5 --worst 1 --by \"A fact-check desk\" --url https://desk.example/review"
    )]
    Review(commands::reviews::ReviewArgs),
    /// List reviews, recorded or imported from ClaimReview markup.
    #[command(after_help = "Examples:\n  provdb reviews\n  provdb reviews 8ad4c079")]
    Reviews(commands::reviews::ReviewsArgs),
    /// Write the store in an interchange format: a bundle, JSON Lines, CSV, CSL-JSON, Web Annotations, PROV-JSON, ClaimReview, WARC.
    #[command(
        after_help = "Examples:\n  provdb export --format csv -o claims.csv\n  provdb export --format jsonl -o - | jq .\n  provdb export --format bundle -o store.tar"
    )]
    Export(commands::interchange::ExportArgs),
    /// Read a file into a store: a bundle creates a store or merges into one; ClaimReview markup, WARC and WACZ files are imported.
    #[command(
        after_help = "Examples:\n  provdb import colleague.tar\n  provdb --db copy import store.tar\n  provdb import --format claimreview page.json\n  provdb import --format wacz crawl.wacz"
    )]
    Import(commands::interchange::ImportArgs),
    /// Write a b3sum-format manifest of the objects or of a document's revisions.
    #[command(
        after_help = "Examples:\n  provdb manifest > objects.b3\n  provdb manifest --doc khojaly --export out/ > doc.b3"
    )]
    Manifest(commands::manifest::ManifestArgs),
    /// Say whether files are recorded sources; exit 1 if any is not.
    #[command(after_help = "Examples:\n  provdb check draft.txt other.pdf")]
    Check(commands::manifest::CheckArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Examples:\n  provdb completions bash > ~/.local/share/bash-completion/completions/provdb"
    )]
    Completions(commands::shell::CompletionsArgs),
    /// Print the man page, or write one per command with --dir.
    #[command(
        after_help = "Examples:\n  provdb man | man -l -\n  provdb man --dir ~/.local/share/man/man1"
    )]
    Man(commands::shell::ManArgs),
}

/// A store a command only read, closed on a thread of its own. sled's close
/// of an index nothing was written to has nothing to flush, yet walks every
/// page it holds and syncs its file (about 5 ms of a 20 ms lookup at
/// 1,000,000 citations); the command prints meanwhile. The index is closed
/// before the store's lock is released, so no other command opens it while
/// sled still has it, and the lock is released even while the command is
/// still writing to a pipe nobody reads yet (`provdb sources | while read
/// id; do provdb show $id; done`). A process that ends before the close
/// does leaves the store as a finished close would: nothing was written.
#[derive(Debug)]
pub struct Closing(Option<std::thread::JoinHandle<()>>);

impl Closing {
    /// Returns the close of `opened`, started on a new thread (or done here
    /// if no thread can be started).
    fn start(opened: Store) -> Closing {
        let thread = std::thread::Builder::new()
            .name("provdb-close".into())
            .spawn(move || drop(opened));
        // On failure the closure, and the store in it, is dropped here.
        Closing(thread.ok())
    }

    /// Lets the close go on without waiting for it.
    fn detach(mut self) {
        self.0.take();
    }
}

impl Drop for Closing {
    /// Waits for the close to finish.
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            // A panic there was sled's, closing an index it did not write.
            let _ = thread.join();
        }
    }
}

/// What every command gets: the global options and the output streams.
pub struct Ctx<'a> {
    /// The global options.
    pub db: Option<PathBuf>,
    /// JSON output.
    pub json: bool,
    /// The actor flag or variable.
    pub actor: Option<String>,
    /// How long to wait for another process's lock.
    pub lock_wait: std::time::Duration,
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// Standard error.
    pub err: &'a mut dyn Write,
    /// A store the command only read, being closed on a thread of its own
    /// ([`Ctx::close`]); the next store opened, or the end of the `Ctx`,
    /// waits for it.
    pub closing: Option<Closing>,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Ctx")
            .field("db", &self.db)
            .field("json", &self.json)
            .finish()
    }
}

impl Ctx<'_> {
    /// Returns the store directory: --db, PROVDB_DIR, or the nearest .provdb upward.
    pub fn store_path(&self) -> Result<PathBuf, CliError> {
        match &self.db {
            Some(path) => Ok(path.clone()),
            None => {
                let here = std::env::current_dir().map_err(|error| {
                    CliError::Usage(format!("cannot read the current directory: {error}"))
                })?;
                Ok(store::find_store(&here)?)
            }
        }
    }

    /// Opens the store, saying so on standard error if it has to wait for a lock.
    pub fn open(&mut self) -> Result<Store, CliError> {
        let path = self.store_path()?;
        let mut opened = self.with_lock_options(|options| Store::open(&path, options))?;
        for notice in opened.take_notices() {
            writeln!(self.err, "provdb: notice: {notice}")?;
        }
        Ok(opened)
    }

    /// Runs `run` with lock options that report waiting on standard error.
    pub fn with_lock_options<T>(&mut self, run: impl FnOnce(&mut OpenOptions<'_>) -> T) -> T {
        // A store the last command read is closed first: its lock would keep
        // this one waiting.
        drop(self.closing.take());
        let err = &mut *self.err;
        let lock_wait = self.lock_wait;
        let mut on_wait = |root: &Path| {
            let _ = writeln!(
                err,
                "provdb: store {} is locked by another provdb process; waiting up to {} s…",
                root.display(),
                lock_wait.as_secs_f64()
            );
        };
        let mut options = OpenOptions {
            on_wait: Some(&mut on_wait),
            lock_wait,
        };
        run(&mut options)
    }

    /// Opens the store, runs `run` on it and closes it whatever `run`
    /// returned, printing the notices of opening and closing: the one
    /// sequence every command that reads or writes a store goes through.
    /// `run`'s error comes first; a failure to close is reported after it.
    pub fn with_store<T, E: Into<CliError>>(
        &mut self,
        run: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, CliError> {
        self.with_store_writing(|opened, _| run(opened))
    }

    /// [`Ctx::with_store`] for a command that writes to standard output
    /// while the store is open (`cat`, whose bytes are not worth spooling).
    pub fn with_store_writing<T, E: Into<CliError>>(
        &mut self,
        run: impl FnOnce(&mut Store, &mut dyn Write) -> Result<T, E>,
    ) -> Result<T, CliError> {
        let mut opened = self.open()?;
        let result = run(&mut opened, &mut *self.out).map_err(Into::into);
        let closed = self.close(opened);
        let value = result?;
        closed?;
        Ok(value)
    }

    /// Closes the store, printing any notices gathered since opening. A
    /// store only read is closed on a thread of its own ([`Closing`]), so the
    /// command goes on to its output at once.
    pub fn close(&mut self, mut opened: Store) -> Result<(), CliError> {
        let mut notices = opened.take_notices();
        if opened.only_read() {
            self.closing = Some(Closing::start(opened));
        } else {
            notices.extend(opened.close());
        }
        for notice in notices {
            writeln!(self.err, "provdb: notice: {notice}")?;
        }
        Ok(())
    }

    /// Returns who is recording: --actor, PROVDB_ACTOR, else the OS user.
    pub fn actor(&self) -> Result<String, CliError> {
        let actor = match &self.actor {
            Some(actor) => actor.trim().to_string(),
            None => os_user().ok_or_else(|| {
                CliError::Usage(
                    "cannot tell who is recording; pass --actor NAME or set PROVDB_ACTOR".into(),
                )
            })?,
        };
        if actor.is_empty() || actor.chars().any(char::is_control) || actor.len() > 200 {
            return Err(CliError::Usage(format!(
                "--actor {actor:?} is not usable: give 1-200 printable characters"
            )));
        }
        Ok(actor)
    }
}

/// Returns a progress bar over `total` bytes on standard error, or None when
/// standard error is not a terminal or the output is JSON.
pub fn progress_bar(json: bool, total: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if json || total == 0 || !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {binary_bytes}/{binary_total_bytes} {msg} ({eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// Returns the OS user name: $USER, $LOGNAME, else the name of our uid in /etc/passwd.
fn os_user() -> Option<String> {
    for variable in ["USER", "LOGNAME"] {
        if let Ok(name) = std::env::var(variable) {
            if !name.trim().is_empty() {
                return Some(name);
            }
        }
    }
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() > 2 && fields[2] == uid).then(|| fields[0].to_string())
    });
    Some(name.unwrap_or(format!("uid:{uid}")))
}

/// Runs provdb with the process's arguments and returns its exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => {
            // --help and --version: their text, exit 0.
            let _ = error.print();
            return ExitCode::from(exit::OK);
        }
        Err(error) => {
            // --json anywhere before the command's own arguments end.
            let json = std::env::args_os().skip(1).any(|arg| arg == "--json");
            report(&mut io::stderr(), json, &usage_line(&error), exit::USAGE);
            return ExitCode::from(exit::USAGE);
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    // Not locked for the whole run: a progress bar draws on it from worker threads.
    let mut err = io::stderr();
    let result = {
        let mut ctx = Ctx {
            db: cli.db,
            json: cli.json,
            actor: cli.actor,
            lock_wait: cli.lock_wait,
            out: &mut out,
            err: &mut err,
            closing: None,
        };
        let result = commands::dispatch(cli.command, &mut ctx);
        // Not waited for: the process may end while a store it only read is
        // still closing, which leaves it as it was (see `Closing`).
        if let Some(closing) = ctx.closing.take() {
            closing.detach();
        }
        result
    };
    let flushed = out.flush();
    let result = match (result, flushed) {
        (Ok(()), Err(error)) => Err(CliError::Output(error)),
        (result, _) => result,
    };
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        // The reader went away (`provdb log | head`), however the write
        // that found out reported it: nothing to say, nothing failed.
        Err(CliError::Output(error)) if is_broken_pipe(&error) => ExitCode::from(exit::OK),
        Err(CliError::Store(crate::store::StoreError::Io { source, .. }))
            if is_broken_pipe(&source) =>
        {
            ExitCode::from(exit::OK)
        }
        Err(CliError::Damage(count)) => {
            if cli.json {
                report(
                    &mut err,
                    true,
                    &format!("verification found {count} problem(s)"),
                    exit::DAMAGE,
                );
            } else {
                let _ = writeln!(err, "provdb: verification found {count} problem(s)");
            }
            ExitCode::from(exit::DAMAGE)
        }
        Err(error) => {
            let code = exit_code_for(&error);
            report(&mut err, cli.json, &message(&error), code);
            ExitCode::from(code)
        }
    }
}

/// True for a write to a reader that has gone (`provdb log | head`), also
/// when another error carries it (a JSON writer's, a progress bar's).
fn is_broken_pipe(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
        || error.raw_os_error() == Some(32)
        || error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<io::Error>())
            .is_some_and(is_broken_pipe)
}

/// Says why a command failed, on standard error: one line `provdb: error:
/// …`, or with --json one JSON object `{"error": {"message", "exit_code",
/// "hint"}}`, the hint being what the message says to do (after its first
/// "; "), or null.
fn report(err: &mut dyn Write, json: bool, message: &str, code: u8) {
    if json {
        let hint = message.split_once("; ").map(|(_, hint)| hint);
        let _ = writeln!(
            err,
            "{}",
            serde_json::json!({"error": {"message": message, "exit_code": code, "hint": hint}})
        );
    } else {
        let _ = writeln!(err, "provdb: error: {message}");
    }
}

/// A command-line error from clap as one line: what is wrong, clap's tip,
/// and the usage of the command (its help is `provdb help COMMAND`).
fn usage_line(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let mut what = String::new();
    let mut listed = Vec::new();
    let mut tips = Vec::new();
    let mut usage = None;
    for line in rendered.lines() {
        let trimmed = line.trim();
        if let Some(first) = trimmed.strip_prefix("error: ") {
            what = first.to_string();
        } else if let Some(tip) = trimmed.strip_prefix("tip: ") {
            tips.push(tip.to_string());
        } else if let Some(text) = trimmed.strip_prefix("Usage: ") {
            usage = Some(text.to_string());
        } else if !trimmed.is_empty() && line.starts_with("  ") && !trimmed.starts_with("For more")
        {
            listed.push(trimmed.to_string());
        }
    }
    let mut line = what.trim_end_matches(':').to_string();
    if !listed.is_empty() {
        line.push_str(&format!(": {}", listed.join(", ")));
    }
    for tip in tips {
        line.push_str(&format!("; {tip}"));
    }
    let command = usage
        .as_deref()
        .and_then(|usage| usage.split_whitespace().nth(1))
        .filter(|word| !word.starts_with(['[', '<']));
    let help = match command {
        Some(command) => format!("provdb help {command}"),
        None => "provdb help".into(),
    };
    match usage {
        Some(usage) => line.push_str(&format!("; usage: {usage} (see {help})")),
        None => line.push_str(&format!("; see {help}")),
    }
    line
}

/// Reads `--lock-wait`: seconds from 0 to 86,400, fractions allowed.
fn parse_lock_wait(text: &str) -> Result<std::time::Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(seconds) if (0.0..=86_400.0).contains(&seconds) => {
            Ok(std::time::Duration::from_secs_f64(seconds))
        }
        _ => Err(format!(
            "{text:?} is not a wait in seconds; give a number from 0 to 86400, such as 10 or 0.5"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns a `Ctx` on the store at `root` that waits for no lock.
    fn test_ctx<'a>(root: &Path, out: &'a mut Vec<u8>, err: &'a mut Vec<u8>) -> Ctx<'a> {
        Ctx {
            db: Some(root.to_path_buf()),
            json: false,
            actor: Some("tester".into()),
            lock_wait: std::time::Duration::ZERO,
            out,
            err,
            closing: None,
        }
    }

    /// Records one source through `ctx`: a command that writes.
    fn add_one(ctx: &mut Ctx<'_>) {
        ctx.with_store(|opened| {
            let mut text: &[u8] = b"The court gave its decision on 22 April 2010.";
            opened.add_source(
                crate::store::AddInput::Reader(&mut text, "a test"),
                crate::model::SourceMeta::default(),
                None,
                false,
                "tester",
            )
        })
        .expect("a write");
    }

    /// A store a command only read is closed on a thread of its own; the
    /// next open in the same `Ctx` waits for that close (with no wait
    /// allowed for the lock, a lock still held would refuse it), a store
    /// written to is closed before the command goes on, and dropping the
    /// `Ctx` waits for the close it started.
    #[test]
    fn a_store_only_read_is_closed_on_a_thread_waited_for_by_the_next_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("s");
        Store::init(&root, "tester").expect("init");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut ctx = test_ctx(&root, &mut out, &mut err);
        ctx.with_store(|opened| opened.sources().map(|_| ()))
            .expect("a read");
        assert!(
            ctx.closing.is_some(),
            "a store only read is closed on a thread"
        );
        ctx.with_store(|opened| opened.sources().map(|_| ()))
            .expect("a second read in the same Ctx opens the store again");
        add_one(&mut ctx);
        assert!(
            ctx.closing.is_none(),
            "a store written to is closed at once"
        );
        ctx.with_store(|opened| opened.sources().map(|_| ()))
            .expect("a read");
        drop(ctx);
        let mut no_wait = OpenOptions {
            lock_wait: std::time::Duration::ZERO,
            on_wait: None,
        };
        Store::open(&root, &mut no_wait).expect("dropping the Ctx waited for the close");
    }

    /// A read whose open had to bring the index up to date wrote to it: that
    /// store is closed before the command goes on, not on a thread the
    /// process would not wait for.
    #[test]
    fn a_store_whose_index_was_brought_up_to_date_is_closed_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("s");
        Store::init(&root, "tester").expect("init");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut ctx = test_ctx(&root, &mut out, &mut err);
        add_one(&mut ctx);
        // The index is derived: without it, the next open rebuilds it.
        std::fs::remove_dir_all(root.join("index")).expect("remove the index");
        let listed = ctx
            .with_store(|opened| opened.sources())
            .expect("a read that rebuilds the index");
        assert_eq!(
            listed.len(),
            1,
            "the source is listed from the rebuilt index"
        );
        assert!(
            ctx.closing.is_none(),
            "a store whose index was written while opening is closed at once"
        );
        ctx.with_store(|opened| opened.sources().map(|_| ()))
            .expect("a read of an index up to date");
        assert!(
            ctx.closing.is_some(),
            "and the next read closes on a thread"
        );
    }
}
