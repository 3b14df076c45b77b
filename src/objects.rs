//! The object store: each source's bytes in one immutable file named by its BLAKE3 hash.
//!
//! `objects/ab/cdef…` holds the bytes whose hash is `abcdef…`, so `b3sum` can
//! check any file with no provdb at all. A new object is streamed into
//! `objects/tmp/`, hashed on the way, fsynced, renamed into place, and its
//! directory fsynced. This module never deletes an object that was there before.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::model::SourceId;

/// Why an object operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// An I/O call failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A stored object is missing.
    #[error("object {id} is missing from {path}")]
    Missing {
        /// The source id.
        id: SourceId,
        /// Where it should be.
        path: PathBuf,
    },
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> ObjectError + 'a {
    move |source| ObjectError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Fsyncs a directory so that a rename or creation inside it is durable.
pub fn sync_dir(path: &Path) -> Result<(), ObjectError> {
    File::open(path)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error("syncing directory", path))
}

/// The `objects/` directory of a store.
#[derive(Debug, Clone)]
pub struct Objects {
    root: PathBuf,
}

/// The result of storing bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    /// The BLAKE3 hash of the bytes.
    pub id: SourceId,
    /// How many bytes.
    pub size: u64,
    /// False when identical bytes were already stored.
    pub created: bool,
}

impl Objects {
    /// Returns the object store rooted at `root` (the store's `objects/`).
    pub fn new(root: PathBuf) -> Objects {
        Objects { root }
    }

    /// Returns the directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Returns where the object with `id` lives.
    pub fn path_for(&self, id: &SourceId) -> PathBuf {
        let hex = id.to_hex();
        self.root.join(&hex[..2]).join(&hex[2..])
    }

    /// Returns true when the object is present.
    pub fn contains(&self, id: &SourceId) -> bool {
        self.path_for(id).is_file()
    }

    /// Streams `reader` into the store and returns its id and size. Identical bytes are stored once.
    pub fn put_reader(&self, reader: &mut dyn Read) -> Result<Stored, ObjectError> {
        let tmp_dir = self.root.join("tmp");
        fs::create_dir_all(&tmp_dir).map_err(io_error("creating", &tmp_dir))?;
        let tmp_path = tmp_dir.join(format!(
            "incoming-{}-{}",
            std::process::id(),
            unique_suffix()
        ));
        let result = self.put_via(&tmp_path, reader);
        if result.is_err() || tmp_path.exists() {
            let _ = fs::remove_file(&tmp_path);
        }
        result
    }

    fn put_via(&self, tmp_path: &Path, reader: &mut dyn Read) -> Result<Stored, ObjectError> {
        let mut tmp = File::create(tmp_path).map_err(io_error("creating", tmp_path))?;
        let mut hasher = blake3::Hasher::new();
        let mut buffer = vec![0u8; 256 * 1024];
        let mut size: u64 = 0;
        loop {
            let read = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(ObjectError::Io {
                        action: "reading input for",
                        path: tmp_path.to_path_buf(),
                        source,
                    })
                }
            };
            hasher.update(&buffer[..read]);
            tmp.write_all(&buffer[..read])
                .map_err(io_error("writing", tmp_path))?;
            size += read as u64;
        }
        let id = SourceId(*hasher.finalize().as_bytes());
        let final_path = self.path_for(&id);
        if final_path.is_file() {
            return Ok(Stored {
                id,
                size,
                created: false,
            });
        }
        tmp.sync_all().map_err(io_error("syncing", tmp_path))?;
        drop(tmp);
        let shard = final_path
            .parent()
            .expect("an object path always has its shard directory as parent");
        let shard_is_new = !shard.exists();
        fs::create_dir_all(shard).map_err(io_error("creating", shard))?;
        if shard_is_new {
            sync_dir(&self.root)?;
        }
        fs::rename(tmp_path, &final_path).map_err(io_error("renaming into", &final_path))?;
        sync_dir(shard)?;
        Ok(Stored {
            id,
            size,
            created: true,
        })
    }

    /// Removes an object this command created, when the command fails before recording it.
    pub fn remove_created(&self, id: &SourceId) {
        let path = self.path_for(id);
        if fs::remove_file(&path).is_ok() {
            if let Some(shard) = path.parent() {
                let _ = sync_dir(shard);
            }
        }
    }

    /// Returns the bytes of an object.
    pub fn read(&self, id: &SourceId) -> Result<Vec<u8>, ObjectError> {
        let path = self.path_for(id);
        match fs::read(&path) {
            Ok(bytes) => Ok(bytes),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                Err(ObjectError::Missing { id: *id, path })
            }
            Err(source) => Err(ObjectError::Io {
                action: "reading",
                path,
                source,
            }),
        }
    }

    /// Opens an object for streaming.
    pub fn open(&self, id: &SourceId) -> Result<File, ObjectError> {
        let path = self.path_for(id);
        match File::open(&path) {
            Ok(file) => Ok(file),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                Err(ObjectError::Missing { id: *id, path })
            }
            Err(source) => Err(ObjectError::Io {
                action: "opening",
                path,
                source,
            }),
        }
    }

    /// Returns the BLAKE3 hash of the object's current bytes, streamed.
    pub fn rehash(&self, id: &SourceId) -> Result<SourceId, ObjectError> {
        let path = self.path_for(id);
        hash_file(&path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => ObjectError::Missing {
                id: *id,
                path: path.clone(),
            },
            _ => ObjectError::Io {
                action: "hashing",
                path: path.clone(),
                source,
            },
        })
    }

    /// Returns every file under `objects/` outside `tmp/`, with the id its path names (None if it names none).
    pub fn list(&self) -> Result<Vec<(PathBuf, Option<SourceId>)>, ObjectError> {
        let mut out = Vec::new();
        let shards = fs::read_dir(&self.root).map_err(io_error("listing", &self.root))?;
        for shard in shards {
            let shard = shard.map_err(io_error("listing", &self.root))?;
            let shard_name = shard.file_name().to_string_lossy().into_owned();
            if shard_name == "tmp" {
                continue;
            }
            let shard_path = shard.path();
            if !shard_path.is_dir() {
                out.push((shard_path, None));
                continue;
            }
            for file in fs::read_dir(&shard_path).map_err(io_error("listing", &shard_path))? {
                let file = file.map_err(io_error("listing", &shard_path))?;
                let name = format!("{shard_name}{}", file.file_name().to_string_lossy());
                out.push((file.path(), name.parse().ok()));
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Returns the BLAKE3 hash of a file, streamed in large reads.
pub fn hash_file(path: &Path) -> io::Result<SourceId> {
    let mut hasher = blake3::Hasher::new();
    let file = File::open(path)?;
    hasher.update_reader(file)?;
    Ok(SourceId(*hasher.finalize().as_bytes()))
}

fn unique_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_under_hash_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let objects = Objects::new(dir.path().join("objects"));
        fs::create_dir_all(objects.root()).expect("mkdir");
        let first = objects.put_reader(&mut &b"abc"[..]).expect("put");
        // BLAKE3("abc"), as printed by `b3sum` and in the BLAKE3 reference README.
        assert_eq!(
            first.id.to_hex(),
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
        );
        assert!(first.created);
        let again = objects.put_reader(&mut &b"abc"[..]).expect("put again");
        assert!(!again.created);
        assert_eq!(fs::read(objects.path_for(&first.id)).expect("read"), b"abc");
        assert!(objects
            .path_for(&first.id)
            .ends_with("64/37b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"));
        assert_eq!(
            fs::read_dir(objects.root().join("tmp"))
                .expect("tmp")
                .count(),
            0,
            "no temp file left"
        );
    }
}
