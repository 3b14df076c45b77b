//! Figures in a draft: every count, amount, percentage, quantity and date a
//! text states, with its place in the text, read the way `cite` reads a
//! value (hedges, ranges, scale words, units; schema/values.md).
//!
//! What counts as a figure, and what is left out (numbers glued to letters
//! such as "B52", ordinals, number words below ten), is listed in
//! schema/coverage.md. Nothing here compares a figure with anything: that is
//! `coverage`'s job.

use std::ops::Range;

use crate::model::{Bound, Value, When};
use crate::text::dates::{month_named, numeric_date_at, tokenize_spanned, written_date_at, Token};
use crate::text::stated::{scaled, Stated, HEDGES, SCALES, UNITS};
use crate::text::values::number_words;

/// What a figure states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureKind {
    /// A whole number of things.
    Count,
    /// An amount with a unit or a decimal part: money, lengths, "2.5".
    Quantity,
    /// A share: "16%", "15 percent".
    Percentage,
    /// A date, a month or a year.
    Date,
}

impl FigureKind {
    /// The word used in JSON and messages.
    pub fn name(self) -> &'static str {
        match self {
            FigureKind::Count => "count",
            FigureKind::Quantity => "quantity",
            FigureKind::Percentage => "percentage",
            FigureKind::Date => "date",
        }
    }
}

/// A figure found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// The bytes of the figure as written: the number with its currency
    /// sign, scale word, unit or percent sign, or the whole date; a range's
    /// both ends. A hedge before it is not included.
    pub range: Range<usize>,
    /// The hedge written right before it ("about", "more than"), as written.
    pub hedge: Option<Range<usize>>,
    /// What it states.
    pub kind: FigureKind,
    /// How it reads: one reading, or two for a numeric date that reads
    /// either way ("03/04/1992").
    pub readings: Vec<Stated>,
}

/// The units a currency sign before a number stands for.
fn currency(mark: char) -> Option<&'static str> {
    match mark {
        '$' => Some("usd"),
        '€' => Some("eur"),
        '£' => Some("gbp"),
        '₼' => Some("azn"),
        _ => None,
    }
}

/// True for the units that make a share.
pub fn is_percent_unit(unit: &str) -> bool {
    matches!(unit, "%" | "percent" | "per cent" | "pct")
}

/// The spaces that group thousands: one no-break, narrow no-break or thin space.
const GROUPING_SPACES: &[&str] = &["\u{a0}", "\u{202f}", "\u{2009}"];

/// A number as read at a token: its canonical decimal text, whether it was
/// grouped or had a decimal part, and the token after it.
struct Number {
    canonical: String,
    plain_digits: Option<u32>,
    end: usize,
}

/// Reads digits with thousands grouping (",", no-break and thin spaces) and
/// a decimal part at `at`, which holds digits.
fn number_at(tokens: &[Token<'_>], at: usize, spaces: &dyn Fn(usize) -> bool) -> Option<Number> {
    let Token::Digits(first) = tokens.get(at)? else {
        return None;
    };
    let mut whole = first.to_string();
    let mut end = at + 1;
    let mut grouped = false;
    if first.len() <= 3 {
        while end + 1 < tokens.len() {
            // A comma, or one no-break or thin space ("1\u{a0}275").
            let separator = match tokens[end] {
                Token::Mark(',') => true,
                Token::Space => spaces(end),
                _ => false,
            };
            match &tokens[end + 1] {
                Token::Digits(group) if separator && group.len() == 3 => {
                    // "1,275,": a group must not run on into more digits.
                    whole.push_str(group);
                    grouped = true;
                    end += 2;
                }
                _ => break,
            }
        }
    }
    let mut fraction = String::new();
    if let (Some(Token::Mark('.')), Some(Token::Digits(digits))) =
        (tokens.get(end), tokens.get(end + 1))
    {
        fraction = digits.to_string();
        end += 2;
    }
    let trimmed = whole.trim_start_matches('0');
    let whole_part = if trimmed.is_empty() { "0" } else { trimmed };
    let fraction_part = fraction.trim_end_matches('0');
    let canonical = if fraction_part.is_empty() {
        whole_part.to_string()
    } else {
        format!("{whole_part}.{fraction_part}")
    };
    let plain_digits = (!grouped && fraction.is_empty() && first.len() == 4)
        .then(|| first.parse().ok())
        .flatten();
    Some(Number {
        canonical,
        plain_digits,
        end,
    })
}

/// The lower-case word at a token, if it is one.
fn word_at(tokens: &[Token<'_>], at: usize) -> Option<String> {
    match tokens.get(at) {
        Some(Token::Word(word)) => Some(word.to_lowercase()),
        _ => None,
    }
}

/// The hedge ending right before token `at` (skipping one space): its bound
/// and the index of its first token.
fn hedge_before(tokens: &[Token<'_>], at: usize) -> Option<(Bound, usize)> {
    // Collect up to four words (or one sign) before the figure, nearest last.
    let mut words: Vec<(String, usize)> = Vec::new();
    let mut index = at;
    while index > 0 && words.len() < 4 {
        index -= 1;
        match &tokens[index] {
            Token::Space => {}
            Token::Word(word) => words.push((word.to_lowercase(), index)),
            Token::Mark(mark) if "~≈<>≤≥".contains(*mark) && words.is_empty() => {
                words.push((mark.to_string(), index));
                break;
            }
            _ => break,
        }
    }
    words.reverse();
    // The longest hedge that ends right there.
    let mut best: Option<(Bound, usize, usize)> = None;
    for (hedge, bound) in HEDGES {
        let parts: Vec<&str> = hedge.split(' ').collect();
        if parts.len() > words.len() {
            continue;
        }
        let tail = &words[words.len() - parts.len()..];
        if tail
            .iter()
            .zip(&parts)
            .all(|((word, _), part)| word == part)
            && best.is_none_or(|(_, _, length)| hedge.len() > length)
        {
            best = Some((*bound, tail[0].1, hedge.len()));
        }
    }
    best.map(|(bound, first, _)| (bound, first))
}

/// The unit written after token `end` (after one space, or glued for "%"
/// and signs): the unit's words and the token after it.
fn unit_after(tokens: &[Token<'_>], end: usize) -> Option<(String, usize)> {
    // Glued ("10km", "16%") or after one space ("10 km", "15 per cent", "5 %").
    let start = if tokens.get(end) == Some(&Token::Space) {
        end + 1
    } else {
        end
    };
    if let Some(Token::Mark('%')) = tokens.get(start) {
        return Some(("%".to_string(), start + 1));
    }
    let first = word_at(tokens, start)?;
    if let (Some(Token::Space), Some(second)) = (tokens.get(start + 1), word_at(tokens, start + 2))
    {
        let two = format!("{first} {second}");
        if UNITS.contains(&two.as_str()) {
            return Some((two, start + 3));
        }
        // A change of a share is in points, not a share: "0.3 percentage points".
        if first == "percentage" && (second == "point" || second == "points") {
            return Some(("percentage points".to_string(), start + 3));
        }
    }
    // A unit of one letter ("m", "l", "g") only glued or before a boundary.
    UNITS
        .contains(&first.as_str())
        .then_some((first, start + 1))
}

/// The scale word after a number ("2 million"): its power and the token after it.
fn scale_after(tokens: &[Token<'_>], end: usize) -> Option<(u32, usize)> {
    if tokens.get(end) != Some(&Token::Space) {
        return None;
    }
    let word = word_at(tokens, end + 1)?;
    SCALES
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, power)| (*power, end + 2))
}

/// A number with what follows it: scale, unit, currency.
struct Amount {
    value: Value,
    unit: Option<String>,
    kind: FigureKind,
    end: usize,
}

/// Reads an amount at `at` (digits), with `sign` the currency a sign before it gave.
fn amount_at(
    tokens: &[Token<'_>],
    at: usize,
    sign: Option<&str>,
    spaces: &dyn Fn(usize) -> bool,
) -> Option<(Amount, Number)> {
    let number = number_at(tokens, at, spaces)?;
    let mut end = number.end;
    let mut amount = number.canonical.clone();
    let mut scaled_up = false;
    if let Some((power, after)) = scale_after(tokens, end) {
        amount = scaled(&amount, power)?;
        end = after;
        scaled_up = true;
    }
    let mut unit = sign.map(str::to_string);
    if unit.is_none() {
        if let Some((found, after)) = unit_after(tokens, end) {
            unit = Some(if is_percent_unit(&found) {
                "%".to_string()
            } else {
                found
            });
            end = after;
        }
    }
    let kind = match unit.as_deref() {
        Some("%") => FigureKind::Percentage,
        Some(_) => FigureKind::Quantity,
        None if amount.contains('.') => FigureKind::Quantity,
        None => FigureKind::Count,
    };
    let value = match kind {
        FigureKind::Count => Value::Count {
            count: amount.parse().ok()?,
        },
        _ => Value::Quantity { amount },
    };
    let _ = scaled_up;
    Some((
        Amount {
            value,
            unit,
            kind,
            end,
        },
        number,
    ))
}

/// True when the token before `at` glues onto it as part of a word or code
/// ("B52", "a4"), so that no figure starts there.
fn glued_left(tokens: &[Token<'_>], at: usize) -> bool {
    at > 0 && matches!(tokens[at - 1], Token::Word(_) | Token::Digits(_))
}

/// The end of a range's upper figure after `end` ("–700", " to 700",
/// " and 700" after "between"): the upper amount.
fn range_after(
    tokens: &[Token<'_>],
    end: usize,
    between: bool,
    sign: Option<&str>,
    spaces: &dyn Fn(usize) -> bool,
) -> Option<Amount> {
    let mut cursor = end;
    let spaced = tokens.get(cursor) == Some(&Token::Space);
    if spaced {
        cursor += 1;
    }
    match tokens.get(cursor) {
        Some(Token::Mark('\u{2013}')) | Some(Token::Mark('\u{2014}')) => cursor += 1,
        Some(Token::Mark('-')) if !spaced => cursor += 1,
        Some(Token::Word(word)) if spaced => {
            let word = word.to_lowercase();
            if (between && word == "and") || (!between && word == "to") {
                cursor += 1;
                if tokens.get(cursor) != Some(&Token::Space) {
                    return None;
                }
            } else {
                return None;
            }
        }
        _ => return None,
    }
    if tokens.get(cursor) == Some(&Token::Space) {
        cursor += 1;
    }
    let mut sign = sign;
    if let Some(Token::Mark(mark)) = tokens.get(cursor) {
        if let Some(unit) = currency(*mark) {
            sign = Some(unit);
            cursor += 1;
        }
    }
    let (amount, _) = amount_at(tokens, cursor, sign, spaces)?;
    Some(amount)
}

/// Returns every figure the text states, in order, none overlapping.
pub fn figures_in(text: &str) -> Vec<Figure> {
    let (tokens, spans) = tokenize_spanned(text);
    let spaces = |index: usize| GROUPING_SPACES.contains(&&text[spans[index].clone()]);
    let mut found = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        let starts_word = matches!(tokens[at], Token::Word(_) | Token::Digits(_));
        if !starts_word || glued_left(&tokens, at) {
            at += 1;
            continue;
        }
        let hedge = hedge_before(&tokens, at);
        let hedge_range = hedge.map(|(_, first)| spans[first].start..spans[at - 1].end);
        let hedge_range = hedge_range.map(|range| {
            // The space between the hedge and the figure is not the hedge's.
            let trimmed = text[range.clone()].trim_end().len();
            range.start..range.start + trimmed
        });
        let bound = hedge.map(|(bound, _)| bound);
        // Dates first: "26/02/1992", "22 April 2010", "Feb. 26, 1992".
        if let Some(numeric) = numeric_date_at(&tokens, at) {
            let end = at + numeric.consumed;
            // A numeric date that names no day ("31/02/1992") is no figure.
            if !glued_right(&tokens, end) && !numeric.readings.is_empty() {
                found.push(Figure {
                    range: spans[at].start..spans[end - 1].end,
                    hedge: None,
                    kind: FigureKind::Date,
                    readings: numeric
                        .readings
                        .into_iter()
                        .map(|day| {
                            stated(
                                Value::Date {
                                    date: When::Day(day),
                                },
                                None,
                                None,
                                None,
                            )
                        })
                        .collect(),
                });
            }
            at = end;
            continue;
        }
        if let Some((when, consumed)) = written_date_at(&tokens, at) {
            let mut end = at + consumed;
            // A trailing '.' or ',' the reader took belongs to the sentence.
            while end > at + 1 && matches!(tokens[end - 1], Token::Mark(_) | Token::Space) {
                end -= 1;
            }
            found.push(Figure {
                range: spans[at].start..spans[end - 1].end,
                hedge: hedge_range.filter(|_| bound.is_some()),
                kind: FigureKind::Date,
                readings: vec![stated(Value::Date { date: when }, bound, None, None)],
            });
            at = end;
            continue;
        }
        if let Some(end) = day_and_month_at(&tokens, at) {
            // A day without its year ("28 February") names no date that
            // can be compared; it is a figure all the same, read as its text.
            let written = &text[spans[at].start..spans[end - 1].end];
            found.push(Figure {
                range: spans[at].start..spans[end - 1].end,
                hedge: None,
                kind: FigureKind::Date,
                readings: vec![stated(
                    Value::Text {
                        text: written.to_string(),
                    },
                    None,
                    None,
                    None,
                )],
            });
            at = end;
            continue;
        }
        match &tokens[at] {
            Token::Digits(_) => {
                // A currency sign right before: "$155 billion", "US$ 3".
                let mut start = spans[at].start;
                let mut sign = None;
                if at > 0 {
                    if let Token::Mark(mark) = tokens[at - 1] {
                        if let Some(unit) = currency(mark) {
                            sign = Some(unit);
                            start = spans[at - 1].start;
                        }
                    }
                }
                let hedge = if sign.is_some() {
                    hedge_before(&tokens, at - 1)
                } else {
                    hedge
                };
                let hedge_range = hedge.map(|(_, first)| {
                    let range = spans[first].start..start;
                    range.start..range.start + text[range.clone()].trim_end().len()
                });
                let bound = hedge.map(|(bound, _)| bound);
                let Some((amount, number)) = amount_at(&tokens, at, sign, &spaces) else {
                    // A number too large to be a count is no figure, and
                    // neither are its groups ("19,000,000,…,000").
                    at = number_at(&tokens, at, &spaces).map_or(at + 1, |number| number.end);
                    continue;
                };
                // Glued to letters on the right: an ordinal ("2nd"), a decade
                // ("1990s") or a code ("3D") is not a figure.
                if amount.unit.is_none() && glued_right(&tokens, number.end) {
                    at = skip_word(&tokens, number.end);
                    continue;
                }
                let between = at >= 2
                    && tokens[at - 1] == Token::Space
                    && word_at(&tokens, at - 2).as_deref() == Some("between");
                let from = at >= 2
                    && tokens[at - 1] == Token::Space
                    && word_at(&tokens, at - 2).as_deref() == Some("from");
                let range_end = if hedge.is_none() || between {
                    range_after(&tokens, amount.end, between, sign, &spaces)
                        .filter(|upper| upper.kind == amount.kind || amount.unit.is_none())
                } else {
                    None
                };
                let _ = from;
                if let Some(upper) = range_end {
                    let unit = amount.unit.clone().or(upper.unit.clone());
                    let kind = if upper.kind == FigureKind::Count {
                        amount.kind
                    } else {
                        upper.kind
                    };
                    let (low, high) = (retype(&amount.value, kind), retype(&upper.value, kind));
                    if above(&low, &high) {
                        found.push(Figure {
                            range: start..spans[upper.end - 1].end,
                            hedge: None,
                            kind,
                            readings: vec![stated(
                                low,
                                Some(Bound::Between),
                                Some(high.to_string()),
                                unit,
                            )],
                        });
                        at = upper.end;
                        continue;
                    }
                }
                // A bare four-digit number in the years people write is a year.
                let year = number
                    .plain_digits
                    .filter(|year| (1000..=2100).contains(year))
                    .filter(|_| {
                        amount.unit.is_none() && sign.is_none() && amount.end == number.end
                    });
                if let Some(year) = year {
                    found.push(Figure {
                        range: spans[at].start..spans[amount.end - 1].end,
                        hedge: hedge_range.filter(|_| bound.is_some()),
                        kind: FigureKind::Date,
                        readings: vec![stated(
                            Value::Date {
                                date: When::Year(year as i32),
                            },
                            bound,
                            None,
                            None,
                        )],
                    });
                    at = amount.end;
                    continue;
                }
                found.push(Figure {
                    range: start..spans[amount.end - 1].end,
                    hedge: hedge_range,
                    kind: amount.kind,
                    readings: vec![stated(amount.value, bound, None, amount.unit)],
                });
                at = amount.end;
            }
            Token::Word(_) => {
                // Number words: "sixty-three", "six hundred and thirteen".
                let mut words = Vec::new();
                let mut word_tokens = Vec::new();
                let mut index = at;
                // A run of number words is short; reading at most twelve
                // keeps a long run of words linear.
                while index < tokens.len() && words.len() < 12 {
                    match &tokens[index] {
                        Token::Word(word) => {
                            words.push(word.to_lowercase());
                            word_tokens.push(index);
                        }
                        Token::Space | Token::Mark('-') => {}
                        _ => break,
                    }
                    index += 1;
                }
                // "a thousand", "a dozen": one of the scale, or twelve.
                let read = match words.as_slice() {
                    [first, second, ..] if first == "a" => match second.as_str() {
                        "dozen" => Some((12, 2)),
                        "hundred" => Some((100, 2)),
                        "thousand" => Some((1_000, 2)),
                        "million" => Some((1_000_000, 2)),
                        "billion" => Some((1_000_000_000, 2)),
                        _ => None,
                    },
                    _ => number_words(&words),
                };
                match read {
                    Some((value, used)) if value >= 10 || used > 1 => {
                        let last = word_tokens[used - 1];
                        // "and" may end the run without being part of it.
                        let last = if words[used - 1] == "and" {
                            word_tokens[used - 2]
                        } else {
                            last
                        };
                        let mut end = last + 1;
                        let mut unit = None;
                        let mut kind = FigureKind::Count;
                        let mut amount = Value::Count { count: value };
                        if let Some((found_unit, after)) = unit_after(&tokens, end) {
                            // "ten years", "fifteen percent".
                            kind = if is_percent_unit(&found_unit) {
                                FigureKind::Percentage
                            } else {
                                FigureKind::Quantity
                            };
                            unit = Some(if kind == FigureKind::Percentage {
                                "%".to_string()
                            } else {
                                found_unit
                            });
                            amount = Value::Quantity {
                                amount: value.to_string(),
                            };
                            end = after;
                        }
                        found.push(Figure {
                            range: spans[at].start..spans[end - 1].end,
                            hedge: hedge_range,
                            kind,
                            readings: vec![stated(amount, bound, None, unit)],
                        });
                        at = end;
                    }
                    _ => at = skip_word(&tokens, at),
                }
            }
            _ => at += 1,
        }
    }
    found
}

/// A day and month written without a year at `at` ("28 February",
/// "February 28", "Feb. 28"): the token after it.
fn day_and_month_at(tokens: &[Token<'_>], at: usize) -> Option<usize> {
    let day = |index: usize| match tokens.get(index) {
        Some(Token::Digits(digits)) if digits.len() <= 2 => digits
            .parse::<u8>()
            .ok()
            .filter(|day| (1..=31).contains(day)),
        _ => None,
    };
    let month = |index: usize| match tokens.get(index) {
        Some(Token::Word(word)) => month_named(word),
        _ => None,
    };
    // "28 February", "28th of February".
    if day(at).is_some() {
        let mut cursor = at + 1;
        if matches!(
            word_at(tokens, cursor).as_deref(),
            Some("st" | "nd" | "rd" | "th")
        ) {
            cursor += 1;
        }
        if tokens.get(cursor) == Some(&Token::Space) && month(cursor + 1).is_some() {
            return Some(cursor + 2);
        }
        return None;
    }
    // "February 28", "Feb. 28", not followed by more digits.
    month(at)?;
    let mut cursor = at + 1;
    if tokens.get(cursor) == Some(&Token::Mark('.')) {
        cursor += 1;
    }
    if tokens.get(cursor) != Some(&Token::Space) || day(cursor + 1).is_none() {
        return None;
    }
    let end = cursor + 2;
    if matches!(tokens.get(end), Some(Token::Word(_) | Token::Digits(_))) {
        return None;
    }
    Some(end)
}

/// A figure's reading.
fn stated(
    value: Value,
    bound: Option<Bound>,
    upper: Option<String>,
    unit: Option<String>,
) -> Stated {
    Stated {
        value,
        bound,
        upper,
        noun: unit,
    }
}

/// A value of the kind a range's other end gave it.
fn retype(value: &Value, kind: FigureKind) -> Value {
    match (value, kind) {
        (Value::Count { count }, FigureKind::Quantity | FigureKind::Percentage) => {
            Value::Quantity {
                amount: count.to_string(),
            }
        }
        _ => value.clone(),
    }
}

/// True when `high` lies above `low`.
fn above(low: &Value, high: &Value) -> bool {
    let number = |value: &Value| match value {
        Value::Count { count } => Some(*count as f64),
        Value::Quantity { amount } => amount.parse::<f64>().ok(),
        _ => None,
    };
    matches!((number(low), number(high)), (Some(low), Some(high)) if high > low)
}

/// True when a word or digits follow right after `end` with no space.
fn glued_right(tokens: &[Token<'_>], end: usize) -> bool {
    matches!(tokens.get(end), Some(Token::Word(_) | Token::Digits(_)))
}

/// The token after the word run (letters and digits glued together) at `at`.
fn skip_word(tokens: &[Token<'_>], at: usize) -> usize {
    let mut index = at;
    while matches!(tokens.get(index), Some(Token::Word(_) | Token::Digits(_))) {
        index += 1;
    }
    index.max(at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A figure as (text written, kind, value, bound, upper, unit).
    type Read = (
        String,
        &'static str,
        String,
        Option<Bound>,
        Option<String>,
        Option<String>,
    );

    /// The figures of a text as (text written, kind, value, bound, upper, unit).
    fn read(text: &str) -> Vec<Read> {
        figures_in(text)
            .into_iter()
            .map(|figure| {
                let reading = &figure.readings[0];
                (
                    text[figure.range.clone()].to_string(),
                    figure.kind.name(),
                    reading.value.to_string(),
                    reading.bound,
                    reading.upper.clone(),
                    reading.noun.clone(),
                )
            })
            .collect()
    }

    fn one(text: &str) -> Read {
        let all = read(text);
        assert_eq!(all.len(), 1, "{text}: {all:?}");
        all.into_iter().next().expect("one figure")
    }

    #[test]
    fn counts_with_grouping_hedges_and_nouns() {
        // Each expected value is the number as a reader states it.
        assert_eq!(
            one("by this account 613 civilians were killed"),
            ("613".into(), "count", "613".into(), None, None, None)
        );
        assert_eq!(one("1,275 residents were taken captive").2, "1275");
        assert_eq!(
            one("a population of about 7,000.").3,
            Some(Bound::Approximate)
        );
        assert_eq!(one("a population of about 7,000.").0, "7,000");
        assert_eq!(one("just under 7,000 people").3, Some(Bound::Nearly));
        assert_eq!(one("more than 600 people").3, Some(Bound::MoreThan));
        assert_eq!(one("sixty-three children").2, "63");
        assert_eq!(one("six hundred and thirteen civilians").2, "613");
        // 2 × 10^6 and 155 × 10^9.
        assert_eq!(one("some 2 million people").2, "2000000");
        let money = one("gdp reached $155 billion in all");
        assert_eq!(
            (money.0.as_str(), money.1, money.2.as_str()),
            ("$155 billion", "quantity", "155000000000")
        );
        assert_eq!(money.5.as_deref(), Some("usd"));
    }

    #[test]
    fn percentages_quantities_and_ranges() {
        let share = one("over 16% of the world's population");
        assert_eq!(
            (share.0.as_str(), share.1, share.2.as_str(), share.3),
            ("16%", "percentage", "16", Some(Bound::MoreThan))
        );
        assert_eq!(one("a rate of 15.5 per cent").5.as_deref(), Some("%"));
        assert_eq!(one("a rate of 15.5 per cent").0, "15.5 per cent");
        assert_eq!(one("about 0.15% of gdp").2, "0.15");
        let length = one("a runway 12.5 km long");
        assert_eq!(
            (length.1, length.2.as_str(), length.5.as_deref()),
            ("quantity", "12.5", Some("km"))
        );
        let range = one("between 600 and 700 people");
        assert_eq!(
            (
                range.0.as_str(),
                range.2.as_str(),
                range.3,
                range.4.as_deref()
            ),
            ("600 and 700", "600", Some(Bound::Between), Some("700"))
        );
        assert_eq!(one("600–700 dead").4.as_deref(), Some("700"));
        // "700-600" is no range: its second end is lower; two counts.
        assert_eq!(read("700-600").len(), 2);
    }

    #[test]
    fn dates_and_years() {
        let decision = one("in a decision dated 22 April 2010.");
        assert_eq!(
            (decision.0.as_str(), decision.1, decision.2.as_str()),
            ("22 April 2010", "date", "2010-04-22")
        );
        assert_eq!(one("the night of Feb. 26, 1992, the town").2, "1992-02-26");
        assert_eq!(one("in February 1992").2, "1992-02");
        assert_eq!(one("since 1998 it has").2, "1998");
        assert_eq!(one("on 2010-04-22 the court").2, "2010-04-22");
        // 03/04/1992 reads as 3 April or 4 March: both readings are kept.
        let ambiguous = figures_in("on 03/04/1992 it");
        assert_eq!(ambiguous[0].readings.len(), 2);
    }

    #[test]
    fn words_for_numbers_and_days_without_years() {
        // 12 at more_than; 1,000; ten years is a duration, a quantity.
        let dozen = one("more than a dozen states");
        assert_eq!(
            (dozen.0.as_str(), dozen.2.as_str(), dozen.3),
            ("a dozen", "12", Some(Bound::MoreThan))
        );
        assert_eq!(one("over a thousand groups").2, "1000");
        let decade = one("over the past ten years");
        assert_eq!((decade.1, decade.5.as_deref()), ("quantity", Some("years")));
        let points = one("rose by 0.3 percentage points");
        assert_eq!(
            (points.0.as_str(), points.5.as_deref()),
            ("0.3 percentage points", Some("percentage points"))
        );
        // A day without its year is a date figure read as its text.
        let day = one("enumerated on 28 february.");
        assert_eq!(
            (day.0.as_str(), day.1, day.2.as_str()),
            ("28 february", "date", "28 february")
        );
        assert_eq!(one("from Feb. 9 onwards").0, "Feb. 9");
    }

    #[test]
    fn what_is_not_a_figure() {
        // Codes, ordinals, decades and small number words are not figures.
        assert!(
            read("the B52 and the 2nd and the 1990s and one or two things").is_empty(),
            "{:?}",
            read("the B52 and the 2nd and the 1990s and one or two")
        );
        // 4,000 is a count, not a year; 1,5 is not grouped (two counts).
        assert_eq!(one("4,000 people").1, "count");
    }

    #[test]
    fn ranges_are_byte_exact() {
        let text = "Résumé: 1\u{a0}275 — über 5 %";
        for figure in figures_in(text) {
            assert!(
                text.is_char_boundary(figure.range.start)
                    && text.is_char_boundary(figure.range.end)
            );
        }
        assert_eq!(read(text)[0].2, "1275");
        assert_eq!(read(text)[1].0, "5 %");
    }
}
