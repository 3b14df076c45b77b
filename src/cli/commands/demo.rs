//! `provdb demo [DIR]`: builds a store from the built-in fixtures and walks
//! through add, cite, trace, conflicts, a new revision, coverage of a draft,
//! search, and verify.
//!
//! Every step is a command line: it is printed as `$ provdb …`, then parsed
//! by the same clap parser and run by the same dispatch as a typed command,
//! so what the demo prints is exactly what it runs and what that prints.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::error::message;
use crate::cli::{Cli, CliError, Ctx};

const ARTICLE_FEB: &[u8] = include_bytes!("../../../fixtures/khojaly-article-2024-02.txt");
const ARTICLE_MAY: &[u8] = include_bytes!("../../../fixtures/khojaly-article-2024-05.txt");
const SURVEY: &[u8] = include_bytes!("../../../fixtures/regional-survey-1993.txt");
const NOTE: &[u8] = include_bytes!("../../../fixtures/relief-agency-note-1992.txt");
const PAGE: &[u8] = include_bytes!("../../../fixtures/khojaly-article-2024-02.html");

const ARTICLE_TITLE: &str = "Khojaly, 26 February 1992: the figures behind an anniversary";
const PUBLISHER: &str = "provdb fixture newsroom";
const TOLL: &str = "Khojaly, 26 February 1992";
/// The article's metadata, given with both of its revisions.
const ARTICLE: [&str; 8] = [
    "--doc",
    "khojaly-article",
    "--title",
    ARTICLE_TITLE,
    "--publisher",
    PUBLISHER,
    "--published",
    "2024-02-26",
];

/// Build a demonstration store from the built-in fixtures and walk through it.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where to build the store [default: a new directory under the system's
    /// temp dir]. The built-in fixtures are written beside it, in DIR-fixtures.
    pub dir: Option<PathBuf>,
}

/// A citation the demo records: the source, then the cite flags.
struct Citing<'a> {
    source: &'a str,
    quote: &'a str,
    subject: &'a str,
    property: &'a str,
    value: &'a str,
    as_of: Option<&'a str>,
}

/// Runs `demo`.
pub fn run(args: DemoArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let dir = match args.dir {
        Some(dir) => dir,
        None => {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_millis())
                .unwrap_or(0);
            std::env::temp_dir().join(format!("provdb-demo-{}-{stamp}", std::process::id()))
        }
    };
    let json_mode = ctx.json;
    let global = global_flags(ctx)?;
    let mut quiet = std::io::sink();
    let transcript: &mut dyn Write = if json_mode { &mut quiet } else { &mut *ctx.out };
    let mut session = Session {
        db: dir.display().to_string(),
        global,
        json_mode,
        transcript,
    };
    let ids = session.record(&dir)?;
    session.revise(&ids)?;
    session.page(&ids)?;
    let verified = session.run_on_store(&["verify"]);
    let db = session.db.clone();
    if verified.is_ok() {
        let program = program_name();
        writeln!(
            session.transcript,
            "The store is in {db}; explore it with `{program} --db {db} sources` (or claims, conflicts, log, show ID)."
        )?;
    }
    if let Some((trace, conflicts)) = &ids.shown {
        // verify --json prints its report, damaged or not.
        let mut verify = session.json_even_if_refused(&["verify"])?;
        if let Some(fields) = verify.as_object_mut() {
            fields.remove("ok");
        }
        writeln!(
            ctx.out,
            "{}",
            json!({
                "store": db,
                "trace": trace,
                "conflicts": conflicts["conflicts"],
                "verify": verify,
            })
        )?;
    }
    verified.map(|_| ())
}

/// How to run this provdb from a shell: `provdb` when that name on the
/// PATH is this program, else the program's own path (as after `cargo run`).
fn program_name() -> String {
    let Ok(this) = std::env::current_exe().and_then(std::fs::canonicalize) else {
        return "provdb".to_string();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .any(|dir| std::fs::canonicalize(dir.join("provdb")).is_ok_and(|found| found == this))
    });
    if on_path {
        "provdb".to_string()
    } else {
        shell_line(&[this.display().to_string().as_str()])
    }
}

/// The global flags every step needs so that it runs as the demo does: the
/// demo's actor and lock wait, when a command line typed in the same
/// environment would not get them by itself (they came from the demo's own
/// flags, or there is no OS user to default to).
fn global_flags(ctx: &Ctx<'_>) -> Result<Vec<String>, CliError> {
    use clap::Parser;
    let typed = Cli::try_parse_from(["provdb", "sources"]).map_err(|error| {
        CliError::Usage(format!(
            "the demo cannot read its environment's defaults: {error}"
        ))
    })?;
    let mut global = Vec::new();
    let actor = ctx.actor();
    if ctx.actor != typed.actor || actor.is_err() {
        global.push("--actor".to_string());
        global.push(actor.unwrap_or_else(|_| "demo".to_string()));
    }
    if ctx.lock_wait != typed.lock_wait {
        global.push("--lock-wait".to_string());
        global.push(ctx.lock_wait.as_secs_f64().to_string());
    }
    Ok(global)
}

/// Writes the embedded fixtures into `DIR-fixtures`, beside the store, so
/// that the `add` lines name real files.
fn write_fixtures(dir: &Path) -> Result<PathBuf, CliError> {
    let name = dir
        .file_name()
        .map(|name| format!("{}-fixtures", name.to_string_lossy()))
        .unwrap_or_else(|| "provdb-demo-fixtures".into());
    let fixtures = dir.with_file_name(name);
    let written = (|| {
        std::fs::create_dir_all(&fixtures)?;
        for (name, bytes) in [
            ("khojaly-article-2024-02.txt", ARTICLE_FEB),
            ("khojaly-article-2024-05.txt", ARTICLE_MAY),
            ("regional-survey-1993.txt", SURVEY),
            ("relief-agency-note-1992.txt", NOTE),
            ("khojaly-article-2024-02.html", PAGE),
        ] {
            let path = fixtures.join(name);
            match std::fs::symlink_metadata(&path) {
                // Left by an earlier demo with the same DIR: used as it is.
                Ok(meta) if meta.is_file() && std::fs::read(&path)? == bytes => continue,
                Ok(_) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        format!("{} exists and is not the demo's fixture", path.display()),
                    ))
                }
                Err(_) => {
                    let mut file = std::fs::File::options()
                        .write(true)
                        .create_new(true)
                        .open(&path)?;
                    file.write_all(bytes)?;
                }
            }
        }
        Ok::<(), std::io::Error>(())
    })();
    written.map_err(|error| {
        CliError::Usage(format!(
            "cannot write the demo's fixtures to {} ({error}); give the demo another DIR",
            fixtures.display()
        ))
    })?;
    Ok(fixtures)
}

/// The ids later steps name, read from what earlier steps printed.
struct Ids {
    /// Where the fixture files are.
    fixtures: PathBuf,
    /// With --json: `trace --json` of the date claim and `conflicts --json`,
    /// taken when the text steps showed them.
    shown: Option<(serde_json::Value, serde_json::Value)>,
    parliaments_claim: String,
    parliaments_citation: String,
}

/// The demo's command lines, run one by one on one store.
struct Session<'a> {
    db: String,
    /// Global flags every step carries (`--actor`, `--lock-wait`), printed too.
    global: Vec<String>,
    json_mode: bool,
    transcript: &'a mut dyn Write,
}

impl Session<'_> {
    /// Adds the two sources, records the citations, shows a refusal, two
    /// traces and the conflict they make.
    fn record(&mut self, dir: &Path) -> Result<Ids, CliError> {
        let db = self.db.clone();
        let mut init: Vec<&str> = self.global.iter().map(String::as_str).collect::<Vec<_>>();
        init.extend(["init", db.as_str()]);
        let init: Vec<String> = init.into_iter().map(str::to_string).collect();
        self.run(&init.iter().map(String::as_str).collect::<Vec<_>>())?;
        // Written once the store exists, so a refused DIR leaves nothing.
        let fixtures = write_fixtures(dir)?;
        let feb = fixtures.join("khojaly-article-2024-02.txt");
        let added = self.add(&feb, &ARTICLE, &[])?;
        let article = short(&word_after(&added, "added source ")?);
        let survey_file = fixtures.join("regional-survey-1993.txt");
        let added = self.add(
            &survey_file,
            &[
                "--title",
                "Survey of the winter offensive, 1993 edition",
                "--published",
                "1993",
            ],
            &[],
        )?;
        let survey = short(&word_after(&added, "added source ")?);
        let note_file = fixtures.join("relief-agency-note-1992.txt");
        let added = self.add(
            &note_file,
            &[
                "--title",
                "Relief agency field note, March 1992",
                "--published",
                "1992-03",
            ],
            &[],
        )?;
        let note = short(&word_after(&added, "added source ")?);
        let citings = citings(&article, &survey, &note);
        let mut recorded = Vec::new();
        for citing in &citings {
            recorded.push(self.cite(citing)?);
        }
        writeln!(self.transcript, "(a transcription slip: 458 for 485)")?;
        self.run_refused(&cite_args(&Citing {
            value: "458",
            ..citings[1]
        }))?;
        let (toll_claim, _) = &recorded[0];
        let (date_claim, _) = &recorded[2];
        let (parliaments_claim, parliaments_citation) = &recorded[6];
        self.run_on_store(&["trace", date_claim])?;
        self.run_on_store(&["trace", toll_claim])?;
        writeln!(
            self.transcript,
            "(485 cannot hold beside 613 or \"at least 600\"; 613 and \"at least 600\" can, and so can February 1992 and 26 February 1992)"
        )?;
        self.run_on_store(&["conflicts"])?;
        let (survey_claim, _) = &recorded[1];
        self.run_on_store(&[
            "mark-reviewed",
            survey_claim,
            "--note",
            "the 1993 survey counted the burials known to it then; it says later tallies are higher",
        ])?;
        // What --json reports: the trace and the conflicts as these steps
        // showed them, before the revision changes both.
        let shown = if self.json_mode {
            Some((
                self.json(&["trace", date_claim])?,
                self.json(&["conflicts"])?,
            ))
        } else {
            None
        };
        Ok(Ids {
            fixtures,
            shown,
            parliaments_claim: parliaments_claim.clone(),
            parliaments_citation: parliaments_citation.clone(),
        })
    }

    /// Adds revision 2, compares it with revision 1, cites its new figure
    /// and prefers that citation to the old one.
    fn revise(&mut self, ids: &Ids) -> Result<(), CliError> {
        let may = ids.fixtures.join("khojaly-article-2024-05.txt");
        let added = self.add(
            &may,
            &ARTICLE,
            &[
                "--updated",
                "2024-05-15",
                "--note",
                "resolution count updated",
            ],
        )?;
        let revised = short(&word_after(&added, "added source ")?);
        self.run_on_store(&["diff", "khojaly-article@1", "khojaly-article@latest"])?;
        let (_, citation) = self.cite(&Citing {
            source: &revised,
            quote: "parliaments of 17 countries",
            subject: "Khojaly resolutions",
            property: "national parliaments",
            value: "17",
            as_of: Some("2024-05-15"),
        })?;
        writeln!(
            self.transcript,
            "(15 as of 2024-02-26 and 17 as of 2024-05-15 do not conflict: they hold at different times)\n"
        )?;
        self.run_on_store(&[
            "supersede",
            &ids.parliaments_citation,
            "--by",
            &citation,
            "--reason",
            "revision 2 gives the current count",
        ])?;
        self.run_on_store(&["trace", &ids.parliaments_claim])?;
        // Before publishing: the May text's figures against what is cited.
        let draft = may.display().to_string();
        self.run_on_store(&[
            "coverage",
            draft.as_str(),
            "--doc",
            "khojaly-article",
            "--allow",
            "unbacked",
            "--allow",
            "contradicted",
        ])?;
        self.run_on_store(&["search", "\"1,275 residents\""])?;
        Ok(())
    }

    /// Adds the article as a web page: its text layer is what a reader
    /// sees, its metadata fills the source's; a quote typed with a straight
    /// apostrophe crosses an inline tag, and trace shows the page's own
    /// bytes it was read from.
    fn page(&mut self, ids: &Ids) -> Result<(), CliError> {
        writeln!(
            self.transcript,
            "(the same article as a web page: markup, scripts and a navigation bar; the title, author and date come from the page)"
        )?;
        let page = ids.fixtures.join("khojaly-article-2024-02.html");
        let path = page.display().to_string();
        let added = self.run_on_store(&["add", path.as_str()])?;
        let source = short(&word_after(&added, "added source ")?);
        let (claim, _) = self.cite(&Citing {
            source: &source,
            quote: "article's account, 613 civilians were killed",
            subject: TOLL,
            property: "civilians killed",
            value: "613",
            as_of: None,
        })?;
        self.run_on_store(&["trace", &claim])?;
        Ok(())
    }

    /// Adds a fixture file as plain English text with `meta` and `more`
    /// flags; returns what `add` printed.
    fn add(&mut self, file: &Path, meta: &[&str], more: &[&str]) -> Result<String, CliError> {
        let path = file.display().to_string();
        let mut line = vec!["add", path.as_str()];
        line.extend_from_slice(meta);
        line.extend_from_slice(more);
        line.extend_from_slice(&["--media-type", "text/plain", "--language", "en"]);
        self.run_on_store(&line)
    }

    /// Records one citation; returns the claim's and the citation's short ids.
    fn cite(&mut self, citing: &Citing<'_>) -> Result<(String, String), CliError> {
        let args = cite_args(citing);
        let printed = self.run_on_store(&args.iter().map(String::as_str).collect::<Vec<_>>())?;
        Ok((
            short(&word_after(&printed, "claim ")?),
            short(&word_after(&printed, "citation ")?),
        ))
    }

    /// [`Session::run`] on the demo's store (`--db DIR` first).
    fn run_on_store(&mut self, args: &[&str]) -> Result<String, CliError> {
        let line = self.on_store(args);
        self.run(&line.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// `--db DIR`, the global flags, then `args`.
    fn on_store(&self, args: &[&str]) -> Vec<String> {
        let mut line = vec!["--db".to_string(), self.db.clone()];
        line.extend(self.global.iter().cloned());
        line.extend(args.iter().map(|arg| arg.to_string()));
        line
    }

    /// Prints `$ provdb ARGS`, runs them, and prints what they printed, on
    /// both streams; returns their standard output. A step that fails ends
    /// the demo with its error.
    fn run(&mut self, args: &[&str]) -> Result<String, CliError> {
        writeln!(self.transcript, "$ provdb {}", shell_line(args))?;
        let (result, out) = self.execute(args, false)?;
        result?;
        writeln!(self.transcript)?;
        Ok(out)
    }

    /// Runs a step that must be refused, printing the refusal as provdb does.
    fn run_refused(&mut self, args: &[String]) -> Result<(), CliError> {
        let line = self.on_store(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let line: Vec<&str> = line.iter().map(String::as_str).collect();
        writeln!(self.transcript, "$ provdb {}", shell_line(&line))?;
        match self.execute(&line, false)?.0 {
            Err(error) => {
                writeln!(self.transcript, "provdb: error: {}", message(&error))?;
                writeln!(self.transcript, "(refused; nothing was recorded)\n")?;
                Ok(())
            }
            Ok(()) => Err(CliError::Usage(
                "the demo's transcription slip was recorded; the value check did not hold".into(),
            )),
        }
    }

    /// Runs a read on the store with --json, printing nothing; returns its document.
    fn json(&mut self, args: &[&str]) -> Result<serde_json::Value, CliError> {
        let line = self.on_store(args);
        let (result, out) =
            self.execute(&line.iter().map(String::as_str).collect::<Vec<_>>(), true)?;
        result?;
        parse_json(&out)
    }

    /// [`Session::json`] for a command that prints its document and then
    /// fails (`verify` on damage).
    fn json_even_if_refused(&mut self, args: &[&str]) -> Result<serde_json::Value, CliError> {
        let line = self.on_store(args);
        let (_, out) = self.execute(&line.iter().map(String::as_str).collect::<Vec<_>>(), true)?;
        parse_json(&out)
    }

    /// Parses `args` with the CLI's parser and runs them with its dispatch,
    /// standard output and error captured; error lines and notices go to the
    /// transcript as a terminal would show them.
    fn execute(
        &mut self,
        args: &[&str],
        json: bool,
    ) -> Result<(Result<(), CliError>, String), CliError> {
        use clap::Parser;
        let cli = Cli::try_parse_from(std::iter::once("provdb").chain(args.iter().copied()))
            .map_err(|error| {
                CliError::Usage(format!(
                    "the demo's command line `provdb {}` does not parse: {error}",
                    shell_line(args)
                ))
            })?;
        let mut out = Vec::new();
        let mut err = Vec::new();
        let result = {
            let mut ctx = Ctx {
                db: cli.db,
                json: json || cli.json,
                actor: cli.actor,
                lock_wait: cli.lock_wait,
                out: &mut out,
                err: &mut err,
                closing: None,
            };
            super::dispatch(cli.command, &mut ctx)
        };
        if !json {
            self.transcript.write_all(&out)?;
            self.transcript.write_all(&err)?;
        }
        Ok((result, String::from_utf8_lossy(&out).into_owned()))
    }
}

/// A step's --json output.
fn parse_json(out: &str) -> Result<serde_json::Value, CliError> {
    serde_json::from_str(out).map_err(|error| {
        CliError::Usage(format!(
            "the demo could not read its own --json output ({error})"
        ))
    })
}

/// The citations the demo records, of the article and of the survey.
fn citings<'a>(article: &'a str, survey: &'a str, note: &'a str) -> [Citing<'a>; 10] {
    [
        Citing {
            source: article,
            quote: "613 civilians were killed",
            subject: TOLL,
            property: "civilians killed",
            value: "613",
            as_of: None,
        },
        Citing {
            source: survey,
            quote: "civilians killed at 485",
            subject: TOLL,
            property: "civilians killed",
            value: "485",
            as_of: None,
        },
        Citing {
            source: article,
            quote: "the night of Feb. 26, 1992",
            subject: "Khojaly assault",
            property: "date",
            value: "1992-02-26",
            as_of: None,
        },
        Citing {
            source: survey,
            quote: "On the night of 26 February 1992 the town of Khojaly was overrun",
            subject: "Khojaly assault",
            property: "date",
            value: "1992-02-26",
            as_of: None,
        },
        Citing {
            source: article,
            quote: "1,275 residents were taken captive",
            subject: TOLL,
            property: "people taken captive",
            value: "1,275",
            as_of: None,
        },
        Citing {
            source: article,
            quote: "a decision dated 22 April 2010",
            subject: "European Court of Human Rights decision",
            property: "date",
            value: "22 April 2010",
            as_of: None,
        },
        Citing {
            source: article,
            quote: "parliaments of 15 countries",
            subject: "Khojaly resolutions",
            property: "national parliaments",
            value: "15",
            as_of: Some("2024-02-26"),
        },
        Citing {
            source: note,
            quote: "at least 600 civilians",
            subject: TOLL,
            property: "civilians killed",
            value: "at least 600",
            as_of: None,
        },
        Citing {
            source: note,
            quote: "in February 1992",
            subject: "Khojaly assault",
            property: "date",
            value: "February 1992",
            as_of: None,
        },
        Citing {
            source: article,
            quote: "a population of about 7,000",
            subject: "Khojaly",
            property: "population before the war",
            value: "7,000",
            as_of: None,
        },
    ]
}

/// The `cite` arguments for a citation.
fn cite_args(citing: &Citing<'_>) -> Vec<String> {
    let mut args = vec![
        "cite".to_string(),
        citing.source.to_string(),
        "--quote".into(),
        citing.quote.into(),
        "--subject".into(),
        citing.subject.into(),
        "--property".into(),
        citing.property.into(),
        "--value".into(),
        citing.value.into(),
    ];
    if let Some(when) = citing.as_of {
        args.push("--as-of".into());
        args.push(when.into());
    }
    args
}

/// The word after `marker` at the start of a line of `printed`: an id a
/// step printed (`added source ID (…)`, `claim ID (new)`, `citation ID`).
fn word_after(printed: &str, marker: &str) -> Result<String, CliError> {
    printed
        .lines()
        .find_map(|line| line.strip_prefix(marker))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "the demo found no {marker:?} line in what its step printed"
            ))
        })
}

/// The first 12 hex digits of an id: a unique prefix in the demo's store.
fn short(id: &str) -> String {
    id.chars().take(12).collect()
}

/// The arguments as a shell line: words with spaces or shell characters
/// in double quotes.
fn shell_line(args: &[&str]) -> String {
    args.iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg.chars().all(|ch| {
                    ch.is_ascii_alphanumeric() || "-_./@:,=+".contains(ch) || !ch.is_ascii()
                });
            if plain {
                (*arg).to_string()
            } else {
                let escaped: String = arg
                    .chars()
                    .flat_map(|ch| match ch {
                        '"' | '\\' | '$' | '`' => vec!['\\', ch],
                        _ => vec![ch],
                    })
                    .collect();
                format!("\"{escaped}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
