//! Points in time as a person stated them, with their precision kept.

use std::fmt;
use std::str::FromStr;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime};

/// How precisely a [`When`] was stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Only the year: "2024".
    Year,
    /// Year and month: "2024-02".
    Month,
    /// A calendar day: "2024-02-26".
    Day,
    /// A day and a time of day, with or without a known zone.
    Time,
}

/// A time as stated: a year, a month, a day, a local time whose zone is unknown,
/// or an instant with its stated UTC offset.
///
/// Its canonical text form is the only one stored: `2024`, `2024-02`,
/// `2024-02-26`, `2024-02-26T10:50:00` (no offset: zone unknown) or RFC 3339
/// with the offset as stated (`2024-02-26T10:50:00+04:00`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum When {
    /// A year.
    Year(i32),
    /// A month of a year.
    Month(i32, Month),
    /// A calendar day.
    Day(Date),
    /// A date and time whose zone was not stated.
    Local(PrimitiveDateTime),
    /// An instant with the UTC offset it was stated in.
    Instant(OffsetDateTime),
}

impl When {
    /// Returns how precisely this time was stated.
    pub fn precision(&self) -> Precision {
        match self {
            When::Year(_) => Precision::Year,
            When::Month(..) => Precision::Month,
            When::Day(_) => Precision::Day,
            When::Local(_) | When::Instant(_) => Precision::Time,
        }
    }

    /// Returns true when a time of day was stated without a zone.
    pub fn zone_unknown(&self) -> bool {
        matches!(self, When::Local(_))
    }

    /// Returns the calendar day, if one was stated.
    pub fn date(&self) -> Option<Date> {
        match self {
            When::Day(date) => Some(*date),
            When::Local(local) => Some(local.date()),
            When::Instant(instant) => Some(instant.date()),
            When::Year(_) | When::Month(..) => None,
        }
    }

    /// Returns the year.
    pub fn year(&self) -> i32 {
        match self {
            When::Year(year) | When::Month(year, _) => *year,
            When::Day(date) => date.year(),
            When::Local(local) => local.year(),
            When::Instant(instant) => instant.year(),
        }
    }

    /// Returns the first instant of the stated period, in UTC (a time of
    /// day with no zone counts as UTC).
    pub fn earliest_instant(&self) -> OffsetDateTime {
        let day = |date: Date| date.midnight().assume_utc();
        match self {
            When::Year(year) => Date::from_calendar_date(*year, Month::January, 1)
                .map_or(OffsetDateTime::UNIX_EPOCH, day),
            When::Month(year, month) => {
                Date::from_calendar_date(*year, *month, 1).map_or(OffsetDateTime::UNIX_EPOCH, day)
            }
            When::Day(date) => day(*date),
            When::Local(local) => local.assume_utc(),
            When::Instant(instant) => *instant,
        }
    }

    /// Returns the last instant of the stated period, in UTC: the end of the
    /// year, month or day (a time of day with no zone counts as UTC).
    pub fn latest_instant(&self) -> OffsetDateTime {
        let end_of = |date: Option<Date>| {
            date.map_or(OffsetDateTime::UNIX_EPOCH, |date| {
                date.midnight().assume_utc() - time::Duration::nanoseconds(1)
            })
        };
        let next_month = |year: i32, month: Month| {
            let (year, month) = if month == Month::December {
                (year + 1, Month::January)
            } else {
                (year, month.next())
            };
            Date::from_calendar_date(year, month, 1).ok()
        };
        match self {
            When::Year(year) => end_of(Date::from_calendar_date(year + 1, Month::January, 1).ok()),
            When::Month(year, month) => end_of(next_month(*year, *month)),
            When::Day(date) => end_of(date.next_day()),
            When::Local(local) => local.assume_utc(),
            When::Instant(instant) => *instant,
        }
    }

    /// Returns the month, if one was stated.
    pub fn month(&self) -> Option<Month> {
        match self {
            When::Year(_) => None,
            When::Month(_, month) => Some(*month),
            When::Day(date) => Some(date.month()),
            When::Local(local) => Some(local.month()),
            When::Instant(instant) => Some(instant.month()),
        }
    }
}

impl fmt::Display for When {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::Year(year) => write!(formatter, "{year:04}"),
            When::Month(year, month) => write!(formatter, "{year:04}-{:02}", u8::from(*month)),
            When::Day(date) => write!(
                formatter,
                "{:04}-{:02}-{:02}",
                date.year(),
                u8::from(date.month()),
                date.day()
            ),
            When::Local(local) => {
                let text = local
                    .format(format_description!(
                        "[year]-[month]-[day]T[hour]:[minute]:[second]"
                    ))
                    .map_err(|_| fmt::Error)?;
                formatter.write_str(&text)
            }
            When::Instant(instant) => {
                let text = instant.format(&Rfc3339).map_err(|_| fmt::Error)?;
                formatter.write_str(&text)
            }
        }
    }
}

impl fmt::Debug for When {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "When({self})")
    }
}

/// Why a string is not a canonical [`When`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a canonical time (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or RFC 3339)"
)]
pub struct ParseWhenError {
    /// The text that failed to parse.
    pub text: String,
}

impl FromStr for When {
    type Err = ParseWhenError;

    /// Parses the canonical forms only; lenient parsing of what people type lives in `dates`.
    fn from_str(text: &str) -> Result<When, ParseWhenError> {
        let fail = || ParseWhenError {
            text: text.to_string(),
        };
        let digits_at = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(range)?;
            if part.bytes().all(|byte| byte.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        match text.len() {
            4 => {
                let year = digits_at(0..4).ok_or_else(fail)?;
                Ok(When::Year(i32::try_from(year).map_err(|_| fail())?))
            }
            7 if text.as_bytes()[4] == b'-' => {
                let year = digits_at(0..4).ok_or_else(fail)?;
                let month = digits_at(5..7).ok_or_else(fail)?;
                let month = u8::try_from(month)
                    .ok()
                    .and_then(|m| Month::try_from(m).ok());
                Ok(When::Month(
                    i32::try_from(year).map_err(|_| fail())?,
                    month.ok_or_else(fail)?,
                ))
            }
            10 => Date::parse(text, format_description!("[year]-[month]-[day]"))
                .map(When::Day)
                .map_err(|_| fail()),
            19 => PrimitiveDateTime::parse(
                text,
                format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
            )
            .map(When::Local)
            .map_err(|_| fail()),
            _ => OffsetDateTime::parse(text, &Rfc3339)
                .map(When::Instant)
                .map_err(|_| fail()),
        }
    }
}

impl serde::Serialize for When {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for When {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<When, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_begin_and_end_in_utc() {
        let day: When = "2024-02-29".parse().expect("day");
        assert_eq!(
            day.earliest_instant().to_string(),
            "2024-02-29 0:00:00.0 +00:00:00"
        );
        assert_eq!(
            day.latest_instant().to_string(),
            "2024-02-29 23:59:59.999999999 +00:00:00"
        );
        let month: When = "2024-12".parse().expect("month");
        assert_eq!(
            month.latest_instant().to_string(),
            "2024-12-31 23:59:59.999999999 +00:00:00"
        );
        let instant: When = "2024-05-01T10:00:00+04:00".parse().expect("instant");
        assert_eq!(instant.latest_instant(), instant.earliest_instant());
    }

    #[test]
    fn canonical_forms_round_trip() {
        for text in [
            "1992",
            "1992-02",
            "1992-02-26",
            "2024-02-26T10:50:00",
            "2024-02-26T10:50:00+04:00",
            "2024-02-26T10:50:00.5Z",
        ] {
            let when: When = text.parse().expect("canonical form parses");
            assert_eq!(when.to_string(), text);
        }
    }

    #[test]
    fn rejects_non_canonical() {
        for text in [
            "92",
            "1992-2",
            "1992-02-30",
            "1992-13",
            "26 Feb 1992",
            "1992-02-26 10:50",
        ] {
            assert!(text.parse::<When>().is_err(), "{text} must be rejected");
        }
    }
}
