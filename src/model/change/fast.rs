//! Reading a change without buffering it first.
//!
//! serde reads an enum tagged by a field (`op`) by first copying the whole
//! object into a buffer of its own, since the tag might come last, and then
//! reading the variant from that buffer. A citation, whose fields are
//! flattened in, is buffered twice. provdb writes `op` first, so when the
//! first key is `op`, the variants a journal is mostly made of (citations,
//! claims, sources, text layers) are read straight from the rest of the
//! object. Anything else (another variant, `op` not first, a sequence) goes
//! to serde's derived reader, given back what was already taken, so what
//! is accepted, and every error, is serde's.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{
    BorrowedStrDeserializer, MapAccessDeserializer, SeqAccessDeserializer, StringDeserializer,
    U64Deserializer,
};
use serde::de::{DeserializeSeed, Deserializer, Error, IntoDeserializer, MapAccess, SeqAccess};
use serde::Deserialize;

use super::Change;
use crate::model::claim::Claim;
use crate::model::ids::{CitationId, ClaimId, SourceId};
use crate::model::source::{Carried, Citation, InLayer, Selector, SourceMeta, Stance, TextLayer};

/// Reads a change: straight from the object for the common variants,
/// else through serde's derived reader.
pub(super) struct ChangeVisitor;

impl<'de> serde::de::Visitor<'de> for ChangeVisitor {
    type Value = Change;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        // The derived reader's words, so that errors read as before.
        formatter.write_str("internally tagged enum Change")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Change, A::Error> {
        Change::deserialize(SeqAccessDeserializer::new(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Change, A::Error> {
        let Some(key) = map.next_key_seed(TextSeed)? else {
            return Change::deserialize(MapAccessDeserializer::new(map));
        };
        if key != "op" {
            return Change::deserialize(MapAccessDeserializer::new(Resumed {
                pending: Pending::Key(key),
                rest: map,
            }));
        }
        let op = map.next_value_seed(OpSeed)?;
        let name = match &op {
            Op::Text(name) => name.as_ref(),
            Op::Index(_) => "",
        };
        let rest = |map| MapAccessDeserializer::new(OpOnce(map));
        match name {
            "cite" => CiteFields::deserialize(rest(map)).map(CiteFields::into_change),
            "record_claim" => Claim::deserialize(rest(map)).map(Change::RecordClaim),
            "add_source" => {
                AddSourceFields::deserialize(rest(map)).map(AddSourceFields::into_change)
            }
            "derive_text" => TextLayer::deserialize(rest(map)).map(Change::DeriveText),
            _ => Change::deserialize(MapAccessDeserializer::new(Resumed {
                pending: Pending::KeyValue(key, op),
                rest: map,
            })),
        }
    }
}

/// A key or a string read from the input: borrowed when it can be.
type Text<'de> = Cow<'de, str>;

/// Reads a string, borrowing it from the input when it can.
struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Text<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Text<'de>, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> serde::de::Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a string")
    }

    fn visit_borrowed_str<E: Error>(self, text: &'de str) -> Result<Text<'de>, E> {
        Ok(Cow::Borrowed(text))
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<Text<'de>, E> {
        Ok(Cow::Owned(text.to_owned()))
    }

    fn visit_string<E: Error>(self, text: String) -> Result<Text<'de>, E> {
        Ok(Cow::Owned(text))
    }
}

/// The value of `op`: a name, or the variant's index, which serde's
/// derived reader also accepts.
enum Op<'de> {
    Text(Text<'de>),
    Index(u64),
}

struct OpSeed;

impl<'de> DeserializeSeed<'de> for OpSeed {
    type Value = Op<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Op<'de>, D::Error> {
        deserializer.deserialize_identifier(OpVisitor)
    }
}

struct OpVisitor;

impl<'de> serde::de::Visitor<'de> for OpVisitor {
    type Value = Op<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        // The derived reader's words for a tag of the wrong type.
        formatter.write_str("variant identifier")
    }

    fn visit_u64<E: Error>(self, index: u64) -> Result<Op<'de>, E> {
        Ok(Op::Index(index))
    }

    // A name is read as `TextVisitor` reads any string.
    fn visit_borrowed_str<E: Error>(self, text: &'de str) -> Result<Op<'de>, E> {
        TextVisitor.visit_borrowed_str(text).map(Op::Text)
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<Op<'de>, E> {
        TextVisitor.visit_str(text).map(Op::Text)
    }

    fn visit_string<E: Error>(self, text: String) -> Result<Op<'de>, E> {
        TextVisitor.visit_string(text).map(Op::Text)
    }
}

/// What was taken from the object before it went to the derived reader.
enum Pending<'de> {
    /// Nothing (left).
    None,
    /// The first key; its value is still in the rest.
    Key(Text<'de>),
    /// `op` and its value.
    KeyValue(Text<'de>, Op<'de>),
    /// `op`'s value, its key given.
    Value(Op<'de>),
}

/// An object with its first entries given back: what was taken, then the rest.
struct Resumed<'de, A> {
    pending: Pending<'de>,
    rest: A,
}

/// Returns what `seed` reads from a string taken from the input.
fn give_text<'de, S: DeserializeSeed<'de>, E: Error>(
    text: Text<'de>,
    seed: S,
) -> Result<S::Value, E> {
    match text {
        Cow::Borrowed(text) => seed.deserialize(BorrowedStrDeserializer::<E>::new(text)),
        Cow::Owned(text) => seed.deserialize(StringDeserializer::<E>::new(text)),
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Resumed<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::Key(key) => give_text(key, seed).map(Some),
            Pending::KeyValue(key, value) => {
                self.pending = Pending::Value(value);
                give_text(key, seed).map(Some)
            }
            Pending::None | Pending::Value(_) => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::Value(Op::Text(text)) => give_text(text, seed),
            Pending::Value(Op::Index(index)) => {
                seed.deserialize(index.into_deserializer() as U64Deserializer<A::Error>)
            }
            _ => self.rest.next_value_seed(seed),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        let taken = match self.pending {
            Pending::None | Pending::Value(_) => 0,
            Pending::Key(_) | Pending::KeyValue(..) => 1,
        };
        self.rest.size_hint().map(|rest| rest + taken)
    }
}

/// The rest of an object whose `op` was read: a second `op` is refused, as
/// serde's derived reader refuses it (the variants' own readers would skip
/// it as a field they do not know, and another reader, keeping the last,
/// would see another change).
struct OpOnce<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for OpOnce<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.0.next_key_seed(TextSeed)? {
            None => Ok(None),
            Some(key) if key == "op" => Err(A::Error::duplicate_field("op")),
            Some(key) => give_text(key, seed).map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// A citation's fields as `Change::Cite` holds them with its body
/// flattened in: read here without buffering. The body is built field by
/// field below, so a field added to `Citation` fails to compile until it is
/// read here too; the tests compare this reader with the derived one.
#[derive(Deserialize)]
struct CiteFields {
    citation: CitationId,
    #[serde(default)]
    carried: Option<Carried>,
    claim: ClaimId,
    source: SourceId,
    selector: Selector,
    stance: Stance,
    value_not_in_quote: bool,
    #[serde(default)]
    layer: Option<InLayer>,
}

impl CiteFields {
    fn into_change(self) -> Change {
        let CiteFields {
            citation,
            carried,
            claim,
            source,
            selector,
            stance,
            value_not_in_quote,
            layer,
        } = self;
        Change::Cite {
            citation,
            carried,
            body: Citation {
                claim,
                source,
                selector,
                stance,
                value_not_in_quote,
                layer,
            },
        }
    }
}

/// `Change::AddSource`'s fields.
#[derive(Deserialize)]
struct AddSourceFields {
    source: SourceId,
    size: u64,
    meta: SourceMeta,
    #[serde(default)]
    name: Option<String>,
}

impl AddSourceFields {
    fn into_change(self) -> Change {
        let AddSourceFields {
            source,
            size,
            meta,
            name,
        } = self;
        Change::AddSource {
            source,
            size,
            meta,
            name,
        }
    }
}
