//! Distinct newtypes for every 32-byte identity, made by one macro.

use std::fmt;
use std::str::FromStr;

/// The raw 32 bytes shared by every identity type.
pub type Id32 = [u8; 32];

/// Returns the lowercase hex digits of an id, on the stack (ids are
/// written millions of times when a journal is checked).
fn hex_digits(bytes: &Id32) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    out
}

/// Returns the lowercase hex form of an id.
fn to_hex(bytes: &Id32) -> String {
    hex_digits(bytes)
        .iter()
        .map(|digit| char::from(*digit))
        .collect()
}

/// Passes an id's hex form to `write` without allocating.
fn with_hex<T>(bytes: &Id32, write: impl FnOnce(&str) -> T) -> T {
    let digits = hex_digits(bytes);
    // Only ASCII digits were written, so the bytes are always UTF-8.
    let text = std::str::from_utf8(&digits).unwrap_or_default();
    write(text)
}

/// Reads an id from its hex form without copying the text first.
struct HexVisitor<T>(fn(Id32) -> T);

impl<T> serde::de::Visitor<'_> for HexVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        parse_hex32(text).map(self.0).map_err(E::custom)
    }
}

/// Why a string is not a full 64-character hex id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a 64-character lowercase hex id")]
pub struct ParseIdError {
    /// The text that failed to parse.
    pub text: String,
}

/// Parses exactly 64 hex characters into 32 bytes.
fn parse_hex32(text: &str) -> Result<Id32, ParseIdError> {
    let fail = || ParseIdError {
        text: text.to_string(),
    };
    if text.len() != 64 {
        return Err(fail());
    }
    // Every id of every journal line passes here (verify reads millions):
    // one table lookup per digit, and one test of them all at the end.
    let digits = text.as_bytes();
    let mut out = [0u8; 32];
    let mut seen = 0u8;
    for (index, byte) in out.iter_mut().enumerate() {
        let high = HEX_DIGITS[usize::from(digits[2 * index])];
        let low = HEX_DIGITS[usize::from(digits[2 * index + 1])];
        seen |= high | low;
        *byte = (high << 4) | (low & 0x0f);
    }
    if seen > 0x0f {
        return Err(fail());
    }
    Ok(out)
}

/// Not a lowercase hex digit, in `HEX_DIGITS`: above 0x0f, so that an or
/// of lookups is above it when any digit was not one.
const NOT_HEX: u8 = 0xff;

/// Each byte's value as a lowercase hex digit, or `NOT_HEX`.
const HEX_DIGITS: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut digit = 0;
    while digit < 16 {
        table[b"0123456789abcdef"[digit] as usize] = digit as u8;
        digit += 1;
    }
    table
};

/// Returns the value of one lowercase hex digit.
pub fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

/// The kinds of record an id can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdKind {
    /// A source: the BLAKE3 hash of its bytes.
    Source,
    /// A claim: the BLAKE3 hash of its canonical JSON.
    Claim,
    /// A citation: the BLAKE3 hash of its canonical JSON.
    Citation,
}

impl IdKind {
    /// Returns the word used for this kind in messages and JSON.
    pub fn name(self) -> &'static str {
        match self {
            IdKind::Source => "source",
            IdKind::Claim => "claim",
            IdKind::Citation => "citation",
        }
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub Id32);

        impl $name {
            /// Returns the 64-character lowercase hex form.
            pub fn to_hex(&self) -> String {
                to_hex(&self.0)
            }

            /// Returns the 64 lowercase hex digits as bytes, without allocating.
            pub fn hex_digits(&self) -> [u8; 64] {
                hex_digits(&self.0)
            }

            /// Returns the 12-character form used in lists.
            pub fn short(&self) -> String {
                let mut hex = self.to_hex();
                hex.truncate(12);
                hex
            }

            /// Returns the raw bytes.
            pub fn as_bytes(&self) -> &Id32 {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                with_hex(&self.0, |hex| formatter.write_str(hex))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(formatter, "{}({})", stringify!($name), self.to_hex())
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(text: &str) -> Result<Self, ParseIdError> {
                parse_hex32(text).map($name)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                if serializer.is_human_readable() {
                    with_hex(&self.0, |hex| serializer.serialize_str(hex))
                } else {
                    serializer.serialize_bytes(&self.0)
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                if deserializer.is_human_readable() {
                    deserializer.deserialize_str(HexVisitor($name))
                } else {
                    let bytes: Vec<u8> = serde::Deserialize::deserialize(deserializer)?;
                    let array: Id32 = bytes
                        .as_slice()
                        .try_into()
                        .map_err(|_| serde::de::Error::invalid_length(bytes.len(), &"32 bytes"))?;
                    Ok($name(array))
                }
            }
        }
    };
}

id_type!(
    /// A source's identity: the plain BLAKE3 hash of its bytes, as `b3sum` prints it.
    SourceId
);
id_type!(
    /// A claim's identity: the BLAKE3 hash of its canonical JSON.
    ClaimId
);
id_type!(
    /// A citation's identity: the BLAKE3 hash of its canonical JSON.
    CitationId
);
id_type!(
    /// A journal entry's hash: the BLAKE3 hash of its line's exact bytes, newline included.
    EntryHash
);

impl EntryHash {
    /// Returns the link the first journal entry points to: 32 zero bytes.
    pub fn genesis() -> EntryHash {
        EntryHash([0u8; 32])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_rejects() {
        let id = SourceId([0xab; 32]);
        assert_eq!(id.to_hex(), "ab".repeat(32));
        assert_eq!(id.short(), "abababababab");
        assert_eq!(id.to_hex().parse::<SourceId>(), Ok(id));
        assert!(
            "AB".repeat(32).parse::<SourceId>().is_err(),
            "uppercase is not canonical"
        );
        assert!("ab".repeat(31).parse::<SourceId>().is_err());
        assert!(format!("{}g", "a".repeat(63)).parse::<SourceId>().is_err());
    }

    #[test]
    fn every_byte_value_reads_back_and_only_lowercase_hex_digits_pass() {
        // Expectation from the standard library's formatter and char tests.
        for value in 0..=255u8 {
            let text = format!("{value:02x}").repeat(32);
            assert_eq!(text.parse::<SourceId>(), Ok(SourceId([value; 32])));
        }
        for byte in 0..=127u8 {
            let digit = byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte);
            for place in [0, 1, 31, 62, 63] {
                let mut text = vec![b'0'; 64];
                text[place] = byte;
                let text = String::from_utf8(text).expect("ASCII");
                assert_eq!(
                    text.parse::<SourceId>().is_ok(),
                    digit,
                    "byte {byte:#04x} at {place}"
                );
            }
        }
    }
}
