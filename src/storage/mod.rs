//! Storage: the files a store is made of and the order they are made durable
//! in. The journal (the source of truth), the content-addressed objects, the
//! derived sled index with its record codec, the `verified` file, and the
//! deterministic crash points tests use to interrupt every durable step.

pub mod codec;
pub mod crash;
pub mod files;
pub mod format;
pub mod index;
pub mod journal;
pub mod lock;
pub mod objects;
pub mod replay;
pub mod verified;
