//! Creating, opening and closing a store: the lock, the format check, recovering a torn journal
//! tail, bringing the index up to the journal, and the one commit path every change takes.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::model::{Change, Entry, Origin};
use crate::storage::crash::{self, Op};
use crate::storage::index::{self, AppliedMark, Index};
use crate::storage::journal::{Appended, Journal, JournalError, Recovery, StreamError};
use crate::storage::objects::{self, Objects};
use crate::storage::replay::{cannot_write, sync_index, ReplayError};

use super::{
    interchange, io_error, OpenOptions, Store, StoreError, StoreLock, DEFAULT_DIR, FORMAT_FILE,
    FORMAT_VERSION,
};

/// Returns the nearest `.provdb` directory from `start` upward.
pub fn find_store(start: &Path) -> Result<PathBuf, StoreError> {
    let mut dir = Some(start);
    while let Some(current) = dir {
        let candidate = current.join(DEFAULT_DIR);
        if candidate.is_dir() {
            return Ok(candidate);
        }
        dir = current.parent();
    }
    Err(StoreError::NoStoreFound {
        start: start.to_path_buf(),
    })
}

/// Returns the current time as the journal writes it: RFC 3339, UTC, with nanoseconds.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339)
        .expect("formatting the current UTC time as RFC 3339 cannot fail for years 0-9999")
}

pub(super) fn random_store_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = File::open("/dev/urandom")
        .and_then(|mut file| file.read_exact(&mut bytes))
        .is_ok();
    if !filled {
        let seed = format!(
            "{}-{}-{:?}",
            now_rfc3339(),
            std::process::id(),
            std::thread::current().id()
        );
        bytes.copy_from_slice(&blake3::hash(seed.as_bytes()).as_bytes()[..16]);
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Checks the FORMAT file.
pub(super) fn check_format(root: &Path) -> Result<(), StoreError> {
    Ok(crate::storage::format::check(root)?)
}

/// The journal entries of a command, with the index marks they produce.
pub(super) fn marks(
    appended: &[Appended],
) -> Vec<(&Entry, AppliedMark, crate::audit::merkle::Digest)> {
    appended
        .iter()
        .map(|item| {
            let mark = AppliedMark {
                seq: item.entry.seq,
                hash: item.line.hash(),
                start: item.line.start,
                end: item.line.end(),
            };
            (&item.entry, mark, item.line.leaf())
        })
        .collect()
}

/// Returns the notice for a change recorded in the journal whose index
/// update then failed. An index write that failed (a full disk) is caught up
/// by the next command; a journal that no longer reads back as written is
/// named with what to run.
pub(super) fn index_update_notice(error: &ReplayError) -> String {
    match error {
        ReplayError::Index(error) => format!("recorded in the journal, but the index update failed ({error}); it catches up on the next command"),
        other => format!("recorded in the journal, but the index could not be brought up to date: {other}"),
    }
}

/// Returns the notice shown when opening cut back a crash-torn journal tail.
pub fn recovery_notice(recovery: &Recovery) -> String {
    format!(
        "the journal ended with an unfinished write from an interrupted command ({} bytes, {} complete entries of it); it was never acknowledged and has been cut back",
        recovery.cut_bytes, recovery.dropped_entries
    )
}

/// True when `path` is the store directory or anything in it, once links
/// and `..` are resolved: for a path that does not exist yet, its parent is
/// resolved and its name joined (`STORE/objects/..` and a link to the store
/// both count).
pub fn is_inside(root: &Path, path: &Path) -> bool {
    let Ok(root) = root.canonicalize() else {
        return false;
    };
    let resolved = path.canonicalize().or_else(|_| {
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::other("no name"))?;
        parent.canonicalize().map(|parent| parent.join(name))
    });
    resolved.is_ok_and(|resolved| resolved.starts_with(&root))
}

/// Removes whatever is at `path`, a directory, a file or a link, if anything is.
pub(crate) fn remove_any(path: &Path) -> Result<(), StoreError> {
    let removed = match fs::symlink_metadata(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => Err(error),
        Ok(meta) => {
            crash::point(Op::Remove, "a derived or leftover file");
            if meta.is_dir() {
                fs::remove_dir_all(path)
            } else {
                fs::remove_file(path)
            }
        }
    };
    removed.map_err(io_error("removing", path))
}

impl Store {
    /// Creates a store at `path`, which must not exist or be an empty directory.
    pub fn init(path: &Path, actor: &str) -> Result<String, StoreError> {
        if path.join(FORMAT_FILE).exists() {
            return Err(StoreError::AlreadyAStore {
                path: path.to_path_buf(),
            });
        }
        if path.exists() {
            let mut entries = fs::read_dir(path).map_err(|error| match error.kind() {
                io::ErrorKind::NotADirectory => StoreError::NotEmpty {
                    path: path.to_path_buf(),
                },
                _ => StoreError::Io {
                    action: "reading",
                    path: path.to_path_buf(),
                    source: error,
                },
            })?;
            if entries.next().is_some() {
                return Err(StoreError::NotEmpty {
                    path: path.to_path_buf(),
                });
            }
        }
        // Build beside the target, then rename into place: a crash leaves no half store.
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_error("creating", &parent))?;
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "store".into());
        let building = parent.join(format!(".{name}.init-{}", std::process::id()));
        interchange::remove_stale(&parent, &building);
        let _ = fs::remove_dir_all(&building);
        let result = Self::build_new(&building, actor).and_then(|store_id| {
            crash::point(Op::Rename, "a new store into place");
            fs::rename(&building, path).map_err(io_error("moving new store into", path))?;
            objects::sync_dir(&parent)?;
            Ok(store_id)
        });
        if result.is_err() {
            let _ = fs::remove_dir_all(&building);
        }
        result
    }

    pub(super) fn build_new(root: &Path, actor: &str) -> Result<String, StoreError> {
        fs::create_dir_all(root.join("objects").join("tmp")).map_err(io_error("creating", root))?;
        let store_id = random_store_id();
        let change = Change::Init {
            store: store_id.clone(),
            format: FORMAT_VERSION,
        };
        let journal = Journal::create(&root.join("journal"), actor, &now_rfc3339(), change)?;
        let index = Index::open(&root.join("index"))?;
        sync_index(&journal, &index)?;
        index.close(&root.join("index"))?;
        crate::storage::format::write(root)
            .map_err(io_error("writing", &root.join(FORMAT_FILE)))?;
        objects::sync_dir(&root.join("objects"))?;
        objects::sync_dir(root)?;
        Ok(store_id)
    }

    /// Opens the store at `root`: takes the lock, repairs a crash-torn journal
    /// tail, and brings the index up to date.
    pub fn open(root: &Path, options: &mut OpenOptions<'_>) -> Result<Store, StoreError> {
        if !root.is_dir() {
            return Err(StoreError::NotAStore {
                path: root.to_path_buf(),
            });
        }
        check_format(root)?;
        let lock = crate::storage::lock::acquire(root, options)?;
        let journal_path = root.join("journal");
        let (journal, recovery) = match Journal::open(&journal_path) {
            Err(JournalError::Io { source, .. }) if cannot_write(&source) => {
                return Self::open_read_only(root, lock);
            }
            opened => opened?,
        };
        let mut notices = Vec::new();
        if recovery.repaired() {
            notices.push(recovery_notice(&recovery));
        }
        let objects = Objects::new(root.join("objects"));
        // Under the lock no other command is writing: whatever is in
        // objects/tmp/ was left by one that was killed, and so was an
        // index.new or index.old of a killed reindex.
        objects.remove_incoming();
        remove_any(&root.join("index.new"))?;
        remove_any(&root.join("index.old"))?;
        let index_path = root.join("index");
        if !index_path.exists() {
            notices.push("the index was missing; rebuilding it from the journal".into());
        }
        let opened = Index::open(&index_path).and_then(|index| index.applied().map(|_| index));
        let index = match opened {
            Ok(index) => index,
            Err(error) if error.is_earlier_format() => {
                let earlier = error.earlier_format().unwrap_or_default();
                notices.push(format!("{earlier}; rebuilding it from the journal"));
                fs::remove_dir_all(&index_path).map_err(io_error("removing", &index_path))?;
                Index::open(&index_path)?
            }
            Err(error) if index::writing_marker(&index_path).exists() => {
                notices.push(format!("a command was stopped while writing the index, which no longer opens ({error}); rebuilding it from the journal"));
                fs::remove_dir_all(&index_path).map_err(io_error("removing", &index_path))?;
                Index::open(&index_path)?
            }
            Err(error) => return Err(error.into()),
        };
        sync_index(&journal, &index)?;
        Ok(Store {
            root: root.to_path_buf(),
            objects,
            journal,
            index,
            notices,
            as_of: None,
            read_only: false,
            _lock: lock,
        })
    }

    /// Opens a store that cannot be written (a read-only mount, or no write
    /// permission), changing nothing in it: the journal is read as far as its
    /// last committed entry, and the index is a copy in a scratch directory
    /// (rebuilt from the journal there if the store's own is missing or does
    /// not open), brought up to date and thrown away at the end. Every
    /// command that only reads works; one that would record is refused.
    pub(super) fn open_read_only(root: &Path, lock: StoreLock) -> Result<Store, StoreError> {
        let (journal, recovery) = Journal::open_read_only(&root.join("journal"))?;
        let mut notices = Vec::new();
        if recovery.repaired() {
            notices.push(format!(
                "the journal ends with an unfinished write from an interrupted command ({} bytes), which was never acknowledged; the store cannot be written, so it was left in place and ignored",
                recovery.cut_bytes
            ));
        }
        let copied = Index::open_scratch(root, true)?;
        let index = match sync_index(&journal, &copied) {
            Ok(_) => copied,
            Err(error) => {
                drop(copied);
                notices.push(format!("the store's index does not fit its journal ({error}); this command rebuilt one from the journal outside the store"));
                let rebuilt = Index::open_scratch(root, false)?;
                sync_index(&journal, &rebuilt)?;
                rebuilt
            }
        };
        Ok(Store {
            root: root.to_path_buf(),
            objects: Objects::new(root.join("objects")),
            journal,
            index,
            notices,
            as_of: None,
            read_only: true,
            _lock: lock,
        })
    }

    /// Returns and clears the notices gathered so far (crash repairs, index lag).
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    /// Returns the store directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Flushes the index and releases the lock.
    ///
    /// Returns notices, never an error: everything a command changed is in
    /// the journal before it returns, and the index is derived from it, so
    /// a failure to write the index (a full disk) is said, and the next
    /// command catches up. The exit status stays the command's own.
    pub fn close(self) -> Vec<String> {
        match self.index.close(&self.root.join("index")) {
            Ok(()) => Vec::new(),
            Err(error) => vec![format!("the index could not be written ({error}); it is derived from the journal, which holds every change, and the next command catches it up")],
        }
    }

    /// True when this process has not written to the store's index and it
    /// is the store's own, not a scratch copy: dropping the store then
    /// closes it as [`Store::close`] would, and changes nothing on disk.
    pub fn only_read(&self) -> bool {
        self.index.only_read()
    }

    /// Appends changes and applies them to the index. An index failure after
    /// the journal is durable becomes a notice: the next open catches up.
    pub(super) fn commit(
        &mut self,
        actor: &str,
        time: &str,
        changes: Vec<Change>,
    ) -> Result<Vec<Appended>, StoreError> {
        self.writable()?;
        let appended = self.journal.append(actor, time, changes)?;
        if let Err(error) = self.index.apply(marks(&appended)) {
            self.notices
                .push(index_update_notice(&ReplayError::Index(error)));
        }
        Ok(appended)
    }

    /// Appends the changes an iterator yields, each with its origin, as one
    /// command streamed to the journal, keeping neither the entries nor their
    /// lines, then brings the index up to date by reading back what was
    /// written. For commands of many changes (a bulk add, a merge), whose
    /// entries held until the index was written grew with their number. An
    /// input error cuts the journal back; an index failure after the journal
    /// is durable becomes a notice, and the next command catches up.
    pub(super) fn commit_streamed(
        &mut self,
        actor: &str,
        time: &str,
        changes: impl Iterator<Item = Result<(Change, Option<Origin>), StoreError>>,
    ) -> Result<(), StoreError> {
        self.writable()?;
        stream_changes(
            &mut self.journal,
            &self.index,
            &mut self.notices,
            (actor, time),
            changes,
        )
    }

    /// Refuses a change to a store that cannot be written, before anything
    /// is attempted.
    pub(crate) fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.root.clone(),
            });
        }
        Ok(())
    }
}

/// Does what `Store::commit_streamed` does, on the journal, index and
/// notices given, so that the iterator may read the store's objects and
/// index while the journal is written (a bulk add derives each file's
/// changes as they are streamed). `by` is the actor and the time; a notice
/// that the index lags is pushed onto `notices`.
pub(super) fn stream_changes(
    journal: &mut Journal,
    index: &Index,
    notices: &mut Vec<String>,
    by: (&str, &str),
    changes: impl Iterator<Item = Result<(Change, Option<Origin>), StoreError>>,
) -> Result<(), StoreError> {
    let start = journal.len();
    let before_hash = journal.last_hash();
    let before_seq = journal.last_seq();
    let written = journal
        .append_stream_with_origins(by.0, by.1, changes, |_, _| {})
        .map_err(|error| match error {
            StreamError::Journal(error) => StoreError::from(error),
            StreamError::Input(error) => error,
        })?;
    if written.is_some() {
        if let Err(error) = super::catch_up(journal, index, start, before_hash, before_seq + 1) {
            notices.push(index_update_notice(&error));
        }
    }
    Ok(())
}
