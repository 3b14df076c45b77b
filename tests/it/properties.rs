//! Property tests: laws that must hold for every input, not only the examples
//! the unit tests pick.
//!
//! - Anchoring: describing any span of any text and matching the description
//!   again finds that span and no other.
//! - Encoding: every index record and every journal entry reads back equal to
//!   what was written, and the bytes are stable (encoding the decoded value
//!   gives the same bytes).

use std::ops::Range;

use proptest::prelude::*;
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use provdb::model::{
    Bound, Carried, CarryMethod, Change, Citation, CitationId, Claim, ClaimId, Entry, EntryHash,
    InLayer, Outcome, Qualifiers, Retraction, Revision, Selector, SourceId, SourceMeta,
    SourceRecord, Stance, TextLayer, Value, When,
};
use provdb::storage::codec;
use provdb::storage::index::{AppliedMark, CitationRecord, ClaimRecord, RevisionRecord};
use provdb::text::anchor::{self, AnchorCheck, DescribeOptions};

// ---------------------------------------------------------------------------
// Texts and spans
// ---------------------------------------------------------------------------

/// A text built from a small vocabulary, so that repeated and overlapping
/// matches are common, with multi-byte characters so that spans must respect
/// character boundaries.
fn repetitive_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "not", "to", "annotate", "or", " ", " ", "  ", "\n", "613", "6", "1", ",", "é", "e\u{301}",
        "日本", "ǅ", "—", "a", "aa", "\t",
    ]);
    prop::collection::vec(piece, 1..60).prop_map(|pieces| pieces.concat())
}

/// Any printable text, including scripts outside the basic plane.
fn free_text() -> impl Strategy<Value = String> {
    "[\\PC\n ]{1,200}"
}

/// A text and a non-empty span of it on character boundaries.
fn text_and_span() -> impl Strategy<Value = (String, Range<usize>)> {
    prop_oneof![repetitive_text(), free_text()].prop_flat_map(|text| {
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(at, _)| at)
            .chain(std::iter::once(text.len()))
            .collect();
        let last = boundaries.len() - 1;
        (Just(text), Just(boundaries), 0..last).prop_flat_map(move |(text, boundaries, a)| {
            (Just(text), Just(boundaries), Just(a), (a + 1)..=last)
                .prop_map(|(text, boundaries, a, b)| (text, boundaries[a]..boundaries[b]))
        })
    })
}

fn options() -> impl Strategy<Value = DescribeOptions> {
    (any::<bool>(), 0usize..40, 1usize..60).prop_map(
        |(minimal_context, minimum_quote_length, max_word_length)| DescribeOptions {
            minimal_context,
            minimum_quote_length,
            max_word_length,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// describe + match_quote: the context chosen for a span picks out exactly that span.
    #[test]
    fn described_span_is_found_again_and_only_it((text, span) in text_and_span(), options in options()) {
        let exact = &text[span.clone()];
        let (prefix, suffix) = anchor::describe(&text, span.clone(), options);
        // The context is the text right beside the span, nothing invented.
        prop_assert!(text[..span.start].ends_with(&prefix));
        prop_assert!(text[span.end..].starts_with(&suffix));
        prop_assert_eq!(anchor::match_quote(&text, exact, &prefix, &suffix), vec![span.clone()]);
        // The stored form of the anchor checks out byte for byte.
        prop_assert_eq!(
            anchor::check_anchor(text.as_bytes(), exact, &prefix, &suffix, span.start as u64, span.end as u64),
            AnchorCheck::Holds
        );
    }

    /// anchor_quote with the described context (what `cite --prefix/--suffix` does)
    /// returns the same span and the same context.
    #[test]
    fn anchoring_with_described_context_round_trips((text, span) in text_and_span()) {
        let exact = &text[span.clone()];
        prop_assume!(!exact.trim().is_empty());
        let (prefix, suffix) = anchor::describe(&text, span.clone(), DescribeOptions::default());
        let anchored = anchor::anchor_quote(&text, exact, Some(&prefix), Some(&suffix), None)
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(anchored.range, span.clone());
        prop_assert_eq!(anchored.exact.as_str(), exact);
        prop_assert_eq!(anchored.prefix, prefix);
        prop_assert_eq!(anchored.suffix, suffix);
    }

    /// Picking the nth occurrence of a quote and describing it gives the nth range,
    /// and that anchor then finds it alone.
    #[test]
    fn occurrence_then_describe_is_unique((text, span) in text_and_span()) {
        let exact = &text[span.clone()];
        prop_assume!(!exact.trim().is_empty());
        let all = anchor::match_quote(&text, exact, "", "");
        let nth = all.iter().position(|range| *range == span);
        prop_assert!(nth.is_some(), "the span itself is one of the matches");
        let wanted = nth.unwrap_or(0) + 1;
        let anchored = anchor::anchor_quote(&text, exact, None, None, Some(wanted))
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(anchored.range.clone(), span);
        prop_assert_eq!(
            anchor::match_quote(&text, exact, &anchored.prefix, &anchored.suffix),
            vec![anchored.range]
        );
    }

    /// A changed byte anywhere in the quote is caught by check_anchor.
    #[test]
    fn any_change_inside_the_quote_is_caught((text, span) in text_and_span(), pick in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let exact = &text[span.clone()];
        let (prefix, suffix) = anchor::describe(&text, span.clone(), DescribeOptions::default());
        let mut bytes = text.clone().into_bytes();
        let at = span.start + pick.index(span.len());
        bytes[at] ^= flip;
        prop_assert_eq!(
            anchor::check_anchor(&bytes, exact, &prefix, &suffix, span.start as u64, span.end as u64),
            AnchorCheck::QuoteChanged
        );
    }
}

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

fn id_bytes() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>()
}

fn short_text() -> impl Strategy<Value = String> {
    "[\\PC\n\"\\\\]{0,24}"
}

fn month() -> impl Strategy<Value = Month> {
    (1u8..=12).prop_map(|number| Month::try_from(number).unwrap_or(Month::January))
}

fn date() -> impl Strategy<Value = Date> {
    (1i32..=9999, month(), 1u8..=28).prop_map(|(year, month, day)| {
        Date::from_calendar_date(year, month, day).unwrap_or(Date::MIN)
    })
}

fn time_of_day() -> impl Strategy<Value = Time> {
    (
        0u8..24,
        0u8..60,
        0u8..60,
        prop_oneof![Just(0u32), 0u32..1_000_000_000],
    )
        .prop_map(|(hour, minute, second, nano)| {
            Time::from_hms_nano(hour, minute, second, nano).unwrap_or(Time::MIDNIGHT)
        })
}

fn when() -> impl Strategy<Value = When> {
    prop_oneof![
        (1i32..=9999).prop_map(When::Year),
        (1i32..=9999, month()).prop_map(|(year, month)| When::Month(year, month)),
        date().prop_map(When::Day),
        (date(), (0u8..24, 0u8..60, 0u8..60)).prop_map(|(date, (h, m, s))| {
            When::Local(PrimitiveDateTime::new(
                date,
                Time::from_hms(h, m, s).unwrap_or(Time::MIDNIGHT),
            ))
        }),
        (
            date(),
            time_of_day(),
            -23i8..=23,
            prop::sample::select(vec![0i8, 30, 45])
        )
            .prop_map(|(date, time, hours, minutes)| {
                let minutes = if hours < 0 { -minutes } else { minutes };
                let offset = UtcOffset::from_hms(hours, minutes, 0).unwrap_or(UtcOffset::UTC);
                When::Instant(PrimitiveDateTime::new(date, time).assume_offset(offset))
            }),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(|count| Value::Count { count }),
        ("-?[1-9][0-9]{0,8}(\\.[0-9]{0,5}[1-9])?").prop_map(|amount| Value::Quantity { amount }),
        when().prop_map(|date| Value::Date { date }),
        short_text().prop_map(|text| Value::Text { text }),
    ]
}

fn stance() -> impl Strategy<Value = Stance> {
    prop_oneof![
        Just(Stance::Supports),
        Just(Stance::Disputes),
        Just(Stance::Mentions)
    ]
}

fn bound() -> impl Strategy<Value = Bound> {
    prop::sample::select(Bound::ALL.to_vec())
}

fn claim() -> impl Strategy<Value = Claim> {
    (
        id_bytes(),
        short_text(),
        short_text(),
        value(),
        (
            prop::option::of(when()),
            prop::option::of(short_text()),
            bound(),
            prop::option::of(short_text()),
        ),
    )
        .prop_map(
            |(id, subject, property, value, (as_of, unit, bound, upper))| Claim {
                id: ClaimId(id),
                subject,
                property,
                value,
                qualifiers: Qualifiers {
                    as_of,
                    unit,
                    bound,
                    upper,
                },
            },
        )
}

fn meta() -> impl Strategy<Value = SourceMeta> {
    (
        (
            prop::option::of(short_text()),
            prop::option::of(short_text()),
            prop::collection::vec(short_text(), 0..4),
            prop::option::of(short_text()),
        ),
        (
            prop::option::of(when()),
            prop::option::of(when()),
            prop::option::of(when()),
        ),
        (
            prop::option::of(short_text()),
            prop::option::of(short_text()),
            prop::option::of(short_text()),
        ),
    )
        .prop_map(
            |(
                (title, url, authors, publisher),
                (published, updated, retrieved),
                (media_type, language, note),
            )| SourceMeta {
                title,
                url,
                authors,
                publisher,
                published,
                updated,
                retrieved,
                media_type,
                language,
                note,
            },
        )
}

fn revision() -> impl Strategy<Value = Revision> {
    (
        "[a-z0-9-]{1,20}",
        1u32..,
        id_bytes(),
        prop::option::of(when()),
        prop::option::of(when()),
        prop::option::of(short_text()),
    )
        .prop_map(|(doc, number, source, published, updated, note)| Revision {
            doc,
            number,
            source: SourceId(source),
            published,
            updated,
            note,
        })
}

fn citation() -> impl Strategy<Value = Citation> {
    (
        id_bytes(),
        id_bytes(),
        (
            short_text(),
            short_text(),
            short_text(),
            any::<u64>(),
            any::<u64>(),
        ),
        stance(),
        any::<bool>(),
        proptest::option::of((
            id_bytes(),
            proptest::collection::vec(any::<[u64; 2]>(), 0..4),
        )),
    )
        .prop_map(
            |(
                claim,
                source,
                (exact, prefix, suffix, start, end),
                stance,
                value_not_in_quote,
                layer,
            )| {
                Citation {
                    claim: ClaimId(claim),
                    source: SourceId(source),
                    selector: Selector {
                        exact,
                        prefix,
                        suffix,
                        start,
                        end,
                    },
                    stance,
                    value_not_in_quote,
                    layer: layer.map(|(object, original)| InLayer {
                        object: SourceId(object),
                        pages: original.iter().map(|[start, _]| *start as u32).collect(),
                        boxes: original
                            .iter()
                            .map(|[start, end]| [1, *start as u32, *end as u32, 7, 9])
                            .collect(),
                        original,
                    }),
                }
            },
        )
}

/// The time, actor and sequence every record carries.
fn stamp() -> impl Strategy<Value = (u64, String, String)> {
    (
        any::<u64>(),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,15}Z",
        short_text(),
    )
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        ("[0-9a-f]{32}", any::<u32>()).prop_map(|(store, format)| Change::Init { store, format }),
        (
            id_bytes(),
            any::<u64>(),
            meta(),
            proptest::option::of(short_text())
        )
            .prop_map(|(source, size, meta, name)| Change::AddSource {
                source: SourceId(source),
                size,
                meta,
                name,
            }),
        revision().prop_map(Change::AddRevision),
        claim().prop_map(Change::RecordClaim),
        text_layer().prop_map(Change::DeriveText),
        (id_bytes(), citation()).prop_map(|(id, body)| Change::Cite {
            citation: CitationId(id),
            carried: None,
            body,
        }),
        (id_bytes(), id_bytes(), citation(), 1u32..50).prop_map(|(id, from, body, number)| {
            Change::Cite {
                citation: CitationId(id),
                carried: Some(Carried {
                    from: CitationId(from),
                    doc: "doc".into(),
                    number,
                    method: CarryMethod::ExactUnique,
                }),
                body,
            }
        }),
        (id_bytes(), id_bytes(), short_text()).prop_map(|(id, by, reason)| Change::Supersede {
            citation: CitationId(id),
            by: CitationId(by),
            reason,
        }),
        (id_bytes(), short_text()).prop_map(|(id, reason)| Change::Retract {
            citation: CitationId(id),
            reason,
        }),
    ]
}

fn text_layer() -> impl Strategy<Value = TextLayer> {
    (
        id_bytes(),
        id_bytes(),
        any::<u64>(),
        short_text(),
        proptest::collection::btree_map(short_text(), short_text(), 0..3),
    )
        .prop_map(|(source, layer, size, extractor, params)| TextLayer {
            source: SourceId(source),
            layer: SourceId(layer),
            size,
            extractor,
            version: "1".into(),
            params,
        })
}

fn entry() -> impl Strategy<Value = Entry> {
    let origin = proptest::option::of((stamp(), short_text()).prop_map(
        |((seq, time, actor), store)| provdb::model::Origin {
            store,
            seq,
            time,
            actor,
        },
    ));
    (stamp(), id_bytes(), any::<bool>(), origin, change()).prop_map(
        |((seq, time, actor), prev, commit, origin, change)| Entry {
            seq,
            time,
            actor,
            prev: EntryHash(prev),
            commit,
            origin,
            change,
        },
    )
}

/// Encodes, decodes, and encodes again: the value comes back equal and the
/// bytes are stable. Trailing bytes and a truncated record are both refused.
fn codec_round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let bytes = codec::encode(value).map_err(|error| TestCaseError::fail(error.to_string()))?;
    let back: T = codec::decode(&bytes).map_err(|error| TestCaseError::fail(error.to_string()))?;
    prop_assert_eq!(&back, value);
    let again = codec::encode(&back).map_err(|error| TestCaseError::fail(error.to_string()))?;
    prop_assert_eq!(&again, &bytes);
    let mut trailing = bytes.clone();
    trailing.push(0);
    prop_assert!(
        codec::decode::<T>(&trailing).is_err(),
        "trailing byte accepted"
    );
    prop_assert!(
        codec::decode::<T>(&bytes[..bytes.len() - 1]).is_err(),
        "truncated record accepted"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn source_records_round_trip(id in id_bytes(), size in any::<u64>(), meta in meta(), name in proptest::option::of(short_text()), (seq, recorded, actor) in stamp()) {
        codec_round_trip(&SourceRecord { id: SourceId(id), size, meta, name, seq, recorded, actor })?;
    }

    #[test]
    fn revision_records_round_trip(revision in revision(), (seq, recorded, actor) in stamp()) {
        codec_round_trip(&RevisionRecord { revision, seq, recorded, actor })?;
    }

    #[test]
    fn claim_records_round_trip(claim in claim(), (seq, recorded, actor) in stamp()) {
        codec_round_trip(&ClaimRecord { claim, seq, recorded, actor })?;
    }

    /// A citation is never a bincode record: the index keeps where its
    /// journal line is, and reads the citation from the line (JSON, where an
    /// absent text layer is left out). It round-trips there.
    #[test]
    fn citation_records_round_trip(id in id_bytes(), citation in citation(), (seq, recorded, actor) in stamp()) {
        let record = CitationRecord { id: CitationId(id), citation, seq, recorded, actor, carried: None };
        let json = serde_json::to_vec(&record).map_err(|error| TestCaseError::fail(error.to_string()))?;
        let back: CitationRecord = serde_json::from_slice(&json).map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(&back, &record);
        prop_assert_eq!(record.citation.layer.is_none(), !String::from_utf8_lossy(&json).contains("\"layer\""));
    }

    #[test]
    fn retractions_round_trip(reason in short_text(), (seq, time, actor) in stamp()) {
        codec_round_trip(&Retraction { reason, seq, time, actor })?;
    }

    #[test]
    fn applied_marks_round_trip(seq in any::<u64>(), hash in id_bytes(), start in any::<u64>(), end in any::<u64>()) {
        codec_round_trip(&AppliedMark { seq, hash: EntryHash(hash), start, end })?;
    }

    /// A journal entry written as one JSON line reads back equal, and writing
    /// it again gives the same bytes (the line hash depends on them).
    #[test]
    fn journal_entries_round_trip_as_json(entry in entry()) {
        let line = serde_json::to_vec(&entry).map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert!(!line.contains(&b'\n'), "an entry must fit on one line");
        let back: Entry = serde_json::from_slice(&line).map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(&back, &entry);
        let again = serde_json::to_vec(&back).map_err(|error| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(again, line);
    }

    /// A change is read by a faster road when `op` comes first (as provdb
    /// writes it) and its variant is a common one; whatever the object,
    /// that reader and serde's derived one (`Change::deserialize`, the
    /// inherent function) must agree: the same change, or both an error.
    /// The objects are provdb's own, then altered: `op` moved
    /// last or written twice, a field dropped, duplicated, given the wrong
    /// type, or an unknown one added.
    #[test]
    fn the_fast_change_reader_agrees_with_the_derived_one(change in change(), alteration in alteration()) {
        let written = serde_json::to_string(&change).map_err(|error| TestCaseError::fail(error.to_string()))?;
        let text = alteration.apply(&written);
        let fast = serde_json::from_str::<Change>(&text);
        let derived = Change::deserialize(&mut serde_json::Deserializer::from_str(&text));
        match (fast, derived) {
            (Ok(fast), Ok(derived)) => prop_assert_eq!(fast, derived),
            // The words may differ: serde_json reading a field in place
            // says "expected value" where serde's buffer says "invalid
            // type: integer `17`, expected string or map".
            (Err(_), Err(_)) => {}
            (fast, derived) => prop_assert!(false, "{text}: the fast reader gave {fast:?}, the derived one {derived:?}"),
        }
        if matches!(alteration, Alteration::None) {
            prop_assert_eq!(serde_json::from_str::<Change>(&text).ok(), Some(change));
        }
    }

    /// Every time form reads back from its canonical text.
    #[test]
    fn times_round_trip_through_canonical_text(when in when()) {
        let text = when.to_string();
        let back: When = text.parse().map_err(|error: provdb::model::ParseWhenError| TestCaseError::fail(error.to_string()))?;
        prop_assert_eq!(back.to_string(), text);
        prop_assert_eq!(back, when);
    }
}

// ---------------------------------------------------------------------------
// Following quotes into a new revision
// ---------------------------------------------------------------------------

/// Counts occurrences of `needle` in `text`, overlapping ones included.
fn occurrences(text: &str, needle: &str) -> usize {
    (0..text.len())
        .filter(|&at| text.is_char_boundary(at) && text[at..].starts_with(needle))
        .count()
}

/// An old text with a cited span, and a new text made from it by an edit.
fn revision_pair() -> impl Strategy<Value = (String, Range<usize>, String)> {
    (
        text_and_span(),
        repetitive_text(),
        0usize..4,
        any::<prop::sample::Index>(),
    )
        .prop_map(|((old, span), insert, kind, place)| {
            let boundaries: Vec<usize> = old
                .char_indices()
                .map(|(at, _)| at)
                .chain(std::iter::once(old.len()))
                .collect();
            let at = boundaries[place.index(boundaries.len())];
            let new = match kind {
                0 => format!("{}{}{}", &old[..at], insert, &old[at..]),
                1 => format!("{}{}", &old[..at], insert),
                2 => format!("{insert}{old}"),
                _ => old.clone(),
            };
            (old, span, new)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The word diff's runs cover both texts: their old parts rebuild the
    /// old text and their new parts the new one, and "same" runs are equal.
    #[test]
    fn word_diff_rebuilds_both_texts((old, _span, new) in revision_pair()) {
        let diff = provdb::text::carry::WordDiff::new(&old, &new);
        let (mut rebuilt_old, mut rebuilt_new) = (String::new(), String::new());
        for run in &diff.runs {
            let (a, b) = match run {
                provdb::text::carry::Run::Same(a, b) => {
                    prop_assert_eq!(&old[a.clone()], &new[b.clone()]);
                    (a, b)
                }
                provdb::text::carry::Run::Edit(a, b) => (a, b),
            };
            rebuilt_old.push_str(&old[a.clone()]);
            rebuilt_new.push_str(&new[b.clone()]);
        }
        prop_assert_eq!(rebuilt_old, old);
        prop_assert_eq!(rebuilt_new, new);
    }

    /// Whatever the edit, re-anchoring never panics, and each outcome obeys
    /// its rule, checked here by counting occurrences directly.
    #[test]
    fn reanchoring_outcomes_obey_their_rules((old, span, new) in revision_pair()) {
        prop_assume!(!old[span.clone()].trim().is_empty());
        let (prefix, suffix) = anchor::describe(&old, span.clone(), DescribeOptions::default());
        let citation = Citation {
            claim: ClaimId([1; 32]),
            source: SourceId([2; 32]),
            selector: Selector {
                exact: old[span.clone()].to_string(),
                prefix: prefix.clone(),
                suffix: suffix.clone(),
                start: span.start as u64,
                end: span.end as u64,
            },
            stance: Stance::Supports,
            value_not_in_quote: true,
            layer: None,
        };
        let value = Value::Text { text: String::new() };
        let found = provdb::text::carry::reanchor(
            &old,
            &new,
            &[provdb::text::carry::Prior { citation: &citation, value: &value }],
        );
        prop_assert_eq!(found.len(), 1);
        let found = &found[0];
        let exact = &citation.selector.exact;
        let alone = occurrences(&new, exact);
        let with_context = occurrences(&new, &format!("{prefix}{exact}{suffix}"));
        prop_assert_eq!(found.occurrences as usize, alone);
        let expected = if with_context == 1 {
            Outcome::Unchanged
        } else if alone == 1 {
            Outcome::Moved
        } else if alone > 1 {
            Outcome::Ambiguous
        } else {
            found.outcome // changed or lost: decided by the approximate matcher
        };
        prop_assert_eq!(found.outcome, expected);
        match (&found.carry, found.outcome) {
            (Some((_, anchor)), Outcome::Unchanged | Outcome::Moved) => {
                prop_assert_eq!(&new[anchor.range.clone()], exact.as_str());
                prop_assert!(new[..anchor.range.start].ends_with(&anchor.prefix));
                prop_assert!(new[anchor.range.end..].starts_with(&anchor.suffix));
            }
            (None, Outcome::Changed) => {
                let candidate = found.candidate.as_ref().expect("a changed quote has a candidate");
                let (start, end) = (candidate.start as usize, candidate.end as usize);
                prop_assert!(start <= end && end <= new.len());
                prop_assert_eq!(&new[start..end], candidate.exact.as_str());
                prop_assert!(candidate.score <= 1000);
            }
            (None, Outcome::Lost | Outcome::Ambiguous) => prop_assert!(found.candidate.is_none()),
            (carry, outcome) => prop_assert!(false, "{:?} with carry {:?}", outcome, carry),
        }
    }
}

// ---------------------------------------------------------------------------
// Quotes as people type them (schema/quotes.md)
// ---------------------------------------------------------------------------

/// A text made of words, typographic punctuation, kinds of white space and
/// accents written both composed and decomposed.
fn typographic_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "613",
        "killed",
        "court",
        "r\u{E9}sum\u{E9}",
        "re\u{301}sume\u{301}",
        " ",
        " ",
        "\n",
        "\u{A0}",
        "\t ",
        "\u{2019}",
        "'",
        "\u{201C}",
        "\u{201D}",
        "\"",
        "\u{2013}",
        "\u{2014}",
        "-",
        "\u{2026}",
        "...",
        ".",
        ",",
        "\u{AB}",
        "\u{BB}",
        "K\u{F6}ln",
    ]);
    prop::collection::vec(piece, 1..40).prop_map(|pieces| pieces.concat())
}

/// The span as a person types it: ASCII punctuation, plain spaces, one
/// space for any run, composed accents. Written from the rules of
/// schema/quotes.md, not from the code.
fn typed(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    let mut space = false;
    for ch in text.nfc() {
        if ch.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
            continue;
        }
        space = false;
        match ch {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{AB}'
            | '\u{BB}' => out.push('"'),
            '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            other => out.push(other),
        }
    }
    out.trim().to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any span of any text, typed plainly, is found again at exactly the
    /// source's bytes (among the places it occurs), and anchoring it with
    /// the right occurrence stores those bytes.
    #[test]
    fn a_span_typed_plainly_is_found_at_its_own_bytes(
        text in typographic_text(),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
    ) {
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(at, _)| at)
            .chain(std::iter::once(text.len()))
            .collect();
        let (mut start, mut end) = (bounds[a.index(bounds.len())], bounds[b.index(bounds.len())]);
        if start > end {
            std::mem::swap(&mut start, &mut end);
        }
        let span = &text[start..end];
        // A span that begins or ends inside white space, or splits an
        // accent from its letter, is not a quote a person could type.
        prop_assume!(!span.trim().is_empty() && span.trim() == span);
        prop_assume!(!text[end..].starts_with('\u{301}'));
        let folded = provdb::text::fold::fold(&text);
        let places: Vec<Range<usize>> = folded
            .find_all(&provdb::text::fold::fold_typed(&typed(span)))
            .into_iter()
            .map(|(_, original)| original)
            .collect();
        prop_assert!(places.contains(&(start..end)), "{:?} typed {:?} not found at {:?}: {:?}", span, typed(span), start..end, places);
        // Anchored with its occurrence, the stored quote is the source's own text.
        let exact_matches = anchor::match_quote(&text, &typed(span), "", "");
        if exact_matches.is_empty() {
            let nth = places.iter().position(|place| *place == (start..end)).unwrap_or(0) + 1;
            let anchored = anchor::anchor_quote(&text, &typed(span), None, None, Some(nth))
                .map_err(|error| TestCaseError::fail(error.to_string()))?;
            prop_assert_eq!(anchored.range, start..end);
            prop_assert_eq!(anchored.exact.as_str(), span);
        }
    }
}

/// How a written change is altered before it is read.
#[derive(Debug, Clone)]
enum Alteration {
    None,
    /// `op` moved to the end of the object.
    OpLast,
    /// The field at this place (of those after `op`) left out.
    Drop(prop::sample::Index),
    /// The field at this place written twice.
    Twice(prop::sample::Index),
    /// The field at this place given a number, or a string, instead.
    WrongType(prop::sample::Index, bool),
    /// A field no change has, added after `op`.
    Unknown,
    /// `op` written again at the end: the same name, or another variant's.
    OpTwice(bool),
}

fn alteration() -> impl Strategy<Value = Alteration> {
    prop_oneof![
        Just(Alteration::None),
        Just(Alteration::OpLast),
        any::<prop::sample::Index>().prop_map(Alteration::Drop),
        any::<prop::sample::Index>().prop_map(Alteration::Twice),
        (any::<prop::sample::Index>(), any::<bool>())
            .prop_map(|(at, number)| Alteration::WrongType(at, number)),
        Just(Alteration::Unknown),
        any::<bool>().prop_map(Alteration::OpTwice),
    ]
}

/// A JSON object's members in their written order (serde_json's own map
/// sorts them).
struct Members(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Members, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Members;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

impl Alteration {
    fn apply(&self, written: &str) -> String {
        let Members(mut members) = serde_json::from_str(written).expect("a change is an object");
        assert_eq!(members[0].0, "op", "provdb writes op first");
        let op = members.remove(0);
        let pick = |at: &prop::sample::Index, members: &[(String, serde_json::Value)]| {
            (!members.is_empty()).then(|| at.index(members.len()))
        };
        match self {
            Alteration::None => members.insert(0, op),
            Alteration::OpLast => members.push(op),
            Alteration::Drop(at) => {
                if let Some(at) = pick(at, &members) {
                    members.remove(at);
                }
                members.insert(0, op);
            }
            Alteration::Twice(at) => {
                if let Some(at) = pick(at, &members) {
                    let again = members[at].clone();
                    members.push(again);
                }
                members.insert(0, op);
            }
            Alteration::WrongType(at, number) => {
                if let Some(at) = pick(at, &members) {
                    members[at].1 = if *number { 17.into() } else { "x".into() };
                }
                members.insert(0, op);
            }
            Alteration::Unknown => {
                members.insert(0, ("zz_unknown".into(), true.into()));
                members.insert(0, op);
            }
            Alteration::OpTwice(same) => {
                let again = if *same {
                    op.1.clone()
                } else {
                    "retract".into()
                };
                members.insert(0, op);
                members.push(("op".into(), again));
            }
        }
        let body: Vec<String> = members
            .iter()
            .map(|(key, value)| format!("{}:{value}", serde_json::Value::from(key.as_str())))
            .collect();
        format!("{{{}}}", body.join(","))
    }
}
