//! The one place that uses bincode: index records in and out.
//!
//! Every record is one format-version byte followed by bincode 2.0.1 with the
//! standard configuration and a size limit. Decoding rejects an unknown
//! version, trailing bytes, and anything over the limit. bincode is pinned and
//! unmaintained; keeping it here means replacing it touches one file (see
//! ARCHITECTURE.md).

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The format version byte that starts every index record.
pub const RECORD_VERSION: u8 = 10;

/// The largest record the index will decode.
pub const RECORD_LIMIT: usize = 4 * 1024 * 1024;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<RECORD_LIMIT>()
}

/// Why a record could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The record is empty.
    #[error("record is empty")]
    Empty,
    /// The version byte is not one this build reads.
    #[error("record has format version {found}, this build reads version {RECORD_VERSION}")]
    Version {
        /// The version byte found.
        found: u8,
    },
    /// Bytes remain after the record.
    #[error("record has {extra} trailing bytes")]
    Trailing {
        /// How many bytes were left over.
        extra: usize,
    },
    /// A list of postings is not well formed.
    #[error("postings record {0}")]
    Postings(String),
    /// bincode refused the bytes.
    #[error("record does not decode: {0}")]
    Decode(#[from] bincode::error::DecodeError),
    /// bincode refused the value.
    #[error("record does not encode: {0}")]
    Encode(#[from] bincode::error::EncodeError),
}

/// Returns the stored bytes of `value`: the version byte, then bincode.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![RECORD_VERSION];
    out.extend(bincode::serde::encode_to_vec(value, config())?);
    Ok(out)
}

/// Returns the value stored in `bytes`, refusing any other version, trailing bytes or oversize input.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (&version, body) = bytes.split_first().ok_or(CodecError::Empty)?;
    if version != RECORD_VERSION {
        return Err(CodecError::Version { found: version });
    }
    let (value, used) = bincode::serde::decode_from_slice(body, config())?;
    if used != body.len() {
        return Err(CodecError::Trailing {
            extra: body.len() - used,
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_framing() {
        let bytes = encode(&(7u32, "seven".to_string())).expect("encodes");
        assert_eq!(bytes[0], RECORD_VERSION);
        let back: (u32, String) = decode(&bytes).expect("decodes");
        assert_eq!(back, (7, "seven".to_string()));

        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(
            decode::<(u32, String)>(&trailing),
            Err(CodecError::Trailing { extra: 1 })
        ));

        let mut wrong_version = bytes.clone();
        wrong_version[0] = RECORD_VERSION + 1;
        assert!(matches!(
            decode::<(u32, String)>(&wrong_version),
            Err(CodecError::Version { found }) if found == RECORD_VERSION + 1
        ));

        assert!(matches!(
            decode::<(u32, String)>(&[]),
            Err(CodecError::Empty)
        ));
        assert!(
            decode::<(u32, String)>(&bytes[..bytes.len() - 1]).is_err(),
            "truncated record"
        );
    }

    #[test]
    fn refuses_oversize_length_prefix() {
        // A string claiming 2^40 bytes must be refused by the limit, not allocated.
        let mut bytes = vec![RECORD_VERSION];
        bytes.push(253); // bincode varint tag for a u64 follows
        bytes.extend((1u64 << 40).to_le_bytes());
        assert!(decode::<String>(&bytes).is_err());
    }
}
