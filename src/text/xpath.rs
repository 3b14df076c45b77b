//! Where a quote sits in a page's element tree, as an XPath hint for Web
//! Annotation exports (schema/exports.md): the smallest element that holds
//! the whole quote, e.g. `/html[1]/body[1]/article[1]/p[2]`.
//!
//! The tree is the WHATWG one, built by html5ever (through scraper): the
//! text layer's tokenizer (lol_html) gives byte offsets but no tree, and
//! html5ever gives the tree but no offsets. So the page is parsed up to the
//! quote's first byte with a marker appended; the marker lands where the
//! parser would put the next text, and its ancestors are the elements open
//! there. The same is done at the quote's last byte, and the hint is the
//! deepest element on both paths. A page's later markup can still move
//! what came before (misnested formatting, text in a table), so a hint is
//! given only when the element found in the tree of the whole page holds
//! the quote's characters, white space aside.

use ego_tree::NodeRef;
use encoding_rs::Encoding;
use scraper::{Html, Node};

/// Hints deeper than this are not given.
pub const MAX_DEPTH: usize = 256;

/// Appended to a prefix of the page: two noncharacters around a word, text
/// no page holds by accident.
const MARKER: &str = "\u{FDD0}provdb-quote\u{FDD0}";

/// One step of a path: an element's name and its position (from 1) among
/// its parent's child elements of that name.
type Step = (String, usize);

/// A page's tree, parsed once for the hints of all its quotes.
#[derive(Debug)]
pub struct PageTree {
    bytes: Vec<u8>,
    encoding: &'static Encoding,
    tree: Html,
}

impl PageTree {
    /// Parses a page whose bytes are in `encoding`.
    pub fn new(bytes: Vec<u8>, encoding: &'static Encoding) -> PageTree {
        let tree = Html::parse_document(&decode(&bytes, encoding));
        PageTree {
            bytes,
            encoding,
            tree,
        }
    }

    /// The XPath of the smallest element holding the page bytes
    /// `start..end`, whose text (white space aside) contains `quote`'s; None
    /// when the tree gives no such element.
    pub fn xpath(&self, start: usize, end: usize, quote: &str) -> Option<String> {
        if start >= end || end > self.bytes.len() {
            return None;
        }
        let first = path_at(&decode(&self.bytes[..start], self.encoding))?;
        let last = path_at(&decode(&self.bytes[..end], self.encoding))?;
        let common: Vec<Step> = first
            .iter()
            .zip(&last)
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.clone())
            .collect();
        if common.is_empty() || common.len() > MAX_DEPTH {
            return None;
        }
        let element = find(self.tree.tree.root(), &common)?;
        let mut held = String::new();
        for node in element.descendants() {
            if let Node::Text(text) = node.value() {
                held.extend(text.chars().filter(|c| !c.is_whitespace()));
            }
        }
        let wanted: String = quote.chars().filter(|c| !c.is_whitespace()).collect();
        if wanted.is_empty() || !held.contains(&wanted) {
            return None;
        }
        Some(
            common
                .iter()
                .map(|(name, position)| format!("/{name}[{position}]"))
                .collect(),
        )
    }
}

/// Decodes page bytes as the text layer read them (a byte order mark, if
/// any, read as the layer read it: left out).
fn decode(bytes: &[u8], encoding: &'static Encoding) -> String {
    encoding
        .decode_without_bom_handling(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
        .0
        .into_owned()
}

/// The path of the elements open at the end of `prefix`: where the parser
/// puts the marker appended to it. None when an element on the way is not
/// an HTML element (SVG, MathML: an XPath would need their namespaces).
fn path_at(prefix: &str) -> Option<Vec<Step>> {
    let tree = Html::parse_document(&format!("{prefix}{MARKER}"));
    let marker = tree
        .tree
        .nodes()
        .find(|node| matches!(node.value(), Node::Text(text) if text.contains(MARKER)))?;
    let mut steps = Vec::new();
    for ancestor in marker.ancestors() {
        let Node::Element(element) = ancestor.value() else {
            continue;
        };
        if &*element.name.ns != "http://www.w3.org/1999/xhtml" {
            return None;
        }
        let name = element.name();
        // Names XPath reads as they are: no prefix (Word's `o:p`), no
        // character a name test would take otherwise.
        let plain = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !plain {
            return None;
        }
        let position = 1 + ancestor
            .prev_siblings()
            .filter(
                |sibling| matches!(sibling.value(), Node::Element(other) if other.name() == name),
            )
            .count();
        steps.push((name.to_string(), position));
        if steps.len() > MAX_DEPTH {
            return None;
        }
    }
    steps.reverse();
    Some(steps)
}

/// The element a path names, from the document node.
fn find<'a>(root: NodeRef<'a, Node>, path: &[Step]) -> Option<NodeRef<'a, Node>> {
    let mut at = root;
    for (name, position) in path {
        at = at
            .children()
            .filter(
                |child| matches!(child.value(), Node::Element(element) if element.name() == name),
            )
            .nth(position - 1)?;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(page: &str, quote: &str) -> Option<String> {
        let start = page.find(quote).expect("quote in page");
        PageTree::new(page.as_bytes().to_vec(), encoding_rs::UTF_8).xpath(
            start,
            start + quote.len(),
            quote,
        )
    }

    #[test]
    fn the_smallest_element_holding_the_quote() {
        // Counted by hand: body's second div, its first p (the paragraph
        // before it is p[1] of the first div).
        let page = "<!doctype html><html><head><title>t</title></head><body>\
            <div><p>Before.</p></div><div><p>The town had <b>7,000</b> residents.</p>\
            <p>1,275 were captured.</p></div></body></html>";
        assert_eq!(
            hint(page, "The town had").as_deref(),
            Some("/html[1]/body[1]/div[2]/p[1]")
        );
        // A quote across two paragraphs: their div.
        let across = "residents.</p>\
            <p>1,275";
        let start = page.find(across).expect("in page");
        let tree = PageTree::new(page.as_bytes().to_vec(), encoding_rs::UTF_8);
        assert_eq!(
            tree.xpath(start, start + across.len(), "residents. 1,275")
                .as_deref(),
            Some("/html[1]/body[1]/div[2]")
        );
        // Implied elements count: no <html>, <body> or closing </p> written.
        let bare = "<p>First.<p>Second, 613 killed.";
        assert_eq!(
            hint(bare, "613 killed").as_deref(),
            Some("/html[1]/body[1]/p[2]")
        );
    }

    #[test]
    fn no_hint_where_the_tree_moved_the_text_or_the_quote_is_not_there() {
        // Text directly in a table is put before the table by the parser.
        let page = "<table><tr><td>cell</td></tr>stray 613 text</table>";
        let quote = "stray 613 text";
        let start = page.find(quote).expect("in page");
        let tree = PageTree::new(page.as_bytes().to_vec(), encoding_rs::UTF_8);
        // The marker lands before the table too, in body: the hint names
        // body, whose text holds the words.
        assert_eq!(
            tree.xpath(start, start + quote.len(), quote).as_deref(),
            Some("/html[1]/body[1]")
        );
        // A quote the element does not hold gets no hint.
        assert_eq!(tree.xpath(start, start + quote.len(), "not there"), None);
        // SVG text: no HTML path.
        let svg = "<body><svg><text>613 killed</text></svg></body>";
        assert_eq!(hint(svg, "613 killed"), None);
        // A name with a prefix, as word processors write them: none.
        let word = "<body><p><st1:place>Khojaly, 613 killed</st1:place></p></body>";
        assert_eq!(hint(word, "613 killed"), None);
    }

    #[test]
    fn pages_in_other_encodings_are_read_in_theirs() {
        // "Xocalı" in Windows-1254 (Turkish): ı is 0xFD.
        let page = b"<p>caf\xe9</p><p>Xocal\xfd, 1992</p>".to_vec();
        // 3 + 4 + 4 + 3 bytes before the X.
        let start = 14;
        assert_eq!(&page[start..start + 5], b"Xocal");
        let tree = PageTree::new(page.clone(), encoding_rs::WINDOWS_1254);
        assert_eq!(
            tree.xpath(start, page.len() - 4, "Xocal\u{131}, 1992")
                .as_deref(),
            Some("/html[1]/body[1]/p[2]")
        );
    }
}
