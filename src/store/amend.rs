//! `amend` and `mark-reviewed`: a source's metadata corrected, and a
//! conflict marked reviewed, each as a journaled change with its reason.
//! Nothing recorded before is rewritten: the source's `add_source` entry
//! keeps the metadata as first given, and readers see the latest correction
//! visible to them (`--as-of` sees the one of its time).

use crate::model::{Change, ClaimId, ConflictReview, SourceId, SourceMeta, SourceRecord, When};
use crate::storage::index::{AmendmentRecord, ConflictReviewRecord};
use crate::text::normalize::{identity_key, tidy};

use super::checks::check_meta;
use super::field::Field;
use super::query::{Conflict, Standing};
use super::{check_text, now_rfc3339, Store, StoreError};

/// The correction that holds: the one first recorded last (a merged
/// correction carries the time it was first recorded, so an older one
/// merged later does not override a newer one made here); entry order
/// breaks ties.
pub(super) fn latest_of(amendments: Vec<AmendmentRecord>) -> Option<AmendmentRecord> {
    let when = |record: &AmendmentRecord| {
        time::OffsetDateTime::parse(
            &record.recorded,
            &time::format_description::well_known::Rfc3339,
        )
        .ok()
    };
    amendments
        .into_iter()
        .max_by(|a, b| (when(a), a.seq).cmp(&(when(b), b.seq)))
}

/// Returns `meta` with the fields `given` sets replaced: each field given
/// (Some, or for the authors a list that is not empty) replaces the
/// recorded one; text is tidied as `add` tidies it.
fn corrected(meta: &SourceMeta, given: &SourceMeta) -> Result<SourceMeta, StoreError> {
    for (field, value) in [
        (Field::Title, &given.title),
        (Field::Url, &given.url),
        (Field::Publisher, &given.publisher),
        (Field::MediaType, &given.media_type),
        (Field::Language, &given.language),
        (Field::Note, &given.note),
    ] {
        if value.as_deref().is_some_and(|text| tidy(text).is_empty()) {
            return Err(StoreError::BadText {
                field,
                why: "is empty; give the corrected value".into(),
            });
        }
    }
    if given.authors.iter().any(|author| tidy(author).is_empty()) {
        return Err(StoreError::BadText {
            field: Field::Author,
            why: "is empty; give each author's name".into(),
        });
    }
    let mut out = meta.clone();
    let set = |field: &mut Option<String>, value: &Option<String>| {
        if let Some(value) = value {
            *field = Some(tidy(value));
        }
    };
    set(&mut out.title, &given.title);
    set(&mut out.url, &given.url);
    set(&mut out.publisher, &given.publisher);
    set(&mut out.media_type, &given.media_type);
    set(&mut out.language, &given.language);
    if let Some(note) = &given.note {
        out.note = Some(note.clone());
    }
    if !given.authors.is_empty() {
        out.authors = given.authors.iter().map(|author| tidy(author)).collect();
    }
    for (field, value) in [
        (&mut out.published, &given.published),
        (&mut out.updated, &given.updated),
        (&mut out.retrieved, &given.retrieved),
    ] {
        if value.is_some() {
            field.clone_from(value);
        }
    }
    Ok(out)
}

/// What `amend` did.
#[derive(Debug, Clone)]
pub struct Amended {
    /// The source.
    pub source: SourceId,
    /// Its metadata before.
    pub before: SourceMeta,
    /// Its metadata from now on.
    pub after: SourceMeta,
    /// The names of the fields that changed.
    pub changed: Vec<&'static str>,
}

/// Returns the names of the fields that differ between two metadata sets.
fn changed_fields(before: &SourceMeta, after: &SourceMeta) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name, differs: bool| {
        if differs {
            out.push(name);
        }
    };
    check("title", before.title != after.title);
    check("url", before.url != after.url);
    check("authors", before.authors != after.authors);
    check("publisher", before.publisher != after.publisher);
    check("published", before.published != after.published);
    check("updated", before.updated != after.updated);
    check("retrieved", before.retrieved != after.retrieved);
    check("media_type", before.media_type != after.media_type);
    check("language", before.language != after.language);
    check("note", before.note != after.note);
    out
}

/// A conflict's key: subject, property and `as_of`, as identity keys.
fn conflict_key(subject: &str, property: &str, as_of: Option<&When>) -> String {
    format!(
        "{}\u{0}{}\u{0}{}",
        identity_key(subject),
        identity_key(property),
        as_of.map(ToString::to_string).unwrap_or_default()
    )
}

/// A conflict's review mark as `conflicts` shows it.
#[derive(Debug, Clone)]
pub struct ReviewMark {
    /// The latest visible mark of the conflict's subject, property and `as_of`.
    pub record: ConflictReviewRecord,
    /// True when the mark covers every value listed now; false when values
    /// were added since.
    pub current: bool,
}

impl Store {
    /// Returns the source's record as a reader at this `--as-of` sees it:
    /// its metadata from the latest visible correction, if any.
    pub(super) fn source_seen(&self, mut record: SourceRecord) -> Result<SourceRecord, StoreError> {
        if let Some(latest) = self.latest_amendment(&record.id)? {
            record.meta = latest.meta;
        }
        Ok(record)
    }

    /// Returns a source's record as a reader sees it, if it is recorded.
    pub(super) fn source_record(&self, id: &SourceId) -> Result<Option<SourceRecord>, StoreError> {
        match self.index.source(id)? {
            Some(record) => Ok(Some(self.source_seen(record)?)),
            None => Ok(None),
        }
    }

    fn latest_amendment(&self, id: &SourceId) -> Result<Option<AmendmentRecord>, StoreError> {
        Ok(latest_of(
            self.index
                .amendments_of(id)?
                .into_iter()
                .filter(|record| self.visible(record.seq))
                .collect(),
        ))
    }

    /// Returns the corrections of a source visible now, oldest first.
    pub fn amendments(&self, id: &SourceId) -> Result<Vec<AmendmentRecord>, StoreError> {
        Ok(self
            .index
            .amendments_of(id)?
            .into_iter()
            .filter(|record| self.visible(record.seq))
            .collect())
    }

    /// Corrects a source's metadata, with a reason. The bytes and id are unchanged.
    pub fn amend(
        &mut self,
        source: &str,
        given: &SourceMeta,
        reason: &str,
        actor: &str,
    ) -> Result<Amended, StoreError> {
        self.writable()?;
        let reason = tidy(reason);
        if reason.is_empty() {
            return Err(StoreError::BadText {
                field: Field::Reason,
                why: "is empty; say why the metadata is corrected".into(),
            });
        }
        check_text(Field::Reason, &reason, 64 * 1024)?;
        let id = self.resolve_source(source)?;
        let record = self
            .source_record(&id)?
            .ok_or_else(|| StoreError::UnknownId {
                text: source.to_string(),
            })?;
        let after = corrected(&record.meta, given)?;
        check_meta(&after)?;
        let changed = changed_fields(&record.meta, &after);
        if changed.is_empty() {
            return Err(StoreError::NothingToAmend { id });
        }
        self.commit(
            actor,
            &now_rfc3339(),
            vec![Change::Amend {
                source: id,
                meta: after.clone(),
                reason,
            }],
        )?;
        Ok(Amended {
            source: id,
            before: record.meta,
            after,
            changed,
        })
    }

    /// Returns the latest visible review mark of each conflict key.
    pub(super) fn review_marks(
        &self,
    ) -> Result<std::collections::HashMap<String, ConflictReviewRecord>, StoreError> {
        let mut out = std::collections::HashMap::new();
        for record in self.index.conflict_reviews()? {
            if !self.visible(record.seq) {
                continue;
            }
            let review = &record.review;
            let key = conflict_key(&review.subject, &review.property, review.as_of.as_ref());
            out.insert(key, record);
        }
        Ok(out)
    }

    /// Returns the mark of a listed conflict, from `review_marks`.
    pub(super) fn mark_of(
        marks: &std::collections::HashMap<String, ConflictReviewRecord>,
        conflict: &Conflict,
    ) -> Option<ReviewMark> {
        let key = conflict_key(
            &conflict.subject,
            &conflict.property,
            conflict.as_of.as_ref(),
        );
        let record = marks.get(&key)?.clone();
        let current = conflict
            .sides
            .iter()
            .all(|side| record.review.claims.contains(&side.claim.claim.id));
        Some(ReviewMark { record, current })
    }

    /// Marks the conflict a claim is listed in as reviewed, with a note.
    pub fn review_conflict(
        &mut self,
        claim: &str,
        note: &str,
        actor: &str,
    ) -> Result<ConflictReview, StoreError> {
        self.writable()?;
        let note = tidy(note);
        if note.is_empty() {
            return Err(StoreError::BadText {
                field: Field::Note,
                why: "is empty; say what the review found".into(),
            });
        }
        check_text(Field::Note, &note, 64 * 1024)?;
        let id: ClaimId = self.resolve_claim(claim)?;
        let listed = self.conflicts()?;
        let Some(conflict) = listed.iter().find(|item| {
            item.standing == Standing::Conflict
                && item.sides.iter().any(|side| side.claim.claim.id == id)
        }) else {
            return Err(StoreError::NotInConflict { claim: id });
        };
        let mut claims: Vec<ClaimId> = conflict
            .sides
            .iter()
            .map(|side| side.claim.claim.id)
            .collect();
        claims.sort();
        let review = ConflictReview {
            subject: conflict.subject.clone(),
            property: conflict.property.clone(),
            as_of: conflict.as_of.clone(),
            claims,
            note,
        };
        self.commit(
            actor,
            &now_rfc3339(),
            vec![Change::ReviewConflict(review.clone())],
        )?;
        Ok(review)
    }
}
