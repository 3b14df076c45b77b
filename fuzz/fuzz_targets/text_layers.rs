//! Web pages and text in any encoding: outside input `add` reads into a
//! text layer. Deriving must never panic; a layer derived again from the
//! same bytes and parameters is the same text; every piece of a page maps
//! to original bytes inside the page, and a quote's original ranges are in
//! order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provdb::extract::{derive, rederive, Kind};

fuzz_target!(|bytes: &[u8]| {
    for kind in [Kind::Html, Kind::Text] {
        let Ok(Some(layer)) = derive(bytes, kind, None) else {
            continue;
        };
        let again = rederive(bytes, layer.extractor, &layer.version, &layer.params)
            .expect("a layer derives again from its own parameters");
        assert_eq!(again.text, layer.text, "derived again, the text differs");
        let length = layer.text.len() as u64;
        if length == 0 {
            continue;
        }
        // Every prefix of the text maps to ranges in order, inside the bytes.
        let end = layer.text.char_indices().nth(3).map_or(length, |(at, _)| at as u64);
        if let Some(ranges) = layer.original_ranges(0..end) {
            let mut last = 0;
            for range in ranges {
                assert!(range.start >= last && range.start < range.end, "ranges out of order");
                assert!(range.end <= bytes.len() as u64, "a range past the end of the page");
                last = range.end;
            }
        }
    }
});
