//! Lines kept for printing after the store is closed: the first few
//! thousand in memory, the rest in a temporary file with no name. A command
//! that lists a whole store gathers its output under the store's lock and
//! prints it after, so that a reader slow to take its output (a pipe into a
//! loop that runs provdb again) never holds the lock, and its memory stays
//! bounded at any size. It names no other module, so any layer may use it.

use std::fs::File;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use crate::tempdir::PrivateDir;

/// How many lines a `Spool` keeps in memory before it moves them all to its
/// file.
pub const HELD: usize = 4096;

/// Lines in the order pushed: the first `HELD` in memory; past that, all in
/// a private temporary file that has no name from the moment it is made, so
/// the system frees it when the process ends, however it ends.
#[derive(Debug)]
pub struct Spool {
    purpose: &'static str,
    held: Vec<String>,
    spilled: Option<Spilled>,
    count: u64,
}

#[derive(Debug)]
struct Spilled {
    /// The directory the file was made in, already removed; for messages.
    made_in: PathBuf,
    writer: io::BufWriter<File>,
}

/// Why a `Spool` failed, and where.
#[derive(Debug, thiserror::Error)]
#[error("{place}: {source}")]
pub struct SpoolError {
    /// Where its lines are (`Spool::place`), or the temporary directory it
    /// could not make its file in.
    pub place: String,
    /// What the system said.
    #[source]
    pub source: io::Error,
}

impl Spool {
    /// Returns an empty spool; `purpose` is part of its file's directory's
    /// name (`provdb-PURPOSE-…`).
    pub fn new(purpose: &'static str) -> Spool {
        Spool {
            purpose,
            held: Vec::new(),
            spilled: None,
            count: 0,
        }
    }

    /// Adds a line, without its newline. (A line that holds a newline comes
    /// back from a spilled spool as two, which print the same; a "\r" before
    /// a newline would be lost, and provdb's texts hold none: input refuses
    /// or replaces it.)
    pub fn push(&mut self, line: String) -> Result<(), SpoolError> {
        self.count += 1;
        if self.spilled.is_none() && self.held.len() < HELD {
            self.held.push(line);
            return Ok(());
        }
        if self.spilled.is_none() {
            self.spill()?;
        }
        let place = self.place();
        if let Some(spilled) = &mut self.spilled {
            writeln!(spilled.writer, "{line}").map_err(|source| SpoolError { place, source })?;
        }
        Ok(())
    }

    /// Moves the lines held so far to a new temporary file.
    fn spill(&mut self) -> Result<(), SpoolError> {
        let dir = PrivateDir::create(self.purpose).map_err(|source| SpoolError {
            place: format!(
                "a temporary directory in {}",
                std::env::temp_dir().display()
            ),
            source,
        })?;
        let path = dir.path().join("lines");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| SpoolError {
                place: path.display().to_string(),
                source,
            })?;
        // The file keeps no name: the directory goes now, the file with the
        // last handle, at the spool's drop or the process's end.
        let made_in = dir.path().to_path_buf();
        drop(dir);
        let place = format!(
            "a temporary file made in {} and unlinked",
            made_in.display()
        );
        let mut writer = io::BufWriter::with_capacity(64 << 10, file);
        for line in self.held.drain(..) {
            writeln!(writer, "{line}").map_err(|source| SpoolError {
                place: place.clone(),
                source,
            })?;
        }
        self.held = Vec::new();
        self.spilled = Some(Spilled { made_in, writer });
        Ok(())
    }

    /// Writes out what its file's buffer holds; `lines` reads only what was
    /// written out.
    pub fn finish(&mut self) -> Result<(), SpoolError> {
        let place = self.place();
        match &mut self.spilled {
            Some(spilled) => spilled
                .writer
                .flush()
                .map_err(|source| SpoolError { place, source }),
            None => Ok(()),
        }
    }

    /// Returns how many lines it holds.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Returns true when it holds no line.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Returns its lines in the order pushed (after `finish`).
    pub fn lines(&self) -> Box<dyn Iterator<Item = io::Result<String>> + '_> {
        match &self.spilled {
            Some(spilled) => Box::new(
                io::BufReader::with_capacity(
                    64 << 10,
                    ReadAt {
                        file: spilled.writer.get_ref(),
                        at: 0,
                    },
                )
                .lines(),
            ),
            None => Box::new(self.held.iter().cloned().map(Ok)),
        }
    }

    /// Returns where its lines are: a temporary file, or this process's
    /// memory.
    pub fn place(&self) -> String {
        match &self.spilled {
            Some(spilled) => format!(
                "a temporary file made in {} and unlinked",
                spilled.made_in.display()
            ),
            None => "memory".into(),
        }
    }

    /// Returns the directory its file was made in (removed at once), if it
    /// has one.
    pub fn made_in(&self) -> Option<&Path> {
        self.spilled
            .as_ref()
            .map(|spilled| spilled.made_in.as_path())
    }
}

/// Reads a file from `at` on with positioned reads, leaving the offset its
/// writer shares untouched.
struct ReadAt<'a> {
    file: &'a File,
    at: u64,
}

impl io::Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = std::os::unix::fs::FileExt::read_at(self.file, buf, self.at)?;
        self.at += read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// More lines than a spool holds in memory: all of them move to its
    /// file, in order, and come back as pushed; the file has no name from
    /// the moment it is made, so a process killed while it lives leaves
    /// nothing in the temporary directory.
    #[test]
    fn a_spool_past_what_it_holds_keeps_every_line_in_order_in_a_file_with_no_name() {
        let mut spool = Spool::new("spool-test");
        let lines: Vec<String> = (0..HELD + 10).map(|at| format!("line {at} é")).collect();
        for (at, line) in lines.iter().enumerate() {
            spool.push(line.clone()).expect("push");
            if at + 1 == HELD {
                assert_eq!(spool.place(), "memory", "the first {HELD} are held");
                assert!(spool.made_in().is_none());
            }
        }
        spool.finish().expect("finish");
        let made_in = spool.made_in().expect("spilled").to_path_buf();
        assert!(spool.place().contains(&made_in.display().to_string()));
        assert!(!made_in.exists(), "{} was left", made_in.display());
        let back: Vec<String> = spool.lines().collect::<io::Result<_>>().expect("read back");
        assert_eq!(spool.len(), lines.len() as u64);
        assert_eq!(back, lines);
        // Read twice: the reads leave the file's offset alone.
        assert_eq!(spool.lines().count(), lines.len());
    }

    /// A spool within what it holds never makes a file.
    #[test]
    fn a_small_spool_stays_in_memory() {
        let mut spool = Spool::new("spool-test");
        spool.push("one".into()).expect("push");
        spool.push("two".into()).expect("push");
        spool.finish().expect("finish");
        assert_eq!(spool.place(), "memory");
        let back: Vec<String> = spool.lines().collect::<io::Result<_>>().expect("read");
        assert_eq!(back, ["one", "two"]);
        assert!(!spool.is_empty());
        assert!(Spool::new("spool-test").is_empty());
    }
}
