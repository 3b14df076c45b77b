//! `provdb search QUERY`: full-text search over sources, quotes, claims and reviews.

use std::io::Write;

use serde_json::{json, Value as Json};

use crate::cli::{CliError, Ctx};
use crate::search::Snippet;
use crate::store::{FoundHit, SearchResults};

/// The longest query read, in bytes.
const MAX_QUERY: usize = 1000;

/// Search the text of every source (its text layer: what a reader sees of a
/// page or a PDF), every quote, claim and review. Words must all match; put
/// a phrase in double quotes; -word leaves out what has it; a figure matches
/// however its thousands are grouped ("1,275" finds 1275). The index is
/// derived from the journal (kept in the store's search/ folder) and caught
/// up on every search. Hits are ranked by BM25, a source's title counting
/// double; each is shown with the passage that matched, read again from the
/// store (a source's bytes rehashed first).
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// What to find: words, "a phrase", a figure, -word.
    #[arg(value_name = "QUERY", allow_hyphen_values = true)]
    pub query: String,
    /// Answer from what the store had recorded at this time (RFC 3339, or a
    /// date: the end of that day, UTC).
    #[arg(long, value_name = "WHEN")]
    pub as_of: Option<String>,
    /// How many hits to show.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
}

/// Runs `search`.
pub fn run(args: SearchArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    if args.query.trim().is_empty() {
        return Err(CliError::Usage(
            "the query is empty; give words to find, e.g. provdb search \"1,275 residents\"".into(),
        ));
    }
    if args.query.len() > MAX_QUERY {
        return Err(CliError::Usage(format!(
            "the query is {} bytes, over the {MAX_QUERY} a query may be; search for fewer words",
            args.query.len()
        )));
    }
    let as_of = super::parse_as_of(args.as_of.as_deref())?;
    let found = ctx.with_store(|opened| {
        super::apply_as_of(opened, as_of.as_ref())
            .and_then(|()| opened.search(&args.query, args.limit as usize))
    })?;
    if ctx.json {
        writeln!(
            ctx.out,
            "{}",
            json!({
                "query": args.query,
                "as_of": args.as_of,
                "total": found.total,
                "indexed_entries": found.indexed_entries,
                "rebuilt": found.rebuilt,
                "hits": found.hits.iter().map(hit_json).collect::<Vec<_>>(),
            })
        )?;
    } else {
        write_text(ctx.out, &args, &found)?;
    }
    Ok(())
}

/// A snippet with its matched words between « and ».
fn marked(snippet: &Snippet) -> String {
    let mut out = String::with_capacity(snippet.fragment.len() + 8);
    let mut at = 0;
    for range in &snippet.highlighted {
        if range.start < at || range.end > snippet.fragment.len() {
            continue;
        }
        out.push_str(&snippet.fragment[at..range.start]);
        out.push('«');
        out.push_str(&snippet.fragment[range.clone()]);
        out.push('»');
        at = range.end;
    }
    out.push_str(&snippet.fragment[at..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn write_text(
    out: &mut dyn Write,
    args: &SearchArgs,
    found: &SearchResults,
) -> Result<(), CliError> {
    let shown = found.hits.len();
    if found.total == 0 {
        writeln!(out, "no match for {:?}", args.query)?;
        return Ok(());
    }
    writeln!(
        out,
        "{shown} of {} match(es) for {:?}, best first",
        found.total, args.query
    )?;
    for item in &found.hits {
        let hit = &item.hit;
        let short: String = hit.id.chars().take(12).collect();
        match hit.kind {
            crate::search::DocKind::Source => {
                let places: Vec<String> = item
                    .revisions
                    .iter()
                    .map(|(doc, number)| format!("{doc}@{number}"))
                    .collect();
                let place = if places.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", places.join(", "))
                };
                let title = if hit.title.is_empty() {
                    "untitled"
                } else {
                    &hit.title
                };
                writeln!(out, "source {short}  {title}{place}")?;
                match item.intact {
                    Some(true) => {}
                    Some(false) => writeln!(
                        out,
                        "    its bytes no longer hash to its id: its text is not shown; run `provdb verify`"
                    )?,
                    None => writeln!(
                        out,
                        "    its bytes are missing: its text is not shown; run `provdb verify`"
                    )?,
                }
            }
            crate::search::DocKind::Quote => {
                let cites = item
                    .quote
                    .as_ref()
                    .map(|quote| {
                        let retracted = if quote.retracted { " (retracted)" } else { "" };
                        format!(
                            "cites {} in source {}{retracted}",
                            quote.claim_line,
                            quote.source.short()
                        )
                    })
                    .unwrap_or_default();
                writeln!(out, "quote  {short}  {cites}")?;
                if item.intact != Some(true) {
                    writeln!(
                        out,
                        "    its source's bytes are missing or no longer hash to its id; run `provdb verify`"
                    )?;
                }
            }
            crate::search::DocKind::Claim => writeln!(out, "claim  {short}  {}", hit.title)?,
            crate::search::DocKind::Review => {
                writeln!(out, "review at entry {}  rated {:?}", hit.id, hit.title)?
            }
        }
        if let Some(snippet) = item
            .snippet
            .as_ref()
            .filter(|snippet| !snippet.fragment.is_empty())
        {
            writeln!(out, "    {}", marked(snippet))?;
        }
    }
    Ok(())
}

fn hit_json(item: &FoundHit) -> Json {
    let hit = &item.hit;
    json!({
        "kind": hit.kind.name(),
        "id": hit.id,
        "seq": hit.seq,
        "title": hit.title,
        "score": (f64::from(hit.score) * 1000.0).round() / 1000.0,
        "snippet": item.snippet.as_ref().map(|snippet| json!({
            "text": snippet.fragment,
            "highlights": snippet.highlighted.iter().map(|range| json!([range.start, range.end])).collect::<Vec<_>>(),
        })),
        "intact": item.intact,
        "revisions": item.revisions.iter().map(|(doc, number)| format!("{doc}@{number}")).collect::<Vec<_>>(),
        "quote": item.quote.as_ref().map(|quote| json!({
            "claim": quote.claim,
            "claim_text": quote.claim_line,
            "source": quote.source.to_hex(),
            "retracted": quote.retracted,
        })),
    })
}
