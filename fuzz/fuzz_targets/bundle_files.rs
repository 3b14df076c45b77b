//! Bundle files: outside input that `import` reads. Reading must never panic,
//! and any object it hands on is named by a valid id.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let mut reader = input;
    let mut sink = |_id: provdb::model::SourceId, bytes: &mut dyn std::io::Read, _size: u64| {
        let mut drained = Vec::new();
        bytes
            .read_to_end(&mut drained)
            .map(|_| ())
            .map_err(|source| provdb::interchange::bundle::BundleError::Io {
                action: "read",
                source,
            })
    };
    let _ = provdb::interchange::bundle::read(&mut reader, input.len() as u64, &mut sink);
});
