//! Ids and unique prefixes resolved to sources, claims and citations.

use crate::model::{CitationId, ClaimId, IdKind, SourceId};
use crate::storage::index::Index;

use super::{Store, StoreError};

/// The slug among `docs` nearest to `text`, when it is near: at most two
/// edits away (a letter added, left out or changed), or `text` a prefix of
/// it; the nearest first, then the first in order.
pub(super) fn nearest(text: &str, docs: &[String]) -> Option<String> {
    docs.iter()
        .filter(|doc| doc.as_str() != text)
        .map(|doc| {
            let distance = if doc.starts_with(text) && text.len() >= 3 {
                1
            } else {
                edits(text, doc)
            };
            (distance, doc)
        })
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, doc)| doc.clone())
}

/// Levenshtein distance, by characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substituted = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// Resolves an id or unique prefix of 4 or more hex characters in `index`.
pub(super) fn resolve_in(index: &Index, text: &str) -> Result<(IdKind, [u8; 32]), StoreError> {
    let lower = text.trim().to_ascii_lowercase();
    if lower.len() < 4 || lower.len() > 64 || !lower.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(StoreError::BadId {
            text: text.to_string(),
        });
    }
    // A whole id names one record by a direct lookup: two kinds sharing all
    // 32 bytes would be a BLAKE3 collision. A source is found in its
    // postings, which keep the whole id; a claim is found in its postings and
    // confirmed from its line; a citation's id is found in its postings below.
    if let Ok(SourceId(id)) = lower.parse::<SourceId>() {
        if index.has_source(&SourceId(id))? {
            return Ok((IdKind::Source, id));
        }
        if index.has_claim(&ClaimId(id))? {
            return Ok((IdKind::Claim, id));
        }
    }
    let found = index.ids_with_prefix(&lower, 11)?;
    match found.len() {
        0 => Err(StoreError::UnknownId {
            text: text.to_string(),
        }),
        1 => Ok(found[0]),
        _ => Err(StoreError::AmbiguousId {
            text: text.to_string(),
            candidates: found
                .iter()
                .map(|(kind, id)| {
                    (
                        *kind,
                        SourceId(*id).to_hex()[..16.max(lower.len() + 2).min(64)].to_string(),
                    )
                })
                .collect(),
        }),
    }
}

/// Resolves an id or prefix that must name a record of kind `expected`.
pub(super) fn resolve_kind_in(
    index: &Index,
    text: &str,
    expected: IdKind,
) -> Result<[u8; 32], StoreError> {
    let (kind, id) = resolve_in(index, text)?;
    if kind != expected {
        return Err(StoreError::WrongKind {
            text: text.to_string(),
            expected: expected.name(),
            found: kind.name(),
        });
    }
    Ok(id)
}

impl Store {
    /// Resolves an id or unique prefix of 4 or more hex characters.
    pub fn resolve(&self, text: &str) -> Result<(IdKind, [u8; 32]), StoreError> {
        resolve_in(&self.index, text)
    }

    pub(super) fn resolve_kind(
        &self,
        text: &str,
        expected: IdKind,
    ) -> Result<[u8; 32], StoreError> {
        resolve_kind_in(&self.index, text, expected)
    }

    /// Resolves a source id or prefix.
    /// A revision name (`SLUG@N`, `SLUG@latest`, `SLUG@-K`, `SLUG@DATE`) names its source.
    /// The path of a file (not an id) names the source its bytes are.
    pub fn resolve_source(&self, text: &str) -> Result<SourceId, StoreError> {
        if let Some(record) = self.resolve_revision(text)? {
            return Ok(record.revision.source);
        }
        let hex = text.len() >= 4 && text.bytes().all(|byte| byte.is_ascii_hexdigit());
        let path = std::path::Path::new(text);
        if !hex && path.is_file() {
            let id =
                crate::storage::objects::hash_file(path).map_err(|error| StoreError::Input {
                    path: text.to_string(),
                    why: format!("cannot be read ({error})"),
                })?;
            return match self.index.source(&id)? {
                Some(_) => Ok(id),
                None => Err(StoreError::FileNotRecorded {
                    path: text.to_string(),
                    id: id.short(),
                }),
            };
        }
        self.resolve_kind(text, IdKind::Source).map(SourceId)
    }

    /// Resolves a claim id or prefix.
    pub fn resolve_claim(&self, text: &str) -> Result<ClaimId, StoreError> {
        self.resolve_kind(text, IdKind::Claim).map(ClaimId)
    }

    /// Resolves a citation id or prefix.
    pub fn resolve_citation(&self, text: &str) -> Result<CitationId, StoreError> {
        self.resolve_kind(text, IdKind::Citation).map(CitationId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_slugs() {
        // By hand: kitten -> sitting is 3 edits; khojly -> khojaly 1.
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(edits("khojly", "khojaly"), 1);
        assert_eq!(edits("", "abc"), 3);
        let docs = vec!["khojaly".to_string(), "survey".to_string()];
        assert_eq!(nearest("khojly", &docs).as_deref(), Some("khojaly"));
        assert_eq!(nearest("khoj", &docs).as_deref(), Some("khojaly"));
        assert_eq!(nearest("survy", &docs).as_deref(), Some("survey"));
        assert_eq!(nearest("report", &docs), None);
    }
}
