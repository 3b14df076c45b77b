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

/// Whether a value is exact, approximate, or a lower bound.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The value as stated.
    #[default]
    Exact,
    /// "About", "some", "nearly".
    Approximate,
    /// "At least", "more than".
    AtLeast,
}

impl Bound {
    /// Returns the word used in JSON and messages.
    pub fn name(self) -> &'static str {
        match self {
            Bound::Exact => "exact",
            Bound::Approximate => "approximate",
            Bound::AtLeast => "at_least",
        }
    }
}

/// Optional qualifiers of a claim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Qualifiers {
    /// When the value holds, e.g. a count "to date".
    pub as_of: Option<When>,
    /// The unit of a quantity, or what a count counts.
    pub unit: Option<String>,
    /// Exact, approximate or a lower bound.
    pub bound: Bound,
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
    /// Returns the claim in one line: `subject · property = value (qualifiers)`.
    pub fn line(&self) -> String {
        let mut qualifiers = Vec::new();
        match self.qualifiers.bound {
            Bound::Exact => {}
            Bound::Approximate => qualifiers.push("approximate".to_string()),
            Bound::AtLeast => qualifiers.push("at least".to_string()),
        }
        if let Some(unit) = &self.qualifiers.unit {
            qualifiers.push(format!("unit {unit}"));
        }
        if let Some(as_of) = &self.qualifiers.as_of {
            qualifiers.push(format!("as of {as_of}"));
        }
        let tail = if qualifiers.is_empty() {
            String::new()
        } else {
            format!(" ({})", qualifiers.join(", "))
        };
        format!(
            "{} · {} = {}{}",
            self.subject, self.property, self.value, tail
        )
    }
}
