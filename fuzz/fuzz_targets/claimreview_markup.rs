//! ClaimReview markup: outside input that `import --format claimreview`
//! reads. Reading must never panic; every review found has a JSON Pointer
//! that resolves in the markup to an object, and writing it back as a
//! ClaimReview node never panics either.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(found) = provdb::interchange::claimreview::read_markup(input) else {
        return;
    };
    let value: serde_json::Value = serde_json::from_slice(input).expect("read_markup read it as JSON");
    for item in found {
        let node = value.pointer(&item.pointer).expect("the pointer resolves");
        assert!(node.is_object(), "the pointer names an object");
        let written = provdb::interchange::claimreview::review_node(&item.review, None);
        assert_eq!(written["@type"], "ClaimReview");
    }
});
