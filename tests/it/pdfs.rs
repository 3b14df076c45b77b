//! PDFs as sources: real files from many producers (../shared/data/pdfs),
//! and the fixture article made into PDFs here by Ghostscript (two columns),
//! headless Chromium's print-to-PDF (two CSS columns, small pages) and a
//! Python library (fpdf2). They need ../shared, poppler's pdftotext and
//! those producers, so a plain `cargo test` ignores them; .ci/run installs
//! the tools and runs them.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{cite_args, fixture, shared, TestEnv};

fn tool(name: &str, arg: &str) {
    let found = Command::new(name).arg(arg).output().is_ok();
    assert!(
        found,
        "{name} is missing: install it (Debian: poppler-utils, ghostscript, chromium)"
    );
}

/// Every PDF of the shared set that is present: the encrypted one refused
/// with its fix and the store unchanged; every other one read into a text
/// layer, or refused as having no text; the Lorem ipsum of the trivial
/// file, as its LaTeX source writes it, quotable sentence by sentence.
#[test]
#[ignore = "needs ../shared and poppler's pdftotext"]
fn real_pdfs_from_many_producers() {
    tool("pdftotext", "-v");
    let folder = shared("data/pdfs");
    let listed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("files.json")).expect("files.json"),
    )
    .expect("json");
    let env = TestEnv::new();
    let (mut layered, mut refused_no_text, mut unreadable, mut encrypted) = (0, 0, 0, 0);
    let mut producers = std::collections::BTreeSet::new();
    for file in listed["data"].as_array().expect("data") {
        let path = folder.join(file["path"].as_str().expect("path"));
        if !path.exists() {
            continue;
        }
        let shown = path.to_str().expect("utf-8");
        if file["encrypted"] == true {
            env.refused(
                &["add", shown],
                3,
                "it is an encrypted PDF; save a copy without its password",
            );
            encrypted += 1;
            continue;
        }
        let run = env.run(&["--json", "add", shown]);
        if run.code == 0 {
            let added = run.json();
            assert_eq!(added["layer"]["extractor"], "poppler-pdftotext", "{shown}");
            // The book's front matter is numbered i to iii, its body from 1
            // (its /PageLabels, as qpdf --json prints them); the others have
            // no labels.
            let labels = added["layer"]["params"]["page-labels"]
                .as_str()
                .expect("labels read");
            if shown.ends_with("GeoTopo-komprimiert.pdf") {
                assert_eq!(
                    labels,
                    r#"[{"from":1,"style":"r","prefix":"","start":1},{"from":4,"style":"D","prefix":"","start":1}]"#
                );
            } else {
                assert_eq!(labels, "[]", "{shown}");
            }
            layered += 1;
            producers.insert(file["producer"].as_str().unwrap_or("?").to_string());
        } else if run
            .stderr
            .contains("no text layer; run OCR first, e.g. ocrmypdf")
        {
            refused_no_text += 1;
        } else {
            assert!(
                run.stderr.contains("it is a PDF pdftotext cannot read"),
                "{shown}: {}",
                run.stderr
            );
            unreadable += 1;
        }
    }
    // Of the 21 files present: one encrypted, one whose page is an image
    // only, one whose cross-reference table is damaged.
    assert_eq!(encrypted, 1);
    assert_eq!((layered, refused_no_text, unreadable), (18, 1, 1));
    assert!(producers.len() >= 8, "{producers:?}");
    let verified = env.ok(&["verify"]);
    assert!(
        verified.stdout.contains(&format!(
            "{layered} text layers derived again from their sources, identical"
        )),
        "{}",
        verified.stdout
    );

    // The trivial file's prose, from its LaTeX source: lines that are not
    // commands, joined, split into sentences.
    let tex =
        std::fs::read_to_string(folder.join("001-trivial/minimal-document.tex")).expect("tex");
    let prose: Vec<&str> = tex
        .lines()
        .filter(|line| !line.trim_start().starts_with('\\'))
        .collect();
    let prose = prose.join(" ");
    let sentences: Vec<&str> = prose
        .split_inclusive(". ")
        .map(str::trim)
        .filter(|sentence| sentence.len() > 20)
        .collect();
    assert!(sentences.len() >= 4, "{sentences:?}");
    let added = env
        .ok(&[
            "--json",
            "add",
            folder
                .join("001-trivial/minimal-document.pdf")
                .to_str()
                .expect("utf-8"),
        ])
        .json();
    let id = added["id"].as_str().expect("id").to_string();
    for sentence in sentences {
        // pdfTeX's words, too, get their boxes.
        let record = cite_sentence(&env, &id, sentence);
        assert!(
            !record["layer"]["boxes"]
                .as_array()
                .expect("boxes")
                .is_empty(),
            "{sentence:?}: {record}"
        );
    }
    env.ok(&["verify"]);
}

/// The fixture article in two columns over two pages, made here: words wrapped
/// at 34 characters, 7 lines a column, 2 columns a page, set in Helvetica by
/// a PostScript program and turned into a PDF by Ghostscript's ps2pdf.
fn two_column_pdf(dir: &std::path::Path) -> PathBuf {
    two_column_pdf_of(dir, "khojaly-article-2024-02.txt")
}

/// A fixture text in two columns, as [`two_column_pdf`] makes it.
fn two_column_pdf_of(dir: &std::path::Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(fixture(name)).expect("article");
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in words {
        if !line.is_empty() && line.len() + 1 + word.len() > 34 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    // Page labels as a book would have them: page 1 is "i", page 2 "p. 7".
    let mut ps = String::from(
        "%!PS\n[ {Catalog} << /PageLabels << /Nums [ 0 << /S /r >> 1 << /S /D /St 7 /P (p. ) >> ] >> >> /PUT pdfmark\n/Helvetica findfont 10 scalefont setfont\n",
    );
    for page in lines.chunks(14) {
        for (column, lines) in page.chunks(7).enumerate() {
            for (row, line) in lines.iter().enumerate() {
                let escaped = line
                    .replace('\\', "\\\\")
                    .replace('(', "\\(")
                    .replace(')', "\\)");
                ps.push_str(&format!(
                    "{} {} moveto ({escaped}) show\n",
                    72 + column * 250,
                    760 - row * 14
                ));
            }
        }
        ps.push_str("showpage\n");
    }
    let source = dir.join("two-columns.ps");
    let pdf = dir.join("two-columns.pdf");
    std::fs::write(&source, ps).expect("write ps");
    let made = Command::new("ps2pdf")
        .arg(&source)
        .arg(&pdf)
        .output()
        .expect("ps2pdf (Ghostscript) runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    pdf
}

/// Cites `sentence` in the PDF source `id` as a text claim (the first
/// occurrence); returns what `show` says of the citation.
fn cite_sentence(env: &TestEnv, id: &str, sentence: &str) -> serde_json::Value {
    let cited = env
        .ok(&[
            "--json",
            "cite",
            &id[..12],
            "--quote",
            sentence,
            "--subject",
            "a PDF",
            "--property",
            "says",
            "--value",
            "it",
            "--kind",
            "text",
            "--value-not-in-quote",
            "--occurrence",
            "1",
        ])
        .json();
    let citation = cited["citation"].as_str().expect("citation");
    env.ok(&["--json", "show", &citation[..12]]).json()
}

/// Cites every sentence of the fixture article, as the fixture writes it,
/// in the PDF source `id` (added from `pdf`); returns the page lists the
/// citations recorded. Every citation records word boxes, and the text
/// poppler finds inside each box (`pdftotext -x -y -W -H`, its cropping,
/// another path than the word list the boxes came from), the boxes in
/// order, is the quote (white space, hyphens and the form of apostrophes
/// aside).
fn every_sentence_quotable(
    env: &TestEnv,
    id: &str,
    pdf: &std::path::Path,
) -> std::collections::BTreeSet<Vec<u64>> {
    let text = std::fs::read_to_string(fixture("khojaly-article-2024-02.txt")).expect("article");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut pages_seen = std::collections::BTreeSet::new();
    for sentence in flat.split_inclusive(". ").map(str::trim) {
        let record = cite_sentence(env, id, sentence);
        let pages: Vec<u64> = record["layer"]["pages"]
            .as_array()
            .expect("pages")
            .iter()
            .map(|page| page.as_u64().expect("page"))
            .collect();
        pages_seen.insert(pages);
        let boxes = record["layer"]["boxes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            !boxes.is_empty(),
            "no word boxes for {sentence:?}: {record}"
        );
        let mut inside = String::new();
        for found in &boxes {
            let number = |at: usize| found[at].as_u64().expect("a number");
            // Hundredths of a point; pdftotext crops whole points (72 dpi).
            let (x, y) = (number(1) / 100, number(2) / 100);
            let (w, h) = (number(3).div_ceil(100) - x, number(4).div_ceil(100) - y);
            let page = number(0).to_string();
            let crop = Command::new("pdftotext")
                .args(["-f", &page, "-l", &page])
                .args(["-x", &x.to_string(), "-y", &y.to_string()])
                .args(["-W", &w.to_string(), "-H", &h.to_string()])
                .arg(pdf)
                .arg("-")
                .output()
                .expect("pdftotext crops");
            inside.push_str(&String::from_utf8_lossy(&crop.stdout));
        }
        // Ghostscript sets ' as the font's right quote.
        let squeeze = |text: &str| -> String {
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| if c == '\u{2019}' { '\'' } else { c })
                .collect()
        };
        assert_eq!(
            squeeze(&inside),
            squeeze(sentence),
            "the boxes {boxes:?} of {sentence:?}"
        );
    }
    pages_seen
}

/// Adds a PDF and checks what `show` says of it; returns its id.
fn add_pdf(env: &TestEnv, pdf: &std::path::Path) -> String {
    let added = env
        .ok(&["--json", "add", pdf.to_str().expect("utf-8")])
        .json();
    assert_eq!(added["layer"]["extractor"], "poppler-pdftotext", "{added}");
    let id = added["id"].as_str().expect("id").to_string();
    let shown = env.ok(&["--json", "show", &id[..12]]).json();
    assert_eq!(shown["meta"]["media_type"], "application/pdf");
    id
}

/// The fixture article printed to PDF by headless Chromium (Skia's PDF
/// writer): small pages in two CSS columns, so that sentences run across
/// lines, columns and the page break.
#[test]
#[ignore = "needs poppler's pdftotext and headless Chromium (Debian: chromium)"]
fn a_pdf_printed_by_chromium_is_quoted_across_lines_columns_and_pages() {
    tool("pdftotext", "-v");
    tool("chromium", "--version");
    let env = TestEnv::new();
    let text = std::fs::read_to_string(fixture("khojaly-article-2024-02.txt")).expect("article");
    let body: String = text
        .split("\n\n")
        .filter(|paragraph| !paragraph.trim().is_empty())
        .map(|paragraph| {
            format!(
                "<p>{}</p>\n",
                paragraph
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
            )
        })
        .collect();
    let page = env.dir.path().join("article.html");
    std::fs::write(
        &page,
        format!("<!doctype html><html lang=en><head><meta charset=utf-8><style>@page {{ size: 105mm 148mm; margin: 8mm }} body {{ font: 13pt serif; columns: 2; column-gap: 6mm }}</style></head><body>{body}</body></html>"),
    )
    .expect("write page");
    let pdf = env.dir.path().join("article.pdf");
    // As root Chromium runs only without its sandbox; the page is a local
    // file and nothing is fetched.
    let made = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        pdf.exists(),
        "chromium made no PDF: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let id = add_pdf(&env, &pdf);
    let pages_seen = every_sentence_quotable(&env, &id, &pdf);
    // Column widths of about 40 mm at 13 pt hold two or three words a
    // line: the article fills two columns of page 1 and runs onto page 2.
    assert!(pages_seen.contains(&vec![1]), "{pages_seen:?}");
    assert!(
        pages_seen.iter().any(|pages| pages.contains(&2)),
        "{pages_seen:?}"
    );
    assert!(pages_seen.contains(&vec![1, 2]), "{pages_seen:?}");
    env.ok(&["verify"]);
}

/// The fixture article written by a Python library (fpdf2, PyPI) on A6-sized
/// pages, its lines wrapped by the library, and one word hyphenated by hand
/// at a line end.
#[test]
#[ignore = "needs poppler's pdftotext and fpdf2 (PyPI)"]
fn a_pdf_written_by_fpdf2_is_quoted_across_lines_hyphens_and_pages() {
    tool("pdftotext", "-v");
    let env = TestEnv::new();
    let pdf = env.dir.path().join("article.pdf");
    let script = r#"
import sys
from fpdf import FPDF
text = open(sys.argv[1]).read()
pdf = FPDF(format=(105, 148))
pdf.set_auto_page_break(True, margin=10)
pdf.add_page()
pdf.set_font("Helvetica", size=13)
for paragraph in [p for p in text.split("\n\n") if p.strip()]:
    pdf.multi_cell(0, 6, " ".join(paragraph.split()), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
pdf.cell(0, 6, "A survey gives the popu-", new_x="LMARGIN", new_y="NEXT")
pdf.cell(0, 6, "lation of the town as 7,000.", new_x="LMARGIN", new_y="NEXT")
pdf.output(sys.argv[2])
"#;
    let made = Command::new("python3")
        .args(["-c", script])
        .arg(fixture("khojaly-article-2024-02.txt"))
        .arg(&pdf)
        .output()
        .expect("python3 runs");
    assert!(
        made.status.success(),
        "fpdf2 is missing or failed (pip install fpdf2): {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let id = add_pdf(&env, &pdf);
    let pages_seen = every_sentence_quotable(&env, &id, &pdf);
    assert!(pages_seen.contains(&vec![1]), "{pages_seen:?}");
    assert!(pages_seen.contains(&vec![1, 2]), "{pages_seen:?}");
    // "popu-" at a line end and "lation" on the next are one word in the
    // layer, and the quote stored is the layer's own text.
    let cited = env
        .ok(&cite_args(
            &id[..12],
            "gives the population of the town as 7,000",
            "population",
            "7000",
        ))
        .json();
    assert_eq!(
        cited["selector"]["exact"], "gives the population of the town as 7,000",
        "{cited}"
    );
    env.ok(&["verify"]);
}

#[test]
#[ignore = "needs poppler's pdftotext and Ghostscript"]
fn a_two_column_pdf_is_quoted_across_lines_columns_and_pages() {
    tool("pdftotext", "-v");
    tool("ps2pdf", "--version");
    let env = TestEnv::new();
    let pdf = two_column_pdf(env.dir.path());
    let id = add_pdf(&env, &pdf);
    // Every sentence of the article, as the fixture writes it, is quotable:
    // they run across the wrapped lines, from one column into the next and
    // from page 1 onto page 2.
    let pages_seen = every_sentence_quotable(&env, &id, &pdf);
    // 7 lines a column, 2 columns a page: the article's 20-odd lines fill
    // page 1 and run onto page 2, and one sentence lies on both.
    assert!(pages_seen.contains(&vec![1]), "{pages_seen:?}");
    assert!(pages_seen.contains(&vec![2]), "{pages_seen:?}");
    assert!(pages_seen.contains(&vec![1, 2]), "{pages_seen:?}");
    // A quote of a figure, traced with its page.
    let cited = env
        .ok(&cite_args(
            &id[..12],
            "1,275 residents were taken captive",
            "captured",
            "1275",
        ))
        .json();
    let trace = env.ok(&["trace", &cited["claim"].as_str().expect("claim")[..12]]);
    let shown = env
        .ok(&[
            "--json",
            "show",
            &cited["citation"].as_str().expect("citation")[..12],
        ])
        .json();
    let label = match shown["layer"]["pages"][0].as_u64() {
        Some(1) => "i",
        Some(2) => "p. 7",
        other => panic!("pages {other:?}"),
    };
    assert!(
        trace.stdout.contains(&format!("(labelled {label})")),
        "{}",
        trace.stdout
    );
    let verified = env.ok(&["verify"]);
    assert!(
        !verified.stdout.contains("page labels"),
        "{}",
        verified.stdout
    );
    {
        // Labels rewritten in the journal, its chain rebuilt: the PDF's own
        // labels, read again, are not those recorded.
        let forged = TestEnv::new();
        let pdf = two_column_pdf(forged.dir.path());
        forged.ok(&["add", pdf.to_str().expect("utf-8")]);
        let said = forged
            .verify_after_forging(|text| text.replace(r#"\"style\":\"r\""#, r#"\"style\":\"R\""#));
        assert!(
            said.contains("records page labels") && said.contains("but the PDF's own are"),
            "{said}"
        );
    }
    {
        // Word boxes rewritten in a citation's line, the chain rebuilt:
        // verify reads the words again and names the citation.
        let forged = TestEnv::new();
        let pdf = two_column_pdf(forged.dir.path());
        let added = forged
            .ok(&["--json", "add", pdf.to_str().expect("utf-8")])
            .json();
        forged.ok(&cite_args(
            &added["id"].as_str().expect("id")[..12],
            "1,275 residents were taken captive",
            "captured",
            "1275",
        ));
        let said = forged.verify_after_forging(|text| {
            text.replacen(r#""boxes":[["#, r#""boxes":[[2,0,0,100,100],["#, 1)
        });
        assert!(
            said.contains("records word boxes [[2, 0, 0, 100, 100]"),
            "{said}"
        );
    }
    // A receipt of a PDF quote checks.
    let receipt = env.ok(&[
        "receipt",
        &cited["citation"].as_str().expect("citation")[..12],
    ]);
    let path = env.dir.path().join("receipt.json");
    std::fs::write(&path, &receipt.stdout).expect("write");
    env.ok(&["verify-receipt", path.to_str().expect("utf-8")]);
    // The Web Annotation export names the page each quote starts on, as
    // RFC 3778 writes it: the same page the citation records.
    let citation = cited["citation"].as_str().expect("citation");
    let record = env.ok(&["--json", "show", &citation[..12]]).json();
    let page = record["layer"]["pages"][0].as_u64().expect("a page");
    let export = env.export("web-annotation", "annotations.json");
    let collection: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export).expect("read")).expect("json");
    let annotation = collection["first"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["id"] == format!("urn:provdb:citation:{citation}"))
        .expect("the citation's annotation");
    // The rectangle round the quote's boxes on that page, in points.
    let boxes: Vec<Vec<u64>> = record["layer"]["boxes"]
        .as_array()
        .expect("boxes")
        .iter()
        .map(|found| {
            found
                .as_array()
                .expect("box")
                .iter()
                .map(|n| n.as_u64().expect("n"))
                .collect()
        })
        .filter(|found: &Vec<u64>| found[0] == page)
        .collect();
    let (left, top) = (
        boxes.iter().map(|found| found[1]).min().expect("a box"),
        boxes.iter().map(|found| found[2]).min().expect("a box"),
    );
    let (right, bottom) = (
        boxes.iter().map(|found| found[3]).max().expect("a box"),
        boxes.iter().map(|found| found[4]).max().expect("a box"),
    );
    let points = |hundredths: u64| format!("{}.{:02}", hundredths / 100, hundredths % 100);
    assert!(
        annotation["target"]["selector"]
            .as_array()
            .expect("selectors")
            .contains(&serde_json::json!({
                "type": "FragmentSelector",
                "conformsTo": "http://tools.ietf.org/rfc/rfc3778",
                "value": format!(
                    "page={page}&viewrect={},{},{},{}",
                    points(left),
                    points(top),
                    points(right - left),
                    points(bottom - top)
                ),
            })),
        "{annotation}"
    );
}

#[test]
#[ignore = "needs poppler's pdftotext and Ghostscript"]
fn broken_and_image_only_pdfs_are_refused_with_one_line() {
    tool("pdftotext", "-v");
    tool("ps2pdf", "--version");
    let env = TestEnv::new();
    let pdf = two_column_pdf(env.dir.path());
    let bytes = std::fs::read(&pdf).expect("pdf");
    // Cut after its first 300 bytes: a header and no page.
    let truncated = env.dir.path().join("truncated.pdf");
    std::fs::write(&truncated, &bytes[..300]).expect("write");
    env.refused(
        &["add", truncated.to_str().expect("utf-8")],
        3,
        "it is a PDF pdftotext cannot read",
    );
    // A page with a drawing and no text: no text layer.
    let drawing = env.dir.path().join("drawing.ps");
    std::fs::write(
        &drawing,
        "%!PS\nnewpath 100 100 moveto 300 300 lineto stroke\nshowpage\n",
    )
    .expect("write");
    let image_only = env.dir.path().join("drawing.pdf");
    let made = Command::new("ps2pdf")
        .arg(&drawing)
        .arg(&image_only)
        .output()
        .expect("ps2pdf");
    assert!(made.status.success());
    env.refused(
        &["add", image_only.to_str().expect("utf-8")],
        3,
        "it is a PDF with no text layer; run OCR first, e.g. ocrmypdf",
    );
    // Not a PDF at all but named like one: refused, with how to keep it.
    let fake = env.dir.path().join("fake.pdf");
    std::fs::write(&fake, b"this is not a PDF\n").expect("write");
    env.refused(
        &["add", fake.to_str().expect("utf-8")],
        3,
        "add it with --media-type application/octet-stream",
    );
}

/// A PDF layer made by another poppler (written into the journal as
/// "0.1.0", with text that has one sentence more than this poppler reads):
/// verify derives it with the poppler it has and follows each citation into
/// that text: one re-anchored (a notice), one orphaned (damage to act on).
#[test]
#[ignore = "needs poppler's pdftotext and Ghostscript"]
fn citations_of_a_pdf_read_by_another_poppler_are_reanchored_or_orphaned() {
    tool("pdftotext", "-v");
    tool("ps2pdf", "--version");
    let env = TestEnv::new();
    let pdf = two_column_pdf(env.dir.path());
    let added = env
        .ok(&["--json", "add", pdf.to_str().expect("utf-8")])
        .json();
    let id = added["id"].as_str().expect("id").to_string();
    env.ok(&cite_args(&id[..12], "1,275 residents", "captured", "1275"));
    let layer = added["layer"]["id"].as_str().expect("layer").to_string();
    let text = std::fs::read_to_string(env.object_path(&layer)).expect("layer text");
    let clause = "A sentence only the older reading has.";
    let older = format!("{text}\n\n{clause}");
    let older_id = env.forge_older_layer(&older, "0.1.0", clause);
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let short = &older_id.to_hex()[..12];
    for expected in [
        "was made by poppler-pdftotext 0.1.0; poppler-pdftotext ".to_string(),
        "derives other text now".to_string(),
        "re-anchored (score 1000) at bytes".to_string(),
        "orphaned: nothing like its quote is in the text poppler-pdftotext".to_string(),
        format!("text layer {short}: 1 citation(s) re-anchored, 1 orphaned"),
    ] {
        assert!(
            run.stdout.contains(&expected),
            "{expected:?} not in {}",
            run.stdout
        );
    }
}

/// A draft given to `coverage` as a PDF: the May revision in two columns
/// over two pages is read through pdftotext, and its figures get the
/// verdicts the text file gets (tests/it/coverage.rs): 17 parliaments
/// against the cited 15, the rest as worked there by hand.
#[test]
#[ignore = "needs poppler's pdftotext and Ghostscript"]
fn a_pdf_draft_is_read_through_its_text_layer() {
    tool("pdftotext", "-v");
    tool("ps2pdf", "--version");
    let env = TestEnv::new();
    env.ok(&[
        "add",
        fixture("khojaly-article-2024-02.txt")
            .to_str()
            .expect("utf-8"),
        "--doc",
        "khojaly",
    ]);
    for (quote, property, value) in [
        ("613 civilians", "civilians killed", "613"),
        (
            "1,275 residents were taken captive",
            "residents taken captive",
            "1275",
        ),
        (
            "parliaments of\n15 countries",
            "parliaments adopting resolutions",
            "15",
        ),
    ] {
        env.ok(&cite_args("khojaly@1", quote, property, value));
    }
    let pdf = two_column_pdf_of(env.dir.path(), "khojaly-article-2024-05.txt");
    let run = env.run(&[
        "--json",
        "coverage",
        pdf.to_str().expect("utf-8"),
        "--doc",
        "khojaly",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let output = run.json();
    assert!(
        output["text_layer"]
            .as_str()
            .expect("layer")
            .starts_with("poppler-pdftotext"),
        "{output}"
    );
    let verdict_of = |written: &str| -> String {
        output["figures"]
            .as_array()
            .expect("figures")
            .iter()
            .find(|figure| figure["text"] == written)
            .unwrap_or_else(|| panic!("{written} not found: {output}"))["verdict"]
            .as_str()
            .expect("verdict")
            .to_string()
    };
    assert_eq!(verdict_of("613"), "backed");
    assert_eq!(verdict_of("1,275"), "backed");
    assert_eq!(verdict_of("17"), "contradicted");
    assert_eq!(verdict_of("7,000"), "unbacked");
}
