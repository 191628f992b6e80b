#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmdk_bitflips.py header|gd|gt SPARSE.vmdk OUTDIR: copies of a sparse or
stream VMDK that qemu-img wrote, each with one bit of its metadata flipped.

  header  every byte of the header's fields (0..78), two bits each
          (bits off % 8 and 7 - off % 8);
  gd      every bit of grain directory entry 0, then of the redundant
          grain directory's entry 0;
  gt      every bit of each live (non-zero) entry of grain table 0.

Each copy is OUTDIR/N/c.vmdk; prints "#N<TAB>PATH" per copy.  A flipped
image may still be valid, so test_badinput_vmdk.sh judges these with qemu-img as
the oracle (badinput_judge.py table), not as must-refuse cases.
"""
import os
import sys

from disk_fields import flipped, read, vmdk_gt0, vmdk_header, write


def variants(kind, data):
    if kind == "header":
        return [flipped(data, off, bit) for off in range(79) for bit in (off % 8, 7 - off % 8)]
    h = vmdk_header(data)
    if kind == "gd":
        gd = h["gd"] * 512
        return ([flipped(data, gd + b // 8, b % 8) for b in range(32)] +
                [flipped(data, h["rgd"] * 512 + b // 8, b % 8) for b in range(32)])
    if kind == "gt":
        gt, entries = vmdk_gt0(data)
        live = [i for i, e in enumerate(entries) if e]
        return [flipped(data, gt + 4 * e + b // 8, b % 8) for e in live for b in range(32)]
    sys.exit(f"vmdk_bitflips.py: unknown kind {kind!r}")


def main():
    kind, src, out = sys.argv[1:4]
    for i, data in enumerate(variants(kind, read(src))):
        d = os.path.join(out, str(i))
        os.makedirs(d)
        print(f"#{i}\t{write(os.path.join(d, 'c.vmdk'), data)}")


if __name__ == "__main__":
    main()
