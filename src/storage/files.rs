//! Whole files written durably, in the two ways provdb writes them.
//!
//! - [`replace`]: a file that takes the place of another, or of nothing, all
//!   at once (exports, the `verified` file, the revisions `manifest --export`
//!   writes). Its bytes go to a temporary file beside it, which is synced,
//!   renamed over the target and then made durable by syncing the directory.
//!   A reader sees the old file or the new one, never a part; a failure
//!   before the rename leaves the old one and no temporary file, and a
//!   failure to sync the directory after it says so (the new file is in
//!   place, not yet durable).
//! - [`write_new`]: a file created whole in a directory no one else uses yet
//!   (a store being built from a bundle), then synced.
//!
//! Both pass the crash points of `crash`, so the crash sweeps interrupt them.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::storage::crash::{self, Op};

/// The temporary name [`replace`] uses beside `path` when the caller has no
/// fixed one: `.NAME.partial-PID`, so that two processes never share one.
pub fn partial_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// Replaces `path` with what `write` writes, through `temporary` (which
/// must be in the same directory): written, synced, renamed, and the
/// directory synced. A failure before the rename removes the temporary
/// file and leaves `path` as it was; a failure to sync the directory after
/// it is an error that says the new file is in place.
pub fn replace(
    path: &Path,
    temporary: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let what = temporary
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let written = (|| {
        crash::point(Op::Create, &what);
        let file = File::create(temporary)?;
        let mut writer = BufWriter::new(CrashPoints {
            file,
            what: what.as_str(),
        });
        write(&mut writer)?;
        let file = writer
            .into_inner()
            .map_err(|error| error.into_error())?
            .file;
        crash::point(Op::Sync, &what);
        file.sync_all()?;
        crash::point(Op::Rename, &what);
        std::fs::rename(temporary, path)
    })();
    if written.is_err() {
        // A full disk or a refused write leaves no half-written file behind.
        let _ = std::fs::remove_file(temporary);
    }
    written?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    crash::point(Op::Sync, "a directory");
    File::open(parent)
        .and_then(|dir| dir.sync_all())
        .map_err(|error| {
            io::Error::new(
                error.kind(),
                format!(
                    "the new file is in place, but its directory could not be synced, so it may not survive a power loss ({error})"
                ),
            )
        })
}

/// Creates `path`, which must not exist, with `bytes`, and syncs it.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let what = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    crash::point(Op::Create, &what);
    let mut file = File::options().write(true).create_new(true).open(path)?;
    crash::write_all(&mut file, bytes, &what)?;
    crash::point(Op::Sync, &what);
    file.sync_all()
}

/// A file whose every write passes a crash point (and may be torn there).
struct CrashPoints<'a> {
    file: File,
    what: &'a str,
}

impl Write for CrashPoints<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        crash::write_all(&mut self.file, bytes, self.what)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}
