//! Claims: a subject, a property and a value, with qualifiers.

use std::fmt;

use super::ids::ClaimId;
use super::when::When;

/// The kinds of value a claim can state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    /// A whole number of things: "1,275" is 1275.
    Count,
    /// A decimal number with a unit.
    Quantity,
    /// A date or time with its precision.
    Date,
    /// Free text.
    Text,
}

/// A claim's value. Quantities keep their amount as canonical decimal text so
/// that identity never depends on floating point.
///
/// In JSON it is tagged by `kind` (`{"kind":"count","count":613}`); in the
/// index's bincode records, which cannot read tagged maps, it is a plain enum.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// A count.
    Count {
        /// The number counted.
        count: u64,
    },
    /// A quantity; its unit is the claim's `unit` qualifier.
    Quantity {
        /// Canonical decimal text: optional `-`, no leading zeros, no trailing fractional zeros.
        amount: String,
    },
    /// A date or time.
    Date {
        /// The time as stated.
        date: When,
    },
    /// Text, NFC-normalised with whitespace collapsed; case is kept.
    Text {
        /// The text.
        text: String,
    },
}

impl Value {
    /// Returns the kind of this value.
    pub fn kind(&self) -> ValueKind {
        match self {
            Value::Count { .. } => ValueKind::Count,
            Value::Quantity { .. } => ValueKind::Quantity,
            Value::Date { .. } => ValueKind::Date,
            Value::Text { .. } => ValueKind::Text,
        }
    }
}

/// The JSON form of a value.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum TaggedValue {
    Count { count: u64 },
    Quantity { amount: String },
    Date { date: When },
    Text { text: String },
}

/// The bincode form of a value.
#[derive(serde::Serialize, serde::Deserialize)]
enum PlainValue {
    Count(u64),
    Quantity(String),
    Date(When),
    Text(String),
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            let tagged = match self.clone() {
                Value::Count { count } => TaggedValue::Count { count },
                Value::Quantity { amount } => TaggedValue::Quantity { amount },
                Value::Date { date } => TaggedValue::Date { date },
                Value::Text { text } => TaggedValue::Text { text },
            };
            tagged.serialize(serializer)
        } else {
            let plain = match self.clone() {
                Value::Count { count } => PlainValue::Count(count),
                Value::Quantity { amount } => PlainValue::Quantity(amount),
                Value::Date { date } => PlainValue::Date(date),
                Value::Text { text } => PlainValue::Text(text),
            };
            plain.serialize(serializer)
        }
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        if deserializer.is_human_readable() {
            Ok(match TaggedValue::deserialize(deserializer)? {
                TaggedValue::Count { count } => Value::Count { count },
                TaggedValue::Quantity { amount } => Value::Quantity { amount },
                TaggedValue::Date { date } => Value::Date { date },
                TaggedValue::Text { text } => Value::Text { text },
            })
        } else {
            Ok(match PlainValue::deserialize(deserializer)? {
                PlainValue::Count(count) => Value::Count { count },
                PlainValue::Quantity(amount) => Value::Quantity { amount },
                PlainValue::Date(date) => Value::Date { date },
                PlainValue::Text(text) => Value::Text { text },
            })
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Count { count } => write!(formatter, "{count}"),
            Value::Quantity { amount } => formatter.write_str(amount),
            Value::Date { date } => write!(formatter, "{date}"),
            Value::Text { text } => formatter.write_str(text),
        }
    }
}

/// How the source bounds or hedges the value: exactly as stated, about it,
/// one side of it, or a range from it to `Qualifiers::upper`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The value as stated.
    #[default]
    Exact,
    /// "About", "some", "roughly", "an estimated".
    Approximate,
    /// "At least", "no fewer than".
    AtLeast,
    /// "More than", "over", "above".
    MoreThan,
    /// "Up to", "at most", "no more than".
    AtMost,
    /// "Fewer than", "less than", "under", "below".
    LessThan,
    /// "Nearly", "almost": a little under the value, or the value.
    Nearly,
    /// "Between 600 and 700", "600–700": from the value to `upper`.
    Between,
}

impl Bound {
    /// Every bound, in the order of the JSON schema's list.
    pub const ALL: [Bound; 8] = [
        Bound::Exact,
        Bound::Approximate,
        Bound::AtLeast,
        Bound::MoreThan,
        Bound::AtMost,
        Bound::LessThan,
        Bound::Nearly,
        Bound::Between,
    ];

    /// Returns the word used in JSON and messages.
    pub fn name(self) -> &'static str {
        match self {
            Bound::Exact => "exact",
            Bound::Approximate => "approximate",
            Bound::AtLeast => "at_least",
            Bound::MoreThan => "more_than",
            Bound::AtMost => "at_most",
            Bound::LessThan => "less_than",
            Bound::Nearly => "nearly",
            Bound::Between => "between",
        }
    }

    /// Returns the words put before the value when it is shown ("at least").
    pub fn words(self) -> &'static str {
        match self {
            Bound::Exact => "",
            Bound::Approximate => "about",
            Bound::AtLeast => "at least",
            Bound::MoreThan => "more than",
            Bound::AtMost => "at most",
            Bound::LessThan => "less than",
            Bound::Nearly => "nearly",
            Bound::Between => "between",
        }
    }
}

/// Optional qualifiers of a claim.
///
/// In JSON `upper` is left out when absent (so that journals written before
/// it read and hash as they did); in the index's bincode records every field
/// is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Qualifiers {
    /// When the value holds, e.g. a count "to date".
    pub as_of: Option<When>,
    /// The unit of a quantity, or what a count counts (its noun: "civilians").
    pub unit: Option<String>,
    /// How the source bounds or hedges the value.
    pub bound: Bound,
    /// With `Bound::Between`: the range's upper end, in the value's
    /// canonical text form ("700"); else None.
    pub upper: Option<String>,
}

/// The JSON form of qualifiers.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TaggedQualifiers {
    as_of: Option<When>,
    unit: Option<String>,
    bound: Bound,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upper: Option<String>,
}

/// The bincode form of qualifiers.
#[derive(serde::Serialize, serde::Deserialize)]
struct PlainQualifiers {
    as_of: Option<When>,
    unit: Option<String>,
    bound: Bound,
    upper: Option<String>,
}

impl serde::Serialize for Qualifiers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Qualifiers {
            as_of,
            unit,
            bound,
            upper,
        } = self.clone();
        if serializer.is_human_readable() {
            TaggedQualifiers {
                as_of,
                unit,
                bound,
                upper,
            }
            .serialize(serializer)
        } else {
            PlainQualifiers {
                as_of,
                unit,
                bound,
                upper,
            }
            .serialize(serializer)
        }
    }
}

impl<'de> serde::Deserialize<'de> for Qualifiers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Qualifiers, D::Error> {
        if deserializer.is_human_readable() {
            let TaggedQualifiers {
                as_of,
                unit,
                bound,
                upper,
            } = TaggedQualifiers::deserialize(deserializer)?;
            Ok(Qualifiers {
                as_of,
                unit,
                bound,
                upper,
            })
        } else {
            let PlainQualifiers {
                as_of,
                unit,
                bound,
                upper,
            } = PlainQualifiers::deserialize(deserializer)?;
            Ok(Qualifiers {
                as_of,
                unit,
                bound,
                upper,
            })
        }
    }
}

/// A claim as recorded: display forms of subject and property, the value and qualifiers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Claim {
    /// The claim's id, computed by `identity::claim_id`.
    pub id: ClaimId,
    /// The subject as first written, e.g. "Khojaly, 26 February 1992".
    pub subject: String,
    /// The property as first written, e.g. "civilians killed".
    pub property: String,
    /// The value.
    pub value: Value,
    /// The qualifiers.
    pub qualifiers: Qualifiers,
}

impl Claim {
    /// Returns the value as stated with its bound and noun or unit:
    /// "at least 600 civilians", "between 600 and 700", "12.5 km".
    pub fn stated_value(&self) -> String {
        let qualifiers = &self.qualifiers;
        let mut out = String::new();
        let words = qualifiers.bound.words();
        if !words.is_empty() {
            out.push_str(words);
            out.push(' ');
        }
        out.push_str(&self.value.to_string());
        if let (Bound::Between, Some(upper)) = (qualifiers.bound, &qualifiers.upper) {
            out.push_str(" and ");
            out.push_str(upper);
        }
        if let Some(unit) = &qualifiers.unit {
            out.push(' ');
            out.push_str(unit);
        }
        out
    }

    /// Returns the claim in one line: `subject · property = value (as of …)`,
    /// the value with its bound and noun or unit.
    pub fn line(&self) -> String {
        let tail = match &self.qualifiers.as_of {
            Some(as_of) => format!(" (as of {as_of})"),
            None => String::new(),
        };
        format!(
            "{} · {} = {}{}",
            self.subject,
            self.property,
            self.stated_value(),
            tail
        )
    }
}
