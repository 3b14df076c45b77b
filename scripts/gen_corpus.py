#!/usr/bin/env python3
"""Generate a benchmark corpus and citation batches for provdb.

Writes, under OUT:
  corpus/NNN/doc-NNNNN.txt   FILES text files, sizes uniform in 2-20 KB
  citations-*.jsonl          cite --batch lines whose quotes are in the files
  manifest.b3                "HASH  PATH" lines, the b3sum --check format

Every file holds numbered notes ("Note 17: 48,213 ballots in ward 9041.")
among filler sentences. A citation quotes one note ("Note 17: 48,213
ballots"), unique in its file, for the claim "ward W / ballots counted = N".
Wards repeat across files, so a claim has several citations; one note in 50
gives a different count, so sources disagree as real ones do.

Deterministic: the same arguments give the same bytes. Needs the `blake3`
package from PyPI for the source ids (pip install blake3).
"""

import argparse
import json
import os
import random

import blake3

WORDS = (
    "the council said on monday that officials had counted ballots across the district "
    "after polls closed and observers from several parties watched the process while "
    "residents waited outside the hall for results to be announced by the commission "
    "which later published a statement describing delays in some wards and a recount"
).split()

NOTES_PER_FILE = 50


def ward_of(file_index, note):
    return (file_index * NOTES_PER_FILE + note * 7919) % 250_000


def count_for(ward, disputed):
    base = 1000 + (ward * 2654435761) % 90_000
    return base + 1 if disputed else base


def filler(rng, length):
    out = []
    size = 0
    while size < length:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
        sentence = sentence[0].upper() + sentence[1:] + ". "
        out.append(sentence)
        size += len(sentence)
    return "".join(out)[:length]


def build_file(file_index, rng):
    target = rng.randint(2048, 20480)
    notes = []
    for note in range(1, NOTES_PER_FILE + 1):
        ward = ward_of(file_index, note)
        disputed = (file_index + note) % 50 == 0
        notes.append((note, ward, count_for(ward, disputed)))
    note_text = [f"Note {n}: {c:,} ballots in ward {w}.\n" for n, w, c in notes]
    budget = max(0, target - sum(len(t) for t in note_text))
    per_gap = budget // (len(note_text) + 1)
    parts = [f"Bulletin {file_index}\n"]
    for text in note_text:
        parts.append(filler(rng, per_gap) + "\n")
        parts.append(text)
    body = "".join(parts)
    if len(body) < target:
        body += filler(rng, target - len(body))
    return body.encode("utf-8"), notes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument(
        "--batches",
        default="100000,900000",
        help="comma-separated citation counts, one JSONL file each, with no line in two files",
    )
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    corpus = os.path.join(args.out, "corpus")
    os.makedirs(corpus, exist_ok=True)
    sources = []
    with open(os.path.join(args.out, "manifest.b3"), "w") as manifest:
        for index in range(args.files):
            data, notes = build_file(index, rng)
            folder = os.path.join(corpus, f"{index // 1000:03d}")
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, f"doc-{index:05d}.txt")
            with open(path, "wb") as handle:
                handle.write(data)
            digest = blake3.blake3(data).hexdigest()
            manifest.write(f"{digest}  {path}\n")
            sources.append((digest, notes))

    # Citations go round the files: note 1 of every file, then note 2, ...
    # so consecutive lines quote different sources, as a newsroom's do.
    order = ((f, n) for n in range(NOTES_PER_FILE) for f in range(args.files))
    wanted = [int(x) for x in args.batches.split(",") if x]
    if sum(wanted) > args.files * NOTES_PER_FILE:
        raise SystemExit(
            f"at most {args.files * NOTES_PER_FILE} citations fit in {args.files} files"
        )
    for number, count in enumerate(wanted, start=1):
        path = os.path.join(args.out, f"citations-{number}.jsonl")
        with open(path, "w") as out:
            for _ in range(count):
                file_index, note_index = next(order)
                digest, notes = sources[file_index]
                note, ward, value = notes[note_index]
                out.write(
                    json.dumps(
                        {
                            "source": digest,
                            "quote": f"Note {note}: {value:,} ballots",
                            "subject": f"ward {ward}",
                            "property": "ballots counted",
                            "value": value,
                        },
                        separators=(",", ":"),
                    )
                    + "\n"
                )


if __name__ == "__main__":
    main()
