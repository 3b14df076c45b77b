//! Revision texts: an old text, a cited span of it, and a new text, all from
//! the input. Following the citation into the new text must never panic; a
//! carried anchor must hold in the new text, a candidate must be a slice of
//! it, and the word diff must rebuild both texts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provdb::text::anchor::{self, AnchorCheck, DescribeOptions};
use provdb::text::carry::{self, Prior, Run, WordDiff};
use provdb::model::{Citation, ClaimId, Selector, SourceId, Stance, Value};

fuzz_target!(|input: (&str, &str, u16, u16)| {
    let (old, new, a, b) = input;
    let diff = WordDiff::new(old, new);
    let (mut rebuilt_old, mut rebuilt_new) = (String::new(), String::new());
    for run in &diff.runs {
        let (Run::Same(x, y) | Run::Edit(x, y)) = run;
        rebuilt_old.push_str(&old[x.clone()]);
        rebuilt_new.push_str(&new[y.clone()]);
    }
    assert_eq!(rebuilt_old, old);
    assert_eq!(rebuilt_new, new);
    let (mut start, mut end) = (usize::from(a) % (old.len() + 1), usize::from(b) % (old.len() + 1));
    if start > end {
        std::mem::swap(&mut start, &mut end);
    }
    if start == end || !old.is_char_boundary(start) || !old.is_char_boundary(end) {
        return;
    }
    let (prefix, suffix) = anchor::describe(old, start..end, DescribeOptions::default());
    let citation = Citation {
        claim: ClaimId([1; 32]),
        source: SourceId([2; 32]),
        selector: Selector {
            exact: old[start..end].to_string(),
            prefix,
            suffix,
            start: start as u64,
            end: end as u64,
        },
        stance: Stance::Supports,
        value_not_in_quote: false,
        layer: None,
    };
    let value = Value::Count { count: 15 };
    for found in carry::reanchor(old, new, &[Prior { citation: &citation, value: &value }]) {
        if let Some((_, anchor)) = &found.carry {
            let check = anchor::check_anchor(
                new.as_bytes(),
                &anchor.exact,
                &anchor.prefix,
                &anchor.suffix,
                anchor.range.start as u64,
                anchor.range.end as u64,
            );
            assert_eq!(check, AnchorCheck::Holds);
        }
        if let Some(candidate) = &found.candidate {
            assert_eq!(
                &new[candidate.start as usize..candidate.end as usize],
                candidate.exact
            );
        }
    }
});
