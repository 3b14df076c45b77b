//! Which character encoding bytes are in, and their text as UTF-8.
//!
//! The encoding is taken from, in order: a byte order mark, the charset the
//! caller was told (an HTTP header), a page's `<meta charset>` (HTML only),
//! valid UTF-8 as it stands, and last a detector (chardetng). The text of
//! every layer is UTF-8.

use encoding_rs::Encoding;

/// How the encoding was known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// A byte order mark.
    Bom,
    /// The charset the caller gave (an HTTP header).
    Declared,
    /// A `<meta charset>` in the page.
    Meta,
    /// The bytes are valid UTF-8.
    Valid,
    /// chardetng's guess.
    Detected,
}

impl Found {
    /// The word a text layer's parameters record.
    pub fn name(self) -> &'static str {
        match self {
            Found::Bom => "bom",
            Found::Declared => "declared",
            Found::Meta => "meta",
            Found::Valid => "valid-utf-8",
            Found::Detected => "detected",
        }
    }
}

/// Looks up an encoding by the label people and headers use (`latin1`,
/// `windows-1252`, `utf-16le`…), as the WHATWG Encoding Standard reads it.
pub fn for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// Decides the encoding of `bytes`.
pub fn sniff(
    bytes: &[u8],
    declared: Option<&'static Encoding>,
    html: bool,
) -> (&'static Encoding, Found) {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return (encoding, Found::Bom);
    }
    if let Some(encoding) = declared {
        return (encoding, Found::Declared);
    }
    if html {
        if let Some(encoding) = meta_charset(&bytes[..bytes.len().min(1024)]) {
            return (encoding, Found::Meta);
        }
    }
    if std::str::from_utf8(bytes).is_ok() {
        return (encoding_rs::UTF_8, Found::Valid);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    (
        detector.guess(None, chardetng::Utf8Detection::Allow),
        Found::Detected,
    )
}

/// Decodes `bytes` in `encoding` (a BOM of that encoding is dropped), or
/// None when they are not valid in it.
pub fn decode(bytes: &[u8], encoding: &'static Encoding) -> Option<String> {
    let (text, had_errors) = encoding.decode_with_bom_removal(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// The charset a page declares in its first bytes: `<meta charset=X>` or
/// `<meta http-equiv=content-type content="…; charset=X">`. A simplified
/// form of the WHATWG prescan: attribute values are read quoted or bare.
/// UTF-16 labels mean UTF-8 there, as the standard says.
pub fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let start = from + at + 5;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |end| start + end);
        let tag = &lower[start..end];
        let from_content = attribute(tag, b"content=").and_then(|content| {
            let at = find(content, b"charset=")?;
            let rest = &content[at + 8..];
            let rest = rest.strip_prefix(b"\"").unwrap_or(rest);
            let len = rest
                .iter()
                .position(|&b| matches!(b, b';' | b'"' | b'\'' | b' '))
                .unwrap_or(rest.len());
            Some(&rest[..len])
        });
        for label in [attribute(tag, b"charset="), from_content]
            .into_iter()
            .flatten()
        {
            if let Some(encoding) = Encoding::for_label(label) {
                if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
                    return Some(encoding_rs::UTF_8);
                }
                return Some(encoding);
            }
        }
        from = end;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The value after `name` (which ends in `=`) in a tag's attributes.
fn attribute<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    loop {
        let at = from + find(&tag[from..], name)?;
        let before = at.checked_sub(1).map(|i| tag[i]);
        from = at + name.len();
        if before.is_some_and(|b| !b.is_ascii_whitespace() && b != b'"' && b != b'\'') {
            continue;
        }
        let rest = &tag[from..];
        let (quote, rest) = match rest.first() {
            Some(&q @ (b'"' | b'\'')) => (Some(q), &rest[1..]),
            _ => (None, rest),
        };
        let len = rest
            .iter()
            .position(|&b| match quote {
                Some(q) => b == q,
                None => b.is_ascii_whitespace() || matches!(b, b'/' | b'>' | b'"' | b'\'' | b';'),
            })
            .unwrap_or(rest.len());
        return Some(&rest[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_of_the_evidence() {
        // UTF-16LE with its BOM: FF FE then "6" 0 "1" 0 "3" 0.
        let utf16 = b"\xff\xfe6\x001\x003\x00";
        assert_eq!(
            sniff(utf16, None, false),
            (encoding_rs::UTF_16LE, Found::Bom)
        );
        assert_eq!(decode(utf16, encoding_rs::UTF_16LE).as_deref(), Some("613"));
        // A header beats the page's meta; the meta beats valid UTF-8.
        let page = b"<meta charset=\"iso-8859-2\"><p>x";
        assert_eq!(
            sniff(page, for_label("windows-1251"), true),
            (encoding_rs::WINDOWS_1251, Found::Declared)
        );
        // iso-8859-2 is its own encoding in the WHATWG table.
        assert_eq!(
            sniff(page, None, true),
            (encoding_rs::ISO_8859_2, Found::Meta)
        );
        assert_eq!(sniff(page, None, false), (encoding_rs::UTF_8, Found::Valid));
        // latin1 is windows-1252 by the standard's label table.
        assert_eq!(for_label(" Latin1 "), Some(encoding_rs::WINDOWS_1252));
        let legacy = b"<meta http-equiv=Content-Type content='text/html; charset=windows-1252'>";
        assert_eq!(meta_charset(legacy), Some(encoding_rs::WINDOWS_1252));
        // A page that claims UTF-16 in its meta is read as UTF-8.
        assert_eq!(
            meta_charset(b"<meta charset=utf-16>"),
            Some(encoding_rs::UTF_8)
        );
    }

    #[test]
    fn the_detector_reads_windows_1252() {
        // French with 0xE9 for é and 0x92 for ’, as Windows-1252 writes them.
        let bytes = b"Le tribunal a rendu sa d\xe9cision le 22 avril 2010 \x96 l\x92arr\xeat \
            concerne 613 victimes civiles, dont 106 femmes et 63 enfants. \
            La d\xe9cision a \xe9t\xe9 publi\xe9e le lendemain.";
        let (encoding, found) = sniff(bytes, None, false);
        assert_eq!(
            (encoding, found),
            (encoding_rs::WINDOWS_1252, Found::Detected)
        );
        let text = decode(bytes, encoding).expect("decodes");
        assert!(text.contains("d\u{e9}cision le 22 avril 2010 \u{2013} l\u{2019}arr\u{ea}t"));
    }
}
