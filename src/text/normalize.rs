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
    if text.is_ascii() {
        // NFC leaves ASCII as it is.
        return words_joined(text, false);
    }
    let composed: String = text.nfc().collect();
    composed.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Returns the identity key of a subject, property or unit.
pub fn identity_key(text: &str) -> String {
    if text.is_ascii() {
        // Within ASCII, NFC changes nothing and default case folding maps
        // A-Z to a-z and nothing else (CaseFolding.txt); a test holds this
        // path equal to the general one for every ASCII character.
        return words_joined(text, true);
    }
    unicode_identity_key(text)
}

/// Returns the identity key of any text: NFC, whitespace collapsed, case folded, NFC again.
fn unicode_identity_key(text: &str) -> String {
    let composed: String = text.nfc().collect();
    let tidied = composed.split_whitespace().collect::<Vec<_>>().join(" ");
    let folded: String = tidied.chars().default_case_fold().collect();
    folded.nfc().collect()
}

/// Returns the words of ASCII `text` joined by one space, lowercased when asked.
fn words_joined(text: &str, lowercase: bool) -> String {
    let mut joined = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(word);
    }
    if lowercase {
        joined.make_ascii_lowercase();
    }
    joined
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

    /// The ASCII path gives what NFC, collapsing and full case folding give,
    /// for every ASCII character alone, between words and in runs.
    #[test]
    fn ascii_keys_match_the_general_rule() {
        let mut checked = 0;
        for byte in 0u8..128 {
            let ch = char::from(byte);
            for text in [
                ch.to_string(),
                format!("Ab{ch}cD"),
                format!(" {ch}{ch} X{ch} "),
                format!("{ch}\t\u{b}\u{c}\r\nZ {ch}"),
            ] {
                let composed: String = text.nfc().collect();
                let general_tidy = composed.split_whitespace().collect::<Vec<_>>().join(" ");
                assert_eq!(tidy(&text), general_tidy, "{text:?}");
                assert_eq!(identity_key(&text), unicode_identity_key(&text), "{text:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 128 * 4);
        // The vertical tab (U+000B) is whitespace to the general rule, as
        // char::is_whitespace says; hand-worked.
        assert_eq!(identity_key("A\u{b}B"), "a b");
    }
}
