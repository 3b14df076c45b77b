//! `add URL` against a real HTTP server on 127.0.0.1, written here with the
//! standard library: a page served gzip-compressed, redirects (one, and a
//! loop), a 404, a body that never ends, a server that never answers, a
//! charset header that contradicts the page.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

use crate::common::{fixture, TestEnv};

/// Serves each connection on its own thread until the test ends.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    address
}

fn answer(mut stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut user_agent = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("user-agent") {
                user_agent = value.trim().to_string();
            }
        }
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let page = std::fs::read(fixture("khojaly-article-2024-02.html")).expect("page");
    let respond = |stream: &mut TcpStream, head: &str, body: &[u8]| {
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    };
    match path.as_str() {
        "/article" => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(&page).expect("gzip");
            let body = gz.finish().expect("gzip");
            respond(
                &mut stream,
                &format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\nX-Agent-Seen: {user_agent}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                ),
                &body,
            );
        }
        "/old" => respond(
            &mut stream,
            "HTTP/1.1 301 Moved Permanently\r\nLocation: /article\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            b"",
        ),
        "/loop" => respond(
            &mut stream,
            "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            b"",
        ),
        "/latin" => {
            // The header says ISO-8859-1; the page's bytes are that, é = E9.
            let body = b"<html><body><p>Le bilan: 613 victimes, d\xe9clar\xe9 en 1992.</p></body></html>";
            respond(
                &mut stream,
                &format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                ),
                body,
            );
        }
        "/endless" => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n",
            );
            let chunk = vec![b'6'; 64 * 1024];
            while stream.write_all(&chunk).is_ok() {}
        }
        "/silent" => {
            // Never answers: holds the connection until the client leaves.
            let mut buffer = [0u8; 1];
            let _ = std::io::Read::read(&mut stream, &mut buffer);
        }
        _ => respond(
            &mut stream,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
            b"",
        ),
    }
}

#[test]
fn a_page_is_captured_with_its_redirect_and_kept_as_warc_records() {
    let server = serve();
    let env = TestEnv::new();
    let url = format!("{server}/old");
    let added = env.ok(&["--json", "add", &url]).json();
    let capture = &added["capture"];
    assert_eq!(capture["url"], url);
    assert_eq!(capture["final_url"], format!("{server}/article"));
    assert_eq!(capture["status"], 200);
    assert_eq!(capture["redirects"][0]["status"], 301);
    assert_eq!(capture["redirects"][0]["url"], url);
    // The source is the page as served, gzip undone: the fixture's bytes.
    let page = std::fs::read(fixture("khojaly-article-2024-02.html")).expect("page");
    assert_eq!(
        added["id"].as_str().expect("id"),
        provdb::identity::source_id(&page).to_hex().as_str()
    );
    assert_eq!(added["layer"]["extractor"], "provdb-html");
    let id = added["id"].as_str().expect("id").to_string();
    let shown = env.ok(&["--json", "show", &id[..12]]).json();
    assert_eq!(shown["meta"]["url"], format!("{server}/article"));
    assert!(shown["meta"]["retrieved"].is_string(), "{shown}");
    // Quotable as any page is.
    env.ok(&[
        "cite",
        &id[..12],
        "--quote",
        "1,275 residents",
        "--subject",
        "Khojaly, 26 February 1992",
        "--property",
        "captured",
        "--value",
        "1275",
    ]);
    env.ok(&["verify"]);

    // The WARC export: two records per hop, the response still gzip, its
    // digests true, and the user agent the server saw is provdb's.
    let out = env.dir.path().join("captures.warc");
    env.ok(&[
        "export",
        "--format",
        "warc",
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    let bytes = std::fs::read(&out).expect("warc");
    let records = provdb::capture::warc::records(&bytes).expect("records");
    let kinds: Vec<&str> = records
        .iter()
        .map(|record| record.field("WARC-Type").expect("type"))
        .collect();
    assert_eq!(kinds, ["request", "response", "request", "response"]);
    let (status, headers, payload) =
        provdb::capture::warc::http_response(&records[3].block).expect("http");
    assert_eq!(status, 200);
    assert!(headers
        .iter()
        .any(|(name, value)| name.eq_ignore_ascii_case("content-encoding") && value == "gzip"));
    let seen = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("x-agent-seen"))
        .map(|(_, value)| value.clone())
        .expect("the agent the server saw");
    assert!(seen.starts_with("provdb/"), "{seen}");
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(payload), &mut unzipped)
        .expect("gunzip");
    assert_eq!(unzipped, page);
    // SHA-1 of the gzip bytes, base32, worked out here with the sha1 crate
    // the dev build has too: it is what the record states.
    let expected = format!(
        "sha1:{}",
        data_encoding::BASE32.encode(&<sha1::Sha1 as sha1::Digest>::digest(payload))
    );
    assert_eq!(
        records[3].field("WARC-Payload-Digest"),
        Some(expected.as_str())
    );

    // A changed byte in the kept WARC records is damage verify names.
    let warc = capture["warc"].as_str().expect("warc id");
    let path = env.object_path(warc);
    let mut kept = std::fs::read(&path).expect("object");
    let at = kept.len() - 10;
    kept[at] ^= 1;
    std::fs::write(&path, &kept).expect("write");
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("DAMAGED object {warc}")),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_captures_are_refused_with_one_line_and_nothing_kept() {
    let server = serve();
    let env = TestEnv::new();
    env.refused(
        &["add", &format!("{server}/missing")],
        3,
        "the server answered 404",
    );
    env.refused(
        &["add", &format!("{server}/loop")],
        3,
        "redirects more than 10 times (a loop?)",
    );
    env.refused(
        &["add", &format!("{server}/endless"), "--max-size", "100000"],
        3,
        "is over the 100000-byte limit; raise --max-size",
    );
    env.refused(
        &["add", &format!("{server}/silent"), "--timeout", "1"],
        3,
        "did not answer in full within 1 s",
    );
    env.refused(
        &["add", "http://127.0.0.1:1/nothing-listens"],
        3,
        "http://127.0.0.1:1/nothing-listens",
    );
    env.refused(
        &[
            "add",
            &format!("{server}/article"),
            "--ca-file",
            "/nonexistent.pem",
        ],
        2,
        "--ca-file /nonexistent.pem cannot be read",
    );
}

#[test]
fn a_charset_header_is_the_encoding_read() {
    let server = serve();
    let env = TestEnv::new();
    let added = env
        .ok(&["--json", "add", &format!("{server}/latin")])
        .json();
    assert_eq!(added["layer"]["params"]["encoding"], "windows-1252");
    assert_eq!(added["layer"]["params"]["found"], "declared");
    let id = added["id"].as_str().expect("id").to_string();
    env.ok(&[
        "cite",
        &id[..12],
        "--quote",
        "613 victimes, déclaré en 1992",
        "--subject",
        "Khojaly, 26 February 1992",
        "--property",
        "civilians killed",
        "--value",
        "613",
    ]);
    env.ok(&["verify"]);
}

/// An https server on 127.0.0.1 with a certificate it signed itself
/// (rcgen), served by rustls: refused by default, captured with that
/// certificate given as --ca-file.
#[test]
fn a_self_signed_server_is_refused_unless_its_certificate_is_given() {
    use std::sync::Arc;
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("certificate");
    let cert_der = certified.cert.der().clone();
    let key_der = rustls::pki_types::PrivateKeyDer::try_from(certified.signing_key.serialize_der())
        .expect("key");
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .expect("server config"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("https://{}/secure", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = Arc::clone(&config);
            std::thread::spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(connection, stream);
                let mut reader = BufReader::new(&mut tls);
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let body =
                    "<html><body><p>The ECHR decision is dated 22 April 2010.</p></body></html>";
                let _ = write!(
                    tls,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    let env = TestEnv::new();
    env.refused(
        &["add", &address],
        3,
        "the server's certificate is not trusted",
    );
    let pem = env.dir.path().join("ca.pem");
    std::fs::write(&pem, certified.cert.pem()).expect("pem");
    let added = env
        .ok(&[
            "--json",
            "add",
            &address,
            "--ca-file",
            pem.to_str().expect("utf-8"),
        ])
        .json();
    assert_eq!(added["capture"]["final_url"], address);
    let id = added["id"].as_str().expect("id").to_string();
    env.ok(&[
        "cite",
        &id[..12],
        "--quote",
        "decision is dated 22 April 2010",
        "--subject",
        "ECHR decision",
        "--property",
        "date",
        "--value",
        "2010-04-22",
    ]);
    env.ok(&["verify"]);
}

/// Captures travel: exported as WARC from one store, imported into another
/// with their retrieval times; a WARC written as other tools write it (1.0,
/// the body chunked and gzip-encoded as it went over the wire, a 404 beside
/// it) is imported too, and an altered one is refused with nothing kept.
#[test]
fn captures_are_imported_from_warc_files() {
    let server = serve();
    let first = TestEnv::new();
    let added = first
        .ok(&["--json", "add", &format!("{server}/old")])
        .json();
    let out = first.dir.path().join("captures.warc");
    first.ok(&[
        "export",
        "--format",
        "warc",
        "-o",
        out.to_str().expect("utf-8"),
    ]);

    let second = TestEnv::new();
    let imported = second
        .ok(&[
            "--json",
            "import",
            "--format",
            "warc",
            out.to_str().expect("utf-8"),
        ])
        .json();
    let captures = imported["captures"].as_array().expect("captures");
    // The export holds the redirect's 301 and the page's 200: one capture.
    assert_eq!(captures.len(), 1, "{imported}");
    assert_eq!(captures[0]["id"], added["id"]);
    assert_eq!(
        captures[0]["capture"]["retrieved"],
        added["capture"]["retrieved"]
    );
    assert_eq!(captures[0]["capture"]["url"], format!("{server}/article"));
    assert!(imported["skipped"][0]
        .as_str()
        .expect("skipped")
        .contains("status 301"));
    second.ok(&["verify"]);
    let again = second
        .ok(&[
            "--json",
            "import",
            "--format",
            "warc",
            out.to_str().expect("utf-8"),
        ])
        .json();
    assert_eq!(again["captures"].as_array().expect("captures").len(), 0);

    // As a wire-recording tool writes it: WARC/1.0, chunked, gzip.
    let page = "<html><body><p>Resolutions were adopted in 16 U.S. states.</p></body></html>";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(page.as_bytes()).expect("gzip");
    let zipped = gz.finish().expect("gzip");
    let (a, b) = zipped.split_at(zipped.len() / 2);
    let mut payload = Vec::new();
    for part in [a, b] {
        payload.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        payload.extend_from_slice(part);
        payload.extend_from_slice(b"\r\n");
    }
    payload.extend_from_slice(b"0\r\n\r\n");
    let sha1 = |bytes: &[u8]| {
        format!(
            "sha1:{}",
            data_encoding::BASE32.encode(&<sha1::Sha1 as sha1::Digest>::digest(bytes))
        )
    };
    let response = |status: &str, body: &[u8], extra: &str| {
        let mut block =
            format!("HTTP/1.1 {status}\r\nContent-Type: text/html\r\n{extra}\r\n").into_bytes();
        block.extend_from_slice(body);
        block
    };
    let record = |uri: &str, date: &str, block: &[u8], payload: &[u8]| {
        let mut out = format!(
            "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{:08x}-0000-4000-8000-000000000000>\r\nWARC-Date: {date}\r\nWARC-Target-URI: {uri}\r\nContent-Type: application/http; msgtype=response\r\nWARC-Block-Digest: {}\r\nWARC-Payload-Digest: {}\r\nContent-Length: {}\r\n\r\n",
            block.len(),
            sha1(block),
            sha1(payload),
            block.len()
        )
        .into_bytes();
        out.extend_from_slice(block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    };
    let good = response(
        "200 OK",
        &payload,
        "Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n",
    );
    let missing = response("404 Not Found", b"gone", "Content-Length: 4\r\n");
    let mut file = record(
        "https://states.example/resolutions",
        "2024-03-01T12:00:00Z",
        &good,
        &payload,
    );
    file.extend(record(
        "https://states.example/gone",
        "2024-03-01T12:00:05Z",
        &missing,
        b"gone",
    ));
    let path = second.dir.path().join("tool.warc");
    std::fs::write(&path, &file).expect("write");
    let imported = second
        .ok(&[
            "--json",
            "import",
            "--format",
            "warc",
            path.to_str().expect("utf-8"),
        ])
        .json();
    let captures = imported["captures"].as_array().expect("captures");
    assert_eq!(captures.len(), 1, "{imported}");
    assert_eq!(
        captures[0]["id"].as_str().expect("id"),
        provdb::identity::source_id(page.as_bytes())
            .to_hex()
            .as_str()
    );
    assert_eq!(captures[0]["capture"]["retrieved"], "2024-03-01T12:00:00Z");
    assert!(imported["skipped"][0]
        .as_str()
        .expect("skipped")
        .contains("status 404"));
    let id = captures[0]["id"].as_str().expect("id").to_string();
    let shown = second.ok(&["--json", "show", &id[..12]]).json();
    assert_eq!(shown["meta"]["retrieved"], "2024-03-01T12:00:00Z");
    second.ok(&[
        "cite",
        &id[..12],
        "--quote",
        "adopted in 16 U.S. states",
        "--subject",
        "Khojaly resolutions",
        "--property",
        "U.S. states",
        "--value",
        "16",
    ]);
    second.ok(&["verify"]);

    // One byte of the payload changed: its digest no longer holds.
    let mut altered = file.clone();
    let at = altered
        .windows(4)
        .position(|window| window == b"0\r\n\r")
        .expect("last chunk")
        - 3;
    altered[at] ^= 1;
    let bad = second.dir.path().join("altered.warc");
    std::fs::write(&bad, &altered).expect("write");
    second.refused(
        &["import", "--format", "warc", bad.to_str().expect("utf-8")],
        3,
        "does not match its WARC-Block-Digest; the file was altered or damaged",
    );

    // The same records in a WACZ package: its datapackage.json states the
    // SHA-256 of the WARC file (the hash computed by sha2 here; the reader's
    // own test checks sha2 against the FIPS vectors).
    let wacz = |warc: &[u8], stated: &[u8]| {
        let hash = data_encoding::HEXLOWER.encode(&<sha2::Sha256 as sha2::Digest>::digest(stated));
        let package = serde_json::json!({
            "profile": "data-package",
            "wacz_version": "1.1.1",
            "resources": [{"name": "data.warc", "path": "archive/data.warc", "hash": format!("sha256:{hash}"), "bytes": stated.len()}],
        });
        let mut out = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        writer.start_file("archive/data.warc", stored).expect("zip");
        writer.write_all(warc).expect("zip");
        writer.start_file("datapackage.json", stored).expect("zip");
        writer
            .write_all(package.to_string().as_bytes())
            .expect("zip");
        writer.finish().expect("zip");
        out.into_inner()
    };
    let third = TestEnv::new();
    let package = third.dir.path().join("tool.wacz");
    std::fs::write(&package, wacz(&file, &file)).expect("write");
    let imported = third
        .ok(&[
            "--json",
            "import",
            "--format",
            "wacz",
            package.to_str().expect("utf-8"),
        ])
        .json();
    assert_eq!(
        imported["captures"][0]["id"].as_str(),
        Some(id.as_str()),
        "{imported}"
    );
    assert_eq!(
        imported["captures"][0]["capture"]["retrieved"],
        "2024-03-01T12:00:00Z"
    );
    third.ok(&["verify"]);
    // Given as --format warc, a zip is read as a WACZ: the same capture,
    // held already.
    let again = third
        .ok(&[
            "--json",
            "import",
            "--format",
            "warc",
            package.to_str().expect("utf-8"),
        ])
        .json();
    assert_eq!(
        again["captures"].as_array().map(Vec::len),
        Some(0),
        "{again}"
    );
    assert!(
        again["skipped"]
            .as_array()
            .expect("skipped")
            .iter()
            .any(|why| why
                .as_str()
                .is_some_and(|why| why.ends_with("resolutions: imported already"))),
        "{again}"
    );
    // A WARC file that is not the one the package vouches for (its digests
    // rebuilt would not help: the package's SHA-256 is of the original).
    let forged = third.dir.path().join("forged.wacz");
    std::fs::write(&forged, wacz(&altered, &file)).expect("write");
    third.refused(
        &["import", "--format", "wacz", forged.to_str().expect("utf-8")],
        3,
        "archive/data.warc does not match the SHA-256 its package states; the file was altered or damaged",
    );
    third.refused(
        &["import", "--format", "wacz", path.to_str().expect("utf-8")],
        3,
        "is not a WACZ (a WACZ is a zip file); for a WARC file use --format warc",
    );
}

/// A capture line rewritten to state another retrieval time (the chain
/// rebuilt) no longer matches its WARC records: verify names it.
#[test]
fn a_capture_stating_another_time_than_its_records_is_damage() {
    let server = serve();
    let env = TestEnv::new();
    let added = env
        .ok(&["--json", "add", &format!("{server}/article")])
        .json();
    let retrieved = added["capture"]["retrieved"]
        .as_str()
        .expect("time")
        .to_string();
    let journal = env.store.join("journal");
    let text = std::fs::read_to_string(&journal).expect("journal");
    let rewritten = text.replace(
        &format!("\"retrieved\":\"{retrieved}\"}}"),
        "\"retrieved\":\"2020-01-01T00:00:00Z\"}",
    );
    assert_ne!(rewritten, text);
    std::fs::write(&journal, crate::common::rechain(&rewritten)).expect("write");
    env.ok(&["reindex"]);
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("its addresses, redirects or retrieval time are not those its WARC records"),
        "{}",
        run.stdout
    );
}
