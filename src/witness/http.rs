//! The witness's HTTP/1.1 face, and the client that submits to one.
//!
//! The server reads one request per connection (`Connection: close`), with
//! bounded sizes and time: a head of at most 16 KiB, a body of at most
//! 64 KiB given by Content-Length, 10 seconds in all to send them (one
//! deadline, not one per read), at most 64 connections at once. It answers `POST <prefix>/add-checkpoint` and
//! `GET <prefix>/<origin hash>/checkpoint`, nothing else. The client's
//! `post` also asks time-stamping authorities for tokens.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Answer, Witness};

/// The most bytes of a request's head.
const MAX_HEAD: usize = 16 * 1024;
/// The most bytes of a request's body (a checkpoint note with 63 proof lines
/// and many signatures is a few KiB).
const MAX_BODY: usize = 64 * 1024;
/// The most connections served at once.
const MAX_CONNECTIONS: usize = 64;
/// How long a client has to send its whole request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing connection is drained.
const LINGER: Duration = Duration::from_secs(2);

/// Reads into `chunk` within what is left before `deadline`; None when the
/// time is up, the peer closed, or the read failed.
fn read_before(stream: &mut TcpStream, chunk: &mut [u8], deadline: Instant) -> Option<usize> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
        return None;
    }
    match stream.read(chunk) {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(n),
    }
}

/// Serves the witness on `listener` until the process ends.
pub fn serve(witness: Arc<Witness>, listener: TcpListener) -> io::Result<()> {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else {
            continue;
        };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            let _ = respond(
                &mut stream,
                &Answer::text(503, "too many connections; try again"),
            );
            continue;
        }
        let witness = Arc::clone(&witness);
        let active = Arc::clone(&active);
        std::thread::spawn(move || {
            let answer = match read_request(&mut stream) {
                Ok((method, path, body)) => route(&witness, &method, &path, &body),
                Err(answer) => answer,
            };
            let _ = respond(&mut stream, &answer);
            linger(&mut stream);
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
    Ok(())
}

fn route(witness: &Witness, method: &str, path: &str, body: &[u8]) -> Answer {
    let path = path.split('?').next().unwrap_or_default();
    if path == "/add-checkpoint" {
        if method != "POST" {
            return Answer::text(405, "add-checkpoint takes POST");
        }
        return witness.add_checkpoint(body);
    }
    if let Some(hash) = path
        .strip_prefix('/')
        .and_then(|rest| rest.strip_suffix("/checkpoint"))
    {
        if method != "GET" {
            return Answer::text(405, "the checkpoint is read with GET");
        }
        return witness.get_checkpoint(hash);
    }
    Answer::text(404, format!("no such endpoint {path:?}"))
}

/// Reads one request: its method, path and body, or the answer refusing it.
fn read_request(stream: &mut TcpStream) -> Result<(String, String, Vec<u8>), Answer> {
    // One deadline for the whole request, however slowly it trickles in.
    let deadline = Instant::now() + READ_TIMEOUT;
    let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut scanned = 0usize;
    let head_end = loop {
        // Only the bytes not searched yet (and the 3 before them).
        let from = scanned.saturating_sub(3);
        if let Some(at) = buffer[from..]
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
        {
            break from + at;
        }
        scanned = buffer.len();
        if buffer.len() > MAX_HEAD {
            return Err(Answer::text(431, "the request head is over 16 KiB"));
        }
        match read_before(stream, &mut chunk, deadline) {
            None => {
                return Err(Answer::text(
                    400,
                    "the request's head did not arrive whole within 10 s",
                ))
            }
            Some(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = std::str::from_utf8(&buffer[..head_end])
        .map_err(|_| Answer::text(400, "the request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Answer::text(
            400,
            "the request line is not METHOD PATH VERSION",
        ));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(Answer::text(505, "only HTTP/1.x is served"));
    }
    let mut length: Option<usize> = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(Answer::text(400, format!("header {line:?} has no colon")));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let parsed = value
                .parse::<usize>()
                .map_err(|_| Answer::text(400, "Content-Length is not a number"))?;
            if length.is_some_and(|known| known != parsed) {
                return Err(Answer::text(400, "two different Content-Length headers"));
            }
            length = Some(parsed);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Answer::text(411, "send the body with a Content-Length"));
        }
    }
    let length = length.unwrap_or(0);
    if length > MAX_BODY {
        return Err(Answer::text(413, "the body is over 64 KiB"));
    }
    let mut body = buffer[head_end + 4..].to_vec();
    if body.len() > length {
        return Err(Answer::text(400, "more bytes than Content-Length says"));
    }
    while body.len() < length {
        match read_before(stream, &mut chunk, deadline) {
            None => {
                return Err(Answer::text(
                    400,
                    "the body is shorter than Content-Length, or did not arrive within 10 s",
                ))
            }
            Some(n) if body.len() + n > length => {
                return Err(Answer::text(400, "more bytes than Content-Length says"))
            }
            Some(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    Ok((method.to_string(), path.to_string(), body))
}

/// Closes the connection without losing the answer: a socket closed with
/// unread bytes (a refused body) is reset, and a reset can discard the
/// answer before the client reads it. So the writing half is shut, and what
/// the client still sends is read and dropped (at most 1 MiB, for at most
/// 2 seconds).
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let deadline = Instant::now() + LINGER;
    let mut sink = [0u8; 8192];
    let mut left = 1024 * 1024usize;
    while left > 0 {
        match read_before(stream, &mut sink, deadline) {
            None => break,
            Some(n) => left = left.saturating_sub(n),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Entity",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Internal Server Error",
    }
}

fn respond(stream: &mut TcpStream, answer: &Answer) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        answer.status,
        reason(answer.status),
        answer.content_type,
        answer.body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(answer.body.as_bytes())?;
    stream.flush()
}

/// What a witness answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The Content-Type.
    pub content_type: String,
    /// The body (at most 64 KiB read).
    pub body: String,
}

/// Posts a request body to `<prefix>/add-checkpoint`, within `timeout`.
pub fn post_add_checkpoint(prefix: &str, body: &str, timeout: Duration) -> Result<Reply, String> {
    let url = format!("{}/add-checkpoint", prefix.trim_end_matches('/'));
    let (status, content_type, bytes) = post(
        &url,
        "text/plain; charset=utf-8",
        body.as_bytes(),
        timeout,
        "--witness-timeout",
    )?;
    let body = String::from_utf8(bytes).map_err(|_| "its answer is not UTF-8 text".to_string())?;
    Ok(Reply {
        status,
        content_type,
        body,
    })
}

/// Posts `body` to `url` within `timeout` (the flag that sets it is named
/// in the error); returns the status, the Content-Type and at most 64 KiB
/// of the answer. Also the client of time-stamping authorities (RFC 3161).
pub fn post(
    url: &str,
    content_type: &str,
    body: &[u8],
    timeout: Duration,
    flag: &str,
) -> Result<(u16, String, Vec<u8>), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into();
    let response = agent
        .post(url)
        .header("Content-Type", content_type)
        .send(body)
        .map_err(|error| match error {
            ureq::Error::Timeout(_) => format!(
                "no answer within {} s ({flag} sets the limit)",
                timeout.as_secs()
            ),
            other => other.to_string(),
        })?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default();
    let bytes = response
        .into_body()
        .into_with_config()
        .limit(MAX_BODY as u64)
        .read_to_vec()
        .map_err(|error| format!("its answer could not be read: {error}"))?;
    Ok((status, content_type, bytes))
}
