//! Lines kept for printing after the store is closed: the first few
//! thousand in memory, the rest in a temporary file with no name. A command
//! that lists a whole store gathers its output under the store's lock and
//! prints it after, so that a reader slow to take its output (a pipe into a
//! loop that runs provdb again) never holds the lock, and its memory stays
//! bounded at any size. And `Runs`: an external merge sort through such a
//! file, for a list too large to sort whole in memory. It names no other
//! module, so any layer may use it.

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
        let (file, made_in) = unnamed_file(self.purpose)?;
        let place = unnamed_place(&made_in);
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
        self.made_in()
            .map_or_else(|| "memory".into(), unnamed_place)
    }

    /// Returns the directory its file was made in (removed at once), if it
    /// has one.
    pub fn made_in(&self) -> Option<&Path> {
        self.spilled
            .as_ref()
            .map(|spilled| spilled.made_in.as_path())
    }
}

/// How many bytes of entries a `Runs` keeps in memory before it moves them
/// all to its file, counting an entry as its key and value and 8 bytes;
/// what the memory holds is about twice that (two vectors an entry, each
/// with its header and the allocator's overhead).
pub const RUNS_HELD_BYTES: usize = 4 << 20;

/// Sorted runs of entries (a key and a value, both bytes) read back as one
/// sequence in order of key (of equal keys, in the order their runs were
/// pushed, then by value): an external merge sort, for a list
/// too large to sort whole in memory that can be gathered a part at a time.
/// Entries stay in memory up to a budget of bytes; past it, every run goes
/// to a private temporary file with no name, and the merge reads each run
/// back through a small buffer of its own, holding a key a run and no value
/// before it gives it out.
#[derive(Debug)]
pub struct Runs {
    purpose: &'static str,
    budget: usize,
    held: Vec<Vec<(Vec<u8>, Vec<u8>)>>,
    held_bytes: usize,
    spilled: Option<SpilledRuns>,
    count: u64,
}

#[derive(Debug)]
struct SpilledRuns {
    made_in: PathBuf,
    writer: io::BufWriter<File>,
    written: u64,
    /// Where each run starts in the file, and its length.
    ranges: Vec<(u64, u64)>,
}

/// The buffer each run of a spilled `Runs` is read back through.
const RUN_BUFFER: usize = 8 << 10;

impl Runs {
    /// Returns an empty set of runs that keeps `RUNS_HELD_BYTES` in memory;
    /// `purpose` is part of its file's directory's name (`provdb-PURPOSE-…`).
    pub fn new(purpose: &'static str) -> Runs {
        Runs::with_budget(purpose, RUNS_HELD_BYTES)
    }

    /// Returns an empty set of runs that keeps `budget` bytes of entries in
    /// memory.
    pub fn with_budget(purpose: &'static str, budget: usize) -> Runs {
        Runs {
            purpose,
            budget,
            held: Vec::new(),
            held_bytes: 0,
            spilled: None,
            count: 0,
        }
    }

    /// Adds a run, in any order: it is sorted here, by key, then value.
    pub fn push_run(&mut self, mut run: Vec<(Vec<u8>, Vec<u8>)>) -> Result<(), SpoolError> {
        if run.is_empty() {
            return Ok(());
        }
        run.sort_unstable();
        self.count += run.len() as u64;
        self.held_bytes += run
            .iter()
            .map(|(key, value)| key.len() + value.len() + 8)
            .sum::<usize>();
        self.held.push(run);
        if self.spilled.is_some() || self.held_bytes > self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// Writes every run held to the file, making it first if need be.
    fn spill(&mut self) -> Result<(), SpoolError> {
        if self.spilled.is_none() {
            let (file, made_in) = unnamed_file(self.purpose)?;
            self.spilled = Some(SpilledRuns {
                made_in,
                writer: io::BufWriter::with_capacity(64 << 10, file),
                written: 0,
                ranges: Vec::new(),
            });
        }
        let place = self.place();
        let failed = |source| SpoolError {
            place: place.clone(),
            source,
        };
        if let Some(spilled) = &mut self.spilled {
            for run in self.held.drain(..) {
                let start = spilled.written;
                for (key, value) in run {
                    for part in [key, value] {
                        let length = u32::try_from(part.len()).map_err(|_| {
                            failed(io::Error::new(
                                io::ErrorKind::InvalidInput,
                                "an entry of 4 GiB or more",
                            ))
                        })?;
                        spilled
                            .writer
                            .write_all(&length.to_le_bytes())
                            .and_then(|()| spilled.writer.write_all(&part))
                            .map_err(failed)?;
                        spilled.written += 4 + part.len() as u64;
                    }
                }
                spilled.ranges.push((start, spilled.written - start));
            }
        }
        self.held = Vec::new();
        self.held_bytes = 0;
        Ok(())
    }

    /// Returns how many entries it holds.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Returns true when it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Returns where its entries are: a temporary file, or this process's
    /// memory.
    pub fn place(&self) -> String {
        self.made_in()
            .map_or_else(|| "memory".into(), unnamed_place)
    }

    /// Returns the directory its file was made in (removed at once), if it
    /// has one.
    pub fn made_in(&self) -> Option<&Path> {
        self.spilled
            .as_ref()
            .map(|spilled| spilled.made_in.as_path())
    }

    /// Returns every entry of every run, in order of key (then of run, then
    /// of value). The
    /// file's buffer is written out first.
    pub fn sorted(&mut self) -> Result<Merged<'_>, SpoolError> {
        let place = self.place();
        let failed = |source| SpoolError {
            place: place.clone(),
            source,
        };
        let mut sources = Vec::new();
        if let Some(spilled) = &mut self.spilled {
            spilled.writer.flush().map_err(failed)?;
            let file = std::sync::Arc::new(spilled.writer.get_ref().try_clone().map_err(failed)?);
            sources.extend(file_sources(&file, &spilled.ranges));
        }
        sources.extend(self.held.iter().map(|run| RunSource::Borrowed {
            entries: run.iter(),
            value: None,
        }));
        Merged::start(place, sources)
    }

    /// Returns every entry of every run, in the order `sorted` gives, as
    /// `sorted` does, keeping the runs: for a merge read over many calls.
    pub fn into_sorted(self) -> Result<Merged<'static>, SpoolError> {
        let place = self.place();
        let failed = |source| SpoolError {
            place: place.clone(),
            source,
        };
        let mut sources = Vec::new();
        if let Some(spilled) = self.spilled {
            let file = spilled
                .writer
                .into_inner()
                .map_err(|error| failed(error.into_error()))?;
            sources.extend(file_sources(&std::sync::Arc::new(file), &spilled.ranges));
        }
        sources.extend(self.held.into_iter().map(|run| RunSource::Owned {
            entries: run.into_iter(),
            value: None,
        }));
        Merged::start(place, sources)
    }
}

/// Returns a source for each run of a spilled file, read through a buffer
/// of its own.
fn file_sources<'a>(file: &std::sync::Arc<File>, ranges: &[(u64, u64)]) -> Vec<RunSource<'a>> {
    ranges
        .iter()
        .map(|&(start, length)| RunSource::File {
            reader: io::BufReader::with_capacity(
                RUN_BUFFER,
                io::Read::take(
                    ReadAt {
                        file: std::sync::Arc::clone(file),
                        at: start,
                    },
                    length,
                ),
            ),
            value_length: None,
        })
        .collect()
}

/// A run's next key, and which run it is: of equal keys, the run pushed
/// first comes first.
type HeadOfRun = (Vec<u8>, usize);

/// One run being read back: its next key read, that key's value not yet
/// (a file's run keeps only the value's length), so that a merge of many
/// runs holds a key a run, whatever their values' size.
#[derive(Debug)]
enum RunSource<'a> {
    Borrowed {
        entries: std::slice::Iter<'a, (Vec<u8>, Vec<u8>)>,
        value: Option<&'a Vec<u8>>,
    },
    Owned {
        entries: std::vec::IntoIter<(Vec<u8>, Vec<u8>)>,
        value: Option<Vec<u8>>,
    },
    File {
        reader: io::BufReader<io::Take<ReadAt<std::sync::Arc<File>>>>,
        value_length: Option<usize>,
    },
}

impl RunSource<'_> {
    /// Returns the run's next key, or None at its end; its value is read by
    /// `take_value`.
    fn next_key(&mut self) -> io::Result<Option<Vec<u8>>> {
        match self {
            RunSource::Borrowed { entries, value } => Ok(entries.next().map(|(key, next)| {
                *value = Some(next);
                key.clone()
            })),
            RunSource::Owned { entries, value } => Ok(entries.next().map(|(key, next)| {
                *value = Some(next);
                key
            })),
            RunSource::File {
                reader,
                value_length,
            } => {
                if reader.fill_buf()?.is_empty() {
                    // The run's end, or the file's before it: the file was
                    // cut short.
                    if reader.get_ref().limit() > 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "a run cut short",
                        ));
                    }
                    return Ok(None);
                }
                let length = part_length(reader)?;
                let mut key = vec![0; length];
                io::Read::read_exact(reader, &mut key)?;
                *value_length = Some(part_length(reader)?);
                Ok(Some(key))
            }
        }
    }

    /// Returns the value of the key `next_key` returned last.
    fn take_value(&mut self) -> io::Result<Vec<u8>> {
        let missing = || io::Error::other("a value asked for before its key");
        match self {
            RunSource::Borrowed { value, .. } => value.take().cloned().ok_or_else(missing),
            RunSource::Owned { value, .. } => value.take().ok_or_else(missing),
            RunSource::File {
                reader,
                value_length,
            } => {
                let mut value = vec![0; value_length.take().ok_or_else(missing)?];
                io::Read::read_exact(reader, &mut value)?;
                Ok(value)
            }
        }
    }
}

/// Reads the length that comes before a key or a value in a run's file,
/// refusing one longer than what the run has left, whatever the bytes say.
fn part_length(
    reader: &mut io::BufReader<io::Take<ReadAt<std::sync::Arc<File>>>>,
) -> io::Result<usize> {
    let mut length = [0u8; 4];
    io::Read::read_exact(reader, &mut length)?;
    let length = u64::from(u32::from_le_bytes(length));
    let left = reader.get_ref().limit() + reader.buffer().len() as u64;
    if length > left {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "an entry longer than its run",
        ));
    }
    Ok(length as usize)
}

/// The entries of a `Runs` in order: the least entry at the head of any run,
/// each time.
#[derive(Debug)]
pub struct Merged<'a> {
    place: String,
    sources: Vec<RunSource<'a>>,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<HeadOfRun>>,
    failed: bool,
}

impl<'a> Merged<'a> {
    /// Returns where its entries are read from (`Runs::place`).
    pub fn place(&self) -> &str {
        &self.place
    }

    /// Returns the merge of `sources`, each run's first entry read.
    fn start(place: String, sources: Vec<RunSource<'a>>) -> Result<Merged<'a>, SpoolError> {
        let mut merged = Merged {
            place,
            sources,
            heap: std::collections::BinaryHeap::new(),
            failed: false,
        };
        for at in 0..merged.sources.len() {
            merged.refill(at)?;
        }
        Ok(merged)
    }

    /// Puts run `at`'s next entry, if it has one, on the heap.
    fn refill(&mut self, at: usize) -> Result<(), SpoolError> {
        let next = self.sources[at].next_key().map_err(|source| SpoolError {
            place: self.place.clone(),
            source,
        })?;
        if let Some(key) = next {
            self.heap.push(std::cmp::Reverse((key, at)));
        }
        Ok(())
    }
}

impl Iterator for Merged<'_> {
    type Item = Result<(Vec<u8>, Vec<u8>), SpoolError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let std::cmp::Reverse((key, at)) = self.heap.pop()?;
        let value = match self.sources[at].take_value() {
            Ok(value) => value,
            Err(source) => {
                self.failed = true;
                return Some(Err(SpoolError {
                    place: self.place.clone(),
                    source,
                }));
            }
        };
        if let Err(error) = self.refill(at) {
            self.failed = true;
            return Some(Err(error));
        }
        Some(Ok((key, value)))
    }
}

/// Returns a new file, open to read and write, made in a private temporary
/// directory that is removed at once, so that the file has no name from the
/// moment it is made; and the directory it was made in, for messages.
fn unnamed_file(purpose: &'static str) -> Result<(File, PathBuf), SpoolError> {
    let dir = PrivateDir::create(purpose).map_err(|source| SpoolError {
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
    // last handle, at its owner's drop or the process's end.
    let made_in = dir.path().to_path_buf();
    drop(dir);
    Ok((file, made_in))
}

/// Returns how messages name a file `unnamed_file` made.
fn unnamed_place(made_in: &Path) -> String {
    format!(
        "a temporary file made in {} and unlinked",
        made_in.display()
    )
}

/// Reads a file from `at` on with positioned reads, leaving the offset its
/// writer shares untouched.
#[derive(Debug)]
struct ReadAt<F> {
    file: F,
    at: u64,
}

impl<F: std::borrow::Borrow<File>> io::Read for ReadAt<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = std::os::unix::fs::FileExt::read_at(self.file.borrow(), buf, self.at)?;
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

    /// Entries from a deterministic generator (xorshift), some keys shared
    /// across runs and some empty, for the merge tests.
    fn some_runs(runs: usize, per_run: usize) -> Vec<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..runs)
            .map(|run| {
                (0..per_run + run % 3)
                    .map(|_| {
                        let word = next();
                        let key: Vec<u8> = (0..word % 5)
                            .map(|at| b'a' + (word >> (8 * at)) as u8 % 3)
                            .collect();
                        let value = (next() % 1000).to_be_bytes().to_vec();
                        (key, value)
                    })
                    .collect()
            })
            .collect()
    }

    /// Returns every entry a merge gives, failing the test on an error.
    fn read_all(merged: Merged<'_>) -> Vec<(Vec<u8>, Vec<u8>)> {
        merged.collect::<Result<_, _>>().expect("read")
    }

    /// Returns what the merge must give: every entry, in order of key; of
    /// equal keys, in the order of their runs, then of value (each run
    /// sorted whole, then all of them, one after another, sorted by key
    /// alone by a stable sort).
    fn sorted_whole(runs: &[Vec<(Vec<u8>, Vec<u8>)>]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut all = Vec::new();
        for run in runs {
            let mut run = run.clone();
            run.sort();
            all.extend(run);
        }
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Runs within the budget merge in memory, with no file, into the order
    /// a sort of every entry at once gives.
    #[test]
    fn runs_held_in_memory_merge_in_key_then_run_order() {
        let given = some_runs(20, 30);
        let mut runs = Runs::with_budget("runs-test", usize::MAX);
        for run in &given {
            runs.push_run(run.clone()).expect("push");
        }
        runs.push_run(Vec::new()).expect("an empty run");
        assert_eq!(runs.place(), "memory");
        let back = read_all(runs.sorted().expect("merge"));
        assert_eq!(runs.len(), back.len() as u64);
        assert_eq!(back, sorted_whole(&given));
        let owned = read_all(runs.into_sorted().expect("merge"));
        assert_eq!(owned, back);
        assert!(Runs::new("runs-test")
            .sorted()
            .expect("empty")
            .next()
            .is_none());
    }

    /// Runs past the budget all go to a file with no name (those pushed
    /// before it was made too) and merge, through a buffer each, into the
    /// same order; more runs than a shard of anything, entries longer than
    /// a run's buffer among them.
    #[test]
    fn runs_past_the_budget_merge_from_a_file_with_no_name() {
        let mut given = some_runs(300, 25);
        given[7].push((vec![b'b'; RUN_BUFFER * 3], vec![7; RUN_BUFFER + 1]));
        given[8].push((vec![b'b'; RUN_BUFFER * 3], vec![]));
        let mut runs = Runs::with_budget("runs-test", 4096);
        for (at, run) in given.iter().enumerate() {
            runs.push_run(run.clone()).expect("push");
            if at == 0 {
                assert_eq!(runs.place(), "memory", "the first run fits the budget");
            }
        }
        let made_in = runs.made_in().expect("spilled").to_path_buf();
        assert!(!made_in.exists(), "{} was left", made_in.display());
        let back = read_all(runs.sorted().expect("merge"));
        assert_eq!(back, sorted_whole(&given));
        // Merged twice: the reads leave the file as it was; and once more
        // by a merge that keeps the runs.
        assert_eq!(runs.sorted().expect("again").count(), back.len());
        let owned = read_all(runs.into_sorted().expect("merge"));
        assert_eq!(owned, back);
    }

    /// A spilled file cut short, even at an entry's end, is an error of
    /// the merge, never a shorter list: the last run is one entry of 11
    /// bytes ("zz" and "1", each after 4 bytes of length), cut off whole.
    #[test]
    fn runs_cut_short_fail_the_merge() {
        let mut runs = Runs::with_budget("runs-test", 0);
        runs.push_run(vec![(b"a".to_vec(), b"0".to_vec())])
            .expect("push");
        runs.push_run(vec![(b"zz".to_vec(), b"1".to_vec())])
            .expect("push");
        assert_eq!(runs.sorted().expect("merge").count(), 2);
        let spilled = runs.spilled.as_ref().expect("spilled");
        assert_eq!(spilled.written, 2 * 4 + 2 + 2 * 4 + 3);
        spilled
            .writer
            .get_ref()
            .set_len(spilled.written - 11)
            .expect("cut");
        let merged: Result<Vec<_>, _> = runs.sorted().and_then(|merged| merged.collect());
        let error = merged.expect_err("cut short");
        assert_eq!(error.source.kind(), io::ErrorKind::UnexpectedEof);
    }
}
