//! A private temporary directory: for a scratch index, a copy of a PDF for
//! qpdf, an export bound for standard output. It names no other module, so
//! any layer may use it.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// A directory in the system's temporary directory, readable by this user
/// only, under a name no one could have made beforehand (created
/// exclusively, with a random part; a name already taken is never reused),
/// removed with what it holds when dropped.
#[derive(Debug)]
pub struct PrivateDir(PathBuf);

impl PrivateDir {
    /// Creates one; `purpose` is part of its name (`provdb-PURPOSE-…`).
    pub fn create(purpose: &str) -> io::Result<PrivateDir> {
        use std::os::unix::fs::DirBuilderExt;
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut last = None;
        for _ in 0..16 {
            let mut random = [0u8; 12];
            if let Ok(mut urandom) = File::open("/dev/urandom") {
                let _ = io::Read::read_exact(&mut urandom, &mut random);
            }
            let name: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
            let dir = std::env::temp_dir().join(format!(
                "provdb-{purpose}-{}-{}-{name}",
                std::process::id(),
                COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => return Ok(PrivateDir(dir)),
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no name")))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
