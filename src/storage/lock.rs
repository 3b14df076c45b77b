//! The store's lock: an exclusive flock on the store directory (and on the
//! `lock` file older versions use), waited for up to --lock-wait. Every
//! command holds it from opening the store until it ends, except `verify`,
//! which holds it only while it takes its snapshot.

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
///
/// The wait is a blocking `flock` in a helper thread, not a poll: the kernel
/// wakes a waiter the moment the lock is released, so a writer waiting
/// behind readers is not overtaken by every newcomer that tries between two
/// polls. When the wait runs out, the helper is told so, and a lock it
/// takes after that is released at once.
fn wait_for_lock(
    file: &File,
    root: &Path,
    path: &Path,
    options: &mut OpenOptions<'_>,
    started: Instant,
    told: &mut bool,
) -> Result<(), LockError> {
    let failed = |source| LockError::Io {
        action: "locking",
        path: path.to_path_buf(),
        source,
    };
    match file.try_lock() {
        Ok(()) => return Ok(()),
        Err(fs::TryLockError::WouldBlock) => {}
        Err(fs::TryLockError::Error(source)) => return Err(failed(source)),
    }
    let locked = || LockError::Locked {
        path: root.to_path_buf(),
        waited_secs: options.lock_wait.as_secs_f64(),
    };
    let Some(remaining) = options.lock_wait.checked_sub(started.elapsed()) else {
        return Err(locked());
    };
    if !*told {
        if let Some(callback) = options.on_wait.as_mut() {
            callback(root);
        }
        *told = true;
    }
    // The same open file description: a lock the helper takes is this
    // file's lock.
    let shared = file.try_clone().map_err(failed)?;
    let abandoned = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (sender, receiver) = std::sync::mpsc::channel();
    let helper_abandoned = abandoned.clone();
    std::thread::spawn(move || {
        let result = shared.lock();
        let taken = result.is_ok();
        if taken && helper_abandoned.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = shared.unlock();
            return;
        }
        // Nobody to hand it to (the wait ended meanwhile): release it.
        if sender.send(result).is_err() && taken {
            let _ = shared.unlock();
        }
    });
    match receiver.recv_timeout(remaining) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(source)) => Err(failed(source)),
        Err(_) => {
            abandoned.store(true, std::sync::atomic::Ordering::SeqCst);
            // Taken between the timeout and the flag: keep it, it is ours.
            match receiver.try_recv() {
                Ok(Ok(())) => Ok(()),
                _ => Err(locked()),
            }
        }
    }
}
