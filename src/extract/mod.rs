//! Text layers: the text a named, versioned extractor reads from a source's
//! bytes when the bytes themselves are not the text a person quotes (a web
//! page, a file in another encoding). The source stays the authority; the
//! layer is derived from it, and deriving it again from the same bytes with
//! the same extractor and parameters gives the same text (schema/text-layers.md).

use std::collections::BTreeMap;
use std::ops::Range;

use encoding_rs::Encoding;

pub mod boxes;
mod child;
pub mod labels;
pub mod pdf;

use crate::text::encoding::{self, Found};
use crate::text::html::{self, PageMeta, Piece};

/// The extractor of text in another encoding than UTF-8.
pub const DECODE: &str = "provdb-decode";
/// Its version.
pub const DECODE_VERSION: &str = "1";

/// The largest page provdb derives a text layer from, in bytes.
pub const MAX_HTML: u64 = 32 << 20;

/// The largest PDF provdb reads, in bytes.
pub const MAX_PDF: u64 = 256 << 20;

/// What kind of document bytes are, for choosing an extractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A web page.
    Html,
    /// Plain text, in whatever encoding.
    Text,
    /// A PDF.
    Pdf,
}

/// A text layer as an extractor gave it.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The text, UTF-8.
    pub text: String,
    /// The extractor's name.
    pub extractor: &'static str,
    /// Its version.
    pub version: String,
    /// The parameters that, with the bytes, determine the text.
    pub params: BTreeMap<String, String>,
    /// For a page: where each piece of the text came from in the original.
    pub pieces: Option<Vec<Piece>>,
    /// For a PDF: where each page starts in the text.
    pub page_starts: Option<Vec<u64>>,
    /// For a PDF of at most [`MAX_BOX_PAGES`] pages: its words with their
    /// boxes, as the same pdftotext prints them.
    pub words: Option<Vec<boxes::Word>>,
    /// What a page states about itself.
    pub meta: PageMeta,
}

impl Layer {
    /// The original byte ranges a range of the layer was read from, when the
    /// extractor keeps them.
    pub fn original_ranges(&self, range: Range<u64>) -> Option<Vec<Range<u64>>> {
        let pieces = self.pieces.as_ref()?;
        Some(html::original_ranges(pieces, self.text.len() as u64, range))
    }

    /// The pages (from 1) a range of the layer lies on, for a PDF.
    pub fn pages(&self, range: Range<u64>) -> Vec<u32> {
        self.page_starts
            .as_deref()
            .map(|starts| pdf::pages_of(starts, range))
            .unwrap_or_default()
    }

    /// The word boxes of a range of a PDF's layer, a box per printed line
    /// (`extract::boxes`); empty when the words are not known or do not
    /// cover the range.
    pub fn boxes(&self, range: Range<u64>) -> Vec<[u32; 5]> {
        let (Some(starts), Some(words)) = (&self.page_starts, &self.words) else {
            return Vec::new();
        };
        boxes::quote_boxes(
            &self.text,
            starts,
            words,
            range.start as usize..range.end as usize,
        )
        .unwrap_or_default()
    }
}

/// The most pages of a PDF whose word boxes are read: a citation of a
/// longer PDF records its pages, not its boxes.
pub const MAX_BOX_PAGES: usize = 300;

/// Decides what kind of document the bytes are: the media type given wins,
/// then the file name's extension, then the bytes (`%PDF-`, the WHATWG
/// sniffing patterns for HTML).
pub fn kind(bytes: &[u8], media_type: Option<&str>, name: Option<&str>) -> Kind {
    if let Some(media_type) = media_type {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        return if essence == "text/html" || essence == "application/xhtml+xml" {
            Kind::Html
        } else if essence == "application/pdf" {
            Kind::Pdf
        } else {
            Kind::Text
        };
    }
    if let Some(name) = name {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".html") || lower.ends_with(".htm") || lower.ends_with(".xhtml") {
            return Kind::Html;
        }
        if lower.ends_with(".pdf") {
            return Kind::Pdf;
        }
        if lower.ends_with(".txt") || lower.ends_with(".md") || lower.ends_with(".csv") {
            return Kind::Text;
        }
    }
    if pdf::is_pdf(bytes) {
        Kind::Pdf
    } else if sniffs_as_html(bytes) {
        Kind::Html
    } else {
        Kind::Text
    }
}

/// The WHATWG MIME Sniffing Standard's patterns for text/html: after
/// leading whitespace, one of these tags (any case) followed by a space or `>`.
pub fn sniffs_as_html(bytes: &[u8]) -> bool {
    const TAGS: &[&[u8]] = &[
        b"<!doctype html",
        b"<html",
        b"<head",
        b"<script",
        b"<iframe",
        b"<h1",
        b"<div",
        b"<font",
        b"<table",
        b"<a",
        b"<style",
        b"<title",
        b"<b",
        b"<body",
        b"<br",
        b"<p",
        b"<!--",
    ];
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r'))
        .unwrap_or(bytes.len());
    let rest = &bytes[start..];
    TAGS.iter().any(|tag| {
        rest.len() > tag.len()
            && rest[..tag.len()].eq_ignore_ascii_case(tag)
            && matches!(rest[tag.len()], b' ' | b'>')
    })
}

/// Why bytes have no text layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayerError {
    /// They are not text in any encoding.
    #[error("{0}")]
    NotText(String),
    /// A page too large to read.
    #[error("is a web page of {size} bytes, over the {} MB provdb reads as HTML", MAX_HTML >> 20)]
    TooLarge {
        /// Its size.
        size: u64,
    },
    /// The page could not be read.
    #[error(transparent)]
    Html(#[from] html::HtmlError),
    /// The PDF could not be read.
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
    /// A layer recorded by an extractor this provdb does not have.
    #[error("its text layer was made by {extractor} {version}, which this provdb does not have")]
    Unknown {
        /// The extractor named.
        extractor: String,
        /// Its version.
        version: String,
    },
    /// A parameter it records cannot be read.
    #[error("its text layer records {0}, which this provdb cannot read")]
    BadParams(String),
}

/// Derives the text layer of bytes of the given kind, or None when the
/// bytes are UTF-8 plain text already (they are quoted as they are).
/// `declared` is a charset the caller was told, such as an HTTP header's.
pub fn derive(
    bytes: &[u8],
    kind: Kind,
    declared: Option<&'static Encoding>,
) -> Result<Option<Layer>, LayerError> {
    match kind {
        Kind::Html => {
            if bytes.len() as u64 > MAX_HTML {
                return Err(LayerError::TooLarge {
                    size: bytes.len() as u64,
                });
            }
            let (encoding, found) = encoding::sniff(bytes, declared, true);
            html_layer(bytes, encoding, found.name()).map(Some)
        }
        Kind::Pdf => {
            let mut layer = pdf_layer(bytes)?;
            // The pages' own labels, when qpdf can read them: kept with the
            // layer, checked again by verify. Without qpdf, or when it cannot
            // read them, the layer has none and trace shows page numbers.
            if let Ok(ranges) = labels::read(bytes) {
                layer
                    .params
                    .insert(labels::PARAM.to_string(), labels::to_param(&ranges));
            }
            Ok(Some(layer))
        }
        Kind::Text => {
            // Declared UTF-8 is UTF-8 as it stands.
            let declared = declared.filter(|encoding| *encoding != encoding_rs::UTF_8);
            if declared.is_none()
                && Encoding::for_bom(bytes).is_none()
                && crate::text::plain::not_text(bytes).is_none()
            {
                return Ok(None);
            }
            if bytes.contains(&0) && Encoding::for_bom(bytes).is_none() {
                return Err(LayerError::NotText(
                    "it is binary (it contains NUL bytes)".into(),
                ));
            }
            let (encoding, found) = encoding::sniff(bytes, declared, false);
            decode_layer(bytes, encoding, found).map(Some)
        }
    }
}

/// Derives a layer again as it was recorded: the same extractor, version
/// and parameters.
pub fn rederive(
    bytes: &[u8],
    extractor: &str,
    version: &str,
    params: &BTreeMap<String, String>,
) -> Result<Layer, LayerError> {
    let current = current_version(extractor);
    if current.as_deref() != Some(version) {
        return Err(LayerError::Unknown {
            extractor: extractor.to_string(),
            version: version.to_string(),
        });
    }
    derive_now(bytes, extractor, params)
}

/// Every version of provdb's own extractors that has existed: a layer that
/// names another one was not made by provdb. None for an extractor whose
/// versions are not provdb's (pdftotext's are poppler's).
pub fn versions_ever(extractor: &str) -> Option<&'static [&'static str]> {
    match extractor {
        html::NAME => Some(&["1"]),
        DECODE => Some(&["1"]),
        _ => None,
    }
}

/// The version of a named extractor this provdb has (for PDFs, the
/// installed pdftotext's), or None.
pub fn current_version(extractor: &str) -> Option<String> {
    match extractor {
        html::NAME => Some(html::VERSION.to_string()),
        DECODE => Some(DECODE_VERSION.to_string()),
        pdf::NAME => pdf::version().ok(),
        _ => None,
    }
}

/// Derives a layer with the version of its extractor this provdb has now,
/// with the recorded parameters: what `verify` compares a layer made by
/// another version with.
pub fn derive_now(
    bytes: &[u8],
    extractor: &str,
    params: &BTreeMap<String, String>,
) -> Result<Layer, LayerError> {
    if extractor == pdf::NAME {
        return pdf_layer(bytes);
    }
    let unknown = || LayerError::Unknown {
        extractor: extractor.to_string(),
        version: String::new(),
    };
    if extractor != html::NAME && extractor != DECODE {
        return Err(unknown());
    }
    let encoding = params
        .get("encoding")
        .ok_or_else(|| LayerError::BadParams("no encoding".into()))?;
    let encoding = Encoding::for_label(encoding.as_bytes())
        .ok_or_else(|| LayerError::BadParams(format!("the encoding {encoding:?}")))?;
    let found = params.get("found").map(String::as_str).unwrap_or_default();
    if extractor == html::NAME {
        let found = match found {
            "bom" => "bom",
            "declared" => "declared",
            "meta" => "meta",
            "valid-utf-8" => "valid-utf-8",
            _ => "detected",
        };
        return html_layer(bytes, encoding, found);
    }
    let found = match found {
        "bom" => Found::Bom,
        "declared" => Found::Declared,
        "valid-utf-8" => Found::Valid,
        _ => Found::Detected,
    };
    decode_layer(bytes, encoding, found)
}

fn html_layer(
    bytes: &[u8],
    encoding: &'static Encoding,
    found: &'static str,
) -> Result<Layer, LayerError> {
    let mut params = BTreeMap::new();
    params.insert("encoding".to_string(), encoding.name().to_ascii_lowercase());
    params.insert("found".to_string(), found.to_string());
    let page = if encoding.is_ascii_compatible() {
        html::extract(bytes, encoding)?
    } else {
        // UTF-16, ISO-2022-JP: read as its UTF-8 text; the pieces then map to that text,
        // not to the original bytes, and are not kept.
        let text = encoding::decode(bytes, encoding)
            .ok_or_else(|| LayerError::NotText(format!("it is not valid {}", encoding.name())))?;
        let mut page = html::extract(text.as_bytes(), encoding_rs::UTF_8)?;
        page.pieces.clear();
        page
    };
    let keep = !page.pieces.is_empty() || page.text.is_empty();
    Ok(Layer {
        text: page.text,
        extractor: html::NAME,
        version: html::VERSION.to_string(),
        params,
        pieces: keep.then_some(page.pieces),
        page_starts: None,
        words: None,
        meta: page.meta,
    })
}

fn pdf_layer(bytes: &[u8]) -> Result<Layer, LayerError> {
    let version = pdf::version()?;
    let read = pdf::extract(bytes)?;
    let mut params = BTreeMap::new();
    params.insert("mode".to_string(), "reading-order".to_string());
    params.insert(
        "hyphens".to_string(),
        "joined-before-lower-case".to_string(),
    );
    params.insert("page-numbers".to_string(), "left-out".to_string());
    Ok(Layer {
        text: read.text,
        extractor: pdf::NAME,
        version,
        params,
        pieces: None,
        words: (read.page_starts.len() <= MAX_BOX_PAGES)
            .then(|| boxes::read_words(bytes, 1, read.page_starts.len() as u32).ok())
            .flatten(),
        page_starts: Some(read.page_starts),
        meta: PageMeta::default(),
    })
}

fn decode_layer(
    bytes: &[u8],
    encoding: &'static Encoding,
    found: Found,
) -> Result<Layer, LayerError> {
    let text = encoding::decode(bytes, encoding).ok_or_else(|| {
        LayerError::NotText(format!(
            "it is not valid {} ({} by {})",
            encoding.name(),
            "its encoding found",
            found.name()
        ))
    })?;
    if let Some(at) = text
        .char_indices()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
        .map(|(at, _)| at)
    {
        return Err(LayerError::NotText(format!(
            "it is binary (read as {}, it has a control character at character {})",
            encoding.name(),
            text[..at].chars().count()
        )));
    }
    let mut params = BTreeMap::new();
    params.insert("encoding".to_string(), encoding.name().to_ascii_lowercase());
    params.insert("found".to_string(), found.name().to_string());
    Ok(Layer {
        text,
        extractor: DECODE,
        version: DECODE_VERSION.to_string(),
        params,
        pieces: None,
        page_starts: None,
        words: None,
        meta: PageMeta::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_type_name_and_sniffing() {
        assert_eq!(
            kind(b"x", Some("text/html; charset=utf-8"), None),
            Kind::Html
        );
        assert_eq!(kind(b"<html>", Some("text/plain"), None), Kind::Text);
        assert_eq!(kind(b"x", None, Some("a/Page.HTM")), Kind::Html);
        assert_eq!(kind(b"<p>x", None, Some("notes.txt")), Kind::Text);
        assert_eq!(kind(b"\n  <!DOCTYPE html>", None, None), Kind::Html);
        assert_eq!(kind(b"<p>613 killed", None, None), Kind::Html);
        // "<pre" is not "<p" followed by a space or '>'.
        assert_eq!(kind(b"<pre>x", None, None), Kind::Text);
        assert_eq!(kind(b"613 killed <b>", None, None), Kind::Text);
    }

    #[test]
    fn utf8_text_needs_no_layer_and_others_are_decoded() {
        assert!(derive("613 — é".as_bytes(), Kind::Text, None)
            .expect("reads")
            .is_none());
        let layer = derive(b"\xff\xfe6\x001\x003\x00", Kind::Text, None)
            .expect("reads")
            .expect("a layer");
        assert_eq!(layer.text, "613");
        assert_eq!(layer.params["encoding"], "utf-16le");
        assert_eq!(layer.params["found"], "bom");
        let again = rederive(
            b"\xff\xfe6\x001\x003\x00",
            layer.extractor,
            &layer.version,
            &layer.params,
        )
        .expect("again");
        assert_eq!(again.text, "613");
        assert!(matches!(
            derive(b"%PDF-1.7\n\x00\x01", Kind::Text, None),
            Err(LayerError::NotText(_))
        ));
        assert!(matches!(
            rederive(b"x", "other", "9", &layer.params),
            Err(LayerError::Unknown { .. })
        ));
    }
}
