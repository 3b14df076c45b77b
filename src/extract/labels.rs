//! PDF page labels (ISO 32000-1, 12.4.2): the numbers a PDF prints on its
//! pages ("iv", "A-8"), which may differ from a page's place in the file.
//! They are read from the document's `/PageLabels` number tree by qpdf
//! (`qpdf --json=2 --json-key=pagelabels`), a child process with limits as
//! pdftotext is; qpdf reads a file, not a pipe, so the PDF is first written
//! to a private temporary file. A text layer keeps them as its
//! `page-labels` parameter (schema/text-layers.md), and `verify` reads them
//! again.

use std::process::Command;
use std::time::Duration;

use super::child;

/// The text layer parameter that keeps them.
pub const PARAM: &str = "page-labels";

/// How long qpdf may take.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The most JSON read from it.
const MAX_OUTPUT: usize = 4 << 20;

/// The most label ranges kept (one a page at most).
const MAX_RANGES: usize = super::pdf::MAX_PAGES as usize;

/// One range of labels: from a page on, until the next range.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRange {
    /// Its first page, from 1.
    pub from: u32,
    /// The numbering: `D` decimal, `R` and `r` roman, `A` and `a` letters;
    /// None for labels that are the prefix alone.
    pub style: Option<String>,
    /// Put before the number.
    pub prefix: String,
    /// The number of its first page.
    pub start: u32,
}

/// Why labels could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// qpdf is not installed.
    #[error("provdb reads PDF page labels with qpdf, which is not installed (Debian: apt-get install qpdf)")]
    Missing,
    /// qpdf refused the file or gave something else than its JSON.
    #[error("qpdf cannot read its page labels ({0})")]
    Unreadable(String),
}

/// The PDF's label ranges, in page order; empty when it has none.
pub fn read(bytes: &[u8]) -> Result<Vec<LabelRange>, LabelError> {
    let copy = crate::tempdir::PrivateDir::create("pdf")
        .and_then(|dir| {
            let path = dir.path().join("source.pdf");
            std::fs::write(&path, bytes)?;
            Ok((dir, path))
        })
        .map_err(|error| {
            LabelError::Unreadable(format!("a temporary copy could not be written: {error}"))
        })?;
    let mut command = Command::new("qpdf");
    command
        .args(["--json=2", "--json-key=pagelabels", "--no-warn"])
        .arg(&copy.1);
    let finished =
        child::run(command, None, MAX_OUTPUT, TIME_LIMIT).map_err(|stopped| match stopped {
            child::Stopped::Missing => LabelError::Missing,
            child::Stopped::OverLimit => LabelError::Unreadable(format!(
                "it took over {} s or gave over {} MB",
                TIME_LIMIT.as_secs(),
                MAX_OUTPUT >> 20
            )),
            child::Stopped::Failed(kind) => {
                LabelError::Unreadable(format!("qpdf could not be started: {kind}"))
            }
        })?;
    // qpdf exits 3 for warnings, with its output whole.
    if !matches!(finished.status.code(), Some(0 | 3)) {
        return Err(LabelError::Unreadable(finished.first_error()));
    }
    let json: serde_json::Value = serde_json::from_slice(&finished.output)
        .map_err(|error| LabelError::Unreadable(format!("its JSON: {error}")))?;
    parse(&json).map_err(LabelError::Unreadable)
}

/// The ranges in qpdf's JSON (version 2): `pagelabels` is a list of
/// `{"index": N, "label": {"/S": "/r", "/P": "u:…", "/St": 1}}`, pages from
/// 0, names with their slash, text strings as `u:` and UTF-8.
pub fn parse(json: &serde_json::Value) -> Result<Vec<LabelRange>, String> {
    let list = json
        .get("pagelabels")
        .and_then(|list| list.as_array())
        .ok_or("no pagelabels list")?;
    if list.len() > MAX_RANGES {
        return Err(format!("{} label ranges, over {MAX_RANGES}", list.len()));
    }
    let mut ranges: Vec<LabelRange> = Vec::new();
    for item in list {
        let index = item
            .get("index")
            .and_then(|index| index.as_u64())
            .filter(|index| *index < u64::from(super::pdf::MAX_PAGES))
            .ok_or("a range without a page index")?;
        let label = item.get("label").ok_or("a range without a label")?;
        let style = match label.get("/S").and_then(|style| style.as_str()) {
            None => None,
            Some(name @ ("/D" | "/R" | "/r" | "/A" | "/a")) => Some(name[1..].to_string()),
            Some(other) => return Err(format!("a numbering style {other:?}")),
        };
        let prefix = match label.get("/P").and_then(|prefix| prefix.as_str()) {
            None => String::new(),
            Some(text) => text
                .strip_prefix("u:")
                .ok_or_else(|| format!("a prefix that is not text ({text:?})"))?
                .to_string(),
        };
        let start = match label.get("/St") {
            None => 1,
            Some(start) => start
                .as_u64()
                .filter(|start| (1..=1_000_000).contains(start))
                .ok_or("a start number that is not from 1 to 1,000,000")?
                as u32,
        };
        ranges.push(LabelRange {
            from: index as u32 + 1,
            style,
            prefix,
            start,
        });
    }
    check(&ranges)?;
    Ok(ranges)
}

/// What every list of ranges holds to, read from qpdf or from a layer's
/// parameter: pages in order within the page limit, a known style, a short
/// prefix without control characters, a start from 1 to 1,000,000.
fn check(ranges: &[LabelRange]) -> Result<(), String> {
    if ranges.len() > MAX_RANGES {
        return Err(format!("{} label ranges, over {MAX_RANGES}", ranges.len()));
    }
    let mut last = 0;
    for range in ranges {
        if range.from <= last || range.from > super::pdf::MAX_PAGES {
            return Err("ranges out of page order".into());
        }
        last = range.from;
        if !matches!(
            range.style.as_deref(),
            None | Some("D" | "R" | "r" | "A" | "a")
        ) {
            return Err(format!("a numbering style {:?}", range.style));
        }
        if range.prefix.chars().count() > 64 || range.prefix.chars().any(char::is_control) {
            return Err("a prefix over 64 characters or with control characters".into());
        }
        if !(1..=1_000_000).contains(&range.start) {
            return Err("a start number that is not from 1 to 1,000,000".into());
        }
    }
    Ok(())
}

/// The label of a page (from 1): None before the first range, which the
/// standard leaves unlabelled.
pub fn label(ranges: &[LabelRange], page: u32) -> Option<String> {
    let range = ranges.iter().rev().find(|range| range.from <= page)?;
    let number = range.start.checked_add(page - range.from)?;
    let numeral = match range.style.as_deref() {
        None => String::new(),
        Some("D") => number.to_string(),
        Some("R") => roman(number).to_uppercase(),
        Some("r") => roman(number),
        Some("A") => letters(number).to_uppercase(),
        Some(_) => letters(number),
    };
    Some(format!("{}{numeral}", range.prefix))
}

/// The ranges as a text layer records them: JSON.
pub fn to_param(ranges: &[LabelRange]) -> String {
    serde_json::to_string(ranges).unwrap_or_else(|_| "[]".into())
}

/// Ranges from a text layer's parameter, when they hold to what qpdf's
/// are checked for (a forged parameter is not computed with).
pub fn from_param(text: &str) -> Option<Vec<LabelRange>> {
    let ranges: Vec<LabelRange> = serde_json::from_str(text).ok()?;
    check(&ranges).ok()?;
    Some(ranges)
}

/// Lower-case roman numerals; past 3,999, more `m`s.
fn roman(mut number: u32) -> String {
    const PARTS: [(u32, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (value, text) in PARTS {
        while number >= value {
            out.push_str(text);
            number -= value;
        }
    }
    out
}

/// Lower-case letters as the standard counts them: a to z, then aa to zz,
/// then aaa…
fn letters(number: u32) -> String {
    let number = number.max(1) - 1;
    let letter = char::from(b'a' + (number % 26) as u8);
    std::iter::repeat_n(letter, (number / 26 + 1).min(1000) as usize).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_example() {
        // ISO 32000-1, 12.4.2, its example: pages i to iv, then 1 to 3,
        // then A-8 on (0-based indexes 0, 4 and 7 in its number tree).
        let json = serde_json::json!({"pagelabels": [
            {"index": 0, "label": {"/S": "/r"}},
            {"index": 4, "label": {"/S": "/D"}},
            {"index": 7, "label": {"/S": "/D", "/P": "u:A-", "/St": 8}},
        ]});
        let ranges = parse(&json).expect("ranges");
        let labels: Vec<String> = (1..=10)
            .map(|page| label(&ranges, page).expect("labelled"))
            .collect();
        assert_eq!(
            labels,
            ["i", "ii", "iii", "iv", "1", "2", "3", "A-8", "A-9", "A-10"]
        );
        assert_eq!(from_param(&to_param(&ranges)), Some(ranges));
    }

    #[test]
    fn numerals_and_letters() {
        // Roman numerals by hand: 1994 = m + cm + xc + iv.
        assert_eq!(roman(1994), "mcmxciv");
        assert_eq!(roman(3999), "mmmcmxcix");
        assert_eq!(roman(4), "iv");
        // The standard's letters: a..z, then aa..zz (27 is aa, 52 zz, 53 aaa).
        assert_eq!(letters(1), "a");
        assert_eq!(letters(26), "z");
        assert_eq!(letters(27), "aa");
        assert_eq!(letters(52), "zz");
        assert_eq!(letters(53), "aaa");
        let ranges = vec![
            LabelRange {
                from: 2,
                style: Some("A".into()),
                prefix: String::new(),
                start: 26,
            },
            LabelRange {
                from: 4,
                style: None,
                prefix: "Cover".into(),
                start: 1,
            },
        ];
        assert_eq!(label(&ranges, 1), None);
        assert_eq!(label(&ranges, 2).as_deref(), Some("Z"));
        assert_eq!(label(&ranges, 3).as_deref(), Some("AA"));
        assert_eq!(label(&ranges, 4).as_deref(), Some("Cover"));
        assert_eq!(label(&ranges, 5).as_deref(), Some("Cover"));
    }

    #[test]
    fn bad_label_trees_are_refused() {
        for bad in [
            serde_json::json!({"pagelabels": [{"index": 0, "label": {"/S": "/X"}}]}),
            serde_json::json!({"pagelabels": [{"index": 3, "label": {}}, {"index": 1, "label": {}}]}),
            serde_json::json!({"pagelabels": [{"index": 0, "label": {"/St": 0}}]}),
            serde_json::json!({"pagelabels": [{"index": 0, "label": {"/P": "b:ff00"}}]}),
            serde_json::json!({"other": []}),
        ] {
            assert!(parse(&bad).is_err(), "{bad}");
        }
        // A parameter that does not hold to the same checks is not used.
        assert_eq!(
            from_param(r#"[{"from":1,"style":"r","prefix":"","start":0}]"#),
            None
        );
        assert_eq!(
            from_param(
                r#"[{"from":3,"style":null,"prefix":"","start":1},{"from":2,"style":null,"prefix":"","start":1}]"#
            ),
            None
        );
        assert_eq!(
            from_param(r#"[{"from":1,"style":"Q","prefix":"","start":1}]"#),
            None
        );
    }
}
