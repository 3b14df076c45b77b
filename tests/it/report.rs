//! `provdb report`: the static sourcing site. Its files, links and
//! determinism are checked here with no browser; headless Chromium (Debian's
//! `chromium`) opens it to check the receipts in the page, the marked
//! quotes, a screenshot, and axe-core's accessibility rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{cite_args, fixture, TestEnv};

/// The README's store: two revisions of the article, its figures cited in
/// the first, a correction carried into the second, a review, a checkpoint.
fn store() -> TestEnv {
    let env = TestEnv::new();
    env.add(
        "khojaly-article-2024-02.txt",
        &["--doc", "khojaly", "--published", "2024-02-26"],
    );
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
    env.add(
        "regional-survey-1993.txt",
        &["--title", "A regional survey"],
    );
    env.add(
        "khojaly-article-2024-05.txt",
        &[
            "--doc",
            "khojaly",
            "--updated",
            "2024-05-10",
            "--note",
            "count updated",
        ],
    );
    let claim = env
        .ok(&["--json", "claims", "--subject", "Khojaly, 26 February 1992"])
        .json()["claims"][0]["id"]
        .as_str()
        .expect("claim")
        .to_string();
    env.ok(&[
        "review",
        &claim,
        "--rating",
        "Sources differ",
        "--by",
        "A desk",
        "--url",
        "https://desk.example/review",
    ]);
    env.ok(&["checkpoint"]);
    env
}

/// Every file of a directory, by path relative to it.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                out.insert(relative, std::fs::read(&path).expect("read"));
            }
        }
    }
    out
}

/// The values of `attribute="…"` in an HTML text.
fn attributes<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let needle = format!("{attribute}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn the_site_is_whole_linked_and_the_same_each_time() {
    let env = store();
    let first = env.dir.path().join("site");
    let run = env.ok(&["report", "-o", first.to_str().expect("utf-8")]);
    assert!(
        run.stdout.contains("receipt(s) for checkpoint"),
        "{}",
        run.stdout
    );
    let second = env.dir.path().join("again");
    env.ok(&["report", "-o", second.to_str().expect("utf-8")]);
    let site = files(&first);
    assert_eq!(site, files(&second), "the same store gave other bytes");
    // One receipt per citation: three in khojaly@1, and the two whose words
    // khojaly@2 still has, carried into it (15 became 17: not carried).
    // Each is verified by provdb's own checker.
    let receipts: Vec<&String> = site
        .keys()
        .filter(|path| path.starts_with("receipts/"))
        .collect();
    assert_eq!(receipts.len(), 5, "{:?}", site.keys());
    for receipt in &receipts {
        let path = first.join(receipt);
        env.ok(&["verify-receipt", path.to_str().expect("utf-8")]);
    }
    assert!(site.contains_key("checkpoint.txt"));
    assert!(site.contains_key("doc/khojaly.html"));
    // Every link and source resolves to a file of the site, and every
    // fragment to an id on its page; nothing is loaded from outside.
    let mut links = 0;
    for (path, bytes) in &site {
        if !path.ends_with(".html") {
            continue;
        }
        let html = std::str::from_utf8(bytes).expect("utf-8");
        for target in attributes(html, "href")
            .into_iter()
            .chain(attributes(html, "src"))
        {
            assert!(
                !target.contains("://") && !target.starts_with("//"),
                "{path} links outside: {target}"
            );
            let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
            let resolved = if file.is_empty() {
                PathBuf::from(path)
            } else {
                normalise(&Path::new(path).parent().expect("parent").join(file))
            };
            let key = resolved.to_string_lossy().into_owned();
            let linked = site
                .get(&key)
                .unwrap_or_else(|| panic!("{path} links to {target}: no file {key}"));
            if !fragment.is_empty() {
                let page = std::str::from_utf8(linked).expect("utf-8");
                assert!(
                    page.contains(&format!("id=\"{fragment}\"")),
                    "{path}: no id {fragment} in {key}"
                );
            }
            links += 1;
        }
    }
    assert!(links > 20, "{links} links");
    // The May revision's change is shown as a diff, 15 struck and 17 added.
    let doc = std::str::from_utf8(&site["doc/khojaly.html"]).expect("utf-8");
    assert!(doc.contains("<del>15</del><ins>17</ins>"), "{doc}");
    assert!(
        doc.contains("Rated <strong>Sources differ</strong> by A desk"),
        "{doc}"
    );
    // Each quote is marked in context, escaped.
    assert!(doc.contains("<mark>613 civilians</mark>"), "{doc}");
    assert!(doc.contains("this article&#39;s account"), "{doc}");
}

/// `a/b/../c` as `a/c`.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn a_damaged_source_is_marked_and_never_verified() {
    let env = store();
    let source = env.ok(&["--json", "show", "khojaly@1"]).json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let object = env.object_path(&source);
    let mut bytes = std::fs::read(&object).expect("object");
    bytes[100] ^= 0x01;
    std::fs::write(&object, bytes).expect("write");
    let dir = env.dir.path().join("site");
    let run = env.ok(&["--json", "report", "-o", dir.to_str().expect("utf-8")]);
    let output = run.json();
    assert_eq!(output["damaged_sources"][0], source.as_str());
    // The three citations of khojaly@1 have none; the two carried into the
    // sound khojaly@2 keep theirs.
    assert_eq!(output["receipts"], 2, "{output}");
    let doc = std::fs::read_to_string(dir.join("doc/khojaly.html")).expect("doc");
    let without = output["without_receipt"].as_array().expect("without");
    assert_eq!(without.len(), 3, "{output}");
    for item in without {
        let id = item["citation"].as_str().expect("id");
        assert!(
            !doc.contains(&format!("data-receipt=\"receipt-{id}\"")),
            "a damaged source's citation is offered for checking"
        );
    }
    assert!(
        doc.contains("Damage: this quote's source no longer matches"),
        "{doc}"
    );
    let page = std::fs::read_to_string(dir.join(format!("source/{source}.html"))).expect("page");
    assert!(page.contains("damaged: its bytes no longer hash"), "{page}");
    assert!(
        !page.contains("<pre class=\"text\">"),
        "a damaged source's text is shown"
    );
}

#[test]
fn bad_outputs_are_refused_in_one_line() {
    let env = store();
    let full = env.dir.path().join("full");
    std::fs::create_dir(&full).expect("dir");
    std::fs::write(full.join("keep.txt"), "mine").expect("write");
    env.refused(
        &["report", "-o", full.to_str().expect("utf-8")],
        3,
        "is not empty",
    );
    let file = env.dir.path().join("file.txt");
    std::fs::write(&file, "x").expect("write");
    env.refused(
        &["report", "-o", file.to_str().expect("utf-8")],
        3,
        "is not a directory",
    );
    let inside = env.store.join("site");
    env.refused(
        &["report", "-o", inside.to_str().expect("utf-8")],
        3,
        "inside the store",
    );
    let fresh = env.dir.path().join("fresh");
    env.refused(
        &[
            "report",
            "-o",
            fresh.to_str().expect("utf-8"),
            "--doc",
            "khojali",
        ],
        3,
        "khojaly",
    );
    // --force writes over the site's own files and leaves the others.
    env.ok(&["report", "-o", full.to_str().expect("utf-8"), "--force"]);
    assert_eq!(
        std::fs::read_to_string(full.join("keep.txt")).expect("kept"),
        "mine"
    );
    assert!(full.join("index.html").exists());
}

#[test]
fn without_a_checkpoint_no_receipt_is_offered() {
    let env = TestEnv::new();
    env.add("khojaly-article-2024-02.txt", &["--doc", "khojaly"]);
    env.ok(&cite_args(
        "khojaly@1",
        "613 civilians",
        "civilians killed",
        "613",
    ));
    let dir = env.dir.path().join("site");
    let before = env.snapshot();
    let output = env
        .ok(&["--json", "report", "-o", dir.to_str().expect("utf-8")])
        .json();
    assert!(env.snapshot() == before, "report changed the store");
    assert_eq!(output["receipts"], 0);
    assert!(output["without_receipt"][0]["why"]
        .as_str()
        .expect("why")
        .contains("run `provdb checkpoint`"));
    let _ = fixture("khojaly-article-2024-02.txt");
}

fn chromium() -> PathBuf {
    let found = Command::new("chromium").arg("--version").output();
    assert!(
        found.is_ok_and(|output| output.status.success()),
        "chromium is missing: install Debian's chromium package"
    );
    PathBuf::from("chromium")
}

/// The page as headless Chromium leaves it once its scripts have run.
fn dom(page: &Path) -> String {
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// The text of every element with `data-receipt-status="…"`, by status.
fn statuses(dom: &str) -> Vec<String> {
    attributes(dom, "data-receipt-status")
        .into_iter()
        .map(str::to_string)
        .collect()
}

#[test]
#[ignore = "needs headless Chromium (Debian: chromium)"]
fn the_browser_verifies_genuine_receipts_and_fails_a_changed_one() {
    let env = store();
    let dir = env.dir.path().join("site");
    env.ok(&["report", "-o", dir.to_str().expect("utf-8")]);
    let page = dir.join("doc/khojaly.html");
    let genuine = dom(&page);
    assert_eq!(statuses(&genuine), vec!["verified"; 5], "{genuine}");
    // The marked quote, read from the DOM as the browser built it.
    assert!(genuine.contains("<mark>613 civilians</mark>"), "{genuine}");
    // One character of one quote changed in the receipt the page carries.
    let html = std::fs::read_to_string(&page).expect("page");
    let changed = html.replacen(
        "\"exact\": \"613 civilians\"",
        "\"exact\": \"614 civilians\"",
        1,
    );
    assert_ne!(changed, html);
    let tampered = dir.join("doc/tampered.html");
    std::fs::write(&tampered, changed).expect("write");
    let after = dom(&tampered);
    let mut found = statuses(&after);
    found.sort();
    assert_eq!(
        found,
        vec!["failed", "verified", "verified", "verified", "verified"],
        "{after}"
    );
    assert!(after.contains("at the entry link"), "{after}");
    // A screenshot of the claim page: a PNG of the window's size.
    let shot = env.dir.path().join("claim.png");
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1000,1400",
            "--hide-scrollbars",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let png = std::fs::read(&shot).expect("screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let width = u32::from_be_bytes(png[16..20].try_into().expect("4"));
    let height = u32::from_be_bytes(png[20..24].try_into().expect("4"));
    assert_eq!((width, height), (1000, 1400));
    if let Ok(keep) = std::env::var("PROVDB_SCREENSHOT") {
        std::fs::copy(&shot, keep).expect("keep the screenshot");
    }
}

#[test]
#[ignore = "needs headless Chromium (Debian: chromium) and axe-core (npm); AXE_CORE names axe.min.js"]
fn axe_core_finds_no_serious_violation() {
    let axe = std::env::var("AXE_CORE")
        .expect("AXE_CORE: the path of axe-core's axe.min.js (npm install axe-core)");
    let env = store();
    let dir = env.dir.path().join("site");
    env.ok(&["report", "-o", dir.to_str().expect("utf-8")]);
    std::fs::copy(&axe, dir.join("axe.min.js")).expect("copy axe");
    let source = env.ok(&["--json", "show", "khojaly@1"]).json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    for (page, depth) in [
        ("index.html".to_string(), ""),
        ("doc/khojaly.html".to_string(), "../"),
        (format!("source/{source}.html"), "../"),
    ] {
        let html = std::fs::read_to_string(dir.join(&page)).expect("page");
        // axe runs once the page's own script has run; its serious and
        // critical violations become the page's title.
        let probe = format!(
            "<script src=\"{depth}axe.min.js\"></script><script>window.addEventListener('load', function () {{ axe.run(document, {{ resultTypes: ['violations'] }}).then(function (result) {{ var bad = result.violations.filter(function (v) {{ return v.impact === 'serious' || v.impact === 'critical'; }}).map(function (v) {{ return v.id + ':' + v.nodes.length; }}); document.title = 'AXE ' + JSON.stringify(bad); }}); }});</script></body>"
        );
        let checked = dir.join(format!("{}.axe.html", page.replace('/', "-")));
        let checked = if depth.is_empty() {
            checked
        } else {
            dir.join("doc").join(checked.file_name().expect("name"))
        };
        std::fs::write(&checked, html.replace("</body>", &probe)).expect("write");
        let after = dom(&checked);
        let title = after
            .split("<title>")
            .nth(1)
            .and_then(|rest| rest.split("</title>").next())
            .expect("title");
        assert_eq!(title, "AXE []", "{page}: axe-core found serious violations");
    }
}

#[test]
#[ignore = "needs node (Debian: nodejs) and ../shared (the official BLAKE3 vectors)"]
fn the_browser_checker_hashes_the_official_vectors() {
    let vectors = crate::common::shared("vectors/blake3/test_vectors.json");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/report/verify.js");
    // Every official vector's 32-byte hash (the first 64 hex digits of its
    // extended output), over input bytes i mod 251; and SHA-256 of "abc",
    // FIPS 180-2's example ba7816bf…15ad.
    let program = r#"
const V = require(process.argv[1]);
const vectors = JSON.parse(require('fs').readFileSync(process.argv[2]));
let checked = 0;
for (const c of vectors.cases) {
  const input = new Uint8Array(c.input_len);
  for (let i = 0; i < c.input_len; i++) input[i] = i % 251;
  if (V.hex(V.blake3(input)) !== c.hash.slice(0, 64)) { console.log('mismatch at', c.input_len); process.exit(1); }
  checked++;
}
console.log(checked, V.hex(V.sha256(V.utf8('abc'))));
"#;
    let output = Command::new("node")
        .arg("-e")
        .arg(program)
        .arg(&script)
        .arg(&vectors)
        .output()
        .expect("node runs (Debian: nodejs)");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "35 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
