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
/// left behind when it was killed: named as `create` names them, this
/// user's, mode 0700, with a `HELD` file (a regular file of this user's)
/// that no process holds. A directory in use, one without that file (being
/// made, or made by a build before it), and anything else are left alone:
/// nothing is followed through a symbolic link, and nothing another user
/// made there (a FIFO that would block an open, a link to a device) is
/// opened. Errors are ignored: a leftover costs disk space, never a wrong
/// answer.
fn sweep(parent: &Path) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let user = rustix::process::geteuid().as_raw();
    for entry in entries.flatten() {
        let named = entry.file_name().to_str().is_some_and(made_here);
        // Not followed if a link: a link is not a directory here.
        let ours = entry.metadata().is_ok_and(|metadata| {
            metadata.is_dir()
                && metadata.uid() == user
                && metadata.permissions().mode() & 0o7777 == 0o700
        });
        if !named || !ours {
            continue;
        }
        let dir = entry.path();
        let flags = rustix::fs::OFlags::RDONLY
            | rustix::fs::OFlags::NOFOLLOW
            | rustix::fs::OFlags::NONBLOCK
            | rustix::fs::OFlags::CLOEXEC;
        let Ok(held) = rustix::fs::open(dir.join(HELD), flags, rustix::fs::Mode::empty()) else {
            continue;
        };
        let held = File::from(held);
        let plain = held
            .metadata()
            .is_ok_and(|metadata| metadata.is_file() && metadata.uid() == user);
        if plain && held.try_lock().is_ok() {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// True for a name `create` gives: `provdb-`, a purpose, the process id and
/// a counter, then 24 lowercase hex digits.
fn made_here(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return false;
    };
    let parts: Vec<&str> = rest.rsplitn(4, '-').collect();
    matches!(parts.as_slice(), [random, counter, pid, purpose]
        if random.len() == 24
            && random.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
            && [counter, pid].iter().all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()))
            && !purpose.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Makes a directory as a process killed while it lived leaves it: its
    /// `HELD` file there, and no process holding it.
    fn left_behind(parent: &Path, name: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir = parent.join(name);
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        std::fs::write(dir.join(HELD), b"").expect("held");
        std::fs::write(dir.join("data"), b"scratch").expect("data");
        dir
    }

    /// A name as `create` gives it, with `random` as its last part.
    fn name(purpose: &str, random: &str) -> String {
        format!("{PREFIX}{purpose}-4242-0-{random}")
    }

    #[test]
    fn a_sweep_removes_only_what_no_process_holds() {
        use std::os::unix::fs::PermissionsExt;
        let outer = PrivateDir::create("tempdir-test").expect("temporary directory");
        let parent = outer.path();
        let random = "0123456789abcdef01234567";
        let dead = left_behind(parent, &name("index", random));
        // In use: its file locked, as `create` leaves it (another open file
        // of this process conflicts with the lock as another process would).
        let live = left_behind(parent, &name("search", random));
        let holder = File::open(live.join(HELD)).expect("open");
        holder.try_lock().expect("lock");
        // Without the file: being made, or made by an earlier build.
        let unheld = parent.join(name("pdf", random));
        std::fs::create_dir(&unheld).expect("mkdir");
        std::fs::set_permissions(&unheld, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        // Not named as provdb names them, or open to others.
        let others = [
            left_behind(parent, "other-index-4-0-dd"),
            left_behind(parent, &name("index", "not-hex-at-all-0000000000")),
            left_behind(parent, "provdb-index"),
            left_behind(parent, &name("batch", &random.to_uppercase())),
        ];
        let open_to_all = left_behind(parent, &name("export", random).replace("4242", "4343"));
        std::fs::set_permissions(&open_to_all, std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        // A link to a directory that could be swept is not followed.
        let target = left_behind(parent, "elsewhere");
        let link = parent.join(name("link", random));
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        // A FIFO as `held` would block an open that waits for a writer.
        let fifo = parent.join(name("fifo", random));
        std::fs::create_dir(&fifo).expect("mkdir");
        std::fs::set_permissions(&fifo, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        let made = std::process::Command::new("mkfifo")
            .arg(fifo.join(HELD))
            .status()
            .expect("mkfifo");
        assert!(made.success());

        sweep(parent);
        assert!(!dead.exists(), "the left-behind directory stays");
        assert!(live.join("data").exists(), "a directory in use was removed");
        assert!(unheld.exists() && open_to_all.exists() && fifo.exists());
        assert!(others.iter().all(|dir| dir.join("data").exists()));
        assert!(link.exists() && target.join("data").exists());

        // Once its holder is gone, the other goes too.
        drop(holder);
        sweep(parent);
        assert!(!live.exists());
        assert!(unheld.exists() && open_to_all.exists() && fifo.exists());
        assert!(others.iter().all(|dir| dir.join("data").exists()));
    }

    #[test]
    fn names_are_recognised_as_create_makes_them() {
        let made = PrivateDir::create("scratch-index").expect("temporary directory");
        let file = made
            .path()
            .file_name()
            .and_then(|name| name.to_str())
            .expect("name");
        assert!(made_here(file), "{file}");
        for other in [
            "provdb-",
            "provdb-x-1-2",
            "provdb--1-2-0123456789abcdef01234567",
            "provdb-x-1--0123456789abcdef01234567",
            "provdb-x-a-2-0123456789abcdef01234567",
        ] {
            assert!(!made_here(other), "{other}");
        }
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
