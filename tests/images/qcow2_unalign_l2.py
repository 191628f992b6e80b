#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""qcow2_unalign_l2.py IMAGE.qcow2: in place, give the L2 entry of guest
cluster 0 a host offset that is not cluster aligned (OR 0x60400 into it).

test_qcow2.sh makes cluster 0 a zero cluster first: an unaligned offset
is corrupt even where no data is read through it, qemu-img refuses such an
image, and so must ova-convert.
"""
import struct
import sys

from disk_fields import qcow2_tables


def main():
    with open(sys.argv[1], "r+b") as f:
        _, l2 = qcow2_tables(f.read())
        f.seek(l2)
        e = struct.unpack(">Q", f.read(8))[0]
        f.seek(l2)
        f.write(struct.pack(">Q", e | 0x60400))


if __name__ == "__main__":
    main()
