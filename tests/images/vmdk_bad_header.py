#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmdk_bad_header.py SPARSE.vmdk STREAM.vmdk OUTDIR: hostile geometry in
the header of copies of a monolithicSparse and a streamOptimized VMDK that
qemu-img wrote.

Capacity 2^63 sectors, 2^63 bytes, 2^64-1 sectors; grain size 0, 3 sectors
(not a power of two) and 2^40 sectors; 0 and 2^31 grain table entries per
table; a descriptor of 2^40 sectors; a grain directory beyond the file.
Each is crafted, so each must be refused.  Each copy is OUTDIR/N/g.vmdk;
prints "VMDK WHAT<TAB>PATH" per copy.
"""
import os
import sys

from disk_fields import patched, read, write


def main():
    ms_path, so_path, out = sys.argv[1:4]
    ms, so = read(ms_path), read(so_path)
    cases = (
        ("capacity 2^63 sectors", patched(ms, 12, "<Q", 1 << 63)),
        ("capacity 2^63 bytes", patched(ms, 12, "<Q", (1 << 63) // 512)),
        ("capacity 2^64-1 sectors (stream)", patched(so, 12, "<Q", (1 << 64) - 1)),
        ("grain size 0", patched(ms, 20, "<Q", 0)),
        ("grain size 0 (stream)", patched(so, 20, "<Q", 0)),
        ("grain size 3 sectors (not a power of two)", patched(ms, 20, "<Q", 3)),
        ("grain size 2^40 sectors", patched(ms, 20, "<Q", 1 << 40)),
        ("512 GTEs per GT: 0", patched(ms, 44, "<I", 0)),
        ("GTEs per GT 2^31", patched(ms, 44, "<I", 1 << 31)),
        ("descriptor size 2^40 sectors", patched(ms, 36, "<Q", 1 << 40)),
        ("gd offset beyond the file", patched(ms, 56, "<Q", 1 << 40)))
    for i, (label, data) in enumerate(cases):
        d = os.path.join(out, str(i))
        os.makedirs(d)
        print(f"VMDK {label}\t{write(os.path.join(d, 'g.vmdk'), data)}")


if __name__ == "__main__":
    main()
