//! Text normalisation for identity and display.
//!
//! Subjects, properties and units are compared by their identity key: NFC,
//! trimmed, inner whitespace collapsed to one space, Unicode default case
//! folding, then NFC again (folding can denormalise). The display form a person
//! typed is kept separately and never enters an id.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

/// Returns `text` in NFC with surrounding whitespace trimmed and inner runs collapsed to one space.
pub fn tidy(text: &str) -> String {
    let composed: String = text.nfc().collect();
    composed.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Returns the identity key of a subject, property or unit.
pub fn identity_key(text: &str) -> String {
    let tidied = tidy(text);
    let folded: String = tidied.chars().default_case_fold().collect();
    folded.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_key_cases() {
        // Hand-worked: trim, collapse, fold.
        assert_eq!(identity_key("  Civilians\t KILLED \n"), "civilians killed");
        // "e" + COMBINING ACUTE (U+0301) composes to U+00E9 under NFC.
        assert_eq!(identity_key("Caf\u{65}\u{301}"), "caf\u{e9}");
        // Full case folding maps sharp s to "ss", which lowercase does not.
        assert_eq!(identity_key("STRASSE"), identity_key("Stra\u{df}e"));
        assert_eq!(tidy("  Khojaly,   26  February "), "Khojaly, 26 February");
    }
}
