//! What a value allows: its extent, and whether two values can both hold.
//!
//! Every value covers a set of values: 613 only itself; "at least 600"
//! everything from 600 up; "about 7,000" everything within a tenth of 7,000;
//! "between 600 and 700" that interval; the month 1992-02 every day and time
//! in it. Two claims conflict only when their extents do not meet. The rules
//! are written down in `schema/values.md`; they read how values were stated
//! and never decide which is true.

use time::{Date, Month, PrimitiveDateTime, Time};

use crate::model::{Bound, Claim, Value, When};
use crate::text::normalize::identity_key;
use crate::text::stated::read_stated;

/// How two claims' values relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// Their extents meet: both can hold (equal, or one at a coarser
    /// precision or a bound that allows the other).
    Agree,
    /// Their extents do not meet: they cannot both hold.
    Conflict,
    /// They cannot be compared: different kinds of value, or quantities in
    /// different units.
    Incomparable,
}

/// One end of an interval: the point and whether it is included.
#[derive(Debug, Clone, Copy, PartialEq)]
struct End {
    at: f64,
    closed: bool,
}

/// An interval of numbers; an absent end is unbounded.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Interval {
    low: Option<End>,
    high: Option<End>,
}

impl Interval {
    fn closed(low: f64, high: f64) -> Interval {
        Interval {
            low: Some(End {
                at: low,
                closed: true,
            }),
            high: Some(End {
                at: high,
                closed: true,
            }),
        }
    }

    /// Applies a bound to the interval a value covers as stated; `upper` is
    /// the interval of a range's upper end.
    fn bounded(self, bound: Bound, upper: Option<Interval>, tolerance: f64) -> Interval {
        let open = |end: Option<End>| {
            end.map(|end| End {
                closed: false,
                ..end
            })
        };
        match bound {
            Bound::Exact => self,
            Bound::Approximate => Interval {
                low: self.low.map(|end| End {
                    at: end.at - tolerance,
                    closed: true,
                }),
                high: self.high.map(|end| End {
                    at: end.at + tolerance,
                    closed: true,
                }),
            },
            Bound::Nearly => Interval {
                low: self.low.map(|end| End {
                    at: end.at - tolerance,
                    closed: true,
                }),
                high: self.high,
            },
            Bound::AtLeast => Interval {
                low: self.low,
                high: None,
            },
            Bound::MoreThan => Interval {
                low: open(self.high),
                high: None,
            },
            Bound::AtMost => Interval {
                low: None,
                high: self.high,
            },
            Bound::LessThan => Interval {
                low: None,
                high: open(self.low),
            },
            Bound::Between => Interval {
                low: self.low,
                high: upper.map_or(self.high, |upper| upper.high),
            },
        }
    }

    /// True when the two intervals share a point.
    fn meets(&self, other: &Interval) -> bool {
        let low = later_low(self.low, other.low);
        let high = earlier_high(self.high, other.high);
        match (low, high) {
            (Some(low), Some(high)) => {
                low.at < high.at || (low.at == high.at && low.closed && high.closed)
            }
            _ => true,
        }
    }
}

fn later_low(a: Option<End>, b: Option<End>) -> Option<End> {
    match (a, b) {
        (Some(a), Some(b)) if a.at > b.at || (a.at == b.at && !a.closed) => Some(a),
        (Some(_), Some(b)) => Some(b),
        (a, None) => a,
        (None, b) => b,
    }
}

fn earlier_high(a: Option<End>, b: Option<End>) -> Option<End> {
    match (a, b) {
        (Some(a), Some(b)) if a.at < b.at || (a.at == b.at && !a.closed) => Some(a),
        (Some(_), Some(b)) => Some(b),
        (a, None) => a,
        (None, b) => b,
    }
}

/// What a value covers, ready to compare.
#[derive(Debug, Clone, PartialEq)]
enum Extent {
    /// Numbers; `unit` is a quantity's unit (identity key), `noun` what a count counts.
    Number {
        interval: Interval,
        unit: Option<String>,
        noun: Option<String>,
    },
    /// Times, in seconds on the clock as stated (zones set aside, so that a
    /// day covers the times written with it), or, when both are instants
    /// with offsets, in seconds since the epoch.
    Date {
        clock: Interval,
        instant: Option<Interval>,
    },
    /// Text, by identity key.
    Text(String),
}

/// How much of a value "about" allows either side of it: a tenth.
const APPROXIMATE: f64 = 10.0;

/// What "about" allows either side of `at`: a tenth of it, widened by one
/// part in 10^9 so that an end written in decimal ("about 0.3": 0.33) is not
/// lost to binary rounding (0.3 + 0.03 is 0.32999999999999996).
fn tolerance(at: f64) -> f64 {
    at.abs() / APPROXIMATE * (1.0 + 1e-9)
}

/// Seconds from 0000-01-01 on the clock to a date and time.
fn clock_seconds(at: PrimitiveDateTime) -> f64 {
    let days = at.date().to_julian_day() as f64;
    days * 86_400.0
        + at.time().as_hms().0 as f64 * 3600.0
        + at.time().as_hms().1 as f64 * 60.0
        + at.time().as_hms().2 as f64
        + f64::from(at.time().nanosecond()) / 1e9
}

/// The seconds a time as stated covers, on its own clock: from the start of
/// its first day up to (not including) the start of the day after its last;
/// a time of day is a point.
fn clock_span(when: &When) -> Interval {
    let day_start = |date: Date| clock_seconds(PrimitiveDateTime::new(date, Time::MIDNIGHT));
    let first = |year: i32, month: Month| Date::from_calendar_date(year, month, 1).ok();
    let last =
        |year: i32, month: Month| Date::from_calendar_date(year, month, month.length(year)).ok();
    let span = |start: Option<Date>, end: Option<Date>| match (start, end) {
        (Some(start), Some(end)) => Interval {
            low: Some(End {
                at: day_start(start),
                closed: true,
            }),
            high: Some(End {
                at: day_start(end) + 86_400.0,
                closed: false,
            }),
        },
        _ => Interval {
            low: None,
            high: None,
        },
    };
    match when {
        When::Year(year) => span(first(*year, Month::January), last(*year, Month::December)),
        When::Month(year, month) => span(first(*year, *month), last(*year, *month)),
        When::Day(date) => span(Some(*date), Some(*date)),
        When::Local(local) => {
            let at = clock_seconds(*local);
            Interval::closed(at, at)
        }
        When::Instant(instant) => {
            let at = clock_seconds(PrimitiveDateTime::new(instant.date(), instant.time()));
            Interval::closed(at, at)
        }
    }
}

/// The key a unit compares by: its identity key, with the spellings of a
/// share and of the currencies provdb reads signs for made one ("percent",
/// "per cent" and "%"; "$", "dollars" and "USD"), so that "16%" and
/// "16 percent" compare.
pub fn unit_key(unit: &str) -> String {
    let key = identity_key(unit);
    let same = match key.as_str() {
        "%" | "percent" | "per cent" | "pct" => "%",
        "$" | "us$" | "usd" | "dollar" | "dollars" | "us dollars" => "usd",
        "€" | "eur" | "euro" | "euros" => "eur",
        "£" | "gbp" => "gbp",
        "azn" | "manat" | "manats" => "azn",
        _ => return key,
    };
    same.to_string()
}

/// The extent of a claim's value with its bound.
fn extent(claim: &Claim) -> Extent {
    let qualifiers = &claim.qualifiers;
    let bound = qualifiers.bound;
    let noun_key = qualifiers.unit.as_deref().map(unit_key);
    match &claim.value {
        Value::Count { .. } | Value::Quantity { .. } => {
            let (at, unit, noun) = match &claim.value {
                Value::Count { count } => (*count as f64, None, noun_key),
                Value::Quantity { amount } => {
                    (amount.parse::<f64>().unwrap_or(f64::NAN), noun_key, None)
                }
                _ => unreachable!("matched above"),
            };
            let upper = qualifiers
                .upper
                .as_deref()
                .and_then(|upper| upper.parse::<f64>().ok())
                .map(|upper| Interval::closed(upper, upper));
            Extent::Number {
                interval: Interval::closed(at, at).bounded(bound, upper, tolerance(at)),
                unit,
                noun,
            }
        }
        Value::Date { date } => {
            let upper = qualifiers
                .upper
                .as_deref()
                .and_then(|upper| upper.parse::<When>().ok());
            let clock = clock_span(date).bounded(bound, upper.as_ref().map(clock_span), 0.0);
            let instant = match (date, bound) {
                (When::Instant(instant), Bound::Exact) => {
                    let at = instant.unix_timestamp_nanos() as f64 / 1e9;
                    Some(Interval::closed(at, at))
                }
                _ => None,
            };
            Extent::Date { clock, instant }
        }
        Value::Text { text } => {
            // Text that reads as a hedged number or date (a claim recorded
            // before hedges were read, e.g. "about 7,000") compares as one.
            if let Ok(stated) = read_stated(None, text, None) {
                if !matches!(stated.value, Value::Text { .. }) {
                    let mut read = claim.clone();
                    read.value = stated.value;
                    read.qualifiers.bound = stated.bound.unwrap_or(bound);
                    read.qualifiers.upper = stated.upper;
                    if read.qualifiers.unit.is_none() {
                        read.qualifiers.unit = stated.noun;
                    }
                    return extent(&read);
                }
            }
            Extent::Text(identity_key(text))
        }
    }
}

/// Returns how two claims' values relate. Their subjects, properties and
/// `as_of` are the caller's to match; what a count counts (its noun) does not
/// enter the comparison, a quantity's unit does.
pub fn relation(a: &Claim, b: &Claim) -> Relation {
    let verdict = |meets: bool| {
        if meets {
            Relation::Agree
        } else {
            Relation::Conflict
        }
    };
    match (extent(a), extent(b)) {
        (
            Extent::Number {
                interval: first,
                unit: first_unit,
                noun: first_noun,
            },
            Extent::Number {
                interval: second,
                unit: second_unit,
                noun: second_noun,
            },
        ) => {
            // A count beside a quantity compares only when the count's noun
            // is the quantity's unit.
            let comparable = match (&first_unit, &second_unit) {
                (None, None) => true,
                (Some(first), Some(second)) => first == second,
                (Some(unit), None) => second_noun.as_ref() == Some(unit),
                (None, Some(unit)) => first_noun.as_ref() == Some(unit),
            };
            if comparable {
                verdict(first.meets(&second))
            } else {
                Relation::Incomparable
            }
        }
        (
            Extent::Date {
                clock: first,
                instant: first_instant,
            },
            Extent::Date {
                clock: second,
                instant: second_instant,
            },
        ) => match (first_instant, second_instant) {
            (Some(first), Some(second)) => verdict(first.meets(&second)),
            _ => verdict(first.meets(&second)),
        },
        (Extent::Text(first), Extent::Text(second)) => verdict(first == second),
        _ => Relation::Incomparable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClaimId, Qualifiers};
    use crate::text::stated::read_stated;

    /// A claim read as `cite --value TEXT` would read it.
    fn claim(text: &str) -> Claim {
        let stated = read_stated(None, text, None).expect("value");
        Claim {
            id: ClaimId([0; 32]),
            subject: "Khojaly".into(),
            property: "p".into(),
            value: stated.value,
            qualifiers: Qualifiers {
                as_of: None,
                unit: stated.noun,
                bound: stated.bound.unwrap_or_default(),
                upper: stated.upper,
            },
        }
    }

    fn relate(a: &str, b: &str) -> Relation {
        let forward = relation(&claim(a), &claim(b));
        assert_eq!(
            forward,
            relation(&claim(b), &claim(a)),
            "{a} / {b}: symmetric"
        );
        forward
    }

    /// The cases of the issue that asked for extents, each worked by hand.
    #[test]
    fn the_false_conflicts_agree() {
        // Same number; "civilians" is what is counted, not a unit.
        assert_eq!(relate("613", "613 civilians"), Relation::Agree);
        // The day covers the time written on it.
        assert_eq!(relate("2024-05-28", "2024-05-28T19:43"), Relation::Agree);
        // The month covers its 26th day.
        assert_eq!(relate("1992-02", "1992-02-26"), Relation::Agree);
        assert_eq!(relate("February 1992", "26 February 1992"), Relation::Agree);
        // The day as written beside the offset: 28 May, whatever UTC says.
        assert_eq!(
            relate("2024-05-28", "2024-05-28T23:30:00-05:00"),
            Relation::Agree
        );
        // Two instants compare as instants: the same moment in two zones.
        assert_eq!(
            relate("2024-05-28T19:43:00+04:00", "2024-05-28T15:43:00Z"),
            Relation::Agree
        );
        // 613 >= 600.
        assert_eq!(relate("at least 600", "613"), Relation::Agree);
        // |7000 - 7000| <= 700.
        assert_eq!(relate("about 7,000", "7000"), Relation::Agree);
    }

    #[test]
    fn real_conflicts_stay() {
        // 485 < 600.
        assert_eq!(relate("at least 600", "485"), Relation::Conflict);
        assert_eq!(relate("613", "485"), Relation::Conflict);
        // 6,300..7,700 does not reach 5,000.
        assert_eq!(relate("about 7,000", "5,000"), Relation::Conflict);
        // 0.3 + 0.3/10 = 0.33 exactly, though not in binary floating point.
        assert_eq!(relate("about 0.3 km", "0.33 km"), Relation::Agree);
        assert_eq!(relate("about 0.3 km", "0.331 km"), Relation::Conflict);
        // 6,300 is the lowest "about 7,000" allows: 7000 - 700.
        assert_eq!(relate("about 7,000", "6300"), Relation::Agree);
        assert_eq!(relate("about 7,000", "6299"), Relation::Conflict);
        // "more than 600" excludes 600 itself; "at least" includes it.
        assert_eq!(relate("more than 600", "600"), Relation::Conflict);
        assert_eq!(relate("at least 600", "600"), Relation::Agree);
        assert_eq!(relate("up to 700", "701"), Relation::Conflict);
        assert_eq!(relate("fewer than 700", "699"), Relation::Agree);
        // 6,300 <= x <= 7,000 for "nearly 7,000".
        assert_eq!(relate("nearly 7,000", "7,100"), Relation::Conflict);
        assert_eq!(relate("nearly 7,000", "6,800"), Relation::Agree);
        assert_eq!(relate("between 600 and 700", "613"), Relation::Agree);
        assert_eq!(relate("600-700", "485"), Relation::Conflict);
        assert_eq!(relate("600-700", "at least 650"), Relation::Agree);
        assert_eq!(relate("1992-02", "1992-03-01"), Relation::Conflict);
        assert_eq!(relate("1992-02-29", "1992-03-01"), Relation::Conflict);
        assert_eq!(
            relate("2024-05-28T19:43:00+04:00", "2024-05-28T19:43:00Z"),
            Relation::Conflict
        );
        assert_eq!(relate("2010-04-22", "2010-04-21"), Relation::Conflict);
        assert_eq!(relate("Khojaly", "khojaly"), Relation::Agree);
        assert_eq!(relate("Khojaly", "Baku"), Relation::Conflict);
    }

    #[test]
    fn some_values_do_not_compare() {
        assert_eq!(relate("12.5 km", "12.5 miles"), Relation::Incomparable);
        assert_eq!(relate("12.5 km", "12.5 km"), Relation::Agree);
        // Units of measure make quantities, whole or not.
        assert_eq!(relate("12 km", "13 miles"), Relation::Incomparable);
        assert_eq!(relate("12 km", "13 km"), Relation::Conflict);
        // A count's noun is what it counts, so it does not stop a comparison.
        assert_eq!(relate("613 people", "613 civilians"), Relation::Agree);
        // 2 x 10^6 = 2,000,000; 613 >= 600.
        assert_eq!(relate("2 million", "2,000,000"), Relation::Agree);
        assert_eq!(relate("600 or more", "613"), Relation::Agree);
        assert_eq!(relate("600 or more", "485"), Relation::Conflict);
        assert_eq!(relate("613", "1992-02-26"), Relation::Incomparable);
        assert_eq!(relate("613", "Khojaly"), Relation::Incomparable);
    }

    #[test]
    fn text_recorded_before_hedges_were_read_compares_as_a_number() {
        let mut old = claim("7000");
        old.value = Value::Text {
            text: "about 7,000".into(),
        };
        assert_eq!(relation(&old, &claim("7,000")), Relation::Agree);
        assert_eq!(relation(&old, &claim("5,000")), Relation::Conflict);
    }
}
