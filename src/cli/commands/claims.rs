//! `provdb claims`.

use crate::cli::{CliError, Ctx};
use crate::export::json;
use crate::spool::Spool;
use crate::store::{ClaimFilter, ClaimSummary, StoreError};

use super::claim_line;

/// List claims, with how many live and retracted citations each has.
#[derive(Debug, clap::Args)]
pub struct ClaimsArgs {
    /// Only claims about this subject (compared ignoring case and spacing).
    #[arg(long)]
    pub subject: Option<String>,
    /// Only claims of this property.
    #[arg(long)]
    pub property: Option<String>,
    /// Only claims cited in this source (id or prefix).
    #[arg(long)]
    pub source: Option<String>,
    /// Only claims with this value (613, 1,275, -12.5, 2010-04-22, …).
    #[arg(long, allow_negative_numbers = true)]
    pub value: Option<String>,
    /// Answer from what the store had recorded at this time (RFC 3339, or a
    /// date: the end of that day, UTC).
    #[arg(long, value_name = "WHEN")]
    pub as_of: Option<String>,
}

/// Runs `claims`. The list is gathered under the store's lock into a
/// `Spool` and printed once the lock is released, as `sources` does.
pub fn run(args: ClaimsArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let filter = ClaimFilter {
        subject: args.subject,
        property: args.property,
        source: args.source,
        value: args.value,
    };
    let as_of = super::parse_as_of(args.as_of.as_deref())?;
    let json_mode = ctx.json;
    let spool = ctx.with_store(|opened| {
        super::apply_as_of(opened, as_of.as_ref())?;
        let mut spool = Spool::new("claims");
        opened.for_each_claim(&filter, &mut |summary| {
            let line = if json_mode {
                let mut value = json::claim(&summary.record);
                value["citations"] = serde_json::json!(summary.live);
                value["retracted_citations"] = serde_json::json!(summary.retracted);
                value.to_string()
            } else {
                text_line(&summary)
            };
            spool.push(line).map_err(super::spool_error)
        })?;
        spool.finish().map_err(super::spool_error)?;
        Ok::<_, StoreError>(spool)
    })?;
    super::print_spooled(ctx, &spool, "claims", "no claims match")
}

/// Returns a claim's line of the text list.
fn text_line(summary: &ClaimSummary) -> String {
    let retracted = if summary.retracted > 0 {
        format!(", {} retracted", summary.retracted)
    } else {
        String::new()
    };
    format!(
        "{}  {}  [{} citation{}{}]",
        summary.record.claim.id.short(),
        claim_line(&summary.record.claim),
        summary.live,
        if summary.live == 1 { "" } else { "s" },
        retracted
    )
}
