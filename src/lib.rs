//! provdb: a provenance database that records who says what, where and when.
//!
//! The library holds all logic and never prints; `cli` is the only module that
//! knows the terminal, arguments and exit codes. See ARCHITECTURE.md for the
//! map and the invariants.

pub mod anchor;
pub mod annotation;
pub mod bundle;
pub mod carry;
pub mod checkpoints;
pub mod claimreview;
pub mod cli;
pub mod codec;
pub mod crash;
pub mod dates;
pub mod identity;
pub mod index;
pub mod journal;
pub mod manifest;
pub mod merkle;
pub mod model;
pub mod normalize;
pub mod objects;
pub mod proofs;
pub mod receipt;
pub mod store;
pub mod values;
pub mod verified;
pub mod verify;
