//! The fields a request is made of, named the way the library names them.
//! A front end renders them its own way: the command line as its flags
//! (`--subject`, in `cli/error.rs`), a `cite --batch` line as its JSON keys
//! (`"subject"`), so an error never names a flag the user did not type.
//! The hints that name fields are here too, written once, with the field
//! names supplied by the front end.

use super::{CiteInputError, StoreError};
use crate::text::anchor::AnchorError;
use crate::text::values::ValueError;

/// A field of a request that an error can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// A document slug.
    Doc,
    /// A source's title.
    Title,
    /// A source's publisher.
    Publisher,
    /// A source's media type.
    MediaType,
    /// A source's language.
    Language,
    /// A URL: a source's, or a review's.
    Url,
    /// One of a source's authors.
    Author,
    /// A note on a source or revision.
    Note,
    /// The checkpoint a proof or receipt is for.
    Checkpoint,
    /// A signing or verifier key.
    Key,
    /// The two checkpoints of a consistency proof.
    Consistency,
    /// A revision name template.
    Name,
    /// The directory revisions are exported to.
    Export,
    /// What a claim is about.
    Subject,
    /// What is claimed of it.
    Property,
    /// A claim's unit.
    Unit,
    /// A citation's quote.
    Quote,
    /// Which match of a quote to cite.
    Occurrence,
    /// Context before a quote.
    Prefix,
    /// Context after a quote.
    Suffix,
    /// A claim's value.
    Value,
    /// The kind of a claim's value.
    Kind,
    /// How the source bounds a claim's value.
    Bound,
    /// The language whose number conventions a value follows.
    Locale,
    /// Record a citation whose quote does not state its value.
    ValueNotInQuote,
    /// Why a citation is retracted or superseded.
    Reason,
    /// A review's verdict in words.
    Rating,
    /// Who reviewed, or the citation that supersedes another.
    By,
    /// The reviewer's URL.
    ByUrl,
    /// A review's rating on its scale.
    RatingValue,
    /// The best end of a rating scale.
    Best,
    /// The worst end of a rating scale.
    Worst,
    /// A review's date.
    Date,
}

impl Field {
    /// The field's name: the key a `cite --batch` line or a JSON request
    /// uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Field::Doc => "doc",
            Field::Title => "title",
            Field::Publisher => "publisher",
            Field::MediaType => "media_type",
            Field::Language => "language",
            Field::Url => "url",
            Field::Author => "author",
            Field::Note => "note",
            Field::Checkpoint => "checkpoint",
            Field::Key => "key",
            Field::Consistency => "consistency",
            Field::Name => "name",
            Field::Export => "export",
            Field::Subject => "subject",
            Field::Property => "property",
            Field::Unit => "unit",
            Field::Quote => "quote",
            Field::Occurrence => "occurrence",
            Field::Prefix => "prefix",
            Field::Suffix => "suffix",
            Field::Value => "value",
            Field::Kind => "kind",
            Field::Bound => "bound",
            Field::Locale => "locale",
            Field::ValueNotInQuote => "value_not_in_quote",
            Field::Reason => "reason",
            Field::Rating => "rating",
            Field::By => "by",
            Field::ByUrl => "by_url",
            Field::RatingValue => "rating_value",
            Field::Best => "best",
            Field::Worst => "worst",
            Field::Date => "date",
        }
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}

/// How a front end names a field in a hint: `--unit` on the command line,
/// `"unit"` in a batch line.
pub type Namer<'a> = &'a dyn Fn(Field) -> String;

/// A value error's message with the fields named by `name`: the facts of
/// `Display`, and what to give.
pub fn value_message(error: &ValueError, name: Namer<'_>) -> String {
    match error {
        ValueError::Empty => format!("{error}; give {}", name(Field::Value)),
        ValueError::NotAQuantity { .. } => format!("{error} and give {}", name(Field::Unit)),
        ValueError::QuantityWithoutUnit => format!(
            "{error}; give {} (for a plain number of things use {} count)",
            name(Field::Unit),
            name(Field::Kind)
        ),
        ValueError::RangeOrder { .. } => format!(
            "{error}, or give {} text to record it as text",
            name(Field::Kind)
        ),
        ValueError::NotACount { .. } | ValueError::NotADate(_) => error.to_string(),
    }
}

/// An anchoring error's message with the fields named by `name`.
pub fn anchor_message(error: &AnchorError, name: Namer<'_>) -> String {
    match error {
        AnchorError::Ambiguous { .. } => format!(
            "{error}; choose one with {} N or give {}/{} context",
            name(Field::Occurrence),
            name(Field::Prefix),
            name(Field::Suffix)
        ),
        AnchorError::NoSuchOccurrence { wanted, found } => format!(
            "{} {wanted} asked for, but the quote occurs {found} times",
            name(Field::Occurrence)
        ),
        AnchorError::ContextNotFound { found } => format!(
            "the quote occurs {found} time(s), but none with that {}/{} context; check the context, or leave it out",
            name(Field::Prefix),
            name(Field::Suffix)
        ),
        AnchorError::EmptyQuote | AnchorError::NotFound { .. } => error.to_string(),
    }
}

impl StoreError {
    /// The message with the fields it is about named by `name`, and what to
    /// give when the fix is a field.
    pub fn message(&self, name: Namer<'_>) -> String {
        match self {
            StoreError::BadText { field, why } => format!("{} {why}", name(*field)),
            StoreError::Review(error) => error.message(name),
            StoreError::ValueNotInQuote { .. } => format!(
                "{self}; fix the value or the quote, or pass {} to record it anyway",
                name(Field::ValueNotInQuote)
            ),
            StoreError::Anchor { source_id, error } => format!(
                "in source {}: {}",
                source_id.short(),
                anchor_message(error, name)
            ),
            _ => self.to_string(),
        }
    }
}

impl CiteInputError {
    /// The message with the fields named by `name`.
    pub fn message(&self, name: Namer<'_>) -> String {
        match self {
            CiteInputError::Field { field, why } => format!("{} {why}", name(*field)),
            CiteInputError::Value(error) => value_message(error, name),
            CiteInputError::When(error) => error.to_string(),
            CiteInputError::Other(error) => error.message(name),
        }
    }
}
