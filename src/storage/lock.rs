//! The store's lock: an exclusive flock on the store directory (and on the
//! `lock` file older versions use), waited for up to --lock-wait. Every
//! command holds it from opening the store until it ends, `verify` included.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How to open a store: how long to wait for its lock.
pub struct OpenOptions<'a> {
    /// How long to wait for another process's lock.
    pub lock_wait: Duration,
    /// Called once if the store is locked and we start waiting.
    pub on_wait: Option<&'a mut dyn FnMut(&Path)>,
}

impl std::fmt::Debug for OpenOptions<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("OpenOptions")
            .field("lock_wait", &self.lock_wait)
            .finish()
    }
}

impl Default for OpenOptions<'_> {
    fn default() -> Self {
        OpenOptions {
            lock_wait: Duration::from_secs(10),
            on_wait: None,
        }
    }
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The store stayed locked past the wait.
    #[error("store {path} is locked by another provdb process; waited {waited_secs} s")]
    Locked {
        /// The store.
        path: PathBuf,
        /// How long we waited, in seconds.
        waited_secs: f64,
    },
    /// Opening or locking failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Takes the store's lock, waiting up to `wait` and calling `on_wait` once if it must wait.
///
/// The lock is an exclusive `flock` on the store directory itself, opened
/// read-only: a person does not casually delete the directory they are
/// using (a lock file can be deleted under a running writer, and then a
/// second writer locks a fresh file and both append), and a store on a
/// read-only mount or without write permission can still be locked for
/// reading. The `lock` file older versions created is left alone.
pub fn acquire(root: &Path, options: &mut OpenOptions<'_>) -> Result<StoreLock, LockError> {
    let path = root.to_path_buf();
    let dir = File::open(&path).map_err(|source| LockError::Io {
        action: "opening the store directory to lock",
        path: path.clone(),
        source,
    })?;
    let started = Instant::now();
    let mut told = false;
    wait_for_lock(&dir, root, &path, options, started, &mut told)?;
    // Older versions of provdb lock the `lock` file instead: while one may
    // still run beside this one, take that lock too when the file is there
    // and can be opened for writing (not on a read-only store).
    let legacy_path = root.join("lock");
    let legacy = match fs::OpenOptions::new().write(true).open(&legacy_path) {
        Ok(file) => {
            wait_for_lock(&file, root, &legacy_path, options, started, &mut told)?;
            Some(file)
        }
        Err(_) => None,
    };
    Ok(StoreLock {
        _dir: dir,
        _legacy: legacy,
    })
}

/// The locks a command holds on a store until it ends.
#[derive(Debug)]
pub struct StoreLock {
    _dir: File,
    _legacy: Option<File>,
}

/// Takes an exclusive flock on `file`, waiting up to the options' wait
/// (counted from `started`) and calling `on_wait` once if it must wait.
fn wait_for_lock(
    file: &File,
    root: &Path,
    path: &Path,
    options: &mut OpenOptions<'_>,
    started: Instant,
    told: &mut bool,
) -> Result<(), LockError> {
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(fs::TryLockError::WouldBlock) => {
                if started.elapsed() >= options.lock_wait {
                    return Err(LockError::Locked {
                        path: root.to_path_buf(),
                        waited_secs: options.lock_wait.as_secs_f64(),
                    });
                }
                if !*told {
                    if let Some(callback) = options.on_wait.as_mut() {
                        callback(root);
                    }
                    *told = true;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(fs::TryLockError::Error(source)) => {
                return Err(LockError::Io {
                    action: "locking",
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
}
