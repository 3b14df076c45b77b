//! Times people type, and dates found in quotes: any text must give a time or
//! an error, and a time must read back from its canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(when) = provdb::text::dates::parse_when(text) {
        let canonical = when.to_string();
        let back: provdb::model::When = canonical.parse().expect("canonical form parses");
        assert_eq!(back, when);
    }
    let _ = provdb::text::dates::dates_in(text);
});
