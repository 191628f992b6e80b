#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmdk_bad_extents.py FLAT-EXTENT OUTDIR: monolithicFlat descriptors whose
extent lines are hostile.

An absolute extent path, a path with "..", a ".." inside a path, an extent
of 2^63 sectors, an extent offset of 2^62 sectors, an extent naming its own
descriptor.  Each case is a directory OUTDIR/N holding a copy of the flat
extent as x-flat.vmdk and the descriptor as sub/d.vmdk (so "../x-flat.vmdk"
names a file that exists: it must be refused for the path, not for being
missing).  Prints "VMDK descriptor with WHAT<TAB>PATH" per descriptor.
"""
import os
import sys

from disk_fields import read, write

DESCRIPTOR = ('# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n'
              'createType="monolithicFlat"\n\n# Extent description\n{}\n\n'
              '# The Disk Data Base\nddb.virtualHWVersion = "4"\n')


def main():
    flat_path, out = sys.argv[1:3]
    flat = read(flat_path)
    cases = (
        ("an absolute extent path", 'RW 512 FLAT "/etc/passwd" 0'),
        ("an extent path with ..", 'RW 512 FLAT "../x-flat.vmdk" 0'),
        ("an extent path with a .. inside", 'RW 512 FLAT "a/../../x-flat.vmdk" 0'),
        ("an extent of 2^63 sectors", f'RW {1 << 63} FLAT "x-flat.vmdk" 0'),
        ("an extent offset of 2^62 sectors", f'RW 512 FLAT "x-flat.vmdk" {1 << 62}'),
        ("an extent naming itself", 'RW 512 SPARSE "d.vmdk"'))
    for i, (label, extent) in enumerate(cases):
        d = os.path.join(out, str(i))
        os.makedirs(os.path.join(d, "sub"))
        write(os.path.join(d, "x-flat.vmdk"), flat)
        desc = write(os.path.join(d, "sub", "d.vmdk"), DESCRIPTOR.format(extent).encode())
        print(f"VMDK descriptor with {label}\t{desc}")


if __name__ == "__main__":
    main()
