//! Reading claim values from arguments, and checking that a quote states them.
//!
//! The check is deliberately literal: a count of 613 is stated by "613",
//! "six hundred and thirteen" or "613," but not by "about six hundred"; a date
//! of 22 April 2010 is stated only by a passage that names that day. It never
//! judges whether the value is right, only whether the quoted words say it.

use crate::model::{Value, ValueKind, When};
use crate::text::dates::{dates_in, looks_like_date, parse_when, tokenize, Token, WhenError};
use crate::text::normalize::{identity_key, tidy};

/// Why a value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The value is empty.
    #[error("the value is empty")]
    Empty,
    /// Not a count.
    #[error("cannot read {text:?} as a count; write a whole number such as 613, 1,275 or 1 275")]
    NotACount {
        /// The text given.
        text: String,
    },
    /// Not a number.
    #[error("cannot read {text:?} as a quantity; write a decimal number such as 12.5")]
    NotAQuantity {
        /// The text given.
        text: String,
    },
    /// A quantity without a unit.
    #[error("a quantity needs a unit")]
    QuantityWithoutUnit,
    /// A range whose upper end does not lie above its lower end.
    #[error("cannot read {text:?} as a range: its second end must be above its first; write it as 600-700")]
    RangeOrder {
        /// The text given.
        text: String,
    },
    /// Not a date.
    #[error(transparent)]
    NotADate(#[from] WhenError),
}

/// Small cardinal number words and their values.
fn small_number(word: &str) -> Option<u64> {
    let words = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    if let Some(index) = words.iter().position(|candidate| *candidate == word) {
        return Some(index as u64);
    }
    let tens = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    tens.iter()
        .position(|candidate| *candidate == word)
        .map(|index| (index as u64 + 2) * 10)
}

/// Reads a run of number words ("six hundred and thirteen", "sixty-three",
/// "a dozen" is not read) as one number; returns the value and the words used.
/// The words must make one number as English writes it: "five and six
/// hundred" is 5 (then another number), "three four" is 3, "two thousand
/// million" is 2,000; a scale comes only after a larger one.
pub(crate) fn number_words<S: AsRef<str>>(
    words: impl IntoIterator<Item = S>,
) -> Option<(u64, usize)> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Last {
        Nothing,
        Unit,
        Teen,
        Tens,
        Hundred,
        Scale,
    }
    let mut total: u64 = 0;
    let mut current: u64 = 0;
    let mut used = 0;
    let mut last = Last::Nothing;
    let mut last_scale = u64::MAX;
    // Words are taken one at a time, and none past the one it stops at:
    // a caller may hand it a long run of words lazily.
    for (index, word) in words.into_iter().enumerate() {
        let word = word.as_ref();
        if let Some(value) = small_number(word) {
            let kind = match value {
                0..=9 => Last::Unit,
                10..=19 => Last::Teen,
                _ => Last::Tens,
            };
            let fits = match kind {
                Last::Unit => matches!(
                    last,
                    Last::Nothing | Last::Tens | Last::Hundred | Last::Scale
                ),
                _ => matches!(last, Last::Nothing | Last::Hundred | Last::Scale),
            };
            // "zero" stands alone.
            if !fits || (value == 0 && last != Last::Nothing) || (last == Last::Unit && value == 0)
            {
                break;
            }
            current = current.checked_add(value)?;
            last = kind;
            used = index + 1;
        } else if word == "hundred"
            && matches!(last, Last::Unit | Last::Teen | Last::Tens)
            && current < 100
        {
            current = current.checked_mul(100)?;
            last = Last::Hundred;
            used = index + 1;
        } else if (word == "thousand" || word == "million")
            && !matches!(last, Last::Nothing | Last::Scale)
        {
            let scale: u64 = if word == "thousand" { 1_000 } else { 1_000_000 };
            if scale >= last_scale {
                break;
            }
            total = total.checked_add(current.max(1).checked_mul(scale)?)?;
            current = 0;
            last_scale = scale;
            last = Last::Scale;
            used = index + 1;
        } else if word == "and" && matches!(last, Last::Hundred | Last::Scale) {
            continue;
        } else {
            break;
        }
    }
    (last != Last::Nothing).then_some((total.checked_add(current)?, used))
}

/// Returns true if `text` is written only with digits and grouping separators.
fn parse_grouped_integer(text: &str) -> Option<u64> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let separators = [',', ' ', '\u{a0}', '\u{202f}', '\u{2009}', '_'];
    if trimmed.chars().all(|ch| ch.is_ascii_digit()) {
        return trimmed.parse().ok();
    }
    let groups: Vec<&str> = trimmed.split(|ch| separators.contains(&ch)).collect();
    let well_grouped = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|group| group.len() == 3)
        && groups
            .iter()
            .all(|group| group.chars().all(|ch| ch.is_ascii_digit()));
    if well_grouped {
        groups.concat().parse().ok()
    } else {
        None
    }
}

/// Returns a count read from an argument: digits with optional grouping, or number words.
pub fn parse_count(text: &str) -> Result<u64, ValueError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ValueError::Empty);
    }
    if let Some(count) = parse_grouped_integer(trimmed) {
        return Ok(count);
    }
    let words: Vec<String> = trimmed
        .to_lowercase()
        .split(|ch: char| ch.is_whitespace() || ch == '-')
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect();
    match number_words(&words) {
        Some((count, used)) if used == words.len() => Ok(count),
        _ => Err(ValueError::NotACount {
            text: text.to_string(),
        }),
    }
}

/// Returns the canonical decimal text of a quantity: optional sign, grouping
/// removed, no leading zeros, no trailing fractional zeros ("1,250.50" is "1250.5").
pub fn parse_quantity(text: &str) -> Result<String, ValueError> {
    let fail = || ValueError::NotAQuantity {
        text: text.to_string(),
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ValueError::Empty);
    }
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (unsigned, ""),
    };
    let whole_digits = if whole.is_empty() {
        String::from("0")
    } else {
        parse_grouped_integer(whole).ok_or_else(fail)?.to_string()
    };
    if !fraction.chars().all(|ch| ch.is_ascii_digit()) || (whole.is_empty() && fraction.is_empty())
    {
        return Err(fail());
    }
    Ok(canonical_decimal(negative, &whole_digits, fraction))
}

fn canonical_decimal(negative: bool, whole: &str, fraction: &str) -> String {
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let fraction = fraction.trim_end_matches('0');
    let mut out = String::new();
    if negative && !(whole == "0" && fraction.is_empty()) {
        out.push('-');
    }
    out.push_str(whole);
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// The languages (ISO 639-1, the first subtag of a language tag) whose
/// writers mark decimals with a comma and may group thousands with a dot
/// ("1.275", "12,5").
const COMMA_DECIMAL: &[&str] = &[
    "az", "bg", "ca", "cs", "da", "de", "el", "es", "et", "eu", "fi", "fr", "gl", "hr", "hu", "hy",
    "id", "is", "it", "ka", "kk", "lt", "lv", "mk", "nb", "nl", "nn", "no", "pl", "pt", "ro", "ru",
    "sk", "sl", "sq", "sr", "sv", "tr", "uk", "uz", "vi",
];

/// True when a language tag ("de", "de-AT", "az-Latn") names a language
/// written with decimal commas.
pub fn comma_decimal(tag: &str) -> bool {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    COMMA_DECIMAL.contains(&primary.as_str())
}

/// Rewrites numbers written with decimal commas in the form the rest of
/// this module reads: a dot between digits and followed by exactly three
/// digits groups thousands (becomes ','); a comma between digits is the
/// decimal mark (becomes '.'). Each mark is one byte both ways, so offsets
/// do not move. Dotted dates ("26.02.1992") are left as they are.
pub fn from_comma_decimal(text: &str) -> String {
    let bytes = text.as_bytes();
    let digit = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_digit);
    let mut out = bytes.to_vec();
    for (at, byte) in bytes.iter().enumerate() {
        if at == 0 || !digit(at - 1) || !digit(at + 1) {
            continue;
        }
        match byte {
            b'.' if (1..=3).all(|step| digit(at + step)) && !digit(at + 4) => out[at] = b',',
            b',' => out[at] = b'.',
            _ => {}
        }
    }
    // Only ASCII marks were swapped for ASCII marks.
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Returns the value an argument states. With no kind given, a whole number is
/// a count, a number with `unit` a quantity, a date form a date, and anything else text.
pub fn parse_value(
    kind: Option<ValueKind>,
    text: &str,
    unit: Option<&str>,
) -> Result<Value, ValueError> {
    if text.trim().is_empty() {
        return Err(ValueError::Empty);
    }
    let kind = match kind {
        Some(kind) => kind,
        None if unit.is_some() && parse_quantity(text).is_ok() => ValueKind::Quantity,
        None if parse_count(text).is_ok() => ValueKind::Count,
        None => match parse_when(text) {
            Ok(_) => ValueKind::Date,
            // Written as a date that cannot be read: say so, rather than
            // keep it as text the quote may not state.
            Err(error) if looks_like_date(text) => return Err(error.into()),
            Err(_) => ValueKind::Text,
        },
    };
    match kind {
        ValueKind::Count => Ok(Value::Count {
            count: parse_count(text)?,
        }),
        ValueKind::Quantity => {
            if unit.map(str::trim).unwrap_or("").is_empty() {
                return Err(ValueError::QuantityWithoutUnit);
            }
            Ok(Value::Quantity {
                amount: parse_quantity(text)?,
            })
        }
        ValueKind::Date => Ok(Value::Date {
            date: parse_when(text)?,
        }),
        ValueKind::Text => Ok(Value::Text { text: tidy(text) }),
    }
}

/// Returns every number a passage writes, as canonical decimal text. Grouped
/// digits ("1,275", "1 275") give the grouped number and, for space grouping,
/// the separate numbers too; runs of number words give their value.
pub fn numbers_in(text: &str) -> Vec<String> {
    numbers_at(&tokenize(text))
        .into_iter()
        .map(|(number, _)| number)
        .collect()
}

/// Returns every number the tokens write, as [`numbers_in`] does, each with
/// the index of its first token.
pub(crate) fn numbers_at(tokens: &[Token<'_>]) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        match &tokens[at] {
            Token::Digits(first) => {
                // A digit run glued to a letter or digit on its left is part of a word ("B52").
                let mut whole = first.to_string();
                let mut end = at + 1;
                let mut space_grouped = false;
                if first.len() <= 3 {
                    // Grouping: sep + exactly three digits, repeated.
                    while end + 1 < tokens.len() {
                        let separator_ok = match &tokens[end] {
                            Token::Mark(',')
                            | Token::Mark('\u{a0}')
                            | Token::Mark('\u{202f}')
                            | Token::Mark('\u{2009}') => true,
                            Token::Space => {
                                space_grouped = true;
                                true
                            }
                            _ => false,
                        };
                        match &tokens[end + 1] {
                            Token::Digits(group) if separator_ok && group.len() == 3 => {
                                whole.push_str(group);
                                end += 2;
                            }
                            _ => break,
                        }
                    }
                }
                // A decimal part: '.' followed by digits.
                let mut fraction = "";
                if let (Some(Token::Mark('.')), Some(Token::Digits(digits))) =
                    (tokens.get(end), tokens.get(end + 1))
                {
                    fraction = digits;
                    end += 2;
                }
                let negative = at > 0
                    && matches!(tokens[at - 1], Token::Mark('-') | Token::Mark('\u{2212}'))
                    && (at < 2 || !matches!(tokens[at - 2], Token::Digits(_) | Token::Word(_)));
                let number = canonical_decimal(negative, &whole, fraction);
                // "2 million": the number the scale word makes, as well.
                if let (Some(Token::Space), Some(Token::Word(word))) =
                    (tokens.get(end), tokens.get(end + 1))
                {
                    let lower = word.to_lowercase();
                    let scale = crate::text::stated::SCALES
                        .iter()
                        .find(|(name, _)| *name == lower);
                    if let Some(big) =
                        scale.and_then(|(_, power)| crate::text::stated::scaled(&number, *power))
                    {
                        found.push((big, at));
                    }
                }
                found.push((number, at));
                if space_grouped {
                    // "15 275" may be two numbers; offer each run alone as well.
                    let mut index = at;
                    while index < end {
                        if let Token::Digits(run) = &tokens[index] {
                            found.push((canonical_decimal(false, run, ""), index));
                        }
                        index += 1;
                    }
                }
                at = end;
            }
            Token::Word(_) => {
                // The run of words from here, read lazily: `number_words`
                // stops at the first word it cannot go on past, so a long
                // run of words costs its length, not its square.
                let words = tokens[at..]
                    .iter()
                    .take_while(|token| {
                        matches!(token, Token::Word(_) | Token::Space | Token::Mark('-'))
                    })
                    .filter_map(|token| match token {
                        Token::Word(word) => Some(word.to_lowercase()),
                        _ => None,
                    });
                match number_words(words) {
                    Some((value, used)) => {
                        found.push((value.to_string(), at));
                        // Skip the words used; find the token index after them.
                        let mut seen = 0;
                        let mut cursor = at;
                        while cursor < tokens.len() && seen < used {
                            if matches!(tokens[cursor], Token::Word(_)) {
                                seen += 1;
                            }
                            cursor += 1;
                        }
                        at = cursor;
                    }
                    None => at += 1,
                }
            }
            _ => at += 1,
        }
    }
    found
}

/// Returns true when `quote` states `value` in one of the forms listed in schema/values.md.
pub fn value_in_text(value: &Value, quote: &str) -> bool {
    match value {
        Value::Count { count } => numbers_in(quote)
            .iter()
            .any(|number| *number == count.to_string()),
        Value::Quantity { amount } => numbers_in(quote).iter().any(|number| number == amount),
        Value::Date { date } => dates_in(quote)
            .iter()
            .any(|stated| date_states(stated, date)),
        Value::Text { text } => identity_key(quote).contains(&identity_key(text)),
    }
}

/// Returns true when a date found in a passage states the claimed date at the claimed precision.
fn date_states(stated: &When, claimed: &When) -> bool {
    use crate::model::Precision;
    match claimed.precision() {
        Precision::Year => stated.year() == claimed.year(),
        Precision::Month => {
            stated.precision() >= Precision::Month
                && stated.year() == claimed.year()
                && stated.month() == claimed.month()
        }
        Precision::Day => stated.precision() >= Precision::Day && stated.date() == claimed.date(),
        Precision::Time => stated == claimed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_words_make_one_number_as_english_writes_it() {
        let read = |text: &str| {
            let words: Vec<String> = text.split([' ', '-']).map(str::to_string).collect();
            number_words(&words)
        };
        // Each expected value is the number an English reader takes.
        assert_eq!(read("six hundred and thirteen"), Some((613, 4)));
        assert_eq!(read("sixty three"), Some((63, 2)));
        assert_eq!(read("two thousand and five"), Some((2005, 4)));
        assert_eq!(
            read("one million two hundred thousand"),
            Some((1_200_000, 5))
        );
        assert_eq!(read("nineteen hundred"), Some((1900, 2)));
        // Two numbers side by side are not one.
        assert_eq!(read("five and six hundred"), Some((5, 1)));
        assert_eq!(read("three four"), Some((3, 1)));
        assert_eq!(read("two thousand million"), Some((2000, 2)));
        assert_eq!(read("twenty twenty"), Some((20, 1)));
        // Nothing overflows.
        assert_eq!(
            read("eighteen hundred hundred hundred million"),
            Some((1800, 2))
        );
        assert_eq!(read("and five"), None);
    }

    /// Number words are read from a run of words lazily, up to the word
    /// `number_words` stops at: what was read before, when every word of
    /// the run was gathered at each word (`gathered_whole`, the reading
    /// the lazy one must keep), for texts mixing words, number words, runs
    /// of "and" and numbers side by side. Runs of 20,000 plain words, and
    /// of 20,000 "one"s, are read once, not once a word.
    #[test]
    fn number_words_are_read_up_to_the_first_other_word() {
        fn gathered_whole(tokens: &[Token<'_>]) -> Vec<(String, usize)> {
            let mut found = Vec::new();
            let mut at = 0;
            while at < tokens.len() {
                if !matches!(tokens[at], Token::Word(_)) {
                    at += 1;
                    continue;
                }
                let mut words = Vec::new();
                for token in &tokens[at..] {
                    match token {
                        Token::Word(word) => words.push(word.to_lowercase()),
                        Token::Space | Token::Mark('-') => {}
                        _ => break,
                    }
                }
                match number_words(&words) {
                    Some((value, used)) => {
                        found.push((value.to_string(), at));
                        let mut seen = 0;
                        while at < tokens.len() && seen < used {
                            if matches!(tokens[at], Token::Word(_)) {
                                seen += 1;
                            }
                            at += 1;
                        }
                    }
                    None => at += 1,
                }
            }
            found
        }
        let texts = [
            "six hundred and thirteen civilians and seventy elderly",
            "Sixty-three children of one thousand two hundred seventy-five",
            "and five and six hundred and and one",
            "the toll was fifteen parliaments and sixteen states",
            "nineteen hundred hundred thousand million two",
            "a b c one d two three four e",
            "six hundred and and and thirteen",
            "one one one two-two zero zero",
        ];
        for text in texts {
            let tokens = crate::text::dates::tokenize(text);
            let words_only: Vec<_> = numbers_at(&tokens)
                .into_iter()
                .filter(|(_, at)| matches!(tokens[*at], Token::Word(_)))
                .collect();
            assert_eq!(words_only, gathered_whole(&tokens), "{text}");
        }
        let long = format!("{}six hundred and thirteen", "word ".repeat(20_000));
        assert_eq!(numbers_in(&long), vec!["613".to_string()]);
        let ones = "one ".repeat(20_000);
        assert_eq!(numbers_in(&ones).len(), 20_000);
    }

    #[test]
    fn counts_from_arguments() {
        let cases = [
            ("613", 613),
            ("1,275", 1275),
            ("1 275", 1275),
            ("7,000", 7000),
            ("1\u{a0}275", 1275),
            ("sixty-three", 63),
            ("six hundred and thirteen", 613),
            ("Fifteen", 15),
            ("one thousand two hundred seventy-five", 1275),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_count(text), Ok(expected), "{text}");
        }
        for text in ["1,27", "12,3456", "six and", "lots", "-3", "1.5"] {
            assert!(parse_count(text).is_err(), "{text} must be refused");
        }
    }

    #[test]
    fn quantities_are_canonical() {
        assert_eq!(parse_quantity("1,250.50").as_deref(), Ok("1250.5"));
        assert_eq!(parse_quantity("007").as_deref(), Ok("7"));
        assert_eq!(parse_quantity("-0.0").as_deref(), Ok("0"));
        assert_eq!(parse_quantity(".5").as_deref(), Ok("0.5"));
        assert!(parse_quantity("1.2.3").is_err());
        assert!(parse_quantity("abc").is_err());
    }

    #[test]
    fn kind_is_inferred() {
        assert_eq!(
            parse_value(None, "1,275", None).expect("count").kind(),
            ValueKind::Count
        );
        assert_eq!(
            parse_value(None, "22 April 2010", None)
                .expect("date")
                .kind(),
            ValueKind::Date
        );
        assert_eq!(
            parse_value(None, "12.5", Some("km"))
                .expect("quantity")
                .kind(),
            ValueKind::Quantity
        );
        assert_eq!(
            parse_value(None, "Khojaly", None).expect("text").kind(),
            ValueKind::Text
        );
        assert_eq!(
            parse_value(Some(ValueKind::Quantity), "12.5", None),
            Err(ValueError::QuantityWithoutUnit)
        );
    }

    #[test]
    fn counts_in_quotes() {
        let count = |n| Value::Count { count: n };
        assert!(value_in_text(&count(613), "613 civilians were killed"));
        assert!(value_in_text(&count(1275), "some 1,275 people were taken"));
        assert!(value_in_text(&count(1275), "some 1 275 people were taken"));
        assert!(value_in_text(&count(63), "among them sixty-three children"));
        assert!(value_in_text(&count(15), "parliaments of 15 countries"));
        assert!(
            value_in_text(&count(1992), "In 1992, 613 people"),
            "a year is a number too"
        );
        assert!(value_in_text(&count(613), "In 1992, 613 people"));
        assert!(
            !value_in_text(&count(15), "parliaments of 150 countries"),
            "15 is not in 150"
        );
        assert!(
            !value_in_text(&count(15), "a rate of 15.5 percent"),
            "15 is not 15.5"
        );
        assert!(
            !value_in_text(&count(631), "613 civilians"),
            "the transposition slip"
        );
        assert!(!value_in_text(&count(127), "some 1,275 people"));
        assert!(value_in_text(&count(2_000_000), "some 2 million people"));
        assert!(value_in_text(&count(2), "some 2 million people"));
    }

    #[test]
    fn dates_in_quotes() {
        let date = |text: &str| Value::Date {
            date: parse_when(text).expect("date"),
        };
        assert!(value_in_text(
            &date("2010-04-22"),
            "a decision dated 22 April 2010"
        ));
        assert!(value_in_text(
            &date("2010-04-22"),
            "on April 22, 2010, the court"
        ));
        assert!(value_in_text(&date("2010-04-22"), "decided 2010-04-22."));
        assert!(value_in_text(
            &date("1992-02-26"),
            "the night of Feb. 26, 1992"
        ));
        assert!(value_in_text(&date("1992-02"), "in February 1992"));
        assert!(value_in_text(&date("1992"), "in February 1992"));
        assert!(
            !value_in_text(&date("2010-04-22"), "in April 2010"),
            "a month does not state a day"
        );
        assert!(!value_in_text(&date("2010-04-21"), "dated 22 April 2010"));
    }

    /// The numeric and weekday forms, each day worked out by hand.
    #[test]
    fn dates_as_people_write_them() {
        let read = |text: &str| parse_value(None, text, None);
        let day = |text: &str| Value::Date {
            date: text.parse().expect("canonical"),
        };
        for (text, expected) in [
            ("26/02/1992", "1992-02-26"),
            ("26.02.1992", "1992-02-26"),
            ("26-02-1992", "1992-02-26"),
            ("02/26/1992", "1992-02-26"),
            ("2024/02/26", "2024-02-26"),
            ("03.04.1992", "1992-04-03"),
            ("04/04/1992", "1992-04-04"),
            // 26 February 2024 was a Monday (2024-01-01 was a Monday; +56 days).
            ("Monday, February 26, 2024", "2024-02-26"),
        ] {
            assert_eq!(read(text), Ok(day(expected)), "{text}");
        }
        let refused = |text: &str| match read(text) {
            Err(ValueError::NotADate(error)) => error.to_string(),
            other => panic!("{text}: {other:?}"),
        };
        let ambiguous = refused("03/04/1992");
        assert!(
            ambiguous.contains("1992-04-03 (day first) or 1992-03-04 (month first)"),
            "{ambiguous}"
        );
        assert!(refused("31/02/1992").contains("there is no such day"));
        assert!(refused("Tuesday, February 26, 2024").contains("was a Monday, not a Tuesday"));
        assert!(refused("February 30, 1992").contains("cannot read"));
        assert!(refused("1992-02-30").contains("not a valid calendar date"));
        // Text that merely mentions a date stays text.
        assert_eq!(
            read("the night of 26 February 1992").map(|v| v.kind()),
            Ok(ValueKind::Text)
        );
        // In a quote an ambiguous date states both days.
        assert!(value_in_text(&day("1992-04-03"), "dated 03/04/1992"));
        assert!(value_in_text(&day("1992-03-04"), "dated 03/04/1992"));
        assert!(value_in_text(
            &day("1992-02-26"),
            "am 26.02.1992 in Chodschali"
        ));
        assert!(!value_in_text(&day("1992-02-26"), "version 26.02.19"));
    }

    #[test]
    fn decimal_commas() {
        assert!(comma_decimal("de") && comma_decimal("az-Latn") && comma_decimal("FR"));
        assert!(!comma_decimal("en") && !comma_decimal("en-GB") && !comma_decimal(""));
        assert_eq!(from_comma_decimal("1.275 Bewohner"), "1,275 Bewohner");
        assert_eq!(from_comma_decimal("7.000"), "7,000");
        assert_eq!(from_comma_decimal("1.275.000,5"), "1,275,000.5");
        assert_eq!(from_comma_decimal("12,5 km"), "12.5 km");
        // A dotted date, a sentence's full stop and a four-digit group stay.
        assert_eq!(from_comma_decimal("am 26.02.1992."), "am 26.02.1992.");
        assert_eq!(from_comma_decimal("1.2750"), "1.2750");
        let count = |n| Value::Count { count: n };
        assert!(value_in_text(
            &count(1275),
            &from_comma_decimal("1.275 Bewohner")
        ));
        assert_eq!(
            parse_value(None, &from_comma_decimal("7.000"), None),
            Ok(count(7000))
        );
    }

    #[test]
    fn text_in_quotes() {
        let text = Value::Text {
            text: "European Court of Human Rights".into(),
        };
        assert!(value_in_text(
            &text,
            "the european  court of human rights ruled"
        ));
        assert!(!value_in_text(&text, "the court ruled"));
    }
}
