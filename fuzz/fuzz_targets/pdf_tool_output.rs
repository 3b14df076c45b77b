//! What poppler and qpdf print about an untrusted PDF: pdftotext's word
//! boxes and qpdf's page labels. Reading them must never panic; every box
//! lies on a page that has words, and a label is computed for any page.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provdb::extract::{boxes, labels};

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let words = boxes::parse(&text, 1);
    // A layer made of the words themselves, one page per word's page.
    let mut layer = String::new();
    let mut page_starts = Vec::new();
    for word in &words {
        while page_starts.len() < word.page as usize {
            if !layer.is_empty() {
                layer.push_str("\n\n");
            }
            page_starts.push(layer.len() as u64);
        }
        layer.push_str(&word.text);
        layer.push(' ');
    }
    if !layer.is_empty() {
        let end = layer.char_indices().nth(5).map_or(layer.len(), |(at, _)| at);
        if let Some(found) = boxes::quote_boxes(&layer, &page_starts, &words, 0..end) {
            for found in found {
                assert!(words.iter().any(|word| word.page == found[0]), "a box on a page with no words");
            }
        }
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(bytes) {
        if let Ok(ranges) = labels::parse(&json) {
            for page in [1, 2, 1000, 2000] {
                let _ = labels::label(&ranges, page);
            }
            assert_eq!(labels::from_param(&labels::to_param(&ranges)), Some(ranges));
        }
    }
});
