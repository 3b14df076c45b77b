//! `provdb amend SOURCE --title … --reason …` and `provdb mark-reviewed CLAIM --note …`.

use serde_json::json;

use crate::cli::{CliError, Ctx};

/// Correct a source's metadata. The correction is a journal entry with its
/// reason: the source's bytes and id do not change, `log` shows it, exports
/// and listings use the corrected values, and --as-of an earlier time shows
/// the values of that time.
///
/// Example: provdb amend khojaly@2 --title "Khojaly: the figures behind an anniversary" --reason "the headline as printed"
#[derive(Debug, clap::Args)]
pub struct AmendArgs {
    /// The source: its id, a unique prefix, a revision name (khojaly@2) or the path of a file added.
    pub source: String,
    /// Why the metadata is corrected.
    #[arg(long)]
    pub reason: String,
    /// The corrected metadata: each field given replaces the recorded one
    /// (--author, repeated, replaces the list of authors).
    #[command(flatten)]
    pub meta: super::add::MetaArgs,
}

/// Runs `amend`.
pub fn run(args: AmendArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let given = args.meta.meta()?;
    let actor = ctx.actor()?;
    let amended =
        ctx.with_store(|opened| opened.amend(&args.source, &given, &args.reason, &actor))?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "source": amended.source.to_hex(),
                "changed": amended.changed,
                "before": amended.before,
                "after": amended.after,
            })
        )?;
    } else {
        writeln!(
            ctx.out,
            "amended source {}: {}",
            amended.source,
            amended.changed.join(", ")
        )?;
        let before = serde_json::to_value(&amended.before).map_err(std::io::Error::other)?;
        let after = serde_json::to_value(&amended.after).map_err(std::io::Error::other)?;
        for field in &amended.changed {
            writeln!(ctx.out, "  {field}: {} → {}", before[field], after[field])?;
        }
    }
    Ok(())
}

/// Mark the conflict a claim is listed in as reviewed, with a note. The mark
/// is a journal entry; `conflicts` shows it beside the conflict (and says when
/// values were added after it), --as-of an earlier time does not. It settles
/// nothing: the values stay listed.
///
/// Example: provdb mark-reviewed 2394988229 --note "the 1993 survey counted burials known then; later tallies are higher"
#[derive(Debug, clap::Args)]
pub struct MarkReviewedArgs {
    /// A claim of the conflict: its id or a unique prefix.
    pub claim: String,
    /// What the review found.
    #[arg(long)]
    pub note: String,
}

/// Runs `mark-reviewed`.
pub fn run_mark(args: MarkReviewedArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let actor = ctx.actor()?;
    let review =
        ctx.with_store(|opened| opened.review_conflict(&args.claim, &args.note, &actor))?;
    if ctx.json {
        writeln!(ctx.out, "{}", json!({"reviewed": review}))?;
    } else {
        writeln!(
            ctx.out,
            "marked reviewed: {} · {} ({} values): {}",
            review.subject,
            review.property,
            review.claims.len(),
            review.note
        )?;
    }
    Ok(())
}
