//! Quote selectors: a text, a quote and context from the input. Anchoring
//! must never panic, and an anchor it returns must hold in the text and be
//! the only match of its own description.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provdb::text::anchor::{self, AnchorCheck};

fuzz_target!(|input: (&str, &str, &str, &str, u8)| {
    let (text, quote, prefix, suffix, occurrence) = input;
    let prefix = (!prefix.is_empty()).then_some(prefix);
    let suffix = (!suffix.is_empty()).then_some(suffix);
    let occurrence = (occurrence > 0).then_some(usize::from(occurrence % 8));
    if let Ok(found) = anchor::anchor_quote(text, quote, prefix, suffix, occurrence) {
        assert_eq!(&text[found.range.clone()], found.exact);
        assert_eq!(
            anchor::check_anchor(
                text.as_bytes(),
                &found.exact,
                &found.prefix,
                &found.suffix,
                found.range.start as u64,
                found.range.end as u64
            ),
            AnchorCheck::Holds
        );
        assert_eq!(
            anchor::match_quote(text, &found.exact, &found.prefix, &found.suffix),
            vec![found.range.clone()]
        );
    }
    let _ = anchor::closest_passage(text, quote);
});
