//! Following quotes from one revision of a text to the next.
//!
//! Given the old text, the new text and the citations anchored in the old
//! one, `reanchor` says what became of each: carried unchanged (the quote
//! with its context occurs once), moved (the quote alone occurs once),
//! ambiguous, changed (the closest passage and its score), or lost.
//!
//! **Algorithm.** Exact quotes are found for all citations at once with one
//! Aho–Corasick automaton over the new text: O(new text + quotes + matches),
//! so carrying 10,000 citations costs one pass, not 10,000. Only quotes that
//! are no longer there exactly are searched approximately, and only near
//! where the old text's quote went: a word-level Myers diff of the two texts
//! (O((N+M)·D) for D edited tokens, near-linear for ordinary edits) maps the
//! quote's old byte range into the new text, and an edit-distance search
//! (Sellers) runs in a window around that place, O(window × quote). A
//! document-sized rewrite therefore costs one diff, never a quadratic scan.
//! This module works on text in memory and does no I/O.

use std::collections::HashMap;
use std::ops::Range;
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::model::{Candidate, CarryMethod, Citation, Outcome, Value, ValueChange};
use crate::text::anchor;
use crate::text::dates::dates_in;
use crate::text::values::{numbers_in, value_in_text};

/// How long the word diff may run before it settles for a coarser answer.
const DIFF_DEADLINE: Duration = Duration::from_secs(5);

/// A citation of the old text, with the value its claim states.
#[derive(Debug, Clone, Copy)]
pub struct Prior<'a> {
    /// The citation.
    pub citation: &'a Citation,
    /// Its claim's value.
    pub value: &'a Value,
}

/// What became of one citation in the new text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The outcome.
    pub outcome: Outcome,
    /// How many times the exact quote occurs in the new text.
    pub occurrences: u32,
    /// For a carried citation: how it was found, and its new anchor.
    pub carry: Option<(CarryMethod, anchor::Anchor)>,
    /// For a citation not carried: the closest passage, if one is close enough.
    pub candidate: Option<Candidate>,
    /// Set when the closest passage no longer states the claim's value.
    pub value_change: Option<ValueChange>,
}

/// Splits text into tokens: runs of letters and digits, runs of whitespace,
/// and single other characters. Returns each token's byte start; the tokens
/// cover the text.
pub fn tokens(text: &str) -> Vec<Range<usize>> {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Word,
        Space,
        Other,
    }
    let class = |ch: char| {
        if ch.is_alphanumeric() {
            Class::Word
        } else if ch.is_whitespace() {
            Class::Space
        } else {
            Class::Other
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut current: Option<Class> = None;
    for (at, ch) in text.char_indices() {
        let this = class(ch);
        match current {
            Some(previous) if previous == this && this != Class::Other => {}
            Some(_) => {
                out.push(start..at);
                start = at;
            }
            None => {}
        }
        current = Some(this);
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

/// One run of the word diff, in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// Text both have: old range and new range, of equal length.
    Same(Range<usize>, Range<usize>),
    /// Old text replaced by new text (either may be empty).
    Edit(Range<usize>, Range<usize>),
}

/// The word-level diff of two texts, as runs in order.
#[derive(Debug, Clone)]
pub struct WordDiff {
    /// The runs, covering both texts.
    pub runs: Vec<Run>,
    /// False when the deadline cut the diff short (it is then coarser, never wrong).
    pub complete: bool,
}

impl WordDiff {
    /// Diffs two texts word by word (Myers, with a deadline).
    pub fn new(old: &str, new: &str) -> WordDiff {
        let old_tokens = tokens(old);
        let new_tokens = tokens(new);
        let old_words: Vec<&str> = old_tokens.iter().map(|r| &old[r.clone()]).collect();
        let new_words: Vec<&str> = new_tokens.iter().map(|r| &new[r.clone()]).collect();
        let started = Instant::now();
        let deadline = started + DIFF_DEADLINE;
        let ops = similar::capture_diff_slices_deadline(
            similar::Algorithm::Myers,
            &old_words,
            &new_words,
            Some(deadline),
        );
        let complete = Instant::now() < deadline;
        // Byte position of token i (or the end of the text for i = len).
        let at = |tokens: &[Range<usize>], end: usize, index: usize| {
            tokens.get(index).map_or(end, |range| range.start)
        };
        let mut runs: Vec<Run> = Vec::new();
        for op in ops {
            let (old_range, new_range, same) = match op {
                similar::DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => (old_index..old_index + len, new_index..new_index + len, true),
                similar::DiffOp::Delete {
                    old_index,
                    old_len,
                    new_index,
                } => (old_index..old_index + old_len, new_index..new_index, false),
                similar::DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => (old_index..old_index, new_index..new_index + new_len, false),
                similar::DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => (
                    old_index..old_index + old_len,
                    new_index..new_index + new_len,
                    false,
                ),
            };
            let old_bytes = at(&old_tokens, old.len(), old_range.start)
                ..at(&old_tokens, old.len(), old_range.end);
            let new_bytes = at(&new_tokens, new.len(), new_range.start)
                ..at(&new_tokens, new.len(), new_range.end);
            // Adjacent edits merge into one, so a replacement reads as one run.
            match (runs.last_mut(), same) {
                (Some(Run::Edit(old_run, new_run)), false) => {
                    old_run.end = old_bytes.end;
                    new_run.end = new_bytes.end;
                }
                (Some(Run::Same(old_run, new_run)), true) => {
                    old_run.end = old_bytes.end;
                    new_run.end = new_bytes.end;
                }
                _ if same => runs.push(Run::Same(old_bytes, new_bytes)),
                _ => runs.push(Run::Edit(old_bytes, new_bytes)),
            }
        }
        WordDiff { runs, complete }
    }

    /// Maps an old byte position to the new text: exactly inside text both
    /// have, to the start of the replacement inside an edit.
    pub fn map(&self, position: usize) -> usize {
        let index = self.runs.partition_point(|run| match run {
            Run::Same(old, _) | Run::Edit(old, _) => old.end <= position,
        });
        match self.runs.get(index) {
            Some(Run::Same(old, new)) => new.start + (position - old.start),
            Some(Run::Edit(_, new)) => new.start,
            None => self.runs.last().map_or(0, |run| match run {
                Run::Same(_, new) | Run::Edit(_, new) => new.end,
            }),
        }
    }

    /// Counts of tokens-level change: (bytes deleted, bytes inserted).
    pub fn changed_bytes(&self) -> (usize, usize) {
        self.runs
            .iter()
            .fold((0, 0), |(deleted, inserted), run| match run {
                Run::Edit(old, new) => (deleted + old.len(), inserted + new.len()),
                Run::Same(..) => (deleted, inserted),
            })
    }
}

/// An approximate match of a quote, in character positions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fuzzy {
    /// The first character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// Edit distance between the quote and the matched text.
    pub errors: usize,
    /// The combined score, 0 to 1 (1: the quote exactly, with its context, where hinted).
    pub score: f64,
}

/// For every end position in `text`, the fewest edits that turn `pattern`
/// into some substring ending there (Sellers' algorithm). `out[i]` is for the
/// substring ending before character `i`.
fn end_errors(text: &[char], pattern: &[char]) -> Vec<usize> {
    let m = pattern.len();
    let mut column: Vec<usize> = (0..=m).collect();
    let mut out = Vec::with_capacity(text.len() + 1);
    out.push(m);
    for &ch in text {
        let mut diagonal = column[0];
        column[0] = 0;
        for j in 1..=m {
            let above = column[j];
            let cost = usize::from(pattern[j - 1] != ch);
            column[j] = (diagonal + cost).min(above + 1).min(column[j - 1] + 1);
            diagonal = above;
        }
        out.push(column[m]);
    }
    out
}

/// The earliest start from which `pattern` matches `text[start..end]` with
/// exactly `errors` edits (the fewest possible for that end).
fn best_start(text: &[char], pattern: &[char], end: usize, errors: usize) -> usize {
    let m = pattern.len();
    // column[j]: edits between the last j pattern characters and text[at..end].
    let mut column: Vec<usize> = (0..=m).collect();
    let mut best = end;
    let lowest = end.saturating_sub(m + errors);
    let mut at = end;
    while at > lowest {
        at -= 1;
        let ch = text[at];
        let mut diagonal = column[0];
        column[0] += 1;
        for j in 1..=m {
            let above = column[j];
            let cost = usize::from(pattern[m - j] != ch);
            column[j] = (diagonal + cost).min(above + 1).min(column[j - 1] + 1);
            diagonal = above;
        }
        if column[m] <= errors {
            best = at;
        }
    }
    best
}

/// The fewest edits between `pattern` and any substring of `text`, 0 to 1 as a
/// score (1: it occurs exactly); 0 when either is empty.
fn context_score(text: &[char], pattern: &[char]) -> f64 {
    if text.is_empty() || pattern.is_empty() {
        return 0.0;
    }
    let fewest = end_errors(text, pattern).into_iter().min().unwrap_or(0);
    1.0 - fewest.min(pattern.len()) as f64 / pattern.len() as f64
}

/// Finds the best approximate match of `quote` in `text`: the matches with
/// the fewest edits (at most half the quote's length) are scored by quote
/// (weight 50), prefix and suffix context (20 each) and distance from
/// `hint` (2), and the best wins, the earliest on a tie. Positions are in
/// characters. `length` is the length of the whole text the hint and
/// position score refer to (`text` may be a window of it starting at `offset`).
pub fn fuzzy_match(
    text: &[char],
    quote: &[char],
    prefix: &[char],
    suffix: &[char],
    hint: Option<usize>,
    offset: usize,
    length: usize,
) -> Option<Fuzzy> {
    if quote.is_empty() || text.is_empty() {
        return None;
    }
    let allowed = (quote.len() / 2).min(256);
    let errors = end_errors(text, quote);
    let fewest = *errors.iter().min()?;
    if fewest > allowed {
        return None;
    }
    let mut best: Option<Fuzzy> = None;
    for (end, &count) in errors.iter().enumerate() {
        if count != fewest {
            continue;
        }
        let start = best_start(text, quote, end, count);
        let quote_score = 1.0 - count as f64 / quote.len() as f64;
        let prefix_score = if prefix.is_empty() {
            1.0
        } else {
            context_score(&text[start.saturating_sub(prefix.len())..start], prefix)
        };
        let suffix_score = if suffix.is_empty() {
            1.0
        } else {
            context_score(&text[end..(end + suffix.len()).min(text.len())], suffix)
        };
        let position_score = match hint {
            Some(hint) if length > 0 => {
                1.0 - ((offset + start).abs_diff(hint) as f64 / length as f64).min(1.0)
            }
            _ => 1.0,
        };
        let score =
            (50.0 * quote_score + 20.0 * prefix_score + 20.0 * suffix_score + 2.0 * position_score)
                / 92.0;
        if best.is_none_or(|best| score > best.score) {
            best = Some(Fuzzy {
                start: offset + start,
                end: offset + end,
                errors: count,
                score,
            });
        }
    }
    best
}

/// Returns the byte offset of the character boundary at or before `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Searches for a quote that is no longer in `new` exactly, near where the
/// diff puts its old place.
fn closest_near(new: &str, diff: &WordDiff, citation: &Citation) -> Option<Candidate> {
    let selector = &citation.selector;
    let (Ok(start), Ok(end)) = (
        usize::try_from(selector.start),
        usize::try_from(selector.end),
    ) else {
        return None;
    };
    let mapped_start = diff.map(start);
    let mapped_end = diff.map(end).max(mapped_start);
    let slack = (2 * selector.exact.len()).max(256);
    let window_start = floor_boundary(new, mapped_start.saturating_sub(slack));
    let window_end = floor_boundary(new, mapped_end.saturating_add(slack));
    let window: Vec<char> = new[window_start..window_end].chars().collect();
    let quote: Vec<char> = selector.exact.chars().collect();
    let prefix: Vec<char> = selector.prefix.chars().collect();
    let suffix: Vec<char> = selector.suffix.chars().collect();
    // Character positions of the window within the whole text.
    let offset = new[..window_start].chars().count();
    let hint = offset
        + new[window_start..mapped_start.max(window_start).min(window_end)]
            .chars()
            .count();
    let length = offset + window.len() + new[window_end..].chars().count();
    let found = fuzzy_match(
        &window,
        &quote,
        &prefix,
        &suffix,
        Some(hint),
        offset,
        length,
    )?;
    // Back to bytes, within the window.
    let byte_at = |chars: usize| {
        new[window_start..]
            .char_indices()
            .nth(chars - offset)
            .map_or(new.len(), |(at, _)| window_start + at)
    };
    let start = byte_at(found.start);
    let end = byte_at(found.end);
    Some(Candidate {
        exact: new[start..end].to_string(),
        start: start as u64,
        end: end as u64,
        score: (found.score * 1000.0).round() as u32,
    })
}

/// Says how a passage's value differs from the claim's, or None when the
/// passage still states it.
pub fn value_change(value: &Value, passage: &str) -> Option<ValueChange> {
    if value_in_text(value, passage) {
        return None;
    }
    let to = match value {
        Value::Count { count } => {
            let count = count.to_string();
            numbers_in(passage)
                .into_iter()
                .find(|number| *number != count)
        }
        Value::Quantity { amount } => numbers_in(passage)
            .into_iter()
            .find(|number| number != amount),
        Value::Date { .. } => dates_in(passage).first().map(ToString::to_string),
        Value::Text { .. } => None,
    };
    Some(ValueChange {
        from: value.to_string(),
        to,
    })
}

/// Says what became of each citation of `old` in `new`, in the order given.
pub fn reanchor(old: &str, new: &str, priors: &[Prior<'_>]) -> Vec<Found> {
    // Every distinct quote, found everywhere at once.
    let mut pattern_of: HashMap<&str, usize> = HashMap::new();
    let mut patterns: Vec<&str> = Vec::new();
    for prior in priors {
        let exact = prior.citation.selector.exact.as_str();
        if !exact.is_empty() && !pattern_of.contains_key(exact) {
            pattern_of.insert(exact, patterns.len());
            patterns.push(exact);
        }
    }
    let mut places: Vec<Vec<usize>> = vec![Vec::new(); patterns.len()];
    if !patterns.is_empty() {
        match AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
        {
            Ok(automaton) => {
                for found in automaton.find_overlapping_iter(new) {
                    places[found.pattern().as_usize()].push(found.start());
                }
            }
            // Past the automaton's size limits: one scan per quote, slower but the same answer.
            Err(_) => {
                for (pattern, starts) in patterns.iter().zip(&mut places) {
                    starts.extend(
                        anchor::match_quote(new, pattern, "", "")
                            .iter()
                            .map(|r| r.start),
                    );
                }
            }
        }
    }
    let mut diff: Option<WordDiff> = None;
    priors
        .iter()
        .map(|prior| {
            let selector = &prior.citation.selector;
            let exact = selector.exact.as_str();
            let starts = pattern_of
                .get(exact)
                .map_or(&[][..], |&index| places[index].as_slice());
            let occurrences = u32::try_from(starts.len()).unwrap_or(u32::MAX);
            let with_context: Vec<usize> = starts
                .iter()
                .copied()
                .filter(|&start| {
                    new[..start].ends_with(selector.prefix.as_str())
                        && new[start + exact.len()..].starts_with(selector.suffix.as_str())
                })
                .collect();
            let carried =
                |method: CarryMethod, start: usize, prefix: String, suffix: String| Found {
                    outcome: method.outcome(),
                    occurrences,
                    carry: Some((
                        method,
                        anchor::Anchor {
                            exact: exact.to_string(),
                            prefix,
                            suffix,
                            range: start..start + exact.len(),
                        },
                    )),
                    candidate: None,
                    value_change: None,
                };
            // The quote is byte-for-byte the one cited, so it states the value
            // exactly as it did when the citation was checked.
            if with_context.len() == 1 {
                return carried(
                    CarryMethod::ExactWithContext,
                    with_context[0],
                    selector.prefix.clone(),
                    selector.suffix.clone(),
                );
            }
            if starts.len() == 1 {
                let range = starts[0]..starts[0] + exact.len();
                let (prefix, suffix) = anchor::describe_unique(new, range);
                return carried(CarryMethod::ExactUnique, starts[0], prefix, suffix);
            }
            if starts.len() > 1 {
                return Found {
                    outcome: Outcome::Ambiguous,
                    occurrences,
                    carry: None,
                    candidate: None,
                    value_change: None,
                };
            }
            let diff = diff.get_or_insert_with(|| WordDiff::new(old, new));
            let candidate = closest_near(new, diff, prior.citation);
            match candidate {
                Some(candidate) => Found {
                    outcome: Outcome::Changed,
                    occurrences,
                    value_change: (!prior.citation.value_not_in_quote)
                        .then(|| value_change(prior.value, &candidate.exact))
                        .flatten(),
                    carry: None,
                    candidate: Some(candidate),
                },
                None => Found {
                    outcome: Outcome::Lost,
                    occurrences,
                    carry: None,
                    candidate: None,
                    value_change: None,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClaimId, Selector, SourceId, Stance};

    fn citation(text: &str, exact: &str, prefix: &str, suffix: &str) -> Citation {
        let start = text
            .find(&format!("{prefix}{exact}{suffix}"))
            .expect("in text")
            + prefix.len();
        Citation {
            claim: ClaimId([1; 32]),
            source: SourceId([2; 32]),
            selector: Selector {
                exact: exact.into(),
                prefix: prefix.into(),
                suffix: suffix.into(),
                start: start as u64,
                end: (start + exact.len()) as u64,
            },
            stance: Stance::Supports,
            value_not_in_quote: false,
            layer: None,
        }
    }

    #[test]
    fn tokens_cover_the_text() {
        let text = "Over 15% of  the world's, population";
        let found = tokens(text);
        let words: Vec<&str> = found.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(
            words,
            [
                "Over",
                " ",
                "15",
                "%",
                " ",
                "of",
                "  ",
                "the",
                " ",
                "world",
                "'",
                "s",
                ",",
                " ",
                "population"
            ]
        );
    }

    #[test]
    fn the_diff_maps_positions_through_an_edit() {
        let old = "alpha beta gamma delta";
        let new = "alpha BETA gamma delta and more";
        let diff = WordDiff::new(old, new);
        // "gamma" is at 11 in both (BETA has the same length as beta).
        assert_eq!(diff.map(11), 11);
        // Inside the replaced word, positions go to the start of its replacement.
        assert_eq!(diff.map(8), 6);
        let old = "one two three";
        let new = "zero one two three";
        let diff = WordDiff::new(old, new);
        // "two" moves from 4 to 9: five bytes ("zero ") were inserted before it.
        assert_eq!(diff.map(4), 9);
        assert_eq!(diff.changed_bytes(), (0, 5));
    }

    #[test]
    fn sellers_errors_by_end_position() {
        // Hand computation: "abc" in "xabcx" ends with 0 edits after index 3
        // (out[4]); "ab" ending there needs one insertion-free deletion of c: 1.
        let text: Vec<char> = "xabcx".chars().collect();
        let pattern: Vec<char> = "abc".chars().collect();
        assert_eq!(end_errors(&text, &pattern), vec![3, 3, 2, 1, 0, 1]);
        assert_eq!(best_start(&text, &pattern, 4, 0), 1);
    }

    fn value(count: u64) -> Value {
        Value::Count { count }
    }

    #[test]
    fn outcomes_for_each_kind_of_edit() {
        let old = "In 1992 the town had 7,000 people. It said 613 died. The court ruled in 2010. A note: 15 countries.";
        let kept = citation(old, "7,000 people", "had ", ".");
        let moved = citation(old, "613 died", "said ", ".");
        let changed = citation(old, "ruled in 2010", "court ", ".");
        let lost = citation(old, "In 1992", "", " the");
        let ambiguous = citation(old, "15 countries", "A note: ", ".");
        let new = "The town had 7,000 people. Others say 613 died. The court ruled in 2011. A note: 15 countries. A note: 15 countries.";
        let values = [value(7000), value(613), value(2010), value(1992), value(15)];
        let all = [&kept, &moved, &changed, &lost, &ambiguous];
        let priors: Vec<Prior<'_>> = all
            .iter()
            .zip(&values)
            .map(|(citation, value)| Prior { citation, value })
            .collect();
        let found = reanchor(old, new, &priors);
        let outcomes: Vec<Outcome> = found.iter().map(|f| f.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Unchanged,
                Outcome::Moved,
                Outcome::Changed,
                Outcome::Lost,
                Outcome::Ambiguous
            ]
        );
        // "7,000 people" is at byte 13 of the new text ("The town had " is 13 bytes).
        let (method, anchor) = found[0].carry.clone().expect("carried");
        assert_eq!(method, CarryMethod::ExactWithContext);
        assert_eq!(anchor.range, 13..25);
        // "613 died" keeps its words but its prefix changed: word-completed context.
        let (_, anchor) = found[1].carry.clone().expect("carried");
        assert_eq!(&new[anchor.range.clone()], "613 died");
        assert_eq!((anchor.prefix.as_str(), anchor.suffix.as_str()), ("", "."));
        let candidate = found[2].candidate.clone().expect("candidate");
        assert_eq!(candidate.exact, "ruled in 2011");
        assert_eq!(
            found[2].value_change,
            Some(ValueChange {
                from: "2010".into(),
                to: Some("2011".into())
            })
        );
        assert_eq!(found[4].occurrences, 2);
    }
}
