//! Plain data: identities, sources, claims, citations and journal changes.
//!
//! This module owns the shapes that every other module exchanges. It depends on
//! nothing else in the crate and does no I/O; how a record is hashed lives in
//! `identity`, how it is stored lives in `codec` and `index`.

mod change;
mod claim;
mod ids;
mod review;
mod source;
mod when;

pub use change::{Change, Entry, Origin, Retraction, Supersession};
pub use claim::{Bound, Claim, Qualifiers, Value, ValueKind};
pub use ids::{
    hex_value as ids_hex_value, CitationId, ClaimId, EntryHash, Id32, IdKind, ParseIdError,
    SourceId,
};
pub use review::{Agent, ConflictReview, Markup, Rating, Review, StatedDate};
pub use source::{
    Candidate, Capture, CaptureRecord, Carried, CarryMethod, Citation, Drift, InLayer, LayerRecord,
    Outcome, Redirect, Revision, Selector, SourceMeta, SourceRecord, Stance, TextLayer,
    ValueChange,
};
pub use when::{ParseWhenError, Precision, When};
