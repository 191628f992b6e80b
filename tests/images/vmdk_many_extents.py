# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmdk_many_extents.py DESC N FLAT ORDER [FILES]: a monolithicFlat
descriptor DESC of N one-sector FLAT extents, as an attacker writes it to
cost one open and one mapping per extent.

ORDER "same": extent i maps sector i of FLAT (the output is FLAT itself);
"reverse": extent i maps sector N-1-i.  With FILES > 1, the extents cycle
over FILES distinct files FLAT.0, FLAT.1, ... (each 1 sector, created here)."""
import os
import sys


def main():
    desc, n, flat, order = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    files = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    lines = ['# Disk DescriptorFile', 'version=1', 'CID=fffffffe', 'parentCID=ffffffff',
             'createType="monolithicFlat"', '']
    for i in range(n):
        if files > 1:
            name, sector = "%s.%d" % (flat, i % files), 0
        else:
            name, sector = flat, (i if order == "same" else n - 1 - i)
        lines.append('RW 1 FLAT "%s" %d' % (name, sector))
    lines += ['', 'ddb.virtualHWVersion = "4"', '']
    with open(desc, "w") as f:
        f.write("\n".join(lines))
    d = os.path.dirname(desc) or "."
    for k in range(files if files > 1 else 0):
        with open(os.path.join(d, "%s.%d" % (flat, k)), "wb") as f:
            f.write(bytes([k % 256]) * 512)


main()
