//! The object store: each source's bytes in one immutable file named by its BLAKE3 hash.
//!
//! `objects/ab/cdef…` holds the bytes whose hash is `abcdef…`, so `b3sum` can
//! check any file with no provdb at all. A new object is streamed into
//! `objects/tmp/`, hashed on the way, fsynced, renamed into place, and its
//! directory fsynced. This module never deletes an object that was there before.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::model::SourceId;
use crate::storage::crash::{self, Op};

/// Why an object operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// An I/O call failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A stored object is missing.
    #[error("object {id} is missing from {path}")]
    Missing {
        /// The source id.
        id: SourceId,
        /// Where it should be.
        path: PathBuf,
    },
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> ObjectError + 'a {
    move |source| ObjectError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Fsyncs a directory so that a rename or creation inside it is durable.
pub fn sync_dir(path: &Path) -> Result<(), ObjectError> {
    crash::point(Op::Sync, "a directory");
    File::open(path)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error("syncing directory", path))
}

/// The `objects/` directory of a store.
#[derive(Debug, Clone)]
pub struct Objects {
    root: PathBuf,
}

/// The result of storing bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The BLAKE3 hash of the bytes.
    pub id: SourceId,
    /// How many bytes.
    pub size: u64,
    /// False when identical bytes were already stored.
    pub created: bool,
    /// Why the bytes cannot be quoted as text, or None when they can.
    pub not_text: Option<String>,
}

impl Objects {
    /// Returns the object store rooted at `root` (the store's `objects/`).
    pub fn new(root: PathBuf) -> Objects {
        Objects { root }
    }

    /// Returns the directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Returns where the object with `id` lives.
    pub fn path_for(&self, id: &SourceId) -> PathBuf {
        let hex = id.to_hex();
        self.root.join(&hex[..2]).join(&hex[2..])
    }

    /// Returns true when the object is present.
    pub fn contains(&self, id: &SourceId) -> bool {
        fs::symlink_metadata(self.path_for(id)).is_ok_and(|meta| meta.is_file())
    }

    /// Streams `reader` into the store and returns its id and size. Identical bytes are stored once.
    ///
    /// An object file already present is kept only if it still hashes to its
    /// name; one that does not (damaged, or left half-written by a crash),
    /// or that is not a regular file, is replaced by these bytes: adding the
    /// right bytes again repairs a damaged object.
    pub fn put_reader(&self, reader: &mut dyn Read) -> Result<Stored, ObjectError> {
        let tmp_path = self.tmp_path()?;
        let result = self.put_via(&tmp_path, reader);
        if result.is_err() || tmp_path.exists() {
            let _ = fs::remove_file(&tmp_path);
        }
        result
    }

    fn put_via(&self, tmp_path: &Path, reader: &mut dyn Read) -> Result<Stored, ObjectError> {
        crash::point(Op::Create, "an incoming object");
        let mut tmp = File::create(tmp_path).map_err(io_error("creating", tmp_path))?;
        let (id, size, not_text) =
            stream_into(reader, &mut tmp, tmp_path, false).map_err(|failed| match failed {
                StreamFailure::Read(source) => ObjectError::Io {
                    action: "reading input for",
                    path: tmp_path.to_path_buf(),
                    source,
                },
                StreamFailure::Store(error) => error,
            })?;
        let final_path = self.path_for(&id);
        if self.holds_intact(&id, &final_path) {
            return Ok(Stored {
                id,
                size,
                created: false,
                not_text,
            });
        }
        crash::point(Op::Sync, "an incoming object");
        tmp.sync_all().map_err(io_error("syncing", tmp_path))?;
        drop(tmp);
        let shard = final_path
            .parent()
            .expect("an object path always has its shard directory as parent");
        let shard_is_new = !shard.exists();
        crash::point(Op::Create, "an object shard directory");
        fs::create_dir_all(shard).map_err(io_error("creating", shard))?;
        if shard_is_new {
            sync_dir(&self.root)?;
        }
        crash::point(Op::Rename, "an object into place");
        fs::rename(tmp_path, &final_path).map_err(io_error("renaming into", &final_path))?;
        sync_dir(shard)?;
        Ok(Stored {
            id,
            size,
            created: true,
            not_text,
        })
    }

    /// True when the object file for `id` is a regular file whose bytes
    /// hash to `id`.
    fn holds_intact(&self, id: &SourceId, path: &Path) -> bool {
        fs::symlink_metadata(path).is_ok_and(|meta| meta.is_file())
            && hash_file(path).is_ok_and(|found| found == *id)
    }

    /// Stores one file for a bulk add, without fsync: the caller makes the
    /// whole batch durable with [`Objects::sync_filesystem`] before recording
    /// it. Small files are read whole and written only if new; large ones are
    /// streamed, hashed on every core. Identical bytes are stored once.
    pub fn put_file_unsynced(&self, path: &Path) -> Result<Stored, PutError> {
        let input = |why: String| PutError::Input {
            path: path.to_path_buf(),
            why,
        };
        let mut file = File::open(path).map_err(|error| input(describe_open_error(&error)))?;
        let metadata = file
            .metadata()
            .map_err(|error| input(format!("cannot read it ({error})")))?;
        if metadata.is_dir() {
            return Err(input("is a directory; give a file".into()));
        }
        if metadata.len() == 0 {
            return Err(input("is empty; there is nothing to record".into()));
        }
        if metadata.len() > SMALL_OBJECT {
            return self.put_large_unsynced(&mut file, path);
        }
        let mut bytes = Vec::with_capacity(metadata.len() as usize);
        file.read_to_end(&mut bytes)
            .map_err(|error| input(format!("cannot read it ({error})")))?;
        if bytes.is_empty() {
            return Err(input("is empty; there is nothing to record".into()));
        }
        let id = SourceId(*blake3::hash(&bytes).as_bytes());
        let size = bytes.len() as u64;
        let not_text = crate::text::plain::not_text(&bytes);
        let final_path = self.path_for(&id);
        if self.holds_intact(&id, &final_path) {
            return Ok(Stored {
                id,
                size,
                created: false,
                not_text,
            });
        }
        let tmp_path = self.tmp_path()?;
        crash::point(Op::Write, "an incoming object");
        let written = fs::write(&tmp_path, &bytes)
            .map_err(io_error("writing", &tmp_path))
            .and_then(|()| self.place(&tmp_path, &final_path));
        if written.is_err() {
            let _ = fs::remove_file(&tmp_path);
        }
        written?;
        Ok(Stored {
            id,
            size,
            created: true,
            not_text,
        })
    }

    fn put_large_unsynced(&self, file: &mut File, path: &Path) -> Result<Stored, PutError> {
        let tmp_path = self.tmp_path()?;
        let result = (|| {
            crash::point(Op::Create, "an incoming object");
            let mut tmp = File::create(&tmp_path).map_err(io_error("creating", &tmp_path))?;
            let (id, size, not_text) =
                stream_into(file, &mut tmp, &tmp_path, true).map_err(|failed| match failed {
                    StreamFailure::Read(error) => PutError::Input {
                        path: path.to_path_buf(),
                        why: format!("cannot read it ({error})"),
                    },
                    StreamFailure::Store(error) => PutError::Object(error),
                })?;
            drop(tmp);
            let final_path = self.path_for(&id);
            if self.holds_intact(&id, &final_path) {
                let _ = fs::remove_file(&tmp_path);
                return Ok(Stored {
                    id,
                    size,
                    created: false,
                    not_text,
                });
            }
            self.place(&tmp_path, &final_path)?;
            Ok(Stored {
                id,
                size,
                created: true,
                not_text,
            })
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp_path);
        }
        result
    }

    /// Returns a fresh path in `objects/tmp/`, creating the directory.
    fn tmp_path(&self) -> Result<PathBuf, ObjectError> {
        let tmp_dir = self.root.join("tmp");
        fs::create_dir_all(&tmp_dir).map_err(io_error("creating", &tmp_dir))?;
        Ok(tmp_dir.join(format!(
            "incoming-{}-{}",
            std::process::id(),
            unique_suffix()
        )))
    }

    /// Renames a written temporary file into its place, creating the shard.
    fn place(&self, tmp_path: &Path, final_path: &Path) -> Result<(), ObjectError> {
        let shard = final_path
            .parent()
            .expect("an object path always has its shard directory as parent");
        crash::point(Op::Create, "an object shard directory");
        fs::create_dir_all(shard).map_err(io_error("creating", shard))?;
        crash::point(Op::Rename, "an object into place");
        fs::rename(tmp_path, final_path).map_err(io_error("renaming into", final_path))
    }

    /// Makes everything written to the store's filesystem durable with one
    /// syncfs(2): file data, new directory entries and renames alike.
    pub fn sync_filesystem(&self) -> Result<(), ObjectError> {
        let dir = File::open(&self.root).map_err(io_error("opening", &self.root))?;
        crash::point(Op::Sync, "the store's filesystem");
        rustix::fs::syncfs(&dir)
            .map_err(|errno| io::Error::from_raw_os_error(errno.raw_os_error()))
            .map_err(io_error("syncing the filesystem of", &self.root))
    }

    /// Removes every file in `objects/tmp/`: bytes a killed command was
    /// still writing. Only under the store's lock, when no command writes.
    pub fn remove_incoming(&self) {
        let tmp_dir = self.root.join("tmp");
        let Ok(entries) = fs::read_dir(&tmp_dir) else {
            return;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|kind| kind.is_file()) {
                crash::point(Op::Remove, "an incoming object left by a killed command");
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Removes an object this command created, when the command fails before recording it.
    pub fn remove_created(&self, id: &SourceId) {
        let path = self.path_for(id);
        crash::point(Op::Remove, "an object this command created");
        if fs::remove_file(&path).is_ok() {
            if let Some(shard) = path.parent() {
                // A shard directory this command made, now empty, goes too
                // (remove_dir refuses one that holds anything).
                if fs::remove_dir(shard).is_ok() {
                    let _ = sync_dir(&self.root);
                } else {
                    let _ = sync_dir(shard);
                }
            }
        }
    }

    /// Returns the bytes of an object.
    pub fn read(&self, id: &SourceId) -> Result<Vec<u8>, ObjectError> {
        let path = self.path_for(id);
        // Read to the length the open saw, then to the end: an object never
        // changes, but a damaged one may, and all of it is read either way.
        let read = open_regular_sized(&path).and_then(|(mut file, length)| {
            // One byte of room past the length, so that the read which
            // finds the end is the second and last. Reserved fallibly: a
            // damaged object claiming an impossible length is an error that
            // names it, never an abort.
            let room = usize::try_from(length)
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            let mut bytes = Vec::new();
            bytes.try_reserve_exact(room).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::OutOfMemory,
                    format!("is {length} bytes, more than this machine can hold in memory"),
                )
            })?;
            bytes.resize(room, 0);
            let mut filled = 0;
            loop {
                if filled == bytes.len() {
                    bytes.resize(filled + 64 * 1024, 0);
                }
                match file.read(&mut bytes[filled..]) {
                    Ok(0) => break,
                    Ok(read) => filled += read,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                }
            }
            bytes.truncate(filled);
            Ok(bytes)
        });
        match read {
            Ok(bytes) => Ok(bytes),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                Err(ObjectError::Missing { id: *id, path })
            }
            Err(source) => Err(ObjectError::Io {
                action: "reading",
                path,
                source,
            }),
        }
    }

    /// Opens an object for streaming.
    pub fn open(&self, id: &SourceId) -> Result<File, ObjectError> {
        let path = self.path_for(id);
        match open_regular(&path) {
            Ok(file) => Ok(file),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                Err(ObjectError::Missing { id: *id, path })
            }
            Err(source) => Err(ObjectError::Io {
                action: "opening",
                path,
                source,
            }),
        }
    }

    /// Returns the BLAKE3 hash of the object's current bytes, streamed.
    pub fn rehash(&self, id: &SourceId) -> Result<SourceId, ObjectError> {
        let path = self.path_for(id);
        hash_file(&path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => ObjectError::Missing {
                id: *id,
                path: path.clone(),
            },
            _ => ObjectError::Io {
                action: "hashing",
                path: path.clone(),
                source,
            },
        })
    }

    /// Returns every file under `objects/` outside `tmp/`, with the id its
    /// path names (None if it names none), in path order.
    pub fn list(&self) -> Result<Vec<(PathBuf, Option<SourceId>)>, ObjectError> {
        let mut out = Vec::new();
        self.list_each(&mut |listed| out.extend(listed.files))?;
        sort_by_path(&mut out, |(path, _)| path);
        Ok(out)
    }

    /// Lists the files of [`Objects::list`] a directory at a time, in no
    /// order, giving each directory's to `each` as soon as it is read.
    pub fn list_each(&self, each: &mut dyn FnMut(Listed)) -> Result<(), ObjectError> {
        let shards = fs::read_dir(&self.root).map_err(io_error("listing", &self.root))?;
        for shard in shards {
            let shard = shard.map_err(io_error("listing", &self.root))?;
            let shard_name = shard.file_name().to_string_lossy().into_owned();
            if shard_name == "tmp" {
                continue;
            }
            let shard_path = shard.path();
            if !shard_path.is_dir() {
                each(Listed {
                    dir: None,
                    files: vec![(shard_path, None)],
                });
                continue;
            }
            let mut files = Vec::new();
            let listing = fs::read_dir(&shard_path).map_err(io_error("listing", &shard_path))?;
            for file in listing {
                let file = file.map_err(io_error("listing", &shard_path))?;
                let name = format!("{shard_name}{}", file.file_name().to_string_lossy());
                files.push((file.path(), name.parse().ok()));
            }
            // A directory that will not open has its files opened by path.
            let flags = rustix::fs::OFlags::RDONLY
                | rustix::fs::OFlags::DIRECTORY
                | rustix::fs::OFlags::CLOEXEC;
            let dir = rustix::fs::open(&shard_path, flags, rustix::fs::Mode::empty())
                .ok()
                .map(|dir| std::sync::Arc::new(File::from(dir)));
            each(Listed { dir, files });
        }
        Ok(())
    }
}

/// The files of one directory under `objects/`, as [`Objects::list_each`]
/// gives them.
#[derive(Debug)]
pub struct Listed {
    /// The directory, open (None for a file directly under `objects/`, or
    /// a directory that would not open): its files are opened relative to
    /// it, which spares the kernel a lookup of every component of each
    /// path (`hash_listed_file`).
    pub dir: Option<std::sync::Arc<File>>,
    /// Each file's path, and the id its path names (None if it names none).
    pub files: Vec<(PathBuf, Option<SourceId>)>,
}

/// [`hash_file_sized`] of a file listed in `dir`: opened by its name
/// relative to the open directory when there is one, by its path when not.
pub fn hash_listed_file(dir: Option<&File>, path: &Path) -> io::Result<(SourceId, u64)> {
    let (Some(dir), Some(name)) = (dir, path.file_name()) else {
        return hash_file_sized(path);
    };
    let flags = rustix::fs::OFlags::RDONLY
        | rustix::fs::OFlags::NOFOLLOW
        | rustix::fs::OFlags::NONBLOCK
        | rustix::fs::OFlags::CLOEXEC;
    let file = match rustix::fs::openat(dir, name, flags, rustix::fs::Mode::empty()) {
        Ok(file) => File::from(file),
        Err(rustix::io::Errno::LOOP) => return Err(symbolic_link()),
        Err(error) => return Err(error.into()),
    };
    let (file, len) = regular_sized(file)?;
    hash_open_sized(file, len)
}

/// Sorts by the path's bytes: for objects' paths (one root, two-character
/// shards) the order of their components, without splitting every path
/// into components at each comparison.
pub fn sort_by_path<T>(items: &mut [T], path: impl Fn(&T) -> &PathBuf) {
    use std::os::unix::ffi::OsStrExt;
    items.sort_unstable_by(|a, b| {
        path(a)
            .as_os_str()
            .as_bytes()
            .cmp(path(b).as_os_str().as_bytes())
    });
}

/// Why streaming into a temporary object file failed.
enum StreamFailure {
    /// The input could not be read.
    Read(io::Error),
    /// The temporary file could not be written.
    Store(ObjectError),
}

/// Copies `reader` into `tmp` in large reads, hashing on the way (on every
/// core when `parallel`, for large inputs), and returns the hash and size.
fn stream_into(
    reader: &mut dyn Read,
    tmp: &mut File,
    tmp_path: &Path,
    parallel: bool,
) -> Result<(SourceId, u64, Option<String>), StreamFailure> {
    let mut hasher = blake3::Hasher::new();
    let mut text = crate::text::plain::PlainTextCheck::new();
    let mut buffer = vec![
        0u8;
        if parallel {
            4 * 1024 * 1024
        } else {
            256 * 1024
        }
    ];
    let mut size = 0u64;
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(StreamFailure::Read(error)),
        };
        if parallel {
            hasher.update_rayon(&buffer[..read]);
        } else {
            hasher.update(&buffer[..read]);
        }
        text.feed(&buffer[..read]);
        crash::write_all(tmp, &buffer[..read], "an incoming object")
            .map_err(|source| StreamFailure::Store(io_error("writing", tmp_path)(source)))?;
        size += read as u64;
    }
    Ok((SourceId(*hasher.finalize().as_bytes()), size, text.finish()))
}

/// How many threads bulk work (storing, hashing, checking lines) uses: one
/// per core, at most 8.
pub fn worker_threads() -> usize {
    std::thread::available_parallelism()
        .map(|count| count.get())
        .unwrap_or(1)
        .clamp(1, 8)
}

/// Files up to this size are read whole by a bulk add and when hashed; larger ones are streamed.
const SMALL_OBJECT: u64 = 1024 * 1024;

/// Why one file of a bulk add could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    /// The input file is unusable: missing, unreadable, a directory, empty.
    #[error("{}: {why}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong, and the fix.
        why: String,
    },
    /// Writing into the store failed.
    #[error(transparent)]
    Object(#[from] ObjectError),
}

/// Says why a file cannot be opened, with the fix.
pub fn describe_open_error(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file; check the path".into(),
        io::ErrorKind::PermissionDenied => "permission denied; make the file readable".into(),
        _ => format!("cannot open it ({error}); make the file readable"),
    }
}

/// Opens a file of the store for reading without following a symbolic link
/// and without blocking on a FIFO, and insists that it is a regular file: an
/// object that is a link to `/dev/zero`, a FIFO or a device would otherwise
/// hang or feed endless bytes to `verify`, `cat` and `export`. Anything else
/// is an error of kind `InvalidData` that names what it is.
pub fn open_regular(path: &Path) -> io::Result<File> {
    open_regular_sized(path).map(|(file, _)| file)
}

/// [`open_regular`], with the file's length when it was opened.
fn open_regular_sized(path: &Path) -> io::Result<(File, u64)> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let opened = fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path);
    let file = match opened {
        Ok(file) => file,
        // ELOOP: the last component is a symbolic link.
        Err(error) if error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Err(symbolic_link())
        }
        Err(error) => return Err(error),
    };
    regular_sized(file)
}

/// The error for an object that is a symbolic link.
fn symbolic_link() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "is a symbolic link, not a regular file",
    )
}

/// The file, with its length, if it is a regular file; an error of kind
/// `InvalidData` naming what it is if not.
fn regular_sized(file: File) -> io::Result<(File, u64)> {
    use std::os::unix::fs::FileTypeExt;
    let metadata = file.metadata()?;
    let kind = metadata.file_type();
    if kind.is_file() {
        return Ok((file, metadata.len()));
    }
    let what = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        format!("is {what}, not a regular file"),
    ))
}

/// Returns the BLAKE3 hash of a file. The file must be a regular file
/// (`open_regular`).
pub fn hash_file(path: &Path) -> io::Result<SourceId> {
    hash_file_sized(path).map(|(id, _)| id)
}

/// Returns the BLAKE3 hash of a file and how many bytes were hashed. The
/// file must be a regular file (`open_regular`).
pub fn hash_file_sized(path: &Path) -> io::Result<(SourceId, u64)> {
    let (file, len) = open_regular_sized(path)?;
    hash_open_sized(file, len)
}

/// Returns the BLAKE3 hash of an open file, read in 4 MiB pieces, each
/// hashed on every core when the file is large. Read, not memory-mapped: a
/// mapped file that shrinks while it is hashed kills the process with
/// SIGBUS, and any file may be changed under a reader.
pub fn hash_open_file(file: File) -> io::Result<SourceId> {
    let len = file.metadata()?.len();
    hash_open_sized(file, len).map(|(id, _)| id)
}

/// Returns the BLAKE3 hash of an open file that was `len` bytes long when
/// opened. A small file is read whole into a buffer kept by the thread, in
/// as few reads as it takes (two: its bytes, then the end), with nothing
/// zeroed per file; bytes it gained since are read and hashed too.
/// Returns the hash and how many bytes were hashed.
fn hash_open_sized(mut file: File, len: u64) -> io::Result<(SourceId, u64)> {
    let mut hasher = blake3::Hasher::new();
    if len > SMALL_OBJECT {
        let mut buffer = vec![0u8; 4 * 1024 * 1024];
        loop {
            let filled = read_full(&mut file, &mut buffer)?;
            if filled == 0 {
                break;
            }
            hasher.update_rayon(&buffer[..filled]);
        }
        return Ok((SourceId(*hasher.finalize().as_bytes()), hasher.count()));
    }
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buffer| {
        // One byte more than the length: a full buffer means the file grew.
        let want = len as usize + 1;
        if buffer.len() < want {
            buffer.resize(want, 0);
        }
        let filled = read_full(&mut file, &mut buffer[..want])?;
        hasher.update(&buffer[..filled]);
        if filled == want {
            hasher.update_reader(&mut file)?;
        }
        Ok((SourceId(*hasher.finalize().as_bytes()), hasher.count()))
    })
}

/// Reads into `buffer` until it is full or the file ends; returns how many
/// bytes were read.
fn read_full(file: &mut File, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// A suffix unique within this process (a counter) and unlikely to repeat
/// across processes (the clock): temporary names never collide between threads.
fn unique_suffix() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    format!("{nanos}-{count}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_under_hash_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let objects = Objects::new(dir.path().join("objects"));
        fs::create_dir_all(objects.root()).expect("mkdir");
        let first = objects.put_reader(&mut &b"abc"[..]).expect("put");
        // BLAKE3("abc"), as printed by `b3sum` and in the BLAKE3 reference README.
        assert_eq!(
            first.id.to_hex(),
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
        );
        assert!(first.created);
        let again = objects.put_reader(&mut &b"abc"[..]).expect("put again");
        assert!(!again.created);
        assert_eq!(fs::read(objects.path_for(&first.id)).expect("read"), b"abc");
        assert!(objects
            .path_for(&first.id)
            .ends_with("64/37b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"));
        assert_eq!(
            fs::read_dir(objects.root().join("tmp"))
                .expect("tmp")
                .count(),
            0,
            "no temp file left"
        );
    }
}
