#!/usr/bin/env python3
"""An independent verifier for provdb stores and proofs.

It uses the `blake3` package from PyPI, Python's hashlib (SHA-256) and
nothing of provdb's code, and
checks what schema/store.md and schema/audit.md specify:

  python3 provdb_verify.py store STORE_DIR   the journal's hash chain, every
                                             kept checkpoint's root against the
                                             RFC 6962 tree of the journal lines,
                                             every object a line names, every
                                             citation's id and quote (in its
                                             text layer when it has one), and
                                             the original bytes of a quote in
                                             a web page's layer
                                             (schema/text-layers.md)
  python3 provdb_verify.py proof [--policy POLICY] FILE...
                                             inclusion and consistency proofs
  python3 provdb_verify.py receipt [--policy POLICY] [--tsa-cert CERT] FILE...
                                             citation receipts (schema/receipt.md)

With --policy (a C2SP tlog-policy file), each proof's or receipt's checkpoint
must be a signed note by a log the policy lists under its origin, cosigned
by the policy's quorum of witnesses (Ed25519 from the `cryptography` package).
With --tsa-cert (a time-stamping authority's certificate), a receipt's
checkpoint must carry an RFC 3161 token over its signed note that
`openssl ts -verify` accepts under that certificate.

Exit status 0 when everything holds, 1 when anything does not.
"""

import base64
import html
import json
import os
import re
import struct
import sys
import unicodedata

import hashlib

import blake3


def h(data):
    return blake3.blake3(data).digest()


def tree_h(tree, data):
    """The hash of a log tree: "sha256" (checkpoints, proofs v2 and receipts
    v4), or "blake3" (those made before)."""
    if tree == "sha256":
        return hashlib.sha256(data).digest()
    if tree == "blake3":
        return h(data)
    raise ValueError(f"unknown tree hash {tree!r}")


def leaf_hash(line, tree):
    return tree_h(tree, b"\x00" + line)


def node_hash(left, right, tree):
    return tree_h(tree, b"\x01" + left + right)


def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves, tree):
    """RFC 6962 Merkle tree hash of a list of leaf hashes."""
    if not leaves:
        return tree_h(tree, b"")
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(mth(leaves[:k], tree), mth(leaves[k:], tree), tree)


def verify_inclusion(index, size, leaf, path, root, tree):
    """RFC 9162 section 2.1.3.2."""
    if size == 0 or index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if len(p) != 32 or sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r, tree)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p, tree)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, path, first_root, second_root, tree):
    """RFC 9162 section 2.1.4.2, with provdb's policy: no tree of size 0."""
    if first == 0 or second == 0 or first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path or any(len(p) != 32 for p in path):
        return False
    if first & (first - 1) == 0:
        path = [first_root] + list(path)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr, tree)
            sr = node_hash(c, sr, tree)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c, tree)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# --- BLAKE3's tree, for slices: chunk and parent chaining values --------------
# The blake3 package hashes whole inputs; a slice proof needs the chaining
# values inside the tree, so the compression function is written out here from
# the BLAKE3 specification, and checked against the package on start.

IV = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19]
PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]
CHUNK_START, CHUNK_END, PARENT, ROOT = 1, 2, 4, 8
CHUNK_LEN = 1024
MASK = 0xFFFFFFFF


def rotr(x, n):
    return ((x >> n) | (x << (32 - n))) & MASK


def g(v, a, b, c, d, x, y):
    v[a] = (v[a] + v[b] + x) & MASK
    v[d] = rotr(v[d] ^ v[a], 16)
    v[c] = (v[c] + v[d]) & MASK
    v[b] = rotr(v[b] ^ v[c], 12)
    v[a] = (v[a] + v[b] + y) & MASK
    v[d] = rotr(v[d] ^ v[a], 8)
    v[c] = (v[c] + v[d]) & MASK
    v[b] = rotr(v[b] ^ v[c], 7)


def compress(cv, block, counter, block_len, flags):
    m = list(struct.unpack("<16I", block.ljust(64, b"\x00")))
    v = list(cv) + IV[:4] + [counter & MASK, counter >> 32, block_len, flags]
    for round_ in range(7):
        g(v, 0, 4, 8, 12, m[0], m[1])
        g(v, 1, 5, 9, 13, m[2], m[3])
        g(v, 2, 6, 10, 14, m[4], m[5])
        g(v, 3, 7, 11, 15, m[6], m[7])
        g(v, 0, 5, 10, 15, m[8], m[9])
        g(v, 1, 6, 11, 12, m[10], m[11])
        g(v, 2, 7, 8, 13, m[12], m[13])
        g(v, 3, 4, 9, 14, m[14], m[15])
        if round_ < 6:
            m = [m[i] for i in PERMUTATION]
    return [v[i] ^ v[i + 8] for i in range(8)]


def words(cv):
    return struct.pack("<8I", *cv)


def chunk_cv(data, index):
    """The non-root chaining value of chunk `index` holding `data` (1..1024 bytes)."""
    cv = list(IV)
    blocks = [data[i : i + 64] for i in range(0, len(data), 64)] or [b""]
    for at, block in enumerate(blocks):
        flags = (CHUNK_START if at == 0 else 0) | (CHUNK_END if at == len(blocks) - 1 else 0)
        cv = compress(cv, block, index, len(block), flags)
    return words(cv)


def parent(left, right, root=False):
    block = left + right
    return words(compress(IV, block, 0, 64, PARENT | (ROOT if root else 0)))


def left_len(n):
    half = (n + 1) // 2
    p = 1
    while p < half:
        p *= 2
    return p


def self_test():
    data = bytes(i % 251 for i in range(5000))
    cvs = [chunk_cv(data[i : i + CHUNK_LEN], i // CHUNK_LEN) for i in range(0, 5000, CHUNK_LEN)]
    # 5 chunks: ((c0 c1) (c2 c3)) c4, as left_len splits them.
    root = parent(parent(parent(cvs[0], cvs[1]), parent(cvs[2], cvs[3])), cvs[4], root=True)
    assert root == blake3.blake3(data).digest(), "the written-out compression disagrees with the blake3 package"


def slice_root(sl, length):
    """Rebuilds the source hash from a receipt's slice, or None."""
    data = base64.b64decode(sl["bytes"])
    tail = base64.b64decode(sl["tail"])
    start = sl["start"]
    covered = (start, start + len(data))
    if start % CHUNK_LEN or not data or covered[1] > length:
        return None, data
    if covered[1] % CHUNK_LEN and covered[1] != length:
        return None, data
    if length <= CHUNK_LEN:
        if sl["cvs"] or tail or covered != (0, length):
            return None, data
        return blake3.blake3(data).digest(), data
    last = ((length - 1) // CHUNK_LEN * CHUNK_LEN, length)
    parts = [(covered, data)]
    if tail:
        if len(tail) != last[1] - last[0] or covered[1] > last[0]:
            return None, data
        parts.append((last, tail))
    elif covered[1] != length:
        return None, data
    cvs = [base64.b64decode(cv) for cv in sl["cvs"]]
    if any(len(cv) != 32 for cv in cvs):
        return None, data
    cvs.reverse()

    def touches(offset, n):
        return any(offset < r[1] and r[0] < offset + n for r, _ in parts)

    def rebuild(offset, n):
        if not touches(offset, n):
            if not cvs:
                raise ValueError("too few chaining values")
            return cvs.pop()
        if n <= CHUNK_LEN:
            for (a, b), part in parts:
                if a <= offset and offset + n <= b:
                    return chunk_cv(part[offset - a : offset - a + n], offset // CHUNK_LEN)
            raise ValueError("a chunk is only partly covered")
        k = left_len(n)
        return parent(rebuild(offset, k), rebuild(offset + k, n - k))

    try:
        k = left_len(length)
        root = parent(rebuild(0, k), rebuild(k, length - k), root=True)
    except ValueError:
        return None, data
    return (root if not cvs else None), data


# --- Claim and citation ids (schema/hashing.md) --------------------------------


def identity_key(text):
    tidy = " ".join(unicodedata.normalize("NFC", text).split())
    return unicodedata.normalize("NFC", tidy.casefold())


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def claim_id(claim):
    q = claim["qualifiers"]
    value = claim["value"]
    obj = {
        "type": "provdb.claim",
        "v": 1,
        "subject": identity_key(claim["subject"]),
        "property": identity_key(claim["property"]),
        "value": value,
        "bound": q["bound"],
    }
    if q.get("as_of") is not None:
        obj["as_of"] = q["as_of"]
    if q.get("unit") is not None:
        obj["unit"] = identity_key(q["unit"])
    if q.get("upper") is not None:
        obj["upper"] = q["upper"]
    return blake3.blake3(canonical(obj).encode()).hexdigest()


def citation_id(body, actor, time):
    sel = body["selector"]
    obj = {
        "type": "provdb.citation",
        "v": 1,
        "claim": body["claim"],
        "source": body["source"],
        "start": sel["start"],
        "end": sel["end"],
        "stance": body["stance"],
        "value_not_in_quote": body["value_not_in_quote"],
        "actor": actor,
        "time": time,
    }
    # A quote in a text layer: the layer's object is part of the id.
    if body.get("layer") is not None:
        obj["layer"] = body["layer"]["object"]
    return blake3.blake3(canonical(obj).encode()).hexdigest()


def no_space(text):
    """The text with every whitespace character (NBSP included) removed."""
    return re.sub(r"\s+", "", text)


# The WHATWG encoding names provdb records, as Python's codecs name the same
# decoders (the WHATWG standard maps these labels to these legacy tables).
PYTHON_CODEC = {
    "shift_jis": "cp932",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-cyrillic": "mac-cyrillic",
    "windows-874": "cp874",
}


def codec(encoding):
    """Python's name for a WHATWG encoding name, or None when it has none."""
    name = PYTHON_CODEC.get(encoding.lower(), encoding)
    try:
        import codecs
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def original_words(source_bytes, ranges, encoding):
    """What a quote's original byte ranges in a web page say: the bytes
    decoded, character references decoded by the WHATWG table (Python's
    html.unescape uses it), joined. Compared without whitespace, since the
    layer collapses it and puts paragraph breaks between blocks."""
    text = "".join(source_bytes[start:end].decode(codec(encoding) or "utf-8", errors="replace") for start, end in ranges)
    return no_space(html.unescape(text))


# --- Signed checkpoints: c2sp.org/signed-note, tlog-cosignature, tlog-policy ---
# Written from the specifications; Ed25519 is the `cryptography` package's.


def parse_vkey(text):
    """NAME+KEYID+base64(type || key), its key id checked."""
    name, key_id, data = text.strip().split("+", 2)
    data = base64.b64decode(data, validate=True)
    kind, key = data[0], data[1:]
    if kind not in (1, 4) or len(key) != 32:
        raise ValueError(f"verifier key {text!r}: not an Ed25519 key of type 1 or 4")
    if hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + key).digest()[:4].hex() != key_id:
        raise ValueError(f"verifier key {text!r}: its key id does not match")
    return {"name": name, "id": bytes.fromhex(key_id), "kind": kind, "key": key, "text": text.strip()}


def parse_note(note):
    """(text with its final newline, [(name, id, signature bytes)])."""
    if "\n\n" not in note or not note.endswith("\n"):
        raise ValueError("not a signed note")
    text, lines = note[:-1].rsplit("\n\n", 1)
    signatures = []
    for line in lines.split("\n"):
        if not line.startswith("\u2014 "):
            raise ValueError(f"signature line {line!r} does not start with an em dash")
        name, data = line[2:].split(" ", 1)
        data = base64.b64decode(data, validate=True)
        signatures.append((name, data[:4], data[4:]))
    return text + "\n", signatures


def signature_holds(vkey, text, signature):
    """Ed25519 over the text (type 1), or over the cosignature/v1 message (type 4).
    Returns (holds, timestamp)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = Ed25519PublicKey.from_public_bytes(vkey["key"])
    if vkey["kind"] == 1:
        message, sig, timestamp = text.encode(), signature, None
    else:
        if len(signature) != 72:
            return False, None
        timestamp = int.from_bytes(signature[:8], "big")
        message, sig = f"cosignature/v1\ntime {timestamp}\n{text}".encode(), signature[8:]
    try:
        key.verify(sig, message)
        return True, timestamp
    except InvalidSignature:
        return False, timestamp


def signed_by(note, vkeys):
    """The keys (of vkeys) whose signature on the note verifies; raises when a
    signature by a known key (same name and id) does not."""
    text, signatures = parse_note(note)
    found = []
    for name, key_id, sig in signatures:
        for vkey in vkeys:
            if vkey["name"] == name and vkey["id"] == key_id:
                ok, timestamp = signature_holds(vkey, text, sig)
                if not ok:
                    raise ValueError(f"the signature by {name} does not verify")
                found.append((vkey, timestamp))
    return text, found


def parse_policy(path):
    """A tlog-policy file, with its rules: names defined before use and once,
    no key listed twice, each name a group member once, 1 <= k <= n, one
    quorum line."""
    policy = {"logs": [], "witnesses": {}, "groups": {}, "quorum": None}
    keys, members_used = [], []
    for number, raw in enumerate(open(path, "rb").read().decode("utf-8", "replace").split("\n"), 1):
        fail = lambda why: ValueError(f"policy line {number}: {why}")
        if any(ord(c) < 0x20 and c != "\t" or ord(c) == 0x7F for c in raw):
            raise fail("a control character other than tab (Windows line endings?)")
        words = raw.replace("\t", " ").split(" ")
        words = [word for word in words if word]
        if not words or words[0].startswith("#"):
            continue
        defined = lambda name: name in policy["witnesses"] or name in policy["groups"]
        if words[0] == "log" and len(words) in (2, 3):
            key = parse_vkey(words[1])
            if key["kind"] != 1 or key["key"] in keys:
                raise fail("a log key is of type 1 and listed once")
            keys.append(key["key"])
            policy["logs"].append(key)
        elif words[0] == "witness" and len(words) in (3, 4):
            key = parse_vkey(words[2])
            if key["kind"] != 4 or key["key"] in keys or defined(words[1]) or words[1] == "none":
                raise fail("a witness key is of type 4, each key and name listed once")
            keys.append(key["key"])
            policy["witnesses"][words[1]] = key
        elif words[0] == "group" and len(words) >= 4:
            members = words[3:]
            if defined(words[1]) or words[1] == "none":
                raise fail(f"{words[1]} is defined twice")
            for at, member in enumerate(members):
                if not defined(member) or member in members[:at] or member in members_used:
                    raise fail(f"{member} is not defined before, or is a member twice")
            members_used += members
            if words[2] in ("all", "any"):
                k = len(members) if words[2] == "all" else 1
            elif words[2].isdigit() and not words[2].startswith("0") and 1 <= int(words[2]) <= len(members):
                k = int(words[2])
            else:
                raise fail(f"the threshold {words[2]!r} is not all, any or 1..{len(members)}")
            policy["groups"][words[1]] = (k, members)
        elif words[0] == "quorum" and len(words) == 2:
            if policy["quorum"] is not None or not (words[1] == "none" or defined(words[1])):
                raise fail("one quorum line, naming none or a name defined before")
            policy["quorum"] = words[1]
        else:
            raise fail(f"{raw!r} is not log, witness, group or quorum")
    if policy["quorum"] is None:
        raise ValueError("the policy has no quorum line")
    return policy


def note_problem(cp):
    """Why a checkpoint's signed note (when it has one) is not exactly that
    checkpoint, or None. Its signatures are a policy's business."""
    if "note" not in cp:
        return None
    if not isinstance(cp["note"], str) or cp.get("hash") != "sha256":
        return "a signed note must be text, on a SHA-256 checkpoint"
    try:
        text, _ = parse_note(cp["note"])
    except (ValueError, IndexError):
        return "the signed note is not a signed note"
    if text != f"{cp['origin']}\n{cp['size']}\n{cp['root']}\n":
        return "the signed note is of another checkpoint"
    return None


def quorum_met(policy, name, witnessed):
    if name == "none":
        return True
    if name in policy["groups"]:
        k, members = policy["groups"][name]
        return sum(quorum_met(policy, member, witnessed) for member in members) >= k
    return name in witnessed


def policy_problem(cp, policy):
    """Why a proof's or receipt's checkpoint does not satisfy the policy, or None."""
    note = cp.get("note")
    if not note:
        return "the checkpoint is not signed, and the policy requires a log's signature"
    try:
        text, logs = signed_by(note, [log for log in policy["logs"] if log["name"] == cp["origin"]])
        if text != f"{cp['origin']}\n{cp['size']}\n{cp['root']}\n":
            return "the signed note is of another checkpoint"
        if not logs:
            return f"no log of the policy named {cp['origin']} signed the checkpoint"
        _, cosigners = signed_by(note, list(policy["witnesses"].values()))
    except ValueError as error:
        return str(error)
    witnessed = {name for name, vkey in policy["witnesses"].items() if any(v is vkey for v, _ in cosigners)}
    if not quorum_met(policy, policy["quorum"], witnessed):
        return f"the quorum {policy['quorum']} is not met (cosigned by {', '.join(sorted(witnessed)) or 'none'})"
    return None


def timestamp_problem(cp, tsa_cert):
    """Why a checkpoint's RFC 3161 token does not stamp its signed note under
    the authority's certificate, or None; checked by `openssl ts -verify`."""
    import subprocess
    import tempfile

    if "timestamp" not in cp or "note" not in cp:
        return "the checkpoint carries no time-stamp token over a signed note"
    with tempfile.TemporaryDirectory() as work:
        note, token = os.path.join(work, "note"), os.path.join(work, "token")
        with open(note, "w", encoding="utf-8", newline="") as f:
            f.write(cp["note"])
        with open(token, "wb") as f:
            f.write(base64.b64decode(cp["timestamp"]))
        run = subprocess.run(
            ["openssl", "ts", "-verify", "-data", note, "-in", token, "-token_in", "-CAfile", tsa_cert],
            capture_output=True,
            text=True,
        )
    if "Verification: OK" not in run.stdout:
        return "openssl ts -verify refuses the token: " + (run.stderr.strip().splitlines() or ["no reason"])[-1]
    return None


def parse_tlog_proof(text):
    """A C2SP tlog-proof: (extra bytes, index, [base64 hashes], checkpoint note)."""
    head, note = text.split("\n\n", 1)
    lines = head.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1" or len(lines) < 3 or not lines[1].startswith("extra "):
        raise ValueError("not a tlog-proof with an extra line")
    if not lines[2].startswith("index "):
        raise ValueError("no index line")
    return base64.b64decode(lines[1][6:]), int(lines[2][6:]), lines[3:], note


def proved_line(line, checkpoint):
    """The entry of a proved line, or None when it is not in the checkpoint."""
    try:
        entry = json.loads(line["line"])
    except ValueError:
        return None
    if "\n" in line["line"] or entry.get("seq") != line["leaf_index"] + 1:
        return None
    ok = verify_inclusion(
        line["leaf_index"],
        checkpoint["size"],
        leaf_hash(line["line"].encode() + b"\n", checkpoint.get("hash", "blake3")),
        [base64.b64decode(p) for p in line["proof"]],
        base64.b64decode(checkpoint["root"]),
        checkpoint.get("hash", "blake3"),
    )
    return entry if ok else None


def check_receipt(path, policy=None, tsa_cert=None):
    with open(path) as f:
        r = json.load(f)
    why = note_problem(r["checkpoint"])
    if why:
        return [f"{path}: checkpoint: {why}"], ""
    if policy is not None:
        why = policy_problem(r["checkpoint"], policy)
        if why:
            return [f"{path}: policy: {why}"], ""
    if tsa_cert is not None:
        why = timestamp_problem(r["checkpoint"], tsa_cert)
        if why:
            return [f"{path}: timestamp: {why}"], ""
    version = r.get("v")
    if r.get("type") != "provdb.receipt" or version not in (1, 2, 3, 4):
        return [f"{path}: format: not a provdb.receipt of version 1, 2, 3 or 4"], ""
    if r["checkpoint"].get("hash", "blake3") != ("sha256" if version == 4 else "blake3"):
        return [f"{path}: checkpoint: versions 1-3 prove lines in a BLAKE3 tree, version 4 in the SHA-256 tree"], ""
    if (version >= 2) != ("claim_entry" in r):
        return [f"{path}: claim entry: a version 2, 3 or 4 receipt, and only it, proves the claim's line"], ""
    if version != 4 and (version == 3) != ("layer" in r):
        return [f"{path}: layer: of versions 1-3, a version 3 receipt, and only it, proves a text layer"], ""
    fail = lambda link, why: ([f"{path}: {link}: {why}"], "")
    claim, c, source, cp = r["claim"], r["citation"], r["source"], r["checkpoint"]
    if claim_id(claim) != claim["id"]:
        return fail("claim", "the claim's fields do not hash to its id")
    if version >= 2:
        # The claim's own line binds its wording (its id binds only the
        # case-folded identity keys).
        recorded_claim = proved_line(r["claim_entry"], cp)
        if recorded_claim is None:
            return fail("claim entry", "the claim's line is not in the checkpoint's tree")
        change = dict(recorded_claim["change"])
        if change.pop("op", None) != "record_claim" or change != claim:
            return fail("claim entry", "the proved line does not record the claim as the receipt states it")
    entry = proved_line(r["entry"], cp)
    if entry is None:
        return fail("log entry", "the citation's line is not in the checkpoint's tree")
    if "tlog_proof" in r:
        try:
            extra, index, hashes, note = parse_tlog_proof(r["tlog_proof"])
        except ValueError as error:
            return fail("tlog proof", str(error))
        if (extra, index, hashes, note) != (r["entry"]["line"].encode() + b"\n", r["entry"]["leaf_index"], r["entry"]["proof"], cp.get("note")):
            return fail("tlog proof", "the tlog-proof does not say what the entry and the signed checkpoint say")
    first = proved_line(r["first"], cp)
    signed_origin = "note" in cp
    if first is None or first["seq"] != 1 or (not signed_origin and cp["origin"] != "provdb/" + str(first["change"].get("store"))):
        return fail("origin", "the checkpoint's origin is not the store named by the log's first entry")
    last = proved_line(r["last"], cp)
    if last is None or last["seq"] != cp["size"]:
        return fail("size", "the checkpoint's size is not the seq of its proved last line")
    change = entry["change"]
    if change.get("op") != "cite":
        return fail("entry", "the proved line does not record a citation")
    selector = {k: c[k] for k in ("exact", "prefix", "suffix", "start", "end")}
    body = {
        "claim": change.get("claim"),
        "source": change.get("source"),
        "selector": change.get("selector"),
        "stance": change.get("stance"),
        "value_not_in_quote": change.get("value_not_in_quote"),
        "layer": change.get("layer"),
    }
    layer = r.get("layer")
    stated = {
        "claim": claim["id"],
        "source": source["id"],
        "selector": selector,
        "stance": c["stance"],
        "value_not_in_quote": c["value_not_in_quote"],
        "layer": None if layer is None else dict(
            {"object": layer["object"], "original": layer["original"]},
            **({"pages": layer["pages"]} if layer.get("pages") else {}),
            **({"boxes": layer["boxes"]} if layer.get("boxes") else {}),
        ),
    }
    if change.get("citation") != c["id"] or body != stated:
        return fail("entry", "the proved line records another citation than the receipt states")
    # A merged entry's citation id hashes who first recorded it, and when.
    recorded = entry.get("origin") or entry
    if citation_id(body, recorded["actor"], recorded["time"]) != c["id"]:
        return fail("citation id", "the citation's fields, actor and time do not hash to its id")
    quoted, length = source["id"], source["length"]
    if layer is not None:
        # The layer was derived from this source by a line before the citation's.
        derived = proved_line(layer["entry"], cp)
        if derived is None:
            return fail("layer", "the text layer's line is not in the checkpoint's tree")
        d = derived["change"]
        if (
            d.get("op") != "derive_text"
            or d.get("source") != source["id"]
            or d.get("layer") != layer["object"]
            or d.get("size") != layer["length"]
            or derived["seq"] >= entry["seq"]
        ):
            return fail("layer", "the proved line does not derive this text layer from this source before the citation")
        quoted, length = layer["object"], layer["length"]
    root, data = slice_root(r["slice"], length)
    if root is None or root.hex() != quoted:
        return fail("slice", "the slice and chaining values do not hash to the quoted object")
    if layer is not None and layer.get("original"):
        # A page's own bytes at the original ranges say the quote.
        sl = layer.get("original_slice")
        if sl is None:
            return fail("original", "the citation records original bytes, but the receipt has no slice of them")
        page_root, page = slice_root(sl, source["length"])
        if page_root is None or page_root.hex() != source["id"]:
            return fail("original", "the slice of the page does not hash to the source")
        encoding = d["params"].get("encoding", "utf-8")
        after = 0
        for start, end in layer["original"]:
            if start >= end or start < after:
                return fail("original", "the original ranges are not in order, or one is empty")
            after = end
        pieces = []
        for start, end in layer["original"]:
            if start < sl["start"] or end - sl["start"] > len(page):
                return fail("original", f"bytes {start}-{end} are not in the slice of the page")
            pieces.append(page[start - sl["start"] : end - sl["start"]])
        if codec(encoding) is None:
            return fail("original", f"the page's encoding {encoding} has no Python codec here; the quote's page bytes cannot be checked")
        said = "".join(p.decode(codec(encoding), errors="replace") for p in pieces)
        if no_space(html.unescape(said)) != no_space(c["exact"]):
            return fail("original", "the page's bytes at the original ranges do not say the quote")
    exact, prefix, suffix = (c[k].encode() for k in ("exact", "prefix", "suffix"))
    at = c["start"] - r["slice"]["start"]
    end = c["end"] - r["slice"]["start"]
    if (
        at - len(prefix) < 0
        or data[at:end] != exact
        or data[at - len(prefix) : at] != prefix
        or data[end : end + len(suffix)] != suffix
    ):
        return fail("quote", "the source's bytes there are not the quote with its context")
    return [], f"{c['exact']!r} at bytes {c['start']}-{c['end']} of {source['id']}, entry {entry['seq']} of {cp['origin']} size {cp['size']}"


def check_merge(store, number, change, problems):
    """Reads a merge's journal source and checks its tree head; returns its entries."""
    journal = change["journal"]
    path = os.path.join(store, "objects", journal[:2], journal[2:])
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        problems.append(f"line {number}: the merged journal {journal[:12]} cannot be read ({error})")
        return {"store": change["store"], "entries": None}
    if blake3.blake3(data).hexdigest() != journal:
        problems.append(f"line {number}: the merged journal's bytes do not hash to {journal[:12]}")
    other = data.split(b"\n")[:-1]
    if len(other) != change["size"] or base64.b64decode(change["root"]) != mth([leaf_hash(l + b"\n", "blake3") for l in other], "blake3"):
        problems.append(f"line {number}: the merged journal's tree head is not the merge's size and root")
    return {"store": change["store"], "entries": [json.loads(l) for l in other]}


def check_merged(number, entry, merge, problems):
    """A merged entry must equal, change, recorder and time, its origin's line."""
    origin = entry["origin"]
    if origin["store"] != merge["store"]:
        problems.append(f"line {number}: merged from {origin['store']}, but the merge is of {merge['store']}")
        return
    if merge["entries"] is None:
        return
    seq = origin["seq"]
    source = merge["entries"][seq - 1] if 1 <= seq <= len(merge["entries"]) else None
    recorded = (source or {}).get("origin") or source or {}
    if (
        source is None
        or source["seq"] != seq
        or source["change"] != entry["change"]
        or recorded.get("actor") != origin["actor"]
        or recorded.get("time") != origin["time"]
    ):
        problems.append(f"line {number}: does not match entry {seq} of store {origin['store']}'s journal")


def read_object(store, objects, oid, problems, what):
    """An object's bytes, checked against its name once (None when missing
    or altered, which is reported)."""
    if oid in objects:
        return objects[oid]
    path = os.path.join(store, "objects", oid[:2], oid[2:])
    data = None
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        problems.append(f"{what}: object {oid} is missing")
    if data is not None and blake3.blake3(data).hexdigest() != oid:
        problems.append(f"{what}: object {oid} does not hash to its name")
        data = None
    objects[oid] = data
    return data


def check_content(store, number, entry, objects, problems):
    """What a line names: the objects of sources and text layers (hash and
    size), and a citation's id and quote."""
    change = entry["change"]
    op = change["op"]
    where = f"line {number}"
    if op == "add_source":
        recorded = objects.setdefault("sources", set())
        if change["source"] in recorded:
            problems.append(f"{where}: records source {change['source']} again, though an earlier line recorded it")
        recorded.add(change["source"])
        data = read_object(store, objects, change["source"], problems, where)
        if data is not None and len(data) != change["size"]:
            problems.append(f"{where}: source {change['source']} is not {change['size']} bytes")
    elif op == "derive_text":
        data = read_object(store, objects, change["layer"], problems, where)
        if data is not None and len(data) != change["size"]:
            problems.append(f"{where}: text layer {change['layer']} is not {change['size']} bytes")
        objects.setdefault("layers", {})[(change["layer"], change["source"])] = change
    elif op == "capture":
        data = read_object(store, objects, change["warc"], problems, where)
        if data is not None and len(data) != change["size"]:
            problems.append(f"{where}: WARC records {change['warc']} are not {change['size']} bytes")
    elif op == "cite":
        recorded = entry.get("origin") or entry
        if citation_id(change, recorded["actor"], recorded["time"]) != change["citation"]:
            problems.append(f"{where}: citation id {change['citation']} does not hash its content")
        layer = change.get("layer")
        quoted = change["source"] if layer is None else layer["object"]
        if layer is not None:
            derived = objects.get("layers", {}).get((quoted, change["source"]))
            if derived is None:
                problems.append(f"{where}: text layer {quoted} is derived from this source by no line before")
                return
        data = read_object(store, objects, quoted, problems, where)
        sel = change["selector"]
        if data is not None and data[sel["start"] : sel["end"]] != sel["exact"].encode():
            problems.append(f"{where}: the quote is not at bytes {sel['start']}..{sel['end']} of {quoted}")
        if layer is not None and layer["original"] and derived["extractor"] == "provdb-html" and codec(derived["params"].get("encoding", "utf-8")) is None:
            print(f"note: {where}: encoding {derived['params'].get('encoding')} has no Python codec; the quote's page bytes are not checked", file=sys.stderr)
        elif layer is not None and layer["original"] and derived["extractor"] == "provdb-html":
            source = read_object(store, objects, change["source"], problems, where)
            encoding = derived["params"].get("encoding", "utf-8")
            if source is not None and original_words(source, layer["original"], encoding) != no_space(sel["exact"]):
                problems.append(f"{where}: the original bytes {layer['original']} of source {change['source']} do not say the quote")


def check_store(store):
    problems = []
    with open(os.path.join(store, "journal"), "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    else:
        problems.append("the journal does not end with a newline")
    prev = "0" * 64
    store_id = None
    committed = 0
    merge = None
    objects = {}
    for number, line in enumerate(lines, 1):
        entry = json.loads(line)
        if entry["seq"] != number:
            problems.append(f"line {number}: seq is {entry['seq']}")
        if entry["prev"] != prev:
            problems.append(f"line {number}: prev does not hash the line before")
        if number == 1:
            store_id = entry["change"].get("store")
        if entry.get("commit"):
            committed = number
        prev = blake3.blake3(line + b"\n").hexdigest()
        change = entry["change"]
        check_content(store, number, entry, objects, problems)
        if change["op"] == "merge":
            merge = check_merge(store, number, change, problems)
        elif "origin" in entry:
            if merge is None:
                problems.append(f"line {number}: merged, but no merge entry precedes it")
            else:
                check_merged(number, entry, merge, problems)
        else:
            merge = None
    leaves = {tree: [leaf_hash(line + b"\n", tree) for line in lines[:committed]] for tree in ("sha256", "blake3")}
    checkpoints = []
    path = os.path.join(store, "checkpoints")
    if os.path.exists(path):
        with open(path, "rb") as f:
            text = f.read()
        complete = text[: text.rfind(b"\n") + 1]
        checkpoints = [json.loads(line) for line in complete.splitlines()]
    for cp in checkpoints:
        size = cp["size"]
        if "note" in cp or "key" in cp:
            # Signed: the note is of this checkpoint, and its key (named as the
            # origin) signed it.
            try:
                vkey = parse_vkey(cp["key"])
                text, found = signed_by(cp["note"], [vkey])
                if vkey["name"] != cp["origin"] or text != f"{cp['origin']}\n{size}\n{cp['root']}\n" or not found:
                    problems.append(f"checkpoint of size {size}: its signed note is not this checkpoint signed by its key")
            except (KeyError, ValueError) as error:
                problems.append(f"checkpoint of size {size}: its signature does not hold: {error}")
        elif cp["origin"] != f"provdb/{store_id}":
            problems.append(f"checkpoint of size {size}: origin {cp['origin']} is not this store")
        tree = cp.get("hash", "blake3")
        if size > len(leaves[tree]):
            problems.append(f"checkpoint of size {size}: the journal has {len(leaves[tree])} entries")
            continue
        if base64.b64decode(cp["root"]) != mth(leaves[tree][:size], tree):
            problems.append(f"checkpoint of size {size}: root differs from the journal's tree")
    return problems, f"{len(lines)} journal entries, {len(checkpoints)} checkpoints"


def check_proof(path, policy=None):
    with open(path) as f:
        text = f.read()
    if text.startswith("c2sp.org/tlog-proof@v1\n"):
        # provdb's tlog-proof: extra is the journal line, so its leaf is
        # SHA-256(0x00 || extra) and it must be entry index + 1.
        try:
            extra, index, hashes, note = parse_tlog_proof(text)
            body, _ = parse_note(note)
            origin, size, root = body.split("\n")[:3]
            entry = json.loads(extra)
        except ValueError as error:
            return [f"{path}: not a provdb tlog-proof: {error}"], ""
        if not size.isdigit() or (size.startswith("0") and size != "0") or body != f"{origin}\n{size}\n{root}\n":
            return [f"{path}: its checkpoint is not three canonical lines (origin, size, root)"], ""
        cp = {"origin": origin, "size": int(size), "root": root, "note": note, "hash": "sha256"}
        if policy is not None:
            why = policy_problem(cp, policy)
            if why:
                return [f"{path}: policy: {why}"], ""
        ok = entry.get("seq") == index + 1 and verify_inclusion(
            index, cp["size"], leaf_hash(extra, "sha256"), [base64.b64decode(h) for h in hashes], base64.b64decode(root), "sha256"
        )
        what = f"entry {index + 1} in {origin} size {size} (tlog-proof)"
        return ([] if ok else [f"{path}: does not hold ({what})"]), what
    proof = json.loads(text)
    for cp in [proof.get("checkpoint")] if "checkpoint" in proof else [proof.get("old"), proof.get("new")]:
        why = note_problem(cp or {})
        if why:
            return [f"{path}: checkpoint: {why}"], ""
        if policy is not None:
            why = policy_problem(cp or {}, policy)
            if why:
                return [f"{path}: policy: {why}"], ""
    b64 = base64.b64decode
    trees = {1: "blake3", 2: "sha256"}
    if proof.get("type") == "provdb.inclusion" and proof.get("v") in trees:
        cp = proof["checkpoint"]
        tree = cp.get("hash", "blake3")
        line = proof["line"].encode()
        ok = tree == trees[proof["v"]] and "\n" not in proof["line"] and verify_inclusion(
            proof["leaf_index"],
            cp["size"],
            leaf_hash(line + b"\n", tree),
            [b64(p) for p in proof["proof"]],
            b64(cp["root"]),
            tree,
        )
        what = f"entry {proof['leaf_index'] + 1} in {cp['origin']} size {cp['size']}"
    elif proof.get("type") == "provdb.consistency" and proof.get("v") in trees:
        old, new = proof["old"], proof["new"]
        tree = new.get("hash", "blake3")
        ok = (
            old["origin"] == new["origin"]
            and tree == old.get("hash", "blake3") == trees[proof["v"]]
            and verify_consistency(
                old["size"], new["size"], [b64(p) for p in proof["proof"]], b64(old["root"]), b64(new["root"]), tree
            )
        )
        what = f"size {new['size']} extends size {old['size']} of {new['origin']}"
    else:
        return [f"{path}: not a provdb proof"], ""
    return ([] if ok else [f"{path}: does not hold ({what})"]), what


def main(argv):
    if len(argv) < 3 or argv[1] not in ("store", "proof", "receipt"):
        print(__doc__, file=sys.stderr)
        return 2
    self_test()
    # Options may stand anywhere among the files.
    args, targets, policy, tsa_cert = argv[2:], [], None, None
    while args:
        word = args.pop(0)
        if word in ("--policy", "--tsa-cert"):
            if not args or argv[1] == "store" or (word == "--tsa-cert" and argv[1] != "receipt"):
                print(f"{word} takes a file, and is for {'proofs and receipts' if word == '--policy' else 'receipts'}", file=sys.stderr)
                return 2
            value = args.pop(0)
            if word == "--tsa-cert":
                tsa_cert = value
                continue
            try:
                policy = parse_policy(value)
            except (OSError, ValueError, IndexError) as error:
                print(f"the policy {value} cannot be used: {error}", file=sys.stderr)
                return 2
        elif word.startswith("--"):
            print(f"unknown option {word}", file=sys.stderr)
            print(__doc__, file=sys.stderr)
            return 2
        else:
            targets.append(word)
    if not targets:
        print(__doc__, file=sys.stderr)
        return 2
    check = {"store": check_store, "proof": check_proof, "receipt": check_receipt}[argv[1]]
    problems = []
    for target in targets:
        if tsa_cert is not None:
            found, what = check(target, policy, tsa_cert)
            if not found:
                what += "; time-stamped under the authority's certificate (openssl ts -verify)"
        elif policy is not None:
            found, what = check(target, policy)
        else:
            found, what = check(target)
        if policy is not None and not found:
            what += f"; under the policy, quorum {policy['quorum']} met"
        problems += found
        if not found:
            print(f"ok: {target}: {what}")
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
