//! The store's lock: a flock on the store directory (and the older lock file), waited for up to
//! --lock-wait.

use std::fs::{self, File};
use std::path::Path;
use std::time::{Duration, Instant};

use super::{io_error, OpenOptions, StoreError};

/// Takes the store's lock file, waiting up to `wait` and calling `on_wait` once if it must wait.
///
/// The lock is an exclusive `flock` on the store directory itself, opened
/// read-only: a person does not casually delete the directory they are
/// using (a lock file can be deleted under a running writer, and then a
/// second writer locks a fresh file and both append), and a store on a
/// read-only mount or without write permission can still be locked for
/// reading. The `lock` file older versions created is left alone.
pub(super) fn acquire_lock(
    root: &Path,
    options: &mut OpenOptions<'_>,
) -> Result<StoreLock, StoreError> {
    let path = root.to_path_buf();
    let dir = File::open(&path).map_err(io_error("opening the store directory to lock", &path))?;
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
pub(super) fn wait_for_lock(
    file: &File,
    root: &Path,
    path: &Path,
    options: &mut OpenOptions<'_>,
    started: Instant,
    told: &mut bool,
) -> Result<(), StoreError> {
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(fs::TryLockError::WouldBlock) => {
                if started.elapsed() >= options.lock_wait {
                    return Err(StoreError::Locked {
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
                return Err(StoreError::Io {
                    action: "locking",
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
}

/// Takes the store's lock for `verify`, which reads the files itself.
pub fn lock_for_verify(
    root: &Path,
    options: &mut OpenOptions<'_>,
) -> Result<StoreLock, StoreError> {
    acquire_lock(root, options)
}
