//! The hashing rules: which bytes make each identity.
//!
//! Every rule here is written down in `schema/hashing.md` and pinned by a golden
//! test with a literal digest. Changing any of them changes every id in every
//! store, so a change here is a new store format, never a quiet edit.

use serde_json::{json, Value as Json};

use crate::model::{Citation, CitationId, Claim, ClaimId, EntryHash, Qualifiers, SourceId, Value};
use crate::text::normalize::identity_key;

/// Returns a source's id: the plain BLAKE3 hash of its bytes, as `b3sum` prints it.
pub fn source_id(bytes: &[u8]) -> SourceId {
    SourceId(*blake3::hash(bytes).as_bytes())
}

/// Returns a journal entry's hash: BLAKE3 of the line's bytes, trailing newline included.
pub fn entry_hash(line_with_newline: &[u8]) -> EntryHash {
    EntryHash(*blake3::hash(line_with_newline).as_bytes())
}

/// Returns the canonical JSON text of `value`: keys sorted bytewise, no
/// whitespace, strings escaped as serde_json does (which for the ASCII keys
/// used here is the same as RFC 8785).
pub fn canonical_json(value: &Json) -> String {
    // serde_json's Map is a BTreeMap (the preserve_order feature is off), so
    // keys are emitted in sorted order; to_string emits no whitespace.
    value.to_string()
}

/// Returns the canonical JSON object that a claim's id hashes.
pub fn claim_canonical(
    subject: &str,
    property: &str,
    value: &Value,
    qualifiers: &Qualifiers,
) -> Json {
    let mut object = json!({
        "type": "provdb.claim",
        "v": 1,
        "subject": identity_key(subject),
        "property": identity_key(property),
        "value": value_canonical(value),
        "bound": qualifiers.bound.name(),
    });
    if let Some(as_of) = &qualifiers.as_of {
        object["as_of"] = Json::String(as_of.to_string());
    }
    if let Some(unit) = &qualifiers.unit {
        object["unit"] = Json::String(identity_key(unit));
    }
    if let Some(upper) = &qualifiers.upper {
        object["upper"] = Json::String(upper.clone());
    }
    object
}

/// Returns the canonical JSON of a value.
fn value_canonical(value: &Value) -> Json {
    match value {
        Value::Count { count } => json!({"kind": "count", "count": count}),
        Value::Quantity { amount } => json!({"kind": "quantity", "amount": amount}),
        Value::Date { date } => json!({"kind": "date", "date": date.to_string()}),
        Value::Text { text } => json!({"kind": "text", "text": text}),
    }
}

/// Returns a claim's id from its parts.
///
/// The text hashed is `canonical_json(&claim_canonical(..))`, written
/// straight out in its sorted key order (every line of a batch passes here);
/// a test holds the two equal.
pub fn claim_id(subject: &str, property: &str, value: &Value, qualifiers: &Qualifiers) -> ClaimId {
    let mut text = Vec::with_capacity(256);
    if let Some(as_of) = &qualifiers.as_of {
        json_string(&mut text, "{\"as_of\":", &as_of.to_string());
        json_string(&mut text, ",\"bound\":", qualifiers.bound.name());
    } else {
        json_string(&mut text, "{\"bound\":", qualifiers.bound.name());
    }
    json_string(&mut text, ",\"property\":", &identity_key(property));
    json_string(&mut text, ",\"subject\":", &identity_key(subject));
    text.extend_from_slice(b",\"type\":\"provdb.claim\"");
    if let Some(unit) = &qualifiers.unit {
        json_string(&mut text, ",\"unit\":", &identity_key(unit));
    }
    if let Some(upper) = &qualifiers.upper {
        json_string(&mut text, ",\"upper\":", upper);
    }
    text.extend_from_slice(b",\"v\":1,\"value\":");
    match value {
        Value::Count { count } => {
            text.extend_from_slice(format!("{{\"count\":{count},\"kind\":\"count\"}}").as_bytes());
        }
        Value::Quantity { amount } => {
            json_string(&mut text, "{\"amount\":", amount);
            text.extend_from_slice(b",\"kind\":\"quantity\"}");
        }
        Value::Date { date } => {
            json_string(&mut text, "{\"date\":", &date.to_string());
            text.extend_from_slice(b",\"kind\":\"date\"}");
        }
        Value::Text { text: words } => {
            json_string(&mut text, "{\"kind\":\"text\",\"text\":", words);
            text.push(b'}');
        }
    }
    text.push(b'}');
    ClaimId(*blake3::hash(&text).as_bytes())
}

/// Appends `key` (already JSON, with its colon) and `value` as a JSON string.
fn json_string(text: &mut Vec<u8>, key: &str, value: &str) {
    text.extend_from_slice(key.as_bytes());
    serde_json::to_writer(&mut *text, value).expect("writing to a Vec cannot fail");
}

/// Returns the id a recorded claim should have.
pub fn expected_claim_id(claim: &Claim) -> ClaimId {
    claim_id(
        &claim.subject,
        &claim.property,
        &claim.value,
        &claim.qualifiers,
    )
}

/// Returns the canonical JSON object that a citation's id hashes.
pub fn citation_canonical(citation: &Citation, actor: &str, time: &str) -> Json {
    let mut object = json!({
        "type": "provdb.citation",
        "v": 1,
        "claim": citation.claim.to_hex(),
        "source": citation.source.to_hex(),
        "start": citation.selector.start,
        "end": citation.selector.end,
        "stance": citation.stance.name(),
        "value_not_in_quote": citation.value_not_in_quote,
        "actor": actor,
        "time": time,
    });
    // A quote in a text layer: the layer's object is part of the id (the
    // range is the layer's). The original ranges are not: the layer and
    // range determine them, and `verify` derives them again.
    if let (Some(layer), Some(map)) = (&citation.layer, object.as_object_mut()) {
        map.insert("layer".into(), Json::String(layer.object.to_hex()));
    }
    object
}

/// Returns a citation's id: it covers the claim, the source, the byte range, the
/// stance, the flag, and who cited it when, so that a quote cited again after a
/// retraction is a new citation.
///
/// The text hashed is `canonical_json(&citation_canonical(..))`, written
/// straight out in its sorted key order rather than built as a map first
/// (every citation of a journal passes here when it is verified); a test
/// holds the two equal.
pub fn citation_id(citation: &Citation, actor: &str, time: &str) -> CitationId {
    use std::io::Write as _;
    let mut text = Vec::with_capacity(512);
    // Writing to a Vec cannot fail.
    let number = |text: &mut Vec<u8>, key: &str, number: u64| {
        let _ = write!(text, "{key}{number}");
    };
    let id = |text: &mut Vec<u8>, key: &str, digits: [u8; 64]| {
        text.extend_from_slice(key.as_bytes());
        text.push(b'"');
        text.extend_from_slice(&digits);
        text.push(b'"');
    };
    json_string(&mut text, "{\"actor\":", actor);
    id(&mut text, ",\"claim\":", citation.claim.hex_digits());
    number(&mut text, ",\"end\":", citation.selector.end);
    if let Some(layer) = &citation.layer {
        id(&mut text, ",\"layer\":", layer.object.hex_digits());
    }
    id(&mut text, ",\"source\":", citation.source.hex_digits());
    json_string(&mut text, ",\"stance\":", citation.stance.name());
    number(&mut text, ",\"start\":", citation.selector.start);
    json_string(&mut text, ",\"time\":", time);
    text.extend_from_slice(b",\"type\":\"provdb.citation\",\"v\":1,\"value_not_in_quote\":");
    text.extend_from_slice(if citation.value_not_in_quote {
        b"true}"
    } else {
        b"false}"
    });
    CitationId(*blake3::hash(&text).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Bound, Selector, Stance, When};

    /// Canonical JSON relies on serde_json's map keeping keys sorted (its
    /// `preserve_order` feature off): a dependency that turned it on would
    /// change every claim and citation id. Keys given out of order must come
    /// out sorted, and escapes as schema/hashing.md writes them.
    #[test]
    fn canonical_json_sorts_keys_and_escapes_as_documented() {
        let value = json!({"b": 1, "a": {"d": "\u{7}\u{8}\u{7f}\u{2028}", "c": true}});
        assert_eq!(
            canonical_json(&value),
            "{\"a\":{\"c\":true,\"d\":\"\\u0007\\b\u{7f}\u{2028}\"},\"b\":1}"
        );
    }

    /// The official BLAKE3 vectors (input byte i = i mod 251) for three lengths;
    /// the full set runs from `.ci/run` against ../shared.
    #[test]
    fn source_id_matches_official_vectors() {
        let input = |length: usize| (0..length).map(|i| (i % 251) as u8).collect::<Vec<u8>>();
        assert_eq!(
            source_id(&input(0)).to_hex(),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
        assert_eq!(
            source_id(&input(1)).to_hex(),
            "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"
        );
        assert_eq!(
            source_id(&input(1024)).to_hex(),
            "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7"
        );
    }

    /// Pins the claim hashing rule. The canonical text below was written by
    /// hand from schema/hashing.md; its digest was computed with the Python
    /// `blake3` package over those exact bytes, independently of this crate.
    #[test]
    fn claim_id_golden() {
        let qualifiers = Qualifiers {
            as_of: None,
            unit: None,
            bound: Bound::Exact,
            upper: None,
        };
        let value = Value::Count { count: 613 };
        let canonical = canonical_json(&claim_canonical(
            "  Khojaly,  26 February 1992 ",
            "Civilians Killed",
            &value,
            &qualifiers,
        ));
        assert_eq!(
            canonical,
            r#"{"bound":"exact","property":"civilians killed","subject":"khojaly, 26 february 1992","type":"provdb.claim","v":1,"value":{"count":613,"kind":"count"}}"#
        );
        assert_eq!(
            claim_id(
                "  Khojaly,  26 February 1992 ",
                "Civilians Killed",
                &value,
                &qualifiers
            )
            .to_hex(),
            CLAIM_GOLDEN
        );
    }

    /// A range: `upper` enters the object. The digest is Python's `blake3`
    /// package run on the canonical text below.
    #[test]
    fn claim_id_golden_range() {
        let qualifiers = Qualifiers {
            bound: Bound::Between,
            upper: Some("700".into()),
            ..Qualifiers::default()
        };
        let value = Value::Count { count: 600 };
        let canonical = canonical_json(&claim_canonical(
            "Khojaly",
            "civilians killed",
            &value,
            &qualifiers,
        ));
        assert_eq!(
            canonical,
            r#"{"bound":"between","property":"civilians killed","subject":"khojaly","type":"provdb.claim","upper":"700","v":1,"value":{"count":600,"kind":"count"}}"#
        );
        assert_eq!(
            claim_id("Khojaly", "civilians killed", &value, &qualifiers).to_hex(),
            "4ee6af7713ad6f5db65ffb58bdaded476da5300f65e62b763bd9567514ccb5f4"
        );
    }

    const CLAIM_GOLDEN: &str = "8ad4c079bd136b4b0abc9d262c69280bff6458761ac498f0b759d61d5ce82f17";

    /// Pins the citation hashing rule; the digest is computed as for the claim.
    #[test]
    fn citation_id_golden() {
        let citation = Citation {
            claim: ClaimId([0x11; 32]),
            source: SourceId([0x22; 32]),
            selector: Selector {
                exact: "613 civilians".into(),
                prefix: String::new(),
                suffix: String::new(),
                start: 10,
                end: 23,
            },
            stance: Stance::Supports,
            value_not_in_quote: false,
            layer: None,
        };
        let canonical = canonical_json(&citation_canonical(
            &citation,
            "alice",
            "2026-11-24T10:00:00Z",
        ));
        assert_eq!(
            canonical,
            format!(
                r#"{{"actor":"alice","claim":"{}","end":23,"source":"{}","stance":"supports","start":10,"time":"2026-11-24T10:00:00Z","type":"provdb.citation","v":1,"value_not_in_quote":false}}"#,
                "11".repeat(32),
                "22".repeat(32)
            )
        );
        assert_eq!(
            citation_id(&citation, "alice", "2026-11-24T10:00:00Z").to_hex(),
            CITATION_GOLDEN
        );
    }

    const CITATION_GOLDEN: &str =
        "becbc5bae9d91467846c92aa3cee1b78997d2979bddd1fef5d3d38dc4218328c";

    /// `citation_id` writes the canonical text itself; it must hash exactly
    /// what `canonical_json(&citation_canonical(..))` gives, for every
    /// field's shape: with and without a layer, each stance and flag, and
    /// actors and times that need escaping.
    #[test]
    fn citation_id_hashes_the_canonical_json_of_citation_canonical() {
        let strings = [
            "alice",
            "",
            "quote \" and backslash \\ and slash /",
            "control \u{0}\u{1}\u{7}\u{8}\t\n\u{c}\r\u{1f}\u{7f}",
            "Xocalı \u{2028}\u{2029} 😀",
        ];
        let mut checked = 0;
        for (n, actor) in strings.iter().enumerate() {
            for layer in [false, true] {
                for stance in [Stance::Supports, Stance::Disputes, Stance::Mentions] {
                    for flag in [false, true] {
                        let citation = Citation {
                            claim: ClaimId([n as u8; 32]),
                            source: SourceId([0xa0 + n as u8; 32]),
                            selector: Selector {
                                exact: "ignored by the id".into(),
                                prefix: String::new(),
                                suffix: String::new(),
                                start: n as u64 * 1_000_003,
                                end: u64::MAX - n as u64,
                            },
                            stance,
                            value_not_in_quote: flag,
                            layer: layer.then(|| crate::model::InLayer {
                                object: SourceId([0x5c; 32]),
                                original: vec![[1, 2]],
                                pages: vec![3],
                                boxes: Vec::new(),
                            }),
                        };
                        let time = strings[strings.len() - 1 - n];
                        let text = canonical_json(&citation_canonical(&citation, actor, time));
                        assert_eq!(
                            citation_id(&citation, actor, time),
                            CitationId(*blake3::hash(text.as_bytes()).as_bytes()),
                            "{text}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 5 * 2 * 3 * 2);
    }

    /// `claim_id` writes the canonical text itself; it must hash exactly
    /// what `canonical_json(&claim_canonical(..))` gives, for every value
    /// kind and every qualifier present or absent, with text that JSON
    /// escapes and that identity keys fold.
    #[test]
    fn claim_id_hashes_the_canonical_json_of_claim_canonical() {
        let strings = [
            "Civilians  KILLED",
            "quote \" and backslash \\ and slash /",
            "control \u{1}\u{7}\u{8}\t\n\u{c}\r\u{1f}\u{7f}",
            "Xocalı STRASSE \u{2028}\u{2029} 😀 e\u{301}",
        ];
        let values = [
            Value::Count { count: 0 },
            Value::Count { count: u64::MAX },
            Value::Quantity {
                amount: "-12.5".into(),
            },
            Value::Date {
                date: "2010-04-22".parse::<When>().expect("canonical"),
            },
            Value::Text {
                text: strings[3].into(),
            },
        ];
        let mut checked = 0;
        for (n, subject) in strings.iter().enumerate() {
            let property = strings[strings.len() - 1 - n];
            for value in &values {
                for as_of in [None, Some("2024-02".parse::<When>().expect("canonical"))] {
                    for unit in [None, Some(strings[(n + 1) % strings.len()].to_string())] {
                        for (bound, upper) in [
                            (Bound::Exact, None),
                            (Bound::AtLeast, None),
                            (Bound::Between, Some("700".to_string())),
                        ] {
                            let qualifiers = Qualifiers {
                                as_of: as_of.clone(),
                                unit: unit.clone(),
                                bound,
                                upper,
                            };
                            let text = canonical_json(&claim_canonical(
                                subject,
                                property,
                                value,
                                &qualifiers,
                            ));
                            assert_eq!(
                                claim_id(subject, property, value, &qualifiers),
                                ClaimId(*blake3::hash(text.as_bytes()).as_bytes()),
                                "{text}"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 4 * 5 * 2 * 2 * 3);
    }

    #[test]
    fn date_and_qualifiers_enter_identity() {
        let date = Value::Date {
            date: "2010-04-22".parse::<When>().expect("canonical"),
        };
        let plain = Qualifiers::default();
        let as_of = Qualifiers {
            as_of: Some("2024-02".parse().expect("canonical")),
            ..Qualifiers::default()
        };
        assert_ne!(
            claim_id("s", "p", &date, &plain),
            claim_id("s", "p", &date, &as_of)
        );
        assert_eq!(
            claim_id("S ", "P", &date, &plain),
            claim_id("s", " p", &date, &plain)
        );
    }
}
