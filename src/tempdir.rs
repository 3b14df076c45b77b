//! A private temporary directory: for a scratch index, a copy of a PDF for
//! qpdf, an export bound for standard output. It names no other module, so
//! any layer may use it.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// The file in each directory that its process holds an exclusive lock on
/// while the directory lives: the kernel lets the lock go when the process
/// ends, however it ends, so a directory whose file can be locked by
/// another process was left behind.
const HELD: &str = "held";

/// What every directory's name starts with.
const PREFIX: &str = "provdb-";

/// A directory in the system's temporary directory, readable by this user
/// only, under a name no one could have made beforehand (created
/// exclusively, with a random part; a name already taken is never reused),
/// removed with what it holds when dropped. A process killed before that
/// leaves it behind; the first directory a later process makes removes
/// such leftovers (`sweep`).
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
    /// The lock on `HELD`, kept while the directory lives (none where
    /// the file system takes no lock).
    _held: Option<File>,
}

impl PrivateDir {
    /// Creates one; `purpose` is part of its name (`provdb-PURPOSE-…`).
    pub fn create(purpose: &str) -> io::Result<PrivateDir> {
        use std::os::unix::fs::DirBuilderExt;
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        static SWEPT: std::sync::Once = std::sync::Once::new();
        let parent = std::env::temp_dir();
        SWEPT.call_once(|| sweep(&parent));
        let mut last = None;
        for _ in 0..16 {
            let mut random = [0u8; 12];
            if let Ok(mut urandom) = File::open("/dev/urandom") {
                let _ = io::Read::read_exact(&mut urandom, &mut random);
            }
            let name: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
            let dir = parent.join(format!(
                "{PREFIX}{purpose}-{}-{}-{name}",
                std::process::id(),
                COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => {
                    // Where no lock can be taken, the directory is made
                    // all the same, only never swept.
                    let held = hold(&dir).ok();
                    let _ = std::fs::remove_file(dir.join(format!("{HELD}.new")));
                    return Ok(PrivateDir {
                        path: dir,
                        _held: held,
                    });
                }
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no name")))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Locks a new `HELD` file in `dir`. It is made and locked under another
/// name, then renamed: a sweep never finds a `HELD` that is not yet locked.
fn hold(dir: &Path) -> io::Result<File> {
    let making = dir.join(format!("{HELD}.new"));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&making)?;
    file.try_lock().map_err(|error| match error {
        std::fs::TryLockError::Error(error) => error,
        std::fs::TryLockError::WouldBlock => io::Error::other("a new file is locked already"),
    })?;
    std::fs::rename(&making, dir.join(HELD))?;
    Ok(file)
}

/// Removes the directories under `parent` that a provdb process made and
/// left behind when it was killed: named `provdb-…`, with a `HELD` file
/// that no process holds. A directory in use, one without that file (being
/// made, or made by a build before it), and anything else are left alone;
/// so is everything this user may not remove. Errors are ignored: a
/// leftover costs disk space, never a wrong answer.
fn sweep(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let named = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(PREFIX));
        if !named || !entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            continue;
        }
        let dir = entry.path();
        let Ok(held) = File::open(dir.join(HELD)) else {
            continue;
        };
        if held.try_lock().is_ok() {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Makes a directory as a process killed while it lived leaves it: its
    /// `HELD` file there, and no process holding it.
    fn left_behind(parent: &Path, name: &str) -> PathBuf {
        let dir = parent.join(name);
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::write(dir.join(HELD), b"").expect("held");
        std::fs::write(dir.join("data"), b"scratch").expect("data");
        dir
    }

    #[test]
    fn a_sweep_removes_only_what_no_process_holds() {
        let outer = PrivateDir::create("tempdir-test").expect("temporary directory");
        let parent = outer.path();
        let dead = left_behind(parent, "provdb-index-1-0-aa");
        // In use: its file locked, as `create` leaves it (another open file
        // of this process conflicts with the lock as another process would).
        let live = left_behind(parent, "provdb-index-2-0-bb");
        let holder = File::open(live.join(HELD)).expect("open");
        holder.try_lock().expect("lock");
        // Without the file: being made, or made by an earlier build.
        let unheld = parent.join("provdb-index-3-0-cc");
        std::fs::create_dir(&unheld).expect("mkdir");
        // Not provdb's.
        let other = left_behind(parent, "other-index-4-0-dd");
        let file = parent.join("provdb-file");
        std::fs::write(&file, b"").expect("file");

        sweep(parent);
        assert!(!dead.exists(), "the left-behind directory stays");
        assert!(live.join("data").exists(), "a directory in use was removed");
        assert!(unheld.exists() && other.exists() && file.exists());

        // Once its holder is gone, the other goes too.
        drop(holder);
        sweep(parent);
        assert!(!live.exists());
        assert!(unheld.exists() && other.exists() && file.exists());
    }

    #[test]
    fn a_directory_is_held_while_it_lives_and_removed_when_dropped() {
        let dir = PrivateDir::create("tempdir-test").expect("temporary directory");
        let held = File::open(dir.path().join(HELD)).expect("held file");
        assert!(held.try_lock().is_err(), "the directory's file is not held");
        assert!(!dir.path().join(format!("{HELD}.new")).exists());
        let path = dir.path().to_path_buf();
        drop(dir);
        assert!(!path.exists());
    }
}
