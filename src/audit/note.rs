//! C2SP signed notes (c2sp.org/signed-note): a text, a blank line, and
//! signature lines `— NAME base64(key id ‖ signature)`; verifier keys
//! (`NAME+KEYID+base64(type ‖ public key)`); Ed25519 signatures (type 0x01)
//! and the timestamped Ed25519 cosignatures of c2sp.org/tlog-cosignature
//! (type 0x04). This module does no I/O: key files are `audit/keys.rs`.

use base64::Engine;
use ed25519_dalek::{Signer, Verifier};
use sha2::Digest as _;

/// The signature type of an Ed25519 note signature.
pub const ED25519: u8 = 0x01;
/// The signature type of a timestamped Ed25519 checkpoint cosignature.
pub const COSIGNATURE_V1: u8 = 0x04;
/// The most bytes a note may have (C2SP asks verifiers to bound it, and to
/// take at least 16 signatures: 16 Ed25519 lines are about 2 KiB).
pub const MAX_NOTE: usize = 64 * 1024;
/// The most signature lines a note may have.
pub const MAX_SIGNATURES: usize = 64;

/// The em dash that starts a signature line, and its space.
const DASH: &str = "\u{2014} ";

/// Why a key, a note or a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A verifier or signing key is not in its format.
    #[error("{0}")]
    BadKey(String),
    /// The note is not a signed note.
    #[error("{0}")]
    Malformed(String),
    /// A signature by a known key does not verify, or none by a known key is there.
    #[error("{0}")]
    BadSignature(String),
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Checks a key name: non-empty, no Unicode space, no `+`, no control character.
pub fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() {
        return Err(NoteError::BadKey("the key name is empty".into()));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| c.is_whitespace() || *c == '+' || c.is_control())
    {
        return Err(NoteError::BadKey(format!(
            "the key name {name:?} holds {bad:?}; a name has no spaces, no '+' and no control characters (e.g. newsroom.example/provdb)"
        )));
    }
    Ok(())
}

/// The key id: the first 4 bytes of SHA-256(name ‖ "\n" ‖ type ‖ public key), big-endian.
pub fn key_id(name: &str, kind: u8, public: &[u8]) -> u32 {
    let mut hasher = sha2::Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([kind]);
    hasher.update(public);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A verifier key of type 0x01 (a log's) or 0x04 (a witness's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    /// The key name.
    pub name: String,
    /// The key id.
    pub id: u32,
    /// The signature type.
    pub kind: u8,
    /// The Ed25519 public key.
    pub key: ed25519_dalek::VerifyingKey,
}

impl VerifierKey {
    /// Parses `NAME+KEYID+base64(type ‖ key)`, checking the id against the key.
    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let text = text.trim();
        let bad = |why: String| NoteError::BadKey(format!("verifier key {text:?}: {why}"));
        // A name holds no '+', and base64 may: split from the left.
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(hex), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad(
                "not NAME+KEYID+KEY (a line `provdb key generate` printed)".into(),
            ));
        };
        check_name(name)?;
        let id = (hex.len() == 8)
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
            .filter(|_| {
                hex.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            })
            .ok_or_else(|| bad(format!("the key id {hex:?} is not 8 lowercase hex digits")))?;
        let bytes = b64()
            .decode(data)
            .map_err(|_| bad("the key is not standard base64".into()))?;
        let (kind, public) = match bytes.split_first() {
            Some((kind @ (&ED25519 | &COSIGNATURE_V1), public)) if public.len() == 32 => {
                (*kind, public)
            }
            Some((kind, public)) if matches!(*kind, ED25519 | COSIGNATURE_V1) => {
                return Err(bad(format!(
                    "an Ed25519 key is 32 bytes, not {}",
                    public.len()
                )))
            }
            Some((kind, _)) => {
                return Err(bad(format!(
                    "signature type 0x{kind:02x} is not Ed25519 (0x01) or an Ed25519 cosignature (0x04)"
                )))
            }
            None => return Err(bad("the key is empty".into())),
        };
        if key_id(name, kind, public) != id {
            return Err(bad(
                "its key id is not the one its name and key give; the key was altered".into(),
            ));
        }
        let key_bytes: [u8; 32] = public
            .try_into()
            .map_err(|_| bad("an Ed25519 key is 32 bytes".into()))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&key_bytes)
            .map_err(|_| bad("the key is not an Ed25519 point".into()))?;
        Ok(VerifierKey {
            name: name.to_string(),
            id,
            kind,
            key,
        })
    }

    /// The key as text.
    pub fn text(&self) -> String {
        let mut data = vec![self.kind];
        data.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, b64().encode(data))
    }

    /// True for a witness's cosignature key (type 0x04).
    pub fn is_witness(&self) -> bool {
        self.kind == COSIGNATURE_V1
    }

    /// Whether a signature line is by this key (same name and id).
    pub fn matches(&self, signature: &Signature) -> bool {
        signature.name == self.name && signature.id == self.id
    }

    /// Checks a signature line by this key over a note's text. For a
    /// cosignature, returns its timestamp.
    pub fn check(&self, text: &str, signature: &Signature) -> Result<Option<u64>, NoteError> {
        let bad = || {
            NoteError::BadSignature(format!(
                "the signature by {} does not verify over this note",
                self.name
            ))
        };
        match self.kind {
            ED25519 => {
                let bytes: [u8; 64] = signature.bytes.as_slice().try_into().map_err(|_| bad())?;
                self.key
                    .verify(
                        text.as_bytes(),
                        &ed25519_dalek::Signature::from_bytes(&bytes),
                    )
                    .map_err(|_| bad())?;
                Ok(None)
            }
            _ => {
                if signature.bytes.len() != 72 {
                    return Err(bad());
                }
                let (time, sig) = signature.bytes.split_at(8);
                let mut stamp = [0u8; 8];
                stamp.copy_from_slice(time);
                let timestamp = u64::from_be_bytes(stamp);
                if timestamp > i64::MAX as u64 {
                    return Err(bad());
                }
                let sig: [u8; 64] = sig.try_into().map_err(|_| bad())?;
                self.key
                    .verify(
                        cosigned_message(text, timestamp).as_bytes(),
                        &ed25519_dalek::Signature::from_bytes(&sig),
                    )
                    .map_err(|_| bad())?;
                Ok(Some(timestamp))
            }
        }
    }
}

/// The message a tlog-cosignature/v1 Ed25519 cosignature signs.
pub fn cosigned_message(text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// A private key: its name, type and Ed25519 seed.
#[derive(Clone)]
pub struct SigningKey {
    /// The key name.
    pub name: String,
    /// The signature type: 0x01 (a log's) or 0x04 (a witness's).
    pub kind: u8,
    key: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A key from a 32-byte seed.
    pub fn from_seed(name: &str, kind: u8, seed: [u8; 32]) -> Result<SigningKey, NoteError> {
        check_name(name)?;
        Ok(SigningKey {
            name: name.to_string(),
            kind,
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        })
    }

    /// Parses `PRIVATE+KEY+NAME+KEYID+base64(type ‖ seed)` (the private key
    /// form of Go's golang.org/x/mod/sumdb/note).
    pub fn parse(text: &str) -> Result<SigningKey, NoteError> {
        let bad = |why: &str| NoteError::BadKey(format!("not a provdb private key: {why}"));
        let rest = text
            .trim_end_matches('\n')
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| bad("it does not start with PRIVATE+KEY+"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(hex), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("not PRIVATE+KEY+NAME+KEYID+KEY"));
        };
        let bytes = b64()
            .decode(data)
            .map_err(|_| bad("the key is not standard base64"))?;
        let (kind, seed) = match bytes.split_first() {
            Some((kind @ (&ED25519 | &COSIGNATURE_V1), seed)) if seed.len() == 32 => (*kind, seed),
            _ => return Err(bad("not an Ed25519 seed of type 0x01 or 0x04")),
        };
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| bad("the seed is not 32 bytes"))?;
        let key = SigningKey::from_seed(name, kind, seed)?;
        if format!("{:08x}", key.verifier().id) != hex {
            return Err(bad("its key id does not match its name and key"));
        }
        Ok(key)
    }

    /// The private key as text (one line, with its newline).
    pub fn text(&self) -> String {
        let mut data = vec![self.kind];
        data.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}\n",
            self.name,
            self.verifier().id,
            b64().encode(data)
        )
    }

    /// Its verifier key.
    pub fn verifier(&self) -> VerifierKey {
        let key = self.key.verifying_key();
        VerifierKey {
            name: self.name.clone(),
            id: key_id(&self.name, self.kind, key.as_bytes()),
            kind: self.kind,
            key,
        }
    }

    /// Signs a note's text: an Ed25519 signature (type 0x01), or a
    /// cosignature at `timestamp` (type 0x04).
    pub fn sign(&self, text: &str, timestamp: u64) -> Signature {
        let bytes = if self.kind == ED25519 {
            self.key.sign(text.as_bytes()).to_bytes().to_vec()
        } else {
            let mut bytes = timestamp.to_be_bytes().to_vec();
            bytes.extend_from_slice(
                &self
                    .key
                    .sign(cosigned_message(text, timestamp).as_bytes())
                    .to_bytes(),
            );
            bytes
        };
        Signature {
            name: self.name.clone(),
            id: self.verifier().id,
            bytes,
        }
    }
}

/// One signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The signer's key name.
    pub name: String,
    /// The key id.
    pub id: u32,
    /// The signature, after the key id.
    pub bytes: Vec<u8>,
}

impl Signature {
    /// Parses `— NAME base64(id ‖ signature)` (without its newline).
    pub fn parse(line: &str) -> Result<Signature, NoteError> {
        let bad = |why: &str| NoteError::Malformed(format!("signature line {line:?}: {why}"));
        let rest = line
            .strip_prefix(DASH)
            .ok_or_else(|| bad("it does not start with an em dash and a space"))?;
        let (name, data) = rest
            .split_once(' ')
            .ok_or_else(|| bad("it is not a key name, a space and base64"))?;
        check_name(name).map_err(|_| bad("the key name is empty or holds a space or '+'"))?;
        let bytes = b64()
            .decode(data)
            .map_err(|_| bad("the signature is not standard base64"))?;
        if bytes.len() < 5 {
            return Err(bad("the signature is shorter than a key id and one byte"));
        }
        Ok(Signature {
            name: name.to_string(),
            id: u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            bytes: bytes[4..].to_vec(),
        })
    }

    /// The line, without its newline.
    pub fn line(&self) -> String {
        let mut data = self.id.to_be_bytes().to_vec();
        data.extend_from_slice(&self.bytes);
        format!("{DASH}{} {}", self.name, b64().encode(data))
    }
}

/// A signed note: its text (with the final newline) and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text, ending in a newline, without the blank line.
    pub text: String,
    /// The signature lines, in order.
    pub signatures: Vec<Signature>,
}

impl Note {
    /// Parses a signed note.
    pub fn parse(note: &str) -> Result<Note, NoteError> {
        let bad = |why: String| NoteError::Malformed(format!("not a signed note: {why}"));
        if note.len() > MAX_NOTE {
            return Err(bad(format!("it is over {MAX_NOTE} bytes")));
        }
        if let Some(c) = note.chars().find(|c| *c < ' ' && *c != '\n') {
            return Err(bad(format!("it holds the control character {c:?}")));
        }
        if !note.ends_with('\n') {
            return Err(bad("it does not end with a newline".into()));
        }
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| bad("no blank line separates the text from its signatures".into()))?;
        let text = &note[..=split];
        let lines = &note[split + 2..];
        if lines.is_empty() {
            return Err(bad("it has no signature lines".into()));
        }
        let signatures = lines
            .trim_end_matches('\n')
            .split('\n')
            .map(Signature::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if signatures.len() > MAX_SIGNATURES {
            return Err(bad(format!(
                "it has {} signatures; provdb reads at most {MAX_SIGNATURES}",
                signatures.len()
            )));
        }
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// The note as text.
    pub fn text_with_signatures(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.line());
            out.push('\n');
        }
        out
    }

    /// Checks every signature by a known key (name and id both match): each
    /// must verify, and at least one must be there. Returns the keys that
    /// signed, with each cosignature's timestamp; signatures by unknown keys
    /// are ignored, as the specification requires.
    pub fn verify<'k>(
        &self,
        keys: &'k [VerifierKey],
    ) -> Result<Vec<(&'k VerifierKey, Option<u64>)>, NoteError> {
        let mut signed: Vec<(&VerifierKey, Option<u64>)> = Vec::new();
        for signature in &self.signatures {
            for key in keys.iter().filter(|key| key.matches(signature)) {
                let timestamp = key.check(&self.text, signature)?;
                if !signed.iter().any(|(known, _)| *known == key) {
                    signed.push((key, timestamp));
                }
            }
        }
        if signed.is_empty() {
            // Name and key id both, so that another key of the same name
            // shows as another key.
            return Err(NoteError::BadSignature(format!(
                "no signature on the note is by a known key: it is signed by {}, and the keys known are {}",
                self.signatures
                    .iter()
                    .map(|signature| format!("{}+{:08x}", signature.name, signature.id))
                    .collect::<Vec<_>>()
                    .join(", "),
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.iter()
                        .map(|key| format!("{}+{:08x}", key.name, key.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )));
        }
        Ok(signed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of c2sp.org/signed-note ("Verifier keys",
    /// "Example"): this key verifies this note.
    const EXAMPLE_KEY: &str =
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const EXAMPLE_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    #[test]
    fn the_specifications_example_verifies() {
        let key = VerifierKey::parse(EXAMPLE_KEY).expect("key");
        assert_eq!(key.name, "example.com/foo");
        assert_eq!(key.id, 0x530d_903a);
        assert_eq!(key.text(), EXAMPLE_KEY);
        let note = Note::parse(EXAMPLE_NOTE).expect("note");
        assert_eq!(note.text, "This is an example message.\n");
        assert_eq!(note.text_with_signatures(), EXAMPLE_NOTE);
        let signed = note.verify(std::slice::from_ref(&key)).expect("verifies");
        assert_eq!(signed.len(), 1);
        // One changed byte of the text: the known key's signature fails.
        let altered = Note {
            text: "This is an example message!\n".into(),
            ..note.clone()
        };
        assert!(matches!(
            altered.verify(std::slice::from_ref(&key)),
            Err(NoteError::BadSignature(_))
        ));
        // Another key of the same name: its id differs, so the signature is
        // ignored and no known key signed.
        let other = SigningKey::from_seed("example.com/foo", ED25519, [9; 32]).expect("key");
        let error = note
            .verify(&[other.verifier()])
            .expect_err("another key")
            .to_string();
        // Both key ids named, so the two keys of one name tell apart.
        assert!(
            error.contains("signed by example.com/foo+530d903a")
                && error.contains(&format!(
                    "known are example.com/foo+{:08x}",
                    other.verifier().id
                )),
            "{error}"
        );
    }

    #[test]
    fn a_key_id_is_sha256_of_name_newline_type_and_key() {
        // Written out by hand from the specification, with the sha2 crate:
        // SHA-256("example.com/foo" ‖ 0x0A ‖ 0x01 ‖ key)[:4] = 530d903a.
        let key = VerifierKey::parse(EXAMPLE_KEY).expect("key");
        let mut data = b"example.com/foo\n\x01".to_vec();
        data.extend_from_slice(key.key.as_bytes());
        assert_eq!(&sha2::Sha256::digest(&data)[..4], &[0x53, 0x0d, 0x90, 0x3a]);
        // A vkey whose id was edited is refused.
        let edited = EXAMPLE_KEY.replace("530d903a", "530d903b");
        assert!(VerifierKey::parse(&edited)
            .expect_err("refused")
            .to_string()
            .contains("altered"));
    }

    #[test]
    fn keys_whose_base64_holds_a_plus_round_trip() {
        // Seeds until a verifier key's base64 holds '+' (the split must be
        // from the left: names hold no '+', base64 may).
        let key = (0u8..=255)
            .map(|n| SigningKey::from_seed("a.example/log", ED25519, [n; 32]).expect("key"))
            .find(|key| key.verifier().text().rsplit('+').next().map(str::len) != Some(44))
            .expect("a key with '+' in its base64");
        assert_eq!(
            VerifierKey::parse(&key.verifier().text()).expect("parse"),
            key.verifier()
        );
        assert_eq!(
            SigningKey::parse(&key.text()).expect("parse").verifier(),
            key.verifier()
        );
    }

    #[test]
    fn keys_round_trip_and_sign() {
        let log = SigningKey::from_seed("newsroom.example/log", ED25519, [1; 32]).expect("key");
        let parsed = SigningKey::parse(&log.text()).expect("parse");
        assert_eq!(parsed.verifier(), log.verifier());
        let vkey = VerifierKey::parse(&log.verifier().text()).expect("vkey");
        assert_eq!(vkey, log.verifier());
        let text = "newsroom.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let witness =
            SigningKey::from_seed("witness.example/w1", COSIGNATURE_V1, [2; 32]).expect("key");
        let note = Note {
            text: text.into(),
            signatures: vec![log.sign(text, 0), witness.sign(text, 1_700_000_000)],
        };
        let parsed = Note::parse(&note.text_with_signatures()).expect("parse");
        let keys = [vkey, witness.verifier()];
        let signed = parsed.verify(&keys).expect("verify");
        assert_eq!(signed.len(), 2);
        assert_eq!(signed[1].1, Some(1_700_000_000));
        // The cosignature signs the cosignature/v1 message, not the text.
        assert_eq!(
            cosigned_message(text, 7),
            format!("cosignature/v1\ntime 7\n{text}")
        );
    }

    #[test]
    fn malformed_notes_and_keys_are_named() {
        for (note, needle) in [
            ("text\n", "no blank line"),
            ("text\n\n", "no signature lines"),
            ("text\n\n- a AAAAAAA=\n", "em dash"),
            ("text\n\n\u{2014} a !!!\n", "base64"),
            ("text\n\n\u{2014} a AAAA\n", "shorter"),
            ("te\u{7}xt\n\n\u{2014} a AAAAAAA=\n", "control"),
            ("text\n\n\u{2014} a AAAAAAA=", "newline"),
        ] {
            let error = Note::parse(note).expect_err(note).to_string();
            assert!(error.contains(needle), "{note:?}: {error}");
        }
        for (key, needle) in [
            ("nokey", "NAME+KEYID+KEY"),
            ("a b+530d903a+AQ==", "spaces"),
            ("a+53+AQ==", "8 lowercase hex"),
            ("a+530d903a+Ag==", "signature type 0x02"),
            ("a+530d903a+AQ==", "32 bytes"),
        ] {
            let error = VerifierKey::parse(key).expect_err(key).to_string();
            assert!(error.contains(needle), "{key:?}: {error}");
        }
        assert!(SigningKey::parse("PRIVATE+KEY+a+00000000+AQ==").is_err());
    }
}
