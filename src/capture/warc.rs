//! WARC 1.1 records (ISO 28500): writing a capture's request and response
//! records, and reading records back (for `verify` and for reading a
//! capture's final body again).
//!
//! A response record's block is the HTTP response head and body as received,
//! the body still content-encoded; the body was read de-chunked, so the head
//! is recorded without `Transfer-Encoding` and with the body's
//! `Content-Length`. `WARC-Block-Digest` and `WARC-Payload-Digest` are SHA-1
//! in base32, as WARC tools write and check them.

use sha1::Digest;

use super::{Exchange, Fetched};

/// One record read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The named fields of the record's header, in order.
    pub fields: Vec<(String, String)>,
    /// The block.
    pub block: Vec<u8>,
    /// Where the record lies in the bytes read, from `WARC/` to the end of
    /// its block.
    pub span: std::ops::Range<usize>,
}

impl Record {
    /// The first field of that name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Why bytes are not WARC records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a WARC file at byte {at}: {why}")]
pub struct WarcError {
    /// Where.
    pub at: usize,
    /// What.
    pub why: String,
}

/// Whether a stated digest (`WARC-Block-Digest`, `WARC-Payload-Digest`) is
/// that of `bytes`: SHA-1 in base32 (any case) is checked; None for an
/// algorithm provdb does not compute or no digest stated.
pub fn digest_holds(stated: Option<&str>, bytes: &[u8]) -> Option<bool> {
    let stated = stated?.trim();
    let (algorithm, value) = stated.split_once(':')?;
    if !algorithm.eq_ignore_ascii_case("sha1") {
        return None;
    }
    Some(sha1_digest(bytes)[5..].eq_ignore_ascii_case(value.trim()))
}

/// SHA-1 in base32, as `sha1:…`.
pub fn sha1_digest(bytes: &[u8]) -> String {
    let digest = sha1::Sha1::digest(bytes);
    format!("sha1:{}", data_encoding::BASE32.encode(&digest))
}

fn record(
    kind: &str,
    url: &str,
    date: &str,
    content_type: &str,
    block: &[u8],
    extra: &[(&str, String)],
) -> Vec<u8> {
    let id = blake3::hash(
        [kind.as_bytes(), url.as_bytes(), date.as_bytes(), block]
            .concat()
            .as_slice(),
    );
    let mut head = format!(
        "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:blake3:{}>\r\nWARC-Date: {date}\r\nWARC-Target-URI: {url}\r\nContent-Type: {content_type}\r\nWARC-Block-Digest: {}\r\n",
        id.to_hex(),
        sha1_digest(block)
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", block.len()));
    let mut out = head.into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// The response head and body as recorded.
fn response_block(exchange: &Exchange) -> Vec<u8> {
    let reason = ureq::http::StatusCode::from_u16(exchange.status)
        .ok()
        .and_then(|status| status.canonical_reason())
        .unwrap_or("");
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", exchange.status);
    for (name, value) in &exchange.headers {
        if name.eq_ignore_ascii_case("transfer-encoding")
            || name.eq_ignore_ascii_case("content-length")
        {
            continue;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", exchange.body.len()));
    let mut block = head.into_bytes();
    block.extend_from_slice(&exchange.body);
    block
}

/// A capture as WARC records: a request and a response record per hop.
pub fn capture_records(fetched: &Fetched) -> Vec<u8> {
    let date = &fetched.retrieved;
    let mut out = Vec::new();
    for exchange in &fetched.exchanges {
        let response = response_block(exchange);
        let response_id = blake3::hash(
            [
                b"response".as_slice(),
                exchange.url.as_bytes(),
                date.as_bytes(),
                &response,
            ]
            .concat()
            .as_slice(),
        );
        out.extend(record(
            "request",
            &exchange.url,
            date,
            "application/http;msgtype=request",
            &exchange.request,
            &[(
                "WARC-Concurrent-To",
                format!("<urn:blake3:{}>", response_id.to_hex()),
            )],
        ));
        out.extend(record(
            "response",
            &exchange.url,
            date,
            "application/http;msgtype=response",
            &response,
            &[("WARC-Payload-Digest", sha1_digest(&exchange.body))],
        ));
    }
    out
}

/// Reads every record of a WARC file (uncompressed).
pub fn records(bytes: &[u8]) -> Result<Vec<Record>, WarcError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        // Blank lines between records.
        if bytes[at..].starts_with(b"\r\n") {
            at += 2;
            continue;
        }
        if bytes[at..].starts_with(b"\n") {
            at += 1;
            continue;
        }
        let fail = |why: &str| WarcError {
            at,
            why: why.to_string(),
        };
        if !bytes[at..].starts_with(b"WARC/") {
            return Err(fail("a record must start with WARC/"));
        }
        let end = find(&bytes[at..], b"\r\n\r\n")
            .ok_or_else(|| fail("a record header without its end"))?;
        let head = std::str::from_utf8(&bytes[at..at + end])
            .map_err(|_| fail("a record header that is not UTF-8"))?;
        let mut fields = Vec::new();
        for line in head.split("\r\n").skip(1) {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| fail("a header line without a colon"))?;
            fields.push((name.trim().to_string(), value.trim().to_string()));
        }
        let length: usize = fields
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.parse().ok())
            .ok_or_else(|| fail("a record without a Content-Length"))?;
        let start = at + end + 4;
        let stop = start
            .checked_add(length)
            .filter(|stop| *stop <= bytes.len())
            .ok_or_else(|| fail("a record longer than the file"))?;
        out.push(Record {
            fields,
            block: bytes[start..stop].to_vec(),
            span: at..stop,
        });
        at = stop;
    }
    Ok(out)
}

/// An HTTP response read from a record: status, headers in order, body.
pub type HttpResponse<'a> = (u16, Vec<(String, String)>, &'a [u8]);

/// Splits an HTTP response block into its status, headers and body.
pub fn http_response(block: &[u8]) -> Option<HttpResponse<'_>> {
    let end = find(block, b"\r\n\r\n")?;
    let head = std::str::from_utf8(&block[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_string(), value.trim().to_string()))
        })
        .collect();
    Some((status, headers, &block[end + 4..]))
}

/// A response's body as the page itself: de-chunked when the recorded head
/// says `Transfer-Encoding: chunked` (tools that record the wire keep it),
/// then gzip undone when it says `Content-Encoding: gzip`. None when the
/// chunks or the gzip do not decode, or the body would pass `limit` bytes.
pub fn page_body(headers: &[(String, String)], payload: &[u8], limit: u64) -> Option<Vec<u8>> {
    let has = |name: &str, token: &str| {
        headers.iter().any(|(key, value)| {
            key.eq_ignore_ascii_case(name) && value.to_ascii_lowercase().contains(token)
        })
    };
    let dechunked;
    let mut body = payload;
    if has("transfer-encoding", "chunked") {
        dechunked = dechunk(payload)?;
        body = &dechunked;
    }
    if has("content-encoding", "gzip") {
        let mut decoded = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(flate2::read::GzDecoder::new(body), limit.saturating_add(1)),
            &mut decoded,
        )
        .ok()?;
        return (decoded.len() as u64 <= limit).then_some(decoded);
    }
    (body.len() as u64 <= limit).then(|| body.to_vec())
}

/// Undoes HTTP/1.1 chunked transfer coding.
fn dechunk(mut bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = find(bytes, b"\r\n")?;
        let size_text = std::str::from_utf8(&bytes[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        bytes = &bytes[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        let chunk = bytes.get(..size)?;
        out.extend_from_slice(chunk);
        bytes = bytes.get(size + 2..)?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_with_their_digests() {
        let exchange = Exchange {
            url: "http://127.0.0.1/a".into(),
            status: 200,
            headers: vec![
                ("Content-Type".into(), "text/html".into()),
                ("Transfer-Encoding".into(), "chunked".into()),
            ],
            body: b"<p>613</p>".to_vec(),
            request: b"GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_vec(),
        };
        let fetched = Fetched {
            exchanges: vec![exchange],
            body: b"<p>613</p>".to_vec(),
            retrieved: "2026-11-30T10:00:00Z".into(),
        };
        let bytes = capture_records(&fetched);
        let read = records(&bytes).expect("records");
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].field("WARC-Type"), Some("request"));
        assert_eq!(read[1].field("WARC-Type"), Some("response"));
        // SHA-1 of "<p>613</p>", base32, computed with Python:
        // base64.b32encode(hashlib.sha1(b"<p>613</p>").digest())
        assert_eq!(
            read[1].field("WARC-Payload-Digest"),
            Some("sha1:4VZFOOTRVYCKCKPW2DDDNX54OBRTKUTR")
        );
        let (status, headers, body) = http_response(&read[1].block).expect("http");
        assert_eq!(status, 200);
        assert_eq!(body, b"<p>613</p>");
        assert!(headers.iter().all(|(name, _)| name != "Transfer-Encoding"));
        assert!(records(b"not warc").is_err());
        // "6\r\n613 ki\r\n6\r\nlled.\n\r\n0\r\n\r\n" is "613 killed.\n" in two chunks.
        let chunked = vec![("Transfer-Encoding".to_string(), "chunked".to_string())];
        assert_eq!(
            page_body(&chunked, b"6\r\n613 ki\r\n6\r\nlled.\n\r\n0\r\n\r\n", 100).as_deref(),
            Some(b"613 killed.\n".as_slice())
        );
        assert_eq!(page_body(&chunked, b"zz\r\n", 100), None);
        assert_eq!(page_body(&[], b"0123456789", 5), None);
        assert!(records(b"WARC/1.1\r\nContent-Length: 99\r\n\r\nshort").is_err());
    }
}
