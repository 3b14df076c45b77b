//! Checks of free text, names, slugs, URLs and source metadata before anything is written.

use crate::model::SourceMeta;
use crate::text::normalize::tidy;

use super::field::Field;
use super::StoreError;

pub(super) fn check_text(field: Field, text: &str, max: usize) -> Result<(), StoreError> {
    if text
        .chars()
        .any(|ch| ch.is_control() && ch != '\n' && ch != '\t')
    {
        return Err(StoreError::BadText {
            field,
            why: "contains control characters; remove them".into(),
        });
    }
    if text.len() > max {
        return Err(StoreError::BadText {
            field,
            why: format!(
                "is {} bytes, over the {max}-byte limit; shorten it",
                text.len()
            ),
        });
    }
    Ok(())
}

pub(super) fn check_name(field: Field, text: &str) -> Result<String, StoreError> {
    let tidied = tidy(text);
    if tidied.is_empty() {
        return Err(StoreError::BadText {
            field,
            why: "is empty; give a non-empty value".into(),
        });
    }
    if tidied.chars().any(char::is_control) {
        return Err(StoreError::BadText {
            field,
            why: "contains control characters; remove them".into(),
        });
    }
    check_text(field, &tidied, 1000)?;
    Ok(tidied)
}

/// Checks a document slug: 1-100 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit.
pub fn check_slug(slug: &str) -> Result<(), StoreError> {
    let ok = !slug.is_empty()
        && slug.len() <= 100
        && slug.as_bytes()[0].is_ascii_alphanumeric()
        && slug.bytes().all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"._-".contains(&byte)
        });
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadText {
            field: Field::Doc,
            why: format!("{slug:?} is not a slug: use 1-100 of a-z, 0-9, '.', '_', '-', starting with a letter or digit"),
        })
    }
}

/// Checks a one-line field: no control character at all (a newline in a
/// title would forge a row in `sources`), within `max` bytes.
pub(super) fn check_line(field: Field, text: &str, max: usize) -> Result<(), StoreError> {
    if text.chars().any(char::is_control) {
        return Err(StoreError::BadText {
            field,
            why: "contains a line break or another control character; give it on one line".into(),
        });
    }
    check_text(field, text, max)
}

/// Checks that a web address is absolute http(s) with a host and no spaces.
pub(crate) fn check_url(field: Field, url: &str) -> Result<(), StoreError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
    if host.is_none_or(str::is_empty) || url.chars().any(char::is_whitespace) {
        return Err(StoreError::BadText {
            field,
            why: format!("{url:?} is not an absolute http(s) address; give the full address, e.g. https://example.org/report"),
        });
    }
    check_line(field, url, 8 * 1024)
}

pub(super) fn check_meta(meta: &SourceMeta) -> Result<(), StoreError> {
    for (field, value) in [
        (Field::Title, &meta.title),
        (Field::Publisher, &meta.publisher),
        (Field::MediaType, &meta.media_type),
        (Field::Language, &meta.language),
    ] {
        if let Some(value) = value {
            check_line(field, value, 4096)?;
        }
    }
    if let Some(url) = &meta.url {
        check_url(Field::Url, url)?;
    }
    for author in &meta.authors {
        check_line(Field::Author, author, 1000)?;
    }
    if let Some(note) = &meta.note {
        check_text(Field::Note, note, 64 * 1024)?;
    }
    Ok(())
}
