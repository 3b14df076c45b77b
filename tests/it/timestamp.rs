//! RFC 3161 time-stamps over signed checkpoints, from a real time-stamping
//! authority on 127.0.0.1: Debian's `openssl ts -reply` behind a small HTTP
//! wrapper written here, with an ECDSA P-256 key and with an RSA key. The
//! tokens are checked by provdb and, independently, by `openssl ts -verify`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;

use crate::common::TestEnv;

fn openssl(args: &[&str], dir: &Path) -> std::process::Output {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (Debian's openssl package; .ci/run installs it)");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A time-stamping authority: its directory, key and certificate, made with
/// openssl (`ec` for P-256, else RSA 2048), and its openssl configuration.
fn authority(dir: &Path, kind: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("dir");
    if kind == "ec" {
        openssl(
            &[
                "ecparam",
                "-genkey",
                "-name",
                "prime256v1",
                "-noout",
                "-out",
                "tsa.key",
            ],
            dir,
        );
    } else {
        openssl(&["genrsa", "-out", "tsa.key", "2048"], dir);
    }
    openssl(
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            "tsa.key",
            "-out",
            "tsa.crt",
            "-days",
            "3650",
            "-subj",
            "/CN=provdb test TSA",
            "-addext",
            "extendedKeyUsage=critical,timeStamping",
            "-addext",
            "keyUsage=critical,digitalSignature",
        ],
        dir,
    );
    std::fs::write(dir.join("serial"), "01\n").expect("serial");
    std::fs::write(
        dir.join("tsa.cnf"),
        "[ tsa ]\ndefault_tsa = tsa_config\n[ tsa_config ]\nserial = ./serial\ncrypto_device = builtin\nsigner_cert = ./tsa.crt\nsigner_key = ./tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\nordering = yes\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
    )
    .expect("config");
    dir.join("tsa.crt")
}

/// Serves `openssl ts -reply` over HTTP on 127.0.0.1 (one request per
/// connection, as long as the test runs), or `garbage` when given.
fn serve_authority(dir: PathBuf, garbage: Option<&'static [u8]>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut request = Vec::new();
            let mut chunk = [0u8; 4096];
            // The head, then the body by its Content-Length.
            let body = loop {
                let n = stream.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break None;
                }
                request.extend_from_slice(&chunk[..n]);
                let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let head = String::from_utf8_lossy(&request[..end]).to_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|n| n.trim().parse().ok())
                    .unwrap_or(0);
                while request.len() < end + 4 + length {
                    let n = stream.read(&mut chunk).unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&chunk[..n]);
                }
                break Some(request[end + 4..].to_vec());
            };
            let Some(body) = body else { continue };
            let reply = match garbage {
                Some(bytes) => bytes.to_vec(),
                None => {
                    std::fs::write(dir.join("request.tsq"), &body).expect("query");
                    openssl(
                        &[
                            "ts",
                            "-reply",
                            "-config",
                            "tsa.cnf",
                            "-queryfile",
                            "request.tsq",
                            "-out",
                            "reply.tsr",
                        ],
                        &dir,
                    );
                    std::fs::read(dir.join("reply.tsr")).expect("reply")
                }
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reply.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&reply);
        }
    });
    url
}

#[test]
#[ignore = "needs Debian's openssl for a real time-stamping authority; .ci/run installs it and runs this"]
fn a_signed_checkpoint_is_time_stamped_and_checked_by_provdb_and_openssl() {
    let others = TestEnv::empty();
    let other_cert = authority(&others.dir.path().join("other-tsa"), "ec");
    for kind in ["ec", "rsa"] {
        // A store per authority: verify --tsa-cert checks every token kept.
        let env = TestEnv::new();
        env.add("khojaly-article-2024-02.txt", &[]);
        let log_key = env.dir.path().join("log.key");
        env.ok(&[
            "key",
            "generate",
            "newsroom.example/provdb",
            "-o",
            log_key.to_str().expect("utf-8"),
        ]);
        let sign = log_key.to_str().expect("utf-8");
        let source = env.add("khojaly-article-2024-05.txt", &[]);
        let (_, citation) = env.cite_captured(&source, "Khojaly");
        let dir = env.dir.path().join(format!("tsa-{kind}"));
        let cert = authority(&dir, kind);
        let url = serve_authority(dir.clone(), None);
        let run = env.ok(&["checkpoint", "--sign", sign, "--tsa", &url]);
        assert!(run.stderr.contains("time-stamped at"), "{}", run.stderr);
        // The token kept beside the note, checked by openssl itself.
        let kept = env.ok(&["--json", "checkpoints"]).json();
        let last = kept["checkpoints"]
            .as_array()
            .expect("list")
            .last()
            .cloned()
            .expect("one");
        let note = last["note"].as_str().expect("note");
        assert_eq!(note, run.stdout);
        let token = base64::engine::general_purpose::STANDARD
            .decode(last["timestamp"].as_str().expect("timestamp"))
            .expect("base64");
        std::fs::write(dir.join("note.txt"), note).expect("note");
        std::fs::write(dir.join("token.der"), &token).expect("token");
        let verified = openssl(
            &[
                "ts",
                "-verify",
                "-data",
                "note.txt",
                "-in",
                "token.der",
                "-token_in",
                "-CAfile",
                "tsa.crt",
            ],
            &dir,
        );
        assert!(
            String::from_utf8_lossy(&verified.stdout).contains("Verification: OK"),
            "{}",
            String::from_utf8_lossy(&verified.stdout)
        );
        // provdb's own check, with the authority's certificate.
        let cert_arg = cert.to_str().expect("utf-8");
        let report = env.ok(&["verify", "--tsa-cert", cert_arg]).stdout;
        assert!(
            report.contains("signed by the authority's certificate given"),
            "{report}"
        );
        // Another authority's certificate does not verify the token.
        let run = env.run(&["verify", "--tsa-cert", other_cert.to_str().expect("utf-8")]);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(
            run.stdout.contains("does not verify with the certificate"),
            "{}",
            run.stdout
        );
        // A receipt carries the token; verify-receipt checks it.
        let receipt = env.ok(&["receipt", &citation]).stdout;
        let file = env.dir.path().join("receipt.json");
        std::fs::write(&file, &receipt).expect("receipt");
        let checked = env
            .ok(&[
                "verify-receipt",
                file.to_str().expect("utf-8"),
                "--tsa-cert",
                cert_arg,
            ])
            .stdout;
        assert!(checked.contains("existed by"), "{checked}");
        // The note changed (a signature line added): the token stamps other
        // data; one byte of the token changed: refused.
        let mut parsed: serde_json::Value = serde_json::from_str(&receipt).expect("json");
        let mut altered = parsed.clone();
        altered["checkpoint"]["note"] = format!("{note}\u{2014} x.example AAAAAAA=\n").into();
        let run = crate::audit::verify_receipt(&env, &altered);
        assert_eq!(run.code, 1, "{}", run.stdout);
        let mut bytes = token.clone();
        let at = bytes.len() - 10;
        bytes[at] ^= 1;
        parsed["checkpoint"]["timestamp"] = base64::engine::general_purpose::STANDARD
            .encode(&bytes)
            .into();
        let file = env.dir.path().join("bad-receipt.json");
        std::fs::write(&file, parsed.to_string()).expect("write");
        let run = env.run(&[
            "verify-receipt",
            file.to_str().expect("utf-8"),
            "--tsa-cert",
            cert_arg,
        ]);
        assert_eq!(run.code, 1, "{}", run.stdout);
    }
    // An authority that answers garbage: the checkpoint is kept signed,
    // without a token, and the command says so and exits 1.
    let env = TestEnv::new();
    let log_key = env.dir.path().join("log.key");
    env.ok(&[
        "key",
        "generate",
        "a.example/log",
        "-o",
        log_key.to_str().expect("utf-8"),
    ]);
    let sign = log_key.to_str().expect("utf-8");
    let url = serve_authority(env.dir.path().to_path_buf(), Some(b"not DER"));
    let run = env.run(&["checkpoint", "--sign", sign, "--tsa", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("gave no token"), "{}", run.stderr);
    env.add("khojaly-article-2024-02.txt", &[]);
    env.refused(
        &["checkpoint", "--sign", sign, "--tsa", "ftp://x"],
        2,
        "not an http",
    );
    env.ok(&["verify"]);
}
