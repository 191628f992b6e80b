#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""make_disk.py OUT PATTERN [ARGS]: write a raw test disk of a known pattern.

The image tests' inputs, written once here rather than in each script:

  pieces [--size SIZE] [--gaps hole|zero] [--seed N] [--alphabet TEXT]
         AT:LEN:KIND...
      KIND bytes at offset AT (ascending, not overlapping), the gaps between
      them holes (default) or written zeros, the file SIZE long (default:
      the end of the last piece).  KIND is
        data   random bytes (random.Random(N).randbytes with --seed N,
               else os.urandom);
        text   compressible text: each byte drawn from --alphabet with the
               same generator (default alphabet: "ovakit test disk ");
        zero   written zeros (allocated, unlike a gap's hole).
      The generator runs through the pieces in order, so a seeded disk is
      the same bytes on every run.
  zero-runs SIZE [--seed N] [--first OFF]
      Random bytes (seeded as above) with a 64 KiB zero run every 192 KiB,
      starting at OFF (default 0): zero detection at grain and cluster
      edges, and an odd size's tail.
  mix
      test_qcow2.sh's disk of every kind of 64 KiB cluster (seed 42):
      random with a 4 KiB zero run inside, text, whole zero clusters, half
      random half zero, repeated text; 200 clusters, then 3 random sectors.
  repeat COUNT [--block random|counters]
      One 1 MiB block written COUNT times: random (one os.urandom MiB) or
      counters (16-byte little-endian counters, which deflate squeezes but
      no zero detection can skip).

SIZE, AT, LEN and OFF take a K, M or G suffix (powers of 1024).
"""
import argparse
import os
import random
import sys

UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
MIB = 1 << 20


def size(text):
    """A byte count, with an optional K/M/G suffix."""
    if text and text[-1].upper() in UNITS:
        return int(text[:-1]) * UNITS[text[-1].upper()]
    return int(text)


def generator(seed):
    """randbytes(n) and a random.Random for choices: seeded, or urandom."""
    if seed is None:
        rnd = random.Random()
        return os.urandom, rnd
    rnd = random.Random(seed)
    return rnd.randbytes, rnd


def pieces(out, a):
    randbytes, rnd = generator(a.seed)
    alphabet = a.alphabet.encode()
    spans = []
    for spec in a.pieces:
        try:
            at, length, kind = spec.split(":")
        except ValueError:
            sys.exit(f"make_disk.py: piece {spec!r} is not AT:LEN:KIND")
        spans.append((size(at), size(length), kind))
    end = max((at + n for at, n, _ in spans), default=0)
    total = size(a.size) if a.size else end
    if total < end:
        sys.exit(f"make_disk.py: the pieces end at {end}, past --size {total}")
    pos = 0
    with open(out, "wb") as f:
        for at, n, kind in spans:
            if at < pos:
                sys.exit(f"make_disk.py: piece at {at} overlaps the one before")
            gap(f, pos, at, a.gaps)
            if kind == "data":
                f.write(randbytes(n))
            elif kind == "text":
                f.write(bytes(rnd.choice(alphabet) for _ in range(n)))
            elif kind == "zero":
                f.write(bytes(n))
            else:
                sys.exit(f"make_disk.py: unknown piece kind {kind!r}")
            pos = at + n
        gap(f, pos, total, a.gaps)
        f.truncate(total)


def gap(f, start, end, how):
    """Leave [start, end) a hole, or write zeros there."""
    if how == "zero":
        for off in range(start, end, MIB):
            f.write(bytes(min(MIB, end - off)))
    else:
        f.seek(end)


def zero_runs(out, a):
    randbytes, _ = generator(a.seed)
    total = size(a.size)
    b = bytearray(randbytes(total))
    for off in range(size(a.first), total, 3 * 65536):
        b[off:off + 65536] = bytes(min(65536, total - off))
    with open(out, "wb") as f:
        f.write(b)


def mix(out, a):
    r = random.Random(42)
    text = b"ovakit writes qcow2 clusters that qemu-img check calls clean. " * 64
    b = bytearray()
    for i in range(200):
        kind = i % 5
        if kind == 0:
            blk = bytearray(r.randbytes(65536))
            blk[8192:12288] = bytes(4096)          # a zero run inside a data cluster
        elif kind == 1:
            blk = bytearray((text * 20)[:65536])
        elif kind == 2:
            blk = bytearray(65536)                 # a whole zero cluster
        elif kind == 3:
            blk = bytearray(r.randbytes(30000)) + bytearray(35536)
        else:
            blk = bytearray(text[:4096]) * 16
        b += blk
    b += r.randbytes(512 * 3)                      # not a whole cluster at the end
    with open(out, "wb") as f:
        f.write(b)


def repeat(out, a):
    if a.block == "random":
        block = os.urandom(MIB)
    else:
        block = b"".join(i.to_bytes(8, "little") * 2 for i in range(1, MIB // 16 + 1))
    with open(out, "wb") as f:
        for _ in range(a.count):
            f.write(block)


def main():
    ap = argparse.ArgumentParser(prog="make_disk.py", description=__doc__.split("\n")[0])
    ap.add_argument("out")
    sub = ap.add_subparsers(dest="pattern", required=True)
    p = sub.add_parser("pieces")
    p.add_argument("--size")
    p.add_argument("--gaps", choices=("hole", "zero"), default="hole")
    p.add_argument("--seed", type=int)
    p.add_argument("--alphabet", default="ovakit test disk ")
    p.add_argument("pieces", nargs="*")
    p.set_defaults(fn=pieces)
    p = sub.add_parser("zero-runs")
    p.add_argument("size")
    p.add_argument("--seed", type=int)
    p.add_argument("--first", default="0")
    p.set_defaults(fn=zero_runs)
    p = sub.add_parser("mix")
    p.set_defaults(fn=mix)
    p = sub.add_parser("repeat")
    p.add_argument("count", type=int)
    p.add_argument("--block", choices=("random", "counters"), default="random")
    p.set_defaults(fn=repeat)
    a = ap.parse_args()
    a.fn(a.out, a)


if __name__ == "__main__":
    main()
