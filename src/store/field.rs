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

/// What to do about a value that does not read, naming the fields with `name`.
pub fn value_hint(error: &ValueError, name: Namer<'_>) -> Option<String> {
    match error {
        ValueError::Empty => Some(format!("give {}", name(Field::Value))),
        ValueError::NotAQuantity { .. } => {
            Some(format!("give its unit with {}", name(Field::Unit)))
        }
        ValueError::QuantityWithoutUnit => Some(format!(
            "give {}, or for a plain number of things give {} count",
            name(Field::Unit),
            name(Field::Kind)
        )),
        ValueError::NotACount { .. } | ValueError::NotADate(_) => None,
    }
}

/// What to do about a quote that could not be anchored.
pub fn anchor_hint(error: &AnchorError, name: Namer<'_>) -> Option<String> {
    match error {
        AnchorError::Ambiguous { .. } => Some(format!(
            "choose one with {} N or give {}/{} context",
            name(Field::Occurrence),
            name(Field::Prefix),
            name(Field::Suffix)
        )),
        AnchorError::EmptyQuote
        | AnchorError::NotFound { .. }
        | AnchorError::NoSuchOccurrence { .. } => None,
    }
}

impl StoreError {
    /// What to do about this error, when its message does not say it and
    /// the fix is a field to give: the fields named with `name`.
    pub fn hint(&self, name: Namer<'_>) -> Option<String> {
        match self {
            StoreError::ValueNotInQuote { .. } => Some(format!(
                "fix the value or the quote, or record it anyway with {}",
                name(Field::ValueNotInQuote)
            )),
            StoreError::Anchor { error, .. } => anchor_hint(error, name),
            _ => None,
        }
    }
}

impl CiteInputError {
    /// What to do about this error, the fields named with `name`.
    pub fn hint(&self, name: Namer<'_>) -> Option<String> {
        match self {
            CiteInputError::Value(error) => value_hint(error, name),
            CiteInputError::When(_) | CiteInputError::Field { .. } => None,
        }
    }
}

/// `message` and, when there is one, `; hint`.
pub fn with_hint(message: String, hint: Option<String>) -> String {
    match hint {
        Some(hint) => format!("{message}; {hint}"),
        None => message,
    }
}
