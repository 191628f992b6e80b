#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmdk_bad_markers.py STREAM.vmdk OUTDIR: hostile grain markers in a copy
of a streamOptimized VMDK that qemu-img wrote (at least two grains).

A marker claiming 3 grains of compressed data or 4 GiB; an LBA beyond the
capacity, at 2^63, or not on a grain boundary; two markers at one LBA;
markers going backwards.  Each is crafted, so each must be refused.
Each copy is OUTDIR/N/m.vmdk; prints "VMDK stream: WHAT<TAB>PATH" per copy.
"""
import os
import sys

from disk_fields import patched, read, vmdk_header, vmdk_stream_grains, write


def main():
    src, out = sys.argv[1:3]
    so = read(src)
    h = vmdk_header(so)
    cap, grain = h["capacity"], h["grain"]
    (o0, l0, _), (o1, l1, _) = vmdk_stream_grains(so)[:2]
    cases = (
        ("a grain marker claiming 3 grains of compressed data",
         patched(so, o0 + 8, "<I", 3 * grain * 512)),
        ("a grain marker claiming 4 GiB", patched(so, o0 + 8, "<I", 0xffffffff)),
        ("a grain marker at an LBA beyond the capacity", patched(so, o1, "<Q", cap)),
        ("a grain marker at LBA 2^63", patched(so, o1, "<Q", 1 << 63)),
        ("a grain marker at an LBA not on a grain boundary", patched(so, o1, "<Q", l0 + 1)),
        ("two grain markers at the same LBA", patched(so, o1, "<Q", l0)),
        ("grain markers going backwards", patched(patched(so, o0, "<Q", l1), o1, "<Q", l0)))
    for i, (label, data) in enumerate(cases):
        d = os.path.join(out, str(i))
        os.makedirs(d)
        print(f"VMDK stream: {label}\t{write(os.path.join(d, 'm.vmdk'), data)}")


if __name__ == "__main__":
    main()
