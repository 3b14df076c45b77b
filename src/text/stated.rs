//! Values as people write them: with a hedge ("at least 600", "about
//! 7,000"), as a range ("between 600 and 700", "600–700") or with what a
//! count counts ("1,275 people"); and the hedge a quote puts before the
//! number it states.
//!
//! The words read are listed in `schema/values.md`. Nothing here judges a
//! value; it only reads how it was stated.

use crate::model::{Bound, Value, ValueKind};
use crate::text::dates::{parse_when, tokenize, Token};
use crate::text::values::{numbers_at, parse_count, parse_quantity, parse_value, ValueError};

/// A value as an argument states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stated {
    /// The value (for a range, its lower end).
    pub value: Value,
    /// The hedge or bound the text gives; None when it gives none.
    pub bound: Option<Bound>,
    /// With a range: the upper end, in canonical text.
    pub upper: Option<String>,
    /// What a count counts, or a quantity's unit, when written after the number.
    pub noun: Option<String>,
}

/// The hedging words read before a value, longest first within each bound so
/// that "no more than" is not read as "more than".
pub(crate) const HEDGES: &[(&str, Bound)] = &[
    ("no fewer than", Bound::AtLeast),
    ("not fewer than", Bound::AtLeast),
    ("no less than", Bound::AtLeast),
    ("not less than", Bound::AtLeast),
    ("a minimum of", Bound::AtLeast),
    ("at least", Bound::AtLeast),
    ("no more than", Bound::AtMost),
    ("not more than", Bound::AtMost),
    ("a maximum of", Bound::AtMost),
    ("at most", Bound::AtMost),
    ("up to", Bound::AtMost),
    ("in excess of", Bound::MoreThan),
    ("upwards of", Bound::MoreThan),
    ("more than", Bound::MoreThan),
    ("over", Bound::MoreThan),
    ("above", Bound::MoreThan),
    ("fewer than", Bound::LessThan),
    ("less than", Bound::LessThan),
    ("under", Bound::LessThan),
    ("below", Bound::LessThan),
    ("just under", Bound::Nearly),
    ("close to", Bound::Nearly),
    ("nearly", Bound::Nearly),
    ("almost", Bound::Nearly),
    ("an estimated", Bound::Approximate),
    ("estimated", Bound::Approximate),
    ("approximately", Bound::Approximate),
    ("about", Bound::Approximate),
    ("around", Bound::Approximate),
    ("roughly", Bound::Approximate),
    ("some", Bound::Approximate),
    ("circa", Bound::Approximate),
    ("~", Bound::Approximate),
    ("≈", Bound::Approximate),
    ("≥", Bound::AtLeast),
    (">", Bound::MoreThan),
    ("≤", Bound::AtMost),
    ("<", Bound::LessThan),
];

/// Returns the hedge `text` starts with and the rest, when it starts with one
/// followed by a space (or, for a sign such as `~`, by anything).
fn strip_hedge(text: &str) -> Option<(Bound, &str)> {
    for (words, bound) in HEDGES {
        let Some(head) = text.get(..words.len()) else {
            continue;
        };
        if head.to_lowercase() != *words {
            continue;
        }
        let rest = &text[words.len()..];
        let sign = !words.chars().next().is_some_and(char::is_alphabetic);
        if sign || rest.starts_with(char::is_whitespace) {
            return Some((*bound, rest.trim_start()));
        }
    }
    None
}

/// Splits a range "between A and B", "from A to B", "A to B", "A–B" or "A-B"
/// into its two ends.
fn split_range(text: &str) -> Option<(&str, &str)> {
    let lower = text.to_lowercase();
    let cut = |prefix: &str, middle: &str| -> Option<(&str, &str)> {
        let rest = lower.strip_prefix(prefix)?;
        let at = rest.find(middle)?;
        let start = prefix.len();
        let mid = start + at;
        Some((
            text.get(start..mid)?.trim(),
            text.get(mid + middle.len()..)?.trim(),
        ))
    };
    if let Some(parts) = cut("between ", " and ").or_else(|| cut("from ", " to ")) {
        return Some(parts);
    }
    if let Some(parts) = cut("", " to ") {
        return Some(parts);
    }
    for dash in ['\u{2013}', '\u{2014}', '-'] {
        // A dash between two digits; a leading minus is a sign, not a range.
        let found = text.char_indices().skip(1).find(|&(at, ch)| {
            ch == dash
                && text[..at]
                    .trim_end()
                    .ends_with(|c: char| c.is_ascii_digit())
                && text[at + ch.len_utf8()..]
                    .trim_start()
                    .starts_with(|c: char| c.is_ascii_digit())
        });
        if let Some((at, ch)) = found {
            return Some((text[..at].trim(), text[at + ch.len_utf8()..].trim()));
        }
    }
    None
}

/// Scale words after a number: "2 million" is 2,000,000.
pub(crate) const SCALES: &[(&str, u32)] = &[
    ("hundred", 2),
    ("thousand", 3),
    ("million", 6),
    ("billion", 9),
];

/// Units of measure (lower case). A number followed by one is a quantity in
/// that unit ("12 km"), never a count of things called "km".
pub(crate) const UNITS: &[&str] = &[
    "mm",
    "cm",
    "m",
    "km",
    "metre",
    "metres",
    "meter",
    "meters",
    "kilometre",
    "kilometres",
    "kilometer",
    "kilometers",
    "mile",
    "miles",
    "mi",
    "ft",
    "foot",
    "feet",
    "yard",
    "yards",
    "inch",
    "inches",
    "ha",
    "hectare",
    "hectares",
    "acre",
    "acres",
    "km2",
    "km²",
    "m2",
    "m²",
    "g",
    "kg",
    "gram",
    "grams",
    "kilogram",
    "kilograms",
    "tonne",
    "tonnes",
    "ton",
    "tons",
    "lb",
    "lbs",
    "pound",
    "pounds",
    "l",
    "litre",
    "litres",
    "liter",
    "liters",
    "ml",
    "gallon",
    "gallons",
    "second",
    "seconds",
    "minute",
    "minutes",
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "%",
    "percent",
    "per cent",
    "usd",
    "eur",
    "azn",
    "dollar",
    "dollars",
    "euro",
    "euros",
    "manat",
    "manats",
    "rouble",
    "roubles",
    "ruble",
    "rubles",
    "°c",
    "°f",
];

/// Words that end a number's hedge rather than name what it counts:
/// "600 or more", "1,000 at least", "7,000 or so", "600 plus".
const SUFFIX_HEDGES: &[(&str, Bound)] = &[
    ("or more", Bound::AtLeast),
    ("or over", Bound::AtLeast),
    ("or above", Bound::AtLeast),
    ("at least", Bound::AtLeast),
    ("plus", Bound::AtLeast),
    ("+", Bound::AtLeast),
    ("or fewer", Bound::AtMost),
    ("or less", Bound::AtMost),
    ("at most", Bound::AtMost),
    ("or so", Bound::Approximate),
    ("or thereabouts", Bound::Approximate),
];

/// Returns the text without a hedge written after its number, and the hedge.
fn strip_suffix_hedge(text: &str) -> Option<(&str, Bound)> {
    let lower = text.to_lowercase();
    for (words, bound) in SUFFIX_HEDGES {
        if lower.len() != text.len() || !lower.ends_with(words) {
            continue;
        }
        let head = &text[..text.len() - words.len()];
        let joined = *words == "+" || head.ends_with(char::is_whitespace);
        if joined && head.trim_end().ends_with(|c: char| c.is_ascii_digit()) {
            return Some((head.trim_end(), *bound));
        }
    }
    None
}

/// Words that cannot start what a count counts: scale words, and the words
/// of a hedge or of more figures ("or", "at", "to", "of", "and").
fn not_a_noun(word: &str) -> bool {
    let lower = word.to_lowercase();
    SCALES.iter().any(|(scale, _)| *scale == lower)
        || [
            "or", "at", "and", "to", "of", "per", "in", "from", "plus", "out",
        ]
        .contains(&lower.as_str())
}

/// True for a noun written after a number: one to four words of letters
/// (with inner hyphens or apostrophes), e.g. "civilians", "people".
fn is_noun(words: &[&str]) -> bool {
    (1..=4).contains(&words.len())
        && !not_a_noun(words[0])
        && words.iter().all(|word| {
            word.chars().next().is_some_and(char::is_alphabetic)
                && word
                    .chars()
                    .all(|ch| ch.is_alphabetic() || ch == '-' || ch == '\'' || ch == '\u{2019}')
        })
}

/// True when the words after a number are a unit of measure.
fn is_unit(words: &[&str]) -> bool {
    !words.is_empty() && UNITS.contains(&words.join(" ").to_lowercase().as_str())
}

/// A canonical decimal times ten to the `power`, as canonical decimal text.
pub(crate) fn scaled(amount: &str, power: u32) -> Option<String> {
    let (negative, digits) = match amount.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, amount),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let power = power as usize;
    let (into_whole, left) = if fraction.len() > power {
        fraction.split_at(power)
    } else {
        (fraction, "")
    };
    let mut moved = String::from(whole);
    moved.push_str(into_whole);
    moved.push_str(&"0".repeat(power - into_whole.len()));
    let whole = moved.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(whole);
    if !left.is_empty() {
        out.push('.');
        out.push_str(left);
    }
    (out.len() <= 40).then_some(out)
}

/// Reads a number with an optional noun or unit after it; returns the value
/// and the noun or unit. A scale word multiplies ("2 million", "1.5 million").
fn number_with_noun(
    kind: Option<ValueKind>,
    text: &str,
) -> Option<Result<(Value, Option<String>), ValueError>> {
    let words: Vec<&str> = text.split_whitespace().collect();
    for cut in (1..=words.len()).rev() {
        let (number, mut rest) = words.split_at(cut);
        let number = number.join(" ");
        // "2 million people": the scale word belongs to the number.
        let mut power = 0;
        if let Some((_, scale)) = rest.first().and_then(|word| {
            let lower = word.to_lowercase();
            SCALES.iter().find(|(name, _)| *name == lower)
        }) {
            power = *scale;
            rest = &rest[1..];
        }
        let unit = is_unit(rest);
        if !rest.is_empty() && !is_noun(rest) && !unit {
            continue;
        }
        let noun = (!rest.is_empty()).then(|| rest.join(" "));
        let amount = if power > 0 {
            match parse_quantity(&number)
                .ok()
                .and_then(|amount| scaled(&amount, power))
            {
                Some(amount) => amount,
                None => continue,
            }
        } else {
            number.clone()
        };
        let quantity = || {
            parse_quantity(&amount)
                .ok()
                .map(|amount| Value::Quantity { amount })
        };
        let value = match kind {
            None if unit => quantity(),
            None | Some(ValueKind::Count) => match parse_count(&amount) {
                Ok(count) => Some(Value::Count { count }),
                Err(_) if kind.is_none() && noun.is_some() => quantity(),
                Err(_) => None,
            },
            Some(ValueKind::Quantity) => quantity(),
            Some(ValueKind::Date) | Some(ValueKind::Text) => None,
        };
        if let Some(value) = value {
            return Some(Ok((value, noun)));
        }
    }
    None
}

/// Reads one end of a hedged value or range.
fn read_end(
    kind: Option<ValueKind>,
    text: &str,
) -> Option<Result<(Value, Option<String>), ValueError>> {
    if let Some(found) = number_with_noun(kind, text) {
        return Some(found);
    }
    if matches!(kind, None | Some(ValueKind::Date)) {
        if let Ok(date) = parse_when(text) {
            return Some(Ok((Value::Date { date }, None)));
        }
    }
    None
}

/// Returns the canonical text of a value of the same kind as `like`, read from `text`.
fn upper_end(like: &Value, text: &str) -> Option<Value> {
    let kind = Some(like.kind());
    match read_end(kind, text)? {
        Ok((value, _)) => Some(value),
        Err(_) => None,
    }
}

/// Returns true when `upper` lies above `lower` (both of one kind).
fn above(lower: &Value, upper: &Value) -> bool {
    match (lower, upper) {
        (Value::Count { count: a }, Value::Count { count: b }) => b > a,
        (Value::Quantity { amount: a }, Value::Quantity { amount: b }) => {
            match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(a), Ok(b)) => b > a,
                _ => false,
            }
        }
        (Value::Date { date: a }, Value::Date { date: b }) => {
            b.earliest_instant() > a.latest_instant()
        }
        _ => false,
    }
}

/// Reads a value as a person writes it: plain ("613", "22 April 2010"), or
/// hedged, a range or with a noun. With `kind` Text, or text that is none of
/// these, the text is the value (as [`parse_value`] reads it).
pub fn read_stated(
    kind: Option<ValueKind>,
    text: &str,
    unit: Option<&str>,
) -> Result<Stated, ValueError> {
    let plain = parse_value(kind, text, unit);
    let plain_kept = match (&plain, kind) {
        (_, Some(ValueKind::Text)) => true,
        (Ok(Value::Text { .. }), None) => false,
        (Ok(_), _) => true,
        (Err(_), _) => false,
    };
    let stated = |value| Stated {
        value,
        bound: None,
        upper: None,
        noun: None,
    };
    if plain_kept {
        return plain.map(stated);
    }
    // "16%" is written glued; read it as "16 %", a quantity in percent.
    let spaced = space_percent(text.trim());
    let trimmed = spaced.as_str();
    let (bound, rest) = match strip_hedge(trimmed) {
        Some((bound, rest)) => (Some(bound), rest),
        None => match strip_suffix_hedge(trimmed) {
            Some((rest, bound)) => (Some(bound), rest),
            None => (None, trimmed),
        },
    };
    if bound.is_none() {
        if let Some((low, high)) = split_range(rest) {
            if let Some(Ok((value, low_noun))) = read_end(kind, low) {
                let (high_text, noun) = match number_with_noun(Some(value.kind()), high) {
                    Some(Ok((_, noun))) if low_noun.is_none() => {
                        let words: Vec<&str> = high.split_whitespace().collect();
                        let keep = words.len() - noun.as_ref().map_or(0, |n| n.split(' ').count());
                        (words[..keep].join(" "), noun)
                    }
                    _ => (high.to_string(), low_noun),
                };
                if let Some(upper) = upper_end(&value, &high_text) {
                    if !above(&value, &upper) {
                        return Err(ValueError::RangeOrder {
                            text: text.to_string(),
                        });
                    }
                    return Ok(Stated {
                        value,
                        bound: Some(Bound::Between),
                        upper: Some(upper.to_string()),
                        noun,
                    });
                }
            }
        }
    }
    match read_end(kind, rest) {
        Some(Ok((value, noun)))
            if bound.is_some() || noun.is_some() || plain.as_ref().ok() != Some(&value) =>
        {
            if let (Value::Quantity { .. }, None, None) = (&value, &noun, unit) {
                return Err(ValueError::QuantityWithoutUnit);
            }
            Ok(Stated {
                value,
                bound,
                upper: None,
                noun,
            })
        }
        Some(Err(error)) => Err(error),
        _ => plain.map(stated),
    }
}

/// Returns the text with a space between a digit and a percent sign after it.
fn space_percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    let mut previous = ' ';
    for ch in text.chars() {
        if ch == '%' && previous.is_ascii_digit() {
            out.push(' ');
        }
        out.push(ch);
        previous = ch;
    }
    out
}

/// Returns the hedge a quote puts before every place it states `value`, with
/// the words it used, e.g. (`Approximate`, "about") for "about 7,000 people"
/// and 7000. None when some statement of the value is plain, or the value is
/// not a number.
pub fn hedge_in_quote(value: &Value, quote: &str) -> Option<(Bound, String)> {
    let wanted = match value {
        Value::Count { count } => count.to_string(),
        Value::Quantity { amount } => amount.clone(),
        Value::Date { .. } | Value::Text { .. } => return None,
    };
    let tokens = tokenize(quote);
    let mut found: Option<(Bound, String)> = None;
    let mut any = false;
    for (number, start) in numbers_at(&tokens) {
        if number != wanted {
            continue;
        }
        any = true;
        // The words before the number, nearest last, up to four.
        let mut before: Vec<String> = Vec::new();
        let mut at = start;
        while at > 0 && before.len() < 4 {
            at -= 1;
            match &tokens[at] {
                Token::Space => {}
                Token::Word(word) => before.push(word.to_lowercase()),
                Token::Mark(mark) if "~≈<>≤≥".contains(*mark) => {
                    before.push(mark.to_string())
                }
                _ => break,
            }
        }
        before.reverse();
        // The hedge must stand right before the number, and the longest one
        // that does is read ("just under", not "under").
        let joined = before.join(" ");
        let hedge = HEDGES
            .iter()
            .filter(|(words, _)| {
                joined
                    .strip_suffix(words)
                    .is_some_and(|rest| rest.is_empty() || rest.ends_with(' '))
            })
            .max_by_key(|(words, _)| words.len());
        match (hedge, &found) {
            (None, _) => return None,
            (Some((words, bound)), None) => found = Some((*bound, words.to_string())),
            (Some((_, bound)), Some((seen, _))) if bound == seen => {}
            (Some(_), Some(_)) => return None,
        }
    }
    if any {
        found
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Stated {
        read_stated(None, text, None).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    fn count(n: u64) -> Value {
        Value::Count { count: n }
    }

    #[test]
    fn a_glued_percent_sign_is_a_unit() {
        // "over 15%" is 15 in percent, bounded below, as "over 15 percent" is.
        let read_glued = read("over 15%");
        assert_eq!(
            read_glued.value,
            Value::Quantity {
                amount: "15".into()
            }
        );
        assert_eq!(
            (read_glued.bound, read_glued.noun.as_deref()),
            (Some(Bound::MoreThan), Some("%"))
        );
        assert_eq!(
            read("0.15%").value,
            Value::Quantity {
                amount: "0.15".into()
            }
        );
        assert_eq!(read("15 percent").noun.as_deref(), Some("percent"));
    }

    #[test]
    fn hedges_are_read_from_the_value() {
        let cases = [
            ("at least 600", Bound::AtLeast, 600),
            ("At least 600", Bound::AtLeast, 600),
            ("more than 1,000", Bound::MoreThan, 1000),
            ("over 150", Bound::MoreThan, 150),
            ("up to 700", Bound::AtMost, 700),
            ("no more than 700", Bound::AtMost, 700),
            ("nearly 7,000", Bound::Nearly, 7000),
            ("about 7,000", Bound::Approximate, 7000),
            ("some 1 275", Bound::Approximate, 1275),
            ("roughly six hundred", Bound::Approximate, 600),
            ("~7000", Bound::Approximate, 7000),
            ("fewer than 20", Bound::LessThan, 20),
        ];
        for (text, bound, value) in cases {
            let stated = read(text);
            assert_eq!(stated.bound, Some(bound), "{text}");
            assert_eq!(stated.value, count(value), "{text}");
            assert_eq!(stated.noun, None, "{text}");
        }
    }

    #[test]
    fn plain_values_read_as_before() {
        for text in ["613", "1,275", "22 April 2010", "Khojaly", "the ECHR"] {
            assert_eq!(
                read(text).value,
                parse_value(None, text, None).expect("plain"),
                "{text}"
            );
            assert_eq!(read(text).bound, None, "{text}");
        }
        // A word that happens to start like a hedge is not one.
        assert_eq!(
            read("overseas").value,
            Value::Text {
                text: "overseas".into()
            }
        );
    }

    #[test]
    fn nouns_are_what_a_count_counts() {
        let stated = read("1,275 people");
        assert_eq!(stated.value, count(1275));
        assert_eq!(stated.noun.as_deref(), Some("people"));
        let stated = read("at least 613 civilians");
        assert_eq!(
            (stated.value, stated.bound, stated.noun.as_deref()),
            (count(613), Some(Bound::AtLeast), Some("civilians"))
        );
        let stated = read("12.5 km");
        assert_eq!(
            (stated.value, stated.noun.as_deref()),
            (
                Value::Quantity {
                    amount: "12.5".into()
                },
                Some("km")
            )
        );
        // Not a noun: figures after the number.
        assert_eq!(read("613 of 7000").value.kind(), ValueKind::Text);
        // A scale word is part of the number: 2 x 10^6, 1.5 x 10^6.
        assert_eq!(read("2 million").value, count(2_000_000));
        let stated = read("1.5 million people");
        assert_eq!(
            (stated.value, stated.noun.as_deref()),
            (count(1_500_000), Some("people"))
        );
        // A unit of measure makes a quantity, even of a whole number.
        let stated = read("12 km");
        assert_eq!(
            (stated.value, stated.noun.as_deref()),
            (
                Value::Quantity {
                    amount: "12".into()
                },
                Some("km")
            )
        );
    }

    #[test]
    fn hedges_after_the_number() {
        for (text, bound, value) in [
            ("600 or more", Bound::AtLeast, 600),
            ("1,000 at least", Bound::AtLeast, 1000),
            ("600+", Bound::AtLeast, 600),
            ("7,000 or so", Bound::Approximate, 7000),
            ("20 or fewer", Bound::AtMost, 20),
        ] {
            let stated = read(text);
            assert_eq!(
                (stated.value, stated.bound),
                (count(value), Some(bound)),
                "{text}"
            );
            assert_eq!(stated.noun, None, "{text}");
        }
    }

    #[test]
    fn ranges_have_two_ends() {
        for text in [
            "between 600 and 700",
            "600\u{2013}700",
            "600-700",
            "600 to 700",
            "from 600 to 700",
        ] {
            let stated = read(text);
            assert_eq!(stated.value, count(600), "{text}");
            assert_eq!(stated.bound, Some(Bound::Between), "{text}");
            assert_eq!(stated.upper.as_deref(), Some("700"), "{text}");
        }
        let stated = read("between 600 and 700 civilians");
        assert_eq!(stated.noun.as_deref(), Some("civilians"));
        assert_eq!(stated.upper.as_deref(), Some("700"));
        assert!(matches!(
            read_stated(None, "700-600", None),
            Err(ValueError::RangeOrder { .. })
        ));
        // A negative quantity is not a range.
        assert_eq!(
            read_stated(None, "-12.5", Some("m"))
                .expect("quantity")
                .bound,
            None
        );
    }

    #[test]
    fn hedges_are_read_from_the_quote() {
        assert_eq!(
            hedge_in_quote(&count(7000), "a town of about 7,000 people"),
            Some((Bound::Approximate, "about".into()))
        );
        assert_eq!(
            hedge_in_quote(&count(600), "at least 600 were killed"),
            Some((Bound::AtLeast, "at least".into()))
        );
        assert_eq!(
            hedge_in_quote(&count(700), "no more than 700 were"),
            Some((Bound::AtMost, "no more than".into())),
            "not read as 'more than'"
        );
        assert_eq!(
            hedge_in_quote(&count(613), "613 civilians were killed"),
            None
        );
        assert_eq!(
            hedge_in_quote(&count(613), "some 613, and 613 again"),
            None,
            "one statement is plain"
        );
        assert_eq!(
            hedge_in_quote(&count(7000), "the toll rose to 7,000"),
            None,
            "'to' is not a hedge"
        );
        assert_eq!(
            hedge_in_quote(&count(7000), "just under 7,000 people"),
            Some((Bound::Nearly, "just under".into())),
            "the longest hedge"
        );
        assert_eq!(
            hedge_in_quote(&count(613), "a report about the 613 victims"),
            None,
            "the hedge must stand right before the number"
        );
    }
}
