//! Running an extractor as a child process within limits: a crash or a
//! hang of the extractor cannot take provdb down. Its input goes in while
//! its output comes out, so neither pipe fills; a watchdog kills it at the
//! time limit, or once its output passes the output limit.

use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What a child that finished within its limits gave.
#[derive(Debug)]
pub struct Finished {
    /// Its standard output.
    pub output: Vec<u8>,
    /// The first 64 KB of its standard error.
    pub errors: String,
    /// How it exited.
    pub status: ExitStatus,
}

impl Finished {
    /// The first line of its standard error that is not blank, at most 200
    /// characters: what a one-line message quotes of it.
    pub fn first_error(&self) -> String {
        self.errors
            .lines()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("no message")
            .trim()
            .chars()
            .take(200)
            .collect()
    }
}

/// Why a child gave nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// It could not be started: the program is not installed.
    Missing,
    /// It could not be started for another reason (no processes left,
    /// not executable…).
    Failed(std::io::ErrorKind),
    /// It was killed at the time limit or the output limit.
    OverLimit,
}

/// Runs `command` with `input` on its standard input (none: closed), and
/// takes at most `max_output` bytes of its output within `time_limit`.
pub fn run(
    mut command: Command,
    input: Option<&[u8]>,
    max_output: usize,
    time_limit: Duration,
) -> Result<Finished, Stopped> {
    let mut child = command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => Stopped::Missing,
            other => Stopped::Failed(other),
        })?;
    let stdin = child.stdin.take();
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(Stopped::Missing);
    };
    let started = Instant::now();
    let too_large = std::sync::atomic::AtomicBool::new(false);
    let (output, errors, status) = std::thread::scope(|scope| {
        if let (Some(mut stdin), Some(input)) = (stdin, input) {
            scope.spawn(move || {
                let _ = stdin.write_all(input);
            });
        }
        // Every warning is read (a full pipe would stall the child); the
        // first 64 KB are kept for the message.
        let errors = scope.spawn(move || {
            let mut kept = Vec::new();
            let mut buffer = [0u8; 8192];
            while let Ok(read) = stderr.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                if kept.len() < 64 * 1024 {
                    kept.extend_from_slice(&buffer[..read]);
                }
            }
            kept
        });
        let too_large = &too_large;
        let reader = scope.spawn(move || {
            let mut output = Vec::new();
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                match stdout.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(read) => {
                        output.extend_from_slice(&buffer[..read]);
                        if output.len() > max_output {
                            too_large.store(true, std::sync::atomic::Ordering::SeqCst);
                            break;
                        }
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            output
        });
        // The watchdog: the child is killed at the time limit, or once its
        // output is over the limit, whether or not it is writing.
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None)
                    if started.elapsed() > time_limit
                        || too_large.load(std::sync::atomic::Ordering::SeqCst) =>
                {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(_) => break None,
            }
        };
        (
            reader.join().unwrap_or_default(),
            errors.join().unwrap_or_default(),
            status,
        )
    });
    let output = (!too_large.into_inner()).then_some(output);
    let (Some(output), Some(status)) = (output, status) else {
        return Err(Stopped::OverLimit);
    };
    Ok(Finished {
        output,
        errors: String::from_utf8_lossy(&errors).into_owned(),
        status,
    })
}
