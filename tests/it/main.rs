//! provdb's integration tests, in one binary: the crate links once, not once
//! per file, which is most of `cargo test`'s time on two cores. One module
//! per area; `common` holds the one test environment they share.
//!
//! Tests that need `../shared` or root are `#[ignore]`d with the reason;
//! `.ci/run` runs them with `--include-ignored`.

mod common;

mod audit;
mod bundle;
mod capture;
mod cli;
mod compat;
mod conflicts;
mod coverage;
mod integrity;
mod layers;
mod model;
mod pages;
mod pdfs;
mod properties;
mod report;
mod reviews;
mod revisions;
mod scale;
mod schemas;
mod search;
mod shared_vectors;
mod snapshots;
mod tidy;
mod timestamp;
mod witness;
