//! `provdb review CLAIM …` and `provdb reviews [CLAIM]`.

use serde_json::Value as Json;

use crate::cli::{CliError, Ctx};
use crate::export::json;
use crate::model::Review;
use crate::store::ReviewRequest;

/// Record a fact-checker's verdict on a claim (as schema.org ClaimReview
/// states one). provdb records who rated the claim, how and where; it never
/// rates anything itself.
#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// The claim reviewed: its id or a unique prefix.
    pub claim: String,
    /// The verdict in words, e.g. "False" or "Misleading".
    #[arg(long, value_name = "LABEL")]
    pub rating: String,
    /// The rating on the reviewer's numeric scale.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub rating_value: Option<String>,
    /// The best rating on that scale (with --worst).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub best: Option<String>,
    /// The worst rating on that scale (with --best).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub worst: Option<String>,
    /// The organisation that reviewed the claim.
    #[arg(long, value_name = "ORG")]
    pub by: String,
    /// The organisation's web address.
    #[arg(long, value_name = "URL")]
    pub by_url: Option<String>,
    /// Where the review is published.
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// When the review was published (default: today, UTC).
    #[arg(long, value_name = "WHEN")]
    pub date: Option<String>,
}

/// List reviews: recorded with `review` or imported from ClaimReview markup.
#[derive(Debug, clap::Args)]
pub struct ReviewsArgs {
    /// Only the reviews of this claim (id or prefix).
    pub claim: Option<String>,
    /// Answer from what the store had recorded at this time.
    #[arg(long, value_name = "WHEN")]
    pub as_of: Option<String>,
}

/// Strips control characters from markup text before it reaches a terminal.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|ch| if ch.is_control() { ' ' } else { ch })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Returns a review in one line: verdict, by whom, on what, when and where.
pub fn review_line(review: &Review) -> String {
    let rating = &review.rating;
    let mut verdict = rating
        .label
        .as_deref()
        .map(|label| format!("\"{}\"", printable(label)))
        .unwrap_or_else(|| "no verdict in words".into());
    if let Some(value) = &rating.value {
        verdict.push_str(&format!(" ({}", printable(value)));
        match (&rating.worst, &rating.best) {
            (Some(worst), Some(best)) => {
                verdict.push_str(&format!(" on {}..{})", printable(worst), printable(best)))
            }
            (None, Some(best)) => verdict.push_str(&format!(" of {})", printable(best))),
            _ => verdict.push(')'),
        }
    }
    let by = review
        .authors
        .iter()
        .filter_map(|agent| agent.name.as_deref().or(agent.url.as_deref()))
        .map(printable)
        .collect::<Vec<_>>()
        .join(", ");
    let by = if by.is_empty() {
        "no author".into()
    } else {
        by
    };
    let what = match (&review.claim, review.claim_reviewed.first()) {
        (Some(claim), _) => format!("claim {}", claim.short()),
        (None, Some(text)) => {
            let text = printable(text);
            let short: String = text.chars().take(70).collect();
            if short.len() < text.len() {
                format!("\"{short}…\"")
            } else {
                format!("\"{short}\"")
            }
        }
        (None, None) => "an unstated claim".into(),
    };
    let date = review
        .date
        .as_ref()
        .map(|date| format!(" on {}", printable(&date.stated)))
        .unwrap_or_default();
    let url = review
        .url
        .as_deref()
        .map(|url| format!(" <{}>", printable(url)))
        .unwrap_or_default();
    format!("review: {verdict} by {by} of {what}{date}{url}")
}

/// Runs `review`.
pub fn run_review(args: ReviewArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let request = ReviewRequest {
        claim: args.claim,
        label: args.rating,
        value: args.rating_value,
        best: args.best,
        worst: args.worst,
        by: args.by,
        by_url: args.by_url,
        url: args.url,
        date: args.date,
    };
    let record = ctx.with_store(|opened| opened.review(&request, &actor))?;
    if ctx.json {
        writeln!(ctx.out, "{}", json::review(&record))?;
    } else {
        writeln!(ctx.out, "recorded {}", review_line(&record.review))?;
    }
    Ok(())
}

/// Runs `reviews`.
pub fn run_reviews(args: ReviewsArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let as_of = super::parse_as_of(args.as_of.as_deref())?;
    let reviews = ctx.with_store(|opened| {
        super::apply_as_of(opened, as_of.as_ref()).and_then(|()| {
            let claim = match &args.claim {
                Some(text) => Some(opened.resolve_claim(text)?),
                None => None,
            };
            opened.reviews(claim.as_ref())
        })
    })?;
    if ctx.json {
        let items: Vec<Json> = reviews.iter().map(json::review).collect();
        writeln!(ctx.out, "{}", Json::Array(items))?;
        return Ok(());
    }
    if reviews.is_empty() {
        writeln!(
            ctx.out,
            "no reviews; record one with `provdb review CLAIM --rating LABEL --by ORG --url URL` or `provdb import --format claimreview FILE`"
        )?;
    }
    for record in &reviews {
        writeln!(ctx.out, "{}", review_line(&record.review))?;
        if let Some(markup) = &record.review.markup {
            writeln!(
                ctx.out,
                "  read from source {} at {}",
                markup.source.short(),
                markup.pointer
            )?;
        }
        for finding in &record.review.missing {
            writeln!(ctx.out, "  missing: {}", printable(finding))?;
        }
    }
    Ok(())
}
