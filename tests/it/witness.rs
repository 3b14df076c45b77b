//! Signed checkpoints and witnesses (C2SP signed-note, tlog-cosignature,
//! tlog-witness, tlog-policy), with real witness processes on 127.0.0.1.
//! Signatures are also checked here with ed25519-dalek directly, on keys
//! and notes decoded by hand from the specification's formats, not through
//! provdb's note parser.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use base64::Engine;
use provdb::audit::note::{Note, SigningKey, ED25519};

use crate::common::TestEnv;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

/// A witness process; killed (SIGKILL) when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes a key with `provdb key generate`; returns its file and verifier key.
fn key(env: &TestEnv, name: &str, witness: bool) -> (PathBuf, String) {
    let file = env
        .dir
        .path()
        .join(format!("{}.key", name.replace('/', "_")));
    let mut args = vec!["key", "generate", name, "-o", file.to_str().expect("utf-8")];
    if witness {
        args.push("--witness");
    }
    let vkey = env.ok(&args).stdout.trim().to_string();
    (file, vkey)
}

/// Starts `provdb witness serve` on a free port of 127.0.0.1 and waits for
/// the line saying where it listens (no clock involved).
fn serve(env: &TestEnv, key: &Path, logs: &[&str], state: &Path, crash_at: Option<u64>) -> Served {
    let mut command = env.command();
    command.args([
        "witness",
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--key",
        key.to_str().expect("utf-8"),
        "--state",
        state.to_str().expect("utf-8"),
    ]);
    for log in logs {
        command.args(["--log", log]);
    }
    if let Some(at) = crash_at {
        command.env("PROVDB_CRASH_AT", at.to_string());
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn witness");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .filter(|url| url.starts_with("http://"))
        .unwrap_or_else(|| panic!("the witness did not start: {line:?}"))
        .to_string();
    Served { child, url }
}

/// One raw HTTP exchange: (status, content type, body).
fn http(url: &str, method: &str, path: &str, body: &[u8]) -> (u16, String, String) {
    let addr = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write");
    stream.write_all(body).expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status");
    let content_type = head
        .lines()
        .find_map(|line| line.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .to_string();
    (status, content_type, body.to_string())
}

/// An add-checkpoint exchange that may find the witness gone (crash tests).
fn try_add(url: &str, body: &str) -> Option<(u16, String)> {
    let addr = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).ok()?;
    let head = format!(
        "POST /add-checkpoint HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    Some((head.split(' ').nth(1)?.parse().ok()?, body.to_string()))
}

/// Checks a note's signature by a verifier key, decoding both by hand from
/// c2sp.org/signed-note and verifying with ed25519-dalek: for a log key
/// (type 0x01) over the text, for a witness (0x04) over the
/// cosignature/v1 message with the timestamp the signature carries.
fn independently_verified(note: &str, vkey: &str) -> bool {
    use ed25519_dalek::Verifier;
    use sha2::Digest;
    let (text, signatures) = note.rsplit_once("\n\n").expect("blank line");
    let text = format!("{text}\n");
    let mut parts = vkey.splitn(3, '+');
    let (name, id, data) = (
        parts.next().expect("name"),
        parts.next().expect("id"),
        unb64(parts.next().expect("key")),
    );
    let kind = data[0];
    let public: [u8; 32] = data[1..].try_into().expect("32 bytes");
    // key ID = SHA-256(name ‖ "\n" ‖ type ‖ key)[:4], as the vkey states it.
    let mut hasher = sha2::Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([kind]);
    hasher.update(public);
    let digest = hasher.finalize();
    assert_eq!(
        id,
        digest[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let key = ed25519_dalek::VerifyingKey::from_bytes(&public).expect("point");
    signatures.lines().any(|line| {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return false;
        };
        let (signer, data) = rest.split_once(' ').expect("name and signature");
        let data = unb64(data);
        if signer != name || data[..4] != digest[..4] {
            return false;
        }
        let (message, signature) = if kind == 0x01 {
            (text.clone().into_bytes(), &data[4..])
        } else {
            let time = u64::from_be_bytes(data[4..12].try_into().expect("8 bytes"));
            (
                format!("cosignature/v1\ntime {time}\n{text}").into_bytes(),
                &data[12..],
            )
        };
        let signature = ed25519_dalek::Signature::from_slice(signature).expect("64 bytes");
        key.verify(&message, &signature).is_ok()
    })
}

struct Witnessed {
    env: TestEnv,
    log_key: PathBuf,
    log_vkey: String,
    policy: PathBuf,
    witnesses: Vec<(Served, String, PathBuf)>,
}

/// A store, a log key, `n` witnesses and a policy with `quorum` over them.
fn witnessed(n: usize, quorum: &str) -> Witnessed {
    let env = TestEnv::new();
    env.add("khojaly-article-2024-02.txt", &[]);
    let (log_key, log_vkey) = key(&env, "newsroom.example/provdb", false);
    let mut witnesses = Vec::new();
    let mut policy = format!("# the newsroom's log\nlog {log_vkey}\n");
    for i in 1..=n {
        let (file, vkey) = key(&env, &format!("w{i}.example"), true);
        let state = env.dir.path().join(format!("w{i}-state"));
        let served = serve(&env, &file, &[&log_vkey], &state, None);
        policy.push_str(&format!("witness W{i} {vkey} {}\n", served.url));
        witnesses.push((served, vkey, state));
    }
    policy.push_str(quorum);
    let path = env.dir.path().join("newsroom.policy");
    std::fs::write(&path, policy).expect("policy");
    Witnessed {
        env,
        log_key,
        log_vkey,
        policy: path,
        witnesses,
    }
}

impl Witnessed {
    fn checkpoint(&self) -> crate::common::Run {
        self.env.run(&[
            "checkpoint",
            "--sign",
            self.log_key.to_str().expect("utf-8"),
            "--policy",
            self.policy.to_str().expect("utf-8"),
        ])
    }
}

#[test]
fn a_signed_checkpoint_is_cosigned_by_a_quorum_and_verified_under_the_policy() {
    let mut w = witnessed(3, "group two 2 W1 W2 W3\nquorum two\n");
    let run = w.checkpoint();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("quorum two met: cosigned by W1, W2, W3"),
        "{}",
        run.stderr
    );
    // The note: the body, then the log's signature and three cosignatures,
    // each checked here without provdb's note code.
    let note = run.stdout.clone();
    let journal = std::fs::read(w.env.store.join("journal")).expect("journal");
    let lines: Vec<&[u8]> = journal.split_inclusive(|b| *b == b'\n').collect();
    assert!(note.starts_with(&format!(
        "newsroom.example/provdb\n{}\n{}\n\n",
        lines.len(),
        crate::audit::b64(&crate::audit::mth(&lines))
    )));
    assert!(independently_verified(&note, &w.log_vkey));
    for (_, vkey, _) in &w.witnesses {
        assert!(independently_verified(&note, vkey), "{vkey}");
    }
    // A changed byte of the body breaks the log's signature.
    let forged = note.replacen("newsroom.example/provdb\n", "newsroom.example/provdb\n1", 1);
    assert!(!independently_verified(&forged, &w.log_vkey));
    let report = w.env.ok(&["verify"]).stdout;
    assert!(report.contains("1 signed checkpoint"), "{report}");

    // A citation, a new checkpoint (each witness gets a consistency proof
    // from the size it cosigned), a receipt verified under the policy.
    let source = w.env.add("khojaly-article-2024-05.txt", &[]);
    let (_, citation) = w.env.cite_captured(&source, "Khojaly");
    assert_eq!(w.checkpoint().code, 0);
    let receipt = w.env.ok(&["receipt", &citation]).stdout;
    let file = w.env.dir.path().join("receipt.json");
    std::fs::write(&file, &receipt).expect("write");
    let policy = w.policy.to_str().expect("utf-8");
    let checked = w
        .env
        .ok(&[
            "verify-receipt",
            file.to_str().expect("utf-8"),
            "--policy",
            policy,
        ])
        .stdout;
    assert!(checked.contains("quorum two met"), "{checked}");
    assert!(checked.contains("cosigned by W1 at"), "{checked}");
    // The receipt carries the citation's line as a C2SP tlog-proof; changed,
    // it no longer says what the entry says.
    let mut parsed: serde_json::Value = serde_json::from_str(&receipt).expect("json");
    let tlog = parsed["tlog_proof"]
        .as_str()
        .expect("tlog_proof")
        .to_string();
    assert!(tlog.starts_with("c2sp.org/tlog-proof@v1\nextra "), "{tlog}");
    parsed["tlog_proof"] = tlog.replacen("\nindex ", "\nindex 1", 1).into();
    let run = crate::audit::verify_receipt(&w.env, &parsed);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("FAILED at the tlog proof link"),
        "{}",
        run.stdout
    );
    // A malformed note (no signature lines) is refused as the checkpoint
    // link, with or without a policy.
    let mut malformed: serde_json::Value = serde_json::from_str(&receipt).expect("json");
    let body = malformed["checkpoint"]["note"]
        .as_str()
        .expect("note")
        .split("\n\n")
        .next()
        .expect("body")
        .to_string();
    malformed["checkpoint"]["note"] = format!("{body}\n").into();
    malformed
        .as_object_mut()
        .expect("object")
        .remove("tlog_proof");
    let run = crate::audit::verify_receipt(&w.env, &malformed);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("FAILED at the checkpoint link: not a signed note"),
        "{}",
        run.stdout
    );
    // The same line's proof as a standalone tlog-proof file: its extra is
    // the journal line, its leaf SHA-256(0x00 ‖ extra), computed here.
    let text = w
        .env
        .ok(&["prove", &citation, "--format", "tlog-proof"])
        .stdout;
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("c2sp.org/tlog-proof@v1"));
    let extra = unb64(lines.next().expect("extra").trim_start_matches("extra "));
    let journal = std::fs::read(w.env.store.join("journal")).expect("journal");
    let index: usize = lines
        .next()
        .expect("index")
        .trim_start_matches("index ")
        .parse()
        .expect("index");
    assert_eq!(
        journal
            .split_inclusive(|b| *b == b'\n')
            .nth(index)
            .expect("line"),
        extra.as_slice()
    );
    let tlog_file = w.env.dir.path().join("entry.tlog-proof");
    std::fs::write(&tlog_file, &text).expect("write");
    let checked = w
        .env
        .ok(&[
            "verify-proof",
            tlog_file.to_str().expect("utf-8"),
            "--policy",
            policy,
        ])
        .stdout;
    assert!(checked.contains("quorum two met"), "{checked}");
    std::fs::write(
        &tlog_file,
        text.replacen(
            &format!("index {index}"),
            &format!("index {}", index + 1),
            1,
        ),
    )
    .expect("write");
    assert_eq!(
        w.env
            .run(&[
                "verify-proof",
                tlog_file.to_str().expect("utf-8"),
                "--policy",
                policy
            ])
            .code,
        1
    );
    // Without the policy, the output says the signatures were not checked.
    let unchecked = w
        .env
        .ok(&["verify-receipt", file.to_str().expect("utf-8")])
        .stdout;
    assert!(
        unchecked.contains("signatures were not checked"),
        "{unchecked}"
    );

    // One witness down: two of three still cosign, the quorum holds.
    drop(w.witnesses.pop());
    w.env.add("regional-survey-1993.txt", &[]);
    let run = w.checkpoint();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("W3"), "{}", run.stderr);
    assert!(run.stderr.contains("did not cosign"), "{}", run.stderr);
    // Two down: kept, signed, but the quorum is not met (exit 1), and a
    // proof against it fails under the policy.
    drop(w.witnesses.pop());
    w.env.add("relief-agency-note-1992.txt", &[]);
    let run = w.checkpoint();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the quorum two is not met: cosigned by 1"),
        "{}",
        run.stderr
    );
    let proof = w.env.ok(&["prove", &citation]).stdout;
    let file = w.env.dir.path().join("proof.json");
    std::fs::write(&file, proof).expect("write");
    let run = w.env.run(&[
        "verify-proof",
        file.to_str().expect("utf-8"),
        "--policy",
        policy,
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("quorum two is not met"),
        "{}",
        run.stdout
    );
    w.env.ok(&["verify"]);
}

#[test]
fn a_witness_refuses_a_split_view_and_a_rollback() {
    let w = witnessed(1, "quorum W1\n");
    // A copy of the store, taken now, will grow differently.
    let copy = w.env.dir.path().join("copy");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&w.env.store)
        .arg(&copy)
        .status()
        .expect("cp");
    assert!(status.success());
    assert_eq!(w.checkpoint().code, 0);
    w.env.add("khojaly-article-2024-05.txt", &[]);
    assert_eq!(w.checkpoint().code, 0);
    // The copy, grown by another entry to the same size, is another history.
    let run = |args: &[&str]| {
        let mut command = w.env.command();
        command.env("PROVDB_DIR", &copy);
        command.args(args).output().expect("run")
    };
    let added = run(&[
        "add",
        crate::common::fixture("regional-survey-1993.txt")
            .to_str()
            .expect("utf-8"),
    ]);
    assert!(added.status.success());
    let split = run(&[
        "checkpoint",
        "--sign",
        w.log_key.to_str().expect("utf-8"),
        "--policy",
        w.policy.to_str().expect("utf-8"),
    ]);
    let stderr = String::from_utf8_lossy(&split.stderr);
    assert_eq!(split.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("inconsistent with the one of size"),
        "{stderr}"
    );
    assert!(stderr.contains("another history"), "{stderr}");
    // The copy as it was (smaller than what the witness holds): a rollback.
    let small = w.env.dir.path().join("small");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&copy)
        .arg(&small)
        .status()
        .expect("cp");
    assert!(status.success());
    // Cut the copy's journal back to its first two lines (a log of size 2).
    let journal = std::fs::read_to_string(small.join("journal")).expect("journal");
    let kept: String = journal.split_inclusive('\n').take(2).collect();
    std::fs::write(small.join("journal"), kept).expect("cut");
    std::fs::remove_dir_all(small.join("index")).expect("index");
    std::fs::remove_file(small.join("checkpoints")).expect("checkpoints");
    let mut command = w.env.command();
    command.env("PROVDB_DIR", &small).args([
        "checkpoint",
        "--sign",
        w.log_key.to_str().expect("utf-8"),
        "--policy",
        w.policy.to_str().expect("utf-8"),
    ]);
    let rollback = command.output().expect("run");
    let stderr = String::from_utf8_lossy(&rollback.stderr);
    assert_eq!(rollback.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("larger than this log's 2"), "{stderr}");
    // The witness still holds the newsroom's history.
    let origin_hash: String = {
        use sha2::Digest;
        sha2::Sha256::digest(b"newsroom.example/provdb")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let (status, _, body) = http(
        &w.witnesses[0].0.url,
        "GET",
        &format!("/{origin_hash}/checkpoint"),
        b"",
    );
    assert_eq!(status, 200);
    let head = w.env.ok(&["--json", "checkpoints"]).json();
    let last = head["checkpoints"]
        .as_array()
        .expect("list")
        .last()
        .cloned()
        .expect("one");
    assert!(
        body.starts_with(last["text"].as_str().expect("text")),
        "{body}"
    );
}

/// A note of `size` and `root` signed by `key`.
fn signed(key: &SigningKey, size: u64, root: &[u8; 32]) -> String {
    let text = format!("{}\n{size}\n{}\n", key.name, b64(root));
    Note {
        signatures: vec![key.sign(&text, 0)],
        text,
    }
    .text_with_signatures()
}

/// RFC 6962 with SHA-256 over leaves "0", "1", …: (root of n, leaves).
fn tree(n: u64) -> ([u8; 32], provdb::audit::merkle::MemoryTree) {
    use provdb::audit::merkle::{MemoryTree, TreeHasher, LOG_TREE};
    let tree = MemoryTree {
        leaves: (0..n)
            .map(|i| LOG_TREE.leaf(i.to_string().as_bytes()))
            .collect(),
    };
    (tree.root(&LOG_TREE, n), tree)
}

fn consistency(old: u64, new: u64) -> Vec<[u8; 32]> {
    use provdb::audit::merkle::{consistency_proof, LOG_TREE};
    let (_, tree) = tree(new);
    let mut source = tree.subtree();
    match consistency_proof(&LOG_TREE, old, new, &mut source) {
        Ok(path) => path,
        Err(never) => match never {},
    }
}

fn request(old: u64, proof: &[[u8; 32]], note: &str) -> String {
    provdb::witness::AddCheckpoint {
        old,
        proof: proof.to_vec(),
        note: note.to_string(),
    }
    .body()
}

#[test]
fn a_witness_answers_each_bad_request_as_the_protocol_says() {
    let env = TestEnv::empty();
    let log = SigningKey::from_seed("log.example/a", ED25519, [3; 32]).expect("key");
    let other_log = SigningKey::from_seed("log.example/b", ED25519, [4; 32]).expect("key");
    let impostor = SigningKey::from_seed("log.example/a", ED25519, [5; 32]).expect("key");
    let empty_start = SigningKey::from_seed("log.example/c", ED25519, [6; 32]).expect("key");
    let (witness_key, witness_vkey) = key(&env, "w.example", true);
    let served = serve(
        &env,
        &witness_key,
        &[&log.verifier().text(), &empty_start.verifier().text()],
        &env.dir.path().join("state"),
        None,
    );
    // A second witness on the same state directory is refused.
    let second = env.run(&[
        "witness",
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--key",
        witness_key.to_str().expect("utf-8"),
        "--log",
        &log.verifier().text(),
        "--state",
        env.dir.path().join("state").to_str().expect("utf-8"),
    ]);
    assert_eq!(second.code, 3, "{}", second.stderr);
    assert!(
        second.stderr.contains("another witness serves"),
        "{}",
        second.stderr
    );
    let url = &served.url;
    let add = |body: &str| http(url, "POST", "/add-checkpoint", body.as_bytes());
    let (root4, _) = tree(4);
    let (root6, _) = tree(6);
    // Not a request at all.
    assert_eq!(add("hello").0, 400);
    assert_eq!(add(&format!("old x\n\n{}", signed(&log, 4, &root4))).0, 400);
    // An origin it does not know.
    assert_eq!(add(&request(0, &[], &signed(&other_log, 4, &root4))).0, 404);
    // The right origin, another key's signature (same name, other key id).
    assert_eq!(add(&request(0, &[], &signed(&impostor, 4, &root4))).0, 403);
    // A signature line of the log's key whose bytes do not verify.
    let good = signed(&log, 4, &root4);
    let mut bad_sig = good.clone();
    let at = bad_sig.len() - 6;
    bad_sig.replace_range(at..at + 1, if &good[at..at + 1] == "A" { "B" } else { "A" });
    assert_eq!(add(&request(0, &[], &bad_sig)).0, 403);
    // Old size larger than the checkpoint's.
    assert_eq!(add(&request(5, &[], &good)).0, 400);
    // A proof from size 0.
    assert_eq!(add(&request(0, &[root4], &good)).0, 422);
    // The first checkpoint: cosigned, and the cosignature verifies.
    let (status, _, body) = add(&request(0, &[], &good));
    assert_eq!(status, 200, "{body}");
    assert!(independently_verified(
        &format!("{good}{body}"),
        &witness_vkey
    ));
    // The wrong old size: 409 with the size held, as text/x.tlog.size.
    let next = signed(&log, 6, &root6);
    let (status, content_type, body) = add(&request(0, &[], &next));
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (409, "text/x.tlog.size", "4\n")
    );
    // A proof that does not lead from 4 to 6.
    let mut wrong = consistency(4, 6);
    wrong[0][0] ^= 1;
    assert_eq!(add(&request(4, &wrong, &next)).0, 422);
    // Another root at the size it holds.
    let (root4b, _) = {
        use provdb::audit::merkle::{MemoryTree, TreeHasher, LOG_TREE};
        let t = MemoryTree {
            leaves: (0..4u64)
                .map(|i| LOG_TREE.leaf(format!("x{i}").as_bytes()))
                .collect(),
        };
        (t.root(&LOG_TREE, 4), ())
    };
    assert_eq!(add(&request(4, &[], &signed(&log, 4, &root4b))).0, 422);
    // The right proof: cosigned.
    assert_eq!(add(&request(4, &consistency(4, 6), &next)).0, 200);
    // A rollback to size 4 after 6: its old size cannot be 6 (400), and
    // any other is not what the witness holds (409).
    assert_eq!(add(&request(6, &[], &good)).0, 400);
    assert_eq!(add(&request(4, &[], &good)).0, 409);
    // A log cosigned at size 0 (the empty tree: SHA-256 of nothing) goes on
    // from it with no proof, as from nothing.
    let empty: [u8; 32] = {
        use sha2::Digest;
        sha2::Sha256::digest(b"").into()
    };
    assert_eq!(
        add(&request(0, &[], &signed(&empty_start, 0, &[7; 32]))).0,
        422
    );
    assert_eq!(
        add(&request(0, &[], &signed(&empty_start, 0, &empty))).0,
        200
    );
    assert_eq!(
        add(&request(0, &[], &signed(&empty_start, 4, &root4))).0,
        200
    );
    // Other endpoints, methods and sizes.
    assert_eq!(http(url, "GET", "/add-checkpoint", b"").0, 405);
    assert_eq!(http(url, "GET", "/nothing", b"").0, 404);
    assert_eq!(
        http(url, "POST", "/add-checkpoint", &vec![b'a'; 70_000]).0,
        413
    );
    let unknown_hash = "0".repeat(64);
    assert_eq!(
        http(url, "GET", &format!("/{unknown_hash}/checkpoint"), b"").0,
        404
    );
}

#[test]
fn a_witness_killed_at_any_write_never_cosigns_two_roots_for_one_size() {
    let env = TestEnv::empty();
    let log = SigningKey::from_seed("log.example/a", ED25519, [3; 32]).expect("key");
    let (witness_key, _) = key(&env, "w.example", true);
    let logs = [log.verifier().text()];
    let logs: Vec<&str> = logs.iter().map(String::as_str).collect();
    let (root4, _) = tree(4);
    let (other4, _) = {
        use provdb::audit::merkle::{MemoryTree, TreeHasher, LOG_TREE};
        let t = MemoryTree {
            leaves: (0..4u64)
                .map(|i| LOG_TREE.leaf(format!("y{i}").as_bytes()))
                .collect(),
        };
        (t.root(&LOG_TREE, 4), ())
    };
    let first = request(0, &[], &signed(&log, 4, &root4));
    let rival = request(0, &[], &signed(&log, 4, &other4));
    let mut crashed = 0;
    for at in 1.. {
        let state = env.dir.path().join(format!("state-{at}"));
        let served = serve(&env, &witness_key, &logs, &state, Some(at));
        let answer = try_add(&served.url, &first);
        drop(served);
        // Restarted after the crash (or after a SIGKILL following its answer).
        let served = serve(&env, &witness_key, &logs, &state, None);
        let rival_answer = try_add(&served.url, &rival).expect("an answer");
        match answer {
            Some((200, _)) => {
                // Acknowledged: the restarted witness holds size 4 and
                // refuses another root for it.
                assert_eq!(rival_answer.0, 409, "crash point {at}");
                assert_eq!(rival_answer.1, "4\n");
                assert_eq!(
                    try_add(&served.url, &request(4, &[], &signed(&log, 4, &other4)))
                        .expect("answer")
                        .0,
                    422
                );
                break;
            }
            _ => {
                crashed += 1;
                // Not acknowledged: whatever the witness kept, it never
                // cosigns two roots for size 4.
                if rival_answer.0 == 200 {
                    // It had kept nothing; the first root is now refused.
                    assert_eq!(
                        try_add(&served.url, &request(4, &[], &signed(&log, 4, &root4)))
                            .expect("answer")
                            .0,
                        422,
                        "crash point {at}"
                    );
                } else {
                    // It had kept the first root: the rival is refused.
                    assert_eq!(rival_answer.0, 409, "crash point {at}");
                }
            }
        }
        assert!(at < 20, "the witness never answered");
    }
    // Create, write, sync, rename and the directory's sync: each crashed.
    assert!(crashed >= 5, "{crashed} crash points");
}

#[test]
fn bad_keys_policies_and_witnesses_get_one_line_errors() {
    let w = witnessed(1, "quorum W1\n");
    let env = &w.env;
    let policy = w.policy.to_str().expect("utf-8");
    // A witness's key cannot sign a log's checkpoint.
    let (witness_key, _) = key(env, "w9.example", true);
    env.refused(
        &["checkpoint", "--sign", witness_key.to_str().expect("utf-8")],
        3,
        "witness's cosignature key",
    );
    // The verifier key given where the private key is wanted.
    let vkey_file = env.dir.path().join("log.vkey");
    std::fs::write(&vkey_file, format!("{}\n", w.log_vkey)).expect("write");
    env.refused(
        &["checkpoint", "--sign", vkey_file.to_str().expect("utf-8")],
        3,
        "this is a verifier key (the public half)",
    );
    // A private key is never written into a store.
    let into_store = env.store.join("objects").join("log.key");
    env.refused(
        &[
            "key",
            "generate",
            "x.example",
            "-o",
            into_store.to_str().expect("utf-8"),
        ],
        3,
        "a private key never goes into a store",
    );
    // A witness named instead of its URL is found by its name; a name the
    // policy does not have lists the ones it does.
    env.refused(
        &[
            "checkpoint",
            "--sign",
            w.log_key.to_str().expect("utf-8"),
            "--policy",
            policy,
            "--witness",
            "W7",
        ],
        3,
        "(it has: W1 http://127.0.0.1:",
    );
    // A key file others can read.
    let exposed = env.dir.path().join("exposed.key");
    std::fs::copy(&w.log_key, &exposed).expect("copy");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exposed, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    env.refused(
        &["checkpoint", "--sign", exposed.to_str().expect("utf-8")],
        3,
        "chmod 600",
    );
    // A tlog-proof needs a signed checkpoint.
    let source = env.add("khojaly-article-2024-05.txt", &[]);
    env.refused(
        &["prove", &source, "--format", "tlog-proof"],
        3,
        "run `provdb checkpoint --sign KEYFILE` first",
    );
    // Not a key.
    let garbage = env.dir.path().join("garbage.key");
    std::fs::write(&garbage, "hello\n").expect("write");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&garbage, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    env.refused(
        &["checkpoint", "--sign", garbage.to_str().expect("utf-8")],
        3,
        "not a provdb private key",
    );
    // A key file that exists is never overwritten; a bad name is refused.
    env.refused(
        &[
            "key",
            "generate",
            "x.example",
            "-o",
            w.log_key.to_str().expect("utf-8"),
        ],
        3,
        "never overwritten",
    );
    env.refused(&["key", "generate", "a b", "-o", "k"], 2, "no spaces");
    // A malformed policy, and a witness the policy does not name.
    let bad = env.dir.path().join("bad.policy");
    std::fs::write(&bad, "quorum W1\n").expect("write");
    env.refused(
        &[
            "checkpoint",
            "--sign",
            w.log_key.to_str().expect("utf-8"),
            "--policy",
            bad.to_str().expect("utf-8"),
        ],
        3,
        "line 1: the quorum W1",
    );
    env.refused(
        &[
            "checkpoint",
            "--sign",
            w.log_key.to_str().expect("utf-8"),
            "--policy",
            policy,
            "--witness",
            "http://127.0.0.1:9",
        ],
        3,
        "unknown witness http://127.0.0.1:9",
    );
    // A policy whose log is another key.
    let (other_key, _) = key(env, "other.example/log", false);
    env.refused(
        &[
            "checkpoint",
            "--sign",
            other_key.to_str().expect("utf-8"),
            "--policy",
            policy,
        ],
        3,
        "lists no log with the key",
    );
    // A witness that knows other logs only: 404, named, exit 1.
    let (other_log, other_vkey) = key(env, "another.example/log", false);
    let (stranger_key, stranger_vkey) = key(env, "stranger.example", true);
    let stranger = serve(
        env,
        &stranger_key,
        &[&other_vkey],
        &env.dir.path().join("stranger-state"),
        None,
    );
    let _ = other_log;
    let strange = env.dir.path().join("strange.policy");
    std::fs::write(
        &strange,
        format!(
            "log {}\nwitness S {stranger_vkey} {}\nquorum S\n",
            w.log_vkey, stranger.url
        ),
    )
    .expect("policy");
    let run = env.run(&[
        "checkpoint",
        "--sign",
        w.log_key.to_str().expect("utf-8"),
        "--policy",
        strange.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("does not know the log newsroom.example/provdb (404)"),
        "{}",
        run.stderr
    );
    // A witness that answers garbage, and one that never answers: each is
    // named, the checkpoint is kept signed, and the command exits 1.
    let garbage_server = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let garbage_url = format!("http://{}", garbage_server.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in garbage_server.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 65536];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n");
        }
    });
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_url = format!("http://{}", silent.local_addr().expect("addr"));
    let (_, vkey) = key(env, "w-other.example", true);
    let mixed = env.dir.path().join("mixed.policy");
    std::fs::write(
        &mixed,
        format!(
            "log {}\nwitness G {vkey} {garbage_url}\nwitness S {} {silent_url}\nquorum none\n",
            w.log_vkey,
            key(env, "w-silent.example", true).1
        ),
    )
    .expect("policy");
    let run = env.run(&[
        "checkpoint",
        "--sign",
        w.log_key.to_str().expect("utf-8"),
        "--policy",
        mixed.to_str().expect("utf-8"),
        "--witness-timeout",
        "1",
    ]);
    assert_eq!(run.code, 0, "quorum none is met: {}", run.stderr);
    assert!(
        run.stderr.contains("witness G") && run.stderr.contains("em dash"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no answer within 1 s"),
        "{}",
        run.stderr
    );
    drop(silent);
    env.ok(&["verify"]);
}
