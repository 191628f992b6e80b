#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""make_vfmt_seeds.py: the seed corpora of fuzz_vhd, fuzz_vhdx and fuzz_vdi
(tests/fuzz/corpus/<target>/), made by qemu-img (and, for differencing
children, which qemu-img cannot write, by tests/images/vfmt_diff.py).

Small on purpose: 2 KiB and 1 MiB + 512 byte disks with a little data.
VHD and VDI seeds are whole images; VHDX seeds are the compact form that
fuzz_vhdx.c lays out (see its top comment): the bytes at qemu-img's
offsets, cut to the lengths the target copies, with flags 0.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "images"))
KIB, MIB = 1 << 10, 1 << 20
# fuzz_vhdx.c's pieces: (offset in the image, bytes), then the tail at 4 MiB.
VHDX_PIECES = [(64 * KIB, 80), (192 * KIB, 128), (MIB, 8 * KIB), (2 * MIB, KIB), (3 * MIB, 512),
               (3 * MIB + 64 * KIB, 256)]
VHDX_TAIL_AT, VHDX_TAIL_MAX = 8 * MIB, 4 * MIB


def qemu(*args):
    subprocess.check_call(["qemu-img"] + list(args))


def raw_disk(path, size):
    data = bytearray(size)
    for at in range(0, size, 300 * KIB):
        data[at:at + 512] = os.urandom(min(512, size - at))
    open(path, "wb").write(data)


def compact_vhdx(img):
    out = bytearray(b"\0")
    for at, n in VHDX_PIECES:
        out += img[at:at + n] + bytes(n - len(img[at:at + n]))
    tail = img[VHDX_TAIL_AT:VHDX_TAIL_AT + VHDX_TAIL_MAX]
    return out + tail.rstrip(b"\0")


def put(corpus, target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), "wb").write(compact_vhdx(data) if target == "fuzz_vhdx" else data)


def image(t, fmt, opts, raw=None, size="2048"):
    img = os.path.join(t, "img")
    if raw:
        qemu("convert", "-q", "-f", "raw", "-O", fmt, "-o", opts, raw, img)
    else:
        qemu("create", "-q", "-f", fmt, "-o", opts, img, size)
    return open(img, "rb").read()


def main():
    corpus = os.path.join(HERE, "corpus")
    with tempfile.TemporaryDirectory() as t:
        small, mib = os.path.join(t, "small.raw"), os.path.join(t, "mib.raw")
        raw_disk(small, 2048)
        raw_disk(mib, MIB + 512)
        put(corpus, "fuzz_vhd", "empty-dynamic", image(t, "vpc", "subformat=dynamic"))
        put(corpus, "fuzz_vhd", "fixed-2048", image(t, "vpc", "subformat=fixed,force_size=on", small))
        put(corpus, "fuzz_vhd", "dynamic-2048", image(t, "vpc", "force_size=on", small))
        put(corpus, "fuzz_vdi", "empty-dynamic", image(t, "vdi", "static=off"))
        put(corpus, "fuzz_vdi", "static-2048", image(t, "vdi", "static=on", small))
        for name, opts, raw in (("dynamic", "block_size=1M", mib), ("fixed", "subformat=fixed", small),
                                ("empty", "block_size=1M", None)):
            put(corpus, "fuzz_vhdx", name, image(t, "vhdx", opts, raw))
        for fmt, target, ext, block in (("vpc", "fuzz_vhd", "vhd", "4K"),
                                        ("vhdx", "fuzz_vhdx", "vhdx", "2M")):
            base = os.path.join(t, "base." + ext)
            qemu("convert", "-q", "-f", "raw", "-O", fmt, "-o",
                 "force_size=on" if fmt == "vpc" else "block_size=1M", small, base)
            child = os.path.join(t, "child." + ext)
            subprocess.check_call([sys.executable, os.path.join(HERE, "..", "images", "vfmt_diff.py"),
                                   ext, base, child, os.path.join(t, "exp"), "--parent-raw", small,
                                   "--write", "0:512", "--write", "1K:512", "--block", block])
            put(corpus, target, "differencing", open(child, "rb").read())


if __name__ == "__main__":
    main()
