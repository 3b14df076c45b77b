//! Key files: a private key (one line, `PRIVATE+KEY+NAME+KEYID+base64(type ‖
//! seed)`) written readable by its owner only and never into a store, and
//! verifier keys read from files or given as text.

use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::audit::note::{NoteError, SigningKey, VerifierKey, COSIGNATURE_V1, ED25519};

/// Why a key file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file system refused.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        error: io::Error,
    },
    /// The file exists (keys are never overwritten).
    #[error("{0} already exists; a key file is never overwritten: choose another path or remove it yourself")]
    Exists(String),
    /// Others may read the private key.
    #[error("{path} can be read by its group or others (mode {mode:o}); a private key must be readable by its owner only: run chmod 600 {path}")]
    Exposed {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is not a key.
    #[error("{path}: {error}")]
    Bad {
        /// The file.
        path: String,
        /// Why.
        error: NoteError,
    },
}

/// The most bytes read from a key file.
const MAX_KEY_FILE: u64 = 4096;

/// Makes a new key from the operating system's random bytes: a log's
/// (Ed25519, type 0x01) or, with `witness`, a witness's (type 0x04).
pub fn generate(name: &str, witness: bool) -> Result<SigningKey, NoteError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|error| NoteError::BadKey(format!("no random bytes from the system: {error}")))?;
    SigningKey::from_seed(name, if witness { COSIGNATURE_V1 } else { ED25519 }, seed)
}

/// Writes a private key to a new file with mode 0600 and syncs it and its
/// directory. Refuses a path that exists, a symbolic link included.
pub fn write_private(path: &Path, key: &SigningKey) -> Result<(), KeyFileError> {
    let shown = path.display().to_string();
    let io_error = |error: io::Error| KeyFileError::Io {
        path: shown.clone(),
        error,
    };
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            return Err(KeyFileError::Exists(shown))
        }
        Err(error) => return Err(io_error(error)),
    };
    // The mode given at creation is reduced by the umask, never widened;
    // set it exactly in case the umask was unusual.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(io_error)?;
    file.write_all(key.text().as_bytes()).map_err(io_error)?;
    file.sync_all().map_err(io_error)?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::File::open(parent)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error)
}

fn read_bounded(path: &Path) -> Result<(std::fs::Metadata, String), KeyFileError> {
    let shown = path.display().to_string();
    let io_error = |error: io::Error| KeyFileError::Io {
        path: shown.clone(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    if !meta.is_file() {
        return Err(io_error(io::Error::other("not a regular file")));
    }
    let mut text = String::new();
    file.take(MAX_KEY_FILE)
        .read_to_string(&mut text)
        .map_err(|_| KeyFileError::Bad {
            path: shown.clone(),
            error: NoteError::BadKey("the file is not UTF-8 text".into()),
        })?;
    Ok((meta, text))
}

/// Reads a private key, refusing one that others may read.
pub fn read_private(path: &Path) -> Result<SigningKey, KeyFileError> {
    let shown = path.display().to_string();
    let (meta, text) = read_bounded(path)?;
    if !text.starts_with("PRIVATE+KEY+") && VerifierKey::parse(text.trim()).is_ok() {
        return Err(KeyFileError::Bad {
            path: shown,
            error: NoteError::BadKey(
                "this is a verifier key (the public half); give the private key file that `provdb key generate -o FILE` wrote".into(),
            ),
        });
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::Exposed { path: shown, mode });
    }
    SigningKey::parse(text.trim()).map_err(|error| KeyFileError::Bad { path: shown, error })
}

/// Reads a verifier key from a file holding one line (or the text itself,
/// when `source` holds a `+` and names no file).
pub fn read_verifier(source: &str) -> Result<VerifierKey, KeyFileError> {
    let path = Path::new(source);
    if !path.exists() && source.contains('+') {
        return VerifierKey::parse(source).map_err(|error| KeyFileError::Bad {
            path: "the key given".into(),
            error,
        });
    }
    let (_, text) = read_bounded(path)?;
    if text.starts_with("PRIVATE+KEY+") {
        return Err(KeyFileError::Bad {
            path: source.into(),
            error: NoteError::BadKey(
                "this is a private key; give the verifier key `provdb key public` prints".into(),
            ),
        });
    }
    VerifierKey::parse(text.trim()).map_err(|error| KeyFileError::Bad {
        path: source.into(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_private_new_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log.key");
        let key = generate("newsroom.example/log", false).expect("key");
        write_private(&path, &key).expect("write");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            read_private(&path).expect("read").verifier(),
            key.verifier()
        );
        assert!(matches!(
            write_private(&path, &key),
            Err(KeyFileError::Exists(_))
        ));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let error = read_private(&path).expect_err("exposed").to_string();
        assert!(error.contains("chmod 600"), "{error}");
        // Two keys made in turn differ (the seed is random).
        let other = generate("newsroom.example/log", false).expect("key");
        assert_ne!(other.verifier(), key.verifier());
    }
}
