//! How a command's error reaches the user: its exit code, and its one line
//! of message with the hint that says what to do. The library's errors
//! state facts and name fields (`Field`); this is where a field becomes the
//! flag the user typed.

use std::io;

use crate::storage::lock::LockError;
use crate::store::{value_message, CiteInputError, Field, StoreError};
use crate::text::dates::WhenError;
use crate::text::values::ValueError;

/// Exit codes, documented in README.md.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// `verify` found damage.
    pub const DAMAGE: u8 = 1;
    /// The command line is wrong: a bad flag or an unreadable value.
    pub const USAGE: u8 = 2;
    /// The input was refused: a quote not found, an unknown id, a bad file.
    pub const REFUSED: u8 = 3;
    /// Another provdb process holds the store.
    pub const LOCKED: u8 = 4;
    /// The store is damaged or an I/O call failed.
    pub const STORE: u8 = 5;
}

impl From<crate::verify::VerifyError> for CliError {
    fn from(error: crate::verify::VerifyError) -> Self {
        CliError::Store(error.into())
    }
}

/// An error a command ends with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A usage error found after clap.
    #[error("{0}")]
    Usage(String),
    /// Input refused, with the whole message.
    #[error("{0}")]
    Refused(String),
    /// A value argument could not be read.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// A time argument could not be read.
    #[error(transparent)]
    When(#[from] WhenError),
    /// A citation's fields do not make a request.
    #[error(transparent)]
    CiteInput(#[from] crate::store::CiteInputError),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `verify` found damage; the report was already printed.
    #[error("verification found {0} problem(s)")]
    Damage(usize),
    /// A check did not hold (a proof, a file that is not a source); the
    /// details were already printed.
    #[error("{0}")]
    NotHolding(String),
    /// Writing output failed.
    #[error("writing output: {0}")]
    Output(#[from] io::Error),
}

/// Returns the exit code and whether to print the message, for an error.
pub(super) fn exit_code_for(error: &CliError) -> u8 {
    match error {
        CliError::CiteInput(CiteInputError::Other(error)) => store_code(error),
        CliError::Usage(_) | CliError::Value(_) | CliError::When(_) | CliError::CiteInput(_) => {
            exit::USAGE
        }
        CliError::Damage(_) | CliError::NotHolding(_) => exit::DAMAGE,
        CliError::Refused(_) => exit::REFUSED,
        CliError::Output(_) => exit::STORE,
        CliError::Store(error) => store_code(error),
    }
}

/// The exit code for a store error.
fn store_code(error: &StoreError) -> u8 {
    match error {
        StoreError::BadId { .. }
        | StoreError::BadText { .. }
        | StoreError::BadQuery { .. }
        | StoreError::Review(_)
        | StoreError::BadRevisionName { .. } => exit::USAGE,
        StoreError::Lock(LockError::Locked { .. }) => exit::LOCKED,
        StoreError::ReadOnly { .. } => exit::REFUSED,
        StoreError::NoStoreFound { .. }
        | StoreError::NotAStore { .. }
        | StoreError::AlreadyAStore { .. }
        | StoreError::NotEmpty { .. }
        | StoreError::UnknownId { .. }
        | StoreError::AmbiguousId { .. }
        | StoreError::WrongKind { .. }
        | StoreError::Anchor { .. }
        | StoreError::NotText { .. }
        | StoreError::ValueNotInQuote { .. }
        | StoreError::AlreadyRetracted { .. }
        | StoreError::Input { .. }
        | StoreError::BundleRefused { .. }
        | StoreError::RetractedCitation { .. }
        | StoreError::UnusableFile { .. }
        | StoreError::MetadataDiffers { .. }
        | StoreError::UnknownDocument { .. }
        | StoreError::FileNotRecorded { .. }
        | StoreError::NotYetRecorded { .. }
        | StoreError::NothingToAmend { .. }
        | StoreError::NotInConflict { .. } => exit::REFUSED,
        StoreError::Io { .. }
        | StoreError::Lock(LockError::Io { .. })
        | StoreError::Journal(_)
        | StoreError::Index(_)
        | StoreError::Objects(_)
        | StoreError::ObjectDamaged { .. }
        | StoreError::ChainBroken { .. }
        | StoreError::IndexOutOfStep { .. }
        | StoreError::Damaged { .. } => exit::STORE,
    }
}

/// The flag that gives `field` on the command line.
pub fn flag(field: Field) -> &'static str {
    match field {
        Field::Doc => "--doc",
        Field::Title => "--title",
        Field::Publisher => "--publisher",
        Field::MediaType => "--media-type",
        Field::Language => "--language",
        Field::Url => "--url",
        Field::Author => "--author",
        Field::Note => "--note",
        Field::Checkpoint => "--checkpoint",
        Field::Key => "--sign",
        Field::Consistency => "--consistency",
        Field::Name => "--name",
        Field::Export => "--export",
        Field::Subject => "--subject",
        Field::Property => "--property",
        Field::Unit => "--unit",
        Field::Quote => "--quote",
        Field::Occurrence => "--occurrence",
        Field::Prefix => "--prefix",
        Field::Suffix => "--suffix",
        Field::Value => "--value",
        Field::Kind => "--kind",
        Field::Bound => "--bound",
        Field::Locale => "--locale",
        Field::ValueNotInQuote => "--value-not-in-quote",
        Field::Reason => "--reason",
        Field::Rating => "--rating",
        Field::By => "--by",
        Field::ByUrl => "--by-url",
        Field::RatingValue => "--rating-value",
        Field::Best => "--best",
        Field::Worst => "--worst",
        Field::Date => "--date",
    }
}

/// What the command line adds to a store error: the command or flag that
/// fixes it, with the punctuation that joins it to the message.
fn command_hint(error: &StoreError) -> String {
    match error {
        StoreError::NoStoreFound { .. } => "; run `provdb init` or pass --db PATH".into(),
        StoreError::NotAStore { path } => format!(
            "; run `provdb init {}` or pass the right --db",
            path.display()
        ),
        StoreError::AlreadyAStore { path } => format!("; use it with --db {}", path.display()),
        StoreError::Lock(LockError::Locked { .. }) => {
            "; try again when it finishes, or wait longer with --lock-wait SECONDS".into()
        }
        StoreError::RetractedCitation { .. } => ": pass --retracted to write one anyway".into(),
        StoreError::UnusableFile { .. } => "; or pass --skip-invalid to leave it out".into(),
        _ => String::new(),
    }
}

/// The one line printed after `provdb: error: ` for `error`: the library's
/// facts, fields named as flags, and the hint when there is one.
pub(super) fn message(error: &CliError) -> String {
    let flags = |field: Field| flag(field).to_string();
    let text = match error {
        CliError::Store(StoreError::NotYetRecorded { what, recorded }) => format!(
            "{what} was recorded at {recorded}, after the --as-of time; choose a later time or drop --as-of"
        ),
        CliError::Store(error) => format!("{}{}", error.message(&flags), command_hint(error)),
        CliError::CiteInput(error) => error.message(&flags),
        CliError::Value(error) => value_message(error, &flags),
        other => other.to_string(),
    };
    one_line(&text)
}

/// Folds a message onto one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
