//! Ids and unique prefixes resolved to sources, claims and citations.

use crate::model::{CitationId, ClaimId, IdKind, SourceId};
use crate::storage::index::Index;

use super::{Store, StoreError};

/// Resolves an id or unique prefix of 4 or more hex characters in `index`.
pub(super) fn resolve_in(index: &Index, text: &str) -> Result<(IdKind, [u8; 32]), StoreError> {
    let lower = text.trim().to_ascii_lowercase();
    if lower.len() < 4 || lower.len() > 64 || !lower.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(StoreError::BadId {
            text: text.to_string(),
        });
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
    pub fn resolve_source(&self, text: &str) -> Result<SourceId, StoreError> {
        if let Some(record) = self.resolve_revision(text)? {
            return Ok(record.revision.source);
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
