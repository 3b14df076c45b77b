//! Reviews: a fact-checker's verdict on a claim, as schema.org ClaimReview states one.
//!
//! provdb records who rated what, how, where and when; it never rates
//! anything itself. A review is either recorded with `provdb review` on a
//! claim of the store, or imported from ClaimReview markup, in which case the
//! markup's bytes are a source of the store and the review names where in
//! them it was read.
//!
//! Every field is always written (absent as `null` or `[]`): the index keeps
//! these records in bincode, which cannot skip fields.

use super::ids::{ClaimId, SourceId};
use super::when::When;

/// A rating as the reviewer stated it. Numbers are kept as the decimal text
/// stated, so "1" and 1 read the same and nothing is rounded.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Rating {
    /// The verdict in words (schema.org `alternateName`), e.g. "False".
    pub label: Option<String>,
    /// The rating on the reviewer's scale (`ratingValue`).
    pub value: Option<String>,
    /// The best rating on that scale (`bestRating`).
    pub best: Option<String>,
    /// The worst rating on that scale (`worstRating`).
    pub worst: Option<String>,
}

/// A person or organisation named by a review: its author, or the claim's.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Agent {
    /// The schema.org type stated, e.g. "Organization" or "Person".
    pub kind: Option<String>,
    /// The name.
    pub name: Option<String>,
    /// Its web address, as stated.
    pub url: Option<String>,
}

/// A date as a review states it: the text verbatim, and the time provdb
/// reads in it when it reads one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatedDate {
    /// The text as stated.
    pub stated: String,
    /// The time read from it, with its precision and zone as stated.
    pub when: Option<When>,
}

/// Where an imported review was read: a source of the store and a JSON
/// Pointer (RFC 6901) to the ClaimReview object within it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Markup {
    /// The source holding the markup's bytes.
    pub source: SourceId,
    /// The JSON Pointer of the review object in it.
    pub pointer: String,
}

/// One review of a claim.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Review {
    /// The claim of this store reviewed, when the review was recorded on one.
    pub claim: Option<ClaimId>,
    /// The claim's words as the review gives them (`claimReviewed`); empty
    /// when the review states none.
    pub claim_reviewed: Vec<String>,
    /// The verdict.
    pub rating: Rating,
    /// Who wrote the review.
    pub authors: Vec<Agent>,
    /// When the review was published.
    pub date: Option<StatedDate>,
    /// Where the review is published.
    pub url: Option<String>,
    /// The review's headline.
    pub title: Option<String>,
    /// The review's language, e.g. "ur".
    pub language: Option<String>,
    /// Who made the claim reviewed, as the review names them.
    pub claimants: Vec<Agent>,
    /// When the claim was made, as the review states it.
    pub claim_date: Option<StatedDate>,
    /// Where the claim appeared, as the review lists them.
    pub appearances: Vec<String>,
    /// Where the claim first appeared, as the review states it.
    pub first_appearance: Option<String>,
    /// For an imported review: where its markup was read.
    pub markup: Option<Markup>,
    /// What the markup left out or stated in a form provdb does not read,
    /// one finding each (e.g. "no datePublished"). Never filled in.
    pub missing: Vec<String>,
}

/// A conflict marked reviewed: the subject, property and `as_of` of a
/// `conflicts` listing, the claims it had when marked, and the reviewer's
/// note. It settles nothing; it says someone looked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictReview {
    /// The subject, as the listing wrote it.
    pub subject: String,
    /// The property, as the listing wrote it.
    pub property: String,
    /// The `as_of` qualifier the values share, if any.
    pub as_of: Option<When>,
    /// The claims the listing held when it was marked, in id order.
    pub claims: Vec<ClaimId>,
    /// What the reviewer found.
    pub note: String,
}
