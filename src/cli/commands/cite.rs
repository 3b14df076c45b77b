//! `provdb cite SOURCE --quote … --subject … --property … --value …`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use crate::cli::{CliError, Ctx};
use crate::model::{Bound, Stance, ValueKind};
use crate::store::{BatchError, BatchProgress, CiteFields};

/// Anchor an exact quote in a source as evidence for a claim. The quote must be
/// in the source and must state the value, unless --value-not-in-quote is given.
#[derive(Debug, clap::Args)]
pub struct CiteArgs {
    /// The source: its id, a unique prefix of 4 or more hex characters, a
    /// revision name (khojaly@2, or khojaly for the latest) or the path of a
    /// file already added.
    #[arg(required_unless_present = "batch")]
    pub source: Option<String>,
    /// The exact words of the source (line breaks in the source match any whitespace).
    #[arg(long, required_unless_present = "batch")]
    pub quote: Option<String>,
    /// What the claim is about, e.g. "Khojaly, 26 February 1992".
    #[arg(long, required_unless_present = "batch")]
    pub subject: Option<String>,
    /// What is claimed of it, e.g. "civilians killed".
    #[arg(long, required_unless_present = "batch")]
    pub property: Option<String>,
    /// The value as the source states it: a count (613, "1,275 people"), a
    /// quantity ("12.5 km", or -12.5 with --unit), a date (22 April 2010) or
    /// text; hedged ("at least 600", "about 7,000") or a range ("600-700").
    #[arg(long, required_unless_present = "batch", allow_negative_numbers = true)]
    pub value: Option<String>,
    /// Record every citation in a JSON Lines file (- for standard input), one
    /// object per line with the fields above (source, quote, subject,
    /// property, value, kind, unit, as_of, bound, stance, occurrence, prefix,
    /// suffix, value_not_in_quote, locale). One journal append; a bad line refuses
    /// the whole batch.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with_all = ["source", "quote", "subject", "property", "value", "kind", "unit", "as_of", "bound", "approximate", "at_least", "occurrence", "prefix", "suffix", "value_not_in_quote", "locale"])]
    pub batch: Option<PathBuf>,
    /// With --batch: record the good lines and list the bad ones instead of refusing the batch.
    #[arg(long, requires = "batch")]
    pub skip_invalid: bool,
    /// The kind of value [default: inferred: count, quantity with --unit, date, else text].
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// The unit of a quantity, or what a count counts.
    #[arg(long)]
    pub unit: Option<String>,
    /// When the value holds, e.g. a toll "to date" (same forms as add --published).
    #[arg(long, value_name = "WHEN")]
    pub as_of: Option<String>,
    /// How the source bounds the value [default: as the value says, else as
    /// the quote says ("about 7,000 people" records about 7000), else exact].
    #[arg(long, value_enum, conflicts_with_all = ["approximate", "at_least"])]
    pub bound: Option<BoundArg>,
    /// The same as --bound approximate.
    #[arg(long, conflicts_with = "at_least")]
    pub approximate: bool,
    /// The same as --bound at-least.
    #[arg(long)]
    pub at_least: bool,
    /// How the source bears on the claim.
    #[arg(long, value_enum, default_value = "supports")]
    pub stance: StanceArg,
    /// Which match to cite when the quote occurs more than once (from 1).
    #[arg(long, value_name = "N")]
    pub occurrence: Option<usize>,
    /// Text just before the quote, to pick one of several matches.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Text just after the quote, to pick one of several matches.
    #[arg(long)]
    pub suffix: Option<String>,
    /// Record the citation although the quote does not state the value; the flag is recorded.
    #[arg(long)]
    pub value_not_in_quote: bool,
    /// Read the value and quote with this language's number conventions
    /// (de: "1.275" is 1275, "12,5" is 12.5) [default: the source's language].
    #[arg(long, value_name = "LANG")]
    pub locale: Option<String>,
}

/// Value kinds on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KindArg {
    /// A whole number of things.
    Count,
    /// A number with a unit.
    Quantity,
    /// A date or time.
    Date,
    /// Free text.
    Text,
}

/// Bounds on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BoundArg {
    /// The value as stated.
    Exact,
    /// "About", "some", "roughly": within a tenth either side.
    Approximate,
    /// "At least", "no fewer than".
    AtLeast,
    /// "More than", "over".
    MoreThan,
    /// "Up to", "at most".
    AtMost,
    /// "Fewer than", "under".
    LessThan,
    /// "Nearly", "almost": up to a tenth under.
    Nearly,
    /// A range; the value gives both ends ("600-700").
    Between,
}

impl BoundArg {
    /// The bound it names.
    pub fn bound(self) -> Bound {
        match self {
            BoundArg::Exact => Bound::Exact,
            BoundArg::Approximate => Bound::Approximate,
            BoundArg::AtLeast => Bound::AtLeast,
            BoundArg::MoreThan => Bound::MoreThan,
            BoundArg::AtMost => Bound::AtMost,
            BoundArg::LessThan => Bound::LessThan,
            BoundArg::Nearly => Bound::Nearly,
            BoundArg::Between => Bound::Between,
        }
    }
}

/// Stances on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StanceArg {
    /// The source states the claim.
    Supports,
    /// The source contradicts the claim.
    Disputes,
    /// The source mentions it without taking a side.
    Mentions,
}

/// Runs `cite`.
pub fn run(args: CiteArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    if let Some(batch) = &args.batch {
        return run_batch(batch, args.skip_invalid, ctx);
    }
    let missing = || {
        CliError::Usage(
            "cite needs SOURCE, --quote, --subject, --property and --value, or --batch FILE".into(),
        )
    };
    let (Some(source), Some(quote), Some(subject), Some(property), Some(value_text)) = (
        args.source,
        args.quote,
        args.subject,
        args.property,
        args.value,
    ) else {
        return Err(missing());
    };
    let request = CiteFields {
        source,
        quote,
        subject,
        property,
        value: value_text,
        kind: args.kind.map(|kind| match kind {
            KindArg::Count => ValueKind::Count,
            KindArg::Quantity => ValueKind::Quantity,
            KindArg::Date => ValueKind::Date,
            KindArg::Text => ValueKind::Text,
        }),
        unit: args.unit,
        as_of: args.as_of,
        bound: if args.approximate {
            Some(Bound::Approximate)
        } else if args.at_least {
            Some(Bound::AtLeast)
        } else {
            args.bound.map(BoundArg::bound)
        },
        stance: match args.stance {
            StanceArg::Supports => Stance::Supports,
            StanceArg::Disputes => Stance::Disputes,
            StanceArg::Mentions => Stance::Mentions,
        },
        occurrence: args.occurrence,
        prefix: args.prefix,
        suffix: args.suffix,
        value_not_in_quote: args.value_not_in_quote,
        locale: args.locale,
    }
    .validate()?;
    let actor = ctx.actor()?;
    let outcome = ctx.with_store(|opened| opened.cite(request, &actor))?;
    if ctx.json {
        // Through a Value: its keys come out sorted, as every --json output's do.
        let value = serde_json::to_value(&outcome).map_err(std::io::Error::other)?;
        writeln!(ctx.out, "{value}")?;
    } else {
        let claim_note = if outcome.new_claim {
            "new"
        } else {
            "already recorded"
        };
        writeln!(ctx.out, "claim {} ({claim_note})", outcome.claim)?;
        if outcome.new_citation {
            writeln!(ctx.out, "citation {}", outcome.citation)?;
        } else {
            writeln!(
                ctx.out,
                "citation {} (already recorded: same quote, source and stance)",
                outcome.citation
            )?;
        }
        // Line breaks and runs of white space shown as one space, as trace
        // shows a quote; --json gives the stored text as it is.
        writeln!(
            ctx.out,
            "quote «{}» at bytes {}..{}",
            outcome
                .selector
                .exact
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            outcome.selector.start,
            outcome.selector.end
        )?;
        if let Some(hedge) = &outcome.hedge {
            writeln!(
                ctx.out,
                "the quote hedges the value («{hedge}»): recorded with that bound; give --bound exact to record it as exact"
            )?;
        }
    }
    Ok(())
}

/// Runs `cite --batch`.
fn run_batch(path: &PathBuf, skip_invalid: bool, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let shown = path.display().to_string();
    let (mut reader, size): (Box<dyn BufRead>, u64) = if path.as_os_str() == "-" {
        (Box::new(BufReader::new(std::io::stdin())), 0)
    } else {
        let file = std::fs::File::open(path).map_err(|error| {
            CliError::Store(crate::store::StoreError::Input {
                path: shown.clone(),
                why: crate::storage::objects::describe_open_error(&error),
            })
        })?;
        let size = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
        if std::fs::metadata(path)
            .map(|metadata| metadata.is_dir())
            .unwrap_or(false)
        {
            return Err(CliError::Usage(format!(
                "--batch {shown} is a directory; give a JSON Lines file"
            )));
        }
        (Box::new(BufReader::with_capacity(1024 * 1024, file)), size)
    };
    let bar = crate::cli::progress_bar(ctx.json, size);
    let progress = |step: BatchProgress| {
        if let Some(bar) = &bar {
            bar.set_position(step.bytes);
            bar.set_message(format!("{} {} lines", step.stage.name(), step.lines));
        }
    };
    let outcome = ctx.with_store(|opened| {
        let result = opened.cite_batch(&mut reader, skip_invalid, &actor, &progress);
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        result.map_err(|error| match error {
            BatchError::Store(error) => CliError::Store(error),
            BatchError::Line { .. } => CliError::Refused(format!(
                "{shown} {error}: fix the line, or pass --skip-invalid to record the others"
            )),
            BatchError::Unreadable { .. } => CliError::Refused(format!("{shown} {error}")),
        })
    })?;
    if ctx.json {
        let value = serde_json::to_value(&outcome).map_err(std::io::Error::other)?;
        writeln!(ctx.out, "{value}")?;
    } else {
        writeln!(
            ctx.out,
            "recorded {} citation(s) and {} new claim(s) from {} line(s); {} already recorded",
            outcome.citations, outcome.new_claims, outcome.lines, outcome.already
        )?;
        for bad in &outcome.skipped {
            writeln!(ctx.out, "skipped line {}: {}", bad.line, bad.why)?;
        }
    }
    Ok(())
}
