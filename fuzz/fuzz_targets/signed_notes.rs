//! What a witness, `verify-proof --policy` and `verify --tsa-cert` read from
//! outside: signed notes, verifier keys, policies, add-checkpoint request
//! bodies, time-stamp responses and tokens. Parsing and checking must never
//! panic, and a note that parses must print back to the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    if let Ok(text) = std::str::from_utf8(input) {
        if let Ok(note) = provdb::audit::note::Note::parse(text) {
            let _ = note.verify(&[]);
            let again = provdb::audit::note::Note::parse(&note.text_with_signatures())
                .expect("a parsed note parses again");
            assert_eq!(again, note);
        }
        let _ = provdb::audit::note::VerifierKey::parse(text);
        let _ = provdb::audit::note::SigningKey::parse(text);
        if let Ok(policy) = provdb::audit::policy::Policy::parse(text) {
            let _ = policy.satisfied(&["a", "b"]);
            let _ = policy.check(text);
        }
        let _ = provdb::audit::proofs::InclusionProof::from_tlog_proof(text);
    }
    let _ = provdb::witness::AddCheckpoint::parse(input);
    let _ = provdb::audit::timestamp::token_of_response(input);
    let _ = provdb::audit::timestamp::check_token(input, Some(input), b"data");
    let _ = provdb::audit::timestamp::certificate_key(input);
});
