//! `provdb coverage DRAFT`: which figures of a draft the cited sources back,
//! which they contradict, and which nothing backs.

use std::io::Write;
use std::path::PathBuf;

use serde_json::{json, Value as Json};

use crate::cli::{CliError, Ctx};
use crate::store::{read_draft, CheckedCitation, Coverage, CoverageClaim, Finding};
use crate::text::coverage::Verdict;
use crate::text::extent::Relation;

use super::claim_line;

/// Find every figure, date, quantity and percentage in a draft (a text,
/// HTML or PDF file, read through the text layer a source of the same bytes
/// gets) and judge each against the claims with live supporting citations:
/// backed (a claim about what the sentence says holds the value), contradicted
/// (claims about it hold values that cannot hold beside it) or unbacked.
/// Prints the draft with each figure marked, then the findings and a
/// summary. Exits 1 when a figure is contradicted or unbacked, so that it
/// can stand in a publishing pipeline; --allow relaxes that. Every citation
/// offered is checked against its source's bytes first. The method is in
/// schema/coverage.md.
#[derive(Debug, clap::Args)]
pub struct CoverageArgs {
    /// The draft: a text, HTML or PDF file.
    #[arg(value_name = "DRAFT")]
    pub draft: PathBuf,
    /// Compare only with the claims cited in this document's revisions.
    #[arg(long, value_name = "SLUG")]
    pub doc: Option<String>,
    /// Let figures with this verdict pass: unbacked or contradicted (repeatable).
    #[arg(long, value_enum, value_name = "VERDICT")]
    pub allow: Vec<Allow>,
    /// Answer from what the store had recorded at this time (RFC 3339, or a
    /// date: the end of that day, UTC).
    #[arg(long, value_name = "WHEN")]
    pub as_of: Option<String>,
}

/// A verdict `--allow` lets pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Allow {
    /// Figures no cited claim speaks of.
    Unbacked,
    /// Figures cited claims contradict.
    Contradicted,
}

/// The mark a verdict gets in the draft.
fn symbol(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Backed => "✓",
        Verdict::Contradicted => "✗",
        Verdict::Unbacked => "?",
    }
}

/// Runs `coverage`.
pub fn run(args: CoverageArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let as_of = super::parse_as_of(args.as_of.as_deref())?;
    let draft = read_draft(&args.draft)?;
    let found = ctx.with_store(|opened| {
        super::apply_as_of(opened, as_of.as_ref())
            .and_then(|()| opened.coverage(&draft.text, args.doc.as_deref()))
    })?;
    let backed = found.count(Verdict::Backed);
    let contradicted = found.count(Verdict::Contradicted);
    let unbacked = found.count(Verdict::Unbacked);
    let failing_contradicted = if args.allow.contains(&Allow::Contradicted) {
        0
    } else {
        contradicted
    };
    let failing_unbacked = if args.allow.contains(&Allow::Unbacked) {
        0
    } else {
        unbacked
    };
    let passes = failing_contradicted == 0 && failing_unbacked == 0;
    if ctx.json {
        let starts: Vec<usize> = found
            .findings
            .iter()
            .map(|finding| finding.figure.range.start)
            .collect();
        let places = line_columns(&draft.text, &starts);
        let findings: Vec<Json> = found
            .findings
            .iter()
            .enumerate()
            .map(|(index, finding)| finding_json(index + 1, finding, &draft.text, places[index]))
            .collect();
        writeln!(
            ctx.out,
            "{}",
            json!({
                "draft": args.draft.display().to_string(),
                "text_layer": draft.layer,
                "doc": args.doc,
                "claims_compared": found.claims_compared,
                "figures": findings,
                "summary": {
                    "figures": found.findings.len(),
                    "backed": backed,
                    "contradicted": contradicted,
                    "unbacked": unbacked,
                },
                "allowed": args.allow.iter().map(|allow| match allow {
                    Allow::Unbacked => "unbacked",
                    Allow::Contradicted => "contradicted",
                }).collect::<Vec<_>>(),
                "passes": passes,
            })
        )?;
    } else {
        write_text(ctx.out, &args, &draft, &found)?;
    }
    if passes {
        return Ok(());
    }
    let mut parts = Vec::new();
    if failing_contradicted > 0 {
        parts.push(format!("{failing_contradicted} contradicted"));
    }
    if failing_unbacked > 0 {
        parts.push(format!("{failing_unbacked} unbacked"));
    }
    let hint = if failing_unbacked > 0 {
        "; cite a source for each, or pass --allow unbacked to let unbacked figures through"
    } else {
        "; check them against the sources listed, or pass --allow contradicted"
    };
    Err(CliError::NotHolding(format!(
        "the draft has {} figure(s) {}{hint}",
        failing_contradicted + failing_unbacked,
        parts.join(" and ")
    )))
}

/// Line and column (1-based, in characters) of each byte offset of
/// `offsets` (in order), counted in one pass over the text.
fn line_columns(text: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(offsets.len());
    let (mut line, mut column, mut at) = (1, 1, 0);
    for &offset in offsets {
        for ch in text[at..offset].chars() {
            if ch == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        at = offset;
        out.push((line, column));
    }
    out
}

/// The label of a citation's source: its revisions or its short id.
fn citation_place(citation: &CheckedCitation) -> String {
    let id = citation.record.citation.source.short();
    if citation.revisions.is_empty() {
        format!("source {id}")
    } else {
        let names: Vec<String> = citation
            .revisions
            .iter()
            .map(|(doc, number)| format!("{doc}@{number}"))
            .collect();
        format!("{} (source {id})", names.join(", "))
    }
}

fn write_text(
    out: &mut dyn Write,
    args: &CoverageArgs,
    draft: &crate::store::Draft,
    found: &Coverage,
) -> Result<(), CliError> {
    let text = &draft.text;
    let layer = draft
        .layer
        .as_ref()
        .map(|layer| format!(", read through the text layer of {layer}"))
        .unwrap_or_default();
    let scope = match &args.doc {
        Some(doc) => format!("the claims cited in {doc}"),
        None => "every claim in the store".to_string(),
    };
    writeln!(
        out,
        "coverage of {}{layer}, against {scope} ({} with live citations compared)",
        args.draft.display(),
        found.claims_compared
    )?;
    writeln!(out)?;
    // The draft, each figure followed by its mark.
    let mut at = 0;
    let mut marked = String::with_capacity(text.len() + found.findings.len() * 6);
    for (index, finding) in found.findings.iter().enumerate() {
        marked.push_str(&text[at..finding.figure.range.end]);
        marked.push_str(&format!("[{}{}]", symbol(finding.verdict), index + 1));
        at = finding.figure.range.end;
    }
    marked.push_str(&text[at..]);
    for line in marked.lines() {
        writeln!(out, "    {line}")?;
    }
    writeln!(out)?;
    let starts: Vec<usize> = found
        .findings
        .iter()
        .map(|finding| finding.figure.range.start)
        .collect();
    let places = line_columns(text, &starts);
    for (index, finding) in found.findings.iter().enumerate() {
        let (line, _) = places[index];
        let written = &text[finding.figure.range.clone()];
        let mark = format!("{}{}", symbol(finding.verdict), index + 1);
        match finding.verdict {
            Verdict::Unbacked => {
                if finding.damaged.is_empty() {
                    writeln!(
                        out,
                        "{mark:>5} line {line}: {written}: unbacked, no cited claim speaks of it"
                    )?;
                } else {
                    let names: Vec<String> = finding
                        .damaged
                        .iter()
                        .map(|claim| claim_line(&claim.claim.claim))
                        .collect();
                    writeln!(
                        out,
                        "{mark:>5} line {line}: {written}: unbacked, the claims that speak of it ({}) rest only on damaged sources or moved quotes; run `provdb verify`",
                        names.join("; ")
                    )?;
                }
            }
            verdict => {
                writeln!(out, "{mark:>5} line {line}: {written}: {}", verdict.name())?;
                for claim in &finding.claims {
                    write_claim(out, claim)?;
                }
            }
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "{} figure(s): {} backed, {} contradicted, {} unbacked",
        found.findings.len(),
        found.count(Verdict::Backed),
        found.count(Verdict::Contradicted),
        found.count(Verdict::Unbacked)
    )?;
    Ok(())
}

fn write_claim(out: &mut dyn Write, claim: &CoverageClaim) -> Result<(), CliError> {
    let how = match (claim.relation, claim.as_of) {
        (Relation::Agree, true) => "holds as of it",
        (Relation::Agree, false) => "states it",
        _ => "states another value",
    };
    writeln!(
        out,
        "        claim {} {how}: {}",
        claim.claim.claim.id.short(),
        claim_line(&claim.claim.claim)
    )?;
    for citation in &claim.citations {
        writeln!(
            out,
            "          {} {:?}",
            citation_place(citation),
            citation.record.citation.selector.exact
        )?;
    }
    for citation in &claim.damaged {
        writeln!(
            out,
            "          {} left out: its source is damaged or its quote moved; run `provdb verify`",
            citation_place(citation)
        )?;
    }
    Ok(())
}

fn citation_json(citation: &CheckedCitation) -> Json {
    json!({
        "citation": citation.record.id.to_hex(),
        "source": citation.record.citation.source.to_hex(),
        "revisions": citation.revisions.iter().map(|(doc, number)| format!("{doc}@{number}")).collect::<Vec<_>>(),
        "title": citation.source.as_ref().and_then(|source| source.meta.title.clone()),
        "quote": citation.record.citation.selector.exact,
    })
}

fn claim_json(claim: &CoverageClaim) -> Json {
    json!({
        "claim": claim.claim.claim.id.to_hex(),
        "claim_text": claim_line(&claim.claim.claim),
        "subject": claim.claim.claim.subject,
        "property": claim.claim.claim.property,
        "value": claim.claim.claim.stated_value(),
        "relation": match claim.relation {
            Relation::Agree => "agree",
            Relation::Conflict => "conflict",
            Relation::Incomparable => "not_compared",
        },
        "as_of_matched": claim.as_of,
        "score": (claim.score * 1000.0).round() / 1000.0,
        "citations": claim.citations.iter().map(citation_json).collect::<Vec<_>>(),
        "damaged_citations": claim.damaged.iter().map(citation_json).collect::<Vec<_>>(),
    })
}

fn finding_json(number: usize, finding: &Finding, text: &str, place: (usize, usize)) -> Json {
    let range = &finding.figure.range;
    let (line, column) = place;
    let reading = &finding.figure.readings[0];
    json!({
        "n": number,
        "start": range.start,
        "end": range.end,
        "line": line,
        "column": column,
        "text": &text[range.clone()],
        "kind": finding.figure.kind.name(),
        "hedge": finding.figure.hedge.as_ref().map(|hedge| &text[hedge.clone()]),
        "read_as": {
            "value": reading.value.to_string(),
            "bound": reading.bound.map(|bound| bound.name()),
            "upper": reading.upper,
            "unit": reading.noun,
            "readings": finding.figure.readings.len(),
        },
        "sentence": &text[finding.sentence.clone()],
        "verdict": finding.verdict.name(),
        "claims": finding.claims.iter().map(claim_json).collect::<Vec<_>>(),
        "damaged_claims": finding.damaged.iter().map(claim_json).collect::<Vec<_>>(),
    })
}
