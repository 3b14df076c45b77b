//! Web archives from other tools: outside input `import --format warc` and
//! `--format wacz` read. Reading must never panic; a record's span lies in
//! the bytes and starts with its version line; a body read from a response
//! is never over the limit asked for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provdb::capture::{wacz, warc};

fuzz_target!(|bytes: &[u8]| {
    if let Ok(records) = warc::records(bytes) {
        for record in &records {
            assert!(record.span.end <= bytes.len(), "a record past the end");
            assert!(bytes[record.span.clone()].starts_with(b"WARC/"), "a record not at its version line");
            if let Some((_, headers, payload)) = warc::http_response(&record.block) {
                if let Some(body) = warc::page_body(&headers, payload, 1024) {
                    assert!(body.len() <= 1024, "a body over its limit");
                }
            }
        }
    }
    // The same bytes as a zip package: refused or read, never a panic.
    let _ = wacz::warc_records(std::io::Cursor::new(bytes));
});
