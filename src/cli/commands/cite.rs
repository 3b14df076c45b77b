//! `provdb cite SOURCE --quote … --subject … --property … --value …`.

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::dates::parse_when;
use crate::model::{Bound, Qualifiers, Stance, ValueKind};
use crate::store::CiteRequest;
use crate::values::parse_value;

/// Anchor an exact quote in a source as evidence for a claim. The quote must be
/// in the source and must state the value, unless --value-not-in-quote is given.
#[derive(Debug, clap::Args)]
pub struct CiteArgs {
    /// The source: its id or a unique prefix of 4 or more hex characters.
    pub source: String,
    /// The exact words of the source (line breaks in the source match any whitespace).
    #[arg(long)]
    pub quote: String,
    /// What the claim is about, e.g. "Khojaly, 26 February 1992".
    #[arg(long)]
    pub subject: String,
    /// What is claimed of it, e.g. "civilians killed".
    #[arg(long)]
    pub property: String,
    /// The value: a count (613, 1,275), a quantity (with --unit), a date (22 April 2010) or text.
    #[arg(long)]
    pub value: String,
    /// The kind of value [default: inferred: count, quantity with --unit, date, else text].
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// The unit of a quantity, or what a count counts.
    #[arg(long)]
    pub unit: Option<String>,
    /// When the value holds, e.g. a toll "to date" (same forms as add --published).
    #[arg(long, value_name = "WHEN")]
    pub as_of: Option<String>,
    /// The source gives the value as approximate.
    #[arg(long, conflicts_with = "at_least")]
    pub approximate: bool,
    /// The source gives the value as a lower bound.
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
    let kind = args.kind.map(|kind| match kind {
        KindArg::Count => ValueKind::Count,
        KindArg::Quantity => ValueKind::Quantity,
        KindArg::Date => ValueKind::Date,
        KindArg::Text => ValueKind::Text,
    });
    let value = parse_value(kind, &args.value, args.unit.as_deref())?;
    let as_of = args.as_of.as_deref().map(parse_when).transpose()?;
    if args.occurrence == Some(0) {
        return Err(CliError::Usage("--occurrence counts from 1".into()));
    }
    let bound = if args.approximate {
        Bound::Approximate
    } else if args.at_least {
        Bound::AtLeast
    } else {
        Bound::Exact
    };
    let stance = match args.stance {
        StanceArg::Supports => Stance::Supports,
        StanceArg::Disputes => Stance::Disputes,
        StanceArg::Mentions => Stance::Mentions,
    };
    let request = CiteRequest {
        source: args.source,
        quote: args.quote,
        prefix: args.prefix,
        suffix: args.suffix,
        occurrence: args.occurrence,
        subject: args.subject,
        property: args.property,
        value,
        qualifiers: Qualifiers {
            as_of,
            unit: args.unit,
            bound,
        },
        stance,
        value_not_in_quote: args.value_not_in_quote,
    };
    let actor = ctx.actor()?;
    let mut opened = ctx.open()?;
    let result = opened.cite(request, &actor);
    let closed = ctx.close(opened);
    let outcome = result?;
    closed?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "claim": outcome.claim.to_hex(),
                "new_claim": outcome.new_claim,
                "citation": outcome.citation.to_hex(),
                "new_citation": outcome.new_citation,
                "selector": outcome.selector,
            })
        )?;
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
        writeln!(
            ctx.out,
            "quote «{}» at bytes {}..{}",
            outcome.selector.exact, outcome.selector.start, outcome.selector.end
        )?;
    }
    Ok(())
}
