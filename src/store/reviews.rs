//! Reviews: recording a fact-checker's verdict on a claim, and importing
//! verdicts from ClaimReview markup.

use std::collections::HashSet;
use std::path::Path;

use super::field::Field;
use super::{check_text, check_url, now_rfc3339, Store, StoreError};
use crate::interchange::claimreview::{self, MAX_MARKUP};
use crate::model::{
    Agent, Change, ClaimId, Markup, Rating, Review, SourceId, SourceMeta, StatedDate,
};
use crate::storage::index::ReviewRecord;
use crate::text::normalize::tidy;

/// A verdict to record with `provdb review`.
#[derive(Debug, Clone, Default)]
pub struct ReviewRequest {
    /// The claim reviewed: an id or prefix.
    pub claim: String,
    /// The verdict in words.
    pub label: String,
    /// The rating on the reviewer's scale.
    pub value: Option<String>,
    /// The best rating on that scale.
    pub best: Option<String>,
    /// The worst rating on that scale.
    pub worst: Option<String>,
    /// The reviewing organisation.
    pub by: String,
    /// The organisation's web address.
    pub by_url: Option<String>,
    /// Where the review is published.
    pub url: String,
    /// When the review was published; today when not given.
    pub date: Option<String>,
}

/// What an import of ClaimReview markup did.
#[derive(Debug, Clone)]
pub struct ReviewImport {
    /// The source holding the markup's bytes.
    pub source: SourceId,
    /// True when the markup was not stored before.
    pub new_source: bool,
    /// The reviews recorded now, with their journal entries.
    pub recorded: Vec<ReviewRecord>,
    /// Reviews in the markup already recorded by an earlier import.
    pub already: usize,
}

/// Checks a rating number: decimal, finite; returns it tidied.
fn rating_number(field: Field, text: &Option<String>) -> Result<Option<f64>, StoreError> {
    let Some(text) = text else {
        return Ok(None);
    };
    match text.trim().parse::<f64>() {
        Ok(number) if number.is_finite() => Ok(Some(number)),
        _ => Err(StoreError::BadText {
            field,
            why: format!("{text:?} is not a number; give a decimal number such as 1 or 2.5"),
        }),
    }
}

/// Why a review's rating was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReviewError {
    /// The verdict in words is empty.
    #[error("the rating is empty; give the verdict in words, e.g. False")]
    EmptyRating,
    /// The scale's two ends are the same.
    #[error("the best rating equals the worst ({best}); a scale needs two ends")]
    EqualEnds {
        /// Both ends.
        best: f64,
    },
    /// The rating lies outside its scale.
    #[error("the rating {value} is outside the scale from {worst} to {best}; fix the value or the scale")]
    Outside {
        /// The rating.
        value: f64,
        /// The worst end.
        worst: f64,
        /// The best end.
        best: f64,
    },
    /// A rating with only one end of its scale.
    #[error("the rating has only one end of its scale; give both ends, or neither")]
    OneEnd,
}

impl ReviewError {
    /// The message with the fields named by `name`.
    pub fn message(&self, name: super::Namer<'_>) -> String {
        let (rating, value, best, worst) = (
            name(Field::Rating),
            name(Field::RatingValue),
            name(Field::Best),
            name(Field::Worst),
        );
        match self {
            ReviewError::EmptyRating => {
                format!("{rating} is empty; give the verdict in words, e.g. {rating} False")
            }
            ReviewError::EqualEnds { best: end } => {
                format!("{best} equals {worst} ({end}); a scale needs two ends")
            }
            ReviewError::Outside {
                value: rated,
                worst: low,
                best: high,
            } => format!(
                "{value} {rated} is outside the scale from {worst} {low} to {best} {high}; fix the value or the scale"
            ),
            ReviewError::OneEnd => format!(
                "{value} has only one end of its scale; give both {best} and {worst}, or neither"
            ),
        }
    }
}

impl Store {
    /// Records a fact-checker's verdict on a claim of this store.
    pub fn review(
        &mut self,
        request: &ReviewRequest,
        actor: &str,
    ) -> Result<ReviewRecord, StoreError> {
        self.writable()?;
        let label = tidy(&request.label);
        if label.is_empty() {
            return Err(ReviewError::EmptyRating.into());
        }
        check_text(Field::Rating, &label, 4096)?;
        let by = tidy(&request.by);
        if by.is_empty() {
            return Err(StoreError::BadText {
                field: Field::By,
                why: "is empty; name the organisation that reviewed the claim".into(),
            });
        }
        check_text(Field::By, &by, 4096)?;
        check_url(Field::Url, &request.url)?;
        if let Some(url) = &request.by_url {
            check_url(Field::ByUrl, url)?;
        }
        let value = rating_number(Field::RatingValue, &request.value)?;
        let best = rating_number(Field::Best, &request.best)?;
        let worst = rating_number(Field::Worst, &request.worst)?;
        if let (Some(best), Some(worst)) = (best, worst) {
            if best == worst {
                return Err(ReviewError::EqualEnds { best }.into());
            }
            if let Some(value) = value {
                if value < best.min(worst) || value > best.max(worst) {
                    return Err(ReviewError::Outside { value, worst, best }.into());
                }
            }
        } else if value.is_some() && (best.is_some() || worst.is_some()) {
            return Err(ReviewError::OneEnd.into());
        }
        let date = match &request.date {
            Some(text) => {
                let when =
                    crate::text::dates::parse_when(text).map_err(|error| StoreError::BadText {
                        field: Field::Date,
                        why: format!("{error}; give a date such as 2024-02-26"),
                    })?;
                StatedDate {
                    stated: text.trim().to_string(),
                    when: Some(when),
                }
            }
            None => {
                let today = now_rfc3339();
                let day = today.get(..10).unwrap_or(&today).to_string();
                StatedDate {
                    when: day.parse().ok(),
                    stated: day,
                }
            }
        };
        let claim_id = self.resolve_claim(&request.claim)?;
        let claim = self
            .index
            .claim(&claim_id)?
            .ok_or_else(|| StoreError::UnknownId {
                text: claim_id.to_hex(),
            })?;
        let url = request.url.clone();
        for existing in self.index.reviews()? {
            let same = &existing.review;
            if same.claim == Some(claim_id)
                && same.url.as_deref() == Some(url.as_str())
                && same.rating.label.as_deref() == Some(label.as_str())
            {
                return Err(StoreError::BadText {
                    field: Field::Url,
                    why: format!(
                        "this review of claim {} ({label:?} at {url}) was already recorded at {}; nothing to do",
                        claim_id.short(),
                        existing.recorded
                    ),
                });
            }
        }
        let text = |number: Option<f64>, given: &Option<String>| {
            number.and(given.as_ref().map(|text| text.trim().to_string()))
        };
        let review = Review {
            claim: Some(claim_id),
            claim_reviewed: vec![claim.claim.line()],
            rating: Rating {
                label: Some(label),
                value: text(value, &request.value),
                best: text(best, &request.best),
                worst: text(worst, &request.worst),
            },
            authors: vec![Agent {
                kind: Some("Organization".into()),
                name: Some(by),
                url: request.by_url.clone(),
            }],
            date: Some(date),
            url: Some(url),
            title: None,
            language: None,
            claimants: Vec::new(),
            claim_date: None,
            appearances: Vec::new(),
            first_appearance: None,
            markup: None,
            missing: Vec::new(),
        };
        let time = now_rfc3339();
        let appended = self.commit(actor, &time, vec![Change::Review(Box::new(review.clone()))])?;
        let seq = appended.last().map(|item| item.entry.seq).unwrap_or(0);
        Ok(ReviewRecord {
            review,
            seq,
            recorded: time,
            actor: actor.to_string(),
        })
    }

    /// Imports every ClaimReview in a markup file: its bytes become a
    /// source, and each review names where in them it was read. Reviews
    /// already imported from the same bytes are not recorded twice.
    pub fn import_claimreview(
        &mut self,
        path: &Path,
        actor: &str,
    ) -> Result<ReviewImport, StoreError> {
        self.writable()?;
        let shown = path.display().to_string();
        let input = |why: String| StoreError::Input {
            path: shown.clone(),
            why,
        };
        let metadata = std::fs::metadata(path).map_err(|error| {
            input(match error.kind() {
                std::io::ErrorKind::NotFound => "no such file; check the path".into(),
                _ => format!("cannot read it ({error})"),
            })
        })?;
        if metadata.is_dir() {
            return Err(input(
                "is a directory; give the ClaimReview JSON file".into(),
            ));
        }
        if !metadata.is_file() {
            return Err(input(
                "is not a regular file (a FIFO or a device); save the markup to a file first"
                    .into(),
            ));
        }
        if metadata.len() > MAX_MARKUP {
            return Err(input(format!(
                "is {} bytes, over the {MAX_MARKUP}-byte limit for markup; split it",
                metadata.len()
            )));
        }
        let bytes =
            std::fs::read(path).map_err(|error| input(format!("cannot read it ({error})")))?;
        if bytes.is_empty() {
            return Err(input("is empty; there is nothing to import".into()));
        }
        let found = claimreview::read_markup(&bytes).map_err(|error| input(error.to_string()))?;
        if found.len() > claimreview::MAX_REVIEWS {
            return Err(input(format!(
                "holds {} reviews, over the {} one import may record; split the markup into several files",
                found.len(),
                claimreview::MAX_REVIEWS
            )));
        }
        let source = crate::identity::source_id(&bytes);
        let reviews = self.index.reviews()?;
        let done: HashSet<&str> = reviews
            .iter()
            .filter_map(|record| record.review.markup.as_ref())
            .filter(|markup| markup.source == source)
            .map(|markup| markup.pointer.as_str())
            .collect();
        let mut changes = Vec::new();
        let mut already = 0;
        let mut fresh = Vec::new();
        for item in found {
            if done.contains(item.pointer.as_str()) {
                already += 1;
                continue;
            }
            let mut review = item.review;
            review.markup = Some(Markup {
                source,
                pointer: item.pointer,
            });
            fresh.push(review);
        }
        let existing = self.index.has_source(&source)?;
        if fresh.is_empty() {
            return Ok(ReviewImport {
                source,
                new_source: false,
                recorded: Vec::new(),
                already,
            });
        }
        let stored = self.objects.put_reader(&mut std::io::Cursor::new(&bytes))?;
        if !existing {
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| shown.clone());
            changes.push(Change::AddSource {
                source,
                size: bytes.len() as u64,
                meta: SourceMeta {
                    title: Some(format!("ClaimReview markup {name}")),
                    media_type: Some("application/ld+json".into()),
                    ..SourceMeta::default()
                },
                name: Some(name),
            });
        }
        changes.extend(
            fresh
                .iter()
                .cloned()
                .map(|review| Change::Review(Box::new(review))),
        );
        let time = now_rfc3339();
        let appended = match self.commit(actor, &time, changes) {
            Ok(appended) => appended,
            Err(error) => {
                if stored.created {
                    self.discard_created(&stored.id);
                }
                return Err(error);
            }
        };
        let recorded = appended
            .iter()
            .filter_map(|item| match &item.entry.change {
                Change::Review(review) => Some(ReviewRecord {
                    review: (**review).clone(),
                    seq: item.entry.seq,
                    recorded: time.clone(),
                    actor: actor.to_string(),
                }),
                _ => None,
            })
            .collect();
        Ok(ReviewImport {
            source,
            new_source: !existing,
            recorded,
            already,
        })
    }

    /// Returns the reviews visible at --as-of, in journal order; with a
    /// claim, only the reviews of that claim.
    pub fn reviews(&self, claim: Option<&ClaimId>) -> Result<Vec<ReviewRecord>, StoreError> {
        Ok(self
            .index
            .reviews()?
            .into_iter()
            .filter(|record| self.visible(record.seq))
            .filter(|record| claim.is_none_or(|claim| record.review.claim.as_ref() == Some(claim)))
            .collect())
    }
}
