//! Reading times the way people write them, and finding dates in quotes.
//!
//! `parse_when` reads a whole argument (`--published`, `--as-of`, a date
//! value); `dates_in` finds every date a passage states, so that a date claim
//! can be checked against its quote. Neither decides which calendar a source
//! meant: only the Gregorian forms listed in schema/values.md are read.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::model::When;

/// Why a time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read {text:?} as a time: {why}; write it as 2024-02-26, 2024-02, 2024, \"Feb 26, 2024 10:50 AM\" or RFC 3339")]
pub struct WhenError {
    /// The text given.
    pub text: String,
    /// What was wrong.
    pub why: String,
}

/// A token of a passage: a run of letters, a run of digits, or one other character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    Word(&'a str),
    Digits(&'a str),
    Space,
    Mark(char),
}

/// Splits `text` into tokens, merging whitespace runs into one `Space`.
pub(crate) fn tokenize(text: &str) -> Vec<Token<'_>> {
    tokenize_spanned(text).0
}

/// Splits `text` into tokens as [`tokenize`] does, with each token's byte
/// range in `text`.
pub(crate) fn tokenize_spanned(text: &str) -> (Vec<Token<'_>>, Vec<std::ops::Range<usize>>) {
    let mut tokens = Vec::new();
    let mut spans = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, ch)) = chars.next() {
        let mut end = start + ch.len_utf8();
        if ch.is_alphabetic() {
            while let Some(&(index, next)) = chars.peek() {
                if !next.is_alphabetic() {
                    break;
                }
                end = index + next.len_utf8();
                chars.next();
            }
            tokens.push(Token::Word(&text[start..end]));
            spans.push(start..end);
        } else if ch.is_ascii_digit() {
            while let Some(&(index, next)) = chars.peek() {
                if !next.is_ascii_digit() {
                    break;
                }
                end = index + 1;
                chars.next();
            }
            tokens.push(Token::Digits(&text[start..end]));
            spans.push(start..end);
        } else if ch.is_whitespace() {
            while let Some(&(index, next)) = chars.peek() {
                if !next.is_whitespace() {
                    break;
                }
                end = index + next.len_utf8();
                chars.next();
            }
            tokens.push(Token::Space);
            spans.push(start..end);
        } else {
            tokens.push(Token::Mark(ch));
            spans.push(start..end);
        }
    }
    (tokens, spans)
}

/// Returns the month a word names, full or abbreviated ("Feb", "Sept").
pub(crate) fn month_named(word: &str) -> Option<Month> {
    let lower = word.to_lowercase();
    let months = [
        ("january", Month::January),
        ("february", Month::February),
        ("march", Month::March),
        ("april", Month::April),
        ("may", Month::May),
        ("june", Month::June),
        ("july", Month::July),
        ("august", Month::August),
        ("september", Month::September),
        ("october", Month::October),
        ("november", Month::November),
        ("december", Month::December),
    ];
    for (name, month) in months {
        if lower == name
            || (lower.len() >= 3 && lower.len() < name.len() && name.starts_with(&lower))
        {
            // Abbreviations: "jan", "feb", "sept", "sep"; not "ma" (too short).
            return Some(month);
        }
    }
    None
}

/// A cursor over tokens that skips nothing implicitly.
struct Cursor<'t, 'a> {
    tokens: &'t [Token<'a>],
    at: usize,
}

impl<'a> Cursor<'_, 'a> {
    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.at)
    }
    fn eat_space(&mut self) -> bool {
        if self.peek() == Some(&Token::Space) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn eat_mark(&mut self, mark: char) -> bool {
        if self.peek() == Some(&Token::Mark(mark)) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        if let Some(Token::Digits(text)) = self.peek() {
            if text.len() >= min && text.len() <= max {
                let value = text.parse().ok();
                self.at += 1;
                return value;
            }
        }
        None
    }
    fn word(&mut self) -> Option<&'a str> {
        if let Some(Token::Word(text)) = self.peek() {
            let text = *text;
            self.at += 1;
            return Some(text);
        }
        None
    }
    /// Reads a month name with an optional abbreviation dot.
    fn month(&mut self) -> Option<Month> {
        let save = self.at;
        let month = self.word().and_then(month_named);
        if month.is_none() {
            self.at = save;
            return None;
        }
        self.eat_mark('.');
        month
    }
    /// Reads a day of the month, with an optional ordinal suffix ("26th").
    fn day(&mut self) -> Option<u8> {
        let save = self.at;
        let day = self.digits(1, 2)?;
        if let Some(Token::Word(suffix)) = self.peek() {
            if ["st", "nd", "rd", "th"].contains(&suffix.to_lowercase().as_str()) {
                self.at += 1;
            }
        }
        match u8::try_from(day) {
            Ok(day) if (1..=31).contains(&day) => Some(day),
            _ => {
                self.at = save;
                None
            }
        }
    }
}

/// What a date pattern found: a date at some precision and optionally a time of day.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    when: When,
    consumed: usize,
}

fn make_day(year: u32, month: Month, day: u8) -> Option<Date> {
    Date::from_calendar_date(i32::try_from(year).ok()?, month, day).ok()
}

/// Reads a time of day after a date: "10:50", "10:50:30", "10:50 AM", "10.50 pm".
fn time_of_day(cursor: &mut Cursor<'_, '_>) -> Option<Time> {
    let save = cursor.at;
    let hour = cursor.digits(1, 2)?;
    if !(cursor.eat_mark(':')) {
        cursor.at = save;
        return None;
    }
    let Some(minute) = cursor.digits(2, 2) else {
        cursor.at = save;
        return None;
    };
    let mut second = 0;
    let after_minute = cursor.at;
    if cursor.eat_mark(':') {
        match cursor.digits(2, 2) {
            Some(value) => second = value,
            None => cursor.at = after_minute,
        }
    }
    let mut hour = hour;
    let before_meridiem = cursor.at;
    cursor.eat_space();
    let meridiem = cursor
        .word()
        .map(|word| word.to_lowercase().replace('.', ""));
    match meridiem.as_deref() {
        Some("am") | Some("pm") if (1..=12).contains(&hour) => {
            let pm = meridiem.as_deref() == Some("pm");
            hour = match (hour, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            };
        }
        Some("a") | Some("p") if (1..=12).contains(&hour) => {
            // "a.m." tokenises as a, '.', m, '.'.
            let pm = meridiem.as_deref() == Some("p");
            if cursor.eat_mark('.')
                && cursor.word().map(|w| w.eq_ignore_ascii_case("m")) == Some(true)
            {
                cursor.eat_mark('.');
                hour = match (hour, pm) {
                    (12, false) => 0,
                    (12, true) => 12,
                    (h, true) => h + 12,
                    (h, false) => h,
                };
            } else {
                cursor.at = before_meridiem;
            }
        }
        _ => cursor.at = before_meridiem,
    }
    Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()
}

/// What a numeric date at a place reads as: one day, two (an ambiguous
/// day and month, "03/04/1992"), or none (no such day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NumericDate {
    /// Every day it can name: one, or two when day and month may be swapped.
    pub readings: Vec<Date>,
    /// How many tokens it spans.
    pub consumed: usize,
}

/// Reads a numeric date at `at`: year first ("2024/02/26", "2024.02.26"),
/// or day, month and year with one separator twice ("26/02/1992",
/// "26.02.1992", "26-02-1992"). A dotted date is day first, as where it
/// is written; with '/' or '-' the day is first when the first number is
/// over 12, the month when the second is, and otherwise both readings hold.
pub(crate) fn numeric_date_at(tokens: &[Token<'_>], at: usize) -> Option<NumericDate> {
    let mut cursor = Cursor { tokens, at };
    let first_text = match cursor.peek() {
        Some(Token::Digits(text)) => *text,
        _ => return None,
    };
    let first = cursor.digits(1, 4)?;
    let separator = match cursor.peek() {
        Some(Token::Mark(mark)) if ['/', '.', '-'].contains(mark) => *mark,
        _ => return None,
    };
    cursor.at += 1;
    let second = cursor.digits(1, 2)?;
    if !cursor.eat_mark(separator) {
        return None;
    }
    let third_text = match cursor.peek() {
        Some(Token::Digits(text)) => *text,
        _ => return None,
    };
    let consumed = |cursor: &Cursor<'_, '_>| cursor.at + 1 - at;
    let month_of = |number: u32| {
        u8::try_from(number)
            .ok()
            .and_then(|m| Month::try_from(m).ok())
    };
    let day_of = |number: u32| u8::try_from(number).ok();
    let readings: Vec<Date> = if first_text.len() == 4 {
        // Year first; '-' is ISO's and read elsewhere.
        if separator == '-' || !(1..=2).contains(&third_text.len()) {
            return None;
        }
        let third: u32 = third_text.parse().ok()?;
        let reading = month_of(second)
            .zip(day_of(third))
            .and_then(|(month, day)| make_day(first, month, day));
        reading.into_iter().collect()
    } else if first_text.len() <= 2 && third_text.len() == 4 {
        let year: u32 = third_text.parse().ok()?;
        let day_first = month_of(second)
            .zip(day_of(first))
            .and_then(|(month, day)| make_day(year, month, day));
        let month_first = month_of(first)
            .zip(day_of(second))
            .and_then(|(month, day)| make_day(year, month, day));
        match (separator, day_first, month_first) {
            ('.', day_first, _) => day_first.into_iter().collect(),
            (_, Some(a), Some(b)) if a == b => vec![a],
            (_, a, b) => a.into_iter().chain(b).collect(),
        }
    } else {
        return None;
    };
    let consumed = consumed(&cursor);
    Some(NumericDate { readings, consumed })
}

/// A weekday's name, full or abbreviated to three letters or more.
fn weekday_named(word: &str) -> Option<time::Weekday> {
    use time::Weekday::*;
    let lower = word.to_lowercase();
    [
        ("monday", Monday),
        ("tuesday", Tuesday),
        ("wednesday", Wednesday),
        ("thursday", Thursday),
        ("friday", Friday),
        ("saturday", Saturday),
        ("sunday", Sunday),
    ]
    .into_iter()
    .find(|(name, _)| lower.len() >= 3 && name.starts_with(&lower))
    .map(|(_, day)| day)
}

/// Returns the weekday named at `at` ("Monday, ", "Mon. ") and the tokens
/// it spans up to the date after it.
fn weekday_at(tokens: &[Token<'_>], at: usize) -> Option<(time::Weekday, usize)> {
    let mut cursor = Cursor { tokens, at };
    let weekday = cursor.word().and_then(weekday_named)?;
    cursor.eat_mark('.');
    cursor.eat_mark(',');
    if !cursor.eat_space() {
        return None;
    }
    Some((weekday, cursor.at - at))
}

/// Reads a date written in words or ISO form at token `at` ("22 April 2010",
/// "Feb. 26, 1992", "February 1992", "2010-04-22"): the date at the
/// precision written and how many tokens it spans. Numeric dates with
/// separators are [`numeric_date_at`]'s; a bare year is not read here.
pub(crate) fn written_date_at(tokens: &[Token<'_>], at: usize) -> Option<(When, usize)> {
    date_at(tokens, at).map(|found| (found.when, found.consumed))
}

/// Tries every written date form at the cursor, longest first.
fn date_at(tokens: &[Token<'_>], at: usize) -> Option<Found> {
    let with_time = |cursor: &mut Cursor<'_, '_>, date: Date| -> When {
        let save = cursor.at;
        // "Feb 26, 2024 10:50 AM", "26 February 2024, 10:50", "26 February 2024 at 10:50".
        cursor.eat_mark(',');
        cursor.eat_space();
        if let Some(word) = cursor.word() {
            if !word.eq_ignore_ascii_case("at") {
                cursor.at = save;
                return When::Day(date);
            }
            cursor.eat_space();
        }
        match time_of_day(cursor) {
            Some(time) => When::Local(PrimitiveDateTime::new(date, time)),
            None => {
                cursor.at = save;
                When::Day(date)
            }
        }
    };

    // ISO: 2010-04-22, 2010-04.
    let mut cursor = Cursor { tokens, at };
    if let Some(year) = cursor.digits(4, 4) {
        if cursor.eat_mark('-') {
            if let Some(month) = cursor.digits(2, 2) {
                let month = u8::try_from(month)
                    .ok()
                    .and_then(|m| Month::try_from(m).ok());
                if let Some(month) = month {
                    let after_month = cursor.at;
                    if cursor.eat_mark('-') {
                        if let Some(day) = cursor.digits(2, 2) {
                            if let Some(date) = u8::try_from(day)
                                .ok()
                                .and_then(|d| make_day(year, month, d))
                            {
                                return Some(Found {
                                    when: When::Day(date),
                                    consumed: cursor.at - at,
                                });
                            }
                        }
                    }
                    cursor.at = after_month;
                    return Some(Found {
                        when: When::Month(i32::try_from(year).ok()?, month),
                        consumed: cursor.at - at,
                    });
                }
            }
        }
    }

    // Month D, YYYY: "April 22, 2010", "Feb. 26, 1992", "February 26th 1992".
    let mut cursor = Cursor { tokens, at };
    if let Some(month) = cursor.month() {
        let after_month = cursor.at;
        if cursor.eat_space() {
            let after_space = cursor.at;
            if let Some(day) = cursor.day() {
                cursor.eat_mark(',');
                if cursor.eat_space() {
                    if let Some(year) = cursor.digits(4, 4) {
                        if let Some(date) = make_day(year, month, day) {
                            let when = with_time(&mut cursor, date);
                            return Some(Found {
                                when,
                                consumed: cursor.at - at,
                            });
                        }
                    }
                }
            }
            // Month YYYY: "February 1992".
            cursor.at = after_space;
            if let Some(year) = cursor.digits(4, 4) {
                return Some(Found {
                    when: When::Month(i32::try_from(year).ok()?, month),
                    consumed: cursor.at - at,
                });
            }
        }
        let _ = after_month;
    }

    // D Month YYYY: "22 April 2010", "26th of February 1992".
    let mut cursor = Cursor { tokens, at };
    if let Some(day) = cursor.day() {
        if cursor.eat_space() {
            let save = cursor.at;
            if cursor.word().map(|w| w.eq_ignore_ascii_case("of")) == Some(true)
                && cursor.eat_space()
            {
            } else {
                cursor.at = save;
            }
            if let Some(month) = cursor.month() {
                cursor.eat_mark(',');
                if cursor.eat_space() {
                    if let Some(year) = cursor.digits(4, 4) {
                        if let Some(date) = make_day(year, month, day) {
                            let when = with_time(&mut cursor, date);
                            return Some(Found {
                                when,
                                consumed: cursor.at - at,
                            });
                        }
                    }
                }
            }
        }
    }
    None
}

/// Returns every date a passage states, at the precision it states it.
/// A bare four-digit number counts as a year.
pub fn dates_in(text: &str) -> Vec<When> {
    let tokens = tokenize(text);
    let mut found = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        if let Some(numeric) = numeric_date_at(&tokens, at) {
            // An ambiguous date states each day it can be read as.
            found.extend(numeric.readings.into_iter().map(When::Day));
            at += numeric.consumed;
            continue;
        }
        // A token that continues a word or number cannot start a date.
        if let Some(date) = date_at(&tokens, at) {
            found.push(date.when);
            at += date.consumed.max(1);
            continue;
        }
        if let Token::Digits(digits) = &tokens[at] {
            if digits.len() == 4 {
                if let Ok(year) = digits.parse::<i32>() {
                    found.push(When::Year(year));
                }
            }
        }
        at += 1;
    }
    found
}

/// True when `text` is written as a date, read or not: a numeric date
/// ("31/02/1992", "03/04/1992"), or only month or weekday names, "of",
/// ordinal suffixes and numbers including a four-digit year ("February 30,
/// 1992"). A value written so that provdb cannot read is an error, not text.
pub fn looks_like_date(text: &str) -> bool {
    let trimmed = text.trim();
    // ISO's shape with no real day in it ("1992-02-30").
    let iso = trimmed.len() >= 7
        && trimmed.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && trimmed.as_bytes()[4] == b'-'
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_digit() || b"-:T ".contains(&b));
    if iso {
        return true;
    }
    let tokens = tokenize(trimmed);
    if numeric_date_at(&tokens, 0).is_some_and(|numeric| numeric.consumed == tokens.len()) {
        return true;
    }
    let mut month = false;
    let mut year = false;
    let fits = tokens.iter().all(|token| match token {
        Token::Space | Token::Mark(',') | Token::Mark('.') => true,
        Token::Digits(digits) => {
            year |= digits.len() == 4;
            digits.len() <= 2 || digits.len() == 4
        }
        Token::Word(word) => {
            let named = month_named(word).is_some();
            month |= named;
            named
                || weekday_named(word).is_some()
                || ["of", "st", "nd", "rd", "th"].contains(&word.to_lowercase().as_str())
        }
        Token::Mark(_) => false,
    });
    fits && month && year
}

/// Reads a whole argument as a time: RFC 3339, an ISO date, a date and time
/// without a zone (kept as stated, zone unknown), "2024-02", "2024", or the
/// English forms "Feb 26, 2024 10:50 AM", "22 April 2010".
pub fn parse_when(text: &str) -> Result<When, WhenError> {
    let fail = |why: &str| WhenError {
        text: text.to_string(),
        why: why.to_string(),
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(fail("it is empty"));
    }
    if let Ok(when) = trimmed.parse::<When>() {
        return Ok(when);
    }
    if let Ok(instant) =
        OffsetDateTime::parse(trimmed, &time::format_description::well_known::Rfc3339)
    {
        return Ok(When::Instant(instant));
    }
    // The numeric forms below start with a year of four digits: `time`'s
    // `[year]` would also take a sign ("-2112-05-22 19:12"), a year no
    // canonical form writes.
    let year_first = trimmed.starts_with(|c: char| c.is_ascii_digit());
    // RFC 3339 but for an offset written without its colon ("+0200"), as
    // ISO 8601's basic format allows and publishers write.
    for format in [
        time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
        ),
        time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
        ),
    ] {
        if let Some(instant) = OffsetDateTime::parse(trimmed, format)
            .ok()
            .filter(|_| year_first)
        {
            return Ok(When::Instant(instant));
        }
    }
    // ISO date and time without a zone, with T or a space, with or without seconds.
    for format in [
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"),
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    ] {
        if let Ok(local) = PrimitiveDateTime::parse(trimmed, format) {
            if year_first {
                return Ok(When::Local(local));
            }
        }
    }
    let tokens = tokenize(trimmed);
    if let Some(numeric) = numeric_date_at(&tokens, 0).filter(|n| n.consumed == tokens.len()) {
        return match numeric.readings.as_slice() {
            [one] => Ok(When::Day(*one)),
            [] => Err(fail("there is no such day")),
            [first, second, ..] => Err(WhenError {
                text: text.to_string(),
                why: format!(
                    "it is ambiguous: {} (day first) or {} (month first)",
                    When::Day(*first),
                    When::Day(*second)
                ),
            }),
        };
    }
    // Numeric forms that reached here name no real day or time ("2010-02-30").
    if trimmed
        .bytes()
        .all(|b| b.is_ascii_digit() || b"-:T ".contains(&b))
    {
        return Err(fail("it is not a valid calendar date or time"));
    }
    // A weekday before the date ("Monday, February 26, 2024") must be the date's.
    if let Some((weekday, skip)) = weekday_at(&tokens, 0) {
        let rest = &tokens[skip..];
        return match date_at(rest, 0) {
            Some(found) if found.consumed == rest.len() => match found.when.date() {
                Some(date) if date.weekday() != weekday => Err(fail(&format!(
                    "{} was a {}, not a {weekday}",
                    When::Day(date),
                    date.weekday()
                ))),
                _ => Ok(found.when),
            },
            Some(_) => Err(fail("there is text after the date")),
            None => Err(fail("it is not a date form provdb reads")),
        };
    }
    match date_at(&tokens, 0) {
        Some(found) if found.consumed == tokens.len() => Ok(found.when),
        Some(_) => Err(fail("there is text after the date")),
        None => Err(fail("it is not a date form provdb reads")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzz target `dates`: a signed year was read as a local
    /// time whose canonical form does not parse back.
    #[test]
    fn a_signed_year_is_not_a_date() {
        for text in [
            "-2112-05-22 19:12",
            "+2112-05-22T19:12",
            "-2112-05-22T19:12:00+0200",
        ] {
            assert!(parse_when(text).is_err(), "{text}");
        }
        let when = parse_when("2112-05-22 19:12").expect("a local time");
        assert_eq!(when.to_string().parse::<When>().expect("parses back"), when);
    }

    fn when(text: &str) -> When {
        text.parse().expect("canonical")
    }

    #[test]
    fn parses_argument_forms() {
        let cases = [
            ("2010-04-22", "2010-04-22"),
            ("22 April 2010", "2010-04-22"),
            ("April 22, 2010", "2010-04-22"),
            ("Feb. 26, 1992", "1992-02-26"),
            ("26th February 1992", "1992-02-26"),
            ("1992-02", "1992-02"),
            ("February 1992", "1992-02"),
            ("1992", "1992"),
            ("Feb 26, 2024 10:50 AM", "2024-02-26T10:50:00"),
            ("Feb 26, 2024 12:05 AM", "2024-02-26T00:05:00"),
            ("May 3, 2024 1:15 p.m.", "2024-05-03T13:15:00"),
            ("2024-02-26 10:50", "2024-02-26T10:50:00"),
            ("2024-02-26T10:50:00+04:00", "2024-02-26T10:50:00+04:00"),
            ("2024-02-26T06:50:00Z", "2024-02-26T06:50:00Z"),
            ("2020-03-27T10:46:13+0200", "2020-03-27T10:46:13+02:00"),
            ("2020-06-23 20:02", "2020-06-23T20:02:00"),
            ("2020-08-31 17:22:16", "2020-08-31T17:22:16"),
        ];
        for (input, canonical) in cases {
            let parsed = parse_when(input).unwrap_or_else(|error| panic!("{input}: {error}"));
            assert_eq!(parsed.to_string(), canonical, "input {input}");
        }
        assert!(parse_when("Feb 26, 2024 10:50 AM")
            .expect("parses")
            .zone_unknown());
    }

    #[test]
    fn rejects_bad_arguments() {
        for input in [
            "",
            "yesterday",
            "2010-02-30",
            "31 February 2010",
            "2010-13",
            "April 22, 2010 and more",
        ] {
            assert!(parse_when(input).is_err(), "{input:?} must be refused");
        }
    }

    #[test]
    fn finds_dates_in_passages() {
        let found = dates_in(
            "On 22 April 2010 the court ruled; the events of Feb. 26, 1992 were examined.",
        );
        assert!(found.contains(&when("2010-04-22")));
        assert!(found.contains(&when("1992-02-26")));
        let found = dates_in("It was decided in 2010.");
        assert_eq!(found, vec![when("2010")]);
        let found = dates_in("Between February 1992 and 1993-03.");
        assert!(found.contains(&when("1992-02")));
        assert!(found.contains(&when("1993-03")));
    }
}
