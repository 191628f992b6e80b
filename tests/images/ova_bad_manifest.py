#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ova_bad_manifest.py OVA OUTDIR: a valid OVA with its manifest made
hostile, each as a plain and as a gzip-compressed OVA.

A manifest naming a missing file, one with an unknown algorithm
(SHA3-256), one with a short digest, one with a line without a digest.
Each is crafted, so each must be refused.  Each case is OUTDIR/N/m.ova;
prints "WHAT<TAB>PATH" and "WHAT (gzip OVA)<TAB>PATH" per fault.
"""
import os
import sys

from ova_tar import members, pack


def main():
    src, out = sys.argv[1:3]
    base = members(src)
    mf = [e for e in base if e[0].endswith(".mf")][0]
    rest = [e for e in base if e is not mf]
    ovf = [e for e in base if e[0].endswith(".ovf")][0][0].encode()
    line = b"SHA256(" + ovf + b")"
    cases = (
        ("a manifest naming a missing file",
         mf[1] + b"SHA256(s-disk2.vmdk)= " + b"0" * 64 + b"\n"),
        ("a manifest with an unknown algorithm", mf[1].replace(line, b"SHA3-" + line[3:])),
        ("a manifest with a short digest", mf[1].replace(line + b"= ", line + b"= 00")[:-40] + b"\n"),
        ("a manifest line without a digest", mf[1] + line + b"\n"))
    n = 0
    for label, text in cases:
        entries = [rest[0], (mf[0], text)] + rest[1:]
        for compress, suffix in ((False, ""), (True, " (gzip OVA)")):
            d = os.path.join(out, str(n))
            os.makedirs(d)
            n += 1
            print(f"{label}{suffix}\t{pack(os.path.join(d, 'm.ova'), entries, compress)}")


if __name__ == "__main__":
    main()
