//! Exporting a store as a bundle, and importing a bundle as a new store.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{io_error, sync_index, Store, StoreError, FORMAT_FILE, FORMAT_TEXT};
use crate::bundle::{self, BundleError};
use crate::index::Index;
use crate::journal::Journal;
use crate::objects::{self, Objects};

/// What `import` did.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    /// The new store.
    pub store: PathBuf,
    /// Its journal entries.
    pub entries: u64,
    /// Its objects.
    pub objects: u64,
    /// Its checkpoints.
    pub checkpoints: usize,
    /// The BLAKE3 hash of the bundle file.
    pub bundle: String,
}

impl From<BundleError> for StoreError {
    fn from(error: BundleError) -> Self {
        StoreError::Input {
            path: "bundle".into(),
            why: error.to_string(),
        }
    }
}

impl Store {
    /// Writes the store as a bundle to `out` (through a temporary file beside
    /// it, renamed into place once complete and synced).
    pub fn export_bundle(&self, out: &Path) -> Result<u64, StoreError> {
        let journal =
            fs::read(self.journal.path()).map_err(io_error("reading", self.journal.path()))?;
        let journal = &journal[..self.journal.len() as usize];
        let checkpoints = match fs::read(self.root.join(crate::checkpoints::FILE)) {
            Ok(bytes) => {
                let complete = bytes
                    .iter()
                    .rposition(|byte| *byte == b'\n')
                    .map_or(0, |at| at + 1);
                Some(bytes[..complete].to_vec())
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => {
                return Err(io_error(
                    "reading",
                    &self.root.join(crate::checkpoints::FILE),
                )(error))
            }
        };
        let mut objects = Vec::new();
        for source in self.index.sources() {
            let id = source?.id;
            objects.push((id, self.objects.path_for(&id)));
        }
        let count = objects.len() as u64;
        let mut contents = bundle::Contents {
            journal,
            checkpoints: checkpoints.as_deref().filter(|bytes| !bytes.is_empty()),
            objects,
        };
        let name = out
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bundle".into());
        let temporary = out.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        let result = (|| -> Result<(), StoreError> {
            let file = File::create(&temporary).map_err(io_error("creating", &temporary))?;
            let mut writer = std::io::BufWriter::new(file);
            bundle::write(&mut contents, &mut writer)?;
            let file = writer
                .into_inner()
                .map_err(|error| io_error("writing", &temporary)(error.into_error()))?;
            file.sync_all().map_err(io_error("syncing", &temporary))?;
            fs::rename(&temporary, out).map_err(io_error("renaming into", out))?;
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        result.map(|()| count)
    }
}

/// Imports a bundle as a new store at `target` (which must not exist or be
/// an empty directory). Everything is checked in a directory beside the
/// target — paths, object hashes, the journal chain, the index, the
/// checkpoints, with `verify` — before it is renamed into place.
pub fn import_bundle(target: &Path, bundle_path: &Path) -> Result<ImportOutcome, StoreError> {
    if target.join(FORMAT_FILE).exists() {
        return Err(StoreError::Input {
            path: target.display().to_string(),
            why: "is already a store; merging a bundle into a store is not supported yet, so import it into a new store path".into(),
        });
    }
    if target.exists()
        && fs::read_dir(target)
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(true)
    {
        return Err(StoreError::NotEmpty {
            path: target.to_path_buf(),
        });
    }
    let input = |why: String| StoreError::Input {
        path: bundle_path.display().to_string(),
        why,
    };
    let bundle_bytes = fs::metadata(bundle_path)
        .map_err(|error| input(format!("cannot be read ({error})")))?
        .len();
    let bundle_hash = {
        let mut hasher = blake3::Hasher::new();
        hasher
            .update_mmap(bundle_path)
            .map_err(|error| input(format!("cannot be read ({error})")))?;
        hasher.finalize().to_hex().to_string()
    };
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_error("creating", &parent))?;
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    let building = parent.join(format!(".{name}.import-{}", std::process::id()));
    let _ = fs::remove_dir_all(&building);
    let result = build_from_bundle(&building, bundle_path, bundle_bytes).and_then(|outcome| {
        if target.exists() {
            fs::remove_dir(target).map_err(io_error("replacing the empty directory", target))?;
        }
        fs::rename(&building, target)
            .map_err(io_error("moving the imported store into", target))?;
        objects::sync_dir(&parent)?;
        Ok(outcome)
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&building);
    }
    let (entries, objects, checkpoints) = result?;
    Ok(ImportOutcome {
        store: target.to_path_buf(),
        entries,
        objects,
        checkpoints,
        bundle: bundle_hash,
    })
}

fn build_from_bundle(
    root: &Path,
    bundle_path: &Path,
    limit: u64,
) -> Result<(u64, u64, usize), StoreError> {
    fs::create_dir_all(root.join("objects").join("tmp")).map_err(io_error("creating", root))?;
    let store_objects = Objects::new(root.join("objects"));
    let mut file = File::open(bundle_path).map_err(|error| StoreError::Input {
        path: bundle_path.display().to_string(),
        why: format!("cannot be read ({error})"),
    })?;
    let mut count = 0u64;
    let mut put = |id: crate::model::SourceId,
                   reader: &mut dyn std::io::Read,
                   _size: u64|
     -> Result<(), BundleError> {
        let stored = store_objects
            .put_reader(reader, &|_| false)
            .map_err(|error| {
                BundleError::Refused(format!("an object could not be stored ({error})"))
            })?;
        if stored.id != id {
            return Err(BundleError::Refused(format!(
                "the object named {} holds bytes that hash to {} (a hash mismatch)",
                id, stored.id
            )));
        }
        count += 1;
        Ok(())
    };
    let (journal, checkpoints) = bundle::read(&mut file, limit, &mut put)?;
    let write_file = |path: PathBuf, bytes: &[u8]| -> Result<(), StoreError> {
        let mut file = File::create(&path).map_err(io_error("creating", &path))?;
        file.write_all(bytes).map_err(io_error("writing", &path))?;
        file.sync_all().map_err(io_error("syncing", &path))
    };
    write_file(root.join("journal"), &journal)?;
    let kept = match &checkpoints {
        Some(bytes) if !bytes.is_empty() => {
            write_file(root.join(crate::checkpoints::FILE), bytes)?;
            crate::checkpoints::read(root)
                .map_err(|error| StoreError::Input {
                    path: "bundle".into(),
                    why: format!("the bundle is refused: its checkpoints do not read ({error})"),
                })?
                .len()
        }
        _ => 0,
    };
    // The journal must be whole: a bundle carries committed entries only.
    let (journal, recovery) =
        Journal::open(&root.join("journal")).map_err(|error| StoreError::Input {
            path: "bundle".into(),
            why: format!("the bundle is refused: its journal does not read ({error})"),
        })?;
    if recovery.repaired() {
        return Err(StoreError::Input {
            path: "bundle".into(),
            why:
                "the bundle is refused: its journal ends with an unfinished command or a torn line"
                    .into(),
        });
    }
    let index = Index::open(&root.join("index"))?;
    sync_index(&journal, &index).map_err(|error| StoreError::Input {
        path: "bundle".into(),
        why: format!("the bundle is refused: its journal does not replay ({error})"),
    })?;
    index.close(&root.join("index"))?;
    write_file(root.join(FORMAT_FILE), FORMAT_TEXT.as_bytes())?;
    store_objects.sync_filesystem()?;
    objects::sync_dir(root)?;
    // The whole store, checked as `verify` checks any store.
    let report = crate::verify::verify(root, &mut super::OpenOptions::default())?;
    if let Some(problem) = report.problems.first() {
        return Err(StoreError::Input {
            path: "bundle".into(),
            why: format!(
                "the bundle is refused: {} problem(s), the first: {}: {}",
                report.problems.len(),
                problem.item,
                problem.what
            ),
        });
    }
    // verify records when each object was found sound; a fresh import keeps that.
    Ok((journal.last_seq(), count, kept))
}
