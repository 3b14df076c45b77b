//! Drafts given to `coverage`: any text must give figures whose ranges lie
//! on character boundaries, in order and apart, whose every reading can hold
//! beside itself; and judging them against claims read from any other text
//! (as a claim's quote and value) must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provdb::model::{Claim, ClaimId, Qualifiers};
use provdb::text::coverage::{figure_claim, judge, Candidate};
use provdb::text::extent::{relation, Relation};
use provdb::text::figures::figures_in;

fuzz_target!(|input: &str| {
    // The draft, then after the first NUL a quote whose figures become claims.
    let (draft, quote) = input.split_once('\0').unwrap_or((input, ""));
    let figures = figures_in(draft);
    let mut end = 0;
    for figure in &figures {
        assert!(figure.range.start >= end && figure.range.start < figure.range.end);
        assert!(draft.is_char_boundary(figure.range.start) && draft.is_char_boundary(figure.range.end));
        end = figure.range.end;
        assert!(!figure.readings.is_empty());
        for reading in &figure.readings {
            let claim = figure_claim(reading);
            assert_ne!(relation(&claim, &claim), Relation::Conflict, "{claim:?}");
        }
    }
    let candidates: Vec<Candidate> = figures_in(quote)
        .iter()
        .map(|figure| Candidate {
            claim: Claim {
                id: ClaimId([0; 32]),
                subject: quote.chars().take(20).collect(),
                property: quote.chars().skip(20).take(20).collect(),
                qualifiers: Qualifiers {
                    unit: figure.readings[0].noun.clone(),
                    ..figure_claim(&figure.readings[0]).qualifiers
                },
                value: figure.readings[0].value.clone(),
            },
            quotes: vec![quote.to_string()],
        })
        .collect();
    let judged = judge(draft, figures, &candidates);
    for item in judged {
        assert!(draft.is_char_boundary(item.sentence.start) && draft.is_char_boundary(item.sentence.end));
        assert!(item.sentence.start <= item.figure.range.start && item.figure.range.end <= item.sentence.end);
    }
});
