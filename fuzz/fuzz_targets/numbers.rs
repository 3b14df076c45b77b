//! Numbers and values people type, and numbers found in quotes: any text must
//! give a value or an error, and a value must be found in its own display
//! form. Values read with hedges, ranges and nouns compare with themselves
//! (a value can always hold beside itself) and symmetrically; decimal commas
//! rewritten keep every byte offset.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provdb::model::{Claim, ClaimId, Qualifiers, ValueKind};
use provdb::text::extent::{relation, Relation};

fuzz_target!(|text: &str| {
    let _ = provdb::text::values::numbers_in(text);
    let rewritten = provdb::text::values::from_comma_decimal(text);
    assert_eq!(rewritten.len(), text.len());
    let _ = provdb::text::dates::looks_like_date(text);
    let mut claims = Vec::new();
    for kind in [
        None,
        Some(ValueKind::Count),
        Some(ValueKind::Quantity),
        Some(ValueKind::Date),
        Some(ValueKind::Text),
    ] {
        for unit in [None, Some("km")] {
            if let Ok(value) = provdb::text::values::parse_value(kind, text, unit) {
                let _ = provdb::text::values::value_in_text(&value, text);
                let _ = provdb::text::stated::hedge_in_quote(&value, text);
            }
            if let Ok(stated) = provdb::text::stated::read_stated(kind, text, unit) {
                claims.push(Claim {
                    id: ClaimId([0; 32]),
                    subject: String::new(),
                    property: String::new(),
                    value: stated.value,
                    qualifiers: Qualifiers {
                        as_of: None,
                        unit: stated.noun.or(unit.map(str::to_string)),
                        bound: stated.bound.unwrap_or_default(),
                        upper: stated.upper,
                    },
                });
            }
        }
    }
    for a in &claims {
        assert_ne!(relation(a, a), Relation::Conflict, "{a:?} conflicts with itself");
        for b in &claims {
            assert_eq!(relation(a, b), relation(b, a), "{a:?} / {b:?}");
        }
    }
});
