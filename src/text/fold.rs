//! Folding text for matching quotes as people type them (schema/quotes.md).
//!
//! A quote typed with straight quotes, hyphens, three dots, ordinary spaces
//! or composed accents must find the source's typographic quotes, dashes, an
//! ellipsis, no-break spaces or decomposed accents. Both sides are folded,
//! matched, and the match is mapped back to the source's own bytes, which is
//! what is stored: proofs stay exact, only finding is forgiving.
//!
//! The folding, character by character:
//! 1. canonical decomposition (NFD) of each character, so composed and
//!    decomposed accents meet;
//! 2. every white-space character (Unicode `White_Space`, which includes
//!    line breaks, tabs and no-break spaces) becomes one space, and a run of
//!    them one space; white space at the very start and end of a quote is
//!    dropped;
//! 3. `‘ ’ ‚ ‛ ′` become `'`; `“ ” „ ‟ ″ « »` become `"`;
//! 4. `‐ ‑ ‒ – — ― −` become `-`;
//! 5. `…` becomes `...`.
//!
//! Case, digits, letters and every other character are kept as they are.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// A text folded for matching, with each folded byte's place in the original.
#[derive(Debug, Clone)]
pub struct Folded {
    /// The folded text.
    pub text: String,
    /// For each byte of `text`: the byte range in the original of the
    /// character that produced it.
    origin: Vec<(usize, usize)>,
    /// For each byte of `text`: true where a produced run begins, so a match
    /// may start there (never inside the folding of one character).
    run_start: Vec<bool>,
}

/// What one original character folds to.
fn fold_char(ch: char, out: &mut String) {
    match ch {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => out.push('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{AB}' | '\u{BB}' => {
            out.push('"')
        }
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => out.push('-'),
        '\u{2026}' => out.push_str("..."),
        _ => decompose_canonical(ch, |part| out.push(part)),
    }
}

/// Folds `text`, keeping where each folded byte came from.
pub fn fold(text: &str) -> Folded {
    let mut folded = Folded {
        text: String::with_capacity(text.len()),
        origin: Vec::with_capacity(text.len()),
        run_start: Vec::with_capacity(text.len()),
    };
    let mut in_space = false;
    let mut buffer = String::new();
    for (start, ch) in text.char_indices() {
        let end = start + ch.len_utf8();
        if ch.is_whitespace() {
            if in_space {
                // The run's one space now reaches to here.
                if let Some(last) = folded.origin.last_mut() {
                    last.1 = end;
                }
            } else {
                folded.text.push(' ');
                folded.origin.push((start, end));
                folded.run_start.push(true);
                in_space = true;
            }
            continue;
        }
        in_space = false;
        buffer.clear();
        fold_char(ch, &mut buffer);
        let first = folded.text.len();
        folded.text.push_str(&buffer);
        for at in first..folded.text.len() {
            folded.origin.push((start, end));
            folded.run_start.push(at == first);
        }
    }
    folded
}

/// Folds a quote or its context as typed: white space at both ends dropped.
pub fn fold_typed(text: &str) -> String {
    fold(text.trim()).text
}

impl Folded {
    /// The original byte range a match at folded bytes `range` covers, when
    /// it begins and ends on whole characters of the original.
    pub fn original(&self, range: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
        if range.is_empty() || range.end > self.text.len() {
            return None;
        }
        if !self.run_start[range.start] {
            return None;
        }
        // The match must end where a character's folding ends, and not
        // part a letter from the accents that follow it.
        if range.end < self.text.len() {
            let next = self.text[range.end..].chars().next();
            if !self.run_start[range.end] || next.is_some_and(is_combining_mark) {
                return None;
            }
        }
        Some(self.origin[range.start].0..self.origin[range.end - 1].1)
    }

    /// Every folded range where `needle` occurs, overlapping ones included,
    /// that maps to whole characters of the original.
    pub fn find_all(&self, needle: &str) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
        let mut found = Vec::new();
        if needle.is_empty() {
            return found;
        }
        let mut at = 0;
        while let Some(offset) = self.text[at..].find(needle) {
            let start = at + offset;
            let folded = start..start + needle.len();
            if let Some(original) = self.original(folded.clone()) {
                found.push((folded, original));
            }
            at = start + self.text[start..].chars().next().map_or(1, char::len_utf8);
        }
        found
    }

    /// True when the folded text before `at` ends with `prefix` (both with
    /// white space at the junction ignored).
    pub fn preceded_by(&self, at: usize, prefix: &str) -> bool {
        self.text[..at].trim_end().ends_with(prefix.trim_end())
    }

    /// True when the folded text from `at` starts with `suffix` (white space
    /// at the junction ignored).
    pub fn followed_by(&self, at: usize, suffix: &str) -> bool {
        self.text[at..]
            .trim_start()
            .starts_with(suffix.trim_start())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finds `quote` (as typed) in `text` and returns the original slices.
    fn found<'a>(text: &'a str, quote: &str) -> Vec<&'a str> {
        let folded = fold(text);
        folded
            .find_all(&fold_typed(quote))
            .into_iter()
            .map(|(_, original)| &text[original])
            .collect()
    }

    #[test]
    fn typed_quotes_find_the_typographic_text() {
        // Each pair: the source's text, and what a person types for it.
        let cases = [
            ("the court\u{2019}s decision", "the court's decision"),
            ("\u{201C}613 killed\u{201D}", "\"613 killed\""),
            ("1992\u{2013}1994", "1992-1994"),
            ("a toll \u{2014} disputed", "a toll - disputed"),
            ("and so on\u{2026} later", "and so on... later"),
            ("26\u{A0}February", "26 February"),
            ("613 civilians\nwere   killed", "613 civilians were killed"),
            ("Ko\u{0308}ln", "K\u{F6}ln"),
            ("K\u{F6}ln", "Ko\u{0308}ln"),
            ("\u{AB}guillemets\u{BB}", "\"guillemets\""),
        ];
        for (text, typed) in cases {
            assert_eq!(found(text, typed), vec![text], "{typed:?} in {text:?}");
        }
    }

    #[test]
    fn the_match_is_the_source_own_bytes_and_whole_characters() {
        let text = "He said \u{201C}no\u{201D}\u{2026} then left.";
        let folded = fold(text);
        let matches = folded.find_all(&fold_typed("\"no\"..."));
        assert_eq!(matches.len(), 1);
        // The original range covers the curly quotes and the ellipsis whole:
        // "He said " is 8 bytes; “ is 3, "no" 2, ” 3, … 3 bytes.
        assert_eq!(matches[0].1, 8..19);
        assert_eq!(&text[matches[0].1.clone()], "\u{201C}no\u{201D}\u{2026}");
        // Two of the ellipsis's three dots are not a whole character.
        assert!(folded.find_all("no\"..").iter().all(|(_, original)| {
            text.is_char_boundary(original.start) && text.is_char_boundary(original.end)
        }));
        assert_eq!(found(text, "\"no\".."), Vec::<&str>::new());
    }

    #[test]
    fn a_letter_is_not_parted_from_its_accent() {
        // "Ko" + U+0308 is "Kö": typing "Ko" does not find half of it.
        assert!(found("Ko\u{308}ln", "Ko").is_empty());
        assert_eq!(found("Ko\u{308}ln", "K\u{F6}"), vec!["Ko\u{308}"]);
    }

    #[test]
    fn case_and_letters_are_not_folded() {
        assert!(found("Khojaly", "khojaly").is_empty());
        assert!(found("613", "631").is_empty());
    }

    #[test]
    fn context_ignores_white_space_at_the_junction() {
        let text = "or  not\tto be";
        let folded = fold(text);
        let (range, _) = folded.find_all("not")[0].clone();
        assert!(folded.preceded_by(range.start, "or"));
        assert!(folded.preceded_by(range.start, "or "));
        assert!(folded.followed_by(range.end, "to be"));
        assert!(folded.followed_by(range.end, " to"));
        assert!(!folded.followed_by(range.end, "be"));
    }
}
