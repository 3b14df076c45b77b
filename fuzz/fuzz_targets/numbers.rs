//! Numbers and values people type, and numbers found in quotes: any text must
//! give a value or an error, and a value must be found in its own display form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provdb::model::ValueKind;

fuzz_target!(|text: &str| {
    let _ = provdb::text::values::numbers_in(text);
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
            }
        }
    }
});
