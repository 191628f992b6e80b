#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""qcow2_bad_fields.py IMAGE.qcow2 OUTDIR: hostile values in copies of a
version 3 qcow2 that qemu-img wrote.

Header: L1 size 2^31 and 2^32-1, refcount order 7, cluster bits 8 and 22,
virtual size 2^63 and 2^62 (the L1 table then too small), the L1 table
beyond the file, header length 2^31, a backing file name of 2^31 bytes, a
backing file /etc/passwd, an unknown incompatible feature bit.  Tables: an
L1 entry beyond the file or not aligned, an L2 entry (plain or compressed)
beyond the file.  Each is crafted, so each must be refused.  Each copy is
OUTDIR/N/q.qcow2; prints "qcow2 WHAT<TAB>PATH" per copy.
"""
import os
import sys

from disk_fields import patched, qcow2_tables, read, write


def main():
    src, out = sys.argv[1:3]
    q = read(src)
    l1_off, l2_off = qcow2_tables(q)
    cases = (
        ("L1 size 2^31", patched(q, 36, ">I", 1 << 31)),
        ("L1 size 2^32-1", patched(q, 36, ">I", 0xffffffff)),
        ("refcount order 7", patched(q, 96, ">I", 7)),
        ("cluster bits 8", patched(q, 20, ">I", 8)),
        ("cluster bits 22", patched(q, 20, ">I", 22)),
        ("virtual size 2^63", patched(q, 24, ">Q", 1 << 63)),
        ("virtual size 2^62 (L1 too small)", patched(q, 24, ">Q", 1 << 62)),
        ("L1 table beyond the file", patched(q, 40, ">Q", 1 << 40)),
        ("an L1 entry beyond the file", patched(q, l1_off, ">Q", (1 << 63) | (1 << 40))),
        ("an unaligned L1 entry", patched(q, l1_off, ">Q", (1 << 63) | (l2_off + 512))),
        ("an L2 entry beyond the file", patched(q, l2_off, ">Q", (1 << 63) | (1 << 40))),
        ("a compressed L2 entry beyond the file", patched(q, l2_off, ">Q", (1 << 62) | (1 << 40))),
        ("header length 2^31", patched(q, 100, ">I", 1 << 31)),
        ("backing file name of 2^31 bytes", patched(patched(q, 8, ">Q", 512), 16, ">I", 1 << 31)),
        ("backing file /etc/passwd",
         patched(patched(q[:1024] + b"/etc/passwd" + q[1035:], 8, ">Q", 1024), 16, ">I", 11)),
        ("an unknown incompatible feature bit", patched(q, 72, ">Q", 1 << 40)))
    for i, (label, data) in enumerate(cases):
        d = os.path.join(out, str(i))
        os.makedirs(d)
        print(f"qcow2 {label}\t{write(os.path.join(d, 'q.qcow2'), data)}")


if __name__ == "__main__":
    main()
