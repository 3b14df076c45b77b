//! The store: a directory holding `objects/`, the `journal` and the `index/`,
//! and every operation that reads or changes them.
//!
//! Each change follows one order: validate everything, write any object
//! durably, append the journal entries and fsync, then apply them to the index.
//! A failure before the journal append undoes the object, so a refused command
//! leaves the store as it was. The index is only a cache of the journal: a
//! failure after the append is reported and repaired on the next open.

use std::path::PathBuf;

use crate::storage::index::Index;
use crate::storage::journal::Journal;
use crate::storage::objects::Objects;

mod add;
mod amend;
mod audit;
mod batch;
mod bulk;
mod capture;
mod checks;
mod cite;
mod coverage;
mod error;
mod field;
mod interchange;
mod layers;
mod open;
mod query;
mod reindex;
mod resolve;
mod reviews;
mod revise;
mod search;
pub use crate::storage::format::{FORMAT_FILE, FORMAT_TEXT, FORMAT_VERSION};
pub use crate::storage::lock::{OpenOptions, StoreLock};
use crate::storage::replay::{catch_up, sync_index};
pub use crate::storage::replay::{is_read_only, scratch_index};
use add::{meta_conflict, source_text};
pub use add::{AddInput, AddOutcome};
pub use amend::{Amended, ReviewMark};
pub use audit::{read_checkpoints, FileCheck, Signed, WitnessOutcome, WitnessTarget};
pub use batch::{
    parse_batch_line, BadLine, BatchError, BatchLine, BatchOutcome, BatchProgress, BatchStage,
};
pub use bulk::{collect_files, AddedFile, BulkAddOutcome, FoundFile, Progress, Skipped};
pub use capture::WarcImport;
pub use checks::check_slug;
use checks::{check_meta, check_name, check_text, check_url};
use cite::live_duplicate_in;
pub use cite::{
    prepare_citation, CiteFields, CiteInputError, CiteOutcome, CiteRequest, PreparedCitation,
    Retracted,
};
pub use coverage::{
    read_draft, CheckedCitation, Coverage, CoverageClaim, Draft, Finding, MAX_DRAFT,
};
use error::io_error;
pub use error::StoreError;
pub use field::{anchor_message, value_message, Field, Namer};
pub use interchange::{import_bundle, ImportOutcome, MergeOutcome};
pub use layers::{LayerSummary, Quotable};
use open::{check_format, remove_any};
pub use open::{find_store, is_inside, now_rfc3339, recovery_notice};
pub use query::{
    ClaimFilter, ClaimSummary, Conflict, ConflictSide, ReportedValue, Shown, SourceListing,
    Standing, Trace, TracedCitation,
};
pub use reindex::reindex;
use resolve::resolve_kind_in;
pub use reviews::{ReviewError, ReviewImport, ReviewRequest};
pub use revise::{CarryReport, DiffReport, Followed, OutcomeCounts, Rank, RevisionEntry};
pub use search::{FoundHit, QuoteHit, SearchResults, SEARCH_DIR};

/// The default store directory name.
pub const DEFAULT_DIR: &str = ".provdb";

/// A locked store with its journal positioned and its index caught up.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    objects: Objects,
    journal: Journal,
    index: Index,
    notices: Vec<String>,
    /// With --as-of: the last journal entry queries may see.
    as_of: Option<u64>,
    /// True when the store cannot be written: every change is refused.
    read_only: bool,
    _lock: StoreLock,
}
