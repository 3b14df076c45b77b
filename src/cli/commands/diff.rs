//! `provdb diff A B`.

use std::io::{self, Write};

use serde_json::json;

use crate::cli::{CliError, Ctx};
use crate::store::{DiffReport, OutcomeCounts};
use crate::text::carry::Run;

use super::drift::{followed_json, write_followed};

/// Compare two revisions word by word, then list what became in B of every
/// live citation anchored in A: unchanged, moved, ambiguous, changed (old →
/// new, and whether the value changed) or lost. A and B are revision names
/// (SLUG@2, SLUG@latest, SLUG@-1 for the one before the latest, SLUG@DATE for
/// the revision current at that stated time) or source ids.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The older revision.
    pub a: String,
    /// The newer revision.
    pub b: String,
    /// Words of unchanged text shown around each change.
    #[arg(long, default_value_t = 8, value_name = "WORDS")]
    pub context: usize,
}

/// Runs `diff`.
pub fn run(args: DiffArgs, ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let report = ctx.with_store(|opened| opened.diff(&args.a, &args.b))?;
    if ctx.json {
        write_json(ctx.out, &report)?;
    } else {
        write_text(ctx.out, &report, args.context)?;
    }
    Ok(())
}

fn write_json(out: &mut dyn Write, report: &DiffReport) -> io::Result<()> {
    let changes: Vec<_> = report
        .runs
        .iter()
        .filter_map(|run| match run {
            Run::Edit(old, new) => Some(json!({
                "old": {"start": old.start, "end": old.end, "text": &report.old[old.clone()]},
                "new": {"start": new.start, "end": new.end, "text": &report.new[new.clone()]},
            })),
            Run::Same(..) => None,
        })
        .collect();
    let counts = OutcomeCounts::of(report.items.iter().map(|item| item.outcome));
    writeln!(
        out,
        "{}",
        json!({
            "a": {"name": report.a.0, "source": report.a.1.to_hex(), "size": report.old.len()},
            "b": {"name": report.b.0, "source": report.b.1.to_hex(), "size": report.new.len()},
            "complete": report.complete,
            "changes": changes,
            "summary": counts.summary_line(),
            "citations": report.items.iter().map(followed_json).collect::<Vec<_>>(),
        })
    )
}

/// The last `words` words of `text` (or the first, with `from_start`).
fn words_at(text: &str, words: usize, from_start: bool) -> &str {
    let tokens = crate::text::carry::tokens(text);
    let is_word = |range: &std::ops::Range<usize>| !text[range.clone()].trim().is_empty();
    let mut seen = 0;
    if from_start {
        for range in &tokens {
            if is_word(range) {
                seen += 1;
                if seen > words {
                    return &text[..range.start];
                }
            }
        }
        text
    } else {
        for range in tokens.iter().rev() {
            if is_word(range) {
                seen += 1;
                if seen > words {
                    return &text[range.end..];
                }
            }
        }
        text
    }
}

/// Returns the text with each line break shown as ⏎, so a hunk stays on one line.
fn show_line_breaks(text: &str) -> String {
    text.replace('\n', "⏎")
}

/// Writes a diff report as text: hunks, then the citations.
pub fn write_text(out: &mut dyn Write, report: &DiffReport, context: usize) -> io::Result<()> {
    writeln!(
        out,
        "--- {} (source {}, {} bytes)",
        report.a.0,
        report.a.1.short(),
        report.old.len()
    )?;
    writeln!(
        out,
        "+++ {} (source {}, {} bytes)",
        report.b.0,
        report.b.1.short(),
        report.new.len()
    )?;
    if !report.complete {
        writeln!(
            out,
            "(the diff hit its time limit: some changes are shown coarser than they are)"
        )?;
    }
    // Edits closer than twice the context join one hunk; line numbers are
    // counted as we go, so the whole diff reads the text once.
    let word_count = |text: &str| text.split_whitespace().count();
    let (mut line, mut counted) = (1, 0);
    let mut hunk: Option<(usize, String)> = None;
    let mut hunks = 0;
    for (at, run) in report.runs.iter().enumerate() {
        match run {
            Run::Edit(old, new) => {
                if hunk.is_none() {
                    line += report.old.as_bytes()[counted..old.start]
                        .iter()
                        .filter(|byte| **byte == b'\n')
                        .count();
                    counted = old.start;
                    let before = match at.checked_sub(1).map(|i| &report.runs[i]) {
                        Some(Run::Same(range, _)) => {
                            words_at(&report.old[range.clone()], context, false)
                        }
                        _ => "",
                    };
                    hunk = Some((line, show_line_breaks(before)));
                }
                if let Some((_, text)) = &mut hunk {
                    if !old.is_empty() {
                        text.push_str(&format!(
                            "[-{}-]",
                            show_line_breaks(&report.old[old.clone()])
                        ));
                    }
                    if !new.is_empty() {
                        text.push_str(&format!(
                            "{{+{}+}}",
                            show_line_breaks(&report.new[new.clone()])
                        ));
                    }
                }
            }
            Run::Same(range, _) => {
                let same = &report.old[range.clone()];
                let last = at + 1 == report.runs.len();
                if let Some((start_line, mut text)) = hunk.take() {
                    if !last && word_count(same) <= 2 * context {
                        text.push_str(&show_line_breaks(same));
                        hunk = Some((start_line, text));
                    } else {
                        text.push_str(&show_line_breaks(words_at(same, context, true)));
                        writeln!(out, "@@ line {start_line}: {text}")?;
                        hunks += 1;
                    }
                }
            }
        }
    }
    if let Some((start_line, text)) = hunk {
        writeln!(out, "@@ line {start_line}: {text}")?;
        hunks += 1;
    }
    if hunks == 0 {
        writeln!(out, "(no changes)")?;
    }
    let counts = OutcomeCounts::of(report.items.iter().map(|item| item.outcome));
    writeln!(
        out,
        "citations anchored in {}: {}",
        report.a.0,
        if report.items.is_empty() {
            "none".to_string()
        } else {
            counts.summary_line()
        }
    )?;
    for item in &report.items {
        write_followed(out, item)?;
    }
    Ok(())
}
