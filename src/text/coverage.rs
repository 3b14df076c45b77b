//! Matching a draft's figures to claims: which claims a sentence speaks of,
//! and what the figure's value is to each of them. Pure functions; the store
//! gathers the claims and their quotes.
//!
//! The method (schema/coverage.md) is word overlap after normalisation:
//! words are case-folded, stripped of a plural or verb ending and cut to six
//! letters, and small function words are dropped. A claim is *about* what a
//! figure says when its property's words are in the figure's clause (or, with
//! less weight, its sentence), when the words beside its value in its quotes
//! are the words beside the figure, and when its quotes' words are in the
//! sentence; its subject's words must be somewhere in the draft. Only claims
//! whose value can be compared with the figure's (the extents of
//! `text/extent.rs`) are considered, and only the best-matching ones decide.
//! It never judges whether a value is right, only what the draft's words and
//! the recorded claims say.

use std::collections::HashSet;
use std::ops::Range;

use crate::model::{Bound, Claim, ClaimId, Qualifiers, Value, When};
use crate::text::dates::dates_in;
use crate::text::extent::{relation, Relation};
use crate::text::figures::{figures_in, Figure, FigureKind};
use crate::text::normalize::identity_key;

/// The least score at which a claim is about what a figure says.
pub const THRESHOLD: f64 = 0.3;

/// The least score at which a claim whose value cannot hold beside the
/// figure's contradicts it: a contradiction needs a closer match than
/// backing does, since a claim that only shares a word is not about the
/// same thing.
pub const CONTRADICTS: f64 = 0.5;

/// How far below the best score a claim may be and still decide.
pub const MARGIN: f64 = 0.1;

/// How far a sentence reaches on either side of a figure, in bytes.
pub const SENTENCE_REACH: usize = 1000;

/// How many words beside a value are compared.
const BESIDE: usize = 3;

/// Words that say nothing of what a figure is about.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "may",
    "me",
    "more",
    "most",
    "much",
    "must",
    "my",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "per",
    "cent",
    "percent",
    "number",
    "total",
    "least",
    "nearly",
    "almost",
    "around",
    "roughly",
    "approximately",
    "less",
    "fewer",
    "estimated",
    "according",
    "said",
    "says",
    "reported",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "year",
    "years",
    "million",
    "billion",
    "thousand",
    "hundred",
    "est",
    "estimate",
    "estimates",
    "approx",
    "figure",
    "figures",
];

/// Returns the matching form of a word: case-folded, a possessive, plural
/// or verb ending removed, cut to six characters; None for a stopword, a
/// word of fewer than three letters or one with digits.
pub fn stem(word: &str) -> Option<String> {
    let folded = identity_key(word);
    let folded = folded
        .trim_end_matches("'s")
        .trim_end_matches("\u{2019}s")
        .trim_matches(|ch: char| !ch.is_alphanumeric());
    if folded.chars().count() < 3
        || folded.chars().any(|ch| ch.is_ascii_digit())
        || STOPWORDS.contains(&folded)
    {
        return None;
    }
    // British and American spellings of one word: "labour", "labor".
    let mut base = match folded.strip_suffix("our") {
        Some(stem) if stem.len() >= 3 => format!("{stem}or"),
        _ => folded.to_string(),
    };
    for (suffix, keep) in [
        ("ies", "y"),
        ("ings", ""),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ] {
        if base.len() > suffix.len() + 3 && base.ends_with(suffix) && !base.ends_with("ss") {
            base.truncate(base.len() - suffix.len());
            base.push_str(keep);
            break;
        }
    }
    Some(base.chars().take(6).collect())
}

/// Returns the matching forms of the words of a text, in order.
pub fn stems(text: &str) -> Vec<String> {
    text.split(|ch: char| !(ch.is_alphanumeric() || ch == '\'' || ch == '\u{2019}'))
        .filter_map(stem)
        .collect()
}

/// Returns the byte range of the sentence around `range`: from the end of
/// the sentence before (a '.', '!' or '?' followed by a space, after a word
/// of four or more letters or a number, or a blank line) to the end of this one.
pub fn sentence_of(text: &str, range: &Range<usize>) -> Range<usize> {
    let bytes = text.as_bytes();
    let ends_sentence = |at: usize| -> bool {
        // `at` is the index of a '.', '!', '?' or the first '\n' of a blank line.
        match bytes[at] {
            b'\n' => bytes.get(at + 1) == Some(&b'\n') || at + 1 == bytes.len(),
            b'!' | b'?' => bytes
                .get(at + 1)
                .is_none_or(|next| next.is_ascii_whitespace()),
            b'.' => {
                if !bytes
                    .get(at + 1)
                    .is_none_or(|next| next.is_ascii_whitespace())
                {
                    return false;
                }
                // The word before the '.', read back at most 64 characters.
                let word: String = text[..at]
                    .chars()
                    .rev()
                    .take(64)
                    .take_while(|ch| ch.is_alphanumeric())
                    .collect();
                word.chars().count() >= 4
                    || (!word.is_empty() && word.chars().all(|ch| ch.is_ascii_digit()))
            }
            _ => false,
        }
    };
    // A sentence reaches at most SENTENCE_REACH bytes either side of the
    // figure: a table or a list with no full stop is read in windows, so
    // that every figure costs the same.
    let mut floor = range.start.saturating_sub(SENTENCE_REACH);
    while !text.is_char_boundary(floor) {
        floor += 1;
    }
    let mut ceiling = (range.end + SENTENCE_REACH).min(bytes.len());
    while !text.is_char_boundary(ceiling) {
        ceiling -= 1;
    }
    let mut start = range.start;
    while start > floor {
        let at = start - 1;
        if matches!(bytes[at], b'.' | b'!' | b'?' | b'\n') && ends_sentence(at) {
            break;
        }
        start -= 1;
    }
    let mut end = range.end;
    while end < ceiling {
        if matches!(bytes[end], b'.' | b'!' | b'?' | b'\n') && ends_sentence(end) {
            end += 1;
            break;
        }
        end += 1;
    }
    while start < end && text.as_bytes()[start].is_ascii_whitespace() {
        start += 1;
    }
    start..end.min(text.len())
}

/// Returns the clause of a figure inside its sentence: back to the nearest
/// ',', ';', ':', '(' or ')' or the figure before, on to the nearest such
/// mark or the figure after.
fn clause_of(
    text: &str,
    sentence: &Range<usize>,
    figure: &Range<usize>,
    others: &[Range<usize>],
) -> Range<usize> {
    let breaks = |ch: char| matches!(ch, ',' | ';' | ':' | '(' | ')' | '\u{2014}');
    // A label before a colon belongs to the value after it ("agriculture: 2.6%").
    let breaks_before = |ch: char| ch != ':' && breaks(ch);
    let mut start = text[sentence.start..figure.start]
        .char_indices()
        .rev()
        .find(|(_, ch)| breaks_before(*ch))
        .map_or(sentence.start, |(index, ch)| {
            sentence.start + index + ch.len_utf8()
        });
    let mut end = text[figure.end..sentence.end]
        .find(breaks)
        .map_or(sentence.end, |index| figure.end + index);
    // `others` are in order and apart: the figure before and the one after
    // are found by bisection.
    let before = others.partition_point(|other| other.end <= figure.start);
    if let Some(other) = before.checked_sub(1).map(|index| &others[index]) {
        if other.end > start {
            start = other.end;
        }
    }
    let after = others.partition_point(|other| other.start < figure.end);
    if let Some(other) = others.get(after) {
        if other.start < end {
            end = other.start;
        }
    }
    start..end
}

/// The words beside a place in a text: up to [`BESIDE`] on each side,
/// within `bounds`.
fn beside(
    text: &str,
    bounds: &Range<usize>,
    at: &Range<usize>,
    figures: &[Range<usize>],
) -> HashSet<String> {
    // Words after another figure are that figure's ("70 elderly people and
    // 63 children": "elderly people" is 70's), so a clause that starts at a
    // figure gives none before.
    let before = if figures
        .binary_search_by_key(&bounds.start, |other| other.end)
        .is_ok()
    {
        Vec::new()
    } else {
        stems(&text[bounds.start..at.start.max(bounds.start)])
    };
    let after = &text[at.end.min(bounds.end)..bounds.end];
    // A word before a colon labels what follows it, not this value.
    let after = match after.find(':') {
        Some(colon) => after[..colon]
            .rfind(char::is_whitespace)
            .map_or("", |space| &after[..space]),
        None => after,
    };
    let after = stems(after);
    before
        .iter()
        .rev()
        .take(BESIDE)
        .chain(after.iter().take(BESIDE))
        .cloned()
        .collect()
}

/// A claim with the quotes that state it: what a figure is matched against.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The claim.
    pub claim: Claim,
    /// The exact words of its live supporting citations.
    pub quotes: Vec<String>,
}

/// What a claim's words are, prepared once for every figure.
#[derive(Debug, Clone)]
struct Prepared {
    periods: Vec<When>,
    property: HashSet<String>,
    subject: HashSet<String>,
    quote: HashSet<String>,
    beside_value: HashSet<String>,
}

fn prepare(candidate: &Candidate) -> Prepared {
    let mut beside_value = HashSet::new();
    let mut quote = HashSet::new();
    for text in &candidate.quotes {
        quote.extend(stems(text));
        let whole = 0..text.len();
        let figures = figures_in(text);
        let ranges: Vec<Range<usize>> = figures.iter().map(|figure| figure.range.clone()).collect();
        for figure in &figures {
            let holds = figure.readings.iter().any(|reading| {
                relation(&figure_claim(reading), &candidate.claim) == Relation::Agree
            });
            if holds {
                // The value's own clause: in "106 women, 70 elderly" the
                // words beside 106 are not those beside 70.
                let clause = clause_of(text, &whole, &figure.range, &ranges);
                beside_value.extend(beside(text, &clause, &figure.range, &ranges));
            }
        }
    }
    let mut property: HashSet<String> = stems(&candidate.claim.property).into_iter().collect();
    // What a count counts is part of what it is about ("613 civilians").
    if let (Value::Count { .. }, Some(noun)) =
        (&candidate.claim.value, &candidate.claim.qualifiers.unit)
    {
        property.extend(stems(noun));
    }
    let claim = &candidate.claim;
    // The periods a value holds for: its `as_of` and dates its property
    // names ("GDP (2005)"); a date in the subject names an event, not a period.
    let periods: Vec<When> = claim
        .qualifiers
        .as_of
        .iter()
        .cloned()
        .chain(dates_in(&claim.property))
        .collect();
    Prepared {
        periods,
        property,
        subject: stems(&candidate.claim.subject).into_iter().collect(),
        quote,
        beside_value,
    }
}

/// A figure's reading as a claim with no subject or property, for comparing values.
pub fn figure_claim(reading: &crate::text::stated::Stated) -> Claim {
    Claim {
        id: ClaimId([0; 32]),
        subject: String::new(),
        property: String::new(),
        value: reading.value.clone(),
        qualifiers: Qualifiers {
            as_of: None,
            unit: reading.noun.clone(),
            bound: reading.bound.unwrap_or(Bound::Exact),
            upper: reading.upper.clone(),
        },
    }
}

/// What a draft's figure is, against the claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A claim about what the sentence says holds the figure's value.
    Backed,
    /// Claims about what the sentence says hold values that cannot hold
    /// beside the figure's, and none holds it.
    Contradicted,
    /// No claim is about what the sentence says.
    Unbacked,
}

impl Verdict {
    /// The word used in JSON and messages.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Backed => "backed",
            Verdict::Contradicted => "contradicted",
            Verdict::Unbacked => "unbacked",
        }
    }
}

/// A claim a figure was matched to.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched {
    /// The candidate's index.
    pub candidate: usize,
    /// How well the claim's words match the figure's (0 to 1).
    pub score: f64,
    /// The claim's value against the figure's: agree or conflict.
    pub relation: Relation,
    /// True when the figure is the claim's `as_of` time, or a date its
    /// property or subject names, not its value.
    pub as_of: bool,
    /// True when the claim's words are in the figure's own clause or beside
    /// it, not only elsewhere in its sentence: a contradiction needs that.
    pub local: bool,
}

/// A figure with its verdict.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The figure.
    pub figure: Figure,
    /// Its sentence.
    pub sentence: Range<usize>,
    /// The verdict.
    pub verdict: Verdict,
    /// The claims that decided it, best first (those that agree first).
    pub matched: Vec<Matched>,
}

/// The words of a text, as a set of matching forms.
pub fn word_set(text: &str) -> HashSet<String> {
    stems(text).into_iter().collect()
}

/// True when a claim could be about something the draft says: some of its
/// subject's or property's words are the draft's. The store uses it to skip
/// claims before reading their quotes.
pub fn may_concern(claim: &Claim, draft_words: &HashSet<String>) -> bool {
    stems(&claim.property)
        .iter()
        .chain(stems(&claim.subject).iter())
        .any(|word| draft_words.contains(word))
}

fn overlap(wanted: &HashSet<String>, within: &HashSet<String>) -> f64 {
    if wanted.is_empty() {
        return 0.0;
    }
    wanted.intersection(within).count() as f64 / wanted.len() as f64
}

/// Judges every figure of a draft against the candidates.
pub fn judge(text: &str, figures: Vec<Figure>, candidates: &[Candidate]) -> Vec<Judged> {
    let prepared: Vec<Prepared> = candidates.iter().map(prepare).collect();
    let draft_words = word_set(text);
    let ranges: Vec<Range<usize>> = figures.iter().map(|figure| figure.range.clone()).collect();
    // Every figure's scores against every comparable candidate.
    let mut scored: Vec<(Range<usize>, Vec<Matched>)> = Vec::with_capacity(figures.len());
    for figure in &figures {
        let sentence = sentence_of(text, &figure.range);
        // What the figure is about: its clause between punctuation; the
        // words beside it stop at the figures next to it.
        let clause = clause_of(text, &sentence, &figure.range, &[]);
        let own = clause_of(text, &sentence, &figure.range, &ranges);
        let sentence_words = word_set(&text[sentence.clone()]);
        let clause_words = word_set(&text[clause.clone()]);
        let beside_figure = beside(text, &own, &figure.range, &ranges);
        let mut matched = Vec::new();
        for (index, (candidate, words)) in candidates.iter().zip(&prepared).enumerate() {
            let Some((relation, as_of)) = compare(figure, &candidate.claim) else {
                continue;
            };
            if !words.subject.is_empty() && overlap(&words.subject, &draft_words) < 0.5 {
                continue;
            }
            // A claim for one period is not about a figure its sentence gives
            // for another: "8.2% (2006 est.)" is not the rate of 2005.
            if !as_of && !words.periods.is_empty() {
                let dated: Vec<&Figure> = sentence_dates(&figures, &sentence, figure);
                if !dated.is_empty()
                    && !dated
                        .iter()
                        .any(|date| words.periods.iter().any(|period| same_period(date, period)))
                {
                    continue;
                }
            }
            let in_clause = overlap(&words.property, &clause_words);
            let property = in_clause.max(0.6 * overlap(&words.property, &sentence_words));
            let near = if words.beside_value.is_empty() || beside_figure.is_empty() {
                0.0
            } else {
                words.beside_value.intersection(&beside_figure).count() as f64
                    / words.beside_value.len().min(beside_figure.len()) as f64
            };
            // A quote of one or two words says little of what it is about.
            let quoted = if words.quote.is_empty() {
                0.0
            } else {
                words.quote.intersection(&sentence_words).count() as f64
                    / words.quote.len().max(3) as f64
            };
            let subject = if words.subject.is_empty() {
                1.0
            } else {
                overlap(&words.subject, &sentence_words).max(0.5)
            };
            let score = 0.4 * property + 0.25 * near + 0.25 * quoted + 0.1 * subject;
            if score >= THRESHOLD {
                matched.push(Matched {
                    candidate: index,
                    score,
                    relation,
                    as_of,
                    local: in_clause > 0.0 || near > 0.0,
                });
            }
        }
        scored.push((sentence, matched));
    }
    // In one sentence a claim speaks of the figure it matches best: "613
    // civilians were killed, 32 years ago" gives the claim of the dead to
    // 613, not to 32 as well.
    let mut best_in_sentence: std::collections::HashMap<(usize, usize), f64> =
        std::collections::HashMap::new();
    for (sentence, matched) in &scored {
        for item in matched {
            let best = best_in_sentence
                .entry((sentence.start, item.candidate))
                .or_insert(0.0);
            *best = best.max(item.score);
        }
    }
    let mut out = Vec::with_capacity(figures.len());
    for (figure, (sentence, mut matched)) in figures.into_iter().zip(scored) {
        matched.retain(|item| {
            item.score + 1e-9 >= best_in_sentence[&(sentence.start, item.candidate)]
        });
        let best = matched
            .iter()
            .map(|item| item.score)
            .fold(0.0_f64, f64::max);
        matched.retain(|item| {
            item.score >= best - MARGIN
                && (item.relation == Relation::Agree || (item.score >= CONTRADICTS && item.local))
        });
        matched.sort_by(|a, b| {
            (a.relation != Relation::Agree)
                .cmp(&(b.relation != Relation::Agree))
                .then(b.score.total_cmp(&a.score))
                .then(a.candidate.cmp(&b.candidate))
        });
        let verdict = if matched.iter().any(|item| item.relation == Relation::Agree) {
            matched.retain(|item| item.relation == Relation::Agree);
            Verdict::Backed
        } else if matched.is_empty() {
            Verdict::Unbacked
        } else {
            Verdict::Contradicted
        };
        out.push(Judged {
            figure,
            sentence,
            verdict,
            matched,
        });
    }
    out
}

/// The date figures of a sentence other than `figure`.
fn sentence_dates<'a>(
    figures: &'a [Figure],
    sentence: &Range<usize>,
    figure: &Figure,
) -> Vec<&'a Figure> {
    figures
        .iter()
        .filter(|other| {
            other.kind == FigureKind::Date
                && other.range != figure.range
                && other.range.start >= sentence.start
                && other.range.end <= sentence.end
        })
        .collect()
}

/// True when a date figure can name the same period as `period`.
fn same_period(date: &Figure, period: &When) -> bool {
    let stated = figure_claim(&crate::text::stated::Stated {
        value: Value::Date {
            date: period.clone(),
        },
        bound: None,
        upper: None,
        noun: None,
    });
    date.readings
        .iter()
        .any(|reading| relation(&figure_claim(reading), &stated) == Relation::Agree)
}

/// How a figure's value stands to a claim's: its value, or for a date its
/// `as_of` time; None when they cannot be compared.
fn compare(figure: &Figure, claim: &Claim) -> Option<(Relation, bool)> {
    let mut seen_conflict = false;
    for reading in &figure.readings {
        match relation(&figure_claim(reading), claim) {
            Relation::Agree => return Some((Relation::Agree, false)),
            Relation::Conflict => seen_conflict = true,
            Relation::Incomparable => {}
        }
    }
    if seen_conflict {
        return Some((Relation::Conflict, false));
    }
    // A date figure beside a claim that holds as of a date, or whose
    // property or subject names one: "in 2005 the GDP reached …" is what an
    // `as_of` of 2005 or a property "GDP (2005)" records.
    let mut when = figure_claim(figure.readings.first()?);
    if !matches!(when.value, Value::Date { .. }) {
        return None;
    }
    when.qualifiers.unit = None;
    let periods = claim
        .qualifiers
        .as_of
        .iter()
        .cloned()
        .chain(dates_in(&claim.property))
        .chain(dates_in(&claim.subject));
    for period in periods {
        let stated = Claim {
            value: Value::Date { date: period },
            qualifiers: Qualifiers::default(),
            ..claim.clone()
        };
        // Another date than the claim's period is no contradiction: the
        // claim may hold then too.
        if relation(&when, &stated) == Relation::Agree {
            return Some((Relation::Agree, true));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::stated::read_stated;

    fn claim(subject: &str, property: &str, value: &str) -> Claim {
        let stated = read_stated(None, value, None).expect("a value");
        Claim {
            id: ClaimId([1; 32]),
            subject: subject.into(),
            property: property.into(),
            value: stated.value,
            qualifiers: Qualifiers {
                as_of: None,
                unit: stated.noun,
                bound: stated.bound.unwrap_or_default(),
                upper: stated.upper,
            },
        }
    }

    fn candidate(subject: &str, property: &str, value: &str, quote: &str) -> Candidate {
        Candidate {
            claim: claim(subject, property, value),
            quotes: vec![quote.into()],
        }
    }

    fn verdicts(text: &str, candidates: &[Candidate]) -> Vec<(String, &'static str)> {
        judge(text, figures_in(text), candidates)
            .into_iter()
            .map(|judged| {
                (
                    text[judged.figure.range.clone()].to_string(),
                    judged.verdict.name(),
                )
            })
            .collect()
    }

    #[test]
    fn stems_fold_endings() {
        assert_eq!(stem("Civilians"), Some("civili".into()));
        assert_eq!(stem("killed"), stem("killings"));
        assert_eq!(stem("the"), None);
        assert_eq!(stem("B52"), None);
        assert_eq!(stem("country's"), stem("country"));
    }

    #[test]
    fn sentences_after_any_character() {
        // A no-break space (two bytes) before the word that ends a sentence.
        let text = "It was\u{a0}done. Then 613 died.";
        let at = text.find("613").expect("there");
        assert_eq!(&text[sentence_of(text, &(at..at + 3))], "Then 613 died.");
        // Every figure of text in several scripts and marks judges without a panic.
        let text = "Résumé\u{a0}: 1\u{a0}275 — über 5 %. Ünd 2010… «16%» ½ 3\u{2009}000. ";
        let judged = judge(text, figures_in(text), &[]);
        assert!(judged.iter().all(|item| item.verdict == Verdict::Unbacked));
    }

    #[test]
    fn sentences_end_after_words_not_abbreviations() {
        let text = "On Feb. 26, 1992 the town fell. In the U.S. states 16 resolutions passed.";
        let at = text.find("1992").expect("there");
        assert_eq!(
            &text[sentence_of(text, &(at..at + 4))],
            "On Feb. 26, 1992 the town fell."
        );
        let at = text.find("16").expect("there");
        assert_eq!(
            &text[sentence_of(text, &(at..at + 2))],
            "In the U.S. states 16 resolutions passed."
        );
    }

    #[test]
    fn a_list_of_figures_matches_each_to_its_own_claim() {
        let subject = "Khojaly, 26 February 1992";
        let quote = "the article counts 106 women, 70 elderly people and 63 children";
        let candidates = [
            candidate(
                subject,
                "civilians killed",
                "613",
                "613 civilians were killed",
            ),
            candidate(subject, "women killed", "106", quote),
            candidate(subject, "elderly people killed", "70", quote),
            candidate(subject, "children killed", "63", quote),
        ];
        let text = "At Khojaly 613 civilians were killed, among them 106 women, 70 elderly people and 60 children.";
        // 60 children against the cited 63: a contradiction; the rest backed.
        assert_eq!(
            verdicts(text, &candidates),
            vec![
                ("613".to_string(), "backed"),
                ("106".to_string(), "backed"),
                ("70".to_string(), "backed"),
                ("60".to_string(), "contradicted"),
            ]
        );
        // 106 civilians is not what the women's claim says.
        let text = "At Khojaly 106 civilians were killed.";
        assert_eq!(
            verdicts(text, &candidates),
            vec![("106".to_string(), "contradicted")]
        );
    }

    #[test]
    fn bounds_and_units_decide_compatibility() {
        let candidates = [
            candidate(
                "India",
                "share of world population",
                "over 15%",
                "over 15% of the world's population",
            ),
            candidate(
                "Khojaly",
                "population before the war",
                "about 7,000",
                "a population of about 7,000",
            ),
        ];
        // over 16% meets over 15% (both allow 17%); 7,200 lies within a tenth of 7,000.
        let text = "India holds over 16 percent of the world's population. Khojaly had a population of 7,200 before the war.";
        assert_eq!(
            verdicts(text, &candidates),
            vec![
                ("16 percent".to_string(), "backed"),
                ("7,200".to_string(), "backed")
            ]
        );
        // 9,000 lies outside 6,300–7,700; 10% lies below anything over 15%.
        let text = "India holds 10% of the world's population. Khojaly had a population of 9,000 before the war.";
        assert_eq!(
            verdicts(text, &candidates),
            vec![
                ("10%".to_string(), "contradicted"),
                ("9,000".to_string(), "contradicted")
            ]
        );
    }

    #[test]
    fn unrelated_figures_are_unbacked() {
        let candidates = [candidate(
            "Khojaly, 26 February 1992",
            "civilians killed",
            "613",
            "613 civilians were killed",
        )];
        let text = "Khojaly's memorial was opened in 2008 and draws 4,000 visitors a year.";
        assert_eq!(
            verdicts(text, &candidates),
            vec![
                ("2008".to_string(), "unbacked"),
                ("4,000".to_string(), "unbacked")
            ]
        );
    }
}
