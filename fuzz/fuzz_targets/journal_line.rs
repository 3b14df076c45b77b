//! Journal lines come from disk and may be damaged or hostile: parsing any
//! bytes must return an entry or an error, never panic, and an entry that
//! parses must survive being written and read again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(entry) = provdb::storage::journal::parse_entry(data) {
        let line = serde_json::to_vec(&entry).expect("a parsed entry serialises");
        let again = provdb::storage::journal::parse_entry(&line).expect("a written entry parses");
        assert_eq!(again, entry);
    }
});
