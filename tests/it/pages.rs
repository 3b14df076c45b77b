//! Text layers of real web pages (../shared/data/html-articles): 121 news
//! and blog pages as served, each with its article body as a person
//! extracted it; and the XPath hints of Web Annotation exports, checked in
//! html5lib's tree and in headless Chromium. Ignored by a plain `cargo test`
//! (they need ../shared, html5lib, Chromium); .ci/run installs and runs them.

use std::io::Read;

use provdb::extract::{derive, Kind};

use crate::common::shared;
use provdb::text::anchor::anchor_quote;

/// Every page with its ground-truth body.
fn pages() -> Vec<(String, Vec<u8>, String)> {
    let folder = shared("data/html-articles");
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("ground-truth.json")).expect("read ground truth"),
    )
    .expect("ground truth is JSON");
    let truth = truth.as_object().expect("an object of pages");
    let mut pages = Vec::new();
    for (name, entry) in truth {
        let path = folder.join("html").join(format!("{name}.html.gz"));
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("open page"))
            .read_to_end(&mut bytes)
            .expect("gunzip page");
        let body = entry["articleBody"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        pages.push((name.clone(), bytes, body));
    }
    pages.sort_by(|a, b| a.0.cmp(&b.0));
    pages
}

/// The body's sentences: split at line breaks, then after `.`, `!`, `?`
/// followed by whitespace. Fragments under 20 characters are left out
/// (captions, bylines, list bullets).
fn sentences(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in body.lines() {
        let mut current = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            current.push(c);
            if matches!(c, '.' | '!' | '?') && chars.peek().is_some_and(|next| next.is_whitespace())
            {
                out.push(std::mem::take(&mut current));
            }
        }
        out.push(current);
    }
    out.into_iter()
        .map(|sentence| sentence.trim().to_string())
        .filter(|sentence| sentence.chars().count() >= 20)
        .collect()
}

/// Whitespace runs as one space.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The code of a page's scripts and styles (not JSON data blocks, which may
/// hold the article's own text): the inner text of each element.
fn code_blocks(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut blocks = Vec::new();
    for tag in ["script", "style"] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(&format!("<{tag}")) {
            let open = from + at;
            let Some(open_end) = lower[open..].find('>').map(|end| open + end + 1) else {
                break;
            };
            let Some(close) = lower[open_end..]
                .find(&format!("</{tag}"))
                .map(|end| open_end + end)
            else {
                break;
            };
            let attributes = &lower[open..open_end];
            if !attributes.contains("json") && !attributes.contains("text/template") {
                blocks.push(html[open_end..close].to_string());
            }
            from = close;
        }
    }
    blocks
}

/// Every sentence of the bodies, as a person extracted them, is looked for in
/// the page's text layer as a quote (folded as quotes are: schema/quotes.md).
/// The issue asks for at least 95 % quotable; nothing of a script or style
/// may be in the text.
#[test]
#[ignore = "needs ../shared"]
#[allow(clippy::print_stderr)]
fn real_pages_body_sentences_are_quotable_and_code_is_left_out() {
    let pages = pages();
    assert_eq!(pages.len(), 121, "the shared set has 121 pages");
    let (mut found, mut total) = (0usize, 0usize);
    let mut worst: Vec<(f64, String, usize, usize)> = Vec::new();
    let mut leaks = Vec::new();
    for (name, bytes, body) in &pages {
        let layer = derive(bytes, Kind::Html, None)
            .unwrap_or_else(|error| panic!("page {name}: {error}"))
            .expect("a page has a text layer");
        let mut here = 0;
        let wanted = sentences(body);
        for sentence in &wanted {
            if anchor_quote(&layer.text, sentence, None, None, Some(1)).is_ok() {
                here += 1;
            }
        }
        found += here;
        total += wanted.len();
        if !wanted.is_empty() {
            worst.push((
                here as f64 / wanted.len() as f64,
                name.clone(),
                here,
                wanted.len(),
            ));
        }
        // Code: any 40-character run of a script or style (whitespace
        // collapsed) with code punctuation in it (two of `{};=()`, one of
        // them not a parenthesis, which prose has too) must not be in the text.
        let text = collapse(&layer.text);
        let html = String::from_utf8_lossy(bytes);
        for block in code_blocks(&html) {
            let code = collapse(&block);
            let chars: Vec<char> = code.chars().collect();
            for start in (0..chars.len().saturating_sub(40)).step_by(97) {
                let window: String = chars[start..start + 40].iter().collect();
                let punctuation = window.chars().filter(|c| "{};=()".contains(*c)).count();
                let code_only = window.chars().any(|c| "{};=".contains(c));
                if punctuation >= 2 && code_only && !window.contains('&') && text.contains(&window)
                {
                    leaks.push(format!("{name}: {window:?}"));
                }
            }
        }
    }
    worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    let share = found as f64 / total as f64;
    eprintln!(
        "real pages: {found} of {total} body sentences quotable ({:.2} %); lowest pages:",
        share * 100.0
    );
    for (ratio, name, here, of) in worst.iter().take(8) {
        eprintln!("  {:.1} % ({here}/{of}) {name}", ratio * 100.0);
    }
    assert!(leaks.is_empty(), "code in text layers: {leaks:#?}");
    assert!(
        share >= 0.95,
        "only {found} of {total} sentences quotable ({:.2} %)",
        share * 100.0
    );
}

/// The XPath hints of Web Annotation exports on real pages: for up to five
/// quotable body sentences a page, the hint provdb gives (the smallest
/// element holding the quote) is checked by scripts/check_xpath_hints.py
/// with html5lib, an independent implementation of the WHATWG parser; every
/// hint given must name one element holding the quote. How many quotes get a
/// hint is reported.
#[test]
#[ignore = "needs ../shared and html5lib with lxml (PyPI)"]
#[allow(clippy::print_stderr)]
fn xpath_hints_on_real_pages_hold_in_another_parser() {
    let pages = pages();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hints = Vec::new();
    let mut asked = 0usize;
    for (name, bytes, body) in &pages {
        let layer = derive(bytes, Kind::Html, None)
            .unwrap_or_else(|error| panic!("page {name}: {error}"))
            .expect("a page has a text layer");
        let label = layer.params["encoding"].clone();
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).expect("a WHATWG name");
        let tree = provdb::text::xpath::PageTree::new(bytes.clone(), encoding);
        let path = dir.path().join(format!("{name}.html"));
        std::fs::write(&path, bytes).expect("write page");
        let quotable = sentences(body)
            .into_iter()
            .filter_map(|sentence| anchor_quote(&layer.text, &sentence, None, None, Some(1)).ok())
            .take(5);
        for anchor in quotable {
            asked += 1;
            let range = anchor.range.start as u64..anchor.range.end as u64;
            let Some(original) = layer.original_ranges(range) else {
                continue;
            };
            let (Some(first), Some(last)) = (original.first(), original.last()) else {
                continue;
            };
            if let Some(xpath) = tree.xpath(first.start as usize, last.end as usize, &anchor.exact)
            {
                hints.push(serde_json::json!({
                    "page": path, "encoding": label, "xpath": xpath, "exact": anchor.exact,
                }));
            }
        }
    }
    let list = dir.path().join("hints.json");
    std::fs::write(&list, serde_json::to_vec(&hints).expect("json")).expect("write hints");
    let checked = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/check_xpath_hints.py"
        ))
        .arg(&list)
        .output()
        .expect("python3 runs");
    let report = String::from_utf8_lossy(&checked.stdout);
    eprintln!(
        "xpath hints: {} of {asked} quotes on {} pages got one\n{report}{}",
        hints.len(),
        pages.len(),
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(checked.status.success(), "{report}");
    // Most quotes lie in one paragraph whose element the tree gives.
    assert!(
        hints.len() * 10 >= asked * 9,
        "only {} of {asked} quotes got a hint",
        hints.len()
    );
}

/// The hints of a Web Annotation export, evaluated by a real browser: the
/// fixture page's citations exported, and each XPathSelector evaluated by
/// headless Chromium (`document.evaluate`) in a copy of the page with a
/// script appended at its end; the element named must hold the quote.
#[test]
#[ignore = "needs headless Chromium (Debian: chromium)"]
fn xpath_hints_name_the_quoted_element_in_chromium() {
    let env = crate::common::TestEnv::new();
    let page = crate::common::fixture("khojaly-article-2024-02.html");
    let added = env
        .ok(&["--json", "add", page.to_str().expect("utf-8")])
        .json();
    let id = added["id"].as_str().expect("id").to_string();
    for (quote, property, value) in [
        ("613 civilians were killed", "killed", "613"),
        ("1,275 residents were taken captive", "captured", "1275"),
        ("a decision dated 22 April 2010", "decision", "2010-04-22"),
    ] {
        env.ok(&crate::common::cite_args(&id[..12], quote, property, value));
    }
    let export = env.export("web-annotation", "annotations.json");
    let collection: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export).expect("read")).expect("json");
    let mut hints = Vec::new();
    for item in collection["first"]["items"].as_array().expect("items") {
        for selector in item["target"]["selector"].as_array().expect("selectors") {
            if selector["type"] == "XPathSelector" {
                hints.push(serde_json::json!([
                    selector["value"],
                    selector["refinedBy"]["exact"]
                ]));
            }
        }
    }
    assert_eq!(hints.len(), 3, "{collection}");
    let script = format!(
        "<script>const out = []; for (const [path, exact] of {}) {{ \
         const found = document.evaluate(path, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null); \
         const squeeze = (text) => text.replace(/\\s+/g, ''); \
         out.push(found.snapshotLength === 1 && squeeze(found.snapshotItem(0).textContent).includes(squeeze(exact))); }} \
         const result = document.createElement('output'); result.id = 'provdb-result'; \
         result.textContent = JSON.stringify(out); document.documentElement.appendChild(result);</script>",
        serde_json::Value::Array(hints)
    );
    let mut copy = std::fs::read(&page).expect("page");
    copy.extend_from_slice(script.as_bytes());
    let path = env.dir.path().join("page.html");
    std::fs::write(&path, copy).expect("write");
    let run = std::process::Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("file://{}", path.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&run.stdout);
    assert!(
        dom.contains("<output id=\"provdb-result\">[true,true,true]</output>"),
        "{dom}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
