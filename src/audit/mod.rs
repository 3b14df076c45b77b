//! Audit: what lets a reader check a store's history without trusting it.
//! The RFC 6962 Merkle tree over journal entries (`merkle`), the kept
//! checkpoints and their C2SP text (`checkpoints`), inclusion and consistency
//! proof files (`proofs`) and self-contained citation receipts (`receipt`).
//! Checking any of them needs no store.

pub mod checkpoints;
pub mod keys;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod proofs;
pub mod receipt;
pub mod timestamp;
