//! provdb: a provenance database that records who says what, where and when.
//!
//! The library holds all logic and never prints; `cli` is the only module that
//! knows the terminal, arguments and exit codes. See ARCHITECTURE.md for the
//! map and the invariants.

pub mod audit;
pub mod capture;
pub mod cli;
pub mod export;
pub mod extract;
pub mod identity;
pub mod idset;
pub mod interchange;
pub mod model;
pub mod search;
pub mod spool;
pub mod storage;
pub mod store;
pub mod tempdir;
pub mod text;
pub mod verify;
pub mod witness;
