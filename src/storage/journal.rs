//! The journal: the append-only, hash-chained record of every change, and the
//! store's source of truth.
//!
//! One JSON object per line. Each line carries `prev`, the BLAKE3 hash of the
//! previous line's bytes (newline included), so any change to an acknowledged
//! line breaks the chain at the next one. A command appends all its entries in
//! one write, marks the last with `"commit":true`, and fsyncs before it reports
//! success. Only this module writes the journal file.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::identity::entry_hash;
use crate::model::{Change, Entry, EntryHash, Origin};
use crate::storage::crash::Op;

/// The longest journal line accepted, in bytes.
pub const MAX_LINE: usize = 1024 * 1024;

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// An I/O call failed.
    #[error("{action} journal {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The journal's path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A complete line is not a valid entry.
    #[error("journal line at byte {offset} is damaged: {why}")]
    Damaged {
        /// Where the line starts.
        offset: u64,
        /// What is wrong.
        why: String,
    },
    /// The journal holds no committed entry.
    #[error("the journal is empty; this store was never initialised")]
    Empty,
    /// An entry would be larger than a line may be.
    #[error("a journal entry would be {size} bytes, over the {MAX_LINE}-byte limit; shorten the note, title or quote")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// The journal was opened read-only (the store cannot be written).
    #[error("the store cannot be written (a read-only mount or no write permission on {path}); copy it somewhere writable to record changes")]
    ReadOnly {
        /// The journal's path.
        path: PathBuf,
    },
}

/// A journal line with where it sits.
#[derive(Debug, Clone)]
pub struct Line {
    /// The byte offset where the line starts.
    pub start: u64,
    /// The line's bytes, newline included.
    pub bytes: Vec<u8>,
}

impl Line {
    /// Returns the offset one past the line's newline.
    pub fn end(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }

    /// Returns the hash the next line must carry as `prev`.
    pub fn hash(&self) -> EntryHash {
        entry_hash(&self.bytes)
    }

    /// Returns the line's leaf hash in the log tree: SHA-256(0x00 ‖ the line with its newline).
    pub fn leaf(&self) -> crate::audit::merkle::Digest {
        self.leaf_in(crate::audit::merkle::LOG_TREE)
    }

    /// Returns the line's leaf hash in a tree of the given hash.
    pub fn leaf_in(&self, hash: crate::audit::merkle::TreeHash) -> crate::audit::merkle::Digest {
        crate::audit::merkle::TreeHasher::leaf(&hash, &self.bytes)
    }

    /// Parses the line as an entry.
    pub fn parse(&self) -> Result<Entry, JournalError> {
        parse_entry(&self.bytes).map_err(|why| JournalError::Damaged {
            offset: self.start,
            why,
        })
    }
}

/// Parses one line (with or without its newline) as an entry.
pub fn parse_entry(bytes: &[u8]) -> Result<Entry, String> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    serde_json::from_slice(body).map_err(|error| format!("not a journal entry ({error})"))
}

/// An entry just appended, with its line's place and hash.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The entry.
    pub entry: Entry,
    /// Its line.
    pub line: Line,
}

/// What opening the journal had to repair after a crash.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Bytes of a torn final line that were cut.
    pub cut_bytes: u64,
    /// Complete entries of an unfinished command that were cut.
    pub dropped_entries: u64,
}

impl Recovery {
    /// Returns true when anything was cut.
    pub fn repaired(&self) -> bool {
        self.cut_bytes > 0
    }
}

/// The open journal, positioned after its last committed entry.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    len: u64,
    last_seq: u64,
    last_hash: EntryHash,
    last_start: u64,
    /// False when opened read-only: appends are refused.
    writable: bool,
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> JournalError + 'a {
    move |source| JournalError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Reads the line that ends at `end` (exclusive, just after its newline).
fn line_ending_at(file: &mut File, end: u64, path: &Path) -> Result<Line, JournalError> {
    // Walk backwards in blocks to the previous newline.
    let mut start = end.saturating_sub(1);
    let mut block = vec![0u8; 8192];
    'search: while start > 0 {
        let block_start = start.saturating_sub(block.len() as u64);
        let length = (start - block_start) as usize;
        file.seek(SeekFrom::Start(block_start))
            .map_err(io_error("seeking", path))?;
        file.read_exact(&mut block[..length])
            .map_err(io_error("reading", path))?;
        for index in (0..length).rev() {
            if block[index] == b'\n' {
                start = block_start + index as u64 + 1;
                break 'search;
            }
        }
        start = block_start;
        if end - start > MAX_LINE as u64 {
            return Err(JournalError::Damaged {
                offset: start,
                why: format!("line longer than {MAX_LINE} bytes"),
            });
        }
    }
    let mut bytes = vec![0u8; (end - start) as usize];
    file.seek(SeekFrom::Start(start))
        .map_err(io_error("seeking", path))?;
    file.read_exact(&mut bytes)
        .map_err(io_error("reading", path))?;
    Ok(Line { start, bytes })
}

/// Where a streamed append is in the file.
struct StreamState<'a> {
    path: &'a Path,
    actor: &'a str,
    time: &'a str,
    prev: EntryHash,
    seq: u64,
    offset: u64,
    last_start: u64,
}

/// The entries one append wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Where the first line starts.
    pub start: u64,
    /// One past the last line's newline.
    pub end: u64,
    /// The first entry's sequence number.
    pub first_seq: u64,
    /// The last entry's sequence number.
    pub last_seq: u64,
}

/// Why a streamed append failed: the input, or the journal.
#[derive(Debug)]
pub enum StreamError<E> {
    /// The iterator yielded an error; nothing was appended.
    Input(E),
    /// Writing failed; nothing was appended.
    Journal(JournalError),
}

/// Serialises one entry as a line and writes it.
fn write_entry(
    writer: &mut impl Write,
    state: &mut StreamState<'_>,
    (change, origin): (Change, Option<Origin>),
    commit: bool,
    on_line: &mut impl FnMut(&Entry, &Line),
) -> Result<(), JournalError> {
    state.seq += 1;
    let entry = Entry {
        seq: state.seq,
        time: state.time.to_string(),
        actor: state.actor.to_string(),
        prev: state.prev,
        commit,
        origin,
        change,
    };
    let mut bytes = serde_json::to_vec(&entry).map_err(|error| JournalError::Damaged {
        offset: state.offset,
        why: format!("entry does not serialise: {error}"),
    })?;
    bytes.push(b'\n');
    if bytes.len() > MAX_LINE {
        return Err(JournalError::TooLarge { size: bytes.len() });
    }
    crate::storage::crash::write_all(writer, &bytes, "journal entry").map_err(|source| {
        JournalError::Io {
            action: "appending to",
            path: state.path.to_path_buf(),
            source,
        }
    })?;
    let line = Line {
        start: state.offset,
        bytes,
    };
    state.prev = line.hash();
    state.last_start = line.start;
    state.offset = line.end();
    on_line(&entry, &line);
    Ok(())
}

impl Journal {
    /// Writes `bytes`, another store's whole journal, as the journal of a
    /// store being built from a bundle (the file must not exist), and syncs
    /// it. Opening it afterwards checks it like any journal.
    pub fn write_imported(path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
        crate::storage::files::write_new(path, bytes).map_err(|source| JournalError::Io {
            action: "writing",
            path: path.to_path_buf(),
            source,
        })
    }

    /// Creates a new journal holding one entry, durably. Fails if the file exists.
    pub fn create(
        path: &Path,
        actor: &str,
        time: &str,
        change: Change,
    ) -> Result<Journal, JournalError> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(path)
            .map_err(io_error("creating", path))?;
        let mut journal = Journal {
            path: path.to_path_buf(),
            file,
            len: 0,
            last_seq: 0,
            last_hash: EntryHash::genesis(),
            last_start: 0,
            writable: true,
        };
        journal.append(actor, time, vec![change])?;
        Ok(journal)
    }

    /// Opens the journal, cutting back a torn final line or an unfinished
    /// command left by a crash, and positions it after the last committed entry.
    pub fn open(path: &Path) -> Result<(Journal, Recovery), JournalError> {
        Self::open_with(path, true)
    }

    /// Opens the journal for reading only, as `open` does but changing
    /// nothing: an unfinished command's tail is left in the file and ignored
    /// (the Recovery says how much). Appending is refused.
    pub fn open_read_only(path: &Path) -> Result<(Journal, Recovery), JournalError> {
        Self::open_with(path, false)
    }

    fn open_with(path: &Path, writable: bool) -> Result<(Journal, Recovery), JournalError> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(writable)
            .open(path)
            .map_err(io_error("opening", path))?;
        let original_len = file
            .metadata()
            .map_err(io_error("reading size of", path))?
            .len();
        let (end, last, dropped) = Self::committed_end(&mut file, original_len, path)?;
        let recovery = Recovery {
            cut_bytes: original_len - end,
            dropped_entries: dropped,
        };
        if end < original_len && writable {
            crate::storage::crash::point(
                Op::Truncate,
                "journal: cutting back an unfinished command",
            );
            file.set_len(end).map_err(io_error("cutting back", path))?;
            crate::storage::crash::point(Op::Sync, "journal after cutting back");
            file.sync_all().map_err(io_error("syncing", path))?;
        }
        let entry = last.parse()?;
        let journal = Journal {
            path: path.to_path_buf(),
            file,
            len: end,
            last_seq: entry.seq,
            last_hash: last.hash(),
            last_start: last.start,
            writable,
        };
        Ok((journal, recovery))
    }

    /// Finds where the committed journal ends without changing the file:
    /// returns that offset, the last committed line, and how many complete but
    /// uncommitted entries lie after it.
    pub fn committed_end(
        file: &mut File,
        len: u64,
        path: &Path,
    ) -> Result<(u64, Line, u64), JournalError> {
        if len == 0 {
            return Err(JournalError::Empty);
        }
        // A final line without its newline was torn by a crash: never acknowledged.
        let mut end = len;
        let mut last_byte = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1))
            .map_err(io_error("seeking", path))?;
        file.read_exact(&mut last_byte)
            .map_err(io_error("reading", path))?;
        if last_byte[0] != b'\n' {
            let torn = line_ending_at(file, len, path)?;
            end = torn.start;
        }
        let mut dropped = 0;
        loop {
            if end == 0 {
                return Err(JournalError::Empty);
            }
            let line = line_ending_at(file, end, path)?;
            match parse_entry(&line.bytes) {
                Ok(entry) if entry.commit => return Ok((end, line, dropped)),
                Ok(_) => {
                    dropped += 1;
                    end = line.start;
                }
                // Zeros written by a crash before the data reached the disk.
                Err(_) if line.bytes.contains(&0) => end = line.start,
                Err(why) => {
                    return Err(JournalError::Damaged {
                        offset: line.start,
                        why,
                    })
                }
            }
        }
    }

    /// Returns the path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the length in bytes of the committed journal.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Returns true when the journal holds no entries (never, once created).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Returns the sequence number of the last entry.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Returns the hash of the last line.
    pub fn last_hash(&self) -> EntryHash {
        self.last_hash
    }

    /// Returns the offset of the last line.
    pub fn last_start(&self) -> u64 {
        self.last_start
    }

    /// Appends one command's changes as consecutive entries, the last marked
    /// `commit`, in one write followed by fsync. On failure the file is cut
    /// back to where it was, so nothing half-written remains.
    pub fn append(
        &mut self,
        actor: &str,
        time: &str,
        changes: Vec<Change>,
    ) -> Result<Vec<Appended>, JournalError> {
        let mut appended = Vec::with_capacity(changes.len());
        let result = self.append_stream(
            actor,
            time,
            changes
                .into_iter()
                .map(Ok::<Change, std::convert::Infallible>),
            |entry, line| {
                appended.push(Appended {
                    entry: entry.clone(),
                    line: line.clone(),
                })
            },
        );
        match result {
            Ok(_) => Ok(appended),
            Err(StreamError::Journal(error)) => Err(error),
            Err(StreamError::Input(never)) => match never {},
        }
    }

    /// Appends the changes an iterator yields, streaming them to the file so
    /// that a batch of any size needs memory for one entry at a time. The last
    /// entry is marked `commit`; then the file is fsynced. If the iterator
    /// yields an error, or a write fails, the file is cut back to where it was
    /// and nothing is acknowledged. `on_line` sees each entry as it is written.
    /// Returns the span written, or None when the iterator yielded nothing.
    pub fn append_stream<E>(
        &mut self,
        actor: &str,
        time: &str,
        changes: impl Iterator<Item = Result<Change, E>>,
        on_line: impl FnMut(&Entry, &Line),
    ) -> Result<Option<Span>, StreamError<E>> {
        self.append_stream_with_origins(
            actor,
            time,
            changes.map(|change| change.map(|change| (change, None))),
            on_line,
        )
    }

    /// Appends changes, each with its origin (`None` for this store's own),
    /// streamed as one command exactly as `append_stream` does.
    pub fn append_stream_with_origins<E>(
        &mut self,
        actor: &str,
        time: &str,
        changes: impl Iterator<Item = Result<(Change, Option<Origin>), E>>,
        mut on_line: impl FnMut(&Entry, &Line),
    ) -> Result<Option<Span>, StreamError<E>> {
        if !self.writable {
            return Err(StreamError::Journal(JournalError::ReadOnly {
                path: self.path.clone(),
            }));
        }
        let before = self.len;
        let path = self.path.clone();
        let mut state = StreamState {
            path: &path,
            actor,
            time,
            prev: self.last_hash,
            seq: self.last_seq,
            offset: self.len,
            last_start: self.last_start,
        };
        let mut writer = io::BufWriter::with_capacity(1024 * 1024, &self.file);
        let mut pending: Option<(Change, Option<Origin>)> = None;
        let mut failure: Option<StreamError<E>> = None;
        for change in changes {
            match change {
                Err(error) => {
                    failure = Some(StreamError::Input(error));
                    break;
                }
                Ok(change) => {
                    if let Some(previous) = pending.replace(change) {
                        if let Err(error) =
                            write_entry(&mut writer, &mut state, previous, false, &mut on_line)
                        {
                            failure = Some(StreamError::Journal(error));
                            break;
                        }
                    }
                }
            }
        }
        if failure.is_none() {
            if let Some(last) = pending.take() {
                if let Err(error) = write_entry(&mut writer, &mut state, last, true, &mut on_line) {
                    failure = Some(StreamError::Journal(error));
                }
            }
        }
        let flushed = match failure {
            Some(_) => Ok(()),
            // Nothing was written: nothing to make durable.
            None if state.offset == before => Ok(()),
            None => writer.flush().and_then(|()| {
                crate::storage::crash::point(Op::Sync, "journal append");
                self.file.sync_data()
            }),
        };
        drop(writer);
        if let Err(source) = flushed {
            failure = Some(StreamError::Journal(JournalError::Io {
                action: "appending to",
                path: self.path.clone(),
                source,
            }));
        }
        if let Some(failure) = failure {
            // Cut back whatever part landed; nothing was acknowledged.
            crate::storage::crash::point(Op::Truncate, "journal: cutting back a failed append");
            let _ = self.file.set_len(before);
            let _ = self.file.sync_all();
            return Err(failure);
        }
        if state.offset == before {
            return Ok(None);
        }
        let span = Span {
            start: before,
            end: state.offset,
            first_seq: self.last_seq + 1,
            last_seq: state.seq,
        };
        self.len = state.offset;
        self.last_seq = state.seq;
        self.last_hash = state.prev;
        self.last_start = state.last_start;
        Ok(Some(span))
    }

    /// Reads the line starting at `start`.
    pub fn line_at(&self, start: u64) -> Result<Line, JournalError> {
        let mut reader = self.lines_from(start)?;
        match reader.next() {
            Some(line) => line,
            None => Err(JournalError::Damaged {
                offset: start,
                why: "no line starts here".into(),
            }),
        }
    }

    /// Returns the first complete line that starts at or after byte `offset`.
    fn line_from(&self, offset: u64) -> Result<Option<Line>, JournalError> {
        if offset >= self.len {
            return Ok(None);
        }
        if offset == 0 {
            return self.lines_from(0)?.next().transpose();
        }
        // Reading from the byte before `offset`, the first piece ends at the
        // first newline at or after it: the line after that starts at or after `offset`.
        let mut lines = self.lines_from(offset - 1)?;
        lines.next().transpose()?;
        lines.next().transpose()
    }

    /// Returns how many entries were recorded at or before `bound`: the
    /// entries before the first one whose time is later. Entries are in
    /// time order (each command stamps its entries with the time it ran),
    /// so this is a binary search over byte offsets: O(log size) lines read.
    pub fn entries_until(&self, bound: &time::OffsetDateTime) -> Result<u64, JournalError> {
        let later = |line: &Line| -> Result<bool, JournalError> {
            let entry = line.parse()?;
            let time = time::OffsetDateTime::parse(
                &entry.time,
                &time::format_description::well_known::Rfc3339,
            )
            .map_err(|error| JournalError::Damaged {
                offset: line.start,
                why: format!("time {:?} is not RFC 3339 ({error})", entry.time),
            })?;
            Ok(time > *bound)
        };
        // The smallest offset whose first line is later than `bound`.
        let (mut low, mut high) = (0u64, self.len);
        while low < high {
            let middle = low + (high - low) / 2;
            match self.line_from(middle)? {
                Some(line) if !later(&line)? => low = line.end(),
                _ => high = middle,
            }
        }
        match self.line_from(low)? {
            Some(line) => Ok(line.parse()?.seq - 1),
            None => Ok(self.last_seq),
        }
    }

    /// Returns an iterator over committed lines from byte `start`.
    pub fn lines_from(&self, start: u64) -> Result<Lines, JournalError> {
        Lines::open(&self.path, start, self.len)
    }
}

/// An iterator over journal lines between two offsets.
#[derive(Debug)]
pub struct Lines {
    reader: BufReader<File>,
    at: u64,
    end: u64,
    path: PathBuf,
}

impl Lines {
    /// Opens the journal at `path` for reading lines from `start` to `end`.
    pub fn open(path: &Path, start: u64, end: u64) -> Result<Lines, JournalError> {
        let mut file = File::open(path).map_err(io_error("opening", path))?;
        file.seek(SeekFrom::Start(start))
            .map_err(io_error("seeking", path))?;
        Ok(Lines {
            reader: BufReader::with_capacity(256 * 1024, file),
            at: start,
            end,
            path: path.to_path_buf(),
        })
    }
}

impl Iterator for Lines {
    type Item = Result<Line, JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.end {
            return None;
        }
        let mut bytes = Vec::new();
        let limit = (MAX_LINE as u64 + 1).min(self.end - self.at);
        let read = (&mut self.reader).take(limit).read_until(b'\n', &mut bytes);
        match read {
            Err(source) => {
                self.at = self.end;
                Some(Err(JournalError::Io {
                    action: "reading",
                    path: self.path.clone(),
                    source,
                }))
            }
            Ok(_) if bytes.last() != Some(&b'\n') => {
                let offset = self.at;
                self.at = self.end;
                Some(Err(JournalError::Damaged {
                    offset,
                    why: "line has no end or is too long".into(),
                }))
            }
            Ok(_) => {
                let line = Line {
                    start: self.at,
                    bytes,
                };
                self.at = line.end();
                Some(Ok(line))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init_change() -> Change {
        Change::Init {
            store: "00".repeat(16),
            format: 1,
        }
    }

    #[test]
    fn chain_links_each_line_to_previous_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal");
        let mut journal =
            Journal::create(&path, "alice", "2026-11-24T10:00:00Z", init_change()).expect("create");
        journal
            .append(
                "bob",
                "2026-11-24T10:00:01Z",
                vec![init_change(), init_change()],
            )
            .expect("append");
        let text = std::fs::read(&path).expect("read");
        let lines: Vec<&[u8]> = text.split_inclusive(|byte| *byte == b'\n').collect();
        assert_eq!(lines.len(), 3);
        let first: Entry = serde_json::from_slice(lines[0]).expect("entry");
        assert_eq!(first.prev, EntryHash::genesis());
        assert!(first.commit);
        let second: Entry = serde_json::from_slice(lines[1]).expect("entry");
        // prev is BLAKE3 over the previous line's bytes, newline included.
        assert_eq!(second.prev.0, *blake3::hash(lines[0]).as_bytes());
        assert!(
            !second.commit,
            "only the last entry of a command commits it"
        );
        let third: Entry = serde_json::from_slice(lines[2]).expect("entry");
        assert_eq!(third.prev.0, *blake3::hash(lines[1]).as_bytes());
        assert_eq!(third.seq, 3);
    }

    #[test]
    fn open_cuts_torn_line_and_unfinished_command() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal");
        let journal =
            Journal::create(&path, "alice", "2026-11-24T10:00:00Z", init_change()).expect("create");
        let committed_len = journal.len();
        drop(journal);
        // An uncommitted complete entry followed by a torn one.
        let mut uncommitted = Entry {
            seq: 2,
            time: "t".into(),
            actor: "a".into(),
            prev: EntryHash::genesis(),
            commit: false,
            origin: None,
            change: init_change(),
        };
        let mut tail = serde_json::to_vec(&uncommitted).expect("json");
        tail.push(b'\n');
        uncommitted.seq = 3;
        let torn = serde_json::to_vec(&uncommitted).expect("json");
        tail.extend_from_slice(&torn[..torn.len() / 2]);
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(&tail).expect("write");
        drop(file);

        let (journal, recovery) = Journal::open(&path).expect("open");
        assert_eq!(recovery.dropped_entries, 1);
        assert_eq!(recovery.cut_bytes, tail.len() as u64);
        assert_eq!(journal.len(), committed_len);
        assert_eq!(std::fs::metadata(&path).expect("meta").len(), committed_len);
        assert_eq!(journal.last_seq(), 1);
    }

    #[test]
    fn damaged_complete_line_is_not_cut() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal");
        drop(
            Journal::create(&path, "alice", "2026-11-24T10:00:00Z", init_change()).expect("create"),
        );
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(b"{\"not\":\"an entry\"}\n").expect("write");
        drop(file);
        let before = std::fs::read(&path).expect("read");
        assert!(matches!(
            Journal::open(&path),
            Err(JournalError::Damaged { .. })
        ));
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "damage is reported, never cut"
        );
    }
}
