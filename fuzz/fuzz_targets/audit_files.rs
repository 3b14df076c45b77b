//! Proof and receipt files: outside input that `verify-proof` and
//! `verify-receipt` read with no store. Parsing and checking must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(proof) = provdb::audit::proofs::AnyProof::parse(input) {
        let _ = proof.verify();
    }
    if let Ok(receipt) = serde_json::from_str::<provdb::audit::receipt::Receipt>(input) {
        let _ = receipt.verify();
    }
    let _ = provdb::audit::checkpoints::parse_text(input);
});
