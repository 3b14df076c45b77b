//! `cite --batch` lines come from files people write: any bytes must give a
//! request or a one-line reason, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(why) = provdb::store::parse_batch_line(text) {
        assert!(!why.is_empty());
    }
});
