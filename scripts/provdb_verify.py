#!/usr/bin/env python3
"""An independent verifier for provdb stores and proofs.

It uses the `blake3` package from PyPI and nothing of provdb's code, and
checks what schema/store.md and schema/audit.md specify:

  python3 provdb_verify.py store STORE_DIR   the journal's hash chain, and every
                                             kept checkpoint's root against the
                                             RFC 6962 tree of the journal lines
  python3 provdb_verify.py proof FILE...     inclusion and consistency proofs

Exit status 0 when everything holds, 1 when anything does not.
"""

import base64
import json
import os
import sys

import blake3


def h(data):
    return blake3.blake3(data).digest()


def leaf_hash(line):
    return h(b"\x00" + line)


def node_hash(left, right):
    return h(b"\x01" + left + right)


def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    """RFC 6962 Merkle tree hash of a list of leaf hashes."""
    if not leaves:
        return h(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 section 2.1.3.2."""
    if size == 0 or index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if len(p) != 32 or sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, path, first_root, second_root):
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
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


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
    leaves = [leaf_hash(line + b"\n") for line in lines[:committed]]
    checkpoints = []
    path = os.path.join(store, "checkpoints")
    if os.path.exists(path):
        with open(path, "rb") as f:
            text = f.read()
        complete = text[: text.rfind(b"\n") + 1]
        checkpoints = [json.loads(line) for line in complete.splitlines()]
    for cp in checkpoints:
        size = cp["size"]
        if cp["origin"] != f"provdb/{store_id}":
            problems.append(f"checkpoint of size {size}: origin {cp['origin']} is not this store")
        if size > len(leaves):
            problems.append(f"checkpoint of size {size}: the journal has {len(leaves)} entries")
            continue
        if base64.b64decode(cp["root"]) != mth(leaves[:size]):
            problems.append(f"checkpoint of size {size}: root differs from the journal's tree")
    return problems, f"{len(lines)} journal entries, {len(checkpoints)} checkpoints"


def check_proof(path):
    with open(path) as f:
        proof = json.load(f)
    b64 = base64.b64decode
    if proof.get("type") == "provdb.inclusion" and proof.get("v") == 1:
        cp = proof["checkpoint"]
        line = proof["line"].encode()
        ok = "\n" not in proof["line"] and verify_inclusion(
            proof["leaf_index"],
            cp["size"],
            leaf_hash(line + b"\n"),
            [b64(p) for p in proof["proof"]],
            b64(cp["root"]),
        )
        what = f"entry {proof['leaf_index'] + 1} in {cp['origin']} size {cp['size']}"
    elif proof.get("type") == "provdb.consistency" and proof.get("v") == 1:
        old, new = proof["old"], proof["new"]
        ok = old["origin"] == new["origin"] and verify_consistency(
            old["size"], new["size"], [b64(p) for p in proof["proof"]], b64(old["root"]), b64(new["root"])
        )
        what = f"size {new['size']} extends size {old['size']} of {new['origin']}"
    else:
        return [f"{path}: not a provdb proof"], ""
    return ([] if ok else [f"{path}: does not hold ({what})"]), what


def main(argv):
    if len(argv) < 3 or argv[1] not in ("store", "proof"):
        print(__doc__, file=sys.stderr)
        return 2
    problems = []
    for target in argv[2:]:
        found, what = check_store(target) if argv[1] == "store" else check_proof(target)
        problems += found
        if not found:
            print(f"ok: {target}: {what}")
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
