//! The text layer of a PDF: poppler's `pdftotext`, run as a child process so
//! that a crash or a hang of the extractor cannot take provdb down, with a
//! time limit, a page limit and an output limit. Its version is the
//! installed poppler's, recorded in every layer: another version may read a
//! page differently, and `verify` says so instead of comparing.
//!
//! Each page's text is kept in reading order (`pdftotext`'s default mode);
//! a word hyphenated at a line end is joined when the next line starts with
//! a lower-case letter; trailing spaces are dropped; a page number alone on
//! a page's first or last line is left out; pages are separated by
//! a blank line, and where each page starts is kept so that a quote's pages
//! are known.

use std::process::{Command, Stdio};
use std::time::Duration;

/// The extractor's name in a text layer.
pub const NAME: &str = "poppler-pdftotext";

/// The most pages provdb reads from a PDF.
pub const MAX_PAGES: u32 = 2_000;

/// The most text it takes from one.
pub const MAX_TEXT: usize = 64 << 20;

/// How long one extraction may run.
pub const TIME_LIMIT: Duration = Duration::from_secs(120);

/// Why a PDF has no text layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// pdftotext is not installed.
    #[error("provdb reads PDFs with poppler's pdftotext, which is not installed (Debian: apt-get install poppler-utils)")]
    Missing,
    /// The PDF is encrypted.
    #[error("it is an encrypted PDF; save a copy without its password (e.g. qpdf --decrypt) and add that")]
    Encrypted,
    /// No text on any page.
    #[error("it is a PDF with no text layer; run OCR first, e.g. ocrmypdf, and add the result")]
    NoText,
    /// Too many pages.
    #[error("it is a PDF of more than {MAX_PAGES} pages, the most provdb reads")]
    TooManyPages,
    /// Too much text, or too slow.
    #[error("reading it took more than {} s or gave more than {} MB of text; split the PDF", TIME_LIMIT.as_secs(), MAX_TEXT >> 20)]
    TooLarge,
    /// pdftotext refused it.
    #[error("it is a PDF pdftotext cannot read ({0}); check that the file is whole")]
    Unreadable(String),
}

/// A PDF's text, with where each page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfText {
    /// The text, pages separated by a blank line.
    pub text: String,
    /// Where each page starts in `text`, page 1 first.
    pub page_starts: Vec<u64>,
}

/// The version of the installed pdftotext (`22.12.0`), asked once per process.
pub fn version() -> Result<String, PdfError> {
    static VERSION: std::sync::OnceLock<Result<String, PdfError>> = std::sync::OnceLock::new();
    VERSION.get_or_init(ask_version).clone()
}

fn ask_version() -> Result<String, PdfError> {
    let output = Command::new("pdftotext")
        .arg("-v")
        .stdin(Stdio::null())
        .output()
        .map_err(|_| PdfError::Missing)?;
    let printed = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    printed
        .lines()
        .find_map(|line| line.strip_prefix("pdftotext version "))
        .map(|version| version.trim().to_string())
        .ok_or(PdfError::Missing)
}

/// True when the bytes start like a PDF (`%PDF-` within the first 1,024 bytes,
/// as readers accept it).
pub fn is_pdf(head: &[u8]) -> bool {
    head[..head.len().min(1024)]
        .windows(5)
        .any(|window| window == b"%PDF-")
}

/// Runs pdftotext with the PDF on its standard input, within the time limit
/// and `max_output` bytes of output.
pub(super) fn run_pdftotext(
    command: Command,
    bytes: &[u8],
    max_output: usize,
) -> Result<super::child::Finished, PdfError> {
    super::child::run(command, Some(bytes), max_output, TIME_LIMIT).map_err(|stopped| match stopped
    {
        super::child::Stopped::Missing => PdfError::Missing,
        super::child::Stopped::OverLimit => PdfError::TooLarge,
        super::child::Stopped::Failed(kind) => {
            PdfError::Unreadable(format!("pdftotext could not be started: {kind}"))
        }
    })
}

/// Reads a PDF's text with pdftotext.
pub fn extract(bytes: &[u8]) -> Result<PdfText, PdfError> {
    let mut command = Command::new("pdftotext");
    command
        .args(["-enc", "UTF-8", "-eol", "unix", "-l"])
        .arg((MAX_PAGES + 1).to_string())
        .args(["-", "-"]);
    let finished = run_pdftotext(command, bytes, MAX_TEXT)?;
    if !finished.status.success() {
        if finished.errors.contains("Incorrect password") {
            return Err(PdfError::Encrypted);
        }
        return Err(PdfError::Unreadable(finished.first_error()));
    }
    let errors = &finished.errors;
    let raw = String::from_utf8_lossy(&finished.output);
    match layer_text(&raw) {
        // No text, and pdftotext said why: a damaged file, not a scan.
        Err(PdfError::NoText) if errors.contains("Error") => Err(PdfError::Unreadable(
            errors
                .lines()
                .find(|line| line.contains("Error"))
                .unwrap_or_default()
                .trim()
                .chars()
                .take(200)
                .collect(),
        )),
        other => other,
    }
}

/// The layer's text from pdftotext's output (pages ended by form feeds).
pub fn layer_text(raw: &str) -> Result<PdfText, PdfError> {
    let mut pages: Vec<&str> = raw.split('\x0c').collect();
    // pdftotext ends every page with a form feed: the last piece is empty.
    if pages.last().is_some_and(|last| last.trim().is_empty()) && pages.len() > 1 {
        pages.pop();
    }
    if pages.len() as u64 > u64::from(MAX_PAGES) {
        return Err(PdfError::TooManyPages);
    }
    let mut text = String::new();
    let mut page_starts = Vec::with_capacity(pages.len());
    for (index, page) in pages.iter().enumerate() {
        if index > 0 {
            text.push_str("\n\n");
        }
        page_starts.push(text.len() as u64);
        text.push_str(&page_text(page));
    }
    if text.trim().is_empty() {
        return Err(PdfError::NoText);
    }
    Ok(PdfText { text, page_starts })
}

/// One page: lines without trailing spaces, a hyphen at a line end joined
/// to a next line that starts with a lower-case letter, no blank lines at
/// either end.
fn page_text(page: &str) -> String {
    let mut lines: Vec<&str> = page.lines().map(str::trim_end).collect();
    // A page number alone on the first or last line would stand between the
    // words of a sentence that runs on to the next page: it is left out.
    while lines.last().is_some_and(|line| line.trim().is_empty()) {
        lines.pop();
    }
    if lines.last().is_some_and(|line| is_page_number(line)) {
        lines.pop();
    }
    let blank_start = lines
        .iter()
        .take_while(|line| line.trim().is_empty())
        .count();
    lines.drain(..blank_start);
    if lines.first().is_some_and(|line| is_page_number(line)) {
        lines.remove(0);
    }
    let mut out = String::new();
    let mut joined = false;
    for (index, line) in lines.iter().enumerate() {
        let line = if joined { line.trim_start() } else { line };
        joined = false;
        let next_lower = lines
            .get(index + 1)
            .and_then(|next| next.trim_start().chars().next())
            .is_some_and(char::is_lowercase);
        let mut chars = line.chars().rev();
        let hyphen_after_letter =
            chars.next() == Some('-') && chars.next().is_some_and(char::is_alphabetic);
        if hyphen_after_letter && next_lower {
            out.push_str(&line[..line.len() - 1]);
            joined = true;
        } else {
            out.push_str(line);
            if index + 1 < lines.len() {
                out.push('\n');
            }
        }
    }
    out.trim_matches('\n').to_string()
}

/// A line that is only a page number: 1 to 4 digits, or a lower-case roman
/// numeral of front matter (i to xxxix: the letters i, v and x, in an order
/// roman numerals use), never a word such as "did" or "mix".
fn is_page_number(line: &str) -> bool {
    let line = line.trim();
    if !line.is_empty() && line.len() <= 4 && line.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    const ROMAN: &[&str] = &["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"];
    let tens = line.bytes().take_while(|b| *b == b'x').count();
    tens <= 3 && (line.len() == tens && tens > 0 || ROMAN.contains(&&line[tens..]))
}

/// The pages (from 1) a range of the layer's text lies on.
pub fn pages_of(page_starts: &[u64], range: std::ops::Range<u64>) -> Vec<u32> {
    let page_at = |offset: u64| page_starts.partition_point(|start| *start <= offset).max(1) as u32;
    let first = page_at(range.start);
    let last = page_at(range.end.saturating_sub(1).max(range.start));
    (first..=last).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pdftotext's output for two pages, worked out by hand.
    #[test]
    fn pages_lines_and_hyphens() {
        let raw = "The Court gave its deci-\nsion on 22 April 2010.   \nTwenty-\nFive judges\n\n  12\n\x0c\nii\nIt was pub-\nlished.\n\x0c";
        let layer = layer_text(raw).expect("text");
        assert_eq!(
            layer.text,
            "The Court gave its decision on 22 April 2010.\nTwenty-\nFive judges\n\nIt was published."
        );
        // Page 2 starts after "The Court … 2010." (45 bytes), "\n", "Twenty-"
        // (7), "\n", "Five judges" (11) and the blank line "\n\n": 45 + 1 + 7
        // + 1 + 11 + 2 = 67.
        assert_eq!(layer.page_starts, vec![0, 67]);
        assert_eq!(&layer.text[67..], "It was published.");
        // "judges\n\nIt was" spans pages 1 and 2.
        let at = layer.text.find("judges").expect("judges") as u64;
        assert_eq!(pages_of(&layer.page_starts, at..at + 14), vec![1, 2]);
        assert_eq!(pages_of(&layer.page_starts, 0..3), vec![1]);
        assert_eq!(pages_of(&layer.page_starts, 67..69), vec![2]);
        assert_eq!(layer_text("\x0c  \n\x0c"), Err(PdfError::NoText));
        // Roman numerals of front matter are page numbers; words made of
        // the same letters are not.
        for number in ["i", "iv", "ix", "xii", "xxxix", "12", "x"] {
            assert!(is_page_number(number), "{number}");
        }
        for word in ["did", "mix", "civic", "mild", "xxxxi", "vv", "12345", ""] {
            assert!(!is_page_number(word), "{word}");
        }
    }

    #[test]
    fn pdf_magic() {
        assert!(is_pdf(b"%PDF-1.7\n"));
        assert!(is_pdf(b"\xef\xbb\xbf\n%PDF-1.4"));
        assert!(!is_pdf(b"<html>"));
    }
}
