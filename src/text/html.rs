//! The text layer of an HTML page: the text a reader sees, with each piece's
//! place in the original bytes (schema/text-layers.md).
//!
//! The page is tokenized by lol_html, chosen for its source locations: every
//! text chunk, start tag and end tag says which bytes of the original it came
//! from, so a quote in the text layer maps back to the markup it was read
//! from. html5ever builds the WHATWG tree but reports no offsets. What a tree
//! would add here (which element a piece of text sits in) the element
//! handlers of lol_html give: text inside `script`, `style`, `template`,
//! `noscript`, `head`, `nav` and anything marked `hidden` or
//! `display:none` is left out.
//!
//! Rules, in the order they apply:
//! - character references are decoded by the WHATWG table (html5ever's);
//! - each run of ASCII whitespace outside `pre` becomes one space, and none
//!   is kept at the start or end of a block;
//! - a block element (p, div, li, h1–h6, …) starts and ends a paragraph:
//!   one blank line between paragraphs, a line break for `br`;
//! - table cells are separated by a space.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use encoding_rs::Encoding;
use lol_html::html_content::TextType;
use lol_html::{doc_text, element, text, HtmlRewriter, MemorySettings, Settings};

/// The extractor's name, as text layers record it.
pub const NAME: &str = "provdb-html";
/// Its version: raised whenever the text it gives for some page changes.
pub const VERSION: &str = "1";

/// What the page leaves out of its text layer.
const EXCLUDED: &str = "script, style, template, noscript, head, nav, [hidden], \
    [role=\"navigation\"], [style*=\"display:none\"], [style*=\"display: none\"]";

/// Elements that start and end a paragraph.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "menu",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

/// A piece of the text layer and the original bytes it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Where the piece starts in the text layer (it ends where the next starts).
    pub text: u64,
    /// The original bytes; empty for a break the markup implies.
    pub original: Range<u64>,
    /// True when the piece is the original bytes themselves, so a part of it
    /// maps to the same part of the original.
    pub verbatim: bool,
}

/// What a page states about itself, for the source's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageMeta {
    /// `<title>`, or the article's headline.
    pub title: Option<String>,
    /// Authors from `<meta name=author>` or the article's JSON-LD.
    pub authors: Vec<String>,
    /// Publication time as the page states it.
    pub published: Option<String>,
    /// Modification time as the page states it.
    pub modified: Option<String>,
    /// `<link rel=canonical>`.
    pub canonical: Option<String>,
    /// `<html lang>`.
    pub language: Option<String>,
    /// The publisher, from `og:site_name` or JSON-LD.
    pub publisher: Option<String>,
}

/// A page's text layer.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The text a reader sees, UTF-8.
    pub text: String,
    /// Where each piece came from, in text order.
    pub pieces: Vec<Piece>,
    /// What the page states about itself.
    pub meta: PageMeta,
}

/// Why a page has no text layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HtmlError {
    /// The tokenizer gave up.
    #[error("the HTML could not be read ({0})")]
    Parse(String),
}

/// Reads a page in the given (ASCII-compatible) encoding.
pub fn extract(bytes: &[u8], encoding: &'static Encoding) -> Result<Extracted, HtmlError> {
    let builder = Rc::new(RefCell::new(Builder::default()));
    let meta = Rc::new(RefCell::new(MetaReader::default()));
    let excluded = Rc::new(RefCell::new(false));
    let encoding = lol_html::AsciiCompatibleEncoding::new(encoding)
        .unwrap_or_else(lol_html::AsciiCompatibleEncoding::utf_8);
    let single_byte = is_single_byte(encoding.into());
    let mut settings = Settings::new()
        .with_encoding(encoding)
        .with_strict(false)
        .with_memory_settings(MemorySettings::new());
    settings = settings.append_element_content_handler(text!(EXCLUDED, {
        let excluded = Rc::clone(&excluded);
        move |_| {
            *excluded.borrow_mut() = true;
            Ok(())
        }
    }));
    settings = settings.append_element_content_handler(element!("*", {
        let builder = Rc::clone(&builder);
        move |element| {
            let name = element.tag_name();
            let at = element.source_location().bytes();
            let kind = match name.as_str() {
                "br" => Some(Break::Line),
                "td" | "th" => Some(Break::Cell),
                "pre" => Some(Break::Pre),
                _ if BLOCKS.contains(&name.as_str()) => Some(Break::Block),
                _ => None,
            };
            let Some(kind) = kind else {
                return Ok(());
            };
            builder.borrow_mut().open(kind, at.start as u64);
            if element.can_have_content() && kind != Break::Line {
                let builder = Rc::clone(&builder);
                element.on_end_tag(lol_html::end_tag!(move |end| {
                    let at = end.source_location().bytes();
                    builder.borrow_mut().close(kind, at.start as u64);
                    Ok(())
                }))?;
            }
            Ok(())
        }
    }));
    settings = settings.append_element_content_handler(element!("html[lang]", {
        let meta = Rc::clone(&meta);
        move |element| {
            meta.borrow_mut().language = element.get_attribute("lang");
            Ok(())
        }
    }));
    settings = settings.append_element_content_handler(element!("meta[content]", {
        let meta = Rc::clone(&meta);
        move |element| {
            let key = element
                .get_attribute("name")
                .or_else(|| element.get_attribute("property"))
                .or_else(|| element.get_attribute("itemprop"));
            if let (Some(key), Some(content)) = (key, element.get_attribute("content")) {
                meta.borrow_mut().meta_tag(&key, &content);
            }
            Ok(())
        }
    }));
    settings = settings.append_element_content_handler(element!("link[rel][href]", {
        let meta = Rc::clone(&meta);
        move |element| {
            let rel = element.get_attribute("rel").unwrap_or_default();
            if rel
                .split_ascii_whitespace()
                .any(|word| word.eq_ignore_ascii_case("canonical"))
            {
                let mut meta = meta.borrow_mut();
                if meta.canonical.is_none() {
                    meta.canonical = element.get_attribute("href");
                }
            }
            Ok(())
        }
    }));
    settings = settings.append_element_content_handler(text!("title", {
        let meta = Rc::clone(&meta);
        move |chunk| {
            let mut meta = meta.borrow_mut();
            if !meta.title_done {
                meta.title_text.push_str(chunk.as_str());
                if chunk.last_in_text_node() {
                    meta.title_done = true;
                }
            }
            Ok(())
        }
    }));
    settings =
        settings.append_element_content_handler(text!("script[type=\"application/ld+json\"]", {
            let meta = Rc::clone(&meta);
            move |chunk| {
                let mut meta = meta.borrow_mut();
                if meta.json_ld_pending.len() < 1 << 20 {
                    meta.json_ld_pending.push_str(chunk.as_str());
                }
                if chunk.last_in_text_node() {
                    let block = std::mem::take(&mut meta.json_ld_pending);
                    meta.json_ld.push(block);
                }
                Ok(())
            }
        }));
    settings = settings.append_document_content_handler(doc_text!({
        let builder = Rc::clone(&builder);
        let excluded = Rc::clone(&excluded);
        move |chunk| {
            let skip = std::mem::take(&mut *excluded.borrow_mut());
            let shown = matches!(chunk.text_type(), TextType::Data | TextType::RCData);
            let at = chunk.source_location().bytes();
            builder.borrow_mut().chunk(
                chunk.as_str(),
                at.start as u64..at.end as u64,
                shown && !skip,
                single_byte,
                chunk.last_in_text_node(),
            );
            Ok(())
        }
    }));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    for piece in bytes.chunks(64 * 1024) {
        rewriter
            .write(piece)
            .map_err(|error| HtmlError::Parse(error.to_string()))?;
    }
    rewriter
        .end()
        .map_err(|error| HtmlError::Parse(error.to_string()))?;
    let mut builder = Rc::try_unwrap(builder)
        .map(RefCell::into_inner)
        .unwrap_or_else(|shared| shared.borrow().clone());
    builder.flush_node();
    let meta = Rc::try_unwrap(meta)
        .map(RefCell::into_inner)
        .unwrap_or_else(|shared| shared.borrow().clone())
        .finish();
    Ok(Extracted {
        text: builder.text,
        pieces: builder.pieces,
        meta,
    })
}

/// True for encodings where each character is one byte.
fn is_single_byte(encoding: &'static Encoding) -> bool {
    encoding.is_single_byte()
}

/// What an element does to the flow of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Break {
    /// `br`: a line break.
    Line,
    /// A table cell: a space between it and the next.
    Cell,
    /// `pre`: a paragraph whose whitespace is kept.
    Pre,
    /// A block: a paragraph.
    Block,
}

/// The text layer as it is built.
#[derive(Debug, Default, Clone)]
struct Builder {
    text: String,
    pieces: Vec<Piece>,
    /// The separator owed before the next visible character: 0 none,
    /// 1 a space, 2 a line break, 3 a paragraph break.
    owed: u8,
    /// The original bytes of an owed space.
    owed_at: Range<u64>,
    /// How many `pre` elements are open.
    pre: u32,
    /// The text node being gathered (chunks may split a reference).
    node: String,
    /// Where the node starts in the original, and whether it is shown.
    node_at: u64,
    node_end: u64,
    node_shown: bool,
    node_single_byte: bool,
}

impl Builder {
    fn owe(&mut self, level: u8, at: u64) {
        if level > self.owed {
            self.owed = level;
            self.owed_at = at..at;
        }
    }

    fn open(&mut self, kind: Break, at: u64) {
        self.flush_node();
        match kind {
            Break::Line => {
                // A line break is kept even at the start of a paragraph.
                self.emit_owed();
                self.push("\n", at..at, false);
            }
            Break::Cell => self.owe(1, at),
            Break::Pre => {
                self.owe(3, at);
                self.pre += 1;
            }
            Break::Block => self.owe(3, at),
        }
    }

    fn close(&mut self, kind: Break, at: u64) {
        self.flush_node();
        match kind {
            Break::Line => {}
            Break::Cell => self.owe(1, at),
            Break::Pre => {
                self.pre = self.pre.saturating_sub(1);
                self.owe(3, at);
            }
            Break::Block => self.owe(3, at),
        }
    }

    fn chunk(&mut self, text: &str, at: Range<u64>, shown: bool, single_byte: bool, last: bool) {
        if self.node.is_empty() {
            self.node_at = at.start;
            self.node_shown = shown;
            self.node_single_byte = single_byte;
        }
        self.node.push_str(text);
        self.node_end = at.end;
        if last {
            self.flush_node();
        }
    }

    /// Decodes the gathered text node into the layer.
    fn flush_node(&mut self) {
        if self.node.is_empty() {
            return;
        }
        let node = std::mem::take(&mut self.node);
        if !self.node_shown {
            return;
        }
        // The width of each character in the original: UTF-8's, one byte
        // in a single-byte encoding; other encodings map a piece as a whole.
        let single_byte = self.node_single_byte;
        let verbatim_width = node.len() as u64 == self.node_end - self.node_at || single_byte;
        let width = |c: char| -> u64 {
            if single_byte {
                1
            } else {
                c.len_utf8() as u64
            }
        };
        // Offsets never pass the node's end: where the decoded text is longer
        // than the original (bytes replaced by U+FFFD), the pieces map to the
        // node as a whole (below).
        let end = self.node_end;
        let mut at = self.node_at;
        let mut rest = node.as_str();
        while let Some(c) = rest.chars().next() {
            if c == '&' {
                if let Some((decoded, used)) = char_ref(rest) {
                    let original = at.min(end)..(at + used as u64).min(end);
                    self.visible(&decoded, original, false);
                    at += used as u64;
                    rest = &rest[used..];
                    continue;
                }
            }
            let w = width(c);
            let original = at.min(end)..(at + w).min(end);
            if matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r') && self.pre == 0 {
                if self.owed == 0 && !self.text.is_empty() {
                    self.owed = 1;
                    self.owed_at = original;
                } else if self.owed == 1 && self.owed_at.end == original.start {
                    // Only a run of white space that touches: never across a tag.
                    self.owed_at.end = original.end;
                }
            } else if c == '\r' {
                // In `pre`, CR LF and CR are line breaks, as the tokenizer reads them.
                if !rest[1..].starts_with('\n') {
                    self.visible("\n", original, false);
                }
            } else {
                let mut buffer = [0u8; 4];
                self.visible(
                    c.encode_utf8(&mut buffer),
                    original,
                    verbatim_width && !single_byte,
                );
            }
            at += w;
            rest = &rest[c.len_utf8()..];
        }
        if !verbatim_width {
            // An encoding whose characters have other widths, or bytes
            // replaced by U+FFFD: where each character came from is not
            // known, so the node's pieces keep no original bytes (a quote
            // in it records none, rather than bytes that say more).
            let start = self.node_at;
            for piece in self.pieces.iter_mut().rev() {
                if piece.original.start < start {
                    break;
                }
                piece.original = start..start;
                piece.verbatim = false;
            }
            if self.owed == 1 && self.owed_at.start >= start {
                self.owed_at = start..start;
            }
        }
    }

    fn emit_owed(&mut self) {
        if self.text.is_empty() {
            self.owed = 0;
            return;
        }
        let (separator, at) = match self.owed {
            0 => return,
            1 => (" ", self.owed_at.clone()),
            2 => ("\n", self.owed_at.start..self.owed_at.start),
            _ => ("\n\n", self.owed_at.start..self.owed_at.start),
        };
        self.owed = 0;
        // A space already ends the text (a `br`'s line break): nothing more
        // for a space, and a paragraph break replaces a line break.
        if self.text.ends_with('\n') {
            if separator == "\n\n" && !self.text.ends_with("\n\n") {
                self.push("\n", at.start..at.start, false);
            }
            return;
        }
        self.push(separator, at, false);
    }

    fn visible(&mut self, text: &str, original: Range<u64>, verbatim: bool) {
        self.emit_owed();
        self.push(text, original, verbatim);
    }

    fn push(&mut self, text: &str, original: Range<u64>, verbatim: bool) {
        let start = self.text.len() as u64;
        // A verbatim piece that continues the last one extends it.
        if let Some(last) = self.pieces.last_mut() {
            if verbatim && last.verbatim && last.original.end == original.start {
                last.original.end = original.end;
                self.text.push_str(text);
                return;
            }
        }
        self.pieces.push(Piece {
            text: start,
            original,
            verbatim,
        });
        self.text.push_str(text);
    }
}

/// Decodes the character reference at the start of `text` (which starts
/// with `&`), as the WHATWG tokenizer does in text: the longest name in the
/// table, with or without its `;` when the table allows, or `&#` digits.
/// Returns the characters and how many bytes were used, or None when `&` is
/// a plain ampersand.
pub fn char_ref(text: &str) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(1) == Some(&b'#') {
        let (hex, digits_from) = match bytes.get(2) {
            Some(b'x' | b'X') => (true, 3),
            _ => (false, 2),
        };
        let digits = bytes[digits_from..]
            .iter()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            return None;
        }
        let mut value: u32 = 0;
        for &digit in &bytes[digits_from..digits_from + digits] {
            let d = (digit as char).to_digit(16).unwrap_or(0);
            value = value
                .saturating_mul(if hex { 16 } else { 10 })
                .saturating_add(d);
        }
        let mut used = digits_from + digits;
        if bytes.get(used) == Some(&b';') {
            used += 1;
        }
        let c = match value {
            0 => '\u{fffd}',
            0x80..=0x9f => web_atoms::C1_REPLACEMENTS[(value - 0x80) as usize]
                .or_else(|| char::from_u32(value))
                .unwrap_or('\u{fffd}'),
            _ => char::from_u32(value).unwrap_or('\u{fffd}'),
        };
        return Some((c.to_string(), used));
    }
    // Named: extend while the table knows the prefix; keep the longest
    // prefix that is a whole name.
    let mut best = None;
    let mut end = 1;
    while end < bytes.len() && end <= 40 {
        let next = end + 1;
        if !text.is_char_boundary(next) {
            break;
        }
        let Some(&(first, second)) = web_atoms::NAMED_ENTITIES.get(&text[1..next]) else {
            break;
        };
        if first != 0 {
            best = Some((first, second, next));
        }
        end = next;
    }
    let (first, second, used) = best?;
    let mut decoded = String::new();
    decoded.extend(char::from_u32(first));
    if second != 0 {
        decoded.extend(char::from_u32(second));
    }
    Some((decoded, used))
}

/// Maps a byte range of the text layer to the original bytes it was read
/// from: the fewest ranges, in order, leaving out the markup between them.
pub fn original_ranges(pieces: &[Piece], text_len: u64, range: Range<u64>) -> Vec<Range<u64>> {
    let mut ranges: Vec<Range<u64>> = Vec::new();
    let first = pieces.partition_point(|piece| piece.text <= range.start);
    let from = first.saturating_sub(1);
    for (index, piece) in pieces.iter().enumerate().skip(from) {
        let piece_end = pieces.get(index + 1).map_or(text_len, |next| next.text);
        if piece.text >= range.end {
            break;
        }
        if piece_end <= range.start || piece.original.is_empty() {
            continue;
        }
        let original = if piece.verbatim {
            let start = range.start.max(piece.text) - piece.text;
            let end = range.end.min(piece_end) - piece.text;
            piece.original.start + start..piece.original.start + end
        } else {
            piece.original.clone()
        };
        match ranges.last_mut() {
            // Touching or overlapping the last range (pieces of one node in
            // an encoding mapped as a whole): one range.
            Some(last) if original.start <= last.end => last.end = last.end.max(original.end),
            _ => ranges.push(original),
        }
    }
    ranges
}

/// Gathers what a page states about itself.
#[derive(Debug, Default, Clone)]
struct MetaReader {
    title_text: String,
    title_done: bool,
    language: Option<String>,
    canonical: Option<String>,
    tags: Vec<(String, String)>,
    json_ld: Vec<String>,
    json_ld_pending: String,
}

impl MetaReader {
    fn meta_tag(&mut self, key: &str, content: &str) {
        if self.tags.len() < 512 {
            self.tags
                .push((key.to_ascii_lowercase(), content.trim().to_string()));
        }
    }

    fn tag(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|key| {
            self.tags
                .iter()
                .find(|(name, value)| name == key && !value.is_empty())
                .map(|(_, value)| value.clone())
        })
    }

    fn finish(self) -> PageMeta {
        let article = self.json_ld.iter().find_map(|block| {
            let value: serde_json::Value = serde_json::from_str(block.trim()).ok()?;
            find_article(&value, 0).cloned()
        });
        let text_of = |value: Option<&serde_json::Value>| -> Option<String> {
            match value? {
                serde_json::Value::String(text) => Some(collapse(text)),
                serde_json::Value::Array(items) => {
                    items.iter().find_map(|item| item.as_str().map(collapse))
                }
                _ => None,
            }
            .filter(|text| !text.is_empty())
        };
        let mut meta = PageMeta::default();
        if let Some(article) = &article {
            meta.title = text_of(article.get("headline"));
            meta.published = text_of(article.get("datePublished"));
            meta.modified = text_of(article.get("dateModified"));
            meta.authors = names(article.get("author"));
            meta.publisher = article.get("publisher").and_then(|publisher| {
                text_of(publisher.get("name")).or_else(|| text_of(Some(publisher)))
            });
        }
        let title = collapse(&decode_references(&self.title_text));
        meta.title = meta
            .title
            .or_else(|| self.tag(&["og:title"]).map(|t| collapse(&t)))
            .or((!title.is_empty()).then_some(title));
        if meta.authors.is_empty() {
            meta.authors = self
                .tags
                .iter()
                .filter(|(name, value)| {
                    name == "author" && !value.is_empty() && !value.starts_with("http")
                })
                .map(|(_, value)| collapse(value))
                .collect();
        }
        meta.published = meta.published.or_else(|| {
            self.tag(&[
                "article:published_time",
                "datepublished",
                "date",
                "dc.date.issued",
            ])
        });
        meta.modified = meta
            .modified
            .or_else(|| self.tag(&["article:modified_time", "datemodified", "og:updated_time"]));
        meta.publisher = meta.publisher.or_else(|| self.tag(&["og:site_name"]));
        let og_url = self.tag(&["og:url"]);
        meta.canonical = self.canonical.or(og_url);
        meta.language = self.language.filter(|lang| !lang.trim().is_empty());
        meta
    }
}

/// The first JSON-LD object whose type is an article, searching arrays and `@graph`.
fn find_article(value: &serde_json::Value, depth: u32) -> Option<&serde_json::Value> {
    const ARTICLES: &[&str] = &[
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "BlogPosting",
        "OpinionNewsArticle",
        "Report",
        "ScholarlyArticle",
    ];
    if depth > 8 {
        return None;
    }
    match value {
        serde_json::Value::Array(items) => {
            items.iter().find_map(|item| find_article(item, depth + 1))
        }
        serde_json::Value::Object(object) => {
            let is_article = match object.get("@type") {
                Some(serde_json::Value::String(kind)) => ARTICLES.contains(&kind.as_str()),
                Some(serde_json::Value::Array(kinds)) => kinds
                    .iter()
                    .any(|kind| kind.as_str().is_some_and(|kind| ARTICLES.contains(&kind))),
                _ => false,
            };
            if is_article {
                return Some(value);
            }
            object
                .get("@graph")
                .and_then(|graph| find_article(graph, depth + 1))
        }
        _ => None,
    }
}

/// Author names from a JSON-LD `author`: a name, a Person, or a list of either.
fn names(value: Option<&serde_json::Value>) -> Vec<String> {
    let one = |value: &serde_json::Value| -> Option<String> {
        match value {
            serde_json::Value::String(name) => Some(collapse(name)),
            serde_json::Value::Object(object) => object.get("name")?.as_str().map(collapse),
            _ => None,
        }
        .filter(|name| !name.is_empty())
    };
    match value {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(one).take(64).collect(),
        Some(value) => one(value).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Whitespace runs as one space, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Character references decoded as in text (for a title read as raw text,
/// and for checking what a page's own bytes say).
pub fn decode_references(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match char_ref(rest) {
            Some((decoded, used)) => {
                out.push_str(&decoded);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(html: &str) -> String {
        extract(html.as_bytes(), encoding_rs::UTF_8)
            .map(|page| page.text)
            .unwrap_or_default()
    }

    #[test]
    fn what_a_reader_sees() {
        let page = "<html><head><title>T</title><style>p{color:red}</style>\
            <script>var x = 'hidden';</script></head><body>\
            <nav><a href=/>Home</a></nav>\
            <h1>Khojaly</h1><p>Armenian forces captured <b>1,275</b> people &amp; \
            150   went\n missing.</p><p hidden>secret</p><div>It&#8217;s 613&nbsp;dead<br>new line</div>\
            <template>tpl</template><noscript>enable js</noscript>\
            <table><tr><td>a</td><td>b</td></tr></table></body></html>";
        // Worked out by hand from the rules in the module doc.
        assert_eq!(
            layer(page),
            "Khojaly\n\nArmenian forces captured 1,275 people & 150 went missing.\n\n\
             It\u{2019}s 613\u{a0}dead\nnew line\n\na b"
        );
    }

    #[test]
    fn references_as_the_tokenizer_reads_them() {
        assert_eq!(char_ref("&amp;x"), Some(("&".into(), 5)));
        // A legacy name without its semicolon.
        assert_eq!(char_ref("&ampx"), Some(("&".into(), 4)));
        // The longest name wins: &notin; not &not.
        assert_eq!(char_ref("&notin;"), Some(("\u{2209}".into(), 7)));
        assert_eq!(char_ref("&notit;"), Some(("\u{ac}".into(), 4)));
        assert_eq!(char_ref("&#x2014;"), Some(("\u{2014}".into(), 8)));
        assert_eq!(char_ref("&#151;"), Some(("\u{2014}".into(), 6)));
        assert_eq!(char_ref("&#0;"), Some(("\u{fffd}".into(), 4)));
        assert_eq!(char_ref("&#;"), None);
        assert_eq!(char_ref("&bogus;"), None);
        assert_eq!(char_ref("& x"), None);
    }

    #[test]
    fn pieces_map_back_to_the_markup() {
        let html = "<p>captured <b>1,275</b> &amp; more</p>";
        let page = extract(html.as_bytes(), encoding_rs::UTF_8).expect("reads");
        assert_eq!(page.text, "captured 1,275 & more");
        let len = page.text.len() as u64;
        // "1,275 & more" is text bytes 9..21; in the markup "1,275" is at
        // 15..20, then " " (24..25) "&amp;" (25..30) " more" (30..35).
        let ranges = original_ranges(&page.pieces, len, 9..21);
        assert_eq!(ranges, vec![15..20, 24..35]);
        for range in &ranges {
            assert!(!html[range.start as usize..range.end as usize].contains('<'));
        }
        // "captured" alone is bytes 3..11.
        assert_eq!(original_ranges(&page.pieces, len, 0..8), vec![3..11]);
    }

    #[test]
    fn windows_1252_pages_map_by_single_bytes() {
        // "caf\xe9 613" in Windows-1252: é is one byte there.
        let bytes = b"<p>caf\xe9 613</p>";
        let page = extract(bytes, encoding_rs::WINDOWS_1252).expect("reads");
        assert_eq!(page.text, "caf\u{e9} 613");
        // "613" is text bytes 6..9 (é is two bytes in UTF-8) and original 8..11.
        assert_eq!(original_ranges(&page.pieces, 9, 6..9), vec![8..11]);
    }

    #[test]
    fn page_metadata() {
        let page = r#"<html lang="en"><head><title>A &amp; B</title>
            <meta name="author" content="Jane Roe">
            <meta property="article:published_time" content="2024-02-26T09:00:00Z">
            <link rel="canonical" href="https://example.org/a">
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"NewsArticle","headline":"Khojaly, 32 years on","dateModified":"2024-05-02","author":[{"@type":"Person","name":"A. Writer"}]}]}</script>
            </head><body><p>x</p></body></html>"#;
        let meta = extract(page.as_bytes(), encoding_rs::UTF_8)
            .expect("reads")
            .meta;
        assert_eq!(meta.title.as_deref(), Some("Khojaly, 32 years on"));
        assert_eq!(meta.authors, vec!["A. Writer".to_string()]);
        assert_eq!(meta.published.as_deref(), Some("2024-02-26T09:00:00Z"));
        assert_eq!(meta.modified.as_deref(), Some("2024-05-02"));
        assert_eq!(meta.canonical.as_deref(), Some("https://example.org/a"));
        assert_eq!(meta.language.as_deref(), Some("en"));
        let plain = extract(b"<title>A &amp; B</title><p>x", encoding_rs::UTF_8)
            .expect("reads")
            .meta;
        assert_eq!(plain.title.as_deref(), Some("A & B"));
    }
}
