//! The `FORMAT` file that marks a directory as a provdb store, and its one
//! version.

use std::io;
use std::path::{Path, PathBuf};

/// The file that marks a directory as a provdb store.
pub const FORMAT_FILE: &str = "FORMAT";
/// Its contents for this version.
pub const FORMAT_TEXT: &str = "provdb store\nformat 1\n";
/// The store format version.
pub const FORMAT_VERSION: u32 = 1;

/// Why a directory is not a store this version can open.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// No `FORMAT` file, or one with other contents.
    #[error("{path} is not a provdb store (no {FORMAT_FILE} file)")]
    NotAStore {
        /// The directory.
        path: PathBuf,
    },
    /// The `FORMAT` file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

/// Checks that `root` holds this version's `FORMAT` file.
pub fn check(root: &Path) -> Result<(), FormatError> {
    match std::fs::read_to_string(root.join(FORMAT_FILE)) {
        Ok(text) if text == FORMAT_TEXT => Ok(()),
        Ok(_) => Err(FormatError::NotAStore {
            path: root.to_path_buf(),
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Err(FormatError::NotAStore {
            path: root.to_path_buf(),
        }),
        Err(source) => Err(FormatError::Io {
            path: root.join(FORMAT_FILE),
            source,
        }),
    }
}

/// Writes this version's `FORMAT` file into `root`, a store being built,
/// and syncs it. It is written last: a directory without it is no store.
pub fn write(root: &Path) -> io::Result<()> {
    crate::storage::files::write_new(&root.join(FORMAT_FILE), FORMAT_TEXT.as_bytes())
}
