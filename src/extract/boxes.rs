//! Word boxes of a quote in a PDF: where on its pages its words are printed.
//! The same poppler that made the layer gives every word with its box
//! (`pdftotext -bbox-layout`, in the same reading order), and the words are
//! matched to the layer's text one by one: a word matches only where the
//! layer has exactly its text (a word hyphenated at a line end matches the
//! joined word's first part), and a word the layer left out (a page number)
//! is passed over. A quote gets boxes only when every character of it that
//! is not white space lies in a matched word; each box is the union of the
//! quote's words on one printed line, to the nearest hundredth of a point
//! from the page's top left corner, as pdftotext measures.

use std::ops::Range;
use std::process::Command;

use super::pdf::PdfError;

/// The most XHTML read from `pdftotext -bbox-layout` (about 120 bytes a
/// word: some 500,000 words); a PDF that gives more gets no boxes.
pub const MAX_WORDS_OUTPUT: usize = 64 << 20;

/// One word as pdftotext printed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// Its page, from 1.
    pub page: u32,
    /// Its line, counted over the pages read.
    pub line: u32,
    /// Its text.
    pub text: String,
    /// xMin, yMin, xMax, yMax in points from the page's top left corner.
    pub bbox: [f64; 4],
}

/// The words of pages `first..=last` (from 1) of a PDF.
pub fn read_words(bytes: &[u8], first: u32, last: u32) -> Result<Vec<Word>, PdfError> {
    let mut command = Command::new("pdftotext");
    command
        .args(["-bbox-layout", "-enc", "UTF-8", "-f"])
        .arg(first.to_string())
        .arg("-l")
        .arg(last.to_string())
        .args(["-", "-"]);
    let finished = super::pdf::run_pdftotext(command, bytes, MAX_WORDS_OUTPUT)?;
    if !finished.status.success() {
        return Err(PdfError::Unreadable(finished.first_error()));
    }
    Ok(parse(&String::from_utf8_lossy(&finished.output), first))
}

/// The words of pdftotext's `-bbox-layout` XHTML, its first page `first`.
pub fn parse(xhtml: &str, first: u32) -> Vec<Word> {
    let mut words = Vec::new();
    let mut page = first.saturating_sub(1);
    let mut line = 0u32;
    let mut rest = xhtml;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        if rest.starts_with("<page ") {
            page += 1;
        } else if rest.starts_with("<line ") || rest.starts_with("<line>") {
            line += 1;
        } else if rest.starts_with("<word ") {
            let Some(head_end) = rest.find('>') else {
                break;
            };
            let head = &rest[..head_end];
            let Some(close) = rest[head_end..].find("</word>") else {
                break;
            };
            let text = unescape(&rest[head_end + 1..head_end + close]);
            let number = |name: &str| -> Option<f64> {
                let key = format!("{name}=\"");
                let start = head.find(&key)? + key.len();
                let end = head[start..].find('"')? + start;
                head[start..end].parse().ok()
            };
            // A word outside a page is not one pdftotext writes.
            if let (true, Some(x0), Some(y0), Some(x1), Some(y1)) = (
                page >= first.max(1),
                number("xMin"),
                number("yMin"),
                number("xMax"),
                number("yMax"),
            ) {
                words.push(Word {
                    page,
                    line,
                    text,
                    bbox: [x0, y0, x1, y1],
                });
            }
            rest = &rest[head_end + close..];
            continue;
        }
        rest = &rest[1..];
    }
    words
}

/// The five entities pdftotext writes.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Where each word is in the layer's text, when it matched: its byte range.
pub fn align(text: &str, page_starts: &[u64], words: &[Word]) -> Vec<Option<Range<usize>>> {
    let mut spans = vec![None; words.len()];
    let mut index = 0;
    while index < words.len() {
        let page = words[index].page;
        let end_of_page = words[index..]
            .iter()
            .position(|word| word.page != page)
            .map_or(words.len(), |count| index + count);
        let Some(&start) = (page as usize)
            .checked_sub(1)
            .and_then(|before| page_starts.get(before))
        else {
            index = end_of_page;
            continue;
        };
        let stop = page_starts
            .get(page as usize)
            .map_or(text.len(), |next| *next as usize);
        let mut cursor = start as usize;
        for (slot, word) in spans[index..end_of_page]
            .iter_mut()
            .zip(&words[index..end_of_page])
        {
            let at = cursor
                + text[cursor..stop]
                    .char_indices()
                    .find(|(_, c)| !c.is_whitespace())
                    .map_or(stop - cursor, |(offset, _)| offset);
            let here = &text[at..stop];
            if !word.text.is_empty() && here.starts_with(&word.text) {
                *slot = Some(at..at + word.text.len());
                cursor = at + word.text.len();
                continue;
            }
            // "popu-" at a line end, joined in the layer: its first part.
            if let Some(part) = word.text.strip_suffix('-') {
                if !part.is_empty()
                    && here.starts_with(part)
                    && here[part.len()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_lowercase)
                {
                    *slot = Some(at..at + part.len());
                    cursor = at + part.len();
                }
            }
            // Otherwise a word the layer left out (a page number): passed.
        }
        index = end_of_page;
    }
    spans
}

/// The boxes of the quote at `range` of the layer: per printed line,
/// `[page, x0, y0, x1, y1]` in hundredths of a point; None unless every
/// character of the quote that is not white space lies in a matched word.
pub fn quote_boxes(
    text: &str,
    page_starts: &[u64],
    words: &[Word],
    range: Range<usize>,
) -> Option<Vec<[u32; 5]>> {
    let quoted = text.get(range.clone())?;
    let spans = align(text, page_starts, words);
    let mut covered = vec![false; range.len()];
    let mut boxes: Vec<(u32, u32, [f64; 4])> = Vec::new();
    for (word, span) in words.iter().zip(&spans) {
        let Some(span) = span else { continue };
        if span.end <= range.start || span.start >= range.end {
            continue;
        }
        for at in span.start.max(range.start)..span.end.min(range.end) {
            covered[at - range.start] = true;
        }
        match boxes.last_mut() {
            Some((page, line, bbox)) if *page == word.page && *line == word.line => {
                bbox[0] = bbox[0].min(word.bbox[0]);
                bbox[1] = bbox[1].min(word.bbox[1]);
                bbox[2] = bbox[2].max(word.bbox[2]);
                bbox[3] = bbox[3].max(word.bbox[3]);
            }
            _ => boxes.push((word.page, word.line, word.bbox)),
        }
    }
    let whole = quoted
        .char_indices()
        .all(|(offset, c)| c.is_whitespace() || covered[offset]);
    if !whole || boxes.is_empty() {
        return None;
    }
    // pdftotext prints six decimals; the nearest hundredth.
    let hundredths =
        |value: f64| -> u32 { (value * 100.0).round().clamp(0.0, f64::from(u32::MAX)) as u32 };
    Some(
        boxes
            .into_iter()
            .map(|(page, _, [x0, y0, x1, y1])| {
                [
                    page,
                    hundredths(x0),
                    hundredths(y0),
                    hundredths(x1),
                    hundredths(y1),
                ]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGES: &str = r#"<doc>
  <page width="595.000000" height="842.000000">
    <flow><block><line xMin="72" yMin="100" xMax="300" yMax="110">
      <word xMin="72.000000" yMin="100.000000" xMax="90.000000" yMax="110.000000">The</word>
      <word xMin="92.000000" yMin="101.000000" xMax="120.500000" yMax="110.250000">popu-</word>
    </line><line xMin="72" yMin="112" xMax="300" yMax="122">
      <word xMin="72.000000" yMin="112.000000" xMax="100.000000" yMax="122.000000">lation</word>
      <word xMin="102.000000" yMin="112.000000" xMax="130.000000" yMax="122.000000">R&amp;D</word>
    </line><line xMin="290" yMin="800" xMax="300" yMax="810">
      <word xMin="290.000000" yMin="800.000000" xMax="300.000000" yMax="810.000000">12</word>
    </line></block></flow>
  </page>
  <page width="595.000000" height="842.000000">
    <flow><block><line xMin="72" yMin="100" xMax="300" yMax="110">
      <word xMin="72.000000" yMin="100.000000" xMax="99.990000" yMax="110.000000">grew.</word>
    </line></block></flow>
  </page>
</doc>"#;

    #[test]
    fn words_and_their_boxes_in_the_layer() {
        let words = parse(PAGES, 1);
        assert_eq!(words.len(), 6);
        assert_eq!(words[3].text, "R&D");
        assert_eq!((words[5].page, words[5].line), (2, 4));
        // The layer as pdf.rs makes it: the hyphen joined, the page number
        // left out, pages joined by a blank line.
        let text = "The population\nR&D\n\ngrew.";
        let page_starts = [0, 20];
        let spans = align(text, &page_starts, &words);
        assert_eq!(
            spans,
            vec![
                Some(0..3),
                Some(4..8),
                Some(8..14),
                Some(15..18),
                None,
                Some(20..25)
            ]
        );
        // "population R&D grew." runs over two lines and onto page 2: three
        // boxes, each the union of its words, in hundredths of a point.
        let start = text.find("population").expect("in text");
        assert_eq!(
            quote_boxes(text, &page_starts, &words, start..text.len()),
            Some(vec![
                [1, 9200, 10100, 12050, 11025],
                [1, 7200, 11200, 13000, 12200],
                [2, 7200, 10000, 9999, 11000],
            ])
        );
        // A quote one of whose characters no word covers gets none.
        let other = "The populatioX\nR&D\n\ngrew.";
        assert_eq!(quote_boxes(other, &page_starts, &words, 0..14), None);
        // A range past the text (a forged line) is none, before anything
        // is allocated for it.
        assert_eq!(quote_boxes(text, &page_starts, &words, 0..usize::MAX), None);
    }
}
