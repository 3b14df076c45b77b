//! Anchoring quotes in text: finding them, describing them uniquely, and
//! checking that an anchor still holds.
//!
//! An anchor is the W3C Web Annotation pair: a TextQuoteSelector (exact text
//! with prefix and suffix context) and a byte range. Context is chosen as the
//! W3C/Apache Annotator "describe" procedure does: grow it just far enough to
//! rule out every other match, then extend it to word boundaries. This module
//! works on text in memory and does no I/O.

use std::collections::HashMap;
use std::ops::Range;

use crate::text::fold;

/// Options for describing a quote, as in the W3C TextQuoteSelector cases.
#[derive(Debug, Clone, Copy)]
pub struct DescribeOptions {
    /// Keep context to the minimum that disambiguates, without completing words.
    pub minimal_context: bool,
    /// Add context until prefix + exact + suffix has at least this many characters.
    pub minimum_quote_length: usize,
    /// Stop completing a word after this many characters.
    pub max_word_length: usize,
}

impl Default for DescribeOptions {
    fn default() -> Self {
        DescribeOptions {
            minimal_context: false,
            minimum_quote_length: 0,
            max_word_length: 50,
        }
    }
}

/// A quote anchored in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The quote as it stands in the text.
    pub exact: String,
    /// Context before it.
    pub prefix: String,
    /// Context after it.
    pub suffix: String,
    /// Its byte range.
    pub range: Range<usize>,
}

/// One place a quote was found, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The byte range.
    pub range: Range<usize>,
    /// The line number, from 1.
    pub line: usize,
    /// The column in characters, from 1.
    pub column: usize,
    /// The surrounding words.
    pub context: String,
}

/// "once", or "N times".
fn times(count: usize) -> String {
    if count == 1 {
        "once".to_string()
    } else {
        format!("{count} times")
    }
}

/// Why a quote could not be anchored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorError {
    /// The quote is empty or only whitespace.
    #[error("the quote is empty; give the exact words the source uses")]
    EmptyQuote,
    /// The quote is not in the text.
    #[error("the quote is not in the source; the closest passage is {closest:?}")]
    NotFound {
        /// The passage most like the quote.
        closest: String,
    },
    /// The quote occurs more than once.
    #[error("the quote occurs {} ({})", times(places.len()), list_places(places))]
    Ambiguous {
        /// Every place it occurs.
        places: Vec<Place>,
    },
    /// The quote is in the text, but never with the context given.
    #[error("the quote occurs {found} time(s), but none with the context given")]
    ContextNotFound {
        /// How many times the quote occurs, whatever its context.
        found: usize,
    },
    /// The occurrence asked for is past the last match.
    #[error("occurrence {wanted} was asked for, but the quote occurs {}", times(*found))]
    NoSuchOccurrence {
        /// The occurrence asked for, from 1.
        wanted: usize,
        /// How many there are.
        found: usize,
    },
}

fn list_places(places: &[Place]) -> String {
    places
        .iter()
        .enumerate()
        .map(|(index, place)| {
            format!(
                "{}: line {} column {} {:?}",
                index + 1,
                place.line,
                place.column,
                place.context
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Returns the byte offset one character after `at`, or None at the end.
fn next_boundary(text: &str, at: usize) -> Option<usize> {
    text[at..].chars().next().map(|ch| at + ch.len_utf8())
}

/// Returns the byte offset one character before `at`, or None at the start.
fn prev_boundary(text: &str, at: usize) -> Option<usize> {
    text[..at].chars().next_back().map(|ch| at - ch.len_utf8())
}

/// Returns every range where `exact` occurs with `prefix` just before and
/// `suffix` just after, overlapping matches included, in order.
pub fn match_quote(text: &str, exact: &str, prefix: &str, suffix: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut at = 0;
    // memchr's SIMD search: several times std's Two-Way on a source's text.
    let finder = memchr::memmem::Finder::new(exact.as_bytes());
    while let Some(offset) = finder.find(&text.as_bytes()[at..]) {
        let start = at + offset;
        let end = start + exact.len();
        if text[..start].ends_with(prefix) && text[end..].starts_with(suffix) {
            found.push(start..end);
        }
        match next_boundary(text, start) {
            Some(next) => at = next,
            None => break,
        }
    }
    found
}

/// Reads up to `limit` characters away from `at` until whitespace; returns the text and the new position.
fn read_until_whitespace(text: &str, at: usize, limit: usize, backward: bool) -> (usize, usize) {
    let mut position = at;
    let mut count = 0;
    while count < limit {
        let step = if backward {
            prev_boundary(text, position)
        } else {
            next_boundary(text, position)
        };
        let Some(next) = step else { break };
        let ch = if backward {
            &text[next..position]
        } else {
            &text[position..next]
        };
        if ch.chars().all(char::is_whitespace) {
            break;
        }
        position = next;
        count += 1;
    }
    (position, count)
}

/// Reads from two positions in step until the characters differ. Returns the
/// position reached from `target`, or None if `target` hits the text's edge first.
fn read_until_different(text: &str, target: usize, other: usize, backward: bool) -> Option<usize> {
    let mut target_at = target;
    let mut other_at = Some(other);
    loop {
        let step = |at: usize| {
            if backward {
                prev_boundary(text, at)
            } else {
                next_boundary(text, at)
            }
        };
        let next_target = step(target_at)?;
        let target_char = if backward {
            &text[next_target..target_at]
        } else {
            &text[target_at..next_target]
        };
        let other_char = other_at.and_then(|at| {
            step(at).map(|next| {
                let ch = if backward {
                    &text[next..at]
                } else {
                    &text[at..next]
                };
                (next, ch)
            })
        });
        target_at = next_target;
        match other_char {
            Some((next_other, ch)) if ch == target_char => other_at = Some(next_other),
            _ => return Some(target_at),
        }
    }
}

/// Returns the prefix and suffix that make `range` the only match of its text,
/// following the W3C/Apache Annotator describe procedure.
pub fn describe(text: &str, range: Range<usize>, options: DescribeOptions) -> (String, String) {
    let exact = &text[range.clone()];
    let exact_chars = exact.chars().count();
    // Context is tracked as positions: prefix = text[prefix_start..range.start].
    let mut prefix_start = range.start;
    let mut suffix_end = range.end;
    let char_len = |a: usize, b: usize| text[a..b].chars().count();
    let current =
        |p: usize, s: usize| char_len(p, range.start) + exact_chars + char_len(range.end, s);

    let back = |at: usize, count: usize| {
        let mut position = at;
        for _ in 0..count {
            match prev_boundary(text, position) {
                Some(next) => position = next,
                None => break,
            }
        }
        position
    };
    let forward = |at: usize, count: usize| {
        let mut position = at;
        for _ in 0..count {
            match next_boundary(text, position) {
                Some(next) => position = next,
                None => break,
            }
        }
        position
    };

    let minimum = options.minimum_quote_length;
    if current(prefix_start, suffix_end) < minimum {
        let half = (minimum - current(prefix_start, suffix_end)) / 2;
        prefix_start = back(prefix_start, half);
        if current(prefix_start, suffix_end) < minimum {
            suffix_end = forward(suffix_end, minimum - current(prefix_start, suffix_end));
            if current(prefix_start, suffix_end) < minimum {
                prefix_start = back(prefix_start, minimum - current(prefix_start, suffix_end));
            }
        }
    }

    if !options.minimal_context {
        prefix_start = read_until_whitespace(text, prefix_start, options.max_word_length, true).0;
        suffix_end = read_until_whitespace(text, suffix_end, options.max_word_length, false).0;
    }

    loop {
        let prefix = &text[prefix_start..range.start];
        let suffix = &text[range.end..suffix_end];
        let matches = match_quote(text, exact, prefix, suffix);
        let mut unintended = matches.iter().filter(|found| **found != range);
        // Only the first unintended match is dealt with per round, as upstream does.
        let Some(other) = unintended.next().cloned() else {
            return (prefix.to_string(), suffix.to_string());
        };
        let prefix_len = char_len(prefix_start, range.start);
        let suffix_len = char_len(range.end, suffix_end);
        let other_prefix_at = back(other.start, prefix_len);
        let other_suffix_at = forward(other.end, suffix_len);

        let mut extra_prefix = read_until_different(text, prefix_start, other_prefix_at, true);
        if let (Some(at), false) = (extra_prefix, options.minimal_context) {
            extra_prefix = Some(read_until_whitespace(text, at, options.max_word_length, true).0);
        }
        let mut extra_suffix = read_until_different(text, suffix_end, other_suffix_at, false);
        if let (Some(at), false) = (extra_suffix, options.minimal_context) {
            extra_suffix = Some(read_until_whitespace(text, at, options.max_word_length, false).0);
        }

        if options.minimal_context {
            let prefix_cost = extra_prefix.map(|at| char_len(at, prefix_start));
            let suffix_cost = extra_suffix.map(|at| char_len(suffix_end, at));
            match (extra_prefix, extra_suffix) {
                (Some(at), _) if suffix_cost.is_none() || prefix_cost <= suffix_cost => {
                    prefix_start = at
                }
                (_, Some(at)) => suffix_end = at,
                // Two distinct ranges of the same text always differ somewhere
                // before or after; reaching here means the text is its own match.
                _ => return (prefix.to_string(), suffix.to_string()),
            }
        } else {
            if extra_prefix.is_none() && extra_suffix.is_none() {
                return (prefix.to_string(), suffix.to_string());
            }
            if let Some(at) = extra_prefix {
                prefix_start = at;
            }
            if let Some(at) = extra_suffix {
                suffix_end = at;
            }
        }
    }
}

/// Returns the context `describe` gives a range whose text occurs only once
/// in `text`: the rest of the words at either end, with no search of the text.
/// The caller must know the quote is unique (carrying finds every occurrence
/// of every quote in one pass, so it does).
pub fn describe_unique(text: &str, range: Range<usize>) -> (String, String) {
    let limit = DescribeOptions::default().max_word_length;
    let prefix_start = read_until_whitespace(text, range.start, limit, true).0;
    let suffix_end = read_until_whitespace(text, range.end, limit, false).0;
    (
        text[prefix_start..range.start].to_string(),
        text[range.end..suffix_end].to_string(),
    )
}

/// Returns the line number (from 1), column (in characters, from 1) of `at`.
fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.bytes().filter(|byte| *byte == b'\n').count() + 1;
    let line_start = before.rfind('\n').map(|index| index + 1).unwrap_or(0);
    (line, text[line_start..at].chars().count() + 1)
}

/// Returns the words around `range` within its line, at most `width` characters each side,
/// with the quote marked by « and ».
pub fn context_line(text: &str, range: Range<usize>, width: usize) -> String {
    let line_start = text[..range.start]
        .rfind('\n')
        .map(|index| index + 1)
        .unwrap_or(0);
    let line_end = text[range.end..]
        .find('\n')
        .map(|index| range.end + index)
        .unwrap_or(text.len());
    let before: String = {
        let chars: Vec<char> = text[line_start..range.start].chars().collect();
        let skip = chars.len().saturating_sub(width);
        let mut out: String = chars[skip..].iter().collect();
        if skip > 0 {
            out = format!("…{}", out.trim_start());
        }
        out
    };
    let after: String = {
        let chars: Vec<char> = text[range.end..line_end].chars().collect();
        let mut out: String = chars.iter().take(width).collect();
        if chars.len() > width {
            out = format!("{}…", out.trim_end());
        }
        out
    };
    let exact = text[range].split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{}«{}»{}", before.trim_start(), exact, after.trim_end())
}

fn place(text: &str, range: Range<usize>) -> Place {
    let (line, column) = line_and_column(text, range.start);
    Place {
        context: context_line(text, range.clone(), 30),
        range,
        line,
        column,
    }
}

/// Returns the passage of `text` whose words are most like the words of `quote`.
pub fn closest_passage(text: &str, quote: &str) -> String {
    let words = |input: &str| -> Vec<(usize, usize, String)> {
        let mut out = Vec::new();
        let mut start = None;
        for (index, ch) in input
            .char_indices()
            .chain(std::iter::once((input.len(), ' ')))
        {
            match (ch.is_alphanumeric(), start) {
                (true, None) => start = Some(index),
                (false, Some(begin)) => {
                    out.push((begin, index, input[begin..index].to_lowercase()));
                    start = None;
                }
                _ => {}
            }
        }
        out
    };
    let quote_words = words(quote);
    let text_words = words(text);
    if quote_words.is_empty() || text_words.is_empty() {
        return String::new();
    }
    let window = quote_words.len().min(text_words.len());
    let mut wanted: HashMap<&str, i64> = HashMap::new();
    for (_, _, word) in &quote_words {
        *wanted.entry(word.as_str()).or_default() += 1;
    }
    // Sliding window over the text's words; score = size of the multiset intersection.
    let mut have: HashMap<&str, i64> = HashMap::new();
    let mut score: i64 = 0;
    // Ties go to the window whose first and last words line up with the quote's.
    let first_word = quote_words[0].2.as_str();
    let last_word = quote_words[quote_words.len() - 1].2.as_str();
    let mut best = (i64::MIN, 0i64, 0usize);
    for (index, (_, _, word)) in text_words.iter().enumerate() {
        let count = have.entry(word.as_str()).or_default();
        *count += 1;
        if *count <= *wanted.get(word.as_str()).unwrap_or(&0) {
            score += 1;
        }
        if index >= window {
            let leaving = text_words[index - window].2.as_str();
            let count = have.entry(leaving).or_default();
            if *count <= *wanted.get(leaving).unwrap_or(&0) {
                score -= 1;
            }
            *count -= 1;
        }
        if index + 1 >= window {
            let start = index + 1 - window;
            let aligned = i64::from(text_words[start].2 == first_word)
                + i64::from(text_words[index].2 == last_word);
            if (score, aligned) > (best.0, best.1) {
                best = (score, aligned, start);
            }
        }
    }
    let first = &text_words[best.2];
    let last = &text_words[best.2 + window - 1];
    let passage = text[first.0..last.1]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if passage.chars().count() > 200 {
        // Cut after 199 characters, but never between a letter and its
        // accents (a decomposed é is two characters).
        let mut chars = passage.chars().peekable();
        let mut short: String = chars.by_ref().take(199).collect();
        while let Some(mark) =
            chars.next_if(|ch| unicode_normalization::char::is_combining_mark(*ch))
        {
            short.push(mark);
        }
        short.push('…');
        short
    } else {
        passage
    }
}

/// Anchors `quote` in `text`: exact match first, then the folded match of
/// schema/quotes.md (typographic quotes, dashes, ellipsis, white space,
/// NFC/NFD); `prefix`/`suffix` narrow the matches; `occurrence` (from 1)
/// picks one. The anchor is always the text's own bytes.
pub fn anchor_quote(
    text: &str,
    quote: &str,
    prefix: Option<&str>,
    suffix: Option<&str>,
    occurrence: Option<usize>,
) -> Result<Anchor, AnchorError> {
    if quote.trim().is_empty() {
        return Err(AnchorError::EmptyQuote);
    }
    let given_prefix = prefix.unwrap_or("");
    let given_suffix = suffix.unwrap_or("");
    // The quote as given, with its context as given, byte for byte; then
    // as people type it (schema/quotes.md): folded on both sides, context
    // with white space at the junction ignored.
    let mut matches = match_quote(text, quote, given_prefix, given_suffix);
    if matches.is_empty() {
        let folded = fold::fold(text);
        let everywhere = folded.find_all(&fold::fold_typed(quote));
        let (want_prefix, want_suffix) = (
            fold::fold_typed(given_prefix),
            fold::fold_typed(given_suffix),
        );
        matches = everywhere
            .iter()
            .filter(|(at, _)| {
                folded.preceded_by(at.start, &want_prefix)
                    && folded.followed_by(at.end, &want_suffix)
            })
            .map(|(_, original)| original.clone())
            .collect();
        if matches.is_empty() && !everywhere.is_empty() {
            return Err(AnchorError::ContextNotFound {
                found: everywhere.len(),
            });
        }
    }
    let range = match (matches.len(), occurrence) {
        (0, _) => {
            return Err(AnchorError::NotFound {
                closest: closest_passage(text, quote),
            })
        }
        (found, Some(wanted)) if wanted == 0 || wanted > found => {
            return Err(AnchorError::NoSuchOccurrence { wanted, found })
        }
        (_, Some(wanted)) => matches[wanted - 1].clone(),
        (1, None) => matches[0].clone(),
        (_, None) => {
            return Err(AnchorError::Ambiguous {
                places: matches
                    .into_iter()
                    .map(|range| place(text, range))
                    .collect(),
            })
        }
    };
    let (prefix, suffix) = describe(text, range.clone(), DescribeOptions::default());
    Ok(Anchor {
        exact: text[range.clone()].to_string(),
        prefix,
        suffix,
        range,
    })
}

/// What became of an anchor in a source's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorCheck {
    /// The exact bytes sit at the range, with the prefix before and suffix after.
    Holds,
    /// The bytes at the range differ from the quote.
    QuoteChanged,
    /// The quote is there but its context differs.
    ContextChanged,
    /// The range lies past the end of the source.
    OutOfRange,
}

/// Checks a stored anchor against a source's bytes, byte for byte.
pub fn check_anchor(
    bytes: &[u8],
    exact: &str,
    prefix: &str,
    suffix: &str,
    start: u64,
    end: u64,
) -> AnchorCheck {
    let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
        return AnchorCheck::OutOfRange;
    };
    if start > end || end > bytes.len() {
        return AnchorCheck::OutOfRange;
    }
    if &bytes[start..end] != exact.as_bytes() {
        return AnchorCheck::QuoteChanged;
    }
    if !bytes[..start].ends_with(prefix.as_bytes()) || !bytes[end..].starts_with(suffix.as_bytes())
    {
        return AnchorCheck::ContextChanged;
    }
    AnchorCheck::Holds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_quote_anchors_at_the_source_own_text() {
        // The source: a curly apostrophe, an en dash and a no-break space.
        let text = "In the court\u{2019}s view, 1992\u{2013}1994 saw 613\u{A0}deaths.";
        let anchor =
            anchor_quote(text, "court's view, 1992-1994", None, None, None).expect("typed");
        assert_eq!(anchor.exact, "court\u{2019}s view, 1992\u{2013}1994");
        assert_eq!(&text[anchor.range.clone()], anchor.exact);
        let anchor = anchor_quote(text, "613 deaths", None, None, None).expect("nbsp");
        assert_eq!(anchor.exact, "613\u{A0}deaths");
        // What is stored checks byte for byte, as every anchor does.
        assert_eq!(
            check_anchor(
                text.as_bytes(),
                &anchor.exact,
                &anchor.prefix,
                &anchor.suffix,
                anchor.range.start as u64,
                anchor.range.end as u64
            ),
            AnchorCheck::Holds
        );
    }

    #[test]
    fn context_tolerates_white_space_and_says_when_it_alone_failed() {
        let text = "to be or\nnot to be, or not";
        // "not" occurs twice; the context picks the first without the
        // source's line break typed exactly.
        let anchor = anchor_quote(text, "not", Some("be or"), Some("to be"), None).expect("first");
        assert_eq!(anchor.range, 9..12);
        // The quote is there, the context is not: said as such.
        assert_eq!(
            anchor_quote(text, "not", Some("maybe"), None, None),
            Err(AnchorError::ContextNotFound { found: 2 })
        );
        // A quote that is not there at all is still "not found".
        assert!(matches!(
            anchor_quote(text, "never", Some("be or"), None, None),
            Err(AnchorError::NotFound { .. })
        ));
    }

    #[test]
    fn the_closest_passage_is_not_cut_inside_an_accent() {
        // 66 × "ab " is 198 characters; the decomposed é is characters 199
        // and 200, where a passage over 200 characters is cut.
        let text = format!("{}e\u{301}tait la fin", "ab ".repeat(66));
        let passage = closest_passage(&text, &text);
        assert!(passage.ends_with("e\u{301}…"), "{passage:?}");
    }

    #[test]
    fn an_exact_match_is_taken_before_a_folded_one() {
        // Both the straight and the curly apostrophe are in the text; typed
        // straight, the straight one is meant.
        let text = "it\u{2019}s here; it's there";
        let anchor = anchor_quote(text, "it's", None, None, None).expect("exact");
        assert_eq!(anchor.exact, "it's");
    }

    #[test]
    fn describe_unique_agrees_with_describe_for_unique_quotes() {
        let text = "the court's decision of 22 April 2010 stands; see decision.";
        for quote in ["22 April 2010", "court's", "stands", "2010 stands;"] {
            let start = text.find(quote).expect("in text");
            assert_eq!(text.matches(quote).count(), 1);
            let range = start..start + quote.len();
            assert_eq!(
                describe_unique(text, range.clone()),
                describe(text, range, DescribeOptions::default()),
                "{quote}"
            );
        }
    }

    #[test]
    fn anchors_unique_quote_with_word_context() {
        let text = "To annotate or not to annotate";
        // "not" is also inside both "annotate"s: matching is by substring, as in W3C selectors.
        match anchor_quote(text, "not", None, None, None) {
            Err(AnchorError::Ambiguous { places }) => assert_eq!(places.len(), 3),
            other => panic!("expected ambiguity, got {other:?}"),
        }
        let anchor = anchor_quote(text, "not", None, None, Some(2)).expect("second");
        assert_eq!(anchor.range, 15..18);
        // The W3C case "add context to disambiguate" expects exactly this context.
        assert_eq!(
            (anchor.prefix.as_str(), anchor.suffix.as_str()),
            ("or ", " to")
        );
        let unique = anchor_quote(text, "or not to", None, None, None).expect("unique");
        assert_eq!(
            (
                unique.range.clone(),
                unique.prefix.as_str(),
                unique.suffix.as_str()
            ),
            (12..21, "", "")
        );
        let error = anchor_quote(text, "annotate", None, None, None).expect_err("twice");
        match error {
            AnchorError::Ambiguous { places } => {
                assert_eq!(
                    places.iter().map(|p| p.range.clone()).collect::<Vec<_>>(),
                    vec![3..11, 22..30]
                );
            }
            other => panic!("expected ambiguity, got {other:?}"),
        }
        let second = anchor_quote(text, "annotate", None, None, Some(2)).expect("second");
        assert_eq!(second.range, 22..30);
        assert_eq!(second.prefix, "to ");
        assert!(matches!(
            anchor_quote(text, "annotate", None, None, Some(3)),
            Err(AnchorError::NoSuchOccurrence {
                wanted: 3,
                found: 2
            })
        ));
    }

    #[test]
    fn anchors_across_line_breaks() {
        let text = "killed 613\ncivilians, among them";
        let anchor = anchor_quote(text, "613 civilians", None, None, None).expect("flexible");
        assert_eq!(anchor.exact, "613\ncivilians");
        assert_eq!(anchor.range, 7..20);
    }

    #[test]
    fn not_found_names_closest_passage() {
        let text = "The town had about 7,000 inhabitants before the war. Later many left.";
        match anchor_quote(text, "about 7,000 residents before", None, None, None) {
            // The quote has 5 words (7,000 is two: "7" and "000"); the best 5-word
            // window shares 4 of them: about, 7, 000, before.
            Err(AnchorError::NotFound { closest }) => {
                assert_eq!(closest, "about 7,000 inhabitants before")
            }
            other => panic!("expected NotFound, got {other:?}"),
        }
        assert_eq!(
            anchor_quote(text, "  ", None, None, None),
            Err(AnchorError::EmptyQuote)
        );
    }

    #[test]
    fn check_anchor_outcomes() {
        let bytes = b"a 613 b";
        assert_eq!(
            check_anchor(bytes, "613", "a ", " b", 2, 5),
            AnchorCheck::Holds
        );
        assert_eq!(
            check_anchor(bytes, "631", "a ", " b", 2, 5),
            AnchorCheck::QuoteChanged
        );
        assert_eq!(
            check_anchor(bytes, "613", "x ", " b", 2, 5),
            AnchorCheck::ContextChanged
        );
        assert_eq!(
            check_anchor(bytes, "613", "", "", 5, 9),
            AnchorCheck::OutOfRange
        );
    }

    #[test]
    fn context_line_marks_quote() {
        let text = "first line\nthe court ruled on 22 April 2010 in Strasbourg\nlast";
        let range = 30..43;
        assert_eq!(&text[range.clone()], "22 April 2010");
        assert_eq!(
            context_line(text, range, 60),
            "the court ruled on «22 April 2010» in Strasbourg"
        );
    }
}
